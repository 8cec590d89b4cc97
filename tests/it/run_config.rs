//! Integration tests: `spillnet run [CONFIG.toml]` batch runs — the default
//! configuration on the shipped data, the manifest (input hashes, step
//! accounting, output hashes), reproducibility of two runs, configuration
//! mistakes named by key and file, and output-folder safety.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use sha2::{Digest, Sha256};

use crate::common::{files, shipped_data_dir};

/// The binary, run from the repository root (where `data/default.toml` is).
fn spillnet() -> Command {
    let mut c = Command::cargo_bin("spillnet").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

/// The manifest without its timings (every field named `seconds`).
fn without_seconds(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            m.iter().filter(|(k, _)| *k != "seconds").map(|(k, v)| (k.clone(), without_seconds(v))).collect()
        }
        serde_json::Value::Array(a) => a.iter().map(without_seconds).collect(),
        other => other.clone(),
    }
}

/// A configuration file in `dir` (data = the shipped folder unless the text sets it).
fn config(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A TOML string literal of a path.
fn toml_path(p: &Path) -> String {
    format!("{:?}", p.display().to_string())
}

#[test]
fn run_default_config_writes_every_output_and_a_manifest_with_input_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = spillnet().args(["--quiet", "run", "--out"]).arg(&out).assert().success();
    // Quiet means quiet: the headline and where the reports are, nothing else (the
    // summaries it leaves out are in the output folder).
    let stdout = String::from_utf8(run.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(
        lines[0].starts_with("spillover  headline ")
            && lines[0].ends_with(&format!("reports in {}", out.join("spillover").display())),
        "{stdout}"
    );
    // Stderr: only the notes of the parts the shipped data cannot support (they are in the
    // report too): the patent-flow mechanism column, the alternatives group's parts and the
    // measurement-iv group (no score halves).
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    for line in stderr.lines() {
        assert!(line.starts_with("warning: ") && line.contains(" skipped: "), "unexpected stderr line: {line}");
    }
    for part in ["mechanisms.4", "alternatives.demand", "alternatives.brand", "alternatives.patents", "measurement-iv"]
    {
        assert!(stderr.contains(part), "{part} is not reported as skipped: {stderr}");
    }
    let written = files(&out);
    for f in [
        "summary.txt",
        "summary.json",
        "graph_stats.txt",
        "graph_stats.json",
        "diagrams/jv_network.dot",
        "diagrams/firms.dot",
        "diagrams/worker_flow.dot",
        "network.html",
        "exposure/model.csv",
        "exposure/firm_log1p.csv",
        "exposure/firm_log1p_pairs.csv",
        "manifest.json",
    ] {
        assert!(written.contains_key(f), "{f} missing; wrote {:?}", written.keys().collect::<Vec<_>>());
    }
    let m = manifest(&out);
    assert_eq!(m["spillnet_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(m["command"], format!("spillnet run data/default.toml --out {}", out.display()));
    let default_toml = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/default.toml")).unwrap();
    assert_eq!(m["config_file"]["sha256"], sha256_hex(&default_toml));
    assert_eq!(m["config"]["data"], "data");
    // The resolved flags of each table; list-valued flags are lists (`--spec all` → ["all"]).
    assert_eq!(m["config"]["spillover"]["spec"], serde_json::json!(["all"]));
    assert_eq!(m["config"]["exposure"][0]["weights"], "raw", "defaults are filled in");
    assert_eq!(m["seeds"]["spillover"], 1);
    outputs_equal_the_recorded_baseline(&out);

    // Inputs: every table of the shipped folder, with its size and hash.
    let inputs = m["inputs"].as_array().unwrap();
    let tables: Vec<&str> = inputs.iter().map(|i| i["table"].as_str().unwrap()).collect();
    assert_eq!(tables, ["firms", "jv_links", "models", "quality", "suppliers", "worker_moves", "production"]);
    for i in inputs {
        let name = Path::new(i["path"].as_str().unwrap()).file_name().unwrap().to_owned();
        let bytes = std::fs::read(shipped_data_dir().join(name)).unwrap();
        assert_eq!(i["sha256"], sha256_hex(&bytes), "{i}");
        assert_eq!(i["bytes"], bytes.len(), "{i}");
    }

    // Steps: the accounting adds up, and the exposure step explains its exclusions.
    let steps = m["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "load",
            "graph",
            "diagram diagrams/jv_network.dot",
            "diagram diagrams/firms.dot",
            "diagram diagrams/worker_flow.dot",
            "html network.html",
            "exposure exposure/model.csv",
            "exposure exposure/firm_log1p.csv",
            "spillover"
        ]
    );
    for s in steps {
        let excluded: u64 = s["excluded"].as_array().unwrap().iter().map(|e| e["rows"].as_u64().unwrap()).sum();
        assert_eq!(s["rows_in"].as_u64().unwrap(), s["rows_out"].as_u64().unwrap() + excluded, "{s}");
        assert!(s["seconds"].is_f64(), "{s}");
    }
    assert_eq!(steps[0]["rows_in"], 46034);
    assert_eq!(steps[0]["counts"]["rows.quality"], 27417);
    // The explorer page embeds the firms view: every firm of firms.csv (87 rows).
    assert_eq!(steps[5]["counts"]["nodes"], 87);
    let model = &steps[6];
    assert_eq!(model["rows_in"], 27417);
    assert!(model["excluded"][0]["reason"].as_str().unwrap().contains("JV models"), "{model}");
    let csv_rows = std::str::from_utf8(&written["exposure/model.csv"]).unwrap().lines().count() - 1;
    assert_eq!(model["rows_out"], csv_rows);
    // The spillover step: the study's panel, its report and the headline of the JSON report.
    let study = &steps[8];
    assert_eq!(study["rows_out"], 717725);
    assert_eq!(study["counts"]["nobs.baseline.2"], 717725);
    assert_eq!(study["counts"]["nobs.mechanisms.3"], 129314);
    let report: serde_json::Value = serde_json::from_slice(&written["spillover/spillover.json"]).unwrap();
    assert!((report["headline"]["estimate"].as_f64().unwrap() - 0.098).abs() < 0.01, "{}", report["headline"]);
    assert!(report["headline"]["p_boot"].is_number());
    // Resampling p-values are never shown as 0: the bootstrap's raw p = k / 999 stays in the
    // JSON with its rule, the text says `p < 0.001` when k = 0; the placebo's is (1 + k) / (300 + 1).
    let text = std::str::from_utf8(&written["spillover/spillover.txt"]).unwrap();
    assert!(!text.contains("wild-bootstrap p = 0.0000") && !text.contains("p (one-sided) = 0.0000"), "{text}");
    assert_eq!(report["headline"]["boot_draws"], 999);
    if report["headline"]["p_boot"] == 0.0 {
        assert!(text.contains("wild-bootstrap p < 0.001;"), "{text}");
    }
    let pl = &report["placebo"];
    let k = pl["extreme_one_sided"].as_u64().unwrap() as f64;
    assert_eq!(pl["p_one_sided"].as_f64().unwrap(), (1.0 + k) / 301.0);
    assert!(pl["p_rule"].as_str().unwrap().starts_with("p = (1 + k) / (N + 1)"));
    for f in ["spillover/spillover.txt", "spillover/spillover.md", "spillover/placebo.csv", "spillover/placebo.svg"] {
        assert!(written.contains_key(f), "{f} missing");
    }

    // Outputs: every file but the manifest is listed, hashed unless marked unreproducible.
    let hashed: BTreeMap<&str, &str> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["path"].as_str().unwrap(), o["sha256"].as_str().unwrap()))
        .collect();
    let unreproducible: Vec<&str> =
        m["unreproducible"].as_array().unwrap().iter().map(|u| u["path"].as_str().unwrap()).collect();
    for (path, bytes) in &written {
        if path == "manifest.json" {
            continue;
        }
        match hashed.get(path.as_str()) {
            Some(h) => assert_eq!(*h, sha256_hex(bytes), "{path}"),
            None => assert!(unreproducible.contains(&path.as_str()), "{path} is neither hashed nor marked"),
        }
    }
}

