//! Permutation placebo (randomisation inference, SPEC §4): affiliation is
//! re-assigned at random many times, at the level of the model-year pair,
//! the model pair, the firm-segment pair or the firm pair, keeping the number
//! of affiliated units fixed, and the headline spillover of the baseline
//! column (2) is re-estimated for each draw.
//!
//! Owns [`PlaceboLevel`], [`PlaceboOptions`], [`PlaceboResult`] and
//! [`run_placebo`]. Imports its siblings `panel` and `specs`.
//!
//! # Algorithm
//!
//! The baseline regression
//! $e^D = \alpha + e^{JV}(\beta_0 + \beta_1 SG + \beta_2 SS + \beta_3 SG\cdot SS) + u$
//! has no fixed effects, so its normal equations
//! depend on the data only through five sums ($n$, $\sum e^{JV}$,
//! $\sum (e^{JV})^2$, $\sum e^D$, $\sum e^{JV}e^D$) in each of the four
//! (SameGroup, SameSeg) cells. Those sums are precomputed per (unit,
//! SameSeg); a draw permutes the units' affiliation labels (Fisher–Yates),
//! aggregates the sums into the cells in O(units), and solves the 5×5
//! system. The real assignment reproduces the engine's estimate (tested).
//! Draw b uses `ChaCha8Rng::seed_from_u64(seed)` on stream b, and draws run
//! in parallel with rayon: results do not depend on the thread count.
//!
//! p-values ([`PLACEBO_P_RULE`]): (1 + k) / (N + 1) over the N defined
//! draws, k the draws at least as large as the real statistic (one-sided,
//! the study's direction) or at least as large in absolute value
//! (two-sided); the real assignment counts as one of the N + 1, so p is
//! never 0 (as `ritest`). The counts k are kept beside the p-values.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::StudyError;
use super::panel::StudyPanel;

/// The level at which affiliation is re-assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlaceboLevel {
    /// Each (domestic model, JV model, year) pair-year.
    ModelYear,
    /// Each (domestic model, JV model) pair, for all its years.
    Model,
    /// Each (domestic firm, domestic segment, JV firm, JV segment) cell.
    FirmSegment,
    /// Each (domestic firm, JV firm) pair (the default).
    #[default]
    Firm,
}

impl PlaceboLevel {
    /// Command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceboLevel::ModelYear => "model-year",
            PlaceboLevel::Model => "model",
            PlaceboLevel::FirmSegment => "firm-segment",
            PlaceboLevel::Firm => "firm",
        }
    }
}

impl fmt::Display for PlaceboLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PlaceboLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [PlaceboLevel::ModelYear, PlaceboLevel::Model, PlaceboLevel::FirmSegment, PlaceboLevel::Firm]
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("unknown placebo level `{s}` (expected model-year, model, firm-segment or firm)"))
    }
}

/// Placebo request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PlaceboOptions {
    /// Number of random re-assignments.
    pub draws: usize,
    /// Level of re-assignment.
    pub level: PlaceboLevel,
    /// Seed of the ChaCha8 streams (one stream per draw).
    pub seed: u64,
}

/// The placebo distribution of the headline spillover.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlaceboResult {
    /// The request.
    pub options: PlaceboOptions,
    /// Statistic re-estimated.
    pub statistic: String,
    /// Its value under the real affiliation.
    pub real: f64,
    /// Units at the chosen level.
    pub units: usize,
    /// Affiliated units (kept fixed by every draw).
    pub affiliated_units: usize,
    /// Share of affiliated rows under the real assignment.
    pub affiliated_row_share: f64,
    /// Mean share of affiliated rows across draws.
    pub mean_placebo_row_share: f64,
    /// One value per draw, in draw order.
    pub values: Vec<f64>,
    /// Draws whose statistic is undefined (singular design), excluded from the p-values.
    pub undefined: usize,
    /// k one-sided: defined draws ≥ the real statistic.
    pub extreme_one_sided: usize,
    /// k two-sided: defined draws with |value| ≥ |real|.
    pub extreme_two_sided: usize,
    /// (1 + k one-sided) / (N + 1), N the defined draws ([`PLACEBO_P_RULE`]).
    pub p_one_sided: f64,
    /// (1 + k two-sided) / (N + 1).
    pub p_two_sided: f64,
    /// (probability, quantile) of the placebo distribution (type 7, as R's default).
    pub quantiles: Vec<(f64, f64)>,
}

