//! Arguments of `spillnet check`: the data folder and the summary format,
//! validated into [`CheckConfig`]. Imports `app::check` (config types) and
//! the report format's spelling from `cli::estimate`.

use std::path::PathBuf;

use super::estimate::FormatArg;
use crate::app::check::CheckConfig;
use crate::error::Result;

/// Text shown after `spillnet check --help`.
const CHECK_AFTER_HELP: &str = "\
Tables: firms, jv_links (required); models, quality, suppliers, worker_moves, production
(optional, reported as `absent`); customer_choices, brand_association, patents
(supplementary evidence, listed only when present); each as <table>.csv or
<table>.parquet (not both).
Checks: columns (missing / unknown), types, empty required cells, enum values (kind,
ownership), unique keys, references between tables (with firm kinds), years in
[1900, 2100], first_year <= last_year, dissolved >= founded, finite scores, count >= 1,
units >= 0, foreign_share and share in [0, 1], price/size/power > 0, no worker move or
patent flow from a firm to itself, no customer-choice pair of a model with itself, quality
score halves both set or both empty, each quality dimension in one survey.
Cells are trimmed of surrounding whitespace; an empty cell is null. On the first defect
the error names the file, the 1-based data row (header not counted) and the column, and
the exit code is 1. Input files are never modified.

Examples:
  spillnet check --data data
  spillnet check --data runs/synth1 --format json";

/// Validate a data folder and print a summary of its tables.
#[derive(Debug, clap::Args)]
#[command(after_long_help = CHECK_AFTER_HELP)]
pub struct CheckArgs {
    /// Data folder holding the tables (`firms.csv`, `jv_links.csv`, … or `.parquet`).
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub data: PathBuf,
    /// Summary format: `text` (default), `md`, `latex`, `csv` (the table list) or `json` (every count).
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    pub format: FormatArg,
}

impl CheckArgs {
    /// Validate into the run configuration.
    pub fn into_config(self) -> Result<CheckConfig> {
        Ok(CheckConfig { data: self.data, format: self.format.into() })
    }
}
