//! Runs `spillnet run`: a whole analysis described by a validated
//! [`RunJobConfig`] (built by `cli::run` from a TOML file, by default
//! `data/default.toml`). The steps, in order, each recorded in the run's
//! `manifest.json` ([`super::manifest`]):
//!
//! 1. `load`: validate the data folder, hash every input file, write
//!    `summary.{txt,json}`;
//! 2. `graph`: build the knowledge-flow graph, write `graph_stats.{txt,json}`;
//! 3. `diagram <out>`: one per `[[diagram]]`, DOT (+ SVG/PNG with Graphviz);
//! 4. `html <out>`: one per `[[html]]`, the offline network explorer page;
//! 5. `exposure <out>`: one per `[[exposure]]`, CSV/Parquet tables;
//! 6. `spillover`: the study of `[spillover]` (wired by `app::spillover`).
//!
//! Then `manifest.json` is written last, atomically: a folder with a
//! manifest is a finished run. Every file is written atomically; a run never
//! writes into a non-empty output folder unless forced, and a forced run
//! first removes the old manifest so an interrupted re-run cannot pass for a
//! finished one. Owns [`RunJobConfig`], [`Job`], [`Diagram`], [`HtmlPage`], [`ExposureTable`],
//! [`SpilloverSection`]. Imports `io`, `graph`, `exposure`, `export`,
//! `report`, `study`, `atomic` and the app modules it reuses (`graph`,
//! `exposure`, `manifest`, `progress`, `spillover`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Ctx;
use super::manifest::{MANIFEST_FILE, ManifestBuilder, Step};
use super::progress::Progress;
use super::spillover::{study_with_progress, warn_study, write_study};
use crate::atomic::write_atomic;
use crate::error::{Error, Result};
use crate::export::{DotOptions, DotWriter, HtmlOptions, ImageFormat, Layout};
use crate::exposure::measure::{ExposureConfig, Level};
use crate::graph::{KnowledgeGraph, View};
use crate::io::Indexed;
use crate::io::load::MovesEngine;
use crate::io::tables::FirmKind;
use crate::io::write::{TableFormat, write_table};
use crate::report::table::OutputFormat;
use crate::study::StudyOptions;

/// The configuration file a run was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// The path as given (or `data/default.toml`), or a note that the
    /// built-in copy of `data/default.toml` was used.
    pub shown: String,
    /// Its contents (hashed into the manifest).
    pub text: String,
}

/// Validated configuration of `spillnet run`.
#[derive(Debug, Clone)]
pub struct RunJobConfig {
    /// The configuration file.
    pub config_file: ConfigFile,
    /// Input data folder.
    pub data: PathBuf,
    /// Output folder.
    pub out: PathBuf,
    /// Write into a non-empty output folder (replacing the run's files).
    pub force: bool,
    /// Ignore columns a table does not define, with a warning (`allow_extra_columns = true`;
    /// `--allow-extra-columns` also turns it on).
    pub allow_extra_columns: bool,
    /// Where `worker_moves` is aggregated (`engine = "…"`; `--engine` overrides it).
    pub engine: Option<MovesEngine>,
    /// Diagrams to draw, in order.
    pub diagrams: Vec<Diagram>,
    /// Explorer pages to write, in order.
    pub pages: Vec<HtmlPage>,
    /// Exposure tables to write, in order.
    pub exposure: Vec<ExposureTable>,
    /// The spillover study, when the configuration has a `[spillover]` section.
    pub spillover: Option<SpilloverSection>,
    /// The full resolved configuration (defaults filled in, paths resolved),
    /// recorded as `config` in the manifest.
    pub resolved: serde_json::Value,
    /// A command line that re-runs this configuration (recorded in the manifest).
    pub command: String,
}

/// One diagram of a run (a `[[diagram]]` table).
#[derive(Debug, Clone, PartialEq)]
pub struct Diagram {
    /// DOT file, relative to the output folder (e.g. `diagrams/firms.dot`).
    pub out: PathBuf,
    /// The view drawn.
    pub view: View,
    /// DOT styling.
    pub options: DotOptions,
    /// Render the DOT file to this image format beside it (when Graphviz is installed).
    pub render: Option<ImageFormat>,
    /// Layout engine used when rendering.
    pub layout: Layout,
}

