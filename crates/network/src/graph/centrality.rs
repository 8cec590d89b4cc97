//! Node centralities and communities of a (view of the) knowledge-flow graph:
//! in/out degree and strength, PageRank, eigenvector centrality, Brandes
//! betweenness and Louvain communities, one [`NodeCentrality`] per node
//! ([`centralities`]). The values are what `graph centrality` writes, what
//! the GraphML/GEXF/edge-list exports attach to nodes and what the HTML
//! explorer can show in tooltips. Imports the rest of `graph`.
//!
//! # The graph the measures see
//! The knowledge-flow graph is a directed *multigraph* (one edge per channel,
//! year and pair). Every measure runs on one simple graph derived from it:
//! - **directed** (degrees, PageRank, eigenvector, betweenness): one arc
//!   u → v per ordered pair with at least one edge, weight = the sum of the
//!   weights of all edges u → v (every channel, every year in the view;
//!   unweighted channels count 1). Edges of symmetric channels
//!   ([`Channel::is_symmetric`], i.e. `shared_supplier`, stored once from the
//!   lower to the higher node key) add their weight to both u → v and v → u.
//!   The graph has no self-loops (the data refuses them).
//! - **undirected** (communities): one edge {u, v} per unordered pair,
//!   weight = the sum of the weights of all edges between u and v in either
//!   direction (each stored edge counted once).
//!
//! Weights of different channels are added as they are (workers, components,
//! shared suppliers, 1 for ownership…); take a channel view (`--channel`) to
//! measure one kind of tie.
//!
//! # Definitions (all match networkx 3.6, which the reference tests run)
//! - `in_degree`/`out_degree`: number of distinct predecessors/successors;
//!   `in_strength`/`out_strength`: summed arc weights.
//! - `pagerank`: weighted PageRank with damping `d` (0.85): x ← d (xP +
//!   (Σ_dangling x) / N) + (1 − d) / N, P the row-normalised weight matrix;
//!   a dangling node (no out-arc) spreads its score uniformly over all nodes
//!   (networkx's default). Starts from 1/N; stops when ‖x − x_prev‖₁ < N·tol.
//! - `eigenvector`: the in-edge (left) eigenvector of the weighted adjacency
//!   matrix, x_v ∝ Σ_{u→v} w_uv x_u, found as networkx's
//!   `eigenvector_centrality` does: power iteration of (A + I)ᵀ from the
//!   all-ones vector, scaled to unit Euclidean norm, stopping when
//!   ‖x − x_prev‖₁ < N·tol. On a directed graph that is not strongly connected
//!   the vector concentrates on the strongly connected parts with the largest
//!   eigenvalue and their descendants (nodes reached by no cycle get 0). When
//!   it does not converge within `max_iter` iterations it is `None` (and
//!   [`Diagnostics::eigenvector_converged`] says so).
//! - `betweenness`: Brandes' algorithm on the directed graph, path lengths in
//!   hops or with arc weights as distances ([`Distance`]), normalised by
//!   1 / ((N − 1)(N − 2)) (networkx's `normalized=True` for directed graphs;
//!   no scaling when N ≤ 2).
//! - `community`: Louvain (Blondel et al. 2008) on the undirected graph,
//!   modularity with resolution γ, as networkx's `louvain_communities`: each
//!   pass visits nodes in a seeded random order and moves a node to the
//!   neighbouring community of largest positive gain; levels are aggregated
//!   until modularity improves by no more than 1e-7. The random order comes
//!   from a SplitMix64 stream seeded with `seed`, so a partition is
//!   reproducible but not the one networkx draws with the same seed (compare
//!   modularity, not labels). Communities are numbered 0, 1, … in the order
//!   of their first node (nodes sorted by key); isolated nodes are singletons.
//!
//! # Complexity
//! Degrees O(E); PageRank and eigenvector O(I·(N + E)) for I iterations;
//! betweenness O(N·E) in hops, O(N·E log N) with distances; Louvain about
//! O(E) per pass.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use serde::Serialize;

