//! Arguments of `spillnet spillover` and `spillnet montecarlo`, validated
//! into [`SpilloverConfig`] / [`MonteCarloConfig`]. Imports `app::spillover`
//! (config types), `study`, `exposure::pairs` and `synth` (domain enums), and
//! the shared flag types of `cli::estimate` / `cli::exposure`.

use std::path::PathBuf;

use super::estimate::{BootWeightsArg, FormatArg};
use super::exposure::format_of;
use super::synth::ScaleArg;
use crate::app::spillover::{MonteCarloConfig, SpilloverConfig};
use crate::channels::affiliation::AffiliationMode;
use crate::error::{Error, Result};
use crate::exposure::pairs::{FlowMode, Overlap, PairOptions};
use crate::montecarlo::alternatives::{AltMcOptions, AltTarget};
use crate::montecarlo::{McOptions, McTarget};
use crate::report::table::OutputFormat;
use crate::study::{BootOptions, CaseOptions, PlaceboLevel, PlaceboOptions, SpecGroup, StudyOptions};
use crate::synth::Scale;

/// Specification table (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SpecArg {
    /// Table-3 style: (1) Z = SameGroup; (2) Z = SameGroup, SameSeg, SameGroup×SameSeg (the headline).
    Baseline,
    /// Column (2) with firm, firm×year, model, model×year FE (+ dimension×year, dimension×segment) and the one-step version.
    FeVariants,
    /// Same-segment pairs, Z = SameGroup.
    SameSegment,
    /// ×WorkerFlow and ×SupplierOverlap with their SameGroup interactions, alone and together (+ mediation shares).
    Mechanisms,
    /// Formation period, JV-age bins and slope, cumulative production, same/different province.
    Heterogeneity,
    /// JV benchmark (Table 2): JV models split at random (--seed) into leaders and followers, Z = SameFirm, SameSeg, SameFirm×SameSeg; the headline ÷ the JV sum (and for JVs formed before 2000) with delta-method SEs from one stacked fit.
    Benchmark,
    /// Alternative explanations: demand overlap (Poisson of customer_choices, FE year + firms, SE by firm
    /// pair), brand association (×SameGroup×BrandAssociation and by tercile), patent table, geography;
    /// each part skipped with a note when its table is absent.
    Alternatives,
    /// Event study: e_JV×SameGroup by years since the firm pair's first affiliated model pair (binned),
    /// with affiliated-firm-pair dummies; same-segment pairs; table and coefficient plot event_study.svg.
    EventStudy,
    /// Split-sample IV (Table E.7): e_JV from score_half1 instrumented by score_half2, the reverse, and both stacked, beside OLS, with the clustered first-stage F (needs quality.score_half1/2).
    MeasurementIv,
    /// Robustness of the headline: IQS-only and APEAL-only, balanced panel and long-lived models,
    /// SEs under alternative clusterings, and a seeded pairs (firm-pair block) bootstrap of 500 draws.
    Robustness,
    /// Foster–Haltiwanger–Syverson decomposition of the change in affiliated (and non-affiliated) domestic defects, first to last year, equal weights: incumbents, entrants, exits.
    Decomposition,
    /// Every table.
    All,
}

/// Placebo level (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlaceboLevelArg {
    /// Each (domestic model, JV model, year) pair-year draws its affiliation.
    ModelYear,
    /// Each (domestic model, JV model) pair.
    Model,
    /// Each (domestic firm, segment, JV firm, segment) cell.
    FirmSegment,
    /// Each (domestic firm, JV firm) pair.
    Firm,
}

impl From<PlaceboLevelArg> for PlaceboLevel {
    fn from(a: PlaceboLevelArg) -> Self {
        match a {
            PlaceboLevelArg::ModelYear => PlaceboLevel::ModelYear,
            PlaceboLevelArg::Model => PlaceboLevel::Model,
            PlaceboLevelArg::FirmSegment => PlaceboLevel::FirmSegment,
            PlaceboLevelArg::Firm => PlaceboLevel::Firm,
        }
    }
}

