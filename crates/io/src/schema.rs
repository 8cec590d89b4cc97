//! Column specifications of the SPEC §1 input tables: for every table its
//! file stem, whether the table is required, and for every column its name,
//! value type, nullability and whether the column may be absent. The loader
//! ([`super::load`]) checks files against these specs and the writer
//! ([`super::write`]) writes columns in this order. Imports nothing but std.

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
    ColumnSpec { name, ty, nullable: false, presence: Presence::Required }
}

const fn nullable(name: &'static str, ty: ColumnType) -> ColumnSpec {
    ColumnSpec { name, ty, nullable: true, presence: Presence::Required }
}

const fn optional(name: &'static str, ty: ColumnType) -> ColumnSpec {
    ColumnSpec { name, ty, nullable: true, presence: Presence::Optional }
}

/// Spellings of `firms.kind`.
pub const KIND_VALUES: &[&str] = &["domestic", "foreign", "jv"];
/// Spellings of `firms.ownership`.
pub const OWNERSHIP_VALUES: &[&str] = &["soe", "private", "foreign"];

use ColumnType::{Count, Enum, Float, Text, Year};

/// `firms`. An empty `group_id` means the firm is its own group.
pub const FIRMS: TableSpec = TableSpec {
    name: "firms",
    required: true,
    columns: &[
        col("firm_id", Text),
        col("name", Text),
        col("kind", Enum(KIND_VALUES)),
        nullable("group_id", Text),
        nullable("province", Text),
        col("ownership", Enum(OWNERSHIP_VALUES)),
    ],
    key: &["firm_id"],
};

/// `jv_links`.
pub const JV_LINKS: TableSpec = TableSpec {
    name: "jv_links",
    required: true,
    columns: &[
        col("jv_id", Text),
        col("domestic_parent", Text),
        col("foreign_parent", Text),
        col("founded", Year),
        nullable("dissolved", Year),
        nullable("foreign_share", Float),
    ],
    key: &["jv_id", "domestic_parent", "foreign_parent"],
};

/// `models`.
pub const MODELS: TableSpec = TableSpec {
    name: "models",
    required: false,
    columns: &[
        col("model_id", Text),
        col("firm_id", Text),
        col("segment", Text),
        col("first_year", Year),
        col("last_year", Year),
    ],
    key: &["model_id"],
};

/// `quality`.
pub const QUALITY: TableSpec = TableSpec {
    name: "quality",
    required: false,
    columns: &[
        col("model_id", Text),
        col("year", Year),
        col("dimension", Text),
        optional("survey", Text),
        col("score", Float),
    ],
    key: &["model_id", "year", "dimension"],
};

/// `suppliers`: at least one of `model_id` / `firm_id` must be present, and
/// exactly one of them set in each row. Whole rows must be unique.
pub const SUPPLIERS: TableSpec = TableSpec {
    name: "suppliers",
    required: false,
    columns: &[
        col("supplier_id", Text),
        optional("model_id", Text),
        optional("firm_id", Text),
        col("component", Text),
        nullable("year", Year),
    ],
    key: &[],
};

/// `worker_moves`. An absent `count` column (or empty cell) means 1.
pub const WORKER_MOVES: TableSpec = TableSpec {
    name: "worker_moves",
    required: false,
    columns: &[
        col("from_firm", Text),
        col("to_firm", Text),
        col("year", Year),
        optional("count", Count),
        optional("person_id", Text),
    ],
    key: &[],
};

/// `production`.
pub const PRODUCTION: TableSpec = TableSpec {
    name: "production",
    required: false,
    columns: &[col("firm_id", Text), col("year", Year), col("units", Float)],
    key: &["firm_id", "year"],
};

/// Every table, in load order (same order as [`super::tables::TABLE_NAMES`]).
pub const TABLES: [&TableSpec; 7] = [&FIRMS, &JV_LINKS, &MODELS, &QUALITY, &SUPPLIERS, &WORKER_MOVES, &PRODUCTION];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_order_matches_contract() {
        let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        assert_eq!(names, super::super::tables::TABLE_NAMES);
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