use super::KnowledgeGraph;
use super::model::NodeIx;
use super::splitmix::SplitMix64;

/// How betweenness measures path length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Distance {
    /// Every arc has length 1 (unweighted shortest paths).
    #[default]
    Hops,
    /// An arc's length is its weight (networkx's `weight=` argument).
    Weight,
    /// An arc's length is 1 / weight: heavier ties (more workers, more shared
    /// suppliers) are shorter.
    InverseWeight,
}

impl Distance {
    /// Snake-case name (`hops`, `weight`, `inverse_weight`).
    pub fn as_str(self) -> &'static str {
        match self {
            Distance::Hops => "hops",
            Distance::Weight => "weight",
            Distance::InverseWeight => "inverse_weight",
        }
    }
}

/// Community detection settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CommunityOptions {
    /// Seed of the node visiting order.
    pub seed: u64,
    /// Modularity resolution γ (1 = standard modularity).
    pub resolution: f64,
}

impl Default for CommunityOptions {
    fn default() -> Self {
        CommunityOptions { seed: 1, resolution: 1.0 }
    }
}

/// Settings of [`centralities`]. `Default` gives damping 0.85, tolerance
/// 1e-15, 10,000 iterations at most, betweenness in hops and Louvain with seed 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CentralityOptions {
    /// PageRank damping factor d in (0, 1).
    pub damping: f64,
    /// Convergence tolerance of PageRank and eigenvector (per node, as networkx's `tol`).
    pub tol: f64,
    /// Iteration limit of PageRank and eigenvector.
    pub max_iter: usize,
    /// Path length for betweenness.
    pub distance: Distance,
    /// Louvain communities; `None` leaves `community` empty.
    pub communities: Option<CommunityOptions>,
}

impl Default for CentralityOptions {
    fn default() -> Self {
        CentralityOptions {
            damping: 0.85,
            tol: 1e-15,
            max_iter: 10_000,
            distance: Distance::Hops,
            communities: Some(CommunityOptions::default()),
        }
    }
}

/// The measures of one node (see the module docs for the definitions).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NodeCentrality {
    /// Number of distinct predecessors.
    pub in_degree: usize,
    /// Number of distinct successors.
    pub out_degree: usize,
    /// Summed weight of incoming arcs.
    pub in_strength: f64,
    /// Summed weight of outgoing arcs.
    pub out_strength: f64,
    /// Weighted PageRank (sums to 1 over the nodes).
    pub pagerank: f64,
    /// Eigenvector centrality (unit Euclidean norm); `None` if the power iteration did not converge.
    pub eigenvector: Option<f64>,
    /// Normalised betweenness.
    pub betweenness: f64,
    /// Louvain community number; `None` when communities were not asked for.
    pub community: Option<usize>,
}

/// How the iterative measures ended.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Diagnostics {
    /// PageRank iterations run.
    pub pagerank_iterations: usize,
    /// Whether PageRank met the tolerance (else the last iterate is reported).
    pub pagerank_converged: bool,
    /// Eigenvector iterations run.
    pub eigenvector_iterations: usize,
    /// Whether the eigenvector power iteration met the tolerance.
    pub eigenvector_converged: bool,
    /// Number of communities (0 when not asked for).
    pub communities: usize,
    /// Modularity of the partition on the undirected graph (0 when not asked for).
    pub modularity: f64,
}

/// The measures of every node of a graph, indexed by [`NodeIx`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Centralities {
    /// One entry per node, in node order (`nodes[ix.index()]`).
    pub nodes: Vec<NodeCentrality>,
    /// Convergence and community summary.
    pub diagnostics: Diagnostics,
    /// The settings used.
    pub options: CentralityOptions,
}

impl Centralities {
    /// The measures of node `ix`. Panics if `ix` is not a node of the graph they were computed on.
    pub fn node(&self, ix: NodeIx) -> &NodeCentrality {
        &self.nodes[ix.index()]
    }
}