/// How the placebo p-values are computed: the real assignment counts as one
/// of the N + 1 equally likely assignments, so p is never 0 (as Stata's
/// `ritest` and Young's randomisation-t; Phipson and Smyth 2010).
pub const PLACEBO_P_RULE: &str =
    "p = (1 + k) / (N + 1), k = defined draws at least as extreme as the real statistic, N = defined draws";

/// Per (unit, SameSeg) sufficient statistics: n, Σe, Σe², Σy, Σey.
type Sums = [f64; 5];

fn add(a: &mut Sums, b: &Sums) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// Solve the baseline (2) normal equations from the four (SG, SS) cells and
/// return β_SG + β_SS + β_SG×SS, or `None` when singular.
#[allow(clippy::needless_range_loop)] // 5×5 normal equations read best with indices
fn headline_from_cells(cells: &[[Sums; 2]; 2]) -> Option<f64> {
    // Columns: 0 intercept, 1 e, 2 e·SG, 3 e·SS, 4 e·SG·SS.
    let on = |col: usize, g: usize, s: usize| match col {
        0 | 1 => true,
        2 => g == 1,
        3 => s == 1,
        _ => g == 1 && s == 1,
    };
    let mut a = [[0.0f64; 5]; 5];
    let mut b = [0.0f64; 5];
    for g in 0..2 {
        for s in 0..2 {
            let c = &cells[g][s];
            for r in 0..5 {
                if !on(r, g, s) {
                    continue;
                }
                b[r] += if r == 0 { c[3] } else { c[4] };
                for q in 0..5 {
                    if on(q, g, s) {
                        a[r][q] += match (r == 0, q == 0) {
                            (true, true) => c[0],
                            (true, false) | (false, true) => c[1],
                            _ => c[2],
                        };
                    }
                }
            }
        }
    }
    let beta = solve5(a, b)?;
    Some(beta[2] + beta[3] + beta[4])
}

