//! The study's further evidence (SPEC §7, the "whole case"): the analyses
//! beyond the spillover regressions — the JV benchmark, the alternative
//! explanations, the event study, the measurement-error IV, the robustness
//! tables and the entry/exit decomposition. Each is one [`SpecGroup`] the
//! user asks for with `--spec` and each returns a [`CaseResult`]: its
//! regression tables ([`CaseBlock::Models`], any estimator), its value
//! tables ([`CaseTable`]), prose lines, coefficient plots ([`CasePlot`]) and
//! a JSON section of its own typed results. The report formats these
//! generically; nothing here prints or formats numbers.
//!
//! A group that the data cannot support is skipped with a reason
//! ([`CaseOutcome`] `Err`); a part of a group that cannot run is listed in
//! [`CaseResult::skipped`] while the rest is reported.
//!
//! Owns [`CaseInput`] and [`run_case`], the dispatch from a group to its
//! analysis module, and the analysis modules; re-exports the result types
//! of `evidence`. Imports the pipeline (types, `fit_spec`), `panel`,
//! `specs`, `strengths` and the engine.

pub mod alternatives;
pub mod benchmark;
pub mod decomposition;
pub mod event_study;
pub mod measurement_iv;
pub mod robustness;

use super::panel::StudyPanel;
use super::pipeline::{FittedSpec, Headline, StudyOptions};
use super::specs::SpecGroup;
pub use crate::evidence::{
    CaseBlock, CaseCell, CaseModel, CaseOptions, CaseOutcome, CasePlot, CasePoint, CaseResult, CaseTable,
};
use spillnet_io::Indexed;

/// What an analysis may read: the data, the long panel of the main study,
/// the options, and the main study's fitted models and headline (for
/// ratios to the headline).
#[derive(Debug, Clone, Copy)]
pub struct CaseInput<'a> {
    /// The validated dataset.
    pub ds: &'a Indexed,
    /// The study's long pair × dimension panel.
    pub panel: &'a StudyPanel,
    /// Study options (pair options, engine options, ssc, seeds).
    pub opts: &'a StudyOptions,
    /// The headline spillover (baseline column 2).
    pub headline: &'a Headline,
    /// The main specifications fitted in this run.
    pub models: &'a [FittedSpec],
}

/// Run the further-evidence analysis of `group`; `None` when `group` is one
/// of the main specification tables (estimated by the pipeline itself).
pub fn run_case(group: SpecGroup, input: &CaseInput<'_>, progress: &(dyn Fn(u64) + Sync)) -> Option<CaseOutcome> {
    match group {
        SpecGroup::Baseline
        | SpecGroup::FeVariants
        | SpecGroup::SameSegment
        | SpecGroup::Mechanisms
        | SpecGroup::Heterogeneity => None,
        SpecGroup::Benchmark => Some(benchmark::run(input, progress)),
        SpecGroup::Alternatives => Some(alternatives::run(input, progress)),
        SpecGroup::EventStudy => Some(event_study::run(input, progress)),
        SpecGroup::MeasurementIv => Some(measurement_iv::run(input, progress)),
        SpecGroup::Robustness => Some(robustness::run(input, progress)),
        SpecGroup::Decomposition => Some(decomposition::run(input, progress)),
    }
}