/// Worker-flow window of the pair panel (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PairFlowArg {
    /// All moves from the JV to the domestic firm, any year (the study's definition).
    Pooled,
    /// Moves in years up to t − 1.
    Cumulative,
}

/// Which JV links make a pair affiliated (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AffiliationArg {
    /// Every domestic-parent link, whatever its years (the study's: SameGroup by ownership ties).
    Ever,
    /// A link only while active in the pair's year: founded ≤ t < dissolved (`jv_links.dissolved`).
    Active,
}

/// Supplier-overlap measure (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OverlapArg {
    /// |S_i ∩ S_j| / min(|S_i|, |S_j|) (the study's).
    Szymkiewicz,
    /// |S_i ∩ S_j| / |S_i ∪ S_j|.
    Jaccard,
    /// |S_i ∩ S_j| / sqrt(|S_i| |S_j|).
    Cosine,
}

const SPILLOVER_AFTER_HELP: &str = "\
Step 1 residualises quality scores on model×year and segment×dimension×year fixed effects,
separately for JV and domestic models (relative strengths e). Step 2 regresses e^D of every
domestic model on e^JV of every same-year JV model, one row per dimension, interacted with pair
attributes. Inference: CRV1 two-way clustered by follower firm × survey and leader firm × survey.
The headline (JSON `headline`) is β_SameGroup + β_SameSeg + β_SameGroup×SameSeg of baseline (2).

Examples:
  spillnet spillover                                      # baseline on data/, text on stdout
  spillnet spillover --spec all --placebo 300 --format md --out study.md
  spillnet spillover --panel-out panel.parquet            # the step-2 panel, for spillnet estimate";

/// Estimate the study's spillover regressions (SPEC §4) on a data folder.
///
/// These flags are also the keys of a run file's `[spillover]` table
/// (`cli::run_file`), so their defaults here are the study's only defaults:
/// - `seed = 1`: the seed of the shipped study (`data/default.toml`), so a run
///   that leaves it out draws what the published run drew (it was 42 on the
///   command line and 1 in run files before they were unified);
/// - `boot = 999`: the headline is reported with its wild cluster bootstrap
///   p-value, as in the study (the two-way clustered SE alone is unreliable
///   with few clusters); 999 keeps (B + 1)·0.05 an integer;
/// - `spec = baseline`: the table that defines the headline, and the fast
///   one; the other tables are opt-in (`--spec all`);
/// - `placebo = 0` (its level `firm` matters only with draws): 300 firm-level
///   draws take minutes, so the placebo is opt-in;
/// - the pair options (`flow = pooled`, `overlap = szymkiewicz`,
///   `min_suppliers = 5`, `affiliation = ever`) and `defects_survey = iqs`
///   are the study's definitions.
#[derive(Debug, clap::Args)]
#[command(after_help = SPILLOVER_AFTER_HELP)]
pub struct SpilloverArgs {
    /// Data folder with the input tables.
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub data: PathBuf,
    /// Specification tables to estimate (comma-separated); the baseline is always estimated.
    #[arg(long, value_enum, value_name = "SPEC", value_delimiter = ',', default_value = "baseline")]
    pub spec: Vec<SpecArg>,
    /// Permutation placebo: N random re-assignments of affiliation (0 = none).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub placebo: usize,
    /// Level at which the placebo re-assigns affiliation (the number of affiliated units is kept).
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "firm")]
    pub placebo_level: PlaceboLevelArg,
    /// Seed of the placebo and bootstrap draws (ChaCha8, one stream per draw).
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Wild cluster restricted bootstrap of the headline with B draws (0 = none),
    /// clustered by follower firm × survey; full enumeration when 2^G ≤ B.
    #[arg(long, value_name = "B", default_value_t = 999)]
    pub boot: usize,
    /// Bootstrap weights.
    #[arg(long, value_enum, value_name = "W", default_value = "rademacher")]
    pub boot_weights: BootWeightsArg,
    /// Report format: text (default), md, latex, csv (tidy: every coefficient and lincom of every
    /// model, one row each, full precision), csv-table (the starred grids, one per table) or json.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    pub format: FormatArg,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write the placebo draws to FILE.csv and a histogram to FILE.svg
    /// (default with --out: OUT-STEM_placebo.csv beside the report).
    #[arg(long, value_name = "FILE")]
    pub placebo_out: Option<PathBuf>,
    /// Export the step-2 panel (one row per pair, year and dimension) as .csv or .parquet.
    #[arg(long, value_name = "FILE")]
    pub panel_out: Option<PathBuf>,
    /// Worker-flow window: pooled over all years (the study's) or cumulative up to t − 1.
    #[arg(long, value_enum, value_name = "MODE", default_value = "pooled")]
    pub flow: PairFlowArg,
    /// Supplier-overlap measure.
    #[arg(long, value_enum, value_name = "MEASURE", default_value = "szymkiewicz")]
    pub overlap: OverlapArg,
    /// Pairs where a model has fewer known suppliers get no overlap (excluded from the mechanisms, counted).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub min_suppliers: usize,
    /// Which JV links make a domestic–JV pair affiliated (SameGroup) in year t: every link
    /// whatever its years (`ever`, the study's), or only links active in t, founded ≤ t < dissolved (`active`).
    #[arg(long, value_enum, value_name = "MODE", default_value = "ever")]
    pub affiliation: AffiliationArg,
    /// Survey whose dimensions are defects per 100 vehicles (score = −defects), for the quantification.
    #[arg(long, value_name = "SURVEY", default_value = "iqs")]
    pub defects_survey: String,
}