/// The simple weighted graphs the measures run on (see the module docs).
#[derive(Debug, Clone)]
pub struct Collapsed {
    /// Successors of each node with summed arc weights, sorted by node.
    pub out: Vec<Vec<(usize, f64)>>,
    /// Predecessors of each node with summed arc weights, sorted by node.
    pub inn: Vec<Vec<(usize, f64)>>,
    /// Undirected neighbours with summed edge weights, sorted by node.
    pub undirected: Vec<Vec<(usize, f64)>>,
}

impl Collapsed {
    /// Collapse `g`'s parallel edges as the module docs describe.
    pub fn of(g: &KnowledgeGraph) -> Self {
        let n = g.node_count();
        let mut arcs: BTreeMap<(usize, usize), f64> = BTreeMap::new();
        let mut edges: BTreeMap<(usize, usize), f64> = BTreeMap::new();
        for e in g.edges() {
            let (s, t, w) = (e.source.index(), e.target.index(), e.data.weight);
            if s == t {
                continue;
            }
            *arcs.entry((s, t)).or_default() += w;
            if e.data.channel.is_symmetric() {
                *arcs.entry((t, s)).or_default() += w;
            }
            *edges.entry((s.min(t), s.max(t))).or_default() += w;
        }
        let mut out = vec![Vec::new(); n];
        let mut inn = vec![Vec::new(); n];
        for (&(s, t), &w) in &arcs {
            out[s].push((t, w));
            inn[t].push((s, w));
        }
        let mut undirected = vec![Vec::new(); n];
        for (&(a, b), &w) in &edges {
            undirected[a].push((b, w));
            undirected[b].push((a, w));
        }
        for v in inn.iter_mut().chain(undirected.iter_mut()) {
            v.sort_by_key(|&(u, _)| u);
        }
        Collapsed { out, inn, undirected }
    }

    fn len(&self) -> usize {
        self.out.len()
    }
}

/// Compute every measure of every node of `g`.
///
/// # Arguments
/// - `g`: the graph (usually a view); nodes are measured in its node order.
/// - `opts`: damping, tolerance, betweenness distance, community settings.
///
/// # Returns
/// One [`NodeCentrality`] per node and the [`Diagnostics`]. Deterministic:
/// the same graph and options give the same values bit for bit.
///
/// # Example
/// ```
/// use spillnet_network::graph::centrality::{centralities, CentralityOptions};
/// use spillnet_network::graph::build_graph;
/// use spillnet_io::Indexed;
/// use spillnet_io::tables::{Dataset, Firm, FirmKind, Ownership};
/// let mut data = Dataset::default();
/// data.firms.push(Firm {
///     firm_id: "faw".into(), name: "FAW".into(), kind: FirmKind::Domestic,
///     group_id: "faw".into(), province: Some("Jilin".into()), ownership: Ownership::Soe,
/// });
/// let g = build_graph(&Indexed::new(data).unwrap()).unwrap();
/// let c = centralities(&g, &CentralityOptions::default());
/// // firm → province: the province collects the firm's PageRank.
/// let total: f64 = c.nodes.iter().map(|n| n.pagerank).sum();
/// assert!((total - 1.0).abs() < 1e-12);
/// assert_eq!((c.nodes[0].out_degree, c.nodes[1].in_degree), (1, 1));
/// ```
pub fn centralities(g: &KnowledgeGraph, opts: &CentralityOptions) -> Centralities {
    let c = Collapsed::of(g);
    let n = c.len();
    let (pagerank, pr_iter, pr_ok) = pagerank(&c, opts.damping, opts.tol, opts.max_iter);
    let (eigen, ev_iter, ev_ok) = eigenvector(&c, opts.tol, opts.max_iter);
    let betweenness = betweenness(&c, opts.distance);
    let (community, communities, modularity) = match opts.communities {
        Some(co) => {
            let part = louvain(&c.undirected, co.resolution, co.seed);
            let q = modularity(&c.undirected, &part, co.resolution);
            let k = part.iter().copied().max().map_or(0, |m| m + 1);
            (part.into_iter().map(Some).collect(), k, q)
        }
        None => (vec![None; n], 0, 0.0),
    };
    let nodes = (0..n)
        .map(|v| NodeCentrality {
            in_degree: c.inn[v].len(),
            out_degree: c.out[v].len(),
            // fold from +0.0: `sum` of no floats is −0.0.
            in_strength: c.inn[v].iter().fold(0.0, |a, &(_, w)| a + w),
            out_strength: c.out[v].iter().fold(0.0, |a, &(_, w)| a + w),
            pagerank: pagerank[v],
            eigenvector: ev_ok.then(|| eigen[v]),
            betweenness: betweenness[v],
            community: community[v],
        })
        .collect();
    Centralities {
        nodes,
        diagnostics: Diagnostics {
            pagerank_iterations: pr_iter,
            pagerank_converged: pr_ok,
            eigenvector_iterations: ev_iter,
            eigenvector_converged: ev_ok,
            communities,
            modularity,
        },
        options: *opts,
    }
}

