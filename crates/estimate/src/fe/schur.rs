//! Exact solve of the two largest fixed effects, the Krylov solver's
//! preconditioner block: a sparse Cholesky factor (faer) of the grounded
//! Schur complement of the second-largest fixed effect. Owns [`TwoFeSolve`];
//! imports `FeIndex` from `fe`.
//!
//! # Algorithm
//!
//! For fixed effects $a$ (most levels, e.g. workers) and $b$ (next, e.g.
//! firms), the block of $D'WD$ is
//! $\begin{pmatrix} D_a & C \\ C' & D_b \end{pmatrix}$ with $D_a$, $D_b$
//! the (weighted) level sizes and $C$ the (weighted) $a\times b$ cross
//! counts. Eliminating $a$ leaves the Schur complement
//! $S = D_b - C' D_a^{-1} C$, the weighted Laplacian of the graph of $b$
//! levels linked through shared $a$ levels (firms linked by their workers),
//! singular with one zero eigenvalue per connected component. Fixing one $b$
//! level per component to zero ("grounding") makes it positive definite; the
//! block systems met in CG are consistent (their right-hand side is in the
//! range of $D_{ab}'$), so the grounded solve is exact. A solve:
//! $t = r_b - C'D_a^{-1}r_a$, $S_g z_b = t$, $z_a = D_a^{-1}(r_a - C z_b)$.
//!
//! This couples all firms at once, which no local (Jacobi, alternating)
//! step does: on a chain of firms the iterations no longer grow with the
//! chain's length. The factor is built once per design (AMD ordering) and
//! only when its size stays within a budget: random mobility graphs fill in
//! badly. Over the budget (but with $S$ itself within it) the block uses an
//! incomplete Cholesky factor with zero fill, IC(0), of $S_g$ instead — an
//! approximate block solve, so CG needs more iterations than with the exact
//! one but far fewer than with Jacobi; with $S$ itself over the budget there
//! is no block (Jacobi everywhere). Measured (release, `examples`-style
//! probe on `benches/designs.rs`): on fixest's cycling design the exact
//! factor is small (a band around a ring of firms; 6 CG iterations at 1e6
//! rows); on an AKM panel with mobility 0.1 it holds 5.3e5 values for 1e3
//! firms (1e5 rows, exact) but 5.1e7 for 1e4 firms (1e6 rows: over the
//! budget; $S$ has 1.4e5 entries, IC(0) takes 0.03 s and CG 14 iterations
//! per column, against 50 with Jacobi).
//!
//! Complexity: build $O(\sum_a k_a^2)$ for $k_a$ distinct $b$ levels per
//! $a$ level plus the factorisation (IC(0): $O(\sum_j d_j^2)$ for $d_j$
//! entries of column $j$ of $S_g$); a solve $O(\mathrm{nnz}(C) + \mathrm{nnz}(L))$.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::LltRegularization;
use faer::sparse::linalg::cholesky::{LltRef, SymbolicCholesky, factorize_symbolic_cholesky};
use faer::sparse::{SparseColMat, Triplet};
use faer::{Conj, MatMut, Par, Side};

use super::FeIndex;

/// The factorised two-fixed-effect block (see the module docs).
pub(super) struct TwoFeSolve {
    /// Index (in the design's fixed effects) of the eliminated and the Schur fixed effect.
    pub a: usize,
    pub b: usize,
    inv_da: Vec<f64>,
    /// $C$ by rows of $a$: `c_idx[c_ptr[l]..c_ptr[l + 1]]` are the $b$ levels of level `l`.
    c_ptr: Vec<usize>,
    c_idx: Vec<u32>,
    c_val: Vec<f64>,
    /// Position of each $b$ level in the grounded system (`u32::MAX` when grounded).
    pos: Vec<u32>,
    n_g: usize,
    factor: Factor,
}

/// The factor of the grounded Schur complement $S_g$.
enum Factor {
    /// Sparse Cholesky (faer, AMD ordering): the block solve is exact.
    Exact { symbolic: SymbolicCholesky<usize>, l_values: Vec<f64> },
    /// Incomplete Cholesky on the pattern of $S_g$: an approximate solve,
    /// used when the exact factor would exceed the fill budget.
    Incomplete(Ic0),
}

