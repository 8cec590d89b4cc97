//! Runs `spillnet graph export` and `spillnet graph centrality`: load the data
//! folder, build the knowledge-flow graph, take the view, then write it as
//! GraphML, GEXF or a long edge list (with its node table), or write the
//! per-node measures (once, or per year as tsna's `tSnaStats`). Every file is
//! written atomically; non-converged iterative measures are warned about.
//! Imports `io::write`, `graph`, `export`, `atomic`.

use std::path::{Path, PathBuf};

use super::Ctx;
use super::graph::load_view;
use crate::atomic::write_atomic;
use crate::error::Result;
use crate::export::{GexfWriter, GraphWriter, GraphmlWriter, centrality_table, edge_table, node_table};
use crate::graph::centrality::{Centralities, CentralityOptions, centralities};
use crate::graph::{KnowledgeGraph, View, YearMode};
use crate::io::write::{TableFormat, table_to_csv, write_table};

/// Interchange format of `graph export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// GraphML.
    Graphml,
    /// GEXF 1.3, dynamic mode.
    Gexf,
    /// Long edge list in CSV or Parquet, plus the node table beside it.
    Edges(TableFormat),
}

/// Validated configuration of `spillnet graph export`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportConfig {
    /// Data folder.
    pub data: PathBuf,
    /// The view to export.
    pub view: View,
    /// File format.
    pub format: ExportFormat,
    /// Output file.
    pub out: PathBuf,
    /// Centralities attached to the nodes; `None` leaves them out.
    pub centrality: Option<CentralityOptions>,
}

/// Validated configuration of `spillnet graph centrality`.
#[derive(Debug, Clone, PartialEq)]
pub struct CentralityConfig {
    /// Data folder.
    pub data: PathBuf,
    /// The view to measure (for `by_year`, without a year slice).
    pub view: View,
    /// Measure each year's slice of the view (active in the year or cumulative up to it).
    pub by_year: Option<YearMode>,
    /// Output table and its format; `None` writes CSV to standard output.
    pub out: Option<(PathBuf, TableFormat)>,
    /// Measure settings.
    pub options: CentralityOptions,
}

/// The node table's path beside an edge list: `edges.csv` → `edges.nodes.csv`.
pub fn nodes_path(out: &Path, format: TableFormat) -> PathBuf {
    let stem = out.file_stem().map_or_else(|| "edges".into(), |s| s.to_string_lossy().into_owned());
    out.with_file_name(format!("{stem}.nodes.{}", format.extension()))
}

/// Warn about iterative measures that did not converge on `g` (`what` names the slice).
fn warn_convergence(c: &Centralities, what: &str, ctx: &mut Ctx<'_>) -> Result<()> {
    let d = &c.diagnostics;
    if !d.pagerank_converged {
        ctx.warn(format!(
            "{what}: PageRank did not converge in {} iterations; the last iterate is reported",
            d.pagerank_iterations
        ))?;
    }
    if !d.eigenvector_converged {
        ctx.warn(format!(
            "{what}: eigenvector centrality did not converge in {} iterations (no dominant eigenvector of the \
             directed graph); the eigenvector column is left empty",
            d.eigenvector_iterations
        ))?;
    }
    Ok(())
}

/// Run `graph export`.
pub fn run_export(cfg: &ExportConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let g = load_view(&cfg.data, &cfg.view, ctx)?;
    if g.node_count() == 0 {
        ctx.warn(format!("the view ({}) has no nodes; the export is an empty graph", g.description()))?;
    }
    let c = cfg.centrality.as_ref().map(|o| centralities(&g, o));
    if let Some(c) = &c {
        warn_convergence(c, g.description(), ctx)?;
    }
    match cfg.format {
        ExportFormat::Graphml => {
            write_atomic(&cfg.out, &GraphmlWriter { centrality: cfg.centrality }.to_bytes(&g))?;
        }
        ExportFormat::Gexf => {
            write_atomic(&cfg.out, &GexfWriter { centrality: cfg.centrality }.to_bytes(&g))?;
        }
        ExportFormat::Edges(format) => {
            let nodes = nodes_path(&cfg.out, format);
            write_table(&cfg.out, &edge_table(&g), format)?;
            write_table(&nodes, &node_table(&g, c.as_ref(), true), format)?;
            ctx.info(format_args!("wrote {} (node table)", nodes.display()))?;
        }
    }
    ctx.info(format_args!(
        "wrote {} ({}: {} nodes, {} edges)",
        cfg.out.display(),
        g.description(),
        g.node_count(),
        g.edge_count()
    ))
}

