//! Runs `spillnet check`: loads and validates a data folder
//! ([`crate::io::load::load_dataset_with_sources`]) and prints a summary of
//! its tables (rows per table, firms by kind, JV links, models by segment,
//! year ranges, quality dimensions and surveys, suppliers, worker moves,
//! production) as text or JSON; the text's table list is a
//! [`crate::report::table::Table`]. A defect is returned as the loader's error
//! (file, row, column), which the binary prints with exit code 1.
//! Imports `io`, `report::table` and `error`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use super::Ctx;
use crate::error::Result;
use crate::io::load::{LoadReport, load_dataset_with_sources};
use crate::io::tables::{Dataset, FirmKind, SupplierTarget};
use crate::report::table::{Cell, Column, Table, TextLayout, Width, to_text};

/// How the summary is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SummaryFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One pretty-printed JSON object.
    Json,
}

/// Validated configuration of `spillnet check`.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    /// The data folder to validate.
    pub data: PathBuf,
    /// Output format of the summary.
    pub format: SummaryFormat,
}

/// Run the command: validate `cfg.data`, print the summary to `ctx.out`.
pub fn run(cfg: &CheckConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let (ds, report) = load_dataset_with_sources(&cfg.data)?;
    let summary = summarize(&ds, &report);
    if let Some(w) = incomplete_surveys(&ds, &report) {
        ctx.warn(w)?;
    }
    if !report.unrecognized.is_empty() {
        ctx.warn(format!(
            "{}: not a table name, ignored: {} (tables: {})",
            report.dir.display(),
            report.unrecognized.join(", "),
            crate::io::tables::TABLE_NAMES.join(", ")
        ))?;
    }
    match cfg.format {
        SummaryFormat::Text => ctx.println(render_text(&summary).trim_end()),
        SummaryFormat::Json => {
            let json =
                serde_json::to_string_pretty(&summary).unwrap_or_else(|e| unreachable!("summary is plain data: {e}"));
            ctx.println(json)
        }
    }
}

/// A warning when some model-years were rated on only part of a survey's
/// dimensions (e.g. a model lacks `iqs_engine` in 2012 but has the other
/// `iqs` dimensions): the data stay valid, but analyses by dimension skip
/// those slots (the spillover study counts them as excluded pair ×
/// dimension slots). Dimensions without a survey form one group. `None`
/// when every model-year has all or none of each survey's dimensions.
fn incomplete_surveys(ds: &Dataset, report: &LoadReport) -> Option<String> {
    let mut dims_of_survey: BTreeMap<Option<&str>, BTreeSet<&str>> = BTreeMap::new();
    let mut rated: BTreeMap<(&str, i32, Option<&str>), BTreeSet<&str>> = BTreeMap::new();
    for q in &ds.quality {
        let survey = q.survey.as_deref();
        dims_of_survey.entry(survey).or_default().insert(q.dimension.as_str());
        rated.entry((q.model_id.as_str(), q.year, survey)).or_default().insert(q.dimension.as_str());
    }
    let mut model_years = BTreeSet::new();
    let mut missing = 0usize;
    let mut first = None;
    for ((model, year, survey), dims) in &rated {
        let all = &dims_of_survey[survey];
        if dims.len() == all.len() {
            continue;
        }
        model_years.insert((*model, *year));
        missing += all.len() - dims.len();
        if first.is_none() {
            let lacking: Vec<&str> = all.difference(dims).copied().collect();
            first = Some((*model, *year, *survey, lacking));
        }
    }
    let (model, year, survey, lacking) = first?;
    let file = report
        .tables
        .iter()
        .find(|t| t.table == "quality")
        .and_then(|t| t.path.as_ref())
        .map_or_else(|| report.dir.join("quality.csv"), Clone::clone);
    let survey = survey.map_or_else(|| "the dimensions without a survey".to_owned(), |s| format!("survey `{s}`"));
    let shown: Vec<String> = lacking.iter().take(3).map(|d| format!("`{d}`")).collect();
    let more = if lacking.len() > 3 { format!(" and {} more", lacking.len() - 3) } else { String::new() };
    Some(format!(
        "{}: {} model-year(s) lack some dimensions of a survey they were rated in ({missing} score(s) missing; \
         first: model `{model}` in {year} has no {}{more} of {survey}); analyses by dimension skip these \
         slots (the spillover study reports them as excluded pair × dimension slots)",
        file.display(),
        model_years.len(),
        shown.join(", ")
    ))
}

/// An inclusive year range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct YearRange {
    /// First year.
    pub first: i32,
    /// Last year.
    pub last: i32,
}

