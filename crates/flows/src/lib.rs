//! Worker moves aggregated by (from_firm, to_firm, year) as an Apache
//! DataFusion plan: [`aggregate_moves`] scans a person-level `worker_moves`
//! file (CSV or Parquet), sums the counts of each triple and checks every
//! row, on all cores, under a memory limit past which DataFusion spills to
//! disk. This crate knows nothing of polars or of spillnet's other tables;
//! `spillnet-io` reads the header, calls it and falls back to its own
//! (native, one-core) loader whenever the answer is [`Outcome::NeedsNative`].
//!
//! # The fast path and its promise
//!
//! The fast path accepts a file only when every row is in canonical form, so
//! that its result is, by construction, the one the native loader would
//! give: ids and `person_id` without surrounding whitespace, years written
//! as plain digits inside [`Rules::years`], counts written as plain digits
//! from 1 to [`MAX_COUNT`] (or empty: one worker), `from_firm` ≠ `to_firm`,
//! both firms in [`Rules::firm_ids`]. Anything else — a row the native loader
//! would reject, a cell it would read after trimming or rounding (`2011.0`,
//! ` A`, `+3`), a CSV text Arrow would read differently (blank lines, lone
//! carriage returns, unusual quoting: `scan`), a Parquet column type, any
//! DataFusion error (bad UTF-8, a ragged row, memory) — gives
//! [`Outcome::NeedsNative`] with a reason, and the native loader produces
//! the exact error message (file, 1-based data row, column) or the result.
//!
//! # Engines
//!
//! [`Engine::InProcess`] runs the plan here, on a tokio runtime created for
//! the call. `Engine::Ballista` (feature `ballista`) runs the same plan on
//! an Apache Ballista cluster: see the `cluster` module for what the
//! cluster needs (the file at the same path on every node) and what comes
//! back (the aggregated rows only). The command line names an engine as
//! `in-process` or `ballista://HOST:PORT` ([`Engine`]'s `FromStr`).
//!
//! Modules: `scan` (the CSV byte scan), `any_text` (the in-process
//! aggregate that keeps one `person_id` per triple), `plan` (the DataFusion
//! plan and its execution; imports `scan` and `any_text`), `cluster` (the
//! Ballista engine and a local cluster; imports `plan`).
#![deny(missing_docs)]

mod any_text;
#[cfg(feature = "ballista")]
pub mod cluster;
mod plan;
mod scan;

#[cfg(feature = "ballista")]
pub use cluster::Cluster;
pub use scan::read_full;

use std::ops::RangeInclusive;
use std::path::Path;

/// The largest count the fast path sums; a larger count goes to the native
/// loader, whose sums are exact up to `u64::MAX`. With counts ≤ 10^9, an
/// `i64` sum cannot overflow below 9 × 10^9 rows.
pub const MAX_COUNT: i64 = 1_000_000_000;

/// The file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma-separated text with a header line (UTF-8, optional byte-order mark).
    Csv,
    /// Apache Parquet.
    Parquet,
}

/// Where the `worker_moves` columns are in the file: 0-based positions
/// among its `width` columns (the caller has matched the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MovesColumns {
    /// Number of columns in the file (ignored ones included).
    pub width: usize,
    /// `from_firm`.
    pub from: usize,
    /// `to_firm`.
    pub to: usize,
    /// `year`.
    pub year: usize,
    /// `count`, when the file has one (otherwise every row is one worker).
    pub count: Option<usize>,
    /// `person_id`, when the file has one.
    pub person: Option<usize>,
}

/// What a valid row must satisfy beyond its form.
#[derive(Debug, Clone)]
pub struct Rules<'a> {
    /// The firm ids rows may name; a flow names firms by position in this list.
    pub firm_ids: &'a [&'a str],
    /// The years allowed.
    pub years: RangeInclusive<i32>,
}

/// Default memory limit of [`InProcess`]: DataFusion spills to disk past it.
pub const DEFAULT_MEMORY_LIMIT: usize = 512 << 20;

/// Settings of the in-process engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InProcess {
    /// Bytes of memory the plan may hold before spilling to the system's
    /// temporary folder ([`DEFAULT_MEMORY_LIMIT`]).
    pub memory_limit: usize,
    /// Threads and partitions; 0 = the available cores.
    pub threads: usize,
}

impl Default for InProcess {
    fn default() -> Self {
        InProcess { memory_limit: DEFAULT_MEMORY_LIMIT, threads: 0 }
    }
}

