//! Fuzz the DOT export's escaping (`spillnet::export::dot`).
//!
//! The input is split at `0xFF` bytes (never part of UTF-8) into up to 12
//! strings, each decoded lossily. Every string must
//! - quote with `quote_id` into a DOT id that graphviz-rust parses back as
//!   the very same id (as a node id and as a label value), and that
//!   un-escapes to the original string (the escaping round-trips);
//! - and, used as firm/model/supplier ids, firm names, group ids, provinces,
//!   components and the title of a tiny graph, give a `to_dot` text that
//!   graphviz-rust parses, with every node present under its quoted id.
//!
//! A failed assertion or a panic is a finding.
#![no_main]

use std::collections::BTreeSet;

use graphviz_rust::dot_structures::{Graph, Id, Stmt};
use libfuzzer_sys::fuzz_target;
use spillnet::export::dot::quote_id;
use spillnet::export::{DotOptions, to_dot};
use spillnet::graph::build_graph;
use spillnet::io::tables::{
    Dataset, Firm, FirmKind, JvLink, Model, Ownership, Production, SupplierLink, SupplierTarget, WorkerMove,
};

/// Undo `quote_id` the way a DOT reader treats its escapes.
fn unquote(q: &str) -> Option<String> {
    let inner = q.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next()? {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            'x' => {
                let h: String = it.by_ref().take(2).collect();
                out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

fn stmts(g: &Graph) -> &[Stmt] {
    match g {
        Graph::Graph { stmts, .. } | Graph::DiGraph { stmts, .. } => stmts,
    }
}

/// Node ids of every node statement, also inside subgraphs.
fn node_ids(stmts: &[Stmt], out: &mut BTreeSet<String>) {
    // (`Id`'s `Display` prefixes `esc `: take the text itself.)
    for s in stmts {
        match s {
            Stmt::Node(n) => {
                if let Id::Escaped(q) = &n.id.0 {
                    out.insert(q.clone());
                }
            }
            Stmt::Subgraph(sub) => node_ids(&sub.stmts, out),
            _ => {}
        }
    }
}

fn check_quote(s: &str) {
    let q = quote_id(s);
    assert_eq!(unquote(&q).as_deref(), Some(s), "quote_id does not round-trip: {q}");
    let dot = format!("digraph g {{ {q} [label={q}] }}");
    let g = graphviz_rust::parse(&dot).unwrap_or_else(|e| panic!("graphviz-rust rejects {dot}: {e}"));
    let [Stmt::Node(n)] = stmts(&g) else { panic!("not one node statement: {g:?}") };
    assert_eq!(n.id.0, Id::Escaped(q.clone()), "node id changed by parsing");
    assert_eq!(n.attributes.len(), 1);
    assert_eq!(n.attributes[0].1, Id::Escaped(q), "label changed by parsing");
}

fn firm(id: String, name: String, kind: FirmKind, group: String, province: Option<String>) -> Firm {
    let ownership = if kind == FirmKind::Foreign { Ownership::Foreign } else { Ownership::Soe };
    Firm { firm_id: id.into(), name, kind, group_id: group.into(), province, ownership }
}

fn dataset(p: &[String]) -> Dataset {
    let get = |i: usize| p.get(i).cloned().unwrap_or_default();
    // Prefixes keep the ids distinct whatever the input (duplicates are a load error, not our concern).
    let (dom, frn, jv) = (format!("d{}", get(0)), format!("f{}", get(0)), format!("j{}", get(0)));
    let (model, supplier) = (format!("m{}", get(1)), get(2));
    Dataset {
        firms: vec![
            firm(dom.clone(), get(3), FirmKind::Domestic, get(4), Some(get(5))),
            firm(frn.clone(), get(6), FirmKind::Foreign, format!("g{}", get(4)), None),
            firm(jv.clone(), get(7), FirmKind::Jv, get(4), Some(format!("p{}", get(5)))),
        ],
        jv_links: vec![JvLink {
            jv_id: jv.clone().into(),
            domestic_parent: dom.clone().into(),
            foreign_parent: frn.into(),
            founded: 2000,
            dissolved: None,
            foreign_share: Some(0.5),
        }],
        models: vec![Model {
            model_id: model.clone().into(),
            firm_id: jv.clone().into(),
            segment: get(8),
            first_year: 2001,
            last_year: 2010,
            price: None,
            size: None,
            power: None,
        }],
        quality: vec![],
        suppliers: vec![
            SupplierLink {
                supplier_id: supplier.clone().into(),
                target: SupplierTarget::Model(model.into()),
                component: get(9),
                year: None,
            },
            SupplierLink {
                supplier_id: supplier.into(),
                target: SupplierTarget::Firm(dom.clone().into()),
                component: get(10),
                year: Some(2005),
            },
        ],
        worker_moves: vec![WorkerMove {
            from_firm: jv.clone().into(),
            to_firm: dom.into(),
            year: 2005,
            count: 3,
            person_id: None,
        }],
        production: Some(vec![Production { firm_id: jv.into(), year: 2005, units: 1000.0 }]),
        ..Dataset::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let parts: Vec<String> =
        data.split(|&b| b == 0xFF).take(12).map(|b| String::from_utf8_lossy(b).into_owned()).collect();
    for s in &parts {
        check_quote(s);
    }
    let Ok(g) = build_graph(&dataset(&parts)) else { return };
    let clusters = data.first().is_some_and(|b| b & 1 == 1);
    let opts = DotOptions { clusters, title: parts.get(11).cloned(), ..DotOptions::default() };
    let text = to_dot(&g, &opts);
    let parsed = graphviz_rust::parse(&text).unwrap_or_else(|e| panic!("graphviz-rust rejects to_dot: {e}\n{text}"));
    let mut ids = BTreeSet::new();
    node_ids(stmts(&parsed), &mut ids);
    for (_, n) in g.nodes() {
        let q = quote_id(&n.key.qualified());
        assert!(ids.contains(&q), "node {q} missing from the parsed DOT:\n{text}");
    }
});
