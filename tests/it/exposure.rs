//! Integration tests: channel-weighted exposure measures
//! (`spillnet::exposure::measure`). Hand computations on a small dataset for
//! every channel, weight transform, level and flow window; linearity of the
//! kernel (proptest); thread-count independence; the shipped data folder
//! (row counts, an independent brute-force check, timing).

use std::collections::HashMap;

use crate::common::{firm, shipped_dataset, sup_firm, worker_move};
use approx::assert_relative_eq;
use proptest::prelude::*;
use spillnet::exposure::measure::{
    Channel, Direction, ExposureConfig, ExposurePanel, Flow, Level, QualitySource, QualityValue, Weights,
    compute_exposure, exposure_from_weights,
};
use spillnet::io::Indexed;
use spillnet::io::tables::{Dataset, FirmKind, JvLink, Model, QualityScore, SupplierLink, SupplierTarget};

// ---------------------------------------------------------------- fixture

fn model(id: &str, firm: &str) -> Model {
    Model {
        model_id: id.into(),
        firm_id: firm.into(),
        segment: "compact_sedan".into(),
        first_year: 2010,
        last_year: 2011,
        price: None,
        size: None,
        power: None,
    }
}

fn score(m: &str, year: i32, dim: &str, s: f64) -> QualityScore {
    QualityScore { model_id: m.into(), year, dimension: dim.into(), survey: None, score: s, halves: None }
}

fn sup_model(s: &str, m: &str) -> SupplierLink {
    SupplierLink { supplier_id: s.into(), target: SupplierTarget::Model(m.into()), component: "c".into(), year: None }
}

fn link(jv: &str, dom: &str) -> JvLink {
    JvLink {
        jv_id: jv.into(),
        domestic_parent: dom.into(),
        foreign_parent: "F1".into(),
        founded: 2000,
        dissolved: None,
        foreign_share: Some(0.5),
    }
}

/// Two domestic firms (D1 group G1 in P1; D2 group G2 in P3), two JVs (J1
/// of D1 in P1; J2 of D2 in P3), one foreign parent. Models d1a, d2a, j1a,
/// j1b, j2a; dimensions a, b; years 2010–2011 (see the comments for Q).
fn small() -> Indexed {
    Indexed::new(small_tables()).unwrap()
}

/// The tables of [`small`], before validation.
fn small_tables() -> Dataset {
    Dataset {
        firms: vec![
            firm("D1", FirmKind::Domestic, "G1", Some("P1")),
            firm("D2", FirmKind::Domestic, "G2", Some("P3")),
            firm("J1", FirmKind::Jv, "J1", Some("P1")),
            firm("J2", FirmKind::Jv, "J2", Some("P3")),
            firm("F1", FirmKind::Foreign, "F1", None),
        ],
        jv_links: vec![link("J1", "D1"), link("J2", "D2")],
        models: vec![
            model("d1a", "D1"),
            model("d2a", "D2"),
            model("j1a", "J1"),
            model("j1b", "J1"),
            model("j2a", "J2"),
        ],
        quality: vec![
            // JV models.
            score("j1a", 2010, "a", 1.0),
            score("j1a", 2010, "b", 2.0),
            score("j1a", 2011, "a", 3.0),
            score("j1a", 2011, "b", 4.0),
            score("j1b", 2010, "a", 5.0), // j1b: no b in 2010, not observed in 2011
            score("j2a", 2010, "a", 10.0),
            score("j2a", 2010, "b", 20.0),
            score("j2a", 2011, "a", 30.0),
            score("j2a", 2011, "b", 40.0),
            // Focal models (their own values only select rows).
            score("d1a", 2010, "a", 0.0),
            score("d1a", 2010, "b", 0.0),
            score("d1a", 2011, "a", 0.0),
            score("d2a", 2011, "a", 0.0),
            score("d2a", 2011, "b", 0.0),
        ],
        suppliers: vec![
            // d1a {S1,S2,S4}; d2a {S3}; j1a {S1}; j1b {S3}; j2a {S2,S4}.
            sup_model("S1", "d1a"),
            sup_model("S1", "j1a"),
            sup_firm("S2", "J2"),
            sup_model("S2", "d1a"),
            sup_model("S3", "d2a"),
            sup_model("S3", "j1b"),
            sup_firm("S4", "D1"),
            sup_model("S4", "j2a"),
        ],
        worker_moves: vec![
            worker_move("J1", "D1", 2008, 2),
            worker_move("J1", "D1", 2010, 3),
            worker_move("J2", "D1", 2009, 1),
            worker_move("J2", "D2", 2010, 4),
            worker_move("D1", "J1", 2009, 100), // wrong direction: never counted
        ],
        production: None,
        ..Default::default()
    }
}

