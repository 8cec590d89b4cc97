//! Node positions for drawing a graph: a deterministic, seeded
//! force-directed layout (ForceAtlas2's forces with Barnes–Hut approximated
//! repulsion), used by the offline HTML explorer so that the browser only
//! draws. Imports the rest of `graph`.
//!
//! The layout treats the graph as undirected and simple: parallel edges
//! (e.g. yearly worker flows between two firms) and both directions of a
//! pair count once, self-loops not at all. With m(v) = degree(v) + 1 (the
//! degree in that simple graph), every pair of nodes repels with force
//! m(u)·m(v)/d, so hubs push each other apart and dense cores spread out;
//! every edge attracts its endpoints with force d; gravity pulls each node
//! towards the centre with force 0.5·m(v)·d ("strong gravity"), which keeps
//! components and isolated nodes near the rest. Repulsion is approximated by
//! a quadtree whose cells act as one body when `cell width / distance < θ`.
//! Each step moves a node at most by the temperature, which cools linearly
//! to zero. References: Jacomy, Venturini, Heymann and Bastian (2014),
//! *ForceAtlas2*, PLoS ONE 9(6); Barnes and Hut (1986), Nature 324.
//!
//! The result depends only on the graph (its sorted node and edge order)
//! and the seed: the arithmetic is sequential, so the same input gives the
//! same bits.

use super::KnowledgeGraph;
use super::splitmix::SplitMix64;

/// Options of [`force_layout`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayoutOptions {
    /// Number of force steps (default 300).
    pub iterations: usize,
    /// Seed of the initial positions (default 1).
    pub seed: u64,
    /// Barnes–Hut opening criterion θ: a quadtree cell of width w at distance d
    /// acts as one body when w / d < θ (default 0.8; 0 is exact and O(N²)).
    pub theta: f64,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        LayoutOptions { iterations: 300, seed: 1, theta: 0.8 }
    }
}

/// A position in the plane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Horizontal coordinate.
    pub x: f64,
    /// Vertical coordinate.
    pub y: f64,
}

