//! The offline HTML network explorer: one self-contained page that draws a
//! view of the knowledge-flow graph with cytoscape.js (vendored, inlined;
//! see `assets/vendor/README.md`) at positions computed here
//! ([`spillnet_network::graph::layout`]), with a year slider (annual or
//! cumulative), channel toggles, minimum-weight sliders per weighted
//! channel, search by name, click to focus a node (its neighbours and its
//! edges to them, listed by channel and direction), hover tooltips and a legend. Colours and shapes are the DOT export's ([`crate::dot`]).
//!
//! The page makes no network request: every script and style is inline and
//! a Content-Security-Policy (`default-src 'none'`) forbids anything else.
//! Its state can be set from the URL fragment
//! (`#year=2010&mode=cumulative&channels=owns,worker_flow&minw=worker_flow:10&focus=firm:FAW`)
//! and what it draws is published in `<output id="drawn" data-nodes data-edges
//! data-errors>`, which is how the browser tests drive it. The client-side
//! filters apply the steps of [`spillnet_network::graph::View`] to the
//! embedded graph, in the same order and with the same rules (year slice,
//! then channels, then minimum weights; see `assets/explorer.js`).
//!
//! Output is deterministic: nodes and edges in the graph's sorted order,
//! the layout seeded, numbers printed by serde_json (shortest round-trip).
//! Imports `graph` and `dot` (styles).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use serde_json::{Value, json};

use spillnet_network::graph::layout::{LayoutOptions, force_layout};
use spillnet_network::graph::{Channel, KnowledgeGraph, NodeKey, NodeKind, YearSpan};

use crate::ExportError;
use crate::dot::{channel_style, kind_style, penwidth};
use crate::writer::GraphWriter;

/// The page template; `{{TITLE}}`, `{{STYLE}}`, `{{VENDOR}}`, `{{DATA}}` and `{{APP}}` are filled in.
const TEMPLATE: &str = include_str!("../assets/explorer.html");
/// The explorer's stylesheet.
const STYLE: &str = include_str!("../assets/explorer.css");
/// The explorer's script (filters, tooltips, search, legend).
const APP: &str = include_str!("../assets/explorer.js");
/// cytoscape.js 3.35.0, `dist/cytoscape.min.js` from npm, unmodified (MIT; licence kept in its header).
pub const CYTOSCAPE_JS: &str = include_str!("../assets/vendor/cytoscape-3.35.0/cytoscape.min.js");
/// The vendored library's licence text (also embedded in the page, in a comment).
pub const CYTOSCAPE_LICENSE: &str = include_str!("../assets/vendor/cytoscape-3.35.0/LICENSE");

/// Pixels per unit of the layout (its mean edge length).
const PIXELS_PER_UNIT: f64 = 60.0;

/// Extra numeric attributes of one node shown in its tooltip, by name
/// (e.g. `in-degree`, a centrality). Sorted by name in the tooltip.
pub type NodeAttributes = BTreeMap<String, f64>;

/// Options of the HTML explorer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HtmlOptions {
    /// Page title (default "spillnet network explorer").
    pub title: Option<String>,
    /// Layout of the node positions (seeded; see [`force_layout`]).
    pub layout: LayoutOptions,
}

/// Writes the offline HTML explorer of a view ([`GraphWriter`] for `html`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HtmlWriter {
    /// Title and layout.
    pub options: HtmlOptions,
    /// Per-node attributes shown in the tooltips, keyed by node (nodes not in
    /// the graph are ignored; nodes without an entry show none).
    pub attributes: BTreeMap<NodeKey, NodeAttributes>,
}

impl HtmlWriter {
    /// An explorer writer with these options and no extra attributes.
    pub fn new(options: HtmlOptions) -> Self {
        HtmlWriter { options, attributes: BTreeMap::new() }
    }

