//! Graphviz DOT text of a [`KnowledgeGraph`], built with graphviz-rust's
//! DOT structures and printer. Output is deterministic: nodes and edges come
//! in the graph's sorted order (by node key, then endpoints and channel),
//! attributes in a fixed order, numbers with fixed precision.
//!
//! Style: node shape and colour by kind, edge style and colour by channel
//! (owns solid blue, produces solid grey, supplies dotted purple,
//! worker_flow dashed orange, located_in dotted grey, shared_supplier dotted
//! purple without arrowhead), edge width by weight (log-scaled and clamped,
//! [`penwidth`]), node size by latest production units, optional clusters per
//! group and a legend.
//!
//! graphviz-rust prints quoted ids verbatim, so every id and label goes
//! through [`quote_id`], which escapes `"`, `\` and line breaks.
//! Imports `graph`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use graphviz_rust::dot_structures::{
    Attribute, Edge, EdgeTy, Graph, GraphAttributes, Id, Node, NodeId, Stmt, Subgraph, Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};

use spillnet_network::graph::{Channel, EdgeData, KnowledgeGraph, NodeData, NodeIx, NodeKind, YearSpan};

/// Options of the DOT export.
#[derive(Debug, Clone, PartialEq)]
pub struct DotOptions {
    /// Put the nodes of each group (firms and their models) in a `cluster_<group>` subgraph.
    pub clusters: bool,
    /// Add a legend of the node kinds and channels present.
    pub legend: bool,
    /// Draw parallel edges of one channel between the same two nodes (e.g. the
    /// yearly worker flows of a cumulative view) as one edge whose weight is
    /// the sum and whose years span all of them.
    pub merge_parallel: bool,
    /// Title line above the view description (default: "spillnet knowledge-flow graph").
    pub title: Option<String>,
}

impl Default for DotOptions {
    fn default() -> Self {
        DotOptions { clusters: false, legend: true, merge_parallel: true, title: None }
    }
}

/// Diagrams with more drawn edges than this use straight edges (`splines=false`).
pub const STRAIGHT_EDGES_ABOVE: usize = 2000;

/// Quote a string as a DOT double-quoted id, escaping what DOT needs.
///
/// `"` → `\"`, `\` → `\\`, line feed → `\n`, carriage return → `\r`, other
/// control characters → `\xNN` (shown literally; DOT and SVG cannot carry
/// them). Every other character, including any Unicode, is kept as is. The
/// mapping is injective, so distinct ids stay distinct.
///
/// # Example
/// ```
/// use spillnet_export::dot::quote_id;
/// assert_eq!(quote_id(r#"A "B" \ C"#), r#""A \"B\" \\ C""#);
/// assert_eq!(quote_id("two\nlines"), r#""two\nlines""#);
/// ```
pub fn quote_id(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Edge pen width for a weight: `1 + ln(w)` clamped to [0.5, 8] (weight 1 → 1,
/// 10 → 3.3, 100 → 5.6, 1000 → 7.9).
pub fn penwidth(weight: f64) -> f64 {
    if weight.is_finite() && weight > 0.0 { (1.0 + weight.ln()).clamp(0.5, 8.0) } else { 0.5 }
}

fn qid(s: &str) -> Id {
    Id::Escaped(quote_id(s))
}

fn attr(name: &str, value: &str) -> Attribute {
    Attribute(Id::Plain(name.to_owned()), qid(value))
}

/// Shape, fill colour and extra style of a node kind (shared with the HTML explorer).
pub(crate) fn kind_style(kind: NodeKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        NodeKind::ForeignParent => ("box", "#9ecae1", "filled"),
        NodeKind::Jv => ("hexagon", "#fdae6b", "filled"),
        NodeKind::DomesticFirm => ("box", "#a1d99b", "rounded,filled"),
        NodeKind::Model => ("ellipse", "#f0f0f0", "filled"),
        NodeKind::Supplier => ("diamond", "#bcbddc", "filled"),
        NodeKind::Province => ("note", "#ffffcc", "filled"),
    }
}

/// Line style, colour and arrowhead of a channel (shared with the HTML explorer).
pub(crate) fn channel_style(channel: Channel) -> (&'static str, &'static str, &'static str) {
    match channel {
        Channel::Owns => ("solid", "#3182bd", "normal"),
        Channel::Produces => ("solid", "#969696", "normal"),
        Channel::Supplies => ("dotted", "#756bb1", "normal"),
        Channel::WorkerFlow => ("dashed", "#e6550d", "normal"),
        Channel::LocatedIn => ("dotted", "#969696", "none"),
        Channel::SharedSupplier => ("dotted", "#756bb1", "none"),
        Channel::Registered(_) => ("dashed", "#31a354", "normal"),
    }
}

/// Compact units: 1668000 → "1.67M", 94000 → "94.0k", 512 → "512".
fn compact(units: f64) -> String {
    let a = units.abs();
    if a >= 1e6 {
        format!("{:.2}M", units / 1e6)
    } else if a >= 1e3 {
        format!("{:.1}k", units / 1e3)
    } else {
        format!("{units:.0}")
    }
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x:.2}") }
}

