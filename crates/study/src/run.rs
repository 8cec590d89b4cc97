//! The whole study in one call: the pipeline's specifications, headline,
//! mediation, quantification and placebo, then the further-evidence groups
//! ([`crate::case`]) on what they produced.
//!
//! Owns [`run_study`] and [`build_and_run`]. Imports the pipeline (the main
//! specifications), `case` (the further evidence), `panel`, `placebo`,
//! `quantify`.

use super::StudyError;
use super::case::{CaseInput, run_case};
use super::evidence::CaseResult;
use super::panel::{StudyPanel, build_panel};
use super::pipeline::{MEDIATION_SPEC, StudyOptions, StudyResult, estimate_specs, mediation};
use super::placebo::run_placebo;
use super::quantify::quantify;
use super::specs::{Skipped, SpecGroup};
use spillnet_io::Indexed;

/// Run the whole study on a dataset and its long panel ([`build_panel`]).
///
/// `progress(step, n)`: `step` names the phase (`models`, `placebo`), `n`
/// the units finished.
pub fn run_study(
    ds: &Indexed,
    panel: &StudyPanel,
    opts: &StudyOptions,
    progress: &(dyn Fn(&str, u64) + Sync),
) -> Result<StudyResult, StudyError> {
    if panel.is_empty() {
        return Err(StudyError::Data(
            "the pair panel is empty: no year has both a domestic and a JV model with quality scores".into(),
        ));
    }
    let (models, headline, mut skipped) = estimate_specs(panel, opts, &|n| progress("models", n))?;
    let mediation = mediation(panel, &models, &headline);
    if opts.groups.contains(&SpecGroup::Mechanisms) && !models.iter().any(|m| m.spec.id == MEDIATION_SPEC) {
        skipped.push(Skipped {
            id: "mediation".into(),
            group: None,
            title: String::new(),
            label: "mediation shares".into(),
            reason: format!("they need the mechanisms column with both channels ({MEDIATION_SPEC}), which was skipped"),
        });
    }
    let quantification = match quantify(ds, &panel.pairs, &opts.defects_survey, headline.estimate) {
        Ok(q) => Some(q),
        Err(reason) => {
            let label = format!("quantification in defects per 100 vehicles ({} survey)", opts.defects_survey);
            skipped.push(Skipped { id: "quantification".into(), group: None, title: String::new(), label, reason });
            None
        }
    };
    let placebo = match &opts.placebo {
        Some(p) if p.draws > 0 => Some(run_placebo(panel, p, &|n| progress("placebo", n))?),
        _ => None,
    };
    let evidence =
        run_evidence(&CaseInput { ds, panel, opts, headline: &headline, models: &models }, &mut skipped, &|n| {
            progress("evidence", n)
        });
    Ok(StudyResult {
        pairs: panel.pairs.diagnostics.clone(),
        strengths: panel.strengths.diagnostics.clone(),
        panel: panel.diagnostics.clone(),
        models,
        headline,
        mediation,
        quantification,
        placebo,
        skipped,
        evidence,
    })
}

/// Run the further-evidence groups of `opts.groups` ([`run_case`]); a group
/// the data cannot support, and the parts of a group that could not run,
/// are appended to `skipped` with their reason.
fn run_evidence(input: &CaseInput<'_>, skipped: &mut Vec<Skipped>, progress: &(dyn Fn(u64) + Sync)) -> Vec<CaseResult> {
    let mut groups = input.opts.groups.clone();
    groups.sort();
    groups.dedup();
    let mut out = Vec::new();
    for g in groups {
        match run_case(g, input, progress) {
            None => {}
            Some(Ok(mut r)) => {
                skipped.append(&mut r.skipped);
                out.push(r);
            }
            Some(Err(reason)) => skipped.push(Skipped {
                id: g.as_str().into(),
                group: Some(g),
                title: String::new(),
                label: g.caption().into(),
                reason,
            }),
        }
    }
    out
}

/// [`build_panel`] then [`run_study`].
pub fn build_and_run(
    ds: &Indexed,
    opts: &StudyOptions,
    progress: &(dyn Fn(&str, u64) + Sync),
) -> Result<StudyResult, StudyError> {
    let panel = build_panel(ds, &opts.pairs)?;
    run_study(ds, &panel, opts, progress)
}
