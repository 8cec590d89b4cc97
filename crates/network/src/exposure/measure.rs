//! Channel-weighted exposure measures (SPEC §3, "General channel exposure"):
//!
//! ```text
//! Exposure^c_{d,k,t} = Σ_j w^c_{d,j,t} · Q_{j,k,t}
//! ```
//!
//! for a focal domestic unit `d`, quality dimension `k`, year `t`, channel
//! `c`, summed over the JV units `j` observed in year `t`.
//!
//! Owns [`Level`], [`Channel`], [`Flow`], [`Weights`], [`QualitySource`],
//! [`ExposureConfig`], the output [`ExposurePanel`] / [`PairWeights`] /
//! [`ExposureDiagnostics`], the entry point [`compute_exposure`] and the
//! kernel [`exposure_from_weights`].
//!
//! Imports `io::tables`, `ids`, this layer's error and the channel definitions
//! (`crate::channels`, built-in and registered); never `estimate`,
//! never polars. (`graph::Channel` describes graph edges — ownership,
//! production, located-in — not weights between a domestic and a JV unit, so
//! this module has its own [`Channel`].)
//!
//! Conventions (all documented choices):
//! - *Units.* Firm level: focal units are firms of kind `domestic`, JV units
//!   firms of kind `jv`. Model level: focal units are models of domestic
//!   firms, JV units models of JV firms. Models of foreign parents are ignored.
//! - *Observed.* A JV unit is observed in year `t` when it has at least one
//!   quality value in `t` (a JV firm: when any of its models has one).
//!   `Q_{j,k,t}` is the model's value (model level) or the mean over the
//!   firm's models with a value in `(k, t)` (firm level). A JV unit observed
//!   in `t` but without a value in `(k, t)` contributes nothing to that sum
//!   (its weight still counts in the row total of [`Weights::Row`]).
//! - *Rows.* The panel has one row per focal `(d, k, t)` with a quality value
//!   (firm level: any of the firm's models has one), so at model level the
//!   panel has exactly as many rows as the focal models' quality rows.
//! - *Lag.* `lag = L` means flows up to year `t − L` ([`Flow::Cumulative`]) or
//!   in year `t − L` exactly ([`Flow::Annual`]); [`Flow::Pooled`] ignores it.
//!   [`ExposureConfig::default`] uses `L = 1`.
//! - *Affiliation* and *supplier overlap* are time-invariant (the group table
//!   and pooled supplier sets have no years).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use spillnet_io::Indexed;

use rayon::prelude::*;

use super::ExposureError;
use crate::channels::affiliation::Affiliation;
use crate::channels::geography;
use crate::channels::supplier_overlap::{Holders, OverlapIndex, SupplierSets, overlap};
use crate::channels::worker_flow::{Window, WorkerFlow};
use crate::channels::{FirmChannel, Firms, find as find_channel};
use spillnet_io::ids::ModelId;
use spillnet_io::tables::FirmKind;

/// Which units the exposure is measured for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// `d` = domestic firm, `j` = JV firm; `Q` = mean score of the firm's models.
    Firm,
    /// `d` = domestic model, `j` = JV model; `Q` = the model's score.
    Model,
}

/// A channel through which a focal unit is exposed to a JV unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// `w = 1` when the focal firm's `group_id` equals the group of a domestic
    /// parent of the JV firm (from `jv_links`), else 0.
    Affiliation,
    /// `w` = workers who moved from the JV firm to the focal firm, over the
    /// window set by [`Flow`] and the lag.
    WorkerFlow,
    /// `w` = number of distinct suppliers the two units share (pooled sets;
    /// a supplier row that targets a firm counts for each of its models).
    SupplierOverlap,
    /// `w = 1` when both firms have the same (non-null) province, else 0.
    Geography,
    /// `w` = structural equivalence of the two firms in the worker-flow
    /// network (binary, directed, all firms) over the window set by [`Flow`]
    /// and the lag: netdiffuseR's `struct_equiv()` with cohesion $v = 1$
    /// ([`super::structural`]); firms that exchange workers with the same
    /// firms are close even when no worker moved between the two. Named
    /// `worker_flow_se`; not in the default channel list. Model level: the
    /// producing firms' weight.
    StructuralEquivalence,
    /// A registered channel ([`crate::channels::registered`]), by name.
    Registered(&'static str),
}

impl Channel {
    /// All channels, in output order.
    pub const ALL: [Channel; 4] =
        [Channel::Affiliation, Channel::WorkerFlow, Channel::SupplierOverlap, Channel::Geography];

    /// Snake-case name used for output columns.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Affiliation => "affiliation",
            Channel::WorkerFlow => "worker_flow",
            Channel::SupplierOverlap => "supplier_overlap",
            Channel::Geography => "geography",
            Channel::StructuralEquivalence => "worker_flow_se",
            Channel::Registered(name) => name,
        }
    }

    /// The channel called `name`: a built-in one (including `worker_flow_se`) or a registered one.
    pub fn parse(name: &str) -> Option<Channel> {
        Channel::all().into_iter().chain([Channel::StructuralEquivalence]).find(|c| c.as_str() == name)
    }

    /// The four built-in channels, then every registered one.
    pub fn all() -> Vec<Channel> {
        let registered = crate::channels::registered().into_iter().map(|d| Channel::Registered(d.name));
        Channel::ALL.into_iter().chain(registered).collect()
    }
}

