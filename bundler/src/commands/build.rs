//! `pybundle build` (the default command): the settings resolved into one build, or one per
//! console script, each run through the pipeline.

use crate::cli::BuildArgs;
use crate::error::Error;
use crate::pipeline;
use crate::settings::BuildSettings;

/// Build what `args` names; `json` becomes true when any build's settings ask for a JSON
/// summary (a failure then says so on stdout too).
pub fn build(args: &BuildArgs, json: &mut bool) -> Result<(), Error> {
    for settings in BuildSettings::from_args(args)? {
        *json |= settings.report.json;
        pipeline::build(settings)?;
    }
    Ok(())
}
