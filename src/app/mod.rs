//! The application layer: the only module that calls every layer. It builds
//! the rayon pool, loads data, wires io → graph → exposure → estimate →
//! report/export for each subcommand (one file per subcommand), and writes
//! results to the [`Ctx`] writers. It never reads command-line flags: it
//! receives a validated [`RunConfig`] from `cli`.

pub mod check;
pub mod estimate;
pub mod exposure;
pub mod fixef;
pub mod formula;
pub mod graph;
pub mod graph_export;
pub mod graph_html;
pub mod manifest;
pub mod moves;
pub mod plot;
pub mod progress;
pub mod run;
pub mod schema;
pub mod spillover;
pub mod synth;

use crate::io::Indexed;
use crate::io::load::{LoadOptions, LoadReport, MovesEngine, load_dataset_with};
use std::io::Write;

use crate::error::{Error, Result};

/// Settings shared by every subcommand.
#[derive(Debug, Clone, Default)]
pub struct GlobalConfig {
    /// No progress bars or informational messages.
    pub quiet: bool,
    /// Size of the rayon pool; `None` = all cores.
    pub threads: Option<usize>,
    /// Ignore columns a table does not define, with a warning.
    pub allow_extra_columns: bool,
    /// Where `worker_moves` is aggregated (`--engine`); `None`: not given.
    pub engine: Option<MovesEngine>,
}

/// A validated run: global settings plus one subcommand's configuration.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Shared settings.
    pub global: GlobalConfig,
    /// What to run.
    pub command: CommandConfig,
}

/// One subcommand's validated configuration.
#[derive(Debug, Clone)]
pub enum CommandConfig {
    /// `spillnet schema`.
    Schema(schema::SchemaConfig),
    /// `spillnet init`.
    Init(schema::InitConfig),
    /// `spillnet check`.
    Check(check::CheckConfig),
    /// `spillnet synth`.
    Synth(synth::SynthConfig),
    /// `spillnet graph stats`.
    GraphStats(graph::StatsConfig),
    /// `spillnet graph dot`.
    GraphDot(graph::DotConfig),
    /// `spillnet graph export`.
    GraphExport(graph_export::ExportConfig),
    /// `spillnet graph centrality`.
    GraphCentrality(graph_export::CentralityConfig),
    /// `spillnet graph html`.
    GraphHtml(graph_html::HtmlConfig),
    /// `spillnet estimate`.
    Estimate(estimate::EstimateConfig),
    /// `spillnet exposure`.
    Exposure(exposure::ExposureJobConfig),
    /// `spillnet moves sql`.
    MovesSql(moves::MovesSqlConfig),
    /// `spillnet spillover`.
    Spillover(spillover::SpilloverConfig),
    /// `spillnet montecarlo`.
    MonteCarlo(spillover::MonteCarloConfig),
    /// `spillnet run`.
    Run(run::RunJobConfig),
}

/// Where a run writes: primary output (tables, summaries) and diagnostics
/// (warnings, progress, "wrote FILE" lines).
pub struct Ctx<'a> {
    /// Primary output (stdout in the binary).
    pub out: &'a mut dyn Write,
    /// Diagnostics (stderr in the binary).
    pub err: &'a mut dyn Write,
    /// Suppress progress and informational messages.
    pub quiet: bool,
    /// Ignore columns a table does not define (with a warning) instead of failing.
    pub allow_extra_columns: bool,
    /// Where `worker_moves` is aggregated; `None`: the default (DataFusion in-process).
    pub moves_engine: Option<MovesEngine>,
}

