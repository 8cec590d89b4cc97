//! The robustness tables of the study's further evidence (SPEC §7, issue
//! #13 item 5; the study's Tables E.5, E.6, E.8, E.9). Every part uses the
//! headline specification, baseline (2) (all same-year pairs, the study's
//! step-1 residuals, no fixed effect but an intercept; the headline is
//! β_SameGroup + β_SameSeg + β_SameGroup×SameSeg):
//!
//! - **by survey** ([`SURVEYS`]): the rows of the dimensions of one survey
//!   category only (same step-1 residuals, which were computed on all
//!   dimensions); a survey absent from the data is skipped with a note;
//! - **balanced panel**: the last [`BALANCED_YEARS`] years of the panel,
//!   rows whose domestic and JV models are both observed (in the pair panel)
//!   in every one of them — every kept model pair is then present in every
//!   year of that window; **long-lived models**: rows whose two models are
//!   both observed in at least [`LONG_LIVED_YEARS`] distinct years;
//! - **alternative clusterings**: one fit, several vcovs (fixest's "estimate
//!   once, infer many ways"): the SEs of the triple interaction
//!   `e_JV:SameGroup:SameSeg` and of the headline, one-way by follower firm,
//!   by leader firm, by firm pair (domestic firm × JV firm), two-way by
//!   follower firm × dimension and leader firm × dimension, and the study's
//!   two-way baseline, with G per clustering;
//! - **pairs (block) bootstrap** of the headline ([`block_bootstrap`]):
//!   firm pairs resampled with replacement, [`CaseOptions::bootstrap_reps`]
//!   draws, draw b from `ChaCha8Rng::seed_from_u64(seed)` on stream b
//!   ([`block_counts`]), in parallel with rayon, so results do not depend on
//!   the thread count. A draw is a weighted sum of per-block cross-products
//!   $X_g'X_g$, $X_g'y_g$ of the fit's design and a k × k solve; because
//!   the baseline has no fixed effect (its intercept is a regressor), this
//!   is the exact OLS refit on the resampled data (with absorbed fixed
//!   effects the effects would not be re-estimated per draw). A draw whose
//!   cross-product is singular (e.g. no affiliated same-segment pair drawn)
//!   fails and is counted, never dropped silently.
//!
//! [`CaseOptions::bootstrap_reps`]: super::CaseOptions::bootstrap_reps
//!
//! Owns [`run`], [`Robustness`] (the JSON section), [`block_counts`],
//! [`block_bootstrap`], [`BlockBoot`], [`subpanel`] and the sample rules.
//! Imports its parent's case types, `panel`, `specs`, `pipeline` and the
//! engine.

use std::collections::BTreeSet;
use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::{CaseBlock, CaseCell, CaseInput, CaseModel, CaseOutcome, CaseResult, CaseTable};
use crate::panel::{CLUSTER_FOLLOWER, CLUSTER_LEADER, StudyPanel, compact_keys};
use crate::pipeline::{Skipped, fit_spec};
use crate::specs::{Spec, SpecGroup, build_design, specs_for};
use spillnet_estimate::design::Factor;
use spillnet_estimate::{FitCore, Lincom, VcovSpec, fit_ols_owned, lincom, vcov};

/// The survey categories reported one at a time (the study's IQS and APEAL).
pub const SURVEYS: [(&str, &str); 2] = [("iqs", "IQS only"), ("apeal", "APEAL only")];

/// Length of the balanced window (the last years of the panel).
pub const BALANCED_YEARS: i32 = 5;

/// Minimum number of distinct years a model is observed to be long-lived.
pub const LONG_LIVED_YEARS: usize = 5;

/// The triple interaction reported under every clustering.
pub const TRIPLE: &str = "e_JV:SameGroup:SameSeg";

