//! The network layer: the channels of knowledge flow, each defined once
//! ([`channels`]), the typed knowledge-flow graph ([`graph`]) and
//! channel-weighted exposure with its pair panel ([`exposure`]).
//!
//! Depends on `spillnet-io` (typed tables, ids) and petgraph, which stays
//! hidden behind [`graph::KnowledgeGraph`]; never on the estimation engine.
#![deny(missing_docs)]

pub mod channels;
pub mod exposure;
pub mod graph;
