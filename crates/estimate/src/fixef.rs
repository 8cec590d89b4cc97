//! Fixed-effect recovery ([`recover_fixef`]): the estimated value of every
//! level of every absorbed fixed effect, normalised as fixest's `fixef()`
//! (one reference level set to 0 per connected component), with the
//! connected components of the level graph ([`connected_components`]).
//! Also the linear part of a fit on the design's raw columns
//! ([`structural_residual`]). Imports `design`, `fe`, `fit` from the crate.
//!
//! # What is recovered
//!
//! Let $r = y - X\hat\beta$ on the estimation sample, with the *original*
//! (not demeaned) regressors: for OLS the residual before the fixed effects;
//! for 2SLS the structural part with the actual endogenous regressors; for
//! Poisson (planned) $\eta - X\hat\beta$ with the IRLS weights. The fixed
//! effects' sum per observation is the (weighted) least-squares projection of
//! $r$ on the fixed-effect dummies, $S = r - M_D r$, computed with the
//! engine's demeaner at a tight tolerance ([`FixefOptions`], default
//! $10^{-13}$). $S$ is unique; the individual values are not: with two
//! fixed effects one constant per connected component can move between
//! them, with more the indeterminacy may be larger.
//!
//! # Normalisation (fixest's `fixef()`, `cpp_get_fe_gnl`)
//!
//! fixest sets references greedily, and this module follows its rule:
//!
//! 1. Take observation 1 of the sample: the first fixed effect keeps its
//!    level free, the level of every other fixed effect there is a
//!    **reference** (value 0).
//! 2. Propagate: an observation whose levels are all known but one fixes
//!    that one, $\alpha_q = S_i - \sum_{p\ne q}\alpha_p$; repeat until
//!    nothing changes.
//! 3. If observations remain, choose one (the first with $Q-2$ known levels,
//!    else the first with the most known levels, else the first remaining),
//!    make all its unknown levels references except the first unknown one,
//!    and go back to 2.
//!
//! With **two** fixed effects this gives exactly one reference per connected
//! component of the bipartite level graph: the level of the *second* fixed
//! effect at the component's first observation (levels of the first fixed
//! effect are never references, as fixest documents). With **three or more**
//! the rule is fixest's heuristic: it is exact (reproduces $S$) on regular
//! designs; when it is not (too few references were set; fixest then falls
//! back to its demeaning's coefficients and calls the references
//! "approximate"), the values come from conjugate gradient on the normal
//! equations of $D\alpha = S$ (Jacobi-preconditioned, from zero) with no reference and
//! [`Fixef::exact`] is `false`. With **one** fixed effect the values are the
//! group means of $r$ and nothing is a reference.
//!
//! Propagation is a work-list over per-level observation lists, so steps
//! 1–2 cost $O(NQ)$; each step 3 costs a scan of the observations left
//! ($O(N)$; with two fixed effects a cursor makes all of them $O(N)$).
//!
//! # Connected components
//!
//! The nodes are the levels of all fixed effects; each observation links its
//! $Q$ levels. Union–find with path halving and union by size,
//! $O(NQ\,\alpha(N))$; components are numbered in order of their first
//! observation. With one fixed effect every level is its own component.

use super::EstimateError;
use super::design::Column;
use super::fe::{ColumnDemean, DemeanOptions, Demeaner, FeIndex, demean_column};
use super::fit::{FitCore, FixedEffect};

/// Options of [`recover_fixef`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixefOptions {
    /// Demeaning of $r$ that gives the fixed-effect sum $S = r - M_D r$
    /// (default: tolerance $10^{-13}$, 100 000 iterations, [`Demeaner::Auto`]).
    pub demean: DemeanOptions,
}

impl Default for FixefOptions {
    fn default() -> Self {
        FixefOptions { demean: DemeanOptions { tol: 1e-13, max_iter: 100_000, method: Demeaner::Auto } }
    }
}

/// The recovered values of one fixed effect, indexed by its level codes on
/// the estimation sample ([`FixedEffect::codes`], `0..levels`).
#[derive(Debug, Clone, PartialEq)]
pub struct FeValues {
    /// Fixed-effect variable.
    pub name: String,
    /// Value of each level (`levels`).
    pub values: Vec<f64>,
    /// Connected component of each level (`levels`, in `0..n_components`).
    pub component: Vec<u32>,
    /// Whether each level is a reference set to 0 (`levels`).
    pub reference: Vec<bool>,
}

/// Recovered fixed effects of a fit (see the module docs for the normalisation).
#[derive(Debug, Clone, PartialEq)]
pub struct Fixef {
    /// One entry per fixed effect, in the fit's order (`Q`).
    pub fe: Vec<FeValues>,
    /// Number of connected components of the level graph.
    pub n_components: usize,
    /// $\sum_q \alpha_q$ of each observation of the estimation sample (`n`), from the values.
    pub sum: Vec<f64>,
    /// Whether fixest's reference rule reproduced the projection (always with
    /// one or two fixed effects); `false`: values from conjugate gradient, no reference.
    pub exact: bool,
    /// Largest $|\sum_q\alpha_q - S_i|$ of fixest's rule before any fallback
    /// (rounding when `exact`; the misfit of too few references otherwise).
    pub rule_gap: f64,
    /// How $r$ was demeaned.
    pub demean: ColumnDemean,
}

