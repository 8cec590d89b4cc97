//! Fuzz the data-folder loader: the input replaces one CSV table of the valid
//! fixture `tests/fixtures/tiny` and `spillnet::io::load::load_dataset` reads
//! the folder. Any `Err` is fine; a panic (or sanitizer report) is a finding.
//!
//! Input layout: the first byte chooses the table (`byte % 7`, in
//! [`TABLES`] order), the rest is that table's CSV text.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

/// The valid fixture, table by table, in the loader's order.
const TABLES: [(&str, &str); 7] = [
    ("firms.csv", include_str!("../../tests/fixtures/tiny/firms.csv")),
    ("jv_links.csv", include_str!("../../tests/fixtures/tiny/jv_links.csv")),
    ("models.csv", include_str!("../../tests/fixtures/tiny/models.csv")),
    ("quality.csv", include_str!("../../tests/fixtures/tiny/quality.csv")),
    ("suppliers.csv", include_str!("../../tests/fixtures/tiny/suppliers.csv")),
    ("worker_moves.csv", include_str!("../../tests/fixtures/tiny/worker_moves.csv")),
    ("production.csv", include_str!("../../tests/fixtures/tiny/production.csv")),
];

/// One data folder per process, holding the valid fixture.
fn folder() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("spillnet-fuzz-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the fuzz data folder");
        for (name, text) in TABLES {
            std::fs::write(dir.join(name), text).expect("write a fixture table");
        }
        assert!(spillnet::io::load::load_dataset(&dir).is_ok(), "the fixture itself must load");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, csv)) = data.split_first() else { return };
    let dir = folder();
    let (name, valid) = TABLES[usize::from(which) % TABLES.len()];
    let path = dir.join(name);
    std::fs::write(&path, csv).expect("write the fuzzed table");
    let _ = spillnet::io::load::load_dataset(dir);
    std::fs::write(&path, valid).expect("restore the fixture table");
});
