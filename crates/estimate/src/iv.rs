//! Two-stage least squares with absorbed fixed effects ([`fit_iv`]): the
//! [`IvFit`] (second stage, a [`FitCore`] so every vcov, ssc and lincom of
//! the engine applies unchanged), its first stages ([`FirstStage`], each an
//! OLS [`FitCore`] of its own) and the first-stage Wald F of the excluded
//! instruments per endogenous regressor ([`first_stage_f`]). Imports
//! `design`, `fe`, `fit`, `ols` (collinearity helpers), `vcov`, `ssc`.
//!
//! # Algorithm
//!
//! 1. Sample as OLS: iterative singleton removal on the fixed effects.
//! 2. Demean $y$, the exogenous regressors $X_1$, the endogenous $X_2$ and
//!    the excluded instruments $Z_2$ by the fixed effects (same routine as
//!    OLS; an intercept is added to $X_1$ when there is no fixed effect).
//! 3. Collinearity (fixest's pivot rule): on $Z = [X_1, Z_2]$ (dropped
//!    exogenous regressors and instruments are reported), then on
//!    $X = [X_1, X_2]$ (a collinear endogenous regressor is an error).
//! 4. First stages: $\hat\Pi = (Z'WZ)^{-1}Z'WX_2$, $\hat X_2 = Z\hat\Pi$.
//! 5. Second stage: $\hat X = [X_1, \hat X_2]$, $\hat\beta = (\hat X'W\hat X)^{-1}\hat X'Wy$,
//!    residuals with the **actual** regressors $\hat u = y - X\hat\beta$.
//!
//! The core holds (module [`fit`](crate::fit)): `xt` $=\sqrt w\,\hat X$,
//! `resid_t` $=\sqrt w\,\hat u$, `bread` $=(\hat X'W\hat X)^{-1}$, `sigma2`
//! $=\hat u'W\hat u/(N-1)$: the sandwich equals pyfixest's `Feiv` (whose
//! meat is formed from instrument scores $Z\hat u$ and the bread
//! $H'DH$, $H = X'Z(Z'Z)^{-1}$: algebraically the same). Coefficients are in
//! pyfixest's order: exogenous first, then endogenous. $R^2$ uses
//! $\hat u$ (fixest's definition; pyfixest reports none for IV).
//!
//! First-stage F (fixest's `ivwald`, pyfixest's `_f_stat_1st_stage`): the
//! Wald statistic $W/q$ of $H_0$: the $q$ excluded-instrument coefficients of
//! a first stage are zero, under the vcov and ssc requested for the model;
//! under `iid` it is fixest's `ivf`. Wu–Hausman ([`WuHausman`], fixest's
//! `wh`): the iid F test of the first-stage residuals added to the second
//! stage.

use faer::linalg::solvers::{DenseSolveCore, Solve};
use faer::{Mat, Side};

use super::EstimateError;
use super::design::{Column, Design};
use super::fe::{self, FeIndex};
use super::fit::{ClusterVar, Diagnostics, FitCore, FitStat, Fitted, FixedEffect, SymMatrix};
use super::ols::{FitOptions, collinear_columns, cross, dot};
use super::ssc::Ssc;
use super::vcov::{VcovSpec, vcov};

/// Input of a 2SLS fit: the OLS [`Design`] (outcome, exogenous regressors,
/// weights, fixed effects, clusters) plus endogenous regressors and excluded
/// instruments, all of length `n`.
#[derive(Debug, Clone, PartialEq)]
pub struct IvDesign {
    /// Outcome, exogenous regressors (may be empty), weights, fixed effects, clusters.
    pub base: Design,
    /// Endogenous regressors (at least one).
    pub endog: Vec<Column>,
    /// Excluded instruments (at least as many as endogenous regressors).
    pub instruments: Vec<Column>,
}