impl Fixef {
    /// Number of reference levels over all fixed effects.
    pub fn n_references(&self) -> usize {
        self.fe.iter().map(|f| f.reference.iter().filter(|r| **r).count()).sum()
    }
}

/// Union–find over `n` nodes (path halving, union by size).
struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind { parent: (0..n as u32).collect(), size: vec![1; n] }
    }
    fn find(&mut self, mut a: u32) -> u32 {
        while self.parent[a as usize] != a {
            let gp = self.parent[self.parent[a as usize] as usize];
            self.parent[a as usize] = gp;
            a = gp;
        }
        a
    }
    fn union(&mut self, a: u32, b: u32) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a as usize] < self.size[b as usize] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b as usize] = a;
        self.size[a as usize] += self.size[b as usize];
    }
}

/// Connected components of the level graph of `fes` (module docs).
///
/// # Arguments
/// * `fes` — per fixed effect, the level of each observation (equal lengths `n`).
/// * `levels` — number of levels of each fixed effect (codes lie in `0..levels[q]`).
///
/// # Returns
/// Per fixed effect the component of each level, and the number of
/// components, numbered by first observation. A level no observation uses
/// gets its own component, numbered after the others.
///
/// # Complexity
/// $O(NQ\,\alpha(N))$ time, $O(\sum_q L_q)$ memory.
pub fn connected_components(fes: &[&[u32]], levels: &[usize]) -> (Vec<Vec<u32>>, usize) {
    let offsets: Vec<usize> = levels.iter().scan(0, |acc, &l| Some(std::mem::replace(acc, *acc + l))).collect();
    let total: usize = levels.iter().sum();
    let mut uf = UnionFind::new(total);
    let n = fes.first().map_or(0, |f| f.len());
    for i in 0..n {
        let first = offsets[0] as u32 + fes[0][i];
        for (q, f) in fes.iter().enumerate().skip(1) {
            uf.union(first, offsets[q] as u32 + f[i]);
        }
    }
    let mut id = vec![u32::MAX; total];
    let mut next = 0u32;
    for &c in fes.first().copied().unwrap_or_default() {
        let root = uf.find(offsets[0] as u32 + c) as usize;
        if id[root] == u32::MAX {
            id[root] = next;
            next += 1;
        }
    }
    let mut out = Vec::with_capacity(fes.len());
    for (q, &l) in levels.iter().enumerate() {
        let mut comp = Vec::with_capacity(l);
        for k in 0..l {
            let root = uf.find((offsets[q] + k) as u32) as usize;
            if id[root] == u32::MAX {
                id[root] = next;
                next += 1;
            }
            comp.push(id[root]);
        }
        out.push(comp);
    }
    (out, next as usize)
}

/// Observations of each level of one fixed effect (CSR: `start[l]..start[l+1]` in `obs`).
struct Members {
    start: Vec<usize>,
    obs: Vec<u32>,
}

impl Members {
    fn new(codes: &[u32], levels: usize) -> Self {
        let mut start = vec![0usize; levels + 1];
        for &c in codes {
            start[c as usize + 1] += 1;
        }
        for l in 0..levels {
            start[l + 1] += start[l];
        }
        let mut fill = start.clone();
        let mut obs = vec![0u32; codes.len()];
        for (i, &c) in codes.iter().enumerate() {
            obs[fill[c as usize]] = i as u32;
            fill[c as usize] += 1;
        }
        Members { start, obs }
    }
    fn of(&self, l: usize) -> &[u32] {
        &self.obs[self.start[l]..self.start[l + 1]]
    }
}

/// State of fixest's reference-and-propagate rule.
struct Propagation<'a> {
    fes: &'a [FixedEffect],
    members: Vec<Members>,
    known: Vec<Vec<bool>>,
    values: Vec<Vec<f64>>,
    reference: Vec<Vec<bool>>,
    /// Known levels of each observation.
    done: Vec<u32>,
    queue: Vec<u32>,
}

impl Propagation<'_> {
    fn mark(&mut self, q: usize, l: usize, value: f64) {
        self.known[q][l] = true;
        self.values[q][l] = value;
        let target = (self.fes.len() - 1) as u32;
        for &i in self.members[q].of(l) {
            self.done[i as usize] += 1;
            if self.done[i as usize] == target {
                self.queue.push(i);
            }
        }
    }

    /// Step 2: fix every level an observation with one unknown level determines.
    fn propagate(&mut self, s: &[f64]) {
        let qn = self.fes.len();
        while let Some(i) = self.queue.pop() {
            let i = i as usize;
            if self.done[i] as usize != qn - 1 {
                continue;
            }
            let mut other = 0.0;
            let mut free = (0, 0);
            for (q, f) in self.fes.iter().enumerate() {
                let l = f.codes[i] as usize;
                if self.known[q][l] {
                    other += self.values[q][l];
                } else {
                    free = (q, l);
                }
            }
            self.mark(free.0, free.1, s[i] - other);
        }
    }

    /// Step 1 / 3 at observation `i`: references for its unknown levels but the first.
    fn set_references(&mut self, i: usize) {
        let mut spared = false;
        for q in 0..self.fes.len() {
            let l = self.fes[q].codes[i] as usize;
            if self.known[q][l] {
                continue;
            }
            if spared {
                self.reference[q][l] = true;
                self.mark(q, l, 0.0);
            } else {
                spared = true;
            }
        }
    }
}

