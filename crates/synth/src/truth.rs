//! The record of what a synthetic dataset plants and contains (`truth.json`):
//! seed, scale, every planted parameter with its meaning in terms of the
//! study's regression coefficients, noise sds, channel statistics and the
//! counts generated, and the supplementary evidence's planted values
//! ([`EvidenceTruth`], written with `--evidence`). Serialised with a fixed
//! field order (struct order) and serde_json's shortest round-trip floats,
//! so equal inputs give equal bytes.
//! Imports only its sibling `synth` types.

use serde::Serialize;

use super::calibrate::{DefectPath, Dimension, Scale};
use super::estimand::Calibration;

/// Version of the generator's data-generating process; bump when output changes.
pub const GENERATOR_VERSION: u32 = 1;

/// A named value with its meaning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    /// Name (as in the study's regression tables where it is a coefficient).
    pub name: String,
    /// Value.
    pub value: f64,
    /// What it means.
    pub meaning: String,
}

impl Param {
    /// Build a parameter.
    pub fn new(name: &str, value: f64, meaning: &str) -> Self {
        Self { name: name.into(), value, meaning: meaning.into() }
    }
}

/// A named count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Count {
    /// Name.
    pub name: String,
    /// Value.
    pub value: u64,
    /// What is counted.
    pub meaning: String,
}

impl Count {
    /// Build a count.
    pub fn new(name: &str, value: u64, meaning: &str) -> Self {
        Self { name: name.into(), value, meaning: meaning.into() }
    }
}

/// Models and firms on the market in one year, by class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearCounts {
    /// Year.
    pub year: i32,
    /// JV firms with models.
    pub jv_firms: u32,
    /// JV models.
    pub jv_models: u32,
    /// Affiliated domestic firms with models.
    pub affiliated_firms: u32,
    /// Affiliated domestic models.
    pub affiliated_models: u32,
    /// Non-affiliated domestic firms with models.
    pub non_affiliated_firms: u32,
    /// Non-affiliated domestic models.
    pub non_affiliated_models: u32,
    /// Same-year domestic–JV model pairs.
    pub pairs: u32,
    /// Of which affiliated (SameGroup = 1).
    pub affiliated_pairs: u32,
}

/// Mean defects per 100 vehicles of one class: target and realised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DefectTruth {
    /// `jv`, `affiliated` or `non_affiliated`.
    pub class: String,
    /// Targets (SPEC §4).
    pub target: DefectPath,
    /// Realised mean of −Σ_iqs score: the average of the class's yearly means in 2001, 2002 and 2003.
    pub realised_2001_03: f64,
    /// Realised mean in 2014.
    pub realised_2014: f64,
}

/// Statistics of one channel measure across pair-years.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelTruth {
    /// How the raw measure is defined.
    pub definition: String,
    /// Over which observations the z-score is computed.
    pub standardised_over: String,
    /// Pair-years over which it is defined.
    pub pair_years: u64,
    /// Mean of the raw measure over those pair-years.
    pub raw_mean: f64,
    /// Sd (population) of the raw measure over those pair-years.
    pub raw_sd: f64,
    /// Mean and sd of the raw measure over the same-segment pair-years (to
    /// convert coefficients if an estimator standardises over that sample).
    pub raw_mean_same_segment: f64,
    /// Sd over same-segment pair-years.
    pub raw_sd_same_segment: f64,
    /// Mean z-score of affiliated minus non-affiliated pair-years (the study: 1.23 for
    /// worker flow, 0.91 for supplier overlap).
    pub gap_affiliated_minus_non_affiliated_z: f64,
    /// The same gap among same-segment pair-years (the mechanism sample), the
    /// gap that enters the study's mediation shares.
    pub gap_affiliated_minus_non_affiliated_z_same_segment: f64,
}

/// The split-sample design (`truth.json` → `evidence.split_sample`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitTruth {
    /// σ_h, the sd of each half's measurement error.
    pub half_noise_sd: f64,
    /// σ_h².
    pub half_noise_variance: f64,
    /// V: variance of the score within dimensions (pooled over the 19), realised.
    pub score_variance_within_dimension: f64,
    /// V / (V + σ_h²): the OLS attenuation of a coefficient on score_half1
    /// (within dimensions), and the correlation of the two halves.
    pub reliability: f64,
    /// What IV with score_half2 as the instrument for score_half1 recovers: the
    /// coefficient on the score itself (attenuation 1).
    pub iv_attenuation: f64,
}

/// The customer-choice design (`truth.json` → `evidence.demand_overlap`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemandTruth {
    /// The Poisson model's coefficients (ln μ = Σ coef × term).
    pub coefficients: Vec<Param>,
    /// Survey years.
    pub years: [i32; 2],
    /// Same-year domestic–JV model pairs in the survey years (rows of the
    /// Poisson regression; those with count 0 are not in the table).
    pub pair_years: u64,
    /// Of which affiliated (SameGroup = 1).
    pub affiliated_pair_years: u64,
    /// Pair-years with count ≥ 1 (the table's rows).
    pub rows: u64,
}

/// The brand survey (`truth.json` → `evidence.brand_association`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrandTruth {
    /// Respondents R.
    pub respondents: u32,
    /// Pairs asked about (rows).
    pub pairs: u64,
    /// Pairs that share a JV.
    pub true_pairs: u64,
    /// logit p of true pairs: mean and sd.
    pub logit_true: [f64; 2],
    /// logit p of other pairs: mean and sd.
    pub logit_other: [f64; 2],
    /// Planted slope of the spillover in the standardised association
    /// (coefficient of e_JV × SameGroup × BrandAssociation_z): 0 by default,
    /// since the quality DGP then never uses the association; the
    /// `brand_slope` parameter otherwise.
    pub spillover_slope_per_sd: f64,
    /// With a planted slope: the probability limit of that coefficient in
    /// the brand column (same-segment pairs with the association defined;
    /// e_JV, e_JV×SameGroup, e_JV×SameGroup×BrandAssociation_z) on this
    /// design — equal to the planted slope unless the calibration fell back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimand_slope_per_sd: Option<f64>,
    /// With a planted slope: pair-years in the brand column's sample.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimand_pair_years: Option<u64>,
}

