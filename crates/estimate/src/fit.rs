//! The fit interface every estimator shares: a [`FitCore`] holds what
//! inference and tables read (coefficients, bread, score factors, sample
//! sizes, fixed effects, cluster variables, fit statistics, diagnostics) and
//! the [`Fitted`] trait hands it out. [`vcov()`](crate::vcov()),
//! [`lincom`](crate::lincom()) and the report's model column take
//! `&dyn Fitted`, so an IV (2SLS) or Poisson (IRLS) fit reuses all inference
//! without touching it, as pyfixest's `Feiv(Feols)` and `Fepois(Feols)` reuse
//! the base class's vcov. Also owns the shared value types [`SymMatrix`],
//! [`FixedEffect`], [`FeSize`], [`ClusterVar`] and [`Diagnostics`].
//! Imports only [`DemeanInfo`] (from `fe`) from the crate.
//!
//! # Why a struct behind a one-method trait
//!
//! Inference is a function of stored numbers (fixest's "estimate once, infer
//! many ways"), not of estimator behaviour, so those numbers are **one
//! struct**, [`FitCore`]: one definition of each quantity with its shape
//! documented once; a new estimator fills one value instead of implementing
//! a dozen accessors that could disagree; and a test can build a fit by hand.
//! Each estimator's result *contains* a core next to its own extras (OLS:
//! RSS and the demeaning options its bootstrap reuses; later 2SLS: first
//! stage; Poisson: deviance, IRLS iterations). The **trait** [`Fitted`] only
//! returns the core (plus a model label): it lets inference and tables accept
//! any estimator's result as `&dyn Fitted` — `vcov(&ols_fit, …)` needs no
//! `.core` at the call site, and one table can hold columns of different
//! estimators — without `Deref`-based pseudo-inheritance.
//!
//! # What each estimator puts in the core
//!
//! Every vcov has the sandwich form $c\,B M B$ with scores
//! $s_i = \texttt{xt}_i\cdot\texttt{resid\_t}_i$ (a $k$-vector) and bread $B$:
//!
//! | estimator | `xt` | `resid_t` | `bread` | `sigma2` |
//! |---|---|---|---|---|
//! | OLS | $\sqrt w\,\tilde X$ | $\sqrt w\,\hat u$ | $(\tilde X'W\tilde X)^{-1}$ | $\mathrm{RSS}/(N-1)$ |
//! | 2SLS ([`fit_iv`](crate::fit_iv)) | $\sqrt w\,\hat X$, first-stage fitted | $\sqrt w\,(y - X\hat\beta)$ | $(\hat X'W\hat X)^{-1}$ | $\sum \texttt{resid\_t}^2/(N-1)$ |
//! | Poisson (planned) | $\sqrt{\hat\mu}\,\tilde X$ ($\hat\mu$-weighted demeaning) | $(y-\hat\mu)/\sqrt{\hat\mu}$ | $(\tilde X'\hat M\tilde X)^{-1}$ | $1$ |
//!
//! ($\tilde X$ demeaned regressors, $W$ the weights, $\hat M = \mathrm{diag}(\hat\mu)$.
//! 2SLS fills its row (tested against pyfixest's `Feiv`, which forms the
//! meat from instrument scores, algebraically equal); the Poisson row is the
//! contract that estimator will fill, giving the vcov of pyfixest's `Fepois`
//! (whose iid vcov is the bread).)

use faer::Mat;

use super::fe::DemeanInfo;

/// A dense symmetric $k\times k$ matrix, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct SymMatrix {
    /// Dimension.
    pub k: usize,
    /// `k*k` entries, row-major.
    pub data: Vec<f64>,
}

impl SymMatrix {
    /// Zero matrix.
    pub fn zeros(k: usize) -> Self {
        SymMatrix { k, data: vec![0.0; k * k] }
    }
    /// Entry (i, j).
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.k + j]
    }
    /// Mutable entry (i, j).
    pub fn at(&mut self, i: usize, j: usize) -> &mut f64 {
        &mut self.data[i * self.k + j]
    }
    /// Quadratic form $r' M r$.
    pub fn quad(&self, r: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..self.k {
            for j in 0..self.k {
                s += r[i] * self.get(i, j) * r[j];
            }
        }
        s
    }
    /// $M r$.
    pub fn mul_vec(&self, r: &[f64]) -> Vec<f64> {
        (0..self.k).map(|i| (0..self.k).map(|j| self.get(i, j) * r[j]).sum()).collect()
    }
    pub(crate) fn to_faer(&self) -> Mat<f64> {
        Mat::from_fn(self.k, self.k, |i, j| self.get(i, j))
    }
    pub(crate) fn from_faer(m: &Mat<f64>) -> Self {
        let k = m.nrows();
        let mut s = SymMatrix::zeros(k);
        for i in 0..k {
            for j in 0..k {
                *s.at(i, j) = m[(i, j)];
            }
        }
        s
    }
}

