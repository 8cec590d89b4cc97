//! Integration tests: the pair panel (`exposure::pairs`). A tiny hand-built
//! dataset with every attribute computed by hand, and the shipped `data/`
//! checked against `data/truth.json`.

use std::path::Path;
use std::time::Instant;

use crate::common::{firm, indexed, shipped_dataset, sup_firm, worker_move};
use approx::assert_relative_eq;
use spillnet::channels::affiliation::AffiliationMode;
use spillnet::exposure::pairs::{FlowMode, Overlap, PairOptions, PairPanel, Standardisation, build_pairs};
use spillnet::ids::ModelId;
use spillnet::io::Indexed;
use spillnet::io::tables::{Dataset, FirmKind, JvLink, Model, Production, QualityScore, SupplierLink, SupplierTarget};

// ---------------------------------------------------------------- fixture

fn link(jv: &str, dom: &str, foreign: &str, founded: i32) -> JvLink {
    JvLink {
        jv_id: jv.into(),
        domestic_parent: dom.into(),
        foreign_parent: foreign.into(),
        founded,
        dissolved: None,
        foreign_share: Some(0.5),
    }
}

fn model(id: &str, firm: &str, seg: &str) -> Model {
    Model {
        model_id: id.into(),
        firm_id: firm.into(),
        segment: seg.into(),
        first_year: 2000,
        last_year: 2010,
        price: None,
        size: None,
        power: None,
    }
}

fn q(model: &str, year: i32, dim: &str) -> QualityScore {
    QualityScore { model_id: model.into(), year, dimension: dim.into(), survey: None, score: 1.0, halves: None }
}

fn sup_model(s: &str, model: &str, year: Option<i32>) -> SupplierLink {
    SupplierLink { supplier_id: s.into(), target: SupplierTarget::Model(model.into()), component: "c".into(), year }
}

fn prod(firm: &str, year: i32, units: f64) -> Production {
    Production { firm_id: firm.into(), year, units }
}

