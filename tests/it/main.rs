//! The single integration-test binary (each test binary links polars, so
//! there is only one). One module per area.

mod alternatives;
mod architecture;
mod case_benchmark_iv_fhs;
mod catalogue;
mod channel_registry;
mod check;
mod cli;
mod common;
mod estimate;
mod estimate_props;
mod event_robustness;
mod exposure;
mod exposure_cli;
mod exposure_sparse;
mod fixef;
mod graph;
mod graph_export;
mod graph_html;
mod moves_engine;
mod moves_stream;
mod pairs;
mod plot;
mod poisson;
mod run_config;
mod schema;
mod spillover;
mod supplementary;
mod synth;
mod synth_evidence;
mod synth_planted;
mod walkthrough;
