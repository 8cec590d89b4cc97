//! The data reference — every input table, its columns, types, keys,
//! references and an example — rendered from the loader's own schema
//! ([`spillnet_io::schema`]), as Markdown (`docs/data.md`, `spillnet schema
//! --format md`) or aligned text (`spillnet schema [TABLE]`). Imports only
//! `io::schema` and the table model.

use std::fmt::Write as _;

use spillnet_io::schema::{ColumnSpec, ColumnType, Presence, TABLES, TableSpec, YEAR_MAX, YEAR_MIN};

use crate::table::{Block, Column, OutputFormat, Table, render_blocks};

/// The rules every table shares, one sentence each.
fn general_rules() -> Vec<String> {
    let required: Vec<String> = TABLES.iter().filter(|t| t.required).map(|t| format!("`{}`", t.name)).collect();
    vec![
        "A data folder holds one file per table: `<table>.csv` or `<table>.parquet` (not both).".into(),
        format!(
            "Required tables: {}; the others may be absent (the analyses that need them say so).",
            required.join(", ")
        ),
        "CSV files are UTF-8 with a header row; columns may come in any order; spaces around a cell are \
         trimmed; an empty cell is a missing value (`.`, `NA` or `NaN` are not: the error says so)."
            .into(),
        format!(
            "Years and counts are integers (years in [{YEAR_MIN}, {YEAR_MAX}]); an integral decimal such as \
             `2011.0`, as tools that store integers as floats write them, reads as `2011` in every table, \
             with a warning naming the file, column and first row; numbers are finite."
        ),
        "Columns marked optional may be left out of the file; a column not listed here is an error \
         (`--allow-extra-columns` ignores it with a warning)."
            .into(),
        "Every error names the file, the 1-based data row and the column.".into(),
        format!(
            "Supplementary tables ({}) hold evidence for the study's further checks; when absent they are \
             not listed (`spillnet check`, the run manifest), so a folder without them reads as before.",
            TABLES.iter().filter(|t| t.supplementary).map(|t| format!("`{}`", t.name)).collect::<Vec<_>>().join(", ")
        ),
    ]
}

fn type_name(c: &ColumnSpec) -> String {
    match c.ty {
        ColumnType::Enum(values) => values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(" / "),
        ty => ty.describe(),
    }
}

fn presence(c: &ColumnSpec) -> &'static str {
    match (c.presence, c.nullable) {
        (Presence::Optional, _) => "optional column",
        (Presence::Required, true) => "required, may be empty",
        (Presence::Required, false) => "required",
    }
}

/// `required`, `optional` or `optional, supplementary`.
fn status(t: &TableSpec) -> &'static str {
    match (t.required, t.supplementary) {
        (true, _) => "required",
        (false, false) => "optional",
        (false, true) => "optional, supplementary",
    }
}

fn key_line(t: &TableSpec) -> String {
    if t.key.is_empty() {
        "Key: whole rows are unique.".into()
    } else {
        let cols: Vec<String> = t.key.iter().map(|k| format!("`{k}`")).collect();
        format!("Key: ({}) is unique.", cols.join(", "))
    }
}

/// The example rows of `t` as CSV text (header first).
pub fn example_csv(t: &TableSpec) -> String {
    let mut out = t.columns.iter().map(|c| c.name).collect::<Vec<_>>().join(",");
    out.push('\n');
    for row in t.example {
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// The whole reference as Markdown (what `docs/data.md` holds).
pub fn markdown() -> String {
    let mut out = String::from(
        "# Input data reference\n\n\
         <!-- Generated from crates/io/src/schema.rs by `spillnet schema --format md`; do not edit by hand \
         (a test compares this file with the command's output). -->\n\n",
    );
    for rule in general_rules() {
        let _ = writeln!(out, "- {rule}");
    }
    out.push_str(
        "\n`spillnet init DIR` writes every table below but the supplementary ones with its example rows: \
         a folder that passes `spillnet check`, to edit into your own data.\n",
    );
    for t in TABLES {
        let _ = write!(out, "\n## `{}` ({})\n\n{}\n\n{}\n\n", t.name, status(t), t.doc, key_line(t));
        out.push_str("| column | type | presence | meaning | refers to |\n|:---|:---|:---|:---|:---|\n");
        for c in t.columns {
            let refs = c.refs.map_or_else(String::new, |r| format!("`{r}`"));
            let _ = writeln!(out, "| `{}` | {} | {} | {} | {refs} |", c.name, type_name(c), presence(c), c.doc);
        }
        let _ = write!(out, "\nExample (`{}.csv`):\n\n```csv\n{}```\n", t.name, example_csv(t));
    }
    out
}

/// One table's reference as report blocks (text rendering).
fn table_blocks(t: &TableSpec) -> Vec<Block> {
    let mut cols = Table::new(vec![
        Column::new("column"),
        Column::new("type"),
        Column::new("presence"),
        Column::new("refers to"),
        Column::new("meaning"),
    ]);
    for c in t.columns {
        cols.push(
            [c.name.to_owned(), c.ty.describe(), presence(c).to_owned(), c.refs.unwrap_or("").to_owned(), c.doc.into()]
                .into_iter()
                .map(crate::table::Cell::text)
                .collect(),
        );
    }
    vec![
        Block::Line(format!("{} ({})", t.name, status(t))),
        Block::Line(format!("  {}", t.doc)),
        Block::Line(format!("  {}", key_line(t).replace('`', ""))),
        Block::Table(cols),
        Block::Line("Example:".into()),
        Block::Line(example_csv(t).trim_end().to_owned()),
        Block::Line(String::new()),
    ]
}

/// The reference as aligned text: every table, or only `table`.
///
/// # Errors
/// The list of table names when `table` names none.
pub fn text(table: Option<&str>) -> Result<String, String> {
    let chosen: Vec<&TableSpec> = match table {
        None => TABLES.to_vec(),
        Some(name) => match TABLES.iter().find(|t| t.name == name) {
            Some(t) => vec![*t],
            None => {
                let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
                return Err(format!("no table `{name}`; the tables are {}", names.join(", ")));
            }
        },
    };
    let mut blocks = Vec::new();
    if table.is_none() {
        blocks.extend(general_rules().into_iter().map(|r| Block::Line(format!("- {}", r.replace('`', "")))));
        blocks.push(Block::Line(String::new()));
    }
    for t in chosen {
        blocks.extend(table_blocks(t));
    }
    Ok(render_blocks(&blocks, OutputFormat::Text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firms_reference_names_every_column_type_and_reference() {
        let md = markdown();
        assert!(md.contains("## `firms` (required)"));
        assert!(md.contains("| `kind` | `domestic` / `foreign` / `jv` | required |"));
        assert!(md.contains("| `jv_id` | text | required | The joint venture. | `firms.firm_id, kind jv` |"));
        assert!(md.contains("| `count` | integer ≥ 1 | optional column |"));
        assert!(md.contains("```csv\nfirm_id,name,kind,group_id,province,ownership\nD1,Domestic One,"));
        let t = text(Some("production")).unwrap();
        assert!(t.starts_with("production (optional)\n"), "{t}");
        assert!(t.contains("firm_id,year,units\nJ1,2010,1000\n"), "{t}");
        assert_eq!(text(Some("firm")).unwrap_err().split(';').next(), Some("no table `firm`"));
    }
}