/// Size of one absorbed fixed effect on the estimation sample (what tables show).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeSize {
    /// Fixed-effect variable.
    pub name: String,
    /// Number of levels.
    pub levels: usize,
}

/// One absorbed fixed effect on the estimation sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedEffect {
    /// Fixed-effect variable.
    pub name: String,
    /// Level of each observation, contiguous in `0..levels` (`n`).
    pub codes: Vec<u32>,
    /// Number of levels $L_q$.
    pub levels: usize,
}

impl FixedEffect {
    /// Name and number of levels.
    pub fn size(&self) -> FeSize {
        FeSize { name: self.name.clone(), levels: self.levels }
    }

    /// Whether every level of this fixed effect lies within one cluster of
    /// `cluster` (codes on the same sample).
    pub fn is_nested_in(&self, cluster: &ClusterVar) -> bool {
        is_nested(&self.codes, self.levels, &cluster.codes)
    }
}

/// One cluster variable on the estimation sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterVar {
    /// Cluster variable name (as named in `VcovSpec::Cluster`).
    pub name: String,
    /// Cluster of each observation, contiguous in `0..n_groups` (`n`).
    pub codes: Vec<u32>,
    /// Number of clusters $G$.
    pub n_groups: usize,
}

/// Whether fixed effect `fe` (codes in `0..n_levels`) is nested in cluster
/// `cl` (codes): every level of `fe` lies within one cluster.
pub(crate) fn is_nested(fe: &[u32], n_levels: usize, cl: &[u32]) -> bool {
    let mut owner = vec![u32::MAX; n_levels];
    for (&f, &c) in fe.iter().zip(cl) {
        let o = &mut owner[f as usize];
        if *o == u32::MAX {
            *o = c;
        } else if *o != c {
            return false;
        }
    }
    true
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Non-fatal facts about a fit, returned as values (printed by `report`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Diagnostics {
    /// Observations in the design.
    pub n_input: usize,
    /// Observations dropped as singletons.
    pub n_singletons: usize,
    /// Observations dropped as separated (Poisson: in a fixed-effect level
    /// whose outcome is always 0); 0 for linear models.
    #[serde(skip_serializing_if = "is_zero")]
    pub n_separated: usize,
    /// Regressors dropped as collinear (with the fixed effects or earlier regressors).
    pub collinear: Vec<String>,
    /// Demeaning iterations and convergence.
    pub demean: DemeanInfo,
}

/// What every estimator's fit holds for inference and tables (see the
/// module docs for what each estimator puts in `xt`, `resid_t`, `bread`
/// and `sigma2`).
///
/// Shapes: `n = nobs` observations of the estimation sample, `k` kept
/// coefficients (`coef_names.len()`). The observation-level vectors (`xt`,
/// `resid_t`, codes, weights) may be dropped with [`FitCore::slim`] once
/// inference is done.
#[derive(Debug, Clone)]
pub struct FitCore {
    /// Dependent variable name.
    pub depvar: String,
    /// Kept coefficient names (`k`).
    pub coef_names: Vec<String>,
    /// Estimates (`k`).
    pub beta: Vec<f64>,
    /// Bread $B$ of the sandwich (`k × k`); for OLS $(\tilde X'W\tilde X)^{-1}$.
    pub bread: SymMatrix,
    /// Score regressors (`k` columns of `n`); for OLS $\sqrt{w}\,\tilde X$, the
    /// demeaned, weight-transformed kept regressors.
    pub xt: Vec<Vec<f64>>,
    /// Score residual factors (`n`), so that score $s_i = $ `xt[·][i] * resid_t[i]`;
    /// for OLS $\sqrt{w}\,\hat u$, the weight-transformed residuals.
    pub resid_t: Vec<f64>,
    /// Scale $\hat\sigma^2$ of the iid vcov $\hat\sigma^2 B$ before the
    /// small-sample correction: $\mathrm{RSS}/(N-1)$ for linear models, 1 for Poisson.
    pub sigma2: f64,
    /// Observations used ($N$).
    pub nobs: usize,
    /// Absorbed fixed effects on the estimation sample (`Q`): the levels and
    /// nesting the small-sample correction counts.
    pub fe: Vec<FixedEffect>,
    /// Cluster variables on the estimation sample, for clustered inference.
    pub clusters: Vec<ClusterVar>,
    /// Weights on the estimation sample (`n`), if any.
    pub weights: Option<Vec<f64>>,
    /// Which rows of the design form the estimation sample (`n_input`
    /// entries, `nobs` of them true); `None` when every row is used (no
    /// singleton removed). Maps observation-level vectors back to design
    /// rows (fixed-effect recovery, per-row predictions).
    pub sample: Option<Vec<bool>>,
    /// $R^2$ (weighted, around the weighted mean of $y$).
    pub r2: f64,
    /// Within $R^2$ (only with fixed effects).
    pub r2_within: Option<f64>,
    /// Diagnostics.
    pub diagnostics: Diagnostics,
}

impl FitCore {
    /// Number of kept coefficients $k$.
    pub fn k(&self) -> usize {
        self.beta.len()
    }

    /// Index of a kept coefficient by name.
    pub fn coef_index(&self, name: &str) -> Option<usize> {
        self.coef_names.iter().position(|n| n == name)
    }

    /// The cluster variable called `name`, if the design had one.
    pub fn cluster(&self, name: &str) -> Option<&ClusterVar> {
        self.clusters.iter().find(|c| c.name == name)
    }

    /// Levels $L_q$ of each fixed effect (`Q`).
    pub fn fe_levels(&self) -> Vec<usize> {
        self.fe.iter().map(|f| f.levels).collect()
    }

    /// Name and levels of each fixed effect (`Q`).
    pub fn fe_sizes(&self) -> Vec<FeSize> {
        self.fe.iter().map(FixedEffect::size).collect()
    }

    /// Drop the observation-level vectors (`xt`, `resid_t`, fixed-effect and
    /// cluster codes, weights, sample mask), keeping estimates, bread, sizes, statistics
    /// and diagnostics: enough for tables, no longer for a new vcov.
    pub fn slim(&mut self) {
        self.xt = Vec::new();
        self.resid_t = Vec::new();
        self.weights = None;
        self.sample = None;
        for f in &mut self.fe {
            f.codes = Vec::new();
        }
        for c in &mut self.clusters {
            c.codes = Vec::new();
        }
    }
}

/// A fitted model that inference and tables can read: anything holding a
/// [`FitCore`]. See the module docs for why the data is a struct and the
/// trait only returns it.
pub trait Fitted: std::fmt::Debug + Send + Sync {
    /// The quantities inference and tables read.
    fn core(&self) -> &FitCore;
    /// Short model label for tables and reports (`"OLS"`, `"IV"`; later `"Poisson"`).
    fn model_type(&self) -> &'static str;
    /// Estimator-specific fit statistics a table shows below the others
    /// (IV: first-stage F per endogenous regressor); none by default.
    fn fit_stats(&self) -> Vec<FitStat> {
        Vec::new()
    }
    /// Whether p-values and confidence intervals use the standard normal
    /// (z) instead of the t distribution: false for linear models, true for
    /// Poisson (fixest and pyfixest do the same).
    fn normal_inference(&self) -> bool {
        false
    }
    /// Estimator-specific notes for tables (Poisson: observations removed by
    /// separation, IRLS iterations); none by default.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A named fit statistic of one model (e.g. fixest's `ivf1` of an IV fit).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FitStat {
    /// Machine name, fixest's `fitstat` spelling with the variable (`ivf1::d1`, `ivwald1::d1`).
    pub key: String,
    /// Row label of tables (`F-test (1st stage), d1`).
    pub label: String,
    /// Value.
    pub value: f64,
    /// p-value, if the statistic is a test.
    pub p: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fe::DemeanInfo;
    use crate::{Lincom, Ssc, VcovSpec, lincom, vcov};

    /// A second estimator, test-only: it holds a hand-computed core and
    /// shares nothing with `OlsFit` but the [`Fitted`] trait.
    #[derive(Debug)]
    struct ToyFit {
        core: FitCore,
    }

    impl Fitted for ToyFit {
        fn core(&self) -> &FitCore {
            &self.core
        }
        fn model_type(&self) -> &'static str {
            "Toy"
        }
    }

    /// $y = (1, 3, 2, 5)$ on an intercept and $x = (0, 1, 2, 3)$, clusters
    /// $\{0,1\}, \{2,3\}$, worked by hand:
    /// $X'X = \begin{pmatrix}4&6\\6&14\end{pmatrix}$, $B = (X'X)^{-1} =
    /// \frac1{20}\begin{pmatrix}14&-6\\-6&4\end{pmatrix}$, $X'y = (11, 22)$,
    /// $\hat\beta = (1.1, 1.1)$, $\hat u = (-0.1, 0.8, -1.3, 0.6)$, RSS $= 2.7$.
    fn toy() -> ToyFit {
        ToyFit {
            core: FitCore {
                depvar: "y".into(),
                coef_names: vec!["Intercept".into(), "x".into()],
                beta: vec![1.1, 1.1],
                bread: SymMatrix { k: 2, data: vec![0.7, -0.3, -0.3, 0.2] },
                xt: vec![vec![1.0; 4], vec![0.0, 1.0, 2.0, 3.0]],
                resid_t: vec![-0.1, 0.8, -1.3, 0.6],
                sigma2: 2.7 / 3.0,
                nobs: 4,
                fe: Vec::new(),
                clusters: vec![ClusterVar { name: "g".into(), codes: vec![0, 0, 1, 1], n_groups: 2 }],
                weights: None,
                sample: None,
                r2: 1.0 - 2.7 / 8.75,
                r2_within: None,
                diagnostics: Diagnostics {
                    n_input: 4,
                    n_singletons: 0,
                    n_separated: 0,
                    collinear: Vec::new(),
                    demean: DemeanInfo::none(),
                },
            },
        }
    }

    fn assert_close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-12 * b.abs(), "{a} vs {b}");
    }

    #[test]
    fn a_second_estimator_gets_hand_computed_standard_errors() {
        let fit = toy();
        assert_eq!(fit.model_type(), "Toy");
        let ssc = Ssc::default();

        // iid: σ̂²·(N−1)/(N−K)·B = RSS/(N−K)·B = 1.35·B → var = (0.945, 0.27).
        let inf = vcov(&fit, &VcovSpec::Iid, &ssc).unwrap();
        assert_eq!((inf.df_k, inf.df_t), (2, 2));
        assert_close(inf.coefs[0].se, 0.945f64.sqrt());
        assert_close(inf.coefs[1].se, 0.27f64.sqrt());

        // HC1: M = Σ û²xx' = [[2.7, 5.1], [5.1, 10.64]], BMB = [[0.1386, −0.0324], [−0.0324, 0.0566]],
        // times N/(N−K) = 2.
        let inf = vcov(&fit, &VcovSpec::Hetero, &ssc).unwrap();
        assert_close(inf.coefs[0].se, 0.2772f64.sqrt());
        assert_close(inf.coefs[1].se, 0.1132f64.sqrt());
        assert_close(inf.vcov.get(0, 1), -0.0648);

        // CRV1: S_1 = (0.7, 0.8) = −S_2, BS_1 = (0.25, −0.05), BMB = 2·(BS_1)(BS_1)',
        // times G/(G−1)·(N−1)/(N−K) = 3 → [[0.375, −0.075], [−0.075, 0.015]], t with G−1 = 1 df.
        let inf = vcov(&fit, &VcovSpec::Cluster(vec!["g".into()]), &ssc).unwrap();
        assert_eq!((inf.df_t, inf.n_clusters.clone()), (1, vec![("g".to_owned(), 2)]));
        assert_close(inf.coefs[0].se, 0.375f64.sqrt());
        assert_close(inf.coefs[1].se, 0.015f64.sqrt());

        // lincom on the same fit: Intercept + x = 2.2, var = 0.375 + 0.015 − 2·0.075 = 0.24.
        let lc: Lincom = "Intercept + x".parse().unwrap();
        let r = lincom(&fit, &inf, &lc).unwrap();
        assert_close(r.row.estimate, 2.2);
        assert_close(r.row.se, 0.24f64.sqrt());
    }

    #[test]
    fn nesting_detection() {
        assert!(is_nested(&[0, 0, 1, 1, 2], 3, &[5, 5, 5, 5, 6]));
        assert!(!is_nested(&[0, 0, 1, 1], 2, &[1, 2, 3, 3]));
    }
}
