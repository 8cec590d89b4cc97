//! The supplementary evidence tables (SPEC §7), generated on request
//! (`spillnet synth --evidence`) on top of a generated dataset: model
//! attributes, split-sample score halves, household customer choices, a
//! brand-association survey and patent flows, with their planted values in
//! [`EvidenceTruth`] (`truth.json` → `evidence`). Every draw comes from its
//! own ChaCha8 stream, so the core tables are the same with or without
//! evidence. Imports `io::tables`, `ids` and its siblings `calibrate`,
//! `draws` (streams), `truth`.
//!
//! Data-generating process:
//! - **Model attributes.** ln price = ln P_seg + 0.25·JV + 0.15·ε,
//!   ln size = ln S_seg + 0.05·ε, ln power = ln W_seg + 0.2·JV + 0.1·ε
//!   (segment bases in [`SEGMENT_ATTRIBUTES`]; ε iid N(0, 1), rounded).
//! - **Split-sample halves.** score_half_k = score + σ_h·u_k, u_1, u_2 iid
//!   N(0, 1) independent of everything: each half measures the score with
//!   classical error of variance σ_h², so half 2 is a valid instrument for
//!   half 1. A regression on score_half1 by OLS is attenuated by the
//!   reliability V / (V + σ_h²) (V: variance of the score within
//!   dimensions); instrumented by score_half2 it recovers the coefficient on
//!   the score itself.
//! - **Customer choices.** For every same-year domestic–JV model pair in
//!   the survey years [`CHOICE_FIRST_YEAR`]–2014 (both models on the
//!   market): count ~ Poisson(μ), ln μ = a + γ·SameGroup + δ·SameSeg +
//!   φ·SameGroup×SameSeg + π_p·|Δ ln price| + π_s·|Δ ln size| +
//!   π_w·|Δ ln power|. SameGroup: the domestic firm's group is the group of a
//!   domestic parent of the JV (as in the study's pairs). γ and φ are 0 by
//!   default and can be planted (`SynthParams::demand_same_group`,
//!   `demand_same_group_seg`; `spillnet synth --demand-same-group G
//!   --demand-same-group-seg F`). Pairs with count 0
//!   have no row (model_a = the domestic model, model_b = the JV model).
//! - **Brand association.** Every domestic parent × foreign parent of
//!   `jv_links` (true pair: they share a JV) is asked of R = 200
//!   respondents: share = Binomial(R, p) / R with logit p ~ N(μ_true, s²)
//!   for true pairs and N(μ_other, s²) otherwise. By default the quality DGP
//!   never uses the association, so the spillover does not vary with it: the
//!   planted slope of e_JV × SameGroup × BrandAssociation (standardised) is 0.
//!   With `SynthParams::brand_slope` = B ≠ 0 (`spillnet synth --evidence
//!   --brand-slope B`) the raw weight of every affiliated same-segment pair
//!   gets a term c_B·z_ij, z_ij the pair's association ([`PairAssociation`])
//!   z-scored over the same-segment pair-years where it is defined
//!   ([`standardise`]), and c_B is solved with the other raw weights so that
//!   the probability limit of the alternatives group's brand column (same-
//!   segment pairs; e_JV, e_JV×SameGroup, e_JV×SameGroup×BrandAssociation_z)
//!   is exactly B (`truth.json` → `evidence.brand_association`).
//! - **Patents.** For each JV-year while the JV is active (2001–2014), the
//!   foreign parent transfers Poisson(λ_t) patents to the JV and the JV
//!   licenses Poisson(λ_l) patents to each domestic parent; zero counts
//!   have no row. Descriptive only, as in the study.

use std::collections::{BTreeMap, BTreeSet};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::SynthParams;
use super::calibrate as cal;
use super::draws::{Stream, normal, rng};
use super::truth::{BrandTruth, DemandTruth, EvidenceTruth, Param, PatentTruth, SplitTruth};
use spillnet_io::ids::FirmId;
use spillnet_io::tables::{BrandAssociation, CustomerChoice, Dataset, Firm, FirmKind, JvLink, PatentFlow, PatentKind};

