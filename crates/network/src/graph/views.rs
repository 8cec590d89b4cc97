//! Views of the knowledge-flow graph: year slices, one channel, firms only,
//! a group's ego network, and a minimum edge weight. A [`View`] combines any
//! of them; [`KnowledgeGraph::view`] returns a new, smaller graph (sorted
//! like every graph, so exports stay deterministic). Imports `ids` and the
//! rest of `graph`.
//!
//! Steps are applied in a fixed order:
//! 1. **year slice** — keep edges active in year t ([`YearMode::Active`]) or
//!    started by t ([`YearMode::Cumulative`]), and nodes whose own span
//!    (models: on the market; JVs: founded, not dissolved) matches likewise;
//!    suppliers and provinces left without edges are dropped; production
//!    series are cut at t, so node sizes show the latest units up to t;
//! 2. **firms only** — models, suppliers and provinces are removed; `owns`,
//!    `worker_flow` and registered-channel edges (firm → firm, e.g.
//!    `patent_flow`) stay; `produces` and `located_in` go; supply
//!    links are collapsed into firm — firm [`Channel::SharedSupplier`] edges
//!    whose weight is the number of distinct suppliers the two firms share
//!    (through any of their models or firm-level links still in the graph),
//!    stored once per pair from the lower to the higher node key;
//! 3. **channel** — keep only that channel's edges and the nodes they touch;
//! 4. **min weight** — drop weighted edges (worker flows, supply links,
//!    shared suppliers; see [`Channel::is_weighted`]) whose pooled weight —
//!    the sum over all edges of that channel between the same two nodes left
//!    in the view (e.g. a pair's yearly worker flows up to t) — is below W,
//!    and the nodes this leaves without any edge; unweighted edges (owns,
//!    produces, located_in) are kept. Pooling matches the DOT export, which
//!    draws such parallel edges as one;
//! 5. **ego** — keep the firms of a group and every node within `radius`
//!    hops of them (ignoring direction), with all edges among those nodes
//!    (the induced subgraph, as networkx's `ego_graph`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

use serde::Serialize;

use super::model::{Channel, EdgeData, NodeData, NodeKind, YearSpan};
use super::{GraphError, KnowledgeGraph};
use spillnet_io::ids::GroupId;

/// How a year slice treats time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum YearMode {
    /// Edges and nodes active in the year itself.
    Active,
    /// Everything that started by the year (cumulative network up to t).
    Cumulative,
}

/// A year slice: year and mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct YearSlice {
    /// The year t.
    pub year: i32,
    /// Active in t, or cumulative up to t.
    pub mode: YearMode,
}

impl YearSlice {
    fn keeps(self, span: YearSpan) -> bool {
        match self.mode {
            YearMode::Active => span.contains(self.year),
            YearMode::Cumulative => span.started_by(self.year),
        }
    }
}

/// A group's ego network: the group's firms and everything within `radius` hops.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Ego {
    /// The group (`firms.group_id`).
    pub group: GroupId,
    /// Number of hops (ignoring edge direction); 0 keeps the group's firms only.
    pub radius: usize,
}

/// A combination of view steps (see the module docs for their order).
/// `View::default()` is the whole graph.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct View {
    /// Year slice, if any.
    pub year: Option<YearSlice>,
    /// Collapse models and suppliers to firm level.
    pub firms_only: bool,
    /// Keep one channel only.
    pub channel: Option<Channel>,
    /// Ego network of a group.
    pub ego: Option<Ego>,
    /// Drop weighted edges (worker flows, supply links, shared suppliers) whose weight, pooled
    /// over parallel edges of the channel between the same two nodes, is below this.
    pub min_weight: Option<f64>,
    /// Per-channel minimum weights, overriding `min_weight` for those channels.
    pub min_weight_by_channel: BTreeMap<Channel, f64>,
}

impl View {
    /// The whole graph.
    pub fn whole() -> Self {
        View::default()
    }

    /// Edges and nodes active in `year` (`Active`) or started by it (`Cumulative`).
    pub fn year(year: i32, mode: YearMode) -> Self {
        View { year: Some(YearSlice { year, mode }), ..View::default() }
    }

    /// One channel.
    pub fn channel(channel: Channel) -> Self {
        View { channel: Some(channel), ..View::default() }
    }

    /// Firms only (models and suppliers collapsed).
    pub fn firms_only() -> Self {
        View { firms_only: true, ..View::default() }
    }

    /// Ego network of `group` with `radius` hops.
    pub fn ego(group: impl Into<GroupId>, radius: usize) -> Self {
        View { ego: Some(Ego { group: group.into(), radius }), ..View::default() }
    }

