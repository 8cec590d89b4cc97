//! What the study's two-step estimator (SPEC §4) converges to on a generated
//! design, and the raw pair weights that make it converge to the planted
//! values. Pure arithmetic; imports nothing from the crate.
//!
//! # Why raw weights differ from the planted coefficients
//!
//! The generator draws JV relative strengths e^JV_jkt and sets the domestic
//! ones to e^D_ikt = Σ_j t_ij e^JV_jkt + noise. Step 1 of the estimator
//! removes model×year and segment×dimension×year means within each sample
//! (JV, domestic). For the JV side the draws are already projected off those
//! fixed effects. On the domestic side the segment×dimension×year means of
//! Σ_j t_ij e^JV_jkt are removed, and the JV strengths in one
//! segment×year block are negatively correlated (−σ²(1−1/19)/n_J, because
//! they sum to zero). Together, the covariance that step 2 sees for a pair
//! (i, j) is σ²(1−1/19)·ω_ij with ω the *double-centred* raw weight
//!
//!   ω_ij = t_ij − t̄_{C(i),j} − t̄_{i,J(j)} + t̄_{C(i),J(j)},
//!
//! (C(i): domestic models in i's segment and year; J(j): JV models in j's),
//! while the variance of e^JV_jkt is σ²(1−1/19)(1−1/n_J). Step 2's
//! coefficients therefore converge to the weighted least-squares projection
//!
//!   β = (Σ (1−1/n_J) z z')⁻¹ Σ z ω
//!
//! of ω on the step-2 regressors z (summed over same-year pairs). With few
//! domestic models per segment and year this differs from the raw weights,
//! so [`solve_raw_weights`] chooses the 6 raw coefficients (see
//! [`RAW_BASIS`]) such that the headline spillover and β_SameGroup of the
//! preferred specification and the 4 channel coefficients of the mechanism
//! specification converge exactly to the planted values. Non-affiliated
//! pairs have raw weight 0 apart from the channel terms; β0 and β_SameSeg are
//! not free under this estimator (ω sums to zero within every block), so
//! their estimands are reported rather than planted.

use std::collections::BTreeMap;

/// One same-year (domestic model, JV model) pair.
#[derive(Debug, Clone, PartialEq)]
pub struct PairObs {
    /// Year.
    pub year: i32,
    /// Index of the domestic model (generator's model list).
    pub dom: usize,
    /// Index of the JV model.
    pub jv: usize,
    /// Segment of the domestic model.
    pub dom_seg: usize,
    /// Segment of the JV model.
    pub jv_seg: usize,
    /// SameGroup: the domestic firm's group is a domestic parent of the JV.
    pub same_group: bool,
    /// Worker flow JV → domestic firm (pooled), z-scored across pair-years.
    pub worker_z: f64,
    /// Supplier overlap, z-scored across the pair-years where it is defined
    /// (both models have ≥ 5 known suppliers); `None` otherwise.
    pub supplier_z: Option<f64>,
    /// Brand association of the pair, z-scored over the same-segment pairs
    /// where it is defined; `None` elsewhere, and everywhere unless a brand
    /// slope is planted (`SynthParams::brand_slope`).
    pub brand_z: Option<f64>,
    /// Years since the firm pair's year 0 (the event study's: the first year
    /// an affiliated model pair of the two firms is on the market) for
    /// affiliated pairs; `None` elsewhere, and everywhere unless a spillover
    /// growth is planted (`SynthParams::spillover_growth`).
    pub years0: Option<f64>,
}

impl PairObs {
    /// SameSeg.
    pub fn same_seg(&self) -> bool {
        self.dom_seg == self.jv_seg
    }
}

/// Names of the raw weight basis: raw t_ij = Σ_p coef_p · basis_p(i, j).
///
/// There is no plain SameSeg term: a weight common to all JV models of a
/// segment-year multiplies Σ_j e^JV_jkt over that block, which step 1 makes
/// exactly zero, so no estimator built on step-1 residuals can see it. For
/// the same reason β_SameSeg and β0 are not free: within every
/// (year, domestic segment, JV segment) block the double-centred weights sum
/// to zero, so their estimands are implied by the affiliated contrasts.
pub const RAW_BASIS: [&str; N_RAW] = [
    "SameGroup",
    "SameGroup_x_SameSeg",
    "SameSeg_x_WorkerFlow",
    "SameSeg_x_SameGroup_x_WorkerFlow",
    "SameSeg_x_SupplierOverlap",
    "SameSeg_x_SameGroup_x_SupplierOverlap",
    "SameSeg_x_SameGroup_x_BrandAssociation",
    "SameGroup_x_YearsSinceYear0",
];