/// The patent flows (`truth.json` → `evidence.patents`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatentTruth {
    /// λ_t: mean transfers foreign parent → JV per active JV-year.
    pub transfer_rate: f64,
    /// λ_l: mean licences JV → domestic parent per active JV-year.
    pub licence_rate: f64,
    /// Rows written (count ≥ 1).
    pub rows: u64,
}

/// Everything the evidence tables plant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceTruth {
    /// The data-generating process, in words.
    pub process: Vec<String>,
    /// Split-sample halves of the quality scores.
    pub split_sample: SplitTruth,
    /// Customer choices.
    pub demand_overlap: DemandTruth,
    /// Brand association.
    pub brand_association: BrandTruth,
    /// Patents.
    pub patents: PatentTruth,
}

/// Everything `truth.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Truth {
    /// Always `spillnet synth`.
    pub generator: String,
    /// [`GENERATOR_VERSION`].
    pub generator_version: u32,
    /// Seed of the random streams.
    pub seed: u64,
    /// Panel size.
    pub scale: Scale,
    /// Planted headline spillover.
    pub rho: f64,
    /// Whether the planted coefficients hold exactly on this design (`full`),
    /// only the headline and β_SameGroup (`main_only`), or none (`uncalibrated`).
    pub calibration: Calibration,
    /// First and last year.
    pub years: [i32; 2],
    /// How scores are defined.
    pub score_convention: Vec<String>,
    /// Planted coefficients of the study's step-2 regressions (what the
    /// two-step estimator converges to on this design).
    pub planted: Vec<Param>,
    /// Estimands of the three step-2 specifications on this design.
    pub estimands: Vec<Param>,
    /// The raw pair weights t_ij of the data-generating process.
    pub raw_weights: Vec<Param>,
    /// How the data were generated, in words.
    pub process: Vec<String>,
    /// Worker-flow channel.
    pub worker_flow: ChannelTruth,
    /// Supplier-overlap channel.
    pub supplier_overlap: ChannelTruth,
    /// Noise and level sds.
    pub noise: Vec<Param>,
    /// Defect levels by class.
    pub defects: Vec<DefectTruth>,
    /// The 19 dimensions.
    pub dimensions: Vec<Dimension>,
    /// The 8 segments.
    pub segments: Vec<String>,
    /// Table sizes and study-scale counts.
    pub counts: Vec<Count>,
    /// Study-scale means and shares (suppliers, moves).
    pub statistics: Vec<Param>,
    /// Per-year counts.
    pub per_year: Vec<YearCounts>,
    /// How to read the planted values.
    pub notes: Vec<String>,
    /// The supplementary evidence's planted values (`spillnet synth
    /// --evidence`; left out of the JSON otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceTruth>,
    /// The benchmark's planted within-JV-firm similarity (`spillnet synth
    /// --jv-similarity`; left out of the JSON otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jv_similarity: Option<JvSimilarityTruth>,
    /// The event study's planted spillover growth (`spillnet synth
    /// --spillover-growth`; left out of the JSON otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spillover_growth: Option<GrowthTruth>,
}

/// The benchmark group's planted JV sum (`truth.json` → `jv_similarity`;
/// the data-generating process is documented in `synth::further`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JvSimilarityTruth {
    /// Planted JV sum β_SameFirm + β_SameSeg + β_SameFirm×SameSeg.
    pub planted_jv_sum: f64,
    /// What the benchmark's JV sum converges to on this design, in
    /// expectation over its random leader/follower split (equals the planted value).
    pub estimand_jv_sum: f64,
    /// The JV sum's estimand without a firm pattern (the step-1 projection's artefact).
    pub jv_sum_without_pattern: f64,
    /// c²: variance of each JV firm's pattern relative to a model's own draws.
    pub pattern_variance_ratio: f64,
    /// c²/(1 + c²): correlation of two models of one JV firm before step 1.
    pub raw_within_firm_correlation: f64,
    /// Ordered same-year pairs of distinct JV models the estimand sums over.
    pub ordered_pairs: u64,
}

/// The event study's planted growth (`truth.json` → `spillover_growth`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrowthTruth {
    /// Planted slope per year of the event study's bin effects.
    pub planted_slope_per_year: f64,
    /// What the event study's slope converges to on this design (equals the planted value).
    pub estimand_slope_per_year: f64,
    /// Coefficient of SameGroup × (years since year 0) in the raw pair weights.
    pub raw_weight_per_year: f64,
    /// The event study's top bin K on this design (bins 0, 1, …, K−1, ≥K).
    pub top_bin: i32,
    /// Affiliated firm pairs with same-segment pairs (the pair dummies).
    pub firm_pairs: u64,
    /// Estimands of the bin effects 0..=K (year 0 = 0).
    pub estimand_bin_effects: Vec<f64>,
}

impl Truth {
    /// Deterministic pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }

    /// The planted value named `name`, if any.
    pub fn planted(&self, name: &str) -> Option<f64> {
        self.planted.iter().find(|p| p.name == name).map(|p| p.value)
    }

    /// The count named `name`, if any.
    pub fn count(&self, name: &str) -> Option<u64> {
        self.counts.iter().find(|c| c.name == name).map(|c| c.value)
    }
}
