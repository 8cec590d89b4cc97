//! Integration tests: `spillnet synth --evidence`. The evidence tables load
//! through the validator; the core tables and `truth.json` are those of a
//! run without the flag; `truth.json` → `evidence` has its keys; and simple
//! statistics recomputed here from the tables (never read from truth.json)
//! agree with the planted values: the halves' error variance and the IV /
//! OLS slopes, the customer-choice Poisson coefficients (closed-form
//! maximum likelihood of one dummy with the other terms as offset), the
//! brand shares of true pairs and others, and the patent rates.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use assert_cmd::Command;
use spillnet::io::load::load_dataset;
use spillnet::io::tables::{Dataset, FirmKind, PatentKind};
use spillnet::synth::{Scale, SynthParams, Truth, generate};

use crate::common::files;

fn synth_into(dir: &Path, args: &[&str]) {
    Command::cargo_bin("spillnet").unwrap().args(["synth", "--quiet", "--out"]).arg(dir).args(args).assert().success();
}

/// The first `n` columns of every line of a CSV text without quoted fields.
fn first_columns(bytes: &[u8], n: usize) -> String {
    let text = std::str::from_utf8(bytes).unwrap();
    text.lines().map(|l| l.split(',').take(n).collect::<Vec<_>>().join(",") + "\n").collect()
}

#[test]
fn evidence_tables_load_and_leave_the_core_tables_and_truth_unchanged() {
    let (plain, ev) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    synth_into(plain.path(), &["--seed", "3", "--scale", "small"]);
    synth_into(ev.path(), &["--seed", "3", "--scale", "small", "--evidence"]);
    let (fp, fe) = (files(plain.path()), files(ev.path()));
    for t in ["customer_choices.csv", "brand_association.csv", "patents.csv"] {
        assert!(!fp.contains_key(t), "{t} written without --evidence");
        assert!(fe.contains_key(t), "{t} missing with --evidence");
    }
    for t in ["firms.csv", "jv_links.csv", "suppliers.csv", "worker_moves.csv", "production.csv"] {
        assert!(fp[t] == fe[t], "{t} changed by --evidence");
    }
    // models and quality gain columns after the core ones, which are unchanged.
    assert_eq!(first_columns(&fe["models.csv"], 5), String::from_utf8(fp["models.csv"].clone()).unwrap());
    assert_eq!(first_columns(&fe["quality.csv"], 5), String::from_utf8(fp["quality.csv"].clone()).unwrap());
    assert!(
        std::str::from_utf8(&fe["models.csv"])
            .unwrap()
            .starts_with("model_id,firm_id,segment,first_year,last_year,price,size,power\n")
    );
    assert!(
        std::str::from_utf8(&fe["quality.csv"])
            .unwrap()
            .starts_with("model_id,year,dimension,survey,score,score_half1,score_half2\n")
    );
    // truth.json: the same, plus `evidence`.
    let json = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).unwrap();
    let (tp, mut te) = (json(&fp["truth.json"]), json(&fe["truth.json"]));
    assert!(tp.get("evidence").is_none());
    assert!(te.as_object_mut().unwrap().remove("evidence").is_some());
    assert_eq!(tp, te);

    // The folder passes the validator, with every supplementary row.
    let ds = load_dataset(ev.path()).unwrap();
    let lines = |t: &str| std::str::from_utf8(&fe[t]).unwrap().lines().count() - 1;
    assert_eq!(ds.customer_choices.len(), lines("customer_choices.csv"));
    assert_eq!(ds.brand_association.len(), lines("brand_association.csv"));
    assert_eq!(ds.patents.len(), lines("patents.csv"));
    assert!(ds.models.iter().all(|m| m.price.is_some() && m.size.is_some() && m.power.is_some()));
    assert!(ds.quality.iter().all(|q| q.halves.is_some()));

    // --force without --evidence removes the earlier run's supplementary tables.
    synth_into(ev.path(), &["--seed", "3", "--scale", "small", "--force"]);
    assert!(files(ev.path()) == fp, "the folder is now the plain run's");
}

