//! Monte Carlo check of the whole estimator: for many seeds, generate a
//! synthetic dataset with a planted headline spillover ρ
//! ([`spillnet_synth::generate`]), run the study's baseline column (2) with
//! two-way clustered inference, and summarise bias, dispersion and the
//! coverage of the 95 % confidence interval; optionally run the permutation
//! placebo on each dataset and summarise its p-values (roughly uniform when
//! ρ = 0).
//!
//! Other targets ([`McTarget`]): the split-sample IV of the measurement-iv
//! group (data generated with the supplementary evidence; the planted value
//! of each draw is its own design's IV estimand, so bias is the mean of
//! estimate − planted).
//!
//! Owns [`McOptions`], [`McTarget`], [`McDraw`], [`McSummary`] and [`run_montecarlo`].
//! Seeds run in parallel with rayon; every draw is a pure function of its
//! seed, so results do not depend on the thread count. Sits above both
//! `spillnet-synth` and `spillnet-study`, so neither depends on the other.
#![deny(missing_docs)]

use rayon::prelude::*;

pub mod alternatives;

use spillnet_study::StudyError;

/// Why a Monte Carlo run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum McError {
    /// The study's estimator failed on a synthetic dataset.
    #[error(transparent)]
    Study(#[from] StudyError),
    /// The synthetic generator failed.
    #[error(transparent)]
    Synth(#[from] spillnet_synth::SynthError),
    /// The request cannot be run (names what is wrong).
    #[error("{0}")]
    Request(String),
}
use spillnet_study::case::measurement_iv::{build_iv_panel, fit_stacked};
use spillnet_study::panel::build_panel;
use spillnet_study::pipeline::{StudyOptions, fit_spec};
use spillnet_study::placebo::{PlaceboLevel, PlaceboOptions, run_placebo};
use spillnet_study::specs::{SpecGroup, specs_for};
use spillnet_synth::{Scale, SynthParams, generate};

/// What each draw estimates and compares with its planted value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum McTarget {
    /// The headline of baseline (2); planted value ρ.
    #[default]
    Headline,
    /// The affiliated coefficient (`e_JV:SameGroup`) of the stacked
    /// split-sample IV of the measurement-iv group, on data generated with
    /// the supplementary evidence (score halves = score + N(0, σ_h²) noise).
    /// Planted value: the draw's `truth.json` estimand
    /// `same_segment.beta_SameGroup` (the full-score estimator's probability
    /// limit, which the IV recovers: `evidence.split_sample.iv_attenuation` = 1).
    MeasurementIv,
}

impl McTarget {
    /// Command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            McTarget::Headline => "headline",
            McTarget::MeasurementIv => "measurement-iv",
        }
    }
}

/// The truth estimand that the measurement-iv target recovers.
pub const IV_ESTIMAND: &str = "same_segment.beta_SameGroup";

/// Monte Carlo request.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct McOptions {
    /// What each draw estimates.
    pub target: McTarget,
    /// First seed; seeds `first_seed .. first_seed + seeds`.
    pub first_seed: u64,
    /// Number of datasets.
    pub seeds: usize,
    /// Panel size of each dataset.
    pub scale: Scale,
    /// Planted headline spillover.
    pub rho: f64,
    /// Plant every other coefficient (β_SameGroup, channel terms) at 0 too:
    /// a pure null when `rho` = 0.
    pub zero_other_effects: bool,
    /// Placebo draws per dataset (0: none) and their level.
    pub placebo: Option<(usize, PlaceboLevel)>,
}

/// One dataset's result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct McDraw {
    /// Seed of the synthetic dataset.
    pub seed: u64,
    /// Planted value of the target (ρ for the headline; the draw's IV estimand).
    pub rho: f64,
    /// Estimate of the target.
    pub estimate: f64,
    /// Its two-way clustered delta-method SE.
    pub se: f64,
    /// 95 % CI.
    pub ci_low: f64,
    /// 95 % CI.
    pub ci_high: f64,
    /// Whether the CI covers ρ.
    pub covered: bool,
    /// Observations.
    pub nobs: usize,
    /// Placebo one-sided p-value, if run.
    pub p_placebo: Option<f64>,
}

/// Summary over the datasets.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct McSummary {
    /// The request.
    pub options: McOptions,
    /// Datasets.
    pub draws: usize,
    /// Mean estimate.
    pub mean_estimate: f64,
    /// Mean planted value (ρ for the headline).
    pub mean_planted: f64,
    /// Mean estimate − mean planted value.
    pub bias: f64,
    /// |bias| / |mean planted value| (`None` when it is 0).
    pub relative_bias: Option<f64>,
    /// Standard deviation of the estimates across datasets.
    pub sd_estimate: f64,
    /// Mean clustered SE.
    pub mean_se: f64,
    /// Share of 95 % CIs covering ρ.
    pub coverage: f64,
    /// Mean placebo p-value (≈ 0.5 under the null), if run.
    pub placebo_mean_p: Option<f64>,
    /// Share of placebo p-values ≤ 0.1 (≈ 0.1 under the null), if run.
    pub placebo_share_p_le_10: Option<f64>,
    /// Kolmogorov–Smirnov distance of the placebo p-values from U(0, 1), if run.
    pub placebo_ks: Option<f64>,
    /// Per-dataset results, in seed order.
    pub results: Vec<McDraw>,
}

