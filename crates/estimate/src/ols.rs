//! Fitting: [`fit_ols`] turns a [`Design`] into an [`OlsFit`], whose
//! [`FitCore`] holds the coefficients, residuals, bread $(X'X)^{-1}$, the
//! demeaned weighted regressors from which every vcov is computed, and
//! diagnostics. Imports `design`, `fe` and `fit` from the crate.
//!
//! Steps, in pyfixest 0.60's order: iterative singleton removal (optional),
//! weighted demeaning of $y$ and $X$ (or an intercept when there is no fixed
//! effect), collinearity detection on the *unweighted* demeaned $X'X$
//! (fixest's sequential Cholesky: a regressor is dropped when its pivot
//! $X_j'X_j - \sum_{k<j} R_{kj}^2$ is below `collin_tol`, absolute), then the
//! $\sqrt{w}$ transform and the normal equations solved by Cholesky (faer).

use faer::linalg::solvers::{DenseSolveCore, Solve};
use faer::{Mat, Side};
use rayon::prelude::*;

use super::EstimateError;
use super::design::Design;
use super::fe::{self, DemeanOptions, FeIndex};
use super::fit::{ClusterVar, Diagnostics, FitCore, Fitted, FixedEffect, SymMatrix};

/// Options of [`fit_ols`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitOptions {
    /// Demeaning tolerance and iteration budget.
    pub demean: DemeanOptions,
    /// Remove singleton observations iteratively (default true, as pyfixest).
    pub drop_singletons: bool,
    /// Absolute pivot tolerance of the collinearity check (default 1e-9, as pyfixest).
    pub collin_tol: f64,
    /// Return [`EstimateError::NoConvergence`] instead of a fit flagged `converged = false`.
    pub error_on_no_convergence: bool,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            demean: DemeanOptions::default(),
            drop_singletons: true,
            collin_tol: 1e-9,
            error_on_no_convergence: false,
        }
    }
}

/// A fitted OLS model: its [`FitCore`] (everything inference and tables
/// read, so any vcov is computed without refitting) plus what only OLS has.
///
/// Shapes: see [`FitCore`]; for OLS `xt` is $\sqrt{w}\,\tilde X$ (demeaned,
/// weight-transformed kept regressors), `resid_t` is $\sqrt{w}\,\hat u$,
/// `bread` is $(\tilde X'W\tilde X)^{-1}$ and `sigma2` is $\mathrm{RSS}/(N-1)$.
#[derive(Debug, Clone)]
pub struct OlsFit {
    /// What inference and tables read.
    pub core: FitCore,
    /// Residual sum of squares (weighted).
    pub rss: f64,
    /// Demeaning options used (the wild bootstrap reuses them to demean under the null).
    pub demean_options: DemeanOptions,
}

impl Fitted for OlsFit {
    fn core(&self) -> &FitCore {
        &self.core
    }
    fn model_type(&self) -> &'static str {
        "OLS"
    }
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// fixest's collinearity detection on a cross-product matrix: returns the
/// indices of the dropped columns.
pub(crate) fn collinear_columns(xtx: &SymMatrix, tol: f64) -> Vec<usize> {
    let k = xtx.k;
    let mut r = SymMatrix::zeros(k);
    let mut dropped = Vec::new();
    let mut excluded = vec![false; k];
    for j in 0..k {
        let mut rjj = xtx.get(j, j);
        for (l, _) in excluded.iter().enumerate().take(j).filter(|(_, e)| !**e) {
            rjj -= r.get(l, j) * r.get(l, j);
        }
        if rjj < tol {
            excluded[j] = true;
            dropped.push(j);
            continue;
        }
        let rjj = rjj.sqrt();
        *r.at(j, j) = rjj;
        for i in j + 1..k {
            let mut v = xtx.get(j, i);
            for (l, _) in excluded.iter().enumerate().take(j).filter(|(_, e)| !**e) {
                v -= r.get(l, j) * r.get(l, i);
            }
            *r.at(j, i) = v / rjj;
        }
    }
    dropped
}

pub(crate) fn cross(cols: &[Vec<f64>]) -> SymMatrix {
    let parallel = cols.first().is_some_and(|c| c.len() >= CROSS_PAR_ROWS);
    cross_by(cols.len(), parallel, |i, j| dot(&cols[i], &cols[j]))
}

/// Rows from which [`cross`] computes its entries in parallel.
pub(crate) const CROSS_PAR_ROWS: usize = 1 << 16;