/// FAW group (head FAW in Jilin, subsidiary XIALI in Tianjin), GEELY (no
/// province); JV FAWVW (parent FAW, 1991, Jilin) and FAWTOY (parents FAW 2003
/// and XIALI 2000 → founded 2000, Tianjin). Models: D1 (XIALI, seg A),
/// D2 (GEELY, B), D3 (XIALI, A, no quality), J1 (FAWVW, A), J2 (FAWTOY, B).
/// (A foreign firm cannot produce a model: the tables would not validate.)
///
/// Observed: D1 2005–06, D2 2006, J1 2005–06, J2 2006 → rows
/// r0 (2005,D1,J1) r1 (2006,D1,J1) r2 (2006,D1,J2) r3 (2006,D2,J1) r4 (2006,D2,J2).
fn tiny() -> Dataset {
    Dataset {
        firms: vec![
            firm("FAW", FirmKind::Domestic, "FAW", Some("Jilin")),
            firm("XIALI", FirmKind::Domestic, "FAW", Some("Tianjin")),
            firm("GEELY", FirmKind::Domestic, "GEELY", None),
            firm("VW", FirmKind::Foreign, "VW", Some("Jilin")),
            firm("TOY", FirmKind::Foreign, "TOY", None),
            firm("FAWVW", FirmKind::Jv, "FAWVW", Some("Jilin")),
            firm("FAWTOY", FirmKind::Jv, "FAWTOY", Some("Tianjin")),
        ],
        jv_links: vec![
            link("FAWVW", "FAW", "VW", 1991),
            link("FAWTOY", "FAW", "TOY", 2003),
            link("FAWTOY", "XIALI", "TOY", 2000),
        ],
        models: vec![
            model("J2", "FAWTOY", "B"),
            model("D1", "XIALI", "A"),
            model("D2", "GEELY", "B"),
            model("J1", "FAWVW", "A"),
            model("D3", "XIALI", "A"),
        ],
        quality: vec![
            q("D1", 2005, "x"),
            q("D1", 2005, "y"),
            q("D1", 2006, "x"),
            q("D2", 2006, "x"),
            q("J1", 2006, "x"),
            q("J1", 2005, "x"),
            q("J1", 2005, "y"),
            q("J2", 2006, "x"),
        ],
        suppliers: vec![
            // D1 = {s1..s5} + firm-level s6 (XIALI) = 6 suppliers
            sup_model("s1", "D1", None),
            sup_model("s2", "D1", None),
            sup_model("s3", "D1", None),
            sup_model("s4", "D1", None),
            sup_model("s5", "D1", Some(2005)),
            sup_firm("s6", "XIALI"),
            // D2 = {s1..s4}: fewer than 5
            sup_model("s1", "D2", None),
            sup_model("s2", "D2", None),
            sup_model("s3", "D2", None),
            sup_model("s4", "D2", None),
            // J1 = {s1,s2,s3,s7,s8} (s1 in two years counts once)
            sup_model("s1", "J1", Some(2005)),
            sup_model("s1", "J1", Some(2006)),
            sup_model("s2", "J1", None),
            sup_model("s3", "J1", None),
            sup_model("s7", "J1", None),
            sup_model("s8", "J1", None),
            // J2 = {s1..s6, s9, s10}
            sup_model("s1", "J2", None),
            sup_model("s2", "J2", None),
            sup_model("s3", "J2", None),
            sup_model("s4", "J2", None),
            sup_model("s5", "J2", None),
            sup_model("s6", "J2", None),
            sup_model("s9", "J2", None),
            sup_model("s10", "J2", None),
        ],
        worker_moves: vec![
            worker_move("FAWVW", "XIALI", 2004, 2),
            worker_move("FAWVW", "XIALI", 2005, 3),
            worker_move("FAWVW", "XIALI", 2006, 4),
            worker_move("XIALI", "FAWVW", 2003, 100), // wrong direction: never counts
            worker_move("FAWVW", "GEELY", 2006, 1),
            worker_move("FAWTOY", "GEELY", 2003, 2),
        ],
        production: Some(vec![
            prod("FAWVW", 2004, 100.0),
            prod("FAWVW", 2005, 200.0),
            prod("FAWVW", 2006, 1000.0),
            prod("XIALI", 2005, 50.0),
        ]),
        ..Default::default()
    }
}

fn names(p: &PairPanel, ix: &[u32]) -> Vec<String> {
    ix.iter().map(|&k| p.model_names[k as usize].to_string()).collect()
}

// ---------------------------------------------------------------- tiny

#[test]
fn tiny_rows_and_binary_attributes() {
    let p = build_pairs(&indexed(&tiny()), &PairOptions::default()).unwrap();
    assert_eq!(p.len(), 5);
    assert_eq!(p.year, vec![2005, 2006, 2006, 2006, 2006]);
    assert_eq!(names(&p, &p.domestic_model), ["D1", "D1", "D1", "D2", "D2"]);
    assert_eq!(names(&p, &p.jv_model), ["J1", "J1", "J2", "J1", "J2"]);
    let firms: Vec<&str> = p.jv_firm.iter().map(|&k| p.firm_names[k as usize].as_str()).collect();
    assert_eq!(firms, ["FAWVW", "FAWVW", "FAWTOY", "FAWVW", "FAWTOY"]);
    let firms: Vec<&str> = p.domestic_firm.iter().map(|&k| p.firm_names[k as usize].as_str()).collect();
    assert_eq!(firms, ["XIALI", "XIALI", "XIALI", "GEELY", "GEELY"]);
    // every model is a unit, numbered in id order
    let ids: Vec<&str> = p.model_names.iter().map(ModelId::as_str).collect();
    assert_eq!(ids, ["D1", "D2", "D3", "J1", "J2"]);
    // XIALI (subsidiary) counts inside FAW's group for both FAW JVs
    assert_eq!(p.same_group, [true, true, true, false, false]);
    assert_eq!(p.same_seg, [true, true, false, false, true]);
    // XIALI–FAWTOY both Tianjin; GEELY has no province
    assert_eq!(p.same_prov, [false, false, true, false, false]);
    assert_eq!(p.jv_age, [Some(14), Some(15), Some(6), Some(15), Some(6)]);
    assert_eq!(p.formed_before_2000, [Some(true), Some(true), Some(false), Some(true), Some(false)]);
}

