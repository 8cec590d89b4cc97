//! Integration tests: a large person-level `worker_moves.csv` is
//! aggregated by (from_firm, to_firm, year), by the DataFusion plan (the
//! default) and by the native streaming loader. The loaded table equals a
//! hand aggregation of the generated rows, the load report keeps the input
//! counts, and the peak memory of a process that loads the folder grows by
//! far less than the file holds (the old whole-table load needed several
//! hundred MB for these rows).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use spillnet::io::load::{LoadOptions, MovesEngine, MovesInput, MovesRoute, load_dataset_with};
use spillnet::io::tables::WorkerMove;

/// Person-level rows of the generated file (≈ 60 MB of CSV).
const ROWS: usize = 2_000_000;
/// Firms moved between.
const FIRMS: u64 = 60;
/// Bound on the peak-memory growth of the loading process, in KiB, for
/// either route. In a debug build the DataFusion plan grows by ≈ 73 MiB
/// (2 threads; 512 MiB pool limit, never reached) and the native streamed
/// load by ≈ 40 MiB (1 MiB pieces of CSV, ≤ 60·59·14 distinct triples); the
/// previous whole-table loader peaked at ≈ 360 MiB for half as many rows
/// (`scripts/bench_moves.sh 1e6`, bench/runs/2026-11-29-vm/moves.txt).
const GROWTH_BOUND_KB: u64 = 128 * 1024;

/// The environment variable that turns [`peak_memory_child`] on.
const CHILD_ENV: &str = "SPILLNET_MOVES_STREAM_CHILD_DIR";
/// Set (to anything) for a child that loads with the native loader alone.
const CHILD_NATIVE_ENV: &str = "SPILLNET_MOVES_STREAM_CHILD_NATIVE";

fn engine_opts(engine: MovesEngine) -> LoadOptions {
    LoadOptions { moves_engine: engine, ..LoadOptions::default() }
}

/// Write a data folder with `FIRMS` firms, no JV link and `rows` person-level
/// moves (every seventh with `count` 2, the others with an empty count);
/// returns the hand aggregation, sorted by (from_firm, to_firm, year).
fn generate(dir: &Path, rows: usize) -> (Vec<WorkerMove>, MovesInput) {
    let mut firms = String::from("firm_id,name,kind,group_id,province,ownership\n");
    for f in 0..FIRMS {
        firms.push_str(&format!("F{f:03},Firm {f},domestic,,,private\n"));
    }
    std::fs::write(dir.join("firms.csv"), firms).unwrap();
    std::fs::write(dir.join("jv_links.csv"), "jv_id,domestic_parent,foreign_parent,founded,dissolved,foreign_share\n")
        .unwrap();

    let file = std::fs::File::create(dir.join("worker_moves.csv")).unwrap();
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "from_firm,to_firm,year,count,person_id").unwrap();
    let mut index: HashMap<(u64, u64, i32), usize> = HashMap::new();
    let mut moves: Vec<WorkerMove> = Vec::new();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut workers = 0;
    for i in 0..rows {
        // xorshift64*: deterministic, fast.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let r = state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 16;
        let from = r % FIRMS;
        let to = (from + 1 + (r / FIRMS) % (FIRMS - 1)) % FIRMS;
        let year = 2001 + i32::try_from((r / (FIRMS * FIRMS)) % 14).unwrap();
        let count = if i % 7 == 0 { 2 } else { 1 };
        let count_cell = if count == 2 { "2" } else { "" };
        writeln!(out, "F{from:03},F{to:03},{year},{count_cell},P{i:08}").unwrap();
        workers += count;
        match index.entry((from, to, year)) {
            Entry::Vacant(e) => {
                e.insert(moves.len());
                moves.push(WorkerMove {
                    from_firm: format!("F{from:03}").into(),
                    to_firm: format!("F{to:03}").into(),
                    year,
                    count,
                    person_id: Some(format!("P{i:08}")),
                });
            }
            Entry::Occupied(e) => {
                let m = &mut moves[*e.get()];
                m.count += count;
                m.person_id = None;
            }
        }
    }
    out.flush().unwrap();
    // The loaded table is sorted by (from_firm, to_firm, year), ids as strings.
    moves.sort_by(|a, b| (&a.from_firm.0, &a.to_firm.0, a.year).cmp(&(&b.from_firm.0, &b.to_firm.0, b.year)));
    let input = MovesInput { rows, person_rows: rows, workers, aggregated: moves.len() };
    (moves, input)
}

#[test]
fn streamed_moves_equal_a_hand_aggregation() {
    let dir = tempfile::tempdir().unwrap();
    let (expected, input) = generate(dir.path(), ROWS);
    for engine in [MovesEngine::default(), MovesEngine::Native] {
        let (ds, report) = load_dataset_with(dir.path(), engine_opts(engine.clone())).unwrap();
        assert_eq!(report.worker_moves, Some(input), "{engine:?}");
        let line = report.tables.iter().find(|t| t.table == "worker_moves").unwrap();
        assert_eq!(line.rows, ROWS);
        assert_eq!(ds.worker_moves.len(), expected.len());
        assert!(ds.worker_moves == expected, "{engine:?}: aggregated moves differ from the hand aggregation");
        let datafusion = matches!(report.moves_route, Some(MovesRoute::DataFusion { .. }));
        assert_eq!(datafusion, engine != MovesEngine::Native, "{:?}", report.moves_route);
    }
    assert!(expected.len() < ROWS / 10, "the test file must repeat triples: {}", expected.len());
}

