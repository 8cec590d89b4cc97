//! Integration tests: the knowledge-flow graph, its views and statistics,
//! and the DOT export (property tests against the tables, Graphviz parsing
//! of every view, escaping, determinism, a snapshot, and the CLI).

use std::collections::{BTreeSet, HashSet};
use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::common::indexed;
use proptest::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use spillnet::export::{DotOptions, to_dot};
use spillnet::graph::{
    Channel, GraphError, GraphStats, KnowledgeGraph, NodeKey, NodeKind, View, YearMode, build_graph, graph_stats,
};
use spillnet::ids::{FirmId, ModelId, SupplierId};
use spillnet::io::Indexed;
use spillnet::io::tables::{
    Dataset, Firm, FirmKind, JvLink, Model, Ownership, Production, SupplierLink, SupplierTarget, WorkerMove,
};

// ---------------------------------------------------------------- fixtures

/// The tricky name every export must survive.
const TRICKY: &str = r#"A "B" \ C"#;

fn firm(id: &str, name: &str, kind: FirmKind, group: &str, province: Option<&str>) -> Firm {
    let ownership = match kind {
        FirmKind::Foreign => Ownership::Foreign,
        _ if group == "geely" => Ownership::Private,
        _ => Ownership::Soe,
    };
    Firm {
        firm_id: id.into(),
        name: name.into(),
        kind,
        group_id: group.into(),
        province: province.map(Into::into),
        ownership,
    }
}

fn supply(s: &str, target: SupplierTarget, component: &str, year: Option<i32>) -> SupplierLink {
    SupplierLink { supplier_id: s.into(), target, component: component.into(), year }
}

fn moves(from: &str, to: &str, year: i32, count: u64) -> WorkerMove {
    WorkerMove { from_firm: from.into(), to_firm: to.into(), year, count, person_id: None }
}

fn on_model(m: &str) -> SupplierTarget {
    SupplierTarget::Model(ModelId::from(m))
}

/// A tiny network with hand-computed counts (see the tests below), and
/// names that need escaping.
fn tiny() -> Dataset {
    use FirmKind::{Domestic, Foreign, Jv};
    Dataset {
        firms: vec![
            firm("faw", "FAW Group", Domestic, "faw", Some("Jilin")),
            firm("faw_xiali", "FAW Xiali", Domestic, "faw", Some("Tianjin")),
            firm("geely", TRICKY, Domestic, "geely", Some("Zhejiang")),
            firm("vw", "Volkswagen", Foreign, "vw", None),
            firm("toyota", "Toyota 丰田", Foreign, "toyota", None),
            firm("faw_vw", "FAW-Volkswagen", Jv, "faw", Some("Jilin")),
            firm("faw_toyota", "FAW\nToyota {新} <b>", Jv, "faw", Some("Tianjin")),
        ],
        jv_links: vec![
            JvLink {
                jv_id: "faw_vw".into(),
                domestic_parent: "faw".into(),
                foreign_parent: "vw".into(),
                founded: 1991,
                dissolved: None,
                foreign_share: Some(0.4),
            },
            JvLink {
                jv_id: "faw_toyota".into(),
                domestic_parent: "faw".into(),
                foreign_parent: "toyota".into(),
                founded: 2002,
                dissolved: None,
                foreign_share: Some(0.5),
            },
            JvLink {
                jv_id: "faw_toyota".into(),
                domestic_parent: "faw_xiali".into(),
                foreign_parent: "toyota".into(),
                founded: 2002,
                dissolved: None,
                foreign_share: Some(0.5),
            },
        ],
        models: vec![
            Model {
                model_id: "m_jetta".into(),
                firm_id: "faw_vw".into(),
                segment: "compact_sedan".into(),
                first_year: 1991,
                last_year: 2014,
                price: None,
                size: None,
                power: None,
            },
            Model {
                model_id: "m_corolla".into(),
                firm_id: "faw_toyota".into(),
                segment: "compact_sedan".into(),
                first_year: 2004,
                last_year: 2014,
                price: None,
                size: None,
                power: None,
            },
            Model {
                model_id: "m_xiali".into(),
                firm_id: "faw_xiali".into(),
                segment: "mini_sedan".into(),
                first_year: 2000,
                last_year: 2012,
                price: None,
                size: None,
                power: None,
            },
            Model {
                model_id: "m_geely".into(),
                firm_id: "geely".into(),
                segment: "small_sedan".into(),
                first_year: 2005,
                last_year: 2014,
                price: None,
                size: None,
                power: None,
            },
        ],
        quality: vec![],
        suppliers: vec![
            supply("bosch", on_model("m_jetta"), "brakes", None),
            supply("bosch", on_model("m_jetta"), "abs", None),
            supply("bosch", on_model("m_geely"), "brakes", Some(2010)),
            supply("bosch", on_model("m_geely"), "brakes", Some(2011)),
            supply("denso", on_model("m_corolla"), "ecu", None),
            supply("denso", SupplierTarget::Firm(FirmId::from("faw_xiali")), "ecu", None),
            supply("valeo", on_model("m_geely"), "lights", None),
        ],
        worker_moves: vec![
            moves("faw_vw", "geely", 2008, 2),
            moves("faw_vw", "geely", 2008, 1),
            moves("faw_vw", "geely", 2010, 1),
            moves("faw_toyota", "faw_xiali", 2012, 4),
            moves("geely", "faw", 2013, 1),
        ],
        production: Some(vec![
            Production { firm_id: "faw_vw".into(), year: 2013, units: 1_500_000.0 },
            Production { firm_id: "faw_vw".into(), year: 2014, units: 1_668_000.0 },
            Production { firm_id: "faw_toyota".into(), year: 2014, units: 568_000.0 },
            Production { firm_id: "geely".into(), year: 2014, units: 400_000.0 },
        ]),
        ..Default::default()
    }
}

