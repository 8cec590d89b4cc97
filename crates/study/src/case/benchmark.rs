//! The JV benchmark (SPEC §7, the study's Table 2): how similar JV models
//! are to the JV models of their own firm, the yardstick for the
//! affiliated domestic spillover.
//!
//! # What is estimated
//! 1. **Split.** The JV models (every model of a JV firm among the study's
//!    models, sorted by id) are shuffled with `ChaCha8Rng::seed_from_u64(seed)`
//!    (`CaseOptions::seed`, [`split_leaders`]); the first ⌈n/2⌉ of the
//!    shuffled order are leaders, the rest followers. The split is per
//!    model and holds in every year.
//! 2. **Step 1** is the study's: the relative strengths e of JV models are
//!    those of the study's panel (model×year and segment×dimension×year
//!    effects within the JV sample), unchanged by the split.
//! 3. **Step 2** on every same-year (follower JV model i, leader JV model j)
//!    pair, one row per dimension where both strengths exist:
//!    e_F = α + β0·e_L + β1·e_L×SameFirm + β2·e_L×SameSeg + β3·e_L×SameFirm×SameSeg,
//!    SameFirm = both models belong to the same JV firm. Inference: CRV1
//!    two-way clustered by follower JV firm × survey and leader JV firm ×
//!    survey (the study's analogue). The JV sum is β1 + β2 + β3 (the study:
//!    0.155 − 0.062 + 0.491 = 0.584).
//! 4. **Ratios.** The study's headline (baseline (2)) ÷ the JV sum (the
//!    study: 0.098 / 0.584 = 17 %), and, for JVs formed before 2000, the
//!    coefficient of e_JV × SameGroup × FormedBefore2000 of the heterogeneity
//!    column (1) (re-fitted here, the study's 0.145) ÷ the JV sum on the
//!    pairs whose *leader* JV firm was founded before 2000 (the leader is the
//!    source of the spillover, as the JV in the study's pairs; the study:
//!    0.145 / 0.515 = 28 %).
//!
//! # Standard error of a ratio
//! Numerator and denominator come from overlapping data (the same JV
//! strengths are the study's regressor and the benchmark's), so their
//! covariance is not zero. We estimate both in **one stacked regression**:
//! the study's rows and the benchmark's rows, each block with its own
//! regressors (zero in the other block) and its own intercept (a two-level
//! block fixed effect), so the coefficients equal the separate fits exactly
//! (the cross-product matrix is block diagonal); the CRV1 two-way clustered
//! sandwich of the stacked fit then gives the cross-covariance. The two
//! clustering dimensions are "follower firm × survey" (a domestic firm in the
//! study's block, a follower JV firm in the benchmark's) and "leader JV firm
//! × survey" with **common codes across blocks**, so the study's rows of JV
//! firm g and the benchmark's rows with leader g form one cluster: the
//! dependence through the shared leader strengths enters the covariance.
//! The ratio's SE is the delta method, [`ratio_delta`]:
//! Var(h/s) ≈ Var(h)/s² + h²Var(s)/s⁴ − 2h·Cov(h, s)/s³. We chose this over
//! a cluster bootstrap because it is exact given the sandwich, costs one
//! fit (the main job must stay fast in a debug build) and reuses the study's
//! inference. Limitation: a follower JV firm's rows are not joined to the
//! same firm's leader rows (two-way clustering cannot cluster across
//! dimensions). p-values of ratios use the normal distribution.
//!
//! Skipped when there are fewer than 2 JV firms or no same-year JV pair.
//! Owns [`run`], [`split_leaders`], [`JvPairs`], [`build_jv_pairs`],
//! [`jv_design`], [`stacked_design`], [`ratio_delta`]. Imports its parent's
//! case types, the study's panel, specs and pipeline, `estimate`.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::StudyOptions;
use super::{CaseBlock, CaseCell, CaseInput, CaseModel, CaseOutcome, CaseResult, CaseTable};
use crate::panel::{CLUSTER_FOLLOWER, CLUSTER_LEADER, StudyPanel, compact_keys};
use crate::specs::Skipped;
use crate::specs::{Sample, Spec, SpecGroup, build_design, specs_for, unavailable};
use spillnet_estimate::design::{Column, Design, Factor};
use spillnet_estimate::{Inference, Lincom, OlsFit, VcovSpec, fit_ols_owned, lincom, vcov};
use spillnet_io::Indexed;
use spillnet_io::ids::FirmId;
use spillnet_io::tables::FirmKind;