/// The symmetric $k \times k$ matrix with entries `entry(i, j)` for
/// $i \le j$, each computed once (in parallel over entries when `parallel`;
/// the values do not depend on it).
pub(crate) fn cross_by(k: usize, parallel: bool, entry: impl Fn(usize, usize) -> f64 + Sync) -> SymMatrix {
    let pairs: Vec<(usize, usize)> = (0..k).flat_map(|i| (i..k).map(move |j| (i, j))).collect();
    let values: Vec<f64> = if parallel {
        pairs.par_iter().map(|&(i, j)| entry(i, j)).collect()
    } else {
        pairs.iter().map(|&(i, j)| entry(i, j)).collect()
    };
    let mut m = SymMatrix::zeros(k);
    for (&(i, j), v) in pairs.iter().zip(values) {
        *m.at(i, j) = v;
        *m.at(j, i) = v;
    }
    m
}

/// Fit OLS with absorbed fixed effects.
///
/// # Arguments
/// * `design` — the columns; validated first.
/// * `opts` — demeaning, singleton and collinearity options.
///
/// # Returns
/// An [`OlsFit`]; non-convergence of the demeaning is flagged in its
/// diagnostics (or returned as an error when `opts.error_on_no_convergence`).
///
/// # Complexity
/// $O(N\,Q\,\text{iter})$ per column for demeaning (parallel over columns),
/// $O(N K^2)$ for the cross-products.
pub fn fit_ols(design: &Design, opts: &FitOptions) -> Result<OlsFit, EstimateError> {
    fit_ols_owned(design.clone(), opts)
}