    /// This view with a minimum edge weight.
    #[must_use]
    pub fn with_min_weight(mut self, w: f64) -> Self {
        self.min_weight = Some(w);
        self
    }

    /// This view with a minimum weight for one channel only (overrides [`Self::with_min_weight`]).
    #[must_use]
    pub fn with_channel_min_weight(mut self, channel: Channel, w: f64) -> Self {
        self.min_weight_by_channel.insert(channel, w);
        self
    }

    /// The minimum weight that applies to `channel`, if any.
    pub fn min_weight_for(&self, channel: Channel) -> Option<f64> {
        self.min_weight_by_channel.get(&channel).copied().or(self.min_weight)
    }

    /// This view with a year slice.
    #[must_use]
    pub fn with_year(mut self, year: i32, mode: YearMode) -> Self {
        self.year = Some(YearSlice { year, mode });
        self
    }

    /// This view restricted to one channel.
    #[must_use]
    pub fn with_channel(mut self, channel: Channel) -> Self {
        self.channel = Some(channel);
        self
    }

    /// This view collapsed to firms.
    #[must_use]
    pub fn with_firms_only(mut self) -> Self {
        self.firms_only = true;
        self
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(y) = self.year {
            parts.push(match y.mode {
                YearMode::Active => format!("active in {}", y.year),
                YearMode::Cumulative => format!("cumulative to {}", y.year),
            });
        }
        if self.firms_only {
            parts.push("firms only".to_owned());
        }
        if let Some(c) = self.channel {
            parts.push(format!("channel {c}"));
        }
        if let Some(w) = self.min_weight {
            parts.push(format!("min weight {w}"));
        }
        for (c, w) in &self.min_weight_by_channel {
            parts.push(format!("min {c} weight {w}"));
        }
        if let Some(e) = &self.ego {
            parts.push(format!("ego network of group {} (radius {})", e.group, e.radius));
        }
        if parts.is_empty() { f.write_str("whole graph") } else { f.write_str(&parts.join(" · ")) }
    }
}

/// Working copy of a graph while view steps run.
struct Parts {
    nodes: Vec<NodeData>,
    edges: Vec<(usize, usize, EdgeData)>,
}

impl Parts {
    fn of(g: &KnowledgeGraph) -> Self {
        let nodes = g.nodes().map(|(_, d)| d.clone()).collect();
        let edges = g.edges().map(|e| (e.source.index(), e.target.index(), e.data.clone())).collect();
        Parts { nodes, edges }
    }

    fn degrees(&self) -> Vec<usize> {
        let mut d = vec![0; self.nodes.len()];
        for (s, t, _) in &self.edges {
            d[*s] += 1;
            d[*t] += 1;
        }
        d
    }

    /// Keep the marked nodes (in order) and the edges between kept nodes.
    fn retain_nodes(&mut self, keep: &[bool]) {
        let mut map = vec![usize::MAX; self.nodes.len()];
        let mut next = 0;
        for (i, &k) in keep.iter().enumerate() {
            if k {
                map[i] = next;
                next += 1;
            }
        }
        let mut i = 0;
        self.nodes.retain(|_| {
            let k = keep[i];
            i += 1;
            k
        });
        self.edges.retain(|(s, t, _)| keep[*s] && keep[*t]);
        for (s, t, _) in &mut self.edges {
            *s = map[*s];
            *t = map[*t];
        }
    }

    /// Drop nodes that had edges in `before` but have none now, if `pred` holds for them.
    fn drop_orphans(&mut self, before: &[usize], pred: impl Fn(&NodeData) -> bool) {
        let after = self.degrees();
        let keep: Vec<bool> =
            self.nodes.iter().enumerate().map(|(i, n)| !(before[i] > 0 && after[i] == 0 && pred(n))).collect();
        self.retain_nodes(&keep);
    }

    fn year_slice(&mut self, y: YearSlice) {
        let before = self.degrees();
        self.edges.retain(|(_, _, e)| y.keeps(e.span));
        self.drop_orphans(&before, |n| matches!(n.kind, NodeKind::Supplier | NodeKind::Province));
        let keep: Vec<bool> = self.nodes.iter().map(|n| y.keeps(n.span)).collect();
        // Degrees before the nodes go, indexed like the nodes that stay.
        let before: Vec<usize> = self.degrees().into_iter().zip(&keep).filter(|(_, k)| **k).map(|(d, _)| d).collect();
        self.retain_nodes(&keep);
        self.drop_orphans(&before, |n| matches!(n.kind, NodeKind::Supplier | NodeKind::Province));
        for n in &mut self.nodes {
            n.production.retain(|&yr, _| yr <= y.year);
        }
    }

