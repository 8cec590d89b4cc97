//! Fixed effects: compaction of codes, iterative singleton removal and
//! demeaning (projection of columns on the orthogonal complement of the
//! fixed-effect dummies) without forming dummy matrices, by alternating
//! projections (here) or a Krylov solver (`krylov`), chosen by
//! [`Demeaner`].
//!
//! Imports nothing from the crate but the error type.
//!
//! # Demeaning algorithm
//!
//! Let $P_q$ be the (weighted) projection on the dummies of fixed effect
//! $q$ (group means). One sweep is $T = (I-P_Q)\cdots(I-P_1)$; the
//! alternating-projections iteration $x \leftarrow Tx$ converges to
//! $M_D x$, the residual of $x$ on all dummies (von Neumann–Halperin;
//! Berge 2018 for the fixed-effect application). Each cycle computes
//! $Tx$ and $T^2x$ and applies the Irons–Tuck extrapolation
//! $x' = T^2x - \frac{\langle \Delta T x, \Delta^2 x\rangle}{\lVert\Delta^2 x\rVert^2}\,\Delta Tx$
//! with $\Delta Tx = T^2x - Tx$ and $\Delta^2 x = T^2x - 2Tx + x$ (fixest's
//! acceleration, applied here to the observation vector). The coefficients
//! of the extrapolation sum to one, so the limit $M_D x$ is unchanged.
//! Convergence: the largest absolute group mean removed in a sweep is below
//! `tol`. A single fixed effect is exact in one sweep.
//!
//! This is fast when the fixed effects are nearly orthogonal (levels drawn
//! at random), and slow when they are linked through a sparse graph (worker ×
//! firm designs, where the contraction rate of a sweep approaches one).
//! There [`Demeaner::Krylov`] (conjugate gradient on the normal equations,
//! module `krylov`, preconditioned by an exact sparse-Cholesky solve of the
//! two largest fixed effects, module `schur`, and Jacobi on the others)
//! converges in a few iterations.
//! [`Demeaner::Auto`] (the default) demeans a single fixed effect exactly
//! in one sweep; with several it runs alternating projections for at most
//! [`AUTO_TRIAL_SWEEPS`] sweeps — stopping earlier when, from sweep 10 on,
//! their observed contraction rate projects convergence beyond that — and
//! when they have not converged continues with the Krylov solver from where
//! they stopped (the iterate stays in
//! $x + \operatorname{range} D$, so nothing is lost). Easy designs thus run
//! exactly today's iteration and never pay for the Krylov machinery.
//!
//! Columns are demeaned independently (rayon over columns); a column of at
//! least [`SPLIT_ROWS`] rows is swept in two halves in parallel, whose group
//! sums are added in a fixed order, so results do not depend on the number
//! of threads (and 3 columns keep 2 threads busy).
//!
//! Complexity: $O(N\,Q)$ per sweep, memory three $N$-vectors per column.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use rayon::prelude::*;

use super::EstimateError;

mod krylov;
mod schur;

use schur::TwoFeSolve;

/// Sweeps of alternating projections that [`Demeaner::Auto`] tries before
/// switching to the Krylov solver (the study's designs need at most 24).
pub const AUTO_TRIAL_SWEEPS: usize = 50;

/// Which algorithm demeans the columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Demeaner {
    /// Alternating projections (method of alternating projections) with Irons–Tuck acceleration.
    Map,
    /// Preconditioned conjugate gradient on the normal equations (`krylov`).
    Krylov,
    /// Alternating projections for one fixed effect or when they converge within
    /// [`AUTO_TRIAL_SWEEPS`] sweeps (judged from their contraction rate after 10);
    /// otherwise Krylov from where they stopped.
    #[default]
    Auto,
}

impl fmt::Display for Demeaner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Demeaner::Map => "map",
            Demeaner::Krylov => "krylov",
            Demeaner::Auto => "auto",
        })
    }
}

impl FromStr for Demeaner {
    type Err = EstimateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "map" => Ok(Demeaner::Map),
            "krylov" | "cg" => Ok(Demeaner::Krylov),
            "auto" => Ok(Demeaner::Auto),
            other => Err(EstimateError::bad(format!("unknown demeaner `{other}` (expected map, krylov or auto)"))),
        }
    }
}

/// Tolerance, iteration budget and algorithm of the demeaning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemeanOptions {
    /// Convergence tolerance (default 1e-8): for alternating projections the
    /// largest group mean removed in a sweep; for Krylov the change of the
    /// projected column in an iteration relative to the column's norm.
    pub tol: f64,
    /// Maximum number of sweeps (or Krylov iterations) per column (default 10 000).
    pub max_iter: usize,
    /// Algorithm (default [`Demeaner::Auto`]).
    pub method: Demeaner,
}

impl Default for DemeanOptions {
    fn default() -> Self {
        DemeanOptions { tol: 1e-8, max_iter: 10_000, method: Demeaner::Auto }
    }
}

/// How one column was demeaned.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ColumnDemean {
    /// Column name (filled by the caller that knows it, e.g. [`fit_ols`](crate::fit_ols); empty otherwise).
    pub column: String,
    /// Algorithm that finished the column ([`Demeaner::Map`] or [`Demeaner::Krylov`]).
    pub method: Demeaner,
    /// Sweeps plus Krylov iterations used (with `auto`, the trial sweeps are included).
    pub iterations: usize,
    /// Final value of the stopping criterion of `method` (0 when exact in one sweep).
    pub criterion: f64,
    /// Whether the criterion fell below the tolerance.
    pub converged: bool,
}

