//! Arguments of `spillnet run`: the main job on a data folder.

use std::path::PathBuf;

use crate::app::run::RunJobConfig;
use crate::error::Result;

/// Arguments of `spillnet run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Data folder with the input tables (firms, jv_links, models, quality, suppliers, worker_moves, production).
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub data: PathBuf,
    /// Output folder for the run's results (summary, graph statistics, diagrams).
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Replace the output folder's contents if it already exists and is not empty.
    #[arg(long)]
    pub force: bool,
}

impl RunArgs {
    /// Validate into the run configuration.
    pub fn into_config(self) -> Result<RunJobConfig> {
        Ok(RunJobConfig { data: self.data, out: self.out, force: self.force })
    }
}