impl Ctx<'_> {
    /// Write a line of primary output.
    pub fn println(&mut self, s: impl std::fmt::Display) -> Result<()> {
        writeln!(self.out, "{s}").map_err(stdout_err)
    }

    /// Write a line of primary output that `--quiet` leaves out: a step's
    /// summary whose content is also written to a file (`spillnet run`).
    pub fn detail(&mut self, s: impl std::fmt::Display) -> Result<()> {
        if self.quiet { Ok(()) } else { self.println(s) }
    }

    /// Write an informational line to the diagnostics stream unless quiet.
    pub fn info(&mut self, s: impl std::fmt::Display) -> Result<()> {
        if self.quiet {
            return Ok(());
        }
        writeln!(self.err, "{s}").map_err(stdout_err)
    }

    /// Write a warning line to the diagnostics stream (always shown).
    pub fn warn(&mut self, s: impl std::fmt::Display) -> Result<()> {
        writeln!(self.err, "warning: {s}").map_err(stdout_err)
    }
}

/// Load and validate a data folder with the run's [`LoadOptions`], warning
/// about each table's ignored columns and integers written as decimals
/// (`2011.0`; never silent).
pub fn load_data(dir: &std::path::Path, ctx: &mut Ctx<'_>) -> Result<(Indexed, LoadReport)> {
    let opts = LoadOptions {
        allow_extra_columns: ctx.allow_extra_columns,
        moves_engine: ctx.moves_engine.clone().unwrap_or_default(),
    };
    let cluster = opts.moves_engine.is_cluster().then(|| opts.moves_engine.to_string());
    let (data, report) = load_dataset_with(dir, opts)?;
    if let (Some(url), Some(crate::io::load::MovesRoute::Native { reason })) = (cluster, &report.moves_route) {
        ctx.warn(format!(
            "worker_moves: not aggregated on the cluster {url} ({reason}); read here by the native loader"
        ))?;
    }
    for t in &report.tables {
        if let (Some(path), false) = (&t.path, t.ignored_columns.is_empty()) {
            ctx.warn(format!(
                "{}: ignored column(s) the table does not define: {} (--allow-extra-columns)",
                path.display(),
                t.ignored_columns.join(", ")
            ))?;
        }
        if let Some(path) = &t.path {
            for d in &t.decimal_integers {
                ctx.warn(format!(
                    "{}: column `{}`: {} value(s) written with a decimal point (first: row {}, `{}`) read as \
                     whole numbers",
                    path.display(),
                    d.column,
                    d.count,
                    d.first_row,
                    d.example
                ))?;
            }
        }
    }
    Ok((data, report))
}

/// An error writing to a standard stream, as a crate error.
pub fn stdout_err(source: std::io::Error) -> Error {
    Error::Output { path: "<stdout>".into(), source }
}

/// Run a validated configuration. The rayon global pool is sized from
/// `--threads` on the first call (results never depend on the thread count).
pub fn run(cfg: &RunConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    if let Some(n) = cfg.global.threads {
        // Fails only if the global pool already exists (a second run in one process): keep that pool.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n).build_global();
    }
    match &cfg.command {
        CommandConfig::Schema(c) => schema::run_schema(c, ctx),
        CommandConfig::Init(c) => schema::run_init(c, ctx),
        CommandConfig::Check(c) => check::run(c, ctx),
        CommandConfig::Synth(c) => synth::run(c, ctx),
        CommandConfig::GraphStats(c) => graph::run_stats(c, ctx),
        CommandConfig::GraphDot(c) => graph::run_dot(c, ctx),
        CommandConfig::GraphExport(c) => graph_export::run_export(c, ctx),
        CommandConfig::GraphCentrality(c) => graph_export::run_centrality(c, ctx),
        CommandConfig::GraphHtml(c) => graph_html::run_html(c, ctx),
        CommandConfig::Estimate(c) => estimate::run(c, ctx),
        CommandConfig::Exposure(c) => exposure::run(c, ctx),
        CommandConfig::MovesSql(c) => moves::run(c, ctx),
        CommandConfig::Spillover(c) => spillover::run(c, ctx),
        CommandConfig::MonteCarlo(c) => spillover::run_mc(c, ctx),
        CommandConfig::Run(c) => run::run(c, ctx),
    }
}
