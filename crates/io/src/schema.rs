//! Column specifications of the input tables: for every table its file
//! stem, whether the table is required, what a row is, its key, two example
//! rows, and for every column its name, value type, nullability, whether the
//! column may be absent, what it means and what it refers to. The loader
//! ([`super::load`]) checks files against these specs, the writer
//! ([`super::write`]) writes columns in this order, and [`reference`] renders
//! the data reference (`spillnet schema`, `docs/data.md`) from them, so the
//! documentation cannot drift from the code. Imports nothing but std.

/// Smallest year accepted in any year column.
pub const YEAR_MIN: i32 = 1900;
/// Largest year accepted in any year column.
pub const YEAR_MAX: i32 = 2100;

/// The value type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Free text (ids, names, segments…).
    Text,
    /// One of a fixed set of spellings.
    Enum(&'static [&'static str]),
    /// A year: an integer in [`YEAR_MIN`], [`YEAR_MAX`].
    Year,
    /// A count: an integer ≥ 1.
    Count,
    /// A finite floating-point number.
    Float,
    /// A finite number greater than 0.
    Positive,
    /// A share: a finite number in [0, 1].
    Unit,
}

impl ColumnType {
    /// A short description for `--help`-like listings and error messages.
    pub fn describe(self) -> String {
        match self {
            ColumnType::Text => "text".into(),
            ColumnType::Enum(values) => format!("one of {}", values.join("/")),
            ColumnType::Year => format!("integer year in [{YEAR_MIN}, {YEAR_MAX}]"),
            ColumnType::Count => "integer ≥ 1".into(),
            ColumnType::Float => "finite number".into(),
            ColumnType::Positive => "number > 0".into(),
            ColumnType::Unit => "number in [0, 1]".into(),
        }
    }
}

/// Whether a column must be present in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// The column must be in the header.
    Required,
    /// The column may be left out of the file altogether.
    Optional,
}

/// One column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// Column name (CSV header / Parquet field name).
    pub name: &'static str,
    /// Value type.
    pub ty: ColumnType,
    /// Whether a cell may be empty (null).
    pub nullable: bool,
    /// Whether the column may be absent.
    pub presence: Presence,
    /// What the column holds (one sentence, for the data reference).
    pub doc: &'static str,
    /// What a value must name, when the column is a reference (`firms.firm_id, kind jv`).
    pub refs: Option<&'static str>,
}

impl ColumnSpec {
    /// With its documentation.
    const fn doc(self, doc: &'static str) -> Self {
        ColumnSpec { doc, ..self }
    }

    /// With the column it refers to.
    const fn refs(self, target: &'static str) -> Self {
        ColumnSpec { refs: Some(target), ..self }
    }
}

/// One table of a data folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSpec {
    /// File stem (`firms` → `firms.csv` / `firms.parquet`).
    pub name: &'static str,
    /// Whether the data folder must contain the table.
    pub required: bool,
    /// Columns, in canonical (written) order.
    pub columns: &'static [ColumnSpec],
    /// Columns forming the unique key (empty: whole rows must be unique).
    pub key: &'static [&'static str],
    /// What one row is, and the rules across columns and rows.
    pub doc: &'static str,
    /// Example rows, cells in column order (`""` = empty); together the
    /// examples of every table form a valid data folder (`spillnet init`
    /// writes those of the tables that are not [`TableSpec::supplementary`]).
    pub example: &'static [&'static [&'static str]],
    /// A supplementary table: optional evidence for the study's further
    /// checks (SPEC §7), not read by the core analyses. When absent it is
    /// not listed at all (load report, `check` summary, manifest), so a
    /// folder without it reads exactly as before the table existed; `spillnet
    /// init` does not write it.
    pub supplementary: bool,
}

impl TableSpec {
    /// The spec of column `name`, if the table defines it.
    pub fn column(&self, name: &str) -> Option<&'static ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The column names, comma-separated (for error messages).
    pub fn column_list(&self) -> String {
        self.columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
    }
}

const fn col(name: &'static str, ty: ColumnType) -> ColumnSpec {
    ColumnSpec { name, ty, nullable: false, presence: Presence::Required, doc: "", refs: None }
}