/// Power iteration from the uniform vector 1/n: `x ← step(x)` until the L1
/// change is below `n · tol` (networkx's stopping rule for both PageRank and
/// eigenvector centrality). Returns (scores, iterations, converged).
fn power_iteration(n: usize, tol: f64, max_iter: usize, step: impl Fn(&[f64]) -> Vec<f64>) -> (Vec<f64>, usize, bool) {
    if n == 0 {
        return (Vec::new(), 0, true);
    }
    let nf = n as f64;
    let mut x = vec![1.0 / nf; n];
    for it in 1..=max_iter {
        let next = step(&x);
        let err: f64 = next.iter().zip(&x).map(|(a, b)| (a - b).abs()).sum();
        x = next;
        if err < nf * tol {
            return (x, it, true);
        }
    }
    (x, max_iter, false)
}

/// Weighted PageRank with uniform teleportation and dangling redistribution
/// (networkx's `pagerank`). Returns (scores, iterations, converged).
pub fn pagerank(c: &Collapsed, damping: f64, tol: f64, max_iter: usize) -> (Vec<f64>, usize, bool) {
    let n = c.len();
    let nf = n as f64;
    let strength: Vec<f64> = c.out.iter().map(|a| a.iter().fold(0.0, |s, &(_, w)| s + w)).collect();
    power_iteration(n, tol, max_iter, |x| {
        let dangling: f64 = (0..n).filter(|&v| strength[v] == 0.0).map(|v| x[v]).sum();
        let mut next = vec![0.0; n];
        for v in 0..n {
            if strength[v] != 0.0 {
                for &(t, w) in &c.out[v] {
                    next[t] += x[v] * (w / strength[v]);
                }
            }
        }
        for nx in &mut next {
            *nx = damping * (*nx + dangling / nf) + (1.0 - damping) / nf;
        }
        next
    })
}

/// In-edge eigenvector centrality by power iteration of (A + I)ᵀ (networkx's
/// `eigenvector_centrality`). Returns (scores, iterations, converged).
pub fn eigenvector(c: &Collapsed, tol: f64, max_iter: usize) -> (Vec<f64>, usize, bool) {
    power_iteration(c.len(), tol, max_iter, |x| {
        let mut next = x.to_vec();
        for (v, out) in c.out.iter().enumerate() {
            for &(t, w) in out {
                next[t] += x[v] * w;
            }
        }
        let norm = next.iter().map(|a| a * a).sum::<f64>().sqrt();
        let norm = if norm == 0.0 { 1.0 } else { norm };
        for a in &mut next {
            *a /= norm;
        }
        next
    })
}

/// A Dijkstra queue entry ordered by smallest distance first, then insertion order.
#[derive(PartialEq)]
struct Entry {
    dist: f64,
    seq: usize,
    node: usize,
    pred: usize,
}