/// Lay `g` out in the plane.
///
/// # Arguments
/// - `g`: the graph (any view); edge direction, channel and weight are ignored.
/// - `opts`: iterations, seed and θ.
///
/// # Returns
/// One position per node, indexed like [`KnowledgeGraph::nodes`], centred on
/// the origin and scaled so that the median distance from the centre is
/// √N / 2 (about one unit of area per node).
///
/// # Complexity
/// O(iterations · (N log N + E)) for N nodes and E distinct node pairs.
///
/// # Example
/// ```
/// use spillnet_network::graph::layout::{force_layout, LayoutOptions};
/// use spillnet_network::graph::build_graph;
/// use spillnet_io::Indexed;
/// use spillnet_io::tables::{Dataset, Firm, FirmKind, Ownership};
/// let mut data = Dataset::default();
/// data.firms.push(Firm {
///     firm_id: "faw".into(), name: "FAW".into(), kind: FirmKind::Domestic,
///     group_id: "faw".into(), province: Some("Jilin".into()), ownership: Ownership::Soe,
/// });
/// let g = build_graph(&Indexed::new(data).unwrap()).unwrap();
/// let p = force_layout(&g, &LayoutOptions::default());
/// assert_eq!(p.len(), 2);
/// // Centred: the two nodes sit opposite each other, √2 / 2 from the centre.
/// assert!((p[0].x + p[1].x).abs() < 1e-9 && (p[0].y + p[1].y).abs() < 1e-9);
/// assert!((p[0].x.hypot(p[0].y) - 0.5f64.sqrt()).abs() < 1e-9);
/// ```
pub fn force_layout(g: &KnowledgeGraph, opts: &LayoutOptions) -> Vec<Point> {
    let n = g.node_count();
    let mut pairs: Vec<(usize, usize)> = g
        .edges()
        .filter(|e| e.source != e.target)
        .map(|e| {
            let (a, b) = (e.source.index(), e.target.index());
            (a.min(b), a.max(b))
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    layout_pairs(n, &pairs, opts)
}

/// The layout of `n` nodes joined by the distinct undirected `pairs` (a < b).
fn layout_pairs(n: usize, pairs: &[(usize, usize)], opts: &LayoutOptions) -> Vec<Point> {
    if n == 0 {
        return Vec::new();
    }
    let mut degree = vec![0usize; n];
    for &(a, b) in pairs {
        degree[a] += 1;
        degree[b] += 1;
    }
    let mass: Vec<f64> = degree.iter().map(|&d| (d + 1) as f64).collect();
    // Initial positions: uniform in a square of area ~ n.
    let side = (n as f64).sqrt().max(1.0);
    let mut rng = SplitMix64(opts.seed);
    let mut pos: Vec<Point> =
        (0..n).map(|_| Point { x: side * (rng.unit() - 0.5), y: side * (rng.unit() - 0.5) }).collect();
    let mut disp = vec![Point { x: 0.0, y: 0.0 }; n];
    let mut tree = QuadTree::default();
    let iterations = opts.iterations.max(1);
    // Temperature: a tenth of the expected equilibrium radius, cooling linearly.
    let total_mass: f64 = mass.iter().sum();
    let t0 = (total_mass / GRAVITY).sqrt() / 10.0;
    for it in 0..iterations {
        let temperature = t0 * (1.0 - it as f64 / iterations as f64) + 1e-3;
        tree.build(&pos, &mass);
        for (i, d) in disp.iter_mut().enumerate() {
            let (fx, fy) = tree.repulsion(pos[i], opts.theta);
            *d = Point {
                x: mass[i] * fx - GRAVITY * mass[i] * pos[i].x,
                y: mass[i] * fy - GRAVITY * mass[i] * pos[i].y,
            };
        }
        for &(a, b) in pairs {
            // Force d along the edge: (dx, dy).
            let dx = pos[a].x - pos[b].x;
            let dy = pos[a].y - pos[b].y;
            disp[a].x -= dx;
            disp[a].y -= dy;
            disp[b].x += dx;
            disp[b].y += dy;
        }
        for (i, p) in pos.iter_mut().enumerate() {
            // Displacement = force / mass (heavy hubs move slowly), capped by the temperature.
            let (mut dx, mut dy) = (disp[i].x / mass[i], disp[i].y / mass[i]);
            let len = (dx * dx + dy * dy).sqrt();
            if len > temperature {
                dx *= temperature / len;
                dy *= temperature / len;
            }
            p.x += dx;
            p.y += dy;
        }
    }
    normalise(&mut pos);
    pos
}

/// Strength of the gravity towards the centre (force GRAVITY · m(v) · d).
const GRAVITY: f64 = 0.5;

/// Centre on the origin and scale so the median distance from the centre is √n / 2.
fn normalise(pos: &mut [Point]) {
    let n = pos.len() as f64;
    let (cx, cy) = pos.iter().fold((0.0, 0.0), |(x, y), p| (x + p.x, y + p.y));
    let (cx, cy) = (cx / n, cy / n);
    for p in pos.iter_mut() {
        p.x -= cx;
        p.y -= cy;
    }
    let mut r: Vec<f64> = pos.iter().map(|p| p.x.hypot(p.y)).collect();
    r.sort_by(f64::total_cmp);
    let median = r[r.len() / 2];
    let scale = if median > 0.0 { n.sqrt() / 2.0 / median } else { 1.0 };
    for p in pos.iter_mut() {
        p.x *= scale;
        p.y *= scale;
    }
}

/// One quadtree cell: its square, total mass (Σ m(v) of its bodies), centre
/// of mass, and either four children or (as a leaf) at most one body.
#[derive(Debug, Clone, Copy)]
struct Cell {
    cx: f64,
    cy: f64,
    half: f64,
    mass: f64,
    mx: f64,
    my: f64,
    children: Option<u32>,
    body: Option<(Point, f64)>,
}

/// A Barnes–Hut quadtree stored in one arena (children of a cell are four consecutive cells).
#[derive(Debug, Default)]
struct QuadTree {
    cells: Vec<Cell>,
}

/// Deeper than this, coincident bodies share a leaf (their masses add up).
const MAX_DEPTH: u32 = 40;

impl QuadTree {
    fn build(&mut self, pos: &[Point], mass: &[f64]) {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        for p in pos {
            x0 = x0.min(p.x);
            y0 = y0.min(p.y);
            x1 = x1.max(p.x);
            y1 = y1.max(p.y);
        }
        let half = ((x1 - x0).max(y1 - y0) / 2.0).max(1e-9) * 1.0001;
        self.cells.clear();
        self.cells.push(Cell::empty((x0 + x1) / 2.0, (y0 + y1) / 2.0, half));
        for (&p, &m) in pos.iter().zip(mass) {
            self.insert(p, m);
        }
    }

    fn insert(&mut self, p: Point, pm: f64) {
        let mut c = 0usize;
        let mut depth = 0;
        loop {
            let cell = self.cells[c];
            // Update the mass and centre of mass on the way down.
            let m = cell.mass + pm;
            self.cells[c].mx = (cell.mx * cell.mass + p.x * pm) / m;
            self.cells[c].my = (cell.my * cell.mass + p.y * pm) / m;
            self.cells[c].mass = m;
            if let Some(first) = cell.children {
                c = first as usize + cell.quadrant(p);
                depth += 1;
                continue;
            }
            match cell.body {
                None if cell.mass == 0.0 => {
                    self.cells[c].body = Some((p, pm));
                    return;
                }
                Some((old, om)) if depth < MAX_DEPTH => {
                    // Split: push the old body one level down, then continue with p.
                    let first = self.cells.len();
                    let q = cell.half / 2.0;
                    for (dx, dy) in [(-q, -q), (q, -q), (-q, q), (q, q)] {
                        self.cells.push(Cell::empty(cell.cx + dx, cell.cy + dy, q));
                    }
                    self.cells[c].children = Some(first as u32);
                    self.cells[c].body = None;
                    let oc = first + cell.quadrant(old);
                    self.cells[oc].mass = om;
                    self.cells[oc].mx = old.x;
                    self.cells[oc].my = old.y;
                    self.cells[oc].body = Some((old, om));
                    c = first + cell.quadrant(p);
                    depth += 1;
                }
                // Coincident bodies at the maximum depth: the mass above counts them.
                _ => return,
            }
        }
    }

    /// The repulsive force on a body of unit mass at `p`: Σ over bodies (and far
    /// cells) of mass / d along the separation.
    fn repulsion(&self, p: Point, theta: f64) -> (f64, f64) {
        let (mut fx, mut fy) = (0.0, 0.0);
        let mut stack = vec![0usize];
        while let Some(c) = stack.pop() {
            let cell = &self.cells[c];
            if cell.mass == 0.0 {
                continue;
            }
            let dx = p.x - cell.mx;
            let dy = p.y - cell.my;
            let d2 = dx * dx + dy * dy;
            let far = cell.children.is_some() && (2.0 * cell.half) * (2.0 * cell.half) < theta * theta * d2;
            if let (Some(first), false) = (cell.children, far) {
                stack.extend((first as usize)..(first as usize + 4));
                continue;
            }
            if d2 < 1e-18 {
                // The body itself (or a coincident one): no direction to push along.
                continue;
            }
            // mass/d along (dx, dy)/d = mass · (dx, dy)/d².
            let f = cell.mass / d2;
            fx += dx * f;
            fy += dy * f;
        }
        (fx, fy)
    }
}

impl Cell {
    fn empty(cx: f64, cy: f64, half: f64) -> Self {
        Cell { cx, cy, half, mass: 0.0, mx: 0.0, my: 0.0, children: None, body: None }
    }

    fn quadrant(&self, p: Point) -> usize {
        usize::from(p.x >= self.cx) + 2 * usize::from(p.y >= self.cy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(a: Point, b: Point) -> f64 {
        ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
    }

    #[test]
    fn barnes_hut_with_theta_zero_is_the_exact_sum() {
        let pts =
            [Point { x: 0.0, y: 0.0 }, Point { x: 1.0, y: 0.0 }, Point { x: 0.0, y: 2.0 }, Point { x: 3.0, y: 3.0 }];
        let mut t = QuadTree::default();
        t.build(&pts, &[1.0, 2.0, 1.0, 3.0]);
        let (fx, fy) = t.repulsion(pts[0], 0.0);
        // Hand sum of m_j (p0 − pj)/|p0 − pj|²: 2·(−1,0)/1 + 1·(0,−2)/4 + 3·(−3,−3)/18.
        assert!((fx - (-2.0 - 9.0 / 18.0)).abs() < 1e-12, "{fx}");
        assert!((fy - (-0.5 - 9.0 / 18.0)).abs() < 1e-12, "{fy}");
        // Far away, the whole tree acts as one body of mass 7 at its centre of mass.
        let far = Point { x: 1000.0, y: 0.0 };
        let (cx, cy) = ((0.0 + 2.0 + 0.0 + 9.0) / 7.0, (0.0 + 0.0 + 2.0 + 9.0) / 7.0);
        let (gx, gy) = t.repulsion(far, 0.8);
        let d2 = (far.x - cx).powi(2) + (far.y - cy).powi(2);
        assert!((gx - 7.0 * (far.x - cx) / d2).abs() < 1e-12 && (gy - 7.0 * (far.y - cy) / d2).abs() < 1e-12);
    }

    #[test]
    fn a_path_is_laid_out_with_neighbours_closer_than_the_ends() {
        let pairs: Vec<(usize, usize)> = (0..9).map(|i| (i, i + 1)).collect();
        let p = layout_pairs(10, &pairs, &LayoutOptions::default());
        let mean_edge = pairs.iter().map(|&(a, b)| dist(p[a], p[b])).sum::<f64>() / 9.0;
        assert!(
            dist(p[0], p[9]) > 3.0 * mean_edge,
            "a path unfolds: ends {} apart, edges {mean_edge}",
            dist(p[0], p[9])
        );
        let mut r: Vec<f64> = p.iter().map(|q| q.x.hypot(q.y)).collect();
        r.sort_by(f64::total_cmp);
        assert!((r[5] - 10f64.sqrt() / 2.0).abs() < 1e-9, "median radius √n/2: {}", r[5]);
    }

    #[test]
    fn two_cliques_are_separated() {
        let mut pairs = Vec::new();
        for base in [0, 5] {
            for a in 0..5 {
                for b in a + 1..5 {
                    pairs.push((base + a, base + b));
                }
            }
        }
        pairs.push((4, 5));
        let p = layout_pairs(10, &pairs, &LayoutOptions::default());
        let within = dist(p[0], p[1]);
        let across = dist(p[0], p[9]);
        assert!(across > 1.5 * within, "within {within}, across {across}");
    }

    #[test]
    fn same_seed_same_bits_other_seed_other_positions() {
        let pairs = [(0, 1), (1, 2), (2, 0), (2, 3)];
        let a = layout_pairs(5, &pairs, &LayoutOptions::default());
        let b = layout_pairs(5, &pairs, &LayoutOptions::default());
        assert_eq!(a, b);
        let c = layout_pairs(5, &pairs, &LayoutOptions { seed: 2, ..LayoutOptions::default() });
        assert_ne!(a, c);
        assert!(a.iter().all(|p| p.x.is_finite() && p.y.is_finite()));
    }

    #[test]
    fn coincident_and_single_nodes_do_not_break() {
        assert!(layout_pairs(0, &[], &LayoutOptions::default()).is_empty());
        let one = layout_pairs(1, &[], &LayoutOptions::default());
        assert!(one[0].x.is_finite());
        let mut t = QuadTree::default();
        let same = [Point { x: 1.0, y: 1.0 }; 3];
        t.build(&same, &[1.0; 3]);
        assert_eq!(t.repulsion(same[0], 0.8), (0.0, 0.0));
    }
}
