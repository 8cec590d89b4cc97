//! The `alternatives` group (SPEC §7): the demand-overlap Poisson against
//! pyfixest 0.60 `fepois` on the exported panel (fixture
//! `tests/reference/cases/alt_demand`, made by `tests/reference/make.py
//! alt_demand` from the panel this test exports), the panel's counts against
//! the synthetic generator's own loop, the patent table against a direct
//! count, the skip notes on the shipped data, and a small Monte Carlo of the
//! demand and brand estimators.
//!
//! The panel fixture: `SPILLNET_WRITE_REFERENCE=1 cargo nextest run -E
//! 'test(alt_demand)'` rewrites `data.csv` from the generator (then rerun
//! make.py); without the variable the test checks that the export is still
//! byte-identical to the committed file, so the pyfixest values stay about
//! this very panel.

use std::collections::BTreeMap;

use serde_json::Value;
use spillnet::estimate::{Fitted, VcovSpec};
use spillnet::exposure::pairs::{PairOptions, build_pairs};
use spillnet::montecarlo::alternatives::{AltMcOptions, AltTarget, run_alternatives_mc};
use spillnet::study::case::alternatives::{demand, patent_rows};
use spillnet::synth::{Scale, SynthParams, generate};

use super::estimate::{REL_TOL, assert_coef_rows, assert_rel, case_dir, expected};

fn evidence_params(seed: u64) -> SynthParams {
    SynthParams {
        evidence: true,
        demand_same_group: 0.3,
        demand_same_group_seg: 0.2,
        ..SynthParams::new(seed, Scale::Small, 0.098)
    }
}

