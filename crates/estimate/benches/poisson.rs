//! Criterion benchmark of the Poisson fit alone (`fit_poisson`: separation
//! by the fixed effects, IRLS with the weighted demeaning, no vcov) on the
//! `pois` design of `scripts/bench_estimate.py`, drawn with ChaCha8:
//! y ~ Poisson(exp(0.3 x1 − 0.2 x2 + FE/3 + cluster shock)), FE f1 (N/20
//! levels), f2 (N/500), f3 (100), at N = 1e5 and 1e6.
//!
//! Run: `cargo bench -p spillnet-estimate --bench poisson`. With
//! `POISSON_PROFILE=N` it instead fits the N-row design N times in a loop
//! and prints each fit's time and IRLS/demeaning iterations (for `perf`).

use std::time::Instant;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use spillnet_estimate::design::{Column, Design, Factor};
use spillnet_estimate::poisson::{PoissonOptions, fit_poisson};

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random::<f64>();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn poisson_draw(rng: &mut ChaCha8Rng, lambda: f64) -> f64 {
    // Knuth's multiplication method (λ is small here).
    let limit = (-lambda).exp();
    let (mut k, mut p) = (0.0, 1.0);
    loop {
        p *= rng.random::<f64>();
        if p <= limit {
            return k;
        }
        k += 1.0;
    }
}

fn pois_design(n: usize, seed: u64) -> Design {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (n1, n2) = ((n / 20).max(1) as u32, (n / 500).max(1) as u32);
    let f1: Vec<u32> = (0..n).map(|_| rng.random_range(0..n1)).collect();
    let f2: Vec<u32> = (0..n).map(|_| rng.random_range(0..n2)).collect();
    let f3: Vec<u32> = (0..n).map(|_| rng.random_range(0..100)).collect();
    let cl: Vec<u32> = f3.iter().map(|v| v % 25).collect();
    let a1: Vec<f64> = (0..n1).map(|_| normal(&mut rng)).collect();
    let a2: Vec<f64> = (0..n2).map(|_| normal(&mut rng)).collect();
    let a3: Vec<f64> = (0..100).map(|_| normal(&mut rng)).collect();
    let shock: Vec<f64> = (0..25).map(|_| normal(&mut rng)).collect();
    let x1: Vec<f64> = (0..n).map(|i| normal(&mut rng) + 0.01 * f64::from(f2[i] % 10)).collect();
    let x2: Vec<f64> = (0..n).map(|_| normal(&mut rng)).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let a = a1[f1[i] as usize] + a2[f2[i] as usize] + a3[f3[i] as usize];
            let eta = 0.3 * x1[i] - 0.2 * x2[i] + a / 3.0 + 0.2 * shock[cl[i] as usize];
            poisson_draw(&mut rng, eta.exp())
        })
        .collect();
    let col = |name: &str, values: Vec<f64>| Column { name: name.into(), values };
    let factor = |name: &str, codes: Vec<u32>| Factor { name: name.into(), codes };
    let mut d = Design::new(col("y", y), vec![col("x1", x1), col("x2", x2)]);
    d.fe = vec![factor("f1", f1), factor("f2", f2), factor("f3", f3)];
    d.clusters = vec![factor("cl", cl)];
    d
}

/// The benchmark script's configuration: pyfixest's own separation check only.
fn options() -> PoissonOptions {
    PoissonOptions { separation_ir: false, ..PoissonOptions::default() }
}

fn bench_poisson(c: &mut Criterion) {
    if let Some(n) = std::env::var("POISSON_PROFILE").ok().and_then(|v| v.parse::<f64>().ok()) {
        let design = pois_design(n as usize, 1);
        for _ in 0..5 {
            let t = Instant::now();
            let fit = fit_poisson(&design, &options()).expect("fit");
            eprintln!(
                "n={n} {:.3} s, {} IRLS iterations, {} demeaning iterations, beta {:?}",
                t.elapsed().as_secs_f64(),
                fit.iterations,
                fit.demean_iterations,
                fit.core.beta
            );
        }
        return;
    }
    let mut g = c.benchmark_group("poisson");
    g.sample_size(10);
    for n in [100_000usize, 1_000_000] {
        let design = pois_design(n, 1);
        g.bench_with_input(BenchmarkId::new("fepois", n), &design, |b, d| b.iter(|| fit_poisson(d, &options())));
    }
    g.finish();
}

criterion_group!(benches, bench_poisson);
criterion_main!(benches);