const fn nullable(name: &'static str, ty: ColumnType) -> ColumnSpec {
    ColumnSpec { name, ty, nullable: true, presence: Presence::Required, doc: "", refs: None }
}

const fn optional(name: &'static str, ty: ColumnType) -> ColumnSpec {
    ColumnSpec { name, ty, nullable: true, presence: Presence::Optional, doc: "", refs: None }
}

/// Spellings of `firms.kind`.
pub const KIND_VALUES: &[&str] = &["domestic", "foreign", "jv"];
/// Spellings of `firms.ownership`.
pub const OWNERSHIP_VALUES: &[&str] = &["soe", "private", "foreign"];

use ColumnType::{Count, Enum, Float, Positive, Text, Unit, Year};

/// `firms`. An empty `group_id` means the firm is its own group.
pub const FIRMS: TableSpec = TableSpec {
    name: "firms",
    required: true,
    columns: &[
        col("firm_id", Text).doc("Unique id of the firm, used by every other table."),
        col("name", Text).doc("Display name (any characters)."),
        col("kind", Enum(KIND_VALUES)).doc(
            "`domestic`: a domestic firm (a focal unit); `foreign`: a foreign parent of joint ventures; `jv`: a joint venture.",
        ),
        nullable("group_id", Text)
            .doc("Corporate group (a subsidiary names its parent's group); empty: the firm is its own group."),
        nullable("province", Text).doc("Region of the firm's main plants; empty when unknown."),
        col("ownership", Enum(OWNERSHIP_VALUES)).doc("State-owned, private or foreign-owned."),
    ],
    key: &["firm_id"],
    doc: "One row per firm: domestic firms, foreign parents and joint ventures.",
    example: &[
        &["D1", "Domestic One", "domestic", "D1", "North", "soe"],
        &["D2", "Domestic Two", "domestic", "D2", "South", "private"],
        &["F1", "Foreign One", "foreign", "F1", "", "foreign"],
        &["J1", "Joint Venture One", "jv", "D1", "North", "foreign"],
    ],
    supplementary: false,
};

/// `jv_links`.
pub const JV_LINKS: TableSpec = TableSpec {
    name: "jv_links",
    required: true,
    columns: &[
        col("jv_id", Text).doc("The joint venture.").refs("firms.firm_id, kind jv"),
        col("domestic_parent", Text).doc("Its domestic parent.").refs("firms.firm_id, kind domestic"),
        col("foreign_parent", Text).doc("Its foreign parent.").refs("firms.firm_id, kind foreign"),
        col("founded", Year).doc("Founding year."),
        nullable("dissolved", Year).doc("Year dissolved (not before `founded`); empty while active."),
        nullable("foreign_share", Float).doc("Foreign parent's equity share, in [0, 1]; empty when unknown."),
    ],
    key: &["jv_id", "domestic_parent", "foreign_parent"],
    doc: "One row per (JV, domestic parent, foreign parent); a JV with several parents has several rows. \
          A JV is never its own parent.",
    example: &[&["J1", "D1", "F1", "1995", "", "0.5"]],
    supplementary: false,
};

/// `models`.
pub const MODELS: TableSpec = TableSpec {
    name: "models",
    required: false,
    columns: &[
        col("model_id", Text).doc("Unique id of the product (a car model in the study)."),
        col("firm_id", Text).doc("The producer.").refs("firms.firm_id, kind domestic or jv"),
        col("segment", Text).doc("Market segment; pairs in the same segment are `SameSeg`."),
        col("first_year", Year).doc("First year on the market."),
        col("last_year", Year).doc("Last year on the market (not before `first_year`)."),
        optional("price", Positive).doc("Price (any fixed unit, e.g. 10,000 yuan); a demand-overlap control."),
        optional("size", Positive).doc("Size (e.g. length × width in m²); a demand-overlap control."),
        optional("power", Positive).doc("Engine power (e.g. kW); a demand-overlap control."),
    ],
    key: &["model_id"],
    doc: "One row per product of a domestic firm or a JV. The attributes `price`, `size` and `power` \
          may each be left out or left empty.",
    example: &[
        &["M_D1", "D1", "compact", "2010", "2012", "9.8", "7.9", "80"],
        &["M_D2", "D2", "suv", "2010", "2012", "14.5", "8.6", "110"],
        &["M_J1", "J1", "compact", "2010", "2012", "15.2", "8.1", "96"],
    ],
    supplementary: false,
};

