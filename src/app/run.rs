//! Runs `spillnet run`: the main job on a data folder (being written).

use std::path::PathBuf;

use super::Ctx;
use crate::error::Result;

/// Validated configuration of `spillnet run`.
#[derive(Debug, Clone)]
pub struct RunJobConfig {
    /// Input data folder.
    pub data: PathBuf,
    /// Output folder.
    pub out: PathBuf,
    /// Overwrite a non-empty output folder.
    pub force: bool,
}

/// Run the main job.
pub fn run(_cfg: &RunJobConfig, _ctx: &mut Ctx<'_>) -> Result<()> {
    Ok(())
}
