# Runs PyInstaller hooks for pybundle (packages/pyi_hooks/mod.rs), with the build interpreter, in
# a process of its own (`-I`, an empty working folder), against pybundle's stand-in for the parts
# of PyInstaller that hooks import (packages/pyi_hooks/compat/). Runs on any CPython 3.8+.
#
#   python -I runner.py COMPAT REQUEST RESULTS
#
# REQUEST is JSON: {"target": {...}, "paths": [folder, ...], "entry_points": [[dist,
# "module:attr"], ...], "hooks": [[module, hook file], ...], "code_users": [[module, file],
# ...]}; `paths` go at the end of sys.path (a fetched pyinstaller-hooks-contrib, whose hooks
# import its helpers); `code_users` are the app's own modules, which a hook may read.
# RESULTS gets one JSON line per answer, written as each is known, so that a hook that kills
# the process costs only itself: first
# {"hook_dirs": [[dist, [dir, ...]], ...]} for the entry points, then one line per hook:
# {"module", "file", "error", "hiddenimports", "excludedimports", "datas", "binaries",
#  "collection_mode", "log"}, `datas` and `binaries` as [source file, destination folder]
# pairs with every glob and folder already expanded to files.
import contextlib
import glob
import io
import json
import logging
import os
import sys
import traceback


def main():
    compat_dir, request_file, results_file = sys.argv[1:4]
    sys.path.insert(0, compat_dir)
    with open(request_file, encoding="utf-8") as f:
        request = json.load(f)
    sys.path.extend(request.get("paths", []))
    provide_packaging()
    import PyInstaller.compat

    PyInstaller.compat.set_target(request.get("target", {}))
    log = Captured()
    logging.getLogger().addHandler(log)
    logging.getLogger().setLevel(logging.INFO)
    out = open(results_file, "a", encoding="utf-8")

    def answer(value):
        out.write(json.dumps(value) + "\n")
        out.flush()

    if "entry_points" in request:
        answer({"hook_dirs": [[dist, hook_dirs(ref)] for dist, ref in request["entry_points"]]})
    users = request.get("code_users", [])
    for module, file in request.get("hooks", []):
        answer(run_hook(module, file, log, users))


def provide_packaging():
    """PyInstaller requires `packaging`, so its hooks import it freely; where the build
    environment lacks it, pip's own copy stands in."""
    try:
        import packaging.version  # noqa: F401
        return
    except ImportError:
        pass
    try:
        import pip._vendor.packaging as vendored
    except ImportError:
        return
    sys.modules["packaging"] = vendored
    for name in ("version", "specifiers", "requirements", "markers", "utils", "tags"):
        try:
            module = __import__(f"pip._vendor.packaging.{name}", fromlist=["_"])
        except ImportError:
            continue
        sys.modules[f"packaging.{name}"] = module


class Captured(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines = []

    def emit(self, record):
        try:
            self.lines.append(f"{record.levelname.lower()}: {record.getMessage()}")
        except Exception:
            pass


def hook_dirs(ref):
    """What a `pyinstaller40` `hook-dirs` entry point returns."""
    module_name, _, attr = ref.partition(":")
    try:
        with quiet():
            module = __import__(module_name.strip(), fromlist=["_"])
            function = module
            for part in attr.strip().split("."):
                function = getattr(function, part)
            dirs = function()
        return [str(d) for d in dirs if os.path.isdir(str(d))]
    except BaseException:
        return []


@contextlib.contextmanager
def quiet():
    """What a hook or a package prints is not pybundle's output."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield sink


class Module:
    def __init__(self, name):
        self.__name__ = name
        self.identifier = name
        self.name = name
        self.filename = None


class Graph:
    """The module graph as far as hooks walk it: the app's own modules' code (`users`, (name,
    file) pairs), for hooks that read it (matplotlib's looks for `matplotlib.use()`)."""

    def __init__(self, users):
        self._users = users

    def iter_graph(self, start=None):
        return iter(())

    def find_node(self, name):
        return None

    def get_code_using(self, module):
        found = {}
        for name, file in self._users:
            try:
                with open(file, "rb") as f:
                    source = f.read()
                if module.encode() in source:
                    found[name] = compile(source, file, "exec")
            except (OSError, SyntaxError, ValueError):
                continue
        return found


class Analysis:
    def __init__(self, graph):
        self.graph = graph


class HookAPI:
    """What a hook's `hook(hook_api)` function is given."""

    def __init__(self, module, result, users):
        self.__name__ = module
        self.module = Module(module)
        self.module_graph = Graph(users)
        self.analysis = Analysis(self.module_graph)
        self._result = result

    def add_imports(self, *names):
        self._result["hiddenimports"].extend(str(n) for n in names)

    def del_imports(self, *names):
        self._result["excludedimports"].extend(str(n) for n in names)

    def add_datas(self, pairs):
        self._result["datas"].extend(pairs)

    def add_binaries(self, pairs):
        self._result["binaries"].extend(pairs)

    def add_runtime_hook(self, *names):
        pass

    def set_module_collection_mode(self, name, mode):
        if name is None:
            name = self.__name__
        self._result["collection_mode"].append([str(name), str(mode)])


def run_hook(module, file, log, users):
    result = {
        "module": module,
        "file": file,
        "error": None,
        "hiddenimports": [],
        "excludedimports": [],
        "datas": [],
        "binaries": [],
        "collection_mode": [],
        "log": [],
    }
    log.lines = []
    namespace = {"__name__": "hook-" + module, "__file__": file}
    try:
        with open(file, "rb") as f:
            code = compile(f.read(), file, "exec")
        with quiet():
            exec(code, namespace)
            hook = namespace.get("hook")
            if callable(hook):
                hook(HookAPI(module, result, users))
    except BaseException as error:
        tb = traceback.extract_tb(error.__traceback__)
        where = next((f"line {f.lineno}" for f in reversed(tb) if f.filename == file), "")
        result["error"] = f"{type(error).__name__}: {error}" + (f" ({where})" if where else "")
    for key in ("hiddenimports", "excludedimports"):
        value = namespace.get(key) or []
        if isinstance(value, str):
            value = [value]
        result[key] = sorted({str(v) for v in list(value) + result[key]})
    for key in ("datas", "binaries"):
        pairs = list(namespace.get(key) or []) + result[key]
        result[key] = expand(pairs)
    mode = namespace.get("module_collection_mode")
    if isinstance(mode, str):
        result["collection_mode"].append([module, mode])
    elif isinstance(mode, dict):
        result["collection_mode"].extend([str(k), str(v)] for k, v in mode.items())
    result["log"] = log.lines[:20]
    return result


def expand(pairs):
    """(source, destination folder) pairs as files: a glob's matches, a folder's files (under
    the destination as they are under the folder)."""
    out = []
    for pair in pairs:
        try:
            source, dest = pair[0], pair[1]
        except (TypeError, IndexError):
            continue
        source, dest = str(source), str(dest).replace("\\", "/").strip("/")
        matches = glob.glob(source) if glob.has_magic(source) else [source]
        for match in matches:
            if os.path.isdir(match):
                for root, folders, files in os.walk(match):
                    folders[:] = [f for f in folders if f != "__pycache__"]
                    rel = os.path.relpath(root, match).replace(os.sep, "/")
                    folder = dest if rel == "." else f"{dest}/{rel}".strip("/")
                    out.extend([os.path.join(root, f), folder] for f in sorted(files))
            elif os.path.isfile(match):
                out.append([match, dest])
    return out


if __name__ == "__main__":
    main()
