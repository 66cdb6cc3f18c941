"""PyInstaller.config: the build's configuration, as far as hooks read it."""

CONF = {"hiddenimports": [], "noarchive": False, "code_cache": {}}