fn cfg(level: Level, weights: Weights, flow: Flow, lag: u32) -> ExposureConfig {
    ExposureConfig { level, weights, flow, lag, channels: Channel::ALL.to_vec(), ..Default::default() }
}

fn keys(p: &ExposurePanel) -> Vec<(String, String, i32)> {
    (0..p.n_rows()).map(|r| (p.unit[r].clone(), p.dimension[r].clone(), p.year[r])).collect()
}

fn col(p: &ExposurePanel, c: Channel) -> Vec<f64> {
    p.column(c).unwrap().to_vec()
}

fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert_relative_eq!(*g, *w, epsilon = 1e-12, max_relative = 1e-12);
    }
}

fn k(u: &str, d: &str, y: i32) -> (String, String, i32) {
    (u.into(), d.into(), y)
}

// ---------------------------------------------------------------- hand computations

#[test]
fn model_level_raw_matches_hand_computation() {
    let p = compute_exposure(&small(), &cfg(Level::Model, Weights::Raw, Flow::Cumulative, 1)).unwrap();
    assert_eq!(
        keys(&p),
        vec![k("d1a", "a", 2010), k("d1a", "a", 2011), k("d1a", "b", 2010), k("d2a", "a", 2011), k("d2a", "b", 2011)]
    );
    // d1a (G1, P1): affiliated with J1 (j1a, j1b); same province as J1.
    // 2010 a: j1a 1 + j1b 5 = 6; 2011 a: j1a 3; 2010 b: j1a 2 (j1b has no b).
    // d2a (G2, P3): affiliated with and co-located with J2: 30, 40.
    assert_close(&col(&p, Channel::Affiliation), &[6.0, 3.0, 2.0, 30.0, 40.0]);
    assert_close(&col(&p, Channel::Geography), &[6.0, 3.0, 2.0, 30.0, 40.0]);
    // Shared suppliers: d1a–j1a 1, d1a–j1b 0, d1a–j2a 2 (S2 via firm J2, S4 via firm D1);
    // d2a shares S3 only with j1b, which is not observed in 2011 → 0.
    assert_close(&col(&p, Channel::SupplierOverlap), &[1.0 + 20.0, 3.0 + 60.0, 2.0 + 40.0, 0.0, 0.0]);
    // Cumulative, lag 1: t=2010 → flows ≤ 2009: J1→D1 2, J2→D1 1; t=2011 → ≤ 2010: J1→D1 5, J2→D1 1, J2→D2 4.
    assert_close(
        &col(&p, Channel::WorkerFlow),
        &[2.0 * 1.0 + 2.0 * 5.0 + 10.0, 5.0 * 3.0 + 30.0, 2.0 * 2.0 + 20.0, 4.0 * 30.0, 4.0 * 40.0],
    );
    let d = &p.diagnostics;
    assert_eq!((d.focal_units, d.jv_units, d.rows), (2, 3, 5));
    // Only d2a's supplier rows have zero total weight.
    assert_eq!(d.zero_weight_rows, vec![0, 0, 2, 0]);
}

