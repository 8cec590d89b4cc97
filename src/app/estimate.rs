//! Runs `spillnet estimate`: reads the requested columns of any CSV/Parquet
//! table ([`crate::io::frame::read_frame`]), builds a [`Design`], fits OLS
//! with absorbed fixed effects, computes the requested vcov, linear
//! combinations and wild bootstraps, and prints a regression table
//! ([`crate::report::regression_table`]) to stdout or writes it atomically
//! to `--out`. Imports `io::frame`, `estimate`, `report`, `atomic`, `error`.

use std::collections::HashMap;
use std::path::PathBuf;

use super::Ctx;
use crate::error::Result;
use crate::estimate::design::{Column, Factor};
use crate::estimate::{
    BootSpec, BootWeights, Design, FitOptions, Lincom, Ssc, VcovSpec, fit_ols_owned, lincom, vcov, wild_bootstrap,
};
use crate::io::frame::read_frame;
use crate::report::regression_table::{ModelColumn, render};
use crate::report::table::OutputFormat;

/// Wild bootstrap request of the command (the cluster is the first `--vcov` cluster variable).
#[derive(Debug, Clone, PartialEq)]
pub struct BootConfig {
    /// Replications.
    pub reps: usize,
    /// Seed.
    pub seed: u64,
    /// Weight distribution.
    pub weights: BootWeights,
    /// Hypotheses to test (empty: each `--lincom`, or else every coefficient).
    pub params: Vec<Lincom>,
}

/// Validated configuration of `spillnet estimate`.
#[derive(Debug, Clone)]
pub struct EstimateConfig {
    /// Input table (CSV or Parquet).
    pub data: PathBuf,
    /// Dependent variable.
    pub y: String,
    /// Regressors.
    pub x: Vec<String>,
    /// Fixed effects to absorb.
    pub fe: Vec<String>,
    /// Analytic weights column.
    pub weights: Option<String>,
    /// Variance estimator.
    pub vcov: VcovSpec,
    /// Small-sample correction.
    pub ssc: Ssc,
    /// Fit options (demeaning tolerance, iterations, singletons, collinearity tolerance).
    pub fit: FitOptions,
    /// Linear combinations to report.
    pub lincoms: Vec<Lincom>,
    /// Wild cluster bootstrap, if requested.
    pub boot: Option<BootConfig>,
    /// Output format.
    pub format: OutputFormat,
    /// Output file (atomic write); stdout when `None`.
    pub out: Option<PathBuf>,
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_owned());
    }
}

/// The error for a dependent variable that is constant on the `n` rows of
/// the estimation sample (`value` when known).
fn no_variation(cfg: &EstimateConfig, n: usize, value: f64, when: &str) -> crate::error::Error {
    let all = if value.is_nan() { "all equal".to_owned() } else { format!("all equal to {value}") };
    crate::io::LoadError::Read {
        path: cfg.data.clone(),
        message: format!(
            "the dependent variable `{}` has no variation: its {n} value(s){when} are {all}, \
             so there is nothing to explain (R² is undefined)",
            cfg.y
        ),
    }
    .into()
}

