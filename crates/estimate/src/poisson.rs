//! Poisson pseudo-maximum likelihood (PPML) with absorbed fixed effects:
//! [`fit_poisson`] (fixest's `fepois`, pyfixest's `fepois`, Stata's
//! `ppmlhdfe`). Imports `design`, `fe`, `fit` and the OLS helpers of the
//! crate.
//!
//! # Sample
//! The outcome must be ≥ 0 (non-integer values are allowed: PPML is a
//! pseudo-likelihood; their count is reported). Observations are removed,
//! until nothing changes, when they are
//! * singletons (alone in a level of some fixed effect; optional as for OLS);
//! * **separated by a fixed effect**: in a level whose outcome is 0 in every
//!   observation (the level's effect would go to −∞; the rows carry no
//!   information on β). pyfixest's `separation_check = ["fe"]` removes the
//!   same rows in one pass after singleton removal; fixest and ppmlhdfe
//!   iterate, as here (a removal can create a new singleton);
//! * **separated by the regressors** (optional, on by default): a zero
//!   outcome that some combination of regressors and fixed effects predicts
//!   to be 0 exactly, so a coefficient would diverge; found by ppmlhdfe's
//!   iterative rectifier (`rectifier` below; pyfixest's `separation_check =
//!   ["ir"]`). The regressor that separated them is then usually 0 on the
//!   sample and dropped as collinear.
//!
//! # Iterations (IRLS = Newton for the canonical log link)
//! Start at $\mu = (y + \bar y)/2$. Each iteration forms the working outcome
//! $z = \eta + y/\mu - 1$ and weights $w\mu$, demeans $z$ and the regressors
//! with those weights (by [`fe::demean_named`], warm-started: the column
//! minus its fixed-effect part of the previous iteration has the same
//! projection, and is already nearly demeaned), solves the weighted least
//! squares, and updates $\eta = z - (\tilde z - \tilde X\delta)$,
//! $\mu = e^\eta$. It stops when the deviance changes by less than `tol`
//! relative, $|D - D_{\text{old}}| / (0.1 + |D_{\text{old}}|)$ (fixest's and
//! pyfixest's rule, default 1e-8).
//!
//! The demeaning tolerance adapts (as ppmlhdfe's does): the user's for the
//! regressors in the first iteration (they decide collinearity with the
//! fixed effects; its working outcome gets 1e-4), then 1% of the previous deviance criterion but at most 1e-4,
//! never tighter than the user's demeaning tolerance (default 1e-8); the fit is declared
//! converged only on an iteration demeaned at the user's tolerance (one
//! more iteration when the criterion falls below `tol` earlier), so the
//! result is that of a fixed tight tolerance while the early iterations,
//! far from the solution, sweep less.
//!
//! # What the fit holds for inference
//! With $W = \mathrm{diag}(w\mu)$ of the last iteration: `xt` is
//! $W^{1/2}\tilde X$, `resid_t` is $W^{1/2}(\tilde z - \tilde X\hat\beta)$
//! (so the score is $\tilde x_i (y_i - \mu_i)$ at convergence), `bread` is
//! $(\tilde X' W \tilde X)^{-1}$, the inverse Hessian, and `sigma2` is 1:
//! the iid vcov is the bread. Inference uses the normal distribution, as
//! fixest and pyfixest do for Poisson.

use faer::Mat;
use faer::Side;
use faer::linalg::solvers::Solve;
use rayon::prelude::*;
use statrs::function::gamma::ln_gamma;

use super::EstimateError;
use super::design::Design;
use super::fe::{self, FeIndex};
use super::fit::{ClusterVar, Diagnostics, FitCore, FitStat, Fitted, FixedEffect, SymMatrix};
use super::iv::solve_normal;
use super::ols::{CROSS_PAR_ROWS, FitOptions, collinear_columns, cross, cross_by, dot};

