//! Variance–covariance of a stored fit: [`vcov`] computes iid, HC1 or
//! CRV1 (one- or multi-way) from any [`Fitted`] model without refitting,
//! applies the small-sample correction [`Ssc`] and returns an [`Inference`]
//! with the coefficient table (Student-$t$ p-values and confidence
//! intervals). It reads only the fit's [`FitCore`] and names no concrete
//! estimator. Imports `fit` and `ssc` from the crate.
//!
//! All estimators have the sandwich form $V = c\,B\,M\,B$ with the fit's
//! bread $B$ (for OLS $(\tilde X'W\tilde X)^{-1}$): iid uses
//! $M = \hat\sigma^2 B^{-1}$, HC1 $M=\sum_i s_i s_i'$, CRV1
//! $M=\sum_g S_g S_g'$ with scores $s_i = \texttt{xt}_i\,\texttt{resid\_t}_i$
//! (for OLS $w_i \tilde x_i \hat u_i$) and $S_g=\sum_{i\in g} s_i$. Multiway
//! clustering follows Cameron, Gelbach & Miller (2011): inclusion–exclusion
//! over the intersections of the cluster variables; if the result is not
//! positive semi-definite its negative eigenvalues are set to zero (fixest's
//! fix), which is flagged in [`Inference::eigen_fixed`].

mod cluster;
mod hetero;
mod iid;

use std::fmt;
use std::str::FromStr;

use faer::Side;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

pub(crate) use cluster::intersect_codes;

use super::EstimateError;
use super::fit::{ClusterVar, FitCore, Fitted, SymMatrix};
use super::ssc::{self, GDf, Ssc};

/// Which variance–covariance estimator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VcovSpec {
    /// Homoskedastic.
    Iid,
    /// Heteroskedasticity-robust (HC1).
    Hetero,
    /// Cluster-robust CRV1 by one or more cluster variables (multiway if several).
    Cluster(Vec<String>),
}

impl fmt::Display for VcovSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VcovSpec::Iid => f.write_str("iid"),
            VcovSpec::Hetero => f.write_str("hetero"),
            VcovSpec::Cluster(v) => write!(f, "cluster:{}", v.join("+")),
        }
    }
}

impl FromStr for VcovSpec {
    type Err = EstimateError;

    /// Parse `iid`, `hetero` (or `HC1`), `cluster:cl` or `cluster:cl1+cl2`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "iid" => return Ok(VcovSpec::Iid),
            "hetero" | "hc1" => return Ok(VcovSpec::Hetero),
            _ => {}
        }
        let rest = t
            .strip_prefix("cluster:")
            .or_else(|| t.strip_prefix("CRV1:"))
            .ok_or_else(|| EstimateError::bad(format!("vcov `{t}`: expected iid, hetero or cluster:VAR[+VAR…]")))?;
        let vars: Vec<String> = rest.split('+').map(|v| v.trim().to_owned()).collect();
        if vars.iter().any(String::is_empty) {
            return Err(EstimateError::bad(format!("vcov `{t}`: empty cluster variable name")));
        }
        Ok(VcovSpec::Cluster(vars))
    }
}

impl serde::Serialize for VcovSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// One row of a coefficient table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CoefRow {
    /// Coefficient (or linear combination) name.
    pub name: String,
    /// Point estimate.
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// t statistic.
    pub t: f64,
    /// Two-sided p-value (Student t with [`Inference::df_t`] degrees of
    /// freedom; standard normal when [`Inference::normal`], as fixest and
    /// pyfixest do for Poisson).
    pub p: f64,
    /// Lower bound of the 95 % confidence interval.
    pub ci_low: f64,
    /// Upper bound of the 95 % confidence interval.
    pub ci_high: f64,
}