/// [`fit_ols`] consuming the design, so its columns are reused instead of
/// copied (lower peak memory on large tables).
pub fn fit_ols_owned(design: Design, opts: &FitOptions) -> Result<OlsFit, EstimateError> {
    design.validate()?;
    let n_input = design.nobs();

    // 1. Sample: iterative singleton removal.
    let (keep, n_singletons) = if opts.drop_singletons && !design.fe.is_empty() {
        let refs: Vec<&[u32]> = design.fe.iter().map(|f| f.codes.as_slice()).collect();
        fe::singleton_mask(&refs)
    } else {
        (vec![true; n_input], 0)
    };
    let nobs = n_input - n_singletons;
    if nobs == 0 {
        let names: Vec<&str> = design.fe.iter().map(|f| f.name.as_str()).collect();
        return Err(EstimateError::EmptySample(format!(
            "every observation is a singleton (alone in its level of fixed effect {}) and singletons are \
             removed; there is no within variation to estimate from",
            names.join(", ")
        )));
    }
    let subset = |v: Vec<f64>| -> Vec<f64> {
        if n_singletons == 0 { v } else { v.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(x, _)| x).collect() }
    };
    let Design { y: y_col, x: x_cols, weights: w_col, fe: fe_cols, clusters: cl_cols } = design;
    let mask = if n_singletons == 0 { None } else { Some(keep.as_slice()) };
    let weights = w_col.map(subset);
    let fe_index: Vec<FeIndex> = fe_cols
        .iter()
        .map(|f| {
            let (codes, levels) = fe::compact(&f.codes, mask);
            FeIndex::new(codes, levels, weights.as_deref())
        })
        .collect();
    let fe_names: Vec<String> = fe_cols.iter().map(|f| f.name.clone()).collect();
    let clusters: Vec<ClusterVar> = cl_cols
        .iter()
        .map(|c| {
            let (codes, n_groups) = fe::compact(&c.codes, mask);
            ClusterVar { name: c.name.clone(), codes, n_groups }
        })
        .collect();

    // 2. Columns: y then regressors (intercept when no fixed effect).
    let mut names: Vec<String> = Vec::new();
    let depvar = y_col.name;
    let mut cols: Vec<Vec<f64>> = vec![subset(y_col.values)];
    if fe_cols.is_empty() {
        names.push("Intercept".into());
        cols.push(vec![1.0; nobs]);
    }
    for c in x_cols {
        names.push(c.name);
        cols.push(subset(c.values));
    }
    drop(fe_cols);
    drop(cl_cols);
    // Total sum of squares around the weighted mean of y (for R²), before demeaning.
    let tss = {
        let y_raw = &cols[0];
        let (sw, swy) = match &weights {
            Some(w) => (w.iter().sum::<f64>(), w.iter().zip(y_raw).map(|(a, b)| a * b).sum::<f64>()),
            None => (nobs as f64, y_raw.iter().sum::<f64>()),
        };
        let mean = swy / sw;
        match &weights {
            Some(w) => w.iter().zip(y_raw).map(|(wi, yi)| wi * (yi - mean).powi(2)).sum::<f64>(),
            None => y_raw.iter().map(|yi| (yi - mean).powi(2)).sum::<f64>(),
        }
    };
    let col_names: Vec<&str> = std::iter::once(depvar.as_str()).chain(names.iter().map(String::as_str)).collect();
    let demean_info = fe::demean_named(
        &mut cols,
        &col_names,
        &fe_index,
        weights.as_deref(),
        &opts.demean,
        opts.error_on_no_convergence,
    )?;
    let mut y = cols.remove(0);
    let mut x = cols;

    // 3. Collinearity on the unweighted demeaned cross-product.
    let dropped = collinear_columns(&cross(&x), opts.collin_tol);
    let collinear: Vec<String> = dropped.iter().map(|&j| names[j].clone()).collect();
    for &j in dropped.iter().rev() {
        x.remove(j);
        names.remove(j);
    }
    if x.is_empty() {
        return Err(EstimateError::EmptySample(format!(
            "every regressor is collinear with the fixed effects ({})",
            collinear.join(", ")
        )));
    }

    // 4. Weight transform and normal equations.
    if let Some(w) = &weights {
        let sw: Vec<f64> = w.iter().map(|v| v.sqrt()).collect();
        for c in x.iter_mut().chain(std::iter::once(&mut y)) {
            c.iter_mut().zip(&sw).for_each(|(v, s)| *v *= s);
        }
    }
    let xtx = cross(&x);
    let k = x.len();
    let xty: Vec<f64> = x.iter().map(|c| dot(c, &y)).collect();
    let llt = xtx.to_faer().llt(Side::Lower).map_err(|_| EstimateError::NotFullRank)?;
    let inv = llt.inverse();
    let bread = SymMatrix::from_faer(&inv);
    // Refine the solve with the factorisation (more accurate than bread·X'y).
    let rhs = Mat::from_fn(k, 1, |i, _| xty[i]);
    let sol = llt.solve(&rhs);
    let beta: Vec<f64> = (0..k).map(|i| sol[(i, 0)]).collect();

    let mut resid_t = y.clone();
    for (c, b) in x.iter().zip(&beta) {
        resid_t.iter_mut().zip(c).for_each(|(r, v)| *r -= b * v);
    }
    let rss = dot(&resid_t, &resid_t);
    let within_tss = dot(&y, &y);
    let r2 = 1.0 - rss / tss;
    let r2_within = (!fe_index.is_empty()).then(|| 1.0 - rss / within_tss);
    let sigma2 = rss / (nobs as f64 - 1.0);
    // The demeaning index gives its codes to the fit (the bootstrap rebuilds it).
    let fe = fe_names
        .into_iter()
        .zip(fe_index)
        .map(|(name, idx)| FixedEffect { name, levels: idx.n_levels, codes: idx.codes })
        .collect();

    Ok(OlsFit {
        core: FitCore {
            depvar,
            coef_names: names,
            beta,
            bread,
            xt: x,
            resid_t,
            sigma2,
            nobs,
            fe,
            clusters,
            weights,
            sample: (n_singletons > 0).then_some(keep),
            r2,
            r2_within,
            diagnostics: Diagnostics { n_input, n_singletons, n_separated: 0, collinear, demean: demean_info },
        },
        rss,
        demean_options: opts.demean,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::{Column, Factor};

    #[test]
    fn collinearity_drops_the_later_column() {
        let a = vec![1.0, 2.0, 3.0, 4.0, 5.0];
        let b = vec![2.0, 1.0, 0.0, 1.0, 3.0];
        let c: Vec<f64> = a.iter().zip(&b).map(|(x, y)| 2.0 * x - y).collect();
        assert_eq!(collinear_columns(&cross(&[a, b, c]), 1e-9), vec![2]);
    }

    #[test]
    fn fe_regression_equals_dummies() {
        let n = 60;
        let f: Vec<u32> = (0..n).map(|i| (i % 6) as u32).collect();
        let x1: Vec<f64> = (0..n).map(|i| ((i * 37 % 17) as f64).sin() + i as f64 * 0.01).collect();
        let y: Vec<f64> = (0..n).map(|i| 2.0 * x1[i] + f[i] as f64 + ((i * 13 % 7) as f64).cos()).collect();
        let mut d = Design::new(
            Column { name: "y".into(), values: y.clone() },
            vec![Column { name: "x1".into(), values: x1.clone() }],
        );
        d.fe = vec![Factor { name: "f".into(), codes: f.clone() }];
        let fe_fit = fit_ols(&d, &FitOptions::default()).unwrap();
        let mut x = vec![Column { name: "x1".into(), values: x1 }];
        for l in 1..6 {
            x.push(Column { name: format!("d{l}"), values: f.iter().map(|&c| f64::from(c == l)).collect() });
        }
        let dummy_fit =
            fit_ols(&Design::new(Column { name: "y".into(), values: y }, x), &FitOptions::default()).unwrap();
        assert!((fe_fit.core.beta[0] - dummy_fit.core.beta[1]).abs() < 1e-12);
        assert!((fe_fit.rss - dummy_fit.rss).abs() < 1e-10);
    }
}
