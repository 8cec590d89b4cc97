//! Loading the `worker_moves` table, aggregated by (from_firm, to_firm,
//! year) with summed counts, so memory is O(distinct triples + firms), not
//! O(rows). Two routes, one result:
//!
//! - The DataFusion plan of `spillnet-flows` ([`MovesEngine::DataFusion`],
//!   the default): multi-threaded, memory-limited with spilling. It accepts
//!   only files whose every row is valid and written canonically, and
//!   otherwise says why not.
//! - The native streaming loader, used for every file the plan does not
//!   accept (and for [`MovesEngine::Native`]): reads the file piece by piece
//!   (`io::raw::stream_table`: CSV in chunks of whole records, Parquet in row
//!   batches) on one core and validates every row exactly as the other
//!   tables are validated (same messages, same 1-based data rows, same order
//!   of precedence between errors). Errors and warnings therefore always
//!   come from this loader.
//!
//! The header is read natively first; a header error is left to the native
//! loader, so that its precedence among errors is unchanged.
//!
//! Aggregated rows are sorted by (from_firm, to_firm, year), firm ids
//! compared as strings byte by byte — an order that does not depend on the
//! engine or on the order of the file's rows. A triple that appears in a
//! single row keeps that row as it is (its count and `person_id`); a triple
//! of several rows gets the summed count and no `person_id`. Imports
//! `io::{columns, error, raw, schema, tables, validate, write::TableFormat}`
//! and the crate `spillnet-flows`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;

use super::columns::match_columns;
use super::error::LoadError;
use super::raw::{
    Cell, DecimalIntegers, RawTable, parse_count, parse_text_ref, parse_year, read_header, scan_decimal_integers,
    stream_table,
};
use super::schema;
use super::tables::{Firm, WorkerMove};
use super::validate::FirmIndex;
use super::write::TableFormat;
use spillnet_flows::{Engine, FileFormat, MovesColumns, Outcome, Rules, aggregate_moves};

/// What the `worker_moves` file held before its rows were aggregated by
/// (from_firm, to_firm, year) into [`crate::tables::Dataset::worker_moves`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MovesInput {
    /// Data rows in the file.
    pub rows: usize,
    /// Rows with a `person_id`.
    pub person_rows: usize,
    /// Sum of `count` over the rows (1 for an empty cell or no `count` column).
    pub workers: u64,
    /// Distinct (from_firm, to_firm, year): the length of [`crate::tables::Dataset::worker_moves`].
    pub aggregated: usize,
}

/// How `worker_moves` is aggregated (see the module docs). Written as
/// [`MovesEngine::parse`] reads it (`--engine`, run-file key `engine`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MovesEngine {
    /// The DataFusion plan on this engine, and the native loader for every
    /// file the plan does not accept (the default).
    DataFusion(Engine),
    /// The native loader alone (one core).
    Native,
}

impl Default for MovesEngine {
    fn default() -> Self {
        MovesEngine::DataFusion(Engine::default())
    }
}

/// What `--engine` accepts, for its help and its errors.
pub const ENGINE_VALUES: &str = "`in-process` (DataFusion on this machine, the default), `native` (spillnet's \
                                 one-core loader) or `ballista://HOST:PORT` (an Apache Ballista cluster's scheduler)";

impl MovesEngine {
    /// Read an engine as written on the command line or in a run file:
    /// `in-process`, `native` or `ballista://HOST:PORT`.
    ///
    /// # Errors
    /// A text naming what is accepted.
    pub fn parse(s: &str) -> Result<MovesEngine, String> {
        match s {
            "native" => Ok(MovesEngine::Native),
            _ if s == "in-process" || s.starts_with("ballista://") || s.starts_with("df://") => {
                s.parse::<Engine>().map(MovesEngine::DataFusion)
            }
            _ => Err(format!("engine `{s}`: expected {ENGINE_VALUES}")),
        }
    }

    /// Whether the plan runs on a cluster (whose failures the caller reports).
    pub fn is_cluster(&self) -> bool {
        matches!(self, MovesEngine::DataFusion(e) if !matches!(e, Engine::InProcess(_)))
    }
}

impl std::fmt::Display for MovesEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MovesEngine::Native => f.write_str("native"),
            MovesEngine::DataFusion(e) => e.fmt(f),
        }
    }
}

