# The first code a bundled interpreter runs (compiled into the bundle as _pybundle_boot.pyc).
# The launcher runs CPython in its own process with the bundle's root as its home, as
# `EXE [OPTIONS] -I -B _pybundle_boot.pyc EXE ARGV0 LD_STATE ARGS...` (stub/src/unix/python.rs,
# stub/src/windows/python.rs).
# It makes the process look like `python app.py` run from the bundle (docs/runtime.md), then
# runs the app's compiled main script as __main__, after the runtime hooks. pybundle fills in
# MAIN_FILE, MAIN_PYC, PTH, FROZEN_PATH, HOOKS, MODULES and TCLTK.
#
# multiprocessing starts helpers by running sys.executable (this bundle) again: spawn workers
# as `EXE --multiprocessing-fork k=v...`, the resource tracker and the fork server as
# `EXE <flags> -c "from multiprocessing.<x> import main; ..."`. Those are served here, so apps
# need no freeze_support() and never re-run their main code by mistake.
import sys

MAIN_FILE = "@MAIN_FILE@"
MAIN_PYC = "@MAIN_PYC@"
# The .pth files of the bundle's third-party distributions (which sit at the root, as
# PyInstaller lays them out), each as its name, a newline and its text.
PTH = "@PTH@"
# Folders of the bundle that frozen packages look for files in on sys.path (pywin32's
# pywin32_system32), put at its end.
FROZEN_PATH = "@FROZEN_PATH@"
# The bundle's Tcl and Tk script libraries, when it carries tkinter.
TCLTK = "@TCLTK@"
# --runtime-hook scripts, compiled, run in this order before the app (and in its
# multiprocessing helpers, which start as the app does).
HOOKS = "@HOOKS@"
# The module store (bundler/src/store/mod.rs): the app's and its distributions' compiled
# modules in one file, relative to the root; "" when there is none.
MODULES = "@MODULES@"
# The standard library's modules this bundle leaves out: importing one says so.
PRUNED = "@PRUNED@"

_HELPERS = (
    "from multiprocessing.resource_tracker import main",
    "from multiprocessing.forkserver import main",
    "from multiprocessing.semaphore_tracker import main",
)