impl YearRange {
    fn of(years: impl Iterator<Item = i32>) -> Option<Self> {
        years.fold(None, |acc: Option<YearRange>, y| match acc {
            None => Some(YearRange { first: y, last: y }),
            Some(r) => Some(YearRange { first: r.first.min(y), last: r.last.max(y) }),
        })
    }
}

/// One row of the table list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableLine {
    /// Table name.
    pub table: String,
    /// File name, `None` when absent.
    pub file: Option<String>,
    /// Data rows.
    pub rows: usize,
}

/// `firms` summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FirmsSummary {
    /// Number of firms.
    pub firms: usize,
    /// Firms by kind (`domestic`, `foreign`, `jv`; all three always present).
    pub by_kind: BTreeMap<String, usize>,
    /// Firms by ownership.
    pub by_ownership: BTreeMap<String, usize>,
    /// Distinct group ids.
    pub groups: usize,
    /// Distinct non-null provinces.
    pub provinces: usize,
}

/// `jv_links` summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JvSummary {
    /// Link rows.
    pub links: usize,
    /// Distinct JVs.
    pub jvs: usize,
    /// JVs with at least one link that is not dissolved.
    pub active_jvs: usize,
    /// Distinct domestic parents.
    pub domestic_parents: usize,
    /// Distinct foreign parents.
    pub foreign_parents: usize,
    /// Range of founding years.
    pub founded: Option<YearRange>,
    /// Links with a foreign share.
    pub with_foreign_share: usize,
}

/// `models` summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelsSummary {
    /// Number of models.
    pub models: usize,
    /// Models by producer kind (`domestic`, `jv`).
    pub by_firm_kind: BTreeMap<String, usize>,
    /// Models per segment.
    pub by_segment: BTreeMap<String, usize>,
    /// From the earliest `first_year` to the latest `last_year`.
    pub years: Option<YearRange>,
}

/// `quality` summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualitySummary {
    /// Score rows.
    pub scores: usize,
    /// Distinct rated models.
    pub models: usize,
    /// Survey years.
    pub years: Option<YearRange>,
    /// Dimension names, sorted.
    pub dimensions: Vec<String>,
    /// Survey names, sorted (empty when the `survey` column is absent or empty).
    pub surveys: Vec<String>,
}

/// `suppliers` summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuppliersSummary {
    /// Link rows.
    pub links: usize,
    /// Distinct suppliers.
    pub suppliers: usize,
    /// Distinct components.
    pub components: usize,
    /// Distinct models supplied directly.
    pub models: usize,
    /// Distinct firms supplied (firm-level links).
    pub firms: usize,
    /// Years of dated links.
    pub years: Option<YearRange>,
    /// Links without a year (pooled).
    pub pooled: usize,
}

/// `worker_moves` summary. Moves are summed by (from, to, year) on load;
/// `rows` and `person_rows` count the input file's rows, `aggregated` the
/// (from, to, year) triples kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MovesSummary {
    /// Rows of the input file.
    pub rows: usize,
    /// Distinct (from_firm, to_firm, year) triples after summing.
    pub aggregated: usize,
    /// Sum of `count`.
    pub workers: u64,
    /// Input rows with a person id.
    pub person_rows: usize,
    /// Workers who moved from a JV to a domestic firm.
    pub jv_to_domestic: u64,
    /// Move years.
    pub years: Option<YearRange>,
}

/// `production` summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductionSummary {
    /// Rows.
    pub rows: usize,
    /// Distinct firms.
    pub firms: usize,
    /// Years.
    pub years: Option<YearRange>,
    /// Sum of units.
    pub units: f64,
}

/// Everything `spillnet check` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The data folder.
    pub dir: String,
    /// One line per table, in load order.
    pub tables: Vec<TableLine>,
    /// `.csv` / `.parquet` files that are not a table (ignored).
    pub ignored: Vec<String>,
    /// `firms`.
    pub firms: FirmsSummary,
    /// `jv_links`.
    pub jv_links: JvSummary,
    /// `models` (`None` when absent).
    pub models: Option<ModelsSummary>,
    /// `quality` (`None` when absent).
    pub quality: Option<QualitySummary>,
    /// `suppliers` (`None` when absent).
    pub suppliers: Option<SuppliersSummary>,
    /// `worker_moves` (`None` when absent).
    pub worker_moves: Option<MovesSummary>,
    /// `production` (`None` when absent).
    pub production: Option<ProductionSummary>,
}

fn count_by<'a>(keys: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for k in keys {
        *m.entry(k.to_owned()).or_insert(0) += 1;
    }
    m
}

fn distinct<'a>(keys: impl Iterator<Item = &'a str>) -> usize {
    keys.collect::<BTreeSet<_>>().len()
}

