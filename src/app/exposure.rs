//! Runs `spillnet exposure`: loads a data folder
//! ([`super::load_data`]), computes channel exposures
//! ([`crate::exposure::measure::compute_exposure`]), converts the panel (and
//! optionally the pair weights) into [`TableData`] and writes them with
//! [`write_table`] (atomic, deterministic) or as CSV to stdout. Imports
//! `io`, `exposure`, `study` (relative strengths), `error`.

use std::path::PathBuf;

use super::Ctx;
use crate::error::Result;
use crate::exposure::measure::{ExposureConfig, ExposurePanel, Level, PairWeights, QualitySource, compute_exposure};
use crate::io::Indexed;
use crate::io::write::{ColumnData, TableData, TableFormat, table_to_csv, write_table};

/// Validated configuration of `spillnet exposure`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureJobConfig {
    /// Data folder.
    pub data: PathBuf,
    /// What to compute (level, channels, weights, flow, lag; `pair_weights`
    /// is true exactly when `pairs` is set).
    pub exposure: ExposureConfig,
    /// Exposure table file and format; CSV on stdout when `None`.
    pub out: Option<(PathBuf, TableFormat)>,
    /// Pair-weights table file and format, if requested.
    pub pairs: Option<(PathBuf, TableFormat)>,
}

/// The exposure panel as a table: `unit`, `dimension`, `year`, then
/// `exposure_<channel>` per channel (`-0.0` is written as `0.0`).
pub fn panel_table(panel: &ExposurePanel) -> TableData {
    let mut t = TableData::default()
        .with("unit", ColumnData::Text(panel.unit.iter().cloned().map(Some).collect()))
        .with("dimension", ColumnData::Text(panel.dimension.iter().cloned().map(Some).collect()))
        .with("year", ColumnData::Int(panel.year.iter().map(|&y| Some(i64::from(y))).collect()));
    for (c, vals) in panel.channels.iter().zip(&panel.values) {
        t = t.with(
            &format!("exposure_{}", c.as_str()),
            ColumnData::Float(vals.iter().map(|&v| Some(v + 0.0)).collect()),
        );
    }
    t
}

/// The pair weights as a table: `focal`, `jv`, `year`, then
/// `weight_<channel>` per channel (`-0.0` is written as `0.0`).
pub fn pairs_table(panel: &ExposurePanel, pairs: &PairWeights) -> TableData {
    let mut t = TableData::default()
        .with("focal", ColumnData::Text(pairs.focal.iter().cloned().map(Some).collect()))
        .with("jv", ColumnData::Text(pairs.jv.iter().cloned().map(Some).collect()))
        .with("year", ColumnData::Int(pairs.year.iter().map(|&y| Some(i64::from(y))).collect()));
    for (c, vals) in panel.channels.iter().zip(&pairs.values) {
        t = t.with(&format!("weight_{}", c.as_str()), ColumnData::Float(vals.iter().map(|&v| Some(v + 0.0)).collect()));
    }
    t
}

/// [`compute_exposure`], first resolving [`QualitySource::Relative`] into
/// the study's relative strengths (step 1, [`crate::study::strengths::relative_quality`]).
pub fn compute(data: &Indexed, cfg: &ExposureConfig) -> Result<ExposurePanel> {
    if cfg.quality == QualitySource::Relative {
        let resolved = ExposureConfig {
            quality: QualitySource::Override(crate::study::strengths::relative_quality(data)?),
            ..cfg.clone()
        };
        return Ok(compute_exposure(data, &resolved)?);
    }
    Ok(compute_exposure(data, cfg)?)
}

/// Run the command.
pub fn run(cfg: &ExposureJobConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let (data, _) = super::load_data(&cfg.data, ctx)?;
    let panel = compute(&data, &cfg.exposure)?;
    let table = panel_table(&panel);
    match &cfg.out {
        Some((path, format)) => {
            write_table(path, &table, *format)?;
            ctx.info(format_args!("wrote {}", path.display()))?;
        }
        None => {
            let text = table_to_csv(&table);
            write!(ctx.out, "{text}").map_err(super::stdout_err)?;
        }
    }
    if let Some((path, format)) = &cfg.pairs {
        let pairs = panel.pairs.clone().unwrap_or_default();
        write_table(path, &pairs_table(&panel, &pairs), *format)?;
        ctx.info(format_args!("wrote {} ({} pairs)", path.display(), pairs.focal.len()))?;
    }
    let d = &panel.diagnostics;
    let level = match panel.level {
        Level::Firm => "firm",
        Level::Model => "model",
    };
    ctx.info(format_args!(
        "exposure: {} rows ({level} level), {} focal units, {} JV units, {} channels",
        d.rows,
        d.focal_units,
        d.jv_units,
        panel.channels.len()
    ))?;
    let zeros: Vec<String> =
        panel.channels.iter().zip(&d.zero_weight_rows).map(|(c, n)| format!("{}={n}", c.as_str())).collect();
    ctx.info(format_args!("zero-weight rows per channel: {}", zeros.join(", ")))?;
    for c in &d.absent_channels {
        ctx.info(format_args!("channel {c}: not on these data (its source table is absent), no column"))?;
    }
    Ok(())
}
