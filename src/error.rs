//! The crate-wide error: one variant per layer, each wrapping that layer's
//! own `#[non_exhaustive]` error enum. The binary prints the chain with
//! anyhow; the library never prints.

use std::path::PathBuf;

/// Any error spillnet's library can return.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Loading or validating an input table failed.
    #[error(transparent)]
    Load(#[from] crate::io::LoadError),
    /// Building or querying the knowledge-flow graph failed.
    #[error(transparent)]
    Graph(#[from] crate::graph::GraphError),
    /// Pair attributes or exposures could not be computed.
    #[error(transparent)]
    Exposure(#[from] crate::exposure::ExposureError),
    /// An estimation could not be carried out.
    #[error(transparent)]
    Estimate(#[from] crate::estimate::EstimateError),
    /// The spillover study could not be carried out.
    #[error(transparent)]
    Study(#[from] crate::study::StudyError),
    /// The synthetic generator was misconfigured or failed.
    #[error(transparent)]
    Synth(#[from] crate::synth::SynthError),
    /// Exporting or rendering a diagram failed.
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
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