/// Cluster variable of the benchmark: follower JV firm × survey category.
pub const CLUSTER_JV_FOLLOWER: &str = "firm_JVF^survey";
/// Cluster variable of the benchmark: leader JV firm × survey category.
pub const CLUSTER_JV_LEADER: &str = "firm_JVL^survey";
/// The benchmark's coefficient names (fixest notation).
pub const JV_TERMS: [&str; 4] = ["e_L", "e_L:SameFirm", "e_L:SameSeg", "e_L:SameFirm:SameSeg"];
/// The study's values (SPEC §7): JV sum, ratio; before 2000: numerator, JV sum, ratio.
pub const STUDY_VALUES: [f64; 5] = [0.584, 0.098 / 0.584, 0.145, 0.515, 0.145 / 0.515];
/// The heterogeneity term that is the numerator of the pre-2000 ratio.
pub const PRE2000_TERM: &str = "e_JV:SameGroup:FormedBefore2000";

/// Leaders among `n` JV models (in sorted-id order): shuffle `0..n` with
/// `ChaCha8Rng::seed_from_u64(seed)`; the first ⌈n/2⌉ shuffled positions lead.
pub fn split_leaders(n: usize, seed: u64) -> Vec<bool> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut leader = vec![false; n];
    for &i in &order[..n.div_ceil(2)] {
        leader[i] = true;
    }
    leader
}

/// The benchmark's long panel: one row per same-year (follower JV model,
/// leader JV model) pair and dimension. Columns have equal length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JvPairs {
    /// Follower relative strength (dependent variable).
    pub e_f: Vec<f64>,
    /// Leader relative strength.
    pub e_l: Vec<f64>,
    /// Same JV firm.
    pub same_firm: Vec<bool>,
    /// Same segment.
    pub same_seg: Vec<bool>,
    /// Follower JV firm × survey key (firm index of the pair panel × 1024 + category).
    pub follower_key: Vec<u64>,
    /// Leader JV firm × survey key (same encoding as the study's leader clusters).
    pub leader_key: Vec<u64>,
    /// The leader's JV firm was founded before 2000 (`None`: no `jv_links` row).
    pub leader_before_2000: Vec<Option<bool>>,
    /// JV models: (leaders, followers).
    pub models: [usize; 2],
    /// JV firms with models.
    pub firms: usize,
    /// Same-year (follower, leader) model pairs.
    pub pair_years: usize,
}

impl JvPairs {
    /// Rows.
    pub fn len(&self) -> usize {
        self.e_f.len()
    }
    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.e_f.is_empty()
    }
}

