//! The check stage: what touches the disk before anything is built (settings were checked
//! when resolved, the Windows resources among them): the launcher for the target and the
//! output's folder.

use crate::error::Error;
use crate::output::launcher;
use crate::output::{self};
use crate::progress::Progress;
use crate::settings::BuildSettings;

/// What touches the disk: the output's place, and `--clean`. The notes settings made.
pub fn check(s: &BuildSettings, progress: &Progress) -> Result<(), Error> {
    if s.output.distpath.exists() && !s.output.distpath.is_dir() {
        return Err(Error::Unwritable {
            path: s.output.distpath.clone(),
            source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "it is a file"),
        });
    }
    output::check_replaceable(&s.output_path(), s.output.noconfirm)?;
    launcher::bytes_for(s.pythons.target)?;
    if s.output.clean {
        s.output.workpath.clean();
    }
    for note in &s.report.notes {
        progress.note(note);
    }
    Ok(())
}
