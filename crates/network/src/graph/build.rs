//! Building the knowledge-flow graph from the typed tables of a
//! [`Dataset`]. Imports `io::tables`, `ids` and the rest of `graph`.
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

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::model::{Channel, EdgeData, NodeData, NodeKey, NodeKind, YearSpan};
use super::{GraphError, KnowledgeGraph};
use crate::channels::worker_flow::WorkerFlow;
use crate::channels::{ChannelError, Firms};
use spillnet_io::ids::{FirmId, SupplierId};
use spillnet_io::tables::{Dataset, FirmKind, SupplierTarget};

/// Build the knowledge-flow graph of a dataset.
///
/// # Arguments
/// - `data`: validated tables (references are checked again here, so an
///   in-memory dataset that skipped the loader still gets clear errors).
///
/// # Returns
/// The whole graph, nodes and edges sorted (see [`KnowledgeGraph`]).
///
/// # Errors
/// [`GraphError::DuplicateKey`] for repeated firm or model ids or production
/// (firm, year) rows; [`GraphError::DanglingReference`] for a row naming an
/// unknown firm or model.
///
/// # Complexity
/// O(R log R) in the total number of rows R.
///
/// # Example
/// ```
/// use spillnet_network::graph::{build_graph, NodeKind};
/// use spillnet_io::tables::{Dataset, Firm, FirmKind, Ownership};
/// let mut data = Dataset::default();
/// data.firms.push(Firm {
///     firm_id: "faw".into(), name: "FAW".into(), kind: FirmKind::Domestic,
///     group_id: "faw".into(), province: Some("Jilin".into()), ownership: Ownership::Soe,
/// });
/// let g = build_graph(&data).unwrap();
/// assert_eq!(g.node_count(), 2); // the firm and its province
/// assert_eq!(g.edge_count(), 1); // located_in
/// ```
pub fn build_graph(data: &Dataset) -> Result<KnowledgeGraph, GraphError> {
    let mut nodes: Vec<NodeData> = Vec::new();
    let mut pos: HashMap<NodeKey, usize> = HashMap::new();
    let mut edges: Vec<(usize, usize, EdgeData)> = Vec::new();

    // Firms.
    let mut firm_group = HashMap::new();
    for (i, f) in data.firms.iter().enumerate() {
        let key = NodeKey::Firm(f.firm_id.clone());
        if pos.contains_key(&key) {
            return Err(GraphError::DuplicateKey {
                table: "firms",
                row: i + 1,
                column: "firm_id",
                id: f.firm_id.to_string(),
            });
        }
        let kind = match f.kind {
            FirmKind::Domestic => NodeKind::DomesticFirm,
            FirmKind::Foreign => NodeKind::ForeignParent,
            FirmKind::Jv => NodeKind::Jv,
        };
        firm_group.insert(f.firm_id.clone(), f.group_id.clone());
        pos.insert(key.clone(), nodes.len());
        nodes.push(NodeData {
            key,
            kind,
            label: f.name.clone(),
            group: Some(f.group_id.clone()),
            span: YearSpan::ALWAYS,
            production: BTreeMap::new(),
            segment: None,
        });
    }
    let firm_pos = |pos: &HashMap<NodeKey, usize>,
                    id: &FirmId,
                    table: &'static str,
                    row: usize,
                    column: &'static str|
     -> Result<usize, GraphError> {
        pos.get(&NodeKey::Firm(id.clone())).copied().ok_or_else(|| GraphError::DanglingReference {
            table,
            row: row + 1,
            column,
            what: "firm",
            id: id.to_string(),
        })
    };

    // Provinces and located_in.
    for f in &data.firms {
        let Some(prov) = &f.province else { continue };
        let key = NodeKey::Province(prov.clone());
        let p = intern(&mut nodes, &mut pos, key, NodeKind::Province, prov);
        let fp = pos[&NodeKey::Firm(f.firm_id.clone())];
        edges.push((fp, p, EdgeData::new(Channel::LocatedIn, YearSpan::ALWAYS)));
    }

    // Production (node sizes).
    if let Some(production) = &data.production {
        for (i, p) in production.iter().enumerate() {
            let fp = firm_pos(&pos, &p.firm_id, "production", i, "firm_id")?;
            if nodes[fp].production.insert(p.year, p.units).is_some() {
                return Err(GraphError::DuplicateKey {
                    table: "production",
                    row: i + 1,
                    column: "year",
                    id: format!("{}/{}", p.firm_id, p.year),
                });
            }
        }
    }

    // Owns: aggregate per (parent, jv).
    struct Owns {
        span: YearSpan,
        share: Option<f64>,
        foreign: bool,
    }
    let mut owns: BTreeMap<(usize, usize), Owns> = BTreeMap::new();
    for (i, l) in data.jv_links.iter().enumerate() {
        let jv = firm_pos(&pos, &l.jv_id, "jv_links", i, "jv_id")?;
        let dom = firm_pos(&pos, &l.domestic_parent, "jv_links", i, "domestic_parent")?;
        let fgn = firm_pos(&pos, &l.foreign_parent, "jv_links", i, "foreign_parent")?;
        if let Some(d) = l.dissolved
            && d < l.founded
        {
            return Err(GraphError::InvalidValue {
                table: "jv_links",
                row: i + 1,
                column: "dissolved",
                message: format!("dissolved {d} is before founded {}", l.founded),
            });
        }
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

    // Models and produces.
    for (i, m) in data.models.iter().enumerate() {
        let fp = firm_pos(&pos, &m.firm_id, "models", i, "firm_id")?;
        let key = NodeKey::Model(m.model_id.clone());
        if pos.contains_key(&key) {
            return Err(GraphError::DuplicateKey {
                table: "models",
                row: i + 1,
                column: "model_id",
                id: m.model_id.to_string(),
            });
        }
        if m.last_year < m.first_year {
            return Err(GraphError::InvalidValue {
                table: "models",
                row: i + 1,
                column: "last_year",
                message: format!("last_year {} is before first_year {}", m.last_year, m.first_year),
            });
        }
        let span = YearSpan::between(m.first_year, Some(m.last_year));
        pos.insert(key.clone(), nodes.len());
        nodes.push(NodeData {
            key,
            kind: NodeKind::Model,
            label: m.model_id.to_string(),
            group: firm_group.get(&m.firm_id).cloned(),
            span,
            production: BTreeMap::new(),
            segment: Some(m.segment.clone()),
        });
        edges.push((fp, nodes.len() - 1, EdgeData::new(Channel::Produces, span)));
    }

    // Suppliers and supplies: aggregate per (supplier, target, year).
    let mut supplies: BTreeMap<(SupplierId, usize, Option<i32>), BTreeSet<&str>> = BTreeMap::new();
    for (i, s) in data.suppliers.iter().enumerate() {
        let target = match &s.target {
            SupplierTarget::Model(m) => {
                pos.get(&NodeKey::Model(m.clone())).copied().ok_or_else(|| GraphError::DanglingReference {
                    table: "suppliers",
                    row: i + 1,
                    column: "model_id",
                    what: "model",
                    id: m.to_string(),
                })?
            }
            SupplierTarget::Firm(f) => firm_pos(&pos, f, "suppliers", i, "firm_id")?,
        };
        supplies.entry((s.supplier_id.clone(), target, s.year)).or_default().insert(s.component.as_str());
    }
    for ((sid, target, year), components) in supplies {
        let key = NodeKey::Supplier(sid.clone());
        let sp = intern(&mut nodes, &mut pos, key, NodeKind::Supplier, sid.as_str());
        let span = year.map_or(YearSpan::ALWAYS, YearSpan::single);
        let mut e = EdgeData::new(Channel::Supplies, span);
        e.weight = components.len() as f64;
        e.components = components.into_iter().map(str::to_owned).collect();
        edges.push((sp, target, e));
    }

    // Worker flows: one edge per (from, to, year), summed by the worker-flow channel
    // (which checks the references; its error becomes the graph's).
    let firms = Firms::new(data);
    let flows = WorkerFlow::new(data, &firms).map_err(dangling)?;
    for (from, to, year, count) in flows.flows() {
        let from = firm_pos(&pos, firms.names[from as usize], "worker_moves", 0, "from_firm")?;
        let to = firm_pos(&pos, firms.names[to as usize], "worker_moves", 0, "to_firm")?;
        let mut e = EdgeData::new(Channel::WorkerFlow, YearSpan::single(year));
        e.weight = count as f64;
        edges.push((from, to, e));
    }

    // Registered channels: JV firm → domestic firm edges in every year with a quality score.
    let registered = crate::channels::registered();
    if !registered.is_empty() {
        let years: BTreeSet<i32> = data.quality.iter().map(|q| q.year).collect();
        let of_kind =
            |k: FirmKind| -> Vec<u32> { (0..firms.len() as u32).filter(|&f| firms.kind[f as usize] == k).collect() };
        let (jvs, domestic) = (of_kind(FirmKind::Jv), of_kind(FirmKind::Domestic));
        for def in registered {
            let channel = (def.build)(data, &firms).map_err(dangling)?;
            for &jv in &jvs {
                for &focal in &domestic {
                    for &t in &years {
                        let w = channel.weight(focal, jv, t);
                        if w != 0.0 {
                            let from = firm_pos(&pos, firms.names[jv as usize], "firms", 0, "firm_id")?;
                            let to = firm_pos(&pos, firms.names[focal as usize], "firms", 0, "firm_id")?;
                            let mut e = EdgeData::new(Channel::Registered(def.name), YearSpan::single(t));
                            e.weight = w;
                            edges.push((from, to, e));
                        }
                    }
                }
            }
        }
    }

    Ok(KnowledgeGraph::assemble(nodes, edges, "whole graph".to_owned()))
}

/// A channel's unknown-firm error as the graph's dangling reference (same table, row and column).
fn dangling(e: ChannelError) -> GraphError {
    match e {
        ChannelError::UnknownFirm { table, row, column, id } => {
            GraphError::DanglingReference { table, row, column, what: "firm", id }
        }
    }
}

/// Position of the node with `key`, adding a plain node (no group, always
/// present) of `kind` labelled `label` when it is not there yet.
fn intern(
    nodes: &mut Vec<NodeData>,
    pos: &mut HashMap<NodeKey, usize>,
    key: NodeKey,
    kind: NodeKind,
    label: &str,
) -> usize {
    if let Some(&p) = pos.get(&key) {
        return p;
    }
    pos.insert(key.clone(), nodes.len());
    nodes.push(NodeData {
        key,
        kind,
        label: label.to_owned(),
        group: None,
        span: YearSpan::ALWAYS,
        production: BTreeMap::new(),
        segment: None,
    });
    nodes.len() - 1
}
