//! The event study of the study's further evidence (SPEC §7, issue #13
//! item 3): does the affiliated spillover grow as the two firms work
//! together?
//!
//! **Year 0** of an affiliated firm pair (domestic firm f, JV firm g with
//! SameGroup) is the first year in which an affiliated domestic–JV model
//! pair of f and g appears in the pair panel (any segment: the relationship
//! starts then, whatever the segments). Years since year 0, $t - t_0(f, g)$,
//! are therefore $\ge 0$ by construction; they are binned as
//! $0, 1, \dots, K-1, \ge K$ ([`top_bin`] chooses K from the data: the
//! largest K ≤ 10 whose top bin holds at least 10 % of the affiliated rows
//! and below which no year is empty).
//!
//! The regression, on the same-segment sample (SPEC §7: "all on the
//! same-segment sample unless said otherwise") and the study's step-1
//! residuals:
//! $$e^D = \alpha + \beta_0 e^{JV} + \sum_{p} \gamma_p\, e^{JV} D_p
//!   + \sum_{b=1}^{K} \delta_b\, e^{JV}\,\text{SameGroup}\,1[\text{bin}=b] + u,$$
//! with one dummy $D_p$ per affiliated firm pair p (absorbing pair-specific
//! spillover levels) and the first bin (year 0) as reference, so $\delta_b$
//! is the spillover b years after year 0 minus the spillover in year 0,
//! identified from within-pair variation over time. Fixed effects as the
//! baseline (none: an intercept), CRV1 two-way clustered as the study.
//! Regressors are ordered e_JV, bins, pair dummies, so a collinearity (a
//! bin observed for one pair only) drops a pair dummy first; every dropped
//! term is reported. Whether the effect grows is the least-squares slope
//! of the bin effects (reference included at 0) on their positions, a
//! linear combination with a delta-method SE, and the last bin itself.
//!
//! Owns [`run`], [`EventStudy`] (the JSON section), [`year_zero`],
//! [`top_bin`]. Imports its parent's case types, `panel`, `specs` and the
//! engine.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{CaseBlock, CaseInput, CaseModel, CaseOutcome, CasePlot, CasePoint, CaseResult};
use crate::panel::{CLUSTER_FOLLOWER, CLUSTER_LEADER, StudyPanel, compact_keys};
use crate::specs::SpecGroup;
use spillnet_estimate::design::{Column, Design, Factor};
use spillnet_estimate::{Lincom, VcovSpec, fit_ols_owned, lincom, vcov};

/// The top bin K is the largest k ≤ this with enough rows at or beyond it.
pub const MAX_TOP_BIN: i32 = 10;

/// Share of the affiliated rows of the sample that the top bin (≥ K) must
/// hold at least.
pub const TOP_BIN_MIN_SHARE: f64 = 0.10;

/// One affiliated firm pair: its year 0 and its rows in the sample.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PairYearZero {
    /// Domestic firm.
    pub domestic_firm: String,
    /// JV firm.
    pub jv_firm: String,
    /// First year an affiliated model pair of the two firms appears in the pair panel.
    pub year0: i32,
    /// Rows of the same-segment estimation sample.
    pub rows: usize,
}

/// One bin of years since year 0.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventBin {
    /// Label (`0`, `1`, …, `≥K`).
    pub label: String,
    /// Position on the plot's x axis (years since year 0; K for the top bin).
    pub position: i32,
    /// Affiliated rows of the sample in the bin.
    pub rows: usize,
    /// Effect relative to year 0 (0 for the reference).
    pub estimate: f64,
    /// Standard error (NaN for the reference or a dropped term).
    pub se: f64,
    /// p-value.
    pub p: f64,
    /// 95 % confidence interval.
    pub ci: [f64; 2],
    /// The reference bin.
    pub reference: bool,
    /// The term was dropped as collinear.
    pub dropped: bool,
}

/// An estimate with its inference.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Effect {
    /// Estimate.
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// p-value.
    pub p: f64,
}

/// The event study's JSON section.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventStudy {
    /// The sample in words.
    pub sample: String,
    /// Rows of the long panel excluded because the pair is not same-segment.
    pub rows_excluded_not_same_segment: usize,
    /// Rows of the estimation sample.
    pub nobs: usize,
    /// The top bin K (the last bin is "≥ K").
    pub top_bin: i32,
    /// The rule that chose K.
    pub top_bin_rule: String,
    /// Affiliated firm pairs (one dummy each).
    pub pairs: Vec<PairYearZero>,
    /// Bins in order, the reference first.
    pub bins: Vec<EventBin>,
    /// Least-squares slope of the bin effects on their positions.
    pub slope: Effect,
    /// The last bin minus year 0 (its coefficient).
    pub last_minus_first: Effect,
    /// Terms dropped as collinear.
    pub collinear: Vec<String>,
}

