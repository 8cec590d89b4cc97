//! Formatting of results: the neutral [`table::Table`] model and its text,
//! Markdown, LaTeX, CSV and JSON renderers; regression tables, the study
//! report, graph statistics and the data summary of `spillnet check`.
//! Receives finished results and computes nothing. Imports `estimate` and
//! `study` (result types), `network` (graph statistics), `io` (data summary).

pub mod coefplot;
pub mod data_reference;
pub mod evidence;
pub mod graph_stats;
pub mod regression_table;
pub mod spillover;
pub mod summary;
pub mod table;
