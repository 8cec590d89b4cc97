//! The study's pair panel (SPEC §3): every (domestic model i, JV model j)
//! pair observed in the same year t, with its channel attributes —
//! SameGroup, SameSeg, SameProv, WorkerFlow, SupplierOverlap, JV age,
//! FormedBefore2000 and log cumulative production — plus diagnostics
//! (counts, exclusions, affiliated − non-affiliated z-gaps) returned as values.
//!
//! Owns [`build_pairs`], [`PairOptions`] (with the [`FlowMode`], [`Overlap`]
//! and [`Standardisation`] option enums), [`PairPanel`] and
//! [`PairDiagnostics`]. Imports `io::{index, tables}`, `ids`, the layer's
//! [`ExposureError`] and the channel definitions (`crate::channels`); never `estimate` (the regressions are wired in `app`).
//!
//! Conventions:
//! - A model is *domestic* if its firm's kind is `domestic`, *JV* if `jv`
//!   (validation admits no other producer). It is *observed* in year t if it
//!   has at least one quality row in year t.
//! - Models and firms are referred to by `u32` indices into the sorted name
//!   tables [`PairPanel::model_names`] / [`PairPanel::firm_names`]; rows are
//!   ordered by (year, domestic model index, JV model index).
//! - z-scores use the mean and standard deviation of the raw channel over
//!   the rows where it is defined, with the sample sd (divisor n − 1) by
//!   default ([`Standardisation::Sample`]) or the population sd (divisor n).

use std::collections::{BTreeMap, BTreeSet};

use super::ExposureError;
use crate::channels::Firms;
use crate::channels::affiliation::{Affiliation, AffiliationMode};
use crate::channels::geography::same_province;
use crate::channels::supplier_overlap::{OverlapIndex, SupplierSets, overlap};
use crate::channels::worker_flow::{Window, WorkerFlow};
use spillnet_io::Indexed;
use spillnet_io::ids::{FirmId, ModelId};
use spillnet_io::tables::FirmKind;

/// Which worker moves count towards WorkerFlow_fg in year t.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlowMode {
    /// All moves from g to f, whatever their year (the study's definition).
    #[default]
    Pooled,
    /// Moves from g to f in years ≤ t − 1 only.
    Cumulative,
}

/// How the overlap of two supplier sets is measured: the supplier-overlap
/// channel's index ([`OverlapIndex`]); the study uses Szymkiewicz–Simpson.
pub type Overlap = OverlapIndex;

/// Which standard deviation z-scores divide by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Standardisation {
    /// Sample sd, divisor n − 1 (default).
    #[default]
    Sample,
    /// Population sd, divisor n (what the synthetic generator's truth.json uses).
    Population,
}

/// Options of [`build_pairs`].
#[derive(Debug, Clone, PartialEq)]
pub struct PairOptions {
    /// Pooled (default) or cumulative-to-t−1 worker flows.
    pub flow: FlowMode,
    /// Overlap measure for supplier sets (default Szymkiewicz–Simpson).
    pub overlap: Overlap,
    /// Pairs where either model has fewer suppliers than this get no overlap (default 5).
    pub min_suppliers: usize,
    /// Sample (default) or population sd for the z-scores.
    pub standardisation: Standardisation,
    /// Which JV links make a pair affiliated (SameGroup) in its year:
    /// `ever` (default, the study's) or only while `active`.
    pub affiliation: AffiliationMode,
}

impl Default for PairOptions {
    fn default() -> Self {
        Self {
            flow: FlowMode::Pooled,
            overlap: Overlap::SzymkiewiczSimpson,
            min_suppliers: 5,
            standardisation: Standardisation::Sample,
            affiliation: AffiliationMode::Ever,
        }
    }
}

/// Mean and standard deviation of a raw channel over the rows where it is defined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelStats {
    /// Number of rows with a value.
    pub n: usize,
    /// Mean of the raw values (`None` when n = 0).
    pub mean: Option<f64>,
    /// Standard deviation per [`Standardisation`] (`None` when undefined:
    /// n = 0, or n = 1 with the sample sd).
    pub sd: Option<f64>,
}

