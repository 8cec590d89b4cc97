//! Loading a data folder: finds each SPEC §1 table (`<table>.csv` or
//! `<table>.parquet`), reads it (`io::raw`), checks its columns against
//! [`super::schema`], decodes every row into the typed tables of
//! [`super::tables`] (types, nulls, enums, ranges, row-level rules) and
//! validates keys and references (`io::validate`), keeping the resolved
//! references as an [`Indexed`] dataset (`io::index`). Tables are processed
//! one at a time in load order; references only point to tables loaded
//! earlier. The first violation is returned as a [`LoadError`] naming the
//! file, the 1-based data row and the column; no row is ever dropped.
//!
//! `worker_moves`, which may hold one row per person and move (10^8 rows),
//! is aggregated by (from_firm, to_firm, year) with summed counts instead
//! (`io::moves`): by a DataFusion plan on all cores when every row is valid
//! and canonical, otherwise streamed and validated row by row with the same
//! rules and messages as the other tables, in bounded memory either way.
//! [`LoadReport::worker_moves`] keeps what the file held before
//! aggregation, [`LoadReport::moves_route`] which loader read it.
//!
//! Whitespace around a cell (and around a header name) is trimmed; a cell
//! that is empty after trimming is null. Imports `io::{error, raw, schema,
//! moves, tables, validate, index, write::TableFormat}` and `ids`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::columns::match_columns;
use super::error::LoadError;
use super::index::{Indexed, Positions};
pub use super::moves::{MovesEngine, MovesInput, MovesRoute};
pub use super::raw::DecimalIntegers;
use super::raw::{Cell, RawTable, parse_count, parse_finite, parse_text, parse_year, scan_decimal_integers};
use super::schema::{self, ColumnType, TableSpec};
use super::tables::{
    BrandAssociation, CustomerChoice, Dataset, Firm, FirmKind, JvLink, Model, Ownership, PatentFlow, PatentKind,
    Production, QualityScore, SupplierLink, SupplierTarget,
};
use super::write::TableFormat;
use super::{moves, validate};
use crate::ids::{FirmId, GroupId, ModelId, SupplierId};
pub use spillnet_flows::{Engine, InProcess};

/// Where one table of a data folder came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableSource {
    /// Table name (file stem).
    pub table: &'static str,
    /// The file read; `None` when an optional table is absent.
    pub path: Option<PathBuf>,
    /// Its format; `None` when absent.
    pub format: Option<TableFormat>,
    /// Number of data rows (0 when absent).
    pub rows: usize,
    /// Columns the table does not define, ignored under
    /// [`LoadOptions::allow_extra_columns`] (in file order).
    pub ignored_columns: Vec<String>,
    /// Integer columns (years, counts) with cells written as integral
    /// decimals such as `2011.0`: read as the integer, reported.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decimal_integers: Vec<DecimalIntegers>,
}

/// How a data folder is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Ignore columns a table does not define (listed in [`TableSource::ignored_columns`])
    /// instead of failing on the first one.
    pub allow_extra_columns: bool,
    /// How `worker_moves` is aggregated (DataFusion in-process, with the
    /// native loader for any file the plan does not accept).
    pub moves_engine: MovesEngine,
}

/// What [`load_dataset_with_sources`] read: one entry per table, in load order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    /// The data folder.
    pub dir: PathBuf,
    /// One entry per table of [`schema::TABLES`], except the
    /// [supplementary](schema::TableSpec::supplementary) tables that are absent.
    pub tables: Vec<TableSource>,
    /// Other `.csv` / `.parquet` files in the folder (not read; often a
    /// misspelt table name such as `model.csv`), sorted.
    pub unrecognized: Vec<String>,
    /// The `worker_moves` file before aggregation (`None` when the table is absent).
    pub worker_moves: Option<MovesInput>,
    /// Which loader aggregated `worker_moves` (`None` when the table is absent).
    pub moves_route: Option<MovesRoute>,
}