/// Time window of worker flows counted in [`Channel::WorkerFlow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    /// All years pooled (lag ignored).
    Pooled,
    /// Years `≤ t − lag`.
    Cumulative,
    /// Year `t − lag` only.
    Annual,
}

/// Transformation of the raw channel weights before summing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Weights {
    /// Use `w` as is.
    Raw,
    /// `w / Σ_j w` over the JV units observed in `t`; a zero total gives
    /// exposure 0 (counted in [`ExposureDiagnostics::zero_weight_rows`]).
    Row,
    /// `ln(1 + w)`.
    Log1p,
    /// `1{w > 0}`: whether a tie exists (netdiffuseR's `valued = FALSE`).
    Binary,
}

/// Which worker moves count for [`Channel::WorkerFlow`] (netdiffuseR's
/// incoming vs outgoing ties). The other built-in channels are symmetric;
/// registered channels keep their own definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// Workers who moved from the JV unit to the focal unit (the study's channel).
    #[default]
    In,
    /// Workers who moved from the focal unit to the JV unit.
    Out,
    /// Both: the sum of the two.
    Both,
}

/// One externally supplied quality value (e.g. a relative strength).
#[derive(Debug, Clone, PartialEq)]
pub struct QualityValue {
    /// The model.
    pub model_id: ModelId,
    /// Quality dimension.
    pub dimension: String,
    /// Year.
    pub year: i32,
    /// Value; must be finite.
    pub value: f64,
}

/// Where `Q` (and the set of focal rows) comes from.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum QualitySource {
    /// The raw scores of `Dataset::quality`.
    #[default]
    Raw,
    /// These values instead (one per (model, dimension, year); every model
    /// must exist in `Dataset::models`).
    Override(Vec<QualityValue>),
    /// Relative strengths (step 1 of the study: scores net of model×year and
    /// segment×dimension×year effects). This layer cannot compute them (they
    /// need the estimation engine): the application resolves this variant
    /// into [`QualitySource::Override`] first, and [`compute_exposure`]
    /// rejects it unresolved.
    Relative,
}

/// What to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureConfig {
    /// Firm or model level.
    pub level: Level,
    /// Channels, one output column each (in this order; no duplicates, not empty).
    pub channels: Vec<Channel>,
    /// Weight transformation.
    pub weights: Weights,
    /// Worker-flow window.
    pub flow: Flow,
    /// Direction of the worker moves counted.
    pub direction: Direction,
    /// Flow lag `L` (flows up to / in `t − L`).
    pub lag: u32,
    /// Also return the [`PairWeights`] table.
    pub pair_weights: bool,
    /// Source of `Q`.
    pub quality: QualitySource,
}

impl Default for ExposureConfig {
    /// Model level, all channels (built-in and registered), raw weights,
    /// cumulative flows with lag 1, no pair table, raw scores.
    fn default() -> Self {
        Self {
            level: Level::Model,
            channels: Channel::all(),
            weights: Weights::Raw,
            flow: Flow::Cumulative,
            direction: Direction::In,
            lag: 1,
            pair_weights: false,
            quality: QualitySource::Raw,
        }
    }
}

/// Long exposure table, sorted by (unit, dimension, year).
///
/// Shapes: `unit`, `dimension`, `year` have `n_rows` entries; `values` has
/// one column per entry of `channels`, each with `n_rows` entries.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposurePanel {
    /// Level of the units.
    pub level: Level,
    /// Channels, in column order.
    pub channels: Vec<Channel>,
    /// Focal unit id (firm id or model id).
    pub unit: Vec<String>,
    /// Quality dimension.
    pub dimension: Vec<String>,
    /// Year.
    pub year: Vec<i32>,
    /// `values[c][r]`: exposure through `channels[c]` of row `r`.
    pub values: Vec<Vec<f64>>,
    /// The (transformed) pair weights, when requested.
    pub pairs: Option<PairWeights>,
    /// Counts.
    pub diagnostics: ExposureDiagnostics,
}

impl ExposurePanel {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.unit.len()
    }

    /// The column of one channel, if it was requested.
    pub fn column(&self, channel: Channel) -> Option<&[f64]> {
        self.channels.iter().position(|&c| c == channel).map(|i| self.values[i].as_slice())
    }
}

/// Transformed weights `w^c_{d,j,t}` for every focal unit `d` observed in `t`
/// and every JV unit `j` observed in `t`, sorted by (focal, jv, year).
///
/// Shapes: `focal`, `jv`, `year` have `n_pairs` entries; `values[c]` has
/// `n_pairs` entries for each channel of [`ExposurePanel::channels`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PairWeights {
    /// Focal unit id.
    pub focal: Vec<String>,
    /// JV unit id.
    pub jv: Vec<String>,
    /// Year.
    pub year: Vec<i32>,
    /// `values[c][p]`: weight of pair `p` through channel `c`.
    pub values: Vec<Vec<f64>>,
}

/// Counts returned with a panel.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExposureDiagnostics {
    /// Focal units with at least one row.
    pub focal_units: usize,
    /// JV units observed in at least one year.
    pub jv_units: usize,
    /// Panel rows.
    pub rows: usize,
    /// Per channel (in [`ExposurePanel::channels`] order): rows whose raw
    /// weights over the JV units observed in `t` sum to zero.
    pub zero_weight_rows: Vec<usize>,
    /// Requested registered channels left out because the data lack their
    /// source table (e.g. `patent_flow` without `patents`).
    pub absent_channels: Vec<&'static str>,
}