/// Number of raw weight terms (the last two, the brand and growth terms,
/// are 0 and not reported unless a brand slope / spillover growth is planted).
pub const N_RAW: usize = 8;

/// Index of the growth term (SameGroup × years since year 0) in [`RAW_BASIS`].
pub const GROWTH_TERM: usize = 7;

/// Raw weight terms of the core generator (without the brand term).
pub const N_CORE: usize = 6;

/// The basis values of a pair (supplier terms are 0 where overlap is undefined).
pub fn basis(p: &PairObs) -> [f64; N_RAW] {
    let sg = f64::from(u8::from(p.same_group));
    let ss = f64::from(u8::from(p.same_seg()));
    let s = p.supplier_z.unwrap_or(0.0);
    let b = p.brand_z.unwrap_or(0.0);
    let e = p.years0.unwrap_or(0.0);
    [sg, sg * ss, ss * p.worker_z, ss * sg * p.worker_z, ss * s, ss * sg * s, ss * sg * b, sg * e]
}

/// Raw weight of a pair under coefficients `coef`.
pub fn raw_weight(p: &PairObs, coef: &[f64; N_RAW]) -> f64 {
    basis(p).iter().zip(coef).map(|(b, c)| b * c).sum()
}

/// A step-2 specification whose estimand is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spec {
    /// All pairs; z = [1, SG, SS, SG×SS] → [β0, β_SG, β_SS, β_SG×SS].
    Main,
    /// Same-segment pairs; z = [1, SG].
    SameSegment,
    /// Same-segment pairs with supplier overlap defined;
    /// z = [1, SG, W, SG×W, S, SG×S].
    Mechanism,
    /// Same-segment pairs with brand association defined; z = [1, SG, SG×B]
    /// (the alternatives group's brand column, Table E.12).
    Brand,
}

impl Spec {
    /// Names of the coefficients, in order.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Spec::Main => &["beta0", "beta_SameGroup", "beta_SameSeg", "beta_SameGroup_x_SameSeg"],
            Spec::SameSegment => &["beta0", "beta_SameGroup"],
            Spec::Mechanism => &[
                "beta0",
                "beta_SameGroup",
                "beta_WorkerFlow",
                "beta_SameGroup_x_WorkerFlow",
                "beta_SupplierOverlap",
                "beta_SameGroup_x_SupplierOverlap",
            ],
            Spec::Brand => &["beta0", "beta_SameGroup", "beta_SameGroup_x_BrandAssociation"],
        }
    }

    /// The regressors of a pair (multiplying e^JV), or `None` outside the sample.
    pub fn regressors(self, p: &PairObs) -> Option<Vec<f64>> {
        let sg = f64::from(u8::from(p.same_group));
        match self {
            Spec::Main => {
                let ss = f64::from(u8::from(p.same_seg()));
                Some(vec![1.0, sg, ss, sg * ss])
            }
            Spec::SameSegment => p.same_seg().then(|| vec![1.0, sg]),
            Spec::Mechanism => {
                let s = p.supplier_z.filter(|_| p.same_seg())?;
                Some(vec![1.0, sg, p.worker_z, sg * p.worker_z, s, sg * s])
            }
            Spec::Brand => {
                let b = p.brand_z.filter(|_| p.same_seg())?;
                Some(vec![1.0, sg, sg * b])
            }
        }
    }
}

/// The pairs of a generated panel, grouped into (year, domestic segment, JV
/// segment) blocks for the double centring.
#[derive(Debug, Clone)]
pub struct Design {
    /// All same-year pairs.
    pub pairs: Vec<PairObs>,
    /// Per pair: number of JV models in its JV segment-year (n_J).
    n_jv: Vec<usize>,
    /// Per pair: extra variance of the JV model's strength beyond the
    /// projected iid draw, in units of σ²(1−1/19) (the planted within-JV-firm
    /// pattern; 0 unless `SynthParams::jv_similarity` is set).
    jv_extra_var: Option<Vec<f64>>,
    /// Blocks: indices of their pairs.
    blocks: Vec<Vec<usize>>,
}

