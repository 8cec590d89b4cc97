//! Runs `spillnet estimate`: reads the columns a formula's models need from
//! any CSV/Parquet table ([`crate::io::frame::read_frame`]), builds one
//! design per model ([`super::formula`]), fits OLS or 2SLS with absorbed
//! fixed effects, computes the requested vcov, linear combinations and wild
//! bootstraps (OLS), and prints the models side by side in one regression
//! table ([`crate::report::regression_table`]; with `--first-stage`, the IV
//! first stages before it) to stdout or atomically to `--out`. With
//! `--fixef-out` / `--predict-out` it also recovers each model's fixed
//! effects and writes them and the per-row fitted values ([`super::fixef`]).
//! Imports `app::{formula, fixef}`, `io::frame`, `estimate`, `report`,
//! `atomic`, `error`.

use std::path::PathBuf;

use super::Ctx;
use super::fixef::{DesignRows, ModelOutputs, RowStatus, TableOut, model_outputs, write_fixef, write_predictions};
use super::formula::{Columns, ModelDesign, build, check_columns, columns_needed, uses};
use crate::error::Result;
use crate::estimate::formula::{FeTerm, Formula, Model};
use crate::estimate::{
    BootResult, BootSpec, BootWeights, FirstStage, FitOptions, Fitted, IvFit, Lincom, OlsFit, PoissonFit,
    PoissonOptions, Ssc, VcovSpec, first_stage_f, fit_iv, fit_ols_owned, fit_poisson, kleibergen_paap, lincom, vcov,
    wild_bootstrap,
};
use crate::io::frame::{column_names, read_frame};
use crate::report::regression_table::{ModelColumn, few_clusters_warning, render};
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

/// The estimator of `spillnet estimate --model`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ModelKind {
    /// Least squares (2SLS for a formula with an IV part).
    Ols,
    /// Poisson PPML with these IRLS options (its `fit` equals the config's `fit`).
    Poisson(PoissonOptions),
}

/// Validated configuration of `spillnet estimate`.
#[derive(Debug, Clone)]
pub struct EstimateConfig {
    /// Input table (CSV or Parquet).
    pub data: PathBuf,
    /// The model(s): `--formula`, or `--y/--x/--fe` as the formula `y ~ x1 + x2 | fe1 + fe2`.
    pub formula: Formula,
    /// Whether the formula was given as `--formula` (unknown columns are
    /// then reported with the closest existing one before reading).
    pub formula_given: bool,
    /// Analytic weights column.
    pub weights: Option<String>,
    /// Variance estimator.
    pub vcov: VcovSpec,
    /// Small-sample correction.
    pub ssc: Ssc,
    /// Fit options (demeaning tolerance, iterations, singletons, collinearity tolerance).
    pub fit: FitOptions,
    /// Estimator.
    pub model: ModelKind,
    /// Linear combinations to report.
    pub lincoms: Vec<Lincom>,
    /// Wild cluster bootstrap, if requested.
    pub boot: Option<BootConfig>,
    /// Also print the first-stage regressions of IV models.
    pub first_stage: bool,
    /// Output format.
    pub format: OutputFormat,
    /// Output file (atomic write); stdout when `None`.
    pub out: Option<PathBuf>,
    /// Coefficient plot (SVG, atomic write), if requested.
    pub plot: Option<PathBuf>,
    /// Terms of the plot (coefficient names or `i()` variables); empty: the default choice of [`super::plot`].
    pub plot_terms: Vec<String>,
    /// `--fixef-out`: the recovered fixed effects of every model.
    pub fixef_out: Option<TableOut>,
    /// `--predict-out`: fitted value, residual and status of every input row per model.
    pub predict_out: Option<TableOut>,
}

impl EstimateConfig {
    /// Whether the fixed effects and per-row fits are recovered after fitting.
    fn wants_rows(&self) -> bool {
        self.fixef_out.is_some() || self.predict_out.is_some()
    }
}

/// The input rows of a read: which data rows were kept, out of how many.
#[derive(Debug, Clone)]
struct FileRows {
    kept: Option<Vec<bool>>,
    n_rows: usize,
}

