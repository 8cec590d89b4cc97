//! The per-row outputs of `spillnet estimate`: `--fixef-out` (each fixed
//! effect's estimated level values with their connected component and
//! reference flag, [`crate::estimate::recover_fixef`]) and `--predict-out`
//! (fitted value, residual and status of every data row of the input, per
//! model). Both are tidy long tables written atomically as CSV or Parquet
//! ([`crate::io::write::write_table`]). Imports `estimate` (fit types and
//! recovery), `io::write`, `error`.
//!
//! Row bookkeeping: a data row of the input file is `missing` when a column
//! the model uses is missing there (dropped before the design), `singleton`
//! when the fit dropped it as a singleton ([`FitCore::sample`]), otherwise
//! `used`; a Poisson fit marks the rows its separation checks removed
//! `separated` ([`RowStatus::Separated`]).

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::estimate::design::Column;
use crate::estimate::poisson::Excluded;
use crate::estimate::{DemeanOptions, FitCore, Fixef, FixefOptions, PoissonFit, recover_fixef, structural_residual};
use crate::io::write::{ColumnData, TableData, TableFormat, write_table};

/// A table output file and its format (from the extension).
#[derive(Debug, Clone, PartialEq)]
pub struct TableOut {
    /// Where to write (atomically).
    pub path: PathBuf,
    /// CSV or Parquet.
    pub format: TableFormat,
}

impl TableOut {
    /// The output `path` with its format from the extension (`.csv` or
    /// `.parquet`, any case); `flag` names the option in the error.
    ///
    /// # Errors
    /// [`Error::Usage`] for any other extension.
    pub fn from_path(flag: &str, path: PathBuf) -> Result<Self> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let format = match ext.as_deref() {
            Some("csv") => TableFormat::Csv,
            Some("parquet") => TableFormat::Parquet,
            _ => {
                return Err(Error::Usage(format!(
                    "{flag} {}: the file name must end in .csv or .parquet (the format follows the extension)",
                    path.display()
                )));
            }
        };
        Ok(TableOut { path, format })
    }
}

/// What happened to one data row of the input in one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    /// In the estimation sample.
    Used,
    /// Dropped as a singleton of a fixed effect.
    Singleton,
    /// Dropped for a missing value in a column the model uses.
    Missing,
    /// Dropped as separated (Poisson: a fixed-effect level whose outcome is always 0, or by the regressors).
    Separated,
}

impl RowStatus {
    fn as_str(self) -> &'static str {
        match self {
            RowStatus::Used => "used",
            RowStatus::Singleton => "singleton",
            RowStatus::Missing => "missing",
            RowStatus::Separated => "separated",
        }
    }
}

/// What the outputs need from a model's design, kept before the fit consumes it.
#[derive(Debug)]
pub struct DesignRows {
    /// Dependent variable on the design rows.
    pub y: Vec<f64>,
    /// Raw regressors on the design rows (for 2SLS also the endogenous ones).
    pub x: Vec<Column>,
    /// Per fixed effect, its design code of each design row.
    pub fe_codes: Vec<Vec<u32>>,
    /// Per fixed effect, the text of each design code.
    pub fe_labels: Vec<Vec<String>>,
    /// Which data rows of the file became design rows (`None`: all).
    pub kept: Option<Vec<bool>>,
    /// Data rows in the file.
    pub n_rows: usize,
}

/// One model's recovered fixed effects and per-observation fit.
#[derive(Debug)]
pub struct ModelOutputs {
    /// Model title as in the regression table (`(1)`).
    pub title: String,
    /// Recovered fixed effects (`None` without fixed effects).
    pub fixef: Option<Fixef>,
    /// Per sample observation: fitted value and residual.
    fitted: Vec<f64>,
    resid: Vec<f64>,
    /// Per fixed effect, per level on the estimation sample, its text.
    level_labels: Vec<Vec<String>>,
    /// Status of each data row of the file.
    status: Vec<RowStatus>,
}