fn kind_count(s: &GraphStats, k: NodeKind) -> usize {
    s.nodes_by_kind[&k]
}

fn channel_count(s: &GraphStats, c: Channel) -> usize {
    s.edges_by_channel[&c]
}

fn firm_key(id: &str) -> NodeKey {
    NodeKey::Firm(id.into())
}

/// Every view the CLI offers, with and without extra restrictions.
fn all_views() -> Vec<View> {
    all_views_with("faw", "geely")
}

/// Every view, with ego networks of groups `g1` and `g2`.
fn all_views_with(g1: &str, g2: &str) -> Vec<View> {
    let mut v = vec![
        View::whole(),
        View::year(2003, YearMode::Active),
        View::year(2010, YearMode::Cumulative),
        View::year(1980, YearMode::Active),
        View::firms_only(),
        View::firms_only().with_year(2014, YearMode::Cumulative),
        View::firms_only().with_channel(Channel::SharedSupplier),
        View::ego(g1, 1),
        View::ego(g2, 2),
        View::ego(g1, 0).with_firms_only(),
        View::ego(g1, 1).with_firms_only().with_channel_min_weight(Channel::WorkerFlow, 2.0),
        View::whole().with_min_weight(2.0),
        View::whole().with_min_weight(100.0),
    ];
    for c in Channel::ALL {
        v.push(View::channel(c));
    }
    v
}

// ---------------------------------------------------------------- whole graph, hand-computed

#[test]
fn whole_graph_counts_match_hand_computation() {
    let g = build_graph(&indexed(&tiny())).unwrap();
    let s = graph_stats(&g);
    assert_eq!((s.nodes, s.edges), (17, 24));
    assert_eq!(kind_count(&s, NodeKind::ForeignParent), 2);
    assert_eq!(kind_count(&s, NodeKind::Jv), 2);
    assert_eq!(kind_count(&s, NodeKind::DomesticFirm), 3);
    assert_eq!(kind_count(&s, NodeKind::Model), 4);
    assert_eq!(kind_count(&s, NodeKind::Supplier), 3);
    assert_eq!(kind_count(&s, NodeKind::Province), 3);
    assert_eq!(channel_count(&s, Channel::Owns), 5);
    assert_eq!(channel_count(&s, Channel::Produces), 4);
    assert_eq!(channel_count(&s, Channel::Supplies), 6);
    assert_eq!(channel_count(&s, Channel::WorkerFlow), 4);
    assert_eq!(channel_count(&s, Channel::LocatedIn), 5);
    assert_eq!(channel_count(&s, Channel::SharedSupplier), 0);
    assert_eq!(s.weight_by_channel[&Channel::WorkerFlow], 9.0);
    assert_eq!(s.weight_by_channel[&Channel::Supplies], 7.0);
    assert_eq!(s.worker_flows.total, 9.0);
    let top_out: Vec<(&str, f64)> = s.worker_flows.top_out.iter().map(|r| (r.id.as_str(), r.value)).collect();
    assert_eq!(top_out, vec![("firm:faw_toyota", 4.0), ("firm:faw_vw", 4.0), ("firm:geely", 1.0)]);
    let top_in: Vec<(&str, f64)> = s.worker_flows.top_in.iter().map(|r| (r.id.as_str(), r.value)).collect();
    assert_eq!(top_in, vec![("firm:faw_xiali", 4.0), ("firm:geely", 4.0), ("firm:faw", 1.0)]);
    assert_eq!((s.components, s.component_sizes.clone()), (1, vec![17]));
    assert!((s.degree.mean - 48.0 / 17.0).abs() < 1e-12);
    // faw: owns ×2, located_in, worker inflow from geely → 4; faw_vw: owns in ×2, produces, located_in, 2 flows → 6.
    // faw_toyota: owns in ×3, produces, located_in, one outflow → 6 as well; ties go by id.
    assert_eq!(s.degree.max, 6);
    let top: Vec<(&str, f64)> = s.degree.top.iter().take(2).map(|r| (r.id.as_str(), r.value)).collect();
    assert_eq!(top, vec![("firm:faw_toyota", 6.0), ("firm:faw_vw", 6.0)]);
    assert_eq!(s.degree.isolated, 0);
}