/// One explorer page of a run (an `[[html]]` table).
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlPage {
    /// HTML file, relative to the output folder (e.g. `network.html`).
    pub out: PathBuf,
    /// The view embedded.
    pub view: View,
    /// Title and layout.
    pub options: HtmlOptions,
}

/// One exposure table of a run (an `[[exposure]]` table).
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureTable {
    /// What to compute (`pair_weights` is true exactly when `pairs` is set).
    pub exposure: ExposureConfig,
    /// Exposure table file (relative to the output folder) and format.
    pub out: (PathBuf, TableFormat),
    /// Pair-weights table file (relative to the output folder) and format.
    pub pairs: Option<(PathBuf, TableFormat)>,
}

/// The `[spillover]` table of a run configuration: the spillover study
/// (SPEC §4), configured by the flags of `spillnet spillover` (validated by
/// `cli`), and the formats of its reports. Executed by [`run_spillover_step`].
#[derive(Debug, Clone, PartialEq)]
pub struct SpilloverSection {
    /// What to estimate: specifications, pair options, bootstrap, placebo.
    pub study: StudyOptions,
    /// Report formats, one file each in `spillover/`.
    pub formats: Vec<OutputFormat>,
}

impl SpilloverSection {
    /// The seed of the study's random draws (bootstrap, placebo), when it makes any.
    pub fn seed(&self) -> Option<u64> {
        self.study.boot.as_ref().map(|b| b.seed).or(self.study.placebo.as_ref().map(|p| p.seed))
    }
}

/// Folder (inside the output folder) reserved for the spillover study's files.
pub const SPILLOVER_DIR: &str = "spillover";

/// Files every run writes (relative to the output folder); configured
/// outputs may not use these names.
pub const FIXED_OUTPUTS: [&str; 5] =
    ["summary.txt", "summary.json", "graph_stats.txt", "graph_stats.json", MANIFEST_FILE];

/// Graphviz engines whose drawings of the same DOT file can differ between
/// runs: `fdp` moved clusters between two renders of `jv_network.dot` with
/// Graphviz 2.43 (1 run in 10), while `dot`, `neato` and `sfdp` gave identical
/// bytes in every trial.
pub const UNREPRODUCIBLE_ENGINES: [&str; 1] = ["fdp"];

/// Refuse to write into a non-empty output folder unless forced. The folder
/// itself is created by the first atomic write, so a run that fails before
/// writing anything (e.g. on invalid data) leaves no empty folder behind.
fn refuse_non_empty(out: &Path, force: bool) -> Result<()> {
    let non_empty = std::fs::read_dir(out).map(|mut d| d.next().is_some()).unwrap_or(false);
    if non_empty && !force {
        return Err(Error::Usage(format!(
            "output folder {} already exists and is not empty; pass --force to replace its results",
            out.display()
        )));
    }
    Ok(())
}

/// Remove the manifest of an earlier run (forced re-run into the same folder).
fn remove_stale_manifest(out: &Path) -> Result<()> {
    let path = out.join(MANIFEST_FILE);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::Output { path, source: e }),
        _ => Ok(()),
    }
}

/// What every step of a run needs: the configuration, the progress bars and
/// the manifest being built.
pub struct Job<'a> {
    /// The run's configuration.
    pub cfg: &'a RunJobConfig,
    /// Progress bars (hidden with `--quiet` or when stderr is not a terminal).
    pub progress: Progress,
    /// The manifest; each step calls `begin_step` … `end_step`.
    pub manifest: ManifestBuilder,
}

/// Run the main job: the steps in order, then the manifest.
///
/// # Errors
/// [`Error::Usage`] for a non-empty output folder without `--force`; any
/// step's error (invalid data, failed rendering, unwritable output).
pub fn run(cfg: &RunJobConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    refuse_non_empty(&cfg.out, cfg.force)?;
    let mut manifest = ManifestBuilder::new(cfg.command.clone(), cfg.resolved.clone(), &cfg.out);
    manifest.config_file(Path::new(&cfg.config_file.shown), cfg.config_file.text.as_bytes());
    if let Some(seed) = cfg.spillover.as_ref().and_then(SpilloverSection::seed) {
        manifest.seed("spillover", seed);
    }
    let mut job = Job { cfg, progress: Progress::new(ctx.quiet), manifest };

    let dataset = load_step(&mut job, ctx)?;
    let graph = graph_step(&mut job, &dataset, ctx)?;
    diagram_steps(&mut job, &graph, ctx)?;
    html_steps(&mut job, &graph, ctx)?;
    exposure_steps(&mut job, &dataset, ctx)?;
    if let Some(section) = &cfg.spillover {
        run_spillover_step(&mut job, &dataset, section, ctx)?;
    }

    job.manifest.finish()?;
    ctx.info(format_args!("results in {} (manifest: {})", cfg.out.display(), cfg.out.join(MANIFEST_FILE).display()))
}

