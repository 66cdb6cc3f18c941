//! The vocabulary every stage speaks: what a bundle contains (`contents`) and where each part
//! came from (`origin`), where things go inside its root (`layout`), the platform it is for
//! (`target`), and the build's cache folder (`workpath`).

pub mod contents;
pub mod layout;
pub mod module_name;
pub mod origin;
pub mod target;
pub mod workpath;
