//! Planted truths of two further-evidence groups (issue #13) and what the
//! study's estimators converge to on a generated design: the JV benchmark's
//! within-JV-firm similarity (`SynthParams::jv_similarity`) and the event
//! study's growth of the affiliated spillover with years since year 0
//! (`SynthParams::spillover_growth`). Pure arithmetic on the generator's
//! model and pair lists; imports [`super::estimand`] only.
//!
//! # Within-JV-firm similarity (the benchmark's JV sum)
//! The generator's JV strengths are ũ_jkt: iid N(0, σ²) draws double-centred
//! within each segment-year block (model×year and segment×dimension×year
//! means), so step 1 returns them exactly. With a similarity planted, each
//! JV firm f also draws a pattern v_fkt ~ N(0, σ²) per dimension and year,
//! and its models get e_jkt = ũ_jkt + c·ṽ_jkt, with ṽ the same double
//! centring of v_{f(j)kt} (so step 1 still returns e exactly). Within a
//! segment-year block B of n models of which m_f belong to firm f,
//! ṽ_j = Σ_f A_jf v_f (row-centred) with A_jf = 1[f(j) = f] − m^B_f/n, hence
//! (in units of σ²(1−1/19), per dimension)
//! - Cov(ũ_j, ũ_l) = δ_jl − 1/n if j, l share the block, 0 otherwise;
//! - Cov(ṽ_j, ṽ_l) = Σ_f A_jf A_lf.
//!
//! The benchmark's step 2 is saturated in the four SameFirm × SameSeg cells
//! and its regressors sum to zero over each pair's dimensions (so the
//! intercept is orthogonal to them): each cell's slope converges to
//! Σ Cov(e_F, e_L) / Σ Var(e_L) over the cell's (follower, leader) pairs,
//! and the JV sum β_SameFirm + β_SameSeg + β_SameFirm×SameSeg is the
//! slope of (same firm, same segment) minus that of (other firm, other
//! segment). The split into leaders and followers is random and every
//! ordered pair of distinct models is (follower, leader) with the same
//! probability, so the sums' expectations over the split are proportional
//! to the sums over all ordered same-year pairs: the estimand is computed
//! over those. Numerators and denominators are affine in c², so c² is
//! solved (bisection) to make the estimand equal the planted JV sum. The
//! domestic strengths keep loading on ũ only, so the pair covariances of the
//! study's regression are unchanged; the JV variance grows by c²Σ_f A_jf²,
//! which [`super::estimand::Design::set_jv_extra_variance`] feeds to the
//! calibration of the other planted values.
//!
//! # Growth of the affiliated spillover
//! Year 0 of an affiliated firm pair (domestic firm, JV firm) is the first
//! year an affiliated model pair of the two firms is on the market (any
//! segment), as `study::case::event_study::year_zero` defines it; the raw
//! weight of every affiliated pair gains g·(t − year 0) (raw term
//! `SameGroup_x_YearsSinceYear0`). The event study regresses e^D on e^JV,
//! e^JV×SameGroup×1[bin = b] (b = 1..K, K its top bin, chosen by the rule
//! [`top_bin`] replicates) and one e^JV×pair dummy per affiliated firm pair,
//! on same-segment pairs; its slope is the least-squares slope of the bin
//! effects (year 0 at 0) on positions 0..K. [`EventDesign::slope`] computes
//! that estimand by [`super::estimand::Design::projection`]; it is affine in
//! g, so g is solved to make it equal the planted per-year slope.

use std::collections::BTreeMap;

use super::estimand::{Design, PairObs};

/// The top bin K is the largest k ≤ this with enough rows at or beyond it
/// (the event study's `MAX_TOP_BIN`).
pub const MAX_TOP_BIN: i32 = 10;
/// Share of the affiliated rows the top bin must hold (the event study's `TOP_BIN_MIN_SHARE`).
pub const TOP_BIN_MIN_SHARE: f64 = 0.10;