/// Incomplete Cholesky factor with zero fill, IC(0): $L$ on the lower
/// pattern of $S_g$ (CSC, diagonal first in each column, rows ascending),
/// the fill that Cholesky would create dropped. $S_g$ is a symmetric
/// M-matrix (a grounded weighted Laplacian plus a non-negative diagonal),
/// for which IC(0) exists (Meijerink–van der Vorst 1977): every pivot stays
/// positive in exact arithmetic; a pivot that rounding makes non-positive
/// is replaced by the original diagonal entry.
struct Ic0 {
    col_ptr: Vec<usize>,
    row_idx: Vec<u32>,
    values: Vec<f64>,
}

impl Ic0 {
    /// Factor the lower triangle of a symmetric matrix given by columns.
    fn factor(col_ptr: Vec<usize>, row_idx: Vec<u32>, mut values: Vec<f64>) -> Self {
        let n = col_ptr.len() - 1;
        let diag: Vec<f64> = (0..n).map(|k| values[col_ptr[k]]).collect();
        // where_[i] = position of row i in the column being updated, or MAX.
        let mut where_ = vec![usize::MAX; n];
        for k in 0..n {
            let (start, end) = (col_ptr[k], col_ptr[k + 1]);
            let mut d = values[start];
            if !(d > 0.0 && d.is_finite()) {
                d = diag[k];
            }
            let d = d.sqrt();
            values[start] = d;
            for v in &mut values[start + 1..end] {
                *v /= d;
            }
            // Right-looking update of the later columns j of the pattern of column k.
            for p in start + 1..end {
                let j = row_idx[p] as usize;
                let ljk = values[p];
                let (js, je) = (col_ptr[j], col_ptr[j + 1]);
                for q in js..je {
                    where_[row_idx[q] as usize] = q;
                }
                for q in p..end {
                    let w = where_[row_idx[q] as usize];
                    if w != usize::MAX {
                        values[w] -= values[q] * ljk;
                    }
                }
                for q in js..je {
                    where_[row_idx[q] as usize] = usize::MAX;
                }
            }
        }
        Ic0 { col_ptr, row_idx, values }
    }

    /// Solve $L L' x = t$ in place.
    fn solve(&self, t: &mut [f64]) {
        let n = self.col_ptr.len() - 1;
        for k in 0..n {
            let (s, e) = (self.col_ptr[k], self.col_ptr[k + 1]);
            let x = t[k] / self.values[s];
            t[k] = x;
            for p in s + 1..e {
                t[self.row_idx[p] as usize] -= self.values[p] * x;
            }
        }
        for k in (0..n).rev() {
            let (s, e) = (self.col_ptr[k], self.col_ptr[k + 1]);
            let mut x = t[k];
            for p in s + 1..e {
                x -= self.values[p] * t[self.row_idx[p] as usize];
            }
            t[k] = x / self.values[s];
        }
    }
}

/// Scratch of one column's solves.
pub(super) struct SolveScratch {
    t: Vec<f64>,
    mem: MemBuffer,
}

/// The (weighted) cross counts $C$ of two fixed effects by rows of the
/// first: bucketed by row in $O(N)$, duplicates within a row merged.
fn cross_counts(
    ca: &[u32],
    na: usize,
    cb: &[u32],
    nb: usize,
    weights: Option<&[f64]>,
) -> (Vec<usize>, Vec<u32>, Vec<f64>) {
    let mut ptr = vec![0usize; na + 1];
    for &la in ca {
        ptr[la as usize + 1] += 1;
    }
    for l in 0..na {
        ptr[l + 1] += ptr[l];
    }
    let mut fill = ptr.clone();
    let mut idx = vec![0u32; ca.len()];
    let mut val = vec![0.0f64; ca.len()];
    for i in 0..ca.len() {
        let f = &mut fill[ca[i] as usize];
        idx[*f] = cb[i];
        val[*f] = weights.map_or(1.0, |w| w[i]);
        *f += 1;
    }
    // Merge duplicate b levels within each row (a dense marker over b).
    let mut at = vec![usize::MAX; nb];
    let (mut out_ptr, mut out_idx, mut out_val) = (vec![0usize; na + 1], Vec::new(), Vec::new());
    for la in 0..na {
        let row_start = out_idx.len();
        for t in ptr[la]..ptr[la + 1] {
            let lb = idx[t] as usize;
            if at[lb] != usize::MAX && at[lb] >= row_start {
                out_val[at[lb]] += val[t];
            } else {
                at[lb] = out_idx.len();
                out_idx.push(idx[t]);
                out_val.push(val[t]);
            }
        }
        out_ptr[la + 1] = out_idx.len();
    }
    (out_ptr, out_idx, out_val)
}

