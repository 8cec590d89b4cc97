//! The spillover study of SPEC §3–4, end to end: relative strengths (step 1,
//! [`strengths`]), the pairwise panel and its channel attributes (step 2,
//! [`panel`]), the specifications as data ([`specs`]), estimation with the
//! engine and two-way clustered inference, the headline spillover with its
//! delta-method SE and wild-bootstrap p-value, mediation shares
//! ([`pipeline`]), quantification in defects ([`quantify`]), the permutation
//! placebo ([`placebo`]), the further evidence of SPEC §7 ([`case`], its
//! results as data in [`evidence`]), and the whole study in one call
//! ([`run`]). The Monte Carlo check of the whole estimator lives
//! in `spillnet-montecarlo`, above both this crate and the generator.
//!
//! Sits after `estimate` in the pipeline: depends on `spillnet-io` (tables,
//! ids), `spillnet-network` (the pair panel) and `spillnet-estimate` (the engine). Never prints; diagnostics are values, progress is a
//! callback.
#![deny(missing_docs)]

pub mod case;
pub mod evidence;
pub mod panel;
pub mod pipeline;
pub mod placebo;
pub mod quantify;
pub mod run;
pub mod specs;
pub mod strengths;

pub use case::CaseInput;
pub use evidence::{
    CaseBlock, CaseCell, CaseModel, CaseOptions, CaseOutcome, CasePlot, CasePoint, CaseResult, CaseTable,
};
pub use panel::{StudyPanel, build_panel};
pub use pipeline::{BootOptions, FittedSpec, Headline, Mediation, StudyOptions, StudyResult};
pub use placebo::{PLACEBO_P_RULE, PlaceboLevel, PlaceboOptions, PlaceboResult};
pub use run::{build_and_run, run_study};
pub use specs::{Skipped, Spec, SpecGroup};

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
    #[error("spillover study, specification {spec}: {source}{}", spec_hint(.source))]
    Spec {
        /// Specification id (`baseline.2`).
        spec: String,
        /// The engine's error.
        source: spillnet_estimate::EstimateError,
    },
}

/// What the data need when a specification fails for a reason the data can
/// fix: too few clusters means too few rated firms of one side (or surveys).
fn spec_hint(e: &spillnet_estimate::EstimateError) -> String {
    match e {
        spillnet_estimate::EstimateError::TooFewClusters { name, .. } => {
            let side = match name.as_str() {
                panel::CLUSTER_FOLLOWER => "domestic firms",
                panel::CLUSTER_LEADER => "JV firms",
                _ => return String::new(),
            };
            format!(
                " (the study clusters pairs by domestic firm × survey and by JV firm × survey: \
                 the quality table needs scores of models of at least 2 {side}, or of 2 surveys)"
            )
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use spillnet_estimate::EstimateError;

    use super::*;

    #[test]
    fn too_few_clusters_says_which_firms_the_data_need() {
        let spec_error = |name: &str| StudyError::Spec {
            spec: "baseline.1".into(),
            source: EstimateError::TooFewClusters { name: name.into(), groups: 1 },
        };
        assert_eq!(
            spec_error(panel::CLUSTER_LEADER).to_string(),
            "spillover study, specification baseline.1: cluster variable `firm_JV^survey` has 1 cluster(s); at \
             least 2 are needed (the study clusters pairs by domestic firm × survey and by JV firm × survey: the \
             quality table needs scores of models of at least 2 JV firms, or of 2 surveys)"
        );
        assert!(
            spec_error(panel::CLUSTER_FOLLOWER).to_string().ends_with("at least 2 domestic firms, or of 2 surveys)")
        );
        assert!(spec_error("other").to_string().ends_with("at least 2 are needed"));
    }
}