/// Copy what the per-row outputs need from a design before the fit consumes it.
fn design_rows(design: &ModelDesign, fe_labels: Vec<Vec<String>>, file: &FileRows) -> DesignRows {
    let (base, endog) = match design {
        ModelDesign::Ols(d) => (d, &[][..]),
        ModelDesign::Iv(d) => (&d.base, d.endog.as_slice()),
    };
    DesignRows {
        y: base.y.values.clone(),
        x: base.x.iter().chain(endog).cloned().collect(),
        fe_codes: base.fe.iter().map(|f| f.codes.clone()).collect(),
        fe_labels,
        kept: file.kept.clone(),
        n_rows: file.n_rows,
    }
}

/// The error for a dependent variable `y` that is constant on the `n` rows
/// of the estimation sample (`value` when known).
fn no_variation(cfg: &EstimateConfig, y: &str, n: usize, value: f64, when: &str) -> crate::error::Error {
    let all = if value.is_nan() { "all equal".to_owned() } else { format!("all equal to {value}") };
    crate::io::LoadError::Read {
        path: cfg.data.clone(),
        message: format!(
            "the dependent variable `{y}` has no variation: its {n} value(s){when} are {all}, \
             so there is nothing to explain (R² is undefined)"
        ),
    }
    .into()
}

/// One fitted model of the command.
#[derive(Debug)]
enum ModelFit {
    Ols(OlsFit),
    Iv(IvFit),
    Poisson(PoissonFit),
}

impl ModelFit {
    fn fitted(&self) -> &dyn Fitted {
        match self {
            ModelFit::Ols(f) => f,
            ModelFit::Iv(f) => f,
            ModelFit::Poisson(f) => f,
        }
    }
}

/// Fit one model and report its non-fatal issues.
fn fit_model(cfg: &EstimateConfig, model: &Model, design: ModelDesign, ctx: &mut Ctx<'_>) -> Result<ModelFit> {
    let y = match &design {
        ModelDesign::Ols(d) => &d.y.values,
        ModelDesign::Iv(d) => &d.base.y.values,
    };
    if let Some(&first) = y.first()
        && cfg.model == ModelKind::Ols
        && y.iter().all(|&v| v == first)
    {
        return Err(no_variation(cfg, &model.depvar, y.len(), first, ""));
    }
    let fit = match (design, cfg.model) {
        (ModelDesign::Ols(d), ModelKind::Poisson(opts)) => {
            let f = fit_poisson(&d, &opts)?;
            let by_fe = f.core.diagnostics.n_separated - f.n_separated_ir;
            if by_fe > 0 {
                ctx.info(format!(
                    "removed {by_fe} observation(s) separated by a fixed effect (levels whose outcome `{}` is always 0)",
                    model.depvar
                ))?;
            }
            if f.n_separated_ir > 0 {
                ctx.warn(format!(
                    "removed {} observation(s) whose outcome `{}` is 0 and which the regressors separate (a \
                     combination of regressors predicts them to be 0 exactly; found by the iterative rectifier): \
                     their coefficients would diverge otherwise",
                    f.n_separated_ir, model.depvar
                ))?;
            }
            if f.rectifier_unconverged {
                ctx.warn(
                    "the separation check (iterative rectifier) did not converge in 100 iterations: if the fit \
                          does not converge, some observations may be separated by the regressors",
                )?;
            }
            if !f.converged {
                ctx.warn(format!(
                    "the Poisson fit (IRLS) did not converge after {} iterations (deviance criterion {:e}, tolerance \
                     {:e}); results are approximate",
                    f.iterations, f.criterion, opts.tol
                ))?;
            }
            ModelFit::Poisson(f)
        }
        (ModelDesign::Iv(_), ModelKind::Poisson(_)) => {
            return Err(crate::error::Error::Usage(
                "--model poisson: a formula with an IV part (… | endog ~ instruments) is fitted by 2SLS only; \
                 Poisson IV is not available (as in fixest)"
                    .into(),
            ));
        }
        (ModelDesign::Ols(d), ModelKind::Ols) => ModelFit::Ols(fit_ols_owned(d, &cfg.fit)?),
        (ModelDesign::Iv(d), ModelKind::Ols) => {
            if cfg.boot.is_some() {
                return Err(crate::error::Error::Usage(
                    "--boot: the wild cluster bootstrap is available for OLS models only, not IV".into(),
                ));
            }
            let mut f = fit_iv(&d, &cfg.fit)?;
            if cfg.vcov != VcovSpec::Iid {
                f.ivwald = first_stage_f(&f, &cfg.vcov, &cfg.ssc)?;
                f.kp = kleibergen_paap(&f, &cfg.vcov, &cfg.ssc)?;
            }
            ModelFit::Iv(f)
        }
    };
    let core = fit.fitted().core();
    if !core.r2.is_finite() && !matches!(fit, ModelFit::Poisson(_)) {
        // y is constant (or weighted to be) on the rows left after singleton removal.
        return Err(no_variation(cfg, &model.depvar, core.nobs, f64::NAN, " in the estimation sample"));
    }
    if core.r2_within.is_some_and(|r| !r.is_finite()) {
        ctx.warn(format!(
            "{}: the dependent variable `{}` has no variation within the fixed effects ({}): they explain it \
             fully, so every coefficient is 0 and the within R² is undefined",
            cfg.data.display(),
            model.depvar,
            model.fe.iter().map(FeTerm::name).collect::<Vec<_>>().join(", ")
        ))?;
    }
    let d = &core.diagnostics;
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
    Ok(fit)
}

