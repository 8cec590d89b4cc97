//! Kleibergen–Paap rk Wald statistic of an IV fit ([`kleibergen_paap`]):
//! the test that the matrix of excluded-instrument coefficients in the first
//! stages has reduced rank $K-1$ (underidentification; as a weak-instrument
//! statistic, its $F$ form is ivreg2's "Kleibergen–Paap rk Wald F" and the
//! $\chi^2$ form fixest's `kpr`), robust to the vcov the model is reported
//! with. Imports `iv` (the first stages), `fit`, `ssc`, `vcov` (the same
//! small-sample correction and multiway sum as every other vcov).
//!
//! # Definition (Kleibergen & Paap 2006, *J. Econometrics* 133, §2–3)
//!
//! With the fixed effects and the exogenous regressors partialled out,
//! $\hat\Pi$ ($L\times K$) are the excluded-instrument coefficients of the
//! $K$ first stages (by Frisch–Waugh–Lovell, those of the fits in
//! [`IvFit::first_stages`]) and $\hat V$ the $LK\times LK$ covariance of
//! $\mathrm{vec}\,\hat\Pi$ under the requested vcov: $\hat V =
//! c\,\sum_g h_g h_g'$ with $h_g = \sum_{i\in g} \hat v_i\otimes a_i$, $a_i$
//! the instrument rows of $(Z'Z)^{-1}z_i$, $\hat v_i$ the first-stage
//! residuals, $g$ ranging over observations (HC1) or clusters (CRV1,
//! inclusion–exclusion for multiway), and $c$ the model's small-sample
//! factor; under iid $\hat V = c\,\hat\Sigma\otimes(\tilde Z'\tilde Z)^{-1}$
//! with $\hat\Sigma = \hat V'\hat V/(N-1)$. For $K=1$ this is exactly the
//! covariance behind the first-stage Wald F ([`first_stage_f`](crate::first_stage_f)).
//!
//! Normalise $\hat\Theta = F\hat\Pi G^{-1}$ with $F'F = \tilde Z'\tilde Z$
//! and $G'G = \tilde X'\tilde X$ (upper Cholesky factors; $\tilde X'\tilde X =
//! \hat\Pi'\tilde Z'\tilde Z\hat\Pi + \hat V'\hat V$), so $\hat V_\Theta = T\hat V
//! T'$ with $T = G^{-\prime}\otimes F$. From the singular value decomposition
//! $\hat\Theta = USV'$, with $q = K-1$, $U_{22} = U_{q:,q:}$ and $V_{22} =
//! V_{q:,q:}$ ($1\times1$):
//! $A_\perp = U_{:,q:}\,U_{22}^{-1}(U_{22}U_{22}')^{1/2}$,
//! $B_\perp = (V_{22}V_{22}')^{1/2}V_{22}^{-\prime}\,V_{:,q:}'$,
//! $\lambda = A_\perp'\hat\Theta B_\perp'$ and
//! $$\mathrm{rk} = \lambda'\big[(B_\perp\otimes A_\perp')\hat V_\Theta(B_\perp\otimes A_\perp')'\big]^{-1}\lambda,$$
//! $\chi^2$ with $L-K+1$ degrees of freedom under the null; the F form is
//! $\mathrm{rk}/L$. For $K=1$, $A_\perp = I$ and rk is the Wald statistic of
//! $\hat\Pi = 0$, so the F form equals the first-stage Wald F (fixest's
//! `ivwald`) under the same vcov: a test checks that identity against
//! pyfixest, and the general case against an independent numpy
//! implementation (`tests/reference/kp.py`).
//!
//! Conventions differ between programs in the small-sample factor: here it
//! is the model's (fixest's `ssc`), so the statistic and `ivwald` agree;
//! ivreg2 scales its F by $(N-L-K_1)/N$ on top (not applied).

use faer::linalg::solvers::{DenseSolveCore, Solve};
use faer::{Mat, Side};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::EstimateError;
use super::fit::SymMatrix;
use super::iv::{IvFit, KleibergenPaap};
use super::ssc::Ssc;
use super::vcov::{VcovSpec, cluster_df_k, cluster_vars, fix_psd, multiway, unclustered_df_k};

