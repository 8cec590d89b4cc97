//! Reading one table file (CSV or Parquet) into an untyped, column-oriented
//! [`RawTable`], whole or piece by piece in bounded memory
//! ([`stream_table`], with the same cells and errors), and the cell parsers
//! that turn cells into typed values with precise error messages. The only
//! place the loader touches polars.
//!
//! CSV files are read with every column as text (no type inference), so each
//! cell is parsed here and every error can name its 1-based data row and
//! column. Parquet columns may be text, integer or floating-point. Cells are
//! trimmed of surrounding whitespace (and nothing else); a cell that is empty
//! after trimming is null. Imports `io::{error, write::TableFormat}`.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use polars::prelude::{
    ChunkedArray, CsvReadOptions, DataFrame, DataType, Float64Type, Int64Type, ParquetReader, SerReader, StringType,
    UInt64Type,
};

use spillnet_flows::read_full;

use super::error::LoadError;
use super::schema::{YEAR_MAX, YEAR_MIN};
use super::write::TableFormat;

/// One cell of a [`RawTable`], as stored in the file (text already trimmed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell<'a> {
    /// Text (every CSV cell; Parquet string columns).
    Text(&'a str),
    /// A signed integer (Parquet integer columns).
    Int(i64),
    /// An unsigned integer too large for i64 (Parquet `UInt64`).
    UInt(u64),
    /// A floating-point number (Parquet float columns).
    Float(f64),
}

impl std::fmt::Display for Cell<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Text(s) => f.write_str(s),
            Cell::Int(x) => write!(f, "{x}"),
            Cell::UInt(x) => write!(f, "{x}"),
            Cell::Float(x) => write!(f, "{x:?}"),
        }
    }
}

enum Data {
    Text(ChunkedArray<StringType>),
    Int(ChunkedArray<Int64Type>),
    UInt(ChunkedArray<UInt64Type>),
    Float(ChunkedArray<Float64Type>),
}

/// A table file read into memory: column names in file order and their cells.
pub(crate) struct RawTable {
    /// The file.
    pub path: PathBuf,
    /// Number of data rows.
    pub height: usize,
    /// Column names in file order (trimmed).
    pub names: Vec<String>,
    data: Vec<Data>,
}

fn read_error(path: &Path, e: impl std::fmt::Display) -> LoadError {
    LoadError::Read { path: path.to_path_buf(), message: e.to_string() }
}

impl RawTable {
    /// Read `path` in `format`.
    pub fn read(path: &Path, format: TableFormat) -> Result<Self, LoadError> {
        match format {
            TableFormat::Csv => {
                let bytes = std::fs::read(path).map_err(|e| read_error(path, e))?;
                check_csv_structure(&bytes).map_err(|m| read_error(path, m))?;
                Self::parse_csv(path, bytes)
            }
            TableFormat::Parquet => {
                let file = std::fs::File::open(path).map_err(|e| read_error(path, e))?;
                let df = ParquetReader::new(file).finish().map_err(|e| read_error(path, e))?;
                Self::from_frame(path, &df)
            }
        }
    }

    /// Parse CSV `bytes` (a header record and whole data records, already
    /// checked by [`check_csv_structure`] or a [`RecordScanner`]) read from `path`.
    fn parse_csv(path: &Path, bytes: Vec<u8>) -> Result<Self, LoadError> {
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .into_reader_with_file_handle(std::io::Cursor::new(bytes))
            .finish()
            .map_err(|e| read_error(path, e))?;
        Self::from_frame(path, &df)
    }

    /// The untyped view of a frame read from `path`: names trimmed (and a
    /// byte-order mark dropped from the first), columns converted to the
    /// four cell kinds; other column types are an error.
    fn from_frame(path: &Path, df: &DataFrame) -> Result<Self, LoadError> {
        let height = df.height();
        let mut names = Vec::with_capacity(df.width());
        let mut data = Vec::with_capacity(df.width());
        for (j, column) in df.columns().iter().enumerate() {
            let mut name = column.name().as_str().trim();
            if j == 0 {
                name = name.trim_start_matches('\u{feff}');
            }
            let dtype = column.dtype();
            let converted = if matches!(dtype, DataType::String | DataType::Null) {
                column.cast(&DataType::String).and_then(|c| c.str().map(|c| Data::Text(c.rechunk().into_owned())))
            } else if matches!(dtype, DataType::UInt64) {
                column.u64().map(|c| Data::UInt(c.rechunk().into_owned()))
            } else if dtype.is_integer() {
                column.cast(&DataType::Int64).and_then(|c| c.i64().map(|c| Data::Int(c.rechunk().into_owned())))
            } else if dtype.is_float() {
                column.cast(&DataType::Float64).and_then(|c| c.f64().map(|c| Data::Float(c.rechunk().into_owned())))
            } else {
                return Err(LoadError::ColumnType {
                    path: path.to_path_buf(),
                    column: name.to_owned(),
                    found: dtype.to_string(),
                    expected: "text, integer or floating-point values".into(),
                });
            };
            names.push(name.to_owned());
            data.push(converted.map_err(|e| read_error(path, e))?);
        }
        Ok(RawTable { path: path.to_path_buf(), height, names, data })
    }