/// Load and validate every table of a data folder.
pub fn load_dataset(dir: &Path) -> Result<Indexed, LoadError> {
    load_dataset_with_sources(dir).map(|(ds, _)| ds)
}

/// Load and validate every table of a data folder, also reporting which file
/// each table came from (or that an optional table is absent).
pub fn load_dataset_with_sources(dir: &Path) -> Result<(Indexed, LoadReport), LoadError> {
    load_dataset_with(dir, LoadOptions::default())
}

/// Why a data folder could not be read when it does not exist, with where a
/// new user goes from there.
const DATA_FOLDER_NOT_FOUND: &str =
    "data folder not found (--data DIR names the folder of tables; `spillnet init DIR` writes a template)";

/// [`load_dataset_with_sources`] with [`LoadOptions`].
pub fn load_dataset_with(dir: &Path, opts: LoadOptions) -> Result<(Indexed, LoadReport), LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::Read { path: dir.to_path_buf(), message: DATA_FOLDER_NOT_FOUND.into() });
    }
    let mut report = LoadReport {
        dir: dir.to_path_buf(),
        tables: Vec::with_capacity(schema::TABLES.len()),
        unrecognized: unrecognized_files(dir)?,
        worker_moves: None,
        moves_route: None,
    };
    let mut ds = Dataset::default();
    let mut pos = Positions::default();

    let firms = open(dir, &opts, &schema::FIRMS, &mut report)?;
    ds.firms = decode(firms.as_ref(), decode_firm)?;
    let firms_path = path_of(dir, firms.as_ref(), &schema::FIRMS);
    validate::check_firms(&ds.firms, &firms_path)?;
    let firm_index = validate::FirmIndex::new(&ds.firms, &firms_path);

    let jv = open(dir, &opts, &schema::JV_LINKS, &mut report)?;
    ds.jv_links = decode(jv.as_ref(), decode_jv_link)?;
    pos.jv_links = validate::check_jv_links(&ds.jv_links, &path_of(dir, jv.as_ref(), &schema::JV_LINKS), &firm_index)?;

    let models = open(dir, &opts, &schema::MODELS, &mut report)?;
    ds.models = decode(models.as_ref(), decode_model)?;
    let models_path = path_of(dir, models.as_ref(), &schema::MODELS);
    pos.model_firm = validate::check_models(&ds.models, &models_path, &firm_index)?;
    let model_index = validate::ModelIndex::new(&ds.models, &models_path);

    let quality = open(dir, &opts, &schema::QUALITY, &mut report)?;
    ds.quality = decode(quality.as_ref(), decode_quality)?;
    pos.quality_model =
        validate::check_quality(&ds.quality, &path_of(dir, quality.as_ref(), &schema::QUALITY), &model_index)?;

    let suppliers = open(dir, &opts, &schema::SUPPLIERS, &mut report)?;
    ds.suppliers = decode(suppliers.as_ref(), decode_supplier)?;
    pos.supplier_links = validate::check_suppliers(
        &ds.suppliers,
        &path_of(dir, suppliers.as_ref(), &schema::SUPPLIERS),
        &firm_index,
        &model_index,
    )?;

    let spec = &schema::WORKER_MOVES;
    match locate_table(dir, spec)? {
        None => report.tables.push(TableSource {
            table: spec.name,
            path: None,
            format: None,
            rows: 0,
            ignored_columns: Vec::new(),
            decimal_integers: Vec::new(),
        }),
        Some((path, format)) => {
            let moves = moves::load_worker_moves(
                &path,
                format,
                &ds.firms,
                &firm_index,
                opts.allow_extra_columns,
                &opts.moves_engine,
            )?;
            report.tables.push(TableSource {
                table: spec.name,
                path: Some(path),
                format: Some(format),
                rows: moves.input.rows,
                ignored_columns: moves.ignored_columns,
                decimal_integers: moves.decimal_integers,
            });
            report.worker_moves = Some(moves.input);
            report.moves_route = Some(moves.route);
            ds.worker_moves = moves.moves;
            pos.moves = moves.positions;
        }
    }

    let production = open(dir, &opts, &schema::PRODUCTION, &mut report)?;
    if production.is_some() {
        let rows = decode(production.as_ref(), decode_production)?;
        pos.production_firm =
            validate::check_production(&rows, &path_of(dir, production.as_ref(), &schema::PRODUCTION), &firm_index)?;
        ds.production = Some(rows);
    }

    // Supplementary tables (SPEC §7): absent → empty and not listed in the report.
    let choices = open(dir, &opts, &schema::CUSTOMER_CHOICES, &mut report)?;
    ds.customer_choices = decode(choices.as_ref(), decode_customer_choice)?;
    pos.choice_models = validate::check_customer_choices(
        &ds.customer_choices,
        &path_of(dir, choices.as_ref(), &schema::CUSTOMER_CHOICES),
        &model_index,
    )?;
    let brands = open(dir, &opts, &schema::BRAND_ASSOCIATION, &mut report)?;
    ds.brand_association = decode(brands.as_ref(), decode_brand_association)?;
    pos.brand_firms = validate::check_brand_association(
        &ds.brand_association,
        &path_of(dir, brands.as_ref(), &schema::BRAND_ASSOCIATION),
        &firm_index,
    )?;
    let patents = open(dir, &opts, &schema::PATENTS, &mut report)?;
    ds.patents = decode(patents.as_ref(), decode_patent)?;
    pos.patent_firms =
        validate::check_patents(&ds.patents, &path_of(dir, patents.as_ref(), &schema::PATENTS), &firm_index)?;
    Ok((Indexed::from_parts(ds, pos), report))
}