#[test]
fn run_same_config_twice_gives_identical_outputs_apart_from_timings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    spillnet().args(["--quiet", "run", "data/default.toml", "--out"]).arg(&out).assert().success();
    let first = files(&out);
    let first_manifest = manifest(&out);
    // The same command again (forced into the same folder), on one thread this time.
    spillnet()
        .args(["--quiet", "--threads", "1", "run", "data/default.toml", "--force", "--out"])
        .arg(&out)
        .assert()
        .success();
    let second = files(&out);
    let second_manifest = manifest(&out);
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>());
    assert_eq!(without_seconds(&first_manifest), without_seconds(&second_manifest));
    // Only Graphviz fdp drawings may differ, and the manifest says so.
    let unreproducible: Vec<String> = first_manifest["unreproducible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            assert!(u["reason"].as_str().unwrap().contains("fdp"), "{u}");
            u["path"].as_str().unwrap().to_owned()
        })
        .collect();
    assert!(unreproducible.iter().all(|p| p.starts_with("diagrams/jv_network.")), "{unreproducible:?}");
    for (path, bytes) in &first {
        if path != "manifest.json" && !unreproducible.contains(path) {
            assert!(*bytes == second[path], "{path} differs between two runs of the same configuration");
        }
    }
}

/// The same settings as flags and as run-file keys give the same results:
/// byte-identical spillover report, exposure tables and diagrams on
/// synthetic data (none of these files holds a timing).
#[test]
fn run_file_keys_and_command_line_flags_give_the_same_results() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    spillnet().args(["--quiet", "synth", "--scale", "small", "--seed", "3", "--out"]).arg(&data).assert().success();
    let cli = dir.path().join("cli");
    std::fs::create_dir(&cli).unwrap();
    let flags = |args: &[&str], out: &str| {
        spillnet()
            .arg("--quiet")
            .args(args)
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(cli.join(out))
            .assert()
            .success();
    };
    flags(
        &["spillover", "--format", "json", "--spec", "baseline", "--boot", "49", "--seed", "7", "--flow", "cumulative"],
        "spillover.json",
    );
    flags(&["exposure", "--level", "firm", "--weights", "row", "--flow", "annual", "--lag", "2"], "e.csv");
    flags(&["exposure", "--channels", "worker_flow,geography", "--quality", "relative"], "e2.csv");
    flags(&["exposure"], "default.csv");
    flags(
        &["graph", "dot", "--view", "firms", "--year", "2010", "--cumulative", "--min-weight", "worker_flow=2"],
        "g.dot",
    );
    flags(
        &["graph", "dot", "--view", "channel", "--channel", "worker_flow", "--min-weight", "2", "--clusters"],
        "w.dot",
    );
    flags(&["graph", "dot"], "whole.dot");

    let cfg = config(
        dir.path(),
        "run.toml",
        &format!(
            r#"data = {}
out = "run"

[[diagram]]
out = "g.dot"
view = "firms"
year = 2010
cumulative = true
min_weight = {{ worker_flow = 2 }}

[[diagram]]
out = "w.dot"
view = "channel"
channel = "worker_flow"
min_weight = 2
clusters = true

[[diagram]]
out = "whole.dot"

[[exposure]]
out = "e.csv"
level = "firm"
weights = "row"
flow = "annual"
lag = 2

[[exposure]]
out = "e2.csv"
channels = ["worker_flow", "geography"]
quality = "relative"

[[exposure]]
out = "default.csv"

[spillover]
spec = "baseline"
boot = 49
seed = 7
flow = "cumulative"
formats = ["json"]
"#,
            toml_path(&data)
        ),
    );
    spillnet().args(["--quiet", "run"]).arg(&cfg).assert().success();
    let run = dir.path().join("run");
    for (from_flags, from_keys) in [
        ("spillover.json", "spillover/spillover.json"),
        ("e.csv", "e.csv"),
        ("e2.csv", "e2.csv"),
        ("default.csv", "default.csv"),
        ("g.dot", "g.dot"),
        ("w.dot", "w.dot"),
        ("whole.dot", "whole.dot"),
    ] {
        let a = std::fs::read(cli.join(from_flags)).unwrap();
        let b = std::fs::read(run.join(from_keys)).unwrap();
        assert!(a == b, "{from_flags} (flags) and {from_keys} (run file) differ");
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cli.join("spillover.json")).unwrap()).unwrap();
    assert!(report["headline"]["p_boot"].is_number(), "the bootstrap ran: {}", report["headline"]);
}