    /// This writer with per-node tooltip attributes (see [`basic_node_attributes`]).
    #[must_use]
    pub fn with_attributes(mut self, attributes: BTreeMap<NodeKey, NodeAttributes>) -> Self {
        self.attributes = attributes;
        self
    }
}

impl GraphWriter for HtmlWriter {
    fn extension(&self) -> &'static str {
        "html"
    }

    fn write(&self, graph: &KnowledgeGraph, out: &mut dyn Write) -> Result<(), ExportError> {
        out.write_all(to_html(graph, &self.options, &self.attributes).as_bytes()).map_err(ExportError::Write)
    }
}

/// Degrees and weighted worker flows of every node of `g`, the tooltip
/// attributes the explorer shows by default: `in-degree` and `out-degree`
/// (edges of every channel in the view, parallel edges counted each) and,
/// for firms, `workers in` and `workers out` (sums of `worker_flow` weights
/// in the view). Further attributes (e.g. centralities) can be added to the map.
pub fn basic_node_attributes(g: &KnowledgeGraph) -> BTreeMap<NodeKey, NodeAttributes> {
    g.nodes()
        .map(|(ix, n)| {
            let mut a = NodeAttributes::new();
            a.insert("in-degree".to_owned(), g.in_degree(ix) as f64);
            a.insert("out-degree".to_owned(), g.out_degree(ix) as f64);
            if n.kind.is_firm() {
                let flow = |it: &mut dyn Iterator<Item = spillnet_network::graph::EdgeRef<'_>>| -> f64 {
                    it.filter(|e| e.data.channel == Channel::WorkerFlow).map(|e| e.data.weight).sum()
                };
                a.insert("workers in".to_owned(), flow(&mut g.in_edges(ix)));
                a.insert("workers out".to_owned(), flow(&mut g.out_edges(ix)));
            }
            (n.key.clone(), a)
        })
        .collect()
}

/// [`basic_node_attributes`] plus the centralities of `graph centrality`
/// computed on the same graph ([`spillnet_network::graph::centralities`]):
/// `PageRank`, `betweenness`, `eigenvector` (when the power iteration
/// converged), `community` (Louvain number), and `in-degree`/`out-degree` as
/// distinct neighbours (parallel edges of several years counted once, as
/// `graph centrality` reports them; the explorer's own "drawn degree" counts
/// what is on screen).
pub fn node_attributes_with_centralities(
    g: &KnowledgeGraph,
    c: &spillnet_network::graph::centrality::Centralities,
) -> BTreeMap<NodeKey, NodeAttributes> {
    let mut out = basic_node_attributes(g);
    for (ix, n) in g.nodes() {
        let m = c.node(ix);
        let a = out.entry(n.key.clone()).or_default();
        a.insert("in-degree".to_owned(), m.in_degree as f64);
        a.insert("out-degree".to_owned(), m.out_degree as f64);
        a.insert("PageRank".to_owned(), m.pagerank);
        a.insert("betweenness".to_owned(), m.betweenness);
        if let Some(e) = m.eigenvector {
            a.insert("eigenvector".to_owned(), e);
        }
        if let Some(k) = m.community {
            a.insert("community".to_owned(), k as f64);
        }
    }
    out
}

/// What a node kind is called in the legend.
fn kind_caption(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::ForeignParent => "foreign parent (automaker)",
        NodeKind::Jv => "joint venture",
        NodeKind::DomesticFirm => "domestic firm",
        NodeKind::Model => "car model",
        NodeKind::Supplier => "supplier",
        NodeKind::Province => "province",
    }
}

/// What a channel's edge and its weight mean in the legend.
fn channel_caption(channel: Channel) -> String {
    match channel {
        Channel::Owns => "ownership: parent → JV (label: equity share)".to_owned(),
        Channel::Produces => "produces: firm → model (on the market first–last year)".to_owned(),
        Channel::Supplies => "supplies: supplier → model or firm (weight: components)".to_owned(),
        Channel::WorkerFlow => "worker flow: firm → firm in one year (weight: workers)".to_owned(),
        Channel::LocatedIn => "located in: firm → province of its plants".to_owned(),
        Channel::SharedSupplier => "shared suppliers: firm — firm (weight: suppliers both use)".to_owned(),
        Channel::Registered(name) => format!("{name}: JV → domestic firm in one year (weight: the channel's)"),
    }
}