    /// The cell at column index `col`, 0-based data row `row`; `None` when null
    /// or empty after trimming surrounding whitespace.
    pub fn cell(&self, col: usize, row: usize) -> Option<Cell<'_>> {
        match &self.data[col] {
            Data::Text(c) => c.get(row).map(str::trim).filter(|s| !s.is_empty()).map(Cell::Text),
            Data::Int(c) => c.get(row).map(Cell::Int),
            Data::UInt(c) => c.get(row).map(|x| i64::try_from(x).map_or(Cell::UInt(x), Cell::Int)),
            Data::Float(c) => c.get(row).map(Cell::Float),
        }
    }
}

/// Read only the header of `path`: a table of height 0 with the column
/// names (trimmed, byte-order mark dropped) and, for Parquet, their types.
/// For CSV, reads up to the end of the first record; an error here is not
/// necessarily the error a whole read would give first (a structural defect
/// further down comes first), so callers use it only to plan the read.
pub(crate) fn read_header(path: &Path, format: TableFormat) -> Result<RawTable, LoadError> {
    match format {
        TableFormat::Csv => {
            let mut file = std::fs::File::open(path).map_err(|e| read_error(path, e))?;
            let mut scanner = RecordScanner::new();
            let mut header = Vec::new();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = read_full(&mut file, &mut buf).map_err(|e| read_error(path, e))?;
                let mut block = &buf[..n];
                if header.is_empty()
                    && let Some(rest) = block.strip_prefix(BOM)
                {
                    header.extend_from_slice(BOM);
                    block = rest;
                }
                if n == 0 {
                    if !scanner.finish().map_err(|m| read_error(path, m))? {
                        return Err(read_error(path, EMPTY_FILE));
                    }
                    break;
                }
                if let Some(end) = scanner.scan(block).map_err(|m| read_error(path, m))? {
                    header.extend_from_slice(&block[..end]);
                    break;
                }
                header.extend_from_slice(block);
            }
            let body = header.strip_prefix(BOM).unwrap_or(&header);
            if std::str::from_utf8(body).is_err() {
                return Err(read_error(path, utf8_message(0)));
            }
            RawTable::parse_csv(path, header)
        }
        TableFormat::Parquet => {
            let file = std::fs::File::open(path).map_err(|e| read_error(path, e))?;
            let df = ParquetReader::new(file).with_slice(Some((0, 0))).finish().map_err(|e| read_error(path, e))?;
            RawTable::from_frame(path, &df)
        }
    }
}

/// Check the record structure of a CSV file before polars parses it, so that
/// structural defects get a row number: every record has as many fields as
/// the header, no record is a blank line, quotes are closed and the text is
/// UTF-8. Quotes open a field only at its start (`""` inside a quoted field
/// is a literal quote), as in polars. An empty file (or one holding only a
/// byte-order mark) is an error ([`EMPTY_FILE`]). Structural defects are
/// reported before UTF-8 ones (see [`RecordScanner`]).
pub(crate) fn check_csv_structure(bytes: &[u8]) -> Result<(), String> {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    if body.is_empty() {
        return Err(EMPTY_FILE.to_owned());
    }
    let mut scanner = RecordScanner::new();
    let mut bad_utf8 = None;
    let mut start = 0;
    while start < body.len() {
        let Some(n) = scanner.scan(&body[start..])? else { break };
        if bad_utf8.is_none() && std::str::from_utf8(&body[start..start + n]).is_err() {
            bad_utf8 = Some(scanner.records() - 1);
        }
        start += n;
    }
    if scanner.finish()? && bad_utf8.is_none() && std::str::from_utf8(&body[start..]).is_err() {
        bad_utf8 = Some(scanner.records() - 1);
    }
    bad_utf8.map_or(Ok(()), |row| Err(utf8_message(row)))
}

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// The message for an empty CSV file (no header line).
pub(super) const EMPTY_FILE: &str = "the file is empty; a table needs at least a header line naming its columns";

/// The message for record `row` (0 = header) that is not valid UTF-8.
fn utf8_message(row: usize) -> String {
    if row == 0 { "the header is not valid UTF-8".into() } else { format!("row {row} is not valid UTF-8") }
}