    fn firms_only(&mut self) {
        // Producer of each model, from the produces edges still present.
        let mut producer: BTreeMap<usize, usize> = BTreeMap::new();
        for (s, t, e) in &self.edges {
            if e.channel == Channel::Produces {
                producer.insert(*t, *s);
            }
        }
        // Firms reached by each supplier.
        let mut firms_of: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        for (s, t, e) in &self.edges {
            if e.channel != Channel::Supplies {
                continue;
            }
            let firm = if self.nodes[*t].kind.is_firm() { Some(*t) } else { producer.get(t).copied() };
            if let Some(f) = firm {
                firms_of.entry(*s).or_default().insert(f);
            }
        }
        let mut shared: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for firms in firms_of.values() {
            let v: Vec<usize> = firms.iter().copied().collect();
            for (i, &a) in v.iter().enumerate() {
                for &b in &v[i + 1..] {
                    *shared.entry((a, b)).or_default() += 1;
                }
            }
        }
        self.edges
            .retain(|(_, _, e)| matches!(e.channel, Channel::Owns | Channel::WorkerFlow | Channel::Registered(_)));
        for ((a, b), n) in shared {
            let mut e = EdgeData::new(Channel::SharedSupplier, YearSpan::ALWAYS);
            e.weight = n as f64;
            self.edges.push((a, b, e));
        }
        let keep: Vec<bool> = self.nodes.iter().map(|n| n.kind.is_firm()).collect();
        self.retain_nodes(&keep);
    }

    fn channel(&mut self, c: Channel) {
        self.edges.retain(|(_, _, e)| e.channel == c);
        let deg = self.degrees();
        let keep: Vec<bool> = deg.iter().map(|&d| d > 0).collect();
        self.retain_nodes(&keep);
    }

    fn ego(&mut self, ego: &Ego) -> Result<(), GraphError> {
        let seeds: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].kind.is_firm() && self.nodes[i].group.as_ref() == Some(&ego.group))
            .collect();
        if seeds.is_empty() {
            let known: BTreeSet<String> = self
                .nodes
                .iter()
                .filter(|n| n.kind.is_firm())
                .filter_map(|n| n.group.as_ref().map(ToString::to_string))
                .collect();
            return Err(GraphError::UnknownGroup {
                group: ego.group.to_string(),
                known: known.into_iter().take(20).collect(),
            });
        }
        let mut adj: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        for (s, t, _) in &self.edges {
            adj[*s].push(*t);
            adj[*t].push(*s);
        }
        let mut dist = vec![usize::MAX; self.nodes.len()];
        let mut queue = VecDeque::new();
        for s in seeds {
            dist[s] = 0;
            queue.push_back(s);
        }
        while let Some(u) = queue.pop_front() {
            if dist[u] == ego.radius {
                continue;
            }
            for &v in &adj[u] {
                if dist[v] == usize::MAX {
                    dist[v] = dist[u] + 1;
                    queue.push_back(v);
                }
            }
        }
        let keep: Vec<bool> = dist.iter().map(|&d| d != usize::MAX).collect();
        self.retain_nodes(&keep);
        Ok(())
    }

    fn min_weight(&mut self, view: &View) {
        let before = self.degrees();
        let mut pooled: BTreeMap<(usize, usize, Channel), f64> = BTreeMap::new();
        for (s, t, e) in &self.edges {
            *pooled.entry((*s, *t, e.channel)).or_default() += e.weight;
        }
        self.edges.retain(|(s, t, e)| match view.min_weight_for(e.channel) {
            Some(w) if e.channel.is_weighted() => pooled[&(*s, *t, e.channel)] >= w,
            _ => true,
        });
        self.drop_orphans(&before, |_| true);
    }
}

