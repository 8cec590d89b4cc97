//! Shared data generators of the benchmarks: the DGP of
//! `tests/reference/make.py`/`scripts/bench_estimate.py` (y = x1 − 0.5·x2 +
//! three fixed effects of sizes N/20, N/500 and 100, the last nested in 25
//! clusters, plus a cluster shock), drawn with a seeded ChaCha8 generator.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use spillnet::estimate::Design;
use spillnet::estimate::design::{Column, Factor};

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The benchmark design with `n` observations.
pub fn design(n: usize, seed: u64) -> Design {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (l1, l2) = ((n / 20).max(1), (n / 500).max(1));
    let a1: Vec<f64> = (0..l1).map(|_| normal(&mut rng)).collect();
    let a2: Vec<f64> = (0..l2).map(|_| normal(&mut rng)).collect();
    let a3: Vec<f64> = (0..100).map(|_| normal(&mut rng)).collect();
    let shock: Vec<f64> = (0..25).map(|_| normal(&mut rng)).collect();
    let (mut f1, mut f2, mut f3, mut cl) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut x1, mut x2, mut y) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let (c1, c2, c3) = (rng.random_range(0..l1), rng.random_range(0..l2), rng.random_range(0..100usize));
        let g = c3 % 25;
        let v1 = normal(&mut rng) + 0.01 * (c2 % 10) as f64;
        let v2 = normal(&mut rng);
        y.push(v1 - 0.5 * v2 + a1[c1] + a2[c2] + a3[c3] + shock[g] + normal(&mut rng));
        x1.push(v1);
        x2.push(v2);
        f1.push(c1 as u32);
        f2.push(c2 as u32);
        f3.push(c3 as u32);
        cl.push(g as u32);
    }
    let mut d = Design::new(
        Column { name: "y".into(), values: y },
        vec![Column { name: "x1".into(), values: x1 }, Column { name: "x2".into(), values: x2 }],
    );
    d.fe = vec![
        Factor { name: "f1".into(), codes: f1 },
        Factor { name: "f2".into(), codes: f2 },
        Factor { name: "f3".into(), codes: f3 },
    ];
    d.clusters = vec![Factor { name: "cl".into(), codes: cl }];
    d
}
