//! Heteroskedasticity-robust meat $\sum_i s_i s_i'$ with scores
//! $s_i = \texttt{xt}_i\cdot\texttt{resid\_t}_i$ (for OLS $\sqrt{w_i}\tilde x_i \cdot \sqrt{w_i}\hat u_i$).
//! Imports `fit` from the crate.

use crate::fit::{FitCore, SymMatrix};

/// $\sum_i s_i s_i'$ (`k × k`), computed column pair by column pair.
pub(super) fn meat_hetero(fit: &FitCore) -> SymMatrix {
    let k = fit.k();
    let u2: Vec<f64> = fit.resid_t.iter().map(|u| u * u).collect();
    let mut m = SymMatrix::zeros(k);
    for a in 0..k {
        for b in a..k {
            let v: f64 = fit.xt[a].iter().zip(&fit.xt[b]).zip(&u2).map(|((x, y), u)| x * y * u).sum();
            *m.at(a, b) = v;
            *m.at(b, a) = v;
        }
    }
    m
}
