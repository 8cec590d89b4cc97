//! Formats a [`StudyResult`]: the study's report in text, Markdown or LaTeX
//! (headline, one etable-style table per specification group, mediation,
//! quantification, placebo, sample accounting), a long CSV of every
//! coefficient, a JSON document (`headline`, `models`, `mediation`,
//! `quantification`, `placebo`, `diagnostics`), the placebo draws as CSV and
//! a histogram of them as SVG. Tables (regression, coefficients, placebo
//! draws) go through the table model; the prose around them is written
//! here. Formats only: computes nothing.
//! Imports `study` (result types) and its siblings `regression_table` and
//! `table` (the format).

use std::fmt::Write as _;

use serde_json::json;

use crate::evidence;
use crate::regression_table::{ModelColumn, boot_p, full, model_json, render};
use crate::table::{Cell, Column, OutputFormat, Table, fixed, to_csv};
use spillnet_estimate::{BOOT_P_RULE, Inference, LincomResult};
use spillnet_network::channels::affiliation::AffiliationMode;
use spillnet_study::{FittedSpec, PLACEBO_P_RULE, PlaceboResult, Skipped, SpecGroup, StudyResult};

fn columns<'a>(models: &[&'a FittedSpec]) -> Vec<ModelColumn<'a>> {
    models
        .iter()
        .map(|m| ModelColumn {
            title: &m.spec.title,
            fit: &m.fit,
            inference: &m.inference,
            lincoms: &m.lincoms,
            boots: &m.boots,
            n_missing: 0,
        })
        .collect()
}