fn usage(e: impl std::fmt::Display) -> Error {
    Error::Usage(e.to_string())
}

/// Turn spec arguments into groups (`all` expands).
pub fn spec_groups(specs: &[SpecArg]) -> Vec<SpecGroup> {
    let mut g: Vec<SpecGroup> = Vec::new();
    for s in specs {
        match s {
            SpecArg::Baseline => g.push(SpecGroup::Baseline),
            SpecArg::FeVariants => g.push(SpecGroup::FeVariants),
            SpecArg::SameSegment => g.push(SpecGroup::SameSegment),
            SpecArg::Mechanisms => g.push(SpecGroup::Mechanisms),
            SpecArg::Heterogeneity => g.push(SpecGroup::Heterogeneity),
            SpecArg::Benchmark => g.push(SpecGroup::Benchmark),
            SpecArg::Alternatives => g.push(SpecGroup::Alternatives),
            SpecArg::EventStudy => g.push(SpecGroup::EventStudy),
            SpecArg::MeasurementIv => g.push(SpecGroup::MeasurementIv),
            SpecArg::Robustness => g.push(SpecGroup::Robustness),
            SpecArg::Decomposition => g.push(SpecGroup::Decomposition),
            SpecArg::All => g.extend(SpecGroup::ALL),
        }
    }
    g.sort();
    g.dedup();
    g
}