/// The event study's top bin K (its `top_bin`): the largest k ≤
/// [`MAX_TOP_BIN`] with at least [`TOP_BIN_MIN_SHARE`] of the event times
/// ≥ k and every year 1..k−1 present; `None` when no time is positive.
pub fn top_bin(event_times: &[i32]) -> Option<i32> {
    let n = event_times.len();
    let max = event_times.iter().copied().max()?;
    if max <= 0 {
        return None;
    }
    let share = |k: i32| event_times.iter().filter(|&&e| e >= k).count() as f64 / n as f64;
    let filled = |k: i32| (1..k).all(|b| event_times.contains(&b));
    Some((1..=max.min(MAX_TOP_BIN)).rev().find(|&k| share(k) >= TOP_BIN_MIN_SHARE && filled(k)).unwrap_or(1))
}

/// The event study's design on the generated pairs.
#[derive(Debug, Clone)]
pub struct EventDesign {
    /// Per pair: years since its firm pair's year 0 (affiliated pairs only).
    pub years0: Vec<Option<f64>>,
    /// Per pair: the index of its affiliated firm pair among those with
    /// same-segment pairs (affiliated same-segment pairs only).
    pair_id: Vec<Option<usize>>,
    /// Top bin K.
    pub top_bin: i32,
    /// Affiliated firm pairs with same-segment pairs.
    pub firm_pairs: usize,
}

impl EventDesign {
    /// Year 0 of each affiliated firm pair and the event study's bins;
    /// `producer[m]` is the firm of model m. `None` when no affiliated
    /// same-segment pair has a positive event time.
    pub fn new(pairs: &[PairObs], producer: &[usize]) -> Option<Self> {
        let firms = |p: &PairObs| (producer[p.dom], producer[p.jv]);
        let mut y0: BTreeMap<(usize, usize), i32> = BTreeMap::new();
        for p in pairs.iter().filter(|p| p.same_group) {
            let e = y0.entry(firms(p)).or_insert(p.year);
            *e = (*e).min(p.year);
        }
        let years0 = pairs.iter().map(|p| p.same_group.then(|| f64::from(p.year - y0[&firms(p)]))).collect();
        let mut ids: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        let mut times = Vec::new();
        for p in pairs.iter().filter(|p| p.same_group && p.same_seg()) {
            ids.entry(firms(p)).or_default();
            times.push(p.year - y0[&firms(p)]);
        }
        for (i, v) in ids.values_mut().enumerate() {
            *v = i;
        }
        let pair_id = pairs.iter().map(|p| (p.same_group && p.same_seg()).then(|| ids[&firms(p)])).collect();
        Some(Self { years0, pair_id, top_bin: top_bin(&times)?, firm_pairs: ids.len() })
    }

    /// The estimands of the bin effects (0..=K, year 0 = 0) and of their
    /// slope when the double-centred weights are `omega`; `None` if singular.
    pub fn slope(&self, design: &Design, omega: &[f64]) -> Option<(f64, Vec<f64>)> {
        let k = self.top_bin;
        let m = 1 + k as usize + self.firm_pairs;
        let (a, rhs) = design.moments(m, omega, |i, p| {
            if !p.same_seg() {
                return None;
            }
            let mut z = vec![(0, 1.0)];
            if let (Some(e), Some(id)) = (self.years0[i], self.pair_id[i]) {
                let b = (e as i32).min(k);
                if b >= 1 {
                    z.push((b as usize, 1.0));
                }
                z.push((1 + k as usize + id, 1.0));
            }
            Some(z)
        });
        let coef = solve_dropping(&a, &rhs)?;
        // Bins dropped as collinear are left out of the slope, as the event study does.
        let bins: Vec<f64> = (0..=k as usize).map(|b| if b == 0 { 0.0 } else { coef[b] }).collect();
        let used: Vec<(f64, f64)> =
            bins.iter().enumerate().filter(|(_, d)| !d.is_nan()).map(|(b, d)| (b as f64, *d)).collect();
        let mean = used.iter().map(|u| u.0).sum::<f64>() / used.len() as f64;
        let ss: f64 = used.iter().map(|u| (u.0 - mean).powi(2)).sum();
        let slope = used.iter().map(|(b, d)| (b - mean) / ss * d).sum();
        Some((slope, bins))
    }
}