impl Design {
    /// Group `pairs` into blocks (every block is a complete domestic × JV grid).
    pub fn new(pairs: Vec<PairObs>) -> Self {
        let mut by_block: BTreeMap<(i32, usize, usize), Vec<usize>> = BTreeMap::new();
        let mut jv_cells: BTreeMap<(i32, usize), std::collections::BTreeSet<usize>> = BTreeMap::new();
        for (k, p) in pairs.iter().enumerate() {
            by_block.entry((p.year, p.dom_seg, p.jv_seg)).or_default().push(k);
            jv_cells.entry((p.year, p.jv_seg)).or_default().insert(p.jv);
        }
        let n_jv = pairs.iter().map(|p| jv_cells[&(p.year, p.jv_seg)].len()).collect();
        Self { pairs, n_jv, jv_extra_var: None, blocks: by_block.into_values().collect() }
    }

    /// Set the per-pair extra variance of the JV strength (see the field
    /// `jv_extra_var`): the regressor's variance becomes (1 − 1/n_J) + extra.
    pub fn set_jv_extra_variance(&mut self, extra: Vec<f64>) {
        assert_eq!(extra.len(), self.pairs.len(), "one extra variance per pair");
        self.jv_extra_var = Some(extra);
    }

    /// Variance of pair `k`'s JV strength in units of σ²(1−1/19).
    fn jv_variance(&self, k: usize) -> f64 {
        let v = 1.0 - 1.0 / self.n_jv[k] as f64;
        match &self.jv_extra_var {
            Some(x) => v + x[k],
            None => v,
        }
    }

    /// The probability limit of a step-2 regression of e^D on z·e^JV with
    /// `m` sparse regressors `z(k, pair)` (index, value; `None`: pair outside
    /// the sample) when the double-centred weights are `omega`; `None` when
    /// the design is singular. [`Design::estimand`] is this for a [`Spec`].
    pub fn projection(
        &self,
        m: usize,
        omega: &[f64],
        z: impl Fn(usize, &PairObs) -> Option<Vec<(usize, f64)>>,
    ) -> Option<Vec<f64>> {
        let (a, b) = self.moments(m, omega, z);
        solve(a, b)
    }

    /// The cross-product matrix Σ Var(e^JV)·z z' and vector Σ z ω of
    /// [`Design::projection`] (for a solver that drops collinear terms).
    pub fn moments(
        &self,
        m: usize,
        omega: &[f64],
        z: impl Fn(usize, &PairObs) -> Option<Vec<(usize, f64)>>,
    ) -> (Vec<Vec<f64>>, Vec<f64>) {
        let mut a = vec![vec![0.0; m]; m];
        let mut b = vec![0.0; m];
        for (k, p) in self.pairs.iter().enumerate() {
            let Some(z) = z(k, p) else { continue };
            let v = self.jv_variance(k);
            for &(r, zr) in &z {
                b[r] += zr * omega[k];
                for &(c, zc) in &z {
                    a[r][c] += v * zr * zc;
                }
            }
        }
        (a, b)
    }

    /// The double-centred weights ω of raw coefficients `coef` (one per pair).
    pub fn centred(&self, coef: &[f64; N_RAW]) -> Vec<f64> {
        let mut out = vec![0.0; self.pairs.len()];
        for block in &self.blocks {
            let mut row: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
            let mut col: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
            let mut total = 0.0;
            for &k in block {
                let p = &self.pairs[k];
                let t = raw_weight(p, coef);
                let r = row.entry(p.dom).or_default();
                r.0 += t;
                r.1 += 1.0;
                let c = col.entry(p.jv).or_default();
                c.0 += t;
                c.1 += 1.0;
                total += t;
            }
            let grand = total / block.len() as f64;
            for &k in block {
                let p = &self.pairs[k];
                let (rs, rn) = row[&p.dom];
                let (cs, cn) = col[&p.jv];
                out[k] = raw_weight(p, coef) - rs / rn - cs / cn + grand;
            }
        }
        out
    }

    /// The probability limit of step 2's coefficients under `spec` when the
    /// double-centred weights are `omega`; `None` when the design is singular.
    pub fn estimand(&self, spec: Spec, omega: &[f64]) -> Option<Vec<f64>> {
        let m = spec.names().len();
        let mut a = vec![vec![0.0; m]; m];
        let mut b = vec![0.0; m];
        for (k, p) in self.pairs.iter().enumerate() {
            let Some(z) = spec.regressors(p) else { continue };
            let v = self.jv_variance(k);
            for r in 0..m {
                b[r] += z[r] * omega[k];
                for c in 0..m {
                    a[r][c] += v * z[r] * z[c];
                }
            }
        }
        solve(a, b)
    }

