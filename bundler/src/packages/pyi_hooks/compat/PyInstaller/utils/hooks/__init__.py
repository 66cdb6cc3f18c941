"""PyInstaller.utils.hooks as pybundle provides it to PyInstaller's hooks: the helpers a hook
calls to name a package's submodules, data files, shared libraries and metadata, answered from
the build interpreter's installed packages. Written for pybundle after PyInstaller's
documented behaviour (the pairs are `(source path, destination folder in the bundle)`, the
destination relative to the bundle's root, where pybundle puts site-packages' contents as
PyInstaller does). Hooks run in a process of pybundle's own, so nothing here isolates again."""

import fnmatch
import glob
import importlib
import importlib.util
import logging
import os
import pkgutil
import re
import subprocess
import sys

from PyInstaller import compat

logger = logging.getLogger("PyInstaller")

PY_IGNORE_EXTENSIONS = {".pyc", ".pyo"}
PY_DYLIB_PATTERNS = ["*.dll", "*.dylib", "lib*.so", "lib*.so.*"]
hook_variables = {}

try:
    import importlib.metadata as _metadata
except ImportError:  # 3.7
    _metadata = None


# Finding packages ---------------------------------------------------------------------------


def _spec(name):
    try:
        return importlib.util.find_spec(name)
    except Exception:
        return None


def is_package(module_name):
    spec = _spec(module_name)
    return spec is not None and spec.submodule_search_locations is not None


def can_import_module(module_name):
    try:
        importlib.import_module(module_name)
    except BaseException:
        return False
    return True


def get_module_file_attribute(package):
    spec = _spec(package)
    if spec is None or not spec.origin:
        raise ImportError(f"no module named {package!r}")
    return spec.origin


def get_pywin32_module_file_attribute(module_name):
    # pywin32's pywintypes and pythoncom are DLLs (pywin32_system32/pywintypes311.dll), and
    # Windows-only: looked for on sys.path's folders, as pywin32 does when frozen, not imported.
    name = "%s%d%d.dll" % (module_name, sys.version_info[0], sys.version_info[1])
    for entry in sys.path:
        for folder in (os.path.join(entry, "pywin32_system32"), entry):
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                return candidate
    return get_module_file_attribute(module_name)


def get_module_attribute(module_name, attr_name):
    module = importlib.import_module(module_name)
    if not hasattr(module, attr_name):
        raise AttributeError(f"{module_name} has no attribute {attr_name!r}")
    return getattr(module, attr_name)


def _package_dirs(package):
    """Every folder of `package` (several for a namespace package)."""
    spec = _spec(package)
    if spec is None:
        raise ValueError(f"package {package!r} does not exist")
    if spec.submodule_search_locations is None:
        raise ValueError(f"{package!r} is a module, not a package")
    return [d for d in spec.submodule_search_locations if os.path.isdir(d)]


def _base_of(pkg_dir, package):
    """The sys.path folder `pkg_dir` (the folder of `package`) lies in."""
    base = pkg_dir
    for _ in package.split("."):
        base = os.path.dirname(base)
    return base


def get_package_paths(package):
    dirs = _package_dirs(package)
    if not dirs:
        raise ValueError(f"package {package!r} has no folder")
    return _base_of(dirs[0], package), dirs[0]


def get_all_package_paths(package):
    try:
        return _package_dirs(package)
    except ValueError:
        return []


def package_base_path(package_path, package):
    return _base_of(package_path, package)


# Submodules ---------------------------------------------------------------------------------


def collect_submodules(package, filter=lambda name: True, on_error="warn once"):
    """The names of `package` and every module below it that `filter` keeps (a rejected
    package's own submodules are not looked at), read from its folders without importing
    its subpackages."""
    if not isinstance(package, str):
        raise TypeError("package must be a str")
    spec = _spec(package)
    if spec is None:
        logger.warning("collect_submodules: no module named %r", package)
        return []
    if not filter(package):
        return []
    if spec.submodule_search_locations is None:
        return [package]
    try:
        paths = list(importlib.import_module(package).__path__)
    except Exception as error:
        if on_error == "raise":
            raise
        logger.warning("collect_submodules: importing %r failed: %s", package, error)
        paths = list(spec.submodule_search_locations)
    found = [package]
    pending = [(package, paths)]
    while pending:
        name, folders = pending.pop()
        for info in pkgutil.iter_modules(folders):
            full = f"{name}.{info.name}"
            if not filter(full):
                continue
            found.append(full)
            if info.ispkg:
                below = [os.path.join(f, info.name) for f in folders]
                pending.append((full, [d for d in below if os.path.isdir(d)]))
    return sorted(set(found))


def is_module_or_submodule(name, mod_or_submod):
    return name == mod_or_submod or name.startswith(mod_or_submod + ".")


# Files --------------------------------------------------------------------------------------


