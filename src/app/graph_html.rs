//! Runs `spillnet graph html`: load the data folder, take the view, lay it
//! out and write the offline explorer page atomically. [`write_explorer`] is
//! reused by the run's `[[html]]` step. Imports `graph`, `export`, `atomic`.

use std::path::{Path, PathBuf};

use super::Ctx;
use crate::atomic::write_atomic;
use crate::error::Result;
use crate::export::{GraphWriter, HtmlOptions, HtmlWriter, node_attributes_with_centralities};
use crate::graph::centrality::{CentralityOptions, centralities};
use crate::graph::{KnowledgeGraph, View};

/// Validated configuration of `spillnet graph html`.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlConfig {
    /// Data folder.
    pub data: PathBuf,
    /// The view the page embeds.
    pub view: View,
    /// Output HTML file.
    pub out: PathBuf,
    /// Title and layout.
    pub options: HtmlOptions,
}

/// Write the explorer page of `g` to `out` atomically, with the tooltip
/// attributes: worker flows and the centralities of `graph centrality` with
/// its defaults ([`node_attributes_with_centralities`]).
pub fn write_explorer(g: &KnowledgeGraph, options: &HtmlOptions, out: &Path) -> Result<()> {
    let c = centralities(g, &CentralityOptions::default());
    let writer = HtmlWriter::new(options.clone()).with_attributes(node_attributes_with_centralities(g, &c));
    write_atomic(out, &writer.to_bytes(g))?;
    Ok(())
}

/// Run `graph html`.
pub fn run_html(cfg: &HtmlConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let g = super::graph::load_view(&cfg.data, &cfg.view, ctx)?;
    write_explorer(&g, &cfg.options, &cfg.out)?;
    ctx.info(format_args!(
        "wrote {} ({}: {} nodes, {} edges; open it in a browser, it needs no network)",
        cfg.out.display(),
        g.description(),
        g.node_count(),
        g.edge_count()
    ))
}