/// The kernel: `Σ_j weights[j] · quality[j]`, skipping `j` whose quality is
/// missing (non-finite, e.g. NaN). Summation in index order (deterministic).
///
/// # Errors
/// [`ExposureError::Data`] when the slices have different lengths.
///
/// Complexity: O(J).
pub fn exposure_from_weights(weights: &[f64], quality: &[f64]) -> Result<f64, ExposureError> {
    if weights.len() != quality.len() {
        return Err(ExposureError::Data(format!(
            "exposure_from_weights: {} weights but {} quality values",
            weights.len(),
            quality.len()
        )));
    }
    Ok(dot_skip_missing(weights, quality))
}

/// `Σ_j weights[j] · quality[j]` over the `j` with a finite quality, in index order.
pub(crate) fn dot_skip_missing(weights: &[f64], quality: &[f64]) -> f64 {
    weights.iter().zip(quality).filter(|(_, q)| q.is_finite()).map(|(w, q)| w * q).sum()
}

/// One unit (focal or JV): id and its firm's number.
pub(crate) struct Unit {
    pub(crate) id: String,
    pub(crate) firm: u32,
    /// Pooled supplier set (the supplier-overlap channel's sorted indices).
    pub(crate) suppliers: Vec<u32>,
}

/// Quality of a set of units on a (dimension × year) grid.
pub(crate) struct Grid {
    /// `q[u][y * n_dims + k]`, NaN when missing.
    pub(crate) q: Vec<Vec<f64>>,
}

/// What one focal unit contributes to the panel: rows `(k, y, value per
/// channel)` in (k, y) order, zero-total rows per channel, and pair rows
/// `(j, y, weight per channel)` in (j, y) order.
pub(crate) struct UnitOut {
    pub(crate) rows: Vec<(usize, usize, Vec<f64>)>,
    pub(crate) zeros: Vec<usize>,
    pub(crate) pairs: Vec<(usize, usize, Vec<f64>)>,
}

/// A per-focal-unit kernel: [`sparse_unit`], or the dense reference of
/// [`super::dense`]; both read the same [`Ctx`].
pub(crate) type Kernel = fn(&Ctx<'_>, usize) -> UnitOut;

/// Everything the per-unit kernels read: the units and their quality, the
/// channels, and the sparse indexes.
pub(crate) struct Ctx<'a> {
    pub(crate) cfg: &'a ExposureConfig,
    pub(crate) n_dims: usize,
    pub(crate) years: &'a [i32],
    pub(crate) focal: &'a [Unit],
    pub(crate) jv: &'a [Unit],
    pub(crate) focal_grid: &'a Grid,
    /// `jv_obs[y][j]`: JV unit `j` has a quality value in year `y`.
    pub(crate) jv_obs: &'a [Vec<bool>],
    /// `jv_col[y * n_dims + k][j]`: `Q_{j,k,t}`, NaN when missing.
    pub(crate) jv_col: &'a [Vec<f64>],
    firms: &'a Firms<'a>,
    worker_flow: &'a WorkerFlow,
    window: Window,
    affiliation: &'a Affiliation<'a>,
    registered: &'a HashMap<usize, Box<dyn FirmChannel + 'a>>,
    se_by_year: &'a [Option<Vec<Vec<f64>>>],
    /// JV units of each firm number, ascending.
    jv_units_of_firm: Vec<Vec<u32>>,
    /// Firms of each known province.
    provinces: BTreeMap<&'a str, Vec<u32>>,
    /// JV units by supplier.
    holders: Holders,
    /// Per cell `y * n_dims + k`: JV units with a value of sign bit 0 and 1.
    cell_signs: Vec<[usize; 2]>,
}