def _matches(rel, pattern):
    """A glob pattern relative to a package folder, as PyInstaller's include and exclude
    lists take them: `**` spans folders (none too), and a folder's pattern covers what is in
    it."""
    rel = rel.replace(os.sep, "/")
    pattern = pattern.replace(os.sep, "/").rstrip("/")
    candidates = [pattern]
    while candidates[-1].startswith("**/"):
        candidates.append(candidates[-1][3:])
    parts = rel.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatch.fnmatch(p, c) for c in candidates for p in prefixes)


def include_or_exclude_file(filename, include_list=None, exclude_list=None):
    if include_list is not None and not any(_matches(filename, p) for p in include_list):
        return False
    if exclude_list is not None and any(_matches(filename, p) for p in exclude_list):
        return False
    return True


def collect_data_files(package, include_py_files=False, subdir=None, excludes=None, includes=None):
    """(file, destination folder) for every data file of `package`: everything in its folders
    but compiled modules and caches, and Python sources only with `include_py_files`."""
    if not isinstance(package, str):
        raise TypeError("package must be a str")
    try:
        dirs = _package_dirs(package)
    except ValueError as error:
        logger.warning("collect_data_files: %s", error)
        return []
    out = []
    for pkg_dir in dirs:
        base = _base_of(pkg_dir, package)
        top = os.path.join(pkg_dir, subdir) if subdir else pkg_dir
        for root, folders, files in os.walk(top):
            folders[:] = sorted(f for f in folders if f != "__pycache__")
            for name in sorted(files):
                ext = os.path.splitext(name)[1]
                if ext in PY_IGNORE_EXTENSIONS:
                    continue
                if ext == ".py" and not include_py_files:
                    continue
                source = os.path.join(root, name)
                rel = os.path.relpath(source, pkg_dir)
                if includes and not any(_matches(rel, p) for p in includes):
                    continue
                if excludes and any(_matches(rel, p) for p in excludes):
                    continue
                out.append((source, os.path.dirname(os.path.relpath(source, base))))
    return out


def collect_system_data_files(path, destdir=None, include_py_files=False):
    out = []
    for root, folders, files in os.walk(path):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        for name in sorted(files):
            ext = os.path.splitext(name)[1]
            if ext in PY_IGNORE_EXTENSIONS or (ext == ".py" and not include_py_files):
                continue
            source = os.path.join(root, name)
            rel = os.path.dirname(os.path.relpath(source, path))
            out.append((source, os.path.normpath(os.path.join(destdir or "", rel))))
    return out


def collect_dynamic_libs(package, destdir=None, search_patterns=PY_DYLIB_PATTERNS):
    """(library, destination folder) for the shared libraries in `package`'s folders."""
    try:
        dirs = _package_dirs(package)
    except ValueError:
        return []
    out = []
    for pkg_dir in dirs:
        base = _base_of(pkg_dir, package)
        for root, folders, files in os.walk(pkg_dir):
            folders[:] = sorted(f for f in folders if f != "__pycache__")
            for name in sorted(files):
                if any(fnmatch.fnmatch(name, p) for p in search_patterns):
                    source = os.path.join(root, name)
                    dest = destdir or os.path.dirname(os.path.relpath(source, base))
                    out.append((source, dest))
    return out


def collect_delvewheel_libs_directory(package_name, libdir_name=None, datas=None, binaries=None):
    """A Windows wheel's DLL folder (`<dist>.libs`, which delvewheel writes beside the
    package), as binaries."""
    datas = list(datas or [])
    binaries = list(binaries or [])
    try:
        base, _ = get_package_paths(package_name)
    except ValueError:
        return datas, binaries
    names = [libdir_name] if libdir_name else [f"{package_name}.libs"]
    for name in names:
        folder = os.path.join(base, name)
        if os.path.isdir(folder):
            for entry in sorted(os.listdir(folder)):
                binaries.append((os.path.join(folder, entry), name))
    return datas, binaries


# Metadata -----------------------------------------------------------------------------------


def _distribution(name):
    if _metadata is None:
        raise ImportError("importlib.metadata is not available")
    return _metadata.distribution(name)


def _metadata_folder(dist):
    folder = getattr(dist, "_path", None)
    if folder is None:
        raise RuntimeError(f"{dist.metadata['Name']}: its metadata folder cannot be found")
    return str(folder)


def _requirement_name(text):
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    return match.group(1) if match else None


def copy_metadata(package_name, recursive=False):
    """(metadata folder, its name) of the distribution `package_name`, and with `recursive`
    of everything it requires (extras left aside)."""
    out = []
    pending = [package_name]
    seen = set()
    while pending:
        name = pending.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        seen.add(key)
        dist = _distribution(name)
        folder = _metadata_folder(dist)
        out.append((folder, os.path.basename(folder.rstrip(os.sep))))
        if recursive:
            for requirement in dist.requires or []:
                if re.search(r"extra\s*==", requirement):
                    continue
                if ";" in requirement and not _marker_holds(requirement.split(";", 1)[1]):
                    continue
                required = _requirement_name(requirement)
                if required:
                    try:
                        _distribution(required)
                    except Exception:
                        continue
                    pending.append(required)
    return out


