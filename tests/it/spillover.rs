//! Integration tests: the spillover study (`study`, `spillnet spillover`,
//! `spillnet montecarlo`). The pipeline recovers planted parameters on
//! synthetic data (single paper-scale dataset and a ≥ 100-seed Monte Carlo
//! at small scale), agrees with a plain independent implementation of the
//! two-step estimator and with `spillnet estimate` run on the exported
//! panel, its placebo fast path equals the engine, placebo p-values are
//! roughly uniform under the null, and the CLI writes what it promises.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use approx::assert_relative_eq;
use assert_cmd::Command;
use spillnet::exposure::pairs::build_pairs;
use spillnet::io::tables::FirmKind;
use spillnet::montecarlo::{McOptions, McTarget, run_montecarlo};
use spillnet::study::{
    PlaceboLevel, PlaceboOptions, SpecGroup, StudyOptions, StudyResult, build_and_run, build_panel, run_study,
};
use spillnet::synth::{Scale, SynthParams, generate};

fn spillnet() -> Command {
    Command::cargo_bin("spillnet").unwrap()
}

fn coef(r: &StudyResult, spec: &str, name: &str) -> f64 {
    let m = r.models.iter().find(|m| m.spec.id == spec).unwrap_or_else(|| panic!("no spec {spec}"));
    m.inference.coefs.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{spec}: no {name}")).estimate
}

fn all_groups() -> StudyOptions {
    StudyOptions { groups: SpecGroup::ALL.to_vec(), ..StudyOptions::default() }
}

