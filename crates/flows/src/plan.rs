//! The DataFusion plan of [`crate::aggregate_moves`] and its in-process
//! execution.
//!
//! One pass, one aggregate: the rows are grouped by their raw
//! (from_firm, to_firm, year) cells — in canonical form a cell's text and
//! its value determine each other, so grouping by text is grouping by value
//! — and each group gets its row count, summed count, `person_id` count,
//! one `person_id` (the row's own when the group has one row) and the
//! number of rows whose `count` or `person_id` is not canonical. The
//! per-triple rules (ids without surrounding whitespace, `from_firm` ≠
//! `to_firm`, plain-digit years in range, both firms known) then run in Rust
//! on the aggregated rows, which are few (distinct triples) — cheaper than
//! joining every row with the firms table, and with Rust's own definitions
//! of whitespace and integers. Imports `scan`, `any_text` and the crate root.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::execution::FunctionRegistry;
use datafusion::execution::disk_manager::DiskManagerBuilder;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::functions_aggregate::expr_fn::{count, max, sum};
use datafusion::prelude::{
    Column, CsvReadOptions, DataFrame, Expr, ParquetReadOptions, SessionConfig, SessionContext, btrim, cast, coalesce,
    col, lit, nullif, try_cast, when,
};

use crate::any_text;
use crate::scan::csv_obstacle;
use crate::{FileFormat, Flow, Flows, FlowsError, InProcess, MAX_COUNT, MovesColumns, Outcome, Rules};

/// Every character with the Unicode `White_Space` property, which Rust's
/// `str::trim` removes (and so the native loader): a `person_id` that
/// `btrim` with these characters changes is not canonical.
pub(crate) const WHITESPACE: &str = "\t\n\u{b}\u{c}\r \u{85}\u{a0}\u{1680}\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\
                          \u{2006}\u{2007}\u{2008}\u{2009}\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}";

/// Run the plan on a tokio runtime of `opts.threads` threads.
pub(crate) fn run_in_process(
    path: &Path,
    format: FileFormat,
    columns: MovesColumns,
    rules: &Rules<'_>,
    opts: InProcess,
) -> Result<Outcome, FlowsError> {
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let context = async move || {
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(FairSpillPool::new(opts.memory_limit)))
            .with_disk_manager_builder(DiskManagerBuilder::default())
            .build_arc()?;
        let config = SessionConfig::new().with_target_partitions(threads);
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        ctx.register_udaf(any_text::udaf());
        Ok(ctx)
    };
    run(path, format, columns, rules, threads, context)
}

/// Run the plan in the session `context` gives, on a tokio runtime of
/// `threads` threads: the session first, then the file checks that need no
/// engine, the plan, and the per-triple rules. A session that cannot be
/// made is [`FlowsError::Session`] whatever the file holds (so a cluster
/// that does not answer is an error, never a quiet fall back to the native
/// loader); any error of the plan itself is [`Outcome::NeedsNative`].
pub(crate) fn run(
    path: &Path,
    format: FileFormat,
    columns: MovesColumns,
    rules: &Rules<'_>,
    threads: usize,
    context: impl AsyncFnOnce() -> datafusion::error::Result<SessionContext>,
) -> Result<Outcome, FlowsError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("spillnet-flows")
        .enable_all()
        .build()
        .map_err(|e| FlowsError::Runtime(e.to_string()))?;
    let ctx = runtime.block_on(context()).map_err(|e| FlowsError::Session(e.to_string()))?;
    if format == FileFormat::Csv {
        match csv_obstacle(path) {
            Ok(None) => {}
            Ok(Some(o)) => return Ok(Outcome::NeedsNative(o.reason().into())),
            Err(e) => return Ok(Outcome::NeedsNative(format!("cannot read the file: {e}"))),
        }
    }
    let Some(table) = table_path(path) else {
        return Ok(Outcome::NeedsNative("the path is not UTF-8 or holds a glob character (`*`, `?`, `[`)".into()));
    };
    Ok(match runtime.block_on(aggregate(&ctx, &table, format, columns)) {
        Err(e) => Outcome::NeedsNative(format!("DataFusion: {e}")),
        Ok(Err(reason)) => Outcome::NeedsNative(reason),
        Ok(Ok((batches, year_text))) => match flows_of(&batches, year_text, rules) {
            Ok(flows) => Outcome::Clean(flows),
            Err(reason) => Outcome::NeedsNative(reason),
        },
    })
}