/// Price (10,000 yuan), size (m², length × width) and power (kW) of a typical
/// domestic model of each segment, in the order of [`cal::SEGMENTS`].
pub const SEGMENT_ATTRIBUTES: [[f64; 3]; 8] = [
    [4.5, 6.0, 50.0],
    [7.0, 7.0, 70.0],
    [11.0, 7.9, 90.0],
    [18.0, 8.6, 120.0],
    [30.0, 9.4, 160.0],
    [13.0, 8.2, 105.0],
    [28.0, 9.6, 170.0],
    [16.0, 9.0, 115.0],
];

/// First survey year of the household customer-choice survey (the study: 2009–2015).
pub const CHOICE_FIRST_YEAR: i32 = 2009;
/// Sd σ_h of the measurement error of each score half.
pub const HALF_NOISE_SD: f64 = 2.0;
/// Respondents of the brand-association survey.
pub const BRAND_RESPONDENTS: u32 = 200;

/// Planted coefficients of the customer-choice Poisson model: (name, value, meaning).
pub const DEMAND_COEFFICIENTS: [(&str, f64, &str); 7] = [
    ("a", 0.4, "intercept: ln of the mean count of a non-affiliated pair in different segments at equal attributes"),
    ("SameGroup", 0.0, "γ: affiliated pairs share no more customers (the study: −0.155, insignificant)"),
    ("SameSeg", 1.2, "δ: pairs in the same segment are listed together e^1.2 ≈ 3.3 times as often"),
    ("SameGroup×SameSeg", 0.0, "φ: no extra overlap for affiliated same-segment pairs (the study: 0.055)"),
    ("abs_dlog_price", -1.0, "π_p: per unit of |ln price_domestic − ln price_JV|"),
    ("abs_dlog_size", -0.5, "π_s: per unit of |Δ ln size|"),
    ("abs_dlog_power", -0.5, "π_w: per unit of |Δ ln power|"),
];

/// logit p of true brand pairs (mean, sd): median share ≈ 0.31.
pub const BRAND_LOGIT_TRUE: (f64, f64) = (-0.8, 0.8);
/// logit p of other brand pairs (mean, sd): median share ≈ 0.03.
pub const BRAND_LOGIT_OTHER: (f64, f64) = (-3.5, 0.5);
/// Mean patents transferred by a foreign parent to a JV per year.
pub const PATENT_TRANSFER_RATE: f64 = 1.5;
/// Mean patents licensed by a JV to a domestic parent per year.
pub const PATENT_LICENCE_RATE: f64 = 0.1;