/// One first-stage regression: an endogenous regressor on the exogenous
/// regressors and the excluded instruments (an OLS fit of its own).
#[derive(Debug, Clone)]
pub struct FirstStage {
    /// The first-stage OLS fit (`depvar` is the endogenous regressor;
    /// coefficients: kept exogenous regressors, then kept instruments).
    pub core: FitCore,
    /// Names of the excluded instruments among `core.coef_names`.
    pub instruments: Vec<String>,
}

impl Fitted for FirstStage {
    fn core(&self) -> &FitCore {
        &self.core
    }
    fn model_type(&self) -> &'static str {
        "OLS (first stage)"
    }
}

/// A fitted 2SLS model: the second stage's [`FitCore`] plus the first stages.
///
/// Shapes: `core` as [`FitCore`] with `k` = kept exogenous + endogenous
/// regressors; `first_stages` has one entry per endogenous regressor.
#[derive(Debug, Clone)]
pub struct IvFit {
    /// What inference and tables read (second stage, see the module docs).
    pub core: FitCore,
    /// First stages, one per endogenous regressor, in order.
    pub first_stages: Vec<FirstStage>,
    /// Endogenous regressor names.
    pub endog: Vec<String>,
    /// Residual sum of squares with the actual regressors (weighted).
    pub rss: f64,
    /// First-stage F per endogenous regressor under iid with the default
    /// ssc (fixest's `ivf1`), computed by [`fit_iv`].
    pub ivf: Vec<FirstStageF>,
    /// First-stage Wald F under the vcov used for inference (fixest's
    /// `ivwald1`); empty until the caller sets it with [`first_stage_f`]
    /// (not needed under iid, where it equals `ivf`).
    pub ivwald: Vec<FirstStageF>,
    /// Wu–Hausman test of the endogeneity of the endogenous regressors
    /// (fixest's `wh`); `None` when the first-stage residuals are collinear
    /// with the regressors (e.g. instruments equal to the endogenous regressors).
    pub wu_hausman: Option<WuHausman>,
    /// Kleibergen–Paap rk Wald statistic under the vcov used for inference
    /// (fixest's `kpr`); `None` until the caller sets it with
    /// [`kleibergen_paap`](crate::kleibergen_paap).
    pub kp: Option<KleibergenPaap>,
}

/// Wu–Hausman test: the F test, under iid with the default ssc, that the
/// first-stage residuals $\hat v$ have zero coefficients when added to the
/// second-stage regression $y = X\beta + \hat V\gamma + u$ (control-function form).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WuHausman {
    /// $F = W/k_2$.
    pub f: f64,
    /// Numerator degrees of freedom (endogenous regressors).
    pub df1: usize,
    /// Denominator degrees of freedom $N - K$ of the augmented regression.
    pub df2: usize,
    /// p-value from $F(\mathrm{df1}, \mathrm{df2})$.
    pub p: f64,
}

impl Fitted for IvFit {
    fn core(&self) -> &FitCore {
        &self.core
    }
    fn model_type(&self) -> &'static str {
        "IV"
    }
    fn fit_stats(&self) -> Vec<FitStat> {
        let ivf = self.ivf.iter().map(|s| FitStat {
            key: format!("ivf1::{}", s.endog),
            label: format!("F-test (1st stage), {}", s.endog),
            value: s.f,
            p: Some(s.p),
        });
        let ivwald = self.ivwald.iter().map(|s| FitStat {
            key: format!("ivwald1::{}", s.endog),
            label: format!("Wald (1st stage, {}), {}", s.vcov, s.endog),
            value: s.f,
            p: Some(s.p),
        });
        let wh = self.wu_hausman.iter().map(|w| FitStat {
            key: "wh".into(),
            label: "Wu-Hausman".into(),
            value: w.f,
            p: Some(w.p),
        });
        let kp = self.kp.iter().map(|k| FitStat {
            key: "kpr".into(),
            label: format!("KP rk Wald F ({})", k.vcov),
            value: k.f,
            p: Some(k.p),
        });
        ivf.chain(ivwald).chain(kp).chain(wh).collect()
    }
}

