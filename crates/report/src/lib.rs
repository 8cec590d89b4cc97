//! Formatting of results: regression tables (text, Markdown, LaTeX, CSV,
//! JSON) and summaries. Receives finished results and computes nothing.
//! Imports `estimate` and `study` (result types), `graph` (summary types), `ids`, `error`.

pub mod regression_table;
pub mod spillover;