/// Outcome of demeaning a set of columns.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DemeanInfo {
    /// Largest number of iterations used by any column.
    pub iterations: usize,
    /// Whether every column converged.
    pub converged: bool,
    /// Per column, in the order given to [`demean`].
    pub columns: Vec<ColumnDemean>,
}

impl DemeanInfo {
    /// Nothing to demean (no fixed effect).
    pub fn none() -> Self {
        DemeanInfo { iterations: 0, converged: true, columns: Vec::new() }
    }

    /// Algorithms used, in order of first use, e.g. `"map"` or `"map, krylov"`.
    pub fn methods(&self) -> String {
        let mut used: Vec<Demeaner> = Vec::new();
        for c in &self.columns {
            if !used.contains(&c.method) {
                used.push(c.method);
            }
        }
        used.iter().map(Demeaner::to_string).collect::<Vec<_>>().join(", ")
    }
}

/// One fixed effect on the estimation sample: contiguous codes and the
/// inverse (weighted) size of each level.
#[derive(Debug, Clone)]
pub struct FeIndex {
    /// Level of each observation, in `0..n_levels`.
    pub codes: Vec<u32>,
    /// Number of levels.
    pub n_levels: usize,
    /// 1 / (sum of weights) of each level.
    pub(crate) inv_size: Vec<f64>,
}

impl FeIndex {
    /// Build from contiguous codes and optional weights.
    pub fn new(codes: Vec<u32>, n_levels: usize, weights: Option<&[f64]>) -> Self {
        let mut size = vec![0.0; n_levels];
        match weights {
            Some(w) => codes.iter().zip(w).for_each(|(&c, &wi)| size[c as usize] += wi),
            None => codes.iter().for_each(|&c| size[c as usize] += 1.0),
        }
        let inv_size = size.into_iter().map(|s| if s > 0.0 { 1.0 / s } else { 0.0 }).collect();
        FeIndex { codes, n_levels, inv_size }
    }

    /// Recompute the level sizes for new weights, keeping the codes (the
    /// Poisson fit's IRLS weights change every iteration).
    pub fn reweight(&mut self, weights: Option<&[f64]>) {
        let codes = std::mem::take(&mut self.codes);
        *self = FeIndex::new(codes, self.n_levels, weights);
    }
}

/// Renumber `codes` restricted to the observations where `keep` is true
/// into `0..levels` (in order of first appearance). Returns the new codes
/// and the number of levels.
pub fn compact(codes: &[u32], keep: Option<&[bool]>) -> (Vec<u32>, usize) {
    let max = codes.iter().copied().max().unwrap_or(0) as usize;
    let mut map = vec![u32::MAX; max + 1];
    let mut next = 0u32;
    let mut out = Vec::with_capacity(codes.len());
    for (i, &c) in codes.iter().enumerate() {
        if keep.is_some_and(|k| !k[i]) {
            continue;
        }
        let m = &mut map[c as usize];
        if *m == u32::MAX {
            *m = next;
            next += 1;
        }
        out.push(*m);
    }
    (out, next as usize)
}

/// Iteratively flag observations that are alone in a level of some fixed
/// effect (removing one can create another). Returns the keep mask and the
/// number of observations dropped.
pub fn singleton_mask(fes: &[&[u32]]) -> (Vec<bool>, usize) {
    let n = fes.first().map_or(0, |f| f.len());
    let mut keep = vec![true; n];
    let mut dropped = 0;
    loop {
        let mut changed = false;
        for f in fes {
            let max = f.iter().copied().max().unwrap_or(0) as usize;
            let mut count = vec![0u32; max + 1];
            for (i, &c) in f.iter().enumerate() {
                if keep[i] {
                    count[c as usize] = count[c as usize].saturating_add(1);
                }
            }
            for (i, &c) in f.iter().enumerate() {
                if keep[i] && count[c as usize] == 1 {
                    keep[i] = false;
                    dropped += 1;
                    changed = true;
                }
            }
        }
        if !changed {
            return (keep, dropped);
        }
    }
}

/// Columns at least this long are swept in two halves in parallel (each
/// half accumulates its own group sums; the two are added, lower half
/// first). The split depends on the length only, so results do not depend
/// on the number of threads; shorter columns keep the single sequential
/// pass.
pub(crate) const SPLIT_ROWS: usize = 1 << 18;

/// `s = 0`, then `s[codes[i]] += w[i]·x[i]`.
fn accumulate(codes: &[u32], x: &[f64], weights: Option<&[f64]>, s: &mut [f64]) {
    s.fill(0.0);
    match weights {
        Some(w) => codes.iter().zip(x).zip(w).for_each(|((&c, &xi), &wi)| s[c as usize] += wi * xi),
        None => codes.iter().zip(x).for_each(|(&c, &xi)| s[c as usize] += xi),
    }
}

