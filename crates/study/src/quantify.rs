//! Quantification of the spillover in defects per 100 vehicles (SPEC §4).
//! With follower quality $q_k = \delta_k + \rho(Q_k - \delta_k)$, the
//! estimated spillover is ρ, so affiliated domestic models starting at
//! defect level $D_0$ gain $|\bar D^{JV} - D_0|\cdot\rho$ fewer defects, a
//! share of their total improvement $D_0 - D_1$ over the sample (the study:
//! |179 − 498| × 0.098 ≈ 31 fewer defects, 31 / 375 ≈ 8.3 %).
//!
//! Every number is computed from the data: a model-year's defects per 100
//! vehicles are minus the sum of its scores over the dimensions of the
//! defect survey (`iqs` by default; scores are "higher = better"). Only
//! model-years with every dimension of that survey are used.
//!
//! Affiliated domestic models are the models of domestic firms that are
//! affiliated (SameGroup = 1) with some JV on the market in some year of
//! the pair panel — a group whose JVs never sell a model is not affiliated.
//!
//! Owns [`Quantification`] and [`quantify`]. Imports `io::tables` and
//! `exposure::pairs`.

use std::collections::{BTreeMap, BTreeSet};

use spillnet_io::Indexed;
use spillnet_io::tables::FirmKind;
use spillnet_network::exposure::pairs::PairPanel;

/// The spillover in defects per 100 vehicles.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Quantification {
    /// Survey whose dimensions count defects.
    pub survey: String,
    /// Its dimensions.
    pub dimensions: usize,
    /// Mean defects of JV model-years over the whole sample.
    pub jv_mean_defects: f64,
    /// First year with affiliated domestic models.
    pub start_year: i32,
    /// Mean defects of affiliated domestic models in `start_year`.
    pub affiliated_start_defects: f64,
    /// Last year with affiliated domestic models.
    pub end_year: i32,
    /// Mean defects of affiliated domestic models in `end_year`.
    pub affiliated_end_defects: f64,
    /// start − end.
    pub improvement: f64,
    /// The headline spillover ρ used.
    pub rho: f64,
    /// |JV mean − affiliated start| × ρ: fewer defects per model due to the spillover.
    pub spillover_defects: f64,
    /// spillover_defects / improvement.
    pub share_of_improvement: f64,
    /// Model-years used (JV, affiliated domestic).
    pub model_years: [usize; 2],
}

/// Compute the quantification; `Err(reason)` when the survey has no
/// dimension in the quality table, or there are no complete JV or affiliated
/// domestic model-years.
pub fn quantify(ds: &Indexed, pairs: &PairPanel, survey: &str, rho: f64) -> Result<Quantification, String> {
    let dims: BTreeSet<&str> =
        ds.quality.iter().filter(|q| q.survey.as_deref() == Some(survey)).map(|q| q.dimension.as_str()).collect();
    if dims.is_empty() {
        return Err(format!("the quality table has no dimension of the `{survey}` survey (--defects-survey)"));
    }
    let ix = ds.index();
    // The pair panel numbers firms as the dataset's index does.
    let affiliated_firms: BTreeSet<u32> =
        (0..pairs.len()).filter(|&r| pairs.same_group[r]).map(|r| pairs.domestic_firm[r]).collect();
    // Class of each model number: Some(true) JV, Some(false) affiliated domestic, None otherwise.
    let class: Vec<Option<bool>> = ix
        .model_row
        .iter()
        .map(|&row| {
            let f = ix.model_firm[row as usize];
            match ds.firm(f).kind {
                FirmKind::Jv => Some(true),
                FirmKind::Domestic if affiliated_firms.contains(&f) => Some(false),
                _ => None,
            }
        })
        .collect();
    // (model, year) → (dims seen, sum of scores), in (model id, year) order.
    let mut my: BTreeMap<(u32, i32), (usize, f64)> = BTreeMap::new();
    for (q, &m) in ds.quality.iter().zip(&ix.quality_model) {
        if q.survey.as_deref() == Some(survey) && class[m as usize].is_some() {
            let e = my.entry((m, q.year)).or_insert((0, 0.0));
            e.0 += 1;
            e.1 += q.score;
        }
    }
    let (mut jv_sum, mut jv_n) = (0.0, 0usize);
    let mut aff: BTreeMap<i32, (f64, usize)> = BTreeMap::new();
    for ((m, t), (n, s)) in my {
        if n != dims.len() {
            continue;
        }
        let defects = -s;
        if class[m as usize] == Some(true) {
            jv_sum += defects;
            jv_n += 1;
        } else {
            let e = aff.entry(t).or_insert((0.0, 0));
            e.0 += defects;
            e.1 += 1;
        }
    }
    let complete = format!("with every dimension of the `{survey}` survey");
    let (Some((&start_year, start)), Some((&end_year, end))) = (aff.first_key_value(), aff.last_key_value()) else {
        return Err(format!("no affiliated domestic model-year {complete}"));
    };
    if jv_n == 0 {
        return Err(format!("no JV model-year {complete}"));
    }
    let jv_mean = jv_sum / jv_n as f64;
    let d0 = start.0 / start.1 as f64;
    let d1 = end.0 / end.1 as f64;
    let spill = (jv_mean - d0).abs() * rho;
    let improvement = d0 - d1;
    Ok(Quantification {
        survey: survey.to_owned(),
        dimensions: dims.len(),
        jv_mean_defects: jv_mean,
        start_year,
        affiliated_start_defects: d0,
        end_year,
        affiliated_end_defects: d1,
        improvement,
        rho,
        spillover_defects: spill,
        share_of_improvement: spill / improvement,
        model_years: [jv_n, aff.values().map(|v| v.1).sum()],
    })
}