/// Which loader aggregated `worker_moves`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum MovesRoute {
    /// The DataFusion plan, on the engine named (`in-process`,
    /// `ballista://HOST:PORT`).
    DataFusion {
        /// The engine, as `--engine` writes it.
        engine: String,
    },
    /// The native loader, and why the plan was not used.
    Native {
        /// Why (the file's first obstacle, or the engine chosen).
        reason: String,
    },
}

impl std::fmt::Display for MovesRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MovesRoute::DataFusion { engine } => write!(f, "DataFusion ({engine})"),
            MovesRoute::Native { reason } => write!(f, "the native loader ({reason})"),
        }
    }
}

/// CSV text per piece handed to polars.
const CHUNK_BYTES: usize = 1 << 20;
/// Parquet rows per piece.
const BATCH_ROWS: usize = 1 << 17;

/// The `worker_moves` table aggregated by (from_firm, to_firm, year).
pub(crate) struct Aggregated {
    /// One row per distinct triple, sorted by (from_firm, to_firm, year).
    pub moves: Vec<WorkerMove>,
    /// Per row of `moves`: positions of (from_firm, to_firm) in `firms`.
    pub positions: Vec<[usize; 2]>,
    /// Columns the table does not define, ignored (only when allowed).
    pub ignored_columns: Vec<String>,
    /// `year`/`count` cells written as integral decimals (`2011.0`).
    pub decimal_integers: Vec<DecimalIntegers>,
    /// What the file held before aggregation.
    pub input: MovesInput,
    /// Which loader aggregated it.
    pub route: MovesRoute,
}

/// Read, validate and aggregate the `worker_moves` file `path`; `firms` is
/// the loaded `firms` table and `index` its index.
pub(crate) fn load_worker_moves(
    path: &Path,
    format: TableFormat,
    firms: &[Firm],
    index: &FirmIndex,
    allow_extra: bool,
    engine: &MovesEngine,
) -> Result<Aggregated, LoadError> {
    let reason = match engine {
        MovesEngine::Native => "engine `native`".to_owned(),
        MovesEngine::DataFusion(plan_engine) => match load_with_plan(path, format, firms, allow_extra, plan_engine)? {
            Ok(out) => return Ok(out),
            Err(reason) => reason,
        },
    };
    let mut out = load_with(path, format, firms, index, allow_extra, CHUNK_BYTES, BATCH_ROWS)?;
    out.route = MovesRoute::Native { reason };
    Ok(out)
}

/// The DataFusion route: `Ok(Err(reason))` when the file needs the native loader.
fn load_with_plan(
    path: &Path,
    format: TableFormat,
    firms: &[Firm],
    allow_extra: bool,
    engine: &Engine,
) -> Result<Result<Aggregated, String>, LoadError> {
    let header = match read_header(path, format) {
        Ok(h) => h,
        Err(e) => return Ok(Err(format!("the header could not be read ({e})"))),
    };
    let Ok((cols, ignored)) = Cols::new(&header, allow_extra) else {
        return Ok(Err("the header does not match the table".into()));
    };
    let (Some(from), Some(to), Some(year)) = (cols.from, cols.to, cols.year) else {
        unreachable!("required columns are matched")
    };
    let columns = MovesColumns { width: header.names.len(), from, to, year, count: cols.count, person: cols.person };
    let ids: Vec<&str> = firms.iter().map(|f| f.firm_id.as_str()).collect();
    let rules = Rules { firm_ids: &ids, years: schema::YEAR_MIN..=schema::YEAR_MAX };
    let format = match format {
        TableFormat::Csv => FileFormat::Csv,
        TableFormat::Parquet => FileFormat::Parquet,
    };
    let outcome = aggregate_moves(path, format, columns, &rules, engine)
        .map_err(|e| LoadError::Read { path: path.to_path_buf(), message: e.to_string() })?;
    let flows = match outcome {
        Outcome::Clean(flows) => flows,
        Outcome::NeedsNative(reason) => return Ok(Err(reason)),
    };
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    let input = MovesInput {
        rows: size(flows.rows),
        person_rows: size(flows.person_rows),
        workers: flows.workers,
        aggregated: flows.flows.len(),
    };
    let (moves, positions) =
        table_of(firms, flows.flows.into_iter().map(|f| (f.from, f.to, f.year, f.count, f.person_id)));
    Ok(Ok(Aggregated {
        moves,
        positions,
        ignored_columns: ignored,
        decimal_integers: Vec::new(),
        input,
        route: MovesRoute::DataFusion { engine: engine.to_string() },
    }))
}

