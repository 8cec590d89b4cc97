//! Entry/exit decomposition (Foster, Haltiwanger and Syverson 2008; SPEC
//! §7) of the change in the average quality of affiliated domestic models
//! (the study: incumbents 0.73, entrants 0.35, exits −0.08 of the change
//! 2001–2014), and of non-affiliated domestic models for comparison.
//!
//! # Definitions
//! - Quality of a model-year: defects per 100 vehicles, minus the sum of its
//!   scores over the dimensions of the defect survey (`--defects-survey`,
//!   `iqs` by default), model-years with every dimension of that survey only
//!   — the quantification's measure. Lower is better; a fall is an improvement.
//! - Classes: affiliated domestic models (firms with SameGroup = 1 with some
//!   JV of the pair panel, as the quantification) and the other domestic models.
//! - Period: t0 = the first and t1 = the last year with an affiliated
//!   domestic model-year (2001 and 2014 in the study), for both classes.
//! - Weights: **equal**, s_it = 1/N_t (the production table is per firm,
//!   not per model, so model shares are not available).
//! - **Chained**: the change from t0 to t1 is the sum of the changes
//!   between consecutive observed years, each decomposed as below, and the
//!   components are summed ([`chained`]). Models rarely live through the
//!   whole period (on the shipped data no affiliated model is observed in
//!   both 2001 and 2014), so an end-point decomposition would attribute
//!   everything to entry; chaining attributes a model's improvement while it
//!   is on the market to incumbents, its arrival to entrants and its
//!   departure to exits.
//! - For one step (s, t) with Q_t = Σ_i s_it q_it, C the models observed in
//!   s and t, N the entrants (t only) and X the exits (s only), writing 0
//!   for s and 1 for t:
//!   ΔQ = Σ_C s_i0 Δq_i (within) + Σ_C Δs_i (q_i0 − Q_0) (between)
//!      + Σ_C Δs_i Δq_i (cross) + Σ_N s_i1 (q_i1 − Q_0) (entrants)
//!      − Σ_X s_i0 (q_i0 − Q_0) (exits);
//!   incumbents = within + between + cross. The identity is exact because
//!   the weights sum to 1 in both years, so the chained components sum to
//!   Q_t1 − Q_t0. Each component is reported as a level and as a share of ΔQ.
//!
//! Skipped when the defect survey is absent or a class has no model in t0
//! or t1. Owns [`run`], [`Fhs`], [`fhs`], [`chained`], [`class_quality`]. Imports its
//! parent's case types and `io`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{CaseBlock, CaseCell, CaseInput, CaseOutcome, CaseResult, CaseTable};
use crate::specs::Skipped;
use crate::specs::SpecGroup;
use spillnet_io::Indexed;
use spillnet_io::tables::FirmKind;

/// The study's shares: incumbents, entrants, exits.
pub const STUDY_SHARES: [f64; 3] = [0.73, 0.35, -0.08];

/// One FHS decomposition between two years (levels in the quality unit).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fhs {
    /// Q_t0.
    pub start: f64,
    /// Q_t1.
    pub end: f64,
    /// ΔQ = Q_t1 − Q_t0.
    pub total: f64,
    /// Σ_C s_i0 Δq_i.
    pub within: f64,
    /// Σ_C Δs_i (q_i0 − Q_0).
    pub between: f64,
    /// Σ_C Δs_i Δq_i.
    pub cross: f64,
    /// within + between + cross.
    pub incumbents: f64,
    /// Σ_N s_i1 (q_i1 − Q_0).
    pub entrants: f64,
    /// −Σ_X s_i0 (q_i0 − Q_0).
    pub exits: f64,
    /// Models: continuing, entrants, exits (summed over the steps of a
    /// chained decomposition: model-year transitions).
    pub models: [usize; 3],
}

