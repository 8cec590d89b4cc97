//! Building the knowledge-flow graph from an [`Indexed`] dataset: firm,
//! model and supplier nodes are numbered as the dataset's index numbers them,
//! so references are followed, never looked up. Imports `io::{index, tables}`,
//! `channels` and the rest of `graph`.
//!
//! Nodes: one per firm (kind from `firms.kind`), model, distinct supplier id
//! and distinct province. Edges, aggregated so that each is one fact:
//! - `owns`: one per distinct (parent, JV) pair over `jv_links` (both the
//!   domestic and the foreign parent of each row); active from the earliest
//!   founding year to the latest dissolution (open if any row is undissolved);
//!   share = `foreign_share` for the foreign parent, and `1 − Σ foreign shares`
//!   for the domestic parent when the JV has exactly one domestic parent and
//!   every foreign share is known;
//! - `produces`: one per model (firm → model), active `first_year..=last_year`;
//! - `supplies`: one per distinct (supplier, model-or-firm, year), weight =
//!   number of distinct components, always active when `year` is null;
//! - `worker_flow`: one per distinct (from, to, year), weight = Σ count;
//! - `located_in`: one per firm with a province.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Channel, EdgeData, NodeData, NodeKey, NodeKind, YearSpan};
use super::{GraphError, KnowledgeGraph};
use crate::channels::Firms;
use crate::channels::worker_flow::WorkerFlow;
use spillnet_io::Indexed;
use spillnet_io::index::Supplied;
use spillnet_io::tables::FirmKind;