/// Build the benchmark panel from the study's panel (its step-1 strengths
/// and model/firm numbering) and the JV firms' founding years in `jv_links`.
pub fn build_jv_pairs(ds: &Indexed, panel: &StudyPanel, seed: u64) -> JvPairs {
    let (p, s, ix) = (&panel.pairs, &panel.strengths, ds.index());
    // (model index of the panel, firm index of the panel, segment) of every JV model, in id order.
    let mut jv: Vec<(u32, u32, u32)> = Vec::new();
    for (k, id) in p.model_names.iter().enumerate() {
        let Some(g) = ix.models.ix(id) else { continue };
        let firm = ds.firm(ix.firm_of_model(g));
        if firm.kind == FirmKind::Jv {
            let f = p.firm_names.binary_search(&firm.firm_id).expect("every firm is listed") as u32;
            jv.push((k as u32, f, s.model_segment[k]));
        }
    }
    let mut founded: BTreeMap<&FirmId, i32> = BTreeMap::new();
    for l in &ds.jv_links {
        let e = founded.entry(&l.jv_id).or_insert(l.founded);
        *e = (*e).min(l.founded);
    }
    let before_2000: Vec<Option<bool>> =
        jv.iter().map(|&(_, f, _)| founded.get(&p.firm_names[f as usize]).map(|&y| y < 2000)).collect();
    let leader = split_leaders(jv.len(), seed);
    let mut out = JvPairs {
        models: [leader.iter().filter(|&&l| l).count(), leader.iter().filter(|&&l| !l).count()],
        firms: {
            let mut f: Vec<u32> = jv.iter().map(|m| m.1).collect();
            f.sort_unstable();
            f.dedup();
            f.len()
        },
        ..JvPairs::default()
    };
    let (Some(t0), Some(t1)) = (ds.quality.iter().map(|q| q.year).min(), ds.quality.iter().map(|q| q.year).max())
    else {
        return out;
    };
    let nd = s.n_dims();
    for t in t0..=t1 {
        let on = |lead: bool| -> Vec<(usize, &[f64])> {
            (0..jv.len())
                .filter(|&m| leader[m] == lead)
                .filter_map(|m| s.block(jv[m].0, t).map(|(e, _)| (m, e)))
                .collect()
        };
        let (leaders, followers) = (on(true), on(false));
        for &(f, ef) in &followers {
            for &(l, el) in &leaders {
                out.pair_years += 1;
                for k in 0..nd {
                    if ef[k].is_nan() || el[k].is_nan() {
                        continue;
                    }
                    let cat = u64::from(s.dimension_category[k]);
                    out.e_f.push(ef[k]);
                    out.e_l.push(el[k]);
                    out.same_firm.push(jv[f].1 == jv[l].1);
                    out.same_seg.push(jv[f].2 == jv[l].2);
                    out.follower_key.push(u64::from(jv[f].1) * 1024 + cat);
                    out.leader_key.push(u64::from(jv[l].1) * 1024 + cat);
                    out.leader_before_2000.push(before_2000[l]);
                }
            }
        }
    }
    out
}

/// The benchmark's step-2 design on the rows `keep` of `jv` (clusters
/// [`CLUSTER_JV_FOLLOWER`], [`CLUSTER_JV_LEADER`]; intercept estimated).
pub fn jv_design(jv: &JvPairs, keep: &[usize]) -> Design {
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    let col = |name: &str, f: &dyn Fn(usize) -> f64| Column {
        name: name.into(),
        values: keep.iter().map(|&i| f(i)).collect(),
    };
    let x = vec![
        col(JV_TERMS[0], &|i| jv.e_l[i]),
        col(JV_TERMS[1], &|i| jv.e_l[i] * b(jv.same_firm[i])),
        col(JV_TERMS[2], &|i| jv.e_l[i] * b(jv.same_seg[i])),
        col(JV_TERMS[3], &|i| jv.e_l[i] * b(jv.same_firm[i] && jv.same_seg[i])),
    ];
    let mut d = Design::new(col("e_F", &|i| jv.e_f[i]), x);
    d.clusters = vec![
        Factor { name: CLUSTER_JV_FOLLOWER.into(), codes: compact_keys(keep.iter().map(|&i| jv.follower_key[i])) },
        Factor { name: CLUSTER_JV_LEADER.into(), codes: compact_keys(keep.iter().map(|&i| jv.leader_key[i])) },
    ];
    d
}

/// Rows of the study's panel that `spec` uses (its sample and defined
/// attributes; `build_design`'s rule for every group but the mechanisms).
pub fn spec_rows(panel: &StudyPanel, spec: &Spec) -> Vec<usize> {
    (0..panel.len())
        .filter(|&i| {
            let r = panel.pair_row[i] as usize;
            (spec.sample != Sample::SameSegment || panel.pairs.same_seg[r])
                && spec.terms.iter().flatten().all(|a| a.value(&panel.pairs, r).is_some())
        })
        .collect()
}

/// Prefix of the study's coefficients in the stacked fit.
pub const STUDY_PREFIX: &str = "study|";
/// Prefix of the benchmark's coefficients in the stacked fit.
pub const JV_PREFIX: &str = "jv|";

