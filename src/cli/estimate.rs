//! Arguments of `spillnet estimate`, validated into
//! [`EstimateConfig`]. Imports `app::{estimate, fixef}` (config types),
//! `app::formula` (flags as a formula), `estimate` (domain enums and
//! parsers) and `report` (output format).

use std::path::PathBuf;

use crate::app::estimate::{BootConfig, EstimateConfig, ModelKind};
use crate::app::fixef::TableOut;
use crate::app::formula::from_flags;
use crate::error::{Error, Result};
use crate::estimate::{
    BootWeights, DemeanOptions, Demeaner, FitOptions, Formula, Lincom, PoissonOptions, Ssc, VcovSpec,
};
use crate::report::table::OutputFormat;

/// Bootstrap weight distribution (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BootWeightsArg {
    /// ±1 with probability 1/2.
    Rademacher,
    /// Webb's six-point distribution (±√½, ±1, ±√1.5).
    Webb,
}

/// Fixed-effect solver (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DemeanerArg {
    /// Alternating projections with Irons–Tuck acceleration (fast when levels are nearly orthogonal).
    Map,
    /// Conjugate gradient on the normal equations, preconditioned by an exact solve of the two largest fixed effects (worker × firm designs).
    Krylov,
    /// Alternating projections, switching to Krylov when their contraction rate shows they would need over 50 sweeps.
    Auto,
}

impl From<DemeanerArg> for Demeaner {
    fn from(d: DemeanerArg) -> Self {
        match d {
            DemeanerArg::Map => Demeaner::Map,
            DemeanerArg::Krylov => Demeaner::Krylov,
            DemeanerArg::Auto => Demeaner::Auto,
        }
    }
}

/// Estimator (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    /// Least squares (fixest's `feols`); 2SLS when the formula has an IV part.
    Ols,
    /// Poisson pseudo-maximum likelihood (fixest's `fepois`, Stata's `ppmlhdfe`) for counts or any
    /// non-negative outcome, by IRLS with the fixed effects absorbed.
    Poisson,
}

/// Report format (command-line spelling), shared by every subcommand with a `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Aligned plain text.
    Text,
    /// Markdown table.
    Md,
    /// LaTeX tabular.
    Latex,
    /// CSV. Regressions: tidy, one row per model × term (model, depvar, term, kind, estimate,
    /// se, t, p, ci_low, ci_high, nobs, vcov) at full precision; other reports: their tables.
    Csv,
    /// CSV of the displayed table (regressions: the starred grid, as the text table).
    #[value(name = "csv-table")]
    CsvTable,
    /// JSON with full results (for regressions: estimate, se, t, p, CI per coefficient; diagnostics).
    Json,
}