#[test]
fn run_config_paths_resolve_against_the_config_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mydata");
    std::fs::create_dir(&data).unwrap();
    for t in ["firms", "jv_links", "models", "quality", "suppliers", "worker_moves"] {
        std::fs::copy(shipped_data_dir().join(format!("{t}.csv")), data.join(format!("{t}.csv"))).unwrap();
    }
    std::fs::create_dir(dir.path().join("cfg")).unwrap();
    let cfg = config(
        &dir.path().join("cfg"),
        "run.toml",
        "data = \"../mydata\"\nout = \"../results\"\n[[exposure]]\nout = \"e/firm.parquet\"\nlevel = \"firm\"\n",
    );
    spillnet().arg("--quiet").arg("run").arg(&cfg).assert().success();
    let out = dir.path().join("results");
    assert!(out.join("e/firm.parquet").is_file());
    let m = manifest(&out);
    assert_eq!(m["config"]["data"], data.display().to_string());
    assert_eq!(m["inputs"].as_array().unwrap().len(), 6, "production.csv is absent");
    assert!(m.get("seeds").unwrap().as_object().unwrap().is_empty(), "no [spillover] section, no seed");
}

#[test]
fn run_typo_in_a_key_is_a_usage_error_naming_the_key_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = toml_path(&shipped_data_dir());
    for (name, body, key) in [
        ("top.toml", format!("data = {data}\nout = \"o\"\nforse = true\n"), "forse"),
        (
            "diagram.toml",
            format!("data = {data}\nout = \"o\"\n[[diagram]]\nout = \"g.dot\"\nlayuot = \"fdp\"\n"),
            "layuot",
        ),
        (
            "exposure.toml",
            format!("data = {data}\nout = \"o\"\n[[exposure]]\nout = \"e.csv\"\nchanels = []\n"),
            "chanels",
        ),
        ("spillover.toml", format!("data = {data}\nout = \"o\"\n[spillover]\nplacebos = 300\n"), "placebos"),
    ] {
        let cfg = config(dir.path(), name, &body);
        spillnet()
            .arg("run")
            .arg(&cfg)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("unknown field `{key}`")))
            .stderr(predicate::str::contains(cfg.display().to_string()))
            .stderr(predicate::str::contains("line"));
    }
    let cfg =
        config(dir.path(), "value.toml", &format!("data = {data}\nout = \"o\"\n[spillover]\nspec = \"everything\"\n"));
    spillnet()
        .arg("run")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("everything").and(predicate::str::contains("fe-variants")));
    assert!(!dir.path().join("o").exists());
}