/// The Kleibergen–Paap rk Wald statistic of `fit` under `spec` and `ssc`
/// (see the module docs). `None` when the first stages no longer hold their
/// observation-level data ([`FitCore::slim`](crate::FitCore::slim)).
///
/// # Errors
/// As [`vcov()`](crate::vcov()) (unknown cluster variable, too few clusters).
///
/// # Complexity
/// $O(N(LK)^2)$ for HC1 and per cluster term, plus dense work in $LK$.
pub fn kleibergen_paap(fit: &IvFit, spec: &VcovSpec, ssc: &Ssc) -> Result<Option<KleibergenPaap>, EstimateError> {
    let Some(first) = fit.first_stages.first() else { return Ok(None) };
    let core = &first.core;
    if core.xt.is_empty() || core.resid_t.is_empty() {
        return Ok(None);
    }
    let k = fit.first_stages.len();
    let inst: Vec<usize> = first.instruments.iter().filter_map(|name| core.coef_index(name)).collect();
    let l = inst.len();
    if l < k {
        return Ok(None);
    }
    let n = core.nobs;
    let kz = core.k();
    // a_r = row r of (Z'Z)^{-1} Z' for each instrument r (length N).
    let a: Vec<Vec<f64>> = inst
        .iter()
        .map(|&r| {
            let mut v = vec![0.0; n];
            for c in 0..kz {
                let b = core.bread.get(r, c);
                v.iter_mut().zip(&core.xt[c]).for_each(|(vi, x)| *vi += b * x);
            }
            v
        })
        .collect();
    let resid: Vec<&[f64]> = fit.first_stages.iter().map(|f| f.core.resid_t.as_slice()).collect();
    let dim = l * k;
    // Score of observation i at position j*l + r: v_ij · a_ri.
    let score = |i: usize, out: &mut [f64]| {
        for j in 0..k {
            for r in 0..l {
                out[j * l + r] = resid[j][i] * a[r][i];
            }
        }
    };
    let outer_sum = |codes: Option<&[u32]>, g: usize| -> SymMatrix {
        let mut sums = vec![0.0; g * dim];
        let mut s = vec![0.0; dim];
        for i in 0..n {
            score(i, &mut s);
            let row = codes.map_or(i, |c| c[i] as usize);
            sums[row * dim..(row + 1) * dim].iter_mut().zip(&s).for_each(|(t, v)| *t += v);
        }
        let mut m = SymMatrix::zeros(dim);
        for h in sums.chunks_exact(dim) {
            for p in 0..dim {
                for q in p..dim {
                    *m.at(p, q) += h[p] * h[q];
                }
            }
        }
        for p in 0..dim {
            for q in 0..p {
                *m.at(p, q) = m.get(q, p);
            }
        }
        m
    };
    let mut v_pi = match spec {
        VcovSpec::Iid => {
            let (_, adj) = unclustered_df_k(core, ssc, false);
            let mut m = SymMatrix::zeros(dim);
            for j in 0..k {
                for jj in 0..k {
                    let sigma = resid[j].iter().zip(resid[jj]).map(|(x, y)| x * y).sum::<f64>() / (n as f64 - 1.0);
                    for r in 0..l {
                        for rr in 0..l {
                            *m.at(j * l + r, jj * l + rr) = adj * sigma * core.bread.get(inst[r], inst[rr]);
                        }
                    }
                }
            }
            m
        }
        VcovSpec::Hetero => {
            let (_, adj) = unclustered_df_k(core, ssc, true);
            let mut m = outer_sum(None, n);
            m.data.iter_mut().for_each(|x| *x *= adj);
            m
        }
        VcovSpec::Cluster(vars) => {
            let cols = cluster_vars(core, vars)?;
            let (_, k_adj) = cluster_df_k(core, &cols, ssc);
            let (mut m, _) = multiway(&cols, ssc, k_adj, dim, |codes, g| outer_sum(Some(codes), g));
            if cols.len() > 1 {
                fix_psd(&mut m);
            }
            m
        }
    };
    // Symmetrise against rounding.
    for p in 0..dim {
        for q in p + 1..dim {
            let x = 0.5 * (v_pi.get(p, q) + v_pi.get(q, p));
            *v_pi.at(p, q) = x;
            *v_pi.at(q, p) = x;
        }
    }
    let pi = Mat::from_fn(l, k, |r, j| fit.first_stages[j].core.beta[inst[r]]);
    // Z̃'Z̃ = inverse of the instruments' block of (Z'Z)^{-1}.
    let zz_inv = Mat::from_fn(l, l, |r, rr| core.bread.get(inst[r], inst[rr]));
    let zz = zz_inv.llt(Side::Lower).map_err(|_| EstimateError::NotFullRank)?.inverse();
    let vv = Mat::from_fn(k, k, |j, jj| resid[j].iter().zip(resid[jj]).map(|(x, y)| x * y).sum::<f64>());
    let xx = pi.transpose() * &zz * &pi + &vv;
    let f_up = upper_chol(&zz)?;
    let g_up = upper_chol(&xx)?;
    let g_inv = g_up.partial_piv_lu().inverse();
    let theta = &f_up * &pi * &g_inv;
    // vec(Θ) = (G^{-1}' ⊗ F) vec(Π).
    let t = kron(&g_inv.transpose().to_owned(), &f_up);
    let v_theta = &t * v_pi.to_faer() * t.transpose();

    let svd = theta.svd().map_err(|_| EstimateError::NotFullRank)?;
    let (u, v) = (svd.U(), svd.V());
    let q = k - 1;
    let u22 = u.submatrix(q, q, l - q, l - q).to_owned();
    let u_q = u.submatrix(0, q, l, l - q).to_owned();
    let a_perp = &u_q * u22.partial_piv_lu().inverse() * sqrtm(&(&u22 * u22.transpose()))?;
    let v22 = v[(q, q)];
    let sign = if v22 < 0.0 { -1.0 } else { 1.0 };
    let b_perp = Mat::from_fn(1, k, |_, j| sign * v[(j, q)]);
    let c = kron(&b_perp, &a_perp.transpose().to_owned());
    let lambda = &c * Mat::from_fn(dim, 1, |p, _| theta[(p % l, p / l)]);
    let omega = &c * &v_theta * c.transpose();
    let stat = match omega.llt(Side::Lower) {
        Ok(llt) => {
            let sol = llt.solve(&lambda);
            (0..lambda.nrows()).map(|p| lambda[(p, 0)] * sol[(p, 0)]).sum::<f64>()
        }
        Err(_) => f64::NAN,
    };
    let df = l - k + 1;
    let p = if stat.is_finite() && stat >= 0.0 {
        ChiSquared::new(df as f64).map_or(f64::NAN, |d| d.sf(stat))
    } else {
        f64::NAN
    };
    Ok(Some(KleibergenPaap { stat, df, p, f: stat / l as f64, vcov: spec.to_string() }))
}

