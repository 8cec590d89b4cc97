//! Formatting of results: the neutral [`table::Table`] model and its text,
//! Markdown, LaTeX, CSV and JSON renderers; regression tables and the study
//! report. Receives finished results and computes nothing.
//! Imports `estimate` and `study` (result types), `graph` (summary types), `ids`, `error`.

pub mod regression_table;
pub mod spillover;
pub mod table;