/// Wild bootstraps of an OLS fit (none for other estimators).
fn bootstraps(cfg: &EstimateConfig, fit: &ModelFit, clusters: &[String]) -> Result<Vec<BootResult>> {
    let (Some(b), ModelFit::Ols(fit)) = (&cfg.boot, fit) else { return Ok(Vec::new()) };
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
    params.iter().map(|p| Ok(wild_bootstrap(fit, p, &spec, &cfg.ssc)?)).collect()
}

/// Read the columns `models` need, dropping rows with a missing value in
/// any of them (reported; `model` numbers the message when each model reads
/// its own columns). Returns the columns and the number of rows dropped.
fn read_columns(
    cfg: &EstimateConfig,
    models: &[Model],
    clusters: &[String],
    model: Option<usize>,
    ctx: &mut Ctx<'_>,
) -> Result<(Columns, usize, FileRows)> {
    let (numeric, categorical) = columns_needed(models, cfg.weights.as_deref(), clusters);
    let frame = read_frame(&cfg.data, &numeric, &categorical)?;
    let rows = FileRows { kept: frame.kept, n_rows: frame.n_rows };
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
        let which = model.map(|j| format!(" for model ({j})")).unwrap_or_default();
        ctx.info(format!("{}: dropped {n_missing} row(s) with missing values{which}", cfg.data.display()))?;
    }
    // Columns move out of the frame at their last use (clone only a column used twice).
    let uses = uses(models, cfg.weights.as_deref(), clusters);
    let cols = Columns::new(frame.numeric, frame.categorical, uses).with_labels(&categorical, frame.labels);
    Ok((cols, n_missing, rows))
}

