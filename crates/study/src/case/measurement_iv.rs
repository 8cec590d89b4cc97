//! The split-sample measurement-error IV (SPEC §7, the study's Table E.7).
//!
//! Survey scores are averages over respondents, so a JV model's relative
//! strength is measured with error and the OLS spillover is attenuated. The
//! respondents are split into two random halves (`quality.score_half1`,
//! `score_half2`); each half measures the same strength with independent
//! error, so one half instruments the other.
//!
//! # What is estimated
//! - Step 1 (the study's) separately on the half-1 scores and on the
//!   half-2 scores gives e_JV^(1) and e_JV^(2); the dependent variable e_D is
//!   the study's, from the **full** scores (the follower's measurement error
//!   is in the outcome, where it only adds noise; using full scores keeps
//!   the outcome identical to the OLS of the study). A row of the study's
//!   panel whose JV model-year lacks a half score in that dimension is
//!   excluded and counted.
//! - Same-segment pairs (the study's same-segment specification,
//!   Z = SameGroup): e_D = α + β0·e_JV + β1·e_JV×SameGroup + u.
//! - Columns: OLS with e_JV measured by half 1; 2SLS with e_JV (half 1)
//!   and e_JV×SameGroup (half 1) instrumented by their half-2 counterparts;
//!   the reverse (half 2 instrumented by half 1); and the two directions
//!   stacked in one 2SLS (every row twice; both copies of a row keep their
//!   clusters, so the sandwich accounts for the duplication). Inference:
//!   the study's CRV1 two-way clustering (follower firm × survey, leader
//!   JV firm × survey); the first-stage Wald F under that vcov is set on
//!   each IV fit (`ivwald`), next to the iid F (`ivf`).
//!
//! On `spillnet synth --evidence` data each half is the score plus
//! independent N(0, σ_h²) noise (`HALF_NOISE_SD`), so step 1 on a half
//! returns e + (projected noise) and the IV estimand of β1 is the planted
//! same-segment SameGroup coefficient of the full-score estimator
//! (`truth.json` → `estimands` → `same_segment.beta_SameGroup`;
//! `evidence.split_sample.iv_attenuation` = 1), while OLS on half 1 is
//! attenuated.
//!
//! The panel of the group can be exported ([`IvPanel::to_csv`],
//! columns [`IV_PANEL_COLUMNS`]) for an independent check; the reference
//! case `tests/reference/cases/measurement_iv` holds one with pyfixest's
//! values.
//!
//! Skipped when the quality table has no `score_half1` / `score_half2`
//! columns. Owns [`run`], [`IvPanel`], [`build_iv_panel`],
//! [`iv_design`], [`IvTerms`], [`ols_design`], [`fit_columns`], [`fit_stacked`]. Imports its parent's case
//! types, the study's panel and strengths, `estimate`.

use std::sync::Arc;

use serde::Serialize;

use super::StudyOptions;
use super::{CaseBlock, CaseInput, CaseModel, CaseOutcome, CaseResult};
use crate::panel::{CLUSTER_FOLLOWER, CLUSTER_LEADER, StudyPanel, compact_keys};
use crate::specs::SpecGroup;
use crate::strengths::relative_strengths_of;
use spillnet_estimate::design::{Column, Design, Factor};
use spillnet_estimate::{
    CoefRow, Fitted, Inference, IvDesign, IvFit, OlsFit, VcovSpec, first_stage_f, fit_iv, fit_ols_owned, vcov,
};
use spillnet_io::Indexed;

/// Columns of [`IvPanel::to_csv`], in order.
pub const IV_PANEL_COLUMNS: [&str; 6] = ["e_D", "e_JV_h1", "e_JV_h2", "SameGroup", "cl_D", "cl_JV"];
/// The affiliated coefficient compared between OLS and IV.
pub const AFFILIATED: &str = "e_JV:SameGroup";
/// The study's values (SPEC §7): OLS, IV, first-stage F.
pub const STUDY_VALUES: [f64; 3] = [0.099, 0.162, 353.0];

/// The group's panel: same-segment rows of the study's panel with both
/// half strengths of the JV model. Columns have equal length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IvPanel {
    /// e_D from the full scores.
    pub e_d: Vec<f64>,
    /// e_JV from the half-1 scores.
    pub h1: Vec<f64>,
    /// e_JV from the half-2 scores.
    pub h2: Vec<f64>,
    /// SameGroup (0/1).
    pub same_group: Vec<f64>,
    /// Follower firm × survey key (as the study's clusters).
    pub cl_d: Vec<u64>,
    /// Leader JV firm × survey key.
    pub cl_jv: Vec<u64>,
    /// Rows of the study's panel excluded, by reason.
    pub excluded: Vec<(String, usize)>,
}