def _serve_module_store(root, store):
    """Serve imports from the module store: a path hook claims each folder of the root that
    holds stored modules, answering for those (with the __file__ and __path__ they would have
    as files) and leaving everything else in the folder (extension modules, anything not
    stored) to the finder Python would have used. So sys.path's order, namespace packages and
    pkgutil.iter_modules work as with files, and data is read from the real folders."""
    import marshal
    import os
    from importlib.machinery import ModuleSpec, SourcelessFileLoader

    sep = os.sep
    # A bare descriptor, open for as long as the app runs: a file object would be reported
    # unclosed at exit (a ResourceWarning under -X dev), and there is nothing to close it.
    fd = os.open(store, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))
    pread = getattr(os, "pread", None)
    if pread is None:
        import _thread

        lock = _thread.allocate_lock()

        def pread(fd, length, offset):
            with lock:
                os.lseek(fd, offset, os.SEEK_SET)
                chunks = []
                while length > 0:
                    chunk = os.read(fd, length)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    length -= len(chunk)
                return b"".join(chunks)

    header = pread(fd, 16, 0)
    if header[:8] != b"PBMODS\0\x01" or len(header) != 16:
        raise ImportError(f"{store} is not a pybundle module store")
    index_len = int.from_bytes(header[8:12], "little")
    compressed = header[12] & 1
    index = pread(fd, index_len, 16).decode("utf-8")
    base = 16 + index_len
    if compressed:
        from zlib import decompress

    def read(offset, length):
        data = pread(fd, length, base + offset)
        if len(data) != length:
            raise ImportError(f"{store} is cut short")
        return decompress(data) if compressed else data

    # Folder -> {name: (offset, length, is_package)}; folder -> names of the folders below it
    # that hold stored modules (namespace packages unless stored as packages); folder ->
    # {name: (offset, length)} of its stored resources.
    modules = {}
    spaces = {}
    resources = {}
    # Folders with stored resources at or below them: their packages' importlib.resources
    # reader is the store's; every other package's is Python's own (pathlib.Path objects).
    holds_resources = set()
    for line in index.splitlines():
        kind, entry, rel, offset, length = line.split("\t")
        if kind not in ("m", "r"):
            continue  # the build's record, for pybundle inspect
        folder = root + sep + entry.replace("/", sep) if entry else root
        parts = rel.split("/")
        name = parts.pop()
        if kind == "r":
            holds_resources.add(folder)
            for part in parts:
                spaces.setdefault(folder, set()).add(part)
                folder = folder + sep + part
                holds_resources.add(folder)
            resources.setdefault(folder, {})[name] = (int(offset), int(length))
            continue
        name = name[:-4]
        is_package = name == "__init__"
        for part in parts[:-1] if is_package else parts:
            spaces.setdefault(folder, set()).add(part)
            folder = folder + sep + part
        if is_package:
            name = parts[-1]
        modules.setdefault(folder, {})[name] = (int(offset), int(length), is_package)

    stored_file_class = []

    def StoredFile(path):
        if not stored_file_class:
            stored_file_class.append(_stored_file_class())
        return stored_file_class[0](path)

    def _stored_file_class():
        try:
            from importlib.resources.abc import Traversable
        except ImportError:
            try:  # 3.9 and 3.10
                from importlib.abc import Traversable
            except ImportError:  # 3.8, which has no files() API
                Traversable = object

        class StoredFile(Traversable):
            """A package's resource as importlib.resources sees it (a Traversable, with the
            pathlib.Path conveniences code written against a Path calls): from the store
            when stored there, else the real file or folder."""

            def __init__(self, path):
                self._path = path

            @property
            def name(self):
                return self._path.rpartition(sep)[2]

            @property
            def stem(self):
                name = self.name
                return name.rpartition(".")[0] if "." in name.lstrip(".") else name

            @property
            def suffix(self):
                name = self.name
                return "." + name.rpartition(".")[2] if "." in name.lstrip(".") else ""

            @property
            def parent(self):
                return StoredFile(self._path.rpartition(sep)[0])

            def _stored(self):
                folder, _, name = self._path.rpartition(sep)
                return resources.get(folder, {}).get(name)

            def __truediv__(self, child):
                return self.joinpath(child)

            def joinpath(self, *names):
                path = self._path
                for name in names:
                    for part in str(name).replace("/", sep).split(sep):
                        if part:
                            path = path + sep + part
                return StoredFile(path)

            def is_file(self):
                return self._stored() is not None or os.path.isfile(self._path)

            def is_dir(self):
                folder, _, name = self._path.rpartition(sep)
                return name in spaces.get(folder, ()) or os.path.isdir(self._path)

            def exists(self):
                return self.is_file() or self.is_dir()

            def iterdir(self):
                names = set(resources.get(self._path, ()))
                names.update(spaces.get(self._path, ()))
                if os.path.isdir(self._path):
                    names.update(os.listdir(self._path))
                return iter([StoredFile(self._path + sep + n) for n in sorted(names)])

            def glob(self, pattern):
                from fnmatch import fnmatch

                return iter([p for p in self.iterdir() if fnmatch(p.name, pattern)])

            def read_bytes(self):
                hit = self._stored()
                if hit is None:
                    with open(self._path, "rb") as real:
                        return real.read()
                return read(*hit)

            def read_text(self, encoding=None, errors=None):
                return self.read_bytes().decode(encoding or "utf-8", errors or "strict")

            def open(self, mode="r", *args, **kwargs):
                hit = self._stored()
                if hit is None:
                    return open(self._path, mode, *args, **kwargs)
                if mode not in ("r", "rb"):
                    raise PermissionError(f"{self._path} is read-only: it is inside the bundle")
                import io

                data = io.BytesIO(read(*hit))
                return data if mode == "rb" else io.TextIOWrapper(data, *args, **kwargs)

            def as_posix(self):
                return self._path.replace(sep, "/")

            def __fspath__(self):
                if self._stored() is not None:
                    raise FileNotFoundError(f"{self._path} is in the bundle's module store")
                return self._path

            def __eq__(self, other):
                return isinstance(other, StoredFile) and other._path == self._path

            def __hash__(self):
                return hash(self._path)

            def __str__(self):
                return self._path

            def __repr__(self):
                return f"StoredFile({self._path!r})"

        return StoredFile

    stored_path_class = []

    def StoredPath(path):
        if not stored_path_class:
            stored_path_class.append(_stored_path_class())
        return stored_path_class[0](path)

    def _stored_path_class():
        import pathlib

        class StoredPath(type(pathlib.Path())):
            """A pathlib.Path (it is one: code that asks gets one) that also knows the
            folders the store holds modules in, which need not exist on disk: pendulum asks
            files("pendulum.locales").joinpath("de").exists()."""

            __slots__ = ()

            def _in_store(self):
                folder, _, name = str(self).rpartition(sep)
                return name in spaces.get(folder, ())

            def is_dir(self, *args, **kwargs):
                return self._in_store() or super().is_dir(*args, **kwargs)

            def exists(self, *args, **kwargs):
                return self._in_store() or super().exists(*args, **kwargs)

            def iterdir(self):
                names = set(spaces.get(str(self), ()))
                if super().is_dir():
                    names.update(os.listdir(self))
                return iter([self / n for n in sorted(names)])

        return StoredPath

    class StoredResources:
        """The resources of a package with some in the store (importlib.resources' reader,
        its files() API and the older one): a Traversable that reads the store's, or, for a
        package whose own files are real and only its modules stored, a pathlib.Path that
        also knows the store's folders."""

        def __init__(self, folder):
            self._folder = folder

        def files(self):
            if self._folder in holds_resources:
                return StoredFile(self._folder)
            return StoredPath(self._folder)

        def open_resource(self, resource):
            return self.files().joinpath(resource).open("rb")

        def resource_path(self, resource):
            path = self.files().joinpath(resource)
            if getattr(path, "_stored", lambda: None)() is not None:
                raise FileNotFoundError(resource)
            return str(path)

        def is_resource(self, path):
            return self.files().joinpath(path).is_file()

        def contents(self):
            return [f.name for f in self.files().iterdir()]

    class StoredLoader(SourcelessFileLoader):
        """A module of the store: a sourceless file loader in every respect (resources,
        pkgutil.get_data and pkg_resources read its real folder) but where its code comes
        from."""

        def __init__(self, fullname, path, where):
            super().__init__(fullname, path)
            self._where = where

        def get_code(self, fullname):
            return marshal.loads(read(*self._where))

        def get_resource_reader(self, fullname):
            if not self.is_package(fullname):
                return None
            folder = self.path.rpartition(sep)[0]
            if folder in holds_resources or folder in spaces:
                return StoredResources(folder)
            # Its resources are real files and so are its folders: Python's own reader.
            return super().get_resource_reader(fullname)

        def files(self):
            # Python 3.9's importlib.resources asks the loader itself; later ones its reader.
            reader = self.get_resource_reader(self.name)
            if not isinstance(reader, StoredResources):
                raise AttributeError("files")
            return reader.files()

    class StoreFinder:
        def __init__(self, path, stored, below, files):
            self.path = path
            self._stored = stored
            self._below = below
            self._files = files

        def find_spec(self, fullname, target=None):
            tail = fullname.rpartition(".")[2]
            hit = self._stored.get(tail)
            if hit is not None:
                offset, length, is_package = hit
                place = self.path + sep + tail
                filename = place + sep + "__init__.pyc" if is_package else place + ".pyc"
                loader = StoredLoader(fullname, filename, (offset, length))
                spec = ModuleSpec(fullname, loader, origin=filename, is_package=is_package)
                spec.has_location = True
                spec.cached = filename
                if is_package:
                    spec.submodule_search_locations = [place]
                return spec
            if self._files is not None:
                spec = self._files.find_spec(fullname, target)
                if spec is not None:
                    return spec
            if tail in self._below:
                spec = ModuleSpec(fullname, None)
                spec.submodule_search_locations = [self.path + sep + tail]
                return spec
            return None

        def invalidate_caches(self):
            if self._files is not None:
                self._files.invalidate_caches()

        def iter_modules(self, prefix=""):
            for name, (_, _, is_package) in sorted(self._stored.items()):
                yield prefix + name, is_package
            if self._files is not None:
                import pkgutil

                for name, is_package in pkgutil.iter_importer_modules(self._files, prefix):
                    if name[len(prefix):] not in self._stored:
                        yield name, is_package

    # Windows spells one folder many ways (site's .pth handling lower-cases what it adds):
    # each is taken for the store's own spelling.
    spelled = {os.path.normcase(folder): folder for folder in set(modules) | set(spaces)}

    def hook(path):
        path = spelled.get(os.path.normcase(path), path)
        stored = modules.get(path)
        below = spaces.get(path)
        if stored is None and below is None:
            raise ImportError("no stored modules here")
        files = None
        for other in sys.path_hooks:
            if other is not hook:
                try:
                    files = other(path)
                    break
                except ImportError:
                    pass
        return StoreFinder(path, stored or {}, below or set(), files)

    sys.path_hooks.insert(0, hook)
    for path in list(sys.path_importer_cache):
        if path in modules or path in spaces:
            del sys.path_importer_cache[path]
    return spelled