/// fixest's rule (module docs) on the fixed-effect sum `s`: values and references.
fn fixest_references(fes: &[FixedEffect], s: &[f64]) -> (Vec<Vec<f64>>, Vec<Vec<bool>>) {
    let qn = fes.len();
    let n = s.len();
    let mut p = Propagation {
        fes,
        members: fes.iter().map(|f| Members::new(&f.codes, f.levels)).collect(),
        known: fes.iter().map(|f| vec![false; f.levels]).collect(),
        values: fes.iter().map(|f| vec![0.0; f.levels]).collect(),
        reference: fes.iter().map(|f| vec![false; f.levels]).collect(),
        done: vec![0; n],
        queue: Vec::new(),
    };
    let open = |done: &[u32], i: usize| (done[i] as usize) < qn - 1;
    // Observations not yet determined, in order (compacted lazily).
    let mut remaining: Vec<u32> = (0..n as u32).collect();
    let mut cursor = 0usize;
    let mut pick = Some(0usize);
    while let Some(i) = pick {
        p.set_references(i);
        p.propagate(s);
        pick = if qn == 2 {
            // Every open observation has no known level: the first one.
            while cursor < n && !open(&p.done, cursor) {
                cursor += 1;
            }
            (cursor < n).then_some(cursor)
        } else {
            remaining.retain(|&o| open(&p.done, o as usize));
            // fixest's scan, literally (including its use of 0 as "unset").
            let (mut best, mut best_rs) = (0usize, 0u32);
            for &o in &remaining {
                let rs = p.done[o as usize];
                if rs as usize == qn - 2 {
                    best = o as usize;
                    break;
                } else if (rs as usize) < qn && rs > best_rs {
                    best = o as usize;
                    best_rs = rs;
                } else if best == 0 && rs == 0 {
                    best = o as usize;
                }
            }
            // Guard (never taken under fixest's invariants): an open observation.
            if !open(&p.done, best) {
                best = remaining.first().map_or(0, |&o| o as usize);
            }
            (!remaining.is_empty()).then_some(best)
        };
    }
    (p.values, p.reference)
}

/// Jacobi-preconditioned conjugate gradient on the normal equations
/// $D'WD\,\alpha = D'W S$ (consistent, singular: from $\alpha = 0$ it
/// converges to a solution whose sum is $S$), for the designs where
/// fixest's rule fails. Stops when the weighted misfit $\lVert D\alpha - S\rVert_W$
/// falls below `opts.tol` times $\lVert S\rVert_W$ (at least $10^{-11}$),
/// when it has not halved in 100 iterations, or after `opts.max_iter`.
fn conjugate_gradient(fes: &[FixedEffect], weights: Option<&[f64]>, s: &[f64], opts: &DemeanOptions) -> Vec<Vec<f64>> {
    let wt = |i: usize| weights.map_or(1.0, |w| w[i]);
    // D α (per observation) and D'W v (per level).
    let apply = |a: &[Vec<f64>]| -> Vec<f64> {
        (0..s.len()).map(|i| fes.iter().zip(a).map(|(f, v)| v[f.codes[i] as usize]).sum()).collect()
    };
    let adjoint = |v: &[f64]| -> Vec<Vec<f64>> {
        fes.iter()
            .map(|f| {
                let mut out = vec![0.0; f.levels];
                for (i, &c) in f.codes.iter().enumerate() {
                    out[c as usize] += wt(i) * v[i];
                }
                out
            })
            .collect()
    };
    let dot = |a: &[Vec<f64>], b: &[Vec<f64>]| -> f64 {
        a.iter().zip(b).map(|(x, y)| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>()).sum()
    };
    let wnorm = |v: &[f64]| -> f64 { v.iter().enumerate().map(|(i, x)| wt(i) * x * x).sum::<f64>().sqrt() };
    let diag = adjoint(&vec![1.0; s.len()]);
    let precond = |r: &[Vec<f64>]| -> Vec<Vec<f64>> {
        r.iter()
            .zip(&diag)
            .map(|(r, d)| r.iter().zip(d).map(|(a, b)| if *b > 0.0 { a / b } else { 0.0 }).collect())
            .collect()
    };
    let target = opts.tol.max(1e-11) * wnorm(s).max(f64::MIN_POSITIVE);
    let mut history: Vec<f64> = Vec::new();
    let mut alpha: Vec<Vec<f64>> = fes.iter().map(|f| vec![0.0; f.levels]).collect();
    let mut misfit = s.to_vec(); // S − Dα
    let mut r = adjoint(&misfit);
    let mut z = precond(&r);
    let mut p = z.clone();
    let mut rz = dot(&r, &z);
    for it in 0..opts.max_iter {
        let m = wnorm(&misfit);
        if m <= target || rz <= 0.0 || (it >= 100 && m > 0.5 * history[it - 100]) {
            break;
        }
        history.push(m);
        let dp = apply(&p);
        let pap: f64 = dp.iter().enumerate().map(|(i, x)| wt(i) * x * x).sum();
        if pap <= 0.0 {
            break;
        }
        let step = rz / pap;
        for (a, d) in alpha.iter_mut().zip(&p) {
            a.iter_mut().zip(d).for_each(|(x, y)| *x += step * y);
        }
        misfit.iter_mut().zip(&dp).for_each(|(m, d)| *m -= step * d);
        r = adjoint(&misfit);
        z = precond(&r);
        let rz_new = dot(&r, &z);
        let beta = rz_new / rz;
        rz = rz_new;
        for (pv, zv) in p.iter_mut().zip(&z) {
            pv.iter_mut().zip(zv).for_each(|(x, y)| *x = y + beta * *x);
        }
    }
    alpha
}