/// `dst[i] = src[i] − m[codes[i]]` (in place on `dst` when `src` is None),
/// accumulating the result into `next = (codes, sums)` when given (which is
/// zeroed first).
fn subtract(
    src: Option<&[f64]>,
    dst: &mut [f64],
    m: &[f64],
    codes: &[u32],
    next: Option<(&[u32], &mut [f64])>,
    weights: Option<&[f64]>,
) {
    match (src, next) {
        (Some(src), Some((ncodes, next))) => {
            next.fill(0.0);
            for i in 0..dst.len() {
                let v = src[i] - m[codes[i] as usize];
                dst[i] = v;
                next[ncodes[i] as usize] += weights.map_or(v, |w| w[i] * v);
            }
        }
        (None, Some((ncodes, next))) => {
            next.fill(0.0);
            for i in 0..dst.len() {
                let v = dst[i] - m[codes[i] as usize];
                dst[i] = v;
                next[ncodes[i] as usize] += weights.map_or(v, |w| w[i] * v);
            }
        }
        (Some(src), None) => {
            for i in 0..dst.len() {
                dst[i] = src[i] - m[codes[i] as usize];
            }
        }
        (None, None) => {
            for i in 0..dst.len() {
                dst[i] -= m[codes[i] as usize];
            }
        }
    }
}

/// Scratch of [`sweep`]: the group sums of each fixed effect, and a second
/// set for the upper half of a split sweep (empty below [`SPLIT_ROWS`]).
struct SweepScratch {
    sums: Vec<Vec<f64>>,
    upper: Vec<Vec<f64>>,
}

impl SweepScratch {
    fn new(fes: &[FeIndex], n: usize) -> Self {
        let sums: Vec<Vec<f64>> = fes.iter().map(|f| vec![0.0; f.n_levels]).collect();
        let upper = if n >= SPLIT_ROWS { sums.clone() } else { Vec::new() };
        SweepScratch { sums, upper }
    }
}

/// One alternating-projections sweep $dst = T\,src$, fusing the
/// subtraction of fixed effect $q$ with the accumulation of $q+1$ ($Q+1$
/// passes over the data; each pass in two parallel halves from
/// [`SPLIT_ROWS`] rows). Returns the largest absolute group mean removed.
fn sweep(src: &[f64], dst: &mut [f64], fes: &[FeIndex], weights: Option<&[f64]>, scratch: &mut SweepScratch) -> f64 {
    let n = dst.len();
    let SweepScratch { sums, upper } = scratch;
    let split = !upper.is_empty();
    let mid = n / 2;
    let (w_lo, w_hi) = match weights {
        Some(w) if split => (Some(&w[..mid]), Some(&w[mid..])),
        _ => (weights, None),
    };
    if split {
        let codes = &fes[0].codes;
        let (lo, hi) = (&mut sums[0], &mut upper[0]);
        rayon::join(
            || accumulate(&codes[..mid], &src[..mid], w_lo, lo),
            || accumulate(&codes[mid..], &src[mid..], w_hi, hi),
        );
        lo.iter_mut().zip(hi.iter()).for_each(|(a, b)| *a += b);
    } else {
        accumulate(&fes[0].codes, src, weights, &mut sums[0]);
    }
    let mut largest = 0.0f64;
    for q in 0..fes.len() {
        let (head, tail) = sums.split_at_mut(q + 1);
        let m = &mut head[q];
        for (mi, inv) in m.iter_mut().zip(&fes[q].inv_size) {
            *mi *= inv;
            largest = largest.max(mi.abs());
        }
        let m: &[f64] = m;
        let codes = &fes[q].codes;
        let ncodes = fes.get(q + 1).map(|f| f.codes.as_slice());
        let src = (q == 0).then_some(src);
        if split {
            let (d_lo, d_hi) = dst.split_at_mut(mid);
            let up_next = upper.get_mut(q + 1);
            let lo_next = tail.first_mut();
            rayon::join(
                || {
                    let next = ncodes.zip(lo_next).map(|(c, s)| (&c[..mid], s.as_mut_slice()));
                    subtract(src.map(|s| &s[..mid]), d_lo, m, &codes[..mid], next, w_lo)
                },
                || {
                    let next = ncodes.zip(up_next).map(|(c, s)| (&c[mid..], s.as_mut_slice()));
                    subtract(src.map(|s| &s[mid..]), d_hi, m, &codes[mid..], next, w_hi)
                },
            );
            if let (Some(lo), Some(hi)) = (tail.first_mut(), upper.get(q + 1)) {
                lo.iter_mut().zip(hi).for_each(|(a, b)| *a += b);
            }
        } else {
            let next = ncodes.zip(tail.first_mut()).map(|(c, s)| (c, s.as_mut_slice()));
            subtract(src, dst, m, codes, next, weights);
        }
    }
    largest
}

/// Irons–Tuck's $\langle \Delta Tx, \Delta^2 x\rangle$ and $\lVert\Delta^2 x\rVert^2$
/// (in two parallel halves from [`SPLIT_ROWS`] rows, added lower first).
fn irons_tuck_terms(x: &[f64], gx: &[f64], ggx: &[f64]) -> (f64, f64) {
    let terms = |x: &[f64], gx: &[f64], ggx: &[f64]| {
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..x.len() {
            let d_g = ggx[i] - gx[i];
            let d2x = d_g - (gx[i] - x[i]);
            num += d_g * d2x;
            den += d2x * d2x;
        }
        (num, den)
    };
    if x.len() < SPLIT_ROWS {
        return terms(x, gx, ggx);
    }
    let mid = x.len() / 2;
    let ((n1, d1), (n2, d2)) =
        rayon::join(|| terms(&x[..mid], &gx[..mid], &ggx[..mid]), || terms(&x[mid..], &gx[mid..], &ggx[mid..]));
    (n1 + n2, d1 + d2)
}