#[test]
fn truth_json_has_the_evidence_keys() {
    let dir = tempfile::tempdir().unwrap();
    synth_into(dir.path(), &["--seed", "9", "--scale", "small", "--evidence"]);
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).unwrap()).unwrap();
    let e = &truth["evidence"];
    assert_eq!(e["split_sample"]["half_noise_sd"], 2.0);
    assert_eq!(e["split_sample"]["half_noise_variance"], 4.0);
    assert_eq!(e["split_sample"]["iv_attenuation"], 1.0);
    assert!(e["split_sample"]["reliability"].as_f64().is_some_and(|r| r > 0.0 && r < 1.0));
    let names: Vec<&str> =
        e["demand_overlap"]["coefficients"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["a", "SameGroup", "SameSeg", "SameGroup×SameSeg", "abs_dlog_price", "abs_dlog_size", "abs_dlog_power"]
    );
    assert_eq!(e["brand_association"]["respondents"], 200);
    assert_eq!(e["brand_association"]["spillover_slope_per_sd"], 0.0);
    assert_eq!(e["patents"]["transfer_rate"], 1.5);
    assert!(e["process"].as_array().unwrap().len() == 5);
    // Row counts agree with the files.
    let lines = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap().lines().count() as u64 - 1;
    assert_eq!(e["demand_overlap"]["rows"], lines("customer_choices.csv"));
    assert_eq!(e["brand_association"]["pairs"], lines("brand_association.csv"));
    assert_eq!(e["patents"]["rows"], lines("patents.csv"));
}

/// The paper-scale dataset with evidence, seed 1.
fn paper() -> (Dataset, Truth) {
    let params = SynthParams { evidence: true, ..SynthParams::new(1, Scale::Paper, 0.098) };
    let (ds, truth) = generate(&params).unwrap();
    (ds.into_tables(), truth)
}

#[test]
fn statistics_of_the_evidence_agree_with_the_planted_values() {
    let (ds, truth) = paper();
    let ev = truth.evidence.as_ref().unwrap();
    halves_agree(&ds, ev.split_sample.half_noise_variance);
    choices_agree(&ds, &ev.demand_overlap.coefficients.iter().map(|c| (c.name.clone(), c.value)).collect());
    brands_agree(&ds, ev.brand_association.logit_true[0], ev.brand_association.logit_other[0]);
    patents_agree(&ds, ev.patents.transfer_rate, ev.patents.licence_rate);
}

/// Error variance of each half, their independence, and the IV and OLS
/// slopes of the score on half 1 (within dimensions).
fn halves_agree(ds: &Dataset, noise_variance: f64) {
    let n = ds.quality.len() as f64;
    let err: Vec<[f64; 2]> =
        ds.quality.iter().map(|q| q.halves.map(|[a, b]| [a - q.score, b - q.score]).unwrap()).collect();
    // Mean squared error of each half: σ_h² (relative se √(2/n) ≈ 0.9 % at n ≈ 27,000).
    for k in 0..2 {
        let mse = err.iter().map(|e| e[k] * e[k]).sum::<f64>() / n;
        assert!((mse / noise_variance - 1.0).abs() < 0.05, "half {k}: {mse} vs {noise_variance}");
    }
    let r = err.iter().map(|e| e[0] * e[1]).sum::<f64>() / n / noise_variance;
    assert!(r.abs() < 0.03, "errors of the halves correlate: {r}");
    // Within-dimension moments of (score, half 1, half 2).
    let mut groups: BTreeMap<&str, Vec<[f64; 3]>> = BTreeMap::new();
    for q in &ds.quality {
        let [a, b] = q.halves.unwrap();
        groups.entry(q.dimension.as_str()).or_default().push([q.score, a, b]);
    }
    let (mut c_ss, mut c_s1, mut c_21, mut c_2s, mut c_11) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for rows in groups.values() {
        let k = rows.len() as f64;
        let m: [f64; 3] = std::array::from_fn(|j| rows.iter().map(|r| r[j]).sum::<f64>() / k);
        for r in rows {
            let d = [r[0] - m[0], r[1] - m[1], r[2] - m[2]];
            c_ss += d[0] * d[0];
            c_s1 += d[0] * d[1];
            c_11 += d[1] * d[1];
            c_21 += d[2] * d[1];
            c_2s += d[2] * d[0];
        }
    }
    let v = c_ss / n;
    let iv = c_2s / c_21;
    let ols = c_s1 / c_11;
    assert!((iv - 1.0).abs() < 0.02, "IV slope of the score on half 1, half 2 instrumenting: {iv}");
    let reliability = v / (v + noise_variance);
    assert!((ols - reliability).abs() < 0.02, "OLS slope {ols} vs V/(V+σ²) = {reliability}");
}

