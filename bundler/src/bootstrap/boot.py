# The first code a bundled interpreter runs (compiled into the bundle as _pybundle_boot.pyc).
# The launcher runs CPython in its own process with the bundle's root as its home, as
# `EXE [OPTIONS] -I -B _pybundle_boot.pyc EXE ARGV0 LD_STATE ARGS...` (stub/src/unix/python.rs,
# stub/src/windows/python.rs).
# It makes the process look like `python app.py` run from the bundle (docs/runtime.md), then
# runs the app's compiled main script as __main__, after the runtime hooks. pybundle fills in
# MAIN_FILE, MAIN_PYC, SITE_PACKAGES, HOOKS and TCLTK.
#
# multiprocessing starts helpers by running sys.executable (this bundle) again: spawn workers
# as `EXE --multiprocessing-fork k=v...`, the resource tracker and the fork server as
# `EXE <flags> -c "from multiprocessing.<x> import main; ..."`. Those are served here, so apps
# need no freeze_support() and never re-run their main code by mistake.
import sys

MAIN_FILE = "@MAIN_FILE@"
MAIN_PYC = "@MAIN_PYC@"
# Where the bundle's third-party distributions are, relative to the root.
SITE_PACKAGES = "@SITE_PACKAGES@"
# The bundle's Tcl and Tk script libraries, when it carries tkinter.
TCLTK = "@TCLTK@"
# --runtime-hook scripts, compiled, run in this order before the app (and in its
# multiprocessing helpers, which start as the app does).
HOOKS = "@HOOKS@"

_HELPERS = (
    "from multiprocessing.resource_tracker import main",
    "from multiprocessing.forkserver import main",
    "from multiprocessing.semaphore_tracker import main",
)


def _pybundle_start():
    import marshal
    import os

    root = os.path.dirname(os.path.abspath(__file__))
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
    site_packages = os.path.join(root, SITE_PACKAGES)
    if site_packages not in sys.path and os.path.isdir(site_packages):
        # Debian's `site` looks in dist-packages instead.
        import site

        site.addsitedir(site_packages)
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