/// Why supplier overlap is missing, counted (SPEC §3: pairs where either
/// model has fewer than `min_suppliers` suppliers are excluded).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OverlapExclusions {
    /// The threshold used.
    pub min_suppliers: usize,
    /// Pair-year rows with no overlap value (sum of the three reasons below).
    pub rows: usize,
    /// Distinct (i, j) pairs with no overlap value.
    pub distinct_pairs: usize,
    /// Rows where only the domestic model has too few suppliers.
    pub rows_domestic_short: usize,
    /// Rows where only the JV model has too few suppliers.
    pub rows_jv_short: usize,
    /// Rows where both models have too few suppliers.
    pub rows_both_short: usize,
    /// Models appearing in some pair with fewer than `min_suppliers`
    /// suppliers, with their supplier count, sorted by id.
    pub short_models: Vec<(ModelId, usize)>,
}

/// Counts and summary statistics of a [`PairPanel`], returned as values.
#[derive(Debug, Clone, PartialEq)]
pub struct PairDiagnostics {
    /// The affiliation rule SameGroup was built with.
    pub affiliation: AffiliationMode,
    /// Pair-year rows.
    pub pair_years: usize,
    /// Distinct (domestic model, JV model) pairs.
    pub distinct_pairs: usize,
    /// Pair-year rows with SameGroup = 1.
    pub affiliated_pair_years: usize,
    /// Distinct pairs with SameGroup = 1.
    pub affiliated_distinct_pairs: usize,
    /// Pair-year rows with SameSeg = 1.
    pub same_segment_pair_years: usize,
    /// Distinct pairs with SameSeg = 1.
    pub same_segment_distinct_pairs: usize,
    /// Pair-year rows with SameProv = 1.
    pub same_province_pair_years: usize,
    /// Pair-year rows whose JV has no `jv_links` row (no JV age).
    pub rows_without_jv_age: usize,
    /// Domestic or JV models with no quality rows at all (never in a pair), sorted.
    pub models_without_quality: Vec<ModelId>,
    /// Missing supplier overlap, with reasons.
    pub overlap_missing: OverlapExclusions,
    /// Raw worker-flow statistics over all rows.
    pub worker_flow: ChannelStats,
    /// Raw supplier-overlap statistics over the rows with a value.
    pub supplier_overlap: ChannelStats,
    /// Mean worker-flow z-score of affiliated rows minus that of
    /// non-affiliated rows (the "gap in mean z-score" of the mediation
    /// share); `None` when a group is empty or the z-scores are undefined.
    pub worker_flow_gap_z: Option<f64>,
    /// The same gap for supplier overlap, over rows with a value.
    pub supplier_overlap_gap_z: Option<f64>,
}