#[test]
fn paper_scale_recovers_the_planted_parameters() {
    let (ds, truth) = generate(&SynthParams::default()).unwrap();
    let r = build_and_run(&ds, &all_groups(), &|_, _| {}).unwrap();
    // The panel is the study's size: every same-year pair × 19 dimensions.
    assert_eq!(r.panel.rows, r.pairs.pair_years * 19);
    assert_eq!(r.panel.rows as u64, truth.count("pair_dimension_obs").unwrap());
    // The same-segment and mechanism samples have truth.json's sizes.
    let nobs = |id: &str| r.models.iter().find(|m| m.spec.id == id).unwrap().fit.core.nobs as u64;
    assert_eq!(nobs("same-segment.1"), truth.count("same_segment_obs").unwrap());
    assert_eq!(nobs("mechanisms.3"), truth.count("mechanism_obs").unwrap());
    assert_eq!(r.headline.nobs, r.panel.rows);
    let h = &r.headline;
    // Sampling sd of the headline across seeds is ≈ 0.013 at paper scale.
    assert!((h.estimate - truth.rho).abs() < 0.035, "headline {} vs planted {}", h.estimate, truth.rho);
    assert!(h.se > 0.002 && h.se < 0.05, "se {}", h.se);
    assert!(h.ci[0] < h.estimate && h.estimate < h.ci[1]);
    let est = |n: &str| truth.estimands.iter().find(|p| p.name == n).unwrap().value;
    assert!((coef(&r, "baseline.2", "e_JV") - est("main.beta0")).abs() < 0.005);
    assert!((coef(&r, "baseline.2", "e_JV:SameGroup") - est("main.beta_SameGroup")).abs() < 0.03);
    // Same-segment sample: β_SameGroup estimates the same-segment estimand.
    assert!((coef(&r, "same-segment.1", "e_JV:SameGroup") - est("same_segment.beta_SameGroup")).abs() < 0.04);
    // Mechanisms: the channel coefficients are planted per z-score unit.
    for (name, planted) in [
        ("e_JV:WorkerFlow", est("mechanism.beta_WorkerFlow")),
        ("e_JV:SameGroup:WorkerFlow", est("mechanism.beta_SameGroup_x_WorkerFlow")),
        ("e_JV:SupplierOverlap", est("mechanism.beta_SupplierOverlap")),
    ] {
        let b = coef(&r, "mechanisms.3", name);
        assert!((b - planted).abs() < 0.02, "{name}: {b} vs planted {planted}");
    }
    // Mediation and quantification, recomputed here from the pair panel, the
    // data and the fitted coefficients (not from the result's own fields).
    let headline = coef(&r, "baseline.2", "e_JV:SameGroup")
        + coef(&r, "baseline.2", "e_JV:SameSeg")
        + coef(&r, "baseline.2", "e_JV:SameGroup:SameSeg");
    assert_relative_eq!(h.estimate, headline, max_relative = 1e-12);
    let pairs = build_pairs(&ds, &StudyOptions::default().pairs).unwrap();
    let mech: Vec<usize> =
        (0..pairs.len()).filter(|&i| pairs.same_seg[i] && pairs.supplier_overlap_raw[i].is_some()).collect();
    let wf: Vec<Option<f64>> = pairs.worker_flow_raw.iter().map(|&x| Some(x)).collect();
    assert_eq!(r.mediation.len(), 2);
    for (channel, raw) in [("WorkerFlow", &wf), ("SupplierOverlap", &pairs.supplier_overlap_raw)] {
        let m = r.mediation.iter().find(|m| m.channel == channel).unwrap();
        // z = (raw − mean) / sd over every pair-year with a value (sample sd), so a gap in z is the gap in raw / sd.
        let all: Vec<f64> = raw.iter().flatten().copied().collect();
        let n = all.len() as f64;
        let mean = all.iter().sum::<f64>() / n;
        let sd = (all.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let group_mean = |aff: bool| {
            let v: Vec<f64> = mech.iter().filter(|&&i| pairs.same_group[i] == aff).map(|&i| raw[i].unwrap()).collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        let gap_z = (group_mean(true) - group_mean(false)) / sd;
        let b = coef(&r, "mechanisms.3", &format!("e_JV:{channel}"));
        let b_sg = coef(&r, "mechanisms.3", &format!("e_JV:SameGroup:{channel}"));
        assert_relative_eq!(m.gap_z, gap_z, max_relative = 1e-9);
        assert_relative_eq!(m.share, gap_z * (b + b_sg) / headline, max_relative = 1e-9);
        assert_relative_eq!(m.share_main_only, gap_z * b / headline, max_relative = 1e-9);
        assert!(gap_z > 0.5, "{channel}: affiliated pairs have more of the channel ({gap_z})");
    }
    // Quantification: defects per 100 vehicles = −Σ iqs scores of a model-year with every iqs dimension.
    let q = r.quantification.as_ref().expect("iqs survey present");
    let firm_kind: HashMap<&str, FirmKind> = ds.firms.iter().map(|f| (f.firm_id.as_str(), f.kind)).collect();
    let model_firm: HashMap<&str, &str> = ds.models.iter().map(|m| (m.model_id.as_str(), m.firm_id.as_str())).collect();
    let affiliated: BTreeSet<&str> = (0..pairs.len())
        .filter(|&i| pairs.same_group[i])
        .map(|i| pairs.firm_names[pairs.domestic_firm[i] as usize].as_str())
        .collect();
    let iqs_dims: BTreeSet<&str> =
        ds.quality.iter().filter(|x| x.survey.as_deref() == Some("iqs")).map(|x| x.dimension.as_str()).collect();
    let mut model_year: BTreeMap<(&str, i32), (usize, f64)> = BTreeMap::new();
    for x in ds.quality.iter().filter(|x| x.survey.as_deref() == Some("iqs")) {
        let e = model_year.entry((x.model_id.as_str(), x.year)).or_default();
        e.0 += 1;
        e.1 -= x.score;
    }
    let (mut jv, mut aff_by_year) = (Vec::new(), BTreeMap::<i32, Vec<f64>>::new());
    for ((m, t), (k, defects)) in model_year {
        if k != iqs_dims.len() {
            continue;
        }
        let f = model_firm[m];
        match firm_kind[f] {
            FirmKind::Jv => jv.push(defects),
            FirmKind::Domestic if affiliated.contains(f) => aff_by_year.entry(t).or_default().push(defects),
            _ => {}
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let jv_mean = mean(&jv);
    let (&t0, d0) = aff_by_year.first_key_value().unwrap();
    let (&t1, d1) = aff_by_year.last_key_value().unwrap();
    let (d0, d1) = (mean(d0), mean(d1));
    assert_eq!((q.start_year, q.end_year), (t0, t1));
    assert_eq!((q.start_year, q.end_year), (2001, 2014));
    assert_relative_eq!(q.jv_mean_defects, jv_mean, max_relative = 1e-12);
    assert_relative_eq!(q.affiliated_start_defects, d0, max_relative = 1e-12);
    assert_relative_eq!(q.affiliated_end_defects, d1, max_relative = 1e-12);
    assert_relative_eq!(q.spillover_defects, (jv_mean - d0).abs() * headline, max_relative = 1e-9);
    assert_relative_eq!(q.share_of_improvement, (jv_mean - d0).abs() * headline / (d0 - d1), max_relative = 1e-9);
    // The generator's own record of the affiliated class's 2014 level agrees (a self-consistency check).
    let aff = truth.defects.iter().find(|d| d.class == "affiliated").unwrap();
    assert_relative_eq!(d1, aff.realised_2014, max_relative = 1e-9);
    assert!(jv_mean > 95.0 && jv_mean < 277.0, "{jv_mean}");
    // Every fixed-effect variant identifies a headline near ρ.
    for m in r.models.iter().filter(|m| m.spec.group == SpecGroup::FeVariants) {
        let lc = &m.lincoms[0].row;
        assert!((lc.estimate - truth.rho).abs() < 0.05, "{}: {}", m.spec.id, lc.estimate);
        assert!(m.fit.core.diagnostics.demean.converged, "{}", m.spec.id);
    }
    // Sample accounting: rows in = rows out + excluded, for every spec.
    for m in &r.models {
        let ex: usize = m.sample.excluded.iter().map(|e| e.1).sum();
        assert_eq!(m.sample.rows_in, m.sample.rows_out + ex, "{}", m.spec.id);
    }
}

#[test]
fn placebo_fast_path_equals_the_engine_and_is_reproducible() {
    let (ds, _) = generate(&SynthParams::new(3, Scale::Small, 0.098)).unwrap();
    let opts = StudyOptions::default();
    let panel = build_panel(&ds, &opts.pairs).unwrap();
    for level in [PlaceboLevel::ModelYear, PlaceboLevel::Model, PlaceboLevel::FirmSegment, PlaceboLevel::Firm] {
        let p = PlaceboOptions { draws: 50, level, seed: 9 };
        let with = StudyOptions { placebo: Some(p), ..opts.clone() };
        let r = run_study(&ds, &panel, &with, &|_, _| {}).unwrap();
        let pl = r.placebo.as_ref().unwrap();
        assert_relative_eq!(pl.real, r.headline.estimate, max_relative = 1e-9);
        assert_eq!(pl.values.len(), 50);
        assert!(pl.affiliated_units > 0 && pl.affiliated_units < pl.units);
        // p = (1 + k) / (N + 1) over the defined draws, k counted here from the draws themselves.
        let defined: Vec<f64> = pl.values.iter().copied().filter(|v| v.is_finite()).collect();
        let n = defined.len() as f64;
        let k1 = defined.iter().filter(|&&v| v >= pl.real).count();
        let k2 = defined.iter().filter(|&&v| v.abs() >= pl.real.abs()).count();
        assert_eq!((pl.extreme_one_sided, pl.extreme_two_sided), (k1, k2), "{level}");
        assert_eq!(pl.p_one_sided, (1.0 + k1 as f64) / (n + 1.0), "{level}");
        assert_eq!(pl.p_two_sided, (1.0 + k2 as f64) / (n + 1.0), "{level}");
        assert!(pl.p_one_sided >= 1.0 / 51.0, "{level}: never 0");
        let again = run_study(&ds, &panel, &with, &|_, _| {}).unwrap();
        assert_eq!(again.placebo.unwrap().values, pl.values, "{level}: same seed, same draws");
        if level == PlaceboLevel::ModelYear {
            // Each draw keeps the number of affiliated pair-years, hence the share of rows up to dimensions.
            assert_relative_eq!(pl.mean_placebo_row_share, pl.affiliated_row_share, max_relative = 0.05);
        }
    }
}

#[test]
fn monte_carlo_over_100_seeds_is_unbiased_with_correct_coverage() {
    let opts = McOptions {
        target: McTarget::Headline,
        first_seed: 1,
        seeds: 100,
        scale: Scale::Small,
        rho: 0.098,
        zero_other_effects: false,
        placebo: None,
    };
    let s = run_montecarlo(&opts, &|_| {}).unwrap();
    assert_eq!(s.draws, 100);
    let rel = s.relative_bias.unwrap();
    assert!(rel < 0.10, "mean {} bias {} ({:.1}% of ρ)", s.mean_estimate, s.bias, 100.0 * rel);
    assert!((0.90..=0.99).contains(&s.coverage), "coverage {}", s.coverage);
    // The clustered SE tracks the sampling dispersion.
    assert!(s.mean_se > 0.5 * s.sd_estimate && s.mean_se < 2.0 * s.sd_estimate, "{} vs {}", s.mean_se, s.sd_estimate);
}

#[test]
fn placebo_p_values_are_roughly_uniform_without_a_spillover() {
    let opts = McOptions {
        target: McTarget::Headline,
        first_seed: 1000,
        seeds: 100,
        scale: Scale::Small,
        rho: 0.0,
        zero_other_effects: true,
        placebo: Some((99, PlaceboLevel::Model)),
    };
    let s = run_montecarlo(&opts, &|_| {}).unwrap();
    let (m, p10, ks) = (s.placebo_mean_p.unwrap(), s.placebo_share_p_le_10.unwrap(), s.placebo_ks.unwrap());
    assert!((0.35..=0.65).contains(&m), "mean p {m}");
    assert!((0.02..=0.22).contains(&p10), "share p ≤ 0.1: {p10}");
    // KS critical value at 1 % for n = 100 is 0.163.
    assert!(ks < 0.163, "KS distance {ks}");
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn exported_panel_reproduces_the_baseline_with_spillnet_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    spillnet().args(["synth", "--quiet", "--scale", "small", "--seed", "4", "--out"]).arg(&data).assert().success();
    let report = dir.path().join("study.json");
    let panel = dir.path().join("panel.csv");
    spillnet()
        .args(["spillover", "--quiet", "--boot", "0", "--format", "json", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&report)
        .arg("--panel-out")
        .arg(&panel)
        .assert()
        .success();
    let est = dir.path().join("estimate.json");
    let hl = "e_JV:SameGroup+e_JV:SameSeg+e_JV:SameGroup:SameSeg";
    spillnet()
        .args(["estimate", "--y", "e_D", "--x", "e_JV,e_JV:SameGroup,e_JV:SameSeg,e_JV:SameGroup:SameSeg"])
        .args(["--vcov", "cluster:cluster_D+cluster_JV", "--lincom", hl, "--format", "json", "--data"])
        .arg(&panel)
        .arg("--out")
        .arg(&est)
        .assert()
        .success();
    let (s, e) = (json(&report), json(&est));
    let base = s["models"].as_array().unwrap().iter().find(|m| m["spec"] == "baseline.2").unwrap();
    let direct = &e["models"][0];
    assert_eq!(base["nobs"], direct["nobs"]);
    for (a, b) in base["coefficients"].as_array().unwrap().iter().zip(direct["coefficients"].as_array().unwrap()) {
        assert_eq!(a["name"], b["name"]);
        for f in ["estimate", "se", "t"] {
            assert_relative_eq!(a[f].as_f64().unwrap(), b[f].as_f64().unwrap(), max_relative = 1e-8);
        }
    }
    let h = &s["headline"];
    assert_relative_eq!(
        h["estimate"].as_f64().unwrap(),
        direct["lincoms"][0]["estimate"].as_f64().unwrap(),
        max_relative = 1e-8
    );
    assert_relative_eq!(h["se"].as_f64().unwrap(), direct["lincoms"][0]["se"].as_f64().unwrap(), max_relative = 1e-8);
    assert!(h["p_boot"].is_null(), "no bootstrap was asked for");
}

#[test]
fn cli_writes_report_json_placebo_csv_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    spillnet().args(["synth", "--quiet", "--scale", "small", "--seed", "2", "--out"]).arg(&data).assert().success();
    let out = dir.path().join("study.json");
    spillnet()
        .args(["spillover", "--quiet", "--spec", "all", "--boot", "99", "--placebo", "40", "--placebo-level", "firm"])
        .args(["--format", "json", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let v = json(&out);
    let h = &v["headline"];
    for k in ["estimate", "se", "p_boot", "nobs"] {
        assert!(h[k].is_number(), "headline.{k} = {}", h[k]);
    }
    let p_boot = h["p_boot"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p_boot));
    let models = v["models"].as_array().unwrap();
    for g in ["baseline", "fe-variants", "same-segment", "mechanisms", "heterogeneity"] {
        assert!(models.iter().any(|m| m["group"] == g), "no {g} model");
    }
    assert!(models.iter().all(|m| m["coefficients"].as_array().is_some_and(|c| !c.is_empty())));
    let csv = std::fs::read_to_string(dir.path().join("study_placebo.csv")).unwrap();
    assert_eq!(csv.lines().count(), 41, "header + 40 draws");
    let svg = std::fs::read_to_string(dir.path().join("study_placebo.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("Placebo: 40 draws"));
    // Text and LaTeX reports carry the tables.
    let text = spillnet().args(["spillover", "--quiet", "--boot", "0", "--data"]).arg(&data).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("Headline spillover") && text.contains("e_JV:SameGroup:SameSeg"), "{text}");
    let tex = spillnet()
        .args(["spillover", "--quiet", "--boot", "0", "--format", "latex", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(String::from_utf8(tex.stdout).unwrap().contains("\\begin{tabular}"));
}

/// Data without worker moves, without a production table and without the
/// `iqs` survey: the specifications that need them (counted by hand: the
/// worker-flow and both-channel mechanism columns, the cumulative-production
/// heterogeneity column), the mediation shares (they need the both-channel
/// column) and the quantification are skipped with their reasons in the
/// report, the JSON and on stderr; every other table is still estimated.
#[test]
fn parts_the_data_cannot_support_are_skipped_with_the_reason_and_the_rest_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    spillnet().args(["synth", "--quiet", "--scale", "small", "--seed", "2", "--out"]).arg(&data).assert().success();
    std::fs::remove_file(data.join("worker_moves.csv")).unwrap();
    std::fs::remove_file(data.join("production.csv")).unwrap();
    let quality = std::fs::read_to_string(data.join("quality.csv")).unwrap();
    assert!(quality.contains(",iqs,"));
    std::fs::write(data.join("quality.csv"), quality.replace(",iqs,", ",initial,")).unwrap();
    let out = dir.path().join("study.json");
    let run = spillnet()
        .args(["spillover", "--quiet", "--spec", "all", "--boot", "0", "--format", "json", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let v = json(&out);
    let skipped: Vec<&str> = v["skipped"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    // Also mechanisms.4 (patent flow) and the alternatives parts: this synthetic folder has no
    // patents, customer_choices or brand_association table; the robustness group's IQS-only
    // column needs the `iqs` survey too; no score halves (measurement-iv), no defect survey
    // (decomposition).
    assert_eq!(
        skipped,
        [
            "mechanisms.1",
            "mechanisms.3",
            "mechanisms.4",
            "heterogeneity.4",
            "mediation",
            "quantification",
            "alternatives.demand",
            "alternatives.brand",
            "alternatives.patents",
            "measurement-iv",
            "robustness.iqs",
            "decomposition"
        ]
    );
    let reason = |id: &str| v["skipped"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap()["reason"].clone();
    assert!(reason("mechanisms.1").as_str().unwrap().contains("no worker moves"));
    assert!(reason("heterogeneity.4").as_str().unwrap().contains("no production table"));
    assert!(reason("quantification").as_str().unwrap().contains("`iqs` survey"));
    assert!(reason("robustness.iqs").as_str().unwrap().contains("no `iqs` survey (surveys: apeal, initial)"));
    // 2 baseline + 5 fixed-effect variants + 1 same-segment + 1 mechanism + 4 heterogeneity columns.
    let ids: Vec<&str> = v["models"].as_array().unwrap().iter().map(|m| m["spec"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 13, "{ids:?}");
    assert!(ids.contains(&"mechanisms.2") && ids.contains(&"heterogeneity.5"), "{ids:?}");
    assert!(v["quantification"].is_null() && v["mediation"].as_array().unwrap().is_empty());
    let stderr = String::from_utf8(run.stderr).unwrap();
    for id in ["mechanisms.1", "mechanisms.3", "heterogeneity.4"] {
        assert!(stderr.contains(&format!("warning: specification {id} ")), "{stderr}");
    }
    // The text report says it under the table and in the summary.
    let text = spillnet()
        .args(["spillover", "--quiet", "--spec", "all", "--boot", "0", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("(1) worker flow: SKIPPED, WorkerFlow: no worker moves"), "{text}");
    // The further-evidence parts are counted with them: the robustness group's IQS-only column,
    // the three alternatives parts and the measurement-iv and decomposition groups.
    assert!(text.contains("Skipped 10 specification(s)") && text.contains("Not computed: quantification"), "{text}");
    assert!(text.contains("IQS only: SKIPPED, the quality table has no `iqs` survey"), "{text}");
}

/// Mediation shares divide by the headline; with no planted spillover
/// (ρ = 0) the headline of seed 1 is far from significant and every share
/// carries the caveat (JSON, report, stderr), while seed 2's headline is
/// significant at 10 % and its shares carry none. The 10 % rule is applied
/// here to the headline p-value of each run.
#[test]
fn mediation_shares_of_an_insignificant_headline_carry_a_caveat() {
    let dir = tempfile::tempdir().unwrap();
    for seed in ["1", "2"] {
        let data = dir.path().join(format!("data{seed}"));
        spillnet()
            .args(["synth", "--quiet", "--scale", "small", "--rho", "0", "--seed", seed, "--out"])
            .arg(&data)
            .assert()
            .success();
        let out = dir.path().join(format!("study{seed}.json"));
        let args = ["spillover", "--quiet", "--spec", "mechanisms", "--boot", "0", "--data"];
        let run = spillnet().args(args).arg(&data).args(["--format", "json", "--out"]).arg(&out).output().unwrap();
        assert!(run.status.success());
        let stderr = String::from_utf8(run.stderr).unwrap();
        let v = json(&out);
        let p = v["headline"]["p"].as_f64().unwrap();
        let med = v["mediation"].as_array().unwrap();
        assert_eq!(med.len(), 2, "both channels");
        let text = String::from_utf8(spillnet().args(args).arg(&data).output().unwrap().stdout).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("Mediation, ")).collect();
        assert_eq!(lines.len(), 2, "{text}");
        if seed == "1" {
            assert!(p >= 0.10, "seed 1 was chosen for an insignificant headline: p = {p}");
            let expected = format!("the headline is not significant at 10 % (p = {p:.4})");
            for m in med {
                assert!(m["caveat"].as_str().unwrap().starts_with(&expected), "{m}");
            }
            assert!(lines.iter().all(|l| l.contains("CAVEAT: the headline is not significant at 10 %")), "{text}");
            assert!(stderr.contains("warning: mediation shares: the headline is not significant"), "{stderr}");
        } else {
            assert!(p < 0.10, "seed 2 was chosen for a significant headline: p = {p}");
            assert!(med.iter().all(|m| m.get("caveat").is_none()), "{med:?}");
            assert!(!text.contains("CAVEAT") && !stderr.contains("mediation shares"), "{text}{stderr}");
        }
    }
}

#[test]
fn bad_arguments_are_usage_errors() {
    spillnet().args(["spillover", "--spec", "table3"]).assert().code(2);
    spillnet().args(["spillover", "--placebo-out", "p.csv"]).assert().code(2);
    spillnet().args(["spillover", "--panel-out", "panel.txt"]).assert().code(2);
    spillnet().args(["montecarlo", "--seeds", "0"]).assert().code(2);
    spillnet().args(["spillover", "--data", "/nonexistent/folder"]).assert().code(1);
}

#[test]
fn montecarlo_summary_renders_as_text_markdown_and_tidy_csv() {
    let run = |format: &str| {
        let out = spillnet()
            .args(["--quiet", "montecarlo", "--seeds", "2", "--scale", "small", "--format", format])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run("text");
    assert!(text.starts_with("Monte Carlo: 2 synthetic datasets (seeds 1–2, scale small)"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("bias            -") || l.starts_with("bias            0")), "{text}");
    let csv = run("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "statistic,value,pct_of_rho");
    let stats: Vec<&str> = lines[1..].iter().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(stats, ["mean estimate", "bias", "sd of estimates", "mean SE", "95% CI coverage"]);
    assert!(run("md").contains("| statistic | value | pct_of_rho |"));
    spillnet().args(["montecarlo", "--json", "--format", "md"]).assert().code(2);
}

/// Relative tolerance against pyfixest (as the engine's reference tests).
const REF_REL_TOL: f64 = 1e-8;

#[test]
fn shipped_data_matches_the_independent_pyfixest_implementation() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/spillover/expected.json");
    let expected = json(&path);
    let ds = crate::common::shipped_dataset();
    let opts = StudyOptions {
        groups: vec![SpecGroup::Baseline, SpecGroup::SameSegment, SpecGroup::FeVariants],
        ..StudyOptions::default()
    };
    let r = build_and_run(&ds, &opts, &|_, _| {}).unwrap();
    assert_eq!(r.panel.rows as u64, expected["rows"].as_u64().unwrap());
    let models = expected["models"].as_object().unwrap();
    assert_eq!(models.len(), 4);
    for (id, e) in models {
        let m = r.models.iter().find(|m| &m.spec.id == id).unwrap_or_else(|| panic!("no {id}"));
        assert_eq!(m.fit.core.nobs as u64, e["nobs"].as_u64().unwrap(), "{id}");
        assert_eq!(m.inference.eigen_fixed, e["eigen_fixed"].as_bool().unwrap(), "{id}");
        let coefs = e["coefficients"].as_object().unwrap();
        assert_eq!(coefs.len(), m.inference.coefs.len(), "{id}");
        for c in &m.inference.coefs {
            let x = &coefs[&c.name];
            let (b, se) = (x["estimate"].as_f64().unwrap(), x["se"].as_f64().unwrap());
            if c.name == "Intercept" {
                // Zero up to rounding: residuals have mean zero by construction.
                assert!((c.estimate - b).abs() < 1e-12, "{id} {}: {} vs {b}", c.name, c.estimate);
            } else {
                assert_relative_eq!(c.estimate, b, max_relative = REF_REL_TOL);
            }
            assert_relative_eq!(c.se, se, max_relative = REF_REL_TOL);
        }
        if let Some(h) = e.get("headline") {
            let lc = &m.lincoms[0].row;
            assert_relative_eq!(lc.estimate, h["estimate"].as_f64().unwrap(), max_relative = REF_REL_TOL);
            assert_relative_eq!(lc.se, h["se"].as_f64().unwrap(), max_relative = REF_REL_TOL);
        }
    }
}

#[test]
fn relative_strengths_net_out_model_year_and_segment_patterns_and_feed_exposure() {
    use std::collections::HashMap;
    let ds = crate::common::shipped_dataset();
    let rel = spillnet::study::strengths::relative_quality(&ds).unwrap();
    let domestic_or_jv: usize = {
        let kind: HashMap<&str, spillnet::io::tables::FirmKind> =
            ds.firms.iter().map(|f| (f.firm_id.as_str(), f.kind)).collect();
        let ok: std::collections::HashSet<&str> = ds
            .models
            .iter()
            .filter(|m| kind[m.firm_id.as_str()] != spillnet::io::tables::FirmKind::Foreign)
            .map(|m| m.model_id.as_str())
            .collect();
        ds.quality.iter().filter(|q| ok.contains(q.model_id.as_str())).count()
    };
    assert_eq!(rel.len(), domestic_or_jv, "one relative strength per quality row of a domestic or JV model");
    // Residuals of model×year (and segment×dimension×year) effects sum to zero within each level.
    let mut by_model_year: HashMap<(&str, i32), f64> = HashMap::new();
    for v in &rel {
        *by_model_year.entry((v.model_id.as_str(), v.year)).or_default() += v.value;
    }
    assert!(by_model_year.values().all(|s| s.abs() < 1e-8), "model-year sums are zero");
    // `--quality relative` is the exposure of those values.
    use spillnet::exposure::measure::{ExposureConfig, QualitySource, compute_exposure};
    let relative = ExposureConfig { quality: QualitySource::Relative, ..ExposureConfig::default() };
    let via_app = spillnet::app::exposure::compute(&ds, &relative).unwrap();
    let direct =
        compute_exposure(&ds, &ExposureConfig { quality: QualitySource::Override(rel), ..ExposureConfig::default() })
            .unwrap();
    assert_eq!(via_app.values, direct.values);
    assert!(compute_exposure(&ds, &relative).is_err(), "the exposure layer cannot compute relative strengths itself");
    let out = spillnet().args(["exposure", "--quality", "relative", "--level", "firm"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("unit,dimension,year,exposure_affiliation"));
}

/// Kill the process while its atomic writer holds a temporary file. The child
/// is frozen with SIGSTOP the moment the temporary file appears (polling every
/// 10 ms), so what the test inspects is exactly the state it then kills; a
/// write that completed before the freeze (possible only on a very slow poll)
/// is retried rather than asserted on.
#[test]
fn a_run_killed_while_writing_leaves_no_file_that_looks_complete() {
    for attempt in 1..=3 {
        let dir = tempfile::tempdir().unwrap();
        let panel = dir.path().join("panel.csv");
        let bin = assert_cmd::cargo::cargo_bin("spillnet");
        let mut child = std::process::Command::new(bin)
            .args(["spillover", "--quiet", "--boot", "0", "--panel-out"])
            .arg(&panel)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id().to_string();
        let tmp = dir.path().join(format!(".panel.csv.tmp-{pid}"));
        let start = std::time::Instant::now();
        while !tmp.exists() {
            assert!(child.try_wait().unwrap().is_none(), "the run ended before it started writing");
            assert!(start.elapsed().as_secs() < 300, "no temporary file appeared");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let stopped = std::process::Command::new("kill").args(["-STOP", &pid]).status().unwrap();
        assert!(stopped.success(), "could not stop the child");
        let finished_before_freeze = panel.exists();
        child.kill().unwrap();
        child.wait().unwrap();
        if finished_before_freeze {
            eprintln!("attempt {attempt}: the write completed before the child was frozen; retrying");
            continue;
        }
        assert!(!panel.exists(), "a killed run must not leave panel.csv behind");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.is_empty(), "the temporary file was seen, so something must be there");
        for name in names {
            assert!(name.starts_with('.') && name.contains(".tmp-"), "unexpected file {name}");
        }
        return;
    }
    panic!("in three attempts the write always completed before the child could be frozen");
}
