//! The study's main specifications (SPEC §3–4): every requested
//! specification fitted by the estimation engine with two-way clustered
//! inference → headline spillover (delta-method SE, wild-bootstrap p-value)
//! → mediation shares; the options and results of the whole study
//! ([`crate::run`] runs it end to end, with quantification, placebo and the
//! further evidence).
//!
//! A part the data cannot support (a specification whose attribute has no
//! source in the data, or that cannot be estimated; mediation without its
//! mechanisms column; quantification without the defect survey) is
//! skipped and listed with the reason ([`Skipped`]); the baseline, which
//! defines the headline, is the one part whose failure is an error.
//!
//! Owns [`StudyOptions`], [`FittedSpec`], [`Headline`], [`Mediation`],
//! [`StudyResult`], [`fit_spec`], [`estimate_specs`] and [`mediation`];
//! re-exports [`Skipped`] (defined in `specs`). Imports `estimate` (the
//! engine), `exposure::pairs` (options), `evidence` (result types) and its
//! siblings.

use super::StudyError;
use super::evidence::{CaseOptions, CaseResult};
use super::panel::{Attr, CLUSTER_FOLLOWER, CLUSTER_LEADER, PanelDiagnostics, StudyPanel};
use super::placebo::{PlaceboOptions, PlaceboResult};
use super::quantify::Quantification;
pub use super::specs::Skipped;
use super::specs::{SampleReport, Spec, SpecGroup, build_design, specs_for, unavailable};
use super::strengths::StrengthDiagnostics;
use spillnet_estimate::{
    BootResult, BootSpec, BootWeights, FitOptions, Inference, Lincom, LincomResult, OlsFit, Ssc, VcovSpec,
    fit_ols_owned, lincom, vcov, wild_bootstrap,
};
use spillnet_network::exposure::pairs::{PairDiagnostics, PairOptions};

/// Wild bootstrap of the headline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct BootOptions {
    /// Replications (full enumeration when 2^G ≤ reps).
    pub reps: usize,
    /// Seed.
    pub seed: u64,
    /// Weight distribution.
    pub weights: BootWeights,
}

/// What to estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyOptions {
    /// Pair-panel options (flow window, overlap measure, supplier threshold, sd divisor).
    pub pairs: PairOptions,
    /// Tables to estimate; the baseline is always estimated (it defines the headline).
    pub groups: Vec<SpecGroup>,
    /// Engine options.
    pub fit: FitOptions,
    /// Small-sample correction (fixest's default).
    pub ssc: Ssc,
    /// Wild bootstrap of the headline, if any.
    pub boot: Option<BootOptions>,
    /// Permutation placebo, if any.
    pub placebo: Option<PlaceboOptions>,
    /// Survey whose dimensions are defect counts (score = −defects per 100 vehicles).
    pub defects_survey: String,
    /// Options of the further-evidence groups (seeds, bootstrap draws).
    pub case: CaseOptions,
}

impl Default for StudyOptions {
    fn default() -> Self {
        StudyOptions {
            pairs: PairOptions::default(),
            groups: vec![SpecGroup::Baseline],
            fit: FitOptions::default(),
            ssc: Ssc::default(),
            boot: None,
            placebo: None,
            defects_survey: "iqs".into(),
            case: CaseOptions::default(),
        }
    }
}

/// One fitted specification. The fit is slimmed after inference (its
/// observation-level vectors are dropped) to bound memory.
#[derive(Debug, Clone)]
pub struct FittedSpec {
    /// The specification.
    pub spec: Spec,
    /// The fit (coefficients, sizes, diagnostics; no observation-level vectors).
    pub fit: OlsFit,
    /// Two-way clustered inference.
    pub inference: Inference,
    /// The headline combination, when the spec identifies it.
    pub lincoms: Vec<LincomResult>,
    /// Wild bootstrap of the headline (baseline (2) only, when requested).
    pub boots: Vec<BootResult>,
    /// Rows used and excluded.
    pub sample: SampleReport,
}

/// The spillover to affiliated same-segment pairs (baseline column 2).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Headline {
    /// β_SameGroup + β_SameSeg + β_SameGroup×SameSeg.
    pub estimate: f64,
    /// Delta-method SE under two-way clustering.
    pub se: f64,
    /// t-test p-value (t with G−1 degrees of freedom, G the smaller cluster count).
    pub p: f64,
    /// 95 % confidence interval.
    pub ci: [f64; 2],
    /// Wild cluster restricted bootstrap p-value (clustered by follower firm × survey), if run.
    pub p_boot: Option<f64>,
    /// Draws behind `p_boot` (B; 2^G under full enumeration), if run.
    pub boot_draws: Option<usize>,
    /// Observations.
    pub nobs: usize,
}

