//! The binary's library error: one variant per layer crate, each wrapping
//! that crate's own `#[non_exhaustive]` error type. The binary prints the chain with
//! anyhow; the library never prints.

use std::path::PathBuf;

/// Any error spillnet's library can return.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Loading or validating an input table failed.
    #[error(transparent)]
    Load(#[from] spillnet_io::LoadError),
    /// Building or querying the knowledge-flow graph failed.
    #[error(transparent)]
    Graph(#[from] spillnet_network::graph::GraphError),
    /// Pair attributes or exposures could not be computed.
    #[error(transparent)]
    Exposure(#[from] spillnet_network::exposure::ExposureError),
    /// An estimation could not be carried out.
    #[error(transparent)]
    Estimate(#[from] spillnet_estimate::EstimateError),
    /// The spillover study could not be carried out.
    #[error(transparent)]
    Study(#[from] spillnet_study::StudyError),
    /// The synthetic generator was misconfigured or failed.
    #[error(transparent)]
    Synth(#[from] spillnet_synth::SynthError),
    /// Exporting or rendering a diagram failed.
    #[error(transparent)]
    Export(#[from] spillnet_export::ExportError),
    /// A Monte Carlo run failed.
    #[error(transparent)]
    MonteCarlo(#[from] spillnet_montecarlo::McError),
    /// Writing an output file failed (from a layer crate).
    #[error(transparent)]
    Write(#[from] spillnet_io::OutputError),
    /// A configuration value is invalid (reported as a usage error, exit code 2).
    #[error("{0}")]
    Usage(String),
    /// Writing an output file failed.
    #[error("cannot write {}: {source}", path.display())]
    Output {
        /// The output file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
}

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