/// The two N-vectors alternating projections needs per column ($Tx$ and
/// $T^2x$), kept by a caller that demeans the same design repeatedly (the
/// Poisson IRLS) so that every call does not allocate, and fault in, fresh
/// pages. Their contents between calls are irrelevant (each sweep writes
/// all of its destination).
#[derive(Debug, Default)]
pub struct ColumnBuffers {
    gx: Vec<f64>,
    ggx: Vec<f64>,
}

impl ColumnBuffers {
    /// The two buffers, of length `n`.
    fn pair(&mut self, n: usize) -> (&mut [f64], &mut [f64]) {
        self.gx.resize(n, 0.0);
        self.ggx.resize(n, 0.0);
        (&mut self.gx[..n], &mut self.ggx[..n])
    }
}

/// [`ColumnBuffers`] for each column of a [`demean_named_tols`] call.
#[derive(Debug, Default)]
pub struct DemeanBuffers {
    columns: Vec<ColumnBuffers>,
}

/// Outcome of alternating projections on one column.
struct MapOutcome {
    sweeps: usize,
    converged: bool,
    /// Largest group mean removed in the last sweep.
    last: f64,
}

/// Alternating projections with Irons–Tuck acceleration on one column, in
/// place, for at most `max_sweeps` sweeps (at least two fixed effects).
/// With `give_up`, stop as soon as the observed contraction (from sweep 4
/// on, checked from sweep 10) projects convergence beyond `max_sweeps`: the
/// trial of [`Demeaner::Auto`].
fn map_column(
    x: &mut [f64],
    fes: &[FeIndex],
    weights: Option<&[f64]>,
    tol: f64,
    max_sweeps: usize,
    give_up: bool,
    buffers: &mut ColumnBuffers,
) -> MapOutcome {
    let n = x.len();
    let mut sums = SweepScratch::new(fes, n);
    let (gx, ggx) = buffers.pair(n);
    let mut sweeps = 0;
    let mut last = f64::INFINITY;
    let mut reference = f64::INFINITY;
    while sweeps < max_sweeps {
        let d1 = sweep(x, gx, fes, weights, &mut sums);
        sweeps += 1;
        last = d1;
        if d1 < tol {
            x.copy_from_slice(gx);
            return MapOutcome { sweeps, converged: true, last };
        }
        if sweeps >= max_sweeps {
            x.copy_from_slice(gx);
            break;
        }
        let d2 = sweep(gx, ggx, fes, weights, &mut sums);
        sweeps += 1;
        last = d2;
        if d2 < tol {
            x.copy_from_slice(ggx);
            return MapOutcome { sweeps, converged: true, last };
        }
        // Irons–Tuck extrapolation.
        let (num, den) = irons_tuck_terms(x, gx, ggx);
        if den > 0.0 && num.is_finite() {
            let c = num / den;
            for i in 0..n {
                x[i] = ggx[i] - c * (ggx[i] - gx[i]);
            }
        } else {
            x.copy_from_slice(ggx);
        }
        if give_up {
            if sweeps == 4 {
                reference = d2;
            } else if sweeps >= 10 && reference.is_finite() {
                // Geometric rate per sweep since sweep 4, and the sweeps it needs to reach tol.
                let rate = (d2 / reference).powf(1.0 / (sweeps - 4) as f64);
                let needed = if rate < 1.0 { (tol / d2).ln() / rate.ln() } else { f64::INFINITY };
                if sweeps as f64 + needed > max_sweeps as f64 {
                    break;
                }
            }
        }
    }
    MapOutcome { sweeps, converged: false, last }
}

fn weighted_norm(x: &[f64], weights: Option<&[f64]>) -> f64 {
    match weights {
        Some(w) => x.iter().zip(w).map(|(v, wi)| wi * v * v).sum::<f64>().sqrt(),
        None => x.iter().map(|v| v * v).sum::<f64>().sqrt(),
    }
}

/// The Krylov preconditioner's two-fixed-effect block (exact, or IC(0) over
/// the fill budget), built at most once per design (by the first column
/// that needs it) and shared.
type SharedTwoFe = OnceLock<Option<TwoFeSolve>>;

/// Largest Cholesky factor (values) of the two-fixed-effect block: as many
/// as observations, at least a million (else Jacobi alone).
fn max_fill(n: usize) -> usize {
    n.max(1_000_000)
}

fn two_fe<'a>(shared: &'a SharedTwoFe, fes: &[FeIndex], weights: Option<&[f64]>) -> Option<&'a TwoFeSolve> {
    shared.get_or_init(|| TwoFeSolve::build(fes, weights, max_fill(fes[0].codes.len()))).as_ref()
}

/// Demean one column in place with the algorithm of `opts.method` (see the
/// module docs for [`Demeaner::Auto`]).
pub fn demean_column(x: &mut [f64], fes: &[FeIndex], weights: Option<&[f64]>, opts: &DemeanOptions) -> ColumnDemean {
    demean_column_shared(x, fes, weights, opts, &OnceLock::new(), &mut ColumnBuffers::default())
}