#[test]
fn alt_demand_poisson_equals_pyfixest_on_the_exported_panel() {
    let (ds, truth) = generate(&evidence_params(5)).unwrap();
    let pairs = build_pairs(&ds, &PairOptions::default()).unwrap();
    let panel = demand::demand_panel(&ds, &pairs).unwrap();
    let mut csv = Vec::new();
    panel.write_csv(&mut csv).unwrap();
    let path = case_dir("alt_demand").join("data.csv");
    if std::env::var_os("SPILLNET_WRITE_REFERENCE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &csv).unwrap();
    }
    assert!(std::fs::read(&path).unwrap() == csv, "the exported demand panel differs from {}", path.display());

    // The generator's own loop over same-year domestic–JV model pairs in the survey years.
    let ev = truth.evidence.as_ref().unwrap();
    assert_eq!(panel.pair_years as u64, ev.demand_overlap.pair_years);
    assert_eq!(panel.rows.iter().filter(|r| r.same_group).count() as u64, ev.demand_overlap.affiliated_pair_years);
    assert_eq!(panel.choice_rows_unmatched, 0);
    let total: u64 = ds.tables().customer_choices.iter().map(|c| c.count).sum();
    assert_eq!(panel.rows.iter().map(|r| r.count).sum::<u64>(), total);
    assert_eq!(panel.years, (2009..=2014).collect::<Vec<_>>());

    let exp = expected("alt_demand");
    let m = &exp["models"][0];
    let f = demand::fit_demand(&panel, &"K.adj=true,K.fixef=nonnested,G.adj=true,G.df=min".parse().unwrap()).unwrap();
    assert_eq!(f.inference.vcov_type, VcovSpec::Cluster(vec![demand::CLUSTER_FIRM_PAIR.into()]));
    assert_eq!(f.fit.core.nobs as u64, m["nobs"].as_u64().unwrap(), "nobs");
    assert_eq!(f.fit.core.diagnostics.n_separated as u64, m["n_separated"].as_u64().unwrap(), "separated");
    let collinear: Vec<&str> = m["collinear"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(f.fit.core.diagnostics.collinear, collinear, "collinear");
    assert_rel(f.fit.deviance, m["deviance"].as_f64().unwrap(), REL_TOL, "deviance");
    assert_rel(f.fit.loglik, m["loglik"].as_f64().unwrap(), REL_TOL, "loglik");
    assert_eq!(f.inference.n_clusters[0].1 as u64, m["clusters"].as_u64().unwrap(), "clusters");
    assert_eq!(f.fit.model_type(), "Poisson");
    assert_coef_rows(&f.inference.coefs, &m["coefs"], "alt_demand CRV1 firm pair");
}

#[test]
fn patent_table_counts_equal_a_direct_count() {
    let (ds, _) = generate(&evidence_params(2)).unwrap();
    let rows = patent_rows(&ds).unwrap();
    let t = ds.tables();
    let kind: BTreeMap<&str, &str> = t.firms.iter().map(|f| (f.firm_id.as_str(), f.kind.as_str())).collect();
    for (label, want_kind) in [("transfer", Some("transfer")), ("licence", Some("licence")), ("all", None)] {
        let r = rows.iter().find(|r| r.kind == label).unwrap();
        let (mut n, mut pats, mut from_jv) = (0, 0, 0);
        for p in &t.patents {
            if want_kind.is_none_or(|k| p.kind.as_str() == k) {
                n += 1;
                pats += p.count;
                from_jv += usize::from(kind[p.from_firm.as_str()] == "jv");
            }
        }
        assert_eq!((r.records, r.patents, r.records_auto, r.records_from_jv), (n, pats, n, from_jv), "{label}");
    }
    // The generator's licences all go from a JV to a domestic parent.
    let lic = rows.iter().find(|r| r.kind == "licence").unwrap();
    assert_eq!(lic.records_jv_to_partner, lic.records);
    assert!(lic.records > 0);
}

#[test]
fn alternatives_on_the_shipped_data_skip_each_part_with_a_note() {
    let out = assert_cmd::Command::cargo_bin("spillnet")
        .unwrap()
        .args(["spillover", "--spec", "alternatives", "--format", "json", "-q"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = v.to_string();
    for part in ["alternatives.demand", "alternatives.brand", "alternatives.patents"] {
        assert!(text.contains(part), "{part} is not listed as skipped");
    }
    assert!(text.contains("no customer_choices table"));
    assert!(text.contains("heterogeneity"), "the geography pointer");
}

/// A small Monte Carlo (CI: 20–40 s in a debug build; seeds 1001–1030, so
/// the outcome is deterministic). Across 200 seeds (bench/runs/
/// 2026-12-01-mc-alternatives) the estimates have sd 0.095 (γ), 0.126 (φ)
/// and 0.028 (brand slope), so with 30 seeds the mean has a standard error
/// of 0.017, 0.023 and 0.0052. The bounds — |bias| < 0.1 for γ and φ planted
/// at 0.5 (20 %), < 0.015 for the slope planted at 0.1 (15 %) — are 4–6 and
/// 3 of those standard errors; coverage ≥ 0.8 is 3.7 binomial standard
/// errors below 0.95 at n = 30. The bounds are loose on purpose: they catch
/// a lost interaction, an association read for the wrong firm pair, a
/// different standardisation or a broken Poisson, not a bias of a few
/// percent. The target check ties the generator's calibration (exact) to the
/// planted value.
#[test]
fn montecarlo_recovers_the_planted_demand_and_brand_coefficients() {
    for (target, bias_bound) in [(AltTarget::Demand, 0.1), (AltTarget::Brand, 0.015)] {
        let o = AltMcOptions {
            first_seed: 1001,
            seeds: 30,
            scale: Scale::Small,
            target,
            demand: [0.5, 0.5],
            brand_slope: 0.1,
        };
        let s = run_alternatives_mc(&o, &|_| {}).unwrap();
        for c in &s.coefficients {
            assert_eq!(c.draws, 30, "{}", c.name);
            assert!(c.bias.abs() < bias_bound, "{:?} {}: bias {} (mean {})", target, c.name, c.bias, c.mean_estimate);
            assert!((0.8..=1.0).contains(&c.coverage), "{:?} {}: coverage {}", target, c.name, c.coverage);
            assert_rel(c.mean_target, c.planted, 1e-9, "target = planted (exact calibration)");
        }
    }
}

/// The `patent_flow` channel, recomputed from the patents table: in the
/// study's pair panel (weight of each pair-year), in the graph (one edge per
/// JV, domestic firm and year with scores where the weight is positive) and
/// absent on data without patents (the shipped data).
#[test]
fn patent_flow_channel_equals_a_direct_sum_and_is_absent_without_patents() {
    use spillnet::graph::{Channel as GraphChannel, build_graph, graph_stats};
    let (ds, _) = generate(&evidence_params(4)).unwrap();
    let t = ds.tables();
    let group: BTreeMap<&str, &str> = t.firms.iter().map(|f| (f.firm_id.as_str(), f.group_id.0.as_str())).collect();
    let direct = |jv: &str, dom: &str, year: i32| -> u64 {
        t.patents
            .iter()
            .filter(|p| p.from_firm.as_str() == jv && group[p.to_firm.as_str()] == group[dom] && p.year <= year)
            .map(|p| p.count)
            .sum()
    };
    let pairs = build_pairs(&ds, &PairOptions::default()).unwrap();
    let (_, w) = pairs.registered.iter().find(|(n, _)| *n == "patent_flow").expect("a patent_flow column");
    let mut nonzero = 0;
    for r in 0..pairs.len() {
        let (f, g) = (&pairs.firm_names[pairs.domestic_firm[r] as usize], &pairs.firm_names[pairs.jv_firm[r] as usize]);
        let want = direct(g.as_str(), f.as_str(), pairs.year[r]) as f64;
        assert_eq!(w[r], want, "row {r}");
        nonzero += usize::from(want > 0.0);
    }
    assert!(nonzero > 0);
    let (_, z) = pairs.registered_z.iter().find(|(n, _)| *n == "patent_flow").unwrap();
    let z = z.as_ref().unwrap();
    let n = w.len() as f64;
    let mean = w.iter().sum::<f64>() / n;
    let sd = (w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    assert!((z[0] - (w[0] - mean) / sd).abs() < 1e-12);

    // Graph: JV → domestic-firm edges in every year with quality scores.
    let years: std::collections::BTreeSet<i32> = t.quality.iter().map(|q| q.year).collect();
    let kinds = |k: &'static str| -> Vec<&str> {
        t.firms.iter().filter(|f| f.kind.as_str() == k).map(|f| f.firm_id.as_str()).collect()
    };
    let (mut edges, mut weight) = (0usize, 0u64);
    for g in kinds("jv") {
        for f in kinds("domestic") {
            for &y in &years {
                let v = direct(g, f, y);
                edges += usize::from(v > 0);
                weight += v;
            }
        }
    }
    let stats = graph_stats(&build_graph(&ds).unwrap());
    let ch = GraphChannel::Registered("patent_flow");
    assert_eq!(stats.edges_by_channel.get(&ch).copied(), Some(edges));
    assert_eq!(stats.weight_by_channel.get(&ch).copied(), Some(weight as f64));

    // The shipped data have no patents: no column, no edges, the mechanism column is skipped.
    let shipped = crate::common::shipped_dataset();
    let pairs = build_pairs(&shipped, &PairOptions::default()).unwrap();
    assert!(pairs.registered.iter().all(|(n, _)| *n != "patent_flow"));
    assert!(spillnet::study::panel::Attr::PatentFlow.unavailable(&pairs).unwrap().contains("no patents table"));
    let stats = graph_stats(&build_graph(&shipped).unwrap());
    assert_eq!(stats.edges_by_channel.get(&ch).copied().unwrap_or(0), 0);
}