/// Solve the symmetric positive semi-definite system `a x = b`, dropping
/// (NaN in the result) every column that is collinear with the kept columns
/// before it (incremental Cholesky, relative tolerance 1e-10), as a
/// least-squares fit drops collinear terms in regressor order; `None` when
/// every column is dropped.
pub fn solve_dropping(a: &[Vec<f64>], b: &[f64]) -> Option<Vec<f64>> {
    let m = b.len();
    let mut kept: Vec<usize> = Vec::new();
    let mut l: Vec<Vec<f64>> = Vec::new(); // rows of the Cholesky factor of the kept block
    for c in 0..m {
        let mut y = Vec::with_capacity(kept.len());
        for (r, &kr) in kept.iter().enumerate() {
            let s: f64 = (0..r).map(|i| l[r][i] * y[i]).sum();
            y.push((a[kr][c] - s) / l[r][r]);
        }
        let d = a[c][c] - y.iter().map(|v| v * v).sum::<f64>();
        if a[c][c] > 0.0 && d > 1e-10 * a[c][c] {
            y.push(d.sqrt());
            l.push(y);
            kept.push(c);
        }
    }
    if kept.is_empty() {
        return None;
    }
    // L L' x = b on the kept columns.
    let n = kept.len();
    let mut w = vec![0.0; n];
    for r in 0..n {
        let s: f64 = (0..r).map(|i| l[r][i] * w[i]).sum();
        w[r] = (b[kept[r]] - s) / l[r][r];
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|i| l[i][r] * x[i]).sum();
        x[r] = (w[r] - s) / l[r][r];
    }
    let mut out = vec![f64::NAN; m];
    for (r, &c) in kept.iter().enumerate() {
        out[c] = x[r];
    }
    Some(out)
}

/// Seed of the benchmark's leader/follower split that the JV sum is
/// calibrated on: the study's default (`spillnet spillover --seed`,
/// `CaseOptions::seed`).
pub const BENCHMARK_SPLIT_SEED: u64 = 1;

/// Leaders among `n` JV models in id order: the benchmark's
/// `split_leaders` (shuffle `0..n` with `ChaCha8Rng::seed_from_u64(seed)`;
/// the first ⌈n/2⌉ shuffled positions lead).
pub fn split_leaders(n: usize, seed: u64) -> Vec<bool> {
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    let mut leader = vec![false; n];
    for &i in &order[..n.div_ceil(2)] {
        leader[i] = true;
    }
    leader
}

/// One JV model on the market in a year: (model, firm, segment).
pub type JvModel = (usize, usize, usize);

/// Split-expected moments of the benchmark's two cells that make the JV
/// sum: (numerator, denominator) of the slope of (same firm, same segment)
/// and of (other firm, other segment), each as (without, per unit c²).
#[derive(Debug, Clone, PartialEq)]
pub struct JvSimilarity {
    /// Same firm and segment: Σ Cov(ũ), Σ Cov(ṽ), Σ Var(ũ_L), Σ Var(ṽ_L).
    pub same: [f64; 4],
    /// Other firm and segment: the same four sums.
    pub other: [f64; 4],
    /// Ordered same-year pairs of distinct JV models.
    pub ordered_pairs: u64,
    /// Per (model, year): Σ_f A_jf², the variance of ṽ_j in units of σ²(1−1/19).
    pub factor_variance: BTreeMap<(usize, i32), f64>,
}