/// The stacked design of the study's `spec` (rows [`spec_rows`]) and the
/// benchmark's rows `keep`: coefficients prefixed [`STUDY_PREFIX`] /
/// [`JV_PREFIX`], each zero in the other block; a two-level `block` fixed
/// effect (one intercept per block); clusters [`CLUSTER_FOLLOWER`] (domestic
/// firm × survey, or follower JV firm × survey) and [`CLUSTER_LEADER`] (JV
/// firm × survey, common codes across the blocks).
///
/// # Errors
/// The spec's rows disagree with its design (cannot happen for the
/// baseline and heterogeneity specs).
pub fn stacked_design(panel: &StudyPanel, spec: &Spec, jv: &JvPairs, keep: &[usize]) -> Result<Design, String> {
    let (a, _) = build_design(panel, spec);
    let rows = spec_rows(panel, spec);
    if rows.len() != a.nobs() {
        return Err(format!("{}: {} rows selected, {} in the design", spec.id, rows.len(), a.nobs()));
    }
    let b = jv_design(jv, keep);
    let (na, nb) = (a.nobs(), b.nobs());
    let pad = |v: &[f64], before: usize, after: usize| -> Vec<f64> {
        let mut out = vec![0.0; before];
        out.extend_from_slice(v);
        out.resize(before + v.len() + after, 0.0);
        out
    };
    let mut x: Vec<Column> =
        a.x.iter()
            .map(|c| Column { name: format!("{STUDY_PREFIX}{}", c.name), values: pad(&c.values, 0, nb) })
            .collect();
    x.extend(b.x.iter().map(|c| Column { name: format!("{JV_PREFIX}{}", c.name), values: pad(&c.values, na, 0) }));
    let mut y = a.y.values.clone();
    y.extend_from_slice(&b.y.values);
    let follower = rows.iter().map(|&i| panel.follower_cluster(i)).chain(keep.iter().map(|&i| jv.follower_key[i]));
    let leader = rows.iter().map(|&i| panel.leader_cluster(i)).chain(keep.iter().map(|&i| jv.leader_key[i]));
    let mut d = Design::new(Column { name: "e_follower".into(), values: y }, x);
    d.fe = vec![Factor { name: "block".into(), codes: (0..na + nb).map(|i| u32::from(i >= na)).collect() }];
    d.clusters = vec![
        Factor { name: CLUSTER_FOLLOWER.into(), codes: compact_keys(follower) },
        Factor { name: CLUSTER_LEADER.into(), codes: compact_keys(leader) },
    ];
    Ok(d)
}

/// Ratio h/s and its delta-method SE from Var(h), Var(s), Cov(h, s):
/// √(Var(h)/s² + h²Var(s)/s⁴ − 2h·Cov(h, s)/s³).
pub fn ratio_delta(h: f64, s: f64, var_h: f64, var_s: f64, cov: f64) -> (f64, f64) {
    let var = var_h / (s * s) + h * h * var_s / s.powi(4) - 2.0 * h * cov / s.powi(3);
    (h / s, var.max(0.0).sqrt())
}

/// Two-sided normal p-value of z.
fn normal_p(z: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    let n = Normal::standard();
    if z.is_finite() { 2.0 * (1.0 - n.cdf(z.abs())) } else { f64::NAN }
}

/// An estimate with SE and normal p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Est {
    /// Point estimate.
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// Two-sided p-value.
    pub p: f64,
}

impl Est {
    fn new(estimate: f64, se: f64) -> Self {
        Est { estimate, se, p: normal_p(estimate / se) }
    }
    fn cell(self) -> CaseCell {
        CaseCell::estimate(self.estimate, self.se, self.p)
    }
}

/// One ratio: the study's numerator over the JV sum, from the stacked fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ratio {
    /// Which JVs.
    pub label: String,
    /// The numerator's terms (study block).
    pub numerator: String,
    /// Numerator (study), SE from the stacked fit.
    pub study: Est,
    /// JV sum β_SameFirm + β_SameSeg + β_SameFirm×SameSeg, SE from the stacked fit.
    pub jv_sum: Est,
    /// Covariance of numerator and JV sum (stacked sandwich).
    pub covariance: f64,
    /// Ratio with delta-method SE.
    pub ratio: Est,
    /// The study's ratio.
    pub study_value: f64,
    /// Observations of the stacked fit (study rows, benchmark rows).
    pub nobs: [usize; 2],
    /// Terms of the sums dropped as collinear (the sums are over the kept terms).
    pub dropped: Vec<String>,
}