/// Step `load`: validate the data folder, hash the inputs, write the summary.
fn load_step(job: &mut Job<'_>, ctx: &mut Ctx<'_>) -> Result<Indexed> {
    let cfg = job.cfg;
    let mut step = job.manifest.begin_step("load", "table rows");
    let spinner = job.progress.spinner(format!("loading {}", cfg.data.display()));
    ctx.allow_extra_columns |= cfg.allow_extra_columns;
    if ctx.moves_engine.is_none() {
        ctx.moves_engine.clone_from(&cfg.engine);
    }
    let loaded = super::load_data(&cfg.data, ctx);
    spinner.finish();
    let (dataset, report) = loaded?;
    // The data is valid: from here on the run writes, so an old manifest no longer describes the folder.
    remove_stale_manifest(&cfg.out)?;
    let mut rows = 0;
    for t in &report.tables {
        if let Some(path) = &t.path {
            job.manifest.input(path, Some(t.table))?;
        }
        step.count(format!("rows.{}", t.table), t.rows as u64);
        rows += t.rows as u64;
    }
    step.rows(rows, rows);
    let summary = crate::io::summary::summarize(&dataset, &report);
    let summary_text = crate::report::summary::render_summary(&summary, OutputFormat::Text);
    write_output(&mut step, &cfg.out, "summary.txt", summary_text.as_bytes())?;
    write_output(&mut step, &cfg.out, "summary.json", &to_json(&summary))?;
    job.manifest.end_step(step)?;
    ctx.detail(summary_text.trim_end())?;
    Ok(dataset)
}

/// Step `graph`: build the knowledge-flow graph and write its statistics.
fn graph_step(job: &mut Job<'_>, dataset: &Indexed, ctx: &mut Ctx<'_>) -> Result<KnowledgeGraph> {
    let mut step = job.manifest.begin_step("graph", "edges");
    let graph = crate::graph::build_graph(dataset)?;
    let stats = crate::graph::graph_stats(&graph);
    let stats_text = crate::report::graph_stats::render_graph_stats(&stats, OutputFormat::Text);
    step.rows(graph.edge_count() as u64, graph.edge_count() as u64);
    step.count("nodes", graph.node_count() as u64);
    write_output(&mut step, &job.cfg.out, "graph_stats.txt", stats_text.as_bytes())?;
    write_output(&mut step, &job.cfg.out, "graph_stats.json", &to_json(&stats))?;
    job.manifest.end_step(step)?;
    ctx.detail("")?;
    ctx.detail(stats_text.trim_end())?;
    Ok(graph)
}