impl Eq for Entry {}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other.dist.total_cmp(&self.dist).then(other.seq.cmp(&self.seq))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Normalised directed betweenness (Brandes 2001), in hops or with distances.
pub fn betweenness(c: &Collapsed, distance: Distance) -> Vec<f64> {
    let n = c.len();
    let mut bc = vec![0.0; n];
    let length = |w: f64| match distance {
        Distance::Hops => 1.0,
        Distance::Weight => w,
        Distance::InverseWeight => 1.0 / w,
    };
    for s in 0..n {
        // Single-source shortest paths: stack of nodes by distance, predecessors, path counts.
        let mut stack: Vec<usize> = Vec::with_capacity(n);
        let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut sigma = vec![0.0f64; n];
        sigma[s] = 1.0;
        if distance == Distance::Hops {
            let mut dist = vec![usize::MAX; n];
            dist[s] = 0;
            let mut queue = VecDeque::from([s]);
            while let Some(v) = queue.pop_front() {
                stack.push(v);
                for &(w, _) in &c.out[v] {
                    if dist[w] == usize::MAX {
                        dist[w] = dist[v] + 1;
                        queue.push_back(w);
                    }
                    if dist[w] == dist[v] + 1 {
                        sigma[w] += sigma[v];
                        preds[w].push(v);
                    }
                }
            }
        } else {
            // As networkx's `_single_source_dijkstra_path_basic`.
            let mut dist: Vec<Option<f64>> = vec![None; n];
            let mut seen: Vec<Option<f64>> = vec![None; n];
            seen[s] = Some(0.0);
            let mut seq = 0;
            let mut heap = BinaryHeap::from([Entry { dist: 0.0, seq, node: s, pred: s }]);
            while let Some(Entry { dist: d, node: v, pred, .. }) = heap.pop() {
                if dist[v].is_some() {
                    continue;
                }
                sigma[v] += sigma[pred];
                stack.push(v);
                dist[v] = Some(d);
                for &(w, wt) in &c.out[v] {
                    let vw = d + length(wt);
                    if dist[w].is_none() && seen[w].is_none_or(|sw| vw < sw) {
                        seen[w] = Some(vw);
                        seq += 1;
                        heap.push(Entry { dist: vw, seq, node: w, pred: v });
                        sigma[w] = 0.0;
                        preds[w] = vec![v];
                    } else if seen[w] == Some(vw) {
                        sigma[w] += sigma[v];
                        preds[w].push(v);
                    }
                }
            }
            // As in networkx, popping the source doubles its count (σ_s = 2), and with it every
            // σ of this pass; betweenness uses only ratios σ_v / σ_w, which are unchanged.
        }
        // Accumulation.
        let mut delta = vec![0.0f64; n];
        while let Some(w) = stack.pop() {
            let coeff = (1.0 + delta[w]) / sigma[w];
            for &v in &preds[w] {
                delta[v] += sigma[v] * coeff;
            }
            if w != s {
                bc[w] += delta[w];
            }
        }
    }
    if n > 2 {
        let scale = 1.0 / ((n as f64 - 1.0) * (n as f64 - 2.0));
        for b in &mut bc {
            *b *= scale;
        }
    }
    bc
}

/// Modularity of a partition of an undirected weighted graph (adjacency lists
/// with each edge listed at both ends; no self-loops):
/// Q = Σ_c [ L_c / m − γ (d_c / 2m)² ], L_c the weight inside community c,
/// d_c its summed degree, m the total weight. 0 for a graph without edges.
pub fn modularity(adj: &[Vec<(usize, f64)>], part: &[usize], resolution: f64) -> f64 {
    let k = part.iter().copied().max().map_or(0, |m| m + 1);
    let mut inside = vec![0.0; k];
    let mut degree = vec![0.0; k];
    let mut two_m = 0.0;
    for (u, nbrs) in adj.iter().enumerate() {
        for &(v, w) in nbrs {
            two_m += w;
            degree[part[u]] += w;
            if part[u] == part[v] {
                inside[part[u]] += w; // each inside edge is seen from both ends
            }
        }
    }
    if two_m == 0.0 {
        return 0.0;
    }
    let m = two_m / 2.0;
    (0..k).map(|c| inside[c] / 2.0 / m - resolution * (degree[c] / two_m).powi(2)).sum()
}

