//! Homoskedastic vcov before correction: $\hat\sigma^2 B$ with the fit's
//! $\hat\sigma^2$ (for OLS $\mathrm{RSS}/(N-1)$, bread $(\tilde X'W\tilde X)^{-1}$;
//! the $(N-1)/(N-K)$ factor is the small-sample correction, as in fixest).
//! Imports `fit` from the crate.

use crate::fit::{FitCore, SymMatrix};

/// $\hat\sigma^2 B$.
pub(super) fn vcov_iid(fit: &FitCore) -> SymMatrix {
    let sigma2 = fit.sigma2;
    SymMatrix { k: fit.bread.k, data: fit.bread.data.iter().map(|b| b * sigma2).collect() }
}