/// A Poisson draw (Knuth's product of uniforms; μ is small here).
fn poisson(rng: &mut ChaCha8Rng, mu: f64) -> u64 {
    let limit = (-mu).exp();
    let mut k = 0;
    let mut p = rng.random::<f64>();
    while p > limit {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10_f64.powi(decimals);
    (x * f).round() / f
}

/// Add the evidence to `ds` (model attributes, score halves, the three
/// supplementary tables), drawn from `params.seed`'s evidence streams.
/// `brand`: the planted brand slope, its estimand on this design and the
/// pair-years of its sample, when one is planted.
pub fn generate(ds: &mut Dataset, params: &SynthParams, brand: Option<(f64, f64, usize)>) -> EvidenceTruth {
    let seed = params.seed;
    add_attributes(ds, seed);
    let split_sample = add_halves(ds, seed);
    let (rows, demand_overlap) = choices(ds, seed, [params.demand_same_group, params.demand_same_group_seg]);
    ds.customer_choices = rows;
    let mut brand_association = add_brands(ds, seed);
    if let Some((planted, estimand, n)) = brand {
        brand_association.spillover_slope_per_sd = planted;
        brand_association.estimand_slope_per_sd = Some(estimand);
        brand_association.estimand_pair_years = Some(n as u64);
    }
    let patents = add_patents(ds, seed);
    EvidenceTruth {
        process: vec![
            "models: ln price = ln P_seg + 0.25·JV + 0.15·ε; ln size = ln S_seg + 0.05·ε; \
             ln power = ln W_seg + 0.2·JV + 0.1·ε (segment bases: synth docs)"
                .into(),
            "quality: score_half_k = score + σ_h·u_k, u_k iid N(0, 1)".into(),
            "customer_choices: count ~ Poisson(μ) per same-year domestic–JV model pair, ln μ = a + γ·SameGroup + \
             δ·SameSeg + φ·SameGroup×SameSeg + π_p·|Δ ln price| + π_s·|Δ ln size| + π_w·|Δ ln power|; \
             rows with count 0 left out"
                .into(),
            if brand.is_some() {
                "brand_association: share = Binomial(R, p)/R, logit p ~ N(μ_true or μ_other, s²); the raw weight \
                 of affiliated same-segment pairs has a term c_B·z (z: the pair's association z-scored over the \
                 same-segment pair-years), c_B solved so that the brand column's estimand is the planted slope"
                    .into()
            } else {
                "brand_association: share = Binomial(R, p)/R, logit p ~ N(μ_true or μ_other, s²); the quality DGP \
                 ignores it"
                    .into()
            },
            "patents: Poisson(λ_t) transfers foreign parent → JV and Poisson(λ_l) licences JV → domestic parent \
             per active JV-year; zero counts left out"
                .into(),
        ],
        split_sample,
        demand_overlap,
        brand_association,
        patents,
    }
}

fn segment_index(segment: &str) -> usize {
    cal::SEGMENTS.iter().position(|s| *s == segment).unwrap_or(2)
}

fn add_attributes(ds: &mut Dataset, seed: u64) {
    let mut r = rng(seed, Stream::Attributes);
    let kind: BTreeMap<&FirmId, FirmKind> = ds.firms.iter().map(|f| (&f.firm_id, f.kind)).collect();
    let is_jv: Vec<bool> = ds.models.iter().map(|m| kind.get(&m.firm_id) == Some(&FirmKind::Jv)).collect();
    for (m, jv) in ds.models.iter_mut().zip(is_jv) {
        let [p, s, w] = SEGMENT_ATTRIBUTES[segment_index(&m.segment)];
        let jv = if jv { 1.0 } else { 0.0 };
        m.price = Some(round_to((p.ln() + 0.25 * jv + 0.15 * normal(&mut r)).exp(), 2));
        m.size = Some(round_to((s.ln() + 0.05 * normal(&mut r)).exp(), 2));
        m.power = Some(round_to((w.ln() + 0.2 * jv + 0.1 * normal(&mut r)).exp(), 1));
    }
}

fn add_halves(ds: &mut Dataset, seed: u64) -> SplitTruth {
    let mut r = rng(seed, Stream::Halves);
    for q in &mut ds.quality {
        let h1 = round_to(q.score + HALF_NOISE_SD * normal(&mut r), cal::SCORE_DECIMALS);
        let h2 = round_to(q.score + HALF_NOISE_SD * normal(&mut r), cal::SCORE_DECIMALS);
        q.halves = Some([h1, h2]);
    }
    let mut by_dim: BTreeMap<&str, (f64, f64, f64)> = BTreeMap::new();
    for q in &ds.quality {
        let e = by_dim.entry(q.dimension.as_str()).or_default();
        e.0 += 1.0;
        e.1 += q.score;
        e.2 += q.score * q.score;
    }
    let (n, ss) = by_dim.values().fold((0.0, 0.0), |(n, ss), &(k, s, s2)| (n + k, ss + s2 - s * s / k));
    let v = if n > 0.0 { ss / n } else { 0.0 };
    let noise = HALF_NOISE_SD * HALF_NOISE_SD;
    SplitTruth {
        half_noise_sd: HALF_NOISE_SD,
        half_noise_variance: noise,
        score_variance_within_dimension: v,
        reliability: v / (v + noise),
        iv_attenuation: 1.0,
    }
}

/// Whether domestic firm `f` is affiliated with JV `g`: f's group is the
/// group of one of g's domestic parents.
fn affiliation(ds: &Dataset) -> impl Fn(&FirmId, &FirmId) -> bool + '_ {
    let group: BTreeMap<&FirmId, &str> = ds.firms.iter().map(|f| (&f.firm_id, f.group_id.as_str())).collect();
    let mut parents: BTreeMap<&FirmId, BTreeSet<&str>> = BTreeMap::new();
    for l in &ds.jv_links {
        parents.entry(&l.jv_id).or_default().insert(group[&l.domestic_parent]);
    }
    move |f, g| parents.get(g).is_some_and(|p| p.contains(group[f]))
}

