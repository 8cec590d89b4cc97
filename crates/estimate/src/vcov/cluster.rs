//! Cluster-robust meat $\sum_g S_g S_g'$ with $S_g = \sum_{i\in g} s_i$, and
//! the intersection of several cluster variables (for multiway clustering).
//! Imports `fit` from the crate.

use std::collections::HashMap;

use crate::fit::{FitCore, SymMatrix};

/// Cluster score sums: `g × k`, row-major (`S[g*k + j]`).
fn cluster_scores(fit: &FitCore, codes: &[u32], g: usize) -> Vec<f64> {
    let k = fit.k();
    let mut s = vec![0.0; g * k];
    for j in 0..k {
        for ((&c, &x), &u) in codes.iter().zip(&fit.xt[j]).zip(&fit.resid_t) {
            s[c as usize * k + j] += x * u;
        }
    }
    s
}

/// $\sum_g S_g S_g'$.
pub(super) fn meat_cluster(fit: &FitCore, codes: &[u32], g: usize) -> SymMatrix {
    let k = fit.k();
    let s = cluster_scores(fit, codes, g);
    let mut m = SymMatrix::zeros(k);
    for row in s.chunks_exact(k) {
        for a in 0..k {
            for b in a..k {
                *m.at(a, b) += row[a] * row[b];
            }
        }
    }
    for a in 0..k {
        for b in 0..a {
            *m.at(a, b) = m.get(b, a);
        }
    }
    m
}

/// Codes of the intersection of several cluster variables (each given with
/// its number of clusters), compacted; returns the codes and the count.
pub(crate) fn intersect_codes(parts: &[(&[u32], usize)]) -> (Vec<u32>, usize) {
    let n = parts.first().map_or(0, |p| p.0.len());
    let mut map: HashMap<Vec<u32>, u32> = HashMap::new();
    let mut out = Vec::with_capacity(n);
    let mut key = Vec::with_capacity(parts.len());
    for i in 0..n {
        key.clear();
        key.extend(parts.iter().map(|p| p.0[i]));
        let next = map.len() as u32;
        let c = *map.entry(key.clone()).or_insert(next);
        out.push(c);
    }
    let g = map.len();
    (out, g)
}
