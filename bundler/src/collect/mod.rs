//! The collect stage: everything the module graph reached, put into the bundle's contents
//! with its origin. The app's own modules and `--add-data`/`--add-binary` files (`app/`),
//! installed distributions' files (`distributions`) and metadata (`metadata`), the runtime
//! (`stdlib`, with Tcl/Tk's script libraries, `tcltk`), and the bootstrap that starts the app
//! (`bootstrap/`); `pyzip` writes the standard library's zip.

pub mod app;
pub mod bootstrap;
pub mod distributions;
pub mod metadata;
pub mod pyzip;
pub mod stdlib;
pub mod tcltk;