/// Splits CSV text (without its byte-order mark) into records, fed in pieces
/// of any size, and checks the structure of each record as it ends: not a
/// blank line, as many fields as the header; at the end, every quote
/// closed. Records end at a line feed outside quotes; quotes open a field
/// only at its start and `""` inside a quoted field is a literal quote, as
/// in polars. Record 0 is the header. Memory is constant.
#[derive(Debug, Clone)]
pub(crate) struct RecordScanner {
    /// Field count of the header, once it has ended.
    header_fields: Option<usize>,
    /// Number of records ended so far (= index of the record being scanned).
    record: usize,
    /// Fields of the current record so far.
    fields: usize,
    at_field_start: bool,
    in_quotes: bool,
    /// Inside quotes, the previous byte was a quote: closing, or the first of `""`.
    quote_pending: bool,
    /// The current record has a line feed inside a quoted field.
    multiline: bool,
    /// Bytes of the current record so far (without its line feed), and its first byte.
    len: usize,
    first: u8,
}

impl RecordScanner {
    /// A scanner at the start of the text.
    pub fn new() -> Self {
        RecordScanner {
            header_fields: None,
            record: 0,
            fields: 1,
            at_field_start: true,
            in_quotes: false,
            quote_pending: false,
            multiline: false,
            len: 0,
            first: 0,
        }
    }

    /// Number of records ended so far (header included).
    pub fn records(&self) -> usize {
        self.record
    }

    /// Scan `bytes` up to the end of the current record: `Some(n)` when the
    /// record ends with byte `n − 1` of `bytes` (its line feed), `None` when
    /// all of `bytes` belongs to the current record. Fails on the first
    /// structural defect, naming its row.
    pub fn scan(&mut self, bytes: &[u8]) -> Result<Option<usize>, String> {
        for (i, &b) in bytes.iter().enumerate() {
            if self.quote_pending {
                self.quote_pending = false;
                if b == b'"' {
                    self.len += 1;
                    continue;
                }
                self.in_quotes = false;
            }
            if self.in_quotes {
                if b == b'\n' {
                    self.multiline = true;
                } else if b == b'"' {
                    self.quote_pending = true;
                }
            } else if b == b'\n' {
                self.end_record()?;
                return Ok(Some(i + 1));
            } else if b == b'"' && self.at_field_start {
                self.in_quotes = true;
                self.at_field_start = false;
            } else if b == b',' {
                self.fields += 1;
                self.at_field_start = true;
            } else {
                self.at_field_start = false;
            }
            if self.len == 0 {
                self.first = b;
            }
            self.len += 1;
        }
        Ok(None)
    }

    /// End of the text: fails on an unclosed quote or a defective last
    /// record; `true` when a last record without a final line feed ended.
    pub fn finish(&mut self) -> Result<bool, String> {
        if self.quote_pending {
            self.quote_pending = false;
            self.in_quotes = false;
        }
        if self.in_quotes {
            return Err(format!("row {}: a quoted field is never closed", self.record));
        }
        if self.len == 0 {
            return Ok(false);
        }
        self.end_record()?;
        Ok(true)
    }

    fn end_record(&mut self) -> Result<(), String> {
        let row = self.record;
        if self.len == 0 || (self.len == 1 && self.first == b'\r') {
            return Err(if row == 0 {
                "the header line is empty".to_owned()
            } else {
                format!("row {row} is a blank line; remove it")
            });
        }
        match self.header_fields {
            None => self.header_fields = Some(self.fields),
            Some(h) if h != self.fields => {
                let hint = if self.multiline {
                    " (a quoted field spans several lines: is a quote unbalanced?)"
                } else if h == 1 {
                    " (a header of one column: are the columns separated by something other than commas?)"
                } else {
                    ""
                };
                let fields = self.fields;
                let s = if fields == 1 { "" } else { "s" };
                return Err(format!("row {row} has {fields} field{s}, but the header has {h}{hint}"));
            }
            Some(_) => {}
        }
        self.record += 1;
        self.fields = 1;
        self.at_field_start = true;
        self.multiline = false;
        self.len = 0;
        Ok(())
    }
}

/// Receives the pieces of a table read by [`stream_table`]: the table of
/// each piece and the 0-based index of its first data row in the file.
pub(crate) type OnChunk<'a> = dyn FnMut(&RawTable, usize) -> Result<(), LoadError> + 'a;