/// The Kleibergen–Paap rk Wald statistic of one IV fit under one vcov
/// (computed by [`kleibergen_paap`](crate::kleibergen_paap); formula in [`crate::kp`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KleibergenPaap {
    /// rk statistic ($\chi^2$ form; fixest's `kpr`).
    pub stat: f64,
    /// Degrees of freedom $L-K+1$.
    pub df: usize,
    /// p-value from $\chi^2(L-K+1)$.
    pub p: f64,
    /// F form $\mathrm{rk}/L$ (the "Kleibergen–Paap rk Wald F" of ivreg2, without its $(N-L-K_1)/N$ factor).
    pub f: f64,
    /// The vcov used.
    pub vcov: String,
}

/// First-stage Wald F of one endogenous regressor.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FirstStageF {
    /// Endogenous regressor.
    pub endog: String,
    /// $F = W/q$.
    pub f: f64,
    /// Numerator degrees of freedom $q$ (excluded instruments).
    pub df1: usize,
    /// Denominator degrees of freedom (the vcov's $t$ degrees of freedom).
    pub df2: usize,
    /// p-value from $F(q, \mathrm{df2})$.
    pub p: f64,
    /// The vcov used.
    pub vcov: String,
}

/// First-stage F per endogenous regressor under `spec` and `ssc` (see the module docs).
///
/// # Errors
/// As [`vcov()`] (unknown cluster variable, too few clusters).
pub fn first_stage_f(fit: &IvFit, spec: &VcovSpec, ssc: &Ssc) -> Result<Vec<FirstStageF>, EstimateError> {
    fit.first_stages
        .iter()
        .map(|fs| {
            let (f, df2, p) = wald_f(fs, &fs.instruments, spec, ssc)?;
            let df1 = fs.instruments.len();
            Ok(FirstStageF { endog: fs.core.depvar.clone(), f, df1, df2, p, vcov: spec.to_string() })
        })
        .collect()
}

/// Wald F $W/q$ that the coefficients `names` of `fit` are zero, with
/// its p-value and the vcov's t degrees of freedom.
fn wald_f(fit: &dyn Fitted, names: &[String], spec: &VcovSpec, ssc: &Ssc) -> Result<(f64, usize, f64), EstimateError> {
    use statrs::distribution::{ContinuousCDF, FisherSnedecor};
    let core = fit.core();
    let inf = vcov(fit, spec, ssc)?;
    let idx: Vec<usize> = names.iter().filter_map(|n| core.coef_index(n)).collect();
    let q = idx.len();
    let b: Vec<f64> = idx.iter().map(|&j| core.beta[j]).collect();
    let v = Mat::from_fn(q, q, |a, c| inf.vcov.get(idx[a], idx[c]));
    // W = b' V⁻¹ b (V symmetric positive definite for an identified model).
    let w = match v.llt(Side::Lower) {
        Ok(llt) => {
            let sol = llt.solve(Mat::from_fn(q, 1, |a, _| b[a]));
            (0..q).map(|a| b[a] * sol[(a, 0)]).sum::<f64>()
        }
        Err(_) => f64::NAN,
    };
    let f = w / q as f64;
    // A singular or non-PSD (eigen-fixed multiway) vcov can give W < 0 or NaN: no p-value then
    // (statrs panics outside the F support).
    let p = if f.is_finite() && f >= 0.0 {
        FisherSnedecor::new(q as f64, inf.df_t.max(1) as f64).map_or(f64::NAN, |d| d.sf(f))
    } else {
        f64::NAN
    };
    Ok((f, inf.df_t, p))
}

fn tss_of(v: &[f64], w: Option<&[f64]>) -> f64 {
    let (sw, swy) = match w {
        Some(w) => (w.iter().sum::<f64>(), dot(w, v)),
        None => (v.len() as f64, v.iter().sum::<f64>()),
    };
    let mean = swy / sw;
    match w {
        Some(w) => w.iter().zip(v).map(|(wi, yi)| wi * (yi - mean).powi(2)).sum(),
        None => v.iter().map(|yi| (yi - mean).powi(2)).sum(),
    }
}

