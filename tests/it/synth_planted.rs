//! The planted truths of the benchmark and event-study groups (`spillnet
//! synth --jv-similarity S --spillover-growth G`): on paper-scale synthetic
//! data the benchmark's JV sum and the event study's slope recover the
//! planted values within 3 of their (clustered) SEs, and on data generated
//! without them their 95 % CIs exclude those values. The reference values
//! are the generator's inputs S and G, not outputs of the estimators.

use serde_json::Value;

use spillnet::study::{CaseOptions, SpecGroup, StudyOptions, build_panel, run_study};
use spillnet::synth::{Scale, SynthParams, Truth, generate};

/// Planted JV sum (the study's 0.584).
const S: f64 = 0.584;
/// Planted growth of the affiliated spillover per year since year 0.
const G: f64 = 0.03;

/// Generate with `params` and run the benchmark and the event study (split seed 1, the default).
fn run(params: &SynthParams) -> (Truth, Value, Value) {
    let (ds, truth) = generate(params).unwrap();
    let opts = StudyOptions {
        groups: vec![SpecGroup::Benchmark, SpecGroup::EventStudy],
        case: CaseOptions { seed: 1, bootstrap_reps: 0 },
        ..StudyOptions::default()
    };
    let panel = build_panel(&ds, &opts.pairs).unwrap();
    let r = run_study(&ds, &panel, &opts, &|_, _| {}).unwrap();
    let json =
        |g: SpecGroup| r.evidence.iter().find(|e| e.group == g).unwrap_or_else(|| panic!("{g} ran")).json.clone();
    (truth, json(SpecGroup::Benchmark), json(SpecGroup::EventStudy))
}

fn est(v: &Value) -> (f64, f64) {
    (v["estimate"].as_f64().unwrap(), v["se"].as_f64().unwrap())
}

#[test]
fn synth_planted_jv_sum_and_spillover_growth_are_recovered_at_paper_scale() {
    let params = SynthParams { jv_similarity: S, spillover_growth: G, ..SynthParams::new(1, Scale::Paper, 0.098) };
    let (truth, bench, event) = run(&params);

    let sim = truth.jv_similarity.as_ref().expect("truth.json has jv_similarity");
    assert_eq!(sim.planted_jv_sum, S);
    assert!((sim.estimand_jv_sum - S).abs() < 1e-9, "{sim:?}");
    // The generator computed its estimand on the benchmark's own split: the same pairs.
    assert_eq!(bench["pair_years"].as_u64().unwrap(), sim.ordered_pairs);
    let (b, se) = est(&bench["jv_sum"]);
    assert!(se > 0.0 && se < 0.05, "JV sum SE {se}");
    assert!((b - S).abs() < 3.0 * se, "JV sum {b} (SE {se}) vs planted {S}");

    let growth = truth.spillover_growth.as_ref().expect("truth.json has spillover_growth");
    assert_eq!(growth.planted_slope_per_year, G);
    assert!((growth.estimand_slope_per_year - G).abs() < 1e-9, "{growth:?}");
    assert_eq!(event["top_bin"].as_i64().unwrap(), i64::from(growth.top_bin));
    let (g, se) = est(&event["slope"]);
    assert!(se > 0.0 && se < 0.02, "slope SE {se}");
    assert!((g - G).abs() < 3.0 * se, "event-study slope {g} (SE {se}) vs planted {G}");

    // The other planted values still hold exactly on this design.
    let e = |n: &str| truth.estimands.iter().find(|p| p.name == n).unwrap().value;
    let headline = e("main.beta_SameGroup") + e("main.beta_SameSeg") + e("main.beta_SameGroup_x_SameSeg");
    assert!((headline - 0.098).abs() < 1e-9, "{headline}");
}

#[test]
fn synth_without_planted_values_the_groups_do_not_find_them() {
    let (truth, bench, event) = run(&SynthParams::new(1, Scale::Paper, 0.098));
    assert!(truth.jv_similarity.is_none() && truth.spillover_growth.is_none());
    let json = truth.to_json();
    assert!(!json.contains("jv_similarity") && !json.contains("spillover_growth"));
    let (b, se) = est(&bench["jv_sum"]);
    assert!((b - S).abs() > 1.96 * se, "JV sum {b} (SE {se}): its 95 % CI should exclude {S}");
    let (g, se) = est(&event["slope"]);
    assert!((g - G).abs() > 1.96 * se, "event-study slope {g} (SE {se}): its 95 % CI should exclude {G}");
}

#[test]
fn synth_planted_values_out_of_range_are_refused() {
    for (s, g) in [(-0.1, 0.0), (0.95, 0.0), (f64::NAN, 0.0), (0.0, 0.2), (0.0, -0.11), (0.0, f64::INFINITY)] {
        let p = SynthParams { jv_similarity: s, spillover_growth: g, ..SynthParams::new(1, Scale::Small, 0.098) };
        assert!(p.validate().is_err(), "{s}, {g}");
    }
    let ok = SynthParams { jv_similarity: 0.9, spillover_growth: -0.1, ..SynthParams::new(1, Scale::Small, 0.098) };
    assert!(ok.validate().is_ok());
}

#[test]
fn synth_cli_passes_the_planted_values_to_truth_json_and_refuses_bad_ones() {
    use assert_cmd::Command;
    use predicates::prelude::*;
    let spillnet = || Command::cargo_bin("spillnet").unwrap();
    let help = spillnet().args(["synth", "--help"]).assert().success();
    let help = String::from_utf8(help.get_output().stdout.clone()).unwrap();
    assert!(help.contains("--jv-similarity <S>") && help.contains("--spillover-growth <G>"), "{help}");
    let dir = tempfile::tempdir().unwrap();
    spillnet()
        .args(["synth", "--quiet", "--scale", "small", "--seed", "3", "--jv-similarity", "0.5"])
        .args(["--spillover-growth", "-0.02", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("truth.json")).unwrap()).unwrap();
    assert_eq!(truth["jv_similarity"]["planted_jv_sum"].as_f64(), Some(0.5));
    assert_eq!(truth["spillover_growth"]["planted_slope_per_year"].as_f64(), Some(-0.02));
    for (flag, v) in [("--jv-similarity", "1.5"), ("--spillover-growth", "0.5")] {
        spillnet()
            .args(["synth", "--scale", "small", flag, v, "--out"])
            .arg(dir.path().join("x"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(&flag[2..].replace('-', "_")));
    }
}
