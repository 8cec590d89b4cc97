//! The graph-writer interface: one implementation per file format a view of
//! the knowledge-flow graph can be exported to. [`DotWriter`] (Graphviz DOT,
//! [`crate::dot`]) is the first; GraphML, GEXF or an HTML viewer are new
//! implementations of [`GraphWriter`], and the callers (`graph dot`, the
//! run's `[[diagram]]` step) need not change. Imports `graph` and `dot`.

use std::io::Write;

use spillnet_network::graph::KnowledgeGraph;

use crate::ExportError;
use crate::dot::{DotOptions, to_dot};

/// Writes a graph (a view: [`KnowledgeGraph::description`] says which) in one file format.
pub trait GraphWriter {
    /// The file extension of the format, without the dot (`dot`, `graphml`).
    fn extension(&self) -> &'static str;

    /// Write `graph` to `out`.
    ///
    /// # Errors
    /// [`ExportError::Write`] when `out` fails.
    fn write(&self, graph: &KnowledgeGraph, out: &mut dyn Write) -> Result<(), ExportError>;

    /// The bytes [`GraphWriter::write`] would write.
    fn to_bytes(&self, graph: &KnowledgeGraph) -> Vec<u8> {
        let mut buf = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = self.write(graph, &mut buf);
        buf
    }
}

/// Graphviz DOT with the given styling ([`to_dot`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DotWriter {
    /// Styling of the diagram.
    pub options: DotOptions,
}

impl DotWriter {
    /// A DOT writer with these options.
    pub fn new(options: DotOptions) -> Self {
        DotWriter { options }
    }
}

impl GraphWriter for DotWriter {
    fn extension(&self) -> &'static str {
        "dot"
    }

    fn write(&self, graph: &KnowledgeGraph, out: &mut dyn Write) -> Result<(), ExportError> {
        out.write_all(to_dot(graph, &self.options).as_bytes()).map_err(ExportError::Write)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spillnet_io::tables::{Dataset, Firm, FirmKind, Ownership};
    use spillnet_network::graph::build_graph;

    #[test]
    fn dot_writer_writes_exactly_to_dot() {
        let mut data = Dataset::default();
        data.firms.push(Firm {
            firm_id: "faw".into(),
            name: "FAW".into(),
            kind: FirmKind::Domestic,
            group_id: "faw".into(),
            province: Some("Jilin".into()),
            ownership: Ownership::Soe,
        });
        let g = build_graph(&spillnet_io::Indexed::new(data).unwrap()).unwrap();
        let w = DotWriter::default();
        assert_eq!(w.extension(), "dot");
        assert_eq!(w.to_bytes(&g), to_dot(&g, &DotOptions::default()).into_bytes());
    }
}