impl IvPanel {
    /// Rows.
    pub fn len(&self) -> usize {
        self.e_d.len()
    }
    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.e_d.is_empty()
    }
    /// The panel as CSV (header [`IV_PANEL_COLUMNS`]; reals in the shortest
    /// form that reads back to the same number).
    pub fn to_csv(&self) -> String {
        let mut s = IV_PANEL_COLUMNS.join(",");
        s.push('\n');
        for i in 0..self.len() {
            s.push_str(&format!(
                "{:e},{:e},{:e},{},{},{}\n",
                self.e_d[i], self.h1[i], self.h2[i], self.same_group[i], self.cl_d[i], self.cl_jv[i]
            ));
        }
        s
    }
}

/// Build the group's panel: step 1 on each half, then the same-segment
/// rows of `panel` whose JV model-year has both halves in that dimension.
///
/// # Errors
/// No quality row has the half scores (the reason names the columns), or
/// step 1 fails on a half.
pub fn build_iv_panel(ds: &Indexed, panel: &StudyPanel) -> Result<IvPanel, String> {
    if ds.quality.iter().all(|q| q.halves.is_none()) {
        return Err("the quality table has no split-sample scores (optional columns score_half1, score_half2)".into());
    }
    let names = &panel.pairs.model_names;
    let half = |h: usize| {
        relative_strengths_of(ds, names, &|q| q.halves.map(|v| v[h]))
            .map_err(|e| format!("step 1 on score_half{}: {e}", h + 1))
    };
    let (s1, s2) = (half(0)?, half(1)?);
    let p = &panel.pairs;
    let mut out = IvPanel::default();
    let (mut not_same_seg, mut no_half) = (0usize, 0usize);
    for i in 0..panel.len() {
        let r = panel.pair_row[i] as usize;
        if !p.same_seg[r] {
            not_same_seg += 1;
            continue;
        }
        let (j, t, k) = (p.jv_model[r], p.year[r], usize::from(panel.dim[i]));
        let get = |s: &crate::strengths::Strengths| s.block(j, t).map(|(e, _)| e[k]).filter(|v| v.is_finite());
        let (Some(a), Some(b)) = (get(&s1), get(&s2)) else {
            no_half += 1;
            continue;
        };
        out.e_d.push(panel.e_d[i]);
        out.h1.push(a);
        out.h2.push(b);
        out.same_group.push(if p.same_group[r] { 1.0 } else { 0.0 });
        out.cl_d.push(panel.follower_cluster(i));
        out.cl_jv.push(panel.leader_cluster(i));
    }
    if not_same_seg > 0 {
        out.excluded.push(("not a same-segment pair (sample restriction)".into(), not_same_seg));
    }
    if no_half > 0 {
        out.excluded.push(("the JV model-year lacks a half score in this dimension".into(), no_half));
    }
    Ok(out)
}

fn clusters(p: &IvPanel, rows: &[usize]) -> Vec<Factor> {
    vec![
        Factor { name: CLUSTER_FOLLOWER.into(), codes: compact_keys(rows.iter().map(|&i| p.cl_d[i])) },
        Factor { name: CLUSTER_LEADER.into(), codes: compact_keys(rows.iter().map(|&i| p.cl_jv[i])) },
    ]
}

/// (measured, instrument) per row copy: half 1 by half 2, half 2 by half 1.
fn halves(p: &IvPanel, reverse: bool) -> (&[f64], &[f64]) {
    if reverse { (&p.h2, &p.h1) } else { (&p.h1, &p.h2) }
}

/// OLS design: e_D on e_JV and e_JV:SameGroup with e_JV from half 1
/// (`reverse`: half 2); intercept; the study's clusters.
pub fn ols_design(p: &IvPanel, reverse: bool) -> Design {
    let rows: Vec<usize> = (0..p.len()).collect();
    let (x, _) = halves(p, reverse);
    let mut d = Design::new(
        Column { name: "e_D".into(), values: p.e_d.clone() },
        vec![
            Column { name: "e_JV".into(), values: x.to_vec() },
            Column { name: AFFILIATED.into(), values: x.iter().zip(&p.same_group).map(|(a, g)| a * g).collect() },
        ],
    );
    d.clusters = clusters(p, &rows);
    d
}

