//! Channels of knowledge flow between a domestic (focal) unit and a JV unit,
//! each defined once, in its own file, and read by every consumer: the
//! exposure tables ([`crate::exposure::measure`]) and the study's pair panel
//! ([`crate::exposure::pairs`]).
//!
//! - [`affiliation`]: the focal firm's corporate group is a domestic-parent group of the JV.
//! - [`geography`]: both firms are in the same (known) province.
//! - [`worker_flow`]: workers who moved from the JV firm to the focal firm, over a [`worker_flow::Window`].
//! - [`supplier_overlap`]: overlap of two supplier sets by an [`supplier_overlap::OverlapIndex`].
//! - [`patent_flow`] (registered, in [`BUILT_IN`]): patents transferred or licensed from the JV
//!   to the focal firm's group; present only when the data have a `patents` table
//!   ([`registered_for`]).
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
//! Owns [`Firms`], the firm attributes every channel reads, by the firm
//! numbers of the dataset's index (`spillnet_io::index`), the registry, and
//! [`ChannelError`]. References between tables arrive resolved, so a channel
//! never looks up an id. Imports nothing else of this crate.

pub mod affiliation;
pub mod geography;
pub mod patent_flow;
pub mod supplier_overlap;
pub mod worker_flow;

use std::sync::RwLock;

use spillnet_io::Indexed;
use spillnet_io::ids::FirmId;
use spillnet_io::tables::FirmKind;

/// A registered channel between firms: the weight of JV firm `jv` on focal
/// (domestic) firm `focal` in year `t`, both as [`Firms`] indices; 0 means no tie.
pub trait FirmChannel: Send + Sync {
    /// The weight.
    fn weight(&self, focal: u32, jv: u32, t: i32) -> f64;

    /// The firms that may have a nonzero weight on `focal` in year `t`, in
    /// any order: every JV firm left out must have `weight(focal, jv, t)`
    /// exactly `+0.0` (a `-0.0` weight must be listed). The exposure tables
    /// evaluate [`Self::weight`] only for the listed firms. `None`, the
    /// default, stands for every firm: correct for any channel, at the cost
    /// of one weight per (focal, JV unit, year).
    fn partners(&self, focal: u32, t: i32) -> Option<Vec<u32>> {
        let _ = (focal, t);
        None
    }
}

/// Builds a registered channel from a dataset.
pub type BuildChannel = for<'a> fn(&'a Indexed, &Firms<'a>) -> Result<Box<dyn FirmChannel + 'a>, ChannelError>;

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
pub const BUILT_IN: &[ChannelDef] = &[patent_flow::DEF];

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

/// The registered channels these data carry: [`registered`] without the
/// built-in ones whose optional source table is absent (`patent_flow`
/// without `patents`). Consumers build their columns and edges from this
/// list, so data without the table give the outputs of a build without the
/// channel.
pub fn registered_for(data: &Indexed) -> Vec<ChannelDef> {
    registered().into_iter().filter(|d| d.name != patent_flow::NAME || patent_flow::present(data)).collect()
}

/// The registered channel called `name`.
pub fn find(name: &str) -> Option<ChannelDef> {
    registered().into_iter().find(|d| d.name == name)
}

/// The attributes channels read, per firm number (the dataset index's
/// numbering: sorted id order).
///
/// Shapes: every vector has one entry per firm.
#[derive(Debug, Clone)]
pub struct Firms<'a> {
    /// Firm ids, sorted.
    pub names: Vec<&'a FirmId>,
    /// Kind of each firm.
    pub kind: Vec<FirmKind>,
    /// Corporate group of each firm.
    pub group: Vec<&'a str>,
    /// Province of each firm, when known.
    pub province: Vec<Option<&'a str>>,
}

impl<'a> Firms<'a> {
    /// The firms of a dataset, by firm number.
    pub fn new(data: &'a Indexed) -> Self {
        let rows: Vec<&spillnet_io::tables::Firm> =
            (0..data.index().firms.len() as u32).map(|k| data.firm(k)).collect();
        Firms {
            names: rows.iter().map(|f| &f.firm_id).collect(),
            kind: rows.iter().map(|f| f.kind).collect(),
            group: rows.iter().map(|f| f.group_id.as_str()).collect(),
            province: rows.iter().map(|f| f.province.as_deref()).collect(),
        }
    }

    /// Number of firms.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there is no firm.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Number of a firm id.
    pub fn ix(&self, id: &FirmId) -> Option<u32> {
        self.names.binary_search(&id).ok().map(|k| k as u32)
    }
}

/// Why a registered channel could not be computed (the built-in ones read
/// validated, resolved data and cannot fail).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The data does not support the channel.
    #[error("channel `{channel}`: {message}")]
    Data {
        /// The channel's name.
        channel: &'static str,
        /// What is wrong, naming table, row and column where there is one.
        message: String,
    },
}
