//! Reading an arbitrary CSV/Parquet table into plain columns for
//! `spillnet estimate`: numeric columns as `Vec<f64>`, categorical columns
//! (fixed effects, clusters) factorized to `u32` codes from any dtype.
//!
//! Missing cells (null, empty, `NA`) in any requested column drop the row,
//! and the number of dropped rows is reported (fixest's behaviour with NA).
//! A cell that is present but not a number, or a non-finite number (NaN,
//! ±inf), in a numeric column is an error naming file, row and column.
//! Rows are 1-based data rows (header not counted).
//!
//! CSV is parsed by polars with type inference; if that fails (e.g. text
//! after many numeric rows), the file is re-read as text so the offending
//! cell can be named. Imports `io::error` only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use polars::prelude::{
    ChunkAgg, Column, CsvParseOptions, CsvReadOptions, DataFrame, DataType, NullValues, ParquetReader, SerReader,
};

use super::error::LoadError;

/// Requested columns read from a table, restricted to complete rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The file read.
    pub path: PathBuf,
    /// Data rows in the file.
    pub n_rows: usize,
    /// Rows dropped because a requested column was missing there.
    pub n_missing: usize,
    /// Numeric columns (name, values), in request order.
    pub numeric: Vec<(String, Vec<f64>)>,
    /// Categorical columns (name, codes in `0..levels`), in request order.
    pub categorical: Vec<(String, Vec<u32>)>,
    /// Per categorical column (same order), the value of each code as text
    /// (`levels` entries): strings trimmed, integers in decimal, other
    /// numbers in shortest round-trip form.
    pub labels: Vec<Vec<String>>,
    /// Which data rows of the file were kept (`n_rows` entries); `None` when all were.
    pub kept: Option<Vec<bool>>,
}

fn read_err(path: &Path, e: impl std::fmt::Display) -> LoadError {
    LoadError::Read { path: path.to_path_buf(), message: e.to_string() }
}

fn is_parquet(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"))
}

fn read_csv(path: &Path, as_text: bool) -> Result<DataFrame, LoadError> {
    let parse = CsvParseOptions::default().with_null_values(Some(NullValues::AllColumns(vec!["".into(), "NA".into()])));
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(if as_text { Some(0) } else { Some(1000) })
        .with_parse_options(parse)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(SerReader::finish)
        .map_err(|e| read_err(path, e))
}

fn read_any(path: &Path) -> Result<DataFrame, LoadError> {
    if is_parquet(path) {
        let file = std::fs::File::open(path).map_err(|e| read_err(path, e))?;
        ParquetReader::new(file).finish().map_err(|e| read_err(path, e))
    } else {
        let meta = std::fs::metadata(path).map_err(|e| read_err(path, e))?;
        if meta.len() == 0 {
            return Err(LoadError::Read { path: path.to_path_buf(), message: super::raw::EMPTY_FILE.into() });
        }
        read_csv(path, false).or_else(|_| read_csv(path, true))
    }
}

fn find<'a>(df: &'a DataFrame, path: &Path, name: &str) -> Result<&'a Column, LoadError> {
    let found = df.columns().iter().find(|c| c.name().as_str().trim().trim_start_matches('\u{feff}') == name);
    found.ok_or_else(|| match df.columns() {
        // One column whose name holds another separator: the file is not comma-separated.
        [only] if super::columns::likely_delimiter(only.name().as_str()).is_some() => LoadError::Read {
            path: path.to_path_buf(),
            message: format!(
                "no column `{name}`: the header has one column `{}`; columns must be separated by commas, but this \
                 file seems to use {}",
                only.name().as_str().replace('\t', "\\t"),
                super::columns::likely_delimiter(only.name().as_str()).unwrap_or_default()
            ),
        },
        _ => LoadError::MissingColumn { path: path.to_path_buf(), column: name.to_owned(), hint: String::new() },
    })
}