/// The demand coefficients with γ (SameGroup) and φ (SameGroup×SameSeg) set to `affiliated`.
fn demand_coefficients(affiliated: [f64; 2]) -> Vec<(&'static str, f64, &'static str)> {
    DEMAND_COEFFICIENTS
        .iter()
        .map(|&(n, v, m)| match n {
            "SameGroup" => (n, affiliated[0], m),
            "SameGroup×SameSeg" => (n, affiliated[1], m),
            _ => (n, v, m),
        })
        .collect()
}

fn choices(ds: &Dataset, seed: u64, affiliated: [f64; 2]) -> (Vec<CustomerChoice>, DemandTruth) {
    let mut r = rng(seed, Stream::Choices);
    let planted = demand_coefficients(affiliated);
    let coef: BTreeMap<&str, f64> = planted.iter().map(|&(n, v, _)| (n, v)).collect();
    let kind: BTreeMap<&FirmId, FirmKind> = ds.firms.iter().map(|f| (&f.firm_id, f.kind)).collect();
    let same_group = affiliation(ds);
    let (jv, dom): (Vec<_>, Vec<_>) = ds.models.iter().partition(|m| kind.get(&m.firm_id) == Some(&FirmKind::Jv));
    let dlog = |a: Option<f64>, b: Option<f64>| (a.unwrap_or(1.0).ln() - b.unwrap_or(1.0).ln()).abs();
    let (mut pair_years, mut affiliated, mut rows) = (0, 0, Vec::new());
    for t in CHOICE_FIRST_YEAR..=cal::LAST_YEAR {
        for d in dom.iter().filter(|m| m.first_year <= t && t <= m.last_year) {
            for j in jv.iter().filter(|m| m.first_year <= t && t <= m.last_year) {
                let sg = same_group(&d.firm_id, &j.firm_id);
                let ss = d.segment == j.segment;
                let (sg, ss) = (f64::from(u8::from(sg)), f64::from(u8::from(ss)));
                let eta = coef["a"]
                    + coef["SameGroup"] * sg
                    + coef["SameSeg"] * ss
                    + coef["SameGroup×SameSeg"] * sg * ss
                    + coef["abs_dlog_price"] * dlog(d.price, j.price)
                    + coef["abs_dlog_size"] * dlog(d.size, j.size)
                    + coef["abs_dlog_power"] * dlog(d.power, j.power);
                pair_years += 1;
                affiliated += u64::from(sg > 0.0);
                let count = poisson(&mut r, eta.exp());
                if count > 0 {
                    rows.push(CustomerChoice {
                        model_a: d.model_id.clone(),
                        model_b: j.model_id.clone(),
                        year: t,
                        count,
                    });
                }
            }
        }
    }
    let truth = DemandTruth {
        coefficients: planted.iter().map(|&(n, v, m)| Param::new(n, v, m)).collect(),
        years: [CHOICE_FIRST_YEAR, cal::LAST_YEAR],
        pair_years,
        affiliated_pair_years: affiliated,
        rows: rows.len() as u64,
    };
    (rows, truth)
}

