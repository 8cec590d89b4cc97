//! Writing tables as CSV or Parquet: the typed SPEC §1 tables of a
//! [`Dataset`] ([`write_dataset`]) and any column-oriented table
//! ([`write_table`], for exposure tables and other outputs).
//!
//! Output is deterministic (same input → byte-identical files) and atomic
//! (via [`crate::atomic`]). CSV: header row, `,` separator, `\n` line ends,
//! fields quoted only when they contain `,`, `"`, a line break or surrounding
//! whitespace; null = empty field; floats in shortest round-trip form (Rust's
//! `{:?}`, e.g. `0.1`, `2.0`, `1e-7`). Parquet: written with polars
//! (zstd, single-threaded, no per-run metadata). Columns follow the schema
//! order of [`super::schema`]. Imports `io::{tables, schema}`, `atomic`, `error`.

use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::{Column, DataFrame, ParquetWriter};

use super::schema::{self, TableSpec};
use super::tables::{Dataset, Model, SupplierTarget};
use crate::atomic::OutputError;
use crate::atomic::write_atomic_with;

type Result<T, E = OutputError> = std::result::Result<T, E>;

/// File format of written tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    /// Comma-separated values with a header row.
    #[default]
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl TableFormat {
    /// File extension without the dot (`csv`, `parquet`).
    pub fn extension(self) -> &'static str {
        match self {
            TableFormat::Csv => "csv",
            TableFormat::Parquet => "parquet",
        }
    }

    /// The other format (used to detect a stale sibling file).
    fn other(self) -> Self {
        match self {
            TableFormat::Csv => TableFormat::Parquet,
            TableFormat::Parquet => TableFormat::Csv,
        }
    }
}

/// The values of one output column; `None` is a null (empty CSV field).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Text (Parquet `String`).
    Text(Vec<Option<String>>),
    /// Integers (Parquet `Int64`).
    Int(Vec<Option<i64>>),
    /// Floating-point numbers (Parquet `Float64`).
    Float(Vec<Option<f64>>),
}

impl ColumnData {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Text(v) => v.len(),
            ColumnData::Int(v) => v.len(),
            ColumnData::Float(v) => v.len(),
        }
    }

    /// Whether the column has no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Append the CSV field of row `i` to `out`.
    fn push_csv_field(&self, i: usize, out: &mut String) {
        match self {
            ColumnData::Text(v) => {
                if let Some(s) = &v[i] {
                    push_csv_text(s, out);
                }
            }
            ColumnData::Int(v) => {
                if let Some(x) = v[i] {
                    out.push_str(&x.to_string());
                }
            }
            ColumnData::Float(v) => {
                if let Some(x) = v[i] {
                    out.push_str(&format_float(x));
                }
            }
        }
    }
}

/// A column-oriented table to write: named columns of equal length.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableData {
    /// (name, values) in output order.
    pub columns: Vec<(String, ColumnData)>,
}

impl TableData {
    /// Append a column (builder style).
    pub fn with(mut self, name: &str, data: ColumnData) -> Self {
        self.columns.push((name.to_owned(), data));
        self
    }

    /// Number of rows (0 for a table without columns).
    pub fn height(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
    }
}

/// Format a float in shortest round-trip form (`2.0`, `0.1`, `1e-7`, `NaN`, `inf`).
pub fn format_float(x: f64) -> String {
    format!("{x:?}")
}