#[test]
fn tiny_diagnostics_counts() {
    let p = build_pairs(&indexed(&tiny()), &PairOptions::default()).unwrap();
    let d = &p.diagnostics;
    assert_eq!(d.pair_years, 5);
    assert_eq!(d.distinct_pairs, 4);
    assert_eq!(d.affiliated_pair_years, 3);
    assert_eq!(d.affiliated_distinct_pairs, 2);
    assert_eq!(d.same_segment_pair_years, 3);
    assert_eq!(d.same_segment_distinct_pairs, 2);
    assert_eq!(d.same_province_pair_years, 1);
    assert_eq!(d.rows_without_jv_age, 0);
    assert_eq!(d.models_without_quality, vec![ModelId::from("D3")]);
    let e = &d.overlap_missing;
    assert_eq!((e.min_suppliers, e.rows, e.distinct_pairs), (5, 2, 2));
    assert_eq!((e.rows_domestic_short, e.rows_jv_short, e.rows_both_short), (2, 0, 0));
    assert_eq!(e.short_models, vec![(ModelId::from("D2"), 4)]);
}

#[test]
fn tiny_worker_flow_pooled_and_z() {
    let p = build_pairs(&indexed(&tiny()), &PairOptions::default()).unwrap();
    assert_eq!(p.worker_flow_raw, [9.0, 9.0, 0.0, 1.0, 2.0]);
    // mean 21/5 = 4.2; Σ dev² = 78.8; sample var 78.8/4 = 19.7
    let sd = 19.7f64.sqrt();
    let s = &p.diagnostics.worker_flow;
    assert_eq!(s.n, 5);
    assert_relative_eq!(s.mean.unwrap(), 4.2, epsilon = 1e-12);
    assert_relative_eq!(s.sd.unwrap(), sd, epsilon = 1e-12);
    let z = p.worker_flow_z.as_ref().unwrap();
    for (zi, raw) in z.iter().zip([9.0, 9.0, 0.0, 1.0, 2.0]) {
        assert_relative_eq!(*zi, (raw - 4.2) / sd, epsilon = 1e-12);
    }
    // affiliated mean raw 6, non-affiliated 1.5 → gap 4.5 / sd
    assert_relative_eq!(p.diagnostics.worker_flow_gap_z.unwrap(), 4.5 / sd, epsilon = 1e-12);

    let pop = build_pairs(
        &indexed(&tiny()),
        &PairOptions { standardisation: Standardisation::Population, ..Default::default() },
    )
    .unwrap();
    assert_relative_eq!(pop.diagnostics.worker_flow.sd.unwrap(), (78.8f64 / 5.0).sqrt(), epsilon = 1e-12);
    assert_relative_eq!(pop.diagnostics.worker_flow_gap_z.unwrap(), 4.5 / (78.8f64 / 5.0).sqrt(), epsilon = 1e-12);
}

#[test]
fn tiny_worker_flow_cumulative_uses_years_before_t() {
    let opts = PairOptions { flow: FlowMode::Cumulative, ..Default::default() };
    let p = build_pairs(&indexed(&tiny()), &opts).unwrap();
    // r0 t=2005: FAWVW→XIALI 2004 = 2; r1 t=2006: 2+3 = 5; r2 none;
    // r3 FAWVW→GEELY only in 2006 = 0; r4 FAWTOY→GEELY 2003 = 2
    assert_eq!(p.worker_flow_raw, [2.0, 5.0, 0.0, 0.0, 2.0]);
    // mean 1.8; Σ dev² = 0.04+10.24+3.24+3.24+0.04 = 16.8; sample var 4.2
    let z = p.worker_flow_z.as_ref().unwrap();
    assert_relative_eq!(z[1], (5.0 - 1.8) / 4.2f64.sqrt(), epsilon = 1e-12);
}

