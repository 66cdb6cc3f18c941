"""PyInstaller.utils.hooks.tcl_tk: Tcl/Tk is pybundle's own business (collect/tcltk.rs)."""


class _TclTkInfo:
    available = False
    tcl_version = None
    tk_version = None


tcltk_info = _TclTkInfo()