#[test]
fn run_bad_data_path_names_the_key_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "run.toml", "out = \"o\"\ndata = \"no_such_folder\"\n");
    spillnet()
        .arg("run")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("{}, line 2", cfg.display())))
        .stderr(predicate::str::contains("`data` = \"no_such_folder\""))
        .stderr(predicate::str::contains(dir.path().join("no_such_folder").display().to_string()));
    spillnet()
        .arg("run")
        .arg(&cfg)
        .args(["--data", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--data nope: data folder not found"));
    spillnet()
        .arg("run")
        .arg(dir.path().join("missing.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.toml"));
}

#[test]
fn run_output_paths_must_stay_inside_the_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = toml_path(&shipped_data_dir());
    for (name, table, path, key) in [
        ("up.toml", "exposure", "../escape.csv", "`out` of [[exposure]] #1"),
        ("deep.toml", "exposure", "e/../../escape.csv", "`out` of [[exposure]] #1"),
        ("abs.toml", "diagram", "/tmp/escape.dot", "`out` of [[diagram]] #1"),
    ] {
        let cfg = config(dir.path(), name, &format!("data = {data}\nout = \"o\"\n[[{table}]]\nout = \"{path}\"\n"));
        spillnet()
            .arg("run")
            .arg(&cfg)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(key))
            .stderr(predicate::str::contains("inside the output folder"));
    }
    let pairs = config(
        dir.path(),
        "pairs.toml",
        &format!("data = {data}\nout = \"o\"\n[[exposure]]\nout = \"e.csv\"\npairs = \"../p.csv\"\n"),
    );
    spillnet().arg("run").arg(&pairs).assert().code(2).stderr(predicate::str::contains("`pairs` of [[exposure]] #1"));
    assert!(!dir.path().join("o").exists() && !dir.path().join("escape.csv").exists());

    // Explicitly allowed: the file lands outside the output folder and the manifest hashes it there.
    let allowed = config(
        dir.path(),
        "allowed.toml",
        &format!("data = {data}\nout = \"o\"\nallow_outside_output = true\n[[exposure]]\nout = \"../escape.csv\"\n"),
    );
    spillnet().args(["--quiet", "run"]).arg(&allowed).assert().success();
    let escaped = dir.path().join("o/../escape.csv");
    assert!(escaped.exists());
    let m = manifest(&dir.path().join("o"));
    assert_eq!(m["config"]["allow_outside_output"], true);
    let listed = m["outputs"].as_array().unwrap();
    assert!(listed.iter().any(|o| o["path"].as_str().unwrap().ends_with("escape.csv")), "{listed:?}");
}