fn node_stmt(n: &NodeData, max_units: f64) -> Stmt {
    let (shape, fill, style) = kind_style(n.kind);
    let mut label = n.label.clone();
    let mut attrs = Vec::new();
    let units = n.latest_units().filter(|u| u.is_finite() && *u > 0.0);
    if let Some(u) = units {
        label.push('\n');
        label.push_str(&compact(u));
    }
    attrs.push(attr("label", &label));
    attrs.push(attr("shape", shape));
    attrs.push(attr("style", style));
    attrs.push(attr("fillcolor", fill));
    attrs.push(attr("tooltip", &n.key.qualified()));
    if let (Some(u), true) = (units, max_units > 0.0) {
        let s = (u / max_units).sqrt();
        attrs.push(attr("width", &format!("{:.2}", 0.75 + 1.75 * s)));
        attrs.push(attr("height", &format!("{:.2}", 0.5 + 0.75 * s)));
        attrs.push(attr("fontsize", &format!("{:.1}", 10.0 + 8.0 * s)));
    } else if matches!(n.kind, NodeKind::Model | NodeKind::Supplier) {
        attrs.push(attr("fontsize", "8"));
    }
    Stmt::Node(Node::new(NodeId(qid(&n.key.qualified()), None), attrs))
}

fn edge_stmt(g: &KnowledgeGraph, s: NodeIx, t: NodeIx, e: &EdgeData) -> Stmt {
    let (style, color, arrowhead) = channel_style(e.channel);
    let mut attrs = vec![
        attr("class", e.channel.as_str()),
        attr("style", style),
        attr("color", color),
        attr("penwidth", &format!("{:.2}", penwidth(e.weight))),
    ];
    if arrowhead != "normal" {
        attrs.push(attr("arrowhead", arrowhead));
    }
    if e.channel.is_symmetric() {
        attrs.push(attr("dir", "none"));
    }
    let label = match e.channel {
        Channel::Owns => e.share.map(|s| format!("{:.0}%", 100.0 * s)),
        Channel::WorkerFlow | Channel::SharedSupplier | Channel::Registered(_) => Some(num(e.weight)),
        Channel::Supplies if e.weight > 1.0 => Some(num(e.weight)),
        _ => None,
    };
    if let Some(l) = label {
        attrs.push(attr("label", &l));
    }
    let mut tip = format!("{}: {} → {}, weight {}", e.channel, g.node(s).label, g.node(t).label, num(e.weight));
    if e.span != YearSpan::ALWAYS {
        let _ = write!(tip, ", {}", e.span);
    }
    if !e.components.is_empty() {
        let _ = write!(tip, ", components: {}", e.components.join(", "));
    }
    attrs.push(attr("tooltip", &tip));
    let from = Vertex::N(NodeId(qid(&g.node(s).key.qualified()), None));
    let to = Vertex::N(NodeId(qid(&g.node(t).key.qualified()), None));
    Stmt::Edge(Edge { ty: EdgeTy::Pair(from, to), attributes: attrs })
}

/// Edges to draw, in sorted order; parallel edges of one channel merged if asked.
fn drawn_edges(g: &KnowledgeGraph, merge: bool) -> Vec<(NodeIx, NodeIx, EdgeData)> {
    if !merge {
        return g.edges().map(|e| (e.source, e.target, e.data.clone())).collect();
    }
    let mut merged: BTreeMap<(NodeIx, NodeIx, Channel), EdgeData> = BTreeMap::new();
    for e in g.edges() {
        merged
            .entry((e.source, e.target, e.data.channel))
            .and_modify(|m| {
                m.weight += e.data.weight;
                m.span = m.span.union(e.data.span);
                m.share = m.share.or(e.data.share);
                m.components.extend(e.data.components.iter().cloned());
                m.components.sort();
                m.components.dedup();
            })
            .or_insert_with(|| e.data.clone());
    }
    merged.into_iter().map(|((s, t, _), d)| (s, t, d)).collect()
}

/// The number of edges [`to_dot`] draws for `g` with `opts` (the graph's
/// edge count, less the parallel edges merged when `opts.merge_parallel`);
/// the count in the diagram's label.
pub fn drawn_edge_count(g: &KnowledgeGraph, opts: &DotOptions) -> usize {
    drawn_edges(g, opts.merge_parallel).len()
}

