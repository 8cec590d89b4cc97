//! Input/output of tables: the ONLY module where polars appears.
//!
//! - [`tables`]: the plain typed tables every other layer consumes.
//! - [`load`]: reads a data folder (CSV or Parquet per table) and validates
//!   it (columns, types, keys, references, ranges) into a [`tables::Dataset`].
//! - [`write`]: writes typed tables back as CSV or Parquet, atomically.
//! - [`schema`]: column specifications of every table (names, types, nullability).
//! - `raw` (private): reads one CSV/Parquet file as untyped cells; cell parsers.
//! - `validate` (private): unique keys and references across tables.
//! - `moves` (private): streams `worker_moves` in bounded memory and
//!   aggregates it by (from_firm, to_firm, year).
//! - [`frame`]: reads an arbitrary table's columns for `spillnet estimate`.
//!
//! Imports only `ids`, `error`, `atomic`.

pub mod error;
pub mod frame;
pub mod load;
mod moves;
mod raw;
pub mod schema;
pub mod tables;
mod validate;
pub mod write;

pub use error::LoadError;