/// Cluster variable: follower (domestic) firm.
pub const CLUSTER_FIRM_D: &str = "firm_D";
/// Cluster variable: leader (JV) firm.
pub const CLUSTER_FIRM_JV: &str = "firm_JV";
/// Cluster variable: firm pair (domestic firm × JV firm), also the bootstrap's block.
pub const CLUSTER_FIRM_PAIR: &str = "firm_D^firm_JV";
/// Cluster variable: follower firm × dimension.
pub const CLUSTER_FIRM_D_DIM: &str = "firm_D^dimension";
/// Cluster variable: leader firm × dimension.
pub const CLUSTER_FIRM_JV_DIM: &str = "firm_JV^dimension";

/// The clusterings of the table: (label, cluster variables).
pub fn clusterings() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("two-way: follower firm × survey, leader firm × survey (baseline)", vec![CLUSTER_FOLLOWER, CLUSTER_LEADER]),
        ("one-way: follower firm", vec![CLUSTER_FIRM_D]),
        ("one-way: leader firm", vec![CLUSTER_FIRM_JV]),
        ("one-way: firm pair (follower firm × leader firm)", vec![CLUSTER_FIRM_PAIR]),
        ("two-way: follower firm × dimension, leader firm × dimension", vec![CLUSTER_FIRM_D_DIM, CLUSTER_FIRM_JV_DIM]),
    ]
}

/// One sample's triple interaction and headline.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SampleFit {
    /// Column title.
    pub sample: String,
    /// The rule in words.
    pub rule: String,
    /// Observations.
    pub nobs: usize,
    /// β of `e_JV:SameGroup:SameSeg` and its SE (two-way clustered), if estimated.
    pub triple: Option<[f64; 2]>,
    /// Headline and its SE, if estimated.
    pub headline: Option<[f64; 2]>,
}

/// One clustering's SEs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClusteringSe {
    /// Clustering in words.
    pub clustering: String,
    /// Cluster variables and their G.
    pub groups: Vec<(String, usize)>,
    /// SE of the triple interaction.
    pub se_triple: f64,
    /// SE of the headline.
    pub se_headline: f64,
    /// p-value of the triple interaction (t with min G − 1 df).
    pub p_triple: f64,
    /// p-value of the headline.
    pub p_headline: f64,
}

/// The pairs (block) bootstrap of a linear combination.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BlockBoot {
    /// Draws requested.
    pub draws: usize,
    /// Draws whose resampled cross-product was singular (no estimate).
    pub failed: usize,
    /// Blocks (firm pairs) G; each draw resamples G blocks.
    pub blocks: usize,
    /// Seed (draw b uses stream b).
    pub seed: u64,
    /// The statistic on the original sample.
    pub estimate: f64,
    /// Standard deviation of the successful draws (denominator n − 1).
    pub se: f64,
    /// 2.5 % and 97.5 % percentiles of the successful draws (linear interpolation, type 7).
    pub ci: [f64; 2],
    /// The statistic of every draw (NaN when it failed), in draw order.
    #[serde(skip)]
    pub values: Vec<f64>,
}

/// The robustness group's JSON section.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Robustness {
    /// By-survey, balanced and long-lived fits.
    pub samples: Vec<SampleFit>,
    /// SEs under each clustering (one fit).
    pub clusterings: Vec<ClusteringSe>,
    /// Block bootstrap of the headline, if it ran.
    pub block_bootstrap: Option<BlockBoot>,
}

/// A copy of `panel` holding only the rows `keep(i)` (pair panel and step 1 unchanged).
pub fn subpanel(panel: &StudyPanel, keep: impl Fn(usize) -> bool) -> StudyPanel {
    let idx: Vec<usize> = (0..panel.len()).filter(|&i| keep(i)).collect();
    let mut diagnostics = panel.diagnostics.clone();
    diagnostics.rows = idx.len();
    StudyPanel {
        pairs: panel.pairs.clone(),
        strengths: panel.strengths.clone(),
        pair_row: idx.iter().map(|&i| panel.pair_row[i]).collect(),
        dim: idx.iter().map(|&i| panel.dim[i]).collect(),
        e_d: idx.iter().map(|&i| panel.e_d[i]).collect(),
        e_jv: idx.iter().map(|&i| panel.e_jv[i]).collect(),
        score_d: idx.iter().map(|&i| panel.score_d[i]).collect(),
        score_jv: idx.iter().map(|&i| panel.score_jv[i]).collect(),
        diagnostics,
    }
}

