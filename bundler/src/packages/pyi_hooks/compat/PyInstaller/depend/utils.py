"""PyInstaller.depend.utils: the ctypes scan its hooks call is pybundle's native closure's job."""


def _resolveCtypesImports(cbinaries):
    return []


def get_path_to_egg(path):
    return None