fn demean_column_shared(
    x: &mut [f64],
    fes: &[FeIndex],
    weights: Option<&[f64]>,
    opts: &DemeanOptions,
    shared: &SharedTwoFe,
    buffers: &mut ColumnBuffers,
) -> ColumnDemean {
    let map = |sweeps, converged, criterion| ColumnDemean {
        column: String::new(),
        method: Demeaner::Map,
        iterations: sweeps,
        criterion,
        converged,
    };
    if fes.is_empty() {
        return map(0, true, 0.0);
    }
    let exact_in_one_sweep = fes.len() == 1 && opts.method != Demeaner::Krylov;
    if exact_in_one_sweep {
        let mut sums = SweepScratch::new(fes, x.len());
        let (gx, _) = buffers.pair(x.len());
        sweep(x, gx, fes, weights, &mut sums);
        x.copy_from_slice(gx);
        return map(1, true, 0.0);
    }
    match opts.method {
        Demeaner::Map => {
            let m = map_column(x, fes, weights, opts.tol, opts.max_iter, false, buffers);
            map(m.sweeps, m.converged, m.last)
        }
        Demeaner::Krylov => {
            let norm = weighted_norm(x, weights);
            let two = two_fe(shared, fes, weights);
            let k = krylov::cg_column(x, norm, fes, weights, opts.tol, opts.max_iter, two);
            ColumnDemean {
                column: String::new(),
                method: Demeaner::Krylov,
                iterations: k.iterations,
                criterion: k.criterion,
                converged: k.converged,
            }
        }
        Demeaner::Auto => {
            let norm = weighted_norm(x, weights);
            let m = map_column(x, fes, weights, opts.tol, opts.max_iter.min(AUTO_TRIAL_SWEEPS), true, buffers);
            if m.converged || m.sweeps >= opts.max_iter {
                return map(m.sweeps, m.converged, m.last);
            }
            let two = two_fe(shared, fes, weights);
            let k = krylov::cg_column(x, norm, fes, weights, opts.tol, opts.max_iter - m.sweeps, two);
            ColumnDemean {
                column: String::new(),
                method: Demeaner::Krylov,
                iterations: m.sweeps + k.iterations,
                criterion: k.criterion,
                converged: k.converged,
            }
        }
    }
}

/// Demean several columns in place, in parallel over columns.
///
/// Returns the diagnostics; non-convergence is reported in
/// [`DemeanInfo::converged`] and per column, never silently ignored (see
/// [`demean_named`] for the named, optionally erroring variant).
pub fn demean(cols: &mut [Vec<f64>], fes: &[FeIndex], weights: Option<&[f64]>, opts: &DemeanOptions) -> DemeanInfo {
    demean_tols(cols, fes, weights, opts, None, &mut DemeanBuffers::default())
}

/// [`demean`] with a tolerance per column (`tols[j]` for column `j`,
/// `opts.tol` when None).
fn demean_tols(
    cols: &mut [Vec<f64>],
    fes: &[FeIndex],
    weights: Option<&[f64]>,
    opts: &DemeanOptions,
    tols: Option<&[f64]>,
    buffers: &mut DemeanBuffers,
) -> DemeanInfo {
    let shared = OnceLock::new();
    buffers.columns.resize_with(cols.len(), ColumnBuffers::default);
    let columns: Vec<ColumnDemean> = cols
        .par_iter_mut()
        .zip(&mut buffers.columns)
        .enumerate()
        .map(|(j, (c, b))| {
            let opts = DemeanOptions { tol: tols.map_or(opts.tol, |t| t[j]), ..*opts };
            demean_column_shared(c, fes, weights, &opts, &shared, b)
        })
        .collect();
    DemeanInfo {
        iterations: columns.iter().map(|r| r.iterations).max().unwrap_or(0),
        converged: columns.iter().all(|r| r.converged),
        columns,
    }
}

/// [`demean`] with the columns named (`names[j]` is column `j`) in the
/// diagnostics; nothing to do ([`DemeanInfo::none`]) without fixed effects.
/// When `strict`, non-convergence is [`EstimateError::NoConvergence`] naming
/// the first column that did not converge (columns without a name are called
/// `column j`); otherwise it is only reported in the diagnostics.
pub fn demean_named(
    cols: &mut [Vec<f64>],
    names: &[&str],
    fes: &[FeIndex],
    weights: Option<&[f64]>,
    opts: &DemeanOptions,
    strict: bool,
) -> Result<DemeanInfo, EstimateError> {
    demean_named_tols(cols, names, fes, weights, opts, None, &mut DemeanBuffers::default(), strict)
}