/// Least squares of each `ys` column on `x` (all weight-transformed):
/// bread $(X'X)^{-1}$ and coefficients.
pub(crate) fn solve(x: &[Vec<f64>], ys: &[&[f64]]) -> Result<(SymMatrix, Vec<Vec<f64>>), EstimateError> {
    let xty: Vec<Vec<f64>> = ys.iter().map(|y| x.iter().map(|c| dot(c, y)).collect()).collect();
    solve_normal(&cross(x), &xty)
}

/// The normal equations $X'X\,b = X'y$ for each right-hand side `xty`:
/// bread $(X'X)^{-1}$ and coefficients.
pub(crate) fn solve_normal(xtx: &SymMatrix, xty: &[Vec<f64>]) -> Result<(SymMatrix, Vec<Vec<f64>>), EstimateError> {
    let k = xtx.k;
    let llt = xtx.to_faer().llt(Side::Lower).map_err(|_| EstimateError::NotFullRank)?;
    let bread = SymMatrix::from_faer(&llt.inverse());
    let betas = xty
        .iter()
        .map(|b| {
            let sol = llt.solve(Mat::from_fn(k, 1, |i, _| b[i]));
            (0..k).map(|i| sol[(i, 0)]).collect()
        })
        .collect();
    Ok((bread, betas))
}

fn residuals(y: &[f64], x: &[Vec<f64>], beta: &[f64]) -> Vec<f64> {
    let mut r = y.to_vec();
    for (c, b) in x.iter().zip(beta) {
        r.iter_mut().zip(c).for_each(|(ri, v)| *ri -= b * v);
    }
    r
}

fn remove_all<T>(v: &mut Vec<T>, idx: &[usize]) {
    for &j in idx.iter().rev() {
        v.remove(j);
    }
}

