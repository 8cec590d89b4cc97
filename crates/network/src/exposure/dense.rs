//! The dense exposure computation, kept as the reference the sparse one
//! ([`super::measure::compute_exposure`]) is tested against, bitwise: per
//! focal unit, year and channel it builds the weight vector over every JV
//! unit and dots it with the quality column, O(D · Y · J · C + rows · J).
//! This is what `compute_exposure` did before it visited only the JV units
//! with a possibly nonzero weight; nothing but tests should call it.
//!
//! Imports `io` (the dataset) and the layer's [`super::measure`] and
//! [`super::ExposureError`].

use spillnet_io::Indexed;

use super::ExposureError;
use super::measure::{Ctx, ExposureConfig, ExposurePanel, UnitOut, compute_with, dot_skip_missing};

/// [`super::measure::compute_exposure`] by dense weight vectors: the same
/// panel, bit for bit, in O(D · Y · J · C + rows · J).
///
/// # Errors
/// As [`super::measure::compute_exposure`].
pub fn compute_exposure_dense(data: &Indexed, cfg: &ExposureConfig) -> Result<ExposurePanel, ExposureError> {
    compute_with(data, cfg, dense_unit)
}

/// The dense kernel for focal unit `d`.
fn dense_unit(cx: &Ctx<'_>, d: usize) -> UnitOut {
    let cfg = cx.cfg;
    let n_ch = cfg.channels.len();
    let n_jv = cx.jv.len();
    let mut out = UnitOut { rows: Vec::new(), zeros: vec![0; n_ch], pairs: Vec::new() };
    let mut by_year: Vec<Option<(Vec<Vec<f64>>, Vec<bool>)>> = vec![None; cx.years.len()];
    for (y, slot) in by_year.iter_mut().enumerate() {
        if !cx.focal_observed(d, y) {
            continue;
        }
        let mut ws = Vec::with_capacity(n_ch);
        let mut zs = Vec::with_capacity(n_ch);
        for (ci, &c) in cfg.channels.iter().enumerate() {
            let mut w: Vec<f64> =
                (0..n_jv).map(|j| if cx.jv_obs[y][j] { cx.raw_weight(ci, c, d, j, y) } else { 0.0 }).collect();
            let total: f64 = w.iter().sum();
            zs.push(total == 0.0);
            w.iter_mut().for_each(|x| *x = cx.transform(*x, total));
            ws.push(w);
        }
        if cfg.pair_weights {
            for j in (0..n_jv).filter(|&j| cx.jv_obs[y][j]) {
                out.pairs.push((j, y, ws.iter().map(|w| w[j]).collect()));
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
            let col = &cx.jv_col[y * cx.n_dims + k];
            let vals = ws.iter().map(|w| dot_skip_missing(w, col)).collect();
            for (ci, z) in zs.iter().enumerate() {
                out.zeros[ci] += usize::from(*z);
            }
            out.rows.push((k, y, vals));
        }
    }
    out.pairs.sort_by_key(|p| (p.0, p.1));
    out
}
