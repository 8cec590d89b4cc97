//! Formats the study's further evidence (SPEC §7; [`CaseResult`]s of the
//! benchmark, alternatives, event-study, measurement-iv, robustness and
//! decomposition groups): each group's regression tables through the
//! etable-style renderer, its value tables through the table model, its
//! prose, a numeric table of each coefficient plot (the plot itself as SVG
//! via [`case_plot_svg`]), its skipped parts with their reasons, and its
//! JSON section. Formats only: computes nothing.
//! Imports `study` (result types) and its siblings `regression_table`,
//! `coefplot` and `table`.

use std::fmt::Write as _;

use serde_json::json;

use crate::coefplot::{CoefPlot, PlotPoint, PlotSeries, coefplot_svg};
use crate::regression_table::{ModelColumn, model_json, render, stars};
use crate::table::{self, Cell, Column, OutputFormat, Table};
use spillnet_study::{
    CaseBlock, CaseCell, CaseModel, CasePlot, CaseResult, CaseTable, Skipped, SpecGroup, StudyResult,
};

/// One further-evidence group as reported: its result (absent when the
/// whole group was skipped) and its skipped parts.
pub struct Section<'a> {
    /// The group.
    pub group: SpecGroup,
    /// What it produced, if it ran.
    pub result: Option<&'a CaseResult>,
    /// What did not run, with the reason.
    pub skipped: Vec<&'a Skipped>,
}

/// The further-evidence groups that ran or were skipped, in table order.
pub fn sections(r: &StudyResult) -> Vec<Section<'_>> {
    SpecGroup::ALL
        .into_iter()
        .filter(|g| g.is_evidence())
        .map(|g| Section {
            group: g,
            result: r.evidence.iter().find(|e| e.group == g),
            skipped: r.skipped.iter().filter(|s| s.group == Some(g)).collect(),
        })
        .filter(|s| s.result.is_some() || !s.skipped.is_empty())
        .collect()
}

fn columns(models: &[CaseModel]) -> Vec<ModelColumn<'_>> {
    models
        .iter()
        .map(|m| ModelColumn {
            title: &m.title,
            fit: m.fit.as_ref(),
            inference: &m.inference,
            lincoms: &m.lincoms,
            boots: &[],
            n_missing: 0,
        })
        .collect()
}

/// A value table in the table model: the first column left-aligned, the
/// others right-aligned; a row with estimates gets a second row with their
/// standard errors in parentheses, as in a regression table.
pub fn value_table(t: &CaseTable) -> Table {
    let cols = t
        .header
        .iter()
        .enumerate()
        .map(|(i, h)| if i == 0 { Column::new(h.as_str()) } else { Column::new(h.as_str()).right() })
        .collect();
    let mut out = Table::new(cols).titled(&t.title);
    for row in &t.rows {
        out.push(row.iter().map(cell).collect());
        if row.iter().any(|c| matches!(c, CaseCell::Estimate { .. })) {
            out.push(
                row.iter()
                    .map(|c| match c {
                        CaseCell::Estimate { se, .. } => Cell::std_err(*se, 4),
                        _ => Cell::Empty,
                    })
                    .collect(),
            );
        }
    }
    out
}

fn cell(c: &CaseCell) -> Cell {
    match c {
        CaseCell::Text { text } => Cell::text(text),
        CaseCell::Number { value } => Cell::float(*value, 4),
        CaseCell::Count { value } => Cell::count(*value),
        CaseCell::Estimate { estimate, p, .. } => Cell::estimate(*estimate, 4, stars(*p)),
        CaseCell::Missing => Cell::text("–"),
    }
}

