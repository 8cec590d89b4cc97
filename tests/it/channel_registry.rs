//! Adding a channel is one file: this file defines a channel (workers who
//! moved from the JV firm to the domestic firm in the same year), registers
//! it, and checks that the graph statistics, the exposure table and the
//! study's pair panel all carry it — with values recomputed here from the
//! worker-moves table, not taken from the code under test.
//!
//! Registration is per process; nextest runs every test in its own process,
//! so the channel registered here is seen by no other test.

use std::collections::{BTreeMap, BTreeSet};

use clap::Parser as _;

use spillnet::channels::{ChannelDef, ChannelError, FirmChannel, Firms, register};
use spillnet::exposure::measure::{Channel as ExposureChannel, ExposureConfig, Flow, compute_exposure};
use spillnet::exposure::pairs::{PairOptions, build_pairs};
use spillnet::graph::{Channel as GraphChannel, build_graph, graph_stats};
use spillnet::io::Indexed;
use spillnet::io::tables::FirmKind;

use crate::common::shipped_dataset;

/// The channel: workers who moved from the JV firm to the focal firm in year t itself.
struct SameYearFlow(BTreeMap<(u32, u32, i32), u64>);

impl FirmChannel for SameYearFlow {
    fn weight(&self, focal: u32, jv: u32, t: i32) -> f64 {
        self.0.get(&(jv, focal, t)).map_or(0.0, |&c| c as f64)
    }
}

fn build<'a>(ds: &'a Indexed, _firms: &Firms<'a>) -> Result<Box<dyn FirmChannel + 'a>, ChannelError> {
    let mut m = BTreeMap::new();
    // The index resolved each move's firms to the numbers channels use.
    for (w, &[from, to]) in ds.worker_moves.iter().zip(&ds.index().moves) {
        *m.entry((from, to, w.year)).or_default() += w.count;
    }
    Ok(Box::new(SameYearFlow(m)))
}

const NAME: &str = "same_year_flow";

#[test]
fn a_channel_added_in_one_file_appears_in_graph_stats_the_exposure_table_and_the_pair_panel() {
    register(ChannelDef { name: NAME, doc: "workers who moved from the JV firm to the focal firm in year t", build });
    let ds = shipped_dataset();
    let kind: BTreeMap<&str, FirmKind> = ds.firms.iter().map(|f| (f.firm_id.as_str(), f.kind)).collect();
    // Same-year JV → domestic flows, straight from the table.
    let mut flows: BTreeMap<(&str, &str, i32), u64> = BTreeMap::new();
    for w in &ds.worker_moves {
        if kind[w.from_firm.as_str()] == FirmKind::Jv && kind[w.to_firm.as_str()] == FirmKind::Domestic {
            *flows.entry((w.from_firm.as_str(), w.to_firm.as_str(), w.year)).or_default() += w.count;
        }
    }
    assert!(!flows.is_empty(), "the shipped data must have JV → domestic moves");

    // Graph statistics: one edge per (JV, domestic firm, year) with moves, in the years with scores.
    let years: BTreeSet<i32> = ds.quality.iter().map(|q| q.year).collect();
    let expected_edges = flows.keys().filter(|k| years.contains(&k.2)).count();
    let expected_weight: u64 = flows.iter().filter(|(k, _)| years.contains(&k.2)).map(|(_, c)| c).sum();
    let stats = graph_stats(&build_graph(&ds).unwrap());
    let ch = GraphChannel::Registered(NAME);
    assert_eq!(stats.edges_by_channel.get(&ch).copied(), Some(expected_edges));
    assert_eq!(stats.weight_by_channel.get(&ch).copied(), Some(expected_weight as f64));
    assert_eq!(GraphChannel::parse(NAME), Some(ch), "the graph views accept the channel by name");

    // Exposure table: the default channel list carries it, and at firm level with raw
    // weights it equals the built-in worker-flow channel with an annual window, lag 0.
    assert_eq!(ExposureChannel::all().last(), Some(&ExposureChannel::Registered(NAME)));
    let firm_level = |channels: Vec<ExposureChannel>, flow: Flow| {
        let cfg = ExposureConfig {
            level: spillnet::exposure::measure::Level::Firm,
            channels,
            flow,
            lag: 0,
            ..ExposureConfig::default()
        };
        compute_exposure(&ds, &cfg).unwrap()
    };
    let registered = firm_level(ExposureChannel::all(), Flow::Cumulative);
    let column = registered.column(ExposureChannel::Registered(NAME)).expect("an exposure_same_year_flow column");
    let built_in = firm_level(vec![ExposureChannel::WorkerFlow], Flow::Annual);
    assert_eq!(column, built_in.column(ExposureChannel::WorkerFlow).unwrap());
    assert!(column.iter().any(|&v| v != 0.0), "some firm-year must be exposed through the channel");

    // The study's pair panel: one weight per pair-year, the same-year moves of its firms.
    let pairs = build_pairs(&ds, &PairOptions::default()).unwrap();
    let (name, weights) = pairs.registered.iter().find(|(n, _)| *n == NAME).expect("a pair-panel column");
    assert_eq!(*name, NAME);
    let mut nonzero = 0;
    for r in 0..pairs.len() {
        let f = pairs.firm_names[pairs.domestic_firm[r] as usize].as_str();
        let g = pairs.firm_names[pairs.jv_firm[r] as usize].as_str();
        let expected = flows.get(&(g, f, pairs.year[r])).copied().unwrap_or(0) as f64;
        assert_eq!(weights[r], expected, "row {r}: {g} → {f} in {}", pairs.year[r]);
        nonzero += usize::from(expected != 0.0);
    }
    assert!(nonzero > 0, "the check must exercise pairs with same-year moves");

    // The command line accepts the registered name wherever it takes a channel.
    let cli = |args: &[&str]| spillnet::cli::Cli::try_parse_from(args).map_err(|e| e.to_string());
    let parsed = cli(&["spillnet", "exposure", "--channels", &format!("affiliation,{NAME}")]).unwrap();
    let spillnet::cli::Command::Exposure(args) = parsed.command else { panic!("an exposure command") };
    assert_eq!(args.channels, [ExposureChannel::Affiliation, ExposureChannel::Registered(NAME)]);
    let parsed = cli(&["spillnet", "graph", "stats", "--view", "channel", "--channel", NAME]).unwrap();
    assert!(format!("{:?}", parsed.command).contains(&format!("Registered(\"{NAME}\")")), "{parsed:?}");
    let err = cli(&["spillnet", "exposure", "--channels", "nope"]).unwrap_err();
    assert!(err.contains("unknown channel `nope`") && err.contains(NAME), "{err}");
}