#[test]
fn edge_attributes_follow_the_tables() {
    let g = build_graph(&indexed(&tiny())).unwrap();
    let faw = g.find(&firm_key("faw")).unwrap();
    let owns: Vec<_> = g.out_edges(faw).filter(|e| e.data.channel == Channel::Owns).collect();
    assert_eq!(owns.len(), 2);
    for e in owns {
        let jv = g.node(e.target).key.id().to_owned();
        let expected = if jv == "faw_vw" { Some(0.6) } else { None }; // two domestic parents → no domestic share
        assert_eq!(e.data.share.map(|s| (s * 1e9).round() / 1e9), expected, "{jv}");
        assert_eq!(e.data.span.from, Some(if jv == "faw_vw" { 1991 } else { 2002 }));
        assert_eq!(e.data.span.to, None);
    }
    let vw = g.find_firm(&FirmId::from("vw")).unwrap();
    assert_eq!(Some(vw), g.find(&firm_key("vw")));
    assert_eq!(g.find_firm(&FirmId::from("nobody")), None);
    assert_eq!(g.out_edges(vw).next().unwrap().data.share, Some(0.4));
    let bosch = g.find(&NodeKey::Supplier(SupplierId::from("bosch"))).unwrap();
    let mut comps: Vec<Vec<String>> = g.out_edges(bosch).map(|e| e.data.components.clone()).collect();
    comps.sort();
    assert_eq!(
        comps,
        vec![vec!["abs".to_owned(), "brakes".into()], vec!["brakes".to_owned()], vec!["brakes".to_owned()]]
    );
    assert_eq!(g.node(g.find(&firm_key("faw_vw")).unwrap()).latest_units(), Some(1_668_000.0));
    assert_eq!(g.node(g.find(&firm_key("faw_toyota")).unwrap()).span.from, Some(2002));
    assert_eq!(g.node(g.find(&NodeKey::Model("m_xiali".into())).unwrap()).group.as_ref().unwrap().as_str(), "faw");
}

// ---------------------------------------------------------------- views, hand-computed

#[test]
fn year_slices() {
    let g = build_graph(&indexed(&tiny())).unwrap();
    let active = g.view(&View::year(2003, YearMode::Active)).unwrap();
    let s = graph_stats(&active);
    assert_eq!((s.nodes, s.edges), (14, 14));
    assert_eq!(kind_count(&s, NodeKind::Model), 2); // jetta, xiali
    assert_eq!(kind_count(&s, NodeKind::Supplier), 2); // valeo only supplied a model not yet on sale
    assert_eq!(channel_count(&s, Channel::Supplies), 2);
    assert_eq!(channel_count(&s, Channel::WorkerFlow), 0);
    assert_eq!(s.description, "active in 2003");

    let cum = graph_stats(&g.view(&View::year(2010, YearMode::Cumulative)).unwrap());
    assert_eq!((cum.nodes, cum.edges), (17, 21));
    assert_eq!(channel_count(&cum, Channel::Supplies), 5);
    assert_eq!(channel_count(&cum, Channel::WorkerFlow), 2);
    assert_eq!(cum.weight_by_channel[&Channel::WorkerFlow], 4.0);

    let early = graph_stats(&g.view(&View::year(1995, YearMode::Active)).unwrap());
    assert_eq!(kind_count(&early, NodeKind::Jv), 1, "faw_toyota was founded in 2002");

    // Production is cut at the slice year, so node sizes show the units up to t.
    let y2013 = g.view(&View::year(2013, YearMode::Active)).unwrap();
    let fv = y2013.node(y2013.find(&firm_key("faw_vw")).unwrap());
    assert_eq!(fv.latest_units(), Some(1_500_000.0));
}

#[test]
fn firms_only_collapses_models_and_suppliers() {
    let g = build_graph(&indexed(&tiny())).unwrap();
    let f = g.view(&View::firms_only()).unwrap();
    let s = graph_stats(&f);
    assert_eq!((s.nodes, s.edges), (7, 11));
    assert_eq!(channel_count(&s, Channel::Owns), 5);
    assert_eq!(channel_count(&s, Channel::WorkerFlow), 4);
    assert_eq!(channel_count(&s, Channel::SharedSupplier), 2);
    let shared: BTreeSet<(String, String, u64)> = f
        .edges()
        .filter(|e| e.data.channel == Channel::SharedSupplier)
        .map(|e| (f.node(e.source).key.qualified(), f.node(e.target).key.qualified(), e.data.weight as u64))
        .collect();
    let expected: BTreeSet<(String, String, u64)> = [
        ("firm:faw_toyota".to_owned(), "firm:faw_xiali".to_owned(), 1), // denso: corolla + firm-level link
        ("firm:faw_vw".to_owned(), "firm:geely".to_owned(), 1),         // bosch: jetta + geely
    ]
    .into_iter()
    .collect();
    assert_eq!(shared, expected);

    // Add a second shared supplier between faw_vw and geely: weight 2.
    let mut d = tiny();
    d.suppliers.push(supply("valeo", on_model("m_jetta"), "lights", None));
    let f = build_graph(&indexed(&d)).unwrap().view(&View::firms_only()).unwrap();
    let w: Vec<f64> = f
        .edges()
        .filter(|e| e.data.channel == Channel::SharedSupplier && f.node(e.source).key.id() == "faw_vw")
        .map(|e| e.data.weight)
        .collect();
    assert_eq!(w, vec![2.0]);
}

