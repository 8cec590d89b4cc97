//! Integration tests: the two routes that load `worker_moves` — the
//! DataFusion plan (`spillnet-flows`, default) and the native streaming
//! loader — give the same table, the same row accounting and the same
//! errors and warnings. A small fixture is compared with a hand aggregation
//! written below; random small files (clean rows and rows with each kind of
//! defect, CSV and Parquet) are loaded both ways; and clean files must take
//! the DataFusion route, so a broken plan cannot hide behind the fallback.

use std::path::Path;

use proptest::prelude::*;
use spillnet::io::load::{
    LoadOptions, LoadReport, MovesEngine, MovesInput, MovesRoute, load_dataset_with, load_dataset_with_sources,
};
use spillnet::io::tables::WorkerMove;
use spillnet::io::write::{ColumnData, TableData, TableFormat, write_table};

/// Firm ids of the test folders.
const FIRMS: [&str; 4] = ["F1", "F2", "F3", "F10"];

/// Write `firms.csv` and an empty `jv_links.csv` into `dir`.
fn write_firms(dir: &Path) {
    let mut firms = String::from("firm_id,name,kind,group_id,province,ownership\n");
    for f in FIRMS {
        firms.push_str(&format!("{f},Firm {f},domestic,,,private\n"));
    }
    std::fs::write(dir.join("firms.csv"), firms).unwrap();
    std::fs::write(dir.join("jv_links.csv"), "jv_id,domestic_parent,foreign_parent,founded,dissolved,foreign_share\n")
        .unwrap();
}

fn wm(from: &str, to: &str, year: i32, count: u64, person: Option<&str>) -> WorkerMove {
    WorkerMove { from_firm: from.into(), to_firm: to.into(), year, count, person_id: person.map(Into::into) }
}

/// Eight rows: F1→F2 2001 in three rows (2 + 1 + 4 = 7 workers), F10→F1
/// 2003 in two rows (1 + 1), F2→F3 2002 one row with count 3 (keeps p2),
/// F1→F2 2002 one row without a person id (count 1), F3→F10 2001 one row
/// (empty count: 1, keeps p8).
const FIXTURE: &str = "from_firm,to_firm,year,count,person_id\n\
    F1,F2,2001,2,p1\n\
    F2,F3,2002,3,p2\n\
    F1,F2,2001,,p3\n\
    F10,F1,2003,,p4\n\
    F1,F2,2001,4,p5\n\
    F1,F2,2002,1,\n\
    F10,F1,2003,1,p7\n\
    F3,F10,2001,,p8\n";

/// The hand aggregation of [`FIXTURE`], sorted by (from_firm, to_firm, year)
/// with ids compared as strings ("F10" < "F2").
fn fixture_expected() -> (Vec<WorkerMove>, MovesInput) {
    let moves = vec![
        wm("F1", "F2", 2001, 7, None),
        wm("F1", "F2", 2002, 1, None),
        wm("F10", "F1", 2003, 2, None),
        wm("F2", "F3", 2002, 3, Some("p2")),
        wm("F3", "F10", 2001, 1, Some("p8")),
    ];
    (moves, MovesInput { rows: 8, person_rows: 7, workers: 14, aggregated: 5 })
}

/// The fixture's rows as `dir/worker_moves.parquet`, years and counts as integers.
fn write_fixture_parquet(dir: &Path) {
    let rows: Vec<Vec<&str>> = FIXTURE.lines().skip(1).map(|l| l.split(',').collect()).collect();
    let text = |k: usize| {
        ColumnData::Text(rows.iter().map(|r| Some(r[k]).filter(|s| !s.is_empty()).map(Into::into)).collect())
    };
    let int = |k: usize| ColumnData::Int(rows.iter().map(|r| r[k].parse().ok()).collect());
    let table = TableData::default()
        .with("from_firm", text(0))
        .with("to_firm", text(1))
        .with("year", int(2))
        .with("count", int(3))
        .with("person_id", text(4));
    write_table(&dir.join("worker_moves.parquet"), &table, TableFormat::Parquet).unwrap();
}

/// The route of the default engine.
fn in_process() -> MovesRoute {
    MovesRoute::DataFusion { engine: "in-process".into() }
}

fn engine_opts(engine: MovesEngine) -> LoadOptions {
    LoadOptions { moves_engine: engine, ..LoadOptions::default() }
}

