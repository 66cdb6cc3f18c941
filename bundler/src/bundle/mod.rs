//! The vocabulary every stage speaks: what a bundle contains and where each part came from
//! (`contents`), where things go inside its root (`layout`), the platform it is for
//! (`target`), and the build's cache folder (`workpath`).

pub mod contents;
pub mod layout;
pub mod target;
pub mod workpath;