/// Mediation share of one channel (SPEC §4).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mediation {
    /// `WorkerFlow` or `SupplierOverlap`.
    pub channel: String,
    /// Mean z-score of affiliated minus non-affiliated pair-years in the mechanism sample.
    pub gap_z: f64,
    /// β of e_JV × channel.
    pub coef: f64,
    /// β of e_JV × SameGroup × channel.
    pub coef_same_group: f64,
    /// The headline spillover (baseline column 2).
    pub total: f64,
    /// gap × (coef + coef_same_group) / total: the channel's share among affiliated pairs.
    pub share: f64,
    /// gap × coef / total (the study's supplier computation, which drops an insignificant interaction).
    pub share_main_only: f64,
    /// Why the shares should not be read as shares, when they should not:
    /// the headline they divide by is not significant at 10 %
    /// ([`MEDIATION_HEADLINE_ALPHA`]); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caveat: Option<String>,
}

/// Mediation shares divide by the headline: when its p-value is at least
/// this, the headline is indistinguishable from 0 and the shares (which can
/// then be any size, e.g. 5,386 % on p = 0.94) carry a caveat.
pub const MEDIATION_HEADLINE_ALPHA: f64 = 0.10;

/// The caveat of mediation shares whose headline has p-value `p`, if any.
pub fn mediation_caveat(p: f64) -> Option<String> {
    (p.is_nan() || p >= MEDIATION_HEADLINE_ALPHA).then(|| {
        format!("the headline is not significant at 10 % (p = {p:.4}): it may be 0, so a share of it is not meaningful")
    })
}

/// Everything the study produced.
#[derive(Debug, Clone)]
pub struct StudyResult {
    /// Pair-panel counts and exclusions.
    pub pairs: PairDiagnostics,
    /// Step-1 counts.
    pub strengths: StrengthDiagnostics,
    /// Long-panel counts.
    pub panel: PanelDiagnostics,
    /// Fitted specifications, grouped by table in [`SpecGroup::ALL`] order.
    pub models: Vec<FittedSpec>,
    /// The headline.
    pub headline: Headline,
    /// Mediation shares (when the mechanisms table was estimated).
    pub mediation: Vec<Mediation>,
    /// Spillover in defects per 100 vehicles (when the defect survey exists).
    pub quantification: Option<Quantification>,
    /// Placebo distribution (when requested).
    pub placebo: Option<PlaceboResult>,
    /// Parts that did not run on these data, with the reason, in table order
    /// (specifications), then mediation and quantification, then the
    /// further-evidence groups and their parts.
    pub skipped: Vec<Skipped>,
    /// The further-evidence groups that ran, in [`SpecGroup::ALL`] order.
    pub evidence: Vec<CaseResult>,
}

/// Fit one specification with two-way clustered inference and its headline lincom.
pub fn fit_spec(panel: &StudyPanel, spec: &Spec, opts: &StudyOptions) -> Result<FittedSpec, StudyError> {
    let (design, sample) = build_design(panel, spec);
    if design.nobs() == 0 {
        return Err(StudyError::Data(format!("specification {} ({}) has no observation", spec.id, spec.label)));
    }
    let wrap = |e| StudyError::Spec { spec: spec.id.clone(), source: e };
    let fit = fit_ols_owned(design, &opts.fit).map_err(wrap)?;
    let inference = vcov(&fit, &VcovSpec::Cluster(vec![CLUSTER_FOLLOWER.into(), CLUSTER_LEADER.into()]), &opts.ssc)
        .map_err(wrap)?;
    let mut lincoms = Vec::new();
    if let Some(terms) = spec.headline_terms() {
        let lc = Lincom { label: terms.join(" + "), terms: terms.into_iter().map(|t| (1.0, t)).collect(), null: 0.0 };
        lincoms.push(lincom(&fit, &inference, &lc).map_err(wrap)?);
    }
    Ok(FittedSpec { spec: spec.clone(), fit, inference, lincoms, boots: Vec::new(), sample })
}

