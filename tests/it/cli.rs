//! Integration tests: the binary's general contract — help, version, exit
//! codes (0 ok / 1 error / 2 usage), readable errors, broken pipes.

use assert_cmd::Command;
use predicates::prelude::*;

fn spillnet() -> Command {
    Command::cargo_bin("spillnet").unwrap()
}

#[test]
fn help_lists_every_subcommand_and_exits_zero() {
    let out = spillnet().arg("--help").assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for sub in ["check", "synth", "graph", "estimate", "run"] {
        assert!(text.contains(sub), "--help does not mention `{sub}`:\n{text}");
    }
    assert!(text.contains("Exit codes"), "--help should document exit codes");
}

#[test]
fn every_flag_in_every_subcommand_has_help_text() {
    for sub in [&["check"][..], &["synth"], &["graph", "stats"], &["graph", "dot"], &["estimate"], &["run"]] {
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