impl JvSimilarity {
    /// The moments from the JV models on the market in each year, over the
    /// ordered pairs (follower j, leader l) with `leader(j) == false`,
    /// `leader(l) == true` (every ordered pair of distinct models when
    /// `leader` is `None`).
    pub fn new(by_year: &[(i32, Vec<JvModel>)], leader: Option<&dyn Fn(usize) -> bool>) -> Self {
        let mut out =
            JvSimilarity { same: [0.0; 4], other: [0.0; 4], ordered_pairs: 0, factor_variance: BTreeMap::new() };
        for (year, models) in by_year {
            let firm_ix: BTreeMap<usize, usize> = {
                let mut f: Vec<usize> = models.iter().map(|m| m.1).collect();
                f.sort_unstable();
                f.dedup();
                f.into_iter().enumerate().map(|(i, f)| (f, i)).collect()
            };
            let mut seg_n: BTreeMap<usize, f64> = BTreeMap::new();
            let mut seg_firm: BTreeMap<(usize, usize), f64> = BTreeMap::new();
            for &(_, f, s) in models {
                *seg_n.entry(s).or_default() += 1.0;
                *seg_firm.entry((s, f)).or_default() += 1.0;
            }
            // Dense A_j over the year's firms.
            let a: Vec<Vec<f64>> = models
                .iter()
                .map(|&(_, f, s)| {
                    let mut row = vec![0.0; firm_ix.len()];
                    for (&(s2, f2), &m) in &seg_firm {
                        if s2 == s {
                            row[firm_ix[&f2]] -= m / seg_n[&s];
                        }
                    }
                    row[firm_ix[&f]] += 1.0;
                    row
                })
                .collect();
            let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
            for (l, &(ml, _, _)) in models.iter().enumerate() {
                out.factor_variance.insert((ml, *year), dot(&a[l], &a[l]));
            }
            for (j, &(mj, fj, sj)) in models.iter().enumerate() {
                for (l, &(ml, fl, sl)) in models.iter().enumerate() {
                    if j == l || leader.is_some_and(|is| is(mj) || !is(ml)) {
                        continue;
                    }
                    out.ordered_pairs += 1;
                    let cell = match (fj == fl, sj == sl) {
                        (true, true) => &mut out.same,
                        (false, false) => &mut out.other,
                        _ => continue,
                    };
                    let n = seg_n[&sl];
                    cell[0] += if sj == sl { -1.0 / n } else { 0.0 };
                    cell[1] += dot(&a[j], &a[l]);
                    cell[2] += 1.0 - 1.0 / n;
                    cell[3] += out.factor_variance[&(ml, *year)];
                }
            }
        }
        out
    }

    /// The JV sum's estimand when the firm pattern's variance is `c2` times the draws'.
    pub fn jv_sum(&self, c2: f64) -> f64 {
        let slope = |m: &[f64; 4]| (m[0] + c2 * m[1]) / (m[2] + c2 * m[3]);
        slope(&self.same) - slope(&self.other)
    }