/// Options of [`fit_poisson`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoissonOptions {
    /// Demeaning, singleton and collinearity options, as for OLS; its
    /// `error_on_no_convergence` also makes a non-converged IRLS an error.
    pub fit: FitOptions,
    /// Convergence tolerance on the relative change of the deviance (default 1e-8, as fixest's `glm.tol`).
    pub tol: f64,
    /// Maximum IRLS iterations (default 25, as fixest's `glm.iter`).
    pub max_iter: usize,
    /// Remove observations in fixed-effect levels whose outcome is all zero (default true).
    pub separation_fe: bool,
    /// Also find observations separated by the regressors (with the fixed
    /// effects) with ppmlhdfe's iterative rectifier, and remove them (default true).
    pub separation_ir: bool,
}

impl Default for PoissonOptions {
    fn default() -> Self {
        PoissonOptions { fit: FitOptions::default(), tol: 1e-8, max_iter: 25, separation_fe: true, separation_ir: true }
    }
}

/// Why an input row is not in the estimation sample of a Poisson fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Excluded {
    /// Alone in a level of some fixed effect.
    Singleton,
    /// In a fixed-effect level whose outcome is 0 in every observation.
    Separated,
    /// An outcome of 0 that a combination of regressors and fixed effects
    /// predicts perfectly (found by the iterative rectifier).
    SeparatedByRegressors,
}

/// A fitted Poisson model: its [`FitCore`] plus what only Poisson has.
#[derive(Debug, Clone)]
pub struct PoissonFit {
    /// What inference and tables read (see the module docs).
    pub core: FitCore,
    /// Deviance $2\sum_i w_i\,[y_i\ln(y_i/\mu_i) - (y_i - \mu_i)]$.
    pub deviance: f64,
    /// Log-likelihood $\sum_i w_i\,[y_i\ln\mu_i - \mu_i - \ln y_i!]$.
    pub loglik: f64,
    /// McFadden's pseudo-R², $1 - \ell/\ell_0$ with $\ell_0$ the intercept-only
    /// log-likelihood (None with weights, as pyfixest).
    pub pseudo_r2: Option<f64>,
    /// IRLS iterations performed.
    pub iterations: usize,
    /// Whether the deviance criterion fell below the tolerance.
    pub converged: bool,
    /// Final relative change of the deviance.
    pub criterion: f64,
    /// Of [`Diagnostics::n_separated`], the observations found by the iterative rectifier.
    pub n_separated_ir: usize,
    /// The rectifier ran and did not converge within its 100 iterations (a warning: separation may remain).
    pub rectifier_unconverged: bool,
    /// Outcome values that are not integers (allowed; reported).
    pub n_non_integer: usize,
    /// Per input row, why it is excluded (`None`: in the sample), `n_input` long.
    pub excluded: Vec<Option<Excluded>>,
    /// Fitted means $\mu$ on the estimation sample (`nobs`).
    pub mu: Vec<f64>,
    /// Linear predictor $\eta = \ln\mu$ (including the fixed effects) on the sample.
    pub eta: Vec<f64>,
    /// Weights $w\mu$ of the last iteration on the sample.
    pub irls_weights: Vec<f64>,
    /// Demeaning sweeps or Krylov iterations summed over the IRLS iterations
    /// (largest column per iteration).
    pub demean_iterations: usize,
}