/// The numbers behind a coefficient plot, as a table (for readers of the
/// text report and for checking the SVG).
fn plot_table(p: &CasePlot) -> Table {
    let mut t = Table::new(vec![
        Column::new(p.x_label.as_str()),
        Column::new("estimate").right(),
        Column::new("95% CI low").right(),
        Column::new("95% CI high").right(),
    ])
    .titled(format!("{} (figure {}.svg)", p.title, p.name));
    for q in &p.points {
        if q.reference {
            t.push(vec![Cell::text(format!("{} (reference)", q.label)), Cell::float(0.0, 4), Cell::Empty, Cell::Empty]);
        } else {
            t.push(vec![
                Cell::text(&q.label),
                Cell::float(q.estimate, 4),
                Cell::float(q.low, 4),
                Cell::float(q.high, 4),
            ]);
        }
    }
    t
}

/// A coefficient plot as an SVG document (the report's `coefplot`).
pub fn case_plot_svg(p: &CasePlot) -> String {
    coefplot_svg(&CoefPlot {
        title: p.title.clone(),
        subtitle: p.subtitle.clone(),
        x_label: p.x_label.clone(),
        y_label: p.y_label.clone(),
        ref_line: p.ref_line,
        categories: Vec::new(),
        series: vec![PlotSeries {
            name: String::new(),
            points: p
                .points
                .iter()
                .map(|q| PlotPoint {
                    label: q.label.clone(),
                    position: Some(q.position),
                    estimate: q.estimate,
                    low: q.low,
                    high: q.high,
                    reference: q.reference,
                })
                .collect(),
        }],
    })
}

/// Every plot of every group that ran.
pub fn plots(r: &StudyResult) -> Vec<&CasePlot> {
    r.evidence
        .iter()
        .flat_map(|e| &e.blocks)
        .filter_map(|b| if let CaseBlock::Plot(p) = b { Some(p) } else { None })
        .collect()
}

fn skipped_line(s: &Skipped) -> String {
    if s.title.is_empty() {
        format!("{}: SKIPPED, {}.", s.label, s.reason)
    } else {
        format!("{} {}: SKIPPED, {}.", s.title, s.label, s.reason)
    }
}

/// The sections in text or Markdown (`md`), each under a level-2 heading.
pub fn text_or_md(r: &StudyResult, md: bool) -> String {
    let fmt = if md { OutputFormat::Markdown } else { OutputFormat::Text };
    let line = |s: &str| if md { format!("- {s}\n") } else { format!("{s}\n") };
    let mut out = String::new();
    for s in sections(r) {
        let title = format!("{} ({})", s.group.caption(), s.group.as_str());
        if md {
            let _ = write!(out, "## {title}\n\n");
        } else {
            let _ = writeln!(out, "{title}\n{}", "=".repeat(title.chars().count()));
        }
        for b in s.result.map_or(&[][..], |r| &r.blocks) {
            match b {
                CaseBlock::Models { title, models, notes } => {
                    out.push_str(&if md { format!("**{title}**\n\n") } else { format!("{title}\n") });
                    out.push_str(&render(&columns(models), fmt));
                    for n in notes {
                        out.push_str(&line(n));
                    }
                }
                CaseBlock::Table(t) => {
                    out.push_str(&table::render(&value_table(t), fmt));
                    for n in &t.notes {
                        out.push_str(&line(n));
                    }
                }
                CaseBlock::Lines(lines) => {
                    for l in lines {
                        out.push_str(&line(l));
                    }
                }
                CaseBlock::Plot(p) => out.push_str(&table::render(&plot_table(p), fmt)),
            }
            out.push('\n');
        }
        for sk in &s.skipped {
            out.push_str(&line(&skipped_line(sk)));
        }
        out.push('\n');
    }
    out
}

