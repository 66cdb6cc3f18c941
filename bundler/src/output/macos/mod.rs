//! A macOS `.app` ([`app`]), and what it holds beside its executable: the `Info.plist` that
//! tells Finder and Launch Services what it is ([`info_plist`]), and its icon as an `.icns`
//! file ([`icns`]).

pub mod app;
pub mod icns;
pub mod info_plist;