def _add_pth(root, stored_folders):
    """What the interpreter's `site` does with the .pth files of its site-packages (which
    the root stands for): each line that names a folder puts it on sys.path, each `import`
    line runs. A folder counts when it exists or the module store serves modules from it
    (pywin32's win32\\lib holds only modules, which are in the store)."""
    import os

    for pth in PTH:
        name, _, text = pth.partition("\n")
        for line in text.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith(("import ", "import\t")):
                try:
                    exec(line)
                except Exception as e:
                    print("Error processing %s: %r" % (name, e), file=sys.stderr)
                    break
                continue
            folder = os.path.join(root, line.rstrip())
            known = os.path.normcase(folder) in stored_folders or os.path.isdir(folder)
            if known and folder not in sys.path:
                sys.path.append(folder)


class _Pruned:
    """Last on sys.meta_path: an import of a standard-library module the build left out fails
    with an error that says so and names the flag that keeps it, where Python would only say
    "No module named". Only imports are answered so (importlib.util.find_spec still finds
    nothing, as code that tests for a module expects)."""

    names = frozenset(PRUNED)

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name not in cls.names:
            return None
        caller = sys._getframe(2).f_code.co_name
        if caller not in ("_find_and_load_unlocked", "_find_and_load"):
            return None
        raise ModuleNotFoundError(
            f"No module named {name!r}: pybundle left this part of the standard library out of "
            f"the bundle, as no import it could see reaches it; rebuild with --hidden-import {name}",
            name=name,
        )