/// Run `graph centrality`.
pub fn run_centrality(cfg: &CentralityConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let parts: Vec<(Option<i32>, KnowledgeGraph)> = match cfg.by_year {
        None => vec![(None, load_view(&cfg.data, &cfg.view, ctx)?)],
        Some(mode) => {
            let whole = load_view(&cfg.data, &View::whole(), ctx)?;
            let Some((first, last)) = whole.view(&cfg.view)?.years() else {
                ctx.warn("--by-year: the view mentions no year; nothing to measure")?;
                return write_output(cfg, &centrality_table(&[]), ctx);
            };
            let mut parts = Vec::new();
            for year in first..=last {
                let mut v = cfg.view.clone();
                v.year = Some(crate::graph::YearSlice { year, mode });
                parts.push((Some(year), whole.view(&v)?));
            }
            parts
        }
    };
    let measures: Vec<Centralities> = parts.iter().map(|(_, g)| centralities(g, &cfg.options)).collect();
    if let [(None, g)] = parts.as_slice() {
        if g.node_count() == 0 {
            ctx.warn(format!("the view ({}) has no nodes; the table has no rows", g.description()))?;
        }
        warn_convergence(&measures[0], g.description(), ctx)?;
    } else {
        // One line per measure listing the years, not one per year.
        let years = |ok: fn(&Centralities) -> bool| -> Vec<String> {
            parts
                .iter()
                .zip(&measures)
                .filter(|(_, c)| !ok(c))
                .filter_map(|((y, _), _)| y.map(|y| y.to_string()))
                .collect()
        };
        let pr = years(|c| c.diagnostics.pagerank_converged);
        if !pr.is_empty() {
            ctx.warn(format!("PageRank did not converge in year(s) {}; the last iterate is reported", pr.join(", ")))?;
        }
        let ev = years(|c| c.diagnostics.eigenvector_converged);
        if !ev.is_empty() {
            ctx.warn(format!(
                "eigenvector centrality did not converge in {} of {} years ({}): no dominant eigenvector of the \
                 directed graph (e.g. no cycle); the eigenvector column is empty in those years",
                ev.len(),
                parts.len(),
                ev.join(", ")
            ))?;
        }
    }
    let rows: Vec<(Option<i32>, &KnowledgeGraph, &Centralities)> =
        parts.iter().zip(&measures).map(|((y, g), c)| (*y, g, c)).collect();
    let table = centrality_table(&rows);
    write_output(cfg, &table, ctx)?;
    if let (Some((out, _)), [(None, g)], [c]) = (&cfg.out, parts.as_slice(), measures.as_slice()) {
        ctx.info(format_args!(
            "wrote {} ({} nodes; {} communities, modularity {:.4})",
            out.display(),
            g.node_count(),
            c.diagnostics.communities,
            c.diagnostics.modularity
        ))?;
    } else if let Some((out, _)) = &cfg.out {
        ctx.info(format_args!("wrote {} ({} rows over {} years)", out.display(), table.height(), parts.len()))?;
    }
    Ok(())
}

fn write_output(cfg: &CentralityConfig, table: &crate::io::write::TableData, ctx: &mut Ctx<'_>) -> Result<()> {
    match &cfg.out {
        Some((path, format)) => Ok(write_table(path, table, *format)?),
        None => ctx.println(table_to_csv(table).trim_end()),
    }
}
