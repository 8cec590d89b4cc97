//! Homoskedastic vcov before correction: $\hat\sigma^2 (\tilde X'W\tilde X)^{-1}$
//! with $\hat\sigma^2 = \mathrm{RSS}/(N-1)$ (the $(N-1)/(N-K)$ factor is the
//! small-sample correction, as in fixest). Imports nothing from the crate.

use crate::ols::{OlsFit, SymMatrix};

/// $\mathrm{RSS}/(N-1)\cdot B$.
pub(super) fn vcov_iid(fit: &OlsFit) -> SymMatrix {
    let sigma2 = fit.rss / (fit.nobs as f64 - 1.0);
    SymMatrix { k: fit.bread.k, data: fit.bread.data.iter().map(|b| b * sigma2).collect() }
}