/// Inference for a fit under one vcov type.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Inference {
    /// The estimator.
    pub vcov_type: VcovSpec,
    /// The corrected vcov (`k × k`, order of [`FitCore::coef_names`]).
    #[serde(skip)]
    pub vcov: SymMatrix,
    /// Small-sample correction used.
    pub ssc: Ssc,
    /// Effective number of parameters $K$ in $(N-1)/(N-K)$.
    pub df_k: usize,
    /// Degrees of freedom of the t distribution.
    pub df_t: usize,
    /// p-values and intervals use the standard normal instead of the t
    /// distribution (non-linear models: [`Fitted::normal_inference`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub normal: bool,
    /// Clusters per cluster variable (empty unless clustered).
    pub n_clusters: Vec<(String, usize)>,
    /// Multiway vcov was not PSD and its negative eigenvalues were zeroed.
    pub eigen_fixed: bool,
    /// Coefficient table.
    pub coefs: Vec<CoefRow>,
}

/// Fewer clusters than this in a clustering dimension make cluster-robust
/// standard errors and t-tests unreliable (they over-reject; Cameron and
/// Miller 2015, and the caveat in fixest's and boottest's documentation):
/// reports warn below it and point to the wild cluster bootstrap.
pub const FEW_CLUSTERS: usize = 30;

impl Inference {
    /// The clustering variables with fewer than [`FEW_CLUSTERS`] groups,
    /// with their group counts, in clustering order.
    pub fn few_clusters(&self) -> Vec<(&str, usize)> {
        self.n_clusters.iter().filter(|(_, g)| *g < FEW_CLUSTERS).map(|(n, g)| (n.as_str(), *g)).collect()
    }
}

/// Build a coefficient row (95 % interval, t with `df` degrees of freedom).
/// A t statistic that is not a number (0/0: a zero estimate with a zero
/// standard error, or a NaN standard error) gives a NaN p-value.
pub fn coef_row(name: &str, estimate: f64, se: f64, df: usize) -> CoefRow {
    let dist = StudentsT::new(0.0, 1.0, df.max(1) as f64).expect("valid t distribution");
    row_with(name, estimate, se, &dist)
}

/// [`coef_row`] with the standard normal in place of the t distribution (z statistic).
pub fn coef_row_normal(name: &str, estimate: f64, se: f64) -> CoefRow {
    row_with(name, estimate, se, &Normal::standard())
}

/// The coefficient row under an inference's reference distribution.
pub(crate) fn coef_row_for(inf_normal: bool, name: &str, estimate: f64, se: f64, df: usize) -> CoefRow {
    if inf_normal { coef_row_normal(name, estimate, se) } else { coef_row(name, estimate, se, df) }
}

fn row_with(name: &str, estimate: f64, se: f64, dist: &impl ContinuousCDF<f64, f64>) -> CoefRow {
    let t = estimate / se;
    let p = if t.is_nan() { f64::NAN } else { (2.0 * dist.sf(t.abs())).min(1.0) };
    let q = dist.inverse_cdf(0.975);
    CoefRow { name: name.to_owned(), estimate, se, t, p, ci_low: estimate - q * se, ci_high: estimate + q * se }
}

fn sandwich(bread: &SymMatrix, meat: &SymMatrix) -> SymMatrix {
    let k = bread.k;
    let mut bm = SymMatrix::zeros(k);
    for i in 0..k {
        for j in 0..k {
            *bm.at(i, j) = (0..k).map(|l| bread.get(i, l) * meat.get(l, j)).sum();
        }
    }
    let mut out = SymMatrix::zeros(k);
    for i in 0..k {
        for j in 0..k {
            *out.at(i, j) = (0..k).map(|l| bm.get(i, l) * bread.get(l, j)).sum();
        }
    }
    // Symmetrise against rounding.
    for i in 0..k {
        for j in i + 1..k {
            let v = 0.5 * (out.get(i, j) + out.get(j, i));
            *out.at(i, j) = v;
            *out.at(j, i) = v;
        }
    }
    out
}

/// Zero the negative eigenvalues of `v`; returns whether any was negative.
pub(crate) fn fix_psd(v: &mut SymMatrix) -> bool {
    let m = v.to_faer();
    let Ok(eig) = m.self_adjoint_eigen(Side::Lower) else { return false };
    let s = eig.S().column_vector();
    let k = v.k;
    if (0..k).all(|i| s[i] >= 0.0) {
        return false;
    }
    let u = eig.U();
    for i in 0..k {
        for j in 0..k {
            *v.at(i, j) = (0..k).map(|l| u[(i, l)] * s[l].max(0.0) * u[(j, l)]).sum();
        }
    }
    true
}