/// The benchmark's typed results (`evidence.benchmark`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchmarkJson {
    /// Seed of the split.
    pub seed: u64,
    /// JV models: leaders, followers.
    pub models: [usize; 2],
    /// JV firms.
    pub firms: usize,
    /// Same-year (follower, leader) model pairs.
    pub pair_years: usize,
    /// Rows of the benchmark panel.
    pub rows: usize,
    /// Coefficients of the all-JV column (name, estimate, se, p).
    pub coefficients: Vec<(String, f64, f64, f64)>,
    /// The JV sum of the all-JV column.
    pub jv_sum: Est,
    /// Ratios (all JVs; JVs formed before 2000).
    pub ratios: Vec<Ratio>,
}

fn clustered(fit: &OlsFit, names: [&str; 2], opts: &StudyOptions) -> Result<Inference, String> {
    vcov(fit, &VcovSpec::Cluster(names.iter().map(|s| (*s).to_owned()).collect()), &opts.ssc).map_err(|e| e.to_string())
}

fn sum_lincom(names: &[String]) -> Lincom {
    Lincom { label: names.join(" + "), terms: names.iter().map(|t| (1.0, t.clone())).collect(), null: 0.0 }
}

/// Fit the stacked regression of `spec` and the benchmark rows `keep`, and
/// the ratio of the study's `numerator` terms to the JV sum.
pub fn stacked_ratio(
    panel: &StudyPanel,
    spec: &Spec,
    numerator: &[String],
    jv: &JvPairs,
    keep: &[usize],
    opts: &StudyOptions,
) -> Result<(OlsFit, Inference, Ratio), String> {
    let d = stacked_design(panel, spec, jv, keep)?;
    let na = d.fe[0].codes.iter().filter(|&&c| c == 0).count();
    let fit = fit_ols_owned(d, &opts.fit).map_err(|e| e.to_string())?;
    let inf = clustered(&fit, [CLUSTER_FOLLOWER, CLUSTER_LEADER], opts)?;
    // A term dropped as collinear (e.g. SameFirm×SameSeg equal to SameFirm when every same-firm pair
    // is in the same segment) leaves the sum to the kept terms; listed in `dropped`.
    let mut dropped = Vec::new();
    let mut weights = |names: Vec<String>| -> Result<Vec<f64>, String> {
        let mut w = vec![0.0; fit.core.coef_names.len()];
        for n in &names {
            match fit.core.coef_index(n) {
                Some(j) => w[j] = 1.0,
                None => dropped.push(n.clone()),
            }
        }
        if w.iter().all(|&x| x == 0.0) {
            return Err(format!("stacked fit: every term of {} was dropped as collinear", names.join(" + ")));
        }
        Ok(w)
    };
    let a = weights(numerator.iter().map(|t| format!("{STUDY_PREFIX}{t}")).collect())?;
    let b = weights(JV_TERMS[1..].iter().map(|t| format!("{JV_PREFIX}{t}")).collect())?;
    let dot = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(x, y)| x * y).sum::<f64>();
    let (h, s) = (dot(&a, &fit.core.beta), dot(&b, &fit.core.beta));
    let (var_h, var_s, cov) = (inf.vcov.quad(&a), inf.vcov.quad(&b), dot(&a, &inf.vcov.mul_vec(&b)));
    let (r, se) = ratio_delta(h, s, var_h, var_s, cov);
    let ratio = Ratio {
        label: String::new(),
        numerator: numerator.join(" + "),
        study: Est::new(h, var_h.sqrt()),
        jv_sum: Est::new(s, var_s.sqrt()),
        covariance: cov,
        ratio: Est::new(r, se),
        study_value: f64::NAN,
        nobs: [na, fit.core.nobs - na],
        dropped,
    };
    Ok((fit, inf, ratio))
}

fn model(title: &str, d: Design, opts: &StudyOptions) -> Result<CaseModel, String> {
    let mut fit = fit_ols_owned(d, &opts.fit).map_err(|e| e.to_string())?;
    let inference = clustered(&fit, [CLUSTER_JV_FOLLOWER, CLUSTER_JV_LEADER], opts)?;
    // The JV sum over the kept terms (a term collinear with another, e.g. SameFirm×SameSeg when
    // every same-firm pair is in the same segment, is dropped by the engine; the table shows which).
    let names: Vec<String> =
        JV_TERMS[1..].iter().filter(|t| fit.core.coef_index(t).is_some()).map(|s| (*s).to_owned()).collect();
    if names.is_empty() {
        return Err("every interaction of e_L was dropped as collinear".into());
    }
    let lc = lincom(&fit, &inference, &sum_lincom(&names)).map_err(|e| e.to_string())?;
    fit.core.slim();
    Ok(CaseModel { title: title.into(), fit: Arc::new(fit), inference, lincoms: vec![lc] })
}

