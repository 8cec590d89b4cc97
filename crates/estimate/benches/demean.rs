//! Criterion benchmark of the fixed-effect solver alone: one column
//! demeaned by alternating projections, the Krylov solver and `auto` on the
//! designs of `designs.rs` (simple, difficult, AKM with mobility 0.1 and
//! 0.5) at N = 1e5 and 1e6, tolerance 1e-8. Alternating projections are
//! left out where they take minutes (difficult and AKM 0.1 at 1e6). The
//! iterations of each method are printed once per case.
//!
//! Run: `cargo bench -p spillnet-estimate --bench demean` (filter with a
//! name, e.g. `-- difficult`).

mod designs;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use spillnet_estimate::fe::{DemeanOptions, Demeaner, demean_column};

fn bench_solver(c: &mut Criterion) {
    let mut g = c.benchmark_group("demean");
    g.sample_size(10);
    for n in [100_000usize, 1_000_000] {
        let cases = [
            ("simple", designs::fixest_dgp(n, false, 1)),
            ("difficult", designs::fixest_dgp(n, true, 2)),
            ("akm_p0.1", designs::akm(n, 0.1, 3)),
            ("akm_p0.5", designs::akm(n, 0.5, 4)),
        ];
        for (name, case) in &cases {
            for method in [Demeaner::Map, Demeaner::Krylov, Demeaner::Auto] {
                let slow_map = method == Demeaner::Map && n >= 1_000_000 && *name != "simple" && *name != "akm_p0.5";
                if slow_map {
                    continue;
                }
                let opts = DemeanOptions { method, ..DemeanOptions::default() };
                let mut x = case.x.clone();
                let info = demean_column(&mut x, &case.fes, None, &opts);
                eprintln!("{name} n={n} {method}: {info:?}");
                g.bench_with_input(BenchmarkId::new(format!("{name}/{method}"), n), case, |b, case| {
                    b.iter_batched(
                        || case.x.clone(),
                        |mut x| demean_column(&mut x, &case.fes, None, &opts),
                        BatchSize::LargeInput,
                    )
                });
            }
        }
    }
    g.finish();
}

criterion_group!(benches, bench_solver);
criterion_main!(benches);