/// The tables with at least one fitted model.
fn groups(r: &StudyResult) -> Vec<(SpecGroup, Vec<&FittedSpec>)> {
    SpecGroup::ALL
        .into_iter()
        .map(|g| (g, r.models.iter().filter(|m| m.spec.group == g).collect::<Vec<_>>()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// The requested tables: fitted models and skipped specifications of each.
fn sections(r: &StudyResult) -> Vec<(SpecGroup, Vec<&FittedSpec>, Vec<&Skipped>)> {
    SpecGroup::ALL
        .into_iter()
        .map(|g| {
            let models = r.models.iter().filter(|m| m.spec.group == g).collect::<Vec<_>>();
            (g, models, r.skipped.iter().filter(|s| s.group == Some(g)).collect::<Vec<_>>())
        })
        .filter(|(g, m, s)| !g.is_evidence() && (!m.is_empty() || !s.is_empty()))
        .collect()
}

/// One line per skipped specification of a table.
fn skipped_lines(skipped: &[&Skipped]) -> Vec<String> {
    skipped.iter().map(|s| format!("{} {}: SKIPPED, {}.", s.title, s.label, s.reason)).collect()
}

fn f4(x: f64) -> String {
    fixed(x, 4)
}

/// Plain-language lines (shared by the text, Markdown and LaTeX reports).
fn summary_lines(r: &StudyResult) -> Vec<String> {
    let h = &r.headline;
    let mut out = Vec::new();
    let p = &r.pairs;
    out.push(format!(
        "Panel: {} same-year domestic–JV pair-years ({} distinct pairs, {} affiliated), {} dimensions, {} pair × dimension rows.",
        p.pair_years, p.distinct_pairs, p.affiliated_distinct_pairs, r.panel.dimensions, r.panel.rows
    ));
    out.push(match p.affiliation {
        AffiliationMode::Ever => "Affiliation (SameGroup): `ever`, every domestic-parent link of a JV whatever its founding and dissolution years (the study's; `--affiliation active` applies jv_links.dissolved).".to_owned(),
        AffiliationMode::Active => "Affiliation (SameGroup): `active`, a domestic-parent link of a JV only in the years it is active (founded ≤ t < dissolved).".to_owned(),
    });
    if r.panel.rows_missing_dimension > 0 {
        out.push(format!(
            "Excluded: {} pair × dimension slots where a model-year lacks that dimension.",
            r.panel.rows_missing_dimension
        ));
    }
    let o = &p.overlap_missing;
    if o.rows > 0 {
        out.push(format!(
            "Supplier overlap undefined for {} pair-years ({} distinct pairs; models with < {} suppliers: {} domestic-only, {} JV-only, {} both); these rows are excluded from the mechanism specifications only.",
            o.rows, o.distinct_pairs, o.min_suppliers, o.rows_domestic_short, o.rows_jv_short, o.rows_both_short
        ));
    }
    let boot = match (h.p_boot, h.boot_draws) {
        (Some(p), Some(b)) => format!(", wild-bootstrap p {}", boot_p(p, b)),
        _ => String::new(),
    };
    out.push(format!(
        "Headline spillover to affiliated same-segment pairs (β_SameGroup + β_SameSeg + β_SameGroup×SameSeg, baseline (2)): {} (SE {}, p = {:.4}{boot}; 95% CI [{}, {}]; N = {}).",
        f4(h.estimate),
        f4(h.se),
        h.p,
        f4(h.ci[0]),
        f4(h.ci[1]),
        h.nobs
    ));
    for m in &r.mediation {
        out.push(format!(
            "Mediation, {}: gap in mean z-score (affiliated − non-affiliated) {} × (β {} + β×SameGroup {}) / {} = {:.1}% (main effect only: {:.1}%).",
            m.channel,
            f4(m.gap_z),
            f4(m.coef),
            f4(m.coef_same_group),
            f4(m.total),
            100.0 * m.share,
            100.0 * m.share_main_only
        ));
        if let Some(c) = &m.caveat {
            out.last_mut().expect("pushed above").push_str(&format!(" CAVEAT: {c}."));
        }
    }
    if let Some(q) = &r.quantification {
        out.push(format!(
            "Quantification ({} survey, {} dimensions): |JV mean {:.1} − affiliated domestic {} level {:.1}| × {} = {:.1} fewer defects per 100 vehicles, {:.1}% of the affiliated domestic models' improvement {:.1} → {:.1} ({}–{}).",
            q.survey,
            q.dimensions,
            q.jv_mean_defects,
            q.start_year,
            q.affiliated_start_defects,
            f4(q.rho),
            q.spillover_defects,
            100.0 * q.share_of_improvement,
            q.affiliated_start_defects,
            q.affiliated_end_defects,
            q.start_year,
            q.end_year
        ));
    }
    if let Some(pl) = &r.placebo {
        out.push(placebo_line(pl));
    }
    let specs: Vec<&str> = r.skipped.iter().filter(|s| s.group.is_some()).map(|s| s.id.as_str()).collect();
    if !specs.is_empty() {
        out.push(format!(
            "Skipped {} specification(s) these data cannot support: {} (the reason is under each table).",
            specs.len(),
            specs.join(", ")
        ));
    }
    for s in r.skipped.iter().filter(|s| s.group.is_none()) {
        out.push(format!("Not computed: {}: {}.", s.label, s.reason));
    }
    out.push(format!(
        "Inference: CRV1 two-way clustered by follower firm × survey and leader firm × survey (fixest's small-sample correction; t with min(G) − 1 df). Step 1 residualised {} JV and {} domestic quality rows.",
        r.strengths.jv_rows, r.strengths.domestic_rows
    ));
    out
}

/// A placebo p-value ((1 + k) / (N + 1), never 0): four decimals, or two
/// significant digits below 0.0001 so that it never reads as 0.
fn placebo_p(p: f64) -> String {
    if p >= 1e-4 { format!("{p:.4}") } else { format!("{p:.1e}") }
}

fn placebo_line(pl: &PlaceboResult) -> String {
    let q = |p: f64| pl.quantiles.iter().find(|x| (x.0 - p).abs() < 1e-12).map_or(f64::NAN, |x| x.1);
    format!(
        "Placebo ({} draws at the {} level, seed {}; {} of {} units affiliated): real {} vs placebo median {}, 5–95% [{}, {}]; p (one-sided) = {} (k = {} of N = {} draws at least as large), p (two-sided) = {} (k = {} at least as large in absolute value), p = (1 + k) / (N + 1){}.",
        pl.options.draws,
        pl.options.level,
        pl.options.seed,
        pl.affiliated_units,
        pl.units,
        f4(pl.real),
        f4(q(0.5)),
        f4(q(0.05)),
        f4(q(0.95)),
        placebo_p(pl.p_one_sided),
        pl.extreme_one_sided,
        pl.values.len() - pl.undefined,
        placebo_p(pl.p_two_sided),
        pl.extreme_two_sided,
        if pl.undefined > 0 { format!(" ({} singular draws excluded)", pl.undefined) } else { String::new() }
    )
}

fn sample_lines(models: &[&FittedSpec]) -> Vec<String> {
    models
        .iter()
        .map(|m| {
            let ex: Vec<String> = m.sample.excluded.iter().map(|(why, n)| format!("{n} {why}")).collect();
            format!(
                "{} {}: {} of {} rows{}",
                m.spec.title,
                m.spec.label,
                m.sample.rows_out,
                m.sample.rows_in,
                if ex.is_empty() { String::new() } else { format!(" (excluded: {})", ex.join("; ")) }
            )
        })
        .collect()
}

fn text_or_md(r: &StudyResult, md: bool) -> String {
    let mut out = String::new();
    let head = |s: &str, level: usize| {
        if md { format!("{} {s}\n\n", "#".repeat(level)) } else { format!("{s}\n{}\n", "=".repeat(s.chars().count())) }
    };
    out.push_str(&head("Spillover study", 1));
    for l in summary_lines(r) {
        out.push_str(&if md { format!("- {l}\n") } else { format!("{l}\n") });
    }
    out.push('\n');
    for (g, models, skipped) in sections(r) {
        out.push_str(&head(&format!("{} ({})", g.caption(), g.as_str()), 2));
        let fmt = if md { OutputFormat::Markdown } else { OutputFormat::Text };
        if !models.is_empty() {
            out.push_str(&render(&columns(&models), fmt));
        }
        for l in sample_lines(&models).into_iter().chain(skipped_lines(&skipped)) {
            out.push_str(&if md { format!("- {l}\n") } else { format!("{l}\n") });
        }
        out.push('\n');
    }
    out.push_str(&evidence::text_or_md(r, md));
    out
}

fn latex_text(s: &str) -> String {
    s.replace('\\', "\\textbackslash{}")
        .replace('_', "\\_")
        .replace('%', "\\%")
        .replace('&', "\\&")
        .replace('#', "\\#")
        .replace('×', "$\\times$")
        .replace('β', "$\\beta$")
        .replace('−', "-")
        .replace('–', "--")
        .replace('→', "$\\to$")
}

fn latex(r: &StudyResult) -> String {
    let mut out = String::from("% spillnet spillover report\n\\section*{Spillover study}\n\\begin{itemize}\n");
    for l in summary_lines(r) {
        let _ = writeln!(out, "\\item {}", latex_text(&l));
    }
    out.push_str("\\end{itemize}\n\n");
    for (g, models, skipped) in sections(r) {
        if !models.is_empty() {
            let _ = writeln!(out, "\\begin{{table}}[htbp]\n\\centering\n\\caption{{{}}}", latex_text(g.caption()));
            out.push_str(&render(&columns(&models), OutputFormat::Latex));
            out.push_str("\\end{table}\n");
        }
        for l in sample_lines(&models) {
            let _ = writeln!(out, "% {l}");
        }
        for l in skipped_lines(&skipped) {
            let _ = writeln!(out, "% {l}");
        }
        out.push('\n');
    }
    out.push_str(&evidence::latex(r, &latex_text));
    out
}

/// Every coefficient and linear combination of every model, one row each,
/// numbers at full precision (the tidy CSV of the study).
pub fn coefficients_table(r: &StudyResult) -> Table {
    let names = [
        "spec", "group", "title", "label", "term", "kind", "estimate", "se", "t", "p", "ci_low", "ci_high", "nobs",
        "vcov",
    ];
    let mut t = Table::new(names.into_iter().map(Column::new).collect());
    let mut push = |id: &str, group: SpecGroup, title: &str, label: &str, inf: &Inference, lcs: &[LincomResult], n| {
        for (c, kind) in inf.coefs.iter().map(|c| (c, "coef")).chain(lcs.iter().map(|l| (&l.row, "lincom"))) {
            let mut cells = vec![
                Cell::text(id),
                Cell::text(group.to_string()),
                Cell::text(title),
                Cell::text(label),
                Cell::text(&c.name),
                Cell::text(kind),
            ];
            cells.extend([c.estimate, c.se, c.t, c.p, c.ci_low, c.ci_high].map(full));
            cells.push(Cell::count(n));
            cells.push(Cell::text(inf.vcov_type.to_string()));
            t.push(cells);
        }
    };
    for m in &r.models {
        let s = &m.spec;
        push(&s.id, s.group, &s.title, &s.label, &m.inference, &m.lincoms, m.fit.core.nobs);
    }
    for (id, group, title, label, m) in evidence::tidy_models(r) {
        push(&id, group, title, label, &m.inference, &m.lincoms, m.fit.core().nobs);
    }
    t
}

fn json_doc(r: &StudyResult) -> String {
    let models: Vec<serde_json::Value> = r
        .models
        .iter()
        .map(|m| {
            let col = columns(&[m]).remove(0);
            let mut v = model_json(&col);
            if let Some(o) = v.as_object_mut() {
                // The study report keeps its recorded schema (tests/baseline); the
                // solver's per-column details are in the `estimate` command's JSON.
                o.remove("demeaning");
                o.insert("spec".into(), json!(m.spec.id));
                o.insert("group".into(), json!(m.spec.group));
                o.insert("label".into(), json!(m.spec.label));
                o.insert("sample".into(), json!(m.spec.sample));
                o.insert("rows".into(), json!(m.sample));
            }
            v
        })
        .collect();
    let h = &r.headline;
    let mut doc = json!({
        "headline": {
            "estimate": h.estimate,
            "se": h.se,
            "p": h.p,
            "ci": h.ci,
            "p_boot": h.p_boot,
            "boot_draws": h.boot_draws,
            "p_boot_rule": h.p_boot.map(|_| BOOT_P_RULE),
            "nobs": h.nobs,
            "definition": "baseline (2): e_JV:SameGroup + e_JV:SameSeg + e_JV:SameGroup:SameSeg, CRV1 two-way clustered (firm_D^survey, firm_JV^survey), delta-method SE",
        },
        "models": models,
        "mediation": r.mediation,
        "quantification": r.quantification,
        "placebo": r.placebo.as_ref().map(|p| json!({
            "options": p.options,
            "statistic": p.statistic,
            "real": p.real,
            "units": p.units,
            "affiliated_units": p.affiliated_units,
            "affiliated_row_share": p.affiliated_row_share,
            "mean_placebo_row_share": p.mean_placebo_row_share,
            "undefined": p.undefined,
            "extreme_one_sided": p.extreme_one_sided,
            "extreme_two_sided": p.extreme_two_sided,
            "p_one_sided": p.p_one_sided,
            "p_two_sided": p.p_two_sided,
            "p_rule": PLACEBO_P_RULE,
            "quantiles": p.quantiles,
        })),
        "diagnostics": {
            "pairs": pair_diagnostics(r),
            "strengths": r.strengths,
            "panel": r.panel,
        },
    });
    // Present when a part was skipped (the recorded main job skips nothing).
    if let Some(o) = doc.as_object_mut().filter(|_| !r.skipped.is_empty()) {
        o.insert("skipped".into(), json!(r.skipped));
    }
    // Present when a further-evidence group was asked for.
    let evidence = evidence::json(r);
    if let Some(o) = doc.as_object_mut().filter(|_| evidence.as_object().is_some_and(|e| !e.is_empty())) {
        o.insert("evidence".into(), evidence);
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn pair_diagnostics(r: &StudyResult) -> serde_json::Value {
    let p = &r.pairs;
    let o = &p.overlap_missing;
    json!({
        "affiliation": p.affiliation.as_str(),
        "pair_years": p.pair_years,
        "distinct_pairs": p.distinct_pairs,
        "affiliated_pair_years": p.affiliated_pair_years,
        "affiliated_distinct_pairs": p.affiliated_distinct_pairs,
        "same_segment_pair_years": p.same_segment_pair_years,
        "same_province_pair_years": p.same_province_pair_years,
        "rows_without_jv_age": p.rows_without_jv_age,
        "models_without_quality": p.models_without_quality.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        "supplier_overlap_missing": {
            "min_suppliers": o.min_suppliers,
            "pair_years": o.rows,
            "distinct_pairs": o.distinct_pairs,
            "domestic_short": o.rows_domestic_short,
            "jv_short": o.rows_jv_short,
            "both_short": o.rows_both_short,
        },
        "worker_flow_gap_z": p.worker_flow_gap_z,
        "supplier_overlap_gap_z": p.supplier_overlap_gap_z,
    })
}

/// Render the study's report in `format`.
pub fn render_study(r: &StudyResult, format: OutputFormat) -> String {
    match format {
        OutputFormat::Text => text_or_md(r, false),
        OutputFormat::Markdown => text_or_md(r, true),
        OutputFormat::Latex => latex(r),
        OutputFormat::Csv => to_csv(&coefficients_table(r)),
        OutputFormat::CsvTable => groups(r)
            .into_iter()
            .map(|(g, models)| {
                let title = format!("{} ({})", g.caption(), g.as_str()).replace('"', "\"\"");
                format!("\"{title}\"\n{}", render(&columns(&models), OutputFormat::CsvTable))
            })
            .chain(evidence::csv_tables(r))
            .collect::<Vec<_>>()
            .join("\n"),
        OutputFormat::Json => json_doc(r),
    }
}

/// The placebo draws as CSV: `draw,statistic` (empty statistic for a singular draw).
pub fn placebo_csv(p: &PlaceboResult) -> String {
    let mut t = Table::new(vec![Column::new("draw"), Column::new("statistic")]);
    for (b, v) in p.values.iter().enumerate() {
        t.push(vec![Cell::count(b), if v.is_finite() { Cell::float(*v, 4) } else { Cell::Empty }]);
    }
    to_csv(&t)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A histogram of the placebo draws with the real statistic marked, as a
/// self-contained SVG (40 bins; deterministic).
pub fn placebo_svg(p: &PlaceboResult) -> String {
    let vals: Vec<f64> = p.values.iter().copied().filter(|v| v.is_finite()).collect();
    let (w, h, ml, mb, mt) = (640.0, 360.0, 50.0, 40.0, 30.0);
    let lo = vals.iter().copied().fold(p.real, f64::min);
    let hi = vals.iter().copied().fold(p.real, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let (lo, hi) = (lo - 0.05 * span, hi + 0.05 * span);
    let bins = 40usize;
    let mut counts = vec![0usize; bins];
    for v in &vals {
        let b = (((v - lo) / (hi - lo)) * bins as f64).floor() as usize;
        counts[b.min(bins - 1)] += 1;
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let pw = w - ml - 10.0;
    let ph = h - mb - mt;
    let x = |v: f64| ml + (v - lo) / (hi - lo) * pw;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    let _ = writeln!(
        s,
        "<text x=\"{ml}\" y=\"18\">{}</text>",
        xml_escape(&format!(
            "Placebo: {} draws at the {} level; real = {:.4}, p (one-sided) = {}",
            p.options.draws,
            p.options.level,
            p.real,
            placebo_p(p.p_one_sided)
        ))
    );
    let bw = pw / bins as f64;
    for (b, &c) in counts.iter().enumerate() {
        let bh = c as f64 / max * ph;
        let _ = writeln!(
            s,
            "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"#8da0cb\" stroke=\"white\"/>",
            ml + b as f64 * bw,
            mt + ph - bh,
            bw,
            bh
        );
    }
    let xr = x(p.real);
    let _ = writeln!(
        s,
        "<line x1=\"{xr:.2}\" y1=\"{mt}\" x2=\"{xr:.2}\" y2=\"{:.2}\" stroke=\"#d62728\" stroke-width=\"2\"/>",
        mt + ph
    );
    let _ = writeln!(
        s,
        "<line x1=\"{ml}\" y1=\"{:.2}\" x2=\"{:.2}\" y2=\"{:.2}\" stroke=\"black\"/>",
        mt + ph,
        ml + pw,
        mt + ph
    );
    for k in 0..=4 {
        let v = lo + (hi - lo) * k as f64 / 4.0;
        let _ = writeln!(s, "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{v:.3}</text>", x(v), mt + ph + 16.0);
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">headline spillover</text>",
        ml + pw / 2.0,
        h - 6.0
    );
    s.push_str("</svg>\n");
    s
}
