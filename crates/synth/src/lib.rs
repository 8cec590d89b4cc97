//! The synthetic generator: realistic SPEC §1 tables layered on the real
//! Chinese JV network, with planted spillover and channel parameters written
//! to a [`Truth`] record. Imports `io::tables`, `ids`, `error` only (no
//! polars: the app layer writes the tables with `io::write`).
//!
//! - [`network`]: the real JV network (shipped source CSVs) → firms, JV links.
//! - [`calibrate`]: scale constants (SPEC §4) and default planted values.
//! - [`mod@generate`]: models, quality scores, suppliers, worker moves, production.
//! - [`evidence`]: on request ([`SynthParams::evidence`]), the supplementary
//!   evidence (model attributes, score halves, customer choices, brand
//!   association, patents) with its planted values; its data-generating
//!   process is documented there.
//! - [`further`]: on request, the benchmark's within-JV-firm similarity
//!   ([`SynthParams::jv_similarity`]) and the event study's spillover growth
//!   ([`SynthParams::spillover_growth`]), and their estimands.
//! - [`estimand`]: what the study's two-step estimator converges to on a
//!   generated design, used to plant weights it recovers exactly.
//! - [`truth`]: the planted parameters and realised counts (`truth.json`).
//!
//! Determinism: every random draw comes from a ChaCha8 stream seeded by
//! [`SynthParams::seed`] (one stream per table), collections are iterated
//! in sorted order, and nothing depends on time or thread count.

pub mod calibrate;
mod draws;
pub mod estimand;
pub mod evidence;
pub mod further;
pub mod generate;
pub mod network;
pub mod truth;

pub use calibrate::Scale;
pub use generate::generate;
pub use truth::Truth;

use std::path::PathBuf;

/// Why synthetic data could not be generated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// A shipped source table could not be read.
    #[error("{file}: row {row}, column `{column}`: {message}")]
    Source {
        /// Source file name.
        file: String,
        /// 1-based data row (0: the header).
        row: usize,
        /// Column.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// The real network is inconsistent (a JV parent without a firm row…).
    #[error("JV network: {0}")]
    Network(String),
    /// A parameter is out of range.
    #[error("invalid synth parameter: {0}")]
    Param(String),
    /// The generated tables break a rule of the loader (a bug in the generator).
    #[error("generated tables are invalid: {0}")]
    Invalid(spillnet_io::LoadError),
    /// The output folder is not empty and `--force` was not given.
    #[error("{}: folder is not empty; pass --force to overwrite the generated files in it", dir.display())]
    OutputNotEmpty {
        /// The output folder.
        dir: PathBuf,
    },
}

/// What to generate: seed, scale and the planted parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthParams {
    /// Seed of every random stream.
    pub seed: u64,
    /// Panel size.
    pub scale: Scale,
    /// Headline spillover β_SameGroup + β_SameSeg + β_SameGroup×SameSeg to plant.
    pub rho: f64,
    /// β_SameGroup (affiliated, different segment) to plant.
    pub gamma_same_group: f64,
    /// ×WorkerFlow z-score (same-segment mechanism regression).
    pub theta_worker: f64,
    /// ×SameGroup×WorkerFlow.
    pub theta_worker_same_group: f64,
    /// ×SupplierOverlap z-score.
    pub theta_supplier: f64,
    /// ×SameGroup×SupplierOverlap.
    pub theta_supplier_same_group: f64,
    /// Also generate the supplementary evidence ([`evidence`]): model
    /// attributes, score halves and the `customer_choices`,
    /// `brand_association` and `patents` tables, planted values in
    /// `truth.json` → `evidence`. Off by default, so the core tables and
    /// `truth.json` are those of a run without it.
    pub evidence: bool,
    /// Slope of the affiliated same-segment spillover in the pair's
    /// standardised brand association (the coefficient of
    /// e_JV × SameGroup × BrandAssociation_z of the alternatives group's
    /// brand column); needs `evidence`. 0 (default): the quality scores
    /// ignore the association and every output is that of the core generator.
    pub brand_slope: f64,
    /// Planted γ of the customer-choice Poisson (SameGroup); default 0.
    pub demand_same_group: f64,
    /// Planted φ of the customer-choice Poisson (SameGroup×SameSeg); default 0.
    pub demand_same_group_seg: f64,
    /// Planted JV sum of the benchmark group (β_SameFirm + β_SameSeg +
    /// β_SameFirm×SameSeg: how much a JV model's dimension-strength pattern
    /// shares with its own firm's other models; the study: 0.584), in
    /// [0, 0.9]. 0 (default): no firm pattern, every output is the core
    /// generator's. See [`further`].
    pub jv_similarity: f64,
    /// Planted growth per year of the affiliated spillover with years since
    /// the firm pair's year 0 (the slope of the event study's bin effects),
    /// in [-0.1, 0.1]. 0 (default): no growth, every output is the core
    /// generator's. See [`further`].
    pub spillover_growth: f64,
}