/// Distinct years each model (index of the pair panel) is observed in the pair panel.
pub fn model_years(panel: &StudyPanel) -> Vec<BTreeSet<i32>> {
    let p = &panel.pairs;
    let mut out = vec![BTreeSet::new(); p.model_names.len()];
    for r in 0..p.len() {
        out[p.domestic_model[r] as usize].insert(p.year[r]);
        out[p.jv_model[r] as usize].insert(p.year[r]);
    }
    out
}

/// The balanced window (the last [`BALANCED_YEARS`] years of the panel) and
/// the row rule: the row's year is in the window and both its models are
/// observed in every year of it.
pub fn balanced_rows(panel: &StudyPanel) -> ((i32, i32), Vec<bool>) {
    let p = &panel.pairs;
    let last = p.year.iter().copied().max().unwrap_or(0);
    let first = last - BALANCED_YEARS + 1;
    let years = model_years(panel);
    let full = |m: u32| (first..=last).all(|t| years[m as usize].contains(&t));
    let keep = (0..panel.len())
        .map(|i| {
            let r = panel.pair_row[i] as usize;
            p.year[r] >= first && full(p.domestic_model[r]) && full(p.jv_model[r])
        })
        .collect();
    ((first, last), keep)
}

/// The long-lived rule: both models of the row observed in at least [`LONG_LIVED_YEARS`] distinct years.
pub fn long_lived_rows(panel: &StudyPanel) -> Vec<bool> {
    let p = &panel.pairs;
    let years = model_years(panel);
    let long = |m: u32| years[m as usize].len() >= LONG_LIVED_YEARS;
    (0..panel.len())
        .map(|i| {
            let r = panel.pair_row[i] as usize;
            long(p.domestic_model[r]) && long(p.jv_model[r])
        })
        .collect()
}

/// The block counts of bootstrap draw `b`: `g` blocks drawn uniformly with
/// replacement, from `ChaCha8Rng::seed_from_u64(seed)` on stream `b`;
/// entry h is how often block h was drawn.
pub fn block_counts(seed: u64, b: usize, g: usize) -> Vec<u32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(b as u64);
    let mut counts = vec![0u32; g];
    for _ in 0..g {
        counts[rng.random_range(0..g)] += 1;
    }
    counts
}

/// Solve the symmetric system `a x = rhs` (`k × k`, row-major) by Cholesky;
/// `None` when a pivot is not above `1e-10` times the largest diagonal
/// entry (singular or nearly so).
fn solve_spd(a: &[f64], rhs: &[f64], k: usize) -> Option<Vec<f64>> {
    let scale = (0..k).map(|i| a[i * k + i]).fold(0.0f64, f64::max);
    if scale <= 0.0 {
        return None;
    }
    let mut l = vec![0.0; k * k];
    for j in 0..k {
        let d = a[j * k + j] - (0..j).map(|m| l[j * k + m] * l[j * k + m]).sum::<f64>();
        if d <= 1e-10 * scale {
            return None;
        }
        let d = d.sqrt();
        l[j * k + j] = d;
        for i in j + 1..k {
            l[i * k + j] = (a[i * k + j] - (0..j).map(|m| l[i * k + m] * l[j * k + m]).sum::<f64>()) / d;
        }
    }
    let mut z = vec![0.0; k];
    for i in 0..k {
        z[i] = (rhs[i] - (0..i).map(|m| l[i * k + m] * z[m]).sum::<f64>()) / l[i * k + i];
    }
    let mut x = vec![0.0; k];
    for i in (0..k).rev() {
        x[i] = (z[i] - (i + 1..k).map(|m| l[m * k + i] * x[m]).sum::<f64>()) / l[i * k + i];
    }
    Some(x)
}

