//! Brand association (SPEC §7, the study's Table E.12): does the affiliated
//! spillover vary with how strongly consumers associate the domestic brand
//! with the JV's foreign partner?
//!
//! - The association of a pair (domestic model i of firm f, JV model j of JV
//!   g) is the `brand_association` share of (f, F) for the JV's foreign
//!   parents F (from `jv_links`), falling back to f's group head (the firm
//!   whose id is f's group id) when f has no row, averaged over the foreign
//!   parents that have one; undefined when none has (the pair is left out
//!   and counted).
//! - Sample: the same-segment pairs with the association defined (all
//!   dimensions), as the study's same-segment specification.
//! - Column (1): e_JV, e_JV×SameGroup, e_JV×SameGroup×BrandAssociation_z,
//!   where BrandAssociation_z is the association z-scored (population sd)
//!   over the sample's pair-years (each pair-year once).
//! - Column (2): e_JV and e_JV×SameGroup×{High, Medium, Low}, the terciles
//!   of the association over the sample's affiliated pair-years (Low: at
//!   most the value at rank ⌈n/3⌉ of the sorted values, Medium: at most the
//!   value at rank ⌈2n/3⌉, High: above).
//!
//! Inference is the study's: CRV1 two-way by follower firm × survey and
//! leader firm × survey. Imports `estimate` (OLS, vcov) and the study panel.

use std::collections::BTreeMap;

use super::super::super::panel::{CLUSTER_FOLLOWER, CLUSTER_LEADER, StudyPanel, compact_keys};
use spillnet_estimate::design::{Column, Factor};
use spillnet_estimate::{Design, FitOptions, Inference, OlsFit, Ssc, VcovSpec, fit_ols_owned, vcov};
use spillnet_io::Indexed;
use spillnet_io::ids::FirmId;

