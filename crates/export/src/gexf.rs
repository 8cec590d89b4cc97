//! GEXF 1.3 (<https://gexf.net/>) of a [`KnowledgeGraph`] in dynamic mode, for
//! Gephi's timeline and networkx's `read_gexf`:
//!
//! - `<graph mode="dynamic" defaultedgetype="directed" timeformat="integer"
//!   timerepresentation="interval">`; times are years, spells are inclusive
//!   intervals `[start, end]`;
//! - nodes: id = namespaced key (`firm:faw`), `label`, static attributes
//!   (the columns of [`node_table`] but the production ones: `id`, `kind`,
//!   `group`, `province`, `segment`, `start`, `end` and the centralities),
//!   the node's span as one spell
//!   (models on the market, JVs founded → dissolved; none when always), and
//!   the time-varying `production` (one value per year with production);
//! - edges: parallel edges of one channel between the same two nodes (a
//!   pair's yearly worker flows) are one `<edge>` (a *tie*) with `kind` =
//!   the channel (GEXF 1.3's edge kind), a static `channel` attribute (for
//!   readers that ignore `kind`), `weight` = the summed weight, one spell
//!   per member edge with a bounded span, and the time-varying `flow` (the
//!   member's weight over its span). A tie with a member active always has no
//!   spell (it is always present); its always-members carry no `flow` value;
//! - open spans (a JV not dissolved, a model still sold) are closed at the
//!   last year the graph mentions ([`KnowledgeGraph::years`]), open starts at
//!   the first, because networkx needs both bounds of a spell;
//! - static edge attributes `share` (owns) and `components` (`;`-separated,
//!   supplies; the union over the tie's members).
//!
//! Output is deterministic (graph order). Imports `graph`, `interchange`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write;

use spillnet_network::graph::{CentralityOptions, EdgeData, KnowledgeGraph, YearSpan, centralities};

use crate::ExportError;
use crate::interchange::{node_table, xml_double, xml_escape, xml_type, xml_value};
use crate::writer::GraphWriter;

/// GEXF 1.3 writer (dynamic mode).
#[derive(Debug, Clone, PartialEq)]
pub struct GexfWriter {
    /// Centralities to attach to nodes (computed on the graph written); `None` leaves them out.
    pub centrality: Option<CentralityOptions>,
}

impl Default for GexfWriter {
    fn default() -> Self {
        GexfWriter { centrality: Some(CentralityOptions::default()) }
    }
}

/// A spell `[from, to]` with open bounds closed at the graph's years; `None` for an always-span.
fn closed(span: YearSpan, years: Option<(i32, i32)>) -> Option<(i32, i32)> {
    if span == YearSpan::ALWAYS {
        return None;
    }
    let (first, last) = years?;
    Some((span.from.unwrap_or(first), span.to.unwrap_or(last)))
}