/// Compute the summary of a validated dataset.
pub fn summarize(ds: &Dataset, report: &LoadReport) -> Summary {
    let present = |t: &str| report.tables.iter().any(|s| s.table == t && s.path.is_some());
    let tables = report
        .tables
        .iter()
        .map(|s| TableLine {
            table: s.table.to_owned(),
            file: s.path.as_ref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()),
            rows: s.rows,
        })
        .collect();
    let kind_of: BTreeMap<&str, FirmKind> = ds.firms.iter().map(|f| (f.firm_id.as_str(), f.kind)).collect();

    let mut by_kind: BTreeMap<String, usize> = FirmKind::ALL.iter().map(|k| (k.as_str().to_owned(), 0)).collect();
    for f in &ds.firms {
        *by_kind.entry(f.kind.as_str().to_owned()).or_insert(0) += 1;
    }
    let firms = FirmsSummary {
        firms: ds.firms.len(),
        by_kind,
        by_ownership: count_by(ds.firms.iter().map(|f| f.ownership.as_str())),
        groups: distinct(ds.firms.iter().map(|f| f.group_id.as_str())),
        provinces: distinct(ds.firms.iter().filter_map(|f| f.province.as_deref())),
    };

    let l = &ds.jv_links;
    let jv_links = JvSummary {
        links: l.len(),
        jvs: distinct(l.iter().map(|x| x.jv_id.as_str())),
        active_jvs: distinct(l.iter().filter(|x| x.dissolved.is_none()).map(|x| x.jv_id.as_str())),
        domestic_parents: distinct(l.iter().map(|x| x.domestic_parent.as_str())),
        foreign_parents: distinct(l.iter().map(|x| x.foreign_parent.as_str())),
        founded: YearRange::of(l.iter().map(|x| x.founded)),
        with_foreign_share: l.iter().filter(|x| x.foreign_share.is_some()).count(),
    };

    let m = &ds.models;
    let models = present("models").then(|| ModelsSummary {
        models: m.len(),
        by_firm_kind: count_by(m.iter().filter_map(|x| kind_of.get(x.firm_id.as_str())).map(|k| k.as_str())),
        by_segment: count_by(m.iter().map(|x| x.segment.as_str())),
        years: YearRange::of(m.iter().flat_map(|x| [x.first_year, x.last_year])),
    });

    let q = &ds.quality;
    let quality = present("quality").then(|| QualitySummary {
        scores: q.len(),
        models: distinct(q.iter().map(|x| x.model_id.as_str())),
        years: YearRange::of(q.iter().map(|x| x.year)),
        dimensions: q.iter().map(|x| x.dimension.clone()).collect::<BTreeSet<_>>().into_iter().collect(),
        surveys: q.iter().filter_map(|x| x.survey.clone()).collect::<BTreeSet<_>>().into_iter().collect(),
    });

    let s = &ds.suppliers;
    let suppliers = present("suppliers").then(|| SuppliersSummary {
        links: s.len(),
        suppliers: distinct(s.iter().map(|x| x.supplier_id.as_str())),
        components: distinct(s.iter().map(|x| x.component.as_str())),
        models: distinct(s.iter().filter_map(|x| match &x.target {
            SupplierTarget::Model(m) => Some(m.as_str()),
            SupplierTarget::Firm(_) => None,
        })),
        firms: distinct(s.iter().filter_map(|x| match &x.target {
            SupplierTarget::Firm(f) => Some(f.as_str()),
            SupplierTarget::Model(_) => None,
        })),
        years: YearRange::of(s.iter().filter_map(|x| x.year)),
        pooled: s.iter().filter(|x| x.year.is_none()).count(),
    });

    let w = &ds.worker_moves;
    let input = report.worker_moves.as_ref();
    let worker_moves = present("worker_moves").then(|| MovesSummary {
        rows: input.map_or(w.len(), |m| m.rows),
        aggregated: w.len(),
        workers: w.iter().map(|x| x.count).sum(),
        person_rows: input.map_or_else(|| w.iter().filter(|x| x.person_id.is_some()).count(), |m| m.person_rows),
        jv_to_domestic: w
            .iter()
            .filter(|x| {
                kind_of.get(x.from_firm.as_str()) == Some(&FirmKind::Jv)
                    && kind_of.get(x.to_firm.as_str()) == Some(&FirmKind::Domestic)
            })
            .map(|x| x.count)
            .sum(),
        years: YearRange::of(w.iter().map(|x| x.year)),
    });

    let production = ds.production.as_ref().map(|p| ProductionSummary {
        rows: p.len(),
        firms: distinct(p.iter().map(|x| x.firm_id.as_str())),
        years: YearRange::of(p.iter().map(|x| x.year)),
        units: p.iter().fold(0.0, |acc, x| acc + x.units),
    });

    Summary {
        dir: report.dir.display().to_string(),
        tables,
        ignored: report.unrecognized.clone(),
        firms,
        jv_links,
        models,
        quality,
        suppliers,
        worker_moves,
        production,
    }
}