    /// c² ≥ 0 with [`Self::jv_sum`] equal to `target` (bisection; the sum
    /// rises with c²); `None` when the target is out of reach on this design.
    pub fn solve(&self, target: f64) -> Option<f64> {
        if !(self.same[2] > 0.0 && self.other[2] > 0.0) || self.jv_sum(0.0) > target {
            return None;
        }
        let mut hi = 1.0;
        while self.jv_sum(hi) < target {
            hi *= 2.0;
            if hi > 1e6 {
                return None;
            }
        }
        let mut lo = 0.0;
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if self.jv_sum(mid) < target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(0.5 * (lo + hi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_bin_follows_the_event_study_rule() {
        assert_eq!(top_bin(&[0, 0, 0]), None);
        // 10 rows: ≥ 3 holds 1 row (10 %), all of 1, 2 present.
        assert_eq!(top_bin(&[0, 0, 0, 1, 1, 1, 2, 2, 2, 3]), Some(3));
        assert_eq!(top_bin(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]), Some(1));
    }

    #[test]
    fn one_firm_per_segment_has_no_factor_variance_and_two_firms_split_it() {
        // Year 2005: segment 0 holds models 1, 2 of firm 10; segment 1 holds 3 (firm 10) and 4 (firm 11).
        let s = JvSimilarity::new(&[(2005, vec![(1, 10, 0), (2, 10, 0), (3, 10, 1), (4, 11, 1)])], None);
        // A firm alone in its block: its pattern is the block mean, removed entirely.
        assert_eq!(s.factor_variance[&(1, 2005)], 0.0);
        // Two firms, one model each: A = (1/2, −1/2) → 1/2.
        assert!((s.factor_variance[&(3, 2005)] - 0.5).abs() < 1e-15);
        assert_eq!(s.ordered_pairs, 12);
        // Same firm, same segment: (1,2), (2,1): Cov(ũ) = −1/2 each, Var(ũ_L) = 1/2 each, no factor.
        assert_eq!(s.same, [-1.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn solve_dropping_drops_a_collinear_column_and_solves_the_rest() {
        // Columns: x1, x2 = 2·x1, x3; cross-products of x1 = (1, 0, 1), x3 = (0, 1, 1).
        let a = vec![vec![2.0, 4.0, 1.0], vec![4.0, 8.0, 2.0], vec![1.0, 2.0, 2.0]];
        // y = 1·x1 + 3·x3 = (1, 3, 4): X'y = (5, 10, 7).
        let x = solve_dropping(&a, &[5.0, 10.0, 7.0]).unwrap();
        assert!((x[0] - 1.0).abs() < 1e-12 && x[1].is_nan() && (x[2] - 3.0).abs() < 1e-12, "{x:?}");
    }

    #[test]
    fn pattern_covariances_match_a_simulation_of_the_double_centring() {
        // One year, two segments: segment 0 holds firm 1 (models 0, 1) and firm 2 (model 2);
        // segment 1 holds firm 1 (model 3) and firm 3 (models 4, 5). The formula is per dimension,
        // so simulate one dimension centred within segments (the centring over dimensions only
        // scales every moment by 1 − 1/19).
        use rand::{Rng, SeedableRng};
        let models = [(0, 1, 0), (1, 1, 0), (2, 2, 0), (3, 1, 1), (4, 3, 1), (5, 3, 1)];
        let s = JvSimilarity::new(&[(2010, models.to_vec())], None);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let draws = 200_000;
        let mut cov = [[0.0_f64; 6]; 6];
        for _ in 0..draws {
            let v: [f64; 4] = std::array::from_fn(|_| {
                let (a, b): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
                (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()
            });
            let raw: Vec<f64> = models.iter().map(|m| v[m.1]).collect();
            let mean = |seg: usize| {
                let r: Vec<f64> = models.iter().zip(&raw).filter(|(m, _)| m.2 == seg).map(|x| *x.1).collect();
                r.iter().sum::<f64>() / r.len() as f64
            };
            let (m0, m1) = (mean(0), mean(1));
            let e: Vec<f64> = models.iter().zip(&raw).map(|(m, x)| x - if m.2 == 0 { m0 } else { m1 }).collect();
            for j in 0..6 {
                for l in 0..6 {
                    cov[j][l] += e[j] * e[l] / f64::from(draws);
                }
            }
        }
        for (j, m) in models.iter().enumerate() {
            assert!(
                (cov[j][j] - s.factor_variance[&(m.0, 2010)]).abs() < 0.01,
                "{j}: {} vs {}",
                cov[j][j],
                s.factor_variance[&(m.0, 2010)]
            );
        }
        // Same firm, same segment ordered pairs: (0,1), (1,0), (4,5), (5,4).
        let same: f64 = [(0, 1), (1, 0), (4, 5), (5, 4)].iter().map(|&(j, l)| cov[j][l]).sum();
        assert!((same - s.same[1]).abs() < 0.02, "{same} vs {}", s.same[1]);
        // Other firm, other segment: firm of j ≠ firm of l, segments differ.
        let other: f64 = (0..6)
            .flat_map(|j| (0..6).map(move |l| (j, l)))
            .filter(|&(j, l)| models[j].1 != models[l].1 && models[j].2 != models[l].2)
            .map(|(j, l)| cov[j][l])
            .sum();
        assert!((other - s.other[1]).abs() < 0.03, "{other} vs {}", s.other[1]);
    }
}