/// Which endogenous terms an IV design has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IvTerms {
    /// e_JV and e_JV:SameGroup, instrumented by e_JV_other and
    /// e_JV_other:SameGroup (the group's model).
    Both,
    /// e_JV:SameGroup alone, instrumented by e_JV_other:SameGroup (one
    /// endogenous regressor: the form pyfixest 0.60 can fit, used to check
    /// the engine on the exported panel). e_JV alone would be degenerate on
    /// same-segment pairs: step 1 makes the JV strengths of a segment-year
    /// sum to zero, so its coefficient is identically 0.
    Affiliated,
}

/// 2SLS design. `directions`: the row copies, each `false` (half 1
/// instrumented by half 2) or `true` (the reverse); `[false, true]` is the
/// stacked regression. Intercept estimated; the study's clusters.
pub fn iv_design(p: &IvPanel, directions: &[bool], terms: IvTerms) -> IvDesign {
    let rows: Vec<usize> = directions.iter().flat_map(|_| 0..p.len()).collect();
    let cat = |f: &dyn Fn(bool, usize) -> f64| -> Vec<f64> {
        directions.iter().flat_map(|&rev| (0..p.len()).map(move |i| (rev, i))).map(|(rev, i)| f(rev, i)).collect()
    };
    let measured = |rev: bool, i: usize| halves(p, rev).0[i];
    let other = |rev: bool, i: usize| halves(p, rev).1[i];
    let (mut endog, mut instruments) = (Vec::new(), Vec::new());
    if terms == IvTerms::Both {
        endog.push(Column { name: "e_JV".into(), values: cat(&measured) });
        instruments.push(Column { name: "e_JV_other".into(), values: cat(&other) });
    }
    endog.push(Column { name: AFFILIATED.into(), values: cat(&|r, i| measured(r, i) * p.same_group[i]) });
    instruments
        .push(Column { name: "e_JV_other:SameGroup".into(), values: cat(&|r, i| other(r, i) * p.same_group[i]) });
    let mut base = Design::new(Column { name: "e_D".into(), values: cat(&|_, i| p.e_d[i]) }, Vec::new());
    base.clusters = clusters(p, &rows);
    IvDesign { base, endog, instruments }
}

/// The study's two-way clustering.
pub fn study_vcov() -> VcovSpec {
    VcovSpec::Cluster(vec![CLUSTER_FOLLOWER.into(), CLUSTER_LEADER.into()])
}

/// The four columns: OLS (half 1), IV half 1 by half 2, IV half 2 by half 1,
/// IV stacked; IV fits carry the clustered first-stage F (`ivwald`).
///
/// # Errors
/// A fit fails (the message names the column).
pub fn fit_columns(p: &IvPanel, opts: &StudyOptions) -> Result<Vec<(String, Arc<dyn Fitted>, Inference)>, String> {
    let spec = study_vcov();
    let mut out: Vec<(String, Arc<dyn Fitted>, Inference)> = Vec::new();
    let ols: OlsFit = fit_ols_owned(ols_design(p, false), &opts.fit).map_err(|e| format!("OLS (half 1): {e}"))?;
    let inf = vcov(&ols, &spec, &opts.ssc).map_err(|e| format!("OLS (half 1): {e}"))?;
    out.push(("OLS (half 1)".into(), Arc::new(ols), inf));
    for (title, dirs) in [
        ("IV (half 1 by half 2)", &[false][..]),
        ("IV (half 2 by half 1)", &[true][..]),
        ("IV (stacked)", &[false, true][..]),
    ] {
        let mut fit: IvFit =
            fit_iv(&iv_design(p, dirs, IvTerms::Both), &opts.fit).map_err(|e| format!("{title}: {e}"))?;
        fit.ivwald = first_stage_f(&fit, &spec, &opts.ssc).map_err(|e| format!("{title}: {e}"))?;
        let inf = vcov(&fit, &spec, &opts.ssc).map_err(|e| format!("{title}: {e}"))?;
        out.push((title.into(), Arc::new(fit), inf));
    }
    Ok(out)
}

/// The stacked IV alone (the group's IV column): the affiliated
/// coefficient's row under the study's clustering, and the observations
/// (both row copies). Used by the Monte Carlo of the IV estimand.
///
/// # Errors
/// The fit or its vcov fails.
pub fn fit_stacked(p: &IvPanel, opts: &StudyOptions) -> Result<(CoefRow, usize), String> {
    let fit = fit_iv(&iv_design(p, &[false, true], IvTerms::Both), &opts.fit).map_err(|e| e.to_string())?;
    let inf = vcov(&fit, &study_vcov(), &opts.ssc).map_err(|e| e.to_string())?;
    let row = inf.coefs.into_iter().find(|c| c.name == AFFILIATED).ok_or("no e_JV:SameGroup coefficient")?;
    Ok((row, fit.core.nobs))
}