/// Upper Cholesky factor $R$ with $R'R = A$.
fn upper_chol(a: &Mat<f64>) -> Result<Mat<f64>, EstimateError> {
    let llt = a.llt(Side::Lower).map_err(|_| EstimateError::NotFullRank)?;
    Ok(llt.L().transpose().to_owned())
}

/// Symmetric square root of a symmetric positive semi-definite matrix.
fn sqrtm(a: &Mat<f64>) -> Result<Mat<f64>, EstimateError> {
    let eig = a.self_adjoint_eigen(Side::Lower).map_err(|_| EstimateError::NotFullRank)?;
    let s = eig.S().column_vector();
    let u = eig.U();
    let m = a.nrows();
    Ok(Mat::from_fn(m, m, |i, j| (0..m).map(|p| u[(i, p)] * s[p].max(0.0).sqrt() * u[(j, p)]).sum()))
}

/// Kronecker product $A\otimes B$.
fn kron(a: &Mat<f64>, b: &Mat<f64>) -> Mat<f64> {
    let (ar, ac, br, bc) = (a.nrows(), a.ncols(), b.nrows(), b.ncols());
    Mat::from_fn(ar * br, ac * bc, |i, j| a[(i / br, j / bc)] * b[(i % br, j % bc)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kron_and_sqrtm_by_hand() {
        let a = Mat::from_fn(2, 2, |i, j| [[1.0, 2.0], [3.0, 4.0]][i][j]);
        let b = Mat::from_fn(1, 2, |_, j| [5.0, 6.0][j]);
        let k = kron(&a, &b);
        assert_eq!((k.nrows(), k.ncols()), (2, 4));
        let want = [[5.0, 6.0, 10.0, 12.0], [15.0, 18.0, 20.0, 24.0]];
        for i in 0..2 {
            for j in 0..4 {
                assert_eq!(k[(i, j)], want[i][j]);
            }
        }
        // [[5, 4], [4, 5]] = S² with S = [[2, 1], [1, 2]].
        let s = sqrtm(&Mat::from_fn(2, 2, |i, j| if i == j { 5.0 } else { 4.0 })).unwrap();
        for i in 0..2 {
            for j in 0..2 {
                assert!((s[(i, j)] - if i == j { 2.0 } else { 1.0 }).abs() < 1e-12);
            }
        }
        let r = upper_chol(&Mat::from_fn(2, 2, |i, j| [[4.0, 2.0], [2.0, 5.0]][i][j])).unwrap();
        // R = [[2, 1], [0, 2]].
        assert!((r[(0, 0)] - 2.0).abs() < 1e-12 && (r[(0, 1)] - 1.0).abs() < 1e-12);
        assert!(r[(1, 0)].abs() < 1e-12 && (r[(1, 1)] - 2.0).abs() < 1e-12);
    }
}