/// Read `path` in `format` piece by piece, in bounded memory, as if with
/// [`RawTable::read`]: `on_chunk` first gets the header (a table of height
/// 0: column names and, for Parquet, types), then consecutive pieces of
/// about `chunk_bytes` of CSV text or `batch_rows` Parquet rows. Returns the
/// number of data rows.
///
/// Errors come in the order [`RawTable::read`] would give them, so streaming
/// changes no message: for CSV a structural defect anywhere in the file
/// (returned at once), then the first record that is not UTF-8, then a polars
/// error or the first error of `on_chunk`; for Parquet a read error anywhere
/// in the file, then the first error of `on_chunk`. After an error of
/// `on_chunk` it is not called again, but the rest of the file is still
/// read for errors that come first.
pub(crate) fn stream_table(
    path: &Path,
    format: TableFormat,
    chunk_bytes: usize,
    batch_rows: usize,
    on_chunk: &mut OnChunk<'_>,
) -> Result<usize, LoadError> {
    match format {
        TableFormat::Csv => stream_csv(path, chunk_bytes, on_chunk),
        TableFormat::Parquet => stream_parquet(path, batch_rows.max(1), on_chunk),
    }
}

/// The CSV half of [`stream_table`].
fn stream_csv(path: &Path, chunk_bytes: usize, on_chunk: &mut OnChunk<'_>) -> Result<usize, LoadError> {
    /// State between records.
    struct State<'p, 'c, 'f> {
        path: &'p Path,
        on_chunk: &'c mut OnChunk<'f>,
        /// The header record as in the file (with its byte-order mark, if any).
        header: Vec<u8>,
        header_done: bool,
        /// The header followed by the whole data records of the current
        /// piece and the start of the current record.
        chunk: Vec<u8>,
        /// Where the current record starts in `chunk`.
        record_start: usize,
        /// Data records ended so far; the index of the first data row of `chunk`.
        rows: usize,
        chunk_first_row: usize,
        /// The first record (0 = header) that is not UTF-8.
        bad_utf8: Option<usize>,
        /// The first polars or `on_chunk` error.
        failed: Option<LoadError>,
    }
    impl State<'_, '_, '_> {
        fn append(&mut self, bytes: &[u8]) {
            if self.header_done { self.chunk.extend_from_slice(bytes) } else { self.header.extend_from_slice(bytes) }
        }

        /// The current record (index `row`, 0 = header) has ended.
        fn end_record(&mut self, row: usize, chunk_bytes: usize) {
            if !self.header_done {
                self.header_done = true;
                let body = self.header.strip_prefix(BOM).unwrap_or(&self.header);
                if std::str::from_utf8(body).is_err() {
                    self.bad_utf8 = Some(0);
                    return;
                }
                self.chunk.extend_from_slice(&self.header);
                self.record_start = self.chunk.len();
                self.parse(self.header.clone(), 0);
                return;
            }
            if self.bad_utf8.is_none() && std::str::from_utf8(&self.chunk[self.record_start..]).is_err() {
                self.bad_utf8 = Some(row);
            }
            self.rows += 1;
            self.record_start = self.chunk.len();
            if self.chunk.len() >= chunk_bytes {
                self.flush();
            }
        }

        /// Hand the whole records of `chunk` to `on_chunk` (unless an error came first).
        fn flush(&mut self) {
            let header = self.header.len();
            if self.rows > self.chunk_first_row {
                let capacity = self.chunk.capacity();
                let full = std::mem::replace(&mut self.chunk, Vec::with_capacity(capacity));
                self.chunk.extend_from_slice(&self.header);
                let first = self.chunk_first_row;
                self.chunk_first_row = self.rows;
                self.parse(full, first);
            } else {
                self.chunk.truncate(header);
            }
            self.record_start = self.chunk.len();
        }

        fn parse(&mut self, bytes: Vec<u8>, first_row: usize) {
            if self.bad_utf8.is_some() || self.failed.is_some() {
                return;
            }
            let result = RawTable::parse_csv(self.path, bytes).and_then(|t| (self.on_chunk)(&t, first_row));
            if let Err(e) = result {
                self.failed = Some(e);
            }
        }
    }

    let mut file = std::fs::File::open(path).map_err(|e| read_error(path, e))?;
    let mut buf = vec![0u8; 1 << 16];
    let mut scanner = RecordScanner::new();
    let mut st = State {
        path,
        on_chunk,
        header: Vec::new(),
        header_done: false,
        chunk: Vec::new(),
        record_start: 0,
        rows: 0,
        chunk_first_row: 0,
        bad_utf8: None,
        failed: None,
    };
    let mut first_block = true;
    loop {
        let n = read_full(&mut file, &mut buf).map_err(|e| read_error(path, e))?;
        if n == 0 {
            break;
        }
        let mut block = &buf[..n];
        if first_block {
            first_block = false;
            if let Some(rest) = block.strip_prefix(BOM) {
                st.header.extend_from_slice(BOM);
                block = rest;
            }
        }
        while !block.is_empty() {
            let ended = scanner.scan(block).map_err(|m| read_error(path, m))?;
            let taken = ended.unwrap_or(block.len());
            st.append(&block[..taken]);
            block = &block[taken..];
            if ended.is_some() {
                st.end_record(scanner.records() - 1, chunk_bytes);
            }
        }
    }
    if scanner.finish().map_err(|m| read_error(path, m))? {
        st.end_record(scanner.records() - 1, chunk_bytes);
    }
    if !st.header_done {
        // An empty file (or one with only a byte-order mark), as in `check_csv_structure`.
        return Err(read_error(path, EMPTY_FILE));
    }
    st.flush();
    if let Some(row) = st.bad_utf8 {
        return Err(read_error(path, utf8_message(row)));
    }
    st.failed.map_or(Ok(st.rows), Err)
}