/// Run the benchmark group (see the module docs).
pub fn run(input: &CaseInput<'_>, progress: &(dyn Fn(u64) + Sync)) -> CaseOutcome {
    let (panel, opts) = (input.panel, input.opts);
    let seed = opts.case.seed;
    let jv = build_jv_pairs(input.ds, panel, seed);
    if jv.firms < 2 {
        return Err(format!("it needs at least 2 JV firms with models ({} in the data)", jv.firms));
    }
    if jv.is_empty() {
        return Err("no same-year pair of a follower and a leader JV model with quality scores".into());
    }
    let all: Vec<usize> = (0..jv.len()).collect();
    let pre: Vec<usize> = all.iter().copied().filter(|&i| jv.leader_before_2000[i] == Some(true)).collect();
    let mut skipped = Vec::new();
    let skip = |id: &str, label: &str, reason: String| Skipped {
        id: format!("benchmark.{id}"),
        group: Some(SpecGroup::Benchmark),
        title: String::new(),
        label: label.into(),
        reason,
    };
    let pre_label = "leader JVs formed before 2000";
    let pre_ratio = "SameGroup×FormedBefore2000 ÷ JV sum (JVs formed before 2000)";
    let base = specs_for(SpecGroup::Baseline).into_iter().find(|s| s.id == "baseline.2").expect("defined");
    let headline_terms = base.headline_terms().expect("baseline (2) has a headline");
    let het = specs_for(SpecGroup::Heterogeneity).into_iter().next().expect("defined");
    let het_missing = unavailable(panel, &het);
    // The four fits are independent: run them in parallel (the stacked ones dominate).
    let ((m1, m2), (r1, r2)) = rayon::join(
        || {
            let m1 = model("(1) all JVs", jv_design(&jv, &all), opts);
            progress(1);
            let m2 = (!pre.is_empty()).then(|| model("(2) leader JV formed before 2000", jv_design(&jv, &pre), opts));
            progress(1);
            (m1, m2)
        },
        || {
            rayon::join(
                || {
                    let r = stacked_ratio(panel, &base, &headline_terms, &jv, &all, opts);
                    progress(1);
                    r
                },
                || {
                    let r = (het_missing.is_none() && !pre.is_empty())
                        .then(|| stacked_ratio(panel, &het, &[PRE2000_TERM.to_owned()], &jv, &pre, opts));
                    progress(1);
                    r
                },
            )
        },
    );
    let mut models = vec![m1?];
    match m2 {
        None => {
            skipped.push(skip("2", pre_label, "no pair whose leader JV firm was founded before 2000 (jv_links)".into()))
        }
        Some(Ok(m)) => models.push(m),
        Some(Err(e)) => skipped.push(skip("2", pre_label, e)),
    }
    let mut ratios = Vec::new();
    match r1 {
        Ok((_, _, mut r)) => {
            r.label = "all JVs: headline ÷ JV sum".into();
            r.study_value = STUDY_VALUES[1];
            ratios.push(r);
        }
        Err(e) => skipped.push(skip("ratio", "headline ÷ JV sum", e)),
    }
    match (r2, het_missing) {
        (_, Some(why)) => skipped.push(skip("ratio_pre2000", pre_ratio, why)),
        (None, None) => {
            skipped.push(skip("ratio_pre2000", pre_ratio, "no benchmark pair with a pre-2000 leader JV".into()))
        }
        (Some(Ok((_, _, mut r))), None) => {
            r.label = "JVs formed before 2000: SameGroup×FormedBefore2000 ÷ JV sum".into();
            r.study_value = STUDY_VALUES[4];
            ratios.push(r);
        }
        (Some(Err(e)), None) => skipped.push(skip("ratio_pre2000", pre_ratio, e)),
    }

    let inf = &models[0].inference;
    let lc = &models[0].lincoms[0].row;
    let json = BenchmarkJson {
        seed,
        models: jv.models,
        firms: jv.firms,
        pair_years: jv.pair_years,
        rows: jv.len(),
        coefficients: inf.coefs.iter().map(|c| (c.name.clone(), c.estimate, c.se, c.p)).collect(),
        jv_sum: Est { estimate: lc.estimate, se: lc.se, p: lc.p },
        ratios: ratios.clone(),
    };
    let header = ["", "numerator (study)", "JV sum", "covariance", "ratio", "the study's ratio"];
    let table = CaseTable {
        title: "Affiliated spillover as a share of within-JV-firm similarity".into(),
        header: header.iter().map(|s| (*s).to_owned()).collect(),
        rows: ratios
            .iter()
            .map(|r| {
                vec![
                    CaseCell::text(&r.label),
                    r.study.cell(),
                    r.jv_sum.cell(),
                    CaseCell::number(r.covariance),
                    r.ratio.cell(),
                    CaseCell::number(r.study_value),
                ]
            })
            .collect(),
        notes: vec![
            "Numerator and JV sum from one stacked regression (the study's rows and the benchmark's, each with its own \
             regressors and intercept; coefficients equal the separate fits); SEs and their covariance from its CRV1 \
             two-way clustered sandwich (follower firm × survey; leader JV firm × survey, common across the blocks); \
             ratio SE by the delta method, p-values normal."
                .into(),
            "Numerators: the headline of baseline (2) (all JVs); the e_JV × SameGroup × FormedBefore2000 coefficient \
             of heterogeneity (1) (JVs formed before 2000, whose JV sum uses pairs with a leader JV founded before 2000)."
                .into(),
            format!("The study: 0.098 / 0.584 = {:.0} %; 0.145 / 0.515 = {:.0} %.", 100.0 * STUDY_VALUES[1], 100.0 * STUDY_VALUES[4]),
        ],
    };
    let mut lines = vec![format!(
        "JV models split at random (seed {seed}): {} leaders, {} followers, {} JV firms; {} same-year follower–leader \
         model pairs, {} pair × dimension rows.",
        jv.models[0],
        jv.models[1],
        jv.firms,
        jv.pair_years,
        jv.len()
    )];
    for r in ratios.iter().filter(|r| !r.dropped.is_empty()) {
        lines.push(format!(
            "{}: dropped as collinear, so the sums are over the remaining terms: {}.",
            r.label,
            r.dropped.join(", ")
        ));
    }
    for r in &ratios {
        lines.push(format!(
            "{}: {:.4} / {:.4} = {:.1} % (SE {:.1} pp; the study {:.0} %).",
            r.label,
            r.study.estimate,
            r.jv_sum.estimate,
            100.0 * r.ratio.estimate,
            100.0 * r.ratio.se,
            100.0 * r.study_value
        ));
    }
    Ok(CaseResult {
        group: SpecGroup::Benchmark,
        blocks: vec![
            CaseBlock::Models {
                title: "JV benchmark: relative strengths of follower JV models on those of same-year leader JV models"
                    .into(),
                models,
                notes: vec![
                    "Z = SameFirm (same JV firm), SameSeg, SameFirm×SameSeg; CRV1 two-way clustered by follower JV \
                     firm × survey and leader JV firm × survey; the study: 0.155, −0.062, 0.491, sum 0.584."
                        .into(),
                ],
            },
            CaseBlock::Table(table),
            CaseBlock::Lines(lines),
        ],
        json: serde_json::to_value(&json).unwrap_or_default(),
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_half_and_seeded() {
        let a = split_leaders(11, 7);
        assert_eq!(a.iter().filter(|&&l| l).count(), 6);
        assert_eq!(a, split_leaders(11, 7));
        assert_ne!(split_leaders(40, 1), split_leaders(40, 2));
        assert!(split_leaders(0, 1).is_empty());
    }

    #[test]
    fn delta_method_by_hand() {
        // h = 0.1, s = 0.5, Var h = 0.0004, Var s = 0.0025, Cov = 0.0003:
        // Var(r) = 0.0004/0.25 + 0.01·0.0025/0.0625 − 2·0.1·0.0003/0.125
        //        = 0.0016 + 0.0004 − 0.00048 = 0.00152.
        let (r, se) = ratio_delta(0.1, 0.5, 0.0004, 0.0025, 0.0003);
        assert!((r - 0.2).abs() < 1e-15);
        assert!((se - 0.00152_f64.sqrt()).abs() < 1e-15);
    }
}
