//! Every way reading an archive can fail. Each variant renders as one sentence a user can act on.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("it has no pybundle archive at its end (the file is damaged, truncated, has data appended, or was not made by pybundle)")]
    NoTrailer,
    #[error("it was made by {age} pybundle (archive format {version}, this one reads {current}); rebuild it with this version", age = age(*.0), version = .0, current = crate::trailer::FORMAT_VERSION)]
    UnsupportedVersion(u32),
    #[error("its archive is damaged: {0}")]
    Damaged(&'static str),
    #[error(
        "its archive is damaged: the checksum does not match (the file was altered or corrupted)"
    )]
    HashMismatch,
    #[error("its archive holds an unsafe path {0:?}")]
    UnsafePath(String),
    #[error("its archive lists {0:?} twice")]
    DuplicatePath(String),
    #[error("its archive uses {0:?} both as a file and as a folder")]
    FileIsFolder(String),
    #[error("cannot read it: {0}")]
    Io(#[from] io::Error),
}

fn age(version: u32) -> &'static str {
    if version > crate::trailer::FORMAT_VERSION {
        "a newer"
    } else {
        "an older"
    }
}

impl FormatError {
    pub(crate) fn truncated() -> Self {
        FormatError::Damaged("the manifest ends early")
    }
}
