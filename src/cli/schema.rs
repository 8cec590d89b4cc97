//! Arguments of `spillnet schema` (the data reference, printed from the
//! loader's schema) and `spillnet init` (a template data folder), validated
//! into [`SchemaConfig`] / [`InitConfig`]. Imports `app::schema`.

use std::path::PathBuf;

use crate::app::schema::{InitConfig, SchemaConfig};
use crate::error::Result;

/// Format of `spillnet schema`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaFormat {
    /// Aligned text.
    Text,
    /// Markdown (what `docs/data.md` holds).
    Md,
}

/// Print the input data reference: every table, column, type, key, reference and an example.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Generated from the loader's own column specifications, so it always matches what `spillnet
check` accepts. The repository's docs/data.md is `spillnet schema --format md`.

Examples:
  spillnet schema
  spillnet schema worker_moves
  spillnet schema --format md > docs/data.md")]
pub struct SchemaArgs {
    /// Only this table (`firms`, `jv_links`, `models`, `quality`, `suppliers`, `worker_moves`,
    /// `production`, `customer_choices`, `brand_association`, `patents`); default: all, with
    /// the rules they share.
    #[arg(value_name = "TABLE")]
    pub table: Option<String>,
    /// Output format: `text` (default) or `md` (Markdown; all tables).
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    pub format: SchemaFormat,
}

impl SchemaArgs {
    /// Validate into the run configuration.
    pub fn into_config(self) -> Result<SchemaConfig> {
        if self.format == SchemaFormat::Md && self.table.is_some() {
            return Err(crate::Error::Usage("--format md prints the whole reference; leave out TABLE".into()));
        }
        Ok(SchemaConfig { table: self.table, markdown: self.format == SchemaFormat::Md })
    }
}

/// Write a template data folder: every table but the supplementary ones as CSV with example
/// rows that pass `spillnet check`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
The template is a small valid dataset (two domestic firms, a foreign parent, one joint
venture, three products, quality scores, supplier links, worker moves, production): edit or
replace its rows, keeping the headers, then run `spillnet check --data DIR`. `spillnet schema`
explains every column.

Examples:
  spillnet init mydata
  spillnet check --data mydata")]
pub struct InitArgs {
    /// Folder to create (or an empty folder).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Write into a non-empty folder, overwriting the table files of the same names.
    #[arg(long)]
    pub force: bool,
}

impl InitArgs {
    /// Validate into the run configuration.
    pub fn into_config(self) -> Result<InitConfig> {
        Ok(InitConfig { dir: self.dir, force: self.force })
    }
}