#[test]
fn tiny_supplier_overlap_each_measure() {
    // D1 (6) ∩ J1 (5) = 3; D1 (6) ∩ J2 (8) = 6; D2 has 4 < 5 → None
    let cases: [(Overlap, f64, f64); 3] = [
        (Overlap::SzymkiewiczSimpson, 3.0 / 5.0, 6.0 / 6.0),
        (Overlap::Jaccard, 3.0 / 8.0, 6.0 / 8.0),
        (Overlap::Cosine, 3.0 / 30f64.sqrt(), 6.0 / 48f64.sqrt()),
    ];
    for (how, d1j1, d1j2) in cases {
        let p = build_pairs(&indexed(&tiny()), &PairOptions { overlap: how, ..Default::default() }).unwrap();
        let raw = &p.supplier_overlap_raw;
        assert_relative_eq!(raw[0].unwrap(), d1j1, epsilon = 1e-12);
        assert_relative_eq!(raw[1].unwrap(), d1j1, epsilon = 1e-12);
        assert_relative_eq!(raw[2].unwrap(), d1j2, epsilon = 1e-12);
        assert_eq!((raw[3], raw[4]), (None, None), "{how:?}");
    }
}

#[test]
fn tiny_supplier_overlap_z_and_threshold() {
    let p = build_pairs(&indexed(&tiny()), &PairOptions::default()).unwrap();
    // non-missing 0.6, 0.6, 1.0: mean 2.2/3, Σ dev² = 2(0.4/3)² + (0.8/3)² = 0.96/9
    let mean = 2.2 / 3.0;
    let sd = (0.96f64 / 9.0 / 2.0).sqrt();
    let z = p.supplier_overlap_z.as_ref().unwrap();
    assert_relative_eq!(z[0].unwrap(), (0.6 - mean) / sd, epsilon = 1e-12);
    assert_relative_eq!(z[2].unwrap(), (1.0 - mean) / sd, epsilon = 1e-12);
    assert_eq!((z[3], z[4]), (None, None));
    // every row with overlap is affiliated → no gap
    assert_eq!(p.diagnostics.supplier_overlap_gap_z, None);

    // threshold 4 lets D2 in: D2∩J1 = 3 → 3/4, D2∩J2 = 4 → 4/4
    let p = build_pairs(&indexed(&tiny()), &PairOptions { min_suppliers: 4, ..Default::default() }).unwrap();
    let raw: Vec<f64> = p.supplier_overlap_raw.iter().map(|v| v.unwrap()).collect();
    assert_eq!(raw, [0.6, 0.6, 1.0, 0.75, 1.0]);
    assert_eq!(p.diagnostics.overlap_missing.rows, 0);
    assert!(p.diagnostics.overlap_missing.short_models.is_empty());
    // mean 3.95/5 = 0.79; dev -0.19,-0.19,0.21,-0.04,0.21 → Σ dev² = 0.0361+0.0361+0.0441+0.0016+0.0441 = 0.162; sample var 0.0405
    let sd = 0.0405f64.sqrt();
    // affiliated raw mean 2.2/3, non-affiliated 0.875
    assert_relative_eq!(p.diagnostics.supplier_overlap_gap_z.unwrap(), (2.2 / 3.0 - 0.875) / sd, epsilon = 1e-12);

    // threshold 7: J1 (5) and D1 (6) are short too → every row excluded, z undefined
    let p = build_pairs(&indexed(&tiny()), &PairOptions { min_suppliers: 7, ..Default::default() }).unwrap();
    let e = &p.diagnostics.overlap_missing;
    assert_eq!((e.rows, e.distinct_pairs), (5, 4));
    // r0,r1 D1&J1 both short; r2 D1 short (J2 has 8); r3 both; r4 D2 short
    assert_eq!((e.rows_domestic_short, e.rows_jv_short, e.rows_both_short), (2, 0, 3));
    assert!(p.supplier_overlap_z.is_none());
}

