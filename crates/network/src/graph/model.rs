//! The vocabulary of the knowledge-flow graph (SPEC §2): node kinds, edge
//! channels, year spans, node keys and the typed indices that replace
//! petgraph's. Imports only [`spillnet_io::ids`].

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use spillnet_io::ids::{FirmId, GroupId, ModelId, SupplierId};

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A foreign automaker that is a parent of one or more JVs (`firms.kind = foreign`).
    ForeignParent,
    /// A joint venture (`firms.kind = jv`).
    Jv,
    /// A domestic automaker (`firms.kind = domestic`).
    DomesticFirm,
    /// A car model (`models`).
    Model,
    /// A component supplier (`suppliers.supplier_id`).
    Supplier,
    /// A province where firms have plants (`firms.province`).
    Province,
}

impl NodeKind {
    /// All kinds, in display order.
    pub const ALL: [NodeKind; 6] = [
        NodeKind::ForeignParent,
        NodeKind::Jv,
        NodeKind::DomesticFirm,
        NodeKind::Model,
        NodeKind::Supplier,
        NodeKind::Province,
    ];

    /// Snake-case name used in output (`foreign_parent`, `jv`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::ForeignParent => "foreign_parent",
            NodeKind::Jv => "jv",
            NodeKind::DomesticFirm => "domestic_firm",
            NodeKind::Model => "model",
            NodeKind::Supplier => "supplier",
            NodeKind::Province => "province",
        }
    }

    /// True for the three firm kinds (foreign parent, JV, domestic firm).
    pub fn is_firm(self) -> bool {
        matches!(self, NodeKind::ForeignParent | NodeKind::Jv | NodeKind::DomesticFirm)
    }
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The channel an edge belongs to (its kind). Serialized as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// Parent → JV ownership (from `jv_links`), with founding year and equity share.
    Owns,
    /// Firm → model it produces (from `models`).
    Produces,
    /// Supplier → model (or → firm for firm-level supplier links), from `suppliers`.
    Supplies,
    /// Firm → firm job transitions in one year, weight = number of workers (from `worker_moves`).
    WorkerFlow,
    /// Firm → province of its plants (from `firms.province`).
    LocatedIn,
    /// Firm — firm, weight = number of distinct suppliers the two firms share.
    /// Derived: appears only in the firms-only view, where models and suppliers are collapsed.
    SharedSupplier,
    /// JV firm → domestic firm in one year, weight = the registered channel's
    /// weight ([`crate::channels::registered`]), by name.
    Registered(&'static str),
}

impl Serialize for Channel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Channel {
    /// All channels, in display order.
    pub const ALL: [Channel; 6] = [
        Channel::Owns,
        Channel::Produces,
        Channel::Supplies,
        Channel::WorkerFlow,
        Channel::LocatedIn,
        Channel::SharedSupplier,
    ];

    /// Snake-case name used in output and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Owns => "owns",
            Channel::Produces => "produces",
            Channel::Supplies => "supplies",
            Channel::WorkerFlow => "worker_flow",
            Channel::LocatedIn => "located_in",
            Channel::SharedSupplier => "shared_supplier",
            Channel::Registered(name) => name,
        }
    }

    /// Parse the snake-case name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .or_else(|| crate::channels::find(s).map(|d| Channel::Registered(d.name)))
    }

    /// True for channels whose weight is a count (workers, components, shared
    /// suppliers); `owns`, `produces` and `located_in` edges are unweighted (weight 1).
    pub fn is_weighted(self) -> bool {
        matches!(self, Channel::Supplies | Channel::WorkerFlow | Channel::SharedSupplier | Channel::Registered(_))
    }

    /// True when the edge has no meaningful direction (drawn without arrowhead).
    pub fn is_symmetric(self) -> bool {
        matches!(self, Channel::SharedSupplier)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An inclusive range of years; `None` bounds are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct YearSpan {
    /// First active year (`None`: active since always).
    pub from: Option<i32>,
    /// Last active year, inclusive (`None`: still active).
    pub to: Option<i32>,
}

impl YearSpan {
    /// Active in every year.
    pub const ALWAYS: YearSpan = YearSpan { from: None, to: None };

    /// Active in exactly one year.
    pub fn single(year: i32) -> Self {
        YearSpan { from: Some(year), to: Some(year) }
    }

    /// Active from `from` to `to` inclusive.
    pub fn between(from: i32, to: Option<i32>) -> Self {
        YearSpan { from: Some(from), to }
    }

    /// Whether the span contains year `t`.
    pub fn contains(self, t: i32) -> bool {
        self.from.is_none_or(|f| f <= t) && self.to.is_none_or(|l| t <= l)
    }

    /// Whether the span starts at or before `t` (active at some point up to `t`).
    pub fn started_by(self, t: i32) -> bool {
        self.from.is_none_or(|f| f <= t)
    }

    /// The smallest span covering both.
    pub fn union(self, other: YearSpan) -> YearSpan {
        let from = match (self.from, other.from) {
            (Some(a), Some(b)) => Some(a.min(b)),
            _ => None,
        };
        let to = match (self.to, other.to) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
        YearSpan { from, to }
    }
}

impl fmt::Display for YearSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.from, self.to) {
            (None, None) => f.write_str("always"),
            (Some(a), Some(b)) if a == b => write!(f, "{a}"),
            (Some(a), Some(b)) => write!(f, "{a}–{b}"),
            (Some(a), None) => write!(f, "{a}–"),
            (None, Some(b)) => write!(f, "–{b}"),
        }
    }
}

