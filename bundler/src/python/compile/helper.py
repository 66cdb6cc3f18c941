# pybundle's compile helper: runs under the interpreter being bundled, so bytecode always
# matches the bundled runtime. Its one argument is the optimization level (0, 1 or 2). Reads
# one job per line on stdin:
#   SOURCE \t DISPLAY_NAME \t DEST
# writes an unchecked hash-based .pyc (reproducible: no timestamps) to DEST and answers
#   ok     or     err \t MESSAGE (the source)     or     werr \t MESSAGE (writing DEST)
import importlib.util
import marshal
import os
import sys


OPTIMIZE = int(sys.argv[1]) if len(sys.argv) > 1 else 0


class WriteError(Exception):
    """DEST could not be written: the work folder's fault, not the source's."""


def compile_one(source, display, dest):
    with open(source, "rb") as f:
        data = f.read()
    code = compile(data, display, "exec", dont_inherit=True, optimize=OPTIMIZE)
    pyc = bytearray(importlib.util.MAGIC_NUMBER)
    pyc += (1).to_bytes(4, "little")  # hash-based, unchecked
    pyc += importlib.util.source_hash(data)
    pyc += marshal.dumps(code)
    try:
        with open(dest, "wb") as f:
            f.write(pyc)
    except OSError as e:
        raise WriteError(os.strerror(e.errno) if e.errno else str(e)) from e


def main():
    out = sys.stdout
    for line in sys.stdin:
        source, display, dest = line.rstrip("\n").split("\t")
        try:
            compile_one(source, display, dest)
            out.write("ok\n")
        except WriteError as e:
            out.write("werr\t%s\n" % str(e).replace("\n", " ").replace("\t", " "))
        except SyntaxError as e:
            out.write("err\tline %s: %s\n" % (e.lineno, e.msg))
        except Exception as e:  # noqa: BLE001 - every failure is reported, one line
            out.write("err\t%s\n" % str(e).replace("\n", " ").replace("\t", " "))
        out.flush()


main()