/// `quality`.
pub const QUALITY: TableSpec = TableSpec {
    name: "quality",
    required: false,
    columns: &[
        col("model_id", Text).doc("The rated product.").refs("models.model_id"),
        col("year", Year).doc("Survey year."),
        col("dimension", Text).doc("Quality dimension (e.g. `iqs_engine`)."),
        optional("survey", Text)
            .doc("Survey the dimension belongs to (one survey per dimension); the clustering category."),
        col("score", Float).doc("Score, higher is better (e.g. minus defects per 100 vehicles)."),
        optional("score_half1", Float)
            .doc("The same score computed on one random half of the survey's respondents (for the split-sample IV)."),
        optional("score_half2", Float).doc("The same score computed on the other half of the respondents."),
    ],
    key: &["model_id", "year", "dimension"],
    doc: "One row per (product, year, quality dimension): the outcome of the spillover study. \
          `score_half1` and `score_half2` are both set or both empty in each row.",
    example: &[
        &["M_D1", "2011", "engine", "iqs", "-120.5", "-118.0", "-123.0"],
        &["M_D2", "2011", "engine", "iqs", "-98.0", "-101.5", "-94.5"],
        &["M_J1", "2011", "engine", "iqs", "-80.25", "-77.0", "-83.5"],
    ],
    supplementary: false,
};

/// `suppliers`: at least one of `model_id` / `firm_id` must be present, and
/// exactly one of them set in each row. Whole rows must be unique.
pub const SUPPLIERS: TableSpec = TableSpec {
    name: "suppliers",
    required: false,
    columns: &[
        col("supplier_id", Text).doc("The supplier."),
        optional("model_id", Text).doc("The supplied product.").refs("models.model_id"),
        optional("firm_id", Text).doc("The supplied firm (all its products).").refs("firms.firm_id"),
        col("component", Text).doc("Component supplied (e.g. `brakes`)."),
        nullable("year", Year).doc("Year of the link; empty when pooled over years."),
    ],
    key: &[],
    doc: "One row per supplier link. Exactly one of `model_id` and `firm_id` is set in each row \
          (at least one of the two columns must be in the file). Whole rows are unique.",
    example: &[
        &["S1", "M_D1", "", "brakes", ""],
        &["S1", "M_J1", "", "brakes", ""],
        &["S2", "", "D2", "seats", "2011"],
    ],
    supplementary: false,
};

/// `worker_moves`. An absent `count` column (or empty cell) means 1.
pub const WORKER_MOVES: TableSpec = TableSpec {
    name: "worker_moves",
    required: false,
    columns: &[
        col("from_firm", Text).doc("Firm the workers left.").refs("firms.firm_id"),
        col("to_firm", Text).doc("Firm the workers joined.").refs("firms.firm_id"),
        col("year", Year).doc("Year of the move."),
        optional("count", Count).doc("Number of workers (aggregate rows); absent column or empty cell: 1."),
        optional("person_id", Text).doc("Person id (person-level rows, e.g. from job-switch profiles)."),
    ],
    key: &[],
    doc: "One row per job move (with `person_id`) or per aggregate flow (with `count`); rows are summed \
          by (from_firm, to_firm, year) on load and sorted by that triple; a move from a firm to itself is an \
          error. May hold 10^8 rows: it is aggregated on all cores (DataFusion) or streamed.",
    example: &[&["J1", "D1", "2010", "", "P1"], &["J1", "D1", "2011", "3", ""]],
    supplementary: false,
};

/// `production`.
pub const PRODUCTION: TableSpec = TableSpec {
    name: "production",
    required: false,
    columns: &[
        col("firm_id", Text).doc("The producer.").refs("firms.firm_id"),
        col("year", Year).doc("Year."),
        col("units", Float).doc("Units produced (at least 0)."),
    ],
    key: &["firm_id", "year"],
    doc: "One row per (firm, year): output, for node sizes and cumulative-production controls.",
    example: &[&["J1", "2010", "1000"], &["D1", "2010", "250"]],
    supplementary: false,
};

