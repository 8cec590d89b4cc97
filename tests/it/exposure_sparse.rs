//! The sparse exposure computation (`compute_exposure`, which visits only
//! the JV units with a possibly nonzero weight) against the dense reference
//! (`exposure::dense::compute_exposure_dense`, a weight for every JV unit):
//! equal bit for bit — values including the sign of zeros, pair weights,
//! zero-total counts — on random small datasets for every channel (built-in,
//! `patent_flow`, and two channels registered here whose weights include
//! `-0.0` and negative values, one listing partners, one not), both levels,
//! every weight transform, flow window, direction and lag; and on the
//! shipped data.
//!
//! Registration is per process; nextest runs every test in its own process,
//! so the channels registered here are seen by no other test.

use std::collections::BTreeSet;

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{firm, shipped_dataset, worker_move};
use spillnet::channels::{ChannelDef, ChannelError, FirmChannel, Firms, register};
use spillnet::exposure::dense::compute_exposure_dense;
use spillnet::exposure::measure::{
    Channel, Direction, ExposureConfig, ExposurePanel, Flow, Level, Weights, compute_exposure,
};
use spillnet::io::Indexed;
use spillnet::io::tables::{
    Dataset, FirmKind, JvLink, Model, PatentFlow, PatentKind, QualityScore, SupplierLink, SupplierTarget,
};

// ---------------------------------------------------------------- test channels