impl Ctx<'_> {
    /// Whether focal unit `d` has a quality value in year `y` (it has rows then).
    pub(crate) fn focal_observed(&self, d: usize, y: usize) -> bool {
        self.focal_grid.q[d][y * self.n_dims..(y + 1) * self.n_dims].iter().any(|v| v.is_finite())
    }

    /// The raw weight `w^c_{d,j,t}` of JV unit `j` on focal unit `d` in year
    /// `y` through channel `c` (position `ci`), for a JV unit observed in `y`
    /// (unobserved ones weigh 0). The one definition both kernels read.
    pub(crate) fn raw_weight(&self, ci: usize, c: Channel, d: usize, j: usize, y: usize) -> f64 {
        let (f, g, t) = (self.focal[d].firm, self.jv[j].firm, self.years[y]);
        match c {
            Channel::Affiliation => self.affiliation.weight(self.firms, f, g),
            Channel::SupplierOverlap => overlap(&self.focal[d].suppliers, &self.jv[j].suppliers, OverlapIndex::Count),
            Channel::Geography => geography::weight(self.firms, f, g),
            Channel::WorkerFlow => {
                let w = |from, to| self.worker_flow.weight(from, to, t, self.window);
                match self.cfg.direction {
                    Direction::In => w(g, f),
                    Direction::Out => w(f, g),
                    Direction::Both => w(g, f) + w(f, g),
                }
            }
            Channel::StructuralEquivalence => self.se_by_year[y].as_ref().map_or(0.0, |m| m[f as usize][g as usize]),
            Channel::Registered(_) => self.registered.get(&ci).map_or(0.0, |r| r.weight(f, g, t)),
        }
    }

    /// The transformed weight of a raw weight `x` whose row total (over the
    /// JV units observed in the year) is `total`.
    pub(crate) fn transform(&self, x: f64, total: f64) -> f64 {
        match self.cfg.weights {
            Weights::Raw => x,
            Weights::Row if total != 0.0 => x / total,
            Weights::Row => x,
            Weights::Log1p => x.ln_1p(),
            Weights::Binary => f64::from(x > 0.0),
        }
    }

    /// The JV units of `firms` (any order, repeats allowed), ascending and distinct.
    fn units_of(&self, firms: impl IntoIterator<Item = u32>) -> Vec<u32> {
        let mut u: Vec<u32> = firms.into_iter().flat_map(|f| &self.jv_units_of_firm[f as usize]).copied().collect();
        u.sort_unstable();
        u.dedup();
        u
    }

    /// The JV units that may weigh on focal unit `d` through channel `c`,
    /// ascending, with their raw weights when these do not depend on the
    /// year; `None` for every JV unit. Every JV unit left out has raw weight
    /// exactly `+0.0` in every year (the channels' `partners` contracts).
    fn partners(&self, ci: usize, c: Channel, d: usize) -> Partners {
        let du = &self.focal[d];
        let with_weights =
            |units: Vec<u32>, w: &dyn Fn(u32) -> f64| Partners::Fixed(units.into_iter().map(|j| (j, w(j))).collect());
        match c {
            Channel::Affiliation => {
                let units = self.units_of(self.affiliation.partners(self.firms, du.firm).iter().copied());
                with_weights(units, &|j| self.affiliation.weight(self.firms, du.firm, self.jv[j as usize].firm))
            }
            Channel::Geography => {
                let firms = self.firms.province[du.firm as usize].and_then(|p| self.provinces.get(p));
                let units = self.units_of(firms.into_iter().flatten().copied());
                with_weights(units, &|j| geography::weight(self.firms, du.firm, self.jv[j as usize].firm))
            }
            // The number of shared suppliers: the overlap count, exactly (an integer).
            Channel::SupplierOverlap => Partners::Fixed(
                self.holders.shared_counts(&du.suppliers).into_iter().map(|(j, n)| (j, f64::from(n))).collect(),
            ),
            Channel::WorkerFlow => {
                let (sources, targets) = (self.worker_flow.sources(du.firm), self.worker_flow.targets(du.firm));
                Partners::Listed(match self.cfg.direction {
                    Direction::In => self.units_of(sources.iter().copied()),
                    Direction::Out => self.units_of(targets),
                    Direction::Both => self.units_of(sources.iter().copied().chain(targets)),
                })
            }
            Channel::StructuralEquivalence => Partners::All,
            Channel::Registered(_) => Partners::PerYear(ci),
        }
    }
}

/// Which JV units a channel's sparse sums visit for one focal unit.
enum Partners {
    /// These units, with their (year-invariant) raw weights.
    Fixed(Vec<(u32, f64)>),
    /// These units; weights per year.
    Listed(Vec<u32>),
    /// Ask the registered channel at position `.0` per year.
    PerYear(usize),
    /// Every JV unit.
    All,
}

/// One channel's transformed weights for a focal unit in a year: `(j, w)`
/// for the JV units visited and observed (ascending), and `zero`, the
/// transformed weight of every other JV unit (the transform of `+0.0`).
struct SparseWeights {
    entries: Vec<(u32, f64)>,
    zero: f64,
}

/// `Σ_j w_j · q_j` over every JV unit with a finite `q_j`, where `w_j` is
/// the entry's weight or `s.zero`, bitwise as [`dot_skip_missing`] on the
/// dense vector. The units outside the entries only add zeros when
/// `s.zero` is ±0: they can change nothing but the sign of a zero sum,
/// which is `-0.0` exactly when every term is `-0.0` (the sum starts at
/// `-0.0`; `-0 + +0 = +0`; a nonzero partial sum absorbs zeros and a zero
/// partial sum plus `y ≠ 0` is `y`). A product `±0 · q` is `-0.0` when the
/// signs differ, so `signs` (units with a finite `q` by sign bit) settles it.
/// A NaN `s.zero` (a Row total that is NaN) falls back to the dense sum.
fn sparse_dot(s: &SparseWeights, col: &[f64], signs: [usize; 2]) -> f64 {
    if s.zero != 0.0 {
        let mut w = vec![s.zero; col.len()];
        s.entries.iter().for_each(|&(j, x)| w[j as usize] = x);
        return dot_skip_missing(&w, col);
    }
    let terms = || s.entries.iter().map(|&(j, w)| (w, col[j as usize])).filter(|(_, q)| q.is_finite());
    let sum: f64 = terms().map(|(w, q)| w * q).sum();
    if sum != 0.0 || !sum.is_sign_negative() {
        return sum; // nonzero, NaN, or +0.0 (a term is not -0.0)
    }
    // Every visited term is -0.0; so is the dense sum unless another unit's ±0 · q is +0.0.
    let z = usize::from(s.zero.is_sign_negative());
    let visited = terms().filter(|(_, q)| usize::from(q.is_sign_negative()) == z).count();
    if signs[z] > visited { 0.0 } else { -0.0 }
}