/// The pair panel: struct of arrays, one entry per pair-year row in every
/// row column (length [`PairPanel::len`]), rows ordered by (year, i, j).
#[derive(Debug, Clone, PartialEq)]
pub struct PairPanel {
    /// Model ids of every domestic or JV model, sorted; model indices point here.
    pub model_names: Vec<ModelId>,
    /// Firm ids of every firm, sorted; firm indices point here.
    pub firm_names: Vec<FirmId>,
    /// Year t of the row.
    pub year: Vec<i32>,
    /// Domestic (follower) model i, index into `model_names`.
    pub domestic_model: Vec<u32>,
    /// JV (leader) model j, index into `model_names`.
    pub jv_model: Vec<u32>,
    /// Domestic firm f of model i, index into `firm_names`.
    pub domestic_firm: Vec<u32>,
    /// JV firm g of model j, index into `firm_names`.
    pub jv_firm: Vec<u32>,
    /// SameGroup: f's group is the group of some domestic parent of g.
    pub same_group: Vec<bool>,
    /// SameSeg: i and j are in the same segment.
    pub same_seg: Vec<bool>,
    /// SameProv: both firms' provinces are known and equal.
    pub same_prov: Vec<bool>,
    /// Raw worker flow: workers who moved from g to f (per [`FlowMode`]).
    pub worker_flow_raw: Vec<f64>,
    /// Worker flow z-scored over all rows; `None` (the whole column) when
    /// its sd is undefined or zero.
    pub worker_flow_z: Option<Vec<f64>>,
    /// Raw supplier overlap; `None` when either model has fewer than
    /// `min_suppliers` suppliers.
    pub supplier_overlap_raw: Vec<Option<f64>>,
    /// Supplier overlap z-scored over the rows with a value; the whole
    /// column is `None` when its sd is undefined or zero.
    pub supplier_overlap_z: Option<Vec<Option<f64>>>,
    /// JV age t − founded(g), founded = earliest founding year among g's
    /// `jv_links` rows; `None` when g has no link.
    pub jv_age: Vec<Option<i32>>,
    /// founded(g) < 2000; `None` when g has no link.
    pub formed_before_2000: Vec<Option<bool>>,
    /// ln(1 + Σ_{year < t} units of g); the column is `None` when the
    /// dataset has no production table (missing firm-years count as 0).
    pub log_cum_prod_jv: Option<Vec<f64>>,
    /// ln(1 + Σ_{year < t} units of f); `None` as for `log_cum_prod_jv`.
    pub log_cum_prod_domestic: Option<Vec<f64>>,
    /// Registered channels ([`crate::channels::registered`]): (name, weight of
    /// the JV firm on the domestic firm in the row's year), one entry per row.
    pub registered: Vec<(&'static str, Vec<f64>)>,
    /// The registered channels' weights z-scored across all rows (the
    /// standardisation option, as worker flow); `None` without variation.
    pub registered_z: Vec<(&'static str, Option<Vec<f64>>)>,
    /// Counts, exclusions and z-gaps.
    pub diagnostics: PairDiagnostics,
}

impl PairPanel {
    /// Number of pair-year rows.
    pub fn len(&self) -> usize {
        self.year.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.year.is_empty()
    }
}

/// Sum of `(year, value)` entries with year < t, from a year-sorted prefix table.
fn sum_before(prefix: &[(i32, f64)], t: i32) -> f64 {
    let k = prefix.partition_point(|&(y, _)| y < t);
    if k == 0 { 0.0 } else { prefix[k - 1].1 }
}

/// Turn per-year sums (sorted by year) into running totals in place.
fn to_prefix(v: &mut [(i32, f64)]) {
    let mut acc = 0.0;
    for e in v.iter_mut() {
        acc += e.1;
        e.1 = acc;
    }
}

/// Mean and sd of the values.
fn stats(values: impl Iterator<Item = f64> + Clone, how: Standardisation) -> ChannelStats {
    let (n, sum) = values.clone().fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
    if n == 0 {
        return ChannelStats { n, mean: None, sd: None };
    }
    let mean = sum / n as f64;
    let ss: f64 = values.map(|v| (v - mean) * (v - mean)).sum();
    let denom = match how {
        Standardisation::Sample => n as f64 - 1.0,
        Standardisation::Population => n as f64,
    };
    let sd = (denom > 0.0).then(|| (ss / denom).sqrt());
    ChannelStats { n, mean: Some(mean), sd }
}

/// z-scorer from stats, when the sd is defined and positive.
fn zscorer(s: &ChannelStats) -> Option<impl Fn(f64) -> f64 + use<>> {
    match (s.mean, s.sd) {
        (Some(m), Some(sd)) if sd > 0.0 => Some(move |v: f64| (v - m) / sd),
        _ => None,
    }
}

/// Mean over affiliated rows minus mean over non-affiliated rows.
fn gap(values: impl Iterator<Item = (bool, f64)>) -> Option<f64> {
    let (mut s1, mut n1, mut s0, mut n0) = (0.0, 0usize, 0.0, 0usize);
    for (aff, v) in values {
        if aff {
            s1 += v;
            n1 += 1;
        } else {
            s0 += v;
            n0 += 1;
        }
    }
    (n1 > 0 && n0 > 0).then(|| s1 / n1 as f64 - s0 / n0 as f64)
}

/// Build the same-year domestic-model × JV-model pair panel with its
/// channel attributes (SPEC §3).
///
/// # Arguments
/// - `ds`: a validated dataset with its index (references arrive resolved).
/// - `opts`: flow mode, overlap measure, supplier threshold, sd divisor.
///
/// # Returns
/// A [`PairPanel`] with rows ordered by (year, i, j) and its
/// [`PairDiagnostics`].
///
/// # Complexity
/// O(R·s + Q log Q + S log S) for R pair-year rows, s suppliers per model,
/// Q quality rows and S supplier rows; paper scale (~38k rows) builds in
/// milliseconds.
pub fn build_pairs(ds: &Indexed, opts: &PairOptions) -> Result<PairPanel, ExposureError> {
    let ix = ds.index();
    // --- firms (numbered by the dataset's index) ---
    let firms = Firms::new(ds);
    let firm_names: Vec<FirmId> = firms.names.iter().map(|&f| f.clone()).collect();
    let nf = firms.len();
    let firm_kind = &firms.kind;

    // --- models: every model (validated producers are domestic firms or JVs), by number ---
    let nm = ix.models.len();
    let model_names: Vec<ModelId> = ix.models.ids().to_vec();
    let model_firm: Vec<u32> = (0..nm as u32).map(|m| ix.firm_of_model(m)).collect();
    let model_seg: Vec<&str> = ix.model_row.iter().map(|&row| ds.models[row as usize].segment.as_str()).collect();

    // --- observed model-years ---
    let mut observed: Vec<(i32, u32)> = Vec::new();
    let mut has_quality = vec![false; nm];
    for (q, &m) in ds.quality.iter().zip(&ix.quality_model) {
        observed.push((q.year, m));
        has_quality[m as usize] = true;
    }
    observed.sort_unstable();
    observed.dedup();
    let models_without_quality: Vec<ModelId> =
        (0..nm).filter(|&k| !has_quality[k]).map(|k| model_names[k].clone()).collect();

    // --- JV links: groups of domestic parents, founding year ---
    let affiliation = Affiliation::with_mode(ds, &firms, opts.affiliation);
    let mut jv_founded: BTreeMap<u32, i32> = BTreeMap::new();
    for (l, r) in ds.jv_links.iter().zip(&ix.jv_links) {
        let e = jv_founded.entry(r.jv).or_insert(l.founded);
        *e = (*e).min(l.founded);
    }

    // --- worker flows g → f (the worker-flow channel) ---
    let worker_flow = WorkerFlow::new(ds);
    let window = match opts.flow {
        FlowMode::Pooled => Window::Pooled,
        FlowMode::Cumulative => Window::Cumulative { lag: 1 },
    };

    // --- supplier sets per model (the supplier-overlap channel's sets) ---
    let supplier_sets = SupplierSets::new(ds);
    let sets: Vec<Vec<u32>> = (0..nm as u32).map(|m| supplier_sets.of_model(m, model_firm[m as usize])).collect();

    // --- production: per-firm running totals ---
    let prod: Option<Vec<Vec<(i32, f64)>>> = match &ds.production {
        None => None,
        Some(rows) => {
            let mut by_firm: Vec<BTreeMap<i32, f64>> = vec![BTreeMap::new(); nf];
            for (p, &f) in rows.iter().zip(&ix.production_firm) {
                *by_firm[f as usize].entry(p.year).or_insert(0.0) += p.units;
            }
            Some(
                by_firm
                    .into_iter()
                    .map(|m| {
                        let mut v: Vec<(i32, f64)> = m.into_iter().collect();
                        to_prefix(&mut v);
                        v
                    })
                    .collect(),
            )
        }
    };

    // --- rows ---
    let mut year = Vec::new();
    let mut dom = Vec::new();
    let mut jv = Vec::new();
    let mut i_start = 0;
    while i_start < observed.len() {
        let t = observed[i_start].0;
        let end = i_start + observed[i_start..].partition_point(|&(y, _)| y == t);
        let in_year = &observed[i_start..end];
        let d_models =
            in_year.iter().filter(|&&(_, k)| firm_kind[model_firm[k as usize] as usize] == FirmKind::Domestic);
        for &(_, i) in d_models {
            for &(_, j) in in_year {
                if firm_kind[model_firm[j as usize] as usize] == FirmKind::Jv {
                    year.push(t);
                    dom.push(i);
                    jv.push(j);
                }
            }
        }
        i_start = end;
    }
    let n = year.len();
    let mut domestic_firm = Vec::with_capacity(n);
    let mut jv_firm = Vec::with_capacity(n);
    let mut same_group = Vec::with_capacity(n);
    let mut same_seg = Vec::with_capacity(n);
    let mut same_prov = Vec::with_capacity(n);
    let mut worker_flow_raw = Vec::with_capacity(n);
    let mut supplier_overlap_raw = Vec::with_capacity(n);
    let mut jv_age = Vec::with_capacity(n);
    let mut formed_before_2000 = Vec::with_capacity(n);
    let mut lp_jv = Vec::with_capacity(n);
    let mut lp_dom = Vec::with_capacity(n);
    let mut excl = OverlapExclusions { min_suppliers: opts.min_suppliers, ..Default::default() };
    let mut short_models: BTreeSet<u32> = BTreeSet::new();
    for r in 0..n {
        let (t, i, j) = (year[r], dom[r] as usize, jv[r] as usize);
        let (f, g) = (model_firm[i], model_firm[j]);
        domestic_firm.push(f);
        jv_firm.push(g);
        same_group.push(affiliation.affiliated_in(&firms, f, g, t));
        same_seg.push(model_seg[i] == model_seg[j]);
        same_prov.push(same_province(&firms, f, g));
        worker_flow_raw.push(worker_flow.weight(g, f, t, window));
        let (si, sj) = (&sets[i], &sets[j]);
        let (short_i, short_j) = (si.len() < opts.min_suppliers, sj.len() < opts.min_suppliers);
        if short_i || short_j || si.is_empty() || sj.is_empty() {
            supplier_overlap_raw.push(None);
            excl.rows += 1;
            match (short_i || si.is_empty(), short_j || sj.is_empty()) {
                (true, true) => excl.rows_both_short += 1,
                (true, false) => excl.rows_domestic_short += 1,
                _ => excl.rows_jv_short += 1,
            }
            if short_i || si.is_empty() {
                short_models.insert(i as u32);
            }
            if short_j || sj.is_empty() {
                short_models.insert(j as u32);
            }
        } else {
            supplier_overlap_raw.push(Some(overlap(si, sj, opts.overlap)));
        }
        let founded = jv_founded.get(&g).copied();
        jv_age.push(founded.map(|y| t - y));
        formed_before_2000.push(founded.map(|y| y < 2000));
        if let Some(p) = &prod {
            lp_jv.push(sum_before(&p[g as usize], t).ln_1p());
            lp_dom.push(sum_before(&p[f as usize], t).ln_1p());
        }
    }
    excl.short_models =
        short_models.into_iter().map(|k| (model_names[k as usize].clone(), sets[k as usize].len())).collect();

    // --- distinct-pair counts ---
    let mut distinct: Vec<(u32, u32, bool, bool, bool)> =
        (0..n).map(|r| (dom[r], jv[r], same_group[r], same_seg[r], supplier_overlap_raw[r].is_none())).collect();
    distinct.sort_unstable();
    distinct.dedup();
    excl.distinct_pairs = distinct.iter().filter(|p| p.4).count();

    // --- z-scores and gaps ---
    let wf_stats = stats(worker_flow_raw.iter().copied(), opts.standardisation);
    let worker_flow_z: Option<Vec<f64>> = zscorer(&wf_stats).map(|z| worker_flow_raw.iter().map(|&v| z(v)).collect());
    let so_stats = stats(supplier_overlap_raw.iter().flatten().copied(), opts.standardisation);
    let supplier_overlap_z: Option<Vec<Option<f64>>> =
        zscorer(&so_stats).map(|z| supplier_overlap_raw.iter().map(|v| v.map(&z)).collect());
    let worker_flow_gap_z = worker_flow_z.as_ref().and_then(|z| gap(same_group.iter().copied().zip(z.iter().copied())));
    let supplier_overlap_gap_z = supplier_overlap_z
        .as_ref()
        .and_then(|z| gap(same_group.iter().copied().zip(z.iter()).filter_map(|(a, v)| v.map(|v| (a, v)))));

    let diagnostics = PairDiagnostics {
        affiliation: opts.affiliation,
        pair_years: n,
        distinct_pairs: distinct.len(),
        affiliated_pair_years: same_group.iter().filter(|&&b| b).count(),
        affiliated_distinct_pairs: distinct.iter().filter(|p| p.2).count(),
        same_segment_pair_years: same_seg.iter().filter(|&&b| b).count(),
        same_segment_distinct_pairs: distinct.iter().filter(|p| p.3).count(),
        same_province_pair_years: same_prov.iter().filter(|&&b| b).count(),
        rows_without_jv_age: jv_age.iter().filter(|a| a.is_none()).count(),
        models_without_quality,
        overlap_missing: excl,
        worker_flow: wf_stats,
        supplier_overlap: so_stats,
        worker_flow_gap_z,
        supplier_overlap_gap_z,
    };
    let has_prod = prod.is_some();
    let mut registered: Vec<(&'static str, Vec<f64>)> = Vec::new();
    for def in crate::channels::registered_for(ds) {
        let channel = (def.build)(ds, &firms)?;
        registered.push((def.name, (0..n).map(|r| channel.weight(domestic_firm[r], jv_firm[r], year[r])).collect()));
    }
    let registered_z = registered
        .iter()
        .map(|(name, w)| {
            let z = zscorer(&stats(w.iter().copied(), opts.standardisation)).map(|z| w.iter().map(|&v| z(v)).collect());
            (*name, z)
        })
        .collect();
    Ok(PairPanel {
        model_names,
        firm_names,
        year,
        domestic_model: dom,
        jv_model: jv,
        domestic_firm,
        jv_firm,
        same_group,
        same_seg,
        same_prov,
        worker_flow_raw,
        worker_flow_z,
        supplier_overlap_raw,
        supplier_overlap_z,
        jv_age,
        formed_before_2000,
        log_cum_prod_jv: has_prod.then_some(lp_jv),
        log_cum_prod_domestic: has_prod.then_some(lp_dom),
        diagnostics,
        registered,
        registered_z,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_sample_and_population() {
        let v = [1.0, 2.0, 3.0, 6.0]; // mean 3, Σ dev² = 4+1+0+9 = 14
        let s = stats(v.iter().copied(), Standardisation::Sample);
        assert_eq!((s.n, s.mean), (4, Some(3.0)));
        assert!((s.sd.unwrap() - (14f64 / 3.0).sqrt()).abs() < 1e-15);
        let p = stats(v.iter().copied(), Standardisation::Population);
        assert!((p.sd.unwrap() - 3.5f64.sqrt()).abs() < 1e-15);
        assert_eq!(stats([5.0].into_iter(), Standardisation::Sample).sd, None);
        assert_eq!(stats([5.0].into_iter(), Standardisation::Population).sd, Some(0.0));
        assert!(zscorer(&stats([5.0, 5.0].into_iter(), Standardisation::Sample)).is_none());
        assert_eq!(stats(std::iter::empty(), Standardisation::Sample).mean, None);
    }

    #[test]
    fn running_totals_before_t() {
        let mut v = vec![(2003, 2.0), (2005, 3.0), (2006, 4.0)];
        to_prefix(&mut v);
        assert_eq!(v, [(2003, 2.0), (2005, 5.0), (2006, 9.0)]);
        assert_eq!(sum_before(&v, 2003), 0.0);
        assert_eq!(sum_before(&v, 2004), 2.0);
        assert_eq!(sum_before(&v, 2006), 5.0);
        assert_eq!(sum_before(&v, 2030), 9.0);
    }

    #[test]
    fn gap_needs_both_groups() {
        assert_eq!(gap([(true, 3.0), (true, 1.0), (false, 0.5)].into_iter()), Some(1.5));
        assert_eq!(gap([(true, 3.0)].into_iter()), None);
    }
}