/// Run the command.
pub fn run(cfg: &EstimateConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let clusters: Vec<String> = match &cfg.vcov {
        VcovSpec::Cluster(v) => v.clone(),
        _ => Vec::new(),
    };
    let mut numeric = vec![cfg.y.clone()];
    for x in &cfg.x {
        push_unique(&mut numeric, x);
    }
    if let Some(w) = &cfg.weights {
        push_unique(&mut numeric, w);
    }
    let mut categorical = Vec::new();
    for f in cfg.fe.iter().chain(&clusters) {
        push_unique(&mut categorical, f);
    }
    let frame = read_frame(&cfg.data, &numeric, &categorical)?;
    let n_missing = frame.n_missing;
    if frame.n_rows == n_missing {
        let message = if frame.n_rows == 0 {
            "the file has no data rows (only a header), so there is nothing to estimate".to_owned()
        } else {
            format!(
                "all {n_missing} data row(s) have a missing value in a requested column ({}), so there is \
                 nothing to estimate",
                numeric.iter().chain(&categorical).map(String::as_str).collect::<Vec<_>>().join(", ")
            )
        };
        return Err(crate::io::LoadError::Read { path: cfg.data.clone(), message }.into());
    }
    if n_missing > 0 {
        ctx.info(format!("{}: dropped {n_missing} row(s) with missing values", cfg.data.display()))?;
    }
    // Move columns out of the frame (clone only a column used twice).
    let mut nums: HashMap<String, Vec<f64>> = frame.numeric.into_iter().collect();
    let mut cats: HashMap<String, Vec<u32>> = frame.categorical.into_iter().collect();
    let mut uses: HashMap<String, usize> = HashMap::new();
    for name in std::iter::once(&cfg.y).chain(&cfg.x).chain(&cfg.weights).chain(&cfg.fe).chain(&clusters) {
        *uses.entry(name.clone()).or_default() += 1;
    }
    fn take<T: Clone>(map: &mut HashMap<String, T>, uses: &mut HashMap<String, usize>, name: &str) -> Option<T> {
        let left = uses.get_mut(name)?;
        *left -= 1;
        if *left == 0 { map.remove(name) } else { map.get(name).cloned() }
    }
    let y = Column { name: cfg.y.clone(), values: take(&mut nums, &mut uses, &cfg.y).unwrap_or_default() };
    let x = cfg
        .x
        .iter()
        .map(|n| Column { name: n.clone(), values: take(&mut nums, &mut uses, n).unwrap_or_default() })
        .collect();
    let weights = cfg.weights.as_ref().map(|w| take(&mut nums, &mut uses, w).unwrap_or_default());
    let fe = cfg
        .fe
        .iter()
        .map(|n| Factor { name: n.clone(), codes: take(&mut cats, &mut uses, n).unwrap_or_default() })
        .collect();
    let clusters_f = clusters
        .iter()
        .map(|n| Factor { name: n.clone(), codes: take(&mut cats, &mut uses, n).unwrap_or_default() })
        .collect();
    if let Some(&first) = y.values.first()
        && y.values.iter().all(|&v| v == first)
    {
        return Err(no_variation(cfg, y.values.len(), first, ""));
    }
    let design = Design { y, x, weights, fe, clusters: clusters_f };
    let fit = fit_ols_owned(design, &cfg.fit)?;
    if !fit.core.r2.is_finite() {
        // y is constant (or weighted to be) on the rows left after singleton removal.
        return Err(no_variation(cfg, fit.core.nobs, f64::NAN, " in the estimation sample"));
    }
    if fit.core.r2_within.is_some_and(|r| !r.is_finite()) {
        ctx.warn(format!(
            "{}: the dependent variable `{}` has no variation within the fixed effects ({}): they explain it \
             fully, so every coefficient is 0 and the within R² is undefined",
            cfg.data.display(),
            cfg.y,
            cfg.fe.join(", ")
        ))?;
    }
    let d = &fit.core.diagnostics;
    for c in d.demean.columns.iter().filter(|c| !c.converged) {
        ctx.warn(format!(
            "fixed-effect demeaning of `{}` did not converge after {} iterations ({}: final criterion {:e}, tolerance \
             {:e}); results are approximate",
            c.column, c.iterations, c.method, c.criterion, cfg.fit.demean.tol
        ))?;
    }
    if d.n_singletons > 0 {
        ctx.info(format!("removed {} singleton observation(s)", d.n_singletons))?;
    }
    if !d.collinear.is_empty() {
        ctx.warn(format!("dropped collinear regressor(s): {}", d.collinear.join(", ")))?;
    }
    let inference = vcov(&fit, &cfg.vcov, &cfg.ssc)?;
    let lincoms = cfg.lincoms.iter().map(|l| lincom(&fit, &inference, l)).collect::<Result<Vec<_>, _>>()?;
    let mut boots = Vec::new();
    if let Some(b) = &cfg.boot {
        let cluster = clusters.first().cloned().unwrap_or_default();
        let params: Vec<Lincom> = if !b.params.is_empty() {
            b.params.clone()
        } else if !cfg.lincoms.is_empty() {
            cfg.lincoms.clone()
        } else {
            fit.core
                .coef_names
                .iter()
                .map(|n| Lincom { label: n.clone(), terms: vec![(1.0, n.clone())], null: 0.0 })
                .collect()
        };
        let spec = BootSpec { reps: b.reps, seed: b.seed, weights: b.weights, cluster };
        for p in &params {
            boots.push(wild_bootstrap(&fit, p, &spec, &cfg.ssc)?);
        }
    }
    let column =
        ModelColumn { title: "(1)", fit: &fit, inference: &inference, lincoms: &lincoms, boots: &boots, n_missing };
    let text = render(&[column], cfg.format);
    match &cfg.out {
        Some(path) => {
            crate::atomic::write_atomic(path, text.as_bytes())?;
            ctx.info(format!("wrote {}", path.display()))?;
        }
        None => {
            std::io::Write::write_all(ctx.out, text.as_bytes()).map_err(super::stdout_err)?;
        }
    }
    Ok(())
}
