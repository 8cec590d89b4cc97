//! Channels of knowledge flow between a domestic (focal) unit and a JV unit,
//! each defined once, in its own file, and read by every consumer: the
//! exposure tables ([`crate::exposure::measure`]) and the study's pair panel
//! ([`crate::exposure::pairs`]).
//!
//! - [`affiliation`]: the focal firm's corporate group is a domestic-parent group of the JV.
//! - [`geography`]: both firms are in the same (known) province.
//! - [`worker_flow`]: workers who moved from the JV firm to the focal firm, over a [`worker_flow::Window`].
//! - [`supplier_overlap`]: overlap of two supplier sets by an [`supplier_overlap::OverlapIndex`].
//!
//! Where the exposure tables and the study used different definitions, the
//! difference is a named option of the channel (the window of worker flows,
//! the overlap index); each consumer keeps its documented default.
//!
//! Owns [`Firms`], the interned firm table every channel indexes into, and
//! [`ChannelError`]. Imports nothing else of this crate.

pub mod affiliation;
pub mod geography;
pub mod supplier_overlap;
pub mod worker_flow;

use spillnet_io::ids::FirmId;
use spillnet_io::tables::{Dataset, FirmKind};


/// Firms interned by sorted id, with the attributes channels read.
///
/// Shapes: every vector has one entry per distinct firm id, in id order.
#[derive(Debug, Clone)]
pub struct Firms<'a> {
    /// Firm ids, sorted and distinct.
    pub names: Vec<&'a FirmId>,
    /// Kind of each firm.
    pub kind: Vec<FirmKind>,
    /// Corporate group of each firm.
    pub group: Vec<&'a str>,
    /// Province of each firm, when known.
    pub province: Vec<Option<&'a str>>,
}

impl<'a> Firms<'a> {
    /// Intern the firms of a dataset.
    pub fn new(ds: &'a Dataset) -> Self {
        let mut names: Vec<&FirmId> = ds.firms.iter().map(|f| &f.firm_id).collect();
        names.sort();
        names.dedup();
        let n = names.len();
        let mut firms = Firms { names, kind: vec![FirmKind::Foreign; n], group: vec![""; n], province: vec![None; n] };
        for f in &ds.firms {
            let k = firms.ix(&f.firm_id).unwrap_or_else(|| unreachable!("interned above")) as usize;
            firms.kind[k] = f.kind;
            firms.group[k] = f.group_id.as_str();
            firms.province[k] = f.province.as_deref();
        }
        firms
    }

    /// Number of firms.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there is no firm.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Index of a firm id.
    pub fn ix(&self, id: &FirmId) -> Option<u32> {
        self.names.binary_search(&id).ok().map(|k| k as u32)
    }

    /// Index of a firm id named in `table` row `row` (1-based), column `column`.
    ///
    /// # Errors
    /// [`ChannelError::UnknownFirm`] naming the table, row and column when the id is unknown.
    pub fn ix_at(&self, id: &FirmId, table: &'static str, row: usize, column: &'static str) -> Result<u32, ChannelError> {
        self.ix(id).ok_or_else(|| ChannelError::UnknownFirm { table, row, column, id: id.to_string() })
    }
}

/// Why a channel could not be computed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// A row refers to a firm that is not in `firms` (validated data never does).
    #[error("{table} row {row}: {column} {id} is not in firms")]
    UnknownFirm {
        /// Table name.
        table: &'static str,
        /// 1-based data row.
        row: usize,
        /// Column holding the reference.
        column: &'static str,
        /// The unknown firm id.
        id: String,
    },
}
