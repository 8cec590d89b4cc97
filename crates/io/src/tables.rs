//! Plain typed tables: the validated in-memory form of the SPEC §1 input
//! tables. No polars type appears here; `io::load` produces these and every
//! later layer consumes them. Imports only [`crate::ids`].
//!
//! Column names (CSV header / Parquet schema) are the field names below;
//! `Option` fields are nullable columns, and columns marked *optional* may be
//! absent from the file altogether.

use serde::{Deserialize, Serialize};

use crate::ids::{FirmId, GroupId, ModelId, SupplierId};

/// What a firm is (`firms.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FirmKind {
    /// A domestic (Chinese) automaker or group.
    Domestic,
    /// A foreign parent of one or more joint ventures.
    Foreign,
    /// A joint venture between a domestic and a foreign parent.
    Jv,
}

impl FirmKind {
    /// All kinds, in display order.
    pub const ALL: [FirmKind; 3] = [FirmKind::Domestic, FirmKind::Foreign, FirmKind::Jv];

    /// The spelling used in tables (`domestic`, `foreign`, `jv`).
    pub fn as_str(self) -> &'static str {
        match self {
            FirmKind::Domestic => "domestic",
            FirmKind::Foreign => "foreign",
            FirmKind::Jv => "jv",
        }
    }

    /// Parse the table spelling; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Ownership type of a firm (`firms.ownership`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ownership {
    /// State-owned enterprise.
    Soe,
    /// Private domestic firm.
    Private,
    /// Foreign-owned.
    Foreign,
}

impl Ownership {
    /// All ownership types, in display order.
    pub const ALL: [Ownership; 3] = [Ownership::Soe, Ownership::Private, Ownership::Foreign];

    /// The spelling used in tables (`soe`, `private`, `foreign`).
    pub fn as_str(self) -> &'static str {
        match self {
            Ownership::Soe => "soe",
            Ownership::Private => "private",
            Ownership::Foreign => "foreign",
        }
    }

    /// Parse the table spelling; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One row of `firms`: key `firm_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Firm {
    /// Unique firm id.
    pub firm_id: FirmId,
    /// Display name (may contain any characters; exporters escape it).
    pub name: String,
    /// Domestic firm, foreign parent or JV.
    pub kind: FirmKind,
    /// Parent group (FAW Xiali → FAW); a firm with no parent is its own group.
    pub group_id: GroupId,
    /// Province of the firm's (main) plants; nullable.
    pub province: Option<String>,
    /// SOE / private / foreign.
    pub ownership: Ownership,
}

/// One row of `jv_links`: one (JV, domestic parent, foreign parent) triple;
/// a JV with several parents has several rows. Key: (jv_id, domestic_parent, foreign_parent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JvLink {
    /// The JV (a firm of kind `jv`).
    pub jv_id: FirmId,
    /// Domestic parent (a firm of kind `domestic`).
    pub domestic_parent: FirmId,
    /// Foreign parent (a firm of kind `foreign`).
    pub foreign_parent: FirmId,
    /// Founding year.
    pub founded: i32,
    /// Year dissolved; `None` while active.
    pub dissolved: Option<i32>,
    /// Foreign parent's equity share in [0, 1]; nullable.
    pub foreign_share: Option<f64>,
}

/// One row of `models`: key `model_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Unique model id.
    pub model_id: ModelId,
    /// Producing firm (domestic firm or JV).
    pub firm_id: FirmId,
    /// Market segment (8 in the study, e.g. `compact_sedan`).
    pub segment: String,
    /// First model year on the market.
    pub first_year: i32,
    /// Last model year on the market (≥ first_year).
    pub last_year: i32,
    /// *Optional column*: price (> 0), a demand-overlap control.
    pub price: Option<f64>,
    /// *Optional column*: size (> 0), a demand-overlap control.
    pub size: Option<f64>,
    /// *Optional column*: engine power (> 0), a demand-overlap control.
    pub power: Option<f64>,
}

/// One row of `quality`: key (model_id, year, dimension).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityScore {
    /// The rated model.
    pub model_id: ModelId,
    /// Survey year.
    pub year: i32,
    /// Quality dimension (19 in the study).
    pub dimension: String,
    /// *Optional column*: the survey the dimension comes from (e.g. `iqs`,
    /// `apeal`); used as the "survey category" in clustering.
    pub survey: Option<String>,
    /// Score, higher = better; always finite.
    pub score: f64,
    /// *Optional columns* `score_half1`, `score_half2`: the same score on two
    /// random halves of the respondents (both or neither in a row), for the
    /// split-sample IV.
    pub halves: Option<[f64; 2]>,
}

