//! Arguments of `spillnet exposure`, validated into [`ExposureJobConfig`].
//! Imports `app::exposure` (config types), `exposure::measure` (domain
//! enums) and `io::write` (table format).

use std::path::{Path, PathBuf};

use crate::app::exposure::ExposureJobConfig;
use crate::error::{Error, Result};
use crate::exposure::measure::{Channel, Direction, ExposureConfig, Flow, Level, QualitySource, Weights};
use crate::io::write::TableFormat;

/// `--channels` value: a built-in channel or one registered with
/// [`crate::channels::register`] (the error lists every known name).
fn parse_channel(name: &str) -> std::result::Result<Channel, String> {
    Channel::parse(name).ok_or_else(|| {
        let known: Vec<&str> =
            Channel::all().into_iter().chain([Channel::StructuralEquivalence]).map(Channel::as_str).collect();
        format!("unknown channel `{name}` (known: {})", known.join(", "))
    })
}

/// Weight transformation (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WeightsArg {
    /// Weights as they are.
    Raw,
    /// Row-normalised: w / Σ_j w (a zero total gives exposure 0).
    Row,
    /// ln(1 + w).
    Log1p,
    /// 1 if w > 0, else 0: whether a tie exists (netdiffuseR's `valued = FALSE`).
    Binary,
}

/// Direction of the worker moves counted (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DirectionArg {
    /// Workers who moved from the JV to the focal unit (incoming ties; the study's channel).
    In,
    /// Workers who moved from the focal unit to the JV (outgoing ties).
    Out,
    /// Both directions, summed.
    Both,
}

/// Worker-flow window (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FlowArg {
    /// All years pooled (lag ignored).
    Pooled,
    /// Years up to t − lag.
    Cumulative,
    /// Year t − lag only.
    Annual,
}

/// Quality measure Q (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QualityArg {
    /// The scores as given in quality.csv.
    Raw,
    /// Relative strengths: scores net of model×year and segment×dimension×year
    /// effects, computed separately for JV and domestic models (step 1 of the study).
    Relative,
}

/// Unit level (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LevelArg {
    /// Domestic firms exposed to JV firms (Q = mean score of the firm's models).
    Firm,
    /// Domestic models exposed to JV models (Q = the model's score).
    Model,
}

/// Text shown after `spillnet exposure --help`.
const EXPOSURE_AFTER_HELP: &str = "\
Exposure^c(d,k,t) = sum over JV units j observed in year t of w^c(d,j,t) * Q(j,k,t),
one row per focal domestic unit d, quality dimension k and year t with a quality value;
columns: unit, dimension, year, exposure_<channel> (one per channel, in --channels order).
The pair table (--pairs) has columns focal, jv, year, weight_<channel>.

Examples:
  spillnet exposure --data data --out e.csv
  spillnet exposure --level firm --channels worker_flow,geography --weights row --out e.parquet
  spillnet estimate --data e.csv --y exposure_worker_flow --x exposure_affiliation --fe unit,year";