/// $K$ of the small-sample correction without clustering and the factor
/// applied to the vcov: $(N-1)/(N-K)$ for iid, $N/(N-K)$ for HC1 (`hetero`);
/// 1 without `K.adj`.
pub(crate) fn unclustered_df_k(fit: &FitCore, ssc: &Ssc, hetero: bool) -> (usize, f64) {
    let levels = fit.fe_levels();
    let dk = ssc::df_k(ssc, fit.k(), &levels, &vec![false; levels.len()]);
    let n = fit.nobs as f64;
    let top = if hetero { n } else { n - 1.0 };
    (dk, if ssc.k_adj { top / (n - dk as f64) } else { 1.0 })
}

/// The cluster variables `vars` of `fit`, each known and with at least two groups.
pub(crate) fn cluster_vars<'a>(fit: &'a FitCore, vars: &[String]) -> Result<Vec<&'a ClusterVar>, EstimateError> {
    vars.iter()
        .map(|name| {
            let c = fit
                .cluster(name)
                .ok_or_else(|| EstimateError::bad(format!("cluster variable `{name}` is not part of the design")))?;
            if c.n_groups < 2 {
                return Err(EstimateError::TooFewClusters { name: name.clone(), groups: c.n_groups });
            }
            Ok(c)
        })
        .collect()
}

/// $K$ of the small-sample correction under clustering by `cols` (a fixed
/// effect is nested when it is a cluster variable or lies within one, as in
/// fixest) and the factor $(N-1)/(N-K)$ (1 without `K.adj`).
pub(crate) fn cluster_df_k(fit: &FitCore, cols: &[&ClusterVar], ssc: &Ssc) -> (usize, f64) {
    let n = fit.nobs as f64;
    let nested: Vec<bool> = fit.fe.iter().map(|f| cols.iter().any(|c| c.name == f.name || f.is_nested_in(c))).collect();
    let dk = ssc::df_k(ssc, fit.k(), &fit.fe_levels(), &nested);
    (dk, if ssc.k_adj { (n - 1.0) / (n - dk as f64) } else { 1.0 })
}

/// Cameron–Gelbach–Miller inclusion–exclusion over the intersections of the
/// cluster variables `cols`: $\sum_S (-1)^{|S|+1} c\,g_S\,T_S$ with $T_S$ =
/// `term(codes of S, clusters of S)` (a `dim × dim` sandwich), $c$ = `k_adj`
/// and $g_S = G/(G-1)$ under `G.adj` ($G$ per [`GDf`]). Returns the sum and
/// the smallest number of clusters.
pub(crate) fn multiway(
    cols: &[&ClusterVar],
    ssc: &Ssc,
    k_adj: f64,
    dim: usize,
    term: impl Fn(&[u32], usize) -> SymMatrix,
) -> (SymMatrix, usize) {
    let g_min = cols.iter().map(|c| c.n_groups).min().unwrap_or(0);
    let mut v = SymMatrix::zeros(dim);
    let m = cols.len();
    for subset in 1usize..(1 << m) {
        let members: Vec<usize> = (0..m).filter(|j| subset >> j & 1 == 1).collect();
        let (codes, g) = if members.len() == 1 {
            (cols[members[0]].codes.to_vec(), cols[members[0]].n_groups)
        } else {
            let parts: Vec<(&[u32], usize)> =
                members.iter().map(|&j| (cols[j].codes.as_slice(), cols[j].n_groups)).collect();
            intersect_codes(&parts)
        };
        let g_used = match ssc.g_df {
            GDf::Min => g_min,
            GDf::Conventional => g,
        };
        let g_adj = if ssc.g_adj { g_used as f64 / (g_used as f64 - 1.0) } else { 1.0 };
        let sign = if members.len() % 2 == 1 { 1.0 } else { -1.0 };
        let t = term(&codes, g);
        let c = sign * k_adj * g_adj;
        v.data.iter_mut().zip(&t.data).for_each(|(a, b)| *a += c * b);
    }
    (v, g_min)
}