fn one_iv(seed: u64, opts: &McOptions) -> Result<McDraw, McError> {
    let mut params = SynthParams::new(seed, opts.scale, opts.rho);
    params.evidence = true;
    let (ds, truth) = generate(&params)?;
    let planted = truth
        .estimands
        .iter()
        .find(|p| p.name == IV_ESTIMAND)
        .map(|p| p.value)
        .ok_or_else(|| McError::Request(format!("truth.json has no estimand {IV_ESTIMAND}")))?;
    let study = StudyOptions::default();
    let panel = build_panel(&ds, &study.pairs)?;
    let p = build_iv_panel(&ds, &panel).map_err(McError::Request)?;
    let (row, nobs) = fit_stacked(&p, &study).map_err(|e| McError::Request(format!("seed {seed}: {e}")))?;
    Ok(McDraw {
        seed,
        rho: planted,
        estimate: row.estimate,
        se: row.se,
        ci_low: row.ci_low,
        ci_high: row.ci_high,
        covered: row.ci_low <= planted && planted <= row.ci_high,
        nobs,
        p_placebo: None,
    })
}

fn one(seed: u64, opts: &McOptions) -> Result<McDraw, McError> {
    if opts.target == McTarget::MeasurementIv {
        return one_iv(seed, opts);
    }
    let mut params = SynthParams::new(seed, opts.scale, opts.rho);
    if opts.zero_other_effects {
        params.gamma_same_group = 0.0;
        params.theta_worker = 0.0;
        params.theta_worker_same_group = 0.0;
        params.theta_supplier = 0.0;
        params.theta_supplier_same_group = 0.0;
    }
    let (ds, _truth) = generate(&params)?;
    let study = StudyOptions::default();
    let panel = build_panel(&ds, &study.pairs)?;
    let spec = specs_for(SpecGroup::Baseline).into_iter().find(|s| s.id == "baseline.2").expect("defined");
    let m = fit_spec(&panel, &spec, &study)?;
    let row = &m.lincoms[0].row;
    let p_placebo = match opts.placebo {
        Some((draws, level)) if draws > 0 => {
            Some(run_placebo(&panel, &PlaceboOptions { draws, level, seed }, &|_| {})?.p_one_sided)
        }
        _ => None,
    };
    Ok(McDraw {
        seed,
        rho: opts.rho,
        estimate: row.estimate,
        se: row.se,
        ci_low: row.ci_low,
        ci_high: row.ci_high,
        covered: row.ci_low <= opts.rho && opts.rho <= row.ci_high,
        nobs: m.fit.core.nobs,
        p_placebo,
    })
}

/// Kolmogorov–Smirnov distance of a sample from U(0, 1).
pub fn ks_uniform(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    v.iter()
        .enumerate()
        .map(|(i, &x)| ((i as f64 + 1.0) / n - x).abs().max((x - i as f64 / n).abs()))
        .fold(0.0, f64::max)
}

/// Run the Monte Carlo. `progress` is called once per finished dataset.
pub fn run_montecarlo(opts: &McOptions, progress: &(dyn Fn(u64) + Sync)) -> Result<McSummary, McError> {
    if opts.seeds == 0 {
        return Err(McError::Request("Monte Carlo: at least one seed is needed".into()));
    }
    if opts.target == McTarget::MeasurementIv && opts.placebo.is_some_and(|(d, _)| d > 0) {
        return Err(McError::Request("Monte Carlo: the placebo is run for the headline target only".into()));
    }
    let results: Vec<McDraw> = (0..opts.seeds as u64)
        .into_par_iter()
        .map(|s| {
            let d = one(opts.first_seed + s, opts);
            progress(1);
            d
        })
        .collect::<Result<_, _>>()?;
    let n = results.len() as f64;
    let mean = results.iter().map(|d| d.estimate).sum::<f64>() / n;
    let sd = (results.iter().map(|d| (d.estimate - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    let mean_planted = match opts.target {
        McTarget::Headline => opts.rho,
        McTarget::MeasurementIv => results.iter().map(|d| d.rho).sum::<f64>() / n,
    };
    let bias = mean - mean_planted;
    let ps: Vec<f64> = results.iter().filter_map(|d| d.p_placebo).collect();
    let (pm, p10, ks) = if ps.is_empty() {
        (None, None, None)
    } else {
        let k = ps.len() as f64;
        (
            Some(ps.iter().sum::<f64>() / k),
            Some(ps.iter().filter(|&&p| p <= 0.1).count() as f64 / k),
            Some(ks_uniform(&ps)),
        )
    };
    Ok(McSummary {
        options: *opts,
        draws: results.len(),
        mean_estimate: mean,
        mean_planted,
        bias,
        relative_bias: (mean_planted != 0.0).then(|| bias.abs() / mean_planted.abs()),
        sd_estimate: sd,
        mean_se: results.iter().map(|d| d.se).sum::<f64>() / n,
        coverage: results.iter().filter(|d| d.covered).count() as f64 / n,
        placebo_mean_p: pm,
        placebo_share_p_le_10: p10,
        placebo_ks: ks,
        results,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ks_distance_by_hand() {
        // Perfect grid (i + 0.5) / n has distance 0.5 / n.
        let v: Vec<f64> = (0..10).map(|i| (i as f64 + 0.5) / 10.0).collect();
        assert!((ks_uniform(&v) - 0.05).abs() < 1e-12);
        assert!((ks_uniform(&[0.0, 0.0]) - 1.0).abs() < 1e-12);
    }
}
