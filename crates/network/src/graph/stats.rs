//! Summary statistics of a (view of the) knowledge-flow graph: counts by
//! node kind and channel, degree summaries, weighted worker flows, weakly
//! connected components. Returned as a value ([`GraphStats`], serialisable
//! to JSON); nothing is formatted here (the text is the report crate's
//! `graph_stats`).
//! Imports the rest of `graph`.

use std::collections::BTreeMap;

use petgraph::unionfind::UnionFind;
use serde::Serialize;

use super::KnowledgeGraph;
use super::model::{Channel, NodeKind};

/// How many nodes are listed in the "top" tables.
pub const TOP_N: usize = 5;

/// A node in a ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedNode {
    /// Qualified id (`firm:faw`).
    pub id: String,
    /// Display label.
    pub label: String,
    /// Node kind.
    pub kind: NodeKind,
    /// The ranked value (degree or flow).
    pub value: f64,
}

/// Degree summary over all nodes (in + out; a self-loop counts twice).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DegreeSummary {
    /// Mean total degree (2E / N; 0 for an empty graph).
    pub mean: f64,
    /// Maximum total degree.
    pub max: usize,
    /// Nodes with no edge.
    pub isolated: usize,
    /// The [`TOP_N`] nodes with the highest total degree (ties by id).
    pub top: Vec<RankedNode>,
}

/// Weighted worker flows (sum of `worker_flow` edge weights).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowSummary {
    /// Total workers over all worker-flow edges.
    pub total: f64,
    /// Firms with the largest outflow (ties by id).
    pub top_out: Vec<RankedNode>,
    /// Firms with the largest inflow (ties by id).
    pub top_in: Vec<RankedNode>,
}

/// Summary statistics of a graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphStats {
    /// What the graph shows (the view).
    pub description: String,
    /// Number of nodes.
    pub nodes: usize,
    /// Number of edges.
    pub edges: usize,
    /// Node count per kind (every kind listed, zeros included).
    pub nodes_by_kind: BTreeMap<NodeKind, usize>,
    /// Edge count per channel (every channel listed, zeros included).
    pub edges_by_channel: BTreeMap<Channel, usize>,
    /// Sum of edge weights per channel.
    pub weight_by_channel: BTreeMap<Channel, f64>,
    /// Degree summary.
    pub degree: DegreeSummary,
    /// Worker-flow summary.
    pub worker_flows: FlowSummary,
    /// Number of weakly connected components.
    pub components: usize,
    /// Component sizes, largest first.
    pub component_sizes: Vec<usize>,
}

fn top(g: &KnowledgeGraph, values: &[f64], only_positive: bool) -> Vec<RankedNode> {
    let mut ix: Vec<usize> = (0..values.len()).filter(|&i| !only_positive || values[i] > 0.0).collect();
    // Nodes are stored sorted by key, so index order breaks ties by id.
    ix.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    ix.into_iter()
        .take(TOP_N)
        .map(|i| {
            let n = g.node(super::NodeIx(i as u32));
            RankedNode { id: n.key.qualified(), label: n.label.clone(), kind: n.kind, value: values[i] }
        })
        .collect()
}

/// Compute the summary statistics of `g`.
///
/// # Complexity
/// O(N log N + E α(N)).
pub fn graph_stats(g: &KnowledgeGraph) -> GraphStats {
    let n = g.node_count();
    let mut nodes_by_kind: BTreeMap<NodeKind, usize> = NodeKind::ALL.into_iter().map(|k| (k, 0)).collect();
    for (_, d) in g.nodes() {
        *nodes_by_kind.entry(d.kind).or_default() += 1;
    }
    let mut edges_by_channel: BTreeMap<Channel, usize> = Channel::ALL.into_iter().map(|c| (c, 0)).collect();
    let mut weight_by_channel: BTreeMap<Channel, f64> = Channel::ALL.into_iter().map(|c| (c, 0.0)).collect();
    let mut degree = vec![0.0f64; n];
    let mut flow_out = vec![0.0f64; n];
    let mut flow_in = vec![0.0f64; n];
    let mut uf = UnionFind::<usize>::new(n);
    for e in g.edges() {
        *edges_by_channel.entry(e.data.channel).or_default() += 1;
        *weight_by_channel.entry(e.data.channel).or_default() += e.data.weight;
        degree[e.source.index()] += 1.0;
        degree[e.target.index()] += 1.0;
        if e.data.channel == Channel::WorkerFlow {
            flow_out[e.source.index()] += e.data.weight;
            flow_in[e.target.index()] += e.data.weight;
        }
        uf.union(e.source.index(), e.target.index());
    }
    let mut comp: BTreeMap<usize, usize> = BTreeMap::new();
    for i in 0..n {
        *comp.entry(uf.find(i)).or_default() += 1;
    }
    let mut component_sizes: Vec<usize> = comp.into_values().collect();
    component_sizes.sort_unstable_by(|a, b| b.cmp(a));
    let max = degree.iter().copied().fold(0.0, f64::max) as usize;
    let isolated = degree.iter().filter(|&&d| d == 0.0).count();
    let mean = if n == 0 { 0.0 } else { 2.0 * g.edge_count() as f64 / n as f64 };
    GraphStats {
        description: g.description().to_owned(),
        nodes: n,
        edges: g.edge_count(),
        nodes_by_kind,
        edges_by_channel,
        weight_by_channel,
        degree: DegreeSummary { mean, max, isolated, top: top(g, &degree, true) },
        worker_flows: FlowSummary {
            total: flow_out.iter().sum(),
            top_out: top(g, &flow_out, true),
            top_in: top(g, &flow_in, true),
        },
        components: component_sizes.len(),
        component_sizes,
    }
}