/// The aggregated rows (from, to as positions in `firms`; year; count;
/// person id) as table rows sorted by (from_firm, to_firm, year), ids as
/// strings, and their firm positions: the one order of both loaders.
fn table_of(
    firms: &[Firm],
    flows: impl Iterator<Item = (u32, u32, i32, u64, Option<String>)>,
) -> (Vec<WorkerMove>, Vec<[usize; 2]>) {
    let mut rows: Vec<(WorkerMove, [usize; 2])> = flows
        .map(|(from, to, year, count, person_id)| {
            let (f, t) = (from as usize, to as usize);
            let row = WorkerMove {
                from_firm: firms[f].firm_id.clone(),
                to_firm: firms[t].firm_id.clone(),
                year,
                count,
                person_id,
            };
            (row, [f, t])
        })
        .collect();
    rows.sort_unstable_by(|(x, _), (y, _)| {
        (x.from_firm.as_str(), x.to_firm.as_str(), x.year).cmp(&(y.from_firm.as_str(), y.to_firm.as_str(), y.year))
    });
    rows.into_iter().unzip()
}

/// [`load_worker_moves`] with explicit piece sizes (small ones in tests).
fn load_with(
    path: &Path,
    format: TableFormat,
    firms: &[Firm],
    index: &FirmIndex,
    allow_extra: bool,
    chunk_bytes: usize,
    batch_rows: usize,
) -> Result<Aggregated, LoadError> {
    let mut agg = Aggregator::new(path, index);
    let mut cols: Option<Cols> = None;
    let mut ignored = Vec::new();
    let mut decimals = Vec::new();
    let rows = stream_table(path, format, chunk_bytes, batch_rows, &mut |t, first_row| {
        let c = match cols {
            Some(c) => c,
            None => {
                let (c, extra) = Cols::new(t, allow_extra)?;
                ignored = extra;
                *cols.insert(c)
            }
        };
        let integer_cols: Vec<(&str, usize)> =
            [("year", c.year), ("count", c.count)].into_iter().filter_map(|(n, j)| j.map(|j| (n, j))).collect();
        scan_decimal_integers(t, &integer_cols, first_row, &mut decimals);
        (0..t.height).try_for_each(|i| agg.add(t, c, i, first_row + i))
    })?;
    let mut out = agg.finish(rows, firms)?;
    out.ignored_columns = ignored;
    out.decimal_integers = decimals;
    Ok(out)
}

/// Positions of the `worker_moves` columns in the file.
#[derive(Debug, Clone, Copy)]
struct Cols {
    from: Option<usize>,
    to: Option<usize>,
    year: Option<usize>,
    count: Option<usize>,
    person: Option<usize>,
}

impl Cols {
    /// Match the header of `t` to the spec (same errors as every table); also the ignored columns.
    fn new(t: &RawTable, allow_extra: bool) -> Result<(Self, Vec<String>), LoadError> {
        let (idx, extra) = match_columns(t, &schema::WORKER_MOVES, allow_extra)?;
        let at = |name: &str| {
            let k = schema::WORKER_MOVES.columns.iter().position(|c| c.name == name);
            k.and_then(|k| idx[k])
        };
        let cols = Cols {
            from: at("from_firm"),
            to: at("to_firm"),
            year: at("year"),
            count: at("count"),
            person: at("person_id"),
        };
        Ok((cols, extra))
    }
}

/// One decoded row, borrowing its text from the piece.
struct Row<'t> {
    from: Cow<'t, str>,
    to: Cow<'t, str>,
    year: i32,
    count: u64,
    person: Option<Cow<'t, str>>,
}

/// The error for 0-based data row `row` of `t`, column `column`.
fn bad(t: &RawTable, row: usize, column: &str, message: impl Into<String>) -> LoadError {
    LoadError::BadValue { path: t.path.clone(), row: row + 1, column: column.into(), message: message.into() }
}