#[test]
fn ego_channel_and_min_weight_views() {
    let g = build_graph(&indexed(&tiny())).unwrap();
    let ego = graph_stats(&g.view(&View::ego("faw", 1)).unwrap());
    assert_eq!((ego.nodes, ego.edges), (13, 18));
    assert_eq!(channel_count(&ego, Channel::WorkerFlow), 4);
    assert_eq!(channel_count(&ego, Channel::Supplies), 2);
    assert_eq!(kind_count(&ego, NodeKind::Supplier), 1); // denso only
    let ego0 = graph_stats(&g.view(&View::ego("faw", 0)).unwrap());
    assert_eq!((ego0.nodes, ego0.edges), (4, 4)); // faw's firms; owns ×3 among them + faw_toyota → faw_xiali flow

    let owns = graph_stats(&g.view(&View::channel(Channel::Owns)).unwrap());
    assert_eq!((owns.nodes, owns.edges), (6, 5));

    // Weighted edges whose pooled weight is below 2 go: the 2013 geely → faw flow (1), denso's two
    // links and valeo's; bosch → m_geely (1 in 2010 + 1 in 2011) and faw_vw → geely (3 + 1) stay
    // with their yearly edges. denso and valeo are left without edges; owns/produces/located_in stay.
    let heavy = g.view(&View::whole().with_min_weight(2.0)).unwrap();
    let hs = graph_stats(&heavy);
    assert_eq!((hs.nodes, hs.edges), (15, 20));
    assert_eq!(channel_count(&hs, Channel::Owns), 5);
    assert_eq!(channel_count(&hs, Channel::Supplies), 3);
    assert_eq!(channel_count(&hs, Channel::WorkerFlow), 3);
    assert!(heavy.find(&NodeKey::Supplier("denso".into())).is_none());
    let heavier = graph_stats(&g.view(&View::whole().with_min_weight(4.0)).unwrap());
    assert_eq!(channel_count(&heavier, Channel::WorkerFlow), 3, "faw_vw → geely pools to 4");
    assert_eq!(channel_count(&heavier, Channel::Supplies), 0);
    // A per-channel threshold leaves the other channels alone.
    let flows4 = graph_stats(&g.view(&View::whole().with_channel_min_weight(Channel::WorkerFlow, 4.0)).unwrap());
    assert_eq!(channel_count(&flows4, Channel::WorkerFlow), 3);
    assert_eq!(channel_count(&flows4, Channel::Supplies), 6);
    assert_eq!(flows4.description, "min worker_flow weight 4");

    match g.view(&View::ego("nobody", 1)) {
        Err(GraphError::UnknownGroup { group, known }) => {
            assert_eq!(group, "nobody");
            assert_eq!(known, vec!["faw", "geely", "toyota", "vw"]);
        }
        other => panic!("expected UnknownGroup, got {other:?}"),
    }
}

#[test]
fn dangling_references_are_clear_errors_before_any_graph_is_built() {
    let mut d = tiny();
    d.worker_moves.push(moves("faw", "ghost", 2010, 1));
    let e = Indexed::new(d).unwrap_err();
    assert_eq!(e.to_string(), "worker_moves: row 6, column `to_firm`: `ghost` not found (no such firm_id in firms)");
    let mut d = tiny();
    d.suppliers[2].target = on_model("m_ghost");
    let e = Indexed::new(d).unwrap_err();
    assert_eq!(e.to_string(), "suppliers: row 3, column `model_id`: `m_ghost` not found (no such model_id in models)");
    let mut d = tiny();
    d.firms.push(d.firms[0].clone());
    let e = Indexed::new(d).unwrap_err();
    assert_eq!(e.to_string(), "firms: row 8: duplicate key (firm_id) = (faw), first seen in row 1");
}

// ---------------------------------------------------------------- property test: counts match the tables