/// The sections in LaTeX: one `table` float per regression or value table,
/// prose and skipped parts as comments.
pub fn latex(r: &StudyResult, escape: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    let float = |out: &mut String, caption: &str, body: &str| {
        let _ = writeln!(out, "\\begin{{table}}[htbp]\n\\centering\n\\caption{{{}}}", escape(caption));
        out.push_str(body);
        out.push_str("\\end{table}\n");
    };
    for s in sections(r) {
        let _ = writeln!(out, "% {} ({})", s.group.caption(), s.group.as_str());
        for b in s.result.map_or(&[][..], |r| &r.blocks) {
            match b {
                CaseBlock::Models { title, models, notes } => {
                    float(&mut out, title, &render(&columns(models), OutputFormat::Latex));
                    for n in notes {
                        let _ = writeln!(out, "% {n}");
                    }
                }
                CaseBlock::Table(t) => {
                    float(&mut out, &t.title, &table::render(&value_table(t), OutputFormat::Latex));
                    for n in &t.notes {
                        let _ = writeln!(out, "% {n}");
                    }
                }
                CaseBlock::Lines(lines) => {
                    for l in lines {
                        let _ = writeln!(out, "% {l}");
                    }
                }
                CaseBlock::Plot(p) => float(&mut out, &p.title, &table::render(&plot_table(p), OutputFormat::Latex)),
            }
        }
        for sk in &s.skipped {
            let _ = writeln!(out, "% {}", skipped_line(sk));
        }
        out.push('\n');
    }
    out
}

/// Every regression and value table of the sections as CSV tables, each
/// preceded by its quoted caption.
pub fn csv_tables(r: &StudyResult) -> Vec<String> {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = Vec::new();
    for e in &r.evidence {
        for b in &e.blocks {
            match b {
                CaseBlock::Models { title, models, .. } => out.push(format!(
                    "{}\n{}",
                    quote(&format!("{title} ({})", e.group)),
                    render(&columns(models), OutputFormat::CsvTable)
                )),
                CaseBlock::Table(t) => out.push(format!(
                    "{}\n{}",
                    quote(&format!("{} ({})", t.title, e.group)),
                    table::to_csv(&value_table(t))
                )),
                CaseBlock::Plot(p) => out.push(format!(
                    "{}\n{}",
                    quote(&format!("{} ({})", p.title, e.group)),
                    table::to_csv(&plot_table(p))
                )),
                CaseBlock::Lines(_) => {}
            }
        }
    }
    out
}

/// Every coefficient of every regression of the sections, for the study's
/// tidy CSV: (spec id `group.block.column`, group, title, label, model).
pub fn tidy_models(r: &StudyResult) -> Vec<(String, SpecGroup, &str, &str, &CaseModel)> {
    let mut out = Vec::new();
    for e in &r.evidence {
        for (i, b) in e.blocks.iter().enumerate() {
            if let CaseBlock::Models { title, models, .. } = b {
                for (j, m) in models.iter().enumerate() {
                    out.push((
                        format!("{}.{}.{}", e.group, i + 1, j + 1),
                        e.group,
                        m.title.as_str(),
                        title.as_str(),
                        m,
                    ));
                }
            }
        }
    }
    out
}

/// The JSON section: per group that ran, its typed results, its regression
/// models (as the `estimate` command's JSON), value tables, plots and
/// skipped parts; a group skipped as a whole appears with its reason only.
pub fn json(r: &StudyResult) -> serde_json::Value {
    let mut doc = serde_json::Map::new();
    for s in sections(r) {
        let mut models = Vec::new();
        let mut tables = Vec::new();
        let mut plots = Vec::new();
        let mut lines = Vec::new();
        for b in s.result.map_or(&[][..], |r| &r.blocks) {
            match b {
                CaseBlock::Models { title, models: ms, notes } => models.push(json!({
                    "title": title,
                    "models": columns(ms).iter().map(model_json).collect::<Vec<_>>(),
                    "notes": notes,
                })),
                CaseBlock::Table(t) => tables.push(json!(t)),
                CaseBlock::Plot(p) => plots.push(json!(p)),
                CaseBlock::Lines(l) => lines.extend(l.iter().cloned()),
            }
        }
        let mut o = json!({
            "ran": s.result.is_some(),
            "results": s.result.map(|r| r.json.clone()),
            "regressions": models,
            "tables": tables,
            "plots": plots,
            "lines": lines,
        });
        if !s.skipped.is_empty() {
            o["skipped"] = json!(s.skipped);
        }
        doc.insert(s.group.as_str().into(), o);
    }
    serde_json::Value::Object(doc)
}