fn add_brands(ds: &mut Dataset, seed: u64) -> BrandTruth {
    let (rows, true_pairs) = brand_rows(&ds.jv_links, seed);
    let pairs = rows.len() as u64;
    ds.brand_association = rows;
    BrandTruth {
        respondents: BRAND_RESPONDENTS,
        pairs,
        true_pairs,
        logit_true: [BRAND_LOGIT_TRUE.0, BRAND_LOGIT_TRUE.1],
        logit_other: [BRAND_LOGIT_OTHER.0, BRAND_LOGIT_OTHER.1],
        spillover_slope_per_sd: 0.0,
        estimand_slope_per_sd: None,
        estimand_pair_years: None,
    }
}

/// The `brand_association` rows drawn from `seed`'s brand stream (the rows
/// `--evidence` writes; drawn before the quality scores when a brand slope is
/// planted).
pub fn draw_brands(jv_links: &[JvLink], seed: u64) -> Vec<BrandAssociation> {
    brand_rows(jv_links, seed).0
}

/// The brand association of (domestic firm, JV) pairs, as the alternatives
/// group reads it: the share of (the domestic firm, or failing a row its
/// group's head firm, whose id is the group id) × the JV's foreign parent,
/// averaged over the JV's foreign parents that have a row; undefined when
/// none has.
#[derive(Debug, Clone)]
pub struct PairAssociation {
    share: BTreeMap<(FirmId, FirmId), f64>,
    group: BTreeMap<FirmId, FirmId>,
    foreign: BTreeMap<FirmId, BTreeSet<FirmId>>,
}

impl PairAssociation {
    /// Index the survey rows, the firms (for their groups) and the JV links (foreign parents).
    pub fn new(rows: &[BrandAssociation], firms: &[Firm], jv_links: &[JvLink]) -> Self {
        let share = rows.iter().map(|r| ((r.domestic_firm.clone(), r.foreign_parent.clone()), r.share)).collect();
        let group = firms.iter().map(|f| (f.firm_id.clone(), FirmId(f.group_id.0.clone()))).collect();
        let mut foreign: BTreeMap<FirmId, BTreeSet<FirmId>> = BTreeMap::new();
        for l in jv_links {
            foreign.entry(l.jv_id.clone()).or_default().insert(l.foreign_parent.clone());
        }
        Self { share, group, foreign }
    }

    /// Association of domestic firm `d` with JV `g`, `None` when undefined.
    pub fn value(&self, d: &FirmId, g: &FirmId) -> Option<f64> {
        let parents = self.foreign.get(g)?;
        let (mut sum, mut n) = (0.0, 0_u32);
        for f in parents {
            let key = (d.clone(), f.clone());
            let v = self.share.get(&key).or_else(|| {
                let head = self.group.get(d)?;
                self.share.get(&(head.clone(), f.clone()))
            });
            if let Some(v) = v {
                sum += v;
                n += 1;
            }
        }
        (n > 0).then(|| sum / f64::from(n))
    }
}

