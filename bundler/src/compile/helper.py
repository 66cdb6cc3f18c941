# pybundle's compile helper: runs under the interpreter being bundled, so bytecode always
# matches the bundled runtime. Reads one job per line on stdin:
#   SOURCE \t DISPLAY_NAME \t MODULE \t IS_PACKAGE(0|1) \t WANT_IMPORTS(0|1) \t DEST
# writes an unchecked hash-based .pyc (reproducible: no timestamps) to DEST and answers
#   ok \t IMPORTED NAMES (space-separated, absolute)     or     err \t MESSAGE
import ast
import importlib.util
import marshal
import sys


class Imports(ast.NodeVisitor):
    def __init__(self, module, is_package):
        self.names = set()
        self.package = module if is_package else module.rpartition(".")[0]

    def visit_If(self, node):
        test = node.test
        name = getattr(test, "id", None) or getattr(test, "attr", None)
        if name == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node):
        for alias in node.names:
            self.names.add(alias.name)

    def visit_ImportFrom(self, node):
        if node.level:
            parts = self.package.split(".") if self.package else []
            if node.level - 1 > len(parts) or (node.level - 1 == len(parts) and not node.module):
                return
            base = ".".join(parts[: len(parts) - (node.level - 1)])
            if node.module:
                base = base + "." + node.module if base else node.module
        else:
            base = node.module
        if not base:
            return
        self.names.add(base)
        for alias in node.names:
            if alias.name != "*":
                self.names.add(base + "." + alias.name)


def compile_one(source, display, module, is_package, want_imports, dest):
    with open(source, "rb") as f:
        data = f.read()
    tree = ast.parse(data, display)
    names = ""
    if want_imports:
        visitor = Imports(module, is_package)
        visitor.visit(tree)
        names = " ".join(sorted(visitor.names))
    code = compile(tree, display, "exec", dont_inherit=True, optimize=0)
    pyc = bytearray(importlib.util.MAGIC_NUMBER)
    pyc += (1).to_bytes(4, "little")  # hash-based, unchecked
    pyc += importlib.util.source_hash(data)
    pyc += marshal.dumps(code)
    with open(dest, "wb") as f:
        f.write(pyc)
    return names


def main():
    out = sys.stdout
    for line in sys.stdin:
        source, display, module, is_package, want_imports, dest = line.rstrip("\n").split("\t")
        try:
            names = compile_one(source, display, module, is_package == "1", want_imports == "1", dest)
            out.write("ok\t%s\n" % names)
        except SyntaxError as e:
            out.write("err\tline %s: %s\n" % (e.lineno, e.msg))
        except Exception as e:  # noqa: BLE001 - every failure is reported, one line
            out.write("err\t%s\n" % str(e).replace("\n", " ").replace("\t", " "))
        out.flush()


main()
