"""PyInstaller.utils.hooks.setuptools: what hooks ask about the installed setuptools."""

import importlib.util


class _SetuptoolsInfo:
    def __init__(self):
        self.available = importlib.util.find_spec("setuptools") is not None
        self.version = None
        self.distutils_vendored = False
        self.distutils_modules = []
        self.vendored_status = {}
        self.vendored_namespace_package_paths = {}
        if self.available:
            try:
                import importlib.metadata as metadata

                self.version = tuple(
                    int(p) for p in metadata.version("setuptools").split(".")[:3] if p.isdigit()
                )
            except Exception:
                pass

    def is_vendored(self, module_name):
        return False


setuptools_info = _SetuptoolsInfo()
