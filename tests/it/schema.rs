//! The data reference and the template folder: `docs/data.md` is what
//! `spillnet schema --format md` prints (so it cannot drift from the
//! loader), `spillnet init` writes a folder that `spillnet check` accepts
//! and that the whole pipeline runs on, and both reject bad requests.

use std::path::Path;

use assert_cmd::Command;

fn spillnet() -> Command {
    Command::cargo_bin("spillnet").unwrap()
}

fn stdout(args: &[&str]) -> String {
    let out = spillnet().args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn docs_data_md_is_the_generated_reference() {
    let committed = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/data.md")).unwrap();
    let generated = stdout(&["schema", "--format", "md"]);
    assert!(
        committed == generated,
        "docs/data.md is stale: regenerate it with `spillnet schema --format md > docs/data.md`"
    );
}

#[test]
fn the_reference_lists_every_column_the_loader_knows() {
    // Independently of the renderer: every header of the shipped data appears as a column line.
    let text = stdout(&["schema"]);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for table in ["firms", "jv_links", "models", "quality", "suppliers", "worker_moves", "production"] {
        assert!(text.contains(&format!("\n{table} (")), "{table} has a section");
        let header = std::fs::read_to_string(data.join(format!("{table}.csv"))).unwrap();
        for column in header.lines().next().unwrap().split(',') {
            assert!(text.lines().any(|l| l.starts_with(&format!("{column} "))), "{table}.{column} is documented");
        }
    }
    let one = stdout(&["schema", "worker_moves"]);
    assert!(one.starts_with("worker_moves (optional)\n"), "{one}");
    assert!(one.contains("count ") && one.contains("person_id "), "{one}");
}

#[test]
fn init_writes_a_template_that_checks_and_builds_a_graph() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mydata");
    let out = spillnet().args(["init"]).arg(&dir).assert().success();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(err, format!("wrote 7 tables into {0}; next: spillnet check --data {0}\n", dir.display()));
    let firms = std::fs::read_to_string(dir.join("firms.csv")).unwrap();
    assert!(firms.starts_with("firm_id,name,kind,group_id,province,ownership\n"), "{firms}");
    let check = stdout(&["check", "--data", dir.to_str().unwrap()]);
    assert!(check.starts_with(&format!("{}: valid\n", dir.display())), "{check}");
    // Four firms (two domestic, one foreign, one JV), one JV link, three models.
    assert!(check.contains("firms: 4 (domestic 2, foreign 1, jv 1)"), "{check}");
    assert!(check.contains("jv_links: 1 links"), "{check}");
    assert!(check.contains("models: 3 (domestic 2, jv 1)"), "{check}");
    // The graph builds on it: 4 firms + 3 models + 2 suppliers + 2 provinces.
    let stats = stdout(&["graph", "stats", "--data", dir.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(v["nodes"], 11, "{stats}");
}

#[test]
fn init_refuses_a_non_empty_folder_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let out = spillnet().arg("init").arg(tmp.path()).assert().code(1);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("folder is not empty; pass --force"), "{err}");
    assert!(!tmp.path().join("firms.csv").exists());
    spillnet().arg("init").arg("--force").arg(tmp.path()).assert().success();
    assert_eq!(std::fs::read_to_string(tmp.path().join("notes.txt")).unwrap(), "mine", "other files are kept");
}

#[test]
fn unknown_table_and_md_with_a_table_are_usage_errors() {
    let out = spillnet().args(["schema", "firm"]).assert().code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("no table `firm`; the tables are firms, jv_links"), "{err}");
    spillnet().args(["schema", "firms", "--format", "md"]).assert().code(2);
}
