//! Reading one table file (CSV or Parquet) into an untyped, column-oriented
//! [`RawTable`], and the cell parsers that turn its cells into typed values
//! with precise error messages. The only place the loader touches polars.
//!
//! CSV files are read with every column as text (no type inference), so each
//! cell is parsed here and every error can name its 1-based data row and
//! column. Parquet columns may be text, integer or floating-point. Cells are
//! trimmed of surrounding whitespace (and nothing else); a cell that is empty
//! after trimming is null. Imports `io::{error, write::TableFormat}`.

use std::path::{Path, PathBuf};

use polars::prelude::{
    ChunkedArray, CsvReadOptions, DataType, Float64Type, Int64Type, ParquetReader, SerReader, StringType, UInt64Type,
};

use super::error::LoadError;
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
        let df = match format {
            TableFormat::Csv => {
                let bytes = std::fs::read(path).map_err(|e| read_error(path, e))?;
                check_csv_structure(&bytes).map_err(|m| read_error(path, m))?;
                CsvReadOptions::default()
                    .with_has_header(true)
                    .with_infer_schema_length(Some(0))
                    .into_reader_with_file_handle(std::io::Cursor::new(bytes))
                    .finish()
                    .map_err(|e| read_error(path, e))?
            }
            TableFormat::Parquet => {
                let file = std::fs::File::open(path).map_err(|e| read_error(path, e))?;
                ParquetReader::new(file).finish().map_err(|e| read_error(path, e))?
            }
        };
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

/// Check the record structure of a CSV file before polars parses it, so that
/// structural defects get a row number: every record has as many fields as
/// the header, no record is a blank line, quotes are closed and the text is
/// UTF-8. Quotes open a field only at its start (`""` inside a quoted field
/// is a literal quote), as in polars. An empty file is left to polars.
pub(crate) fn check_csv_structure(bytes: &[u8]) -> Result<(), String> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    // Byte offset where each record starts (record 0 = header).
    let mut starts = vec![0usize];
    let mut header_fields = None;
    let mut fields = 1usize;
    let mut at_field_start = true;
    let mut in_quotes = false;
    let mut i = 0;
    // Whether the current record has a line break inside a quoted field.
    let mut multiline = false;
    let end_record =
        |fields: usize, start: usize, end: usize, header: &mut Option<usize>, row: usize, multiline: bool| {
            let line = &body[start..end];
            if line.is_empty() || line == b"\r" {
                return Err(if row == 0 {
                    "the header line is empty".to_owned()
                } else {
                    format!("row {row} is a blank line; remove it")
                });
            }
            match *header {
                None => *header = Some(fields),
                Some(h) if h != fields => {
                    let hint =
                        if multiline { " (a quoted field spans several lines: is a quote unbalanced?)" } else { "" };
                    let s = if fields == 1 { "" } else { "s" };
                    return Err(format!("row {row} has {fields} field{s}, but the header has {h}{hint}"));
                }
                Some(_) => {}
            }
            Ok(())
        };
    while i < body.len() {
        let b = body[i];
        if in_quotes {
            if b == b'\n' {
                multiline = true;
            } else if b == b'"' {
                if body.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    in_quotes = false;
                }
            }
        } else if b == b'"' && at_field_start {
            in_quotes = true;
            at_field_start = false;
        } else if b == b',' {
            fields += 1;
            at_field_start = true;
        } else if b == b'\n' {
            let start = *starts.last().unwrap_or(&0);
            end_record(fields, start, i, &mut header_fields, starts.len() - 1, multiline)?;
            starts.push(i + 1);
            fields = 1;
            multiline = false;
            at_field_start = true;
        } else {
            at_field_start = false;
        }
        i += 1;
    }
    let last = *starts.last().unwrap_or(&0);
    if in_quotes {
        return Err(format!("row {}: a quoted field is never closed", starts.len() - 1));
    }
    if last < body.len() {
        end_record(fields, last, body.len(), &mut header_fields, starts.len() - 1, multiline)?;
    }
    if let Err(e) = std::str::from_utf8(body) {
        let row = starts.partition_point(|&s| s <= e.valid_up_to()) - 1;
        return Err(if row == 0 {
            "the header is not valid UTF-8".into()
        } else {
            format!("row {row} is not valid UTF-8")
        });
    }
    Ok(())
}

/// Parse a cell as text. Integers are accepted (as their decimal form), so
/// numeric ids in Parquet files work; floating-point values are not.
pub(crate) fn parse_text(cell: Cell<'_>) -> Result<String, String> {
    match cell {
        Cell::Text(s) => Ok(s.to_owned()),
        Cell::Int(_) | Cell::UInt(_) => Ok(cell.to_string()),
        Cell::Float(x) => Err(format!("expected text, found the floating-point number {x:?}")),
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
                _ => Err(format!("expected an integer, found `{s}`")),
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
        Cell::Text(s) => s.parse::<f64>().map_err(|_| format!("expected a number, found `{s}`"))?,
    };
    if x.is_finite() { Ok(x) } else { Err(format!("value `{cell}` is not a finite number")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_structure() {
        assert_eq!(check_csv_structure(b"a,b\n1,2\n\"x,\"\"y\n\",3\n"), Ok(()));
        assert_eq!(check_csv_structure(b"a,b\r\n1,2\r\n3,4"), Ok(()));
        assert_eq!(check_csv_structure(b"\xef\xbb\xbfa,b\n1,2\n"), Ok(()));
        assert_eq!(check_csv_structure(b"a,b\n1,2\n3,4,5\n").unwrap_err(), "row 2 has 3 fields, but the header has 2");
        assert_eq!(check_csv_structure(b"a,b\n1\n").unwrap_err(), "row 1 has 1 field, but the header has 2");
        assert_eq!(check_csv_structure(b"a,b\n1,2\n\n").unwrap_err(), "row 2 is a blank line; remove it");
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

    #[test]
    fn ints() {
        assert_eq!(parse_int(Cell::Text("2005")), Ok(2005));
        assert_eq!(parse_int(Cell::Text("+3")), Ok(3));
        assert_eq!(parse_int(Cell::Text("-1")), Ok(-1));
        assert_eq!(parse_int(Cell::Text("2005.0")), Ok(2005));
        assert_eq!(parse_int(Cell::Float(2005.0)), Ok(2005));
        assert_eq!(parse_int(Cell::Int(7)), Ok(7));
        assert_eq!(parse_int(Cell::Text("2005.5")).unwrap_err(), "expected an integer, found `2005.5`");
        assert_eq!(parse_int(Cell::Text("abc")).unwrap_err(), "expected an integer, found `abc`");
        assert_eq!(parse_int(Cell::Text("1e3")).unwrap_err(), "expected an integer, found `1e3`");
        assert_eq!(parse_int(Cell::Text("NaN")).unwrap_err(), "expected an integer, found `NaN`");
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
        assert_eq!(parse_finite(Cell::Text("NaN")).unwrap_err(), "value `NaN` is not a finite number");
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