/// Year 0 of every affiliated (domestic firm, JV firm) pair of the pair
/// panel: the first year an affiliated model pair of the two firms appears.
pub fn year_zero(panel: &StudyPanel) -> BTreeMap<(u32, u32), i32> {
    let p = &panel.pairs;
    let mut out: BTreeMap<(u32, u32), i32> = BTreeMap::new();
    for r in 0..p.len() {
        if p.same_group[r] {
            let e = out.entry((p.domestic_firm[r], p.jv_firm[r])).or_insert(p.year[r]);
            *e = (*e).min(p.year[r]);
        }
    }
    out
}

/// The top bin K from the event times of the affiliated rows: the largest
/// k ≤ [`MAX_TOP_BIN`] such that at least [`TOP_BIN_MIN_SHARE`] of the rows
/// have event time ≥ k and every year 1, …, k − 1 has rows (no empty bin);
/// `None` when every row is at event time 0 (no variation to identify any
/// effect).
pub fn top_bin(event_times: &[i32]) -> Option<i32> {
    let n = event_times.len();
    let max = event_times.iter().copied().max()?;
    if max <= 0 {
        return None;
    }
    let share = |k: i32| event_times.iter().filter(|&&e| e >= k).count() as f64 / n as f64;
    let filled = |k: i32| (1..k).all(|b| event_times.contains(&b));
    Some((1..=max.min(MAX_TOP_BIN)).rev().find(|&k| share(k) >= TOP_BIN_MIN_SHARE && filled(k)).unwrap_or(1))
}

/// Name of the bin-`b` regressor (`e_JV:SameGroup:years0::3`, `…::5+` for the top bin).
pub fn bin_term(b: i32, k: i32) -> String {
    if b == k { format!("e_JV:SameGroup:years0::{b}+") } else { format!("e_JV:SameGroup:years0::{b}") }
}

/// Run the event study (see the module docs).
pub fn run(input: &CaseInput<'_>, progress: &(dyn Fn(u64) + Sync)) -> CaseOutcome {
    let out = estimate(input);
    progress(1);
    out
}

