"""PyInstaller.depend.bytecode as its hooks use it: the calls with literal arguments in a code
object (matplotlib's hook finds `matplotlib.use("Agg")` so), read with `dis`."""

import dis
import types

_SKIPPED = {"PRECALL", "CACHE", "KW_NAMES", "PUSH_NULL", "EXTENDED_ARG", "NOP"}
_CALLS = {"CALL", "CALL_FUNCTION", "CALL_METHOD"}
_CONSTANTS = {"LOAD_CONST", "LOAD_SMALL_INT"}
_ROOTS = {"LOAD_NAME", "LOAD_GLOBAL", "LOAD_FAST", "LOAD_DEREF"}
_ATTRIBUTES = {"LOAD_ATTR", "LOAD_METHOD"}


def any_alias(full_name):
    """Every way code may spell a call of `full_name`: `a.b.c`, `b.c`, `c`."""
    parts = full_name.split(".")
    return {".".join(parts[i:]) for i in range(len(parts))}


def _back(instructions, j):
    while j >= 0 and instructions[j].opname in _SKIPPED:
        j -= 1
    return j


def function_calls(code):
    """(dotted function name, [literal arguments]) of each call in `code` whose positional
    arguments are all literals."""
    instructions = list(dis.get_instructions(code))
    found = []
    for i, instruction in enumerate(instructions):
        if instruction.opname not in _CALLS:
            continue
        j = _back(instructions, i - 1)
        args = []
        for _ in range(instruction.arg or 0):
            if j < 0 or instructions[j].opname not in _CONSTANTS:
                break
            args.insert(0, instructions[j].argval)
            j = _back(instructions, j - 1)
        else:
            names = []
            while j >= 0 and instructions[j].opname in _ATTRIBUTES:
                names.insert(0, instructions[j].argval)
                j = _back(instructions, j - 1)
            if j >= 0 and instructions[j].opname in _ROOTS:
                names.insert(0, instructions[j].argval)
                found.append((".".join(names), args))
    return found


def recursive_function_calls(code):
    """{code object: its calls} for `code` and every code object nested in it."""
    result = {}
    pending = [code]
    while pending:
        current = pending.pop()
        result[current] = function_calls(current)
        pending.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    return result
