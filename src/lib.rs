//! spillnet: measure knowledge spillovers through inter-firm networks.
//!
//! The library is a Cargo workspace; each layer is its own crate, so the
//! compiler enforces that a layer imports only layers to its left:
//!
//! ```text
//!   spillnet-io ──► spillnet-network ──► spillnet-study ──► spillnet-report
//!       │            (graph, exposure)       ▲    ▲            spillnet-export
//!       ├──► spillnet-synth ─────────────────┼────┼──► spillnet-montecarlo
//!       │                 spillnet-estimate ─┘    │
//!       └─────────────────────────────────────────┘
//!   spillnet-flows ──► spillnet-io  (the worker-moves DataFusion plan, below io)
//!   spillnet (this crate): cli (flags → configs) ──► app (wires the crates) ◄── main
//! ```
//!
//! - [`io`] (`spillnet-io`): the only crate that uses polars; loads and
//!   validates the input tables into plain typed tables ([`io::tables`]) and
//!   writes them back; also the id newtypes ([`ids`]) and atomic output ([`atomic`]).
//!   It aggregates `worker_moves` with the DataFusion plan of `spillnet-flows`
//!   (no polars there), falling back to its own loader for exact errors.
//! - [`synth`] (`spillnet-synth`): the synthetic generator layered on the real JV network.
//! - [`channels`], [`graph`] and [`exposure`] (`spillnet-network`): the channels, the typed knowledge-flow
//!   multigraph and its views; pair attributes and channel-weighted exposure.
//! - [`estimate`] (`spillnet-estimate`): OLS with high-dimensional fixed
//!   effects and fixest-exact inference; depends on no data-frame, graph or
//!   CLI crate.
//! - [`study`] (`spillnet-study`): the spillover study of SPEC §4.
//! - [`montecarlo`] (`spillnet-montecarlo`): the study's estimator on many
//!   synthetic datasets (sits above both `synth` and `study`).
//! - [`report`] (`spillnet-report`): formats results; computes nothing.
//! - [`export`] (`spillnet-export`): Graphviz DOT export and rendering.
//! - [`cli`] / [`app`] (this crate): raw flags → validated configs → runs.
//!
//! This crate re-exports the layer crates under their old module names, so
//! `spillnet::io::tables`, `spillnet::estimate::fit_ols` and so on keep working.
#![deny(missing_docs)]

pub mod app;
pub mod cli;
pub mod error;
pub mod suggest;

pub use spillnet_estimate as estimate;
pub use spillnet_export as export;
pub use spillnet_io as io;
pub use spillnet_io::{atomic, ids};
pub use spillnet_montecarlo as montecarlo;
pub use spillnet_network::{channels, exposure, graph};
pub use spillnet_report as report;
pub use spillnet_study as study;
pub use spillnet_synth as synth;

pub use error::{Error, Result};
