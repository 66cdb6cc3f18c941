# Asked of the interpreter a bundle is built from. Prints one "key<TAB>value" line per fact;
# pybundle parses them (python/interpreter/mod.rs). Runs on any CPython 3.8+; standard library only.
import importlib.util
import os
import sys
import sysconfig


def find_dynload():
    for entry in sys.path:
        if os.path.basename(entry) == "lib-dynload" and os.path.isdir(entry):
            return entry
    return os.path.join(sysconfig.get_paths()["platstdlib"], "lib-dynload")


facts = {
    "implementation": sys.implementation.name,
    "version": "%d.%d.%d" % sys.version_info[:3],
    "version_short": "%d.%d" % sys.version_info[:2],
    "executable": sys.executable,
    "real_executable": os.path.realpath(sys.executable),
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "stdlib": sysconfig.get_paths()["stdlib"],
    "dynload": find_dynload(),
    "purelib": sysconfig.get_paths()["purelib"],
    "platlib": sysconfig.get_paths()["platlib"],
    "machine": os.uname().machine,
    "shared": str(sysconfig.get_config_var("Py_ENABLE_SHARED") or 0),
    "ldlibrary": sysconfig.get_config_var("LDLIBRARY") or "",
    "instsoname": sysconfig.get_config_var("INSTSONAME") or "",
    "multiarch": sysconfig.get_config_var("MULTIARCH") or "",
    "libdir": sysconfig.get_config_var("LIBDIR") or "",
    # Free-threaded builds (PEP 703, python3.13t and later) set it.
    "gil_disabled": str(sysconfig.get_config_var("Py_GIL_DISABLED") or 0),
    "soabi": sysconfig.get_config_var("SOABI") or "",
    "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX") or "",
    "magic": importlib.util.MAGIC_NUMBER.hex(),
    "cache_tag": sys.implementation.cache_tag or "",
    "platform": sys.platform,
    "builtins": ",".join(sorted(sys.builtin_module_names)),
    "stdlib_names": ",".join(sorted(getattr(sys, "stdlib_module_names", ()))),
}
for key, value in facts.items():
    if "\n" in value or "\t" in value:
        raise SystemExit("pybundle cannot handle %s=%r" % (key, value))
    sys.stdout.write("%s\t%s\n" % (key, value))