/// Quantile of sorted values, linear interpolation between order statistics (R's type 7).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - h.floor()) * (sorted[hi] - sorted[lo])
}

/// Pairs (block) bootstrap of the linear combination `r'β` of an OLS fit
/// (see the module docs): blocks are the codes of the fit's cluster
/// variable `block`; `draws` draws from `seed`; `progress(1)` per draw.
///
/// # Errors
/// The fit has no observation-level vectors (slimmed) or no cluster `block`.
///
/// # Complexity
/// $O(N k^2)$ once for the per-block cross-products, then $O(G k^2 + k^3)$ per draw.
pub fn block_bootstrap(
    core: &FitCore,
    r: &[f64],
    block: &str,
    draws: usize,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<BlockBoot, String> {
    let k = core.k();
    let cl = core.cluster(block).ok_or_else(|| format!("the fit has no cluster variable `{block}`"))?;
    if core.xt.len() != k || cl.codes.len() != core.nobs {
        return Err("the fit has no observation-level vectors (it was slimmed)".into());
    }
    let g = cl.n_groups;
    // Per-block X'X (k×k) and X'y (k), y = Xβ + û on the fit's (transformed) design.
    let mut xtx = vec![0.0; g * k * k];
    let mut xty = vec![0.0; g * k];
    let mut row = vec![0.0; k];
    for i in 0..core.nobs {
        let h = cl.codes[i] as usize;
        for (j, v) in row.iter_mut().enumerate() {
            *v = core.xt[j][i];
        }
        let y = row.iter().zip(&core.beta).map(|(a, b)| a * b).sum::<f64>() + core.resid_t[i];
        let m = &mut xtx[h * k * k..(h + 1) * k * k];
        for a in 0..k {
            for b in 0..k {
                m[a * k + b] += row[a] * row[b];
            }
            xty[h * k + a] += row[a] * y;
        }
    }
    let estimate: f64 = r.iter().zip(&core.beta).map(|(a, b)| a * b).sum();
    let values: Vec<f64> = (0..draws)
        .into_par_iter()
        .map(|b| {
            let counts = block_counts(seed, b, g);
            let mut a = vec![0.0; k * k];
            let mut rhs = vec![0.0; k];
            for (h, &c) in counts.iter().enumerate() {
                if c == 0 {
                    continue;
                }
                let c = f64::from(c);
                a.iter_mut().zip(&xtx[h * k * k..(h + 1) * k * k]).for_each(|(s, v)| *s += c * v);
                rhs.iter_mut().zip(&xty[h * k..(h + 1) * k]).for_each(|(s, v)| *s += c * v);
            }
            let out = solve_spd(&a, &rhs, k).map_or(f64::NAN, |beta| r.iter().zip(&beta).map(|(a, b)| a * b).sum());
            progress(1);
            out
        })
        .collect();
    let mut ok: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let failed = draws - ok.len();
    let n = ok.len() as f64;
    let mean = ok.iter().sum::<f64>() / n;
    let se =
        if ok.len() > 1 { (ok.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() } else { f64::NAN };
    ok.sort_by(f64::total_cmp);
    Ok(BlockBoot {
        draws,
        failed,
        blocks: g,
        seed,
        estimate,
        se,
        ci: [quantile(&ok, 0.025), quantile(&ok, 0.975)],
        values,
    })
}

/// The headline specification, baseline (2).
fn headline_spec() -> Spec {
    specs_for(SpecGroup::Baseline).into_iter().nth(1).expect("baseline (2)")
}

/// The extra cluster variables of the alternative clusterings, on `panel`'s rows.
pub fn extra_clusters(panel: &StudyPanel) -> Vec<Factor> {
    let p = &panel.pairs;
    let n = panel.len();
    let key = |f: &dyn Fn(usize) -> u64| compact_keys((0..n).map(f));
    let firm_d = |i: usize| u64::from(p.domestic_firm[panel.pair_row[i] as usize]);
    let firm_jv = |i: usize| u64::from(p.jv_firm[panel.pair_row[i] as usize]);
    vec![
        Factor { name: CLUSTER_FIRM_D.into(), codes: key(&firm_d) },
        Factor { name: CLUSTER_FIRM_JV.into(), codes: key(&firm_jv) },
        Factor { name: CLUSTER_FIRM_PAIR.into(), codes: key(&|i| (firm_d(i) << 32) | firm_jv(i)) },
        Factor { name: CLUSTER_FIRM_D_DIM.into(), codes: key(&|i| (firm_d(i) << 16) | u64::from(panel.dim[i])) },
        Factor { name: CLUSTER_FIRM_JV_DIM.into(), codes: key(&|i| (firm_jv(i) << 16) | u64::from(panel.dim[i])) },
    ]
}

/// Run the robustness group (see the module docs).
pub fn run(input: &CaseInput<'_>, progress: &(dyn Fn(u64) + Sync)) -> CaseOutcome {
    let out = estimate(input);
    progress(1);
    out
}

fn skip(id: &str, label: &str, reason: String) -> Skipped {
    Skipped {
        id: format!("robustness.{id}"),
        group: Some(SpecGroup::Robustness),
        title: String::new(),
        label: label.into(),
        reason,
    }
}

/// Fit the headline on a subsample; the column and its summary, or why it could not run.
fn sample_column(
    input: &CaseInput<'_>,
    spec: &Spec,
    title: &str,
    rule: String,
    keep: &[bool],
) -> Result<(CaseModel, SampleFit), String> {
    let rows = keep.iter().filter(|&&k| k).count();
    if rows == 0 {
        return Err(format!("no row satisfies the rule ({rule})"));
    }
    let sub = subpanel(input.panel, |i| keep[i]);
    let m = fit_spec(&sub, spec, input.opts).map_err(|e| e.to_string())?;
    let coef = |name: &str| m.inference.coefs.iter().find(|c| c.name == name).map(|c| [c.estimate, c.se]);
    let fit = SampleFit {
        sample: title.into(),
        rule,
        nobs: m.fit.core.nobs,
        triple: coef(TRIPLE),
        headline: m.lincoms.first().map(|l| [l.row.estimate, l.row.se]),
    };
    let mut f = m.fit;
    f.core.slim();
    Ok((CaseModel { title: title.into(), fit: Arc::new(f), inference: m.inference, lincoms: m.lincoms }, fit))
}

fn estimate(input: &CaseInput<'_>) -> CaseOutcome {
    let panel = input.panel;
    let spec = headline_spec();
    let mut skipped = Vec::new();
    let mut blocks = Vec::new();
    let mut samples = Vec::new();

    // (a) By survey.
    let mut survey_cols = Vec::new();
    for (survey, title) in SURVEYS {
        let Some(c) = panel.strengths.categories.iter().position(|s| s == survey) else {
            let have = panel.strengths.categories.join(", ");
            skipped.push(skip(survey, title, format!("the quality table has no `{survey}` survey (surveys: {have})")));
            continue;
        };
        let keep: Vec<bool> = (0..panel.len()).map(|i| panel.category(i) as usize == c).collect();
        match sample_column(input, &spec, title, format!("dimensions of the `{survey}` survey"), &keep) {
            Ok((m, s)) => {
                survey_cols.push(m);
                samples.push(s);
            }
            Err(why) => skipped.push(skip(survey, title, why)),
        }
    }
    if !survey_cols.is_empty() {
        blocks.push(CaseBlock::Models {
            title: "Baseline (2) by survey category".into(),
            models: survey_cols,
            notes: vec![
                "Rows of one survey's dimensions; the step-1 residuals are the study's (computed on all dimensions). \
                 The clusters (firm × survey) are then firms."
                    .into(),
            ],
        });
    }

    // (b) Balanced panel and long-lived models.
    let mut sample_cols = Vec::new();
    let ((w0, w1), keep) = balanced_rows(panel);
    let rule =
        format!("years {w0}–{w1} (the last {BALANCED_YEARS} of the panel), both models observed in every one of them");
    match sample_column(input, &spec, "balanced", rule, &keep) {
        Ok((m, s)) => {
            sample_cols.push(m);
            samples.push(s);
        }
        Err(why) => skipped.push(skip("balanced", "balanced panel", why)),
    }
    let keep = long_lived_rows(panel);
    let rule = format!("both models observed in at least {LONG_LIVED_YEARS} distinct years");
    match sample_column(input, &spec, "long-lived", rule, &keep) {
        Ok((m, s)) => {
            sample_cols.push(m);
            samples.push(s);
        }
        Err(why) => skipped.push(skip("long-lived", "long-lived models", why)),
    }
    if !sample_cols.is_empty() {
        blocks.push(CaseBlock::Models {
            title: "Baseline (2) on a balanced panel and on long-lived models".into(),
            models: sample_cols,
            notes: vec![format!(
                "balanced: years {w0}–{w1} (the last {BALANCED_YEARS} of the panel), rows whose domestic and JV \
                 models are both observed in every one of them, so every kept model pair is present in each year; \
                 long-lived: both models observed in at least {LONG_LIVED_YEARS} distinct years. Models are observed \
                 in a year when they form a pair of the pair panel."
            )],
        });
    }

    // (c) Alternative clusterings: one fit, several vcovs; (d) its block bootstrap.
    let (mut design, _) = build_design(panel, &spec);
    design.clusters.extend(extra_clusters(panel));
    let fit = fit_ols_owned(design, &input.opts.fit).map_err(|e| format!("baseline (2) failed: {e}"))?;
    let terms = spec.headline_terms().expect("baseline (2) identifies the headline");
    let lc = Lincom { label: terms.join(" + "), terms: terms.into_iter().map(|t| (1.0, t)).collect(), null: 0.0 };
    let mut rows = Vec::new();
    let mut few = Vec::new();
    let mut ses = Vec::new();
    for (label, vars) in clusterings() {
        let vs = VcovSpec::Cluster(vars.iter().map(|v| (*v).to_owned()).collect());
        let inf = match vcov(&fit, &vs, &input.opts.ssc) {
            Ok(i) => i,
            Err(e) => {
                skipped.push(skip("clustering", &format!("SEs clustered {label}"), e.to_string()));
                continue;
            }
        };
        let (Some(t), Ok(h)) = (inf.coefs.iter().find(|c| c.name == TRIPLE), lincom(&fit, &inf, &lc)) else {
            skipped.push(skip("clustering", &format!("SEs clustered {label}"), format!("{TRIPLE} was not estimated")));
            continue;
        };
        for (n, g) in inf.few_clusters() {
            few.push(format!("{n} ({g})"));
        }
        let g_text = inf.n_clusters.iter().map(|(_, g)| g.to_string()).collect::<Vec<_>>().join(" × ");
        rows.push(vec![
            CaseCell::text(label),
            CaseCell::text(g_text),
            CaseCell::estimate(t.estimate, t.se, t.p),
            CaseCell::estimate(h.row.estimate, h.row.se, h.row.p),
        ]);
        ses.push(ClusteringSe {
            clustering: label.into(),
            groups: inf.n_clusters.clone(),
            se_triple: t.se,
            se_headline: h.row.se,
            p_triple: t.p,
            p_headline: h.row.p,
        });
    }
    let mut notes = vec![
        "One fit of baseline (2) (all same-year pairs), several CRV1 vcovs with the study's small-sample correction; \
         t with min G − 1 degrees of freedom. G lists the clusters of each variable."
            .to_owned(),
    ];
    if !few.is_empty() {
        few.dedup();
        notes.push(format!(
            "Warning: fewer than 30 clusters in {}: cluster-robust SEs over-reject; see the wild bootstrap.",
            few.join(", ")
        ));
    }
    if !rows.is_empty() {
        blocks.push(CaseBlock::Table(CaseTable {
            title: "Standard errors under alternative clusterings (baseline (2))".into(),
            header: vec!["Clustering".into(), "G".into(), TRIPLE.into(), "headline".into()],
            rows,
            notes,
        }));
    }

    let reps = input.opts.case.bootstrap_reps;
    let seed = input.opts.case.seed;
    let boot = if reps == 0 {
        skipped.push(skip("bootstrap", "pairs (block) bootstrap", "0 draws requested".into()));
        None
    } else {
        let r = lc.weights(&fit).map_err(|e| e.to_string())?;
        match block_bootstrap(&fit.core, &r, CLUSTER_FIRM_PAIR, reps, seed, &|_| {}) {
            Ok(b) => Some(b),
            Err(why) => {
                skipped.push(skip("bootstrap", "pairs (block) bootstrap", why));
                None
            }
        }
    };
    if let Some(b) = &boot {
        let ok = b.draws - b.failed;
        blocks.push(CaseBlock::Table(CaseTable {
            title: "Pairs (block) bootstrap of the headline (baseline (2))".into(),
            header: vec!["".into(), "value".into()],
            rows: vec![
                vec![CaseCell::text("headline"), CaseCell::number(b.estimate)],
                vec![CaseCell::text("bootstrap SE"), CaseCell::number(b.se)],
                vec![CaseCell::text("95% percentile CI, low"), CaseCell::number(b.ci[0])],
                vec![CaseCell::text("95% percentile CI, high"), CaseCell::number(b.ci[1])],
                vec![CaseCell::text("draws"), CaseCell::count(b.draws)],
                vec![CaseCell::text("failed draws (singular)"), CaseCell::count(b.failed)],
                vec![CaseCell::text("blocks (firm pairs)"), CaseCell::count(b.blocks)],
            ],
            notes: vec![format!(
                "Firm pairs (domestic firm × JV firm) resampled with replacement, {} draws, seed {seed} (ChaCha8, \
                 draw b on stream b); SE and percentiles over the {ok} draws that were not singular. Each draw refits \
                 baseline (2) exactly from per-block cross-products (no fixed effect to re-estimate).",
                b.draws
            )],
        }));
    }
    let json = Robustness { samples, clusterings: ses, block_bootstrap: boot };
    Ok(CaseResult {
        group: SpecGroup::Robustness,
        blocks,
        json: serde_json::to_value(&json).map_err(|e| e.to_string())?,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_and_flags_singular_systems() {
        // [[4, 2], [2, 3]] x = (2, 1) → x = (0.5, 0).
        let x = solve_spd(&[4.0, 2.0, 2.0, 3.0], &[2.0, 1.0], 2).unwrap();
        assert!((x[0] - 0.5).abs() < 1e-14 && x[1].abs() < 1e-14);
        assert!(solve_spd(&[1.0, 1.0, 1.0, 1.0], &[1.0, 1.0], 2).is_none());
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
    }

    #[test]
    fn block_counts_draw_g_blocks_and_depend_only_on_seed_and_draw() {
        let c = block_counts(7, 3, 11);
        assert_eq!(c.iter().sum::<u32>(), 11);
        assert_eq!(c, block_counts(7, 3, 11));
        assert_ne!(c, block_counts(7, 4, 11));
    }
}