/// Steps `diagram <out>`: draw each configured view (DOT, rendered when Graphviz is installed).
fn diagram_steps(job: &mut Job<'_>, graph: &KnowledgeGraph, ctx: &mut Ctx<'_>) -> Result<()> {
    let cfg = job.cfg;
    let graphviz = crate::export::render::find_on_path("dot").is_some();
    if !graphviz && cfg.diagrams.iter().any(|d| d.render.is_some()) {
        ctx.warn(
            "graphviz `dot` not found on PATH: diagrams are written as DOT only (Debian: apt-get install graphviz)",
        )?;
    }
    if !cfg.diagrams.is_empty() {
        ctx.detail("")?;
    }
    let bar = job.progress.bar(cfg.diagrams.len() as u64, "diagrams");
    for d in &cfg.diagrams {
        let mut step = job.manifest.begin_step(format!("diagram {}", d.out.display()), "edges");
        let g = graph.view(&d.view)?;
        // Edges of the view before the weight thresholds: the thresholds are what excludes edges.
        let unthresholded = View { min_weight: None, min_weight_by_channel: BTreeMap::new(), ..d.view.clone() };
        let before = if unthresholded == d.view { g.edge_count() } else { graph.view(&unthresholded)?.edge_count() };
        let after = g.edge_count();
        step.rows(before.max(after) as u64, after as u64);
        step.exclude("below the view's min_weight", before.saturating_sub(after) as u64);
        step.count("nodes", g.node_count() as u64);
        let dot_path = cfg.out.join(&d.out);
        let render = d.render.filter(|_| graphviz).map(|format| super::graph::RenderSpec {
            format,
            layout: d.layout,
            timeout: Some(Duration::from_secs(crate::export::render::DEFAULT_RENDER_TIMEOUT_SECS)),
        });
        let writer = DotWriter::new(d.options.clone());
        let image = bar.suspend(|| super::graph::write_diagram(&g, &writer, &dot_path, render, job.progress))?;
        step.output(&dot_path);
        let image = image.map(|(image, engine)| {
            if UNREPRODUCIBLE_ENGINES.contains(&engine) {
                step.output_unreproducible(
                    &image,
                    format!("Graphviz `{engine}` layouts can differ between runs (the DOT file is reproducible)"),
                );
            } else {
                step.output(&image);
            }
            image
        });
        job.manifest.end_step(step)?;
        bar.inc(1);
        let shown = image.as_ref().unwrap_or(&dot_path);
        bar.suspend(|| {
            ctx.detail(format_args!("diagram  {} ({})", shown.display(), super::graph::diagram_counts(&g, &d.options)))
        })?;
    }
    bar.finish();
    Ok(())
}

/// Steps `html <out>`: write each configured explorer page.
fn html_steps(job: &mut Job<'_>, graph: &KnowledgeGraph, ctx: &mut Ctx<'_>) -> Result<()> {
    let cfg = job.cfg;
    for p in &cfg.pages {
        let mut step = job.manifest.begin_step(format!("html {}", p.out.display()), "edges");
        let spinner = job.progress.spinner(format!("html {}", p.out.display()));
        let g = graph.view(&p.view)?;
        let unthresholded = View { min_weight: None, min_weight_by_channel: BTreeMap::new(), ..p.view.clone() };
        let before = if unthresholded == p.view { g.edge_count() } else { graph.view(&unthresholded)?.edge_count() };
        step.rows(before.max(g.edge_count()) as u64, g.edge_count() as u64);
        step.exclude("below the view's min_weight", before.saturating_sub(g.edge_count()) as u64);
        step.count("nodes", g.node_count() as u64);
        let path = cfg.out.join(&p.out);
        let written = super::graph_html::write_explorer(&g, &p.options, &path);
        spinner.finish();
        written?;
        step.output(&path);
        job.manifest.end_step(step)?;
        ctx.detail(format_args!(
            "explorer {} ({}: {} nodes, {} edges)",
            path.display(),
            g.description(),
            g.node_count(),
            g.edge_count()
        ))?;
    }
    Ok(())
}

/// Steps `exposure <out>`: compute and write each configured exposure table.
fn exposure_steps(job: &mut Job<'_>, dataset: &Indexed, ctx: &mut Ctx<'_>) -> Result<()> {
    let cfg = job.cfg;
    for t in &cfg.exposure {
        let (rel, format) = &t.out;
        let mut step = job.manifest.begin_step(format!("exposure {}", rel.display()), "quality rows");
        let spinner = job.progress.spinner(format!("exposure {}", rel.display()));
        let panel = super::exposure::compute(dataset, &t.exposure);
        spinner.finish();
        let panel = panel?;
        let path = cfg.out.join(rel);
        write_table(&path, &super::exposure::panel_table(&panel), *format)?;
        step.output(&path);
        if let Some((rel, format)) = &t.pairs {
            let pairs = panel.pairs.clone().unwrap_or_default();
            let path = cfg.out.join(rel);
            write_table(&path, &super::exposure::pairs_table(&panel, &pairs), *format)?;
            step.output(&path);
            step.count("pairs", pairs.focal.len() as u64);
        }
        account_exposure(&mut step, dataset, panel.level, panel.n_rows() as u64);
        let d = &panel.diagnostics;
        step.count("focal_units", d.focal_units as u64);
        step.count("jv_units", d.jv_units as u64);
        for (c, n) in panel.channels.iter().zip(&d.zero_weight_rows) {
            step.count(format!("zero_weight_rows.{}", c.as_str()), *n as u64);
        }
        for c in &d.absent_channels {
            step.count(format!("absent_channel.{c} (source table absent: no column)"), 0);
        }
        job.manifest.end_step(step)?;
        ctx.detail(format_args!(
            "exposure {} ({} rows, {} focal units, {} JV units)",
            path.display(),
            d.rows,
            d.focal_units,
            d.jv_units
        ))?;
    }
    Ok(())
}