/// The identity of a node: which table entity it stands for. Ordered by
/// variant then id, which is the order nodes are stored and exported in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum NodeKey {
    /// A firm (foreign parent, JV or domestic firm).
    Firm(FirmId),
    /// A car model.
    Model(ModelId),
    /// A supplier.
    Supplier(SupplierId),
    /// A province, by name.
    Province(String),
}

impl NodeKey {
    /// The raw id string (firm id, model id, supplier id or province name).
    pub fn id(&self) -> &str {
        match self {
            NodeKey::Firm(f) => f.as_str(),
            NodeKey::Model(m) => m.as_str(),
            NodeKey::Supplier(s) => s.as_str(),
            NodeKey::Province(p) => p,
        }
    }

    /// A namespaced id, unique across node types (`firm:faw`, `model:m1`, …).
    pub fn qualified(&self) -> String {
        let prefix = match self {
            NodeKey::Firm(_) => "firm",
            NodeKey::Model(_) => "model",
            NodeKey::Supplier(_) => "supplier",
            NodeKey::Province(_) => "province",
        };
        format!("{prefix}:{}", self.id())
    }
}

impl fmt::Display for NodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.qualified())
    }
}

/// Everything the graph knows about a node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeData {
    /// Which entity the node stands for.
    pub key: NodeKey,
    /// What kind of node it is.
    pub kind: NodeKind,
    /// Display label: the firm's name, otherwise the id.
    pub label: String,
    /// Corporate group (firms: `firms.group_id`; models: their producer's group).
    pub group: Option<GroupId>,
    /// Years in which the node exists: models first_year..=last_year, JVs
    /// founded..=dissolved (over their parents), everything else always.
    pub span: YearSpan,
    /// Units produced per year (firms with rows in the optional `production` table).
    pub production: BTreeMap<i32, f64>,
    /// Market segment (models only).
    pub segment: Option<String>,
    /// Province of the firm's plants (`firms.province`; firms only). Kept on the
    /// node so exports carry it in views without `located_in` edges (firms only).
    pub province: Option<String>,
}

impl NodeData {
    /// Units produced in the latest year on record (diagram node size), if any.
    pub fn latest_units(&self) -> Option<f64> {
        self.production.last_key_value().map(|(_, u)| *u)
    }

    /// Units produced in the latest year on record that is ≤ `year`, if any.
    pub fn units_up_to(&self, year: i32) -> Option<f64> {
        self.production.range(..=year).next_back().map(|(_, u)| *u)
    }
}

/// Everything the graph knows about an edge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeData {
    /// The edge's channel.
    pub channel: Channel,
    /// Weight: worker count for worker flows, number of components for supply
    /// links, number of shared suppliers for shared-supplier edges, 1 otherwise.
    pub weight: f64,
    /// Years in which the edge is active.
    pub span: YearSpan,
    /// Equity share of the parent in the JV (owns edges, when known).
    pub share: Option<f64>,
    /// Components supplied (supplies edges), sorted.
    pub components: Vec<String>,
}

impl EdgeData {
    /// An edge of `channel` with weight 1 active in `span` and no extra attributes.
    pub fn new(channel: Channel, span: YearSpan) -> Self {
        EdgeData { channel, weight: 1.0, span, share: None, components: Vec::new() }
    }
}

/// Index of a node inside one [`crate::graph::KnowledgeGraph`] (valid only for that graph).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct NodeIx(pub u32);

/// Index of an edge inside one [`crate::graph::KnowledgeGraph`] (valid only for that graph).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct EdgeIx(pub u32);

impl NodeIx {
    /// The index as a `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl EdgeIx {
    /// The index as a `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        let s = YearSpan::between(2000, Some(2005));
        assert!(s.contains(2000) && s.contains(2005) && !s.contains(2006) && !s.contains(1999));
        assert!(s.started_by(2000) && !s.started_by(1999) && s.started_by(2020));
        assert!(YearSpan::ALWAYS.contains(-5));
        assert_eq!(s.union(YearSpan::single(2010)), YearSpan::between(2000, Some(2010)));
        assert_eq!(s.union(YearSpan::between(2001, None)), YearSpan::between(2000, None));
        assert_eq!(s.to_string(), "2000–2005");
    }

    #[test]
    fn channel_names_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Channel::parse("nope"), None);
    }

    #[test]
    fn units() {
        let mut n = NodeData {
            key: NodeKey::Firm("a".into()),
            kind: NodeKind::Jv,
            label: "A".into(),
            group: None,
            span: YearSpan::ALWAYS,
            production: BTreeMap::new(),
            segment: None,
            province: None,
        };
        assert_eq!(n.latest_units(), None);
        n.production.insert(2010, 5.0);
        n.production.insert(2014, 7.0);
        assert_eq!(n.latest_units(), Some(7.0));
        assert_eq!(n.units_up_to(2012), Some(5.0));
        assert_eq!(n.units_up_to(2009), None);
    }
}
