//! OLS with high-dimensional fixed effects and fixest-exact inference.
//!
//! Owns the general regression engine of SPEC §5. It knows nothing of
//! graphs or data frames: it takes plain columns (`f64` regressors, `u32`
//! fixed-effect and cluster codes) in a [`Design`] and returns values.
//! Imports only `ids`/`error` of the crate (in fact neither is needed).
//!
//! Pipeline ("estimate once, infer many ways", as fixest):
//!
//! 1. [`fit_ols`] — iterative singleton removal, demeaning by alternating
//!    projections with Irons–Tuck acceleration or preconditioned conjugate
//!    gradient, chosen by [`Demeaner`] ([`fe::demean`], parallel over
//!    columns, deterministic), collinearity detection, OLS. Returns an
//!    [`OlsFit`]: a [`FitCore`] holding everything inference needs (bread,
//!    scores inputs, sizes) plus OLS extras.
//! 2. [`vcov()`] — iid, HC1, CRV1 one- or multi-way with the small-sample
//!    correction [`Ssc`] (fixest's `ssc()`), returning an [`Inference`]
//!    (coefficient table, degrees of freedom, correction used). No refit.
//! 3. [`lincom()`] — linear combinations with delta-method standard errors.
//! 4. [`wild_bootstrap`] — wild cluster restricted bootstrap (WCR; linear
//!    models only).
//!
//! Steps 2 and 3 (and the report's tables) take any [`Fitted`] model — a
//! type that hands out a [`FitCore`] — and never name a concrete estimator,
//! so further estimators (2SLS, Poisson) reuse them unchanged ([`fit`]
//! explains the design).
//!
//! After a fit, [`recover_fixef`] gives the value of every fixed-effect
//! level (fixest's `fixef()` normalisation, connected components) from
//! $y - X\hat\beta$ ([`structural_residual`]).
//!
//! Besides OLS: [`fit_iv`] (2SLS with absorbed fixed effects; its
//! [`IvFit`] implements [`Fitted`], so steps 2–3 apply unchanged) and
//! [`formula`] (fixest's formula syntax, parsed into models; the columns
//! are built where the data is, in the app).
//!
//! Non-fatal data issues (singletons, collinear regressors, demeaning
//! iterations and convergence) are returned as values in [`Diagnostics`].

pub mod bootstrap;
pub mod design;
pub mod fe;
pub mod fit;
pub mod fixef;
pub mod formula;
pub mod iv;
pub mod kp;
pub mod lincom;
pub mod ols;
pub mod poisson;
pub mod ssc;
pub mod vcov;

pub use bootstrap::{BOOT_P_RULE, BootResult, BootSpec, BootWeights, wild_bootstrap};
pub use design::Design;
pub use fe::{ColumnDemean, DemeanInfo, DemeanOptions, Demeaner};
pub use fit::{ClusterVar, Diagnostics, FeSize, FitCore, FitStat, Fitted, FixedEffect, SymMatrix};
pub use fixef::{FeValues, Fixef, FixefOptions, connected_components, recover_fixef, structural_residual};
pub use formula::{Formula, FormulaError};
pub use iv::{FirstStage, FirstStageF, IvDesign, IvFit, KleibergenPaap, WuHausman, first_stage_f, fit_iv};
pub use kp::kleibergen_paap;
pub use lincom::{Lincom, LincomResult, lincom};
pub use ols::{FitOptions, OlsFit, fit_ols, fit_ols_owned};
pub use poisson::{PoissonFit, PoissonOptions, fit_poisson};
pub use ssc::{GDf, KFixef, Ssc};
pub use vcov::{CoefRow, FEW_CLUSTERS, Inference, VcovSpec, vcov};

/// Why an estimation could not be carried out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EstimateError {
    /// The cross-product matrix of the kept regressors is not positive definite.
    #[error("the regressors are not of full rank (X'X is not positive definite)")]
    NotFullRank,
    /// Demeaning did not converge within the iteration budget.
    #[error(
        "fixed-effect demeaning of `{column}` did not converge after {iter} iterations ({method}: final criterion \
         {criterion:e}, tolerance {tol:e})"
    )]
    NoConvergence {
        /// Column that did not converge (the first one, in the order y, regressors).
        column: String,
        /// Algorithm that ran last on it.
        method: Demeaner,
        /// Iterations performed.
        iter: usize,
        /// Final value of the stopping criterion.
        criterion: f64,
        /// Tolerance requested.
        tol: f64,
    },
    /// The Poisson IRLS iterations did not converge.
    #[error(
        "the Poisson fit (IRLS) did not converge after {iter} iterations (deviance criterion {criterion:e}, \
         tolerance {tol:e}); raise the iteration budget or allow a non-converged fit"
    )]
    IrlsNoConvergence {
        /// Iterations performed.
        iter: usize,
        /// Final relative change of the deviance.
        criterion: f64,
        /// Tolerance requested.
        tol: f64,
    },
    /// Clustered inference needs at least two clusters.
    #[error("cluster variable `{name}` has {groups} cluster(s); at least 2 are needed")]
    TooFewClusters {
        /// Cluster variable.
        name: String,
        /// Number of clusters found.
        groups: usize,
    },
    /// No observation is left (after singleton removal) or no regressor is left.
    #[error("empty estimation sample: {0}")]
    EmptySample(String),
    /// The design or a request is malformed.
    #[error("bad input: {what}")]
    BadInput {
        /// What is wrong.
        what: String,
    },
}

impl EstimateError {
    pub(crate) fn bad(what: impl Into<String>) -> Self {
        EstimateError::BadInput { what: what.into() }
    }
}