/// Row accounting of an exposure step: quality rows in, panel rows out; the
/// difference is JV and foreign-parent models' rows (not focal units) and,
/// at firm level, model rows merged into one firm row.
fn account_exposure(step: &mut Step, ds: &Indexed, level: Level, rows_out: u64) {
    let ix = ds.index();
    let (mut domestic, mut jv, mut foreign) = (0u64, 0u64, 0u64);
    for &m in &ix.quality_model {
        match ds.firm(ix.firm_of_model(m)).kind {
            FirmKind::Domestic => domestic += 1,
            FirmKind::Jv => jv += 1,
            FirmKind::Foreign => foreign += 1,
        }
    }
    step.rows(domestic + jv + foreign, rows_out);
    step.exclude("quality rows of JV models (JV units are the sources, not focal units)", jv);
    step.exclude("quality rows of models of foreign parents (ignored)", foreign);
    let merged = domestic.saturating_sub(rows_out);
    let reason = match level {
        Level::Firm => "domestic quality rows merged into one row per firm, dimension and year (or without a Q value)",
        Level::Model => "domestic model quality rows without a Q value (e.g. no relative strength)",
    };
    step.exclude(reason, merged);
}

/// Write one output file atomically and record it in the step.
fn write_output(step: &mut Step, out: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    let path = out.join(rel);
    write_atomic(&path, bytes)?;
    step.output(&path);
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("run results serialise to JSON");
    bytes.push(b'\n');
    bytes
}

/// Step `spillover` of `spillnet run`: the study of the `[spillover]`
/// section, written into `OUT/spillover/` (one report per format, placebo
/// draws and histogram), with its row accounting in the manifest.
pub fn run_spillover_step(
    job: &mut Job<'_>,
    ds: &Indexed,
    section: &SpilloverSection,
    ctx: &mut Ctx<'_>,
) -> Result<()> {
    let opts = &section.study;
    let mut step = job.manifest.begin_step("spillover", "pair × dimension slots");
    let (_, result) = study_with_progress(ds, opts, &job.progress)?;
    let p = &result.panel;
    step.rows((p.pair_years * p.dimensions) as u64, p.rows as u64);
    step.exclude(
        "pair × dimension slot where a model-year has no score in that dimension",
        p.rows_missing_dimension as u64,
    );
    step.count("pair_years", p.pair_years as u64);
    step.count("affiliated_pair_years", result.pairs.affiliated_pair_years as u64);
    step.count("pair_years_without_supplier_overlap", result.pairs.overlap_missing.rows as u64);
    for m in &result.models {
        step.count(format!("nobs.{}", m.spec.id), m.fit.core.nobs as u64);
        for (why, n) in &m.sample.excluded {
            step.count(format!("excluded.{}: {why}", m.spec.id), *n as u64);
        }
        if m.fit.core.diagnostics.n_singletons > 0 {
            step.count(format!("excluded.{}: singletons", m.spec.id), m.fit.core.diagnostics.n_singletons as u64);
        }
    }
    let dir = job.cfg.out.join(SPILLOVER_DIR);
    for path in write_study(&result, &dir, &section.formats, ctx)? {
        step.output(&path);
    }
    job.manifest.end_step(step)?;
    warn_study(&result, ctx)?;
    let h = &result.headline;
    ctx.detail("")?;
    let skipped = result.skipped.iter().filter(|s| s.group.is_some()).count();
    ctx.println(format_args!(
        "spillover  headline {:.4} (SE {:.4}{}), N = {}; {} specifications{}; reports in {}",
        h.estimate,
        h.se,
        match (h.p_boot, h.boot_draws) {
            (Some(p), Some(b)) => format!(", wild-bootstrap p {}", crate::report::regression_table::boot_p(p, b)),
            _ => String::new(),
        },
        h.nobs,
        result.models.len(),
        if skipped > 0 { format!(" ({skipped} skipped, see the report)") } else { String::new() },
        dir.display()
    ))
}