/// A random, valid small dataset (firm kinds respected in jv_links).
fn random_dataset(seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n_dom = rng.random_range(1..6);
    let n_for = rng.random_range(1..5);
    let n_jv = rng.random_range(0..6);
    let provinces = ["Jilin", "Shanghai", "Hubei", "Guangdong"];
    let mut firms = Vec::new();
    let mut add = |prefix: &str, n: usize, kind: FirmKind, rng: &mut ChaCha8Rng| {
        for i in 0..n {
            let id = format!("{prefix}{i}");
            let group = format!("g{}", rng.random_range(0..4));
            let prov = rng.random_bool(0.7).then(|| provinces[rng.random_range(0..provinces.len())]);
            firms.push(firm(&id, &format!("{prefix} \"{i}\""), kind, &group, prov));
        }
    };
    add("d", n_dom, FirmKind::Domestic, &mut rng);
    add("f", n_for, FirmKind::Foreign, &mut rng);
    add("j", n_jv, FirmKind::Jv, &mut rng);
    let mut jv_keys = BTreeSet::new();
    let mut jv_links = Vec::new();
    for j in 0..n_jv {
        for _ in 0..rng.random_range(1..4) {
            let (d, f) = (rng.random_range(0..n_dom), rng.random_range(0..n_for));
            if !jv_keys.insert((j, d, f)) {
                continue;
            }
            let founded = rng.random_range(1985..2012);
            jv_links.push(JvLink {
                jv_id: format!("j{j}").into(),
                domestic_parent: format!("d{d}").into(),
                foreign_parent: format!("f{f}").into(),
                founded,
                dissolved: rng.random_bool(0.2).then(|| founded + rng.random_range(0..5)),
                foreign_share: rng.random_bool(0.8).then_some(0.5),
            });
        }
    }
    let producers: Vec<String> =
        firms.iter().filter(|f| f.kind != FirmKind::Foreign).map(|f| f.firm_id.0.clone()).collect();
    let models: Vec<Model> = (0..rng.random_range(0..10))
        .map(|i| {
            let first = rng.random_range(1995..2014);
            Model {
                model_id: format!("m{i}").into(),
                firm_id: producers[rng.random_range(0..producers.len())].as_str().into(),
                segment: "compact_sedan".into(),
                first_year: first,
                last_year: first + rng.random_range(0..5),
                price: None,
                size: None,
                power: None,
            }
        })
        .collect();
    let mut sup_keys = HashSet::new();
    let mut suppliers = Vec::new();
    for _ in 0..rng.random_range(0..25) {
        let s = format!("s{}", rng.random_range(0..6));
        let target = if !models.is_empty() && rng.random_bool(0.8) {
            on_model(models[rng.random_range(0..models.len())].model_id.as_str())
        } else {
            SupplierTarget::Firm(producers[rng.random_range(0..producers.len())].as_str().into())
        };
        let comp = ["brakes", "abs", "ecu"][rng.random_range(0..3)];
        let year = rng.random_bool(0.5).then(|| rng.random_range(2005..2010));
        if sup_keys.insert((s.clone(), target.clone(), comp, year)) {
            suppliers.push(supply(&s, target, comp, year));
        }
    }
    let all: Vec<String> = firms.iter().map(|f| f.firm_id.0.clone()).collect();
    let worker_moves = (0..rng.random_range(0..20))
        .map(|_| {
            let a = &all[rng.random_range(0..all.len())];
            let b = &all[rng.random_range(0..all.len())];
            moves(a, b, rng.random_range(2005..2009), rng.random_range(1..4))
        })
        .collect();
    Dataset {
        firms,
        jv_links,
        models,
        quality: vec![],
        suppliers,
        worker_moves,
        production: None,
        ..Default::default()
    }
}

/// Counts computed straight from the tables, independently of the graph code.
/// Expected node counts by kind, edge counts by channel, and total workers.
type Expected = (Vec<(NodeKind, usize)>, Vec<(Channel, usize)>, f64);

fn expected_counts(d: &Dataset) -> Expected {
    let count_kind = |k: FirmKind| d.firms.iter().filter(|f| f.kind == k).count();
    let suppliers: BTreeSet<&str> = d.suppliers.iter().map(|s| s.supplier_id.as_str()).collect();
    let provinces: BTreeSet<&str> = d.firms.iter().filter_map(|f| f.province.as_deref()).collect();
    let owns: BTreeSet<(&str, &str)> = d
        .jv_links
        .iter()
        .flat_map(|l| [(l.domestic_parent.as_str(), l.jv_id.as_str()), (l.foreign_parent.as_str(), l.jv_id.as_str())])
        .collect();
    let supplies: HashSet<(&str, &SupplierTarget, Option<i32>)> =
        d.suppliers.iter().map(|s| (s.supplier_id.as_str(), &s.target, s.year)).collect();
    let flows: BTreeSet<(&str, &str, i32)> =
        d.worker_moves.iter().map(|w| (w.from_firm.as_str(), w.to_firm.as_str(), w.year)).collect();
    let nodes = vec![
        (NodeKind::ForeignParent, count_kind(FirmKind::Foreign)),
        (NodeKind::Jv, count_kind(FirmKind::Jv)),
        (NodeKind::DomesticFirm, count_kind(FirmKind::Domestic)),
        (NodeKind::Model, d.models.len()),
        (NodeKind::Supplier, suppliers.len()),
        (NodeKind::Province, provinces.len()),
    ];
    let edges = vec![
        (Channel::Owns, owns.len()),
        (Channel::Produces, d.models.len()),
        (Channel::Supplies, supplies.len()),
        (Channel::WorkerFlow, flows.len()),
        (Channel::LocatedIn, d.firms.iter().filter(|f| f.province.is_some()).count()),
        (Channel::SharedSupplier, 0),
    ];
    let workers = d.worker_moves.iter().map(|w| w.count as f64).sum();
    (nodes, edges, workers)
}