#[test]
fn flow_windows_and_lags_match_hand_computation() {
    let data = small();
    let flow =
        |f, lag| col(&compute_exposure(&data, &cfg(Level::Model, Weights::Raw, f, lag)).unwrap(), Channel::WorkerFlow);
    // Annual, lag 1: t=2010 → 2009: J2→D1 1; t=2011 → 2010: J1→D1 3, J2→D2 4.
    assert_close(&flow(Flow::Annual, 1), &[10.0, 9.0, 20.0, 120.0, 160.0]);
    // Annual, lag 0: t=2010 → 2010: J1→D1 3, J2→D2 4 (d2a has no 2010 rows); t=2011 → nothing.
    assert_close(&flow(Flow::Annual, 0), &[3.0 * 1.0 + 3.0 * 5.0, 0.0, 3.0 * 2.0, 0.0, 0.0]);
    // Cumulative, lag 2: t=2010 → ≤ 2008: J1→D1 2; t=2011 → ≤ 2009: J1→D1 2, J2→D1 1.
    assert_close(&flow(Flow::Cumulative, 2), &[2.0 + 10.0, 6.0 + 30.0, 4.0, 0.0, 0.0]);
    // Pooled ignores the lag: J1→D1 5, J2→D1 1, J2→D2 4.
    let pooled = [5.0 + 25.0 + 10.0, 15.0 + 30.0, 10.0 + 20.0, 120.0, 160.0];
    assert_close(&flow(Flow::Pooled, 1), &pooled);
    assert_close(&flow(Flow::Pooled, 7), &pooled);
}

#[test]
fn row_and_log_weights_match_hand_computation() {
    let data = small();
    let p = compute_exposure(&data, &cfg(Level::Model, Weights::Row, Flow::Cumulative, 1)).unwrap();
    // Affiliation d1a: 2010 weights (½, ½, 0) over j1a, j1b, j2a; 2011 (1, 0) over j1a, j2a.
    assert_close(&col(&p, Channel::Affiliation), &[3.0, 3.0, 1.0, 30.0, 40.0]);
    // Supplier d1a: 2010 (1, 0, 2)/3; 2011 (1, 2)/3. d2a: zero total → 0.
    assert_close(&col(&p, Channel::SupplierOverlap), &[21.0 / 3.0, 21.0, 14.0, 0.0, 0.0]);
    // Workers d1a 2010: (2, 2, 1)/5; 2011: (5, 1)/6; d2a 2011: (0, 4)/4.
    assert_close(&col(&p, Channel::WorkerFlow), &[22.0 / 5.0, 45.0 / 6.0, 24.0 / 5.0, 30.0, 40.0]);
    assert_eq!(p.diagnostics.zero_weight_rows, vec![0, 0, 2, 0]);

    let p = compute_exposure(&data, &cfg(Level::Model, Weights::Log1p, Flow::Cumulative, 1)).unwrap();
    let (l2, l3) = (2f64.ln(), 3f64.ln());
    assert_close(
        &col(&p, Channel::SupplierOverlap),
        &[l2 + 10.0 * l3, 3.0 * l2 + 30.0 * l3, 2.0 * l2 + 20.0 * l3, 0.0, 0.0],
    );
    assert_close(&col(&p, Channel::Affiliation), &[6.0 * l2, 3.0 * l2, 2.0 * l2, 30.0 * l2, 40.0 * l2]);
}

/// netdiffuseR's exposure options: outgoing and both-way ties, binary weights.
#[test]
fn direction_and_binary_weights_match_hand_computation() {
    let data = small();
    let with = |direction, weights| {
        let c = ExposureConfig { direction, ..cfg(Level::Model, weights, Flow::Cumulative, 1) };
        compute_exposure(&data, &c).unwrap()
    };
    // Out: D1→J1 100 (2009) is the only focal → JV move; it counts from t = 2010 on (lag 1).
    // d1a 2010 a: 100·(1 + 5); 2011 a: 100·3 (j1b unobserved); 2010 b: 100·2; d2a nothing.
    let out = with(Direction::Out, Weights::Raw);
    assert_close(&col(&out, Channel::WorkerFlow), &[600.0, 300.0, 200.0, 0.0, 0.0]);
    // Both: in + out per pair. d1a 2010: J1 2 + 100, J2 1; 2011: J1 5 + 100, J2 1; d2a 2011: J2 4.
    let both = with(Direction::Both, Weights::Raw);
    assert_close(
        &col(&both, Channel::WorkerFlow),
        &[102.0 * 6.0 + 10.0, 105.0 * 3.0 + 30.0, 102.0 * 2.0 + 20.0, 120.0, 160.0],
    );
    // Direction leaves the symmetric channels alone.
    assert_eq!(col(&both, Channel::SupplierOverlap), col(&with(Direction::In, Weights::Raw), Channel::SupplierOverlap));
    // Binary: ties, not counts. Workers in: d1a 2010 J1, J2 → 1·(1 + 5) + 10; 2011 → 3 + 30; 2010 b 2 + 20;
    // d2a 2011 J2 → 30, 40. Suppliers: d1a–j1a 1, d1a–j2a 2 → 1; d2a's only overlap (j1b) unobserved.
    let bin = with(Direction::In, Weights::Binary);
    assert_close(&col(&bin, Channel::WorkerFlow), &[16.0, 33.0, 22.0, 30.0, 40.0]);
    assert_close(&col(&bin, Channel::SupplierOverlap), &[11.0, 33.0, 22.0, 0.0, 0.0]);
    assert_close(&col(&bin, Channel::Affiliation), &col(&with(Direction::In, Weights::Raw), Channel::Affiliation));
}

