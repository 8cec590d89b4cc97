//! Runs `spillnet graph stats` and `spillnet graph dot`: load the data
//! folder, build the knowledge-flow graph, take the requested view, then
//! print its statistics (`report::graph_stats` in text, Markdown, LaTeX or
//! CSV; JSON of the statistics themselves) or write (and
//! optionally render) its DOT diagram through the export crate's `GraphWriter`.
//! [`load_view`] and [`write_diagram`] are reusable by other subcommands
//! (e.g. `run`). Imports `io::load`, `graph`, `report`, `export`, `atomic`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Ctx;
use super::progress::Progress;
use crate::atomic::write_atomic;
use crate::error::Result;
use crate::export::{DotOptions, DotWriter, GraphWriter, ImageFormat, Layout, drawn_edge_count};
use crate::graph::{KnowledgeGraph, View};
use crate::report::table::OutputFormat;

/// Validated configuration of `spillnet graph stats`.
#[derive(Debug, Clone)]
pub struct StatsConfig {
    /// Data folder.
    pub data: PathBuf,
    /// The view to summarise.
    pub view: View,
    /// Output format (JSON: the statistics as one object).
    pub format: OutputFormat,
}

/// Validated configuration of `spillnet graph dot`.
#[derive(Debug, Clone, PartialEq)]
pub struct DotConfig {
    /// Data folder.
    pub data: PathBuf,
    /// The view to draw.
    pub view: View,
    /// DOT styling options.
    pub options: DotOptions,
    /// Output DOT file; `None` writes to standard output.
    pub out: Option<PathBuf>,
    /// Render the DOT file to this image format beside it.
    pub render: Option<ImageFormat>,
    /// Layout engine for rendering.
    pub layout: Layout,
    /// Stop the layout engine after this long (`None`: no limit).
    pub render_timeout: Option<Duration>,
}

/// Load a data folder and take a view of its graph.
pub fn load_view(data: &Path, view: &View, ctx: &mut Ctx<'_>) -> Result<KnowledgeGraph> {
    let (dataset, _) = super::load_data(data, ctx)?;
    let graph = crate::graph::build_graph(&dataset)?;
    Ok(graph.view(view)?)
}

/// Run `graph stats`.
pub fn run_stats(cfg: &StatsConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let g = load_view(&cfg.data, &cfg.view, ctx)?;
    let stats = crate::graph::graph_stats(&g);
    match cfg.format {
        OutputFormat::Json => {
            let json = serde_json::to_string_pretty(&stats).expect("graph statistics serialise to JSON");
            ctx.println(json)
        }
        format => ctx.println(crate::report::graph_stats::render_graph_stats(&stats, format).trim_end()),
    }
}

/// How a written diagram is rendered: image format, layout engine, time limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderSpec {
    /// Image format.
    pub format: ImageFormat,
    /// Layout engine ([`Layout::Auto`] picks by size and density).
    pub layout: Layout,
    /// Stop the engine after this long (`None`: no limit).
    pub timeout: Option<Duration>,
}

/// Write `g` as DOT with `writer` to `out` atomically and, if asked, render
/// the file with Graphviz, showing a spinner with the elapsed time while the
/// engine works. Returns the image path and the engine when one was rendered.
pub fn write_diagram(
    g: &KnowledgeGraph,
    writer: &DotWriter,
    out: &Path,
    render: Option<RenderSpec>,
    progress: Progress,
) -> Result<Option<(PathBuf, &'static str)>> {
    write_atomic(out, &writer.to_bytes(g))?;
    let Some(spec) = render else { return Ok(None) };
    let image = crate::export::render::image_path(out, spec.format);
    let drawn = drawn_edge_count(g, &writer.options);
    let engine = spec.layout.engine(g.node_count(), drawn);
    let spinner = progress.spinner(format!(
        "rendering {} with {engine} ({} nodes, {drawn} edges)",
        image.display(),
        g.node_count()
    ));
    let result = crate::export::render::render(out, &image, spec.format, engine, spec.timeout);
    spinner.finish();
    result?;
    Ok(Some((image, engine)))
}

/// `whole graph: 36 nodes, 108 edges`, the counts of a diagram's label,
/// with the graph's own edge count (what `graph stats` counts) when merging
/// parallel edges drew fewer: `… 108 edges drawn of 110: parallel edges of
/// one channel (e.g. yearly worker flows) merged, --no-merge draws each`.
pub fn diagram_counts(g: &KnowledgeGraph, options: &DotOptions) -> String {
    let drawn = drawn_edge_count(g, options);
    let mut s = format!("{}: {} nodes, {drawn} edges", g.description(), g.node_count());
    if drawn != g.edge_count() {
        // Writing to a String cannot fail.
        let _ = write!(
            s,
            " drawn of {}: parallel edges of one channel (e.g. yearly worker flows) merged, --no-merge draws each",
            g.edge_count()
        );
    }
    s
}

/// Run `graph dot`.
pub fn run_dot(cfg: &DotConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let g = load_view(&cfg.data, &cfg.view, ctx)?;
    let writer = DotWriter::new(cfg.options.clone());
    let Some(out) = &cfg.out else {
        return ctx.println(String::from_utf8_lossy(&writer.to_bytes(&g)).trim_end());
    };
    let render = cfg.render.map(|format| RenderSpec { format, layout: cfg.layout, timeout: cfg.render_timeout });
    let image = write_diagram(&g, &writer, out, render, Progress::new(ctx.quiet))?;
    ctx.info(format_args!("wrote {} ({})", out.display(), diagram_counts(&g, &cfg.options)))?;
    if let Some((image, engine)) = image {
        ctx.info(format_args!("rendered {} with {engine}", image.display()))?;
    }
    Ok(())
}
