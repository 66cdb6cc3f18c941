"""Qt for Python is pybundle's own business (bundler/rules/qt.toml): its hooks are not run."""

raise ImportError("Qt for Python is packed by pybundle's own rules, not by PyInstaller's hooks")
