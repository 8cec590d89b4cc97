//! The `spillnet check` summary ([`Summary`], computed by the io crate) as
//! [`Block`]s: the table list as a [`Table`] (in text `  firms
//! 87 rows  (firms.csv)`, or `absent`), then one sentence per table; rendered
//! in text, Markdown, LaTeX or CSV (the table list) by [`render_blocks`].
//! Formats only. Imports `io::summary` and `table`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use spillnet_io::summary::{Summary, TableLine, YearRange};

use crate::table::{Block, Cell, Column, OutputFormat, Table, TextLayout, Width, render_blocks};

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
    .with_layout(TextLayout { title_indent: 0, indent: 2, gap: 1, header: false, rules: false });
    for line in tables {
        let rest = match &line.file {
            Some(f) => vec![Cell::count(line.rows), Cell::text(f)],
            None => vec![Cell::Span("absent".into())],
        };
        t.push([vec![Cell::text(&line.table)], rest].concat());
    }
    t
}

/// The summary in `format`: see [`summary_blocks`].
pub fn render_summary(s: &Summary, format: OutputFormat) -> String {
    render_blocks(&summary_blocks(s), format)
}

/// The summary as blocks: `<dir>: valid`, the table list ([`tables_table`])
/// and one sentence per table.
pub fn summary_blocks(s: &Summary) -> Vec<Block> {
    let mut blocks = vec![Block::Line(format!("{}: valid", s.dir)), Block::Table(tables_table(&s.tables))];
    blocks.extend(sentences(s).lines().map(|l| Block::Line(l.to_owned())));
    blocks
}

/// One sentence a line per table (and the ignored files).
fn sentences(s: &Summary) -> String {
    let mut o = String::new();
    // Writing to a String cannot fail.
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
                "worker_moves: {} rows, {} workers ({} person-level rows), {} from a JV to a domestic firm; {}; {} (from, to, year) flows{}",
                w.rows,
                w.workers,
                w.person_rows,
                w.jv_to_domestic,
                years(w.years),
                w.aggregated,
                if w.loaded_by.is_empty() { String::new() } else { format!(", aggregated by {}", w.loaded_by) }
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
    // Supplementary tables: a sentence only when present.
    if let Some(c) = &s.customer_choices {
        let _ = writeln!(
            o,
            "customer_choices: {} rows, {} model pairs listed together {} times; {}",
            c.rows,
            c.pairs,
            c.listings,
            years(c.years)
        );
    }
    if let Some(b) = &s.brand_association {
        let _ = writeln!(
            o,
            "brand_association: {} pairs of {} domestic firms and {} foreign parents, {} of them JV partners; share {}",
            b.pairs,
            b.domestic_firms,
            b.foreign_parents,
            b.jv_partners,
            b.share_range.map_or_else(|| "-".into(), |[lo, hi]| format!("{lo}-{hi}"))
        );
    }
    if let Some(p) = &s.patents {
        let _ = writeln!(
            o,
            "patents: {} rows, {} patents (transfer {}, licence {}), {} from a JV; {}",
            p.rows,
            p.patents,
            p.transfers,
            p.licences,
            p.from_jv,
            years(p.years)
        );
    }
    o
}