/// The decomposition of two cross-sections `q0`, `q1` (model → quality)
/// with equal weights; `None` when either is empty.
pub fn fhs<K: Ord>(q0: &BTreeMap<K, f64>, q1: &BTreeMap<K, f64>) -> Option<Fhs> {
    if q0.is_empty() || q1.is_empty() {
        return None;
    }
    let (s0, s1) = (1.0 / q0.len() as f64, 1.0 / q1.len() as f64);
    let big_q0 = q0.values().sum::<f64>() * s0;
    let big_q1 = q1.values().sum::<f64>() * s1;
    let mut f = Fhs {
        start: big_q0,
        end: big_q1,
        total: big_q1 - big_q0,
        within: 0.0,
        between: 0.0,
        cross: 0.0,
        incumbents: 0.0,
        entrants: 0.0,
        exits: 0.0,
        models: [0; 3],
    };
    for (k, &a) in q0 {
        match q1.get(k) {
            Some(&b) => {
                f.within += s0 * (b - a);
                f.between += (s1 - s0) * (a - big_q0);
                f.cross += (s1 - s0) * (b - a);
                f.models[0] += 1;
            }
            None => {
                f.exits -= s0 * (a - big_q0);
                f.models[2] += 1;
            }
        }
    }
    for (k, &b) in q1 {
        if !q0.contains_key(k) {
            f.entrants += s1 * (b - big_q0);
            f.models[1] += 1;
        }
    }
    f.incumbents = f.within + f.between + f.cross;
    Some(f)
}

/// The chained decomposition from `t0` to `t1`: [`fhs`] between each pair
/// of consecutive years of `by_year` in [t0, t1] (years without models are
/// skipped), components and model counts summed; `start`/`end` are Q_t0 and
/// Q_t1. `None` when t0 or t1 has no model.
pub fn chained<K: Ord>(by_year: &BTreeMap<i32, BTreeMap<K, f64>>, t0: i32, t1: i32) -> Option<Fhs> {
    let years: Vec<&BTreeMap<K, f64>> = by_year.range(t0..=t1).map(|(_, q)| q).filter(|q| !q.is_empty()).collect();
    if by_year.get(&t0).is_none_or(BTreeMap::is_empty) || by_year.get(&t1).is_none_or(BTreeMap::is_empty) {
        return None;
    }
    let mut total: Option<Fhs> = None;
    for w in years.windows(2) {
        let f = fhs(w[0], w[1])?;
        total = Some(match total {
            None => f,
            Some(mut a) => {
                a.end = f.end;
                a.total += f.total;
                a.within += f.within;
                a.between += f.between;
                a.cross += f.cross;
                a.incumbents += f.incumbents;
                a.entrants += f.entrants;
                a.exits += f.exits;
                for j in 0..3 {
                    a.models[j] += f.models[j];
                }
                a
            }
        });
    }
    total
}

/// Defects per 100 vehicles of every complete model-year of the defect
/// survey, by class: `[affiliated, non-affiliated]`, each (year → model → defects).
///
/// # Errors
/// The survey has no dimension in the quality table.
pub fn class_quality(
    ds: &Indexed,
    affiliated_firms: &BTreeSet<u32>,
    survey: &str,
) -> Result<[BTreeMap<i32, BTreeMap<u32, f64>>; 2], String> {
    let dims: BTreeSet<&str> =
        ds.quality.iter().filter(|q| q.survey.as_deref() == Some(survey)).map(|q| q.dimension.as_str()).collect();
    if dims.is_empty() {
        return Err(format!("the quality table has no dimension of the `{survey}` survey (--defects-survey)"));
    }
    let ix = ds.index();
    let mut my: BTreeMap<(u32, i32), (usize, f64)> = BTreeMap::new();
    for (q, &m) in ds.quality.iter().zip(&ix.quality_model) {
        if q.survey.as_deref() == Some(survey) && ds.firm(ix.firm_of_model(m)).kind == FirmKind::Domestic {
            let e = my.entry((m, q.year)).or_insert((0, 0.0));
            e.0 += 1;
            e.1 += q.score;
        }
    }
    let mut out: [BTreeMap<i32, BTreeMap<u32, f64>>; 2] = [BTreeMap::new(), BTreeMap::new()];
    for ((m, t), (n, s)) in my {
        if n == dims.len() {
            let class = usize::from(!affiliated_firms.contains(&ix.firm_of_model(m)));
            out[class].entry(t).or_default().insert(m, -s);
        }
    }
    Ok(out)
}

/// The group's typed results (`evidence.decomposition`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecompositionJson {
    /// Quality measure.
    pub measure: String,
    /// Weights.
    pub weights: String,
    /// t0, t1.
    pub years: [i32; 2],
    /// Affiliated domestic models.
    pub affiliated: Fhs,
    /// Non-affiliated domestic models (if both years have some).
    pub non_affiliated: Option<Fhs>,
}