/// Fit an OLS, IV (2SLS) or Poisson regression with absorbed fixed effects on any CSV/Parquet table.
///
/// Rows with a missing value (empty cell or `NA`) in a used column are
/// dropped and counted; singletons are removed iteratively; regressors
/// collinear with the fixed effects or with each other are dropped and
/// named. Inference follows fixest/pyfixest exactly (small-sample
/// corrections of fixest's `ssc()`).
///
/// Example: `spillnet estimate --data panel.parquet --y y --x x1,x2 --fe firm,year
/// --vcov cluster:firm --lincom "x1+x2" --boot 999 --format json`, or with a
/// fixest formula: `--formula "y ~ x1 | firm + year | d ~ z1 + z2"`; a Poisson
/// model of counts: `--formula "n ~ x1 | firm + year" --model poisson`.
#[derive(Debug, clap::Args)]
pub struct EstimateArgs {
    /// Input table: a `.csv` (header row) or `.parquet` file.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Dependent variable (numeric column). Required unless `--formula` is given.
    #[arg(long, value_name = "COL", required_unless_present = "formula", conflicts_with = "formula")]
    pub y: Option<String>,
    /// Regressors, comma-separated numeric columns, e.g. `x1,x2`. An intercept
    /// is added only when there is no fixed effect. Required unless `--formula` is given.
    #[arg(
        long,
        value_name = "COLS",
        value_delimiter = ',',
        required_unless_present = "formula",
        conflicts_with = "formula"
    )]
    pub x: Vec<String>,
    /// The model(s) in fixest syntax, instead of `--y/--x/--fe` (no default):
    /// `"y ~ x1 + x2 | fe1 + fe2"`; interactions `x1:x2` and `x1*x2`; event-study
    /// dummies `i(t)`, `i(t, ref = -1)`, `i(t, x, ref = c(-1, 0))` (the
    /// variable in `i()` must be numeric); combined fixed effects `fe1^fe2`;
    /// IV as a last part `| endog ~ z1 + z2` (`"y ~ x | d ~ z"` without fixed
    /// effects, `"y ~ 1 | fe | d ~ z"` without exogenous regressors); several
    /// models side by side with `sw(a, b)`, `csw(a, b)`, `sw0`, `csw0` or
    /// `y1 + y2 ~ …` (each model drops the rows missing in its own columns).
    #[arg(long, value_name = "FORMULA", conflicts_with = "fe")]
    pub formula: Option<String>,
    /// With IV models, also print the first-stage regressions (one column per
    /// endogenous regressor, same vcov) before the main table; default off.
    /// The main table always shows the first-stage F (iid), under a robust
    /// or clustered vcov the first-stage Wald F with that vcov and the
    /// Kleibergen–Paap rk Wald F (fixest's `kpr` as rk/L, ivreg2's weak-
    /// instrument statistic without its (N−L−K)/N factor; p-value from
    /// χ²(L−K+1)), and the Wu–Hausman endogeneity F (iid).
    #[arg(long)]
    pub first_stage: bool,
    /// Fixed effects to absorb, comma-separated columns of any type, e.g.
    /// `firm,year` (with `--formula`, give them in its second part instead).
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub fe: Vec<String>,
    /// Variance estimator: `iid` (default), `hetero` (HC1), `cluster:CL`
    /// (CRV1), or `cluster:CL1+CL2` (multiway, Cameron–Gelbach–Miller).
    #[arg(long, value_name = "SPEC", default_value = "iid")]
    pub vcov: String,
    /// Small-sample correction as in fixest's ssc(): comma-separated
    /// `K.adj=true|false`, `K.fixef=none|nonnested|full`, `G.adj=true|false`,
    /// `G.df=min|conventional`; omitted keys keep the defaults
    /// `K.adj=true,K.fixef=nonnested,G.adj=true,G.df=min`; `none` turns all off.
    #[arg(long, value_name = "SSC", default_value = "K.adj=true,K.fixef=nonnested,G.adj=true,G.df=min")]
    pub ssc: String,
    /// Analytic weights column (values > 0).
    #[arg(long, value_name = "COL")]
    pub weights: Option<String>,
    /// Wild cluster restricted bootstrap with B replications, OLS models only (needs
    /// `--vcov cluster:…`; the first cluster variable is used). All 2^G
    /// Rademacher (6^G Webb) weight vectors are enumerated when that is ≤ B.
    /// p-value = share of draws with |t*| ≥ |t| (ties within 1e-9 relative
    /// count as at least as extreme, so the draws v = ±1 always count).
    #[arg(long, value_name = "B")]
    pub boot: Option<usize>,
    /// Bootstrap weights: `rademacher` (default) or `webb`.
    #[arg(long, value_enum, value_name = "W", default_value = "rademacher")]
    pub boot_weights: BootWeightsArg,
    /// Hypothesis tested by the bootstrap, e.g. `x1`, `x1=1` or `x1+x2=0`
    /// (repeatable). Default: each `--lincom`, or else every coefficient = 0.
    #[arg(long, value_name = "EXPR")]
    pub boot_param: Vec<String>,
    /// Seed of the bootstrap's random draws (ChaCha8), default 42.
    #[arg(long, value_name = "S", default_value_t = 42)]
    pub seed: u64,
    /// Linear combination to report with its delta-method SE, e.g. `"x1+x2"`
    /// or `"x1-2*x2"` (repeatable; `=r` tests against r instead of 0).
    #[arg(long, value_name = "EXPR")]
    pub lincom: Vec<String>,
    /// Output format: text (default), md, latex, csv (tidy: one row per term, full precision),
    /// csv-table (the starred grid) or json.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    pub format: FormatArg,
    /// Write the table to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Draw the estimates with 95 % confidence intervals to FILE (SVG):
    /// fixest's `iplot` for the dummies of an `i()` term (estimates against
    /// the variable's values, reference level at 0), its `coefplot`
    /// otherwise; one colour per model.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Terms of `--plot`: coefficient names, or an `i()` variable for all
    /// its dummies (`t`, or `t:x` for `i(t, x)`). Default: the formula's
    /// first `i()`, else every coefficient but the intercept.
    #[arg(long, value_name = "TERMS", value_delimiter = ',', requires = "plot")]
    pub plot_terms: Vec<String>,
    /// Estimator: `ols` (least squares; 2SLS with an IV part) or `poisson`
    /// (PPML: outcome ≥ 0; observations in fixed-effect levels whose outcome
    /// is always 0 are removed and counted, as pyfixest and ppmlhdfe do;
    /// z-based p-values as fixest).
    #[arg(long, value_enum, value_name = "MODEL", default_value = "ols")]
    pub model: ModelArg,
    /// Poisson: convergence tolerance of the IRLS iterations on the relative
    /// change of the deviance (fixest's `glm.tol`, pyfixest's `iwls_tol`).
    #[arg(long, value_name = "TOL", default_value_t = 1e-8)]
    pub irls_tol: f64,
    /// Poisson: maximum IRLS iterations (fixest's `glm.iter`, pyfixest's
    /// `iwls_maxiter`); not converging within them is an error unless
    /// `--allow-nonconverged`.
    #[arg(long, value_name = "N", default_value_t = 25)]
    pub irls_maxiter: usize,
    /// Poisson: separation checks, comma-separated: `fe` (observations in
    /// fixed-effect levels whose outcome is always 0) and `ir` (zeros the
    /// regressors separate, by ppmlhdfe's iterative rectifier); pyfixest's
    /// `separation_check` (its default is `fe` alone). `none` for neither.
    #[arg(long, value_name = "CHECKS", value_delimiter = ',', default_value = "fe,ir")]
    pub separation: Vec<String>,
    /// Also write each model's estimated fixed effects to FILE (`.csv` or
    /// `.parquet`, by extension; atomic; default: not written): a tidy table
    /// `model, fe, level, value, component, reference`, one row per level
    /// (`level` as in the input column; `a^b` levels as `a_b`). Normalised as
    /// fixest's `fixef()`: one reference level set to 0 per connected
    /// component of the levels (with two fixed effects, a level of the second;
    /// `component` numbers them from 1). Recovered from y − Xβ by the same
    /// demeaner at tolerance 1e-13.
    #[arg(long, value_name = "FILE")]
    pub fixef_out: Option<PathBuf>,
    /// Also write fitted values and residuals to FILE (`.csv` or `.parquet`,
    /// by extension; atomic; default: not written): `model, row, fitted,
    /// residual, status`, one row per data row of the input (1-based, header
    /// not counted) per model; `status` is `used`, `singleton` (dropped as a
    /// singleton) or `missing` (a used column is missing there), and
    /// fitted/residual are empty for rows not used. Fitted = Xβ + the fixed effects.
    #[arg(long, value_name = "FILE")]
    pub predict_out: Option<PathBuf>,
    /// Demeaning convergence tolerance: for `map`, the largest group mean
    /// removed in a sweep; for `krylov`, the change of the demeaned column in
    /// an iteration relative to the column's norm.
    #[arg(long, value_name = "TOL", default_value_t = 1e-8)]
    pub fixef_tol: f64,
    /// Maximum demeaning iterations per column (sweeps, or Krylov
    /// iterations); not converging within them is an error unless
    /// `--allow-nonconverged`.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub fixef_maxiter: usize,
    /// Fixed-effect solver: `map` (alternating projections), `krylov`
    /// (preconditioned conjugate gradient, for worker × firm designs where
    /// alternating projections stall) or `auto` (alternating projections,
    /// switching to krylov when their contraction rate shows they would need
    /// more than 50 sweeps).
    #[arg(long, value_enum, value_name = "METHOD", default_value = "auto")]
    pub demeaner: DemeanerArg,
    /// Report a fit whose demeaning (or Poisson IRLS) did not converge, with a warning, instead of failing.
    #[arg(long)]
    pub allow_nonconverged: bool,
    /// Keep singleton observations (default: remove them iteratively, as pyfixest).
    #[arg(long)]
    pub keep_singletons: bool,
    /// Pivot tolerance of the collinearity check on X'X (default 1e-9, as pyfixest).
    #[arg(long, value_name = "TOL", default_value_t = 1e-9)]
    pub collin_tol: f64,
}