/// A fixed hash of (focal, jv, year, salt) (SplitMix64's finaliser).
fn mix(a: u32, b: u32, t: i32, salt: u64) -> u64 {
    let mut z = (u64::from(a) << 40 ^ u64::from(b) << 20 ^ t as u64 ^ salt << 60).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Weights +0.0 (half the pairs), -0.0, 0.5, -1.5, 2, rarely ±∞; lists as partners the
/// pairs whose weight is not +0.0 plus some that are (a superset), in
/// descending order with repeats (the contract allows any order).
struct SignedSparse(u32);

impl FirmChannel for SignedSparse {
    fn weight(&self, focal: u32, jv: u32, t: i32) -> f64 {
        match mix(focal, jv, t, 1) % 32 {
            0..=15 => 0.0,
            16..=19 => -0.0,
            20..=23 => 0.5,
            24..=27 => -1.5,
            28..=30 => 2.0,
            // Infinite weights make Row totals infinite or NaN (∞ − ∞): the
            // transform of a zero weight is then NaN, and every unit counts.
            _ => {
                if mix(focal, jv, t, 4) % 2 == 0 {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                }
            }
        }
    }

    fn partners(&self, focal: u32, t: i32) -> Option<Vec<u32>> {
        let listed = |g: &u32| self.weight(focal, *g, t).to_bits() != 0 || mix(focal, *g, t, 2) % 3 == 0;
        let mut v: Vec<u32> = (0..self.0).rev().filter(listed).collect();
        v.extend(v.clone().iter().take(2));
        Some(v)
    }
}

/// Weights -0.0 (most pairs), +0.0, -1, 1, without `partners` (dense).
struct SignedDense;

impl FirmChannel for SignedDense {
    fn weight(&self, focal: u32, jv: u32, t: i32) -> f64 {
        match mix(focal, jv, t, 3) % 8 {
            0..=4 => -0.0,
            5 => 0.0,
            6 => -1.0,
            _ => 1.0,
        }
    }
}

fn build_sparse<'a>(_: &'a Indexed, firms: &Firms<'a>) -> Result<Box<dyn FirmChannel + 'a>, ChannelError> {
    Ok(Box::new(SignedSparse(firms.len() as u32)))
}

fn build_dense<'a>(_: &'a Indexed, _: &Firms<'a>) -> Result<Box<dyn FirmChannel + 'a>, ChannelError> {
    Ok(Box::new(SignedDense))
}

fn register_test_channels() {
    register(ChannelDef { name: "signed_sparse", doc: "test: signed weights with partners", build: build_sparse });
    register(ChannelDef { name: "signed_dense", doc: "test: signed weights, no partners", build: build_dense });
}

// ---------------------------------------------------------------- random data

/// Quality values, with both zeros and negative values (they decide the sign of zero sums).
const SCORES: [f64; 6] = [0.0, -0.0, 1.0, -2.5, 0.25, 3.0];

/// A random small dataset: `nd` domestic and `nj` JV firms (groups and
/// provinces from small pools, so ties are common), two foreign parents,
/// 1–3 models each, scores on dimensions a, b in 2010–2013 (some missing),
/// suppliers on models and firms, worker moves between any firms in
/// 2006–2013, patents.
fn random_dataset(seed: u64, nd: usize, nj: usize) -> Indexed {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let groups = ["G0", "G1", "G2"];
    let provinces = [None, Some("P0"), Some("P1"), Some("P2")];
    let mut ds = Dataset::default();
    let mut names = Vec::new();
    for (prefix, kind, n) in [("D", FirmKind::Domestic, nd), ("J", FirmKind::Jv, nj), ("F", FirmKind::Foreign, 2)] {
        for i in 0..n {
            let id = format!("{prefix}{i}");
            let group = if kind == FirmKind::Domestic { groups[rng.random_range(0..3)] } else { id.as_str() };
            ds.firms.push(firm(&id, kind, group, provinces[rng.random_range(0..4)]));
            names.push((id, kind));
        }
    }
    let of_kind = |k: FirmKind| names.iter().filter(|n| n.1 == k).map(|n| n.0.clone()).collect::<Vec<_>>();
    let (dom, jvs, all) =
        (of_kind(FirmKind::Domestic), of_kind(FirmKind::Jv), names.iter().map(|n| n.0.clone()).collect::<Vec<_>>());
    let mut links = BTreeSet::new();
    for j in &jvs {
        for _ in 0..rng.random_range(0..3) {
            links.insert((j.clone(), dom[rng.random_range(0..nd)].clone(), format!("F{}", rng.random_range(0..2))));
        }
    }
    for (jv, d, f) in links {
        ds.jv_links.push(JvLink {
            jv_id: jv.into(),
            domestic_parent: d.into(),
            foreign_parent: f.into(),
            founded: 2000,
            dissolved: None,
            foreign_share: None,
        });
    }
    let mut models = Vec::new();
    for f in dom.iter().chain(&jvs) {
        for m in 0..rng.random_range(1..4) {
            let id = format!("{f}m{m}");
            ds.models.push(Model {
                model_id: id.as_str().into(),
                firm_id: f.as_str().into(),
                segment: "s".into(),
                first_year: 2010,
                last_year: 2013,
                price: None,
                size: None,
                power: None,
            });
            models.push(id);
        }
    }
    for m in &models {
        for year in 2010..2014 {
            for dim in ["a", "b"] {
                if rng.random_bool(0.6) {
                    let score = SCORES[rng.random_range(0..SCORES.len())];
                    ds.quality.push(QualityScore {
                        model_id: m.as_str().into(),
                        year,
                        dimension: dim.into(),
                        survey: None,
                        score,
                        halves: None,
                    });
                }
            }
        }
    }
    let mut sup = std::collections::BTreeMap::new(); // (supplier, target) → target: one link each
    for _ in 0..rng.random_range(0..3 * models.len()) {
        let s = format!("S{}", rng.random_range(0..6));
        let target = if rng.random_bool(0.7) {
            SupplierTarget::Model(models[rng.random_range(0..models.len())].as_str().into())
        } else {
            SupplierTarget::Firm(all[rng.random_range(0..nd + nj)].as_str().into())
        };
        sup.insert((s, format!("{target:?}")), target);
    }
    for ((s, _), target) in sup {
        ds.suppliers.push(SupplierLink { supplier_id: s.into(), target, component: "c".into(), year: None });
    }
    for _ in 0..rng.random_range(0..4 * all.len()) {
        let (a, b) = (&all[rng.random_range(0..all.len())], &all[rng.random_range(0..all.len())]);
        ds.worker_moves.push(worker_move(a, b, rng.random_range(2006..2014), rng.random_range(1..4)));
    }
    let mut patents = BTreeSet::new();
    for _ in 0..rng.random_range(0..2 * all.len()) {
        let (a, b) = (rng.random_range(0..all.len()), rng.random_range(0..all.len()));
        if a != b {
            patents.insert((a, b, rng.random_range(2008..2014), rng.random_bool(0.5)));
        }
    }
    for (a, b, year, transfer) in patents {
        ds.patents.push(PatentFlow {
            from_firm: all[a].as_str().into(),
            to_firm: all[b].as_str().into(),
            year,
            count: 1 + (a + b) as u64 % 3,
            kind: if transfer { PatentKind::Transfer } else { PatentKind::Licence },
        });
    }
    Indexed::new(ds).unwrap_or_else(|e| panic!("generated tables are invalid: {e}"))
}

// ---------------------------------------------------------------- comparison

/// Panics unless the two panels are equal bit for bit (floats by `to_bits`).
fn assert_bitwise(sparse: &ExposurePanel, dense: &ExposurePanel, what: &str) {
    let bits = |v: &[Vec<f64>]| v.iter().map(|c| c.iter().map(|x| x.to_bits()).collect()).collect::<Vec<Vec<u64>>>();
    assert_eq!((&sparse.unit, &sparse.dimension, &sparse.year), (&dense.unit, &dense.dimension, &dense.year), "{what}");
    assert_eq!(sparse.channels, dense.channels, "{what}");
    assert_eq!(sparse.diagnostics, dense.diagnostics, "{what}: diagnostics");
    let (s, d) = (bits(&sparse.values), bits(&dense.values));
    for (ci, c) in sparse.channels.iter().enumerate() {
        if let Some(r) = (0..s[ci].len()).find(|&r| s[ci][r] != d[ci][r]) {
            panic!(
                "{what}: channel {}, row {r} ({}, {}, {}): sparse {:?} vs dense {:?}",
                c.as_str(),
                sparse.unit[r],
                sparse.dimension[r],
                sparse.year[r],
                sparse.values[ci][r],
                dense.values[ci][r]
            );
        }
    }
    match (&sparse.pairs, &dense.pairs) {
        (None, None) => {}
        (Some(a), Some(b)) => {
            assert_eq!((&a.focal, &a.jv, &a.year), (&b.focal, &b.jv, &b.year), "{what}: pair keys");
            assert_eq!(bits(&a.values), bits(&b.values), "{what}: pair weights");
        }
        _ => panic!("{what}: one panel has pair weights, the other not"),
    }
}

/// Every channel: the built-in four, structural equivalence, and the registered ones.
fn every_channel() -> Vec<Channel> {
    Channel::all().into_iter().chain([Channel::StructuralEquivalence]).collect()
}

const WEIGHTS: [Weights; 4] = [Weights::Raw, Weights::Row, Weights::Log1p, Weights::Binary];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn sparse_exposure_equals_the_dense_reference_bitwise(
        seed in any::<u64>(),
        nd in 1usize..6,
        nj in 1usize..6,
        flow in prop::sample::select(vec![Flow::Pooled, Flow::Cumulative, Flow::Annual]),
        direction in prop::sample::select(vec![Direction::In, Direction::Out, Direction::Both]),
        lag in 0u32..3,
        pair_weights in any::<bool>(),
    ) {
        register_test_channels();
        let data = random_dataset(seed, nd, nj);
        for level in [Level::Firm, Level::Model] {
            for weights in WEIGHTS {
                let cfg = ExposureConfig {
                    level, channels: every_channel(), weights, flow, direction, lag, pair_weights,
                    ..ExposureConfig::default()
                };
                let what = format!("seed {seed}, {nd}×{nj}, {level:?}, {weights:?}, {flow:?}, {direction:?}, lag {lag}");
                assert_bitwise(&compute_exposure(&data, &cfg).unwrap(), &compute_exposure_dense(&data, &cfg).unwrap(), &what);
            }
        }
    }
}

