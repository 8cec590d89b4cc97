//! What the interchange formats (GraphML, GEXF, edge list) share: the node
//! attribute table ([`node_table`]: kind, label, group, province, segment,
//! span, production and the centralities of [`spillnet_network::graph::centrality`]),
//! the per-node measure table of `graph centrality` ([`centrality_table`]),
//! XML escaping and number formatting. Tables are `spillnet_io` [`TableData`]
//! so the same columns go to CSV, Parquet and XML attributes with their types
//! (text, integer, float). Imports `graph`, `io::write`.

use std::collections::BTreeSet;

use spillnet_io::write::{ColumnData, TableData};
use spillnet_network::graph::{Centralities, KnowledgeGraph, NodeIx};

/// Node attribute columns, in output order, one row per node (graph order):
/// `node` (namespaced id, unique: `firm:faw`), `id` (the table id: firm,
/// model or supplier id, province name — the exposure tables' `unit` at firm
/// level), `kind`, `label`, `group`, `province`, `segment`, `start`/`end`
/// (the node's span; empty when open), `production` and `production_year`
/// (latest units on record in the view and their year), then
/// `production_<year>` for every year with production in the graph when
/// `production_by_year`, then the measures of [`measure_columns`] when
/// `centralities` is given.
pub fn node_table(g: &KnowledgeGraph, centralities: Option<&Centralities>, production_by_year: bool) -> TableData {
    let nodes: Vec<_> = g.nodes().map(|(_, n)| n).collect();
    let text = |f: &dyn Fn(usize) -> Option<String>| ColumnData::Text((0..nodes.len()).map(f).collect());
    let mut t = TableData::default()
        .with("node", text(&|i| Some(nodes[i].key.qualified())))
        .with("id", text(&|i| Some(nodes[i].key.id().to_owned())))
        .with("kind", text(&|i| Some(nodes[i].kind.as_str().to_owned())))
        .with("label", text(&|i| Some(nodes[i].label.clone())))
        .with("group", text(&|i| nodes[i].group.as_ref().map(ToString::to_string)))
        .with("province", text(&|i| nodes[i].province.clone()))
        .with("segment", text(&|i| nodes[i].segment.clone()))
        .with("start", ColumnData::Int(nodes.iter().map(|n| n.span.from.map(i64::from)).collect()))
        .with("end", ColumnData::Int(nodes.iter().map(|n| n.span.to.map(i64::from)).collect()))
        .with("production", ColumnData::Float(nodes.iter().map(|n| n.latest_units()).collect()))
        .with(
            "production_year",
            ColumnData::Int(nodes.iter().map(|n| n.production.last_key_value().map(|(y, _)| i64::from(*y))).collect()),
        );
    if production_by_year {
        for year in production_years(g) {
            let col = nodes.iter().map(|n| n.production.get(&year).copied()).collect();
            t = t.with(&format!("production_{year}"), ColumnData::Float(col));
        }
    }
    if let Some(c) = centralities {
        for (name, col) in measure_columns(g, c) {
            t.columns.push((name, col));
        }
    }
    t
}

/// Every year with production on some node of `g`, ascending.
pub fn production_years(g: &KnowledgeGraph) -> BTreeSet<i32> {
    g.nodes().flat_map(|(_, n)| n.production.keys().copied()).collect()
}

/// The measure columns, one row per node of `g`: `in_degree`, `out_degree`
/// (integers), `in_strength`, `out_strength`, `pagerank`, `eigenvector`
/// (empty when the power iteration did not converge), `betweenness`
/// (floats), `community` (integer; empty when not computed).
pub fn measure_columns(g: &KnowledgeGraph, c: &Centralities) -> Vec<(String, ColumnData)> {
    let m: Vec<_> = (0..g.node_count()).map(|i| c.node(NodeIx(i as u32))).collect();
    let int = |f: &dyn Fn(usize) -> Option<i64>| ColumnData::Int((0..m.len()).map(f).collect());
    let float = |f: &dyn Fn(usize) -> Option<f64>| ColumnData::Float((0..m.len()).map(f).collect());
    vec![
        ("in_degree".into(), int(&|i| Some(m[i].in_degree as i64))),
        ("out_degree".into(), int(&|i| Some(m[i].out_degree as i64))),
        ("in_strength".into(), float(&|i| Some(m[i].in_strength))),
        ("out_strength".into(), float(&|i| Some(m[i].out_strength))),
        ("pagerank".into(), float(&|i| Some(m[i].pagerank))),
        ("eigenvector".into(), float(&|i| m[i].eigenvector)),
        ("betweenness".into(), float(&|i| Some(m[i].betweenness))),
        ("community".into(), int(&|i| m[i].community.map(|k| k as i64))),
    ]
}

