//! Input/output of tables: the ONLY crate where polars appears.
//!
//! - [`tables`]: the plain typed tables every other layer consumes.
//! - [`load`]: reads a data folder (CSV or Parquet per table) and validates
//!   it (columns, types, keys, references, ranges) into a [`tables::Dataset`].
//! - [`index`]: the [`index::Indexed`] dataset `load` returns: the tables
//!   with interned ids and resolved references, so no later layer rebuilds
//!   a string map or re-checks a reference.
//! - [`write`]: writes typed tables back as CSV or Parquet, atomically.
//! - [`schema`]: column specifications of every table (names, types, nullability).
//! - `raw` (private): reads one CSV/Parquet file as untyped cells; cell parsers.
//! - `validate` (private): unique keys and references across tables.
//! - `moves` (private): aggregates `worker_moves` by (from_firm, to_firm,
//!   year) in bounded memory: the DataFusion plan of `spillnet-flows` for
//!   files it accepts, its own streaming loader (exact errors) otherwise.
//! - [`frame`]: reads an arbitrary table's columns for `spillnet estimate`.
//! - [`summary`]: a summary of a loaded dataset (what `spillnet check` prints).
//!
//! - [`ids`]: the id newtypes shared by every layer.
//! - [`atomic`]: atomic output (temporary file + rename) and [`atomic::OutputError`].
//!
//! Depends on `spillnet-flows` (the DataFusion plan; no polars there) and
//! no other spillnet crate.
#![deny(missing_docs)]

pub mod atomic;
mod columns;
pub mod error;
pub mod frame;
pub mod ids;
pub mod index;
pub mod load;
mod moves;
pub mod moves_sql;
mod raw;
pub mod schema;
pub mod summary;
pub mod tables;
mod validate;
pub mod write;

pub use atomic::OutputError;
pub use error::LoadError;
pub use index::Indexed;