/// The Poisson coefficients γ (SameGroup) and δ (SameSeg): with the other
/// terms as an offset, the maximum-likelihood estimate of one dummy's
/// coefficient is ln(Σ y / Σ e^offset) among its rows minus the same among
/// the reference rows.
fn choices_agree(ds: &Dataset, coef: &BTreeMap<String, f64>) {
    let kind: BTreeMap<&str, FirmKind> = ds.firms.iter().map(|f| (f.firm_id.as_str(), f.kind)).collect();
    let group: BTreeMap<&str, &str> = ds.firms.iter().map(|f| (f.firm_id.as_str(), f.group_id.as_str())).collect();
    let mut parent_groups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for l in &ds.jv_links {
        parent_groups.entry(l.jv_id.as_str()).or_default().insert(group[l.domestic_parent.as_str()]);
    }
    let counts: BTreeMap<(&str, &str, i32), u64> =
        ds.customer_choices.iter().map(|c| ((c.model_a.as_str(), c.model_b.as_str(), c.year), c.count)).collect();
    let dl = |a: Option<f64>, b: Option<f64>| (a.unwrap().ln() - b.unwrap().ln()).abs();
    // Per (SameGroup, SameSeg): Σ y and Σ exp(a + attribute terms).
    let mut cells: BTreeMap<(bool, bool), (f64, f64)> = BTreeMap::new();
    let mut pair_years = 0;
    for t in 2009..=2014 {
        let on = |m: &&spillnet::io::tables::Model| m.first_year <= t && t <= m.last_year;
        for d in ds.models.iter().filter(on).filter(|m| kind[m.firm_id.as_str()] != FirmKind::Jv) {
            for j in ds.models.iter().filter(on).filter(|m| kind[m.firm_id.as_str()] == FirmKind::Jv) {
                pair_years += 1;
                let sg = parent_groups.get(j.firm_id.as_str()).is_some_and(|p| p.contains(group[d.firm_id.as_str()]));
                let ss = d.segment == j.segment;
                let offset = coef["a"]
                    + coef["abs_dlog_price"] * dl(d.price, j.price)
                    + coef["abs_dlog_size"] * dl(d.size, j.size)
                    + coef["abs_dlog_power"] * dl(d.power, j.power);
                let y = counts.get(&(d.model_id.as_str(), j.model_id.as_str(), t)).copied().unwrap_or(0);
                let c = cells.entry((sg, ss)).or_default();
                c.0 += y as f64;
                c.1 += offset.exp();
            }
        }
    }
    // Every row of the table is one of these pair-years.
    let listed: u64 = cells.values().map(|c| c.0 as u64).sum();
    assert_eq!(listed, ds.customer_choices.iter().map(|c| c.count).sum::<u64>());
    assert!(pair_years > 10_000, "{pair_years} pair-years");
    let rate = |sg, ss| {
        let (y, e): (f64, f64) = cells[&(sg, ss)];
        (y.ln() - e.ln(), 1.0 / y)
    };
    // Reference: non-affiliated, different segments: the intercept is the planted a (offset includes it).
    let (r00, v00) = rate(false, false);
    assert!(r00.abs() < 4.0 * v00.sqrt(), "intercept off by {r00}");
    let (r10, v10) = rate(true, false);
    let gamma = r10 - r00;
    let se = (v10 + v00).sqrt();
    assert!((gamma - coef["SameGroup"]).abs() < 4.0 * se, "γ̂ = {gamma} ± {se}, planted {}", coef["SameGroup"]);
    let (r01, v01) = rate(false, true);
    let delta = r01 - r00;
    let se = (v01 + v00).sqrt();
    assert!((delta - coef["SameSeg"]).abs() < 4.0 * se, "δ̂ = {delta} ± {se}, planted {}", coef["SameSeg"]);
    let (r11, v11) = rate(true, true);
    let phi = r11 - r10 - r01 + r00;
    let se = (v11 + v10 + v01 + v00).sqrt();
    assert!((phi - coef["SameGroup×SameSeg"]).abs() < 4.0 * se, "φ̂ = {phi} ± {se}");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// Median shares of true pairs (partners in `jv_links`) and the others
/// against the logistic of the planted logit means (the median survives
/// the monotone transform).
fn brands_agree(ds: &Dataset, logit_true: f64, logit_other: f64) {
    let partners: BTreeSet<(&str, &str)> =
        ds.jv_links.iter().map(|l| (l.domestic_parent.as_str(), l.foreign_parent.as_str())).collect();
    let (t, o): (Vec<_>, Vec<_>) = ds
        .brand_association
        .iter()
        .partition(|b| partners.contains(&(b.domestic_firm.as_str(), b.foreign_parent.as_str())));
    assert_eq!(t.len(), partners.len(), "every JV partnership is asked about");
    let logistic = |x: f64| 1.0 / (1.0 + (-x).exp());
    let (mt, mo) = (median(t.iter().map(|b| b.share).collect()), median(o.iter().map(|b| b.share).collect()));
    // Sampling sd of the true pairs' median ≈ 0.04 with ~40 pairs; of the others' ≈ 0.003.
    assert!((mt - logistic(logit_true)).abs() < 0.12, "true pairs' median share {mt}");
    assert!((mo - logistic(logit_other)).abs() < 0.012, "other pairs' median share {mo}");
}

/// Patents per active JV-year: transfers per (foreign parent, JV, year), licences per (JV, domestic parent, year).
fn patents_agree(ds: &Dataset, transfer_rate: f64, licence_rate: f64) {
    let mut span: BTreeMap<&str, (i32, i32)> = BTreeMap::new();
    let (mut foreign, mut domestic): (BTreeSet<(&str, &str)>, BTreeSet<(&str, &str)>) = Default::default();
    for l in &ds.jv_links {
        let e = span.entry(l.jv_id.as_str()).or_insert((l.founded, 0));
        e.0 = e.0.min(l.founded);
        e.1 = e.1.max(l.dissolved.unwrap_or(2014));
        foreign.insert((l.foreign_parent.as_str(), l.jv_id.as_str()));
        domestic.insert((l.jv_id.as_str(), l.domestic_parent.as_str()));
    }
    let years = |jv: &str| {
        let (a, b) = span[jv];
        f64::from((b.min(2014) - a.max(2001) + 1).max(0))
    };
    let exposure_t: f64 = foreign.iter().map(|(_, j)| years(j)).sum();
    let exposure_l: f64 = domestic.iter().map(|(j, _)| years(j)).sum();
    let sum = |k: PatentKind| ds.patents.iter().filter(|p| p.kind == k).map(|p| p.count as f64).sum::<f64>();
    let (yt, yl) = (sum(PatentKind::Transfer), sum(PatentKind::Licence));
    assert!(
        (yt - transfer_rate * exposure_t).abs() < 4.0 * (transfer_rate * exposure_t).sqrt(),
        "{yt} vs {exposure_t}"
    );
    assert!((yl - licence_rate * exposure_l).abs() < 4.0 * (licence_rate * exposure_l).sqrt(), "{yl} vs {exposure_l}");
    // Transfers go from a foreign parent to a JV, licences from a JV to a domestic parent.
    for p in &ds.patents {
        let pair = (p.from_firm.as_str(), p.to_firm.as_str());
        match p.kind {
            PatentKind::Transfer => assert!(foreign.contains(&pair), "{p:?}"),
            PatentKind::Licence => assert!(domestic.contains(&pair), "{p:?}"),
        }
    }
}