/// The table of `spillnet graph centrality`: one row per node (and year, for
/// per-year measures): `node`, `id`, `kind`, `name`, `group`, `year` (only
/// when some part has a year), then the [`measure_columns`].
///
/// `parts` are (year, graph, its measures); rows come in part order, then node order.
pub fn centrality_table(parts: &[(Option<i32>, &KnowledgeGraph, &Centralities)]) -> TableData {
    let with_year = parts.iter().any(|(y, _, _)| y.is_some());
    let mut columns: Vec<(String, ColumnData)> = Vec::new();
    for (year, g, c) in parts {
        let nodes: Vec<_> = g.nodes().map(|(_, n)| n).collect();
        let mut part: Vec<(String, ColumnData)> = vec![
            ("node".into(), ColumnData::Text(nodes.iter().map(|n| Some(n.key.qualified())).collect())),
            ("id".into(), ColumnData::Text(nodes.iter().map(|n| Some(n.key.id().to_owned())).collect())),
            ("kind".into(), ColumnData::Text(nodes.iter().map(|n| Some(n.kind.as_str().to_owned())).collect())),
            ("name".into(), ColumnData::Text(nodes.iter().map(|n| Some(n.label.clone())).collect())),
            (
                "group".into(),
                ColumnData::Text(nodes.iter().map(|n| n.group.as_ref().map(ToString::to_string)).collect()),
            ),
        ];
        if with_year {
            part.push(("year".into(), ColumnData::Int(vec![year.map(i64::from); nodes.len()])));
        }
        part.extend(measure_columns(g, c));
        if columns.is_empty() {
            columns = part;
        } else {
            for ((_, acc), (_, add)) in columns.iter_mut().zip(part) {
                append(acc, add);
            }
        }
    }
    if columns.is_empty() {
        // No parts: the header only.
        return centrality_table_header(with_year);
    }
    TableData { columns }
}

/// The columns of an empty [`centrality_table`].
fn centrality_table_header(with_year: bool) -> TableData {
    let mut names = vec!["node", "id", "kind", "name", "group"];
    if with_year {
        names.push("year");
    }
    let mut t = TableData::default();
    for n in names {
        t = t.with(n, ColumnData::Text(Vec::new()));
    }
    for n in ["in_degree", "out_degree"] {
        t = t.with(n, ColumnData::Int(Vec::new()));
    }
    for n in ["in_strength", "out_strength", "pagerank", "eigenvector", "betweenness"] {
        t = t.with(n, ColumnData::Float(Vec::new()));
    }
    t.with("community", ColumnData::Int(Vec::new()))
}

/// Append `add` to `acc` (columns of the same type).
fn append(acc: &mut ColumnData, add: ColumnData) {
    match (acc, add) {
        (ColumnData::Text(a), ColumnData::Text(b)) => a.extend(b),
        (ColumnData::Int(a), ColumnData::Int(b)) => a.extend(b),
        (ColumnData::Float(a), ColumnData::Float(b)) => a.extend(b),
        _ => unreachable!("parts of one table have the same column types"),
    }
}

/// Escape text for an XML attribute value or element content: `& < > " '`
/// as entities, tab/line feed/carriage return as character references (so
/// attribute values keep them), other characters XML 1.0 cannot carry
/// (C0 controls, U+FFFE, U+FFFF) as U+FFFD.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// An `xsd:double` literal: shortest round-trip form (`2.0`, `0.1`, `1e-7`),
/// `NaN`, `INF`, `-INF`.
pub fn xml_double(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "INF".into() } else { "-INF".into() }
    } else {
        format!("{x:?}")
    }
}

/// The XML type name (GraphML `attr.type` and GEXF `type` agree on these) of a column.
pub fn xml_type(c: &ColumnData) -> &'static str {
    match c {
        ColumnData::Text(_) => "string",
        ColumnData::Int(_) => "int",
        ColumnData::Float(_) => "double",
    }
}

/// Row `i` of a column as an XML attribute value (escaped); `None` for a null.
pub fn xml_value(c: &ColumnData, i: usize) -> Option<String> {
    match c {
        ColumnData::Text(v) => v[i].as_deref().map(xml_escape),
        ColumnData::Int(v) => v[i].map(|x| x.to_string()),
        ColumnData::Float(v) => v[i].map(xml_double),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(xml_escape(r#"A&B <"c"> 'd'"#), "A&amp;B &lt;&quot;c&quot;&gt; &apos;d&apos;");
        assert_eq!(xml_escape("a\tb\nc\u{1}"), "a&#9;b&#10;c\u{FFFD}");
        assert_eq!(xml_escape("北京"), "北京");
        assert_eq!(xml_double(2.0), "2.0");
        assert_eq!(xml_double(f64::NEG_INFINITY), "-INF");
        assert_eq!(xml_double(1e-7), "1e-7");
    }
}