/// Spellings of `patents.kind`.
pub const PATENT_KIND_VALUES: &[&str] = &["transfer", "licence"];

/// `customer_choices` (supplementary): the demand-overlap evidence.
pub const CUSTOMER_CHOICES: TableSpec = TableSpec {
    name: "customer_choices",
    required: false,
    columns: &[
        col("model_a", Text).doc("One product of the pair.").refs("models.model_id"),
        col("model_b", Text).doc("The other product (not `model_a`).").refs("models.model_id"),
        col("year", Year).doc("Survey year."),
        col("count", Count).doc("Households listing the two products together among their top choices."),
    ],
    key: &["model_a", "model_b", "year"],
    doc: "One row per (pair of products, year) from a household survey: how often the two are listed \
          together among a household's top choices. A pair is unordered: (A, B, year) and (B, A, year) \
          are the same key. Pairs never listed together have no row.",
    example: &[&["M_D1", "M_J1", "2011", "12"], &["M_D2", "M_J1", "2011", "3"]],
    supplementary: true,
};

/// `brand_association` (supplementary).
pub const BRAND_ASSOCIATION: TableSpec = TableSpec {
    name: "brand_association",
    required: false,
    columns: &[
        col("domestic_firm", Text).doc("The domestic brand.").refs("firms.firm_id, kind domestic"),
        col("foreign_parent", Text).doc("The foreign brand.").refs("firms.firm_id, kind foreign"),
        col("share", Unit).doc("Share of survey respondents who associate the two brands."),
    ],
    key: &["domestic_firm", "foreign_parent"],
    doc: "One row per (domestic firm, foreign parent) pair asked about in a brand survey: the share of \
          respondents who associate the domestic brand with the foreign one.",
    example: &[&["D1", "F1", "0.74"], &["D2", "F1", "0.07"]],
    supplementary: true,
};

/// `patents` (supplementary).
pub const PATENTS: TableSpec = TableSpec {
    name: "patents",
    required: false,
    columns: &[
        col("from_firm", Text).doc("The firm transferring or licensing the patents.").refs("firms.firm_id"),
        col("to_firm", Text).doc("The receiving firm (not `from_firm`).").refs("firms.firm_id"),
        col("year", Year).doc("Year of the transfer or licence."),
        col("count", Count).doc("Number of patents."),
        col("kind", Enum(PATENT_KIND_VALUES)).doc("`transfer`: ownership moves; `licence`: a right to use."),
    ],
    key: &["from_firm", "to_firm", "year", "kind"],
    doc: "One row per (from firm, to firm, year, kind): patents transferred or licensed between two firms.",
    example: &[&["J1", "D1", "2011", "2", "licence"], &["F1", "J1", "2010", "5", "transfer"]],
    supplementary: true,
};

/// Every table, in load order (same order as [`super::tables::TABLE_NAMES`]).
pub const TABLES: [&TableSpec; 10] = [
    &FIRMS,
    &JV_LINKS,
    &MODELS,
    &QUALITY,
    &SUPPLIERS,
    &WORKER_MOVES,
    &PRODUCTION,
    &CUSTOMER_CHOICES,
    &BRAND_ASSOCIATION,
    &PATENTS,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_order_matches_contract() {
        let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        assert_eq!(names, super::super::tables::TABLE_NAMES);
    }

    #[test]
    fn examples_have_one_cell_per_column_and_every_column_is_documented() {
        for t in TABLES {
            assert!(!t.doc.is_empty() && t.example.len() >= 2 || t.name == "jv_links", "{}", t.name);
            for row in t.example {
                assert_eq!(row.len(), t.columns.len(), "{}: {row:?}", t.name);
            }
            for c in t.columns {
                assert!(!c.doc.is_empty(), "{}.{} has no doc", t.name, c.name);
            }
        }
    }

    #[test]
    fn key_columns_exist() {
        for t in TABLES {
            for k in t.key {
                assert!(t.column(k).is_some(), "{}.{k}", t.name);
            }
        }
    }
}