/// Decode row `i` of the piece `t` (data row `row` of the file) with the
/// rules and messages of the other tables' decoders: `from_firm`, `to_firm`
/// (different firms), `year`, `count` (default 1), `person_id`, in this order.
fn decode(t: &RawTable, c: Cols, i: usize, row: usize) -> Result<Row<'_>, LoadError> {
    let required = |col: Option<usize>, name: &str| {
        col.and_then(|j| t.cell(j, i)).ok_or_else(|| bad(t, row, name, "empty cell; a value is required"))
    };
    fn text<'t>(t: &RawTable, row: usize, cell: Cell<'t>, name: &str) -> Result<Cow<'t, str>, LoadError> {
        parse_text_ref(cell).map_err(|m| bad(t, row, name, m))
    }
    let from = text(t, row, required(c.from, "from_firm")?, "from_firm")?;
    let to = text(t, row, required(c.to, "to_firm")?, "to_firm")?;
    if from == to {
        return Err(bad(
            t,
            row,
            "to_firm",
            format!("to_firm equals from_firm (`{to}`); a move joins two different firms"),
        ));
    }
    let year = parse_year(required(c.year, "year")?).map_err(|m| bad(t, row, "year", m))?;
    let count = match c.count.and_then(|j| t.cell(j, i)) {
        None => 1,
        Some(cell) => parse_count(cell).map_err(|m| bad(t, row, "count", m))?,
    };
    let person = match c.person.and_then(|j| t.cell(j, i)) {
        None => None,
        Some(cell) => Some(text(t, row, cell, "person_id")?),
    };
    Ok(Row { from, to, year, count, person })
}

/// One distinct (from_firm, to_firm, year).
struct Group {
    /// Positions of the firms in `firms`.
    from: u32,
    to: u32,
    year: i32,
    /// Summed count.
    count: u64,
    /// The person id while the group has a single row.
    person: Option<Box<str>>,
}

/// Accumulates decoded rows by triple.
struct Aggregator<'a> {
    path: &'a Path,
    index: &'a FirmIndex,
    /// Triple → position in `groups`.
    seen: HashMap<(u32, u32, i32), u32>,
    groups: Vec<Group>,
    person_rows: usize,
    workers: u64,
    /// The first reference to a firm that does not exist. Reported only when
    /// no row has a bad cell, as when decoding precedes validation.
    dangling: Option<LoadError>,
}

impl<'a> Aggregator<'a> {
    fn new(path: &'a Path, index: &'a FirmIndex) -> Self {
        Aggregator { path, index, seen: HashMap::new(), groups: Vec::new(), person_rows: 0, workers: 0, dangling: None }
    }

    /// Decode and add row `i` of the piece `t`, data row `row` of the file.
    fn add(&mut self, t: &RawTable, c: Cols, i: usize, row: usize) -> Result<(), LoadError> {
        let r = decode(t, c, i, row)?;
        self.person_rows += usize::from(r.person.is_some());
        self.workers = self.workers.saturating_add(r.count);
        let (Some(from), Some(to)) = (self.index.position(&r.from), self.index.position(&r.to)) else {
            if self.dangling.is_none() {
                let (column, value) =
                    if self.index.position(&r.from).is_none() { ("from_firm", &r.from) } else { ("to_firm", &r.to) };
                self.dangling = Some(self.index.dangling(self.path, row + 1, column, value));
            }
            return Ok(());
        };
        let key = (firm_u32(from), firm_u32(to), r.year);
        match self.seen.entry(key) {
            Entry::Vacant(e) => {
                let n = u32::try_from(self.groups.len())
                    .map_err(|_| bad(t, row, "year", "more than 2^32 distinct (from_firm, to_firm, year)"))?;
                e.insert(n);
                self.groups.push(Group {
                    from: key.0,
                    to: key.1,
                    year: r.year,
                    count: r.count,
                    person: r.person.map(|p| p.into()),
                });
            }
            Entry::Occupied(e) => {
                let g = &mut self.groups[*e.get() as usize];
                g.person = None;
                g.count = g.count.checked_add(r.count).ok_or_else(|| {
                    let message =
                        format!("the counts of ({}, {}, {}) sum to more than {}", r.from, r.to, r.year, u64::MAX);
                    bad(t, row, "count", message)
                })?;
            }
        }
        Ok(())
    }

