//! One build, in stages, each with a named output: [`check`] what touches the disk (settings
//! were checked when resolved), [`analyse`] the app into a module graph, [`collect`] the files
//! that graph calls for into [`Contents`], [`link`] their shared libraries, [`write`] the output;
//! then one [`Summary`] that the closing line and `--json` print from. `-v` details are told
//! as each stage goes.

mod analyse;
mod check;
mod collect;
mod describe;
mod link;
mod store;
pub mod summary;
mod write;

pub use analyse::{analyse, Analysis};
pub use check::check;
pub use collect::{collect, Collected};
pub use link::link;
pub use store::store;
pub use write::write;

use std::time::Instant;

use crate::analysis::Need;
use crate::error::Error;
use crate::progress::Progress;
use crate::python::compile::Compiler;
use crate::settings::BuildSettings;

/// Run one build, start to end.
pub fn build(settings: BuildSettings) -> Result<(), Error> {
    let started = Instant::now();
    let progress = Progress::new(settings.report.verbosity);
    check(&settings, &progress)?;
    let analysis = analyse(&settings, &progress)?;
    let compiler = Compiler::new(
        &analysis.interp,
        &settings.output.workpath,
        settings.pythons.optimize,
    )?;
    let mut collected = collect(&settings, &analysis, &compiler, &progress)?;
    let closure = link(
        &settings,
        &analysis.runtime,
        &mut collected.contents,
        &collected.rules,
        &progress,
    )?;
    store(&settings, &analysis, &mut collected, &progress)?;
    let written = write(&settings, &analysis.runtime, &collected.contents, &progress)?;
    let summary = summary::summarise(
        &settings,
        &analysis,
        &collected,
        &closure,
        &written,
        started.elapsed().as_secs_f64(),
        &progress,
    );
    if settings.report.json {
        println!("{}", summary::to_line(&summary));
    }
    let runs_on = match &summary.glibc {
        Some(floor) => format!("{}, glibc {floor}+", summary.target),
        None => summary.target.clone(),
    };
    let required = (summary.missing_imports.iter())
        .filter(|m| m.need == Need::Required)
        .count();
    let missing = match required {
        0 => String::new(),
        1 => "; 1 import it needs was found nowhere (the warning above; --strict fails the build)"
            .to_string(),
        n => format!(
            "; {n} imports it needs were found nowhere (the warning above; --strict fails the build)"
        ),
    };
    progress.done(&format!(
        "Built {} ({}, {:.1} MB, {} files, for {runs_on}) in {:.1} s{missing}",
        summary.output.display(),
        summary.mode,
        summary.bytes as f64 / 1e6,
        summary.files,
        summary.seconds,
    ));
    Ok(())
}