impl SynthParams {
    /// The study's values (SPEC §4) with the given seed, scale and ρ.
    pub fn new(seed: u64, scale: Scale, rho: f64) -> Self {
        Self {
            seed,
            scale,
            rho,
            gamma_same_group: calibrate::GAMMA_SAME_GROUP,
            theta_worker: calibrate::THETA_WORKER,
            theta_worker_same_group: calibrate::THETA_WORKER_SAME_GROUP,
            theta_supplier: calibrate::THETA_SUPPLIER,
            theta_supplier_same_group: calibrate::THETA_SUPPLIER_SAME_GROUP,
            evidence: false,
            brand_slope: 0.0,
            demand_same_group: 0.0,
            demand_same_group_seg: 0.0,
            jv_similarity: 0.0,
            spillover_growth: 0.0,
        }
    }

    /// Check that every planted value is finite and a plausible weight (|x| ≤ 1).
    pub fn validate(&self) -> Result<(), SynthError> {
        let values = [
            ("rho", self.rho),
            ("gamma_same_group", self.gamma_same_group),
            ("theta_worker", self.theta_worker),
            ("theta_worker_same_group", self.theta_worker_same_group),
            ("theta_supplier", self.theta_supplier),
            ("theta_supplier_same_group", self.theta_supplier_same_group),
            ("brand_slope", self.brand_slope),
        ];
        for (name, v) in values {
            if !v.is_finite() || v.abs() > 1.0 {
                return Err(SynthError::Param(format!("{name} = {v} must be a finite number in [-1, 1]")));
            }
        }
        for (name, v) in
            [("demand_same_group", self.demand_same_group), ("demand_same_group_seg", self.demand_same_group_seg)]
        {
            if !v.is_finite() || v.abs() > 3.0 {
                return Err(SynthError::Param(format!("{name} = {v} must be a finite number in [-3, 3]")));
            }
        }
        if !(self.jv_similarity.is_finite() && (0.0..=0.9).contains(&self.jv_similarity)) {
            return Err(SynthError::Param(format!(
                "jv_similarity = {} must be a finite number in [0, 0.9]",
                self.jv_similarity
            )));
        }
        if !(self.spillover_growth.is_finite() && self.spillover_growth.abs() <= 0.1) {
            return Err(SynthError::Param(format!(
                "spillover_growth = {} must be a finite number in [-0.1, 0.1]",
                self.spillover_growth
            )));
        }
        let planted = self.brand_slope != 0.0 || self.demand_same_group != 0.0 || self.demand_same_group_seg != 0.0;
        if planted && !self.evidence {
            return Err(SynthError::Param(
                "brand_slope, demand_same_group and demand_same_group_seg concern the supplementary evidence: \
                 they need evidence (`--evidence`)"
                    .into(),
            ));
        }
        Ok(())
    }
}

impl Default for SynthParams {
    fn default() -> Self {
        Self::new(1, Scale::Paper, calibrate::DEFAULT_RHO)
    }
}