/// The random data do reach the cases the sign logic is for: zero sums of
/// both signs and zero-total rows, and nonzero exposures.
#[test]
fn the_random_data_exercise_signed_zeros_and_zero_totals() {
    register_test_channels();
    let (mut neg_zero, mut pos_zero, mut nonzero, mut zero_rows) = (0, 0, 0, 0);
    for seed in 0..20 {
        let data = random_dataset(seed, 4, 4);
        let cfg = ExposureConfig { channels: every_channel(), ..ExposureConfig::default() };
        let p = compute_exposure(&data, &cfg).unwrap();
        for v in p.values.iter().flatten() {
            neg_zero += usize::from(v.to_bits() == (-0.0f64).to_bits());
            pos_zero += usize::from(v.to_bits() == 0);
            nonzero += usize::from(*v != 0.0);
        }
        zero_rows += p.diagnostics.zero_weight_rows.iter().sum::<usize>();
    }
    assert!(
        neg_zero > 0 && pos_zero > 0 && nonzero > 0 && zero_rows > 0,
        "{neg_zero} {pos_zero} {nonzero} {zero_rows}"
    );
}

#[test]
fn sparse_exposure_equals_the_dense_reference_on_the_shipped_data() {
    let data = shipped_dataset();
    for level in [Level::Firm, Level::Model] {
        for weights in WEIGHTS {
            let cfg =
                ExposureConfig { level, weights, pair_weights: level == Level::Firm, ..ExposureConfig::default() };
            let what = format!("shipped data, {level:?}, {weights:?}");
            assert_bitwise(
                &compute_exposure(&data, &cfg).unwrap(),
                &compute_exposure_dense(&data, &cfg).unwrap(),
                &what,
            );
        }
    }
}