#[test]
fn datafusion_route_equals_a_hand_aggregation_csv_and_parquet() {
    let (expected, input) = fixture_expected();
    let dir = tempfile::tempdir().unwrap();
    write_firms(dir.path());
    std::fs::write(dir.path().join("worker_moves.csv"), FIXTURE).unwrap();
    for engine in [MovesEngine::default(), MovesEngine::Native] {
        let (ds, report) = load_dataset_with(dir.path(), engine_opts(engine.clone())).unwrap();
        assert_eq!(ds.worker_moves, expected, "{engine:?}");
        assert_eq!(report.worker_moves, Some(input), "{engine:?}");
        // Firms numbered in id order (F1 = 0, F10 = 1, F2 = 2, F3 = 3).
        let positions: Vec<[u32; 2]> = vec![[0, 2], [0, 2], [1, 0], [2, 3], [3, 1]];
        assert_eq!(ds.index().moves, positions, "{engine:?}");
    }
    let (_, report) = load_dataset_with_sources(dir.path()).unwrap();
    assert_eq!(report.moves_route, Some(in_process()));

    // The same rows as Parquet with integer years and counts.
    std::fs::remove_file(dir.path().join("worker_moves.csv")).unwrap();
    write_fixture_parquet(dir.path());
    let (ds, report) = load_dataset_with_sources(dir.path()).unwrap();
    assert_eq!(report.moves_route, Some(in_process()));
    assert_eq!((ds.worker_moves.clone(), report.worker_moves), (expected, Some(input)));
}

#[test]
fn a_file_the_plan_does_not_accept_is_loaded_natively_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    write_firms(dir.path());
    // A padded id and a year written `2001.0`: valid, read by the native loader (with a warning).
    let text = FIXTURE.replace("F3,F10,2001,,p8", " F3 ,F10,2001.0,,p8");
    std::fs::write(dir.path().join("worker_moves.csv"), text).unwrap();
    let (ds, report) = load_dataset_with_sources(dir.path()).unwrap();
    let (expected, input) = fixture_expected();
    assert_eq!((ds.worker_moves.clone(), report.worker_moves), (expected, Some(input)));
    assert!(matches!(report.moves_route, Some(MovesRoute::Native { .. })), "{:?}", report.moves_route);
    let source = report.tables.iter().find(|t| t.table == "worker_moves").unwrap();
    assert_eq!(source.decimal_integers.len(), 1);
    assert_eq!(source.decimal_integers[0].first_row, 8);
}

