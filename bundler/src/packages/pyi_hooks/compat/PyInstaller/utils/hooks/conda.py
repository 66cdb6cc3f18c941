"""PyInstaller.utils.hooks.conda: pybundle reads conda environments as any site-packages, so the
conda-only helpers find nothing."""


class PackagePath:
    pass


def distribution(name):
    raise ModuleNotFoundError(f"{name}: pybundle does not read conda's package records")


def collect_dynamic_libs(name, dest=".", dependencies=True, _seen=None):
    return []


def requires(name, strip_versions=False):
    return []


def files(name, dependencies=False, excludes=None):
    return []
