//! Integration tests: the binary's general contract — help, version, exit
//! codes (0 ok / 1 error / 2 usage), readable errors, broken pipes.

use assert_cmd::Command;
use predicates::prelude::*;

use crate::common::shipped_data_dir;

fn spillnet() -> Command {
    Command::cargo_bin("spillnet").unwrap()
}

#[test]
fn help_lists_every_subcommand_and_exits_zero() {
    let out = spillnet().arg("--help").assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for sub in ["schema", "init", "check", "synth", "graph", "estimate", "exposure", "spillover", "montecarlo", "run"] {
        assert!(text.contains(sub), "--help does not mention `{sub}`:\n{text}");
    }
    assert!(text.contains("Exit codes"), "--help should document exit codes");
}

#[test]
fn every_flag_in_every_subcommand_has_help_text() {
    for sub in [
        &["schema"][..],
        &["init"],
        &["check"],
        &["synth"],
        &["graph", "stats"],
        &["graph", "dot"],
        &["graph", "export"],
        &["graph", "centrality"],
        &["estimate"],
        &["exposure"],
        &["spillover"],
        &["montecarlo"],
        &["run"],
    ] {
        let out = spillnet().args(sub).arg("--help").assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        // clap prints a flag with no doc comment as a bare line: `  --flag <VALUE>` and nothing after it.
        for line in text.lines() {
            let t = line.trim_start();
            if t.starts_with("--") || (t.starts_with('-') && t.chars().nth(1).is_some_and(char::is_alphabetic)) {
                let has_inline_help = t.split("  ").filter(|s| !s.trim().is_empty()).count() >= 2;
                let idx = text.find(line).unwrap();
                let next = text[idx + line.len()..].lines().nth(1).unwrap_or("");
                let has_next_line_help = next.starts_with("          ") && !next.trim().is_empty();
                assert!(has_inline_help || has_next_line_help, "`spillnet {}`: flag without help: {t}", sub.join(" "));
            }
        }
    }
}

#[test]
fn version_exits_zero() {
    spillnet().arg("--version").assert().success().stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn no_subcommand_is_a_usage_error() {
    spillnet().assert().code(2);
}

#[test]
fn unknown_flag_is_a_usage_error() {
    spillnet().args(["check", "--no-such-flag"]).assert().code(2).stderr(predicate::str::contains("--no-such-flag"));
}

#[test]
fn zero_threads_is_a_usage_error() {
    spillnet()
        .args(["--threads", "0", "check", "--data", "tests/fixtures/tiny"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--threads"));
}

#[test]
fn missing_data_folder_is_an_error_naming_it_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    spillnet()
        .args(["check", "--data"])
        .arg(&missing)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nope"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn run_on_shipped_data_writes_summary_stats_and_diagrams() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let assert = spillnet().args(["run", "--data"]).arg(shipped_data_dir()).arg("--out").arg(&out).assert();
    let stdout = String::from_utf8(assert.success().get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("quality          27417 rows"), "summary missing from stdout:\n{stdout}");
    assert!(stdout.contains("weakly connected components"), "graph stats missing from stdout:\n{stdout}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert!(summary.to_string().contains("27417"), "summary.json lacks the quality row count: {summary}");
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("graph_stats.json")).unwrap()).unwrap();
    assert_eq!(stats["nodes"], 1839, "node count of the shipped graph changed: {stats}");
    for name in ["jv_network", "firms", "worker_flow"] {
        let dot = std::fs::read_to_string(out.join("diagrams").join(format!("{name}.dot"))).unwrap();
        assert!(dot.starts_with("digraph"), "{name}.dot is not a digraph");
        if which_dot() {
            let svg = std::fs::read_to_string(out.join("diagrams").join(format!("{name}.svg"))).unwrap();
            assert!(svg.contains("<svg"), "{name}.svg is not SVG");
        }
    }
}

fn which_dot() -> bool {
    std::process::Command::new("dot").arg("-V").output().is_ok_and(|o| o.status.success())
}

#[test]
fn run_refuses_a_non_empty_output_folder_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    spillnet()
        .args(["--quiet", "run", "--data"])
        .arg(shipped_data_dir())
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    assert!(!dir.path().join("summary.txt").exists());
    spillnet()
        .args(["--quiet", "run", "--force", "--data"])
        .arg(shipped_data_dir())
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    assert!(dir.path().join("summary.txt").exists());
    assert_eq!(std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(), "mine");
}

#[test]
fn run_without_graphviz_writes_dot_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    spillnet()
        .env("PATH", dir.path())
        .args(["run", "--data"])
        .arg(shipped_data_dir())
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("graphviz `dot` not found"));
    assert!(out.join("diagrams/jv_network.dot").exists());
    assert!(!out.join("diagrams/jv_network.svg").exists());
}

#[test]
fn run_on_invalid_data_fails_with_the_precise_error() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["firms.csv", "jv_links.csv"] {
        std::fs::copy(shipped_data_dir().join(f), dir.path().join(f)).unwrap();
    }
    let firms = std::fs::read_to_string(dir.path().join("firms.csv")).unwrap();
    let broken = firms.replacen(",domestic,", ",domestik,", 1);
    assert_ne!(firms, broken);
    std::fs::write(dir.path().join("firms.csv"), broken).unwrap();
    spillnet()
        .args(["run", "--data"])
        .arg(dir.path())
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("firms.csv: row"))
        .stderr(predicate::str::contains("column `kind`"));
    assert!(!dir.path().join("out").exists(), "a failed run must not leave an output folder");
}

#[test]
fn closed_stdout_ends_quietly_with_success() {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_spillnet"))
        .args(["graph", "dot", "--data"])
        .arg(shipped_data_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout); // like `| head -c 16`
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "exit {status:?}, stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