/// Estimate the specifications of `groups` (the baseline first, always) on
/// a built panel, with the headline bootstrap on baseline (2) if requested.
/// A specification other than the baseline that the data cannot support
/// ([`unavailable`]) or that fails to estimate is skipped and returned with
/// its reason; a baseline failure is an error. `progress` is called with the
/// number of finished (or skipped) models.
pub fn estimate_specs(
    panel: &StudyPanel,
    opts: &StudyOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<FittedSpec>, Headline, Vec<Skipped>), StudyError> {
    let mut groups = opts.groups.clone();
    groups.push(SpecGroup::Baseline);
    groups.sort();
    groups.dedup();
    let mut models = Vec::new();
    let mut skipped = Vec::new();
    let mut headline = None;
    for g in groups {
        for spec in specs_for(g) {
            let fitted = match unavailable(panel, &spec) {
                Some(why) if g != SpecGroup::Baseline => Err(why),
                _ => match fit_spec(panel, &spec, opts) {
                    Ok(m) => Ok(m),
                    Err(e) if g == SpecGroup::Baseline => return Err(e),
                    Err(StudyError::Spec { source, .. }) => Err(source.to_string()),
                    Err(e) => Err(e.to_string()),
                },
            };
            progress(1);
            let mut m = match fitted {
                Ok(m) => m,
                Err(reason) => {
                    let (id, title, label) = (spec.id, spec.title, spec.label);
                    skipped.push(Skipped { id, group: Some(g), title, label, reason });
                    continue;
                }
            };
            if spec.id == "baseline.2" {
                let lc = &m.lincoms[0];
                let (mut p_boot, mut boot_draws) = (None, None);
                if let Some(b) = &opts.boot {
                    let bs =
                        BootSpec { reps: b.reps, seed: b.seed, weights: b.weights, cluster: CLUSTER_FOLLOWER.into() };
                    let r = wild_bootstrap(&m.fit, &lc.lincom, &bs, &opts.ssc)
                        .map_err(|e| StudyError::Spec { spec: spec.id.clone(), source: e })?;
                    (p_boot, boot_draws) = (Some(r.p), Some(r.draws));
                    m.boots.push(r);
                }
                headline = Some(Headline {
                    estimate: lc.row.estimate,
                    se: lc.row.se,
                    p: lc.row.p,
                    ci: [lc.row.ci_low, lc.row.ci_high],
                    p_boot,
                    boot_draws,
                    nobs: m.fit.core.nobs,
                });
            }
            // Drop the observation-level vectors (kept: coefficients, bread, sizes, diagnostics).
            m.fit.core.slim();
            models.push(m);
        }
    }
    let headline = headline.expect("the baseline group is always estimated");
    Ok((models, headline, skipped))
}

/// The mechanisms column with both channels, whose coefficients give the mediation shares.
pub const MEDIATION_SPEC: &str = "mechanisms.3";

/// Mediation shares from the mechanisms column with both channels
/// ([`MEDIATION_SPEC`]), as shares of the `headline`, with
/// [`mediation_caveat`] when it is not significant.
pub fn mediation(panel: &StudyPanel, models: &[FittedSpec], headline: &Headline) -> Vec<Mediation> {
    let total = headline.estimate;
    let Some(m) = models.iter().find(|m| m.spec.id == MEDIATION_SPEC) else {
        return Vec::new();
    };
    let design_rows = mechanism_rows(panel);
    let coef = |name: &str| m.inference.coefs.iter().find(|c| c.name == name).map(|c| c.estimate);
    let mut out = Vec::new();
    for a in [Attr::WorkerFlow, Attr::SupplierOverlap] {
        let (Some(c), Some(cs)) = (coef(&format!("e_JV:{}", a.name())), coef(&format!("e_JV:SameGroup:{}", a.name())))
        else {
            continue;
        };
        // Gap over the pair-years of the mechanism sample.
        let (mut s1, mut n1, mut s0, mut n0) = (0.0, 0usize, 0.0, 0usize);
        for &r in &design_rows {
            let z = a.value(&panel.pairs, r).unwrap_or(0.0);
            if panel.pairs.same_group[r] {
                s1 += z;
                n1 += 1;
            } else {
                s0 += z;
                n0 += 1;
            }
        }
        if n1 == 0 || n0 == 0 {
            continue;
        }
        let gap_z = s1 / n1 as f64 - s0 / n0 as f64;
        out.push(Mediation {
            channel: a.name(),
            gap_z,
            coef: c,
            coef_same_group: cs,
            total,
            share: gap_z * (c + cs) / total,
            share_main_only: gap_z * c / total,
            caveat: mediation_caveat(headline.p),
        });
    }
    out
}

/// Pair-year rows of the mechanism sample (same segment, both channels defined).
fn mechanism_rows(panel: &StudyPanel) -> Vec<usize> {
    let p = &panel.pairs;
    (0..p.len())
        .filter(|&r| {
            p.same_seg[r] && Attr::SupplierOverlap.value(p, r).is_some() && Attr::WorkerFlow.value(p, r).is_some()
        })
        .collect()
}