/// Where the plan runs. Read from text (the command line's `--engine`) by
/// `str::parse`: `in-process`, or `ballista://HOST:PORT` (also written
/// `df://HOST:PORT`) for the Ballista scheduler at HOST:PORT; `Display`
/// writes it back (`in-process` stands for every [`InProcess`] setting).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Engine {
    /// In this process, on all cores, with a memory limit and spilling.
    InProcess(InProcess),
    /// On an Apache Ballista cluster (see the `cluster` module).
    #[cfg(feature = "ballista")]
    Ballista(Cluster),
}

impl Default for Engine {
    fn default() -> Self {
        Engine::InProcess(InProcess::default())
    }
}

impl std::str::FromStr for Engine {
    type Err = String;

    fn from_str(s: &str) -> Result<Engine, String> {
        if s == "in-process" {
            return Ok(Engine::default());
        }
        if s.starts_with("ballista://") || s.starts_with("df://") {
            #[cfg(feature = "ballista")]
            return Cluster::new(s).map(Engine::Ballista);
            #[cfg(not(feature = "ballista"))]
            return Err(format!(
                "engine `{s}`: this build has no Ballista engine (build spillnet-flows with the `ballista` \
                 feature); accepted here: `in-process`"
            ));
        }
        Err(format!(
            "unknown engine `{s}`: expected `in-process` or `ballista://HOST:PORT` (the address of an Apache \
             Ballista scheduler)"
        ))
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Engine::InProcess(_) => f.write_str("in-process"),
            #[cfg(feature = "ballista")]
            Engine::Ballista(cluster) => f.write_str(&cluster.url),
        }
    }
}

/// One aggregated (from_firm, to_firm, year).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// Position of `from_firm` in [`Rules::firm_ids`].
    pub from: u32,
    /// Position of `to_firm` in [`Rules::firm_ids`].
    pub to: u32,
    /// Year.
    pub year: i32,
    /// Summed count (an empty count is one worker).
    pub count: u64,
    /// The row's `person_id` when the triple has a single row; `None` for a
    /// triple of several rows.
    pub person_id: Option<String>,
}

/// The aggregation of a file all of whose rows passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flows {
    /// One entry per distinct triple, in no particular order.
    pub flows: Vec<Flow>,
    /// Data rows in the file.
    pub rows: u64,
    /// Rows with a `person_id`.
    pub person_rows: u64,
    /// Sum of the counts over the rows.
    pub workers: u64,
}

/// The answer of [`aggregate_moves`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every row is canonical and valid: the aggregation.
    Clean(Flows),
    /// The file needs the native loader (the reason, for diagnostics).
    NeedsNative(String),
}

/// A failure of the engine itself (not of the data).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowsError {
    /// The runtime that runs the plan could not start.
    #[error("could not start the DataFusion runtime: {0}")]
    Runtime(String),
    /// The engine's session could not be set up (for a cluster: the
    /// scheduler could not be reached).
    #[error("could not open a DataFusion session: {0}")]
    Session(String),
    /// A local Ballista cluster ([`cluster::LocalCluster`]) could not start.
    #[cfg(feature = "ballista")]
    #[error("could not start a local Ballista cluster: {0}")]
    LocalCluster(String),
}

