//! Wild cluster restricted bootstrap (WCR; Cameron, Gelbach & Miller 2008;
//! Roodman, MacKinnon, Nielsen & Webb 2019) for one coefficient or a linear
//! combination $H_0: R'\beta = r$, one-way clustered, with Rademacher or
//! Webb weights. Imports `fe`, `fit`, `lincom`, `ols` and `ssc` from the crate.
//!
//! # Linear models only
//!
//! Unlike [`vcov()`](crate::vcov()) and [`lincom`](crate::lincom()), which read
//! any [`Fitted`](crate::Fitted) model, the bootstrap takes an [`OlsFit`]: it
//! re-estimates the model under the null on $y^*$ in closed form, which needs
//! a model linear in $y$ with bread $(\tilde X'W\tilde X)^{-1}$ and the
//! fit's fixed effects, weights and demeaning options (to project the
//! cluster indicators off the fixed effects). A 2SLS fit would need the wild
//! restricted efficient bootstrap and a Poisson fit a score bootstrap
//! instead. What it shares with the other inference (coefficients, bread,
//! score factors, cluster variables, fixed-effect sizes and nesting) it
//! reads from the fit's [`FitCore`].
//!
//! # Algorithm (no dummy matrices)
//!
//! Work in the demeaned, $\sqrt w$-transformed space of the fit ($\tilde X$,
//! bread $B$). The restricted estimate is
//! $\tilde\beta = \hat\beta - BR\,(R'\hat\beta - r)/(R'BR)$ with residuals
//! $\tilde u = \hat u + \tilde X(\hat\beta - \tilde\beta)$. A draw $v\in\mathbb R^G$
//! builds $y^* = X\tilde\beta + D\tilde\alpha + \tilde u\circ v_{g(i)}$. Because
//! $\tilde X \perp D$, $R'\beta^* - r = a'Sv$ with $a = BR$ and
//! $S_g = \sum_{i\in g}\tilde x_i\tilde u_i$, and the bootstrap residuals are
//! $u^* = \sum_g v_g W_g - \tilde X BSv$ with $W_g = M_D(\tilde u\circ 1_g)$.
//! Hence the projected cluster scores are $a's^*_h = (Mv)_h$ with the
//! $G\times G$ matrix $M_{hg} = \sum_{i\in h}\xi_i W_{g,i} - q_h'BS_g$,
//! $\xi_i = a'\tilde x_i$, $q_h = \sum_{i\in h}\xi_i\tilde x_i$. Each draw costs
//! $O(G^2)$: $t^*(v) = a'Sv / \sqrt{c\,\lVert Mv\rVert^2}$ ($c$ the CRV1
//! small-sample factor, which cancels in the p-value). When every fixed
//! effect is nested in the bootstrap cluster, $W_g = \tilde u\circ 1_g$;
//! otherwise the $G$ vectors $W_g$ are obtained with $G$ demeanings.
//! With $v = \mathbf 1$ the draw reproduces the sample, so $t^*(\mathbf 1)$ is
//! the CRV1 t-statistic (used as the bootstrap's reference statistic).
//!
//! # Draws and p-value
//!
//! Rademacher weights are $\pm1$; Webb's six-point weights are
//! $\pm\sqrt{1/2}, \pm1, \pm\sqrt{3/2}$. When the number of distinct weight
//! vectors ($2^G$, or $6^G$ for Webb) is at most the requested number of
//! replications, every vector is enumerated once (deterministic);
//! otherwise replication $b$ draws its weights from
//! `ChaCha8Rng::seed_from_u64(seed)` on stream $b$ (results independent of
//! the thread count).
//!
//! **Tie rule**: the symmetric p-value is the share of draws with
//! $|t^*| \ge |t| \,(1 - 10^{-9})$, i.e. draws that tie with the sample
//! statistic up to rounding (such as $v = \pm\mathbf 1$) count as at least as
//! extreme.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::EstimateError;
use super::fe;
use super::fit::{ClusterVar, FitCore};
use super::lincom::Lincom;
use super::ols::OlsFit;
use super::ssc::Ssc;

/// Relative tolerance of the tie rule.
pub const TIE_REL_TOL: f64 = 1e-9;

/// Bootstrap weight distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BootWeights {
    /// ±1 with probability 1/2.
    Rademacher,
    /// Webb's six-point distribution.
    Webb,
}

/// Bootstrap request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BootSpec {
    /// Number of replications (full enumeration is used when it has at most this many draws).
    pub reps: usize,
    /// Seed of the ChaCha8 generator.
    pub seed: u64,
    /// Weight distribution.
    pub weights: BootWeights,
    /// Cluster variable of the bootstrap (one-way).
    pub cluster: String,
}