/// `worker_flow_se`: structural equivalence in the worker-flow network (all five firms,
/// cumulative window, lag 1) by netdiffuseR's definition, worked in numpy on the two networks:
/// t = 2010 {J1→D1, J2→D1, D1→J1}: SE(D1, J1) = 1, SE(D1, J2) = 0, SE(D2, J2) = 0.0631359880770963;
/// t = 2011 adds J2→D2: SE(D1, J1) = 0.539451248487195, SE(D2, J1) = 0.224045295956199, SE(·, J2) = 0.
#[test]
fn structural_equivalence_channel_matches_hand_computation() {
    let c = ExposureConfig {
        channels: vec![Channel::WorkerFlow, Channel::StructuralEquivalence],
        ..cfg(Level::Model, Weights::Raw, Flow::Cumulative, 1)
    };
    let p = compute_exposure(&small(), &c).unwrap();
    let (se10, se11_d1, se11_d2) = (1.0, 0.539451248487195, 0.224045295956199);
    assert_close(
        &col(&p, Channel::StructuralEquivalence),
        &[se10 * 6.0, se11_d1 * 3.0, se10 * 2.0, se11_d2 * 3.0, se11_d2 * 4.0],
    );
    assert_eq!(Channel::parse("worker_flow_se"), Some(Channel::StructuralEquivalence));
    assert!(!Channel::all().contains(&Channel::StructuralEquivalence), "not in the default list");
}

#[test]
fn firm_level_matches_hand_computation() {
    let data = small();
    let p = compute_exposure(&data, &cfg(Level::Firm, Weights::Raw, Flow::Cumulative, 1)).unwrap();
    assert_eq!(
        keys(&p),
        vec![k("D1", "a", 2010), k("D1", "a", 2011), k("D1", "b", 2010), k("D2", "a", 2011), k("D2", "b", 2011)]
    );
    // Q(J1): 2010 a = mean(1, 5) = 3, b = 2; 2011 a = 3, b = 4. Q(J2) = j2a.
    assert_close(&col(&p, Channel::Affiliation), &[3.0, 3.0, 2.0, 30.0, 40.0]);
    // Firm supplier sets: D1 {S1,S2,S4}, D2 {S3}, J1 {S1,S3}, J2 {S2,S4}.
    assert_close(&col(&p, Channel::SupplierOverlap), &[3.0 + 20.0, 3.0 + 60.0, 2.0 + 40.0, 3.0, 4.0]);
    assert_close(&col(&p, Channel::WorkerFlow), &[2.0 * 3.0 + 10.0, 5.0 * 3.0 + 30.0, 4.0 + 20.0, 120.0, 160.0]);
    assert_eq!(p.diagnostics.zero_weight_rows, vec![0, 0, 0, 0]);
    let p = compute_exposure(&data, &cfg(Level::Firm, Weights::Row, Flow::Cumulative, 1)).unwrap();
    assert_close(&col(&p, Channel::SupplierOverlap), &[23.0 / 3.0, 21.0, 14.0, 3.0, 4.0]);
}