/// One column's affiliated coefficient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IvColumn {
    /// Column title.
    pub title: String,
    /// β of e_JV:SameGroup.
    pub estimate: f64,
    /// Its clustered SE.
    pub se: f64,
    /// Its 95 % CI.
    pub ci: [f64; 2],
    /// Observations.
    pub nobs: usize,
    /// Clustered first-stage Wald F per endogenous regressor (IV columns;
    /// NaN when the clustered first-stage vcov is singular).
    pub first_stage_f: Vec<(String, f64)>,
    /// First-stage F under iid per endogenous regressor (fixest's `ivf1`).
    pub first_stage_f_iid: Vec<(String, f64)>,
}

/// The group's typed results (`evidence.measurement-iv`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasurementIvJson {
    /// Rows of the group's panel.
    pub rows: usize,
    /// Rows of the study's panel excluded, by reason.
    pub excluded: Vec<(String, usize)>,
    /// Columns in table order.
    pub columns: Vec<IvColumn>,
}

/// Run the measurement-iv group (see the module docs).
pub fn run(input: &CaseInput<'_>, progress: &(dyn Fn(u64) + Sync)) -> CaseOutcome {
    let p = build_iv_panel(input.ds, input.panel)?;
    if p.is_empty() {
        return Err("no same-segment pair-dimension row with both half scores of the JV model".into());
    }
    let cols = fit_columns(&p, input.opts)?;
    progress(1);
    let columns: Vec<IvColumn> = cols
        .iter()
        .map(|(title, fit, inf)| {
            let row = inf.coefs.iter().find(|c| c.name == AFFILIATED);
            let stats = fit.fit_stats();
            let fs = |prefix: &str| -> Vec<(String, f64)> {
                stats
                    .iter()
                    .filter(|s| s.key.starts_with(prefix))
                    .map(|s| (s.key.trim_start_matches(prefix).to_owned(), s.value))
                    .collect()
            };
            IvColumn {
                title: title.clone(),
                estimate: row.map_or(f64::NAN, |r| r.estimate),
                se: row.map_or(f64::NAN, |r| r.se),
                ci: row.map_or([f64::NAN; 2], |r| [r.ci_low, r.ci_high]),
                nobs: fit.core().nobs,
                first_stage_f: fs("ivwald1::"),
                first_stage_f_iid: fs("ivf1::"),
            }
        })
        .collect();
    let (ols, iv) = (&columns[0], &columns[3]);
    let f_list = |v: &[(String, f64)]| v.iter().map(|(n, f)| format!("{n} {f:.1}")).collect::<Vec<_>>().join(", ");
    let lines = vec![
        format!(
            "Affiliated effect (e_JV × SameGroup, same-segment pairs): OLS with half-1 scores {:.4} (SE {:.4}) vs \
             split-sample IV (stacked) {:.4} (SE {:.4}); first-stage F, clustered Wald: {}; iid: {} (the study: \
             OLS {:.3}, IV {:.3}, F = {:.0}).",
            ols.estimate,
            ols.se,
            iv.estimate,
            iv.se,
            f_list(&iv.first_stage_f),
            f_list(&iv.first_stage_f_iid),
            STUDY_VALUES[0],
            STUDY_VALUES[1],
            STUDY_VALUES[2]
        ),
        format!(
            "{} rows; excluded: {}.",
            p.len(),
            if p.excluded.is_empty() {
                "none".to_owned()
            } else {
                p.excluded.iter().map(|(r, n)| format!("{n} ({r})")).collect::<Vec<_>>().join("; ")
            }
        ),
    ];
    let json = MeasurementIvJson { rows: p.len(), excluded: p.excluded.clone(), columns };
    let models = cols
        .into_iter()
        .map(|(title, fit, inference)| CaseModel { title, fit, inference, lincoms: Vec::new() })
        .collect();
    Ok(CaseResult {
        group: SpecGroup::MeasurementIv,
        blocks: vec![
            CaseBlock::Models {
                title: "Split-sample IV: e_JV from one half of the respondents instrumented by the other half \
                        (same-segment pairs)"
                    .into(),
                models,
                notes: vec![
                    "e_D from the full scores; e_JV and e_JV × SameGroup from step 1 on score_half1 (OLS and IV 1→2), \
                     on score_half2 (IV 2→1), both directions stacked (IV stacked); instruments: the other half's \
                     e_JV and e_JV × SameGroup. CRV1 two-way clustered by follower firm × survey and leader JV firm \
                     × survey; first-stage F (Wald) under that vcov."
                        .into(),
                ],
            },
            CaseBlock::Lines(lines),
        ],
        json: serde_json::to_value(&json).unwrap_or_default(),
        skipped: Vec::new(),
    })
}