/// The Parquet half of [`stream_table`].
fn stream_parquet(path: &Path, batch_rows: usize, on_chunk: &mut OnChunk<'_>) -> Result<usize, LoadError> {
    let open = || std::fs::File::open(path).map_err(|e| read_error(path, e));
    let mut reader = ParquetReader::new(open()?);
    let metadata = reader.get_metadata().map_err(|e| read_error(path, e))?.clone();
    let header = reader.with_slice(Some((0, 0))).finish().map_err(|e| read_error(path, e))?;
    let mut failed = RawTable::from_frame(path, &header).and_then(|t| on_chunk(&t, 0)).err();
    let mut offset = 0;
    for group in &metadata.row_groups {
        let end = offset + group.num_rows();
        while offset < end {
            let len = batch_rows.min(end - offset);
            let mut reader = ParquetReader::new(open()?).with_slice(Some((offset, len)));
            reader.set_metadata(metadata.clone());
            let df = reader.finish().map_err(|e| read_error(path, e))?;
            if failed.is_none() {
                failed = RawTable::from_frame(path, &df).and_then(|t| on_chunk(&t, offset)).err();
            }
            offset += len;
        }
    }
    failed.map_or(Ok(offset), Err)
}

/// Parse a cell as text. Integers are accepted (as their decimal form), so
/// numeric ids in Parquet files work; floating-point values are not.
pub(crate) fn parse_text(cell: Cell<'_>) -> Result<String, String> {
    parse_text_ref(cell).map(Cow::into_owned)
}

/// [`parse_text`] without copying text cells.
pub(crate) fn parse_text_ref(cell: Cell<'_>) -> Result<Cow<'_, str>, String> {
    match cell {
        Cell::Text(s) => Ok(Cow::Borrowed(s)),
        Cell::Int(_) | Cell::UInt(_) => Ok(Cow::Owned(cell.to_string())),
        Cell::Float(x) => Err(format!("expected text, found the floating-point number {x:?}")),
    }
}

/// A hint when `s` is a common spelling of a missing value (Stata's `.`,
/// R's `NA`, `NaN`, `NULL`, …): this loader writes missing as an empty cell.
fn missing_hint(s: &str) -> &'static str {
    const SPELLINGS: [&str; 10] = [".", "NA", "N/A", "n/a", "na", "NaN", "nan", "NULL", "null", "-"];
    if SPELLINGS.contains(&s) {
        " (a missing value is an empty cell here, and only columns that allow missing values may have one)"
    } else {
        ""
    }
}

/// Integer cells written as integral decimals (`2011.0`) in one column of a
/// table: accepted as integers, counted so the loader can say so.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DecimalIntegers {
    /// Column.
    pub column: String,
    /// Cells written with a decimal point.
    pub count: usize,
    /// 1-based data row of the first one.
    pub first_row: usize,
    /// Its text.
    pub example: String,
}

/// Whether `cell` is text holding an integral decimal number (`2011.0`),
/// which [`parse_int`] reads as the integer.
fn is_integral_decimal(cell: Cell<'_>) -> bool {
    matches!(cell, Cell::Text(s) if s.parse::<i64>().is_err() && parse_int(cell).is_ok())
}

/// Count the integral-decimal cells of the integer columns `cols` (name,
/// index) of `t`, whose first row is data row `first_row` (0-based), into `acc`.
pub(crate) fn scan_decimal_integers(
    t: &RawTable,
    cols: &[(&str, usize)],
    first_row: usize,
    acc: &mut Vec<DecimalIntegers>,
) {
    for &(name, j) in cols {
        for i in 0..t.height {
            let Some(cell) = t.cell(j, i) else { continue };
            if !is_integral_decimal(cell) {
                continue;
            }
            match acc.iter_mut().find(|d| d.column == name) {
                Some(d) => d.count += 1,
                None => acc.push(DecimalIntegers {
                    column: name.to_owned(),
                    count: 1,
                    first_row: first_row + i + 1,
                    example: cell.to_string(),
                }),
            }
        }
    }
}

