//! Load and validation errors; every variant names the file and, where it
//! applies, the row and column. Rows are 1-based data rows (the header is
//! not counted, so data row r is line r+1 of a CSV file).

use std::path::PathBuf;

/// Why a table could not be loaded or failed validation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A required table file is missing from the data folder.
    #[error("{}: missing table `{table}` (expected {table}.csv or {table}.parquet)", dir.display())]
    MissingTable {
        /// The data folder.
        dir: PathBuf,
        /// Table name (file stem).
        table: String,
    },
    /// The file could not be opened or parsed at all.
    #[error("{}: {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A required column is absent.
    #[error("{}: missing column `{column}`{hint}", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// Empty, or what the header has instead (`: the header has …`), for a misspelt column.
        hint: String,
    },
    /// A column that the table does not define is present.
    #[error(
        "{}: unexpected column `{column}` (allowed: {allowed}; --allow-extra-columns ignores such columns)",
        path.display()
    )]
    ExtraColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// The columns the table accepts, comma-separated.
        allowed: String,
    },
    /// A cell has a bad value (wrong type, out of range, not finite, empty where required…).
    #[error("{}: row {row}, column `{column}`: {message}", path.display())]
    BadValue {
        /// The file.
        path: PathBuf,
        /// 1-based data row.
        row: usize,
        /// The column.
        column: String,
        /// What is wrong with the value.
        message: String,
    },
    /// Both `<table>.csv` and `<table>.parquet` are present, so the table is ambiguous.
    #[error("{}: both {table}.csv and {table}.parquet are present; keep exactly one file per table", dir.display())]
    Ambiguous {
        /// The data folder.
        dir: PathBuf,
        /// Table name (file stem).
        table: String,
    },
    /// A Parquet column has a data type the table cannot use.
    #[error("{}: column `{column}` has type {found}, expected {expected}", path.display())]
    ColumnType {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// The column's data type in the file.
        found: String,
        /// What the column must hold.
        expected: String,
    },
    /// Two rows share the same key.
    #[error("{}: row {row}: duplicate key ({columns}) = ({key}), first seen in row {first_row}", path.display())]
    DuplicateKey {
        /// The file.
        path: PathBuf,
        /// 1-based data row of the repeated key.
        row: usize,
        /// 1-based data row where the key first appears.
        first_row: usize,
        /// The key columns, comma-separated.
        columns: String,
        /// The key values, comma-separated.
        key: String,
    },
    /// A reference to another table does not resolve.
    #[error("{}: row {row}, column `{column}`: `{value}` not found (no such {target}){hint}", path.display())]
    DanglingReference {
        /// The file.
        path: PathBuf,
        /// 1-based data row.
        row: usize,
        /// The referencing column.
        column: &'static str,
        /// The value that does not resolve.
        value: String,
        /// What it must refer to (e.g. `firm_id in firms.csv`).
        target: String,
        /// Empty, or the likely fix (`; it is the name of firm `D1`: use its firm_id`).
        hint: String,
    },
    /// A reference resolves to a firm of the wrong kind.
    #[error("{}: row {row}, column `{column}`: firm `{value}` has kind `{found}`, expected {expected}", path.display())]
    WrongKind {
        /// The file.
        path: PathBuf,
        /// 1-based data row.
        row: usize,
        /// The referencing column.
        column: &'static str,
        /// The referenced firm id.
        value: String,
        /// The referenced firm's kind.
        found: &'static str,
        /// The kind(s) allowed, e.g. `kind jv`.
        expected: String,
    },
}
