//! Monte Carlo of the alternatives group's estimators (`spillnet montecarlo
//! --target demand|brand`): for many seeds, generate a synthetic dataset with
//! the supplementary evidence and a planted value, run the group's estimator
//! and summarise bias, dispersion and 95 % CI coverage per coefficient.
//!
//! - `demand`: planted γ (SameGroup) and φ (SameGroup×SameSeg) of the
//!   customer-choice Poisson ([`spillnet_synth::evidence`]); the estimand is
//!   the planted coefficient itself (the DGP is the Poisson model, and its
//!   FE-free truth is nested in the year/firm fixed effects); estimated by
//!   [`demand::fit_demand`] (CRV1 by firm pair, normal CIs).
//! - `brand`: planted slope B of e_JV×SameGroup×BrandAssociation_z; the
//!   target is its probability limit on each design
//!   (`truth.json → evidence.brand_association.estimand_slope_per_sd`, = B
//!   when the generator's calibration holds); estimated by
//!   [`brand::fit_brand`] column (1) (two-way clustered, t CIs).
//!
//! Owns [`AltTarget`], [`AltMcOptions`], [`AltDraw`], [`AltCoefSummary`],
//! [`AltMcSummary`] and [`run_alternatives_mc`]. Seeds run in parallel;
//! every draw is a pure function of its seed.

use rayon::prelude::*;

use super::McError;
use spillnet_study::case::alternatives::{brand, demand};
use spillnet_study::panel::build_panel;
use spillnet_study::pipeline::StudyOptions;
use spillnet_synth::{Scale, SynthParams, generate};

/// Which estimator the Monte Carlo checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AltTarget {
    /// The demand-overlap Poisson (SameGroup, SameGroup×SameSeg).
    Demand,
    /// The brand-association slope.
    Brand,
}

impl AltTarget {
    /// Command-line spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AltTarget::Demand => "demand",
            AltTarget::Brand => "brand",
        }
    }
}

/// Request of an alternatives Monte Carlo.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct AltMcOptions {
    /// First seed; seeds `first_seed .. first_seed + seeds`.
    pub first_seed: u64,
    /// Number of datasets.
    pub seeds: usize,
    /// Panel size.
    pub scale: Scale,
    /// Estimator checked.
    pub target: AltTarget,
    /// Planted γ (SameGroup) and φ (SameGroup×SameSeg) of the demand model.
    pub demand: [f64; 2],
    /// Planted brand slope.
    pub brand_slope: f64,
}

/// Default planted demand coefficients of the Monte Carlo (γ, φ): large
/// enough that a 10 % bias is measurable with 100 small-scale datasets.
pub const MC_DEMAND: [f64; 2] = [0.5, 0.5];
/// Default planted brand slope of the Monte Carlo.
pub const MC_BRAND_SLOPE: f64 = 0.1;

/// One coefficient of one dataset.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AltDraw {
    /// Seed.
    pub seed: u64,
    /// Coefficient name.
    pub name: String,
    /// The value the estimator should recover.
    pub target: f64,
    /// Estimate.
    pub estimate: f64,
    /// SE.
    pub se: f64,
    /// 95 % CI.
    pub ci_low: f64,
    /// 95 % CI.
    pub ci_high: f64,
    /// Whether the CI covers the target.
    pub covered: bool,
    /// Observations.
    pub nobs: usize,
}

/// Summary of one coefficient over the datasets.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AltCoefSummary {
    /// Coefficient name.
    pub name: String,
    /// Planted value.
    pub planted: f64,
    /// Mean of the per-dataset targets (= planted unless a calibration fell back).
    pub mean_target: f64,
    /// Mean estimate.
    pub mean_estimate: f64,
    /// Mean (estimate − target).
    pub bias: f64,
    /// |bias| / |planted| (`None` when planted = 0).
    pub relative_bias: Option<f64>,
    /// Sd of the estimates.
    pub sd_estimate: f64,
    /// Mean SE.
    pub mean_se: f64,
    /// Share of 95 % CIs covering the target.
    pub coverage: f64,
    /// Datasets.
    pub draws: usize,
}

/// Summary of an alternatives Monte Carlo.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AltMcSummary {
    /// The request.
    pub options: AltMcOptions,
    /// Per coefficient.
    pub coefficients: Vec<AltCoefSummary>,
    /// Per dataset and coefficient, in seed order.
    pub results: Vec<AltDraw>,
}

/// The draw of coefficient `name` from inference rows given as
/// (name, estimate, se, ci_low, ci_high).
fn draw(
    rows: &[(String, f64, f64, f64, f64)],
    name: &str,
    seed: u64,
    target: f64,
    nobs: usize,
) -> Result<AltDraw, McError> {
    let (_, estimate, se, ci_low, ci_high) = rows
        .iter()
        .find(|r| r.0 == name)
        .cloned()
        .ok_or_else(|| McError::Request(format!("seed {seed}: {name} was not estimated (collinear)")))?;
    Ok(AltDraw {
        seed,
        name: name.into(),
        target,
        estimate,
        se,
        ci_low,
        ci_high,
        covered: ci_low <= target && target <= ci_high,
        nobs,
    })
}