/// What the number on an edge of `channel` means (legend text), if it carries one.
fn edge_label_meaning(channel: Channel) -> Option<&'static str> {
    match channel {
        Channel::Owns => Some("number: the parent's equity share"),
        Channel::WorkerFlow => Some("number: workers who moved, summed over the years shown; wider = more"),
        Channel::SharedSupplier => Some("number: suppliers the two firms share; wider = more"),
        Channel::Supplies => Some("number (when above 1): components supplied"),
        Channel::Registered(_) => Some("number: the channel's weight; wider = more"),
        Channel::Produces | Channel::LocatedIn => None,
    }
}

fn legend_stmt(kinds: &[NodeKind], channels: &[Channel], has_units: bool) -> Stmt {
    let mut html = String::from(r#"<<table border="0" cellborder="1" cellspacing="0" cellpadding="4">"#);
    html.push_str(r#"<tr><td colspan="2"><b>legend</b></td></tr>"#);
    for k in kinds {
        let (shape, fill, style) = kind_style(*k);
        let shape = if style.contains("rounded") { format!("rounded {shape}") } else { shape.to_owned() };
        let _ = write!(html, r#"<tr><td bgcolor="{fill}">{shape}</td><td align="left">{}</td></tr>"#, k.as_str());
    }
    if has_units {
        html.push_str(
            r#"<tr><td>1.67M</td><td align="left">number under a name: latest annual production in units (k = thousand, M = million); bigger node = more</td></tr>"#,
        );
    }
    for c in channels {
        let (style, color, _) = channel_style(*c);
        let meaning = edge_label_meaning(*c).map(|m| format!("; {m}")).unwrap_or_default();
        let _ = write!(
            html,
            r#"<tr><td><font color="{color}">{style}</font></td><td align="left">{}{meaning}</td></tr>"#,
            c.as_str()
        );
    }
    html.push_str("</table>>");
    let node = Node::new(
        NodeId(qid("legend"), None),
        vec![Attribute(Id::Plain("label".into()), Id::Html(html)), attr("shape", "plain")],
    );
    Stmt::Subgraph(Subgraph {
        id: qid("cluster_legend"),
        stmts: vec![Stmt::Attribute(attr("label", "")), Stmt::Attribute(attr("color", "#cccccc")), Stmt::Node(node)],
    })
}

/// The DOT text of `g`.
///
/// # Arguments
/// - `g`: the graph (usually a view); its description becomes the graph label.
/// - `opts`: clusters, legend, merging of parallel edges, title.
///
/// # Returns
/// A `digraph` in DOT syntax, ending with a newline; the same graph and
/// options always give the same bytes.
///
/// # Complexity
/// O(N + E log E).
pub fn to_dot(g: &KnowledgeGraph, opts: &DotOptions) -> String {
    let title = opts.title.clone().unwrap_or_else(|| "spillnet knowledge-flow graph".to_owned());
    let edges = drawn_edges(g, opts.merge_parallel);
    let label = format!("{title}\n{}\n{} nodes, {} edges", g.description(), g.node_count(), edges.len());
    let mut stmts = vec![
        Stmt::GAttribute(GraphAttributes::Graph(vec![
            attr("label", &label),
            attr("labelloc", "t"),
            attr("fontname", "Helvetica"),
            attr("fontsize", "16"),
            attr("rankdir", "LR"),
            attr("overlap", "false"),
            // Spline routing dominates layout time on big graphs (minutes at ~10⁴ edges): straight lines there.
            attr("splines", if edges.len() > STRAIGHT_EDGES_ABOVE { "false" } else { "true" }),
            attr("outputorder", "edgesfirst"),
            // Rank all nodes in one pass: avoids `dot`'s "trouble in init_rank" with clusters.
            attr("newrank", "true"),
            // Fixed seed for the force-directed engines (fdp, sfdp, neato): same layout every run.
            attr("start", "1"),
        ])),
        Stmt::GAttribute(GraphAttributes::Node(vec![attr("fontname", "Helvetica"), attr("fontsize", "10")])),
        Stmt::GAttribute(GraphAttributes::Edge(vec![
            attr("fontname", "Helvetica"),
            attr("fontsize", "8"),
            attr("arrowsize", "0.6"),
        ])),
    ];
    let max_units =
        g.nodes().filter_map(|(_, n)| n.latest_units()).filter(|u| u.is_finite() && *u > 0.0).fold(0.0, f64::max);

    let mut clusters: BTreeMap<String, Vec<Stmt>> = BTreeMap::new();
    for (_, n) in g.nodes() {
        let stmt = node_stmt(n, max_units);
        match (&n.group, opts.clusters) {
            (Some(group), true) => clusters.entry(group.to_string()).or_default().push(stmt),
            _ => stmts.push(stmt),
        }
    }
    for (group, nodes) in clusters {
        let mut body = vec![
            Stmt::Attribute(attr("label", &group)),
            Stmt::Attribute(attr("style", "rounded,dashed")),
            Stmt::Attribute(attr("color", "#888888")),
        ];
        body.extend(nodes);
        stmts.push(Stmt::Subgraph(Subgraph { id: qid(&format!("cluster_{group}")), stmts: body }));
    }
    for (s, t, e) in &edges {
        stmts.push(edge_stmt(g, *s, *t, e));
    }
    if opts.legend && g.node_count() > 0 {
        let mut kinds: Vec<NodeKind> = g.nodes().map(|(_, n)| n.kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let mut channels: Vec<Channel> = edges.iter().map(|(_, _, e)| e.channel).collect();
        channels.sort_unstable();
        channels.dedup();
        let has_units = g.nodes().any(|(_, n)| n.latest_units().is_some_and(|u| u.is_finite() && u > 0.0));
        stmts.push(legend_stmt(&kinds, &channels, has_units));
    }
    let graph = Graph::DiGraph { id: qid("spillnet"), strict: false, stmts };
    let mut text = graph.print(&mut PrinterContext::default());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(quote_id("abc"), "\"abc\"");
        assert_eq!(quote_id(""), "\"\"");
        assert_eq!(quote_id(r#"A "B" \ C"#), r#""A \"B\" \\ C""#);
        assert_eq!(quote_id("a\nb\r"), r#""a\nb\r""#);
        assert_eq!(quote_id("x\u{1}y"), r#""x\x01y""#);
        assert_eq!(quote_id("一汽 {} <b> ;"), "\"一汽 {} <b> ;\"");
        assert_eq!(quote_id("\\\""), r#""\\\"""#);
    }

    #[test]
    fn penwidth_is_log_scaled_and_clamped() {
        assert!((penwidth(1.0) - 1.0).abs() < 1e-12);
        assert!((penwidth(10.0) - (1.0 + 10f64.ln())).abs() < 1e-12);
        assert_eq!(penwidth(1e9), 8.0);
        assert_eq!(penwidth(0.1), 0.5);
        assert_eq!(penwidth(0.0), 0.5);
        assert_eq!(penwidth(f64::NAN), 0.5);
    }

    #[test]
    fn compact_units() {
        assert_eq!(compact(1_668_000.0), "1.67M");
        assert_eq!(compact(94_000.0), "94.0k");
        assert_eq!(compact(512.0), "512");
    }

    #[test]
    fn legend_explains_every_number_drawn() {
        let html = match legend_stmt(
            &[NodeKind::DomesticFirm],
            &[Channel::Owns, Channel::Produces, Channel::WorkerFlow, Channel::SharedSupplier],
            true,
        ) {
            Stmt::Subgraph(sg) => format!("{:?}", sg.stmts),
            other => panic!("{other:?}"),
        };
        assert!(html.contains("latest annual production in units (k = thousand, M = million)"), "{html}");
        assert!(html.contains("worker_flow; number: workers who moved, summed over the years shown"), "{html}");
        assert!(
            html.contains("owns; number: the parent&#39;s equity share")
                || html.contains("owns; number: the parent's equity share"),
            "{html}"
        );
        assert!(html.contains("shared_supplier; number: suppliers the two firms share"), "{html}");
        assert!(html.contains(">produces</td>"), "no number on produces edges: {html}");
        let without = format!("{:?}", legend_stmt(&[NodeKind::Model], &[], false));
        assert!(!without.contains("production"), "{without}");
    }

    /// Undo [`quote_id`] the way a DOT reader would treat our escapes.
    fn unquote(q: &str) -> String {
        let inner = &q[1..q.len() - 1];
        let mut out = String::new();
        let mut it = inner.chars();
        while let Some(c) = it.next() {
            if c == '\\' {
                match it.next().unwrap() {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    'x' => {
                        let h: String = it.by_ref().take(2).collect();
                        out.push(char::from_u32(u32::from_str_radix(&h, 16).unwrap()).unwrap());
                    }
                    other => panic!("unexpected escape \\{other}"),
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn quote_id_is_valid_and_injective(s in any::<String>()) {
            let q = quote_id(&s);
            prop_assert!(q.starts_with('"') && q.ends_with('"') && q.len() >= 2);
            let inner = &q[1..q.len() - 1];
            // No raw quote, control character or line break inside, and no dangling backslash.
            let mut esc = false;
            for c in inner.chars() {
                prop_assert!(!c.is_control());
                if esc { esc = false; continue; }
                prop_assert!(c != '"');
                if c == '\\' { esc = true; }
            }
            prop_assert!(!esc);
            prop_assert_eq!(unquote(&q), s);
        }

        #[test]
        fn quoted_ids_parse_as_dot(s in "\\PC*") {
            let dot = format!("digraph g {{ {} [label={}] }}", quote_id(&s), quote_id(&s));
            prop_assert!(graphviz_rust::parse(&dot).is_ok(), "{}", dot);
        }
    }
}