/// Run the command.
pub fn run(cfg: &EstimateConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let clusters: Vec<String> = match &cfg.vcov {
        VcovSpec::Cluster(v) => v.clone(),
        _ => Vec::new(),
    };
    let models = cfg.formula.models();
    if cfg.formula_given {
        let (numeric, categorical) = columns_needed(&models, cfg.weights.as_deref(), &clusters);
        let available = column_names(&cfg.data)?;
        check_columns(&cfg.data, &numeric, &available)?;
        check_columns(&cfg.data, &categorical, &available)?;
    }
    // Each model drops the rows missing in its own columns (as fixest):
    // models that need the same columns share one read.
    let needs = |m: &Model| columns_needed(std::slice::from_ref(m), cfg.weights.as_deref(), &clusters);
    let shared = models.iter().all(|m| needs(m) == needs(&models[0]));
    let mut fits = Vec::with_capacity(models.len());
    let mut missing = Vec::with_capacity(models.len());
    let mut per_row = Vec::new();
    let titles: Vec<String> = (1..=models.len()).map(|j| format!("({j})")).collect();
    let mut fit_one = |model: &Model, cols: &mut Columns, file: &FileRows, ctx: &mut Ctx<'_>| -> Result<ModelFit> {
        let (design, fe_labels) = build(model, cols, cfg.weights.as_deref(), &clusters)?;
        let rows = cfg.wants_rows().then(|| design_rows(&design, fe_labels, file));
        let fit = fit_model(cfg, model, design, ctx)?;
        if let Some(rows) = rows {
            let title = titles[per_row.len()].clone();
            let poisson = match &fit {
                ModelFit::Poisson(p) => Some(p),
                _ => None,
            };
            per_row.push(model_outputs(title, fit.fitted().core(), poisson, &rows, &cfg.fit.demean)?);
        }
        Ok(fit)
    };
    if shared {
        let (mut cols, n_missing, file) = read_columns(cfg, &models, &clusters, None, ctx)?;
        for model in &models {
            fits.push(fit_one(model, &mut cols, &file, ctx)?);
            missing.push(n_missing);
        }
    } else {
        for (j, model) in models.iter().enumerate() {
            let one = std::slice::from_ref(model);
            let (mut cols, n_missing, file) = read_columns(cfg, one, &clusters, Some(j + 1), ctx)?;
            fits.push(fit_one(model, &mut cols, &file, ctx)?);
            missing.push(n_missing);
        }
    }
    let mut inferences = Vec::with_capacity(fits.len());
    let mut lincom_results = Vec::with_capacity(fits.len());
    let mut boots = Vec::with_capacity(fits.len());
    let mut few_warned: Vec<String> = Vec::new();
    for fit in &fits {
        let inference = vcov(fit.fitted(), &cfg.vcov, &cfg.ssc)?;
        if let Some(w) = few_clusters_warning(&inference).filter(|w| !few_warned.contains(w)) {
            ctx.warn(&w)?;
            few_warned.push(w);
        }
        lincom_results
            .push(cfg.lincoms.iter().map(|l| lincom(fit.fitted(), &inference, l)).collect::<Result<Vec<_>, _>>()?);
        inferences.push(inference);
        boots.push(bootstraps(cfg, fit, &clusters)?);
    }
    if let Some(path) = &cfg.plot {
        let fitted: Vec<&dyn Fitted> = fits.iter().map(ModelFit::fitted).collect();
        let plot = super::plot::coef_plot(&models, &fitted, &inferences, &titles, &cfg.plot_terms)?;
        crate::atomic::write_atomic(path, crate::report::coefplot::coefplot_svg(&plot).as_bytes())?;
        ctx.info(format!("wrote {} ({})", path.display(), plot.title))?;
    }
    let columns: Vec<ModelColumn<'_>> = fits
        .iter()
        .enumerate()
        .map(|(j, fit)| ModelColumn {
            title: &titles[j],
            fit: fit.fitted(),
            inference: &inferences[j],
            lincoms: &lincom_results[j],
            boots: &boots[j],
            n_missing: missing[j],
        })
        .collect();
    let mut text = render(&columns, cfg.format);
    if cfg.first_stage {
        text = with_first_stages(cfg, &fits, &titles, &missing, text)?;
    }
    match &cfg.out {
        Some(path) => {
            crate::atomic::write_atomic(path, text.as_bytes())?;
            ctx.info(format!("wrote {}", path.display()))?;
        }
        None => {
            std::io::Write::write_all(ctx.out, text.as_bytes()).map_err(super::stdout_err)?;
        }
    }
    write_row_outputs(cfg, &per_row, ctx)
}