/// Compute the vcov of a stored fit and the coefficient table.
///
/// # Arguments
/// * `fit` — the fitted model, of any estimator (its cluster variables must
///   include those named in `spec`).
/// * `spec` — the estimator.
/// * `ssc` — the small-sample correction.
///
/// # Errors
/// Unknown cluster variable ([`EstimateError::BadInput`]), fewer than two
/// clusters ([`EstimateError::TooFewClusters`]).
///
/// # Complexity
/// $O(NK)$ for the scores plus $O(GK^2)$ per cluster term; multiway with
/// $m$ variables has $2^m - 1$ terms.
pub fn vcov(fit: &dyn Fitted, spec: &VcovSpec, ssc: &Ssc) -> Result<Inference, EstimateError> {
    let normal = fit.normal_inference();
    let fit: &FitCore = fit.core();
    let n = fit.nobs;
    let k = fit.k();
    let (vcov, df_k, df_t, n_clusters, eigen_fixed) = match spec {
        VcovSpec::Iid => {
            let (dk, adj) = unclustered_df_k(fit, ssc, false);
            let mut v = iid::vcov_iid(fit);
            v.data.iter_mut().for_each(|x| *x *= adj);
            (v, dk, n.saturating_sub(dk), Vec::new(), false)
        }
        VcovSpec::Hetero => {
            let (dk, adj) = unclustered_df_k(fit, ssc, true);
            let mut v = sandwich(&fit.bread, &hetero::meat_hetero(fit));
            v.data.iter_mut().for_each(|x| *x *= adj);
            (v, dk, n.saturating_sub(dk), Vec::new(), false)
        }
        VcovSpec::Cluster(vars) => {
            let cols = cluster_vars(fit, vars)?;
            let (dk, k_adj) = cluster_df_k(fit, &cols, ssc);
            let m = cols.len();
            let (mut v, g_min) =
                multiway(&cols, ssc, k_adj, k, |codes, g| sandwich(&fit.bread, &cluster::meat_cluster(fit, codes, g)));
            let fixed = m > 1 && fix_psd(&mut v);
            let ncl = cols.iter().map(|c| (c.name.clone(), c.n_groups)).collect();
            (v, dk, g_min - 1, ncl, fixed)
        }
    };
    let coefs = fit
        .coef_names
        .iter()
        .enumerate()
        .map(|(j, name)| coef_row_for(normal, name, fit.beta[j], vcov.get(j, j).max(0.0).sqrt(), df_t))
        .collect();
    Ok(Inference { vcov_type: spec.clone(), vcov, ssc: *ssc, df_k, df_t, normal, n_clusters, eigen_fixed, coefs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_eigenvalues_are_zeroed() {
        // [[1, 2], [2, 1]] has eigenvalues 3 and -1; the fix keeps 3·uu' with u = (1,1)/√2.
        let mut v = SymMatrix { k: 2, data: vec![1.0, 2.0, 2.0, 1.0] };
        assert!(fix_psd(&mut v));
        for x in &v.data {
            assert!((x - 1.5).abs() < 1e-12, "{:?}", v.data);
        }
        let mut psd = SymMatrix { k: 2, data: vec![2.0, 1.0, 1.0, 2.0] };
        assert!(!fix_psd(&mut psd));
        assert_eq!(psd.data, vec![2.0, 1.0, 1.0, 2.0]);
    }

    #[test]
    fn vcov_spec_round_trip() {
        for s in ["iid", "hetero", "cluster:a", "cluster:a+b"] {
            assert_eq!(s.parse::<VcovSpec>().unwrap().to_string(), s);
        }
        assert_eq!("HC1".parse::<VcovSpec>().unwrap(), VcovSpec::Hetero);
        assert!("cluster:a+".parse::<VcovSpec>().is_err());
        assert!("robust".parse::<VcovSpec>().is_err());
    }
}
