"""PyInstaller.log: what hooks log is kept for `pybundle build -v`."""

import logging

TRACE = logging.DEBUG - 5
DEPRECATION = logging.WARNING + 5
logger = logging.getLogger("PyInstaller")


def getLogger(name):
    return logging.getLogger(name)
