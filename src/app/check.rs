//! Runs `spillnet check`: loads and validates a data folder
//! ([`super::load_data`]) and prints a summary of
//! its tables (rows per table, firms by kind, JV links, models by segment,
//! year ranges, quality dimensions and surveys, suppliers, worker moves,
//! production) as text, Markdown, LaTeX, CSV (the table list) or JSON. The
//! summary is computed by [`crate::io::summary`] and rendered by
//! [`crate::report::summary`] (JSON: the summary itself).
//! A defect is returned as the loader's error (file, row, column), which the
//! binary prints with exit code 1. Imports `io`, `report` and `error`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::Ctx;
use crate::error::Result;
use crate::io::Indexed;
use crate::io::load::LoadReport;
use crate::io::summary::summarize;
use crate::report::summary::render_summary;
use crate::report::table::OutputFormat;

/// Validated configuration of `spillnet check`.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    /// The data folder to validate.
    pub data: PathBuf,
    /// Output format of the summary.
    pub format: OutputFormat,
}

/// Run the command: validate `cfg.data`, print the summary to `ctx.out`.
pub fn run(cfg: &CheckConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let (ds, report) = super::load_data(&cfg.data, ctx)?;
    let summary = summarize(&ds, &report);
    if let Some(w) = incomplete_surveys(&ds, &report) {
        ctx.warn(w)?;
    }
    for w in empty_tables(&report) {
        ctx.warn(w)?;
    }
    for w in after_dissolution(&ds) {
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
        OutputFormat::Json => {
            let json =
                serde_json::to_string_pretty(&summary).unwrap_or_else(|e| unreachable!("summary is plain data: {e}"));
            ctx.println(json)
        }
        format => ctx.println(render_summary(&summary, format).trim_end()),
    }
}

/// Warnings for production rows and worker moves recorded for a JV in a
/// year after its dissolution (the latest `jv_links.dissolved` of its links,
/// when every link has one): one per table, with the count and examples.
fn after_dissolution(ds: &Indexed) -> Vec<String> {
    // JV → dissolution year, for JVs all of whose links are dissolved.
    let mut ends: BTreeMap<&str, Option<i32>> = BTreeMap::new();
    for l in &ds.jv_links {
        let e = ends.entry(l.jv_id.as_str()).or_insert(l.dissolved);
        *e = match (*e, l.dissolved) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
    }
    let after = |firm: &str, year: i32| ends.get(firm).copied().flatten().filter(|&d| year > d);
    let describe = |what: &str, hits: &[String]| {
        let shown: Vec<&str> = hits.iter().take(3).map(String::as_str).collect();
        format!(
            "{what} recorded for a JV after its dissolution (jv_links.dissolved), e.g. {}{}; check the years or \
             the dissolution (the study's default `--affiliation ever` ignores it, `--affiliation active` applies it)",
            shown.join(", "),
            if hits.len() > shown.len() { ", …" } else { "" }
        )
    };
    let mut out = Vec::new();
    let prod: Vec<String> = ds
        .production
        .iter()
        .flatten()
        .filter_map(|p| {
            after(p.firm_id.as_str(), p.year).map(|d| format!("{} in {} (dissolved {d})", p.firm_id, p.year))
        })
        .collect();
    if !prod.is_empty() {
        out.push(describe(&format!("production: {} row(s)", prod.len()), &prod));
    }
    let mut workers = 0u64;
    let moves: Vec<String> = ds
        .worker_moves
        .iter()
        .filter_map(|m| {
            let (jv, d) = [m.from_firm.as_str(), m.to_firm.as_str()]
                .into_iter()
                .find_map(|f| after(f, m.year).map(|d| (f, d)))?;
            workers += m.count;
            Some(format!("{} → {} in {} ({jv} dissolved {d})", m.from_firm, m.to_firm, m.year))
        })
        .collect();
    if !moves.is_empty() {
        out.push(describe(&format!("worker_moves: {workers} worker move(s) in {} flow(s)", moves.len()), &moves));
    }
    out
}

/// What needs each table, for the warning about a table with a header and no rows.
const NEEDED_BY: [(&str, &str); 10] = [
    ("firms", "every analysis"),
    ("jv_links", "the affiliation channel and the spillover study (no joint venture, no JV unit)"),
    ("models", "model nodes, the exposure tables and the spillover study"),
    ("quality", "the exposure tables and the spillover study (their outcome)"),
    ("suppliers", "the supplier-overlap channel and the study's supplier mechanisms"),
    ("worker_moves", "the worker-flow channel and the study's worker mechanisms"),
    ("production", "node sizes and the cumulative-production controls"),
    ("customer_choices", "the demand-overlap evidence"),
    ("brand_association", "the brand-association evidence"),
    ("patents", "the patent-flow description"),
];

/// One warning per table file that is present but has no data rows: the
/// folder is valid, but the analyses that read the table have nothing to work on.
fn empty_tables(report: &LoadReport) -> Vec<String> {
    report
        .tables
        .iter()
        .filter(|t| t.rows == 0)
        .filter_map(|t| {
            let path = t.path.as_ref()?;
            let needed = NEEDED_BY.iter().find(|(name, _)| *name == t.table).map_or("its analyses", |(_, w)| w);
            Some(format!("{}: no data rows (header only); {needed} will have nothing to work on", path.display()))
        })
        .collect()
}

/// A warning when some model-years were rated on only part of a survey's
/// dimensions (e.g. a model lacks `iqs_engine` in 2012 but has the other
/// `iqs` dimensions): the data stay valid, but analyses by dimension skip
/// those slots (the spillover study counts them as excluded pair ×
/// dimension slots). Dimensions without a survey form one group. `None`
/// when every model-year has all or none of each survey's dimensions.
fn incomplete_surveys(ds: &Indexed, report: &LoadReport) -> Option<String> {
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