/// Channel-weighted exposure of domestic units to JV quality.
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXPOSURE_AFTER_HELP)]
pub struct ExposureArgs {
    /// Data folder holding the tables (`firms.csv`, `jv_links.csv`, … or `.parquet`).
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub data: PathBuf,
    /// Channels, comma-separated, one output column each: `affiliation`, `worker_flow`,
    /// `supplier_overlap`, `geography`, `worker_flow_se` (structural equivalence in the
    /// worker-flow network over the flow window: netdiffuseR's struct_equiv with v = 1, firms
    /// that exchange workers with the same firms weigh most; see the README), or the name of a
    /// registered channel such as
    /// `patent_flow` (patents transferred or licensed from the JV to the focal firm's group up
    /// to t; needs a patents table, otherwise it has no column and a note says so). Default:
    /// the four built-in ones, `affiliation,worker_flow,supplier_overlap,geography`.
    #[arg(
        long,
        value_parser = parse_channel,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "affiliation,worker_flow,supplier_overlap,geography"
    )]
    pub channels: Vec<Channel>,
    /// Weight transformation applied to every channel's w before summing: `raw` (default),
    /// `row` (w / Σ_j w over the JV units observed in t), `log1p` (ln(1 + w)) or `binary`
    /// (1 if w > 0: ties instead of valued ties).
    #[arg(long, value_enum, value_name = "W", default_value = "raw")]
    pub weights: WeightsArg,
    /// Worker moves counted by `worker_flow`: `in` (default; from the JV to the focal unit),
    /// `out` (from the focal unit to the JV) or `both` (summed). The other built-in channels are
    /// symmetric.
    #[arg(long, value_enum, value_name = "DIR", default_value = "in")]
    pub direction: DirectionArg,
    /// Worker-flow window: `pooled`, `cumulative` (default) or `annual`.
    #[arg(long, value_enum, value_name = "FLOW", default_value = "cumulative")]
    pub flow: FlowArg,
    /// Flow lag L: flows up to (cumulative) or in (annual) year t − L (default 1).
    #[arg(long, value_name = "L", default_value_t = 1)]
    pub lag: u32,
    /// Unit level: `model` (default) or `firm`.
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "model")]
    pub level: LevelArg,
    /// Quality Q: `raw` scores (default) or `relative` strengths (step 1 of the study).
    #[arg(long, value_enum, value_name = "Q", default_value = "raw")]
    pub quality: QualityArg,
    /// Write the exposure table to FILE (atomically); the format follows the
    /// extension, `.csv` or `.parquet`. Default: CSV on stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also write the pair-level channel weights to FILE (`.csv` or `.parquet`).
    #[arg(long, value_name = "FILE")]
    pub pairs: Option<PathBuf>,
}

/// The table format named by a file's extension (`.csv` / `.parquet`).
pub fn format_of(flag: &str, path: &Path) -> Result<TableFormat> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => Ok(TableFormat::Csv),
        Some("parquet") => Ok(TableFormat::Parquet),
        _ => Err(Error::Usage(format!("{flag} {}: the file name must end in .csv or .parquet", path.display()))),
    }
}

impl ExposureArgs {
    /// Validate into the run configuration (bad values are usage errors).
    pub fn into_config(self) -> Result<ExposureJobConfig> {
        let mut channels = Vec::with_capacity(self.channels.len());
        for &ch in &self.channels {
            if channels.contains(&ch) {
                return Err(Error::Usage(format!("--channels: `{}` is listed twice", ch.as_str())));
            }
            channels.push(ch);
        }
        if channels.is_empty() {
            return Err(Error::Usage("--channels: at least one channel is needed".into()));
        }
        let out = match self.out {
            Some(p) => {
                let f = format_of("--out", &p)?;
                Some((p, f))
            }
            None => None,
        };
        let pairs = match self.pairs {
            Some(p) => {
                let f = format_of("--pairs", &p)?;
                Some((p, f))
            }
            None => None,
        };
        let exposure = ExposureConfig {
            level: match self.level {
                LevelArg::Firm => Level::Firm,
                LevelArg::Model => Level::Model,
            },
            channels,
            weights: match self.weights {
                WeightsArg::Raw => Weights::Raw,
                WeightsArg::Row => Weights::Row,
                WeightsArg::Log1p => Weights::Log1p,
                WeightsArg::Binary => Weights::Binary,
            },
            direction: match self.direction {
                DirectionArg::In => Direction::In,
                DirectionArg::Out => Direction::Out,
                DirectionArg::Both => Direction::Both,
            },
            flow: match self.flow {
                FlowArg::Pooled => Flow::Pooled,
                FlowArg::Cumulative => Flow::Cumulative,
                FlowArg::Annual => Flow::Annual,
            },
            lag: self.lag,
            pair_weights: pairs.is_some(),
            quality: match self.quality {
                QualityArg::Raw => QualitySource::Raw,
                QualityArg::Relative => QualitySource::Relative,
            },
        };
        Ok(ExposureJobConfig { data: self.data, exposure, out, pairs })
    }
}