/// Recover the fixed effects of `core` and its fitted values and residuals
/// on the estimation sample; `demean` sets the method and iteration budget
/// of the recovery (its tolerance is [`FixefOptions`]'s tight default).
///
/// # Errors
/// A coefficient without a raw column (an internal inconsistency).
///
/// A Poisson fit (`poisson`) recovers its fixed effects from the linear
/// predictor, $\eta - X\hat\beta$ with the last IRLS weights, and reports the
/// response scale: fitted $\hat\mu$, residual $y - \hat\mu$, and `separated`
/// for the rows its separation checks removed.
pub fn model_outputs(
    title: String,
    core: &FitCore,
    poisson: Option<&PoissonFit>,
    rows: &DesignRows,
    demean: &DemeanOptions,
) -> Result<ModelOutputs> {
    let sr = structural_residual(core, &rows.y, &rows.x)?;
    // Design row of each sample observation.
    let design_rows: Vec<usize> = match &core.sample {
        None => (0..core.nobs).collect(),
        Some(keep) => (0..keep.len()).filter(|&d| keep[d]).collect(),
    };
    // r = y − Xβ (linear models) or η − Xβ = η − y + (y − Xβ) (Poisson).
    let (r, weights) = match poisson {
        None => (sr, core.weights.as_deref()),
        Some(p) => {
            let r = design_rows.iter().zip(&p.eta).zip(&sr).map(|((&d, e), s)| e - rows.y[d] + s).collect();
            (r, Some(p.irls_weights.as_slice()))
        }
    };
    let fixef = if core.fe.is_empty() {
        None
    } else {
        let mut opts = FixefOptions::default();
        opts.demean.method = demean.method;
        opts.demean.max_iter = opts.demean.max_iter.max(demean.max_iter);
        Some(recover_fixef(&core.fe, weights, &r, &opts)?)
    };
    let sum = |i: usize| fixef.as_ref().map_or(0.0, |f| f.sum[i]);
    let (fitted, resid): (Vec<f64>, Vec<f64>) = match poisson {
        None => {
            let resid: Vec<f64> = (0..core.nobs).map(|i| r[i] - sum(i)).collect();
            (design_rows.iter().zip(&resid).map(|(&d, u)| rows.y[d] - u).collect(), resid)
        }
        Some(p) => (p.mu.clone(), design_rows.iter().zip(&p.mu).map(|(&d, m)| rows.y[d] - m).collect()),
    };
    let level_labels = core
        .fe
        .iter()
        .enumerate()
        .map(|(q, f)| {
            let mut text = vec![String::new(); f.levels];
            let mut seen = vec![false; f.levels];
            for (i, &l) in f.codes.iter().enumerate() {
                if !seen[l as usize] {
                    seen[l as usize] = true;
                    let c = rows.fe_codes[q][design_rows[i]];
                    text[l as usize] = rows.fe_labels[q][c as usize].clone();
                }
            }
            text
        })
        .collect();
    // Status of each file row.
    let mut status = Vec::with_capacity(rows.n_rows);
    let mut d = 0usize;
    for k in 0..rows.n_rows {
        if rows.kept.as_ref().is_some_and(|kept| !kept[k]) {
            status.push(RowStatus::Missing);
            continue;
        }
        let in_sample = core.sample.as_ref().is_none_or(|s| s[d]);
        let separated = poisson
            .is_some_and(|p| matches!(p.excluded[d], Some(Excluded::Separated | Excluded::SeparatedByRegressors)));
        status.push(match (in_sample, separated) {
            (true, _) => RowStatus::Used,
            (false, true) => RowStatus::Separated,
            (false, false) => RowStatus::Singleton,
        });
        d += 1;
    }
    Ok(ModelOutputs { title, fixef, fitted, resid, level_labels, status })
}

impl ModelOutputs {
    /// Count of file rows with `status`.
    pub fn count(&self, status: RowStatus) -> usize {
        self.status.iter().filter(|s| **s == status).count()
    }
}

/// Order of levels in the fixed-effect table: by value when every label is
/// a number, else by text (fixest's `sorted = TRUE`).
fn level_order(labels: &[String]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..labels.len()).collect();
    let nums: Option<Vec<f64>> = labels.iter().map(|l| l.parse::<f64>().ok()).collect();
    match nums {
        Some(v) => idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]).then_with(|| labels[a].cmp(&labels[b]))),
        None => idx.sort_by(|&a, &b| labels[a].cmp(&labels[b])),
    }
    idx
}

/// Write the fixed-effect table: `model, fe, level, value, component,
/// reference` (component 1-based, numbered by first observation).
pub fn write_fixef(out: &TableOut, models: &[ModelOutputs]) -> Result<()> {
    let (mut model, mut fe, mut level, mut value, mut component, mut reference) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for m in models {
        let Some(fx) = &m.fixef else { continue };
        for (q, f) in fx.fe.iter().enumerate() {
            for l in level_order(&m.level_labels[q]) {
                model.push(Some(m.title.clone()));
                fe.push(Some(f.name.clone()));
                level.push(Some(m.level_labels[q][l].clone()));
                value.push(Some(f.values[l]));
                component.push(Some(i64::from(f.component[l]) + 1));
                reference.push(Some(if f.reference[l] { "true" } else { "false" }.to_owned()));
            }
        }
    }
    let table = TableData::default()
        .with("model", ColumnData::Text(model))
        .with("fe", ColumnData::Text(fe))
        .with("level", ColumnData::Text(level))
        .with("value", ColumnData::Float(value))
        .with("component", ColumnData::Int(component))
        .with("reference", ColumnData::Text(reference));
    write(out, &table)
}

/// Write the prediction table: `model, row, fitted, residual, status`, one
/// row per data row of the input per model (fitted and residual empty for
/// rows not used).
pub fn write_predictions(out: &TableOut, models: &[ModelOutputs]) -> Result<()> {
    let total: usize = models.iter().map(|m| m.status.len()).sum();
    let mut model = Vec::with_capacity(total);
    let mut row = Vec::with_capacity(total);
    let mut fitted = Vec::with_capacity(total);
    let mut resid = Vec::with_capacity(total);
    let mut status = Vec::with_capacity(total);
    for m in models {
        let mut i = 0usize;
        for (k, s) in m.status.iter().enumerate() {
            model.push(Some(m.title.clone()));
            row.push(Some(k as i64 + 1));
            if *s == RowStatus::Used {
                fitted.push(Some(m.fitted[i]));
                resid.push(Some(m.resid[i]));
                i += 1;
            } else {
                fitted.push(None);
                resid.push(None);
            }
            status.push(Some(s.as_str().to_owned()));
        }
    }
    let table = TableData::default()
        .with("model", ColumnData::Text(model))
        .with("row", ColumnData::Int(row))
        .with("fitted", ColumnData::Float(fitted))
        .with("residual", ColumnData::Float(resid))
        .with("status", ColumnData::Text(status));
    write(out, &table)
}

fn write(out: &TableOut, table: &TableData) -> Result<()> {
    write_table(&out.path, table, out.format)?;
    Ok(())
}