/// A JSON number for a finite float, `null` otherwise.
fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// Round to two decimals (positions, sizes) so the page stays small.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn span_json(span: YearSpan) -> (Value, Value) {
    (span.from.map_or(Value::Null, |y| json!(y)), span.to.map_or(Value::Null, |y| json!(y)))
}

/// The embedded graph: legend entries, nodes with positions and attributes, edges.
fn graph_json(
    g: &KnowledgeGraph,
    title: &str,
    attributes: &BTreeMap<NodeKey, NodeAttributes>,
    layout: &LayoutOptions,
) -> Value {
    let positions = force_layout(g, layout);
    let kinds: BTreeSet<NodeKind> = g.nodes().map(|(_, n)| n.kind).collect();
    let kinds: Vec<NodeKind> = kinds.into_iter().collect();
    let channels: BTreeSet<Channel> = g.edges().map(|e| e.data.channel).collect();
    let channels: Vec<Channel> = channels.into_iter().collect();
    let attr_names: BTreeSet<&str> =
        g.nodes().filter_map(|(_, n)| attributes.get(&n.key)).flat_map(|a| a.keys().map(String::as_str)).collect();
    let attr_names: Vec<&str> = attr_names.into_iter().collect();

    let mut years: BTreeSet<i32> = BTreeSet::new();
    let mut add_span = |s: YearSpan| {
        years.extend(s.from);
        years.extend(s.to);
    };
    for (_, n) in g.nodes() {
        add_span(n.span);
    }
    for e in g.edges() {
        add_span(e.data.span);
    }
    for (_, n) in g.nodes() {
        years.extend(n.production.keys());
    }

    let kinds_json: Vec<Value> = kinds
        .iter()
        .map(|&k| {
            let (shape, fill, style) = kind_style(k);
            let shape = if style.contains("rounded") { "rounded box" } else { shape };
            json!({
                "name": k.as_str(), "shape": shape, "color": fill, "caption": kind_caption(k),
                "count": g.nodes().filter(|(_, n)| n.kind == k).count(),
                "labelled": k.is_firm() || k == NodeKind::Province,
            })
        })
        .collect();
    let channels_json: Vec<Value> = channels
        .iter()
        .map(|&c| {
            let (style, color, arrowhead) = channel_style(c);
            json!({
                "name": c.as_str(), "style": style, "color": color,
                "arrow": arrowhead == "normal" && !c.is_symmetric(),
                "weighted": c.is_weighted(), "caption": channel_caption(c),
                "count": g.edges().filter(|e| e.data.channel == c).count(),
                "max_weight": number(g.edges().filter(|e| e.data.channel == c).map(|e| e.data.weight).fold(0.0, f64::max)),
            })
        })
        .collect();
    let kind_ix: BTreeMap<NodeKind, usize> = kinds.iter().enumerate().map(|(i, &k)| (k, i)).collect();
    let channel_ix: BTreeMap<Channel, usize> = channels.iter().enumerate().map(|(i, &c)| (c, i)).collect();

    let nodes: Vec<Value> = g
        .nodes()
        .map(|(ix, n)| {
            let p = positions[ix.index()];
            let (from, to) = span_json(n.span);
            let production: serde_json::Map<String, Value> =
                n.production.iter().map(|(y, u)| (y.to_string(), number(*u))).collect();
            let attrs: Vec<Value> = attr_names
                .iter()
                .map(|name| attributes.get(&n.key).and_then(|a| a.get(*name)).map_or(Value::Null, |v| number(*v)))
                .collect();
            json!([
                n.key.qualified(),
                n.label,
                kind_ix[&n.kind],
                number(round2(p.x * PIXELS_PER_UNIT)),
                number(round2(p.y * PIXELS_PER_UNIT)),
                from,
                to,
                n.group.as_ref().map(ToString::to_string),
                n.segment,
                production,
                attrs,
            ])
        })
        .collect();
    let edges: Vec<Value> = g
        .edges()
        .map(|e| {
            let d = e.data;
            let (from, to) = span_json(d.span);
            json!([
                e.source.index(),
                e.target.index(),
                channel_ix[&d.channel],
                number(d.weight),
                number(round2(penwidth(d.weight))),
                from,
                to,
                d.share.map_or(Value::Null, number),
                d.components,
            ])
        })
        .collect();
    json!({
        "title": title,
        "description": g.description(),
        "years": [years.first(), years.last()],
        "kinds": kinds_json,
        "channels": channels_json,
        "attributes": attr_names,
        "nodes": nodes,
        "edges": edges,
    })
}