/// Aggregate the `worker_moves` file `path` (`format`, columns at
/// `columns`) by (from_firm, to_firm, year) on `engine`, checking every row
/// against `rules` (see the module docs for what the fast path accepts).
///
/// Cost: one pass over the file (plus, for CSV, a byte scan at memory
/// speed); memory O(distinct triples) up to the engine's limit, then spilling.
pub fn aggregate_moves(
    path: &Path,
    format: FileFormat,
    columns: MovesColumns,
    rules: &Rules<'_>,
    engine: &Engine,
) -> Result<Outcome, FlowsError> {
    match engine {
        Engine::InProcess(opts) => plan::run_in_process(path, format, columns, rules, *opts),
        #[cfg(feature = "ballista")]
        Engine::Ballista(cluster) => cluster::run_on_cluster(path, format, columns, rules, cluster),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};
    use datafusion::parquet::arrow::ArrowWriter;

    use super::*;

    const FIRMS: [&str; 4] = ["A", "B", "C", "D"];

    fn rules() -> Rules<'static> {
        Rules { firm_ids: &FIRMS, years: 1900..=2100 }
    }

    /// Columns of `from_firm,to_firm,year,count,person_id` (and an ignored `note` at the end when `width` is 6).
    fn cols(width: usize) -> MovesColumns {
        MovesColumns { width, from: 0, to: 1, year: 2, count: Some(3), person: Some(4) }
    }

    fn run(path: &Path, format: FileFormat, columns: MovesColumns) -> Outcome {
        let engine = Engine::InProcess(InProcess { memory_limit: 64 << 20, threads: 2 });
        aggregate_moves(path, format, columns, &rules(), &engine).unwrap()
    }

    fn csv(text: &str, columns: MovesColumns) -> Outcome {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("worker_moves.csv");
        std::fs::write(&p, text).unwrap();
        run(&p, FileFormat::Csv, columns)
    }

    fn flow(from: u32, to: u32, year: i32, count: u64, person: Option<&str>) -> Flow {
        Flow { from, to, year, count, person_id: person.map(Into::into) }
    }

    /// The flows sorted by (from, to, year), and the row counts.
    fn clean(o: Outcome) -> (Vec<Flow>, [u64; 3]) {
        let Outcome::Clean(mut f) = o else { panic!("expected the fast path: {o:?}") };
        f.flows.sort_by_key(|f| (f.from, f.to, f.year));
        (f.flows, [f.rows, f.person_rows, f.workers])
    }

    /// Seven person rows with counts: A→B 2001 three rows (2 + 1 + 4 = 7
    /// workers), B→C 2002 one row with count 3 (keeps p2), C→A 2003 one row
    /// (empty count = 1, keeps p4), A→B 2002 one row without person id.
    const FIXTURE: &str = "from_firm,to_firm,year,count,person_id\n\
        A,B,2001,2,p1\n\
        B,C,2002,3,p2\n\
        A,B,2001,,p3\n\
        C,A,2003,,p4\n\
        A,B,2001,4,p5\n\
        A,B,2002,1,\n";

    fn fixture_flows() -> Vec<Flow> {
        vec![
            flow(0, 1, 2001, 7, None),
            flow(0, 1, 2002, 1, None),
            flow(1, 2, 2002, 3, Some("p2")),
            flow(2, 0, 2003, 1, Some("p4")),
        ]
    }

    #[test]
    fn csv_equals_a_hand_aggregation() {
        assert_eq!(clean(csv(FIXTURE, cols(5))), (fixture_flows(), [6, 5, 12]));
        // Quoted cells, CRLF, a byte-order mark, no final line feed, an ignored column.
        let text = "\u{feff}from_firm,to_firm,year,count,person_id,note\r\n\
            \"A\",B,2001,2,p1,x\r\nB,C,2002,3,\"p2\",\"y, z\"\r\nA,B,2001,,p3,\r\nC,A,2003,,p4,\r\n\
            A,B,2001,4,p5,\r\nA,B,2002,1,,";
        assert_eq!(clean(csv(text, cols(6))), (fixture_flows(), [6, 5, 12]));
        // Header only; no count or person column.
        assert_eq!(
            clean(csv("from_firm,to_firm,year\n", MovesColumns { count: None, person: None, ..cols(3) })).1,
            [0; 3]
        );
        let text = "year,to_firm,from_firm\n2001,B,A\n2001,B,A\n2005,A,D\n";
        let c = MovesColumns { width: 3, from: 2, to: 1, year: 0, count: None, person: None };
        assert_eq!(clean(csv(text, c)), (vec![flow(0, 1, 2001, 2, None), flow(3, 0, 2005, 1, None)], [3, 0, 3]));
    }

    #[test]
    fn anything_not_canonical_needs_the_native_loader() {
        let header = "from_firm,to_firm,year,count,person_id\n";
        for row in [
            "A,B,2001,0,p",
            "A,B,2001,-1,p",
            "A,B,2001,x,p",
            "A,B,2001,007,p",
            "A,B,2001,+7,p",
            "A,B,2001,7.0,p",
            "A,B,2001, 7,p",
            "A,B,2001,1000000001,p",
            "A,B,2001.0,1,p",
            "A,B,02001,1,p",
            "A,B,1800,1,p",
            "A,B,,1,p",
            "A,A,2001,1,p",
            "A,Z,2001,1,p",
            ",B,2001,1,p",
            " A,B,2001,1,p",
            "A,B\u{a0},2001,1,p",
            "A,B,2001,1, p",
            "A,B,2001,1,p\u{3000}",
            "A,B,2001,1,  ",
            "A,B,2001,1",
            "A,B,2001,1,p,q",
            "A,B,2001,1,\"p\"q",
            "A,B\r,2001,1,p",
            "",
        ] {
            let text = format!("{header}A,B,2001,1,ok\n{row}\nC,D,2002,,\n");
            assert!(matches!(csv(&text, cols(5)), Outcome::NeedsNative(_)), "{row:?}");
        }
        let mut bytes = format!("{header}A,B,2001,1,p\n").into_bytes();
        bytes.extend_from_slice(b"A,B,2001,1,\xff\n");
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("worker_moves.csv");
        std::fs::write(&p, bytes).unwrap();
        assert!(matches!(run(&p, FileFormat::Csv, cols(5)), Outcome::NeedsNative(_)));
    }

    #[test]
    fn whitespace_is_rusts() {
        let all: String = (0..=0x10ffff).filter_map(char::from_u32).filter(|c| c.is_whitespace()).collect();
        assert_eq!(plan::WHITESPACE, all);
    }

    fn write_parquet(p: &Path, columns: Vec<(&str, ArrayRef)>) {
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let mut w = ArrowWriter::try_new(std::fs::File::create(p).unwrap(), batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }

    #[test]
    fn parquet_text_and_integer_columns() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("worker_moves.parquet");
        let s = |v: &[Option<&str>]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
        let from = s(&[Some("A"), Some("B"), Some("A"), Some("C"), Some("A"), Some("A")]);
        let to = s(&[Some("B"), Some("C"), Some("B"), Some("A"), Some("B"), Some("B")]);
        let person = s(&[Some("p1"), Some("p2"), Some("p3"), Some("p4"), Some("p5"), None]);
        let year = Arc::new(Int32Array::from(vec![2001, 2002, 2001, 2003, 2001, 2002])) as ArrayRef;
        let count = Arc::new(Int64Array::from(vec![Some(2), Some(3), None, None, Some(4), Some(1)])) as ArrayRef;
        let note = Arc::new(Float64Array::from(vec![0.5; 6])) as ArrayRef;
        let columns = vec![
            ("from_firm", from.clone()),
            ("to_firm", to.clone()),
            ("year", year.clone()),
            ("count", count),
            ("person_id", person.clone()),
            ("note", note),
        ];
        write_parquet(&p, columns);
        assert_eq!(clean(run(&p, FileFormat::Parquet, cols(6))), (fixture_flows(), [6, 5, 12]));
        // Years as text; a count of 0 → native.
        let year_text = s(&[Some("2001"), Some("2002"), Some("2001"), Some("2003"), Some("2001"), Some("2002")]);
        let zero = Arc::new(Int64Array::from(vec![Some(2), Some(0), None, None, Some(4), Some(1)])) as ArrayRef;
        write_parquet(
            &p,
            vec![("from_firm", from), ("to_firm", to), ("year", year_text), ("count", zero), ("person_id", person)],
        );
        assert!(matches!(run(&p, FileFormat::Parquet, cols(5)), Outcome::NeedsNative(_)));
        // Float-typed years → native.
        let years = Arc::new(Float64Array::from(vec![2001.0; 2])) as ArrayRef;
        write_parquet(&p, vec![("from_firm", s(&[Some("A"); 2])), ("to_firm", s(&[Some("B"); 2])), ("year", years)]);
        let c = MovesColumns { width: 3, from: 0, to: 1, year: 2, count: None, person: None };
        assert!(matches!(run(&p, FileFormat::Parquet, c), Outcome::NeedsNative(_)));
    }

    #[test]
    fn engines_are_read_from_text() {
        assert_eq!("in-process".parse::<Engine>(), Ok(Engine::default()));
        assert_eq!(Engine::default().to_string(), "in-process");
        for bad in ["", "inprocess", "In-Process", "local", "http://127.0.0.1:50050", "127.0.0.1:50050"] {
            let e = bad.parse::<Engine>().unwrap_err();
            assert!(e.contains("`in-process`") && e.contains("ballista://HOST:PORT"), "{bad:?}: {e}");
        }
        #[cfg(not(feature = "ballista"))]
        for url in ["ballista://127.0.0.1:50050", "df://h:1"] {
            assert!(url.parse::<Engine>().unwrap_err().contains("`ballista` feature"), "{url}");
        }
        #[cfg(feature = "ballista")]
        {
            let ballista = |url: &str| Engine::Ballista(Cluster { url: url.into() });
            for (text, url) in [
                ("ballista://127.0.0.1:50050", "df://127.0.0.1:50050"),
                ("ballista://127.0.0.1:50050/", "df://127.0.0.1:50050"),
                ("df://127.0.0.1:50050", "df://127.0.0.1:50050"),
                ("ballista://scheduler.example:7000", "df://scheduler.example:7000"),
                ("ballista://[::1]:50050", "df://[::1]:50050"),
                ("ballista://node1", "df://node1:50050"),
            ] {
                let engine = text.parse::<Engine>().unwrap();
                assert_eq!(engine, ballista(url), "{text}");
                assert_eq!(engine.to_string().parse::<Engine>().unwrap(), engine, "{text}");
            }
            for bad in [
                "ballista://",
                "ballista://:50050",
                "ballista://h:port",
                "ballista://h:70000",
                "ballista://h:1/path",
                "ballista://h:1?x=1",
                "ballista://user@h:1",
            ] {
                let e = bad.parse::<Engine>().unwrap_err();
                assert!(e.contains("ballista://HOST:PORT") && e.contains(bad), "{bad:?}: {e}");
            }
        }
    }

    /// The Ballista engine on a scheduler and two executors in this process.
    #[cfg(feature = "ballista")]
    mod on_cluster {
        use std::collections::HashMap;
        use std::sync::mpsc;
        use std::time::{Duration, Instant};

        use super::*;
        use crate::cluster::{LocalCluster, PROBE_TIMEOUT};

        /// The longest the whole cluster test may take.
        const TEST_TIMEOUT: Duration = Duration::from_secs(180);

        /// Run `f` on a thread of its own, failing the test if it takes
        /// longer than [`TEST_TIMEOUT`] (a stuck cluster would otherwise hang it).
        fn bounded(f: impl FnOnce() + Send + 'static) {
            let (done, finished) = mpsc::channel();
            let worker = std::thread::spawn(move || {
                f();
                let _ = done.send(());
            });
            match finished.recv_timeout(TEST_TIMEOUT) {
                Ok(()) => worker.join().unwrap(),
                Err(mpsc::RecvTimeoutError::Disconnected) => std::panic::resume_unwind(worker.join().unwrap_err()),
                Err(mpsc::RecvTimeoutError::Timeout) => panic!("the cluster test took over {TEST_TIMEOUT:?}"),
            }
        }

        /// One generated row: from, to, year, count (`None`: empty), person_id.
        type Row = (usize, usize, i32, Option<u64>, Option<String>);

        /// `n` canonical rows over `firms` firms, seeded (a 64-bit LCG):
        /// about a fifth of the counts empty and a quarter of the person ids
        /// missing; many triples have a single row.
        fn generate(n: usize, firms: usize) -> Vec<Row> {
            let mut state = 0x2545_f491_4f6c_dd1d_u64;
            let mut next = move |m: u64| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                usize::try_from((state >> 33) % m).unwrap()
            };
            (0..n)
                .map(|i| {
                    let from = next(firms as u64);
                    let to = (from + 1 + next(firms as u64 - 1)) % firms;
                    let year = 2000 + i32::try_from(next(11)).unwrap();
                    let count = (next(5) != 0).then(|| 1 + next(9) as u64);
                    let person = (next(4) != 0).then(|| format!("p{i}"));
                    (from, to, year, count, person)
                })
                .collect()
        }

        /// The rows aggregated by hand: flows sorted by (from, to, year), and
        /// [rows, person rows, workers].
        fn by_hand(rows: &[Row]) -> (Vec<Flow>, [u64; 3]) {
            let mut triples: HashMap<(u32, u32, i32), Vec<&Row>> = HashMap::new();
            for row in rows {
                let key = (u32::try_from(row.0).unwrap(), u32::try_from(row.1).unwrap(), row.2);
                triples.entry(key).or_default().push(row);
            }
            let mut flows: Vec<Flow> = triples
                .into_iter()
                .map(|((from, to, year), rows)| Flow {
                    from,
                    to,
                    year,
                    count: rows.iter().map(|r| r.3.unwrap_or(1)).sum(),
                    person_id: if let [row] = rows[..] { row.4.clone() } else { None },
                })
                .collect();
            flows.sort_by_key(|f| (f.from, f.to, f.year));
            let persons = rows.iter().filter(|r| r.4.is_some()).count() as u64;
            let workers = rows.iter().map(|r| r.3.unwrap_or(1)).sum();
            (flows, [rows.len() as u64, persons, workers])
        }

        fn write_csv(p: &Path, ids: &[String], rows: &[Row]) {
            let mut text = String::from("from_firm,to_firm,year,count,person_id\n");
            for (from, to, year, count, person) in rows {
                let count = count.map(|c| c.to_string()).unwrap_or_default();
                text.push_str(&format!(
                    "{},{},{year},{count},{}\n",
                    ids[*from],
                    ids[*to],
                    person.as_deref().unwrap_or("")
                ));
            }
            std::fs::write(p, text).unwrap();
        }

        fn write_rows_parquet(p: &Path, ids: &[String], rows: &[Row]) {
            let text = |f: &dyn Fn(&Row) -> Option<String>| {
                Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>())) as ArrayRef
            };
            let year = Arc::new(Int32Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())) as ArrayRef;
            let count = rows.iter().map(|r| r.3.map(|c| i64::try_from(c).unwrap())).collect::<Vec<_>>();
            write_parquet(
                p,
                vec![
                    ("from_firm", text(&|r| Some(ids[r.0].clone()))),
                    ("to_firm", text(&|r| Some(ids[r.1].clone()))),
                    ("year", year),
                    ("count", Arc::new(Int64Array::from(count)) as ArrayRef),
                    ("person_id", text(&|r| r.4.clone())),
                ],
            );
        }

        #[test]
        fn ballista_equals_in_process_and_a_hand_aggregation() {
            bounded(|| {
                let started = Instant::now();
                let local = LocalCluster::start(0, 2, 2).unwrap();
                let up = started.elapsed();
                let cluster = local.engine();
                let in_process = Engine::InProcess(InProcess { memory_limit: 64 << 20, threads: 2 });
                let dir = tempfile::tempdir().unwrap();
                let on = |engine: &Engine, p: &Path, format, rules: &Rules<'_>| {
                    aggregate_moves(p, format, cols(5), rules, engine).unwrap()
                };

                // The fixture.
                let p = dir.path().join("fixture.csv");
                std::fs::write(&p, FIXTURE).unwrap();
                assert_eq!(clean(on(&cluster, &p, FileFormat::Csv, &rules())), (fixture_flows(), [6, 5, 12]));

                // A few thousand generated rows, CSV and Parquet.
                let ids: Vec<String> = (0..40).map(|i| format!("F{i:02}")).collect();
                let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                let many = Rules { firm_ids: &id_refs, years: 1900..=2100 };
                let rows = generate(5000, ids.len());
                let expected = by_hand(&rows);
                assert!(expected.0.iter().any(|f| f.person_id.is_some()) && expected.0.len() < rows.len());
                let csv_path = dir.path().join("worker_moves.csv");
                write_csv(&csv_path, &ids, &rows);
                let parquet_path = dir.path().join("worker_moves.parquet");
                write_rows_parquet(&parquet_path, &ids, &rows);
                for (p, format) in [(&csv_path, FileFormat::Csv), (&parquet_path, FileFormat::Parquet)] {
                    let remote = clean(on(&cluster, p, format, &many));
                    assert_eq!(remote, expected, "{format:?}");
                    assert_eq!(clean(on(&in_process, p, format, &many)), remote, "{format:?}");
                }

                // A row the fast path does not accept (a padded count) needs the native loader there too.
                let p = dir.path().join("padded.csv");
                std::fs::write(&p, format!("{FIXTURE}A,B,2001, 7,p\n")).unwrap();
                let o = on(&cluster, &p, FileFormat::Csv, &rules());
                assert!(matches!(o, Outcome::NeedsNative(_)), "{o:?}");
                let ran = started.elapsed();
                drop(local);

                // A closed port: FlowsError::Session naming it, well within the probe's bound.
                let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
                let engine: Engine = format!("ballista://127.0.0.1:{closed}").parse().unwrap();
                let asked = Instant::now();
                let e = aggregate_moves(&csv_path, FileFormat::Csv, cols(5), &many, &engine).unwrap_err();
                let waited = asked.elapsed();
                assert!(matches!(e, FlowsError::Session(_)), "{e:?}");
                assert!(e.to_string().contains(&format!("df://127.0.0.1:{closed}")), "{e}");
                assert!(waited < PROBE_TIMEOUT, "{waited:?}");
                eprintln!(
                    "cluster up in {up:.2?}; four runs on it (and two in-process) in {:.2?}; closed port refused in {waited:.2?}",
                    ran - up
                );
            });
        }
    }
}
