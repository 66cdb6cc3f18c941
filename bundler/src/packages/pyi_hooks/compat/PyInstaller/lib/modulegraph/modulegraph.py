"""The node kinds of PyInstaller's module graph, for hooks that test what a node is. pybundle
hands hooks no graph to walk (its own graph is in Rust), so a walk finds nothing."""


class Node:
    def __init__(self, identifier, filename=None):
        self.identifier = identifier
        self.filename = filename


class BaseModule(Node):
    pass


class SourceModule(BaseModule):
    pass


class CompiledModule(BaseModule):
    pass


class Package(BaseModule):
    pass


class Extension(BaseModule):
    pass


class BuiltinModule(BaseModule):
    pass


class MissingModule(BaseModule):
    pass


class AliasNode(Node):
    pass