/// Recover the fixed effects whose sum is the least-squares projection of
/// `r` on the fixed-effect dummies, normalised as fixest's `fixef()`.
///
/// # Arguments
/// * `fes` — the fit's fixed effects on the estimation sample ([`FitCore::fe`]; codes of length `n`).
/// * `weights` — the fit's weights on the estimation sample, if any (`n`).
/// * `r` — $y - X\hat\beta$ on the estimation sample (`n`; see the module
///   docs and [`structural_residual`]).
/// * `opts` — demeaning of `r`.
///
/// # Returns
/// A [`Fixef`]: values, components and references per level, the sum per
/// observation. Non-convergence of the demeaning is reported in
/// [`Fixef::demean`], not an error.
///
/// # Errors
/// [`EstimateError::BadInput`] when there is no fixed effect or the lengths differ.
///
/// # Complexity
/// One demeaning of one column, then $O(NQ)$ plus $O(N)$ per extra reference
/// step with three or more fixed effects (module docs).
///
/// # Example
/// ```
/// use spillnet_estimate::FixedEffect;
/// use spillnet_estimate::fixef::{FixefOptions, recover_fixef};
/// // Two fixed effects, one component: y = a_i + g_j exactly.
/// let a = FixedEffect { name: "a".into(), codes: vec![0, 0, 1, 1], levels: 2 };
/// let g = FixedEffect { name: "g".into(), codes: vec![0, 1, 0, 1], levels: 2 };
/// let r = [1.0, 3.0, 2.0, 4.0];
/// let fx = recover_fixef(&[a, g], None, &r, &FixefOptions::default()).unwrap();
/// // g's level at observation 1 is the reference: g = (0, 2), a = (1, 2).
/// assert!(fx.fe[1].reference[0] && fx.n_components == 1);
/// assert!((fx.fe[0].values[1] - 2.0).abs() < 1e-12 && (fx.fe[1].values[1] - 2.0).abs() < 1e-12);
/// ```
///
/// # Reference
/// fixest `fixef.fixest` and `cpp_get_fe_gnl` (Bergé 2018); Abowd, Creecy
/// and Kramarz (2002) for connected components of worker–firm designs.
pub fn recover_fixef(
    fes: &[FixedEffect],
    weights: Option<&[f64]>,
    r: &[f64],
    opts: &FixefOptions,
) -> Result<Fixef, EstimateError> {
    let n = r.len();
    if fes.is_empty() {
        return Err(EstimateError::bad("fixed-effect recovery: the fit has no fixed effect"));
    }
    if let Some(f) = fes.iter().find(|f| f.codes.len() != n) {
        return Err(EstimateError::bad(format!(
            "fixed-effect recovery: `{}` has {} codes for {n} observations (were the codes dropped by `slim`?)",
            f.name,
            f.codes.len()
        )));
    }
    if weights.is_some_and(|w| w.len() != n) {
        return Err(EstimateError::bad("fixed-effect recovery: weights and residuals differ in length"));
    }
    let index: Vec<FeIndex> = fes.iter().map(|f| FeIndex::new(f.codes.clone(), f.levels, weights)).collect();
    let mut within = r.to_vec();
    let demean = demean_column(&mut within, &index, weights, &opts.demean);
    drop(index);
    let s: Vec<f64> = r.iter().zip(&within).map(|(a, b)| a - b).collect();
    drop(within);

    let codes: Vec<&[u32]> = fes.iter().map(|f| f.codes.as_slice()).collect();
    let levels: Vec<usize> = fes.iter().map(|f| f.levels).collect();
    let (component, n_components) = connected_components(&codes, &levels);

    let (mut values, mut reference) = if fes.len() == 1 {
        // Exact group means (the demeaning of one fixed effect is one sweep).
        let mut v = vec![0.0; fes[0].levels];
        for (i, &c) in fes[0].codes.iter().enumerate() {
            v[c as usize] = s[i];
        }
        (vec![v], vec![vec![false; fes[0].levels]])
    } else {
        fixest_references(fes, &s)
    };
    let sum_of = |values: &[Vec<f64>]| -> Vec<f64> {
        (0..n).map(|i| fes.iter().zip(values).map(|(f, v)| v[f.codes[i] as usize]).sum()).collect()
    };
    let mut sum = sum_of(&values);
    // fixest's rule is exact up to rounding along propagation paths; a gap
    // well above it means too few references (three or more fixed effects).
    let scale = s.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let gap = sum.iter().zip(&s).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    let exact = gap <= 1e-8 * scale;
    if !exact {
        values = conjugate_gradient(fes, weights, &s, &opts.demean);
        reference = fes.iter().map(|f| vec![false; f.levels]).collect();
        sum = sum_of(&values);
    }
    let fe = fes
        .iter()
        .zip(values)
        .zip(reference)
        .zip(component)
        .map(|(((f, values), reference), component)| FeValues { name: f.name.clone(), values, component, reference })
        .collect();
    Ok(Fixef { fe, n_components, sum, exact, rule_gap: gap, demean })
}