#[test]
fn pair_weights_table_lists_observed_pairs_in_order() {
    let mut c = cfg(Level::Model, Weights::Raw, Flow::Cumulative, 1);
    c.channels = vec![Channel::SupplierOverlap, Channel::WorkerFlow];
    c.pair_weights = true;
    let p = compute_exposure(&small(), &c).unwrap();
    assert_eq!(p.channels, vec![Channel::SupplierOverlap, Channel::WorkerFlow]);
    let pw = p.pairs.unwrap();
    let rows: Vec<(&str, &str, i32, f64, f64)> = (0..pw.focal.len())
        .map(|i| (pw.focal[i].as_str(), pw.jv[i].as_str(), pw.year[i], pw.values[0][i], pw.values[1][i]))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("d1a", "j1a", 2010, 1.0, 2.0),
            ("d1a", "j1a", 2011, 1.0, 5.0),
            ("d1a", "j1b", 2010, 0.0, 2.0),
            ("d1a", "j2a", 2010, 2.0, 1.0),
            ("d1a", "j2a", 2011, 2.0, 1.0),
            ("d2a", "j1a", 2011, 0.0, 0.0),
            ("d2a", "j2a", 2011, 0.0, 4.0),
        ]
    );
    let no_pairs = compute_exposure(&small(), &cfg(Level::Model, Weights::Raw, Flow::Cumulative, 1)).unwrap();
    assert!(no_pairs.pairs.is_none());
}

#[test]
fn quality_override_replaces_scores_and_rows() {
    let mut c = cfg(Level::Model, Weights::Raw, Flow::Cumulative, 1);
    let qv = |m: &str, d: &str, y, v| QualityValue { model_id: m.into(), dimension: d.into(), year: y, value: v };
    c.quality =
        QualitySource::Override(vec![qv("d1a", "a", 2010, 0.0), qv("j1a", "a", 2010, 7.0), qv("j2a", "a", 2010, -1.0)]);
    let p = compute_exposure(&small(), &c).unwrap();
    assert_eq!(keys(&p), vec![k("d1a", "a", 2010)]);
    assert_close(&col(&p, Channel::Affiliation), &[7.0]);
    assert_close(&col(&p, Channel::SupplierOverlap), &[7.0 - 2.0]);

    c.quality = QualitySource::Override(vec![qv("nope", "a", 2010, 1.0)]);
    let err = compute_exposure(&small(), &c).unwrap_err().to_string();
    assert!(err.contains("row 1") && err.contains("nope"), "{err}");
    c.quality = QualitySource::Override(vec![qv("j1a", "a", 2010, f64::NAN)]);
    assert!(compute_exposure(&small(), &c).unwrap_err().to_string().contains("not finite"));
    c.quality = QualitySource::Override(vec![qv("j1a", "a", 2010, 1.0), qv("j1a", "a", 2010, 2.0)]);
    assert!(compute_exposure(&small(), &c).unwrap_err().to_string().contains("row 2: duplicate"));
}

#[test]
fn dangling_references_are_caught_once_when_the_tables_are_indexed() {
    let mut data = small_tables();
    data.worker_moves.push(worker_move("GHOST", "D1", 2009, 1));
    let err = Indexed::new(data).unwrap_err().to_string();
    assert_eq!(err, "worker_moves: row 6, column `from_firm`: `GHOST` not found (no such firm_id in firms)");
    let mut data = small_tables();
    data.models.push(model("m", "NOWHERE"));
    let err = Indexed::new(data).unwrap_err().to_string();
    assert_eq!(err, "models: row 6, column `firm_id`: `NOWHERE` not found (no such firm_id in firms)");
}

// ---------------------------------------------------------------- linearity

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// E(a·w1 + b·w2) = a·E(w1) + b·E(w2), with missing quality skipped.
    #[test]
    fn exposure_is_linear_in_the_weights(
        rows in prop::collection::vec((0.0..10.0f64, 0.0..10.0f64, prop::option::of(-50.0..50.0f64)), 0..40),
        a in -3.0..3.0f64,
        b in -3.0..3.0f64,
    ) {
        let w1: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let w2: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let q: Vec<f64> = rows.iter().map(|r| r.2.unwrap_or(f64::NAN)).collect();
        let mix: Vec<f64> = w1.iter().zip(&w2).map(|(x, y)| a * x + b * y).collect();
        let lhs = exposure_from_weights(&mix, &q).unwrap();
        let rhs = a * exposure_from_weights(&w1, &q).unwrap() + b * exposure_from_weights(&w2, &q).unwrap();
        prop_assert!((lhs - rhs).abs() <= 1e-9 * (1.0 + lhs.abs().max(rhs.abs())), "{} vs {}", lhs, rhs);
        prop_assert!(lhs.is_finite());
    }
}

