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
//! the call. The enum is `non_exhaustive` so that a distributed engine
//! (Apache Ballista) can be added beside it, running the same plan.
//!
//! Modules: `scan` (the CSV byte scan), `any_text` (the in-process
//! aggregate that keeps one `person_id` per triple), `plan` (the DataFusion
//! plan and its execution; imports `scan` and `any_text`).
#![deny(missing_docs)]

mod any_text;
mod plan;
mod scan;

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

/// Where the plan runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Engine {
    /// In this process, on all cores, with a memory limit and spilling.
    InProcess(InProcess),
}

impl Default for Engine {
    fn default() -> Self {
        Engine::InProcess(InProcess::default())
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
}