/// Values of a numeric column, NaN marking a missing cell (present cells
/// must be finite numbers, so NaN is free as a sentinel).
fn numeric_values(col: &Column, path: &Path, name: &str) -> Result<Vec<f64>, LoadError> {
    let bad = |row: usize, message: String| LoadError::BadValue {
        path: path.to_path_buf(),
        row: row + 1,
        column: name.to_owned(),
        message,
    };
    let finite =
        |i: usize, x: f64| if x.is_finite() { Ok(x) } else { Err(bad(i, format!("{x} is not a finite number"))) };
    match col.dtype() {
        DataType::String => {
            let s = col.str().map_err(|e| read_err(path, e))?;
            let mut out = Vec::with_capacity(s.len());
            for (i, v) in s.iter().enumerate() {
                out.push(match v.map(str::trim).filter(|t| !t.is_empty() && *t != "NA") {
                    None => f64::NAN,
                    Some(t) => finite(i, t.parse::<f64>().map_err(|_| bad(i, format!("`{t}` is not a number")))?)?,
                });
            }
            Ok(out)
        }
        DataType::Boolean => {
            Ok(col.bool().map_err(|e| read_err(path, e))?.iter().map(|b| b.map_or(f64::NAN, f64::from)).collect())
        }
        d if d.is_primitive_numeric() || matches!(d, DataType::Null) => {
            let c = col.cast(&DataType::Float64).map_err(|e| read_err(path, e))?;
            let ca = c.f64().map_err(|e| read_err(path, e))?;
            let mut out = Vec::with_capacity(ca.len());
            for (i, v) in ca.iter().enumerate() {
                out.push(match v {
                    None => f64::NAN,
                    Some(x) => finite(i, x)?,
                });
            }
            Ok(out)
        }
        other => Err(bad(0, format!("column type {other} is not numeric"))),
    }
}

/// Factorize a column of any dtype: codes in order of first appearance,
/// `u32::MAX` marking a missing cell, and the text of each code's value.
fn factor_codes(col: &Column, path: &Path) -> Result<(Vec<u32>, Vec<String>), LoadError> {
    fn by_key<K: std::hash::Hash + Eq + Clone>(
        it: impl Iterator<Item = Option<K>>,
        show: impl Fn(&K) -> String,
    ) -> (Vec<u32>, Vec<String>) {
        let mut map: HashMap<K, u32> = HashMap::new();
        let mut labels = Vec::new();
        let codes = it
            .map(|v| {
                v.map_or(u32::MAX, |k| {
                    let next = map.len() as u32;
                    *map.entry(k.clone()).or_insert_with(|| {
                        labels.push(show(&k));
                        next
                    })
                })
            })
            .collect();
        (codes, labels)
    }
    let dt = col.dtype().clone();
    Ok(if dt.is_integer() {
        let c = col.cast(&DataType::Int64).map_err(|e| read_err(path, e))?;
        let ca = c.i64().map_err(|e| read_err(path, e))?;
        let (lo, hi) = (ca.min().unwrap_or(0), ca.max().unwrap_or(0));
        let span = hi.saturating_sub(lo);
        if span >= 0 && (span as u128) < 4 * ca.len() as u128 + 16 {
            // Dense integer ids: direct table instead of hashing.
            let mut table = vec![u32::MAX; span as usize + 1];
            let mut next = 0u32;
            let mut labels = Vec::new();
            let codes = ca
                .iter()
                .map(|v| {
                    v.map_or(u32::MAX, |x| {
                        let slot = &mut table[(x - lo) as usize];
                        if *slot == u32::MAX {
                            *slot = next;
                            next += 1;
                            labels.push(x.to_string());
                        }
                        *slot
                    })
                })
                .collect();
            (codes, labels)
        } else {
            by_key(ca.iter(), i64::to_string)
        }
    } else if dt.is_float() {
        let c = col.cast(&DataType::Float64).map_err(|e| read_err(path, e))?;
        by_key(c.f64().map_err(|e| read_err(path, e))?.iter().map(|v| v.map(|x| (x + 0.0).to_bits())), |b| {
            f64::from_bits(*b).to_string()
        })
    } else {
        let c = col.cast(&DataType::String).map_err(|e| read_err(path, e))?;
        let s = c.str().map_err(|e| read_err(path, e))?;
        by_key(s.iter().map(|v| v.map(str::trim).filter(|t| !t.is_empty() && *t != "NA")), |t| (*t).to_owned())
    })
}

/// The column names of a CSV or Parquet file, in file order (for error
/// messages that suggest the closest existing column).
///
/// # Errors
/// [`LoadError::Read`] when the file cannot be read.
pub fn column_names(path: &Path) -> Result<Vec<String>, LoadError> {
    let df = read_any(path)?;
    Ok(df.columns().iter().map(|c| c.name().as_str().trim().trim_start_matches('\u{feff}').to_owned()).collect())
}

