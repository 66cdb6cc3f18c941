# Run by pybundle (packages/compiled.rs) with the build interpreter: imports each compiled
# module named on stdin, one per line, and prints the modules it loaded after each one (so a
# module that crashes the process loses only itself): `module NAME` for the standard library's,
# `loaded NAME` for any other (a binding's sibling modules: PySide6.QtWidgets loads QtGui and
# QtCore from C). C code imports modules no source shows (Cython compresses its strings); this
# is how pybundle learns which.
# Whatever the modules print goes to stderr; a module that fails to import is skipped.
import importlib
import sys

out = sys.stdout
sys.stdout = sys.stderr
stdlib = set(sys.stdlib_module_names)
# What the interpreter loaded to start is not the compiled modules' doing (and pybundle keeps
# those start-up modules anyway).
seen = set(sys.modules)


def report():
    for module in sorted(set(sys.modules) - seen):
        seen.add(module)
        kind = "module" if module.split(".")[0] in stdlib else "loaded"
        out.write("%s\t%s\n" % (kind, module))
    out.flush()


report()
for line in sys.stdin.read().splitlines():
    name = line.strip()
    if name:
        try:
            importlib.import_module(name)
        except BaseException:
            pass
        report()
out.write("done\n")
out.flush()