fn estimate(input: &CaseInput<'_>) -> CaseOutcome {
    let panel = input.panel;
    let p = &panel.pairs;
    let y0 = year_zero(panel);
    if y0.is_empty() {
        return Err("no affiliated domestic–JV model pair in the panel".into());
    }
    // Same-segment sample; event times of its affiliated rows.
    let mut rows: Vec<u32> = Vec::new();
    let mut not_same_seg = 0usize;
    let mut event: Vec<Option<i32>> = Vec::new();
    for i in 0..panel.len() {
        let r = panel.pair_row[i] as usize;
        if !p.same_seg[r] {
            not_same_seg += 1;
            continue;
        }
        rows.push(i as u32);
        event.push(p.same_group[r].then(|| p.year[r] - y0[&(p.domestic_firm[r], p.jv_firm[r])]));
    }
    let times: Vec<i32> = event.iter().flatten().copied().collect();
    if times.is_empty() {
        return Err("no affiliated same-segment pair in the panel".into());
    }
    let k = top_bin(&times).ok_or_else(|| {
        "every affiliated same-segment row is in its firm pair's year 0: years since year 0 do not vary".to_owned()
    })?;
    let bin = |e: i32| e.min(k);
    // Affiliated firm pairs present in the sample, ordered by name.
    let mut pair_rows: BTreeMap<(u32, u32), usize> = BTreeMap::new();
    for (n, &i) in rows.iter().enumerate() {
        if event[n].is_some() {
            let r = panel.pair_row[i as usize] as usize;
            *pair_rows.entry((p.domestic_firm[r], p.jv_firm[r])).or_default() += 1;
        }
    }
    let name = |f: u32| p.firm_names[f as usize].to_string();
    let mut pairs: Vec<((u32, u32), PairYearZero)> = pair_rows
        .iter()
        .map(|(&(f, g), &n)| {
            ((f, g), PairYearZero { domestic_firm: name(f), jv_firm: name(g), year0: y0[&(f, g)], rows: n })
        })
        .collect();
    pairs.sort_by(|a, b| (&a.1.domestic_firm, &a.1.jv_firm).cmp(&(&b.1.domestic_firm, &b.1.jv_firm)));

    let e_jv: Vec<f64> = rows.iter().map(|&i| panel.e_jv[i as usize]).collect();
    let mut x = vec![Column { name: "e_JV".into(), values: e_jv.clone() }];
    for b in 1..=k {
        let values = event.iter().zip(&e_jv).map(|(e, v)| if e.map(bin) == Some(b) { *v } else { 0.0 }).collect();
        x.push(Column { name: bin_term(b, k), values });
    }
    for ((f, g), py) in &pairs {
        let values = rows
            .iter()
            .zip(&e_jv)
            .map(|(&i, v)| {
                let r = panel.pair_row[i as usize] as usize;
                if p.same_group[r] && (p.domestic_firm[r], p.jv_firm[r]) == (*f, *g) { *v } else { 0.0 }
            })
            .collect();
        x.push(Column { name: format!("e_JV:firm_pair::{}_x_{}", py.domestic_firm, py.jv_firm), values });
    }
    let design = Design {
        y: Column { name: "e_D".into(), values: rows.iter().map(|&i| panel.e_d[i as usize]).collect() },
        x,
        weights: None,
        fe: Vec::new(),
        clusters: study_clusters(panel, &rows),
    };
    let fit = fit_ols_owned(design, &input.opts.fit).map_err(|e| format!("the event-study regression failed: {e}"))?;
    let inf = vcov(&fit, &VcovSpec::Cluster(vec![CLUSTER_FOLLOWER.into(), CLUSTER_LEADER.into()]), &input.opts.ssc)
        .map_err(|e| format!("the event-study inference failed: {e}"))?;
    let collinear = fit.core.diagnostics.collinear.clone();

    // Bins: reference first, then the estimated ones.
    let mut bins = Vec::new();
    for b in 0..=k {
        let label = if b == k { format!("≥{b}") } else { b.to_string() };
        let n = times.iter().filter(|&&e| bin(e) == b).count();
        let row = inf.coefs.iter().find(|c| c.name == bin_term(b, k));
        bins.push(match row {
            _ if b == 0 => EventBin {
                label,
                position: 0,
                rows: n,
                estimate: 0.0,
                se: f64::NAN,
                p: f64::NAN,
                ci: [0.0, 0.0],
                reference: true,
                dropped: false,
            },
            Some(c) => EventBin {
                label,
                position: b,
                rows: n,
                estimate: c.estimate,
                se: c.se,
                p: c.p,
                ci: [c.ci_low, c.ci_high],
                reference: false,
                dropped: false,
            },
            None => EventBin {
                label,
                position: b,
                rows: n,
                estimate: f64::NAN,
                se: f64::NAN,
                p: f64::NAN,
                ci: [f64::NAN, f64::NAN],
                reference: false,
                dropped: true,
            },
        });
    }
    // Slope of the effects (reference at 0) on positions 0..=K, over the estimated bins.
    let used: Vec<&EventBin> = bins.iter().filter(|b| !b.dropped).collect();
    let mean = used.iter().map(|b| f64::from(b.position)).sum::<f64>() / used.len() as f64;
    let ss: f64 = used.iter().map(|b| (f64::from(b.position) - mean).powi(2)).sum();
    let slope_lc = Lincom {
        label: format!("slope of the effects on years since year 0 (bins 0..≥{k})"),
        terms: used
            .iter()
            .filter(|b| !b.reference)
            .map(|b| ((f64::from(b.position) - mean) / ss, bin_term(b.position, k)))
            .collect(),
        null: 0.0,
    };
    let slope_r = lincom(&fit, &inf, &slope_lc).map_err(|e| format!("the slope of the effects: {e}"))?;
    let slope = Effect { estimate: slope_r.row.estimate, se: slope_r.row.se, p: slope_r.row.p };
    let last = &bins[k as usize];
    let last_minus_first = Effect { estimate: last.estimate, se: last.se, p: last.p };

    let verdict = if slope.p < 0.05 && slope.estimate > 0.0 {
        "grows with years since year 0"
    } else if slope.p < 0.05 {
        "shrinks with years since year 0"
    } else {
        "shows no significant trend in years since year 0 (5 % level)"
    };
    let lines = vec![
        format!(
            "The affiliated spillover {verdict}: slope {:.4} per year (SE {:.4}, p = {:.4}) of the bin effects on \
             years since year 0 (bins 0..≥{k}, year 0 = 0); bin ≥{k} minus year 0: {:.4} (SE {:.4}, p = {:.4}).",
            slope.estimate, slope.se, slope.p, last.estimate, last.se, last.p
        ),
        format!(
            "Year 0 of an affiliated firm pair = the first year an affiliated domestic–JV model pair of the two firms \
             appears in the pair panel (any segment), so years since year 0 are ≥ 0 by construction; the reference is \
             year 0. Top bin K = {k}: the largest k ≤ {MAX_TOP_BIN} with at least {:.0} % of the {} affiliated rows at \
             ≥ k years and rows in every year 1, …, k − 1.",
            TOP_BIN_MIN_SHARE * 100.0,
            times.len()
        ),
    ];
    let mut notes = vec![
        format!(
            "Same-segment pairs ({not_same_seg} rows of other pairs excluded); e_JV × one dummy per affiliated firm \
             pair ({}) absorbs pair-specific levels; the bins are e_JV × SameGroup × 1[years since year 0 in bin], \
             reference year 0.",
            pairs.len()
        ),
        "Fixed effects as the baseline (intercept only); CRV1 two-way clustered by follower firm × survey and leader \
         firm × survey."
            .to_owned(),
    ];
    if !collinear.is_empty() {
        notes.push(format!("Dropped as collinear: {}.", collinear.join(", ")));
    }
    let points: Vec<CasePoint> = bins
        .iter()
        .filter(|b| !b.dropped)
        .map(|b| CasePoint {
            label: b.label.clone(),
            position: f64::from(b.position),
            estimate: b.estimate,
            low: b.ci[0],
            high: b.ci[1],
            reference: b.reference,
        })
        .collect();
    let plot = CasePlot {
        name: "event_study".into(),
        title: "Affiliated spillover by years since the firm pair's year 0".into(),
        subtitle: "e_JV × SameGroup × bin, relative to year 0; 95 % CI, CRV1 two-way clustered".into(),
        x_label: "years since year 0 (first affiliated model pair of the firm pair)".into(),
        y_label: "effect relative to year 0".into(),
        ref_line: Some(0.0),
        points,
    };
    let json = EventStudy {
        sample: "same-segment pairs".into(),
        rows_excluded_not_same_segment: not_same_seg,
        nobs: fit.core.nobs,
        top_bin: k,
        top_bin_rule: format!(
            "largest k ≤ {MAX_TOP_BIN} with at least {TOP_BIN_MIN_SHARE} of the affiliated rows at ≥ k years and \
             rows in every year 1, …, k − 1"
        ),
        pairs: pairs.into_iter().map(|(_, p)| p).collect(),
        bins,
        slope,
        last_minus_first,
        collinear,
    };
    let model = CaseModel { title: "(1)".into(), fit: Arc::new(fit), inference: inf, lincoms: vec![slope_r] };
    Ok(CaseResult {
        group: SpecGroup::EventStudy,
        blocks: vec![
            CaseBlock::Models {
                title: "Event study: e_D on e_JV, affiliated-firm-pair dummies and years since year 0".into(),
                models: vec![model],
                notes,
            },
            CaseBlock::Plot(plot),
            CaseBlock::Lines(lines),
        ],
        json: serde_json::to_value(&json).map_err(|e| e.to_string())?,
        skipped: Vec::new(),
    })
}

