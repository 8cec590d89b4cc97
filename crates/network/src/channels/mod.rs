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
//! Further channels are registered, not wired: a channel is one file that
//! implements [`FirmChannel`] and exposes a [`ChannelDef`], listed in
//! [`BUILT_IN`] (or added at run time with [`register`]). Every consumer
//! enumerates [`registered`]: the exposure tables get an `exposure_<name>`
//! column, the study's pair panel a column of weights, and the graph edges of
//! kind `<name>` (so graph statistics count them).
//!
//! Owns [`Firms`], the interned firm table every channel indexes into, the
//! registry, and [`ChannelError`]. Imports nothing else of this crate.

pub mod affiliation;
pub mod geography;
pub mod supplier_overlap;
pub mod worker_flow;

use std::sync::RwLock;

use spillnet_io::ids::FirmId;
use spillnet_io::tables::{Dataset, FirmKind};

/// A registered channel between firms: the weight of JV firm `jv` on focal
/// (domestic) firm `focal` in year `t`, both as [`Firms`] indices; 0 means no tie.
pub trait FirmChannel: Send + Sync {
    /// The weight.
    fn weight(&self, focal: u32, jv: u32, t: i32) -> f64;
}

/// Builds a registered channel from a dataset.
pub type BuildChannel = for<'a> fn(&'a Dataset, &Firms<'a>) -> Result<Box<dyn FirmChannel + 'a>, ChannelError>;

/// A registered channel: its name and how to build it.
#[derive(Clone, Copy)]
pub struct ChannelDef {
    /// Snake-case name: the exposure column is `exposure_<name>`, the graph's edge kind `<name>`.
    pub name: &'static str,
    /// One line saying what the weight is, for documentation and legends.
    pub doc: &'static str,
    /// The builder.
    pub build: BuildChannel,
}

impl std::fmt::Debug for ChannelDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelDef").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Channels registered by this crate besides the four built-in ones (a new
/// channel file adds its `ChannelDef` here).
pub const BUILT_IN: &[ChannelDef] = &[];

/// Channels registered at run time (by a program embedding the library, or a test).
static REGISTERED: RwLock<Vec<ChannelDef>> = RwLock::new(Vec::new());

/// Register a channel for this process; a second registration of the same name replaces the first.
pub fn register(def: ChannelDef) {
    let mut r = REGISTERED.write().unwrap_or_else(std::sync::PoisonError::into_inner);
    r.retain(|d| d.name != def.name);
    r.push(def);
}

/// Every registered channel: [`BUILT_IN`], then those added with [`register`], in order.
pub fn registered() -> Vec<ChannelDef> {
    let r = REGISTERED.read().unwrap_or_else(std::sync::PoisonError::into_inner);
    BUILT_IN.iter().chain(r.iter()).copied().collect()
}

/// The registered channel called `name`.
pub fn find(name: &str) -> Option<ChannelDef> {
    registered().into_iter().find(|d| d.name == name)
}

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
    pub fn ix_at(
        &self,
        id: &FirmId,
        table: &'static str,
        row: usize,
        column: &'static str,
    ) -> Result<u32, ChannelError> {
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