/// Build the knowledge-flow graph of a dataset.
///
/// # Arguments
/// - `data`: validated tables with their index; references arrive resolved.
///
/// # Returns
/// The whole graph, nodes and edges sorted (see [`KnowledgeGraph`]).
///
/// # Errors
/// [`GraphError::Channel`] when a registered channel cannot be computed.
///
/// # Complexity
/// O(R log R) in the total number of rows R.
///
/// # Example
/// ```
/// use spillnet_network::graph::{build_graph, NodeKind};
/// use spillnet_io::Indexed;
/// use spillnet_io::tables::{Dataset, Firm, FirmKind, Ownership};
/// let mut data = Dataset::default();
/// data.firms.push(Firm {
///     firm_id: "faw".into(), name: "FAW".into(), kind: FirmKind::Domestic,
///     group_id: "faw".into(), province: Some("Jilin".into()), ownership: Ownership::Soe,
/// });
/// let g = build_graph(&Indexed::new(data).unwrap()).unwrap();
/// assert_eq!(g.node_count(), 2); // the firm and its province
/// assert_eq!(g.edge_count(), 1); // located_in
/// ```
pub fn build_graph(data: &Indexed) -> Result<KnowledgeGraph, GraphError> {
    let ix = data.index();
    let mut nodes: Vec<NodeData> = Vec::new();
    let mut edges: Vec<(usize, usize, EdgeData)> = Vec::new();

    // Firms: node k is firm number k.
    for k in 0..ix.firms.len() as u32 {
        let f = data.firm(k);
        let kind = match f.kind {
            FirmKind::Domestic => NodeKind::DomesticFirm,
            FirmKind::Foreign => NodeKind::ForeignParent,
            FirmKind::Jv => NodeKind::Jv,
        };
        nodes.push(NodeData {
            key: NodeKey::Firm(f.firm_id.clone()),
            kind,
            label: f.name.clone(),
            group: Some(f.group_id.clone()),
            span: YearSpan::ALWAYS,
            production: BTreeMap::new(),
            segment: None,
            province: f.province.clone(),
        });
    }

    // Provinces and located_in.
    let mut province_node: BTreeMap<&str, usize> = BTreeMap::new();
    for k in 0..ix.firms.len() {
        let Some(prov) = data.firm(k as u32).province.as_deref() else { continue };
        let p = *province_node
            .entry(prov)
            .or_insert_with(|| push_plain(&mut nodes, NodeKey::Province(prov.to_owned()), NodeKind::Province, prov));
        edges.push((k, p, EdgeData::new(Channel::LocatedIn, YearSpan::ALWAYS)));
    }

    // Production (node sizes); (firm, year) is a key of the table.
    if let Some(production) = &data.production {
        for (p, &f) in production.iter().zip(&ix.production_firm) {
            nodes[f as usize].production.insert(p.year, p.units);
        }
    }

    // Owns: aggregate per (parent, jv).
    struct Owns {
        span: YearSpan,
        share: Option<f64>,
        foreign: bool,
    }
    let mut owns: BTreeMap<(usize, usize), Owns> = BTreeMap::new();
    for (l, r) in data.jv_links.iter().zip(&ix.jv_links) {
        let (jv, dom, fgn) = (r.jv as usize, r.domestic as usize, r.foreign as usize);
        let span = YearSpan::between(l.founded, l.dissolved);
        for (parent, foreign) in [(dom, false), (fgn, true)] {
            let share = if foreign { l.foreign_share } else { None };
            owns.entry((parent, jv))
                .and_modify(|o| {
                    o.span = o.span.union(span);
                    o.share = match (o.share, share) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                })
                .or_insert(Owns { span, share, foreign });
        }
    }
    // Domestic share = 1 − Σ foreign shares, when the JV has one domestic parent and all shares known.
    let mut per_jv: BTreeMap<usize, (usize, Option<f64>)> = BTreeMap::new(); // jv -> (#domestic, Σ foreign)
    for (&(_, jv), o) in &owns {
        let e = per_jv.entry(jv).or_insert((0, Some(0.0)));
        if o.foreign {
            e.1 = match (e.1, o.share) {
                (Some(a), Some(b)) => Some(a + b),
                _ => None,
            };
        } else {
            e.0 += 1;
        }
    }
    for (&(parent, jv), o) in &owns {
        let share = if o.foreign {
            o.share
        } else {
            match per_jv[&jv] {
                (1, Some(sum)) => Some((1.0 - sum).max(0.0)),
                _ => None,
            }
        };
        let mut e = EdgeData::new(Channel::Owns, o.span);
        e.share = share;
        edges.push((parent, jv, e));
    }
    // A JV exists from its earliest founding to its latest dissolution.
    let mut jv_span: BTreeMap<usize, YearSpan> = BTreeMap::new();
    for (&(_, jv), o) in &owns {
        jv_span.entry(jv).and_modify(|s| *s = s.union(o.span)).or_insert(o.span);
    }
    for (jv, span) in jv_span {
        nodes[jv].span = span;
    }

    // Models and produces: node firms + k is model number k.
    let first_model = nodes.len();
    for k in 0..ix.models.len() as u32 {
        let m = data.model(k);
        let firm = ix.firm_of_model(k) as usize;
        let span = YearSpan::between(m.first_year, Some(m.last_year));
        nodes.push(NodeData {
            key: NodeKey::Model(m.model_id.clone()),
            kind: NodeKind::Model,
            label: m.model_id.to_string(),
            group: nodes[firm].group.clone(),
            span,
            production: BTreeMap::new(),
            segment: Some(m.segment.clone()),
            province: None,
        });
        edges.push((firm, nodes.len() - 1, EdgeData::new(Channel::Produces, span)));
    }

    // Suppliers and supplies: aggregate per (supplier, target, year).
    let first_supplier = nodes.len();
    for sid in ix.suppliers.ids() {
        push_plain(&mut nodes, NodeKey::Supplier(sid.clone()), NodeKind::Supplier, sid.as_str());
    }
    let mut supplies: BTreeMap<(u32, usize, Option<i32>), BTreeSet<&str>> = BTreeMap::new();
    for (s, r) in data.suppliers.iter().zip(&ix.supplier_links) {
        let target = match r.target {
            Supplied::Model(m) => first_model + m as usize,
            Supplied::Firm(f) => f as usize,
        };
        supplies.entry((r.supplier, target, s.year)).or_default().insert(s.component.as_str());
    }
    for ((sid, target, year), components) in supplies {
        let span = year.map_or(YearSpan::ALWAYS, YearSpan::single);
        let mut e = EdgeData::new(Channel::Supplies, span);
        e.weight = components.len() as f64;
        e.components = components.into_iter().map(str::to_owned).collect();
        edges.push((first_supplier + sid as usize, target, e));
    }

    // Worker flows: one edge per (from, to, year), summed by the worker-flow channel.
    for (from, to, year, count) in WorkerFlow::new(data).flows() {
        let mut e = EdgeData::new(Channel::WorkerFlow, YearSpan::single(year));
        e.weight = count as f64;
        edges.push((from as usize, to as usize, e));
    }

    // Registered channels: JV firm → domestic firm edges in every year with a quality score.
    let registered = crate::channels::registered_for(data);
    if !registered.is_empty() {
        let firms = Firms::new(data);
        let years: BTreeSet<i32> = data.quality.iter().map(|q| q.year).collect();
        let of_kind =
            |k: FirmKind| -> Vec<u32> { (0..firms.len() as u32).filter(|&f| firms.kind[f as usize] == k).collect() };
        let (jvs, domestic) = (of_kind(FirmKind::Jv), of_kind(FirmKind::Domestic));
        for def in registered {
            let channel = (def.build)(data, &firms)?;
            for &jv in &jvs {
                for &focal in &domestic {
                    for &t in &years {
                        let w = channel.weight(focal, jv, t);
                        if w != 0.0 {
                            let mut e = EdgeData::new(Channel::Registered(def.name), YearSpan::single(t));
                            e.weight = w;
                            edges.push((jv as usize, focal as usize, e));
                        }
                    }
                }
            }
        }
    }

    Ok(KnowledgeGraph::assemble(nodes, edges, "whole graph".to_owned()))
}

/// Add a plain node (no group, always present) of `kind` labelled `label`; its position.
fn push_plain(nodes: &mut Vec<NodeData>, key: NodeKey, kind: NodeKind, label: &str) -> usize {
    nodes.push(NodeData {
        key,
        kind,
        label: label.to_owned(),
        group: None,
        span: YearSpan::ALWAYS,
        production: BTreeMap::new(),
        segment: None,
        province: None,
    });
    nodes.len() - 1
}
