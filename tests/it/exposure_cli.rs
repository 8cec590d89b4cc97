//! `spillnet exposure` end to end: the CSV/Parquet tables equal the
//! library's panel, the pair table, usage errors, determinism and the
//! documented round trip into `spillnet estimate`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use spillnet::exposure::measure::{
    Channel, Direction, ExposureConfig, ExposurePanel, Flow, Level, Weights, compute_exposure,
};
use spillnet::io::load::load_dataset;

use crate::common::shipped_data_dir;

fn spillnet() -> Command {
    Command::cargo_bin("spillnet").unwrap()
}

fn tiny_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny")
}

fn library_panel(dir: &Path, cfg: &ExposureConfig) -> ExposurePanel {
    compute_exposure(&load_dataset(dir).unwrap(), cfg).unwrap()
}

/// Run `spillnet exposure --data DIR ARGS` and return stdout (CSV).
fn run_stdout(dir: &Path, args: &[&str]) -> String {
    let out = spillnet().arg("exposure").arg("--data").arg(dir).args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// Assert that CSV text equals the panel: header, row count, ids and values.
fn assert_csv_matches(csv: &str, panel: &ExposurePanel) {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut expect = vec!["unit".to_owned(), "dimension".to_owned(), "year".to_owned()];
    expect.extend(panel.channels.iter().map(|c| format!("exposure_{}", c.as_str())));
    assert_eq!(header, expect);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), panel.n_rows());
    assert!(panel.n_rows() > 0);
    for (r, row) in rows.iter().enumerate() {
        assert_eq!(row[0], panel.unit[r]);
        assert_eq!(row[1], panel.dimension[r]);
        assert_eq!(row[2].parse::<i32>().unwrap(), panel.year[r]);
        for c in 0..panel.channels.len() {
            let v: f64 = row[3 + c].parse().unwrap();
            assert_eq!(v, panel.values[c][r], "row {r} channel {c}");
        }
    }
}

#[test]
fn tiny_stdout_csv_equals_library_panel() {
    let csv = run_stdout(&tiny_dir(), &[]);
    let panel = library_panel(&tiny_dir(), &ExposureConfig::default());
    assert_csv_matches(&csv, &panel);
    // Some exposure is non-zero, so the comparison is not trivially 0 == 0.
    assert!(panel.values.iter().flatten().any(|v| *v != 0.0));
}

#[test]
fn tiny_firm_level_row_weights_annual_equals_library_panel() {
    let args = [
        "--level",
        "firm",
        "--weights",
        "row",
        "--flow",
        "annual",
        "--lag",
        "0",
        "--channels",
        "worker_flow,geography",
    ];
    let csv = run_stdout(&tiny_dir(), &args);
    let cfg = ExposureConfig {
        level: Level::Firm,
        channels: vec![Channel::WorkerFlow, Channel::Geography],
        weights: Weights::Row,
        flow: Flow::Annual,
        lag: 0,
        ..ExposureConfig::default()
    };
    assert_csv_matches(&csv, &library_panel(&tiny_dir(), &cfg));
}

/// netdiffuseR's options through the command line: outgoing ties, binary weights and the
/// structural-equivalence channel give the library's panel (whose values the library tests
/// check by hand).
#[test]
fn tiny_direction_binary_and_structural_equivalence_equal_library_panel() {
    let args = ["--direction", "both", "--weights", "binary", "--channels", "worker_flow,worker_flow_se,affiliation"];
    let csv = run_stdout(&tiny_dir(), &args);
    assert!(csv.lines().next().unwrap().contains("exposure_worker_flow_se"), "{csv}");
    let cfg = ExposureConfig {
        channels: vec![Channel::WorkerFlow, Channel::StructuralEquivalence, Channel::Affiliation],
        weights: Weights::Binary,
        direction: Direction::Both,
        ..ExposureConfig::default()
    };
    assert_csv_matches(&csv, &library_panel(&tiny_dir(), &cfg));
}

#[test]
fn shipped_data_csv_file_equals_library_panel() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("e.csv");
    spillnet()
        .args(["exposure", "--weights", "log1p", "--data"])
        .arg(shipped_data_dir())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let cfg = ExposureConfig { weights: Weights::Log1p, ..ExposureConfig::default() };
    assert_csv_matches(&std::fs::read_to_string(&out).unwrap(), &library_panel(&shipped_data_dir(), &cfg));
}