/// Read the requested columns of a CSV or Parquet file.
///
/// `numeric` and `categorical` may overlap (a column used both as a
/// regressor and a cluster). Rows with a missing value in any requested
/// column are dropped and counted in [`Frame::n_missing`]; categorical codes
/// are renumbered on the kept rows.
///
/// # Errors
/// [`LoadError::Read`] (unreadable file), [`LoadError::MissingColumn`],
/// [`LoadError::BadValue`] (non-numeric or non-finite cell, with its row).
pub fn read_frame(path: &Path, numeric: &[String], categorical: &[String]) -> Result<Frame, LoadError> {
    let df = read_any(path)?;
    let n_rows = df.height();
    let mut nums = Vec::with_capacity(numeric.len());
    for name in numeric {
        nums.push(numeric_values(find(&df, path, name)?, path, name)?);
    }
    let mut cats = Vec::with_capacity(categorical.len());
    let mut labels = Vec::with_capacity(categorical.len());
    for name in categorical {
        let (codes, text) = factor_codes(find(&df, path, name)?, path)?;
        cats.push(codes);
        labels.push(text);
    }
    drop(df);
    let keep: Vec<bool> =
        (0..n_rows).map(|i| nums.iter().all(|c| !c[i].is_nan()) && cats.iter().all(|c| c[i] != u32::MAX)).collect();
    let n_kept = keep.iter().filter(|k| **k).count();
    let all = n_kept == n_rows;
    let numeric_out = numeric
        .iter()
        .zip(nums)
        .map(|(n, v)| {
            let vals = if all { v } else { v.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(x, _)| x).collect() };
            (n.clone(), vals)
        })
        .collect();
    let mut labels_out = Vec::with_capacity(categorical.len());
    let categorical_out = categorical
        .iter()
        .zip(cats)
        .zip(labels)
        .map(|((n, v), text)| {
            if all {
                labels_out.push(text);
                return (n.clone(), v);
            }
            // Renumber on kept rows so codes stay contiguous.
            let max = v.iter().copied().filter(|c| *c != u32::MAX).max().unwrap_or(0) as usize;
            let mut map = vec![u32::MAX; max + 1];
            let mut kept_text = Vec::new();
            let codes = v
                .into_iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(c, _)| {
                    let m = &mut map[c as usize];
                    if *m == u32::MAX {
                        *m = kept_text.len() as u32;
                        kept_text.push(text[c as usize].clone());
                    }
                    *m
                })
                .collect();
            labels_out.push(kept_text);
            (n.clone(), codes)
        })
        .collect();
    Ok(Frame {
        path: path.to_path_buf(),
        n_rows,
        n_missing: n_rows - n_kept,
        numeric: numeric_out,
        categorical: categorical_out,
        labels: labels_out,
        kept: (!all).then_some(keep),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn missing_cells_drop_rows_and_codes_stay_contiguous() {
        let (_d, p) = write("y,x,g,unused\n1,2,a,zz\n2,,b,1\n3,NA,c,\n4,5,c,2\n5,6,,3\n6,7,a,4\n");
        let f = read_frame(&p, &["y".into(), "x".into()], &["g".into()]).unwrap();
        assert_eq!(f.n_rows, 6);
        assert_eq!(f.n_missing, 3);
        assert_eq!(f.numeric[0], ("y".into(), vec![1.0, 4.0, 6.0]));
        assert_eq!(f.numeric[1], ("x".into(), vec![2.0, 5.0, 7.0]));
        assert_eq!(f.categorical[0], ("g".into(), vec![0, 1, 0]));
        assert_eq!(f.labels[0], ["a", "c"]);
    }

    #[test]
    fn bad_cells_name_row_and_column() {
        let (_d, p) = write("y,x\n1,2\n2,3\n3,abc\n");
        let e = read_frame(&p, &["y".into(), "x".into()], &[]).unwrap_err().to_string();
        assert!(e.contains("row 3, column `x`") && e.contains("abc"), "{e}");
        let (_d, p) = write("y,x\n1,2\n2,NaN\n");
        let e = read_frame(&p, &["y".into(), "x".into()], &[]).unwrap_err().to_string();
        assert!(e.contains("row 2, column `x`"), "{e}");
        let e = read_frame(&p, &["y".into(), "z".into()], &[]).unwrap_err().to_string();
        assert!(e.contains("missing column `z`"), "{e}");
        let e = read_frame(Path::new("/nonexistent/t.csv"), &["y".into()], &[]).unwrap_err().to_string();
        assert!(e.contains("/nonexistent/t.csv"), "{e}");
    }

    #[test]
    fn float_and_sparse_integer_ids_factorize() {
        let (_d, p) = write("y,g,h\n1,1.5,1000000000\n2,2.5,7\n3,1.5,7\n");
        let f = read_frame(&p, &["y".into()], &["g".into(), "h".into()]).unwrap();
        assert_eq!(f.categorical[0].1, vec![0, 1, 0]);
        assert_eq!(f.categorical[1].1, vec![0, 1, 1]);
    }
}
