//! Fixed effects: compaction of codes, iterative singleton removal and
//! demeaning (projection of columns on the orthogonal complement of the
//! fixed-effect dummies) without forming dummy matrices.
//!
//! Imports nothing from the crate.
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
//! Columns are demeaned independently (rayon over columns), each with a
//! sequential loop, so results do not depend on the number of threads.
//!
//! Complexity: $O(N\,Q)$ per sweep, memory three $N$-vectors per column.

use rayon::prelude::*;

use super::EstimateError;

/// Tolerance and iteration budget of the demeaning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemeanOptions {
    /// Convergence tolerance on the largest group mean removed in a sweep (default 1e-8).
    pub tol: f64,
    /// Maximum number of sweeps per column (default 10 000).
    pub max_iter: usize,
}

impl Default for DemeanOptions {
    fn default() -> Self {
        DemeanOptions { tol: 1e-8, max_iter: 10_000 }
    }
}

/// Outcome of demeaning a set of columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DemeanInfo {
    /// Largest number of sweeps used by any column.
    pub iterations: usize,
    /// Whether every column converged.
    pub converged: bool,
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
    inv_size: Vec<f64>,
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

/// One alternating-projections sweep $dst = T\,src$, fusing the
/// subtraction of fixed effect $q$ with the accumulation of $q+1$ ($Q+1$
/// passes over the data). Returns the largest absolute group mean removed.
/// `sums[q]` is scratch of length `fes[q].n_levels`.
fn sweep(src: &[f64], dst: &mut [f64], fes: &[FeIndex], weights: Option<&[f64]>, sums: &mut [Vec<f64>]) -> f64 {
    let mut largest = 0.0f64;
    sums[0].fill(0.0);
    {
        let s = &mut sums[0];
        let codes = &fes[0].codes;
        match weights {
            Some(w) => codes.iter().zip(src).zip(w).for_each(|((&c, &xi), &wi)| s[c as usize] += wi * xi),
            None => codes.iter().zip(src).for_each(|(&c, &xi)| s[c as usize] += xi),
        }
    }
    for q in 0..fes.len() {
        let (head, tail) = sums.split_at_mut(q + 1);
        let m = &mut head[q];
        for (mi, inv) in m.iter_mut().zip(&fes[q].inv_size) {
            *mi *= inv;
            largest = largest.max(mi.abs());
        }
        let codes = &fes[q].codes;
        if let Some(next) = tail.first_mut() {
            next.fill(0.0);
            let ncodes = &fes[q + 1].codes;
            if q == 0 {
                for i in 0..dst.len() {
                    let v = src[i] - m[codes[i] as usize];
                    dst[i] = v;
                    next[ncodes[i] as usize] += weights.map_or(v, |w| w[i] * v);
                }
            } else {
                for i in 0..dst.len() {
                    let v = dst[i] - m[codes[i] as usize];
                    dst[i] = v;
                    next[ncodes[i] as usize] += weights.map_or(v, |w| w[i] * v);
                }
            }
        } else if q == 0 {
            for i in 0..dst.len() {
                dst[i] = src[i] - m[codes[i] as usize];
            }
        } else {
            for i in 0..dst.len() {
                dst[i] -= m[codes[i] as usize];
            }
        }
    }
    largest
}

/// Demean one column in place by alternating projections with Irons–Tuck
/// acceleration. Returns `(sweeps, converged)`.
pub fn demean_column(x: &mut [f64], fes: &[FeIndex], weights: Option<&[f64]>, opts: &DemeanOptions) -> (usize, bool) {
    if fes.is_empty() {
        return (0, true);
    }
    let mut sums: Vec<Vec<f64>> = fes.iter().map(|f| vec![0.0; f.n_levels]).collect();
    let n = x.len();
    let mut gx = vec![0.0; n];
    if fes.len() == 1 {
        sweep(x, &mut gx, fes, weights, &mut sums);
        x.copy_from_slice(&gx);
        return (1, true);
    }
    let mut ggx = vec![0.0; n];
    let mut sweeps = 0;
    while sweeps < opts.max_iter {
        let d1 = sweep(x, &mut gx, fes, weights, &mut sums);
        sweeps += 1;
        if d1 < opts.tol {
            x.copy_from_slice(&gx);
            return (sweeps, true);
        }
        if sweeps >= opts.max_iter {
            x.copy_from_slice(&gx);
            break;
        }
        let d2 = sweep(&gx, &mut ggx, fes, weights, &mut sums);
        sweeps += 1;
        if d2 < opts.tol {
            x.copy_from_slice(&ggx);
            return (sweeps, true);
        }
        // Irons–Tuck extrapolation.
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..n {
            let d_g = ggx[i] - gx[i];
            let d2x = d_g - (gx[i] - x[i]);
            num += d_g * d2x;
            den += d2x * d2x;
        }
        if den > 0.0 && num.is_finite() {
            let c = num / den;
            for i in 0..n {
                x[i] = ggx[i] - c * (ggx[i] - gx[i]);
            }
        } else {
            x.copy_from_slice(&ggx);
        }
    }
    (sweeps, false)
}

/// Demean several columns in place, in parallel over columns.
///
/// Returns the diagnostics; non-convergence is reported in
/// [`DemeanInfo::converged`], never silently ignored (see
/// [`demean_or_error`] for the erroring variant).
pub fn demean(cols: &mut [Vec<f64>], fes: &[FeIndex], weights: Option<&[f64]>, opts: &DemeanOptions) -> DemeanInfo {
    let res: Vec<(usize, bool)> = cols.par_iter_mut().map(|c| demean_column(c, fes, weights, opts)).collect();
    DemeanInfo { iterations: res.iter().map(|r| r.0).max().unwrap_or(0), converged: res.iter().all(|r| r.1) }
}

/// [`demean`], turning non-convergence into [`EstimateError::NoConvergence`].
pub fn demean_or_error(
    cols: &mut [Vec<f64>],
    fes: &[FeIndex],
    weights: Option<&[f64]>,
    opts: &DemeanOptions,
) -> Result<DemeanInfo, EstimateError> {
    let info = demean(cols, fes, weights, opts);
    if info.converged { Ok(info) } else { Err(EstimateError::NoConvergence { iter: info.iterations, tol: opts.tol }) }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let (_, ok) = demean_column(&mut y, &fes, None, &DemeanOptions { tol: 1e-14, max_iter: 1000 });
        assert!(ok);
        let grand: f64 = x.iter().sum::<f64>() / (r * c) as f64;
        for i in 0..r * c {
            let rm: f64 = (0..c).map(|j| x[(i / c) * c + j]).sum::<f64>() / c as f64;
            let cm: f64 = (0..r).map(|k| x[k * c + i % c]).sum::<f64>() / r as f64;
            assert!((y[i] - (x[i] - rm - cm + grand)).abs() < 1e-12);
        }
    }
}
