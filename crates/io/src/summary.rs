//! A summary of a loaded, validated dataset: rows per table, firms by kind
//! and ownership, JV links, models by segment, year ranges, quality
//! dimensions and surveys, suppliers, worker moves, production, and the
//! supplementary tables when present ([`summarize`] → [`Summary`], serialisable to JSON). `spillnet check`
//! prints it and `spillnet run` writes it as `summary.{txt,json}`; the text
//! is the report crate's. Imports `tables`, `index` and `load`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::index::Indexed;
use crate::load::LoadReport;
use crate::tables::{FirmKind, PatentKind, SupplierTarget};

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
    /// Which loader aggregated the file (`DataFusion (in-process)`, `the
    /// native loader (why)`); empty when the dataset was not loaded from files.
    pub loaded_by: String,
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

/// `customer_choices` summary (supplementary).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChoicesSummary {
    /// Rows (pair-years).
    pub rows: usize,
    /// Distinct unordered model pairs.
    pub pairs: usize,
    /// Sum of `count` (times a pair was listed together).
    pub listings: u64,
    /// Survey years.
    pub years: Option<YearRange>,
}

/// `brand_association` summary (supplementary).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrandSummary {
    /// Rows (domestic firm × foreign parent pairs).
    pub pairs: usize,
    /// Distinct domestic firms.
    pub domestic_firms: usize,
    /// Distinct foreign parents.
    pub foreign_parents: usize,
    /// Pairs whose two firms are parents of a common JV (`jv_links`).
    pub jv_partners: usize,
    /// Smallest and largest share (`None` without rows).
    pub share_range: Option<[f64; 2]>,
}

/// `patents` summary (supplementary).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatentsSummary {
    /// Rows.
    pub rows: usize,
    /// Sum of `count`.
    pub patents: u64,
    /// Patents transferred.
    pub transfers: u64,
    /// Patents licensed.
    pub licences: u64,
    /// Patents whose `from_firm` is a JV.
    pub from_jv: u64,
    /// Years.
    pub years: Option<YearRange>,
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
    /// Supplementary `customer_choices` (`None` and left out of the JSON when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_choices: Option<ChoicesSummary>,
    /// Supplementary `brand_association` (`None` and left out of the JSON when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand_association: Option<BrandSummary>,
    /// Supplementary `patents` (`None` and left out of the JSON when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patents: Option<PatentsSummary>,
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
pub fn summarize(ds: &Indexed, report: &LoadReport) -> Summary {
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
    let ix = ds.index();

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
        by_firm_kind: count_by(ix.model_firm.iter().map(|&f| ds.firm(f).kind.as_str())),
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
            .zip(&ix.moves)
            .filter(|&(_, &[from, to])| ds.firm(from).kind == FirmKind::Jv && ds.firm(to).kind == FirmKind::Domestic)
            .map(|(x, _)| x.count)
            .sum(),
        loaded_by: report.moves_route.as_ref().map(ToString::to_string).unwrap_or_default(),
        years: YearRange::of(w.iter().map(|x| x.year)),
    });

    let production = ds.production.as_ref().map(|p| ProductionSummary {
        rows: p.len(),
        firms: distinct(p.iter().map(|x| x.firm_id.as_str())),
        years: YearRange::of(p.iter().map(|x| x.year)),
        units: p.iter().fold(0.0, |acc, x| acc + x.units),
    });

    let c = &ds.customer_choices;
    let customer_choices = present("customer_choices").then(|| ChoicesSummary {
        rows: c.len(),
        pairs: ix.choice_models.iter().map(|&[a, b]| (a.min(b), a.max(b))).collect::<BTreeSet<_>>().len(),
        listings: c.iter().map(|x| x.count).sum(),
        years: YearRange::of(c.iter().map(|x| x.year)),
    });

    let b = &ds.brand_association;
    let partners: BTreeSet<(u32, u32)> = ix.jv_links.iter().map(|l| (l.domestic, l.foreign)).collect();
    let brand_association = present("brand_association").then(|| BrandSummary {
        pairs: b.len(),
        domestic_firms: distinct(b.iter().map(|x| x.domestic_firm.as_str())),
        foreign_parents: distinct(b.iter().map(|x| x.foreign_parent.as_str())),
        jv_partners: ix.brand_firms.iter().filter(|&&[d, f]| partners.contains(&(d, f))).count(),
        share_range: b.iter().map(|x| x.share).fold(None, |acc: Option<[f64; 2]>, v| match acc {
            None => Some([v, v]),
            Some([lo, hi]) => Some([lo.min(v), hi.max(v)]),
        }),
    });

    let pt = &ds.patents;
    let patents_of = |kind: PatentKind| pt.iter().filter(|x| x.kind == kind).map(|x| x.count).sum();
    let patents = present("patents").then(|| PatentsSummary {
        rows: pt.len(),
        patents: pt.iter().map(|x| x.count).sum(),
        transfers: patents_of(PatentKind::Transfer),
        licences: patents_of(PatentKind::Licence),
        from_jv: pt
            .iter()
            .zip(&ix.patent_firms)
            .filter(|&(_, &[from, _])| ds.firm(from).kind == FirmKind::Jv)
            .map(|(x, _)| x.count)
            .sum(),
        years: YearRange::of(pt.iter().map(|x| x.year)),
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
        customer_choices,
        brand_association,
        patents,
    }
}