impl Fitted for PoissonFit {
    fn core(&self) -> &FitCore {
        &self.core
    }
    fn model_type(&self) -> &'static str {
        "Poisson"
    }
    fn fit_stats(&self) -> Vec<FitStat> {
        let mut out = vec![FitStat { key: "deviance".into(), label: "Deviance".into(), value: self.deviance, p: None }];
        if let Some(r2) = self.pseudo_r2 {
            out.push(FitStat { key: "pr2".into(), label: "Pseudo R2".into(), value: r2, p: None });
        }
        out
    }
    fn normal_inference(&self) -> bool {
        true
    }
    fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let by_fe = self.core.diagnostics.n_separated - self.n_separated_ir;
        if by_fe > 0 {
            out.push(format!("separated: {by_fe} in fixed-effect levels whose outcome is always 0"));
        }
        if self.n_separated_ir > 0 {
            out.push(format!("separated: {} by the regressors (iterative rectifier)", self.n_separated_ir));
        }
        if self.rectifier_unconverged {
            out.push("WARNING: the separation check (iterative rectifier) did not converge".into());
        }
        if self.n_non_integer > 0 {
            out.push(format!("{} non-integer outcome value(s) (allowed: pseudo-likelihood)", self.n_non_integer));
        }
        out.push(if self.converged {
            format!("IRLS converged in {} iterations (deviance criterion {:.1e})", self.iterations, self.criterion)
        } else {
            format!(
                "WARNING: IRLS did NOT converge in {} iterations (deviance criterion {:.1e})",
                self.iterations, self.criterion
            )
        });
        out
    }
}

/// Rows per chunk of [`chunked_sum`].
const SUM_CHUNK: usize = 1 << 16;

/// $\sum_{i<n} f(i)$, in parallel over fixed chunks of [`SUM_CHUNK`] rows
/// whose sums are added in order: the result depends on `n` only, not on
/// the number of threads (and is the plain sequential sum up to one chunk).
fn chunked_sum(n: usize, f: impl Fn(usize) -> f64 + Sync) -> f64 {
    let parts: Vec<f64> = (0..n.div_ceil(SUM_CHUNK))
        .into_par_iter()
        .map(|c| (c * SUM_CHUNK..n.min((c + 1) * SUM_CHUNK)).map(&f).sum::<f64>())
        .collect();
    parts.iter().sum()
}

/// Deviance of `mu` for outcome `y` (weights `w`).
fn deviance(y: &[f64], mu: &[f64], w: Option<&[f64]>) -> f64 {
    let term = |i: usize| {
        let d = if y[i] == 0.0 { 0.0 } else { y[i] * (y[i] / mu[i]).ln() };
        d - (y[i] - mu[i])
    };
    2.0 * match w {
        Some(w) => chunked_sum(y.len(), |i| w[i] * term(i)),
        None => chunked_sum(y.len(), term),
    }
}

/// Log-likelihood of `mu` for outcome `y` (weights `w`).
fn loglik(y: &[f64], mu: &[f64], w: Option<&[f64]>) -> f64 {
    chunked_sum(y.len(), |i| w.map_or(1.0, |w| w[i]) * (y[i] * mu[i].ln() - mu[i] - ln_gamma(y[i] + 1.0)))
}

/// Rows below which an elementwise pass of the IRLS stays on one thread.
const PAR_MIN_LEN: usize = 1 << 15;