/// `/proc/self/status` field `name` (VmRSS, VmHWM) in KiB.
fn status_kb(name: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name} in /proc/self/status"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Run by [`peak_memory_of_a_streamed_load_is_bounded`] in a process of its
/// own (this test binary, re-executed): loads the folder named by
/// `CHILD_ENV` and prints the resident memory before and the peak after.
/// Without the variable (an ordinary `--ignored` run) it does nothing.
#[test]
#[ignore = "helper process of peak_memory_of_a_streamed_load_is_bounded"]
fn peak_memory_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else { return };
    let engine =
        if std::env::var_os(CHILD_NATIVE_ENV).is_some() { MovesEngine::Native } else { MovesEngine::default() };
    let before = status_kb("VmRSS:");
    let (ds, _) = load_dataset_with(Path::new(&dir), engine_opts(engine)).unwrap();
    let peak = status_kb("VmHWM:");
    // On a line of its own (libtest has printed the test name without a newline).
    println!("\nMOVES_CHILD before_kb={before} peak_kb={peak} aggregated={}", ds.worker_moves.len());
}

#[test]
fn peak_memory_of_a_streamed_load_is_bounded() {
    if !Path::new("/proc/self/status").exists() {
        eprintln!("no /proc/self/status: peak memory is not measured on this platform");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (expected, _) = generate(dir.path(), ROWS);
    for native in [false, true] {
        let mut child = Command::new(std::env::current_exe().unwrap());
        child.args(["moves_stream::peak_memory_child", "--exact", "--ignored", "--nocapture", "--test-threads=1"]);
        child.env(CHILD_ENV, dir.path());
        if native {
            child.env(CHILD_NATIVE_ENV, "1");
        }
        let out = child.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "child failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        let line =
            stdout.lines().find(|l| l.starts_with("MOVES_CHILD ")).unwrap_or_else(|| panic!("no report in\n{stdout}"));
        let field = |name: &str| -> u64 {
            let v = line.split_whitespace().find_map(|kv| kv.strip_prefix(&format!("{name}=")[..]));
            v.unwrap_or_else(|| panic!("no {name} in {line}")).parse().unwrap()
        };
        assert_eq!(field("aggregated"), expected.len() as u64);
        let growth = field("peak_kb").saturating_sub(field("before_kb"));
        let file_kb = std::fs::metadata(dir.path().join("worker_moves.csv")).unwrap().len() / 1024;
        let route = if native { "native" } else { "DataFusion" };
        eprintln!("{route} load of {ROWS} rows ({file_kb} KiB of CSV): peak memory growth {growth} KiB");
        assert!(
            growth < GROWTH_BOUND_KB,
            "{route}: loading {ROWS} moves grew peak memory by {growth} KiB (bound {GROWTH_BOUND_KB} KiB; file {file_kb} KiB)"
        );
    }
}

/// `spillnet moves sql --dialect duckdb`: the SQL it prints today is the one DuckDB 2.0 ran
/// (`tests/reference/moves_sql.py`, committed), its check query found no row to reject, and
/// DuckDB's aggregation equals spillnet's own aggregation of the same 2,000-row file (person
/// rows, count rows, repeated triples, padded cells, years written `2011.0`).
#[test]
fn moves_sql_for_duckdb_aggregates_as_spillnet_does() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let reference = root.join("tests/reference/moves_sql");
    let out = assert_cmd::Command::cargo_bin("spillnet")
        .unwrap()
        .current_dir(root)
        .args(["-q", "moves", "sql", "--dialect", "duckdb"])
        .args(["--moves", "tests/fixtures/moves_sql/worker_moves.csv", "--firms", "tests/fixtures/moves_sql/firms.csv"])
        .args(["--out", "tests/reference/moves_sql/duckdb_agg.csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let committed = std::fs::read_to_string(reference.join("duckdb.sql")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), committed, "re-run tests/reference/moves_sql.py");
    let check: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reference.join("check.json")).unwrap()).unwrap();
    assert_eq!(check["check_rows"], 0);

    let duck: Vec<(String, String, i32, u64)> = std::fs::read_to_string(reference.join("duckdb_agg.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[1].to_owned(), f[2].parse().unwrap(), f[3].parse().unwrap())
        })
        .collect();
    let data = spillnet::io::load::load_dataset(&root.join("tests/fixtures/moves_sql")).unwrap();
    let mut ours: Vec<(String, String, i32, u64)> =
        data.worker_moves.iter().map(|m| (m.from_firm.to_string(), m.to_firm.to_string(), m.year, m.count)).collect();
    ours.sort();
    assert_eq!(ours.len(), 555);
    assert_eq!(ours, duck);
}
