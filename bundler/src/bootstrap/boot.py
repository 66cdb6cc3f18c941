# The first code a bundled interpreter runs (compiled into the bundle as _pybundle_boot.pyc).
# The launcher starts it as: python -I -B _pybundle_boot.pyc EXE ARGV0 LD_STATE ARGS...
# It makes the process look like `python app.py` run from the bundle (CONTRACT §3), then runs
# the app's compiled main script as __main__. pybundle fills in MAIN_FILE and MAIN_PYC.
import sys

MAIN_FILE = "@MAIN_FILE@"
MAIN_PYC = "@MAIN_PYC@"


def _pybundle_start():
    import marshal
    import os

    root = os.path.dirname(os.path.abspath(__file__))
    exe, argv0, ld_state = sys.argv[1:4]
    # The launcher pointed the loader at the bundle; the app's children get the caller's value.
    if ld_state == "-":
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = ld_state[1:]
    sys.argv[:] = [argv0] + sys.argv[4:]
    sys.frozen = True
    sys._MEIPASS = root
    sys.executable = exe
    sys._base_executable = exe
    sys.path.insert(0, root)

    with open(os.path.join(root, MAIN_PYC), "rb") as f:
        code = marshal.loads(f.read()[16:])
    main = type(sys)("__main__")
    main.__file__ = os.path.join(root, MAIN_FILE)
    main.__cached__ = None
    main.__builtins__ = __builtins__
    sys.modules["__main__"] = main
    try:
        exec(code, main.__dict__)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as error:
        # Report it as python would for the script, without this bootstrap's frame.
        tb = error.__traceback__
        error.__traceback__ = tb.tb_next if tb else None
        sys.excepthook(type(error), error, error.__traceback__)
        sys.exit(1)


_pybundle_start()