/// Gaussian elimination with partial pivoting; `None` when (near) singular.
#[allow(clippy::needless_range_loop)] // textbook elimination on a 5×5 array
fn solve5(mut a: [[f64; 5]; 5], mut b: [f64; 5]) -> Option<[f64; 5]> {
    let scale = (0..5).map(|i| a[i][i].abs()).fold(0.0, f64::max);
    for c in 0..5 {
        let p = (c..5).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() <= 1e-12 * scale.max(f64::MIN_POSITIVE) {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        for r in c + 1..5 {
            let f = a[r][c] / a[c][c];
            for q in c..5 {
                a[r][q] -= f * a[c][q];
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = [0.0; 5];
    for c in (0..5).rev() {
        let s: f64 = (c + 1..5).map(|q| a[c][q] * x[q]).sum();
        x[c] = (b[c] - s) / a[c][c];
    }
    Some(x)
}

/// Type-7 quantile of sorted values.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Unit key of pair-year row `r` at `level`.
fn unit_key(panel: &StudyPanel, level: PlaceboLevel, r: usize) -> (u32, u32, u32, u32, i32) {
    let p = &panel.pairs;
    let (i, j) = (p.domestic_model[r], p.jv_model[r]);
    match level {
        PlaceboLevel::ModelYear => (i, j, 0, 0, p.year[r]),
        PlaceboLevel::Model => (i, j, 0, 0, 0),
        PlaceboLevel::FirmSegment => (
            p.domestic_firm[r],
            p.jv_firm[r],
            panel.strengths.model_segment[i as usize],
            panel.strengths.model_segment[j as usize],
            0,
        ),
        PlaceboLevel::Firm => (p.domestic_firm[r], p.jv_firm[r], 0, 0, 0),
    }
}

/// Run the permutation placebo on the baseline (2) regression.
///
/// `progress` is called once per finished draw (from rayon threads).
///
/// # Errors
/// No affiliated or no non-affiliated unit (nothing to permute).
///
/// # Complexity
/// O(N) once, then O(units) per draw.
pub fn run_placebo(
    panel: &StudyPanel,
    opts: &PlaceboOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<PlaceboResult, StudyError> {
    let p = &panel.pairs;
    // Units and their labels.
    let mut unit_of_pair_row: Vec<u32> = Vec::with_capacity(p.len());
    let mut ids: HashMap<(u32, u32, u32, u32, i32), u32> = HashMap::new();
    let mut label: Vec<bool> = Vec::new();
    for r in 0..p.len() {
        let k = unit_key(panel, opts.level, r);
        let n = ids.len() as u32;
        let u = *ids.entry(k).or_insert_with(|| {
            label.push(p.same_group[r]);
            n
        });
        unit_of_pair_row.push(u);
    }
    let units = label.len();
    let affiliated_units = label.iter().filter(|&&a| a).count();
    if affiliated_units == 0 || affiliated_units == units {
        return Err(StudyError::Data(format!(
            "placebo at level {}: {affiliated_units} of {units} units are affiliated; nothing to permute",
            opts.level
        )));
    }
    // Sufficient statistics per (unit, SameSeg).
    let mut sums: Vec<[Sums; 2]> = vec![[[0.0; 5]; 2]; units];
    for i in 0..panel.len() {
        let r = panel.pair_row[i] as usize;
        let (e, y) = (panel.e_jv[i], panel.e_d[i]);
        let s = &mut sums[unit_of_pair_row[r] as usize][usize::from(p.same_seg[r])];
        add(s, &[1.0, e, e * e, y, e * y]);
    }
    let stat = |lab: &[bool]| -> (Option<f64>, f64) {
        let mut cells = [[[0.0; 5]; 2]; 2];
        for (u, s) in sums.iter().enumerate() {
            let g = usize::from(lab[u]);
            add(&mut cells[g][0], &s[0]);
            add(&mut cells[g][1], &s[1]);
        }
        let n_aff = cells[1][0][0] + cells[1][1][0];
        let n_all = n_aff + cells[0][0][0] + cells[0][1][0];
        (headline_from_cells(&cells), n_aff / n_all)
    };
    let (real, real_share) = stat(&label);
    let real = real.ok_or_else(|| StudyError::Data("placebo: the baseline (2) design is singular".into()))?;
    let draws: Vec<(Option<f64>, f64)> = (0..opts.draws)
        .into_par_iter()
        .map(|b| {
            let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
            rng.set_stream(b as u64);
            let mut lab = label.clone();
            lab.shuffle(&mut rng);
            let out = stat(&lab);
            progress(1);
            out
        })
        .collect();
    let values: Vec<f64> = draws.iter().map(|d| d.0.unwrap_or(f64::NAN)).collect();
    let defined: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let nd = defined.len() as f64;
    let tol = 1e-12 * real.abs().max(1e-300);
    let extreme_one_sided = defined.iter().filter(|&&v| v >= real - tol).count();
    let extreme_two_sided = defined.iter().filter(|&&v| v.abs() >= real.abs() - tol).count();
    let p_one_sided = (1.0 + extreme_one_sided as f64) / (nd + 1.0);
    let p_two_sided = (1.0 + extreme_two_sided as f64) / (nd + 1.0);
    let mut sorted = defined.clone();
    sorted.sort_by(f64::total_cmp);
    let quantiles =
        [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99].iter().map(|&q| (q, quantile(&sorted, q))).collect();
    let mean_share = draws.iter().map(|d| d.1).sum::<f64>() / draws.len().max(1) as f64;
    Ok(PlaceboResult {
        options: *opts,
        statistic: "baseline (2): e_JV:SameGroup + e_JV:SameSeg + e_JV:SameGroup:SameSeg".into(),
        real,
        units,
        affiliated_units,
        affiliated_row_share: real_share,
        mean_placebo_row_share: mean_share,
        undefined: values.len() - defined.len(),
        values,
        extreme_one_sided,
        extreme_two_sided,
        p_one_sided,
        p_two_sided,
        quantiles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_type7() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert!((quantile(&v, 0.5) - 2.5).abs() < 1e-15);
        assert!((quantile(&v, 0.1) - 1.3).abs() < 1e-12);
    }

    #[test]
    fn solver_matches_a_known_system() {
        let a = [
            [4.0, 1.0, 0.0, 0.0, 0.0],
            [1.0, 3.0, 1.0, 0.0, 0.0],
            [0.0, 1.0, 2.0, 0.5, 0.0],
            [0.0, 0.0, 0.5, 2.0, 0.1],
            [0.0, 0.0, 0.0, 0.1, 1.0],
        ];
        let x = [1.0, -2.0, 0.5, 3.0, -1.0];
        let b: [f64; 5] = std::array::from_fn(|r| (0..5).map(|c| a[r][c] * x[c]).sum());
        let got = solve5(a, b).unwrap();
        for (g, e) in got.iter().zip(x) {
            assert!((g - e).abs() < 1e-12);
        }
        assert!(solve5([[0.0; 5]; 5], [1.0; 5]).is_none());
    }
}