/// [`demean_named`] with a tolerance per column (`tols[j]` for column `j`;
/// `opts.tol` for all when None): the Poisson fit's first IRLS iteration
/// demeans its working outcome loosely and its regressors tightly. The
/// working vectors of alternating projections live in `buffers`, which a
/// caller demeaning the same design repeatedly keeps between calls.
// The IRLS's two extras (per-column tolerances, buffers) are its own; a
// struct bundling them would only rename the arguments.
#[allow(clippy::too_many_arguments)]
pub fn demean_named_tols(
    cols: &mut [Vec<f64>],
    names: &[&str],
    fes: &[FeIndex],
    weights: Option<&[f64]>,
    opts: &DemeanOptions,
    tols: Option<&[f64]>,
    buffers: &mut DemeanBuffers,
    strict: bool,
) -> Result<DemeanInfo, EstimateError> {
    if fes.is_empty() {
        return Ok(DemeanInfo::none());
    }
    let mut info = demean_tols(cols, fes, weights, opts, tols, buffers);
    for (c, name) in info.columns.iter_mut().zip(names) {
        c.column = (*name).to_owned();
    }
    match info.columns.iter().position(|c| !c.converged).filter(|_| strict) {
        None => Ok(info),
        Some(j) => {
            let c = &info.columns[j];
            Err(EstimateError::NoConvergence {
                column: names.get(j).map_or_else(|| format!("column {j}"), |s| (*s).to_owned()),
                method: c.method,
                iter: c.iterations,
                criterion: c.criterion,
                tol: tols.map_or(opts.tol, |t| t[j]),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A column long enough to be swept in two halves, with weights and
    /// three fixed effects (codes from a fixed linear congruential draw).
    fn long_design() -> (Vec<f64>, Vec<f64>, Vec<Vec<u32>>) {
        let n = SPLIT_ROWS + 1001;
        let mut state = 12345u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        let codes: Vec<Vec<u32>> = [5000u32, 300, 7].iter().map(|&l| (0..n).map(|_| next() % l).collect()).collect();
        let x: Vec<f64> = (0..n).map(|_| f64::from(next() % 10_000) / 100.0).collect();
        let w: Vec<f64> = (0..n).map(|_| 0.5 + f64::from(next() % 100) / 50.0).collect();
        (x, w, codes)
    }

    #[test]
    fn split_sweep_of_one_fixed_effect_removes_the_weighted_group_means() {
        let (x, w, codes) = long_design();
        let fes = vec![FeIndex::new(codes[0].clone(), 5000, Some(&w))];
        let mut cols = vec![x.clone()];
        demean(&mut cols, &fes, Some(&w), &DemeanOptions::default());
        // Independent: weighted group means by a plain sequential pass.
        let (mut sum, mut wsum) = (vec![0.0; 5000], vec![0.0; 5000]);
        for i in 0..x.len() {
            sum[codes[0][i] as usize] += w[i] * x[i];
            wsum[codes[0][i] as usize] += w[i];
        }
        for i in 0..x.len() {
            let expected = x[i] - sum[codes[0][i] as usize] / wsum[codes[0][i] as usize];
            assert!((cols[0][i] - expected).abs() <= 1e-10 * (1.0 + expected.abs()), "row {i}");
        }
    }

    #[test]
    fn split_sweeps_do_not_depend_on_the_number_of_threads() {
        let (x, w, codes) = long_design();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let fes: Vec<FeIndex> =
                    codes.iter().zip([5000, 300, 7]).map(|(c, l)| FeIndex::new(c.clone(), l, Some(&w))).collect();
                let mut cols = vec![x.clone(), w.clone()];
                let opts = DemeanOptions { method: Demeaner::Map, ..DemeanOptions::default() };
                let info = demean(&mut cols, &fes, Some(&w), &opts);
                assert!(info.converged);
                cols
            })
        };
        let one = run(1);
        let two = run(2);
        assert!(one.iter().flatten().zip(two.iter().flatten()).all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    #[test]
    fn singletons_are_removed_iteratively() {
        // obs 3 is alone in f1 level 2; removing it leaves obs 2 alone in f2 level 1.
        let f1 = [0u32, 0, 1, 2, 1];
        let f2 = [0u32, 0, 1, 1, 3];
        let (keep, dropped) = singleton_mask(&[&f1, &f2]);
        assert_eq!(dropped, 3);
        assert_eq!(keep, vec![true, true, false, false, false]);
    }

    #[test]
    fn demeaning_two_fe_matches_exact_projection() {
        // Balanced 3x4 panel: M_D x = x - row mean - col mean + grand mean.
        let (r, c) = (3usize, 4usize);
        let f1: Vec<u32> = (0..r * c).map(|i| (i / c) as u32).collect();
        let f2: Vec<u32> = (0..r * c).map(|i| (i % c) as u32).collect();
        let x: Vec<f64> = (0..r * c).map(|i| ((i * 7 + 3) % 11) as f64 + 0.5 * i as f64).collect();
        let fes = vec![FeIndex::new(f1.clone(), r, None), FeIndex::new(f2.clone(), c, None)];
        let mut y = x.clone();
        let opts = DemeanOptions { tol: 1e-14, max_iter: 1000, method: Demeaner::Map };
        assert!(demean_column(&mut y, &fes, None, &opts).converged);
        let grand: f64 = x.iter().sum::<f64>() / (r * c) as f64;
        for i in 0..r * c {
            let rm: f64 = (0..c).map(|j| x[(i / c) * c + j]).sum::<f64>() / c as f64;
            let cm: f64 = (0..r).map(|k| x[k * c + i % c]).sum::<f64>() / r as f64;
            assert!((y[i] - (x[i] - rm - cm + grand)).abs() < 1e-12);
        }
    }

    /// Worker × firm × year panel where firms are assigned by cycling
    /// through the observations (the "difficult" design of fixest's
    /// benchmarks, scaled down): `n_indiv` workers observed `n_years` years.
    fn cycling_design(n_indiv: usize, n_years: usize, n_firm: usize) -> Vec<FeIndex> {
        let n = n_indiv * n_years;
        let indiv: Vec<u32> = (0..n).map(|i| (i / n_years) as u32).collect();
        let year: Vec<u32> = (0..n).map(|i| (i % n_years) as u32).collect();
        let firm: Vec<u32> = (0..n).map(|i| (i % n_firm) as u32).collect();
        vec![FeIndex::new(indiv, n_indiv, None), FeIndex::new(firm, n_firm, None), FeIndex::new(year, n_years, None)]
    }

    fn with_weights(fes: &[FeIndex], w: &[f64]) -> Vec<FeIndex> {
        fes.iter().map(|f| FeIndex::new(f.codes.clone(), f.n_levels, Some(w))).collect()
    }

    /// $M_D x$ by a dense least-squares solve, independent of the iterative
    /// solvers: $\alpha = (D'WD)^+ D'Wx$ with the pseudo-inverse from an
    /// eigendecomposition (eigenvalues below 1e-9 of the largest are the
    /// rank deficiency of $D$ and are dropped).
    fn dense_residual(x: &[f64], fes: &[FeIndex], w: Option<&[f64]>) -> Vec<f64> {
        let n = x.len();
        let offs: Vec<usize> = fes
            .iter()
            .scan(0, |o, f| {
                let here = *o;
                *o += f.n_levels;
                Some(here)
            })
            .collect();
        let l: usize = fes.iter().map(|f| f.n_levels).sum();
        let wi = |i: usize| w.map_or(1.0, |w| w[i]);
        let mut a = faer::Mat::<f64>::zeros(l, l);
        let mut b = vec![0.0; l];
        for (i, xi) in x.iter().enumerate() {
            let cols: Vec<usize> = fes.iter().zip(&offs).map(|(f, o)| o + f.codes[i] as usize).collect();
            for &j in &cols {
                b[j] += wi(i) * xi;
                for &k in &cols {
                    a[(j, k)] += wi(i);
                }
            }
        }
        let eig = a.self_adjoint_eigen(faer::Side::Lower).unwrap();
        let (s, u) = (eig.S(), eig.U());
        let smax = (0..l).map(|k| s[k]).fold(0.0, f64::max);
        let mut alpha = vec![0.0; l];
        for k in 0..l {
            if s[k] > 1e-9 * smax {
                let c: f64 = (0..l).map(|j| u[(j, k)] * b[j]).sum::<f64>() / s[k];
                for j in 0..l {
                    alpha[j] += c * u[(j, k)];
                }
            }
        }
        (0..n).map(|i| x[i] - fes.iter().zip(&offs).map(|(f, o)| alpha[o + f.codes[i] as usize]).sum::<f64>()).collect()
    }

    fn column(n: usize, seed: u64) -> Vec<f64> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| rng.random::<f64>() * 2.0 - 1.0 + (rng.random::<f64>() * 10.0).floor()).collect()
    }

    fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
    }

    #[test]
    fn every_demeaner_matches_a_dense_solve_on_a_hard_design() {
        // 40 workers x 10 years, 12 firms by cycling: 3 FE, D has rank 40+12+10-2.
        let fes = cycling_design(40, 10, 12);
        let x = column(400, 1);
        let exact = dense_residual(&x, &fes, None);
        for method in [Demeaner::Map, Demeaner::Krylov, Demeaner::Auto] {
            let mut y = x.clone();
            let opts = DemeanOptions { tol: 1e-14, max_iter: 100_000, method };
            let info = demean_column(&mut y, &fes, None, &opts);
            assert!(info.converged, "{method}: {info:?}");
            assert!(max_abs_diff(&y, &exact) < 1e-10, "{method}: {}", max_abs_diff(&y, &exact));
        }
    }

    #[test]
    fn krylov_handles_weights_and_disconnected_components() {
        // Two worker-firm panels side by side with no link between them (two
        // connected components: one more redundant level), analytic weights.
        let a = cycling_design(20, 6, 5);
        let n1 = a[0].codes.len();
        let fes: Vec<FeIndex> = (0..3)
            .map(|q| {
                let mut codes = a[q].codes.clone();
                codes.extend(a[q].codes.iter().map(|&c| c + a[q].n_levels as u32));
                FeIndex::new(codes, 2 * a[q].n_levels, None)
            })
            .collect();
        let w: Vec<f64> = column(2 * n1, 7).iter().map(|v| 0.5 + v.abs() % 2.0).collect();
        let fes = with_weights(&fes, &w);
        let x = column(2 * n1, 3);
        let exact = dense_residual(&x, &fes, Some(&w));
        let mut y = x.clone();
        let opts = DemeanOptions { tol: 1e-14, max_iter: 100_000, method: Demeaner::Krylov };
        let info = demean_column(&mut y, &fes, Some(&w), &opts);
        assert!(info.converged && info.method == Demeaner::Krylov, "{info:?}");
        assert!(max_abs_diff(&y, &exact) < 1e-10, "{}", max_abs_diff(&y, &exact));
    }

    #[test]
    fn auto_keeps_alternating_projections_on_easy_designs_and_switches_on_hard_ones() {
        // Balanced two-way panel: MAP converges in a few sweeps, auto is MAP
        // itself (same iterate bit for bit).
        let (r, c) = (30usize, 8usize);
        let fes = vec![
            FeIndex::new((0..r * c).map(|i| (i / c) as u32).collect(), r, None),
            FeIndex::new((0..r * c).map(|i| (i % c) as u32).collect(), c, None),
        ];
        let x = column(r * c, 5);
        let (mut a, mut m) = (x.clone(), x.clone());
        let auto = demean_column(&mut a, &fes, None, &DemeanOptions::default());
        let map =
            demean_column(&mut m, &fes, None, &DemeanOptions { method: Demeaner::Map, ..DemeanOptions::default() });
        assert_eq!(auto, map);
        assert_eq!(a, m);
        assert_eq!(auto.method, Demeaner::Map);
        // Cycling design: more than the trial sweeps, so Krylov finishes it.
        let fes = cycling_design(600, 10, 435);
        let x = column(6000, 9);
        let exact = dense_residual(&x, &fes, None);
        let mut y = x.clone();
        let info = demean_column(&mut y, &fes, None, &DemeanOptions { tol: 1e-13, ..DemeanOptions::default() });
        assert!(info.converged && info.method == Demeaner::Krylov, "{info:?}");
        // The trial gives up early: the contraction rate projects more than the trial budget.
        assert!(info.iterations < AUTO_TRIAL_SWEEPS, "{info:?}");
        assert!(max_abs_diff(&y, &exact) < 1e-9, "{}", max_abs_diff(&y, &exact));
    }

    #[test]
    fn non_convergence_names_the_column_and_its_criterion() {
        let fes = cycling_design(600, 10, 435);
        let mut cols = vec![column(6000, 1), column(6000, 2)];
        let opts = DemeanOptions { tol: 1e-14, max_iter: 1, method: Demeaner::Krylov };
        let err = demean_named(&mut cols.clone(), &["y", "x1"], &fes, None, &opts, true).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("`y`") && msg.contains("after 1 iterations") && msg.contains("krylov"), "{msg}");
        // Not strict: the same failure is reported, per named column, in the diagnostics.
        let info = demean_named(&mut cols, &["y", "x1"], &fes, None, &opts, false).unwrap();
        assert!(!info.converged && info.columns[0].column == "y" && !info.columns[0].converged, "{info:?}");
    }

    #[test]
    fn two_fixed_effects_are_solved_exactly_by_the_preconditioner() {
        // Worker x firm (two FE) with two connected components and weights:
        // the preconditioner is the whole system, so CG stops after the two
        // iterations its stopping rule needs (the second step is ~0).
        let a = cycling_design(30, 6, 7);
        let n1 = a[0].codes.len();
        let w: Vec<f64> = column(2 * n1, 4).iter().map(|v| 0.5 + v.abs() % 2.0).collect();
        let fes: Vec<FeIndex> = (0..2)
            .map(|q| {
                let mut codes = a[q].codes.clone();
                codes.extend(a[q].codes.iter().map(|&c| c + a[q].n_levels as u32));
                FeIndex::new(codes, 2 * a[q].n_levels, Some(&w))
            })
            .collect();
        let x = column(2 * n1, 8);
        let exact = dense_residual(&x, &fes, Some(&w));
        let mut y = x.clone();
        let opts = DemeanOptions { tol: 1e-13, max_iter: 100, method: Demeaner::Krylov };
        let info = demean_column(&mut y, &fes, Some(&w), &opts);
        assert!(info.converged && info.iterations <= 3, "{info:?}");
        assert!(max_abs_diff(&y, &exact) < 1e-11, "{}", max_abs_diff(&y, &exact));
        assert!(TwoFeSolve::build(&fes, Some(&w), 1_000_000).is_some_and(|t| t.is_exact()));
        // A Schur complement bigger than the budget: Jacobi alone.
        assert!(TwoFeSolve::build(&fes, Some(&w), 3).is_none());
    }

    #[test]
    fn over_the_fill_budget_incomplete_cholesky_still_gives_the_exact_projection() {
        // Workers moving between random firms (a sparse random graph of 40
        // firms, whose Cholesky factor fills in) plus a year effect, weighted.
        let (nw, nf, ny) = (60usize, 40u64, 3usize);
        let mut state = 12_345u64;
        let mut next = |m: u64| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % m
        };
        let (mut worker, mut firm, mut year) = (Vec::new(), Vec::new(), Vec::new());
        for w in 0..nw {
            let (f1, f2) = (next(nf) as u32, next(nf) as u32);
            for t in 0..ny {
                worker.push(w as u32);
                firm.push(if t == 0 { f1 } else { f2 });
                year.push(t as u32);
            }
        }
        let (firm, n_firm) = compact(&firm, None);
        let n = worker.len();
        let w: Vec<f64> = column(n, 5).iter().map(|v| 0.5 + v.abs() % 2.0).collect();
        let fes = vec![
            FeIndex::new(worker, nw, Some(&w)),
            FeIndex::new(firm, n_firm, Some(&w)),
            FeIndex::new(year, ny, Some(&w)),
        ];
        let x = column(n, 9);
        let exact = dense_residual(&x, &fes, Some(&w));
        assert!(TwoFeSolve::build(&fes, Some(&w), 1_000_000).is_some_and(|t| t.is_exact()));
        let incomplete = (1..100_000)
            .find_map(|budget| TwoFeSolve::build(&fes, Some(&w), budget))
            .expect("some budget holds the Schur complement");
        assert!(!incomplete.is_exact(), "the smallest budget that holds S must be below the exact factor's fill");
        let norm = weighted_norm(&x, Some(&w));
        for two in [None, Some(&incomplete)] {
            let mut z = x.clone();
            let k = krylov::cg_column(&mut z, norm, &fes, Some(&w), 1e-13, 1000, two);
            assert!(k.converged, "{k:?}");
            assert!(max_abs_diff(&z, &exact) < 1e-10, "{}", max_abs_diff(&z, &exact));
        }
    }
}