/// What a supplier link points at: exactly one of `model_id` / `firm_id` is set per row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SupplierTarget {
    /// The supplier supplies this model.
    Model(ModelId),
    /// The supplier supplies this firm (all its models).
    Firm(FirmId),
}

/// One row of `suppliers`: key (supplier_id, target, component, year).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplierLink {
    /// Supplier id.
    pub supplier_id: SupplierId,
    /// Supplied model or firm (columns `model_id`, `firm_id`; one may be absent).
    pub target: SupplierTarget,
    /// Component supplied (e.g. `brakes`).
    pub component: String,
    /// Year of the link; `None` when pooled across years.
    pub year: Option<i32>,
}

/// One row of `worker_moves`: a job transition (person-level) or an aggregate count.
///
/// On load the table is streamed and summed by (from_firm, to_firm, year): a
/// triple that occurs in one input row keeps that row (with its `person_id`);
/// a repeated triple becomes one row with the summed `count` and no
/// `person_id`. Every consumer needs only these flows; the load report keeps
/// the input's row and person counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerMove {
    /// Firm the workers left.
    pub from_firm: FirmId,
    /// Firm the workers joined.
    pub to_firm: FirmId,
    /// Year of the move.
    pub year: i32,
    /// *Optional column* (default 1): number of workers; ≥ 1.
    pub count: u64,
    /// *Optional column*: person id for person-level rows.
    pub person_id: Option<String>,
}

/// One row of the optional `production` table: key (firm_id, year).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Production {
    /// Producing firm.
    pub firm_id: FirmId,
    /// Year.
    pub year: i32,
    /// Units produced (≥ 0).
    pub units: f64,
}

/// One row of the supplementary `customer_choices` table: key (unordered
/// pair {model_a, model_b}, year).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerChoice {
    /// One model of the pair.
    pub model_a: ModelId,
    /// The other model (≠ model_a).
    pub model_b: ModelId,
    /// Survey year.
    pub year: i32,
    /// Households listing the two together among their top choices; ≥ 1.
    pub count: u64,
}

/// One row of the supplementary `brand_association` table: key (domestic_firm, foreign_parent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrandAssociation {
    /// The domestic brand (a firm of kind `domestic`).
    pub domestic_firm: FirmId,
    /// The foreign brand (a firm of kind `foreign`).
    pub foreign_parent: FirmId,
    /// Share of respondents associating the two, in [0, 1].
    pub share: f64,
}

/// What a patent record is (`patents.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PatentKind {
    /// Ownership of the patents moves to `to_firm`.
    Transfer,
    /// `to_firm` obtains a licence to use the patents.
    Licence,
}

impl PatentKind {
    /// All kinds, in display order.
    pub const ALL: [PatentKind; 2] = [PatentKind::Transfer, PatentKind::Licence];

    /// The spelling used in tables (`transfer`, `licence`).
    pub fn as_str(self) -> &'static str {
        match self {
            PatentKind::Transfer => "transfer",
            PatentKind::Licence => "licence",
        }
    }

    /// Parse the table spelling; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One row of the supplementary `patents` table: key (from_firm, to_firm, year, kind).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatentFlow {
    /// Firm transferring or licensing.
    pub from_firm: FirmId,
    /// Receiving firm (≠ from_firm).
    pub to_firm: FirmId,
    /// Year.
    pub year: i32,
    /// Number of patents; ≥ 1.
    pub count: u64,
    /// Transfer or licence.
    pub kind: PatentKind,
}

/// All tables of one data folder, validated together (references resolve).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// `firms`.
    pub firms: Vec<Firm>,
    /// `jv_links`.
    pub jv_links: Vec<JvLink>,
    /// `models`.
    pub models: Vec<Model>,
    /// `quality`.
    pub quality: Vec<QualityScore>,
    /// `suppliers`.
    pub suppliers: Vec<SupplierLink>,
    /// `worker_moves`, summed by (from_firm, to_firm, year) and sorted by that triple (firm ids as strings).
    pub worker_moves: Vec<WorkerMove>,
    /// `production`, when the folder has one.
    pub production: Option<Vec<Production>>,
    /// Supplementary `customer_choices` (empty when absent).
    #[serde(default)]
    pub customer_choices: Vec<CustomerChoice>,
    /// Supplementary `brand_association` (empty when absent).
    #[serde(default)]
    pub brand_association: Vec<BrandAssociation>,
    /// Supplementary `patents` (empty when absent).
    #[serde(default)]
    pub patents: Vec<PatentFlow>,
}

/// The tables of a data folder, in load order; the file stem of each table.
pub const TABLE_NAMES: [&str; 10] = [
    "firms",
    "jv_links",
    "models",
    "quality",
    "suppliers",
    "worker_moves",
    "production",
    "customer_choices",
    "brand_association",
    "patents",
];