fn shuffled(d: &Dataset, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut d = d.clone();
    d.firms.shuffle(&mut rng);
    d.jv_links.shuffle(&mut rng);
    d.models.shuffle(&mut rng);
    d.suppliers.shuffle(&mut rng);
    d.worker_moves.shuffle(&mut rng);
    if let Some(p) = &mut d.production {
        p.shuffle(&mut rng);
    }
    d
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn graph_counts_match_the_tables(seed in any::<u64>()) {
        let d = random_dataset(seed);
        let g = build_graph(&indexed(&d)).unwrap();
        let s = graph_stats(&g);
        let (nodes, edges, workers) = expected_counts(&d);
        for (k, n) in nodes {
            prop_assert_eq!(s.nodes_by_kind[&k], n, "{}", k);
        }
        for (c, n) in edges {
            prop_assert_eq!(s.edges_by_channel[&c], n, "{}", c);
        }
        prop_assert_eq!(s.worker_flows.total, workers);
        prop_assert_eq!(s.weight_by_channel[&Channel::Supplies], d.suppliers.len() as f64);
        prop_assert_eq!(s.component_sizes.iter().sum::<usize>(), s.nodes);
        // Every view is a subgraph of the whole (firms-only adds only shared_supplier edges).
        for v in all_views().into_iter().filter(|v| v.ego.is_none()) {
            let sub = graph_stats(&g.view(&v).unwrap());
            prop_assert!(sub.nodes <= s.nodes);
            for c in Channel::ALL.into_iter().filter(|c| *c != Channel::SharedSupplier) {
                prop_assert!(sub.edges_by_channel[&c] <= s.edges_by_channel[&c]);
            }
        }
    }

    #[test]
    fn export_does_not_depend_on_row_order(seed in any::<u64>(), shuffle in any::<u64>()) {
        let d = random_dataset(seed);
        let a = build_graph(&indexed(&d)).unwrap();
        let b = build_graph(&indexed(&shuffled(&d, shuffle))).unwrap();
        for v in [View::whole(), View::firms_only(), View::year(2007, YearMode::Cumulative)] {
            let opts = DotOptions { clusters: true, ..DotOptions::default() };
            prop_assert_eq!(to_dot(&a.view(&v).unwrap(), &opts), to_dot(&b.view(&v).unwrap(), &opts));
            prop_assert_eq!(graph_stats(&a.view(&v).unwrap()), graph_stats(&b.view(&v).unwrap()));
        }
    }
}

// ---------------------------------------------------------------- DOT

/// Run `dot -Tsvg` on `text`; `None` when Graphviz is not installed.
fn dot_svg(text: &str) -> Option<Result<String, String>> {
    spillnet::export::render::find_on_path("dot")?;
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start dot");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    Some(if out.status.success() && !stderr.contains("Error") && !stderr.contains("syntax error") {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(stderr)
    })
}

fn views_dot(g: &KnowledgeGraph, views: Vec<View>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for v in views {
        let sub = g.view(&v).unwrap();
        for clusters in [false, true] {
            let opts = DotOptions { clusters, ..DotOptions::default() };
            out.push((format!("{v} (clusters {clusters})"), to_dot(&sub, &opts)));
        }
    }
    out
}

#[test]
fn dot_of_every_view_parses() {
    let g = build_graph(&indexed(&tiny())).unwrap();
    let mut dots = views_dot(&g, all_views());
    // The io fixture folder too, with ego networks of its first two groups.
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny");
    let d = spillnet::io::load::load_dataset(&fixture).unwrap();
    let groups: BTreeSet<&str> = d.firms.iter().map(|f| f.group_id.as_str()).collect();
    let groups: Vec<&str> = groups.into_iter().collect();
    let views = all_views_with(groups[0], groups[groups.len() - 1]);
    dots.extend(
        views_dot(&build_graph(&indexed(&d)).unwrap(), views).into_iter().map(|(n, t)| (format!("fixture: {n}"), t)),
    );
    assert!(dots.len() >= 60, "{} DOT texts", dots.len());
    for (name, text) in &dots {
        assert!(graphviz_rust::parse(text).is_ok(), "graphviz-rust cannot parse the DOT of {name}:\n{text}");
    }
    if spillnet::export::render::find_on_path("dot").is_none() {
        println!("SKIPPED `dot -Tsvg` checks: graphviz `dot` is not on PATH (apt-get install graphviz)");
        return;
    }
    for (name, text) in &dots {
        match dot_svg(text).unwrap() {
            Ok(svg) => assert!(svg.contains("<svg"), "{name}"),
            Err(e) => panic!("dot -Tsvg rejects the DOT of {name}: {e}\n{text}"),
        }
    }
}