/// The study's two cluster variables (follower firm × survey, leader firm ×
/// survey) on the panel rows `rows`.
pub(crate) fn study_clusters(panel: &StudyPanel, rows: &[u32]) -> Vec<Factor> {
    vec![
        Factor {
            name: CLUSTER_FOLLOWER.into(),
            codes: compact_keys(rows.iter().map(|&i| panel.follower_cluster(i as usize))),
        },
        Factor {
            name: CLUSTER_LEADER.into(),
            codes: compact_keys(rows.iter().map(|&i| panel.leader_cluster(i as usize))),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_bin_keeps_a_tenth_of_the_rows_in_the_last_bin() {
        // 10 rows: event times 0×4, 1×3, 2×2, 5×1 → share ≥ 3, ≥ 4, ≥ 5 is 0.1 each, but years 3 and 4
        // are empty: K = 3 (bins 0, 1, 2, ≥3).
        assert_eq!(top_bin(&[0, 0, 0, 0, 1, 1, 1, 2, 2, 5]), Some(3));
        assert_eq!(top_bin(&[0, 0, 0, 0, 1, 1, 1, 2, 3, 4]), Some(4));
        assert_eq!(top_bin(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]), Some(1));
        assert_eq!(top_bin(&[0, 0]), None);
        assert_eq!(top_bin(&(0..=12).collect::<Vec<_>>()), Some(MAX_TOP_BIN));
        assert_eq!(top_bin(&[12; 5]), Some(1));
        assert_eq!(bin_term(3, 3), "e_JV:SameGroup:years0::3+");
    }
}
