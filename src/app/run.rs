//! Runs `spillnet run`: the main job on a data folder. For now it is the
//! graph/diagram job: validate the tables, summarise them and the
//! knowledge-flow graph, and draw the curated diagrams (DOT, rendered to SVG
//! when Graphviz is installed). Later issues add exposure tables and the
//! spillover study. Imports `io`, `graph`, `export`, `atomic` and the other
//! app modules it reuses.

use std::path::{Path, PathBuf};

use super::Ctx;
use crate::atomic::write_atomic;
use crate::error::{Error, Result};
use crate::export::{DotOptions, ImageFormat, Layout};
use crate::graph::{Channel, View, YearMode};

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

/// One curated diagram of the main job.
#[derive(Debug, Clone)]
pub struct Diagram {
    /// File stem (`jv_network` → `diagrams/jv_network.dot`).
    pub name: &'static str,
    /// The view drawn.
    pub view: View,
    /// DOT styling.
    pub options: DotOptions,
    /// Layout engine used when rendering.
    pub layout: Layout,
}

/// Minimum pooled worker flow drawn in the firm-level diagrams.
const MIN_WORKER_FLOW: f64 = 10.0;
/// Minimum number of shared suppliers drawn in the firm-level diagrams.
const MIN_SHARED_SUPPLIERS: f64 = 100.0;

/// The diagrams of the main job (the same set as `scripts/render_graphs.sh`).
pub fn curated_diagrams(last_year: i32) -> Vec<Diagram> {
    let thresholds = |v: View| {
        v.with_channel_min_weight(Channel::WorkerFlow, MIN_WORKER_FLOW)
            .with_channel_min_weight(Channel::SharedSupplier, MIN_SHARED_SUPPLIERS)
    };
    let mut jv = View::channel(Channel::Owns);
    jv.year = View::year(last_year, YearMode::Cumulative).year;
    let mut firms = View::year(last_year, YearMode::Cumulative);
    firms.firms_only = true;
    vec![
        Diagram {
            name: "jv_network",
            view: jv,
            options: DotOptions { clusters: true, ..DotOptions::default() },
            layout: Layout::Fdp,
        },
        Diagram { name: "firms", view: thresholds(firms), options: DotOptions::default(), layout: Layout::Sfdp },
        Diagram {
            name: "worker_flow",
            view: View::channel(Channel::WorkerFlow).with_min_weight(MIN_WORKER_FLOW),
            options: DotOptions::default(),
            layout: Layout::Sfdp,
        },
    ]
}

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

/// Run the main job.
pub fn run(cfg: &RunJobConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    refuse_non_empty(&cfg.out, cfg.force)?;
    let (dataset, report) = crate::io::load::load_dataset_with_sources(&cfg.data)?;
    let summary = super::check::summarize(&dataset, &report);
    let summary_text = super::check::render_text(&summary);
    write_atomic(&cfg.out.join("summary.txt"), summary_text.as_bytes())?;
    write_atomic(&cfg.out.join("summary.json"), &to_json(&summary))?;
    ctx.println(summary_text.trim_end())?;

    let graph = crate::graph::build_graph(&dataset)?;
    let stats = crate::graph::graph_stats(&graph);
    let stats_text = stats.to_string();
    write_atomic(&cfg.out.join("graph_stats.txt"), stats_text.as_bytes())?;
    write_atomic(&cfg.out.join("graph_stats.json"), &to_json(&stats))?;
    ctx.println("")?;
    ctx.println(stats_text.trim_end())?;

    let render = crate::export::render::find_on_path("dot").map(|_| ImageFormat::Svg);
    if render.is_none() {
        ctx.warn(
            "graphviz `dot` not found on PATH: diagrams are written as DOT only (Debian: apt-get install graphviz)",
        )?;
    }
    let last_year = dataset.models.iter().map(|m| m.last_year).chain(dataset.jv_links.iter().map(|l| l.founded)).max();
    let diagrams_dir = cfg.out.join("diagrams");
    ctx.println("")?;
    for d in curated_diagrams(last_year.unwrap_or(2014)) {
        let g = graph.view(&d.view)?;
        let dot_path = diagrams_dir.join(format!("{}.dot", d.name));
        let image = super::graph::write_diagram(&g, &d.options, &dot_path, render, d.layout)?;
        let shown = image.as_ref().unwrap_or(&dot_path);
        ctx.println(format_args!(
            "diagram {:<12} {} ({} nodes, {} edges)",
            d.name,
            shown.display(),
            g.node_count(),
            g.edge_count()
        ))?;
    }
    ctx.info(format_args!("results in {}", cfg.out.display()))
}

fn to_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("run results serialise to JSON");
    bytes.push(b'\n');
    bytes
}
