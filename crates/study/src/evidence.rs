//! The further-evidence results as data (SPEC §7): what each analysis of
//! [`crate::case`] returns — regression tables of any estimator
//! ([`CaseModel`]), value tables ([`CaseTable`]), prose, coefficient plots
//! ([`CasePlot`]) and a JSON section ([`CaseResult`]) — and its options
//! ([`CaseOptions`]). Types only, so that the pipeline's options and results
//! can hold them without importing the analyses.
//!
//! Owns [`CaseOptions`], [`CaseModel`], [`CaseCell`], [`CaseTable`],
//! [`CasePoint`], [`CasePlot`], [`CaseBlock`], [`CaseResult`],
//! [`CaseOutcome`]. Imports `estimate` (fit types, inference) and `specs`
//! (the group, skipped parts).

use std::sync::Arc;

use super::specs::{Skipped, SpecGroup};
use spillnet_estimate::{Fitted, Inference, LincomResult};

/// Options of the further-evidence analyses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CaseOptions {
    /// Seed of every random draw of the analyses (benchmark split, block bootstrap).
    pub seed: u64,
    /// Draws of the pairs (block) bootstrap of the robustness group.
    pub bootstrap_reps: usize,
}

impl Default for CaseOptions {
    fn default() -> Self {
        CaseOptions { seed: 1, bootstrap_reps: 500 }
    }
}

/// One fitted model of any estimator (OLS, IV, Poisson) with its inference:
/// one column of a regression table.
#[derive(Debug, Clone)]
pub struct CaseModel {
    /// Column title (`(1)`, `OLS`, `IV`…).
    pub title: String,
    /// The fit (slimmed or not).
    pub fit: Arc<dyn Fitted>,
    /// Inference under the vcov the analysis chose.
    pub inference: Inference,
    /// Linear combinations shown below the coefficients.
    pub lincoms: Vec<LincomResult>,
}

/// One cell of a value table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CaseCell {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// A real number (formatted with 4 decimals).
    Number {
        /// The value.
        value: f64,
    },
    /// A count.
    Count {
        /// The value.
        value: usize,
    },
    /// An estimate with its standard error and p-value (formatted
    /// `0.0980** (0.0301)`).
    Estimate {
        /// Point estimate.
        estimate: f64,
        /// Standard error.
        se: f64,
        /// p-value (stars).
        p: f64,
    },
    /// Not available (printed as a dash).
    Missing,
}

impl CaseCell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Self {
        CaseCell::Text { text: s.into() }
    }
    /// A number cell (NaN → [`CaseCell::Missing`]).
    pub fn number(value: f64) -> Self {
        if value.is_finite() { CaseCell::Number { value } } else { CaseCell::Missing }
    }
    /// A count cell.
    pub fn count(value: usize) -> Self {
        CaseCell::Count { value }
    }
    /// An estimate cell.
    pub fn estimate(estimate: f64, se: f64, p: f64) -> Self {
        CaseCell::Estimate { estimate, se, p }
    }
}

/// A table of values (descriptive tables, ratios, decompositions).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CaseTable {
    /// Caption.
    pub title: String,
    /// Column headers; the first column is the row label.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<CaseCell>>,
    /// Notes printed below the table.
    pub notes: Vec<String>,
}

/// One point of a coefficient plot.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CasePoint {
    /// Tick label.
    pub label: String,
    /// Position on a numeric x axis (e.g. years since year 0).
    pub position: f64,
    /// Estimate.
    pub estimate: f64,
    /// Lower end of the 95 % confidence interval.
    pub low: f64,
    /// Upper end of the 95 % confidence interval.
    pub high: f64,
    /// The reference level (drawn hollow at 0, no interval).
    pub reference: bool,
}

/// A coefficient plot (written as SVG beside the report).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CasePlot {
    /// File stem (`event_study` → `event_study.svg`).
    pub name: String,
    /// Title.
    pub title: String,
    /// Second line (interval level, vcov).
    pub subtitle: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Vertical dashed line at this position (the reference period), if any.
    pub ref_line: Option<f64>,
    /// Points in drawing order.
    pub points: Vec<CasePoint>,
}

/// One piece of an analysis's report, in order.
#[derive(Debug, Clone)]
pub enum CaseBlock {
    /// Regression models side by side (an etable-style table).
    Models {
        /// Caption.
        title: String,
        /// Columns.
        models: Vec<CaseModel>,
        /// Notes printed below the table.
        notes: Vec<String>,
    },
    /// A value table.
    Table(CaseTable),
    /// Plain-language lines.
    Lines(Vec<String>),
    /// A coefficient plot.
    Plot(CasePlot),
}

/// What one further-evidence group produced.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The group.
    pub group: SpecGroup,
    /// Report blocks in order.
    pub blocks: Vec<CaseBlock>,
    /// The group's typed results as JSON (the report's `evidence.<group>` section).
    pub json: serde_json::Value,
    /// Parts of the group that did not run on these data, with the reason.
    pub skipped: Vec<Skipped>,
}

/// A group's result, or the reason the whole group could not run on the data.
pub type CaseOutcome = Result<CaseResult, String>;