/// One cell of a generated row: canonical, or one of the defects (some
/// of which the native loader accepts: padding, `2011.0`, `+3`, quotes).
#[derive(Debug, Clone)]
enum Row {
    /// from, to (firm indices), year offset, count (None: empty), person (None: empty).
    Clean { from: usize, to: usize, year: i32, count: Option<u64>, person: Option<u32> },
    /// A clean row with one cell replaced: column index and raw text.
    Cell { from: usize, to: usize, year: i32, col: usize, text: &'static str },
    /// A line that is not a row of five fields (CSV only; Parquet gets a clean row).
    Line(&'static [u8]),
}

/// Cell texts that replace a clean cell (columns 0-4: from_firm, to_firm, year, count, person_id).
const BAD_CELLS: &[(usize, &str)] = &[
    (0, ""),
    (0, " F1"),
    (0, "F9"),
    (0, "F1\u{a0}"),
    (0, "7"),
    (1, "F1"), // equal to from_firm (F1) when from is F1
    (1, "\"F2\""),
    (2, "1800"),
    (2, "2001.0"),
    (2, " 2001"),
    (2, "02001"),
    (2, ""),
    (2, "x"),
    (2, "+2001"),
    (3, "0"),
    (3, "-1"),
    (3, "x"),
    (3, "007"),
    (3, "2.0"),
    (3, " 3"),
    (3, "+3"),
    (3, "1e3"),
    (3, "2000000000"),
    (4, " p"),
    (4, "  "),
    (4, "\"q\""),
];

/// Lines that are not a plain row.
const BAD_LINES: &[&[u8]] = &[
    b"",
    b"F1,F2",
    b"F1,F2,2001,1,p,extra",
    b"F1,F2,2001,1,\xff",
    b"F1,F2,2001,1,\"p",
    b"F1,F2,2001,1,p\r",
    b"F1,F2,2001,1,p\rF1,F2,2001,1,q",
    b"F1,F2,2001,1,p \"x",
    b"\r",
];

fn row_strategy() -> impl Strategy<Value = Row> {
    let firm = 0..FIRMS.len();
    let clean = (firm.clone(), 1..FIRMS.len(), 0..3i32, prop::option::of(1..4u64), prop::option::of(0..5u32)).prop_map(
        |(from, d, year, count, person)| Row::Clean { from, to: (from + d) % FIRMS.len(), year, count, person },
    );
    let cell = (firm, 1..FIRMS.len(), 0..3i32, 0..BAD_CELLS.len()).prop_map(|(from, d, year, k)| Row::Cell {
        from,
        to: (from + d) % FIRMS.len(),
        year,
        col: BAD_CELLS[k].0,
        text: BAD_CELLS[k].1,
    });
    let line = (0..BAD_LINES.len()).prop_map(|k| Row::Line(BAD_LINES[k]));
    prop_oneof![8 => clean, 2 => cell, 1 => line]
}

/// The five cells of a row, `None` for a [`Row::Line`].
fn cells(r: &Row) -> Option<[String; 5]> {
    let base = |from: usize, to: usize, year: i32| {
        [FIRMS[from].to_owned(), FIRMS[to].to_owned(), (2001 + year).to_string(), String::new(), String::new()]
    };
    match r {
        Row::Clean { from, to, year, count, person } => {
            let mut c = base(*from, *to, *year);
            c[3] = count.map(|n| n.to_string()).unwrap_or_default();
            c[4] = person.map(|p| format!("p{p}")).unwrap_or_default();
            Some(c)
        }
        Row::Cell { from, to, year, col, text } => {
            let mut c = base(*from, *to, *year);
            c[*col] = (*text).to_owned();
            Some(c)
        }
        Row::Line(_) => None,
    }
}

/// Write the rows as `worker_moves.csv` (`crlf`: CRLF line ends).
fn write_csv(dir: &Path, rows: &[Row], crlf: bool) {
    let end: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let mut bytes = b"from_firm,to_firm,year,count,person_id".to_vec();
    bytes.extend_from_slice(end);
    for r in rows {
        match (r, cells(r)) {
            (_, Some(c)) => bytes.extend_from_slice(c.join(",").as_bytes()),
            (Row::Line(line), None) => bytes.extend_from_slice(line),
            _ => unreachable!(),
        }
        bytes.extend_from_slice(end);
    }
    std::fs::write(dir.join("worker_moves.csv"), bytes).unwrap();
}

/// Write the rows as `worker_moves.parquet`: text columns, except `year`
/// and `count` as integers when `ints` and every such cell is an integer
/// (lines that are not rows become clean rows).
fn write_parquet(dir: &Path, rows: &[Row], ints: bool) {
    let cells: Vec<[String; 5]> =
        rows.iter().map(|r| cells(r).unwrap_or_else(|| ["F1", "F2", "2001", "", ""].map(String::from))).collect();
    let text =
        |k: usize| ColumnData::Text(cells.iter().map(|c| Some(c[k].clone()).filter(|s| !s.is_empty())).collect());
    let column = |k: usize| {
        let parsed: Option<Vec<Option<i64>>> =
            cells.iter().map(|c| if c[k].is_empty() { Some(None) } else { c[k].parse().ok().map(Some) }).collect();
        match parsed {
            Some(v) if ints => ColumnData::Int(v),
            _ => text(k),
        }
    };
    let table = TableData::default()
        .with("from_firm", text(0))
        .with("to_firm", text(1))
        .with("year", column(2))
        .with("count", column(3))
        .with("person_id", text(4));
    write_table(&dir.join("worker_moves.parquet"), &table, TableFormat::Parquet).unwrap();
}

/// What a load gave: the table, the input accounting, the `worker_moves`
/// line of the report (rows, ignored columns, decimal integers) — or the
/// error message.
type Loaded = Result<(Vec<WorkerMove>, Option<MovesInput>, String), String>;

fn load(dir: &Path, engine: MovesEngine) -> (Loaded, Option<MovesRoute>) {
    match load_dataset_with(dir, engine_opts(engine)) {
        Ok((ds, report)) => {
            let route = report.moves_route.clone();
            let line = moves_line(&report);
            (Ok((ds.worker_moves.clone(), report.worker_moves, line)), route)
        }
        Err(e) => (Err(e.to_string()), None),
    }
}

fn moves_line(report: &LoadReport) -> String {
    let t = report.tables.iter().find(|t| t.table == "worker_moves").unwrap();
    format!("{} rows; ignored {:?}; decimals {:?}", t.rows, t.ignored_columns, t.decimal_integers)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Both routes agree on every file; a file of clean rows takes the DataFusion route.
    #[test]
    fn datafusion_then_fallback_equals_the_native_loader(
        rows in prop::collection::vec(row_strategy(), 0..30),
        parquet in any::<bool>(),
        variant in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        write_firms(dir.path());
        if parquet { write_parquet(dir.path(), &rows, variant) } else { write_csv(dir.path(), &rows, variant) }
        let (fast, route) = load(dir.path(), MovesEngine::default());
        let (native, _) = load(dir.path(), MovesEngine::Native);
        prop_assert_eq!(&fast, &native);
        if rows.iter().all(|r| matches!(r, Row::Clean { .. })) {
            prop_assert_eq!(route, Some(in_process()));
        }
    }
}

/// The `worker_moves` table of a loaded folder as spillnet writes it (CSV text).
#[cfg(feature = "ballista")]
fn written_moves(ds: &spillnet::io::tables::Dataset) -> String {
    let tables = spillnet::io::write::dataset_tables(ds);
    let (_, t) = tables.iter().find(|(spec, _)| spec.name == "worker_moves").expect("a worker_moves table");
    spillnet::io::write::table_to_csv(t)
}

/// On an Apache Ballista cluster started here (a scheduler and two
/// executors on 127.0.0.1, stopped at the end): the written table equals,
/// byte for byte, the in-process one, the native loader's and the hand
/// aggregation's, for the fixture as CSV and as Parquet; the route names the
/// cluster. A file the plan does not accept still gets the native loader's
/// exact error.
#[cfg(feature = "ballista")]
#[test]
fn ballista_cluster_writes_the_same_table_as_in_process_native_and_by_hand() {
    let cluster = spillnet_flows::cluster::LocalCluster::start(0, 2, 1).expect("a local Ballista cluster");
    let engine = MovesEngine::DataFusion(cluster.engine());
    assert!(engine.is_cluster());
    assert_eq!(engine.to_string(), format!("df://127.0.0.1:{}", cluster.port()));
    assert_eq!(MovesEngine::parse(&format!("ballista://127.0.0.1:{}", cluster.port())).unwrap(), engine);
    let (expected, input) = fixture_expected();
    let by_hand = {
        let ds = spillnet::io::tables::Dataset { worker_moves: expected.clone(), ..Default::default() };
        written_moves(&ds)
    };
    let dir = tempfile::tempdir().unwrap();
    write_firms(dir.path());
    std::fs::write(dir.path().join("worker_moves.csv"), FIXTURE).unwrap();
    let check = |dir: &Path| {
        let (ds, report) = load_dataset_with(dir, engine_opts(engine.clone())).unwrap();
        assert_eq!(report.moves_route, Some(MovesRoute::DataFusion { engine: engine.to_string() }));
        assert_eq!((ds.worker_moves.clone(), report.worker_moves), (expected.clone(), Some(input)));
        let on_cluster = written_moves(&ds);
        assert_eq!(on_cluster, by_hand);
        for other in [MovesEngine::default(), MovesEngine::Native] {
            let (ds, _) = load_dataset_with(dir, engine_opts(other)).unwrap();
            assert_eq!(written_moves(&ds), on_cluster);
        }
    };
    check(dir.path());
    // The same rows as Parquet.
    let pq = tempfile::tempdir().unwrap();
    write_firms(pq.path());
    write_fixture_parquet(pq.path());
    check(pq.path());
    // A bad row: the cluster's plan declines it, the native loader names it.
    std::fs::write(dir.path().join("worker_moves.csv"), format!("{FIXTURE}F1,F9,2001,1,p9\n")).unwrap();
    let e = load_dataset_with(dir.path(), engine_opts(engine.clone())).unwrap_err().to_string();
    assert!(e.contains("worker_moves.csv") && e.contains("row 9") && e.contains("F9"), "{e}");
    drop(cluster);
}