// ---------------------------------------------------------------- shipped data

#[test]
fn results_do_not_depend_on_thread_count() {
    let data = shipped_dataset();
    let mut c = cfg(Level::Model, Weights::Row, Flow::Cumulative, 1);
    c.pair_weights = true;
    let run = |n| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
        pool.install(|| compute_exposure(&data, &c).unwrap())
    };
    let (one, two) = (run(1), run(2));
    assert!(one.n_rows() > 0);
    // Bitwise equality, including the pair table.
    assert_eq!(one, two);
    let f = |n| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
        pool.install(|| compute_exposure(&data, &cfg(Level::Firm, Weights::Raw, Flow::Annual, 1)).unwrap())
    };
    assert_eq!(f(1), f(2));
}

#[test]
fn shipped_data_model_panel_matches_brute_force() {
    // Speed is measured by `cargo bench --bench study` and scripts/, not asserted here.
    let data = shipped_dataset();
    let p = compute_exposure(&data, &ExposureConfig::default()).unwrap();

    // Expected rows: one per quality row of a domestic firm's model.
    let kind: HashMap<&str, FirmKind> = data.firms.iter().map(|f| (f.firm_id.as_str(), f.kind)).collect();
    let model_firm: HashMap<&str, &str> =
        data.models.iter().map(|m| (m.model_id.as_str(), m.firm_id.as_str())).collect();
    let is_dom = |m: &str| kind[model_firm[m]] == FirmKind::Domestic;
    let expected = data.quality.iter().filter(|q| is_dom(q.model_id.as_str())).count();
    assert!(expected > 1000);
    assert_eq!(p.n_rows(), expected);
    assert_eq!(p.diagnostics.rows, expected);
    let mut sorted = keys(&p);
    sorted.sort();
    assert_eq!(sorted, keys(&p), "panel must be sorted by (unit, dimension, year)");

    // Independent brute force for the affiliation and geography channels
    // (raw weights: the observed-in-t condition is implied by having a score).
    let firms: HashMap<&str, _> = data.firms.iter().map(|f| (f.firm_id.as_str(), f)).collect();
    let mut by_cell: HashMap<(&str, i32), Vec<(&str, f64)>> = HashMap::new();
    for q in &data.quality {
        if kind[model_firm[q.model_id.as_str()]] == FirmKind::Jv {
            by_cell.entry((q.dimension.as_str(), q.year)).or_default().push((q.model_id.as_str(), q.score));
        }
    }
    let (aff, geo) = (col(&p, Channel::Affiliation), col(&p, Channel::Geography));
    let mut nonzero = 0;
    for r in (0..p.n_rows()).step_by(7) {
        let d = firms[model_firm[p.unit[r].as_str()]];
        let (mut e_aff, mut e_geo) = (0.0, 0.0);
        for &(j, q) in by_cell.get(&(p.dimension[r].as_str(), p.year[r])).map(Vec::as_slice).unwrap_or(&[]) {
            let jf = firms[model_firm[j]];
            let affiliated = data
                .jv_links
                .iter()
                .any(|l| l.jv_id == jf.firm_id && firms[l.domestic_parent.as_str()].group_id == d.group_id);
            if affiliated {
                e_aff += q;
            }
            if d.province.is_some() && d.province == jf.province {
                e_geo += q;
            }
        }
        assert_relative_eq!(aff[r], e_aff, epsilon = 1e-9, max_relative = 1e-12);
        assert_relative_eq!(geo[r], e_geo, epsilon = 1e-9, max_relative = 1e-12);
        nonzero += usize::from(e_aff != 0.0);
    }
    assert!(nonzero > 0, "the check must exercise affiliated pairs");

    let f = compute_exposure(&data, &ExposureConfig { level: Level::Firm, ..Default::default() }).unwrap();
    let mut firm_cells = std::collections::BTreeSet::new();
    for q in data.quality.iter().filter(|q| is_dom(q.model_id.as_str())) {
        firm_cells.insert((model_firm[q.model_id.as_str()], q.dimension.as_str(), q.year));
    }
    assert_eq!(f.n_rows(), firm_cells.len());
}