/// Louvain communities of an undirected weighted graph; returns each node's
/// community number (0, 1, … in order of first node).
pub fn louvain(adj: &[Vec<(usize, f64)>], resolution: f64, seed: u64) -> Vec<usize> {
    const THRESHOLD: f64 = 1e-7;
    let n = adj.len();
    let mut rng = SplitMix64(seed);
    // The current level's graph: adjacency (neighbour → weight, self-loops allowed) and
    // which original nodes each level node holds.
    let mut graph: Vec<BTreeMap<usize, f64>> = adj.iter().map(|nb| nb.iter().map(|&(v, w)| (v, w)).collect()).collect();
    let mut members: Vec<Vec<usize>> = (0..n).map(|v| vec![v]).collect();
    let m: f64 = adj.iter().flatten().map(|&(_, w)| w).sum::<f64>() / 2.0;
    let mut best: Vec<usize> = (0..n).collect();
    if m == 0.0 {
        return relabel(&best);
    }
    let mut q = modularity(adj, &best, resolution);
    loop {
        let (comm, moved) = one_level(&graph, m, resolution, &mut rng);
        if !moved {
            break;
        }
        // Communities of the original nodes after this level.
        let mut part = vec![0; n];
        for (node, mem) in members.iter().enumerate() {
            for &v in mem {
                part[v] = comm[node];
            }
        }
        let part = relabel(&part);
        let new_q = modularity(adj, &part, resolution);
        best = part;
        if new_q - q <= THRESHOLD {
            break;
        }
        q = new_q;
        // Aggregate: one node per community.
        let k = best.iter().copied().max().map_or(0, |x| x + 1);
        let mut next_members = vec![Vec::new(); k];
        for v in 0..n {
            next_members[best[v]].push(v);
        }
        let mut node_of = vec![0; n];
        for (c, mem) in next_members.iter().enumerate() {
            for &v in mem {
                node_of[v] = c;
            }
        }
        let mut next: Vec<BTreeMap<usize, f64>> = vec![BTreeMap::new(); k];
        for (u, nbrs) in adj.iter().enumerate() {
            for &(v, w) in nbrs {
                // Each undirected edge is listed twice; an inside edge becomes a self-loop of
                // weight w (stored once per direction, so the self-loop entry gets 2w / 2 per side).
                *next[node_of[u]].entry(node_of[v]).or_default() += if node_of[u] == node_of[v] { w / 2.0 } else { w };
            }
        }
        graph = next;
        members = next_members;
    }
    best
}

/// One Louvain pass over a level graph; returns (community of each level node, whether any moved).
fn one_level(graph: &[BTreeMap<usize, f64>], m: f64, resolution: f64, rng: &mut SplitMix64) -> (Vec<usize>, bool) {
    let n = graph.len();
    let mut comm: Vec<usize> = (0..n).collect();
    // Degree: a self-loop of weight w counts 2w (networkx's degree of a self-loop).
    let degree: Vec<f64> = graph
        .iter()
        .enumerate()
        .map(|(u, nb)| nb.iter().map(|(&v, &w)| if v == u { 2.0 * w } else { w }).sum())
        .collect();
    let mut tot = degree.clone();
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let mut moved_any = false;
    let mut improved = true;
    while improved {
        improved = false;
        for &u in &order {
            let own = comm[u];
            let mut weights: BTreeMap<usize, f64> = BTreeMap::new();
            for (&v, &w) in &graph[u] {
                if v != u {
                    *weights.entry(comm[v]).or_default() += w;
                }
            }
            let k = degree[u];
            tot[own] -= k;
            let remove = -weights.get(&own).copied().unwrap_or(0.0) / m + resolution * tot[own] * k / (2.0 * m * m);
            let mut best_gain = 0.0;
            let mut best = own;
            for (&c, &w) in &weights {
                let gain = remove + w / m - resolution * tot[c] * k / (2.0 * m * m);
                if gain > best_gain {
                    best_gain = gain;
                    best = c;
                }
            }
            tot[best] += k;
            if best != own {
                comm[u] = best;
                improved = true;
                moved_any = true;
            }
        }
    }
    (comm, moved_any)
}