/// The table path and file extension DataFusion lists, or `None` when the
/// path is not UTF-8 or would be read as a glob pattern.
fn table_path(path: &Path) -> Option<(String, String)> {
    let abs = std::fs::canonicalize(path).ok()?;
    let s = abs.to_str()?;
    if s.contains(['*', '?', '[']) {
        return None;
    }
    let ext = abs.file_name()?.to_str()?.rsplit_once('.').map(|(_, e)| format!(".{e}")).unwrap_or_default();
    Some((s.to_owned(), ext))
}

/// How a column of the file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Text (every CSV column; Parquet string columns).
    Text,
    /// Parquet integers that fit an `i64` (unsigned 64-bit ones excluded).
    Int,
}

/// The kind of a Parquet column of type `t`; `None` for a type the fast
/// path leaves to the native loader. `ignored`: a column the table does not
/// define, which only has to be of a type the native reader accepts.
fn kind(t: &DataType, ignored: bool) -> Option<Kind> {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Some(Kind::Text),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => Some(Kind::Int),
        DataType::UInt64 | DataType::Float32 | DataType::Float64 if ignored => Some(Kind::Int),
        _ => None,
    }
}

/// The aggregated batches (columns f, t, y, rows, workers, persons, person,
/// bad) and whether `y` is text; `Err(reason)` when the file's columns do
/// not suit the fast path.
type Aggregated = Result<(Vec<RecordBatch>, bool), String>;

/// Build and run the plan (see the module docs).
async fn aggregate(
    ctx: &SessionContext,
    (path, ext): &(String, String),
    format: FileFormat,
    c: MovesColumns,
) -> datafusion::error::Result<Aggregated> {
    let df = match format {
        FileFormat::Csv => {
            // Every column as text, named by position (the header was matched by the caller).
            // String views: trimming and comparing them copies no bytes.
            let fields: Vec<Field> =
                (0..c.width).map(|j| Field::new(format!("c{j}"), DataType::Utf8View, true)).collect();
            let schema = Schema::new(fields);
            let opts = CsvReadOptions::new().has_header(true).schema(&schema).file_extension(ext);
            ctx.read_csv(path.as_str(), opts).await?
        }
        FileFormat::Parquet => ctx.read_parquet(path.as_str(), ParquetReadOptions::new().file_extension(ext)).await?,
    };
    let fields = df.schema().fields().clone();
    if fields.len() != c.width {
        return Ok(Err(format!("DataFusion sees {} columns, the header {}", fields.len(), c.width)));
    }
    let used = [Some(c.from), Some(c.to), Some(c.year), c.count, c.person];
    let mut kinds = Vec::with_capacity(fields.len());
    for (j, f) in fields.iter().enumerate() {
        match kind(f.data_type(), !used.contains(&Some(j))) {
            Some(k) => kinds.push(k),
            None => return Ok(Err(format!("column `{}` has type {}", f.name(), f.data_type()))),
        }
    }
    let column = |j: usize| Expr::Column(Column::from_name(fields[j].name().clone()));
    // Text as text (empty = null: Arrow's CSV reader already reads an empty
    // cell as null), integers as their decimal text.
    let text = |j: usize| match kinds[j] {
        Kind::Text if format == FileFormat::Csv => column(j),
        Kind::Text => nullif(column(j), lit("")),
        Kind::Int => cast(column(j), DataType::Utf8),
    };
    let year_text = kinds[c.year] == Kind::Text;
    let year = if year_text { text(c.year) } else { cast(column(c.year), DataType::Int64) };
    let (workers, bad_count) = match c.count {
        None => (lit(1i64), lit(false)),
        Some(j) => {
            let n = match kinds[j] {
                Kind::Text => try_cast(text(j), DataType::Int64),
                Kind::Int => cast(column(j), DataType::Int64),
            };
            let mut bad = n.clone().is_null().or(n.clone().lt(lit(1i64))).or(n.clone().gt(lit(MAX_COUNT)));
            if kinds[j] == Kind::Text {
                // Plain digits only: `007`, `+7`, `7.0` and ` 7` print back differently.
                bad = bad.or(cast(n.clone(), DataType::Utf8).not_eq(text(j)));
            }
            (coalesce(vec![n, lit(1i64)]), text(j).is_not_null().and(bad))
        }
    };
    let (person, bad_person) = match c.person {
        None => (lit(datafusion::scalar::ScalarValue::Utf8(None)), lit(false)),
        Some(j) if kinds[j] == Kind::Int => (text(j), lit(false)),
        Some(j) => {
            let p = text(j);
            let padded = btrim(vec![p.clone(), lit(WHITESPACE)]).not_eq(p.clone());
            (p.clone(), p.is_not_null().and(padded))
        }
    };
    let bad = when(bad_count.or(bad_person), lit(1i64)).otherwise(lit(0i64))?;
    // One person id per triple (used only for a triple of one row): the
    // session's cheap `spillnet_any_text` when it has it, else `max`.
    let one_person = match ctx.udaf(any_text::NAME) {
        Ok(f) => f.call(vec![cast(person.clone(), DataType::Utf8View)]),
        Err(_) => max(person.clone()),
    };
    let df: DataFrame = df.aggregate(
        vec![text(c.from).alias("f"), text(c.to).alias("t"), year.alias("y")],
        vec![
            count(lit(1i64)).alias("rows"),
            sum(workers).alias("workers"),
            count(person.clone()).alias("persons"),
            one_person.alias("person"),
            sum(bad).alias("bad"),
        ],
    )?;
    let df = df.select(vec![
        cast(col("f"), DataType::Utf8).alias("f"),
        cast(col("t"), DataType::Utf8).alias("t"),
        cast(col("y"), if year_text { DataType::Utf8 } else { DataType::Int64 }).alias("y"),
        cast(col("rows"), DataType::Int64).alias("rows"),
        cast(col("workers"), DataType::Int64).alias("workers"),
        cast(col("persons"), DataType::Int64).alias("persons"),
        cast(col("person"), DataType::Utf8).alias("person"),
        cast(col("bad"), DataType::Int64).alias("bad"),
    ])?;
    Ok(Ok((df.collect().await?, year_text)))
}

