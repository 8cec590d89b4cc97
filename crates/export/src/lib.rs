//! Diagram export: the [`GraphWriter`] interface ([`writer`]) with Graphviz
//! DOT text ([`dot`]) and the offline HTML explorer ([`html`]) behind it, and
//! rendering through the `dot`/`sfdp` binaries ([`render`]); interchange
//! formats for other tools — GraphML ([`graphml`]), GEXF 1.3 ([`gexf`]), a
//! long edge list ([`edges`]) — with the node attribute and centrality tables
//! they share ([`interchange`]). Imports `graph`, `ids`, `error`, `atomic`,
//! `io::write`.

pub mod dot;
pub mod edges;
pub mod gexf;
pub mod graphml;
pub mod html;
pub mod interchange;
pub mod render;
pub mod writer;

use std::path::PathBuf;

pub use dot::{DotOptions, drawn_edge_count, quote_id, to_dot};
pub use edges::{EdgeListWriter, edge_table};
pub use gexf::{GexfWriter, to_gexf};
pub use graphml::{GraphmlWriter, to_graphml};
pub use html::{
    HtmlOptions, HtmlWriter, NodeAttributes, basic_node_attributes, node_attributes_with_centralities, to_html,
};
pub use interchange::{centrality_table, node_table};
pub use render::{ImageFormat, Layout};
pub use writer::{DotWriter, GraphWriter};

/// Why a diagram could not be exported or rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The Graphviz engine is not installed (the DOT file itself was written).
    #[error(
        "graphviz `{binary}` not found on PATH; install it (Debian: apt-get install graphviz) or omit --render; \
         the DOT file was written to {}",
        dot_path.display()
    )]
    GraphvizMissing {
        /// The engine looked for (`dot`, `sfdp`).
        binary: String,
        /// The DOT file that was written.
        dot_path: PathBuf,
    },
    /// The Graphviz engine ran and failed.
    #[error("graphviz `{binary}` failed on {} ({status}): {stderr}", dot_path.display())]
    RenderFailed {
        /// The engine binary.
        binary: String,
        /// The DOT file it was given.
        dot_path: PathBuf,
        /// Its exit status.
        status: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// The Graphviz engine ran longer than the time limit and was stopped.
    #[error(
        "graphviz `{binary}` did not finish within {secs} s on {} and was stopped. Large or dense graphs are slow \
         to lay out: draw a filtered view (--year, --channel, --min-weight, --view ego), try --layout sfdp, explore \
         the whole graph in a browser with `spillnet graph html`, or allow more time with --render-timeout",
        dot_path.display()
    )]
    RenderTimeout {
        /// The engine binary.
        binary: String,
        /// The DOT file it was given (written and kept).
        dot_path: PathBuf,
        /// The time limit, in seconds.
        secs: u64,
    },
    /// Writing an exported graph to its destination failed.
    #[error("writing the graph: {0}")]
    Write(#[source] std::io::Error),
    /// A file could not be read, written or run.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}