/// Brand association per pair-year row of the pair panel (`None`: undefined).
pub fn pair_association(ds: &Indexed, panel: &StudyPanel) -> Vec<Option<f64>> {
    let t = ds.tables();
    let share: BTreeMap<(&str, &str), f64> =
        t.brand_association.iter().map(|r| ((r.domestic_firm.as_str(), r.foreign_parent.as_str()), r.share)).collect();
    let head: BTreeMap<&str, &str> = t.firms.iter().map(|f| (f.firm_id.as_str(), f.group_id.0.as_str())).collect();
    let mut foreign: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for l in &t.jv_links {
        let v = foreign.entry(l.jv_id.as_str()).or_default();
        if !v.contains(&l.foreign_parent.as_str()) {
            v.push(l.foreign_parent.as_str());
        }
    }
    let p = &panel.pairs;
    let value = |d: &FirmId, g: &FirmId| -> Option<f64> {
        let parents = foreign.get(g.as_str())?;
        let vals: Vec<f64> = parents
            .iter()
            .filter_map(|f| {
                share
                    .get(&(d.as_str(), *f))
                    .or_else(|| head.get(d.as_str()).and_then(|h| share.get(&(*h, *f))))
                    .copied()
            })
            .collect();
        (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
    };
    (0..p.len())
        .map(|r| value(&p.firm_names[p.domestic_firm[r] as usize], &p.firm_names[p.jv_firm[r] as usize]))
        .collect()
}

/// One fitted brand column.
#[derive(Debug, Clone)]
pub struct BrandFit {
    /// The OLS fit.
    pub fit: OlsFit,
    /// Two-way clustered inference.
    pub inference: Inference,
}

/// The two brand columns and their samples.
#[derive(Debug, Clone)]
pub struct BrandResult {
    /// Column (1): the standardised association.
    pub slope: BrandFit,
    /// Column (2): by tercile (`None` when there are fewer than 3 affiliated pair-years).
    pub terciles: Option<BrandFit>,
    /// Pair-years in the sample.
    pub pair_years: usize,
    /// Affiliated pair-years in the sample.
    pub affiliated_pair_years: usize,
    /// Same-segment pair-years left out because the association is undefined.
    pub excluded_no_association: usize,
    /// Mean and sd of the association over the sample's pair-years.
    pub mean_sd: (f64, f64),
    /// Tercile cut points (Low ≤ c1 < Medium ≤ c2 < High).
    pub cuts: Option<(f64, f64)>,
}

/// Estimate the brand columns; `Err` without a usable association.
///
/// # Errors
/// No association defined on any same-segment pair, or an engine error.
pub fn fit_brand(ds: &Indexed, panel: &StudyPanel, fit: &FitOptions, ssc: &Ssc) -> Result<BrandResult, String> {
    if ds.tables().brand_association.is_empty() {
        return Err("no brand_association table (or it is empty)".into());
    }
    let p = &panel.pairs;
    let assoc = pair_association(ds, panel);
    let in_sample: Vec<bool> = (0..p.len()).map(|r| p.same_seg[r] && assoc[r].is_some()).collect();
    let values: Vec<f64> = (0..p.len()).filter(|&r| in_sample[r]).filter_map(|r| assoc[r]).collect();
    let excluded_no_association = (0..p.len()).filter(|&r| p.same_seg[r] && assoc[r].is_none()).count();
    if values.is_empty() {
        return Err("the brand association is undefined on every same-segment pair (no matching firm pair)".into());
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
    let z = |r: usize| assoc[r].map_or(f64::NAN, |a| if sd > 0.0 { (a - mean) / sd } else { 0.0 });
    let mut aff: Vec<f64> =
        (0..p.len()).filter(|&r| in_sample[r] && p.same_group[r]).filter_map(|r| assoc[r]).collect();
    aff.sort_by(f64::total_cmp);
    let cuts = (aff.len() >= 3).then(|| {
        let k = aff.len();
        (aff[k.div_ceil(3) - 1], aff[(2 * k).div_ceil(3) - 1])
    });
    let rows: Vec<usize> = (0..panel.len()).filter(|&i| in_sample[panel.pair_row[i] as usize]).collect();
    let col = |name: &str, f: &dyn Fn(usize, usize) -> f64| Column {
        name: name.into(),
        values: rows.iter().map(|&i| f(i, panel.pair_row[i] as usize)).collect(),
    };
    let sg = |r: usize| if p.same_group[r] { 1.0 } else { 0.0 };
    let design = |x: Vec<Column>| Design {
        y: Column { name: "e_D".into(), values: rows.iter().map(|&i| panel.e_d[i]).collect() },
        x,
        weights: None,
        fe: Vec::new(),
        clusters: vec![
            Factor {
                name: CLUSTER_FOLLOWER.into(),
                codes: compact_keys(rows.iter().map(|&i| panel.follower_cluster(i))),
            },
            Factor { name: CLUSTER_LEADER.into(), codes: compact_keys(rows.iter().map(|&i| panel.leader_cluster(i))) },
        ],
    };
    let run = |d: Design| -> Result<BrandFit, String> {
        let fit = fit_ols_owned(d, fit).map_err(|e| e.to_string())?;
        let inference = vcov(&fit, &VcovSpec::Cluster(vec![CLUSTER_FOLLOWER.into(), CLUSTER_LEADER.into()]), ssc)
            .map_err(|e| e.to_string())?;
        Ok(BrandFit { fit, inference })
    };
    let slope = run(design(vec![
        col("e_JV", &|i, _| panel.e_jv[i]),
        col("e_JV:SameGroup", &|i, r| panel.e_jv[i] * sg(r)),
        col("e_JV:SameGroup:BrandAssociation", &|i, r| panel.e_jv[i] * sg(r) * z(r)),
    ]))?;
    let terciles = match cuts {
        Some((c1, c2)) => {
            let band = |r: usize, which: u8| {
                let a = assoc[r].unwrap_or(f64::NAN);
                let b = if a <= c1 {
                    0
                } else if a <= c2 {
                    1
                } else {
                    2
                };
                if b == which { sg(r) } else { 0.0 }
            };
            Some(run(design(vec![
                col("e_JV", &|i, _| panel.e_jv[i]),
                col("e_JV:SameGroup:BrandHigh", &|i, r| panel.e_jv[i] * band(r, 2)),
                col("e_JV:SameGroup:BrandMedium", &|i, r| panel.e_jv[i] * band(r, 1)),
                col("e_JV:SameGroup:BrandLow", &|i, r| panel.e_jv[i] * band(r, 0)),
            ]))?)
        }
        None => None,
    };
    Ok(BrandResult {
        slope,
        terciles,
        pair_years: values.len(),
        affiliated_pair_years: aff.len(),
        excluded_no_association,
        mean_sd: (mean, sd),
        cuts,
    })
}