#[test]
fn tricky_names_are_escaped() {
    let g = build_graph(&indexed(&tiny())).unwrap();
    let text = to_dot(&g, &DotOptions { clusters: true, ..DotOptions::default() });
    assert!(text.contains(r#"label="A \"B\" \\ C\n400.0k""#), "{text}");
    assert!(text.contains(r#"label="FAW\nToyota {新} <b>\n568.0k""#), "{text}");
    assert!(text.contains(r#""firm:geely"[label="#), "{text}");
    // A group name with quotes, backslashes and a newline still gives a valid cluster.
    let mut d = tiny();
    d.firms[2].group_id = "gee\"ly\\\n{x}".into();
    d.firms[0].name = "line1\nline2\\".into();
    let text = to_dot(&build_graph(&indexed(&d)).unwrap(), &DotOptions { clusters: true, ..DotOptions::default() });
    assert!(graphviz_rust::parse(&text).is_ok(), "{text}");
    assert!(text.contains(r#"subgraph "cluster_gee\"ly\\\n{x}""#), "{text}");
    if let Some(svg) = dot_svg(&text) {
        let svg = svg.unwrap_or_else(|e| panic!("dot rejects escaped names: {e}\n{text}"));
        assert!(svg.contains("A &quot;B&quot; \\ C"), "the tricky name survives into the SVG");
        assert!(svg.contains("丰田"));
    } else {
        println!("SKIPPED `dot -Tsvg` escaping check: graphviz `dot` is not on PATH");
    }
}

#[test]
fn dot_is_deterministic_and_sorted() {
    let d = tiny();
    let a = to_dot(&build_graph(&indexed(&d)).unwrap(), &DotOptions::default());
    for seed in 0..5 {
        let b = to_dot(&build_graph(&indexed(&shuffled(&d, seed))).unwrap(), &DotOptions::default());
        assert_eq!(a, b, "row order changed the DOT (seed {seed})");
    }
    // Node statements appear in key order: firms, then models, suppliers, provinces.
    let pos = |s: &str| a.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(pos("\"firm:faw\"[") < pos("\"firm:vw\"["));
    assert!(pos("\"firm:vw\"[") < pos("\"model:m_corolla\"["));
    assert!(pos("\"model:m_xiali\"[") < pos("\"supplier:bosch\"["));
    assert!(pos("\"supplier:valeo\"[") < pos("\"province:Jilin\"["));
}

#[test]
fn dot_styles_and_merging() {
    let g = build_graph(&indexed(&tiny())).unwrap();
    let merged = to_dot(&g, &DotOptions::default());
    let split = to_dot(&g, &DotOptions { merge_parallel: false, ..DotOptions::default() });
    let flows = |t: &str| t.matches(r#"class="worker_flow""#).count();
    assert_eq!(flows(&split), 4);
    assert_eq!(flows(&merged), 3, "the two yearly faw_vw → geely flows are drawn as one");
    assert!(merged.contains(r##"style="dashed" color="#e6550d" penwidth="2.39" label="4""##), "{merged}");
    assert!(merged.contains(r#"class="owns" style="solid""#));
    assert!(merged.contains(r#"label="60%""#), "domestic share of FAW in FAW-VW");
    assert!(merged.contains(r#"class="supplies" style="dotted""#));
    assert!(merged.contains("cluster_legend"));
    assert!(!to_dot(&g, &DotOptions { legend: false, ..DotOptions::default() }).contains("cluster_legend"));
    let firms = to_dot(&g.view(&View::firms_only()).unwrap(), &DotOptions::default());
    assert!(firms.contains(r#"class="shared_supplier""#) && firms.contains(r#"dir="none""#));
}

#[test]
fn tiny_dot_snapshot() {
    let mut d = tiny();
    d.suppliers.clear();
    d.models.truncate(2);
    let g = build_graph(&indexed(&d)).unwrap().view(&View::year(2014, YearMode::Cumulative)).unwrap();
    insta::assert_snapshot!(
        "tiny_cumulative_2014_clusters",
        to_dot(&g, &DotOptions { clusters: true, ..DotOptions::default() })
    );
}

// ---------------------------------------------------------------- CLI

fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    spillnet::io::write::write_dataset(dir.path(), &tiny(), spillnet::io::write::TableFormat::Csv).unwrap();
    dir
}

fn spillnet() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("spillnet").unwrap()
}

#[test]
fn cli_graph_stats() {
    let dir = data_dir();
    let out = spillnet().args(["graph", "stats", "--data"]).arg(dir.path()).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("view: whole graph"), "{text}");
    assert!(text.contains("nodes: 17"), "{text}");
    assert!(text.contains("edges: 24"), "{text}");
    assert!(text.contains("worker flows: 9 workers"), "{text}");
    assert!(text.contains("weakly connected components: 1 (sizes: 17)"), "{text}");

    let out = spillnet()
        .args(["graph", "stats", "--format", "json", "--view", "firms", "--data"])
        .arg(dir.path())
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["nodes"], 7);
    assert_eq!(v["edges_by_channel"]["shared_supplier"], 2);
    assert_eq!(v["description"], "firms only");

    let stats = |format: &str| {
        let out = spillnet().args(["graph", "stats", "--format", format, "--data"]).arg(dir.path()).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let csv = stats("csv");
    assert!(csv.starts_with("kind,nodes\n"), "{csv}");
    assert!(csv.contains("\n\nchannel,count,weight\n"), "{csv}");
    assert!(csv.contains("\n\ngroup,value,label,id,kind\ntop by degree,"), "{csv}");
    let md = stats("md");
    assert!(md.starts_with("view: whole graph\n\n**nodes: 17**\n\n| kind | nodes |\n|:---|---:|\n"), "{md}");
    assert!(md.contains("| channel | count | weight |\n|:---|---:|---:|\n"), "{md}");
    let tex = stats("latex");
    assert!(tex.contains("\\caption{edges: 24}\n\\begin{tabular}{lrr}\n"), "{tex}");

    spillnet()
        .args(["graph", "stats", "--view", "year", "--data"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--view year needs --year"));
    spillnet()
        .args(["graph", "stats", "--view", "ego", "--group", "nobody", "--data"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicates::str::contains("no firm belongs to group `nobody`"));
}

#[test]
fn cli_graph_dot_writes_and_renders() {
    let dir = data_dir();
    let out = dir.path().join("graphs/owns.dot");
    spillnet()
        .args(["graph", "dot", "--view", "channel", "--channel", "owns", "--clusters", "--data"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicates::str::contains("wrote"));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("digraph \"spillnet\" {"));
    assert_eq!(text.matches(r#"class="owns""#).count(), 5);
    // Standard output carries the same bytes when --out is omitted.
    let stdout = spillnet()
        .args(["graph", "dot", "--view", "channel", "--channel", "owns", "--clusters", "--data"])
        .arg(dir.path())
        .assert()
        .success();
    assert_eq!(String::from_utf8(stdout.get_output().stdout.clone()).unwrap(), text);

    // Without Graphviz on PATH: a clear error, and the DOT file is still written.
    let bare = dir.path().join("bare.dot");
    spillnet()
        .env("PATH", dir.path())
        .args(["graph", "dot", "--render", "svg", "--data"])
        .arg(dir.path())
        .arg("--out")
        .arg(&bare)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("graphviz `dot` not found on PATH"))
        .stderr(predicates::str::contains("the DOT file was written to"));
    assert!(bare.exists());

    if spillnet::export::render::find_on_path("dot").is_none() {
        println!("SKIPPED --render check: graphviz `dot` is not on PATH");
        return;
    }
    spillnet()
        .args(["graph", "dot", "--view", "firms", "--render", "svg", "--data"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicates::str::contains("rendered"));
    let svg = std::fs::read_to_string(dir.path().join("graphs/owns.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("A &quot;B&quot; \\ C"));
}

#[test]
fn fixture_folder_counts_match_its_tables() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny");
    let d = spillnet::io::load::load_dataset(&dir).unwrap();
    let (nodes, edges, workers) = expected_counts(&d);
    let out = spillnet().args(["graph", "stats", "--format", "json", "--data"]).arg(&dir).assert().success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    for (k, n) in nodes {
        assert_eq!(v["nodes_by_kind"][k.as_str()], n, "{k}");
    }
    for (c, n) in edges {
        assert_eq!(v["edges_by_channel"][c.as_str()], n, "{c}");
    }
    assert_eq!(v["worker_flows"]["total"], workers);
    assert!(v["nodes"].as_u64().unwrap() > 10, "the fixture is not trivial");
}

#[test]
fn big_diagrams_use_straight_edges() {
    let g = build_graph(&indexed(&tiny())).unwrap();
    assert!(to_dot(&g, &DotOptions::default()).contains(r#"splines="true""#));
    let mut d = Dataset::default();
    for i in 0..50 {
        d.firms.push(firm(&format!("f{i:02}"), &format!("F{i}"), FirmKind::Domestic, "g", None));
    }
    for a in 0..50 {
        for b in 0..50 {
            if a != b {
                d.worker_moves.push(moves(&format!("f{a:02}"), &format!("f{b:02}"), 2010, 1));
            }
        }
    }
    let g = build_graph(&indexed(&d)).unwrap();
    assert_eq!(g.edge_count(), 2450);
    let text = to_dot(&g, &DotOptions::default());
    assert!(text.contains(r#"splines="false""#));
    // 50 nodes with 49 edges each: `dot` would take minutes (see DOT_COST_LIMIT); the automatic layout is sfdp.
    assert_eq!(spillnet::export::Layout::Auto.engine(g.node_count(), g.edge_count()), "sfdp");
}