fn years(r: Option<YearRange>) -> String {
    r.map_or_else(|| "no years".into(), |r| format!("years {}-{}", r.first, r.last))
}

fn counts(m: &BTreeMap<String, usize>) -> String {
    m.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
}

fn list(items: &[String]) -> String {
    if items.is_empty() { "none".into() } else { items.join(", ") }
}

/// The table list as a [`Table`]: name, rows and file per table; in text
/// `  firms               87 rows  (firms.csv)`, or `absent`.
pub fn tables_table(tables: &[TableLine]) -> Table {
    let mut t = Table::new(vec![
        Column::new("table").width(Width::Min(13)),
        Column::new("rows").right().width(Width::Min(8)).decorated("", " rows"),
        Column::new("file").width(Width::Min(0)).decorated(" (", ")"),
    ])
    .titled("tables:")
    .with_layout(TextLayout { title_indent: 0, indent: 2, gap: 1, header: false });
    for line in tables {
        let rest = match &line.file {
            Some(f) => vec![Cell::count(line.rows), Cell::text(f)],
            None => vec![Cell::Span("absent".into())],
        };
        t.push([vec![Cell::text(&line.table)], rest].concat());
    }
    t
}

/// Render the summary as text lines: the table list ([`tables_table`],
/// rendered by the report crate) and one sentence per table.
pub fn render_text(s: &Summary) -> String {
    let mut o = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(o, "{}: valid", s.dir);
    o.push_str(&to_text(&tables_table(&s.tables)));
    if !s.ignored.is_empty() {
        let _ = writeln!(o, "ignored (not a table name): {}", s.ignored.join(", "));
    }
    let f = &s.firms;
    let _ = writeln!(
        o,
        "firms: {} ({}); ownership: {}; {} groups, {} provinces",
        f.firms,
        counts(&f.by_kind),
        counts(&f.by_ownership),
        f.groups,
        f.provinces
    );
    let j = &s.jv_links;
    let _ = writeln!(
        o,
        "jv_links: {} links, {} JVs ({} active), {} domestic parents, {} foreign parents; founded {}; foreign_share on {} links",
        j.links,
        j.jvs,
        j.active_jvs,
        j.domestic_parents,
        j.foreign_parents,
        j.founded.map_or_else(|| "-".into(), |r| format!("{}-{}", r.first, r.last)),
        j.with_foreign_share
    );
    match &s.models {
        Some(m) => {
            let _ = writeln!(
                o,
                "models: {} ({}); {}; {} segments: {}",
                m.models,
                counts(&m.by_firm_kind),
                years(m.years),
                m.by_segment.len(),
                counts(&m.by_segment)
            );
        }
        None => {
            let _ = writeln!(o, "models: absent");
        }
    }
    match &s.quality {
        Some(q) => {
            let _ = writeln!(
                o,
                "quality: {} scores on {} models; {}; {} dimensions: {}; {} surveys: {}",
                q.scores,
                q.models,
                years(q.years),
                q.dimensions.len(),
                list(&q.dimensions),
                q.surveys.len(),
                list(&q.surveys)
            );
        }
        None => {
            let _ = writeln!(o, "quality: absent");
        }
    }
    match &s.suppliers {
        Some(x) => {
            let _ = writeln!(
                o,
                "suppliers: {} links, {} suppliers, {} components; {} models and {} firms supplied; {}, {} links pooled (no year)",
                x.links,
                x.suppliers,
                x.components,
                x.models,
                x.firms,
                years(x.years),
                x.pooled
            );
        }
        None => {
            let _ = writeln!(o, "suppliers: absent");
        }
    }
    match &s.worker_moves {
        Some(w) => {
            let _ = writeln!(
                o,
                "worker_moves: {} rows, {} workers ({} person-level rows), {} from a JV to a domestic firm; {}; {} (from, to, year) flows",
                w.rows,
                w.workers,
                w.person_rows,
                w.jv_to_domestic,
                years(w.years),
                w.aggregated
            );
        }
        None => {
            let _ = writeln!(o, "worker_moves: absent");
        }
    }
    match &s.production {
        Some(p) => {
            let _ =
                writeln!(o, "production: {} rows, {} firms; {}; {} units", p.rows, p.firms, years(p.years), p.units);
        }
        None => {
            let _ = writeln!(o, "production: absent");
        }
    }
    o
}
