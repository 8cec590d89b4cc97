//! Fuzz the run configuration: the input is written as a TOML file and
//! validated exactly as `spillnet run CONFIG` does
//! (`spillnet::cli::run::RunArgs::into_config`), without running the job.
//! The configuration's folder holds the valid fixture `tests/fixtures/tiny`,
//! so `data = "."` passes and the diagram/exposure checks are reached. Any
//! `Err` is fine; a panic (or sanitizer report) is a finding.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use spillnet::cli::run::RunArgs;

const TABLES: [(&str, &str); 7] = [
    ("firms.csv", include_str!("../../tests/fixtures/tiny/firms.csv")),
    ("jv_links.csv", include_str!("../../tests/fixtures/tiny/jv_links.csv")),
    ("models.csv", include_str!("../../tests/fixtures/tiny/models.csv")),
    ("quality.csv", include_str!("../../tests/fixtures/tiny/quality.csv")),
    ("suppliers.csv", include_str!("../../tests/fixtures/tiny/suppliers.csv")),
    ("worker_moves.csv", include_str!("../../tests/fixtures/tiny/worker_moves.csv")),
    ("production.csv", include_str!("../../tests/fixtures/tiny/production.csv")),
];

/// One folder per process: the fixture tables and the configuration file.
fn config_path() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("spillnet-fuzz-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the fuzz folder");
        for (name, text) in TABLES {
            std::fs::write(dir.join(name), text).expect("write a fixture table");
        }
        dir.join("run.toml")
    })
}

fuzz_target!(|data: &[u8]| {
    let path = config_path();
    std::fs::write(path, data).expect("write the fuzzed configuration");
    let args = RunArgs { config: Some(path.to_path_buf()), data: None, out: None, force: false };
    let _ = args.into_config();
});