impl From<FormatArg> for OutputFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Text => OutputFormat::Text,
            FormatArg::Md => OutputFormat::Markdown,
            FormatArg::Latex => OutputFormat::Latex,
            FormatArg::Csv => OutputFormat::Csv,
            FormatArg::CsvTable => OutputFormat::CsvTable,
            FormatArg::Json => OutputFormat::Json,
        }
    }
}

impl From<BootWeightsArg> for BootWeights {
    fn from(w: BootWeightsArg) -> Self {
        match w {
            BootWeightsArg::Rademacher => BootWeights::Rademacher,
            BootWeightsArg::Webb => BootWeights::Webb,
        }
    }
}

fn usage(e: impl std::fmt::Display) -> Error {
    Error::Usage(e.to_string())
}

impl EstimateArgs {
    /// Validate into the run configuration (bad values are usage errors).
    pub fn into_config(self) -> Result<EstimateConfig> {
        let vcov: VcovSpec = self.vcov.parse().map_err(usage)?;
        let ssc: Ssc = self.ssc.parse().map_err(usage)?;
        let lincoms = self.lincom.iter().map(|s| s.parse::<Lincom>()).collect::<Result<Vec<_>, _>>().map_err(usage)?;
        if self.x.iter().any(|x| x.trim().is_empty()) {
            return Err(usage("--x: empty column name"));
        }
        if !(self.fixef_tol > 0.0 && self.fixef_tol.is_finite()) {
            return Err(usage("--fixef-tol must be a positive number"));
        }
        if self.fixef_maxiter == 0 {
            return Err(usage("--fixef-maxiter must be at least 1"));
        }
        if !(self.collin_tol > 0.0 && self.collin_tol.is_finite()) {
            return Err(usage("--collin-tol must be a positive number"));
        }
        if let Some(p) = &self.plot
            && p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() != Some("svg")
        {
            return Err(usage(format!("--plot {}: the plot is written as SVG; name the file *.svg", p.display())));
        }
        if !(self.irls_tol > 0.0 && self.irls_tol < 1.0) {
            return Err(usage("--irls-tol must be a number between 0 and 1"));
        }
        if self.irls_maxiter == 0 {
            return Err(usage("--irls-maxiter must be at least 1"));
        }
        if self.model == ModelArg::Poisson && self.boot.is_some() {
            return Err(usage("--boot: the wild cluster bootstrap is available for OLS models only, not Poisson"));
        }
        let boot = match self.boot {
            None => {
                if !self.boot_param.is_empty() {
                    return Err(usage("--boot-param needs --boot B"));
                }
                None
            }
            Some(0) => return Err(usage("--boot must be at least 1")),
            Some(reps) => {
                if !matches!(vcov, VcovSpec::Cluster(_)) {
                    return Err(usage("--boot needs a clustered vcov (--vcov cluster:CL)"));
                }
                let params = self
                    .boot_param
                    .iter()
                    .map(|s| s.parse::<Lincom>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(usage)?;
                Some(BootConfig { reps, seed: self.seed, weights: self.boot_weights.into(), params })
            }
        };
        let format = self.format.into();
        let fixef_out = self.fixef_out.map(|p| TableOut::from_path("--fixef-out", p)).transpose()?;
        let predict_out = self.predict_out.map(|p| TableOut::from_path("--predict-out", p)).transpose()?;
        let fit = FitOptions {
            demean: DemeanOptions { tol: self.fixef_tol, max_iter: self.fixef_maxiter, method: self.demeaner.into() },
            drop_singletons: !self.keep_singletons,
            collin_tol: self.collin_tol,
            error_on_no_convergence: !self.allow_nonconverged,
        };
        let mut separation = (false, false);
        for c in &self.separation {
            match c.trim() {
                "fe" => separation.0 = true,
                "ir" => separation.1 = true,
                "none" => {}
                other => return Err(usage(format!("--separation: unknown check `{other}` (expected fe, ir or none)"))),
            }
        }
        let model = match self.model {
            ModelArg::Ols => ModelKind::Ols,
            ModelArg::Poisson => ModelKind::Poisson(PoissonOptions {
                fit,
                tol: self.irls_tol,
                max_iter: self.irls_maxiter,
                separation_fe: separation.0,
                separation_ir: separation.1,
            }),
        };
        let (formula, formula_given) = match &self.formula {
            Some(f) => (Formula::parse(f).map_err(usage)?, true),
            None => {
                let x: Vec<String> = self.x.iter().map(|s| s.trim().to_owned()).collect();
                let fe: Vec<String> = self.fe.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
                (from_flags(self.y.as_deref().unwrap_or_default(), &x, &fe), false)
            }
        };
        Ok(EstimateConfig {
            data: self.data,
            formula,
            formula_given,
            first_stage: self.first_stage,
            weights: self.weights,
            vcov,
            ssc,
            fit,
            model,
            lincoms,
            boot,
            format,
            out: self.out,
            plot: self.plot,
            plot_terms: self.plot_terms.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
            fixef_out,
            predict_out,
        })
    }
}