/// Parse a cell as an integer. Text must be a decimal integer (`2005`, `+3`,
/// `-1`) or an integral decimal number (`2005.0`, as written by tools that
/// store nullable integers as floats).
pub(crate) fn parse_int(cell: Cell<'_>) -> Result<i64, String> {
    let from_float = |x: f64| {
        if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 {
            // Exact: |x| < 2^53 and integral.
            #[allow(clippy::cast_possible_truncation)]
            Ok(x as i64)
        } else {
            Err(format!("expected an integer, found `{}`", Cell::Float(x)))
        }
    };
    match cell {
        Cell::Int(x) => Ok(x),
        Cell::UInt(x) => Err(format!("integer {x} is too large")),
        Cell::Float(x) => from_float(x),
        Cell::Text(s) => match s.parse::<i64>() {
            Ok(x) => Ok(x),
            Err(_) => match s.parse::<f64>() {
                Ok(x) if x.is_finite() && s.contains('.') && !s.contains(['e', 'E']) => {
                    from_float(x).map_err(|_| format!("expected an integer, found `{s}`"))
                }
                _ => Err(format!("expected an integer, found `{s}`{}", missing_hint(s))),
            },
        },
    }
}

/// Parse a cell as a finite floating-point number.
pub(crate) fn parse_finite(cell: Cell<'_>) -> Result<f64, String> {
    let x = match cell {
        #[allow(clippy::cast_precision_loss)]
        Cell::Int(x) => x as f64,
        #[allow(clippy::cast_precision_loss)]
        Cell::UInt(x) => x as f64,
        Cell::Float(x) => x,
        Cell::Text(s) => s.parse::<f64>().map_err(|_| format!("expected a number, found `{s}`{}", missing_hint(s)))?,
    };
    if x.is_finite() {
        Ok(x)
    } else {
        let hint = if let Cell::Text(s) = cell { missing_hint(s) } else { "" };
        Err(format!("value `{cell}` is not a finite number{hint}"))
    }
}

/// Parse a year: an integer in [`YEAR_MIN`], [`YEAR_MAX`].
pub(crate) fn parse_year(cell: Cell<'_>) -> Result<i32, String> {
    let y = parse_int(cell)?;
    if (i64::from(YEAR_MIN)..=i64::from(YEAR_MAX)).contains(&y) {
        Ok(i32::try_from(y).unwrap_or_else(|_| unreachable!()))
    } else {
        Err(format!("year {y} is out of range [{YEAR_MIN}, {YEAR_MAX}]"))
    }
}

