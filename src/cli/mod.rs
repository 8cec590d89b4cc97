//! Command-line interface: clap-derived raw arguments (one file per
//! subcommand) turned into a validated [`crate::app::RunConfig`] in one
//! place; a run file's tables are read as extra arguments of those same
//! subcommands ([`run_file`]). No clap type reaches below this module. Imports `app` (config
//! types) and the domain enums of the layers it configures.

pub mod check;
pub mod estimate;
pub mod exposure;
pub mod graph;
pub mod graph_export;
pub mod graph_html;
pub mod moves;

/// The view flags shared by every `graph` subcommand (re-exported for `graph_export`, which
/// `graph` itself names: children use the parent's types, so the two do not import each other).
pub use graph::{GraphArgs, GraphCommand, ViewArgs};
pub mod run;
pub mod run_file;
pub mod schema;
pub mod spillover;
pub mod synth;

use clap::{Parser, Subcommand};

use crate::app::{CommandConfig, GlobalConfig, RunConfig};
use crate::error::Result;
use crate::io::load::MovesEngine;

/// spillnet: knowledge spillovers through inter-firm networks.
///
/// Builds the knowledge-flow graph of firms, joint ventures, models,
/// suppliers and worker moves; draws it as Graphviz diagrams; runs
/// fixed-effect regressions with fixest-exact inference.
///
/// Exit codes: 0 success, 1 error (bad data, failed run), 2 usage error.
#[derive(Debug, Parser)]
#[command(name = "spillnet", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Suppress progress bars and informational messages on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Number of worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// Ignore columns a table does not define (each file's are listed in a warning)
    /// instead of stopping at the first one [default: off; run file: `allow_extra_columns = true`].
    #[arg(long, global = true)]
    pub allow_extra_columns: bool,
    /// Where the worker moves are validated and aggregated by (from_firm, to_firm, year):
    /// `in-process` (Apache DataFusion on this machine's cores, spilling to disk past 512 MiB;
    /// any file it does not accept goes to the native loader, which gives the exact error),
    /// `native` (spillnet's one-core streaming loader) or `ballista://HOST:PORT` (the same
    /// DataFusion plan on an Apache Ballista cluster; the data folder must be readable at the
    /// same path on every executor) [default: in-process; run file: `engine = "…"`].
    #[arg(long, global = true, value_name = "ENGINE")]
    pub engine: Option<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the input data reference: tables, columns, types, keys, references, examples.
    Schema(schema::SchemaArgs),
    /// Write a template data folder (every table with example rows) to edit into your data.
    Init(schema::InitArgs),
    /// Validate a data folder and print a summary of its tables.
    Check(check::CheckArgs),
    /// Generate a synthetic data folder layered on the real JV network.
    Synth(synth::SynthArgs),
    /// Build the knowledge-flow graph: summary statistics or DOT diagrams.
    Graph(graph::GraphArgs),
    /// Fit an OLS regression with fixed effects on any CSV/Parquet table.
    Estimate(estimate::EstimateArgs),
    /// Channel-weighted exposure of domestic units to JV quality (CSV/Parquet table).
    Exposure(exposure::ExposureArgs),
    /// Worker moves at scale: print their aggregation as SQL for Spark, DuckDB or PostgreSQL.
    Moves(moves::MovesArgs),
    /// Estimate the study's spillover regressions: relative strengths, pairwise
    /// regressions, channels, placebo, mediation and quantification.
    Spillover(spillover::SpilloverArgs),
    /// Monte Carlo of the study's estimator on synthetic data with a planted spillover.
    Montecarlo(spillover::MonteCarloArgs),
    /// Run a whole analysis described in TOML (default: `data/default.toml`, the
    /// main job): summaries, diagrams, exposure tables, the spillover study, and
    /// a manifest.json to cite and re-run it.
    Run(run::RunArgs),
}

impl Cli {
    /// Validate the raw arguments into a run configuration (errors are usage errors, exit 2).
    pub fn into_config(self) -> Result<RunConfig> {
        if self.threads == Some(0) {
            return Err(crate::Error::Usage("--threads must be at least 1".into()));
        }
        let engine = match &self.engine {
            Some(e) => Some(MovesEngine::parse(e).map_err(|msg| crate::Error::Usage(format!("--engine: {msg}")))?),
            None => None,
        };
        let command = match self.command {
            Command::Schema(a) => CommandConfig::Schema(a.into_config()?),
            Command::Init(a) => CommandConfig::Init(a.into_config()?),
            Command::Check(a) => CommandConfig::Check(a.into_config()?),
            Command::Synth(a) => CommandConfig::Synth(a.into_config()?),
            Command::Graph(a) => a.into_config()?,
            Command::Estimate(a) => CommandConfig::Estimate(a.into_config()?),
            Command::Exposure(a) => CommandConfig::Exposure(a.into_config()?),
            Command::Moves(a) => CommandConfig::MovesSql(a.into_config()?),
            Command::Spillover(a) => CommandConfig::Spillover(a.into_config()?),
            Command::Montecarlo(a) => CommandConfig::MonteCarlo(a.into_config()?),
            Command::Run(a) => CommandConfig::Run(a.into_config()?),
        };
        Ok(RunConfig {
            global: GlobalConfig {
                quiet: self.quiet,
                threads: self.threads,
                allow_extra_columns: self.allow_extra_columns,
                engine,
            },
            command,
        })
    }
}