/// The flows of the aggregated batches, after the per-triple rules (see
/// the module docs); `Err(reason)` for the first triple that breaks one.
fn flows_of(batches: &[RecordBatch], year_text: bool, rules: &Rules<'_>) -> Result<Flows, String> {
    let firms: HashMap<&str, u32> = rules
        .firm_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, u32::try_from(i).unwrap_or_else(|_| unreachable!("more than 2^32 firms"))))
        .collect();
    let mut out = Flows { flows: Vec::new(), rows: 0, person_rows: 0, workers: 0 };
    for b in batches {
        let text = |k: usize| b.column(k).as_string::<i32>();
        let int = |k: usize| b.column(k).as_primitive::<Int64Type>();
        let (from, to, person) = (text(0), text(1), text(6));
        let (rows, workers, persons, bad) = (int(3), int(4), int(5), int(7));
        for i in 0..b.num_rows() {
            if bad.value(i) > 0 {
                return Err(
                    "a count or person_id cell is not written canonically (plain digits from 1, no padding)".into()
                );
            }
            let from_id = firm_cell(from, i, "from_firm")?;
            let to_id = firm_cell(to, i, "to_firm")?;
            if from_id == to_id {
                return Err("a move from a firm to itself".into());
            }
            let year = if year_text {
                let y = b.column(2).as_string::<i32>();
                let s = (!y.is_null(i)).then(|| y.value(i)).ok_or("an empty year cell")?;
                s.parse::<i32>().ok().filter(|v| v.to_string() == s).ok_or("a year not written as plain digits")?
            } else {
                let y = b.column(2).as_primitive::<Int64Type>();
                let v = (!y.is_null(i)).then(|| y.value(i)).ok_or("an empty year cell")?;
                i32::try_from(v).map_err(|_| "a year out of range")?
            };
            if !rules.years.contains(&year) {
                return Err("a year out of range".into());
            }
            let (Some(&from_pos), Some(&to_pos)) = (firms.get(from_id), firms.get(to_id)) else {
                return Err("a firm id not in firms".into());
            };
            let n = rows.value(i);
            let count = u64::try_from(workers.value(i)).map_err(|_| "a negative sum of counts")?;
            out.rows += u64::try_from(n).unwrap_or(0);
            out.person_rows += u64::try_from(persons.value(i)).unwrap_or(0);
            out.workers += count;
            let person_id = (n == 1 && !person.is_null(i)).then(|| person.value(i).to_owned());
            out.flows.push(Flow { from: from_pos, to: to_pos, year, count, person_id });
        }
    }
    Ok(out)
}

/// Row `i` of a firm id column: non-empty, without surrounding whitespace.
fn firm_cell<'a>(a: &'a StringArray, i: usize, name: &str) -> Result<&'a str, String> {
    if a.is_null(i) {
        return Err(format!("an empty {name} cell"));
    }
    let s = a.value(i);
    if s.trim() == s { Ok(s) } else { Err(format!("a {name} cell with surrounding whitespace")) }
}