/// The sparse kernel: for focal unit `d`, per year and channel, visit only
/// the JV units that may weigh on `d` ([`Ctx::partners`]); equal bitwise to
/// the dense reference (same weights, same summation order over `j`
/// ascending, same Row totals and zero counts).
///
/// Complexity: O(Y · C · p + rows · C · p) for p partners per channel
/// (p = J for structural equivalence and registered channels without
/// `partners`), plus O(Y · J) when the pair weights are requested.
pub(crate) fn sparse_unit(cx: &Ctx<'_>, d: usize) -> UnitOut {
    let cfg = cx.cfg;
    let n_ch = cfg.channels.len();
    let partners: Vec<Partners> = cfg.channels.iter().enumerate().map(|(ci, &c)| cx.partners(ci, c, d)).collect();
    let mut out = UnitOut { rows: Vec::new(), zeros: vec![0; n_ch], pairs: Vec::new() };
    let mut by_year: Vec<Option<(Vec<SparseWeights>, Vec<bool>)>> = (0..cx.years.len()).map(|_| None).collect();
    for (y, slot) in by_year.iter_mut().enumerate() {
        if !cx.focal_observed(d, y) {
            continue;
        }
        let obs = &cx.jv_obs[y];
        let mut ws = Vec::with_capacity(n_ch);
        let mut zs = Vec::with_capacity(n_ch);
        for (ci, (&c, p)) in cfg.channels.iter().zip(&partners).enumerate() {
            let weigh_observed = |units: &mut dyn Iterator<Item = u32>| -> Vec<(u32, f64)> {
                units.filter(|&j| obs[j as usize]).map(|j| (j, cx.raw_weight(ci, c, d, j as usize, y))).collect()
            };
            let mut entries: Vec<(u32, f64)> = match p {
                Partners::Fixed(e) => e.iter().copied().filter(|&(j, _)| obs[j as usize]).collect(),
                Partners::Listed(u) => weigh_observed(&mut u.iter().copied()),
                Partners::All => weigh_observed(&mut (0..cx.jv.len() as u32)),
                Partners::PerYear(r) => {
                    match cx.registered.get(r).and_then(|r| r.partners(cx.focal[d].firm, cx.years[y])) {
                        Some(firms) => weigh_observed(&mut cx.units_of(firms).into_iter()),
                        None => weigh_observed(&mut (0..cx.jv.len() as u32)),
                    }
                }
            };
            // The other units add +0.0 terms: the total is the dense one, up to the sign of a zero.
            let total: f64 = entries.iter().map(|e| e.1).sum();
            zs.push(total == 0.0);
            entries.iter_mut().for_each(|e| e.1 = cx.transform(e.1, total));
            ws.push(SparseWeights { entries, zero: cx.transform(0.0, total) });
        }
        if cfg.pair_weights {
            let mut next = vec![0usize; n_ch]; // cursor into each channel's entries
            for j in (0..cx.jv.len()).filter(|&j| obs[j]) {
                let vals = ws
                    .iter()
                    .zip(next.iter_mut())
                    .map(|(s, k)| match s.entries.get(*k) {
                        Some(&(e, w)) if e as usize == j => {
                            *k += 1;
                            w
                        }
                        _ => s.zero,
                    })
                    .collect();
                out.pairs.push((j, y, vals));
            }
        }
        *slot = Some((ws, zs));
    }
    for k in 0..cx.n_dims {
        for (y, slot) in by_year.iter().enumerate() {
            let Some((ws, zs)) = slot else { continue };
            if !cx.focal_grid.q[d][y * cx.n_dims + k].is_finite() {
                continue;
            }
            let cell = y * cx.n_dims + k;
            let vals = ws.iter().map(|s| sparse_dot(s, &cx.jv_col[cell], cx.cell_signs[cell])).collect();
            for (ci, z) in zs.iter().enumerate() {
                out.zeros[ci] += usize::from(*z);
            }
            out.rows.push((k, y, vals));
        }
    }
    out.pairs.sort_by_key(|p| (p.0, p.1)); // JV units are sorted by id
    out
}

/// Compute channel exposures for a dataset.
///
/// # Arguments
/// - `data`: validated tables.
/// - `cfg`: level, channels, weights, flow window, lag, quality source.
///
/// # Returns
/// The [`ExposurePanel`]; deterministic (independent of the rayon thread
/// count: each focal unit is computed sequentially and results are
/// collected in unit order).
///
/// # Errors
/// [`ExposureError::Data`] for an empty or repeated channel list, an
/// override naming an unknown model, a non-finite or duplicated override
/// value; [`ExposureError::Channel`] when a registered channel fails.
///
/// # Complexity
/// Sparse: per focal unit, year and channel only the JV units with a
/// possibly nonzero weight are visited — the JVs of the unit's group
/// (affiliation), of its province (geography), sharing a supplier (supplier
/// overlap, found through a supplier → JV index), exchanging workers with
/// its firm (worker flow), listed by a registered channel's
/// [`FirmChannel::partners`]. Structural equivalence is dense by nature
/// (every pair of firms has a weight), as are registered channels without
/// `partners`. Time O(D · Y · C · p + rows · C · p) for p such units
/// (p = J for the dense channels), plus O(D · Y · J) for the pair weights
/// when requested; extra memory O(J · K · Y) for the quality columns.
/// Equal bitwise to the dense computation
/// ([`super::dense::compute_exposure_dense`], the tests' reference).
pub fn compute_exposure(data: &Indexed, cfg: &ExposureConfig) -> Result<ExposurePanel, ExposureError> {
    compute_with(data, cfg, sparse_unit)
}