def _pybundle_start():
    import marshal
    import os

    root = os.path.dirname(os.path.abspath(__file__))
    if sys.argv[1:2] == ["@hex"]:
        # The launcher's arguments, hex-encoded: a CPython started through PEP 741 takes only
        # UTF-8, and arguments are any bytes. Decoded as CPython decodes a command line.
        sys.argv[1:] = [os.fsdecode(bytes.fromhex(a)) for a in sys.argv[2:]]
    exe, argv0, ld_state = sys.argv[1:4]
    # The launcher pointed the loader at the bundle; the app's children get the caller's value.
    # (`*`: Windows, where nothing was changed.)
    if ld_state == "-":
        os.environ.pop("LD_LIBRARY_PATH", None)
    elif ld_state != "*":
        os.environ["LD_LIBRARY_PATH"] = ld_state[1:]
    sys.argv[:] = [argv0] + sys.argv[4:]
    sys.frozen = True
    sys._MEIPASS = root
    # The root is the interpreter's prefix (the launcher set it as its home); say so in the
    # same spelling as _MEIPASS.
    sys.prefix = sys.exec_prefix = sys.base_prefix = sys.base_exec_prefix = root
    sys.executable = exe
    sys._base_executable = exe
    sys.path.insert(0, root)
    stored_folders = {}
    if MODULES:
        stored_folders = _serve_module_store(root, os.path.join(root, MODULES))
    sys.meta_path.append(_Pruned)
    if PTH:
        _add_pth(root, stored_folders)
    for folder in FROZEN_PATH:
        sys.path.append(os.path.join(root, folder))
    for folder in TCLTK:
        name = "TCL_LIBRARY" if os.path.basename(folder).startswith("tcl") else "TK_LIBRARY"
        os.environ[name] = os.path.join(root, folder)

    for hook in HOOKS:
        hook_file = os.path.join(root, hook)
        with open(hook_file, "rb") as f:
            hook_code = marshal.loads(f.read()[16:])
        namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        namespace["__file__"] = hook_file[: -len("c")]
        exec(hook_code, namespace)

    main_file = os.path.join(root, MAIN_FILE)
    with open(os.path.join(root, MAIN_PYC), "rb") as f:
        code = marshal.loads(f.read()[16:])

    def load_main(name):
        module = type(sys)(name)
        module.__file__ = main_file
        module.__cached__ = None
        module.__builtins__ = __builtins__
        sys.modules[name] = module
        return module

    loaded = []

    def main_for_children(_path=None):
        # What multiprocessing's _fixup_main_from_path does, from the bundled bytecode: run
        # the app's main code as __mp_main__ (its `if __name__ == "__main__"` part stays idle)
        # so functions pickled as __main__.f resolve. (multiprocessing aliases __mp_main__ to
        # whatever __main__ is when imported, so a flag, not sys.modules, says if it ran.)
        if not loaded:
            loaded.append(True)
            module = load_main("__mp_main__")
            sys.modules["__main__"] = module
            exec(code, module.__dict__)

    args = sys.argv[1:]
    if len(args) >= 2 and args[-2] == "-c" and args[-1].startswith(_HELPERS):
        if all(a.startswith("-") for a in args[:-2]):
            import multiprocessing.spawn as spawn

            spawn._fixup_main_from_path = main_for_children
            sys.argv[:] = [argv0]
            exec(args[-1], {"__name__": "__main__"})
            sys.exit()
    if args[:1] == ["--multiprocessing-fork"]:
        import multiprocessing.spawn as spawn

        spawn._fixup_main_from_path = main_for_children
        spawn._fixup_main_from_name = main_for_children
        if os.name == "nt":
            # A frozen app's parent sends no main module on Windows (it expects
            # freeze_support() in the app's main code): run it here as __mp_main__.
            main_for_children()
        kwds = {}
        for arg in args[1:]:
            key, _, value = arg.partition("=")
            kwds[key] = None if value == "None" else int(value)
        spawn.spawn_main(**kwds)
        sys.exit()

    main = load_main("__main__")
    try:
        exec(code, main.__dict__)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        # Python ends on it as for `python app.py` (a traceback, then death by SIGINT); the
        # traceback shows the app's frames only.
        hook = sys.excepthook

        def without_bootstrap(kind, value, tb):
            while tb is not None and tb.tb_frame.f_code.co_filename == "<pybundle bootstrap>":
                tb = tb.tb_next
            hook(kind, value.with_traceback(tb), tb)

        sys.excepthook = without_bootstrap
        raise
    except BaseException as error:
        # Report it as python would for the script, without this bootstrap's frame.
        tb = error.__traceback__
        error.__traceback__ = tb.tb_next if tb else None
        if sys.stderr is None and os.name == "nt":
            # A windowed app has nowhere to print: the launcher shows the traceback in a
            # message box once the interpreter has ended (stub/src/windows/gui.rs).
            import traceback

            text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
            os.environ["_PYBUNDLE_APP_ERROR"] = text
        else:
            sys.excepthook(type(error), error, error.__traceback__)
        sys.exit(1)


_pybundle_start()
