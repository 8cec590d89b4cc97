//! The long edge list of a [`KnowledgeGraph`]: one row per edge and active
//! year, `source,target,channel,year,weight`, with a companion node table
//! ([`crate::interchange::node_table`]), for igraph, networkx, Stata and R:
//!
//! - `source`, `target`: namespaced node ids (`firm:faw`; the node table's `node`);
//! - `channel`: the edge's channel;
//! - `year`: one row per year of the edge's span (an ownership tie from 2003
//!   to 2010 is 8 rows, a worker flow one row); open spans are closed at the
//!   graph's first/last year ([`KnowledgeGraph::years`]); an edge active
//!   always (a province link, a supply link without a year) is one row with
//!   an empty year;
//! - `weight`: the edge's weight in that year (workers, components, 1 for
//!   unweighted channels).
//!
//! Rows come in graph edge order, then by year. [`EdgeListWriter`] writes
//! CSV through [`GraphWriter`]; [`edge_table`] gives the columns for
//! Parquet (written by `spillnet_io::write`). Imports `graph`, `io::write`.

use std::io::Write;

use spillnet_io::write::{ColumnData, TableData, table_to_csv};
use spillnet_network::graph::{KnowledgeGraph, YearSpan};

use crate::ExportError;
use crate::writer::GraphWriter;

/// The edge list's columns (see the module docs).
pub fn edge_table(g: &KnowledgeGraph) -> TableData {
    let years = g.years();
    let (mut source, mut target, mut channel, mut year, mut weight) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for e in g.edges() {
        let rows: Vec<Option<i64>> = match (e.data.span, years) {
            (YearSpan::ALWAYS, _) | (_, None) => vec![None],
            (span, Some((first, last))) => {
                (span.from.unwrap_or(first)..=span.to.unwrap_or(last)).map(|y| Some(i64::from(y))).collect()
            }
        };
        for y in rows {
            source.push(Some(g.node(e.source).key.qualified()));
            target.push(Some(g.node(e.target).key.qualified()));
            channel.push(Some(e.data.channel.as_str().to_owned()));
            year.push(y);
            weight.push(Some(e.data.weight));
        }
    }
    TableData::default()
        .with("source", ColumnData::Text(source))
        .with("target", ColumnData::Text(target))
        .with("channel", ColumnData::Text(channel))
        .with("year", ColumnData::Int(year))
        .with("weight", ColumnData::Float(weight))
}

/// CSV edge list writer (the node table is a separate file: [`crate::interchange::node_table`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EdgeListWriter;

impl GraphWriter for EdgeListWriter {
    fn extension(&self) -> &'static str {
        "csv"
    }

    fn write(&self, graph: &KnowledgeGraph, out: &mut dyn Write) -> Result<(), ExportError> {
        out.write_all(table_to_csv(&edge_table(graph)).as_bytes()).map_err(ExportError::Write)
    }
}