impl SpilloverArgs {
    /// Validate into the run configuration.
    pub fn into_config(self) -> Result<SpilloverConfig> {
        if self.defects_survey.trim().is_empty() {
            return Err(usage("--defects-survey must name a survey"));
        }
        let pairs = PairOptions {
            flow: match self.flow {
                PairFlowArg::Pooled => FlowMode::Pooled,
                PairFlowArg::Cumulative => FlowMode::Cumulative,
            },
            overlap: match self.overlap {
                OverlapArg::Szymkiewicz => Overlap::SzymkiewiczSimpson,
                OverlapArg::Jaccard => Overlap::Jaccard,
                OverlapArg::Cosine => Overlap::Cosine,
            },
            min_suppliers: self.min_suppliers,
            affiliation: match self.affiliation {
                AffiliationArg::Ever => AffiliationMode::Ever,
                AffiliationArg::Active => AffiliationMode::Active,
            },
            ..PairOptions::default()
        };
        let boot = (self.boot > 0).then_some(BootOptions {
            reps: self.boot,
            seed: self.seed,
            weights: self.boot_weights.into(),
        });
        let placebo = (self.placebo > 0).then_some(PlaceboOptions {
            draws: self.placebo,
            level: self.placebo_level.into(),
            seed: self.seed,
        });
        if self.placebo == 0 && self.placebo_out.is_some() {
            return Err(usage("--placebo-out needs --placebo N"));
        }
        let panel_out = match self.panel_out {
            Some(p) => {
                let f = format_of("--panel-out", &p)?;
                Some((p, f))
            }
            None => None,
        };
        Ok(SpilloverConfig {
            data: self.data,
            study: StudyOptions {
                pairs,
                groups: spec_groups(&self.spec),
                boot,
                placebo,
                defects_survey: self.defects_survey.trim().to_owned(),
                case: CaseOptions { seed: self.seed, ..CaseOptions::default() },
                ..StudyOptions::default()
            },
            format: self.format.into(),
            out: self.out,
            placebo_out: self.placebo_out,
            panel_out,
        })
    }
}

const MC_AFTER_HELP: &str = "\
Each seed generates a synthetic dataset (as `spillnet synth --seed S --scale SCALE --rho R`),
runs the baseline (2) regression and records the headline estimate, its two-way clustered SE and
whether the 95% CI covers the planted ρ; with --placebo N also the placebo p-value.
With --target measurement-iv each dataset is generated with --evidence and the draw is the stacked
split-sample IV's e_JV:SameGroup (the measurement-iv group), compared with that dataset's planted
IV estimand (truth.json estimand same_segment.beta_SameGroup); bias = mean(estimate − planted).

With --target demand or brand it checks an estimator of the alternatives group instead: each
seed generates the dataset with the supplementary evidence and a planted value (as `spillnet
synth` with its evidence, demand-overlap and brand-slope options), runs the demand-overlap
Poisson (target: the planted SameGroup and SameGroup×SameSeg coefficients) or the brand column
(1) (target: the planted slope's estimand on that design, truth.json), and reports bias, sd, mean
SE and 95% CI coverage per coefficient.

Examples:
  spillnet montecarlo --seeds 200 --scale small --rho 0.098 --out mc.csv
  spillnet montecarlo --seeds 100 --rho 0 --null --placebo 99    # p-values ≈ uniform
  spillnet montecarlo --target demand --seeds 200 --demand 0.5,0.5 --out mc_demand.csv
  spillnet montecarlo --target brand --seeds 200 --brand-slope 0.1
  spillnet montecarlo --target measurement-iv --seeds 100 --out mc_iv.csv";

/// Monte Carlo of the study's estimator on synthetic data with a planted spillover.
#[derive(Debug, clap::Args)]
#[command(after_help = MC_AFTER_HELP)]
pub struct MonteCarloArgs {
    /// Number of synthetic datasets.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub seeds: usize,
    /// First seed (seeds FIRST .. FIRST + N − 1).
    #[arg(long, value_name = "FIRST", default_value_t = 1)]
    pub first_seed: u64,
    /// Panel size of each dataset.
    #[arg(long, value_enum, value_name = "SCALE", default_value_t = ScaleArg::Small)]
    pub scale: ScaleArg,
    /// Planted headline spillover ρ.
    #[arg(long, value_name = "R", default_value_t = 0.098, allow_negative_numbers = true)]
    pub rho: f64,
    /// Plant every other effect (β_SameGroup, channel terms) at 0 as well.
    #[arg(long)]
    pub null: bool,
    /// Placebo draws per dataset (0 = none).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub placebo: usize,
    /// Placebo level.
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "firm")]
    pub placebo_level: PlaceboLevelArg,
    /// Write per-seed results as CSV.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Summary format: text (default), md, latex, csv (one row per statistic) or json (every field).
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    pub format: FormatArg,
    /// Print the summary as JSON (same as `--format json`).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Estimator checked: `headline` (baseline (2), default), `demand` (the alternatives group's
    /// demand-overlap Poisson), `brand` (its brand-association slope) or `measurement-iv` (the
    /// stacked split-sample IV).
    #[arg(long, value_enum, value_name = "TARGET", default_value = "headline")]
    pub target: McTargetArg,
    /// With --target demand: planted SameGroup and SameGroup×SameSeg coefficients of the
    /// customer-choice Poisson, as G,F (each in [-3, 3]).
    #[arg(long, value_name = "G,F", value_delimiter = ',', num_args = 2, default_values_t = crate::montecarlo::alternatives::MC_DEMAND, allow_negative_numbers = true)]
    pub demand: Vec<f64>,
    /// With --target brand: planted slope of e_JV×SameGroup×BrandAssociation (non-zero, in [-1, 1]).
    #[arg(long, value_name = "B", default_value_t = crate::montecarlo::alternatives::MC_BRAND_SLOPE, allow_negative_numbers = true)]
    pub brand_slope: f64,
}