/// Transpose of a row-compressed matrix with `ncols` columns.
fn transpose(ptr: &[usize], idx: &[u32], val: &[f64], ncols: usize) -> (Vec<usize>, Vec<u32>, Vec<f64>) {
    let mut tp = vec![0usize; ncols + 1];
    for &c in idx {
        tp[c as usize + 1] += 1;
    }
    for c in 0..ncols {
        tp[c + 1] += tp[c];
    }
    let mut fill = tp.clone();
    let (mut ti, mut tv) = (vec![0u32; idx.len()], vec![0.0; idx.len()]);
    for r in 0..ptr.len() - 1 {
        for t in ptr[r]..ptr[r + 1] {
            let f = &mut fill[idx[t] as usize];
            ti[*f] = r as u32;
            tv[*f] = val[t];
            *f += 1;
        }
    }
    (tp, ti, tv)
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

/// A quick lower estimate of the exact factor's fill, to skip its costly
/// symbolic analysis (AMD ordering, 8 s for 1e5 firms linked at random)
/// where it cannot fit: the level of a breadth-first search that halves the
/// graph of $S_g$ is a vertex separator, and on graphs without small
/// separators (random mobility graphs, expanders) every balanced separator
/// is about that large; the last separator of a nested-dissection ordering
/// becomes a dense block of $s(s+1)/2$ values. Band-like graphs (fixest's
/// cycling design) have a middle level of a few nodes. Searches the
/// component of the first level only; 0 when it holds less than half the
/// levels (no estimate). $O(\mathrm{nnz}(S_g))$.
fn middle_level_fill(n_g: usize, merged: &[Triplet<usize, usize, f64>]) -> usize {
    let mut deg = vec![0usize; n_g + 1];
    for t in merged.iter().filter(|t| t.row != t.col) {
        deg[t.row + 1] += 1;
        deg[t.col + 1] += 1;
    }
    for i in 0..n_g {
        deg[i + 1] += deg[i];
    }
    let mut fill = deg.clone();
    let mut adj = vec![0u32; deg[n_g]];
    for t in merged.iter().filter(|t| t.row != t.col) {
        adj[fill[t.row]] = t.col as u32;
        fill[t.row] += 1;
        adj[fill[t.col]] = t.row as u32;
        fill[t.col] += 1;
    }
    let mut seen = vec![false; n_g];
    let mut level = vec![0u32];
    seen[0] = true;
    let mut reached = 1;
    while !level.is_empty() {
        if 2 * reached >= n_g {
            let s = level.len();
            return s * (s + 1) / 2;
        }
        let mut next = Vec::new();
        for &v in &level {
            for &w in &adj[deg[v as usize]..deg[v as usize + 1]] {
                if !seen[w as usize] {
                    seen[w as usize] = true;
                    next.push(w);
                }
            }
        }
        reached += next.len();
        level = next;
    }
    0
}

/// The exact sparse Cholesky factor of $S_g$ (lower triangle `merged`), or
/// `None` when it would hold more than `max_fill` values (or fails).
fn exact_factor(n_g: usize, merged: &[Triplet<usize, usize, f64>], max_fill: usize) -> Option<Factor> {
    let s = SparseColMat::<usize, f64>::try_new_from_triplets(n_g, n_g, merged).ok()?;
    let symbolic =
        factorize_symbolic_cholesky(s.symbolic(), Side::Lower, Default::default(), Default::default()).ok()?;
    if symbolic.len_val() > max_fill {
        return None;
    }
    let mut l_values = vec![0.0; symbolic.len_val()];
    let mut mem =
        MemBuffer::try_new(symbolic.factorize_numeric_llt_scratch::<f64>(Par::Seq, Default::default())).ok()?;
    symbolic
        .factorize_numeric_llt(
            &mut l_values,
            s.as_ref(),
            Side::Lower,
            LltRegularization::default(),
            Par::Seq,
            MemStack::new(&mut mem),
            Default::default(),
        )
        .ok()?;
    Some(Factor::Exact { symbolic, l_values })
}

impl TwoFeSolve {
    /// Build for the two largest fixed effects, or `None` when there are
    /// fewer than two or the Schur complement itself holds more than
    /// `max_fill` values; the factor is exact when the Cholesky factor
    /// holds at most `max_fill` values, IC(0) otherwise.
    pub fn build(fes: &[FeIndex], weights: Option<&[f64]>, max_fill: usize) -> Option<Self> {
        if fes.len() < 2 {
            return None;
        }
        let mut order: Vec<usize> = (0..fes.len()).collect();
        order.sort_by_key(|&q| std::cmp::Reverse(fes[q].n_levels));
        let (a, b) = (order[0], order[1]);
        let (fa, fb) = (&fes[a], &fes[b]);
        let (na, nb) = (fa.n_levels, fb.n_levels);
        let (c_ptr, c_idx, c_val) = cross_counts(&fa.codes, na, &fb.codes, nb, weights);
        // Connected components of the bipartite a-b graph: ground the first b level of each.
        let mut parent: Vec<u32> = (0..(na + nb) as u32).collect();
        for la in 0..na {
            for &lb in &c_idx[c_ptr[la]..c_ptr[la + 1]] {
                let (x, y) = (find(&mut parent, la as u32), find(&mut parent, (na + lb as usize) as u32));
                if x != y {
                    parent[x.max(y) as usize] = x.min(y);
                }
            }
        }
        let mut grounded_root = vec![false; na + nb];
        let mut pos = vec![u32::MAX; nb];
        let mut n_g = 0usize;
        for (lb, p) in pos.iter_mut().enumerate() {
            let root = find(&mut parent, (na + lb) as u32) as usize;
            if grounded_root[root] {
                *p = n_g as u32;
                n_g += 1;
            } else {
                grounded_root[root] = true;
            }
        }
        if n_g == 0 {
            return None;
        }
        // S = D_b - C' D_a^{-1} C on the kept b levels, lower triangle, a
        // column at a time (Gustavson): column j gathers, over the a levels
        // linked to b level j, the b levels k >= j they also link to.
        let inv_da = fa.inv_size.clone();
        let (ct_ptr, ct_idx, ct_val) = transpose(&c_ptr, &c_idx, &c_val, nb);
        let mut acc = vec![0.0f64; n_g];
        let mut seen = vec![false; n_g];
        let mut touched: Vec<u32> = Vec::new();
        let mut merged: Vec<Triplet<usize, usize, f64>> = Vec::new();
        for lb in 0..nb {
            let pj = pos[lb];
            if pj == u32::MAX {
                continue;
            }
            for t in ct_ptr[lb]..ct_ptr[lb + 1] {
                let la = ct_idx[t] as usize;
                let f = ct_val[t] * inv_da[la];
                for k in c_ptr[la]..c_ptr[la + 1] {
                    let pk = pos[c_idx[k] as usize];
                    if pk == u32::MAX || pk < pj {
                        continue;
                    }
                    if !seen[pk as usize] {
                        seen[pk as usize] = true;
                        touched.push(pk);
                    }
                    acc[pk as usize] -= f * c_val[k];
                }
            }
            if !seen[pj as usize] {
                touched.push(pj);
            }
            acc[pj as usize] += 1.0 / fb.inv_size[lb];
            touched.sort_unstable();
            for &pk in &touched {
                merged.push(Triplet::new(pk as usize, pj as usize, acc[pk as usize]));
                acc[pk as usize] = 0.0;
                seen[pk as usize] = false;
            }
            touched.clear();
            if merged.len() > max_fill {
                // The factor holds at least the entries of S.
                return None;
            }
        }
        let exact =
            if middle_level_fill(n_g, &merged) > max_fill { None } else { exact_factor(n_g, &merged, max_fill) };
        let factor = exact.unwrap_or_else(|| {
            // Over the fill budget: incomplete Cholesky on S's own pattern
            // (`merged` holds it column by column, rows ascending).
            let mut col_ptr = vec![0usize; n_g + 1];
            for t in &merged {
                col_ptr[t.col + 1] += 1;
            }
            for j in 0..n_g {
                col_ptr[j + 1] += col_ptr[j];
            }
            let row_idx = merged.iter().map(|t| t.row as u32).collect();
            let values = merged.iter().map(|t| t.val).collect();
            Factor::Incomplete(Ic0::factor(col_ptr, row_idx, values))
        });
        Some(TwoFeSolve { a, b, inv_da, c_ptr, c_idx, c_val, pos, n_g, factor })
    }

    /// Scratch for [`TwoFeSolve::solve`].
    pub fn scratch(&self) -> SolveScratch {
        let mem = match &self.factor {
            Factor::Exact { symbolic, .. } => MemBuffer::new(symbolic.solve_in_place_scratch::<f64>(1, Par::Seq)),
            Factor::Incomplete(_) => MemBuffer::new(faer::dyn_stack::StackReq::EMPTY),
        };
        SolveScratch { t: vec![0.0; self.n_g], mem }
    }

    /// Whether the block solve is exact (sparse Cholesky) rather than
    /// approximate (IC(0) over the fill budget).
    #[cfg(test)]
    pub fn is_exact(&self) -> bool {
        matches!(self.factor, Factor::Exact { .. })
    }

    /// Solve the block system for $(z_a, z_b)$ given $(r_a, r_b)$.
    pub fn solve(&self, ra: &[f64], rb: &[f64], za: &mut [f64], zb: &mut [f64], s: &mut SolveScratch) {
        // t = r_b - C' D_a^{-1} r_a (kept b levels only).
        let t = &mut s.t;
        for (lb, &p) in self.pos.iter().enumerate() {
            if p != u32::MAX {
                t[p as usize] = rb[lb];
            }
        }
        for (la, (r, inv)) in ra.iter().zip(&self.inv_da).enumerate() {
            let sa = r * inv;
            for j in self.c_ptr[la]..self.c_ptr[la + 1] {
                let p = self.pos[self.c_idx[j] as usize];
                if p != u32::MAX {
                    t[p as usize] -= self.c_val[j] * sa;
                }
            }
        }
        match &self.factor {
            Factor::Exact { symbolic, l_values } => LltRef::new(symbolic, l_values).solve_in_place_with_conj(
                Conj::No,
                MatMut::from_column_major_slice_mut(t, self.n_g, 1),
                Par::Seq,
                MemStack::new(&mut s.mem),
            ),
            Factor::Incomplete(ic) => ic.solve(t),
        }
        for (lb, &p) in self.pos.iter().enumerate() {
            zb[lb] = if p == u32::MAX { 0.0 } else { t[p as usize] };
        }
        for la in 0..self.inv_da.len() {
            let mut v = ra[la];
            for j in self.c_ptr[la]..self.c_ptr[la + 1] {
                v -= self.c_val[j] * zb[self.c_idx[j] as usize];
            }
            za[la] = v * self.inv_da[la];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Ic0, middle_level_fill};
    use faer::sparse::Triplet;

    /// Lower-triangle triplets (diagonal included) of a graph's edges.
    fn lower(n: usize, edges: &[(usize, usize)]) -> Vec<Triplet<usize, usize, f64>> {
        let mut t: Vec<Triplet<usize, usize, f64>> = (0..n).map(|i| Triplet::new(i, i, 1.0)).collect();
        t.extend(edges.iter().map(|&(a, b)| Triplet::new(a.max(b), a.min(b), -1.0)));
        t
    }

    #[test]
    fn middle_level_fill_is_small_on_a_path_and_large_on_a_clique() {
        // A path of 101 nodes from node 0: every BFS level is one node.
        let path: Vec<(usize, usize)> = (0..100).map(|i| (i, i + 1)).collect();
        assert_eq!(middle_level_fill(101, &lower(101, &path)), 1);
        // A clique of 40: the first level after node 0 holds the other 39.
        let clique: Vec<(usize, usize)> = (0..40).flat_map(|a| (0..a).map(move |b| (a, b))).collect();
        assert_eq!(middle_level_fill(40, &lower(40, &clique)), 39 * 40 / 2);
        // Node 0 isolated from the rest: no estimate.
        assert_eq!(middle_level_fill(5, &lower(5, &[(1, 2), (2, 3), (3, 4)])), 0);
    }

    /// Lower triangle of a dense symmetric matrix, by columns, diagonal first.
    fn lower_csc(a: &[Vec<f64>]) -> (Vec<usize>, Vec<u32>, Vec<f64>) {
        let n = a.len();
        let (mut ptr, mut idx, mut val) = (vec![0], Vec::new(), Vec::new());
        for j in 0..n {
            for (i, row) in a.iter().enumerate().skip(j) {
                if row[j] != 0.0 {
                    idx.push(i as u32);
                    val.push(row[j]);
                }
            }
            ptr.push(idx.len());
        }
        (ptr, idx, val)
    }

    /// Dense L from the factor.
    fn dense_l(f: &Ic0, n: usize) -> Vec<Vec<f64>> {
        let mut l = vec![vec![0.0; n]; n];
        for j in 0..n {
            for p in f.col_ptr[j]..f.col_ptr[j + 1] {
                l[f.row_idx[p] as usize][j] = f.values[p];
            }
        }
        l
    }

    /// A weighted graph Laplacian plus a positive diagonal (a grounded
    /// Laplacian is of this kind): a symmetric M-matrix.
    fn m_matrix(n: usize, edges: &[(usize, usize, f64)], extra: &[f64]) -> Vec<Vec<f64>> {
        let mut a = vec![vec![0.0; n]; n];
        for &(i, j, w) in edges {
            a[i][j] -= w;
            a[j][i] -= w;
            a[i][i] += w;
            a[j][j] += w;
        }
        for (i, e) in extra.iter().enumerate() {
            a[i][i] += e;
        }
        a
    }

    #[test]
    fn ic0_without_fill_is_the_exact_cholesky_factor() {
        // A path (tridiagonal): Cholesky creates no fill, so IC(0) is exact
        // and the solve returns A⁻¹t (checked by multiplying back).
        let a = m_matrix(5, &[(0, 1, 1.0), (1, 2, 2.0), (2, 3, 0.5), (3, 4, 3.0)], &[0.3, 0.0, 0.0, 0.0, 0.1]);
        let (p, i, v) = lower_csc(&a);
        let f = Ic0::factor(p, i, v);
        let t = [1.0, -2.0, 0.5, 3.0, -1.0];
        let mut x = t;
        f.solve(&mut x);
        for r in 0..5 {
            let ax: f64 = (0..5).map(|c| a[r][c] * x[c]).sum();
            assert!((ax - t[r]).abs() < 1e-12, "row {r}: {ax} vs {}", t[r]);
        }
    }

    #[test]
    fn ic0_matches_the_matrix_on_its_pattern_and_drops_the_fill() {
        // A ring of 6 with a chord: elimination creates fill outside the
        // pattern. IC(0)'s defining property: (L Lᵀ)_ij = a_ij wherever
        // a_ij ≠ 0 (and L has no entry outside the lower pattern).
        let edges = [(0, 1, 1.0), (1, 2, 1.5), (2, 3, 1.0), (3, 4, 2.0), (4, 5, 1.0), (5, 0, 0.7), (1, 4, 0.4)];
        let a = m_matrix(6, &edges, &[0.2, 0.0, 0.1, 0.0, 0.0, 0.3]);
        let (p, i, v) = lower_csc(&a);
        let f = Ic0::factor(p, i, v);
        let l = dense_l(&f, 6);
        let mut dropped = 0;
        for r in 0..6 {
            for c in 0..=r {
                let llt: f64 = (0..6).map(|k| l[r][k] * l[c][k]).sum();
                if a[r][c] != 0.0 {
                    assert!((llt - a[r][c]).abs() < 1e-12, "({r},{c}): {llt} vs {}", a[r][c]);
                } else {
                    assert_eq!(l[r][c], 0.0, "L has fill at ({r},{c})");
                    dropped += usize::from(llt.abs() > 1e-12);
                }
            }
        }
        assert!(dropped > 0, "the ring must create fill for this test to mean anything");
        assert!((0..6).all(|k| f.values[f.col_ptr[k]] > 0.0), "pivots stay positive on an M-matrix");
    }
}