/// Append `s` to `out` as a CSV field, quoting when needed.
fn push_csv_text(s: &str, out: &mut String) {
    let needs_quotes = s.contains([',', '"', '\n', '\r']) || s.trim() != s;
    if needs_quotes {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// Render a table as CSV text (header + one line per row).
pub fn table_to_csv(table: &TableData) -> String {
    let mut out = String::new();
    for (j, (name, _)) in table.columns.iter().enumerate() {
        if j > 0 {
            out.push(',');
        }
        push_csv_text(name, &mut out);
    }
    out.push('\n');
    for i in 0..table.height() {
        for (j, (_, data)) in table.columns.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            data.push_csv_field(i, &mut out);
        }
        out.push('\n');
    }
    out
}

fn check_lengths(path: &Path, table: &TableData) -> Result<()> {
    let h = table.height();
    if let Some((name, c)) = table.columns.iter().find(|(_, c)| c.len() != h) {
        return Err(output_error(path, format!("column `{name}` has {} values, expected {h}", c.len())));
    }
    Ok(())
}

fn output_error(path: &Path, message: String) -> OutputError {
    OutputError { path: path.to_path_buf(), source: std::io::Error::other(message) }
}

/// Write `table` to `path` as CSV or Parquet, atomically and deterministically.
pub fn write_table(path: &Path, table: &TableData, format: TableFormat) -> Result<()> {
    check_lengths(path, table)?;
    match format {
        TableFormat::Csv => {
            let text = table_to_csv(table);
            write_atomic_with(path, |w| w.write_all(text.as_bytes()))
        }
        TableFormat::Parquet => {
            let mut df = to_frame(table).map_err(|e| output_error(path, e.to_string()))?;
            write_atomic_with(path, |w| {
                ParquetWriter::new(w).set_parallel(false).finish(&mut df).map(|_| ()).map_err(std::io::Error::other)
            })
        }
    }
}

fn to_frame(table: &TableData) -> polars::prelude::PolarsResult<DataFrame> {
    let columns: Vec<Column> = table
        .columns
        .iter()
        .map(|(name, data)| match data {
            ColumnData::Text(v) => Column::new(name.as_str().into(), v.as_slice()),
            ColumnData::Int(v) => Column::new(name.as_str().into(), v.as_slice()),
            ColumnData::Float(v) => Column::new(name.as_str().into(), v.as_slice()),
        })
        .collect();
    DataFrame::new(table.height(), columns)
}

fn text<T, F: Fn(&T) -> Option<String>>(rows: &[T], f: F) -> ColumnData {
    ColumnData::Text(rows.iter().map(f).collect())
}

fn int<T, F: Fn(&T) -> Option<i64>>(rows: &[T], f: F) -> ColumnData {
    ColumnData::Int(rows.iter().map(f).collect())
}

fn float<T, F: Fn(&T) -> Option<f64>>(rows: &[T], f: F) -> ColumnData {
    ColumnData::Float(rows.iter().map(f).collect())
}

/// The tables of `ds` as column data, in load order, with their specs.
/// Optional columns are included only when meaningful: `quality.survey` when
/// some score has a survey, `worker_moves.count` when some count ≠ 1,
/// `worker_moves.person_id` when some row has one, `suppliers.model_id` /
/// `firm_id` when some link targets a model / firm (`model_id` when there are
/// no links at all), `models.price` / `size` / `power` each when some model
/// has it, `quality.score_half1` / `score_half2` when some score has its
/// halves. `production` is left out when `ds.production` is `None`, a
/// supplementary table (`customer_choices`, `brand_association`, `patents`)
/// when it has no rows.
pub fn dataset_tables(ds: &Dataset) -> Vec<(&'static TableSpec, TableData)> {
    let mut out = Vec::with_capacity(schema::TABLES.len());
    let f = &ds.firms;
    out.push((
        &schema::FIRMS,
        TableData::default()
            .with("firm_id", text(f, |r| Some(r.firm_id.0.clone())))
            .with("name", text(f, |r| Some(r.name.clone())))
            .with("kind", text(f, |r| Some(r.kind.as_str().into())))
            .with("group_id", text(f, |r| Some(r.group_id.0.clone())))
            .with("province", text(f, |r| r.province.clone()))
            .with("ownership", text(f, |r| Some(r.ownership.as_str().into()))),
    ));
    let j = &ds.jv_links;
    out.push((
        &schema::JV_LINKS,
        TableData::default()
            .with("jv_id", text(j, |r| Some(r.jv_id.0.clone())))
            .with("domestic_parent", text(j, |r| Some(r.domestic_parent.0.clone())))
            .with("foreign_parent", text(j, |r| Some(r.foreign_parent.0.clone())))
            .with("founded", int(j, |r| Some(r.founded.into())))
            .with("dissolved", int(j, |r| r.dissolved.map(i64::from)))
            .with("foreign_share", float(j, |r| r.foreign_share)),
    ));
    let m = &ds.models;
    let mut models = TableData::default()
        .with("model_id", text(m, |r| Some(r.model_id.0.clone())))
        .with("firm_id", text(m, |r| Some(r.firm_id.0.clone())))
        .with("segment", text(m, |r| Some(r.segment.clone())))
        .with("first_year", int(m, |r| Some(r.first_year.into())))
        .with("last_year", int(m, |r| Some(r.last_year.into())));
    let attributes: [(&str, fn(&Model) -> Option<f64>); 3] =
        [("price", |r| r.price), ("size", |r| r.size), ("power", |r| r.power)];
    for (name, get) in attributes {
        if m.iter().any(|r| get(r).is_some()) {
            models = models.with(name, float(m, get));
        }
    }
    out.push((&schema::MODELS, models));
    let q = &ds.quality;
    let mut quality = TableData::default()
        .with("model_id", text(q, |r| Some(r.model_id.0.clone())))
        .with("year", int(q, |r| Some(r.year.into())))
        .with("dimension", text(q, |r| Some(r.dimension.clone())));
    if q.iter().any(|r| r.survey.is_some()) {
        quality = quality.with("survey", text(q, |r| r.survey.clone()));
    }
    quality = quality.with("score", float(q, |r| Some(r.score)));
    if q.iter().any(|r| r.halves.is_some()) {
        quality = quality
            .with("score_half1", float(q, |r| r.halves.map(|h| h[0])))
            .with("score_half2", float(q, |r| r.halves.map(|h| h[1])));
    }
    out.push((&schema::QUALITY, quality));
    let s = &ds.suppliers;
    let any_model = s.iter().any(|r| matches!(r.target, SupplierTarget::Model(_)));
    let any_firm = s.iter().any(|r| matches!(r.target, SupplierTarget::Firm(_)));
    let mut suppliers = TableData::default().with("supplier_id", text(s, |r| Some(r.supplier_id.0.clone())));
    if any_model || !any_firm {
        suppliers = suppliers.with(
            "model_id",
            text(s, |r| match &r.target {
                SupplierTarget::Model(m) => Some(m.0.clone()),
                SupplierTarget::Firm(_) => None,
            }),
        );
    }
    if any_firm {
        suppliers = suppliers.with(
            "firm_id",
            text(s, |r| match &r.target {
                SupplierTarget::Firm(f) => Some(f.0.clone()),
                SupplierTarget::Model(_) => None,
            }),
        );
    }
    out.push((
        &schema::SUPPLIERS,
        suppliers
            .with("component", text(s, |r| Some(r.component.clone())))
            .with("year", int(s, |r| r.year.map(i64::from))),
    ));
    let w = &ds.worker_moves;
    let mut moves = TableData::default()
        .with("from_firm", text(w, |r| Some(r.from_firm.0.clone())))
        .with("to_firm", text(w, |r| Some(r.to_firm.0.clone())))
        .with("year", int(w, |r| Some(r.year.into())));
    if w.iter().any(|r| r.count != 1) {
        // Counts beyond i64::MAX cannot occur in practice; saturate rather than wrap.
        moves = moves.with("count", int(w, |r| Some(i64::try_from(r.count).unwrap_or(i64::MAX))));
    }
    if w.iter().any(|r| r.person_id.is_some()) {
        moves = moves.with("person_id", text(w, |r| r.person_id.clone()));
    }
    out.push((&schema::WORKER_MOVES, moves));
    if let Some(p) = &ds.production {
        out.push((
            &schema::PRODUCTION,
            TableData::default()
                .with("firm_id", text(p, |r| Some(r.firm_id.0.clone())))
                .with("year", int(p, |r| Some(r.year.into())))
                .with("units", float(p, |r| Some(r.units))),
        ));
    }
    let c = &ds.customer_choices;
    if !c.is_empty() {
        out.push((
            &schema::CUSTOMER_CHOICES,
            TableData::default()
                .with("model_a", text(c, |r| Some(r.model_a.0.clone())))
                .with("model_b", text(c, |r| Some(r.model_b.0.clone())))
                .with("year", int(c, |r| Some(r.year.into())))
                .with("count", int(c, |r| Some(i64::try_from(r.count).unwrap_or(i64::MAX)))),
        ));
    }
    let b = &ds.brand_association;
    if !b.is_empty() {
        out.push((
            &schema::BRAND_ASSOCIATION,
            TableData::default()
                .with("domestic_firm", text(b, |r| Some(r.domestic_firm.0.clone())))
                .with("foreign_parent", text(b, |r| Some(r.foreign_parent.0.clone())))
                .with("share", float(b, |r| Some(r.share))),
        ));
    }
    let p = &ds.patents;
    if !p.is_empty() {
        out.push((
            &schema::PATENTS,
            TableData::default()
                .with("from_firm", text(p, |r| Some(r.from_firm.0.clone())))
                .with("to_firm", text(p, |r| Some(r.to_firm.0.clone())))
                .with("year", int(p, |r| Some(r.year.into())))
                .with("count", int(p, |r| Some(i64::try_from(r.count).unwrap_or(i64::MAX))))
                .with("kind", text(p, |r| Some(r.kind.as_str().into()))),
        ));
    }
    out
}

/// Write every table of `ds` into `dir` (`firms.csv`, …), atomically and
/// deterministically (same dataset → byte-identical files). Returns the paths written.
///
/// Empty tables are written as header-only files; `production` is written
/// only when `ds.production` is `Some`. So that the folder loads back as
/// exactly `ds`, this refuses (before writing anything) when `dir` holds a
/// table file in the other format (e.g. `firms.parquet` when writing CSV),
/// or a `production` file while `ds.production` is `None`.
pub fn write_dataset(dir: &Path, ds: &Dataset, format: TableFormat) -> Result<Vec<PathBuf>> {
    let tables = dataset_tables(ds);
    for spec in schema::TABLES {
        let written = tables.iter().any(|(s, _)| s.name == spec.name);
        let stale_formats: &[TableFormat] =
            if written { &[format.other()] } else { &[TableFormat::Csv, TableFormat::Parquet] };
        for f in stale_formats {
            let stale = dir.join(format!("{}.{}", spec.name, f.extension()));
            if stale.exists() {
                let target = dir.join(format!("{}.{}", spec.name, format.extension()));
                return Err(output_error(
                    &target,
                    format!(
                        "{} already exists; a data folder holds one file per table, remove it or write to another folder",
                        stale.display()
                    ),
                ));
            }
        }
    }
    let mut paths = Vec::with_capacity(tables.len());
    for (spec, table) in &tables {
        let path = dir.join(format!("{}.{}", spec.name, format.extension()));
        write_table(&path, table, format)?;
        paths.push(path);
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_round_trip_in_shortest_form() {
        for (x, s) in [(0.1, "0.1"), (2.0, "2.0"), (1e-7, "1e-7"), (-3.25, "-3.25"), (1e300, "1e300")] {
            assert_eq!(format_float(x), s);
            assert_eq!(s.parse::<f64>().unwrap(), x);
        }
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        let t = TableData::default()
            .with("a", ColumnData::Text(vec![Some("x,y".into()), Some("say \"hi\"".into()), None, Some(" pad".into())]))
            .with("b", ColumnData::Int(vec![Some(1), None, Some(-3), Some(0)]))
            .with("c", ColumnData::Float(vec![Some(0.5), Some(1.0), None, Some(1e-9)]));
        assert_eq!(table_to_csv(&t), "a,b,c\n\"x,y\",1,0.5\n\"say \"\"hi\"\"\",,1.0\n,-3,\n\" pad\",0,1e-9\n");
    }

    #[test]
    fn ragged_columns_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let t = TableData::default()
            .with("a", ColumnData::Int(vec![Some(1)]))
            .with("b", ColumnData::Int(vec![Some(1), Some(2)]));
        let err = write_table(&dir.path().join("t.csv"), &t, TableFormat::Csv).unwrap_err();
        assert!(err.to_string().contains("column `b` has 2 values, expected 1"), "{err}");
    }

    #[test]
    fn parquet_is_deterministic() {
        let dir = tempfile::tempdir().unwrap();
        let t = TableData::default()
            .with("a", ColumnData::Text(vec![Some("x".into()), None]))
            .with("b", ColumnData::Float(vec![Some(0.25), None]));
        let p1 = dir.path().join("a.parquet");
        let p2 = dir.path().join("b.parquet");
        write_table(&p1, &t, TableFormat::Parquet).unwrap();
        write_table(&p2, &t, TableFormat::Parquet).unwrap();
        assert_eq!(std::fs::read(p1).unwrap(), std::fs::read(p2).unwrap());
    }

    fn sample() -> Dataset {
        use crate::ids::{FirmId, GroupId, ModelId, SupplierId};
        use crate::tables::*;
        let firm = |id: &str, kind, group: &str, own| Firm {
            firm_id: FirmId(id.into()),
            name: format!("{id}, \"Ltd\""),
            kind,
            group_id: GroupId(group.into()),
            province: if id == "F1" { None } else { Some("Jilin".into()) },
            ownership: own,
        };
        Dataset {
            firms: vec![
                firm("D1", FirmKind::Domestic, "D1", Ownership::Soe),
                firm("D2", FirmKind::Domestic, "D1", Ownership::Private),
                firm("F1", FirmKind::Foreign, "F1", Ownership::Foreign),
                firm("J1", FirmKind::Jv, "D1", Ownership::Soe),
            ],
            jv_links: vec![JvLink {
                jv_id: "J1".into(),
                domestic_parent: "D1".into(),
                foreign_parent: "F1".into(),
                founded: 1991,
                dissolved: Some(2010),
                foreign_share: Some(0.4),
            }],
            models: vec![
                Model {
                    model_id: "M1".into(),
                    firm_id: "J1".into(),
                    segment: "compact_sedan".into(),
                    first_year: 2001,
                    last_year: 2005,
                    price: Some(12.5),
                    size: None,
                    power: Some(80.0),
                },
                Model {
                    model_id: "M2".into(),
                    firm_id: "D2".into(),
                    segment: "mpv".into(),
                    first_year: 2003,
                    last_year: 2003,
                    price: None,
                    size: None,
                    power: None,
                },
            ],
            quality: vec![
                QualityScore {
                    model_id: ModelId("M1".into()),
                    year: 2002,
                    dimension: "engine".into(),
                    survey: Some("iqs".into()),
                    score: 0.1,
                    halves: Some([0.25, -0.05]),
                },
                QualityScore {
                    model_id: ModelId("M2".into()),
                    year: 2003,
                    dimension: "engine".into(),
                    survey: None,
                    score: -1e-9,
                    halves: None,
                },
            ],
            suppliers: vec![
                SupplierLink {
                    supplier_id: SupplierId("S1".into()),
                    target: SupplierTarget::Model("M1".into()),
                    component: "brakes".into(),
                    year: None,
                },
                SupplierLink {
                    supplier_id: SupplierId("S1".into()),
                    target: SupplierTarget::Firm("D2".into()),
                    component: "brakes".into(),
                    year: Some(2004),
                },
            ],
            // In the order a load gives (sorted by from_firm, to_firm, year).
            worker_moves: vec![
                WorkerMove {
                    from_firm: "D2".into(),
                    to_firm: "J1".into(),
                    year: 2005,
                    count: 1,
                    person_id: Some("p7".into()),
                },
                WorkerMove { from_firm: "J1".into(), to_firm: "D1".into(), year: 2004, count: 3, person_id: None },
            ],
            production: Some(vec![Production { firm_id: FirmId("J1".into()), year: 2004, units: 123456.5 }]),
            customer_choices: vec![CustomerChoice { model_a: "M2".into(), model_b: "M1".into(), year: 2003, count: 4 }],
            brand_association: vec![BrandAssociation {
                domestic_firm: "D2".into(),
                foreign_parent: "F1".into(),
                share: 0.5,
            }],
            patents: vec![PatentFlow {
                from_firm: "J1".into(),
                to_firm: "D1".into(),
                year: 2004,
                count: 2,
                kind: PatentKind::Licence,
            }],
        }
    }

    #[test]
    fn write_then_load_round_trips_in_both_formats() {
        let ds = sample();
        for format in [TableFormat::Csv, TableFormat::Parquet] {
            let dir = tempfile::tempdir().unwrap();
            let paths = write_dataset(dir.path(), &ds, format).unwrap();
            assert_eq!(paths.len(), 10);
            let bytes: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
            let back = crate::load::load_dataset(dir.path()).unwrap();
            assert_eq!(back.tables(), &ds, "{format:?}");
            // Rewriting gives byte-identical files.
            write_dataset(dir.path(), &back, format).unwrap();
            let again: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
            assert_eq!(bytes, again);
        }
    }

    #[test]
    fn csv_layout_follows_schema_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut ds = sample();
        ds.production = None;
        let paths = write_dataset(dir.path(), &ds, TableFormat::Csv).unwrap();
        assert_eq!(paths.len(), 9);
        let read = |n: &str| std::fs::read_to_string(dir.path().join(n)).unwrap();
        assert_eq!(
            read("firms.csv"),
            "firm_id,name,kind,group_id,province,ownership\n\
             D1,\"D1, \"\"Ltd\"\"\",domestic,D1,Jilin,soe\n\
             D2,\"D2, \"\"Ltd\"\"\",domestic,D1,Jilin,private\n\
             F1,\"F1, \"\"Ltd\"\"\",foreign,F1,,foreign\n\
             J1,\"J1, \"\"Ltd\"\"\",jv,D1,Jilin,soe\n"
        );
        assert_eq!(
            read("jv_links.csv"),
            "jv_id,domestic_parent,foreign_parent,founded,dissolved,foreign_share\nJ1,D1,F1,1991,2010,0.4\n"
        );
        assert_eq!(
            read("quality.csv"),
            "model_id,year,dimension,survey,score,score_half1,score_half2\n\
             M1,2002,engine,iqs,0.1,0.25,-0.05\nM2,2003,engine,,-1e-9,,\n"
        );
        assert_eq!(
            read("models.csv"),
            "model_id,firm_id,segment,first_year,last_year,price,power\nM1,J1,compact_sedan,2001,2005,12.5,80.0\n\
             M2,D2,mpv,2003,2003,,\n"
        );
        assert_eq!(read("customer_choices.csv"), "model_a,model_b,year,count\nM2,M1,2003,4\n");
        assert_eq!(read("brand_association.csv"), "domestic_firm,foreign_parent,share\nD2,F1,0.5\n");
        assert_eq!(read("patents.csv"), "from_firm,to_firm,year,count,kind\nJ1,D1,2004,2,licence\n");
        assert_eq!(
            read("suppliers.csv"),
            "supplier_id,model_id,firm_id,component,year\nS1,M1,,brakes,\nS1,,D2,brakes,2004\n"
        );
        assert_eq!(
            read("worker_moves.csv"),
            "from_firm,to_firm,year,count,person_id\nD2,J1,2005,1,p7\nJ1,D1,2004,3,\n"
        );
        // A stale file of another format (or a production file with production = None) is refused.
        std::fs::write(dir.path().join("production.csv"), "firm_id,year,units\n").unwrap();
        let err = write_dataset(dir.path(), &ds, TableFormat::Csv).unwrap_err();
        assert!(err.to_string().contains("production.csv already exists"), "{err}");
        std::fs::remove_file(dir.path().join("production.csv")).unwrap();
        let err = write_dataset(dir.path(), &ds, TableFormat::Parquet).unwrap_err();
        assert!(err.to_string().contains("firms.csv already exists"), "{err}");
    }

    #[test]
    fn optional_columns_left_out_when_not_meaningful() {
        let dir = tempfile::tempdir().unwrap();
        let mut ds = sample();
        ds.quality.iter_mut().for_each(|q| q.survey = None);
        ds.worker_moves.iter_mut().for_each(|w| {
            w.count = 1;
            w.person_id = None;
        });
        ds.suppliers.truncate(1);
        ds.quality.iter_mut().for_each(|q| q.halves = None);
        ds.models.iter_mut().for_each(|m| (m.price, m.power) = (None, None));
        ds.customer_choices.clear();
        ds.brand_association.clear();
        ds.patents.clear();
        let paths = write_dataset(dir.path(), &ds, TableFormat::Csv).unwrap();
        assert_eq!(paths.len(), 7, "empty supplementary tables are not written");
        assert!(read_models_header(dir.path()).ends_with(",last_year"));
        let read = |n: &str| std::fs::read_to_string(dir.path().join(n)).unwrap();
        assert!(read("quality.csv").starts_with("model_id,year,dimension,score\n"));
        assert!(read("worker_moves.csv").starts_with("from_firm,to_firm,year\n"));
        assert!(read("suppliers.csv").starts_with("supplier_id,model_id,component,year\n"));
        assert_eq!(crate::load::load_dataset(dir.path()).unwrap().tables(), &ds);
    }

    fn read_models_header(dir: &Path) -> String {
        std::fs::read_to_string(dir.join("models.csv")).unwrap().lines().next().unwrap().to_owned()
    }
}
