"""PyInstaller.isolated: hooks run functions in a separate interpreter with it. pybundle already
runs every hook in a process of its own, so a function is simply called."""

import functools


def call(function, *args, **kwargs):
    return function(*args, **kwargs)


def decorate(function):
    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        return function(*args, **kwargs)

    return wrapped


class Python:
    """`with isolated.Python() as child: child.call(f, ...)`."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def call(self, function, *args, **kwargs):
        return function(*args, **kwargs)


class SubprocessDiedError(RuntimeError):
    pass