/// Run the decomposition group (see the module docs).
pub fn run(input: &CaseInput<'_>, progress: &(dyn Fn(u64) + Sync)) -> CaseOutcome {
    let pairs = &input.panel.pairs;
    let survey = &input.opts.defects_survey;
    // The pair panel numbers firms as the dataset's index does.
    let affiliated: BTreeSet<u32> =
        (0..pairs.len()).filter(|&r| pairs.same_group[r]).map(|r| pairs.domestic_firm[r]).collect();
    let [aff, non] = class_quality(input.ds, &affiliated, survey)?;
    let (Some(&t0), Some(&t1)) = (aff.keys().next(), aff.keys().next_back()) else {
        return Err(format!("no affiliated domestic model-year with every dimension of the `{survey}` survey"));
    };
    if t0 == t1 {
        return Err(format!("affiliated domestic models are observed in one year only ({t0})"));
    }
    let a = chained(&aff, t0, t1).expect("t0 and t1 have models");
    let n = chained(&non, t0, t1);
    progress(1);
    let mut skipped = Vec::new();
    if n.is_none() {
        skipped.push(Skipped {
            id: "decomposition.non_affiliated".into(),
            group: Some(SpecGroup::Decomposition),
            title: String::new(),
            label: "decomposition for non-affiliated domestic models".into(),
            reason: format!("no non-affiliated domestic model with complete `{survey}` scores in {t0} or {t1}"),
        });
    }
    let measure = format!("defects per 100 vehicles (minus the sum of the `{survey}` scores)");
    let level_share = |f: Option<&Fhs>, v: fn(&Fhs) -> f64| -> [CaseCell; 2] {
        match f {
            Some(f) => [CaseCell::number(v(f)), CaseCell::number(v(f) / f.total)],
            None => [CaseCell::Missing, CaseCell::Missing],
        }
    };
    let comp: [(&str, fn(&Fhs) -> f64, Option<f64>); 8] = [
        ("start (t0)", |f| f.start, None),
        ("end (t1)", |f| f.end, None),
        ("total change", |f| f.total, Some(1.0)),
        ("incumbents", |f| f.incumbents, Some(STUDY_SHARES[0])),
        ("  within", |f| f.within, None),
        ("  between", |f| f.between, None),
        ("  cross", |f| f.cross, None),
        ("entrants", |f| f.entrants, Some(STUDY_SHARES[1])),
    ];
    let mut rows: Vec<Vec<CaseCell>> = comp
        .iter()
        .chain(std::iter::once(&("exits", (|f: &Fhs| f.exits) as fn(&Fhs) -> f64, Some(STUDY_SHARES[2]))))
        .map(|(label, v, study)| {
            let mut r = vec![CaseCell::text(*label)];
            r.extend(level_share(Some(&a), *v));
            r.extend(level_share(n.as_ref(), *v));
            r.push(study.map_or(CaseCell::Missing, CaseCell::number));
            if label.starts_with("start") || label.starts_with("end") {
                r[2] = CaseCell::Missing;
                r[4] = CaseCell::Missing;
            }
            r
        })
        .collect();
    let count = |f: Option<&Fhs>, j: usize| f.map_or(CaseCell::Missing, |f| CaseCell::count(f.models[j]));
    for (j, label) in ["model-years: continuing", "models: entering", "models: exiting"].into_iter().enumerate() {
        rows.push(vec![
            CaseCell::text(label),
            count(Some(&a), j),
            CaseCell::Missing,
            count(n.as_ref(), j),
            CaseCell::Missing,
            CaseCell::Missing,
        ]);
    }
    let header = [
        "",
        "affiliated: level",
        "affiliated: share",
        "non-affiliated: level",
        "non-affiliated: share",
        "the study's share",
    ];
    let table = CaseTable {
        title: format!(
            "Foster–Haltiwanger–Syverson decomposition (chained yearly) of the change in {measure}, {t0}–{t1}"
        ),
        header: header.iter().map(|s| (*s).to_owned()).collect(),
        rows,
        notes: vec![
            "Chained: each year-to-year change decomposed, components summed over the years. Equal weights \
             (1 / models in the year; production is recorded per firm, not per model). ΔQ = within \
             Σ_C s0·Δq + between Σ_C Δs·(q0 − Q0) + cross Σ_C Δs·Δq + entrants Σ_N s1·(q1 − Q0) − exits \
             Σ_X s0·(q0 − Q0); incumbents = within + between + cross; shares are of ΔQ (a fall in defects is an \
             improvement)."
                .into(),
            "Affiliated domestic models: firms with SameGroup = 1 with some JV of the pair panel; complete model-years \
             of the defect survey only."
                .into(),
        ],
    };
    let lines = vec![format!(
        "Affiliated domestic models, {t0}–{t1}: change {:.2} defects per 100 vehicles; shares: incumbents {:.2}, \
         entrants {:.2}, exits {:.2} (the study: 0.73, 0.35, −0.08).",
        a.total,
        a.incumbents / a.total,
        a.entrants / a.total,
        a.exits / a.total
    )];
    let json =
        DecompositionJson { measure, weights: "equal".into(), years: [t0, t1], affiliated: a, non_affiliated: n };
    Ok(CaseResult {
        group: SpecGroup::Decomposition,
        blocks: vec![CaseBlock::Table(table), CaseBlock::Lines(lines)],
        json: serde_json::to_value(&json).unwrap_or_default(),
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposition_by_hand() {
        // t0: a = 10, b = 20, c = 30 (Q0 = 20); t1: a = 8, b = 14, d = 2, e = 6 (Q1 = 7.5).
        // C = {a, b}: s0 = 1/3, s1 = 1/4, Δs = −1/12.
        // within = (−2 − 6)/3 = −8/3; between = −1/12·(−10 + 0) = 10/12;
        // cross = −1/12·(−2 − 6) = 8/12; entrants = 1/4·(2 − 20 + 6 − 20) = −8;
        // exits = −1/3·(30 − 20) = −10/3. Sum = −8/3 + 18/12 − 8 − 10/3 = −12.5 = 7.5 − 20.
        let q0: BTreeMap<&str, f64> = [("a", 10.0), ("b", 20.0), ("c", 30.0)].into();
        let q1: BTreeMap<&str, f64> = [("a", 8.0), ("b", 14.0), ("d", 2.0), ("e", 6.0)].into();
        let f = fhs(&q0, &q1).unwrap();
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        close(f.total, -12.5);
        close(f.within, -8.0 / 3.0);
        close(f.between, 10.0 / 12.0);
        close(f.cross, 8.0 / 12.0);
        close(f.entrants, -8.0);
        close(f.exits, -10.0 / 3.0);
        close(f.incumbents + f.entrants + f.exits, f.total);
        assert_eq!(f.models, [2, 2, 1]);
        // Chained over t0 → t_mid → t1 with t_mid = t1 above and t1' = {a: 4, d: 2}:
        // step 2 (Q = 7.5 → 3): C = {a, d}, s0 = 1/4, s1 = 1/2, Δs = 1/4;
        // within = (−4 + 0)/4 = −1; between = 1/4·((8 − 7.5) + (2 − 7.5)) = −1.25;
        // cross = 1/4·(−4 + 0) = −1; entrants 0; exits = −1/4·((14 − 7.5) + (6 − 7.5)) = −1.25.
        let q2: BTreeMap<&str, f64> = [("a", 4.0), ("d", 2.0)].into();
        let by_year: BTreeMap<i32, BTreeMap<&str, f64>> = [(1, q0.clone()), (2, q1.clone()), (3, q2)].into();
        let c = chained(&by_year, 1, 3).unwrap();
        close(c.total, 3.0 - 20.0);
        close(c.within, -8.0 / 3.0 - 1.0);
        close(c.between, 10.0 / 12.0 - 1.25);
        close(c.cross, 8.0 / 12.0 - 1.0);
        close(c.entrants, -8.0);
        close(c.exits, -10.0 / 3.0 - 1.25);
        close(c.incumbents + c.entrants + c.exits, c.total);
        assert_eq!(c.models, [4, 2, 3]);
        assert!(chained(&by_year, 0, 3).is_none());
        assert!(fhs(&BTreeMap::<u8, f64>::new(), &q1.iter().map(|_| (0u8, 1.0)).collect()).is_none());
    }
}