/// Summarise the recovered fixed effects and write `--fixef-out` / `--predict-out`.
fn write_row_outputs(cfg: &EstimateConfig, per_row: &[ModelOutputs], ctx: &mut Ctx<'_>) -> Result<()> {
    for m in per_row {
        let Some(fx) = &m.fixef else { continue };
        let names: Vec<&str> = fx.fe.iter().map(|f| f.name.as_str()).collect();
        if fx.fe.len() > 1 {
            ctx.info(format!(
                "{}: fixed effects {}: {} connected component(s), {} reference level(s)",
                m.title,
                names.join(", "),
                fx.n_components,
                fx.n_references()
            ))?;
        }
        if !fx.exact {
            ctx.warn(format!(
                "{}: fixest's reference rule does not identify the fixed effects {} (too few references: the \
                 values it gives miss the fitted sums by up to {:e}); their values come from conjugate gradient \
                 and no level is a reference",
                m.title,
                names.join(", "),
                fx.rule_gap
            ))?;
        }
        if !fx.demean.converged {
            ctx.warn(format!(
                "{}: fixed-effect recovery did not converge after {} iterations (criterion {:e}); values are approximate",
                m.title, fx.demean.iterations, fx.demean.criterion
            ))?;
        }
    }
    if let Some(out) = &cfg.fixef_out {
        write_fixef(out, per_row)?;
        ctx.info(format!("wrote fixed effects to {}", out.path.display()))?;
    }
    if let Some(out) = &cfg.predict_out {
        write_predictions(out, per_row)?;
        let count = |s| per_row.iter().map(|m| m.count(s)).sum::<usize>();
        ctx.info(format!(
            "wrote predictions to {} ({} used, {} singleton, {} missing row-model(s))",
            out.path.display(),
            count(RowStatus::Used),
            count(RowStatus::Singleton),
            count(RowStatus::Missing)
        ))?;
    }
    Ok(())
}

/// The first-stage table of every IV model (columns titled `(j) endog`)
/// before the main table; in JSON, one object `{"first_stage": …, "second_stage": …}`.
fn with_first_stages(
    cfg: &EstimateConfig,
    fits: &[ModelFit],
    titles: &[String],
    missing: &[usize],
    main: String,
) -> Result<String> {
    let mut stages: Vec<(String, &FirstStage, usize)> = Vec::new();
    for ((fit, title), n) in fits.iter().zip(titles).zip(missing) {
        if let ModelFit::Iv(f) = fit {
            stages.extend(f.first_stages.iter().map(|s| (format!("{title} {}", s.core.depvar), s, *n)));
        }
    }
    if stages.is_empty() {
        return Ok(main);
    }
    let inferences = stages.iter().map(|(_, s, _)| vcov(*s, &cfg.vcov, &cfg.ssc)).collect::<Result<Vec<_>, _>>()?;
    let columns: Vec<ModelColumn<'_>> = stages
        .iter()
        .zip(&inferences)
        .map(|((title, s, n), inference)| ModelColumn {
            title,
            fit: *s,
            inference,
            lincoms: &[],
            boots: &[],
            n_missing: *n,
        })
        .collect();
    let first = render(&columns, cfg.format);
    Ok(match cfg.format {
        OutputFormat::Json => {
            let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap_or(serde_json::Value::Null);
            let both = serde_json::json!({ "first_stage": parse(&first), "second_stage": parse(&main) });
            format!("{}\n", serde_json::to_string_pretty(&both).unwrap_or_default())
        }
        // Tidy: one table, the first stages' rows (model `(j) endog`) then the second stage's.
        OutputFormat::Csv => format!("{first}{}", main.split_once('\n').map_or("", |(_, rows)| rows)),
        OutputFormat::CsvTable => format!("First stage\n{first}\nSecond stage\n{main}"),
        OutputFormat::Latex => format!("% First stage\n{first}\n% Second stage\n{main}"),
        OutputFormat::Markdown => format!("**First stage**\n\n{first}\n**Second stage**\n\n{main}"),
        OutputFormat::Text => format!("First stage\n\n{first}\nSecond stage\n\n{main}"),
    })
}