    /// Number of pairs in the sample of `spec`.
    pub fn sample_size(&self, spec: Spec) -> usize {
        self.pairs.iter().filter(|p| spec.regressors(p).is_some()).count()
    }
}

/// Solve `a x = b` by Gaussian elimination with partial pivoting; `None` if singular.
pub fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    let scale = a.iter().flatten().fold(0.0_f64, |m, x| m.max(x.abs())).max(f64::MIN_POSITIVE);
    for col in 0..n {
        let piv = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() <= 1e-12 * scale {
            return None;
        }
        a.swap(col, piv);
        b.swap(col, piv);
        let pivot_row = a[col].clone();
        for r in col + 1..n {
            let f = a[r][col] / pivot_row[col];
            if f != 0.0 {
                for (x, p) in a[r][col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= f * p;
                }
                b[r] -= f * b[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|c| a[r][c] * x[c]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    Some(x)
}

/// The planted targets: the headline β_SG + β_SS + β_SG×SS and β_SG of
/// [`Spec::Main`], and (β_W, β_SG×W, β_S, β_SG×S) of [`Spec::Mechanism`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
    /// Headline spillover β_SameGroup + β_SameSeg + β_SameGroup×SameSeg.
    pub headline: f64,
    /// β_SameGroup (affiliated, different segment, relative to β0).
    pub same_group: f64,
    /// β_WorkerFlow, β_SameGroup×WorkerFlow, β_SupplierOverlap, β_SameGroup×SupplierOverlap.
    pub mechanism: [f64; 4],
    /// β_SameGroup×BrandAssociation of [`Spec::Brand`], when planted.
    pub brand: Option<f64>,
    /// Raw coefficient of the growth term (SameGroup × years since year 0),
    /// held fixed while the others are solved (0: no growth).
    pub growth_raw: f64,
}

fn main_components(design: &Design, coef: &[f64; N_RAW]) -> Option<[f64; 2]> {
    let main = design.estimand(Spec::Main, &design.centred(coef))?;
    Some([main[1] + main[2] + main[3], main[1]])
}

fn all_components(design: &Design, coef: &[f64; N_RAW]) -> Option<[f64; N_CORE]> {
    let omega = design.centred(coef);
    let main = design.estimand(Spec::Main, &omega)?;
    let mech = design.estimand(Spec::Mechanism, &omega)?;
    Some([main[1] + main[2] + main[3], main[1], mech[2], mech[3], mech[4], mech[5]])
}

fn all_with_brand(design: &Design, coef: &[f64; N_RAW]) -> Option<[f64; 7]> {
    let [a, b, c, d, e, f] = all_components(design, coef)?;
    let brand = design.estimand(Spec::Brand, &design.centred(coef))?;
    Some([a, b, c, d, e, f, brand[2]])
}

fn main_with_brand(design: &Design, coef: &[f64; N_RAW]) -> Option<[f64; 3]> {
    let [h, g] = main_components(design, coef)?;
    let brand = design.estimand(Spec::Brand, &design.centred(coef))?;
    Some([h, g, brand[2]])
}

/// How the raw weights were calibrated (recorded in truth.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Calibration {
    /// All six targets hold exactly on this design.
    Full,
    /// The mechanism design is singular (e.g. a small panel without
    /// affiliated same-segment pairs that have supplier data): the headline
    /// and β_SameGroup hold exactly; channel terms are planted at their raw values.
    MainOnly,
    /// Even the preferred specification is singular: raw weights are the
    /// planted values (SameGroup = β_SameGroup, SameGroup×SameSeg = ρ − β_SameGroup).
    Uncalibrated,
}

/// Solve the square linear system that maps the `unknown` raw coefficients
/// (the others fixed at `base`) to `components`, so that they hit `target`.
fn calibrate<const K: usize>(
    design: &Design,
    base: [f64; N_RAW],
    unknown: [usize; K],
    target: [f64; K],
    components: impl Fn(&Design, &[f64; N_RAW]) -> Option<[f64; K]>,
) -> Option<[f64; N_RAW]> {
    let mut fixed = base;
    for &p in &unknown {
        fixed[p] = 0.0;
    }
    let offset = components(design, &fixed)?;
    let mut m = vec![vec![0.0; K]; K];
    for (c, &p) in unknown.iter().enumerate() {
        let mut e = [0.0; N_RAW];
        e[p] = 1.0;
        let col = components(design, &e)?;
        for r in 0..K {
            m[r][c] = col[r];
        }
    }
    let rhs: Vec<f64> = (0..K).map(|r| target[r] - offset[r]).collect();
    let x = solve(m, rhs)?;
    let mut out = fixed;
    for (c, &p) in unknown.iter().enumerate() {
        out[p] = x[c];
    }
    Some(out)
}

/// Raw coefficients (in [`RAW_BASIS`] order) whose estimands equal `targets`,
/// and how far that was possible on this design. The map coefficients →
/// estimands is linear, so it is built column by column and inverted.
///
/// With a planted brand slope ([`Targets::brand`]) the brand term's raw
/// coefficient is solved together with the others so that the brand
/// estimand of [`Spec::Brand`] also holds exactly; when that system is
/// singular the brand term is planted at its raw value (its estimand is
/// then reported, not planted). Without it the brand term is 0 and the
/// solution is the core generator's.
pub fn solve_raw_weights(design: &Design, targets: &Targets) -> ([f64; N_RAW], Calibration) {
    let t = targets;
    let all = [t.headline, t.same_group, t.mechanism[0], t.mechanism[1], t.mechanism[2], t.mechanism[3]];
    let b = t.brand.unwrap_or(0.0);
    if let Some(brand) = t.brand {
        let target = [all[0], all[1], all[2], all[3], all[4], all[5], brand];
        let mut base = [0.0; N_RAW];
        base[GROWTH_TERM] = t.growth_raw;
        if let Some(c) = calibrate(design, base, [0, 1, 2, 3, 4, 5, 6], target, all_with_brand) {
            return (c, Calibration::Full);
        }
    }
    let mut base = [0.0; N_RAW];
    base[6] = b;
    base[GROWTH_TERM] = t.growth_raw;
    if let Some(c) = calibrate(design, base, [0, 1, 2, 3, 4, 5], all, all_components) {
        return (c, Calibration::Full);
    }
    let raw = [
        t.same_group,
        t.headline - t.same_group,
        t.mechanism[0],
        t.mechanism[1],
        t.mechanism[2],
        t.mechanism[3],
        b,
        t.growth_raw,
    ];
    if let Some(brand) = t.brand
        && let Some(c) = calibrate(design, raw, [0, 1, 6], [t.headline, t.same_group, brand], main_with_brand)
    {
        return (c, Calibration::MainOnly);
    }
    if let Some(c) = calibrate(design, raw, [0, 1], [t.headline, t.same_group], main_components) {
        return (c, Calibration::MainOnly);
    }
    (raw, Calibration::Uncalibrated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(year: i32, dom: usize, jv: usize, dom_seg: usize, jv_seg: usize, sg: bool) -> PairObs {
        PairObs {
            year,
            dom,
            jv,
            dom_seg,
            jv_seg,
            same_group: sg,
            worker_z: 0.0,
            supplier_z: None,
            brand_z: None,
            years0: None,
        }
    }

    #[test]
    fn solve_matches_a_known_system() {
        let x = solve(vec![vec![2.0, 1.0], vec![1.0, 3.0]], vec![3.0, 5.0]).unwrap();
        assert!((x[0] - 0.8).abs() < 1e-12 && (x[1] - 1.4).abs() < 1e-12, "{x:?}");
        assert!(solve(vec![vec![1.0, 2.0], vec![2.0, 4.0]], vec![1.0, 2.0]).is_none());
    }

    #[test]
    fn double_centring_removes_row_and_column_means() {
        // One block: 2 domestic × 3 JV models; one affiliated pair.
        let pairs: Vec<_> =
            (0..2).flat_map(|d| (0..3).map(move |j| pair(2010, d, 10 + j, 0, 0, d == 0 && j == 0))).collect();
        let design = Design::new(pairs);
        let omega = design.centred(&[0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        // t = 1 at (0,0): ω = 1 − 1/2 − 1/3 + 1/6 = 1/3.
        assert!((omega[0] - 1.0 / 3.0).abs() < 1e-12);
        assert!(omega.iter().sum::<f64>().abs() < 1e-12);
    }

    #[test]
    fn single_domestic_model_cells_carry_no_signal() {
        let pairs = vec![pair(2005, 0, 1, 2, 2, true), pair(2005, 0, 2, 2, 2, false)];
        let omega = Design::new(pairs).centred(&[1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(omega, vec![0.0, 0.0]);
    }
}
