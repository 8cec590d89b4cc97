//! GraphML (<http://graphml.graphdrawing.org/>) of a [`KnowledgeGraph`]:
//! one directed graph, every node and every edge of the multigraph (parallel
//! edges — a pair's yearly worker flows — are separate `<edge>`s), attributes
//! declared once as typed `<key>`s so numbers stay numbers in networkx
//! (`read_graphml`), igraph (`Graph.Read_GraphML`), Gephi and yEd.
//!
//! - node id: the namespaced key (`firm:faw`, `model:m1`); node keys:
//!   [`node_table`]'s columns (text → `string`, integers → `int`, floats →
//!   `double`): `table_id` (the table's `id` column, renamed because igraph
//!   stores the element id in a vertex attribute `id`), `kind`, `label`, `group`, `province`, `segment`,
//!   `start`, `end`, `production`, `production_year`, `production_<year>`,
//!   and the centralities (`in_degree` … `community`) unless disabled;
//! - edge id `e<k>` in graph order; edge keys: `channel` (string), `weight`
//!   (double), `start`/`end` (int, the edge's year span; absent when open),
//!   `share` (double, owns edges with a known equity share), `components`
//!   (string, `;`-separated, supplies edges);
//! - a missing value is an absent `<data>` element (GraphML's rule);
//! - graph data `description`: the view.
//!
//! Output is deterministic (graph order, fixed attribute order, shortest
//! round-trip numbers). Imports `graph`, `interchange`.

use std::fmt::Write as _;
use std::io::Write;

use spillnet_network::graph::{CentralityOptions, KnowledgeGraph, centralities};

use crate::ExportError;
use spillnet_io::write::ColumnData;

use crate::interchange::{node_table, xml_double, xml_escape, xml_type, xml_value};
use crate::writer::GraphWriter;

/// GraphML writer.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphmlWriter {
    /// Centralities to attach to nodes (computed on the graph written); `None` leaves them out.
    pub centrality: Option<CentralityOptions>,
}

impl Default for GraphmlWriter {
    fn default() -> Self {
        GraphmlWriter { centrality: Some(CentralityOptions::default()) }
    }
}

/// The GraphML text of `g` with node attributes and, if given, centralities.
pub fn to_graphml(g: &KnowledgeGraph, centrality: Option<&CentralityOptions>) -> String {
    let c = centrality.map(|o| centralities(g, o));
    let nodes = node_table(g, c.as_ref(), true);
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    );
    let _ = writeln!(s, r#"  <key id="g_description" for="graph" attr.name="description" attr.type="string"/>"#);
    // Node keys: every column but `node` (the element id); the table id is `table_id`, as
    // igraph keeps the element id in a vertex attribute named `id`.
    let node_cols: Vec<(&str, &ColumnData)> = nodes
        .columns
        .iter()
        .filter(|(n, _)| n != "node")
        .map(|(n, c)| (if n == "id" { "table_id" } else { n.as_str() }, c))
        .collect();
    for (name, col) in &node_cols {
        let _ = writeln!(s, r#"  <key id="n_{name}" for="node" attr.name="{name}" attr.type="{}"/>"#, xml_type(col));
    }
    for (name, ty) in EDGE_KEYS {
        let _ = writeln!(s, r#"  <key id="e_{name}" for="edge" attr.name="{name}" attr.type="{ty}"/>"#);
    }
    let _ = writeln!(s, r#"  <graph id="G" edgedefault="directed">"#);
    let _ = writeln!(s, r#"    <data key="g_description">{}</data>"#, xml_escape(g.description()));
    for (i, (_, n)) in g.nodes().enumerate() {
        let _ = writeln!(s, r#"    <node id="{}">"#, xml_escape(&n.key.qualified()));
        for (name, col) in &node_cols {
            if let Some(v) = xml_value(col, i) {
                let _ = writeln!(s, r#"      <data key="n_{name}">{v}</data>"#);
            }
        }
        let _ = writeln!(s, "    </node>");
    }
    for e in g.edges() {
        let src = xml_escape(&g.node(e.source).key.qualified());
        let tgt = xml_escape(&g.node(e.target).key.qualified());
        let _ = writeln!(s, r#"    <edge id="e{}" source="{src}" target="{tgt}">"#, e.ix.index());
        let d = e.data;
        let _ = writeln!(s, r#"      <data key="e_channel">{}</data>"#, xml_escape(d.channel.as_str()));
        let _ = writeln!(s, r#"      <data key="e_weight">{}</data>"#, xml_double(d.weight));
        if let Some(y) = d.span.from {
            let _ = writeln!(s, r#"      <data key="e_start">{y}</data>"#);
        }
        if let Some(y) = d.span.to {
            let _ = writeln!(s, r#"      <data key="e_end">{y}</data>"#);
        }
        if let Some(x) = d.share {
            let _ = writeln!(s, r#"      <data key="e_share">{}</data>"#, xml_double(x));
        }
        if !d.components.is_empty() {
            let _ = writeln!(s, r#"      <data key="e_components">{}</data>"#, xml_escape(&d.components.join(";")));
        }
        let _ = writeln!(s, "    </edge>");
    }
    let _ = writeln!(s, "  </graph>");
    let _ = writeln!(s, "</graphml>");
    s
}

/// Edge attribute keys and their GraphML types, in output order.
const EDGE_KEYS: [(&str, &str); 6] = [
    ("channel", "string"),
    ("weight", "double"),
    ("start", "int"),
    ("end", "int"),
    ("share", "double"),
    ("components", "string"),
];

impl GraphWriter for GraphmlWriter {
    fn extension(&self) -> &'static str {
        "graphml"
    }

    fn write(&self, graph: &KnowledgeGraph, out: &mut dyn Write) -> Result<(), ExportError> {
        out.write_all(to_graphml(graph, self.centrality.as_ref()).as_bytes()).map_err(ExportError::Write)
    }
}
