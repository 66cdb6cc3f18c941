"""GObject introspection (PyGObject) hooks need PyInstaller's typelib machinery, which pybundle
does not have."""

raise ImportError("PyGObject's typelibs are not bundled by pybundle's PyInstaller hooks")