/// The GEXF 1.3 text of `g` with node attributes and, if given, centralities.
pub fn to_gexf(g: &KnowledgeGraph, centrality: Option<&CentralityOptions>) -> String {
    let c = centrality.map(|o| centralities(g, o));
    let nodes = node_table(g, c.as_ref(), false);
    let years = g.years();
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<gexf xmlns="http://gexf.net/1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">"#
    );
    let _ = writeln!(s, "  <meta>");
    let _ = writeln!(s, "    <creator>spillnet {}</creator>", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(s, "    <description>{}</description>", xml_escape(g.description()));
    let _ = writeln!(s, "  </meta>");
    let bounds = years.map_or(String::new(), |(a, b)| format!(r#" start="{a}" end="{b}""#));
    let _ = writeln!(
        s,
        r#"  <graph mode="dynamic" defaultedgetype="directed" timeformat="integer" timerepresentation="interval"{bounds}>"#
    );
    // Node attributes: every column but `node` (the id) and `label` (the element's label).
    // `production`/`production_year` (the latest value) give way to the time-varying `production`.
    let node_cols: Vec<_> = nodes
        .columns
        .iter()
        .filter(|(n, _)| !matches!(n.as_str(), "node" | "label" | "production" | "production_year"))
        .collect();
    let _ = writeln!(s, r#"    <attributes class="node" mode="static">"#);
    for (name, col) in &node_cols {
        // GEXF spells GraphML's `int` as `integer`.
        let ty = match xml_type(col) {
            "int" => "integer",
            t => t,
        };
        let _ = writeln!(s, r#"      <attribute id="{name}" title="{name}" type="{ty}"/>"#);
    }
    let _ = writeln!(s, "    </attributes>");
    let _ = writeln!(s, r#"    <attributes class="node" mode="dynamic">"#);
    let _ = writeln!(s, r#"      <attribute id="production_t" title="production" type="double"/>"#);
    let _ = writeln!(s, "    </attributes>");
    let _ = writeln!(s, r#"    <attributes class="edge" mode="static">"#);
    let _ = writeln!(s, r#"      <attribute id="channel" title="channel" type="string"/>"#);
    let _ = writeln!(s, r#"      <attribute id="share" title="share" type="double"/>"#);
    let _ = writeln!(s, r#"      <attribute id="components" title="components" type="string"/>"#);
    let _ = writeln!(s, "    </attributes>");
    let _ = writeln!(s, r#"    <attributes class="edge" mode="dynamic">"#);
    let _ = writeln!(s, r#"      <attribute id="flow" title="flow" type="double"/>"#);
    let _ = writeln!(s, "    </attributes>");

    let _ = writeln!(s, "    <nodes>");
    for (i, (_, n)) in g.nodes().enumerate() {
        let _ = writeln!(s, r#"      <node id="{}" label="{}">"#, xml_escape(&n.key.qualified()), xml_escape(&n.label));
        let _ = writeln!(s, "        <attvalues>");
        for (name, col) in &node_cols {
            if let Some(v) = xml_value(col, i) {
                let _ = writeln!(s, r#"          <attvalue for="{name}" value="{v}"/>"#);
            }
        }
        for (y, u) in &n.production {
            let _ = writeln!(
                s,
                r#"          <attvalue for="production_t" value="{}" start="{y}" end="{y}"/>"#,
                xml_double(*u)
            );
        }
        let _ = writeln!(s, "        </attvalues>");
        if let Some((a, b)) = closed(n.span, years) {
            let _ = writeln!(s, r#"        <spells><spell start="{a}" end="{b}"/></spells>"#);
        }
        let _ = writeln!(s, "      </node>");
    }
    let _ = writeln!(s, "    </nodes>");

    // Ties: runs of edges with the same (source, target, channel) — adjacent in graph order.
    let edges: Vec<_> = g.edges().collect();
    let _ = writeln!(s, "    <edges>");
    let mut i = 0;
    let mut tie = 0;
    while i < edges.len() {
        let first = edges[i];
        let mut j = i + 1;
        while j < edges.len()
            && edges[j].source == first.source
            && edges[j].target == first.target
            && edges[j].data.channel == first.data.channel
        {
            j += 1;
        }
        let members: Vec<&EdgeData> = edges[i..j].iter().map(|e| e.data).collect();
        write_tie(&mut s, tie, g, first.source, first.target, &members, years);
        tie += 1;
        i = j;
    }
    let _ = writeln!(s, "    </edges>");
    let _ = writeln!(s, "  </graph>");
    let _ = writeln!(s, "</gexf>");
    s
}

/// One `<edge>` for the members of a tie.
fn write_tie(
    s: &mut String,
    id: usize,
    g: &KnowledgeGraph,
    source: spillnet_network::graph::NodeIx,
    target: spillnet_network::graph::NodeIx,
    members: &[&EdgeData],
    years: Option<(i32, i32)>,
) {
    let channel = members[0].channel;
    let weight: f64 = members.iter().map(|d| d.weight).sum();
    let _ = writeln!(
        s,
        r#"      <edge id="e{id}" source="{}" target="{}" kind="{}" weight="{}">"#,
        xml_escape(&g.node(source).key.qualified()),
        xml_escape(&g.node(target).key.qualified()),
        xml_escape(channel.as_str()),
        xml_double(weight)
    );
    let _ = writeln!(s, "        <attvalues>");
    let _ = writeln!(s, r#"          <attvalue for="channel" value="{}"/>"#, xml_escape(channel.as_str()));
    if let Some(x) = members.iter().find_map(|d| d.share) {
        let _ = writeln!(s, r#"          <attvalue for="share" value="{}"/>"#, xml_double(x));
    }
    let components: BTreeSet<&str> = members.iter().flat_map(|d| d.components.iter().map(String::as_str)).collect();
    if !components.is_empty() {
        let list: Vec<&str> = components.into_iter().collect();
        let _ = writeln!(s, r#"          <attvalue for="components" value="{}"/>"#, xml_escape(&list.join(";")));
    }
    let spells: Vec<(i32, i32)> = members.iter().filter_map(|d| closed(d.span, years)).collect();
    for (d, (a, b)) in members.iter().filter_map(|d| closed(d.span, years).map(|sp| (d, sp))) {
        let _ =
            writeln!(s, r#"          <attvalue for="flow" value="{}" start="{a}" end="{b}"/>"#, xml_double(d.weight));
    }
    let _ = writeln!(s, "        </attvalues>");
    let always = members.iter().any(|d| d.span == YearSpan::ALWAYS);
    if !always && !spells.is_empty() {
        let _ = writeln!(s, "        <spells>");
        for (a, b) in spells {
            let _ = writeln!(s, r#"          <spell start="{a}" end="{b}"/>"#);
        }
        let _ = writeln!(s, "        </spells>");
    }
    let _ = writeln!(s, "      </edge>");
}

impl GraphWriter for GexfWriter {
    fn extension(&self) -> &'static str {
        "gexf"
    }

    fn write(&self, graph: &KnowledgeGraph, out: &mut dyn Write) -> Result<(), ExportError> {
        out.write_all(to_gexf(graph, self.centrality.as_ref()).as_bytes()).map_err(ExportError::Write)
    }
}