/// Estimator of a Monte Carlo (`--target`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum McTargetArg {
    /// The headline spillover of baseline (2).
    Headline,
    /// The alternatives group's demand-overlap Poisson (SameGroup, SameGroup×SameSeg).
    Demand,
    /// The alternatives group's brand-association slope.
    Brand,
    /// The affiliated coefficient of the stacked split-sample IV (measurement-iv) on data generated
    /// with --evidence; planted value: each draw's truth estimand same_segment.beta_SameGroup.
    MeasurementIv,
}

impl MonteCarloArgs {
    /// Validate into the run configuration.
    pub fn into_config(self) -> Result<MonteCarloConfig> {
        if self.seeds == 0 {
            return Err(usage("--seeds must be at least 1"));
        }
        if self.target != McTargetArg::Headline && self.placebo > 0 {
            return Err(usage("--placebo is run for --target headline only"));
        }
        if !(self.rho.is_finite() && self.rho.abs() <= 1.0) {
            return Err(usage(format!("--rho {} must be a number in [-1, 1]", self.rho)));
        }
        Ok(MonteCarloConfig {
            options: McOptions {
                target: match self.target {
                    McTargetArg::MeasurementIv => McTarget::MeasurementIv,
                    _ => McTarget::Headline,
                },
                first_seed: self.first_seed,
                seeds: self.seeds,
                scale: match self.scale {
                    ScaleArg::Small => Scale::Small,
                    ScaleArg::Paper => Scale::Paper,
                },
                rho: self.rho,
                zero_other_effects: self.null,
                placebo: (self.placebo > 0).then_some((self.placebo, self.placebo_level.into())),
            },
            alternatives: match self.target {
                McTargetArg::Headline | McTargetArg::MeasurementIv => None,
                target => {
                    let demand = [self.demand[0], self.demand[1]];
                    if demand.iter().any(|v| !v.is_finite() || v.abs() > 3.0) {
                        return Err(usage("--demand G,F: each must be a number in [-3, 3]"));
                    }
                    if !(self.brand_slope.is_finite() && self.brand_slope.abs() <= 1.0 && self.brand_slope != 0.0) {
                        return Err(usage("--brand-slope must be a non-zero number in [-1, 1]"));
                    }
                    Some(AltMcOptions {
                        first_seed: self.first_seed,
                        seeds: self.seeds,
                        scale: match self.scale {
                            ScaleArg::Small => Scale::Small,
                            ScaleArg::Paper => Scale::Paper,
                        },
                        target: if target == McTargetArg::Demand { AltTarget::Demand } else { AltTarget::Brand },
                        demand,
                        brand_slope: self.brand_slope,
                    })
                }
            },
            out: self.out,
            format: if self.json { OutputFormat::Json } else { self.format.into() },
        })
    }
}