/// How [`BootResult::p`] is computed (boottest's symmetric p-value), and
/// how reports show it when no draw is as extreme.
pub const BOOT_P_RULE: &str =
    "p = k / B, k = draws with |t*| >= |t| among B (boottest, symmetric); k = 0 is reported as p < 1/B";

/// Result of a wild cluster restricted bootstrap.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BootResult {
    /// Hypothesis tested (`name = r`).
    pub hypothesis: String,
    /// Sample t statistic (CRV1, one-way by `cluster`, with the given ssc).
    pub t: f64,
    /// Symmetric bootstrap p-value, `extreme / draws` ([`BOOT_P_RULE`]).
    pub p: f64,
    /// k: draws with |t*| ≥ |t| (up to a relative tie tolerance).
    pub extreme: usize,
    /// [`BOOT_P_RULE`].
    pub p_rule: &'static str,
    /// Number of draws used.
    pub draws: usize,
    /// Whether every weight vector was enumerated.
    pub enumerated: bool,
    /// Number of clusters.
    pub clusters: usize,
    /// The request.
    pub spec: BootSpec,
}

/// Precomputed $G$-dimensional algebra of the WCR bootstrap.
struct WcrKernel {
    /// $n_g = a'S_g$ (numerator weights).
    num: Vec<f64>,
    /// $M$ (G × G, row-major).
    m: Vec<f64>,
    /// Small-sample factor $c$.
    c: f64,
    g: usize,
}

impl WcrKernel {
    fn t_star(&self, v: &[f64], mv: &mut [f64]) -> f64 {
        let g = self.g;
        let num: f64 = self.num.iter().zip(v).map(|(a, b)| a * b).sum();
        for (mh, row) in mv.iter_mut().zip(self.m.chunks_exact(g)) {
            *mh = row.iter().zip(v).map(|(a, b)| a * b).sum();
        }
        let ss: f64 = mv.iter().map(|x| x * x).sum();
        num / (self.c * ss).sqrt()
    }
}

fn build_kernel(ols: &OlsFit, r: &[f64], null: f64, cl: &ClusterVar, ssc: &Ssc) -> WcrKernel {
    let fit: &FitCore = &ols.core;
    let (codes, g) = (cl.codes.as_slice(), cl.n_groups);
    let k = fit.k();
    let n = fit.nobs;
    let a = fit.bread.mul_vec(r);
    let rbr: f64 = r.iter().zip(&a).map(|(x, y)| x * y).sum();
    let rb: f64 = r.iter().zip(&fit.beta).map(|(x, y)| x * y).sum();
    let shift: Vec<f64> = a.iter().map(|ai| ai * (rb - null) / rbr).collect(); // β̂ − β̃
    // Restricted residuals (transformed space) and ξ = a'x̃.
    let mut ut = fit.resid_t.clone();
    let mut xi = vec![0.0; n];
    for j in 0..k {
        for i in 0..n {
            ut[i] += fit.xt[j][i] * shift[j];
            xi[i] += fit.xt[j][i] * a[j];
        }
    }
    // S (G × k) and q (G × k).
    let mut s = vec![0.0; g * k];
    let mut q = vec![0.0; g * k];
    for j in 0..k {
        for i in 0..n {
            let c = codes[i] as usize;
            s[c * k + j] += fit.xt[j][i] * ut[i];
            q[c * k + j] += fit.xt[j][i] * xi[i];
        }
    }
    let num: Vec<f64> = (0..g).map(|h| (0..k).map(|j| a[j] * s[h * k + j]).sum()).collect();
    // BS_g for each g (k × G).
    let bs: Vec<Vec<f64>> = (0..g).map(|h| fit.bread.mul_vec(&s[h * k..(h + 1) * k])).collect();
    let mut m = vec![0.0; g * g];
    for h in 0..g {
        for gg in 0..g {
            m[h * g + gg] = -(0..k).map(|j| q[h * k + j] * bs[gg][j]).sum::<f64>();
        }
    }
    let nested: Vec<bool> = fit.fe.iter().map(|f| f.is_nested_in(cl)).collect();
    let all_nested = nested.iter().all(|b| *b);
    if all_nested {
        for h in 0..g {
            m[h * g + h] += num[h];
        }
    } else {
        // W_g = √w ∘ demean_w(ũ ∘ 1_g), ũ in original units.
        let sw: Option<Vec<f64>> = fit.weights.as_ref().map(|w| w.iter().map(|x| x.sqrt()).collect());
        let mut cols: Vec<Vec<f64>> = (0..g)
            .map(|gg| {
                (0..n)
                    .map(|i| if codes[i] as usize == gg { sw.as_ref().map_or(ut[i], |s| ut[i] / s[i]) } else { 0.0 })
                    .collect()
            })
            .collect();
        let fe_index: Vec<fe::FeIndex> =
            fit.fe.iter().map(|f| fe::FeIndex::new(f.codes.clone(), f.levels, fit.weights.as_deref())).collect();
        fe::demean(&mut cols, &fe_index, fit.weights.as_deref(), &ols.demean_options);
        for (gg, wcol) in cols.iter().enumerate() {
            for i in 0..n {
                let wgi = sw.as_ref().map_or(wcol[i], |s| wcol[i] * s[i]);
                m[codes[i] as usize * g + gg] += xi[i] * wgi;
            }
        }
    }
    let nn = n as f64;
    let c_k = if ssc.k_adj {
        let dk = super::ssc::df_k(ssc, k, &fit.fe_levels(), &nested) as f64;
        (nn - 1.0) / (nn - dk)
    } else {
        1.0
    };
    let c_g = if ssc.g_adj { g as f64 / (g as f64 - 1.0) } else { 1.0 };
    WcrKernel { num, m, c: c_k * c_g, g }
}

