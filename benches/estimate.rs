//! Criterion benchmarks of the estimation kernels: `demean` (three fixed
//! effects, whole fit), `vcov_cluster` (CRV1 on a stored fit) and
//! `wild_bootstrap` (WCR, 9 999 Rademacher draws on 25 clusters), on the
//! DGP of `benches/common` at N = 1e5 (and 1e6 for demeaning).

mod common;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use spillnet::estimate::{BootSpec, BootWeights, FitOptions, Lincom, Ssc, VcovSpec, fit_ols, vcov, wild_bootstrap};

fn bench_demean(c: &mut Criterion) {
    let mut g = c.benchmark_group("demean");
    g.sample_size(10);
    for n in [100_000usize, 1_000_000] {
        let d = common::design(n, 1);
        g.bench_with_input(BenchmarkId::new("fit_ols_3fe", n), &d, |b, d| {
            b.iter(|| fit_ols(d, &FitOptions::default()).unwrap())
        });
    }
    g.finish();
}

fn bench_vcov(c: &mut Criterion) {
    let d = common::design(100_000, 2);
    let fit = fit_ols(&d, &FitOptions::default()).unwrap();
    let mut g = c.benchmark_group("vcov_cluster");
    g.bench_function("crv1_oneway_1e5", |b| {
        b.iter(|| vcov(&fit, &VcovSpec::Cluster(vec!["cl".into()]), &Ssc::default()).unwrap())
    });
    g.bench_function("hc1_1e5", |b| b.iter(|| vcov(&fit, &VcovSpec::Hetero, &Ssc::default()).unwrap()));
    g.finish();
}

fn bench_bootstrap(c: &mut Criterion) {
    let d = common::design(100_000, 3);
    let fit = fit_ols(&d, &FitOptions::default()).unwrap();
    let l: Lincom = "x1=1".parse().unwrap();
    let spec = BootSpec { reps: 9_999, seed: 1, weights: BootWeights::Rademacher, cluster: "cl".into() };
    let mut g = c.benchmark_group("wild_bootstrap");
    g.sample_size(10);
    g.bench_function("wcr_9999_g25_1e5", |b| b.iter(|| wild_bootstrap(&fit, &l, &spec, &Ssc::default()).unwrap()));
    g.finish();
}

criterion_group!(benches, bench_demean, bench_vcov, bench_bootstrap);
criterion_main!(benches);
