//! Criterion benchmarks of the spillover study on the shipped paper-scale
//! data (717,725 pair × dimension rows): building the long panel (pair
//! attributes + step 1), fitting baseline (2) with two-way clustered
//! inference, and 1,000 permutation-placebo draws.

use criterion::{Criterion, criterion_group, criterion_main};
use spillnet::study::StudyOptions;
use spillnet::study::panel::build_panel;
use spillnet::study::pipeline::fit_spec;
use spillnet::study::placebo::{PlaceboLevel, PlaceboOptions, run_placebo};
use spillnet::study::specs::{SpecGroup, specs_for};

fn bench_study(c: &mut Criterion) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let ds = spillnet::io::load::load_dataset(&dir).expect("shipped data loads");
    let opts = StudyOptions::default();
    let mut g = c.benchmark_group("study");
    g.sample_size(10);
    g.bench_function("build_panel_paper", |b| b.iter(|| build_panel(&ds, &opts.pairs).unwrap()));
    let panel = build_panel(&ds, &opts.pairs).unwrap();
    let spec = specs_for(SpecGroup::Baseline).into_iter().find(|s| s.id == "baseline.2").unwrap();
    g.bench_function("fit_baseline2_twoway_paper", |b| b.iter(|| fit_spec(&panel, &spec, &opts).unwrap()));
    let p = PlaceboOptions { draws: 1000, level: PlaceboLevel::Firm, seed: 1 };
    g.bench_function("placebo_1000_draws_paper", |b| b.iter(|| run_placebo(&panel, &p, &|_| {}).unwrap()));
    g.finish();
}

criterion_group!(benches, bench_study);
criterion_main!(benches);