const WEBB: [f64; 6] = [
    -1.224_744_871_391_589,
    -1.0,
    -std::f64::consts::FRAC_1_SQRT_2,
    std::f64::consts::FRAC_1_SQRT_2,
    1.0,
    1.224_744_871_391_589,
];

/// Run the WCR bootstrap for `H0: lincom = null` (a single coefficient is the
/// lincom `name`) on a linear (OLS) fit; see the module docs for why it does
/// not take any [`Fitted`](crate::Fitted) model.
///
/// # Errors
/// Unknown cluster variable or coefficient, fewer than 2 clusters, zero reps.
///
/// # Complexity
/// $O(NK + G\cdot\text{demean})$ setup, $O(G^2)$ per draw.
pub fn wild_bootstrap(fit: &OlsFit, lc: &Lincom, spec: &BootSpec, ssc: &Ssc) -> Result<BootResult, EstimateError> {
    if spec.reps == 0 {
        return Err(EstimateError::bad("bootstrap needs at least one replication"));
    }
    let cl = fit
        .core
        .cluster(&spec.cluster)
        .ok_or_else(|| EstimateError::bad(format!("bootstrap cluster `{}` is not part of the design", spec.cluster)))?;
    let g = cl.n_groups;
    if g < 2 {
        return Err(EstimateError::TooFewClusters { name: spec.cluster.clone(), groups: g });
    }
    let r = lc.weights(fit)?;
    let kernel = build_kernel(fit, &r, lc.null, cl, ssc);
    let mut scratch = vec![0.0; g];
    let t = kernel.t_star(&vec![1.0; g], &mut scratch);

    let base: usize = match spec.weights {
        BootWeights::Rademacher => 2,
        BootWeights::Webb => 6,
    };
    let total = (base as f64).powi(g as i32);
    let enumerated = total <= spec.reps as f64;
    let draws = if enumerated { total as usize } else { spec.reps };
    let draw = |b: usize| -> Vec<f64> {
        if enumerated {
            let mut x = b;
            (0..g)
                .map(|_| {
                    let d = x % base;
                    x /= base;
                    match spec.weights {
                        BootWeights::Rademacher => {
                            if d == 0 {
                                -1.0
                            } else {
                                1.0
                            }
                        }
                        BootWeights::Webb => WEBB[d],
                    }
                })
                .collect()
        } else {
            let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
            rng.set_stream(b as u64);
            (0..g)
                .map(|_| match spec.weights {
                    BootWeights::Rademacher => {
                        if rng.random::<bool>() {
                            1.0
                        } else {
                            -1.0
                        }
                    }
                    BootWeights::Webb => WEBB[rng.random_range(0..6)],
                })
                .collect()
        }
    };
    let threshold = t.abs() * (1.0 - TIE_REL_TOL);
    let extreme: usize = (0..draws)
        .into_par_iter()
        .map_init(
            || vec![0.0; g],
            |mv, b| {
                let ts = kernel.t_star(&draw(b), mv);
                usize::from(ts.abs() >= threshold)
            },
        )
        .sum();
    let hypothesis = if lc.null == 0.0 { format!("{} = 0", lc.label) } else { lc.label.clone() };
    Ok(BootResult {
        hypothesis,
        t,
        p: extreme as f64 / draws as f64,
        extreme,
        p_rule: BOOT_P_RULE,
        draws,
        enumerated,
        clusters: g,
        spec: spec.clone(),
    })
}