    /// The aggregated table, once the whole file (`rows` data rows) is read.
    fn finish(self, rows: usize, firms: &[Firm]) -> Result<Aggregated, LoadError> {
        if let Some(e) = self.dangling {
            return Err(e);
        }
        drop(self.seen);
        let input =
            MovesInput { rows, person_rows: self.person_rows, workers: self.workers, aggregated: self.groups.len() };
        let (moves, positions) = table_of(
            firms,
            self.groups.into_iter().map(|g| (g.from, g.to, g.year, g.count, g.person.map(String::from))),
        );
        Ok(Aggregated {
            moves,
            positions,
            input,
            ignored_columns: Vec::new(),
            decimal_integers: Vec::new(),
            route: MovesRoute::Native { reason: String::new() },
        })
    }
}

/// A firm position as stored in the aggregation keys.
fn firm_u32(pos: usize) -> u32 {
    u32::try_from(pos).unwrap_or_else(|_| unreachable!("more than 2^32 firms"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{FirmKind, Ownership};
    use crate::write::{ColumnData, TableData, write_table};

    type Triple = (String, String, i32, u64, Option<String>);

    #[test]
    fn engines_are_read_as_written_and_printed_back() {
        for text in ["in-process", "native"] {
            assert_eq!(MovesEngine::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(MovesEngine::parse("in-process").unwrap(), MovesEngine::default());
        assert_eq!(MovesEngine::parse("native").unwrap(), MovesEngine::Native);
        let e = MovesEngine::parse("spark").unwrap_err();
        assert!(e.contains("engine `spark`: expected `in-process`") && e.contains("ballista://HOST:PORT"), "{e}");
        let route = MovesRoute::Native { reason: "the CSV text has a blank line".into() };
        assert_eq!(route.to_string(), "the native loader (the CSV text has a blank line)");
        assert_eq!(MovesRoute::DataFusion { engine: "in-process".into() }.to_string(), "DataFusion (in-process)");
        assert!(!MovesEngine::default().is_cluster() && !MovesEngine::Native.is_cluster());
    }

    #[cfg(feature = "ballista")]
    #[test]
    fn a_cluster_engine_is_read_with_its_scheduler_address() {
        let e = MovesEngine::parse("ballista://10.0.0.5:50050").unwrap();
        assert!(e.is_cluster());
        assert_eq!(e.to_string(), "df://10.0.0.5:50050");
        assert_eq!(MovesEngine::parse(&e.to_string()).unwrap(), e);
        assert!(MovesEngine::parse("ballista://").is_err());
    }

    fn firms() -> Vec<Firm> {
        ["A", "B", "C"]
            .iter()
            .map(|id| Firm {
                firm_id: (*id).into(),
                name: (*id).into(),
                kind: FirmKind::Domestic,
                group_id: (*id).into(),
                province: None,
                ownership: Ownership::Private,
            })
            .collect()
    }

    /// Load `path` with pieces of `chunk` bytes / `batch` rows; errors as
    /// their message with the folder removed.
    fn load_file(path: &Path, format: TableFormat, chunk: usize, batch: usize) -> Result<Aggregated, String> {
        let firms = firms();
        let index = FirmIndex::new(&firms, Path::new("firms.csv"));
        load_with(path, format, &firms, &index, false, chunk, batch)
            .map_err(|e| e.to_string().replace(&format!("{}/", path.parent().unwrap().display()), ""))
    }

    /// Load `bytes` as `worker_moves.csv` with pieces of `chunk` bytes.
    fn load_csv(bytes: impl AsRef<[u8]>, chunk: usize) -> Result<Aggregated, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("worker_moves.csv");
        std::fs::write(&path, bytes).unwrap();
        load_file(&path, TableFormat::Csv, chunk, 1)
    }

    fn triples(a: &Aggregated) -> Vec<Triple> {
        a.moves
            .iter()
            .map(|m| (m.from_firm.0.clone(), m.to_firm.0.clone(), m.year, m.count, m.person_id.clone()))
            .collect()
    }

    fn t(from: &str, to: &str, year: i32, count: u64, person: Option<&str>) -> Triple {
        (from.into(), to.into(), year, count, person.map(Into::into))
    }

    const PERSONS: &str = "from_firm,to_firm,year,person_id\n\
        A,B,2001,p1\n\
        B,C,2002,p2\n\
        A,B,2001,p3\n\
        C,A,2003,p4\n\
        A,B,2001,p5\n\
        A,B,2002,p6\n";

    #[test]
    fn duplicates_are_summed_and_sorted_by_triple_for_any_chunk_size() {
        for chunk in [1, 7, 30, 1 << 20] {
            let a = load_csv(PERSONS, chunk).unwrap();
            assert_eq!(
                triples(&a),
                [
                    t("A", "B", 2001, 3, None),
                    t("A", "B", 2002, 1, Some("p6")),
                    t("B", "C", 2002, 1, Some("p2")),
                    t("C", "A", 2003, 1, Some("p4")),
                ],
                "chunk {chunk}"
            );
            assert_eq!(a.input, MovesInput { rows: 6, person_rows: 6, workers: 6, aggregated: 4 });
        }
    }

    #[test]
    fn count_column_defaults_to_one_and_is_summed() {
        let a = load_csv("from_firm,to_firm,year,count\nA,B,2001,3\nA,B,2001,\nB,A,2001,\nA,B,2001,4\n", 5).unwrap();
        assert_eq!(triples(&a), [t("A", "B", 2001, 8, None), t("B", "A", 2001, 1, None)]);
        assert_eq!(a.input, MovesInput { rows: 4, person_rows: 0, workers: 9, aggregated: 2 });
        // Columns in any order; no count column.
        let a = load_csv("year,to_firm,from_firm\n2001,B,A\n", 5).unwrap();
        assert_eq!(triples(&a), [t("A", "B", 2001, 1, None)]);
    }

    #[test]
    fn header_only_crlf_bom_quotes_and_no_final_newline() {
        let a = load_csv("from_firm,to_firm,year\n", 1).unwrap();
        assert!(a.moves.is_empty() && a.input.rows == 0);
        let a = load_csv("\u{feff}from_firm,to_firm,year\r\nA,B,2001\r\n\"A\", B ,2001", 1).unwrap();
        assert_eq!(triples(&a), [t("A", "B", 2001, 2, None)]);
        assert_eq!(a.input.rows, 2);
    }

    #[test]
    fn error_rows_are_file_rows_whatever_the_chunk_size() {
        const HEADER: &str = "from_firm,to_firm,year,count\n";
        let body = "A,B,2001,2\n".repeat(50);
        // Rows 1-50, then `line` as row 51, then rows 52-101.
        let with = |line: &str| format!("{HEADER}{body}{line}\n{body}");
        for chunk in [1, 13, 100, 1 << 20] {
            let fails = |text: &str, expected: &str| {
                assert_eq!(load_csv(text, chunk).err().unwrap(), expected, "chunk {chunk}");
            };
            fails(&with("A,B,2001,0"), "worker_moves.csv: row 51, column `count`: count must be at least 1, found 0");
            fails(&with("A,B,2001,-2"), "worker_moves.csv: row 51, column `count`: count must be at least 1, found -2");
            fails(&with("A,B,2001,x"), "worker_moves.csv: row 51, column `count`: expected an integer, found `x`");
            fails(
                &with("A,B,1800,1"),
                "worker_moves.csv: row 51, column `year`: year 1800 is out of range [1900, 2100]",
            );
            fails(
                &with("A,A,2001,1"),
                "worker_moves.csv: row 51, column `to_firm`: to_firm equals from_firm (`A`); a move joins two different firms",
            );
            fails(&with(",B,2001,1"), "worker_moves.csv: row 51, column `from_firm`: empty cell; a value is required");
            fails(
                &with("A,Z,2001,1"),
                "worker_moves.csv: row 51, column `to_firm`: `Z` not found (no such firm_id in firms.csv)",
            );
            fails(&with("A,B"), "worker_moves.csv: row 51 has 2 fields, but the header has 4");
            fails(&with(""), "worker_moves.csv: row 51 is a blank line; remove it");
            fails(&with("A,B,2001,\"1"), "worker_moves.csv: row 51: a quoted field is never closed");
            let mut bytes = with("A,B,2001,1").into_bytes();
            let at = HEADER.len() + body.len() + 2;
            bytes[at] = 0xff;
            assert_eq!(load_csv(&bytes, chunk).err().unwrap(), "worker_moves.csv: row 51 is not valid UTF-8");

            // Precedence as when the file is read whole: a dangling reference
            // (row 51) < a bad cell (row 102) < bad UTF-8 (row 153) < a
            // structural defect (row 204), whatever comes first.
            let dangling = format!("{HEADER}{body}Z,B,2001,1\n{body}");
            let cell = format!("{dangling}A,B,x,1\n{body}");
            fails(&cell, "worker_moves.csv: row 102, column `year`: expected an integer, found `x`");
            let mut utf8 = format!("{cell}A,B,2001,1\n{body}").into_bytes();
            let at = cell.len() + 2;
            utf8[at] = 0xff;
            assert_eq!(load_csv(&utf8, chunk).err().unwrap(), "worker_moves.csv: row 153 is not valid UTF-8");
            utf8.extend_from_slice(b"A,B\n");
            assert_eq!(
                load_csv(&utf8, chunk).err().unwrap(),
                "worker_moves.csv: row 204 has 2 fields, but the header has 4"
            );
        }
    }

    #[test]
    fn header_errors_are_those_of_every_table() {
        assert_eq!(
            load_csv("from_firm,year\nA,2001\n", 1).err().unwrap(),
            "worker_moves.csv: missing column `to_firm`"
        );
        assert_eq!(
            load_csv("from_firm,to_firm,year,n\nA,B,2001,1\n", 1).err().unwrap(),
            "worker_moves.csv: unexpected column `n` (allowed: from_firm, to_firm, year, count, person_id; --allow-extra-columns ignores such columns)"
        );
        assert!(load_csv("", 1).err().unwrap().starts_with("worker_moves.csv: "));
        assert_eq!(load_csv("\n", 1).err().unwrap(), "worker_moves.csv: the header line is empty");
    }

    #[test]
    fn count_overflow_is_an_error() {
        let text = format!("from_firm,to_firm,year,count\nA,B,2001,{}\nA,B,2001,1\n", i64::MAX);
        let a = load_csv(&text, 1).unwrap();
        assert_eq!(a.moves[0].count, i64::MAX as u64 + 1);
        let text = format!("{text}A,B,2001,{}\n", i64::MAX);
        assert_eq!(load_csv(&text, 1).unwrap().moves[0].count, u64::MAX);
        assert_eq!(
            load_csv(format!("{text}A,B,2001,1\n"), 1).err().unwrap(),
            format!(
                "worker_moves.csv: row 4, column `count`: the counts of (A, B, 2001) sum to more than {}",
                u64::MAX
            )
        );
    }

    #[test]
    fn parquet_in_small_batches() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("worker_moves.parquet");
        let text = |v: &[&str]| ColumnData::Text(v.iter().map(|s| (!s.is_empty()).then(|| (*s).to_owned())).collect());
        let table = TableData::default()
            .with("from_firm", text(&["A", "B", "A", "C"]))
            .with("to_firm", text(&["B", "C", "B", "A"]))
            .with("year", ColumnData::Int(vec![Some(2001), Some(2002), Some(2001), Some(2003)]))
            .with("person_id", text(&["p1", "p2", "", "p4"]));
        write_table(&path, &table, TableFormat::Parquet).unwrap();
        for batch in [1, 3, 100] {
            let a = load_file(&path, TableFormat::Parquet, 1, batch).unwrap();
            assert_eq!(
                triples(&a),
                [t("A", "B", 2001, 2, None), t("B", "C", 2002, 1, Some("p2")), t("C", "A", 2003, 1, Some("p4"))]
            );
            assert_eq!(a.input, MovesInput { rows: 4, person_rows: 3, workers: 4, aggregated: 3 });
        }
        let table = TableData::default()
            .with("from_firm", text(&["A", "A", "A"]))
            .with("to_firm", text(&["B", "B", "B"]))
            .with("year", ColumnData::Int(vec![Some(2001), Some(2001), Some(3001)]));
        write_table(&path, &table, TableFormat::Parquet).unwrap();
        for batch in [1, 2, 100] {
            assert_eq!(
                load_file(&path, TableFormat::Parquet, 1, batch).err().unwrap(),
                "worker_moves.parquet: row 3, column `year`: year 3001 is out of range [1900, 2100]"
            );
        }
    }
}
