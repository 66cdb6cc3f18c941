"""pybundle's stand-in for the parts of PyInstaller that PyInstaller's hooks import, written for
pybundle (docs/rules.md). Hooks run in a pybundle process against this, never against PyInstaller
itself, which need not be installed. What a hook asks of a module graph or of PyInstaller's
build internals is answered as plainly as can be; what cannot be (Qt, GObject) raises, and the
hook is reported as not run."""

__version__ = "6.22.3"
# Hooks that check for it can tell they run under pybundle.
is_pybundle = True