/// Renumber labels 0, 1, … in order of first appearance.
fn relabel(part: &[usize]) -> Vec<usize> {
    let mut map: BTreeMap<usize, usize> = BTreeMap::new();
    part.iter()
        .map(|&c| {
            let next = map.len();
            *map.entry(c).or_insert(next)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A collapsed graph from directed weighted arcs (no symmetric channels).
    fn graph(n: usize, arcs: &[(usize, usize, f64)]) -> Collapsed {
        let mut out = vec![Vec::new(); n];
        let mut inn = vec![Vec::new(); n];
        let mut und: BTreeMap<(usize, usize), f64> = BTreeMap::new();
        for &(s, t, w) in arcs {
            out[s].push((t, w));
            inn[t].push((s, w));
            *und.entry((s.min(t), s.max(t))).or_default() += w;
        }
        let mut undirected = vec![Vec::new(); n];
        for (&(a, b), &w) in &und {
            undirected[a].push((b, w));
            undirected[b].push((a, w));
        }
        for v in out.iter_mut().chain(inn.iter_mut()).chain(undirected.iter_mut()) {
            v.sort_by_key(|&(u, _)| u);
        }
        Collapsed { out, inn, undirected }
    }

    #[test]
    fn pagerank_of_a_two_cycle_and_a_dangling_pair() {
        // 0 ⇄ 1: symmetric, so 1/2 each.
        let (x, _, ok) = pagerank(&graph(2, &[(0, 1, 1.0), (1, 0, 1.0)]), 0.85, 1e-15, 1000);
        assert!(ok);
        assert!((x[0] - 0.5).abs() < 1e-14 && (x[1] - 0.5).abs() < 1e-14);
        // 0 → 1, 1 dangling. Fixed point by hand: with d = 0.85, N = 2,
        // x0 = d·x1/2 + 0.075, x1 = d·(x0 + x1/2) + 0.075, x0 + x1 = 1
        // → x0 = 0.075 + 0.425·x1 and x0 = 1 − x1 → x1 = 0.925 / 1.425.
        let (x, _, _) = pagerank(&graph(2, &[(0, 1, 1.0)]), 0.85, 1e-15, 1000);
        let x1 = 0.925 / 1.425;
        assert!((x[1] - x1).abs() < 1e-14, "{x:?}");
        assert!((x[0] - (1.0 - x1)).abs() < 1e-14);
    }

    #[test]
    fn pagerank_weights_split_the_outflow() {
        // 0 → 1 (w 3), 0 → 2 (w 1), 1 → 0, 2 → 0. Stationary (no dangling):
        // x1 = 0.05 + 0.85·0.75·x0, x2 = 0.05 + 0.85·0.25·x0, x0 = 0.05 + 0.85(x1 + x2)
        // → x0 = 0.05 + 0.85(0.1 + 0.85 x0) → x0 = 0.135 / (1 − 0.7225).
        let (x, _, _) = pagerank(&graph(3, &[(0, 1, 3.0), (0, 2, 1.0), (1, 0, 1.0), (2, 0, 1.0)]), 0.85, 1e-15, 1000);
        let x0 = 0.135 / 0.2775;
        assert!((x[0] - x0).abs() < 1e-13, "{x:?}");
        assert!((x[1] - (0.05 + 0.6375 * x0)).abs() < 1e-13);
        assert!((x[2] - (0.05 + 0.2125 * x0)).abs() < 1e-13);
    }

    #[test]
    fn eigenvector_of_a_directed_cycle_is_uniform() {
        let (x, _, ok) = eigenvector(&graph(3, &[(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)]), 1e-15, 1000);
        assert!(ok);
        for v in x {
            assert!((v - 1.0 / 3f64.sqrt()).abs() < 1e-14);
        }
    }

    #[test]
    fn eigenvector_of_an_undirected_star() {
        // Star with centre 0 and 3 leaves, both directions: λ = √3, x0 = √3 · x_leaf,
        // unit norm: x0² + 3 x_leaf² = 1 → x_leaf = 1/√6, x0 = 1/√2.
        let arcs: Vec<(usize, usize, f64)> = (1..4).flat_map(|l| [(0, l, 1.0), (l, 0, 1.0)]).collect();
        let (x, _, ok) = eigenvector(&graph(4, &arcs), 1e-15, 10_000);
        assert!(ok);
        assert!((x[0] - 0.5f64.sqrt()).abs() < 1e-12, "{x:?}");
        assert!((x[1] - 1.0 / 6f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn betweenness_of_a_directed_path_and_a_diamond() {
        // 0 → 1 → 2 → 3: node 1 is on paths 0→2, 0→3; node 2 on 0→3, 1→3. Scale 1/(3·2).
        let b = betweenness(&graph(4, &[(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0)]), Distance::Hops);
        assert_eq!(b, vec![0.0, 2.0 / 6.0, 2.0 / 6.0, 0.0]);
        // Diamond 0 → {1, 2} → 3: two shortest paths 0→3, half through each of 1, 2.
        let d = graph(4, &[(0, 1, 1.0), (0, 2, 1.0), (1, 3, 1.0), (2, 3, 1.0)]);
        assert_eq!(betweenness(&d, Distance::Hops), vec![0.0, 0.5 / 6.0, 0.5 / 6.0, 0.0]);
        // With weights as distances the path through 1 (1 + 1) beats the one through 2 (1 + 5).
        let w = graph(4, &[(0, 1, 1.0), (0, 2, 1.0), (1, 3, 1.0), (2, 3, 5.0)]);
        assert_eq!(betweenness(&w, Distance::Weight), vec![0.0, 1.0 / 6.0, 0.0, 0.0]);
        // Inverse weights: arc 2 → 3 of weight 5 has length 0.2, so 0 → 2 → 3 (1.2) beats 0 → 1 → 3 (2).
        assert_eq!(betweenness(&w, Distance::InverseWeight), vec![0.0, 0.0, 1.0 / 6.0, 0.0]);
        // Equal weighted lengths are ties, as in hops.
        assert_eq!(betweenness(&d, Distance::Weight), vec![0.0, 0.5 / 6.0, 0.5 / 6.0, 0.0]);
    }

    #[test]
    fn louvain_finds_two_cliques_joined_by_one_edge() {
        // Two 4-cliques {0..3} and {4..7} joined by 3 — 4.
        let mut arcs = Vec::new();
        for base in [0, 4] {
            for a in base..base + 4 {
                for b in a + 1..base + 4 {
                    arcs.push((a, b, 1.0));
                }
            }
        }
        arcs.push((3, 4, 1.0));
        let g = graph(8, &arcs);
        for seed in 0..20 {
            let part = louvain(&g.undirected, 1.0, seed);
            assert_eq!(part, vec![0, 0, 0, 0, 1, 1, 1, 1], "seed {seed}");
            // m = 13; each community: 6 inside edges, degree 13 → Q = 2(6/13 − (13/26)²).
            let q = modularity(&g.undirected, &part, 1.0);
            assert!((q - 2.0 * (6.0 / 13.0 - 0.25)).abs() < 1e-15);
        }
        // Without edges every node is its own community.
        assert_eq!(louvain(&graph(3, &[]).undirected, 1.0, 1), vec![0, 1, 2]);
    }

    #[test]
    fn splitmix_is_the_reference_stream() {
        // First outputs of SplitMix64 seeded with 1234567 (Vigna's reference implementation).
        let mut r = SplitMix64(1_234_567);
        assert_eq!(r.next(), 6_457_827_717_110_365_317);
        assert_eq!(r.next(), 3_203_168_211_198_807_973);
    }
}