/// [`compute_exposure`] with the per-unit kernel `kernel` (sparse, or the dense reference).
pub(crate) fn compute_with(
    data: &Indexed,
    cfg: &ExposureConfig,
    kernel: Kernel,
) -> Result<ExposurePanel, ExposureError> {
    if cfg.channels.is_empty() {
        return Err(ExposureError::Data("no exposure channel requested".into()));
    }
    // Registered channels whose source table the data lack (patent_flow
    // without patents) have no column; they are listed in the diagnostics.
    let present: Vec<&str> = crate::channels::registered_for(data).iter().map(|d| d.name).collect();
    let absent: Vec<&'static str> = cfg
        .channels
        .iter()
        .filter_map(|c| match c {
            Channel::Registered(name) if !present.contains(name) => Some(*name),
            _ => None,
        })
        .collect();
    if !absent.is_empty() {
        let channels: Vec<Channel> = cfg
            .channels
            .iter()
            .copied()
            .filter(|c| !matches!(c, Channel::Registered(n) if absent.contains(n)))
            .collect();
        if channels.is_empty() {
            return Err(ExposureError::Data(format!(
                "no requested exposure channel is available on these data ({}: source table absent)",
                absent.join(", ")
            )));
        }
        let mut panel = compute_with(data, &ExposureConfig { channels, ..cfg.clone() }, kernel)?;
        panel.diagnostics.absent_channels = absent;
        return Ok(panel);
    }
    let uniq: BTreeSet<Channel> = cfg.channels.iter().copied().collect();
    if uniq.len() != cfg.channels.len() {
        return Err(ExposureError::Data("an exposure channel is requested twice".into()));
    }
    let ix = data.index();
    // Producing firm of each model number.
    let model_firm: Vec<u32> = (0..ix.models.len() as u32).map(|m| ix.firm_of_model(m)).collect();

    // Quality values: (model number, dimension, year, value).
    let values: Vec<(u32, &str, i32, f64)> = match &cfg.quality {
        QualitySource::Raw => data
            .quality
            .iter()
            .zip(&ix.quality_model)
            .map(|(q, &m)| (m, q.dimension.as_str(), q.year, q.score))
            .collect(),
        QualitySource::Relative => {
            return Err(ExposureError::Data(
                "relative strengths must be computed before the exposure (resolve QualitySource::Relative into Override)"
                    .into(),
            ));
        }
        QualitySource::Override(v) => {
            let mut seen = BTreeSet::new();
            let mut out = Vec::with_capacity(v.len());
            for (i, q) in v.iter().enumerate() {
                let Some(m) = ix.models.ix(&q.model_id) else {
                    return Err(ExposureError::Data(format!(
                        "quality override row {}: model_id {} is not in models",
                        i + 1,
                        q.model_id
                    )));
                };
                if !q.value.is_finite() {
                    return Err(ExposureError::Data(format!(
                        "quality override row {}: value {} is not finite",
                        i + 1,
                        q.value
                    )));
                }
                if !seen.insert((&q.model_id, q.dimension.as_str(), q.year)) {
                    return Err(ExposureError::Data(format!(
                        "quality override row {}: duplicate value for ({}, {}, {})",
                        i + 1,
                        q.model_id,
                        q.dimension,
                        q.year
                    )));
                }
                out.push((m, q.dimension.as_str(), q.year, q.value));
            }
            out
        }
    };
    let dims: Vec<&str> = values.iter().map(|v| v.1).collect::<BTreeSet<_>>().into_iter().collect();
    let years: Vec<i32> = values.iter().map(|v| v.2).collect::<BTreeSet<_>>().into_iter().collect();
    let dim_ix: HashMap<&str, usize> = dims.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let year_ix: HashMap<i32, usize> = years.iter().enumerate().map(|(i, y)| (*y, i)).collect();
    let (n_dims, n_years) = (dims.len(), years.len());

    // Supplier sets per model and per firm (pooled), from the supplier-overlap channel.
    let supplier_sets = SupplierSets::new(data);

    // Units (in number order, i.e. sorted by id) and their quality grids.
    let kind_of = |f: u32| data.firm(f).kind;
    let (focal, jv, focal_grid, jv_grid) = match cfg.level {
        Level::Model => {
            let mut focal = Vec::new();
            let mut jv = Vec::new();
            let mut unit_of: Vec<Option<(bool, usize)>> = vec![None; ix.models.len()];
            for (m, &f) in model_firm.iter().enumerate() {
                let id = ix.models.id(m as u32).0.clone();
                let u = Unit { id, firm: f, suppliers: supplier_sets.of_model(m as u32, f) };
                match kind_of(f) {
                    FirmKind::Domestic => {
                        unit_of[m] = Some((true, focal.len()));
                        focal.push(u);
                    }
                    FirmKind::Jv => {
                        unit_of[m] = Some((false, jv.len()));
                        jv.push(u);
                    }
                    FirmKind::Foreign => {}
                }
            }
            let mut fg = Grid { q: vec![vec![f64::NAN; n_dims * n_years]; focal.len()] };
            let mut jg = Grid { q: vec![vec![f64::NAN; n_dims * n_years]; jv.len()] };
            for &(m, d, y, v) in &values {
                if let Some((is_focal, u)) = unit_of[m as usize] {
                    let cell = year_ix[&y] * n_dims + dim_ix[d];
                    if is_focal { fg.q[u][cell] = v } else { jg.q[u][cell] = v }
                }
            }
            (focal, jv, fg, jg)
        }
        Level::Firm => {
            let mut models_of: Vec<Vec<u32>> = vec![Vec::new(); ix.firms.len()];
            for (m, &f) in model_firm.iter().enumerate() {
                models_of[f as usize].push(m as u32);
            }
            let mut focal = Vec::new();
            let mut jv = Vec::new();
            let mut unit_of: Vec<Option<(bool, usize)>> = vec![None; ix.firms.len()];
            for f in 0..ix.firms.len() as u32 {
                let sup = supplier_sets.of_firm_and(f, models_of[f as usize].iter().copied());
                let u = Unit { id: ix.firms.id(f).0.clone(), firm: f, suppliers: sup };
                match kind_of(f) {
                    FirmKind::Domestic => {
                        unit_of[f as usize] = Some((true, focal.len()));
                        focal.push(u);
                    }
                    FirmKind::Jv => {
                        unit_of[f as usize] = Some((false, jv.len()));
                        jv.push(u);
                    }
                    FirmKind::Foreign => {}
                }
            }
            let cells = n_dims * n_years;
            let mut sum_f = vec![vec![0.0; cells]; focal.len()];
            let mut cnt_f = vec![vec![0u32; cells]; focal.len()];
            let mut sum_j = vec![vec![0.0; cells]; jv.len()];
            let mut cnt_j = vec![vec![0u32; cells]; jv.len()];
            for &(m, d, y, v) in &values {
                if let Some((is_focal, u)) = unit_of[model_firm[m as usize] as usize] {
                    let cell = year_ix[&y] * n_dims + dim_ix[d];
                    let (s, c) = if is_focal { (&mut sum_f, &mut cnt_f) } else { (&mut sum_j, &mut cnt_j) };
                    s[u][cell] += v;
                    c[u][cell] += 1;
                }
            }
            let mean = |s: Vec<Vec<f64>>, c: Vec<Vec<u32>>| Grid {
                q: s.into_iter()
                    .zip(c)
                    .map(|(s, c)| {
                        s.into_iter().zip(c).map(|(s, c)| if c == 0 { f64::NAN } else { s / c as f64 }).collect()
                    })
                    .collect(),
            };
            (focal, jv, mean(sum_f, cnt_f), mean(sum_j, cnt_j))
        }
    };

    // JV observed per year.
    let observed = |g: &Grid, u: usize, y: usize| g.q[u][y * n_dims..(y + 1) * n_dims].iter().any(|v| v.is_finite());
    let jv_obs: Vec<Vec<bool>> =
        (0..n_years).map(|y| (0..jv.len()).map(|j| observed(&jv_grid, j, y)).collect()).collect();
    // Quality columns per (year, dim): jv_col[y * n_dims + k][j].
    let jv_col: Vec<Vec<f64>> = (0..n_dims * n_years).map(|cell| jv_grid.q.iter().map(|q| q[cell]).collect()).collect();

    // The channels, each defined once in `crate::channels`, by firm number.
    let firms = Firms::new(data);
    let worker_flow = WorkerFlow::new(data);
    let window = match cfg.flow {
        Flow::Pooled => Window::Pooled,
        Flow::Cumulative => Window::Cumulative { lag: cfg.lag },
        Flow::Annual => Window::Annual { lag: cfg.lag },
    };
    let affiliation = Affiliation::new(data, &firms);
    // Registered channels requested, built once: channel position → channel.
    let mut registered: HashMap<usize, Box<dyn FirmChannel + '_>> = HashMap::new();
    for (ci, c) in cfg.channels.iter().enumerate() {
        if let Channel::Registered(name) = c {
            let def = find_channel(name)
                .ok_or_else(|| ExposureError::Data(format!("exposure channel `{name}` is not registered")))?;
            registered.insert(ci, (def.build)(data, &firms)?);
        }
    }

    // Structural equivalence among all firms per year, over the flow window (only when asked).
    let se_by_year: Vec<Option<Vec<Vec<f64>>>> = if cfg.channels.contains(&Channel::StructuralEquivalence) {
        years
            .par_iter()
            .map(|&t| {
                let n_firms = ix.firms.len();
                let mut out: Vec<Vec<usize>> = vec![Vec::new(); n_firms];
                for (from, to, _, _) in worker_flow.flows() {
                    if from != to && worker_flow.weight(from, to, t, window) > 0.0 {
                        out[from as usize].push(to as usize);
                    }
                }
                out.iter_mut().for_each(|o| {
                    o.sort_unstable();
                    o.dedup();
                });
                Some(super::structural::struct_equiv(&out, 1.0))
            })
            .collect()
    } else {
        vec![None; n_years]
    };

    // The sparse indexes: JV units of each firm, by province, by supplier;
    // per (year, dimension) cell the JV units with a quality value by sign.
    let mut jv_units_of_firm: Vec<Vec<u32>> = vec![Vec::new(); ix.firms.len()];
    for (j, u) in jv.iter().enumerate() {
        jv_units_of_firm[u.firm as usize].push(j as u32);
    }
    let cell_signs: Vec<[usize; 2]> = jv_col
        .iter()
        .map(|col| {
            let mut n = [0; 2];
            col.iter().filter(|q| q.is_finite()).for_each(|q| n[usize::from(q.is_sign_negative())] += 1);
            n
        })
        .collect();
    let cx = Ctx {
        cfg,
        n_dims,
        years: &years,
        focal: &focal,
        jv: &jv,
        focal_grid: &focal_grid,
        jv_obs: &jv_obs,
        jv_col: &jv_col,
        firms: &firms,
        worker_flow: &worker_flow,
        window,
        affiliation: &affiliation,
        registered: &registered,
        se_by_year: &se_by_year,
        jv_units_of_firm,
        provinces: geography::by_province(&firms),
        holders: Holders::new(jv.iter().map(|u| u.suppliers.as_slice())),
        cell_signs,
    };
    let per_unit: Vec<UnitOut> = (0..focal.len()).into_par_iter().map(|d| kernel(&cx, d)).collect();

    let n_ch = cfg.channels.len();
    let mut panel = ExposurePanel {
        level: cfg.level,
        channels: cfg.channels.clone(),
        unit: Vec::new(),
        dimension: Vec::new(),
        year: Vec::new(),
        values: vec![Vec::new(); n_ch],
        pairs: cfg.pair_weights.then(|| PairWeights { values: vec![Vec::new(); n_ch], ..Default::default() }),
        diagnostics: ExposureDiagnostics {
            jv_units: (0..jv.len()).filter(|&j| (0..n_years).any(|y| jv_obs[y][j])).count(),
            zero_weight_rows: vec![0; n_ch],
            ..Default::default()
        },
    };
    for (d, out) in per_unit.into_iter().enumerate() {
        if !out.rows.is_empty() {
            panel.diagnostics.focal_units += 1;
        }
        for (ci, z) in out.zeros.iter().enumerate() {
            panel.diagnostics.zero_weight_rows[ci] += z;
        }
        for (k, y, vals) in out.rows {
            panel.unit.push(focal[d].id.clone());
            panel.dimension.push(dims[k].to_owned());
            panel.year.push(years[y]);
            for (ci, v) in vals.into_iter().enumerate() {
                panel.values[ci].push(v);
            }
        }
        if let Some(p) = panel.pairs.as_mut() {
            for (j, y, vals) in out.pairs {
                p.focal.push(focal[d].id.clone());
                p.jv.push(jv[j].id.clone());
                p.year.push(years[y]);
                for (ci, v) in vals.into_iter().enumerate() {
                    p.values[ci].push(v);
                }
            }
        }
    }
    panel.diagnostics.rows = panel.unit.len();
    Ok(panel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_skips_missing_quality() {
        let e = exposure_from_weights(&[1.0, 2.0, 3.0], &[0.5, f64::NAN, -1.0]).unwrap();
        assert_eq!(e, 0.5 - 3.0);
    }

    #[test]
    fn kernel_rejects_length_mismatch() {
        let err = exposure_from_weights(&[1.0], &[1.0, 2.0]).unwrap_err();
        assert!(err.to_string().contains("1 weights but 2 quality values"), "{err}");
    }

    /// `sparse_dot` against the dense sum it stands for, exhaustively on
    /// small cases: every subset of visited units, weights ±0, ±2, ∞ on
    /// them, the other units' weight +0, -0 or NaN, columns with signed
    /// zeros, negative values and missing values. Bitwise.
    #[test]
    fn sparse_dot_equals_the_dense_sum_bitwise() {
        let cols: [[f64; 4]; 4] = [
            [1.0, -2.0, f64::NAN, -0.0],
            [-0.0, -1.0, -0.0, f64::NAN],
            [0.0, -0.0, 0.0, -3.0],
            [f64::NAN, f64::NAN, 2.0, 0.0],
        ];
        let ws = [0.0, -0.0, 2.0, -2.0, f64::INFINITY];
        let mut checked = 0;
        for col in &cols {
            let mut signs = [0; 2];
            col.iter().filter(|q| q.is_finite()).for_each(|q| signs[usize::from(q.is_sign_negative())] += 1);
            for zero in [0.0, -0.0, f64::NAN] {
                for subset in 0..16u32 {
                    let visited: Vec<u32> = (0..4).filter(|j| subset >> j & 1 == 1).collect();
                    for pick in 0..ws.len().pow(visited.len() as u32) {
                        let mut p = pick;
                        let entries: Vec<(u32, f64)> = visited
                            .iter()
                            .map(|&j| {
                                let w = ws[p % ws.len()];
                                p /= ws.len();
                                (j, w)
                            })
                            .collect();
                        let mut dense = vec![zero; 4];
                        entries.iter().for_each(|&(j, w)| dense[j as usize] = w);
                        let s = SparseWeights { entries, zero };
                        let (got, want) = (sparse_dot(&s, col, signs), dot_skip_missing(&dense, col));
                        assert_eq!(got.to_bits(), want.to_bits(), "{col:?} {dense:?}: {got} vs {want}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 5000, "{checked}");
    }

    #[test]
    fn empty_or_repeated_channels_are_errors() {
        let data = Indexed::new(spillnet_io::tables::Dataset::default()).unwrap();
        let cfg = ExposureConfig { channels: vec![], ..Default::default() };
        assert!(compute_exposure(&data, &cfg).unwrap_err().to_string().contains("no exposure channel"));
        let cfg = ExposureConfig { channels: vec![Channel::Geography, Channel::Geography], ..Default::default() };
        assert!(compute_exposure(&data, &cfg).unwrap_err().to_string().contains("twice"));
    }
}