def _marker_holds(marker):
    for packaging in _packaging_modules():
        try:
            return packaging[2].Marker(marker).evaluate()
        except Exception:
            return True
    return True


def requirements_for_package(package_name):
    dist = _distribution(package_name)
    return [n for n in (_requirement_name(r) for r in dist.requires or []) if n]


def collect_entry_point(name):
    """(metadata of the distributions that declare entry points in the group `name`, the
    modules those entry points name)."""
    if _metadata is None:
        return [], []
    eps = _metadata.entry_points()
    group = eps.select(group=name) if hasattr(eps, "select") else eps.get(name, [])
    datas, imports = [], []
    for ep in group:
        imports.append(ep.value.split(":")[0].strip())
        dist = getattr(ep, "dist", None)
        if dist is not None:
            try:
                folder = _metadata_folder(dist)
                datas.append((folder, os.path.basename(folder.rstrip(os.sep))))
            except Exception:
                pass
    return sorted(set(datas)), sorted(set(imports))


def get_installer(module):
    return "pip"


# Versions -----------------------------------------------------------------------------------


def _packaging_modules():
    for prefix in ("packaging", "pip._vendor.packaging"):
        try:
            requirements = importlib.import_module(prefix + ".requirements")
            version = importlib.import_module(prefix + ".version")
            markers = importlib.import_module(prefix + ".markers")
        except Exception:
            continue
        return [(requirements, version, markers)]
    return []


def check_requirement(requirement):
    """Is a distribution that meets `requirement` (`"sqlalchemy >= 1.4"`) installed?"""
    name = _requirement_name(requirement)
    if not name:
        return False
    try:
        installed = _distribution(name).version
    except Exception:
        return False
    for requirements, version, _ in _packaging_modules():
        try:
            parsed = requirements.Requirement(requirement)
            return parsed.specifier.contains(version.Version(installed), prereleases=True)
        except Exception:
            break
    return _simple_check(requirement[len(name) :], installed)


def is_module_satisfies(requirements, version=None, version_attr=None):
    return check_requirement(requirements)


def _release(text):
    parts = re.findall(r"\d+", text.split("+")[0])
    return tuple(int(p) for p in parts[:6])


def _simple_check(spec, installed):
    have = _release(installed)
    for clause in filter(None, (c.strip() for c in spec.split(","))):
        match = re.match(r"(~=|===|==|!=|>=|<=|>|<)\s*(.+)", clause)
        if not match:
            continue
        op, text = match.groups()
        if text.endswith(".*"):
            prefix = _release(text[:-2])
            same = have[: len(prefix)] == prefix
            if (op == "==") != same:
                return False
            continue
        want = _release(text)
        size = max(len(have), len(want))
        a, b = have + (0,) * (size - len(have)), want + (0,) * (size - len(want))
        ok = {
            "==": a == b,
            "===": installed == text,
            "!=": a != b,
            ">=": a >= b,
            "<=": a <= b,
            ">": a > b,
            "<": a < b,
            "~=": a >= b and a[: max(len(want) - 1, 1)] == b[: max(len(want) - 1, 1)],
        }[op]
        if not ok:
            return False
    return True


# Running code -------------------------------------------------------------------------------


def exec_statement(statement):
    """What `statement` prints when run by the build interpreter."""
    done = subprocess.run([sys.executable, "-c", statement], capture_output=True, text=True)
    return done.stdout.strip()


def eval_statement(statement):
    text = exec_statement(statement)
    if not text:
        return ""
    return eval(text)


# Odds and ends ------------------------------------------------------------------------------


def get_hook_config(hook_api, module_name, key):
    return None


def get_homebrew_path(formula=""):
    return None


def remove_prefix(string, prefix):
    return string[len(prefix) :] if string.startswith(prefix) else string


def remove_suffix(string, suffix):
    return string[: -len(suffix)] if suffix and string.endswith(suffix) else string


def remove_file_extension(filename):
    for suffix in compat.EXTENSION_SUFFIXES + [".py", ".pyc"]:
        if filename.endswith(suffix):
            return filename[: -len(suffix)]
    return os.path.splitext(filename)[0]


def collect_all(
    package_name,
    include_py_files=True,
    filter_submodules=None,
    exclude_datas=None,
    include_datas=None,
    on_error="warn once",
):
    """A package whole: (data files and metadata, shared libraries, submodules)."""
    datas = collect_data_files(
        package_name, include_py_files, excludes=exclude_datas, includes=include_datas
    )
    binaries = collect_dynamic_libs(package_name)
    hiddenimports = collect_submodules(
        package_name, filter=filter_submodules or (lambda name: True), on_error=on_error
    )
    if _metadata is not None and hasattr(_metadata, "packages_distributions"):
        top = package_name.split(".")[0]
        for dist in _metadata.packages_distributions().get(top, []):
            try:
                datas += copy_metadata(dist)
            except Exception:
                pass
    return datas, binaries, hiddenimports


from . import conda as conda_support  # noqa: E402