#[test]
fn parquet_output_reads_back_with_library_values() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("e.parquet");
    spillnet().args(["exposure", "--data"]).arg(tiny_dir()).arg("--out").arg(&out).assert().success();
    let panel = library_panel(&tiny_dir(), &ExposureConfig::default());
    let names: Vec<String> = panel.channels.iter().map(|c| format!("exposure_{}", c.as_str())).collect();
    let mut numeric = names.clone();
    numeric.push("year".into());
    let frame = spillnet::io::frame::read_frame(&out, &numeric, &["unit".to_owned()]).unwrap();
    assert_eq!(frame.n_rows, panel.n_rows());
    for (c, (name, vals)) in frame.numeric.iter().take(names.len()).enumerate() {
        assert_eq!(name, &names[c]);
        assert_eq!(vals, &panel.values[c]);
    }
    let years: Vec<f64> = panel.year.iter().map(|&y| f64::from(y)).collect();
    assert_eq!(frame.numeric[names.len()].1, years);
}

#[test]
fn pairs_table_is_written_with_one_row_per_pair() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = dir.path().join("p.csv");
    spillnet().args(["exposure", "--data"]).arg(tiny_dir()).arg("--pairs").arg(&pairs).assert().success();
    let cfg = ExposureConfig { pair_weights: true, ..ExposureConfig::default() };
    let panel = library_panel(&tiny_dir(), &cfg);
    let lib = panel.pairs.as_ref().unwrap();
    let text = std::fs::read_to_string(&pairs).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "focal,jv,year,weight_affiliation,weight_worker_flow,weight_supplier_overlap,weight_geography"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), lib.focal.len());
    assert!(!rows.is_empty());
    for (p, row) in rows.iter().enumerate() {
        assert_eq!((row[0], row[1]), (lib.focal[p].as_str(), lib.jv[p].as_str()));
        assert_eq!(row[2].parse::<i32>().unwrap(), lib.year[p]);
        for c in 0..4 {
            assert_eq!(row[3 + c].parse::<f64>().unwrap(), lib.values[c][p]);
        }
    }
}

#[test]
fn bad_flag_values_are_usage_errors_naming_the_flag() {
    let cases: [(&[&str], &str); 5] = [
        (&["--channels", "affiliation,bogus"], "--channels"),
        (&["--channels", "geography,geography"], "--channels"),
        (&["--weights", "square"], "--weights"),
        (&["--out", "e.txt"], "--out"),
        (&["--pairs", "p.json"], "--pairs"),
    ];
    for (args, flag) in cases {
        let out = spillnet().args(["exposure", "--data"]).arg(tiny_dir()).args(args).assert().code(2);
        let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(err.contains(flag), "{args:?}: stderr does not name {flag}: {err}");
    }
}

#[test]
fn output_is_byte_identical_across_runs_and_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, threads) in ["1", "2", "2"].iter().enumerate() {
        for ext in ["csv", "parquet"] {
            let out = dir.path().join(format!("e{i}.{ext}"));
            let pairs = dir.path().join(format!("p{i}.{ext}"));
            spillnet()
                .args(["exposure", "--threads", threads, "--data"])
                .arg(shipped_data_dir())
                .arg("--out")
                .arg(&out)
                .arg("--pairs")
                .arg(&pairs)
                .assert()
                .success();
            files.push((ext, std::fs::read(&out).unwrap(), std::fs::read(&pairs).unwrap()));
        }
    }
    for (ext, e, p) in &files[2..] {
        let first = files.iter().find(|f| f.0 == *ext).unwrap();
        assert!(first.1 == *e, "{ext} exposure table differs");
        assert!(first.2 == *p, "{ext} pair table differs");
    }
}

#[test]
fn documented_round_trip_into_estimate_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["csv", "parquet"] {
        let out = dir.path().join(format!("exposure.{ext}"));
        spillnet().args(["exposure", "--data"]).arg(shipped_data_dir()).arg("--out").arg(&out).assert().success();
        let res = spillnet()
            .args(["estimate", "--data"])
            .arg(&out)
            .args([
                "--y",
                "exposure_worker_flow",
                "--x",
                "exposure_affiliation",
                "--fe",
                "unit,year",
                "--vcov",
                "cluster:unit",
                "--format",
                "json",
            ])
            .assert()
            .success();
        let json: serde_json::Value = serde_json::from_slice(&res.get_output().stdout).unwrap();
        let text = json.to_string();
        assert!(text.contains("exposure_affiliation"), "{text}");
    }
}