/// $r = y - X\hat\beta$ on the estimation sample of `core`, from the raw
/// columns of its design (all `n_input` design rows; [`FitCore::sample`]
/// selects the estimation sample).
///
/// # Arguments
/// * `core` — the fit.
/// * `y` — dependent variable on the design rows.
/// * `x` — raw columns on the design rows holding every kept coefficient
///   (`Intercept` needs no column); for 2SLS the exogenous and the actual
///   endogenous regressors. Extra columns are ignored.
///
/// # Errors
/// [`EstimateError::BadInput`] when a coefficient has no column or lengths differ.
pub fn structural_residual(core: &FitCore, y: &[f64], x: &[Column]) -> Result<Vec<f64>, EstimateError> {
    let rows = |v: &[f64]| -> Vec<f64> {
        match &core.sample {
            None => v.to_vec(),
            Some(keep) => v.iter().zip(keep).filter(|(_, k)| **k).map(|(a, _)| *a).collect(),
        }
    };
    let n_input = core.sample.as_ref().map_or(core.nobs, Vec::len);
    if y.len() != n_input {
        return Err(EstimateError::bad(format!("structural residual: y has {} rows, the design {n_input}", y.len())));
    }
    let mut r = rows(y);
    for (name, b) in core.coef_names.iter().zip(&core.beta) {
        if name == "Intercept" && !x.iter().any(|c| &c.name == name) {
            r.iter_mut().for_each(|v| *v -= b);
            continue;
        }
        let col = x
            .iter()
            .find(|c| &c.name == name)
            .ok_or_else(|| EstimateError::bad(format!("structural residual: no column for coefficient `{name}`")))?;
        if col.values.len() != n_input {
            return Err(EstimateError::bad(format!("structural residual: column `{name}` has the wrong length")));
        }
        r.iter_mut().zip(rows(&col.values)).for_each(|(v, c)| *v -= b * c);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use faer::linalg::solvers::Solve;
    use faer::{Mat, Side};

    use super::*;
    use crate::design::{Column, Design, Factor};
    use crate::{FitOptions, fit_ols};

    /// Agreement with the independent dummy-variable regression (1e-8 relative, as pyfixest's tests).
    const TOL: f64 = 1e-8;

    fn close(a: f64, b: f64, what: &str) {
        assert!((a - b).abs() <= TOL * (1.0 + b.abs()), "{what}: {a} vs {b}");
    }

    /// Weighted least squares by the normal equations (dense, Cholesky):
    /// coefficients and fitted values. Independent of the engine's demeaning.
    fn dense_ls(cols: &[Vec<f64>], y: &[f64], w: Option<&[f64]>) -> (Vec<f64>, Vec<f64>) {
        let (n, k) = (y.len(), cols.len());
        let wt = |i: usize| w.map_or(1.0, |w| w[i]);
        let a = Mat::from_fn(k, k, |p, q| (0..n).map(|i| wt(i) * cols[p][i] * cols[q][i]).sum::<f64>());
        let b = Mat::from_fn(k, 1, |p, _| (0..n).map(|i| wt(i) * cols[p][i] * y[i]).sum::<f64>());
        let sol = a.llt(Side::Lower).expect("dummy design of full rank").solve(&b);
        let beta: Vec<f64> = (0..k).map(|p| sol[(p, 0)]).collect();
        let fitted = (0..n).map(|i| (0..k).map(|p| beta[p] * cols[p][i]).sum()).collect();
        (beta, fitted)
    }

    /// A deterministic pseudo-random number in [-1, 1).
    fn noise(i: usize, salt: usize) -> f64 {
        let mut h =
            (i as u64).wrapping_mul(6364136223846793005).wrapping_add((salt as u64).wrapping_mul(1442695040888963407));
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51afd7ed558ccd);
        h ^= h >> 33;
        (h % 2_000_000) as f64 / 1_000_000.0 - 1.0
    }

    /// Fit OLS with fixed effects, recover them, and compare with the dense
    /// regression of y on x and one dummy per level minus the references.
    fn check_against_dummies(fe: Vec<Vec<u32>>, weights: Option<Vec<f64>>) -> Fixef {
        let n = fe[0].len();
        let x1: Vec<f64> = (0..n).map(|i| noise(i, 1) + 0.1 * f64::from(fe[0][i])).collect();
        let y: Vec<f64> = (0..n)
            .map(|i| {
                1.5 * x1[i]
                    + fe.iter().enumerate().map(|(q, f)| ((f[i] + 1) as f64 * (q + 2) as f64).sin()).sum::<f64>()
                    + noise(i, 2)
            })
            .collect();
        let mut d = Design::new(
            Column { name: "y".into(), values: y.clone() },
            vec![Column { name: "x1".into(), values: x1.clone() }],
        );
        d.weights = weights.clone();
        d.fe = fe.iter().enumerate().map(|(q, c)| Factor { name: format!("f{q}"), codes: c.clone() }).collect();
        let fit = fit_ols(&d, &FitOptions::default()).unwrap();
        let core = &fit.core;
        let r = structural_residual(core, &y, &d.x).unwrap();
        let fx = recover_fixef(&core.fe, core.weights.as_deref(), &r, &FixefOptions::default()).unwrap();
        assert!(fx.exact && fx.demean.converged);

        // The dense regression on the estimation sample.
        let rows: Vec<usize> = match &core.sample {
            None => (0..n).collect(),
            Some(k) => (0..n).filter(|&i| k[i]).collect(),
        };
        let ys: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
        let ws: Option<Vec<f64>> = weights.as_ref().map(|w| rows.iter().map(|&i| w[i]).collect());
        let mut cols = vec![rows.iter().map(|&i| x1[i]).collect::<Vec<f64>>()];
        let mut slot: Vec<Vec<Option<usize>>> = Vec::new();
        for (q, f) in core.fe.iter().enumerate() {
            let mut s = vec![None; f.levels];
            for (l, slot) in s.iter_mut().enumerate() {
                if !fx.fe[q].reference[l] {
                    *slot = Some(cols.len());
                    cols.push(f.codes.iter().map(|&c| f64::from(c as usize == l)).collect());
                }
            }
            slot.push(s);
        }
        let (beta, fitted) = dense_ls(&cols, &ys, ws.as_deref());
        close(core.beta[0], beta[0], "beta");
        for (q, s) in slot.iter().enumerate() {
            for (l, j) in s.iter().enumerate() {
                let want = j.map_or(0.0, |j| beta[j]);
                close(fx.fe[q].values[l], want, &format!("fe {q} level {l}"));
            }
        }
        // Fitted values: x β + Σ α.
        for (k, &i) in rows.iter().enumerate() {
            close(core.beta[0] * x1[i] + fx.sum[k], fitted[k], "fitted");
        }
        fx
    }

    #[test]
    fn two_fixed_effects_equal_the_dummy_regression_with_fixest_references() {
        let n = 120;
        let a: Vec<u32> = (0..n).map(|i| (i * 7 % 13) as u32).collect();
        let g: Vec<u32> = (0..n).map(|i| (i * 5 % 9) as u32).collect();
        let fx = check_against_dummies(vec![a, g.clone()], None);
        assert_eq!(fx.n_components, 1);
        // fixest: the second fixed effect's level at the first observation.
        assert_eq!(fx.n_references(), 1);
        assert!(fx.fe[1].reference[g[0] as usize] && fx.fe[0].reference.iter().all(|r| !r));
    }

    #[test]
    fn two_components_give_two_references() {
        // Block 1: a in 0..4, g in 0..3; block 2: a in 4..7, g in 3..5 (never mixed).
        let n = 90;
        let block = |i: usize| i % 3 == 2;
        let a: Vec<u32> = (0..n).map(|i| if block(i) { 4 + (i * 7 % 3) as u32 } else { (i * 5 % 4) as u32 }).collect();
        let g: Vec<u32> = (0..n).map(|i| if block(i) { 3 + (i * 11 % 2) as u32 } else { (i * 3 % 3) as u32 }).collect();
        let fx =
            check_against_dummies(vec![a.clone(), g.clone()], Some((0..n).map(|i| 1.0 + noise(i, 9).abs()).collect()));
        assert_eq!(fx.n_components, 2);
        assert_eq!(fx.n_references(), 2);
        // One reference per component, in the second fixed effect, at each component's first observation.
        for c in 0..2u32 {
            let refs: Vec<usize> = (0..fx.fe[1].reference.len())
                .filter(|&l| fx.fe[1].reference[l] && fx.fe[1].component[l] == c)
                .collect();
            assert_eq!(refs.len(), 1, "component {c}");
        }
        let first_of_block2 = (0..n).find(|&i| block(i)).unwrap();
        let level = |codes: &[u32], i: usize| codes[i];
        // Codes are compacted in order of first appearance; the fit kept every row here.
        let compact_g = crate::fe::compact(&g, None).0;
        assert!(fx.fe[1].reference[level(&compact_g, 0) as usize]);
        assert!(fx.fe[1].reference[level(&compact_g, first_of_block2) as usize]);
        let compact_a = crate::fe::compact(&a, None).0;
        assert_ne!(fx.fe[0].component[compact_a[0] as usize], fx.fe[0].component[compact_a[first_of_block2] as usize]);
    }

    #[test]
    fn singletons_are_left_out_and_the_sample_is_mapped() {
        let n = 60;
        let mut a: Vec<u32> = (0..n).map(|i| (i % 6) as u32).collect();
        let g: Vec<u32> = (0..n).map(|i| (i * 7 % 5) as u32).collect();
        a[17] = 99; // a singleton level
        let fx = check_against_dummies(vec![a, g], None);
        assert_eq!(fx.sum.len(), n - 1);
    }

    #[test]
    fn three_regular_fixed_effects_and_one() {
        let n = 150;
        let a: Vec<u32> = (0..n).map(|i| (i * 7 % 11) as u32).collect();
        let g: Vec<u32> = (0..n).map(|i| (i * 5 % 6) as u32).collect();
        let t: Vec<u32> = (0..n).map(|i| (i * 3 % 4) as u32).collect();
        // Regular: Q − 1 = 2 references.
        let u: Vec<u32> = (0..n).map(|i| (i * 3 % 5) as u32).collect();
        let fx = check_against_dummies(vec![a.clone(), g.clone(), u], None);
        assert_eq!(fx.n_references(), 2);
        // g (i mod 6) and t (i mod 4) both encode the parity of i: one more
        // linear dependency, which fixest's rule finds (3 references).
        let fx = check_against_dummies(vec![a.clone(), g, t], None);
        assert_eq!(fx.n_references(), 3);
        let fx = check_against_dummies(vec![a], None);
        assert_eq!(fx.n_references(), 0);
    }

    #[test]
    fn components_of_a_chain_and_isolated_blocks() {
        // worker × firm: 0-0, 1-0, 1-1 (chain), 2-2 (own block), firm 3 unused.
        let w = [0u32, 1, 1, 2];
        let f = [0u32, 0, 1, 2];
        let (c, k) = connected_components(&[&w, &f], &[3, 4]);
        assert_eq!(k, 3);
        assert_eq!(c[0], [0, 0, 1]);
        assert_eq!(c[1], [0, 0, 1, 2]);
    }

    /// An AKM-like design: workers × firms with rare moves, several components.
    fn akm(n_workers: usize, years: usize, n_firms: usize) -> (Vec<u32>, Vec<u32>, Vec<f64>) {
        let mut w = Vec::with_capacity(n_workers * years);
        let mut f = Vec::with_capacity(n_workers * years);
        for i in 0..n_workers {
            // Firms come in islands of 50 that workers never leave.
            let island = (i % (n_firms / 50)) * 50;
            let mut firm = island + (i * 31 % 50);
            for t in 0..years {
                if noise(i * years + t, 5) > 0.8 {
                    firm = island + ((i * 17 + t * 13) % 50);
                }
                w.push(i as u32);
                f.push(firm as u32);
            }
        }
        let r = (0..w.len()).map(|i| noise(i, 3) + (f64::from(w[i]) * 0.001).sin() + (f64::from(f[i])).cos()).collect();
        (w, f, r)
    }

    #[test]
    fn akm_islands_are_separate_components_and_the_sum_is_the_projection() {
        let (w, f, r) = akm(2000, 8, 500);
        let (wc, nw) = crate::fe::compact(&w, None);
        let (fc, nf) = crate::fe::compact(&f, None);
        let fes = [
            FixedEffect { name: "worker".into(), codes: wc, levels: nw },
            FixedEffect { name: "firm".into(), codes: fc, levels: nf },
        ];
        let fx = recover_fixef(&fes, None, &r, &FixefOptions::default()).unwrap();
        assert!(fx.exact);
        // Ten islands, some split further (firms no worker links); one reference each.
        assert!(fx.n_components >= 10, "{}", fx.n_components);
        assert_eq!(fx.n_references(), fx.n_components);
        for l in 0..nf {
            let island = |firm: u32| firm / 50;
            let (c, first) = (fx.fe[1].component[l], fes[1].codes.iter().position(|&x| x as usize == l).unwrap());
            // Levels of one component never span islands.
            for m in 0..nf {
                let other = fes[1].codes.iter().position(|&x| x as usize == m).unwrap();
                if fx.fe[1].component[m] == c {
                    assert_eq!(island(f[first]), island(f[other]));
                }
            }
        }
        // r − Σα is orthogonal to every dummy: zero sum within each level.
        for fe in &fes {
            let mut s = vec![0.0; fe.levels];
            for (i, &c) in fe.codes.iter().enumerate() {
                s[c as usize] += r[i] - fx.sum[i];
            }
            assert!(s.iter().all(|v| v.abs() < 1e-9), "{:?}", s.iter().fold(0.0f64, |m, v| m.max(v.abs())));
        }
    }

    #[test]
    fn where_fixests_rule_fails_the_sum_is_still_the_projection() {
        // fixest's "difficult" design, small: individuals × years, firm = row mod 7.
        let (n_ind, years, n_firm) = (60usize, 6usize, 7usize);
        let n = n_ind * years;
        let ind: Vec<u32> = (0..n).map(|i| (i / years) as u32).collect();
        let year: Vec<u32> = (0..n).map(|i| (i % years) as u32).collect();
        let firm: Vec<u32> = (0..n).map(|i| (i % n_firm) as u32).collect();
        let r: Vec<f64> = (0..n).map(|i| noise(i, 4) + f64::from(firm[i]).sin() + 0.1 * f64::from(year[i])).collect();
        let fes: Vec<FixedEffect> = [("ind", ind, n_ind), ("firm", firm, n_firm), ("year", year, years)]
            .into_iter()
            .map(|(name, codes, levels)| FixedEffect { name: name.into(), codes, levels })
            .collect();
        let fx = recover_fixef(&fes, None, &r, &FixefOptions::default()).unwrap();
        assert!(!fx.exact && fx.rule_gap > 1e-3 && fx.n_references() == 0);
        // r − Σα is orthogonal to every dummy, and Σα is a sum of level values by construction.
        for fe in &fes {
            let mut s = vec![0.0; fe.levels];
            for (i, &c) in fe.codes.iter().enumerate() {
                s[c as usize] += r[i] - fx.sum[i];
            }
            assert!(s.iter().all(|v| v.abs() < 1e-8), "{s:?}");
        }
        // And it equals the dense regression's fitted values: r projected on an
        // orthonormal basis of the dummies' span (Gram–Schmidt, dependent columns dropped).
        let mut cols: Vec<Vec<f64>> = Vec::new();
        for fe in &fes {
            for l in 0..fe.levels {
                cols.push(fe.codes.iter().map(|&c| f64::from(c as usize == l)).collect());
            }
        }
        let mut basis: Vec<Vec<f64>> = Vec::new();
        for c in cols {
            let mut v = c.clone();
            for b in &basis {
                let proj: f64 = v.iter().zip(b).map(|(x, y)| x * y).sum();
                v.iter_mut().zip(b).for_each(|(x, y)| *x -= proj * y);
            }
            let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm > 1e-8 {
                basis.push(v.into_iter().map(|x| x / norm).collect());
            }
        }
        for i in 0..n {
            let fitted: f64 = basis.iter().map(|b| b[i] * b.iter().zip(&r).map(|(x, y)| x * y).sum::<f64>()).sum();
            close(fx.sum[i], fitted, "fallback fitted");
        }
    }

    #[test]
    fn iv_fixed_effects_are_the_projection_of_the_structural_residual() {
        let n = 100;
        let a: Vec<u32> = (0..n).map(|i| (i * 7 % 9) as u32).collect();
        let g: Vec<u32> = (0..n).map(|i| (i * 3 % 5) as u32).collect();
        let z: Vec<f64> = (0..n).map(|i| noise(i, 11)).collect();
        let x1: Vec<f64> = (0..n).map(|i| noise(i, 12)).collect();
        let d: Vec<f64> = (0..n).map(|i| z[i] + 0.5 * noise(i, 13) + 0.1 * f64::from(a[i])).collect();
        let y: Vec<f64> =
            (0..n).map(|i| 2.0 * d[i] - x1[i] + f64::from(a[i]).cos() + f64::from(g[i]) + noise(i, 14)).collect();
        let col = |name: &str, v: &[f64]| Column { name: name.into(), values: v.to_vec() };
        let mut base = Design::new(col("y", &y), vec![col("x1", &x1)]);
        base.fe = vec![Factor { name: "a".into(), codes: a }, Factor { name: "g".into(), codes: g }];
        let iv = crate::IvDesign { base, endog: vec![col("d", &d)], instruments: vec![col("z", &z)] };
        let fit = crate::fit_iv(&iv, &FitOptions::default()).unwrap();
        let core = &fit.core;
        let r = structural_residual(core, &y, &[col("x1", &x1), col("d", &d)]).unwrap();
        // Independently: y − x1·b1 − d·b2 with the second-stage coefficients.
        for i in 0..n {
            close(r[i], y[i] - core.beta[0] * x1[i] - core.beta[1] * d[i], "structural residual");
        }
        let fx = recover_fixef(&core.fe, None, &r, &FixefOptions::default()).unwrap();
        // Dense regression of r on the dummies minus the references.
        let mut cols = Vec::new();
        let mut slot = Vec::new();
        for (q, f) in core.fe.iter().enumerate() {
            for l in 0..f.levels {
                if !fx.fe[q].reference[l] {
                    slot.push((q, l));
                    cols.push(f.codes.iter().map(|&c| f64::from(c as usize == l)).collect::<Vec<f64>>());
                }
            }
        }
        let (beta, _) = dense_ls(&cols, &r, None);
        for ((q, l), b) in slot.into_iter().zip(beta) {
            close(fx.fe[q].values[l], b, "iv fe");
        }
        // The fit's residual is r minus the fixed effects.
        for ((u, ri), si) in core.resid_t.iter().zip(&r).zip(&fx.sum) {
            close(*u, ri - si, "iv residual");
        }
    }

    /// Timing of the recovery on a 1e6-row AKM-like design (run with
    /// `cargo test -p spillnet-estimate --release -- --ignored akm_million --nocapture`).
    #[test]
    #[ignore = "timing, 1e6 rows"]
    fn akm_million_timing() {
        let (w, f, r) = akm(125_000, 8, 20_000);
        let (wc, nw) = crate::fe::compact(&w, None);
        let (fc, nf) = crate::fe::compact(&f, None);
        let fes = [
            FixedEffect { name: "worker".into(), codes: wc.clone(), levels: nw },
            FixedEffect { name: "firm".into(), codes: fc.clone(), levels: nf },
        ];
        let t = std::time::Instant::now();
        let (_, k) = connected_components(&[&wc, &fc], &[nw, nf]);
        let t_cc = t.elapsed();
        let t = std::time::Instant::now();
        let fx = recover_fixef(&fes, None, &r, &FixefOptions::default()).unwrap();
        eprintln!(
            "n = {}, components {k} ({t_cc:?}), recovery {:?} ({} iterations, {}, exact {})",
            r.len(),
            t.elapsed(),
            fx.demean.iterations,
            fx.demean.method,
            fx.exact
        );
        assert_eq!(fx.n_references(), fx.n_components);
        // With a year fixed effect (fixest's greedy rule for three).
        let year: Vec<u32> = (0..r.len()).map(|i| (i % 8) as u32).collect();
        let fes3 = [fes[0].clone(), fes[1].clone(), FixedEffect { name: "year".into(), codes: year, levels: 8 }];
        let t = std::time::Instant::now();
        let fx = recover_fixef(&fes3, None, &r, &FixefOptions::default()).unwrap();
        eprintln!(
            "worker + firm + year: recovery {:?} ({} iterations, {}, exact {}, {} references)",
            t.elapsed(),
            fx.demean.iterations,
            fx.demean.method,
            fx.exact,
            fx.n_references()
        );
    }
}