/// The estimation sample: singletons and fixed-effect separation removed
/// until nothing changes. Returns the reason per row and the two counts.
fn sample(
    y: &[f64],
    fes: &[&[u32]],
    opts: &PoissonOptions,
    mut out: Vec<Option<Excluded>>,
) -> (Vec<Option<Excluded>>, usize, usize) {
    let n = y.len();
    let (mut n_single, mut n_sep) = (0, 0);
    if fes.is_empty() {
        return (out, 0, 0);
    }
    loop {
        let mut changed = false;
        if opts.fit.drop_singletons {
            let idx: Vec<usize> = (0..n).filter(|&i| out[i].is_none()).collect();
            let sub: Vec<Vec<u32>> = fes.iter().map(|f| idx.iter().map(|&i| f[i]).collect()).collect();
            let refs: Vec<&[u32]> = sub.iter().map(Vec::as_slice).collect();
            let (keep, dropped) = fe::singleton_mask(&refs);
            if dropped > 0 {
                for (j, &i) in idx.iter().enumerate() {
                    if !keep[j] {
                        out[i] = Some(Excluded::Singleton);
                    }
                }
                n_single += dropped;
                changed = true;
            }
        }
        if opts.separation_fe {
            for f in fes {
                let levels = f.iter().copied().max().map_or(0, |m| m as usize + 1);
                let mut positive = vec![false; levels];
                for i in (0..n).filter(|&i| out[i].is_none()) {
                    positive[f[i] as usize] |= y[i] > 0.0;
                }
                for i in 0..n {
                    if out[i].is_none() && !positive[f[i] as usize] {
                        out[i] = Some(Excluded::Separated);
                        n_sep += 1;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            return (out, n_single, n_sep);
        }
    }
}

/// Loosest demeaning tolerance of the IRLS iterations after the first (or
/// the user's demeaning tolerance if that is looser).
const INNER_TOL_START: f64 = 1e-4;
/// Later iterations demean to this fraction of the previous iteration's
/// deviance criterion (down to the user's demeaning tolerance).
const INNER_TOL_FACTOR: f64 = 1e-2;

/// Tolerance of the iterative rectifier: fitted values within
/// $(-0.1\,\text{tol}, \text{tol})$ count as zero, and observations with a
/// positive outcome get weight $N_{>0}/\text{tol}^2$ (pyfixest's constants).
const RECTIFIER_TOL: f64 = 1e-4;
/// Iterations of the rectifier before it gives up (with a warning).
const RECTIFIER_MAX_ITER: usize = 100;

/// Observations (input row indices) with a zero outcome that the regressors
/// and fixed effects separate: ppmlhdfe's iterative rectifier (Correia,
/// Guimarães and Zylkin 2021, "Verifying the existence of maximum
/// likelihood estimates for generalized linear models"). Rows already
/// excluded are ignored. `None` when it does not converge.
///
/// Least squares of $U$ (1 where $y = 0$, then the rectified fitted
/// values) on the regressors and fixed effects, with weight
/// $N_{>0}/\text{tol}^2$ on the observations with $y > 0$ (so their fit is
/// 0) and 1 elsewhere; fitted values near 0 are set to 0; when none is
/// negative, the observations with a positive fitted value are separated;
/// otherwise $U \leftarrow \max(\hat U, 0)$ on the zeros and repeat.
fn rectifier(
    design: &Design,
    excluded: &[Option<Excluded>],
    opts: &PoissonOptions,
) -> Result<Option<Vec<usize>>, EstimateError> {
    let idx: Vec<usize> = (0..excluded.len()).filter(|&i| excluded[i].is_none()).collect();
    let y: Vec<f64> = idx.iter().map(|&i| design.y.values[i]).collect();
    let n_pos = y.iter().filter(|v| **v > 0.0).count();
    if n_pos == y.len() || idx.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let big = n_pos as f64 / (RECTIFIER_TOL * RECTIFIER_TOL);
    let omega: Vec<f64> = y.iter().map(|v| if *v > 0.0 { big } else { 1.0 }).collect();
    let keep: Vec<bool> = excluded.iter().map(Option::is_none).collect();
    let fes: Vec<FeIndex> = design
        .fe
        .iter()
        .map(|f| {
            let (codes, levels) = fe::compact(&f.codes, Some(&keep));
            FeIndex::new(codes, levels, Some(&omega))
        })
        .collect();
    let mut x: Vec<Vec<f64>> = design.x.iter().map(|c| idx.iter().map(|&i| c.values[i]).collect()).collect();
    if fes.is_empty() {
        x.insert(0, vec![1.0; idx.len()]);
    }
    let mut demean_opts = opts.fit.demean;
    demean_opts.tol = demean_opts.tol.min(1e-10);
    let mut x_t = x.clone();
    fe::demean(&mut x_t, &fes, Some(&omega), &demean_opts);
    let sw: Vec<f64> = omega.iter().map(|v| v.sqrt()).collect();
    let wx: Vec<Vec<f64>> = x_t.iter().map(|c| c.iter().zip(&sw).map(|(a, s)| a * s).collect()).collect();
    // Columns collinear under these weights (relative pivot tolerance) are left out.
    let xtx = cross(&wx);
    let scale = (0..xtx.k).map(|j| xtx.get(j, j)).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    let dropped = collinear_columns(&xtx, 1e-12 * scale);
    let cols: Vec<usize> = (0..wx.len()).filter(|j| !dropped.contains(j)).collect();
    let llt = if cols.is_empty() {
        None
    } else {
        let m = Mat::from_fn(cols.len(), cols.len(), |a, b| xtx.get(cols[a], cols[b]));
        Some(m.llt(Side::Lower).map_err(|_| EstimateError::NotFullRank)?)
    };
    let mut u: Vec<f64> = y.iter().map(|v| f64::from(*v == 0.0)).collect();
    for _ in 0..RECTIFIER_MAX_ITER {
        let mut u_t = vec![u.clone()];
        fe::demean(&mut u_t, &fes, Some(&omega), &demean_opts);
        let mut resid = u_t.remove(0);
        if let Some(llt) = &llt {
            let wu: Vec<f64> = resid.iter().zip(&sw).map(|(a, s)| a * s).collect();
            let rhs = Mat::from_fn(cols.len(), 1, |a, _| dot(&wx[cols[a]], &wu));
            let b = llt.solve(&rhs);
            for (a, &j) in cols.iter().enumerate() {
                resid.iter_mut().zip(&x_t[j]).for_each(|(r, v)| *r -= b[(a, 0)] * v);
            }
        }
        let mut fitted: Vec<f64> = u.iter().zip(&resid).map(|(a, r)| a - r).collect();
        for (f, yi) in fitted.iter_mut().zip(&y) {
            if *yi > 0.0 || (*f > -0.1 * RECTIFIER_TOL && *f < RECTIFIER_TOL) {
                *f = 0.0;
            }
        }
        if fitted.iter().all(|f| *f >= 0.0) {
            return Ok(Some(idx.iter().zip(&fitted).filter(|(_, f)| **f > 0.0).map(|(&i, _)| i).collect()));
        }
        for ((ui, f), yi) in u.iter_mut().zip(&fitted).zip(&y) {
            if *yi == 0.0 {
                *ui = f.max(0.0);
            }
        }
    }
    Ok(None)
}

/// Fit a Poisson regression with absorbed fixed effects by IRLS.
///
/// # Arguments
/// * `design` — outcome ≥ 0, regressors, optional weights, fixed effects,
///   cluster variables (an intercept is added without fixed effects).
/// * `opts` — IRLS tolerance and budget, separation, and the OLS options
///   used inside each iteration.
///
/// # Errors
/// A negative outcome or one that is 0 everywhere ([`EstimateError::BadInput`]),
/// an empty sample after removals, regressors all collinear, a singular
/// Hessian, a diverging fit, and — when `opts.fit.error_on_no_convergence` —
/// non-convergence of the demeaning or of IRLS.
///
/// # Complexity
/// Per IRLS iteration one weighted demeaning of $K+1$ columns (warm-started)
/// and $O(NK^2)$ for the cross-products.
pub fn fit_poisson(design: &Design, opts: &PoissonOptions) -> Result<PoissonFit, EstimateError> {
    design.validate()?;
    let n_input = design.nobs();
    let y_all = &design.y.values;
    let depvar = design.y.name.clone();
    let negative = y_all.iter().filter(|v| **v < 0.0).count();
    if let Some(i) = y_all.iter().position(|v| *v < 0.0) {
        return Err(EstimateError::bad(format!(
            "the dependent variable `{depvar}` of a Poisson model must be ≥ 0, but {negative} observation(s) are \
             negative (the first: observation {}, value {})",
            i + 1,
            y_all[i]
        )));
    }
    if y_all.iter().all(|v| *v == 0.0) {
        return Err(EstimateError::bad(format!(
            "the dependent variable `{depvar}` is 0 in every observation: a Poisson model has nothing to fit"
        )));
    }
    let fe_refs: Vec<&[u32]> = design.fe.iter().map(|f| f.codes.as_slice()).collect();
    let (mut excluded, mut n_singletons, mut n_separated) = sample(y_all, &fe_refs, opts, vec![None; n_input]);
    let (mut n_separated_ir, mut rectifier_unconverged) = (0, false);
    if opts.separation_ir {
        // Rows the rectifier flags leave the sample; the removal can make new
        // singletons or all-zero levels, so the sample rules run again.
        let found = rectifier(design, &excluded, opts)?;
        rectifier_unconverged = found.is_none();
        let found = found.unwrap_or_default();
        if !found.is_empty() {
            n_separated_ir = found.len();
            for &i in &found {
                excluded[i] = Some(Excluded::SeparatedByRegressors);
            }
            let (again, more_single, more_sep) = sample(y_all, &fe_refs, opts, excluded);
            excluded = again;
            n_singletons += more_single;
            n_separated += more_sep;
        }
        n_separated += n_separated_ir;
    }
    let keep: Vec<bool> = excluded.iter().map(Option::is_none).collect();
    let nobs = keep.iter().filter(|k| **k).count();
    if nobs == 0 {
        return Err(EstimateError::EmptySample(format!(
            "no observation is left after removing {n_singletons} singleton(s) and {n_separated} observation(s) \
             separated by a fixed effect (levels whose outcome is always 0)"
        )));
    }
    let subset = |v: &[f64]| -> Vec<f64> { v.iter().zip(&keep).filter(|(_, k)| **k).map(|(x, _)| *x).collect() };
    let y = subset(y_all);
    let n_non_integer = y.iter().filter(|v| v.fract() != 0.0).count();
    let user_w = design.weights.as_deref().map(subset);
    let mask = Some(keep.as_slice());
    let mut fe_index: Vec<FeIndex> = design
        .fe
        .iter()
        .map(|f| {
            let (codes, levels) = fe::compact(&f.codes, mask);
            FeIndex::new(codes, levels, None)
        })
        .collect();
    let clusters: Vec<ClusterVar> = design
        .clusters
        .iter()
        .map(|c| {
            let (codes, n_groups) = fe::compact(&c.codes, mask);
            ClusterVar { name: c.name.clone(), codes, n_groups }
        })
        .collect();
    let mut names: Vec<String> = Vec::new();
    let mut x_raw: Vec<Vec<f64>> = Vec::new();
    if design.fe.is_empty() {
        names.push("Intercept".into());
        x_raw.push(vec![1.0; nobs]);
    }
    for c in &design.x {
        names.push(c.name.clone());
        x_raw.push(subset(&c.values));
    }

    // IRLS.
    let mean_y = y.iter().sum::<f64>() / nobs as f64;
    let mut mu: Vec<f64> = y.iter().map(|v| (v + mean_y) / 2.0).collect();
    let mut eta: Vec<f64> = mu.iter().map(|m| m.ln()).collect();
    let mut last = deviance(&y, &mu, user_w.as_deref());
    // Fixed-effect part (column minus its demeaned value) of z and each regressor, for warm starts.
    let mut fe_part: Vec<Vec<f64>> = vec![vec![0.0; nobs]; x_raw.len() + 1];
    let mut collinear: Vec<String> = Vec::new();
    let (mut iterations, mut converged, mut criterion, mut demean_iterations) = (0, false, f64::INFINITY, 0);
    // The last iteration's Newton step and (X̃'WX̃)⁻¹.
    let mut last_step: Option<(Vec<f64>, SymMatrix)> = None;
    let mut demean_info = fe::DemeanInfo::none();
    // Inner (demeaning) tolerance: loose while the IRLS is far from
    // convergence, the target once it is near — ppmlhdfe's adaptive
    // tolerance (Correia, Guimarães & Zylkin 2020, §3.2). Convergence is only
    // declared on an iteration demeaned at the target tolerance, so the
    // result is the one a fixed tight tolerance gives (to that tolerance).
    // The first iteration demeans its regressors at the user's tolerance:
    // they decide which are collinear with the fixed effects (a loosely
    // demeaned collinear column keeps a residual above the collinearity
    // threshold); its working outcome, far from its final value, is
    // demeaned at the loose starting tolerance.
    let target_tol = opts.fit.demean.tol;
    let mut inner_tol = target_tol;
    // The N-vectors of an iteration are allocated once and reused: fresh
    // ones in every iteration cost a page fault per 4 KiB (13 % of a fit's
    // time at 1e6 rows). `cols` holds z̃ then the regressors x̃ (demeaned).
    let mut z = vec![0.0; nobs];
    let mut cw = vec![0.0; nobs];
    let mut sw = vec![0.0; nobs];
    let mut cols: Vec<Vec<f64>> = vec![vec![0.0; nobs]; x_raw.len() + 1];
    let mut buffers = fe::DemeanBuffers::default();
    while iterations < opts.max_iter {
        iterations += 1;
        z.par_iter_mut()
            .with_min_len(PAR_MIN_LEN)
            .zip(&eta)
            .zip(&y)
            .zip(&mu)
            .for_each(|(((zi, e), yi), m)| *zi = e + yi / m - 1.0);
        match &user_w {
            Some(w) => cw.iter_mut().zip(w).zip(&mu).for_each(|((c, a), b)| *c = a * b),
            None => cw.copy_from_slice(&mu),
        }
        for f in &mut fe_index {
            f.reweight(Some(&cw));
        }
        for ((col, raw), part) in cols.iter_mut().zip(std::iter::once(&z).chain(&x_raw)).zip(&fe_part) {
            col.iter_mut().zip(raw).zip(part).for_each(|((c, a), b)| *c = a - b);
        }
        let col_names: Vec<&str> = std::iter::once(depvar.as_str()).chain(names.iter().map(String::as_str)).collect();
        // In the first iteration only the regressors need the user's
        // tolerance (collinearity); the working outcome z is far from its
        // final value and is demeaned at the loose starting tolerance.
        let tols: Option<Vec<f64>> = (iterations == 1).then(|| {
            std::iter::once(INNER_TOL_START.max(target_tol)).chain(x_raw.iter().map(|_| target_tol)).collect()
        });
        demean_info = fe::demean_named_tols(
            &mut cols,
            &col_names,
            &fe_index,
            Some(&cw),
            &fe::DemeanOptions { tol: inner_tol, ..opts.fit.demean },
            tols.as_deref(),
            &mut buffers,
            opts.fit.error_on_no_convergence,
        )?;
        demean_iterations += demean_info.iterations;
        for ((part, raw), dem) in fe_part.iter_mut().zip(std::iter::once(&z).chain(&x_raw)).zip(&cols) {
            part.iter_mut().zip(raw).zip(dem).for_each(|((p, r), d)| *p = r - d);
        }
        if iterations == 1 {
            let dropped = collinear_columns(&cross(&cols[1..]), opts.fit.collin_tol);
            for &j in dropped.iter().rev() {
                collinear.insert(0, names.remove(j));
                cols.remove(j + 1);
                x_raw.remove(j);
                fe_part.remove(j + 1);
            }
            if cols.len() == 1 {
                return Err(EstimateError::EmptySample(format!(
                    "every regressor is collinear with the fixed effects ({})",
                    collinear.join(", ")
                )));
            }
        }
        // Weighted least squares of z̃ on X̃ with weights w·μ: the normal
        // equations of W^{1/2}X̃ and W^{1/2}z̃, whose entries are formed on
        // the fly ((a·s)(b·s), the products of the weighted columns).
        sw.par_iter_mut().with_min_len(PAR_MIN_LEN).zip(&cw).for_each(|(s, c)| *s = c.sqrt());
        let (z_t, x_t) = (&cols[0], &cols[1..]);
        let weighted_dot =
            |a: &[f64], b: &[f64]| -> f64 { a.iter().zip(b).zip(&sw).map(|((x, y), s)| (x * s) * (y * s)).sum() };
        let xtx = cross_by(x_t.len(), nobs >= CROSS_PAR_ROWS, |i, j| weighted_dot(&x_t[i], &x_t[j]));
        let xtz: Vec<f64> = x_t.par_iter().map(|c| weighted_dot(c, z_t)).collect();
        let (bread, mut betas) = solve_normal(&xtx, &[xtz])?;
        let delta = betas.remove(0);
        // η = z − r, r = z̃ − Σ_j δ_j x̃_j (subtracted in column order).
        eta.par_iter_mut().with_min_len(PAR_MIN_LEN).zip(&z).zip(&mut mu).enumerate().for_each(|(i, ((e, a), m))| {
            let mut r = z_t[i];
            for (c, d) in x_t.iter().zip(&delta) {
                r -= d * c[i];
            }
            *e = a - r;
            *m = e.exp();
        });
        if let Some(i) = mu.iter().position(|m| !m.is_finite() || *m == 0.0) {
            return Err(EstimateError::bad(format!(
                "the Poisson fit diverged at iteration {iterations} (fitted mean of observation {} is {}): the \
                 regressors may separate some zero outcomes perfectly (drop or recode them)",
                i + 1,
                mu[i]
            )));
        }
        let dev = deviance(&y, &mu, user_w.as_deref());
        criterion = (dev - last).abs() / (0.1 + last.abs());
        last = dev;
        last_step = Some((delta, bread));
        let at_target = inner_tol <= target_tol && tols.as_ref().is_none_or(|t| t.iter().all(|v| *v <= target_tol));
        if criterion < opts.tol && at_target {
            converged = true;
            break;
        }
        inner_tol = if iterations == 1 { INNER_TOL_START } else { inner_tol };
        inner_tol = (criterion * INNER_TOL_FACTOR).min(inner_tol).max(target_tol);
        if criterion < opts.tol {
            inner_tol = target_tol;
        }
    }
    if !converged && opts.fit.error_on_no_convergence {
        return Err(EstimateError::IrlsNoConvergence { iter: iterations, criterion, tol: opts.tol });
    }
    let Some((beta, bread)) = last_step else {
        return Err(EstimateError::bad("the Poisson fit needs at least one IRLS iteration (max_iter = 0)"));
    };
    drop(buffers);
    // The last iteration's W^{1/2}z̃ and W^{1/2}X̃, in place.
    for c in &mut cols {
        c.par_iter_mut().with_min_len(PAR_MIN_LEN).zip(&sw).for_each(|(a, s)| *a *= s);
    }
    drop(sw);
    let mut resid_t = cols.remove(0);
    let wx = cols;
    let irls_weights = cw;
    for (c, b) in wx.iter().zip(&beta) {
        resid_t.iter_mut().zip(c).for_each(|(r, v)| *r -= b * v);
    }
    let ll = loglik(&y, &mu, user_w.as_deref());
    let pseudo_r2 = user_w.is_none().then(|| {
        let mu0 = vec![mean_y; nobs];
        1.0 - ll / loglik(&y, &mu0, None)
    });
    let fe = design
        .fe
        .iter()
        .zip(fe_index)
        .map(|(f, idx)| FixedEffect { name: f.name.clone(), levels: idx.n_levels, codes: idx.codes })
        .collect();
    Ok(PoissonFit {
        core: FitCore {
            depvar,
            coef_names: names,
            beta,
            bread,
            xt: wx,
            resid_t,
            sigma2: 1.0,
            nobs,
            fe,
            clusters,
            weights: user_w,
            sample: (nobs < n_input).then_some(keep),
            r2: f64::NAN,
            r2_within: None,
            diagnostics: Diagnostics { n_input, n_singletons, n_separated, collinear, demean: demean_info },
        },
        deviance: last,
        loglik: ll,
        pseudo_r2,
        iterations,
        converged,
        criterion,
        n_separated_ir,
        rectifier_unconverged,
        n_non_integer,
        excluded,
        mu,
        eta,
        irls_weights,
        demean_iterations,
    })
}
