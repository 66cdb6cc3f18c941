"""PyInstaller.depend.bindepend: shared libraries are pybundle's native closure's job."""


def findLibrary(name):
    import ctypes.util

    return ctypes.util.find_library(name)


def findSystemLibrary(name):
    return findLibrary(name)
