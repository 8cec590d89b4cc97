//! Arguments of `spillnet synth`: generate a synthetic data folder layered on
//! the real JV network. Raw flags are validated into
//! [`crate::app::synth::SynthConfig`] here.

use std::path::PathBuf;

use clap::ValueEnum;

use crate::app::synth::SynthConfig;
use crate::error::{Error, Result};
use crate::io::write::TableFormat;
use crate::synth::{Scale, SynthParams};

/// Shown after the flags by `spillnet synth --help`.
const SYNTH_AFTER_HELP: &str = "\
Writes into DIR the tables firms, jv_links, models, quality, suppliers, worker_moves and
production (layered on the real JV network of china_auto_jvs.csv), truth.json (the planted
spillover and channel parameters, what the study's two-step estimator converges to on this
design, noise sds and the counts generated) and sources/ (the real-network source files).
The same seed and flags give byte-identical files. With --evidence it also writes the
supplementary evidence: price/size/power on models, score_half1/score_half2 on quality, and
customer_choices, brand_association and patents, planted values in truth.json → evidence.

Examples:
  spillnet synth --out data --seed 1 --scale paper --force   # the shipped default dataset
  spillnet synth --out /tmp/mc/7 --seed 7 --scale small       # one Monte Carlo draw
  spillnet synth --out /tmp/null --rho 0                      # no planted spillover
  spillnet synth --out /tmp/ev --scale small --evidence       # with the supplementary evidence
  spillnet synth --out /tmp/ev --scale small --evidence --brand-slope 0.1 --demand-same-group 0.5
                                                              # plant a brand slope and demand overlap
  spillnet synth --out /tmp/fe --scale small --jv-similarity 0.584 --spillover-growth 0.01
                                                              # plant the benchmark's and event study's truths";

/// Panel size (`--scale`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScaleArg {
    /// About a quarter of the study's models, suppliers and moves (fast; for Monte Carlo runs).
    Small,
    /// The study's scale (SPEC §4): ≈717,500 pair×dimension observations.
    Paper,
}

/// Table file format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Comma-separated values.
    Csv,
    /// Apache Parquet.
    Parquet,
}

/// Arguments of `spillnet synth`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = SYNTH_AFTER_HELP)]
pub struct SynthArgs {
    /// Output folder (created if missing). Refused if it is not empty, unless --force.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Seed of the random streams (default 1). Same seed → identical output.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Planted headline spillover β_SameGroup + β_SameSeg + β_SameGroup×SameSeg,
    /// in [-1, 1] (default 0.098, the study's estimate).
    #[arg(long, value_name = "R", default_value_t = crate::synth::calibrate::DEFAULT_RHO, allow_negative_numbers = true)]
    pub rho: f64,
    /// Panel size: `paper` (the study's scale) or `small` (about 1/4 of the models).
    #[arg(long, value_enum, value_name = "SCALE", default_value_t = ScaleArg::Paper)]
    pub scale: ScaleArg,
    /// File format of the tables: `csv` or `parquet`.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
    /// Write into a non-empty DIR, replacing the generated files (other files are left alone).
    #[arg(long)]
    pub force: bool,
    /// Also generate the supplementary evidence (model attributes, score halves, customer
    /// choices, brand association, patents) with its planted values in truth.json.
    #[arg(long)]
    pub evidence: bool,
    /// With --evidence: plant a slope B of the affiliated same-segment spillover in the pair's
    /// standardised brand association (the coefficient of e_JV×SameGroup×BrandAssociation of the
    /// alternatives group's brand column), in [-1, 1]. Default 0: the quality scores ignore the
    /// association and every file is that of a run without the flag. Planted value and its
    /// estimand: truth.json → evidence.brand_association.
    #[arg(long, value_name = "B", default_value_t = 0.0, allow_negative_numbers = true)]
    pub brand_slope: f64,
    /// With --evidence: planted SameGroup coefficient γ of the customer-choice Poisson model
    /// (ln of the extra co-listing rate of affiliated pairs), in [-3, 3]; default 0.
    #[arg(long, value_name = "G", default_value_t = 0.0, allow_negative_numbers = true)]
    pub demand_same_group: f64,
    /// With --evidence: planted SameGroup×SameSeg coefficient φ of the customer-choice Poisson
    /// model, in [-3, 3]; default 0.
    #[arg(long, value_name = "F", default_value_t = 0.0, allow_negative_numbers = true)]
    pub demand_same_group_seg: f64,
    /// Plant within-JV-firm similarity for the benchmark group: JV models of one JV firm share a
    /// dimension-strength pattern sized so that the benchmark's JV sum (β_SameFirm + β_SameSeg +
    /// β_SameFirm×SameSeg) converges to S, in [0, 0.9] (the study: 0.584). Default 0: no pattern,
    /// every file is that of a run without the flag. Planted value and estimand: truth.json →
    /// jv_similarity.
    #[arg(long, value_name = "S", default_value_t = 0.0)]
    pub jv_similarity: f64,
    /// Plant growth of the affiliated spillover: a firm pair's spillover grows by G per year since
    /// its year 0 (the event study's: the first year an affiliated model pair of the two firms is
    /// on the market), sized so that the event study's slope converges to G, in [-0.1, 0.1].
    /// Default 0: no growth, every file is that of a run without the flag. Planted value and
    /// estimand: truth.json → spillover_growth.
    #[arg(long, value_name = "G", default_value_t = 0.0, allow_negative_numbers = true)]
    pub spillover_growth: f64,
}

impl SynthArgs {
    /// Validate into the run configuration (a bad --rho is a usage error).
    pub fn into_config(self) -> Result<SynthConfig> {
        let scale = match self.scale {
            ScaleArg::Small => Scale::Small,
            ScaleArg::Paper => Scale::Paper,
        };
        let params = SynthParams {
            evidence: self.evidence,
            brand_slope: self.brand_slope,
            demand_same_group: self.demand_same_group,
            demand_same_group_seg: self.demand_same_group_seg,
            jv_similarity: self.jv_similarity,
            spillover_growth: self.spillover_growth,
            ..SynthParams::new(self.seed, scale, self.rho)
        };
        params.validate().map_err(|e| Error::Usage(format!("synth parameters: {e}")))?;
        let format = match self.format {
            FormatArg::Csv => TableFormat::Csv,
            FormatArg::Parquet => TableFormat::Parquet,
        };
        Ok(SynthConfig { out: self.out, params, format, force: self.force })
    }
}