#[test]
fn tiny_log_cumulative_production() {
    let p = build_pairs(&indexed(&tiny()), &PairOptions::default()).unwrap();
    let jv = p.log_cum_prod_jv.as_ref().unwrap();
    let dom = p.log_cum_prod_domestic.as_ref().unwrap();
    let want_jv = [101f64.ln(), 301f64.ln(), 0.0, 301f64.ln(), 0.0];
    let want_dom = [0.0, 51f64.ln(), 51f64.ln(), 0.0, 0.0];
    for k in 0..5 {
        assert_relative_eq!(jv[k], want_jv[k], epsilon = 1e-12);
        assert_relative_eq!(dom[k], want_dom[k], epsilon = 1e-12);
    }
    let mut ds = tiny();
    ds.production = None;
    let p = build_pairs(&indexed(&ds), &PairOptions::default()).unwrap();
    assert!(p.log_cum_prod_jv.is_none() && p.log_cum_prod_domestic.is_none());
}

#[test]
fn tiny_is_invariant_to_input_row_order() {
    let a = build_pairs(&indexed(&tiny()), &PairOptions::default()).unwrap();
    let mut ds = tiny();
    ds.quality.reverse();
    ds.models.reverse();
    ds.suppliers.reverse();
    ds.worker_moves.reverse();
    ds.firms.reverse();
    ds.jv_links.reverse();
    let b = build_pairs(&indexed(&ds), &PairOptions::default()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn dangling_reference_is_an_error_when_the_tables_are_indexed() {
    let mut ds = tiny();
    ds.quality.push(q("NOPE", 2006, "x"));
    let err = Indexed::new(ds).unwrap_err().to_string();
    assert!(err.starts_with("quality: row ") && err.contains("`NOPE` not found (no such model_id in models)"), "{err}");
    let mut ds = tiny();
    ds.worker_moves.push(worker_move("GHOST", "XIALI", 2005, 1));
    let err = Indexed::new(ds).unwrap_err().to_string();
    assert!(err.starts_with("worker_moves: row ") && err.contains("`GHOST` not found"), "{err}");
}

#[test]
fn empty_dataset_gives_empty_panel() {
    let p = build_pairs(&indexed(&Dataset::default()), &PairOptions::default()).unwrap();
    assert!(p.is_empty());
    assert!(p.worker_flow_z.is_none() && p.supplier_overlap_z.is_none());
    assert_eq!(p.diagnostics.worker_flow_gap_z, None);
}

// ---------------------------------------------------------------- shipped data

fn truth() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/truth.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn count(t: &serde_json::Value, name: &str) -> usize {
    t["counts"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()["value"].as_u64().unwrap() as usize
}

/// Self-consistency, not an independent check: `truth.json` is written by
/// spillnet's own generator (`synth`), so this test pins the pair panel to the
/// generator's bookkeeping of the same data. Independent checks of the panel
/// are the brute-force tests in this file and `tests/reference/spillover.py`.
#[test]
fn pair_panel_is_consistent_with_the_generators_truth_json() {
    let ds = shipped_dataset();
    let t = truth();
    let opts = PairOptions { standardisation: Standardisation::Population, ..Default::default() };
    let p = build_pairs(&indexed(&ds), &opts).unwrap();
    let d = &p.diagnostics;
    let dims = 19;
    assert_eq!(d.pair_years, count(&t, "pair_years"));
    assert_eq!(d.pair_years * dims, count(&t, "pair_dimension_obs"));
    assert_eq!(d.distinct_pairs, count(&t, "distinct_pairs"));
    assert_eq!(d.affiliated_pair_years, count(&t, "affiliated_pair_years"));
    assert_eq!(d.affiliated_distinct_pairs, count(&t, "affiliated_distinct_pairs"));
    assert_eq!(d.same_segment_pair_years * dims, count(&t, "same_segment_obs"));
    let mech = (0..p.len()).filter(|&r| p.same_seg[r] && p.supplier_overlap_raw[r].is_some()).count();
    assert_eq!(mech * dims, count(&t, "mechanism_obs"));

    let wf = &t["worker_flow"];
    let so = &t["supplier_overlap"];
    assert_eq!(d.worker_flow.n, wf["pair_years"].as_u64().unwrap() as usize);
    assert_eq!(d.supplier_overlap.n, so["pair_years"].as_u64().unwrap() as usize);
    assert_eq!(d.overlap_missing.rows, d.pair_years - d.supplier_overlap.n);
    let f = |v: &serde_json::Value| v.as_f64().unwrap();
    assert_relative_eq!(d.worker_flow.mean.unwrap(), f(&wf["raw_mean"]), max_relative = 1e-9);
    assert_relative_eq!(d.worker_flow.sd.unwrap(), f(&wf["raw_sd"]), max_relative = 1e-9);
    assert_relative_eq!(d.supplier_overlap.mean.unwrap(), f(&so["raw_mean"]), max_relative = 1e-9);
    assert_relative_eq!(d.supplier_overlap.sd.unwrap(), f(&so["raw_sd"]), max_relative = 1e-9);
    let wgap = d.worker_flow_gap_z.unwrap();
    let sgap = d.supplier_overlap_gap_z.unwrap();
    assert!(wgap > 0.0 && sgap > 0.0, "gaps {wgap} {sgap}");
    assert_relative_eq!(wgap, f(&wf["gap_affiliated_minus_non_affiliated_z"]), max_relative = 1e-9);
    assert_relative_eq!(sgap, f(&so["gap_affiliated_minus_non_affiliated_z"]), max_relative = 1e-9);

    // default (sample sd) differs from the population version only by sqrt(n/(n-1))
    let s = build_pairs(&indexed(&ds), &PairOptions::default()).unwrap();
    let n = d.pair_years as f64;
    assert_relative_eq!(s.diagnostics.worker_flow_gap_z.unwrap(), wgap * ((n - 1.0) / n).sqrt(), max_relative = 1e-9);
}

/// Manual measurement: `cargo nextest run --test it pairs::timing --run-ignored only --no-capture`.
#[test]
#[ignore = "prints a timing; run by hand"]
fn timing_build_pairs_on_shipped_data() {
    let ds = shipped_dataset();
    for _ in 0..3 {
        let start = Instant::now();
        let p = build_pairs(&indexed(&ds), &PairOptions::default()).unwrap();
        println!("build_pairs: {} rows in {:?}", p.len(), start.elapsed());
    }
}

/// `--affiliation active` honours `jv_links.dissolved`: FAWVW's only link
/// dissolved in 2006 affiliates XIALI with J1 in 2005 but not in 2006
/// (active while founded ≤ t < dissolved); FAWTOY keeps XIALI's own
/// undissolved link when FAW's is dissolved, so D1–J2 stays affiliated.
/// `ever` (the default) ignores the dissolution.
#[test]
fn tiny_active_affiliation_ends_with_the_dissolution() {
    let mut ds = tiny();
    for l in &mut ds.jv_links {
        if l.jv_id.as_str() == "FAWVW" || (l.jv_id.as_str() == "FAWTOY" && l.domestic_parent.as_str() == "FAW") {
            l.dissolved = Some(2006);
        }
    }
    let ds = indexed(&ds);
    let ever = build_pairs(&ds, &PairOptions::default()).unwrap();
    assert_eq!(ever.same_group, [true, true, true, false, false]);
    assert_eq!(ever.diagnostics.affiliation, AffiliationMode::Ever);
    let opts = PairOptions { affiliation: AffiliationMode::Active, ..Default::default() };
    let active = build_pairs(&ds, &opts).unwrap();
    // rows: (2005 D1–J1), (2006 D1–J1), (2006 D1–J2), (2006 D2–J1), (2006 D2–J2)
    assert_eq!(active.same_group, [true, false, true, false, false]);
    assert_eq!(active.diagnostics.affiliated_pair_years, 2);
    assert_eq!(active.diagnostics.affiliation, AffiliationMode::Active);
}