/// z-scores of the defined values (population sd); all 0 when the sd is 0.
pub fn standardise(values: &[Option<f64>]) -> Vec<Option<f64>> {
    let defined: Vec<f64> = values.iter().flatten().copied().collect();
    if defined.is_empty() {
        return values.to_vec();
    }
    let n = defined.len() as f64;
    let mean = defined.iter().sum::<f64>() / n;
    let sd = (defined.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
    values.iter().map(|v| v.map(|x| if sd > 0.0 { (x - mean) / sd } else { 0.0 })).collect()
}

fn brand_rows(jv_links: &[JvLink], seed: u64) -> (Vec<BrandAssociation>, u64) {
    let mut r = rng(seed, Stream::Brands);
    let domestic: BTreeSet<&FirmId> = jv_links.iter().map(|l| &l.domestic_parent).collect();
    let foreign: BTreeSet<&FirmId> = jv_links.iter().map(|l| &l.foreign_parent).collect();
    let partners: BTreeSet<(&FirmId, &FirmId)> =
        jv_links.iter().map(|l| (&l.domestic_parent, &l.foreign_parent)).collect();
    let mut rows = Vec::new();
    let mut true_pairs = 0;
    for &d in &domestic {
        for &f in &foreign {
            let is_true = partners.contains(&(d, f));
            true_pairs += u64::from(is_true);
            let (mu, sd) = if is_true { BRAND_LOGIT_TRUE } else { BRAND_LOGIT_OTHER };
            let p = logistic(mu + sd * normal(&mut r));
            let yes = (0..BRAND_RESPONDENTS).filter(|_| r.random::<f64>() < p).count();
            rows.push(BrandAssociation {
                domestic_firm: d.clone(),
                foreign_parent: f.clone(),
                share: f64::from(u32::try_from(yes).unwrap_or(u32::MAX)) / f64::from(BRAND_RESPONDENTS),
            });
        }
    }
    (rows, true_pairs)
}

fn add_patents(ds: &mut Dataset, seed: u64) -> PatentTruth {
    let mut r = rng(seed, Stream::Patents);
    // Per JV: founding year, last active year, foreign and domestic parents.
    let mut jvs: BTreeMap<&FirmId, (i32, i32, BTreeSet<&FirmId>, BTreeSet<&FirmId>)> = BTreeMap::new();
    for l in &ds.jv_links {
        let e = jvs.entry(&l.jv_id).or_insert((l.founded, cal::FIRST_YEAR - 1, BTreeSet::new(), BTreeSet::new()));
        e.0 = e.0.min(l.founded);
        e.1 = e.1.max(l.dissolved.unwrap_or(cal::LAST_YEAR));
        e.2.insert(&l.foreign_parent);
        e.3.insert(&l.domestic_parent);
    }
    let mut rows = Vec::new();
    for (&jv, (founded, last, foreign, domestic)) in &jvs {
        for t in (*founded).max(cal::FIRST_YEAR)..=(*last).min(cal::LAST_YEAR) {
            for &f in foreign {
                let count = poisson(&mut r, PATENT_TRANSFER_RATE);
                if count > 0 {
                    rows.push(PatentFlow {
                        from_firm: f.clone(),
                        to_firm: jv.clone(),
                        year: t,
                        count,
                        kind: PatentKind::Transfer,
                    });
                }
            }
            for &d in domestic {
                let count = poisson(&mut r, PATENT_LICENCE_RATE);
                if count > 0 {
                    rows.push(PatentFlow {
                        from_firm: jv.clone(),
                        to_firm: d.clone(),
                        year: t,
                        count,
                        kind: PatentKind::Licence,
                    });
                }
            }
        }
    }
    let n = rows.len() as u64;
    ds.patents = rows;
    PatentTruth { transfer_rate: PATENT_TRANSFER_RATE, licence_rate: PATENT_LICENCE_RATE, rows: n }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_draws_have_the_planted_mean() {
        let mut r = rng(3, Stream::Choices);
        let n = 200_000;
        let mean = (0..n).map(|_| poisson(&mut r, 2.5) as f64).sum::<f64>() / f64::from(n);
        // Sd of the mean: sqrt(2.5 / 2e5) ≈ 0.0035.
        assert!((mean - 2.5).abs() < 0.02, "{mean}");
    }

    #[test]
    fn planted_medians_are_as_documented() {
        assert!((logistic(BRAND_LOGIT_TRUE.0) - 0.31).abs() < 0.005);
        assert!((logistic(BRAND_LOGIT_OTHER.0) - 0.03).abs() < 0.005);
    }
}