/// Parse a count: an integer ≥ 1.
pub(crate) fn parse_count(cell: Cell<'_>) -> Result<u64, String> {
    if let Cell::UInt(x) = cell {
        return Ok(x);
    }
    let n = parse_int(cell)?;
    u64::try_from(n).ok().filter(|&n| n >= 1).ok_or_else(|| format!("count must be at least 1, found {n}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_structure() {
        assert_eq!(check_csv_structure(b"a,b\n1,2\n\"x,\"\"y\n\",3\n"), Ok(()));
        assert_eq!(check_csv_structure(b"a,b\r\n1,2\r\n3,4"), Ok(()));
        assert_eq!(check_csv_structure(b"\xef\xbb\xbfa,b\n1,2\n"), Ok(()));
        assert_eq!(check_csv_structure(b"").unwrap_err(), EMPTY_FILE);
        assert_eq!(check_csv_structure(b"\xef\xbb\xbf").unwrap_err(), EMPTY_FILE);
        assert_eq!(check_csv_structure(b"a,b\n1,2\n3,4,5\n").unwrap_err(), "row 2 has 3 fields, but the header has 2");
        assert_eq!(check_csv_structure(b"a,b\n1\n").unwrap_err(), "row 1 has 1 field, but the header has 2");
        assert_eq!(check_csv_structure(b"a,b\n1,2\n\n").unwrap_err(), "row 2 is a blank line; remove it");
        assert_eq!(
            check_csv_structure(b"a;b\n1;x,y\n").unwrap_err(),
            "row 1 has 2 fields, but the header has 1 \
             (a header of one column: are the columns separated by something other than commas?)"
        );
        assert_eq!(check_csv_structure(b"a,b\n1,\"2\n").unwrap_err(), "row 1: a quoted field is never closed");
        assert_eq!(
            check_csv_structure(b"a,b\n\"1,2\n3,\"4\"\n").unwrap_err(),
            "row 1 has 1 field, but the header has 2 (a quoted field spans several lines: is a quote unbalanced?)"
        );
        assert_eq!(check_csv_structure(b"a,b\n\"1\n2\",3\n"), Ok(()));
        assert_eq!(check_csv_structure(b"a,b\n1,2\n3,\xff\n").unwrap_err(), "row 2 is not valid UTF-8");
        // A quote inside an unquoted field is literal.
        assert_eq!(check_csv_structure(b"a,b\n1 \"in,2\n"), Ok(()));
    }

    /// Every cell of `t` as text, rows offset by `first_row`.
    fn cells(t: &RawTable, first_row: usize, out: &mut Vec<(usize, usize, Option<String>)>) {
        for row in 0..t.height {
            for col in 0..t.names.len() {
                out.push((first_row + row, col, t.cell(col, row).map(|c| c.to_string())));
            }
        }
    }

    #[test]
    fn streamed_csv_has_the_cells_and_errors_of_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        let inputs: &[&[u8]] = &[
            b"a,b\n1,2\n\"x,\"\"y\n\",3\n",
            b"\xef\xbb\xbfa, b\r\n 1 ,\"2\"\r\n\"3\"\"\",\"\"\r\n,4",
            b"a,b\n\"1\n2\",3\n",
            b"a,b\n4 \"in,5\n",
            b"a,b\n6,\"\"\"\"\n",
            b"a\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
            b"a,b\n",
            b"a,b",
            // Defects: the whole-file error, whatever the piece size.
            b"",
            b"\xef\xbb\xbf",
            b"\n",
            b"a,b\n1,2\n3,4,5\n",
            b"a,b\n1,2\n\n3,4\n",
            b"a,b\n1,\"2\n",
            b"a,b\n\"1,2\n3,\"4\"\n",
            b"a,b\n1,\xff\n3,4\n",
            b"a,b\n1,\xff\n3,4,5\n",
            b"a,\xffb\n1,2\n",
            b"a,a\n1,2\n",
        ];
        for (k, input) in inputs.iter().enumerate() {
            std::fs::write(&p, input).unwrap();
            let whole = RawTable::read(&p, TableFormat::Csv).map(|t| {
                let mut v = Vec::new();
                cells(&t, 0, &mut v);
                (t.names.clone(), v)
            });
            for chunk in [1, 2, 5, 1 << 20] {
                let mut names = None;
                let mut v = Vec::new();
                let streamed = stream_table(&p, TableFormat::Csv, chunk, 1, &mut |t, first| {
                    names.get_or_insert_with(|| t.names.clone());
                    cells(t, first, &mut v);
                    Ok(())
                });
                match (&whole, streamed) {
                    (Ok((n, w)), Ok(rows)) => {
                        assert_eq!((names.as_ref(), &v), (Some(n), w), "input {k}, chunk {chunk}");
                        assert_eq!(rows, w.iter().map(|c| c.0 + 1).max().unwrap_or(0), "input {k}, chunk {chunk}");
                    }
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "input {k}, chunk {chunk}"),
                    (a, b) => panic!(
                        "input {k}, chunk {chunk}: whole {:?} streamed {:?}",
                        a.as_ref().err().map(ToString::to_string),
                        b.err().map(|e| e.to_string())
                    ),
                }
            }
        }
    }

    #[test]
    fn header_alone_is_read_as_a_whole_read_would_name_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        for text in [&b"\xef\xbb\xbfa ,\"b\"\r\n1,2\r\n"[..], b"a,b", b"a,b\n1,\xff\n3,4,5\n"] {
            std::fs::write(&p, text).unwrap();
            let t = read_header(&p, TableFormat::Csv).unwrap();
            assert_eq!((t.names.as_slice(), t.height), (&["a".to_owned(), "b".to_owned()][..], 0));
        }
        std::fs::write(&p, b"").unwrap();
        assert!(read_header(&p, TableFormat::Csv).is_err());
        std::fs::write(&p, b"\n").unwrap();
        assert!(read_header(&p, TableFormat::Csv).is_err());
    }

    #[test]
    fn ints() {
        assert_eq!(parse_int(Cell::Text("2005")), Ok(2005));
        assert_eq!(parse_int(Cell::Text("+3")), Ok(3));
        assert_eq!(parse_int(Cell::Text("-1")), Ok(-1));
        assert_eq!(parse_int(Cell::Text("2005.0")), Ok(2005));
        assert!(is_integral_decimal(Cell::Text("2005.0")) && is_integral_decimal(Cell::Text("7.00")));
        assert!(!is_integral_decimal(Cell::Text("2005")) && !is_integral_decimal(Cell::Float(2005.0)));
        assert!(!is_integral_decimal(Cell::Text("2005.5")) && !is_integral_decimal(Cell::Text("x.0")));
        assert_eq!(parse_int(Cell::Float(2005.0)), Ok(2005));
        assert_eq!(parse_int(Cell::Int(7)), Ok(7));
        assert_eq!(parse_int(Cell::Text("2005.5")).unwrap_err(), "expected an integer, found `2005.5`");
        assert_eq!(parse_int(Cell::Text("abc")).unwrap_err(), "expected an integer, found `abc`");
        let hint = " (a missing value is an empty cell here, and only columns that allow missing values may have one)";
        assert_eq!(parse_int(Cell::Text(".")).unwrap_err(), format!("expected an integer, found `.`{hint}"));
        assert_eq!(parse_finite(Cell::Text("NA")).unwrap_err(), format!("expected a number, found `NA`{hint}"));
        assert_eq!(parse_finite(Cell::Text("NaN")).unwrap_err(), format!("value `NaN` is not a finite number{hint}"));
        assert_eq!(parse_finite(Cell::Text("inf")).unwrap_err(), "value `inf` is not a finite number");
        assert_eq!(parse_int(Cell::Text("1e3")).unwrap_err(), "expected an integer, found `1e3`");
        assert!(
            parse_int(Cell::Text("NaN"))
                .unwrap_err()
                .starts_with("expected an integer, found `NaN` (a missing value is an empty cell")
        );
        assert_eq!(parse_int(Cell::Float(f64::NAN)).unwrap_err(), "expected an integer, found `NaN`");
        assert_eq!(parse_int(Cell::Float(1.5)).unwrap_err(), "expected an integer, found `1.5`");
        assert!(parse_int(Cell::UInt(u64::MAX)).is_err());
    }

    #[test]
    fn floats() {
        assert_eq!(parse_finite(Cell::Text("0.25")), Ok(0.25));
        assert_eq!(parse_finite(Cell::Text("-1e-3")), Ok(-1e-3));
        assert_eq!(parse_finite(Cell::Int(3)), Ok(3.0));
        assert_eq!(parse_finite(Cell::Text("x1")).unwrap_err(), "expected a number, found `x1`");
        assert_eq!(parse_finite(Cell::Text("inf")).unwrap_err(), "value `inf` is not a finite number");
        assert_eq!(parse_finite(Cell::Float(f64::NEG_INFINITY)).unwrap_err(), "value `-inf` is not a finite number");
    }

    #[test]
    fn texts() {
        assert_eq!(parse_text(Cell::Text("F1")), Ok("F1".into()));
        assert_eq!(parse_text(Cell::Int(12)), Ok("12".into()));
        assert!(parse_text(Cell::Float(1.5)).is_err());
    }

    #[test]
    fn parquet_columns_of_other_types_are_rejected() {
        use polars::prelude::{Column, DataFrame, ParquetWriter};
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.parquet");
        let mut df = DataFrame::new(
            2,
            vec![
                Column::new("a".into(), [Some(1i32), None]),
                Column::new("b".into(), [Some(0.5f32), Some(2.0)]),
                Column::new("flag".into(), [true, false]),
            ],
        )
        .unwrap();
        ParquetWriter::new(std::fs::File::create(&p).unwrap()).finish(&mut df).unwrap();
        let err = RawTable::read(&p, TableFormat::Parquet).err().unwrap();
        assert_eq!(
            err.to_string(),
            format!("{}: column `flag` has type bool, expected text, integer or floating-point values", p.display())
        );
        df.drop_in_place("flag").unwrap();
        ParquetWriter::new(std::fs::File::create(&p).unwrap()).finish(&mut df).unwrap();
        let t = RawTable::read(&p, TableFormat::Parquet).unwrap();
        assert_eq!((t.cell(0, 0), t.cell(0, 1)), (Some(Cell::Int(1)), None));
        assert_eq!((t.cell(1, 0), t.cell(1, 1)), (Some(Cell::Float(0.5)), Some(Cell::Float(2.0))));
    }

    #[test]
    fn csv_cells_are_text_trimmed_and_empty_is_null() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        std::fs::write(&p, "a, b\n 007 ,x\n,\"  \"\n").unwrap();
        let t = RawTable::read(&p, TableFormat::Csv).unwrap();
        assert_eq!(t.names, ["a", "b"]);
        assert_eq!(t.height, 2);
        assert_eq!(t.cell(0, 0), Some(Cell::Text("007")));
        assert_eq!(t.cell(1, 0), Some(Cell::Text("x")));
        assert_eq!(t.cell(0, 1), None);
        assert_eq!(t.cell(1, 1), None);
    }
}
