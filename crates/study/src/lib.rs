//! The spillover study of SPEC §3–4, end to end: relative strengths (step 1,
//! [`strengths`]), the pairwise panel and its channel attributes (step 2,
//! [`panel`]), the specifications as data ([`specs`]), estimation with the
//! engine and two-way clustered inference, the headline spillover with its
//! delta-method SE and wild-bootstrap p-value, mediation shares
//! ([`pipeline`]), quantification in defects ([`quantify`]), the permutation
//! placebo ([`placebo`]). The Monte Carlo check of the whole estimator lives
//! in `spillnet-montecarlo`, above both this crate and the generator.
//!
//! Sits after `estimate` in the pipeline: depends on `spillnet-io` (tables,
//! ids), `spillnet-network` (the pair panel) and `spillnet-estimate` (the engine). Never prints; diagnostics are values, progress is a
//! callback.
#![deny(missing_docs)]

pub mod panel;
pub mod pipeline;
pub mod placebo;
pub mod quantify;
pub mod specs;
pub mod strengths;

pub use panel::{StudyPanel, build_panel};
pub use pipeline::{BootOptions, FittedSpec, Headline, Mediation, StudyOptions, StudyResult, build_and_run, run_study};
pub use placebo::{PlaceboLevel, PlaceboOptions, PlaceboResult};
pub use specs::{Spec, SpecGroup};

/// Why the study could not be carried out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StudyError {
    /// The pair panel could not be built.
    #[error(transparent)]
    Pairs(#[from] spillnet_network::exposure::ExposureError),
    /// The data do not support the study (empty panel, inconsistent surveys…).
    #[error("spillover study: {0}")]
    Data(String),
    /// A specification could not be estimated.
    #[error("spillover study, specification {spec}: {source}")]
    Spec {
        /// Specification id (`baseline.2`).
        spec: String,
        /// The engine's error.
        source: spillnet_estimate::EstimateError,
    },
}
