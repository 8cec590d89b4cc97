//! The knowledge-flow graph (SPEC §2): a directed, typed multigraph of
//! foreign parents, JVs, domestic firms, models, suppliers and provinces,
//! with `owns`, `produces`, `supplies`, `worker_flow` and `located_in` edges.
//!
//! petgraph is an implementation detail hidden behind [`KnowledgeGraph`];
//! callers see only typed indices ([`NodeIx`], [`EdgeIx`]) and plain data
//! ([`NodeData`], [`EdgeData`]). Nodes and edges are stored in sorted order
//! (by [`NodeKey`], then by endpoints and channel), so a graph built from the
//! same tables is identical whatever the row order of the input.
//!
//! - [`build`]: tables → graph ([`build_graph`]).
//! - [`views`]: year slices, channels, firms-only, ego networks ([`View`]).
//! - [`stats`]: counts, degrees, weighted flows, components ([`GraphStats`]).
//! - [`centrality`]: degrees, PageRank, eigenvector, betweenness, Louvain
//!   communities per node ([`centralities`]).
//! - [`layout`]: seeded force-directed node positions for drawing ([`layout::force_layout`]).
//!
//! Imports `io::tables`, `ids`, `error` and the channels (worker flows and
//! registered channels become edges).

pub mod build;
pub mod centrality;
pub mod layout;
pub mod model;
mod splitmix;
pub mod stats;
pub mod views;

use std::collections::HashMap;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef as _;

use spillnet_io::ids::FirmId;

pub use build::build_graph;
pub use centrality::{Centralities, CentralityOptions, NodeCentrality, centralities};
pub use model::{Channel, EdgeData, EdgeIx, NodeData, NodeIx, NodeKey, NodeKind, YearSpan};
pub use stats::{GraphStats, graph_stats};
pub use views::{Ego, View, YearMode, YearSlice};

/// Why a graph could not be built or a view could not be taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// A registered channel could not be computed.
    #[error(transparent)]
    Channel(#[from] crate::channels::ChannelError),
    /// The ego view names a group no firm belongs to.
    #[error("no firm belongs to group `{group}`; known groups: {}", known.join(", "))]
    UnknownGroup {
        /// The requested group.
        group: String,
        /// The groups present in the graph (sorted; at most 20 shown).
        known: Vec<String>,
    },
}

/// The knowledge-flow graph: a directed multigraph with typed nodes and edges.
///
/// Built by [`build_graph`]; [`KnowledgeGraph::view`] derives new graphs.
/// Node indices run over nodes sorted by [`NodeKey`]; edge indices over edges
/// sorted by (source key, target key, channel, span).
#[derive(Debug, Clone)]
pub struct KnowledgeGraph {
    graph: DiGraph<NodeData, EdgeData, u32>,
    lookup: HashMap<NodeKey, NodeIndex<u32>>,
    description: String,
}

/// One edge with its endpoints, as returned by [`KnowledgeGraph::edges`].
#[derive(Debug, Clone, Copy)]
pub struct EdgeRef<'g> {
    /// The edge's index.
    pub ix: EdgeIx,
    /// Source node.
    pub source: NodeIx,
    /// Target node.
    pub target: NodeIx,
    /// The edge's attributes.
    pub data: &'g EdgeData,
}

fn nix(i: NodeIndex<u32>) -> NodeIx {
    NodeIx(i.index() as u32)
}

fn pix(i: NodeIx) -> NodeIndex<u32> {
    NodeIndex::new(i.index())
}

