//! spillnet: measure knowledge spillovers through inter-firm networks.
//!
//! The pipeline runs left to right; a layer imports only layers to its left
//! (plus [`ids`], [`error`] and [`atomic`]), `estimate` imports nothing but
//! `ids`/`error`, and only [`app`] sees every layer:
//!
//! ```text
//!   io ──► graph ──► exposure ──► estimate ──► report / export
//!   ▲                                                  │
//!   └──────────── app (wires the layers) ◄── cli ◄── main
//! ```
//!
//! - [`io`]: the only place polars appears; loads and validates the SPEC §1
//!   tables into plain typed tables ([`io::tables`]) and writes them back.
//! - [`synth`]: the synthetic generator layered on the real JV network.
//! - [`graph`]: the typed knowledge-flow multigraph and its views.
//! - [`estimate`]: OLS with high-dimensional fixed effects and fixest-exact
//!   inference; knows nothing of graphs or data frames.
//! - [`exposure`]: pair attributes and channel-weighted exposure measures.
//! - [`study`]: the spillover study of SPEC §4 (relative strengths, pairwise
//!   regressions, mediation, quantification, placebo, Monte Carlo) on the engine.
//! - [`report`]: formats results (regression tables, summaries); computes nothing.
//! - [`export`]: Graphviz DOT export and rendering.
//! - [`cli`] / [`app`]: raw flags → validated configs → runs.
#![deny(missing_docs)]

pub mod app;
pub mod atomic;
pub mod cli;
pub mod error;
pub mod estimate;
pub mod export;
pub mod exposure;
pub mod graph;
pub mod ids;
pub mod io;
pub mod report;
pub mod study;
pub mod synth;

pub use error::{Error, Result};