/// Fit 2SLS with absorbed fixed effects (see the module docs).
///
/// # Errors
/// [`EstimateError::BadInput`] for no endogenous regressor, fewer kept
/// instruments than endogenous regressors, or an endogenous regressor
/// collinear with the others; otherwise as [`fit_ols`](crate::fit_ols).
///
/// # Complexity
/// Demeaning of $1 + k_1 + k_2 + q$ columns ($O(NQ\,\text{iter})$ each), then
/// $O(N(k_1+q)^2)$ for the cross-products.
pub fn fit_iv(design: &IvDesign, opts: &FitOptions) -> Result<IvFit, EstimateError> {
    let IvDesign { base, endog, instruments } = design;
    if endog.is_empty() {
        return Err(EstimateError::bad("IV: no endogenous regressor"));
    }
    if instruments.len() < endog.len() {
        return Err(EstimateError::bad(format!(
            "IV: {} excluded instrument(s) for {} endogenous regressor(s) ({}); the model is not identified \
             (at least as many instruments as endogenous regressors are needed)",
            instruments.len(),
            endog.len(),
            endog.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    // Validate everything as one design (lengths, finiteness, duplicate names).
    let mut all = base.clone();
    all.x.extend(endog.iter().cloned());
    all.x.extend(instruments.iter().cloned());
    all.validate()?;
    let n_input = all.nobs();
    let Design { y: y_col, x: all_x, weights: w_col, fe: fe_cols, clusters: cl_cols } = all;

    // 1. Sample.
    let (keep, n_singletons) = if opts.drop_singletons && !fe_cols.is_empty() {
        let refs: Vec<&[u32]> = fe_cols.iter().map(|f| f.codes.as_slice()).collect();
        fe::singleton_mask(&refs)
    } else {
        (vec![true; n_input], 0)
    };
    let nobs = n_input - n_singletons;
    if nobs == 0 {
        return Err(EstimateError::EmptySample("every observation is a singleton of a fixed effect".into()));
    }
    let subset = |v: Vec<f64>| -> Vec<f64> {
        if n_singletons == 0 { v } else { v.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(x, _)| x).collect() }
    };
    let mask = (n_singletons > 0).then_some(keep.as_slice());
    let weights = w_col.map(subset);
    let fe_index: Vec<FeIndex> = fe_cols
        .iter()
        .map(|f| {
            let (codes, levels) = fe::compact(&f.codes, mask);
            FeIndex::new(codes, levels, weights.as_deref())
        })
        .collect();
    let clusters: Vec<ClusterVar> = cl_cols
        .iter()
        .map(|c| {
            let (codes, n_groups) = fe::compact(&c.codes, mask);
            ClusterVar { name: c.name.clone(), codes, n_groups }
        })
        .collect();

    // 2. Columns [y, (Intercept), X1, X2, Z2], demeaned together.
    let k1_in = base.x.len() + usize::from(fe_cols.is_empty());
    let (k2, q_in) = (endog.len(), instruments.len());
    let mut names: Vec<String> = Vec::new();
    let mut cols: Vec<Vec<f64>> = vec![subset(y_col.values)];
    if fe_cols.is_empty() {
        names.push("Intercept".into());
        cols.push(vec![1.0; nobs]);
    }
    for c in all_x {
        names.push(c.name);
        cols.push(subset(c.values));
    }
    let tss: Vec<f64> =
        std::iter::once(0).chain(k1_in + 1..k1_in + 1 + k2).map(|j| tss_of(&cols[j], weights.as_deref())).collect();
    let col_names: Vec<&str> = std::iter::once(y_col.name.as_str()).chain(names.iter().map(String::as_str)).collect();
    let demean_info = fe::demean_named(
        &mut cols,
        &col_names,
        &fe_index,
        weights.as_deref(),
        &opts.demean,
        opts.error_on_no_convergence,
    )?;
    let mut y = cols.remove(0);
    let mut z2 = cols.split_off(k1_in + k2);
    let mut x2 = cols.split_off(k1_in);
    let mut x1 = cols;
    let mut z2_names = names.split_off(k1_in + k2);
    let x2_names = names.split_off(k1_in);
    let mut x1_names = names;
    debug_assert_eq!(z2.len(), q_in);

    // 3. Collinearity on Z = [X1, Z2], then on X = [X1, X2].
    let z_all: Vec<Vec<f64>> = x1.iter().chain(&z2).cloned().collect();
    let dropped_z = collinear_columns(&cross(&z_all), opts.collin_tol);
    drop(z_all);
    let (d1, d2): (Vec<usize>, Vec<usize>) = dropped_z.iter().partition(|&&j| j < x1.len());
    let d2: Vec<usize> = d2.into_iter().map(|j| j - x1.len()).collect();
    let mut collinear: Vec<String> = d1.iter().map(|&j| x1_names[j].clone()).collect();
    collinear.extend(d2.iter().map(|&j| z2_names[j].clone()));
    remove_all(&mut x1, &d1);
    remove_all(&mut x1_names, &d1);
    remove_all(&mut z2, &d2);
    remove_all(&mut z2_names, &d2);
    if z2.len() < k2 {
        return Err(EstimateError::bad(format!(
            "IV: after dropping instruments collinear with the other instruments, the exogenous regressors or the \
             fixed effects ({}), {} instrument(s) are left for {} endogenous regressor(s): not identified",
            collinear.join(", "),
            z2.len(),
            k2
        )));
    }
    {
        let x_all: Vec<Vec<f64>> = x1.iter().chain(&x2).cloned().collect();
        let bad: Vec<usize> =
            collinear_columns(&cross(&x_all), opts.collin_tol).into_iter().filter(|&j| j >= x1.len()).collect();
        if let Some(&j) = bad.first() {
            return Err(EstimateError::bad(format!(
                "IV: endogenous regressor `{}` is collinear with the exogenous regressors, the other endogenous \
                 regressors or the fixed effects",
                x2_names[j - x1.len()]
            )));
        }
    }

    // 4. Weight transform.
    if let Some(w) = &weights {
        let sw: Vec<f64> = w.iter().map(|v| v.sqrt()).collect();
        for c in x1.iter_mut().chain(x2.iter_mut()).chain(z2.iter_mut()).chain(std::iter::once(&mut y)) {
            c.iter_mut().zip(&sw).for_each(|(v, s)| *v *= s);
        }
    }

    let fe: Vec<FixedEffect> = fe_cols
        .iter()
        .zip(&fe_index)
        .map(|(f, idx)| FixedEffect { name: f.name.clone(), levels: idx.n_levels, codes: idx.codes.clone() })
        .collect();
    let diagnostics = Diagnostics { n_input, n_singletons, n_separated: 0, collinear, demean: demean_info };
    let sample = (n_singletons > 0).then(|| keep.clone());
    let r2s = |rss: f64, tss: f64, within_tss: f64| (1.0 - rss / tss, (!fe.is_empty()).then(|| 1.0 - rss / within_tss));

    // 5. First stages.
    let z: Vec<Vec<f64>> = x1.iter().chain(&z2).cloned().collect();
    let z_names: Vec<String> = x1_names.iter().chain(&z2_names).cloned().collect();
    let x2_refs: Vec<&[f64]> = x2.iter().map(Vec::as_slice).collect();
    let (z_bread, pis) = solve(&z, &x2_refs)?;
    let mut x2_hat: Vec<Vec<f64>> = Vec::with_capacity(k2);
    let mut first_stages = Vec::with_capacity(k2);
    for (j, pi) in pis.into_iter().enumerate() {
        let v = residuals(&x2[j], &z, &pi);
        x2_hat.push(x2[j].iter().zip(&v).map(|(a, b)| a - b).collect());
        let rss = dot(&v, &v);
        let (r2, r2_within) = r2s(rss, tss[1 + j], dot(&x2[j], &x2[j]));
        first_stages.push(FirstStage {
            core: FitCore {
                depvar: x2_names[j].clone(),
                coef_names: z_names.clone(),
                beta: pi,
                bread: z_bread.clone(),
                xt: z.clone(),
                resid_t: v,
                sigma2: rss / (nobs as f64 - 1.0),
                nobs,
                fe: fe.clone(),
                clusters: clusters.clone(),
                weights: weights.clone(),
                sample: sample.clone(),
                r2,
                r2_within,
                diagnostics: diagnostics.clone(),
            },
            instruments: z2_names.clone(),
        });
    }
    drop(z);

    // 6. Second stage on [X1, X̂2]; residuals with the actual X2.
    let x_hat: Vec<Vec<f64>> = x1.iter().cloned().chain(x2_hat).collect();
    let (bread, betas) = solve(&x_hat, &[&y])?;
    let beta = betas.into_iter().next().unwrap_or_default();
    let x_act: Vec<Vec<f64>> = x1.into_iter().chain(x2).collect();
    let resid_t = residuals(&y, &x_act, &beta);
    let rss = dot(&resid_t, &resid_t);
    let (r2, r2_within) = r2s(rss, tss[0], dot(&y, &y));
    let coef_names: Vec<String> = x1_names.into_iter().chain(x2_names.iter().cloned()).collect();
    let mut fit = IvFit {
        core: FitCore {
            depvar: y_col.name,
            coef_names,
            beta,
            bread,
            xt: x_hat,
            resid_t,
            sigma2: rss / (nobs as f64 - 1.0),
            nobs,
            fe,
            clusters,
            weights,
            sample,
            r2,
            r2_within,
            diagnostics,
        },
        first_stages,
        endog: x2_names,
        rss,
        ivf: Vec::new(),
        ivwald: Vec::new(),
        wu_hausman: None,
        kp: None,
    };
    fit.ivf = first_stage_f(&fit, &VcovSpec::Iid, &Ssc::default())?;
    fit.wu_hausman = wu_hausman(&fit, &x_act, &y, opts.collin_tol)?;
    Ok(fit)
}

/// The Wu–Hausman test of an IV fit: OLS of `y` on the actual regressors
/// `x` and the first-stage residuals (all demeaned and weight-transformed),
/// then the iid Wald F of the residuals' coefficients.
fn wu_hausman(fit: &IvFit, x: &[Vec<f64>], y: &[f64], collin_tol: f64) -> Result<Option<WuHausman>, EstimateError> {
    let k = x.len();
    let mut a: Vec<Vec<f64>> = x.to_vec();
    a.extend(fit.first_stages.iter().map(|fs| fs.core.resid_t.clone()));
    if !collinear_columns(&cross(&a), collin_tol).is_empty() {
        return Ok(None);
    }
    let (bread, betas) = solve(&a, &[y])?;
    let beta = betas.into_iter().next().unwrap_or_default();
    let resid_t = residuals(y, &a, &beta);
    let rss = dot(&resid_t, &resid_t);
    let v_names: Vec<String> = fit.endog.iter().map(|e| format!("resid({e})")).collect();
    let core = &fit.core;
    let aug = FirstStage {
        core: FitCore {
            depvar: core.depvar.clone(),
            coef_names: core.coef_names.iter().chain(&v_names).cloned().collect(),
            beta,
            bread,
            xt: a,
            resid_t,
            sigma2: rss / (core.nobs as f64 - 1.0),
            nobs: core.nobs,
            fe: core.fe.clone(),
            clusters: Vec::new(),
            weights: None,
            sample: core.sample.clone(),
            r2: f64::NAN,
            r2_within: None,
            diagnostics: core.diagnostics.clone(),
        },
        instruments: Vec::new(),
    };
    debug_assert_eq!(aug.core.k(), k + v_names.len());
    let (f, df2, p) = wald_f(&aug, &v_names, &VcovSpec::Iid, &Ssc::default())?;
    Ok(Some(WuHausman { f, df1: v_names.len(), df2, p }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::Factor;

    fn col(name: &str, values: Vec<f64>) -> Column {
        Column { name: name.into(), values }
    }

    /// Just-identified IV without fixed effects, one regressor: the slope is
    /// $\mathrm{cov}(z,y)/\mathrm{cov}(z,d)$ (the Wald/IV ratio), worked densely here.
    #[test]
    fn just_identified_slope_is_the_covariance_ratio() {
        let n = 50;
        let z: Vec<f64> = (0..n).map(|i| ((i * 37 % 11) as f64).sin()).collect();
        let d: Vec<f64> = (0..n).map(|i| z[i] + 0.3 * ((i * 7 % 5) as f64)).collect();
        let y: Vec<f64> = (0..n).map(|i| 2.0 * d[i] + ((i * 13 % 7) as f64).cos()).collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / n as f64;
        let cov = |a: &[f64], b: &[f64]| {
            let (ma, mb) = (mean(a), mean(b));
            a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>()
        };
        let want = cov(&z, &y) / cov(&z, &d);
        let design = IvDesign {
            base: Design::new(col("y", y), Vec::new()),
            endog: vec![col("d", d)],
            instruments: vec![col("z", z)],
        };
        let fit = fit_iv(&design, &FitOptions::default()).unwrap();
        assert_eq!(fit.core.coef_names, ["Intercept", "d"]);
        assert!((fit.core.beta[1] - want).abs() < 1e-12 * want.abs(), "{} vs {want}", fit.core.beta[1]);
    }

    #[test]
    fn too_few_instruments_is_an_error() {
        let n = 10;
        let v = |s: f64| (0..n).map(|i| (i as f64 * s).sin()).collect::<Vec<_>>();
        let mut base = Design::new(col("y", v(1.0)), vec![col("x", v(2.0))]);
        base.fe = vec![Factor { name: "f".into(), codes: (0..n).map(|i| (i % 2) as u32).collect() }];
        let design =
            IvDesign { base, endog: vec![col("d1", v(3.0)), col("d2", v(4.0))], instruments: vec![col("z", v(5.0))] };
        let e = fit_iv(&design, &FitOptions::default()).unwrap_err().to_string();
        assert!(e.contains("1 excluded instrument(s) for 2 endogenous") && e.contains("not identified"), "{e}");
    }
}