/// A petgraph edge reference as our typed [`EdgeRef`].
fn edge_ref(e: petgraph::graph::EdgeReference<'_, EdgeData, u32>) -> EdgeRef<'_> {
    EdgeRef { ix: EdgeIx(e.id().index() as u32), source: nix(e.source()), target: nix(e.target()), data: e.weight() }
}

impl KnowledgeGraph {
    /// Assemble a graph from nodes and edges given as (source, target, data)
    /// positions into `nodes`. Nodes are stored sorted by key and edges sorted
    /// by (source key, target key, channel, span, weight), so the result does not
    /// depend on the order of the inputs.
    ///
    /// Panics if an edge refers to a position outside `nodes` (an internal invariant).
    pub(crate) fn assemble(nodes: Vec<NodeData>, edges: Vec<(usize, usize, EdgeData)>, description: String) -> Self {
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_by(|&a, &b| nodes[a].key.cmp(&nodes[b].key));
        let mut new_pos = vec![0usize; nodes.len()];
        for (new, &old) in order.iter().enumerate() {
            new_pos[old] = new;
        }
        let mut slots: Vec<Option<NodeData>> = nodes.into_iter().map(Some).collect();
        let mut graph = DiGraph::with_capacity(slots.len(), edges.len());
        let mut lookup = HashMap::with_capacity(slots.len());
        for &old in &order {
            let data = slots[old].take().expect("each node is placed once");
            let key = data.key.clone();
            let ix = graph.add_node(data);
            lookup.insert(key, ix);
        }
        let mut edges: Vec<(usize, usize, EdgeData)> =
            edges.into_iter().map(|(s, t, d)| (new_pos[s], new_pos[t], d)).collect();
        edges.sort_by(|a, b| {
            (a.0, a.1, a.2.channel, a.2.span)
                .cmp(&(b.0, b.1, b.2.channel, b.2.span))
                .then(a.2.weight.total_cmp(&b.2.weight))
                .then_with(|| a.2.components.cmp(&b.2.components))
        });
        for (s, t, d) in edges {
            graph.add_edge(NodeIndex::new(s), NodeIndex::new(t), d);
        }
        KnowledgeGraph { graph, lookup, description }
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// What this graph shows (`whole graph`, `year 2014 (cumulative) · firms only`, …).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The node at `ix`. Panics if `ix` does not belong to this graph.
    pub fn node(&self, ix: NodeIx) -> &NodeData {
        &self.graph[pix(ix)]
    }

    /// The edge at `ix` with its endpoints. Panics if `ix` does not belong to this graph.
    pub fn edge(&self, ix: EdgeIx) -> EdgeRef<'_> {
        let e = EdgeIndex::new(ix.index());
        let (s, t) = self.graph.edge_endpoints(e).expect("edge index of this graph");
        EdgeRef { ix, source: nix(s), target: nix(t), data: &self.graph[e] }
    }

    /// Look a node up by key.
    pub fn find(&self, key: &NodeKey) -> Option<NodeIx> {
        self.lookup.get(key).copied().map(nix)
    }

    /// Look a firm up by id.
    pub fn find_firm(&self, id: &FirmId) -> Option<NodeIx> {
        self.find(&NodeKey::Firm(id.clone()))
    }

    /// All nodes, sorted by key.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeIx, &NodeData)> + '_ {
        self.graph.node_indices().map(|i| (nix(i), &self.graph[i]))
    }

    /// All edges, sorted by (source key, target key, channel, span).
    pub fn edges(&self) -> impl Iterator<Item = EdgeRef<'_>> + '_ {
        self.graph.edge_references().map(edge_ref)
    }

    /// Edges leaving `ix`.
    pub fn out_edges(&self, ix: NodeIx) -> impl Iterator<Item = EdgeRef<'_>> + '_ {
        self.graph.edges_directed(pix(ix), petgraph::Direction::Outgoing).map(edge_ref)
    }

    /// Edges entering `ix`.
    pub fn in_edges(&self, ix: NodeIx) -> impl Iterator<Item = EdgeRef<'_>> + '_ {
        self.graph.edges_directed(pix(ix), petgraph::Direction::Incoming).map(edge_ref)
    }

    /// Number of edges entering `ix` (self-loops count once here and once in [`Self::out_degree`]).
    pub fn in_degree(&self, ix: NodeIx) -> usize {
        self.in_edges(ix).count()
    }

    /// Number of edges leaving `ix`.
    pub fn out_degree(&self, ix: NodeIx) -> usize {
        self.out_edges(ix).count()
    }

    /// The first and last year the graph mentions: bounds of node and edge
    /// spans and production years; `None` when it mentions none.
    pub fn years(&self) -> Option<(i32, i32)> {
        let spans = self.nodes().map(|(_, n)| n.span).chain(self.edges().map(|e| e.data.span));
        let bounds = spans.flat_map(|s| [s.from, s.to]).flatten();
        let production = self.nodes().flat_map(|(_, n)| n.production.keys().copied());
        bounds.chain(production).fold(None, |acc, y| match acc {
            None => Some((y, y)),
            Some((a, b)) => Some((a.min(y), b.max(y))),
        })
    }

    /// Nodes adjacent to `ix` ignoring direction (sorted, without duplicates).
    pub fn neighbors_undirected(&self, ix: NodeIx) -> Vec<NodeIx> {
        let mut v: Vec<NodeIx> = self.graph.neighbors_undirected(pix(ix)).map(nix).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}