#[test]
fn run_refuses_a_non_empty_output_folder_without_force_and_keeps_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = toml_path(&shipped_data_dir());
    let cfg = config(dir.path(), "run.toml", &format!("data = {data}\nout = \"o\"\n"));
    let out = dir.path().join("o");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    spillnet().arg("--quiet").arg("run").arg(&cfg).assert().code(2).stderr(predicate::str::contains("--force"));
    assert_eq!(files(&out).len(), 1, "nothing may be written without --force");
    spillnet().arg("--quiet").arg("run").arg(&cfg).arg("--force").assert().success();
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    let m = manifest(&out);
    let listed: Vec<&str> = m["outputs"].as_array().unwrap().iter().map(|o| o["path"].as_str().unwrap()).collect();
    assert_eq!(listed, ["graph_stats.json", "graph_stats.txt", "summary.json", "summary.txt"]);
}

#[test]
fn run_help_documents_the_config_and_the_precedence_of_flags() {
    let out = spillnet().args(["run", "--help"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for needle in ["CONFIG", "data/default.toml", "override", "against the folder of the file", "manifest.json"] {
        assert!(text.contains(needle), "`run --help` lacks {needle:?}:\n{text}");
    }
}

/// The main job's outputs must not change unless a change is deliberate: every
/// file listed in `tests/baseline/main_job.sha256` (recorded from the main job
/// before the workspace redesign; see tests/baseline/README.md) must have the
/// same bytes. Rendered images are not listed (they depend on the Graphviz
/// version), nor is the manifest (timings).
fn outputs_equal_the_recorded_baseline(out: &Path) {
    let listed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/baseline/main_job.sha256")).unwrap();
    let mut checked = 0;
    let mut differ = Vec::new();
    for line in listed.lines().filter(|l| !l.trim().is_empty()) {
        let (hash, path) = line.split_once("  ").expect("`sha256  path` lines");
        let bytes = std::fs::read(out.join(path)).unwrap_or_else(|e| panic!("baseline output {path} not written: {e}"));
        if sha256_hex(&bytes) != hash {
            differ.push(path.to_owned());
        }
        checked += 1;
    }
    assert!(checked >= 14, "the baseline lists {checked} files");
    assert!(differ.is_empty(), "outputs differ from the recorded baseline (tests/baseline/README.md): {differ:?}");
}

#[test]
fn run_file_allow_extra_columns_loads_a_folder_with_unknown_columns_and_warns() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny");
    for entry in std::fs::read_dir(&fixture).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), data.join(entry.file_name())).unwrap();
    }
    let models = data.join("models.csv");
    let text = std::fs::read_to_string(&models).unwrap();
    let with: String =
        text.lines().enumerate().map(|(i, l)| format!("{l},{}\n", if i == 0 { "notes" } else { "" })).collect();
    std::fs::write(&models, with).unwrap();
    let cfg = dir.path().join("run.toml");
    std::fs::write(&cfg, "data = \"data\"\nout = \"out\"\nallow_extra_columns = true\n").unwrap();
    let run = spillnet().args(["--quiet", "run"]).arg(&cfg).assert().success();
    let stderr = String::from_utf8(run.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr,
        format!(
            "warning: {}: ignored column(s) the table does not define: notes (--allow-extra-columns)\n",
            models.display()
        )
    );
    assert!(dir.path().join("out/summary.json").is_file());
    // Without the key the same folder is an error naming the column and the flag.
    std::fs::write(&cfg, "data = \"data\"\nout = \"out2\"\n").unwrap();
    let run = spillnet().args(["--quiet", "run"]).arg(&cfg).assert().code(1);
    let stderr = String::from_utf8(run.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("unexpected column `notes`") && stderr.contains("--allow-extra-columns"), "{stderr}");
}
