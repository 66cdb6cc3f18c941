"""PyInstaller.compat as hooks read it: facts about the *target* platform (pybundle sets them
before any hook runs, so `if is_win:` in a hook is judged for the bundle's platform) and about
the running interpreter, which has the target runtime's minor version."""

import importlib.machinery
import os
import sys

# Overwritten by the runner from the build's target.
is_win = False
is_darwin = False
is_linux = True
is_cygwin = False
is_musl = False
is_freebsd = False
is_openbsd = False
is_aix = False
is_solar = False
is_hpux = False
is_unix = True
is_win_10 = False
is_win_11 = False
is_win_wine = False
is_macos_11 = False
is_macos_11_compat = False
is_macos_11_native = False
is_conda = False
is_pure_conda = False
is_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
is_virtualenv = is_venv
is_64bits = sys.maxsize > 2**32
machine = "x86_64"

_v = sys.version_info[:2]
is_py37 = _v >= (3, 7)
is_py38 = _v >= (3, 8)
is_py39 = _v >= (3, 9)
is_py310 = _v >= (3, 10)
is_py311 = _v >= (3, 11)
is_py312 = _v >= (3, 12)
is_py313 = _v >= (3, 13)
is_py314 = _v >= (3, 14)
is_py315 = _v >= (3, 15)
is_nogil = False

PYDYLIB_NAMES = set()
EXTENSION_SUFFIXES = list(importlib.machinery.EXTENSION_SUFFIXES)
ALL_SUFFIXES = list(importlib.machinery.all_suffixes())
base_prefix = getattr(sys, "base_prefix", sys.prefix)
exec_python = sys.executable
python_executable = sys.executable
open_file = open
text_read_mode = "r"
strict_collect_mode = False


def getenv(name, default=None):
    return os.environ.get(name, default)


def setenv(name, value):
    os.environ[name] = value


def unsetenv(name):
    os.environ.pop(name, None)


def exec_command(*cmdargs, **kwargs):
    import subprocess

    return subprocess.run(cmdargs, capture_output=True, text=True).stdout


def exec_command_stdout(*cmdargs, **kwargs):
    return exec_command(*cmdargs, **kwargs)


def exec_python(*args, **kwargs):
    return exec_command(sys.executable, *args)


def exec_python_rc(*args, **kwargs):
    import subprocess

    return subprocess.run([sys.executable, *args]).returncode


try:
    import importlib.metadata as importlib_metadata
except ImportError:  # 3.7
    importlib_metadata = None


def set_target(facts):
    """Judge what hooks ask about the platform for the bundle's target."""
    module = sys.modules[__name__]
    os_name = facts.get("os", "linux")
    module.is_win = os_name == "windows"
    module.is_darwin = os_name == "macos"
    module.is_linux = os_name == "linux"
    module.is_unix = not module.is_win
    module.is_win_10 = module.is_win
    module.machine = facts.get("machine", "x86_64")
    suffix = facts.get("extension_suffixes")
    if suffix:
        module.EXTENSION_SUFFIXES = list(suffix)