impl KnowledgeGraph {
    /// Derive the graph a [`View`] shows (see the module docs for the steps).
    ///
    /// # Errors
    /// [`GraphError::UnknownGroup`] when an ego view names a group no firm has.
    ///
    /// # Complexity
    /// O(N + E log E), plus O(Σ_s F_s²) for the firms-only view, where F_s is
    /// the number of firms supplier s reaches.
    pub fn view(&self, view: &View) -> Result<KnowledgeGraph, GraphError> {
        let mut p = Parts::of(self);
        if let Some(y) = view.year {
            p.year_slice(y);
        }
        if view.firms_only {
            p.firms_only();
        }
        if let Some(c) = view.channel {
            p.channel(c);
        }
        if view.min_weight.is_some() || !view.min_weight_by_channel.is_empty() {
            p.min_weight(view);
        }
        if let Some(e) = &view.ego {
            p.ego(e)?;
        }
        let description = if self.description == "whole graph" {
            view.to_string()
        } else if *view == View::default() {
            self.description.clone()
        } else {
            format!("{} · {view}", self.description)
        };
        Ok(KnowledgeGraph::assemble(p.nodes, p.edges, description))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions() {
        assert_eq!(View::whole().to_string(), "whole graph");
        assert_eq!(View::year(2014, YearMode::Active).to_string(), "active in 2014");
        assert_eq!(
            View::firms_only().with_year(2014, YearMode::Cumulative).with_min_weight(3.0).to_string(),
            "cumulative to 2014 · firms only · min weight 3"
        );
        assert_eq!(
            View::ego("faw", 2).with_channel(Channel::Owns).to_string(),
            "channel owns · ego network of group faw (radius 2)"
        );
    }

    /// A supplier whose only model leaves the year slice goes with it, whatever
    /// the nodes before it in key order (a model removed with no edge left once
    /// shifted the degree lookup and kept the supplier, edgeless).
    #[test]
    fn a_supplier_left_without_models_by_the_slice_is_dropped() {
        use spillnet_io::Indexed;
        use spillnet_io::tables::{Dataset, Firm, FirmKind, Model, Ownership, SupplierLink, SupplierTarget};
        let model = |id: &str, first: i32, last: i32| Model {
            model_id: id.into(),
            firm_id: "f".into(),
            segment: "suv".into(),
            first_year: first,
            last_year: last,
            price: None,
            size: None,
            power: None,
        };
        let data = Dataset {
            firms: vec![Firm {
                firm_id: "f".into(),
                name: "F".into(),
                kind: FirmKind::Domestic,
                group_id: "f".into(),
                province: None,
                ownership: Ownership::Soe,
            }],
            // m1: off the market in 2010 but supplied "always"; m2: not yet launched (no edge left in 2010); m3: on.
            models: vec![model("m1", 2000, 2005), model("m2", 2015, 2020), model("m3", 2000, 2020)],
            suppliers: vec![SupplierLink {
                supplier_id: "s".into(),
                target: SupplierTarget::Model("m1".into()),
                component: "engine".into(),
                year: None,
            }],
            ..Dataset::default()
        };
        let g = crate::graph::build_graph(&Indexed::new(data).unwrap()).unwrap();
        assert_eq!((g.node_count(), g.edge_count()), (5, 4));
        let v = g.view(&View::year(2010, YearMode::Active)).unwrap();
        // By hand: f and m3 with the produces edge f → m3; s lost m1, its only model.
        let ids: Vec<String> = v.nodes().map(|(_, n)| n.key.qualified()).collect();
        assert_eq!(ids, ["firm:f", "model:m3"]);
        assert_eq!(v.edge_count(), 1);
    }

    /// Registered channels join firms, so the firms-only view keeps their edges.
    #[test]
    fn firms_only_keeps_registered_channel_edges() {
        let firm = |id: &str, kind: NodeKind| NodeData {
            key: crate::graph::NodeKey::Firm(id.into()),
            kind,
            label: id.to_owned(),
            group: None,
            span: YearSpan::ALWAYS,
            production: BTreeMap::new(),
            segment: None,
            province: None,
        };
        let nodes = vec![firm("d", NodeKind::DomesticFirm), firm("j", NodeKind::Jv)];
        let mut patents = EdgeData::new(Channel::Registered("patent_flow"), YearSpan::single(2010));
        patents.weight = 3.0;
        let edges = vec![(1, 0, patents), (1, 0, EdgeData::new(Channel::WorkerFlow, YearSpan::single(2010)))];
        let g = KnowledgeGraph::assemble(nodes, edges, "whole graph".to_owned());
        let f = g.view(&View::firms_only()).unwrap();
        let channels: Vec<Channel> = f.edges().map(|e| e.data.channel).collect();
        assert_eq!(channels, [Channel::WorkerFlow, Channel::Registered("patent_flow")]);
    }

    #[test]
    fn slices_keep_spans() {
        let active = YearSlice { year: 2005, mode: YearMode::Active };
        let cum = YearSlice { year: 2005, mode: YearMode::Cumulative };
        let old = YearSpan::between(1990, Some(2000));
        assert!(!active.keeps(old) && cum.keeps(old));
        assert!(!active.keeps(YearSpan::single(2006)) && !cum.keeps(YearSpan::single(2006)));
        assert!(active.keeps(YearSpan::ALWAYS) && cum.keeps(YearSpan::ALWAYS));
    }
}