/// Escape text for an HTML element body or attribute.
fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// JSON text safe inside `<script type="application/json">`: `<`, `>` and
/// `&` become `\u003c`, `\u003e`, `\u0026` (same value once parsed), so no
/// label can close the element.
fn script_safe_json(v: &Value) -> String {
    let text = serde_json::to_string(v).expect("the explorer's data serialises to JSON");
    text.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// The explorer page of `g`.
///
/// # Arguments
/// - `g`: the graph (a view; its description is shown under the title).
/// - `opts`: title and layout options.
/// - `attributes`: extra numeric attributes per node for the tooltips
///   (e.g. [`basic_node_attributes`]); may be empty.
///
/// # Returns
/// One HTML document with every script, style and datum inline; the same
/// inputs always give the same bytes.
///
/// # Complexity
/// The layout's, O(iterations · (N log N + E)), plus O(N + E) to serialise.
pub fn to_html(g: &KnowledgeGraph, opts: &HtmlOptions, attributes: &BTreeMap<NodeKey, NodeAttributes>) -> String {
    let title = opts.title.clone().unwrap_or_else(|| "spillnet network explorer".to_owned());
    let data = graph_json(g, &title, attributes, &opts.layout);
    let vendor = format!(
        "/*! cytoscape.js 3.35.0 (npm), vendored unmodified. Licence:\n{}*/\n{}",
        CYTOSCAPE_LICENSE.replace("*/", "* /"),
        CYTOSCAPE_JS
    );
    // Fill in order, each placeholder once; the data goes last so no label can
    // be taken for a placeholder.
    TEMPLATE
        .replacen("{{TITLE}}", &escape_html(&title), 1)
        .replacen("{{STYLE}}", STYLE, 1)
        .replacen("{{APP}}", APP, 1)
        .replacen("{{VENDOR}}", &vendor, 1)
        .replacen("{{DATA}}", &script_safe_json(&data), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_in_a_script_element_cannot_close_it() {
        let v = json!({"label": "</script><b>&"});
        let s = script_safe_json(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'), "{s}");
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn template_has_each_placeholder_once_and_assets_no_placeholder() {
        for p in ["{{TITLE}}", "{{STYLE}}", "{{VENDOR}}", "{{DATA}}", "{{APP}}"] {
            assert_eq!(TEMPLATE.matches(p).count(), 1, "{p}");
            for asset in [STYLE, APP, CYTOSCAPE_JS] {
                assert!(!asset.contains(p), "{p} in an asset");
            }
        }
        assert!(!CYTOSCAPE_JS.contains("</script"));
        assert!(!APP.contains("</script") && !STYLE.contains("</style"));
    }

    #[test]
    fn html_escaping() {
        assert_eq!(escape_html(r#"A "B" <c> & d"#), "A &quot;B&quot; &lt;c&gt; &amp; d");
    }
}