fn one(seed: u64, o: &AltMcOptions) -> Result<Vec<AltDraw>, McError> {
    let mut params =
        SynthParams { evidence: true, ..SynthParams::new(seed, o.scale, spillnet_synth::calibrate::DEFAULT_RHO) };
    let err = |e: String| McError::Request(format!("seed {seed}: {e}"));
    // The study's defaults (pair options, engine options, ssc), as `spillnet spillover`.
    let study = StudyOptions::default();
    macro_rules! rows {
        ($inference:expr) => {
            $inference.coefs.iter().map(|c| (c.name.clone(), c.estimate, c.se, c.ci_low, c.ci_high)).collect::<Vec<_>>()
        };
    }
    match o.target {
        AltTarget::Demand => {
            params.demand_same_group = o.demand[0];
            params.demand_same_group_seg = o.demand[1];
            let (ds, _) = generate(&params)?;
            let panel = build_panel(&ds, &study.pairs)?;
            let dp = demand::demand_panel(&ds, &panel.pairs).map_err(err)?;
            let f = demand::fit_demand(&dp, &study.ssc).map_err(err)?;
            let r = rows!(f.inference);
            let n = f.fit.core.nobs;
            Ok(vec![
                draw(&r, "SameGroup", seed, o.demand[0], n)?,
                draw(&r, "SameGroup_x_SameSeg", seed, o.demand[1], n)?,
            ])
        }
        AltTarget::Brand => {
            params.brand_slope = o.brand_slope;
            let (ds, truth) = generate(&params)?;
            let target = truth
                .evidence
                .as_ref()
                .and_then(|e| e.brand_association.estimand_slope_per_sd)
                .ok_or_else(|| err("the generator recorded no brand estimand".into()))?;
            let panel = build_panel(&ds, &study.pairs)?;
            let b = brand::fit_brand(&ds, &panel, &study.fit, &study.ssc).map_err(err)?;
            let r = rows!(b.slope.inference);
            Ok(vec![draw(&r, "e_JV:SameGroup:BrandAssociation", seed, target, b.slope.fit.core.nobs)?])
        }
    }
}

/// Run the Monte Carlo. `progress` is called once per finished dataset.
///
/// # Errors
/// No seed, a bad planted value, or a dataset on which the estimator fails.
pub fn run_alternatives_mc(o: &AltMcOptions, progress: &(dyn Fn(u64) + Sync)) -> Result<AltMcSummary, McError> {
    if o.seeds == 0 {
        return Err(McError::Request("Monte Carlo: at least one seed is needed".into()));
    }
    if o.target == AltTarget::Brand && o.brand_slope == 0.0 {
        return Err(McError::Request(
            "Monte Carlo --target brand: plant a non-zero brand slope (a slope of 0 has no estimand record)".into(),
        ));
    }
    let per_seed: Vec<Vec<AltDraw>> = (0..o.seeds as u64)
        .into_par_iter()
        .map(|s| {
            let d = one(o.first_seed + s, o);
            progress(1);
            d
        })
        .collect::<Result<_, _>>()?;
    let results: Vec<AltDraw> = per_seed.into_iter().flatten().collect();
    let planted: Vec<(&str, f64)> = match o.target {
        AltTarget::Demand => vec![("SameGroup", o.demand[0]), ("SameGroup_x_SameSeg", o.demand[1])],
        AltTarget::Brand => vec![("e_JV:SameGroup:BrandAssociation", o.brand_slope)],
    };
    let coefficients = planted
        .into_iter()
        .map(|(name, planted)| {
            let d: Vec<&AltDraw> = results.iter().filter(|r| r.name == name).collect();
            let n = d.len() as f64;
            let mean = d.iter().map(|r| r.estimate).sum::<f64>() / n;
            let mean_target = d.iter().map(|r| r.target).sum::<f64>() / n;
            let bias = d.iter().map(|r| r.estimate - r.target).sum::<f64>() / n;
            let sd = (d.iter().map(|r| (r.estimate - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
            AltCoefSummary {
                name: name.into(),
                planted,
                mean_target,
                mean_estimate: mean,
                bias,
                relative_bias: (planted != 0.0).then(|| bias.abs() / planted.abs()),
                sd_estimate: sd,
                mean_se: d.iter().map(|r| r.se).sum::<f64>() / n,
                coverage: d.iter().filter(|r| r.covered).count() as f64 / n,
                draws: d.len(),
            }
        })
        .collect();
    Ok(AltMcSummary { options: *o, coefficients, results })
}
