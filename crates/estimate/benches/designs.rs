//! Fixed-effect designs of the solver benchmark (worker × firm × year
//! panels): "simple" (firm drawn at random), "difficult" (firms assigned by
//! cycling through the rows, fixest's benchmark DGP) and "akm" (workers
//! move to a random firm each year with probability `p_move`). Same
//! structures as `scripts/bench_estimate.py`, drawn with ChaCha8 here.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use spillnet_estimate::fe::FeIndex;

/// A design: the fixed effects (worker, firm, year) and a column to demean.
pub struct Case {
    pub fes: Vec<FeIndex>,
    pub x: Vec<f64>,
}

fn finish(worker: Vec<u32>, firm: Vec<u32>, year: Vec<u32>, n_years: usize, rng: &mut ChaCha8Rng) -> Case {
    let nw = worker.iter().max().map_or(0, |m| *m as usize + 1);
    let nf = firm.iter().max().map_or(0, |m| *m as usize + 1);
    let a: Vec<f64> = (0..nw).map(|_| rng.random::<f64>()).collect();
    let b: Vec<f64> = (0..nf).map(|_| rng.random::<f64>()).collect();
    let x = (0..worker.len())
        .map(|i| a[worker[i] as usize] + b[firm[i] as usize] + 0.1 * year[i] as f64 + rng.random::<f64>())
        .collect();
    // Firms that never appear would be empty levels: compact them.
    let (firm, nf) = spillnet_estimate::fe::compact(&firm, None);
    Case {
        fes: vec![FeIndex::new(worker, nw, None), FeIndex::new(firm, nf, None), FeIndex::new(year, n_years, None)],
        x,
    }
}

/// fixest's benchmark DGP: `n / 10` individuals × 10 years, ~23 individuals
/// per firm; firm at random (`difficult = false`) or `row mod n_firm`.
pub fn fixest_dgp(n: usize, difficult: bool, seed: u64) -> Case {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n_years = 10;
    let n_indiv = (n / n_years).max(1);
    let n_firm = ((n_indiv as f64 / 23.0).round() as usize).max(1);
    let worker: Vec<u32> = (0..n).map(|i| (i / n_years) as u32).collect();
    let year: Vec<u32> = (0..n).map(|i| (i % n_years) as u32).collect();
    let firm: Vec<u32> =
        (0..n).map(|i| if difficult { (i % n_firm) as u32 } else { rng.random_range(0..n_firm as u32) }).collect();
    finish(worker, firm, year, n_years, &mut rng)
}

/// AKM panel: `n / 10` workers × 10 years over `n / 100` firms; a worker
/// starts at a random firm and moves to a random firm each year with
/// probability `p_move`.
pub fn akm(n: usize, p_move: f64, seed: u64) -> Case {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n_years = 10;
    let n_workers = (n / n_years).max(1);
    let n_firms = (n / 100).max(2) as u32;
    let (mut worker, mut firm, mut year) = (Vec::new(), Vec::new(), Vec::new());
    for w in 0..n_workers {
        let mut f = rng.random_range(0..n_firms);
        for t in 0..n_years {
            if t > 0 && rng.random::<f64>() < p_move {
                f = rng.random_range(0..n_firms);
            }
            worker.push(w as u32);
            firm.push(f);
            year.push(t as u32);
        }
    }
    finish(worker, firm, year, n_years, &mut rng)
}