/// Names of `.csv` / `.parquet` files in `dir` that are not a table file, sorted.
fn unrecognized_files(dir: &Path) -> Result<Vec<String>, LoadError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| LoadError::Read { path: dir.to_path_buf(), message: e.to_string() })?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let lower = name.to_ascii_lowercase();
        let is_table_like = lower.ends_with(".csv") || lower.ends_with(".parquet");
        let is_table =
            schema::TABLES.iter().any(|t| name == format!("{}.csv", t.name) || name == format!("{}.parquet", t.name));
        if is_table_like && !is_table {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

/// Find the file of `spec` in `dir`: `Ok(None)` when absent.
pub fn locate_table(dir: &Path, spec: &TableSpec) -> Result<Option<(PathBuf, TableFormat)>, LoadError> {
    let csv = dir.join(format!("{}.csv", spec.name));
    let parquet = dir.join(format!("{}.parquet", spec.name));
    match (csv.is_file(), parquet.is_file()) {
        (true, true) => Err(LoadError::Ambiguous { dir: dir.to_path_buf(), table: spec.name.into() }),
        (true, false) => Ok(Some((csv, TableFormat::Csv))),
        (false, true) => Ok(Some((parquet, TableFormat::Parquet))),
        (false, false) if spec.required => {
            Err(LoadError::MissingTable { dir: dir.to_path_buf(), table: spec.name.into() })
        }
        (false, false) => Ok(None),
    }
}

/// A table file read and its columns matched to the spec.
struct Rows {
    raw: RawTable,
    spec: &'static TableSpec,
    /// For each spec column, its index in the file (`None`: optional column absent).
    idx: Vec<Option<usize>>,
}

fn open(
    dir: &Path,
    opts: &LoadOptions,
    spec: &'static TableSpec,
    report: &mut LoadReport,
) -> Result<Option<Rows>, LoadError> {
    let Some((path, format)) = locate_table(dir, spec)? else {
        if spec.supplementary {
            return Ok(None);
        }
        report.tables.push(TableSource {
            table: spec.name,
            path: None,
            format: None,
            rows: 0,
            ignored_columns: Vec::new(),
            decimal_integers: Vec::new(),
        });
        return Ok(None);
    };
    let raw = RawTable::read(&path, format)?;
    let (idx, ignored_columns) = match_columns(&raw, spec, opts.allow_extra_columns)?;
    let integer_cols: Vec<(&str, usize)> = spec
        .columns
        .iter()
        .zip(&idx)
        .filter(|(c, _)| matches!(c.ty, ColumnType::Year | ColumnType::Count))
        .filter_map(|(c, j)| j.map(|j| (c.name, j)))
        .collect();
    let mut decimal_integers = Vec::new();
    scan_decimal_integers(&raw, &integer_cols, 0, &mut decimal_integers);
    report.tables.push(TableSource {
        table: spec.name,
        path: Some(path),
        format: Some(format),
        rows: raw.height,
        ignored_columns,
        decimal_integers,
    });
    Ok(Some(Rows { raw, spec, idx }))
}

fn path_of(dir: &Path, rows: Option<&Rows>, spec: &TableSpec) -> PathBuf {
    rows.map_or_else(|| dir.join(format!("{}.csv", spec.name)), |r| r.raw.path.clone())
}

/// Decode every row of an (optional) table; an absent table gives no rows.
fn decode<T>(rows: Option<&Rows>, f: fn(&Rows, usize) -> Result<T, LoadError>) -> Result<Vec<T>, LoadError> {
    let Some(rows) = rows else { return Ok(Vec::new()) };
    (0..rows.raw.height).map(|i| f(rows, i)).collect()
}

impl Rows {
    /// The error for 0-based row `row`, column `column`.
    fn bad(&self, row: usize, column: &str, message: impl Into<String>) -> LoadError {
        LoadError::BadValue {
            path: self.raw.path.clone(),
            row: row + 1,
            column: column.into(),
            message: message.into(),
        }
    }

    /// The cell of column `name` in row `row` (`None` when null or the optional column is absent),
    /// with an error when the column is not nullable.
    fn cell(&self, row: usize, name: &str) -> Result<Option<Cell<'_>>, LoadError> {
        let (k, spec) = self
            .spec
            .columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
            .unwrap_or_else(|| unreachable!("column {name} not in spec {}", self.spec.name));
        let cell = self.idx[k].and_then(|j| self.raw.cell(j, row));
        if cell.is_none() && !spec.nullable {
            return Err(self.bad(row, name, "empty cell; a value is required"));
        }
        Ok(cell)
    }

    /// A value parsed by the column's type; `None` for a null in a nullable column.
    fn value<T>(
        &self,
        row: usize,
        name: &str,
        parse: impl FnOnce(Cell<'_>) -> Result<T, String>,
    ) -> Result<Option<T>, LoadError> {
        match self.cell(row, name)? {
            None => Ok(None),
            Some(c) => parse(c).map(Some).map_err(|m| self.bad(row, name, m)),
        }
    }

    /// A value of a non-nullable column.
    fn required<T>(
        &self,
        row: usize,
        name: &str,
        parse: impl FnOnce(Cell<'_>) -> Result<T, String>,
    ) -> Result<T, LoadError> {
        self.value(row, name, parse)?.ok_or_else(|| self.bad(row, name, "empty cell; a value is required"))
    }

    fn text(&self, row: usize, name: &str) -> Result<Option<String>, LoadError> {
        self.value(row, name, parse_text)
    }

    fn req_text(&self, row: usize, name: &str) -> Result<String, LoadError> {
        self.required(row, name, parse_text)
    }

    fn year(&self, row: usize, name: &str) -> Result<Option<i32>, LoadError> {
        self.value(row, name, parse_year)
    }

    fn req_year(&self, row: usize, name: &str) -> Result<i32, LoadError> {
        self.required(row, name, parse_year)
    }

    fn float(&self, row: usize, name: &str) -> Result<Option<f64>, LoadError> {
        self.value(row, name, parse_finite)
    }

    fn req_float(&self, row: usize, name: &str) -> Result<f64, LoadError> {
        self.required(row, name, parse_finite)
    }

    fn req_count(&self, row: usize, name: &str) -> Result<u64, LoadError> {
        self.required(row, name, parse_count)
    }

    /// A nullable number that must be greater than 0.
    fn positive(&self, row: usize, name: &str) -> Result<Option<f64>, LoadError> {
        self.value(row, name, |c| {
            let x = parse_finite(c)?;
            if x > 0.0 { Ok(x) } else { Err(format!("{name} must be greater than 0, found {x}")) }
        })
    }

    /// A required share in [0, 1].
    fn req_unit(&self, row: usize, name: &str) -> Result<f64, LoadError> {
        self.required(row, name, |c| {
            let x = parse_finite(c)?;
            if (0.0..=1.0).contains(&x) { Ok(x) } else { Err(format!("{name} {x} is outside [0, 1]")) }
        })
    }

    /// Whether the file has column `name`.
    fn has_column(&self, name: &str) -> bool {
        self.spec.columns.iter().zip(&self.idx).any(|(c, j)| c.name == name && j.is_some())
    }

    /// An enum column: the text must be one of the spec's spellings.
    fn req_enum<T>(&self, row: usize, name: &str, parse: fn(&str) -> Option<T>) -> Result<T, LoadError> {
        let allowed = match self.spec.column(name).map(|c| c.ty) {
            Some(ColumnType::Enum(values)) => values,
            _ => &[],
        };
        self.required(row, name, |c| {
            let s = parse_text(c)?;
            parse(&s).ok_or_else(|| format!("invalid {name} `{s}`, expected one of {}", allowed.join(", ")))
        })
    }
}

fn decode_firm(r: &Rows, i: usize) -> Result<Firm, LoadError> {
    let firm_id = r.req_text(i, "firm_id")?;
    Ok(Firm {
        name: r.req_text(i, "name")?,
        kind: r.req_enum(i, "kind", FirmKind::parse)?,
        group_id: GroupId(r.text(i, "group_id")?.unwrap_or_else(|| firm_id.clone())),
        province: r.text(i, "province")?,
        ownership: r.req_enum(i, "ownership", Ownership::parse)?,
        firm_id: FirmId(firm_id),
    })
}

fn decode_jv_link(r: &Rows, i: usize) -> Result<JvLink, LoadError> {
    let jv_id = FirmId(r.req_text(i, "jv_id")?);
    let domestic_parent = FirmId(r.req_text(i, "domestic_parent")?);
    let foreign_parent = FirmId(r.req_text(i, "foreign_parent")?);
    let founded = r.req_year(i, "founded")?;
    let dissolved = r.year(i, "dissolved")?;
    if let Some(d) = dissolved
        && d < founded
    {
        return Err(r.bad(i, "dissolved", format!("dissolved {d} is before founded {founded}")));
    }
    let foreign_share = r.float(i, "foreign_share")?;
    if let Some(s) = foreign_share
        && !(0.0..=1.0).contains(&s)
    {
        return Err(r.bad(i, "foreign_share", format!("foreign_share {s} is outside [0, 1]")));
    }
    Ok(JvLink { jv_id, domestic_parent, foreign_parent, founded, dissolved, foreign_share })
}

fn decode_model(r: &Rows, i: usize) -> Result<Model, LoadError> {
    let model_id = ModelId(r.req_text(i, "model_id")?);
    let firm_id = FirmId(r.req_text(i, "firm_id")?);
    let segment = r.req_text(i, "segment")?;
    let first_year = r.req_year(i, "first_year")?;
    let last_year = r.req_year(i, "last_year")?;
    if last_year < first_year {
        return Err(r.bad(i, "last_year", format!("last_year {last_year} is before first_year {first_year}")));
    }
    let price = r.positive(i, "price")?;
    let size = r.positive(i, "size")?;
    let power = r.positive(i, "power")?;
    Ok(Model { model_id, firm_id, segment, first_year, last_year, price, size, power })
}

fn decode_quality(r: &Rows, i: usize) -> Result<QualityScore, LoadError> {
    let model_id = ModelId(r.req_text(i, "model_id")?);
    let year = r.req_year(i, "year")?;
    let dimension = r.req_text(i, "dimension")?;
    let survey = r.text(i, "survey")?;
    let score = r.req_float(i, "score")?;
    let halves = match (r.float(i, "score_half1")?, r.float(i, "score_half2")?) {
        (Some(a), Some(b)) => Some([a, b]),
        (None, None) => None,
        (Some(_), None) => return Err(missing_half(r, i, "score_half1", "score_half2")),
        (None, Some(_)) => return Err(missing_half(r, i, "score_half2", "score_half1")),
    };
    Ok(QualityScore { model_id, year, dimension, survey, score, halves })
}

/// The error for row `i` of `quality`, where `set` has a value and `missing` has none.
fn missing_half(r: &Rows, i: usize, set: &str, missing: &str) -> LoadError {
    let what = if r.has_column(missing) { "is empty" } else { "is not a column of the file" };
    r.bad(i, missing, format!("{set} is set but {missing} {what}; give both halves of the score or neither"))
}

fn decode_customer_choice(r: &Rows, i: usize) -> Result<CustomerChoice, LoadError> {
    Ok(CustomerChoice {
        model_a: ModelId(r.req_text(i, "model_a")?),
        model_b: ModelId(r.req_text(i, "model_b")?),
        year: r.req_year(i, "year")?,
        count: r.req_count(i, "count")?,
    })
}

fn decode_brand_association(r: &Rows, i: usize) -> Result<BrandAssociation, LoadError> {
    Ok(BrandAssociation {
        domestic_firm: FirmId(r.req_text(i, "domestic_firm")?),
        foreign_parent: FirmId(r.req_text(i, "foreign_parent")?),
        share: r.req_unit(i, "share")?,
    })
}

fn decode_patent(r: &Rows, i: usize) -> Result<PatentFlow, LoadError> {
    Ok(PatentFlow {
        from_firm: FirmId(r.req_text(i, "from_firm")?),
        to_firm: FirmId(r.req_text(i, "to_firm")?),
        year: r.req_year(i, "year")?,
        count: r.req_count(i, "count")?,
        kind: r.req_enum(i, "kind", PatentKind::parse)?,
    })
}

fn decode_supplier(r: &Rows, i: usize) -> Result<SupplierLink, LoadError> {
    let supplier_id = SupplierId(r.req_text(i, "supplier_id")?);
    let model = r.text(i, "model_id")?;
    let firm = r.text(i, "firm_id")?;
    let target = match (model, firm) {
        (Some(m), None) => SupplierTarget::Model(ModelId(m)),
        (None, Some(f)) => SupplierTarget::Firm(FirmId(f)),
        (Some(_), Some(_)) => {
            return Err(r.bad(i, "firm_id", "both model_id and firm_id are set; give exactly one"));
        }
        (None, None) => {
            let column = if r.idx[1].is_some() { "model_id" } else { "firm_id" };
            return Err(r.bad(i, column, "empty cell; one of model_id and firm_id is required"));
        }
    };
    Ok(SupplierLink { supplier_id, target, component: r.req_text(i, "component")?, year: r.year(i, "year")? })
}

fn decode_production(r: &Rows, i: usize) -> Result<Production, LoadError> {
    let firm_id = FirmId(r.req_text(i, "firm_id")?);
    let year = r.req_year(i, "year")?;
    let units = r.req_float(i, "units")?;
    if units < 0.0 {
        return Err(r.bad(i, "units", format!("units must be at least 0, found {units}")));
    }
    Ok(Production { firm_id, year, units })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years() {
        assert_eq!(parse_year(Cell::Text("2001")), Ok(2001));
        assert_eq!(parse_year(Cell::Int(1900)), Ok(1900));
        assert_eq!(parse_year(Cell::Text("2100")), Ok(2100));
        assert_eq!(parse_year(Cell::Text("1899")).unwrap_err(), "year 1899 is out of range [1900, 2100]");
        assert_eq!(parse_year(Cell::Text("20010")).unwrap_err(), "year 20010 is out of range [1900, 2100]");
        assert_eq!(parse_year(Cell::Text("y2k")).unwrap_err(), "expected an integer, found `y2k`");
    }

    #[test]
    fn counts() {
        assert_eq!(parse_count(Cell::Text("3")), Ok(3));
        assert_eq!(parse_count(Cell::UInt(u64::MAX)), Ok(u64::MAX));
        assert_eq!(parse_count(Cell::Text("0")).unwrap_err(), "count must be at least 1, found 0");
        assert_eq!(parse_count(Cell::Text("-2")).unwrap_err(), "count must be at least 1, found -2");
    }

    #[test]
    fn one_column_header_with_another_separator() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("production.csv");
        for (text, shown, sep) in [
            ("firm_id;year;units\nA;2001;5\n", "firm_id;year;units", "semicolons (`;`)"),
            ("firm_id\tyear\tunits\nA\t2001\t5\n", "firm_id\\tyear\\tunits", "tabs"),
            ("firm_id|year|units\n", "firm_id|year|units", "vertical bars (`|`)"),
        ] {
            std::fs::write(&p, text).unwrap();
            let raw = RawTable::read(&p, TableFormat::Csv).unwrap();
            let err = match_columns(&raw, &schema::PRODUCTION, false).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "{}: the header has one column `{shown}`: columns must be separated by commas, \
                     but this file seems to use {sep} (expected columns: firm_id, year, units)",
                    p.display()
                )
            );
        }
        // A one-column header without another separator is a missing column.
        std::fs::write(&p, "firm_id\nA\n").unwrap();
        let raw = RawTable::read(&p, TableFormat::Csv).unwrap();
        let err = match_columns(&raw, &schema::PRODUCTION, false).unwrap_err();
        assert_eq!(err.to_string(), format!("{}: missing column `year`", p.display()));
    }

    #[test]
    fn a_misspelt_column_is_named_with_the_rename_that_fixes_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("production.csv");
        let cases = [
            ("firm_id,yaer,units\n", "missing column `year`: the header has `yaer` instead; rename it to `year`"),
            (
                "firm,yaer,units\n",
                "missing column `firm_id`: the header has `firm`, `yaer` instead, which production does not \
                 define (its columns: firm_id, year, units)",
            ),
        ];
        for (text, message) in cases {
            std::fs::write(&p, text).unwrap();
            let raw = RawTable::read(&p, TableFormat::Csv).unwrap();
            let err = match_columns(&raw, &schema::PRODUCTION, true).unwrap_err();
            assert_eq!(err.to_string(), format!("{}: {message}", p.display()));
        }
    }

    #[test]
    fn ambiguous_and_missing_tables() {
        let dir = tempfile::tempdir().unwrap();
        let err = locate_table(dir.path(), &schema::FIRMS).unwrap_err();
        assert!(matches!(err, LoadError::MissingTable { .. }), "{err}");
        assert_eq!(locate_table(dir.path(), &schema::MODELS).unwrap(), None);
        std::fs::write(dir.path().join("models.csv"), "x").unwrap();
        std::fs::write(dir.path().join("models.parquet"), "x").unwrap();
        let err = locate_table(dir.path(), &schema::MODELS).unwrap_err();
        assert!(err.to_string().contains("both models.csv and models.parquet"), "{err}");
    }
}
