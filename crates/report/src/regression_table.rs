//! etable/esttab-style regression tables: one or several fitted models side
//! by side (columns = models), coefficient rows with standard errors in
//! parentheses and stars (`***` p < 0.01, `**` p < 0.05, `*` p < 0.1),
//! linear combinations, then rows for N, fixed effects, vcov, R² and
//! within R². Rendered as text, Markdown, LaTeX, CSV or JSON.
//!
//! It only formats: it receives finished results ([`ModelColumn`]: a fit of
//! any estimator through the `Fitted` interface, an `Inference`, lincom and
//! bootstrap results) and computes nothing. Imports `estimate` (result types)
//! and `table` (the format).

use std::fmt::Write as _;

use serde::Serialize;

use spillnet_estimate::{BootResult, CoefRow, FeSize, FitCore, Fitted, Inference, LincomResult};

use crate::table::OutputFormat;

/// One column of the table: a fitted model with its inference.
#[derive(Debug, Clone, Copy)]
pub struct ModelColumn<'a> {
    /// Column title (e.g. "(1)" or a description).
    pub title: &'a str,
    /// The fit, of any estimator (OLS today; 2SLS and Poisson read the same way).
    pub fit: &'a dyn Fitted,
    /// Inference under the chosen vcov.
    pub inference: &'a Inference,
    /// Linear combinations (shown below the coefficients).
    pub lincoms: &'a [LincomResult],
    /// Wild bootstrap results (JSON and a note in text formats).
    pub boots: &'a [BootResult],
    /// Rows dropped upstream because of missing values.
    pub n_missing: usize,
}

#[derive(Serialize)]
struct JsonModel<'a> {
    title: &'a str,
    depvar: &'a str,
    coefficients: &'a [CoefRow],
    lincoms: Vec<&'a CoefRow>,
    bootstrap: &'a [BootResult],
    nobs: usize,
    n_missing: usize,
    n_singletons: usize,
    collinear: &'a [String],
    fixed_effects: Vec<FeSize>,
    vcov: String,
    ssc: String,
    df_t: usize,
    df_k: usize,
    clusters: Vec<ClusterCount>,
    eigen_fixed: bool,
    iterations: usize,
    converged: bool,
    r2: f64,
    r2_within: Option<f64>,
}

#[derive(Serialize)]
struct ClusterCount {
    name: String,
    groups: usize,
}

#[derive(Serialize)]
struct JsonTable<'a> {
    models: Vec<JsonModel<'a>>,
}

fn stars(p: f64) -> &'static str {
    if p < 0.01 {
        "***"
    } else if p < 0.05 {
        "**"
    } else if p < 0.1 {
        "*"
    } else {
        ""
    }
}

fn num(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-4 { format!("{x:.3e}") } else { format!("{x:.4}") }
}

enum Row {
    Cells(Vec<String>),
    Rule,
}

fn grid(models: &[ModelColumn<'_>]) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut head = vec![String::new()];
    head.extend(models.iter().map(|m| m.title.to_owned()));
    rows.push(Row::Cells(head));
    let mut dep = vec!["Dependent var.".to_owned()];
    dep.extend(models.iter().map(|m| m.fit.core().depvar.clone()));
    rows.push(Row::Cells(dep));
    rows.push(Row::Rule);
    let coef_rows = |get: &dyn Fn(&ModelColumn<'_>) -> Vec<CoefRow>, rows: &mut Vec<Row>| {
        let mut names: Vec<String> = Vec::new();
        for m in models {
            for c in get(m) {
                if !names.contains(&c.name) {
                    names.push(c.name.clone());
                }
            }
        }
        for name in names {
            let mut est = vec![name.clone()];
            let mut se = vec![String::new()];
            for m in models {
                match get(m).into_iter().find(|c| c.name == name) {
                    Some(c) => {
                        est.push(format!("{}{}", num(c.estimate), stars(c.p)));
                        se.push(format!("({})", num(c.se)));
                    }
                    None => {
                        est.push(String::new());
                        se.push(String::new());
                    }
                }
            }
            rows.push(Row::Cells(est));
            rows.push(Row::Cells(se));
        }
    };
    coef_rows(&|m| m.inference.coefs.clone(), &mut rows);
    if models.iter().any(|m| !m.lincoms.is_empty()) {
        rows.push(Row::Rule);
        coef_rows(&|m| m.lincoms.iter().map(|l| l.row.clone()).collect(), &mut rows);
    }
    rows.push(Row::Rule);
    let mut fe_names: Vec<String> = Vec::new();
    for m in models {
        for f in &m.fit.core().fe {
            if !fe_names.contains(&f.name) {
                fe_names.push(f.name.clone());
            }
        }
    }
    for f in &fe_names {
        let mut r = vec![format!("FE: {f}")];
        r.extend(
            models
                .iter()
                .map(|m| if m.fit.core().fe.iter().any(|x| &x.name == f) { "Yes".into() } else { String::new() }),
        );
        rows.push(Row::Cells(r));
    }
    let mut line = |label: &str, f: &dyn Fn(&ModelColumn<'_>) -> String| {
        let mut r = vec![label.to_owned()];
        r.extend(models.iter().map(f));
        rows.push(Row::Cells(r));
    };
    line("Observations", &|m| m.fit.core().nobs.to_string());
    line("S.E. type", &|m| m.inference.vcov_type.to_string());
    line("R2", &|m| format!("{:.5}", m.fit.core().r2));
    if models.iter().any(|m| m.fit.core().r2_within.is_some()) {
        line("Within R2", &|m| m.fit.core().r2_within.map(|r| format!("{r:.5}")).unwrap_or_default());
    }
    rows
}

fn notes(models: &[ModelColumn<'_>]) -> Vec<String> {
    let mut out = vec!["Standard errors in parentheses; *** p<0.01, ** p<0.05, * p<0.1.".to_owned()];
    for m in models {
        let d = &m.fit.core().diagnostics;
        let mut parts = Vec::new();
        if m.n_missing > 0 {
            parts.push(format!("{} row(s) dropped for missing values", m.n_missing));
        }
        if d.n_singletons > 0 {
            parts.push(format!("{} singleton(s) removed", d.n_singletons));
        }
        if !d.collinear.is_empty() {
            parts.push(format!("collinear regressor(s) dropped: {}", d.collinear.join(", ")));
        }
        if !d.demean.converged {
            parts.push(format!("WARNING: demeaning did not converge after {} iterations", d.demean.iterations));
        }
        if m.inference.eigen_fixed {
            parts.push("multiway vcov was not PSD; negative eigenvalues set to 0".into());
        }
        for b in m.boots {
            parts.push(format!(
                "wild cluster bootstrap (WCR, {:?}, {} draws{}, cluster {}): {}: t = {:.4}, p = {:.4}",
                b.spec.weights,
                b.draws,
                if b.enumerated { ", full enumeration" } else { "" },
                b.spec.cluster,
                b.hypothesis,
                b.t,
                b.p
            ));
        }
        parts.push(format!("ssc: {}", m.inference.ssc));
        out.push(format!("{}: {}.", m.title, parts.join("; ")));
    }
    out
}

fn text(models: &[ModelColumn<'_>]) -> String {
    let rows = grid(models);
    let ncol = models.len() + 1;
    let mut width = vec![0usize; ncol];
    for r in &rows {
        if let Row::Cells(c) = r {
            for (j, s) in c.iter().enumerate() {
                width[j] = width[j].max(s.chars().count());
            }
        }
    }
    let total: usize = width.iter().sum::<usize>() + 2 * (ncol - 1);
    let mut out = String::new();
    for r in &rows {
        match r {
            Row::Rule => out.push_str(&format!("{}\n", "-".repeat(total))),
            Row::Cells(c) => {
                let mut line = String::new();
                for (j, s) in c.iter().enumerate() {
                    if j == 0 {
                        let _ = write!(line, "{s:<w$}", w = width[0]);
                    } else {
                        let _ = write!(line, "  {s:>w$}", w = width[j]);
                    }
                }
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
    }
    out.push_str(&format!("{}\n", "-".repeat(total)));
    for n in notes(models) {
        out.push_str(&n);
        out.push('\n');
    }
    out
}

fn markdown(models: &[ModelColumn<'_>]) -> String {
    let rows = grid(models);
    let mut out = String::new();
    let mut first = true;
    for r in &rows {
        if let Row::Cells(c) = r {
            let cells: Vec<String> = c.iter().map(|s| s.replace('|', "\\|").replace('*', "\\*")).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
            if first {
                out.push_str(&format!("|{}\n", ":---|".to_owned() + &"---:|".repeat(c.len() - 1)));
                first = false;
            }
        }
    }
    out.push('\n');
    for n in notes(models) {
        out.push_str(&n.replace('*', "\\*"));
        out.push_str("\n\n");
    }
    out
}

fn latex_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '_' | '%' | '&' | '#' | '$' | '{' | '}' => {
                o.push('\\');
                o.push(ch);
            }
            '*' => o.push('*'),
            _ => o.push(ch),
        }
    }
    o
}

fn latex(models: &[ModelColumn<'_>]) -> String {
    let rows = grid(models);
    let mut out = format!("\\begin{{tabular}}{{l{}}}\n\\hline\n", "c".repeat(models.len()));
    for r in &rows {
        match r {
            Row::Rule => out.push_str("\\hline\n"),
            Row::Cells(c) => {
                let cells: Vec<String> = c
                    .iter()
                    .map(|s| {
                        let t = s.trim_end_matches('*');
                        let st = &s[t.len()..];
                        if st.is_empty() { latex_escape(s) } else { format!("{}$^{{{st}}}$", latex_escape(t)) }
                    })
                    .collect();
                out.push_str(&format!("{} \\\\\n", cells.join(" & ")));
            }
        }
    }
    out.push_str("\\hline\n\\end{tabular}\n");
    for n in notes(models) {
        out.push_str(&format!("% {n}\n"));
    }
    out
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}

fn csv(models: &[ModelColumn<'_>]) -> String {
    let mut out = String::new();
    for r in grid(models) {
        if let Row::Cells(c) = r {
            let cells: Vec<String> = c.iter().map(|s| csv_cell(s)).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
    }
    out
}

fn json_model<'a>(m: &ModelColumn<'a>) -> JsonModel<'a> {
    let fit: &'a FitCore = m.fit.core();
    JsonModel {
        title: m.title,
        depvar: &fit.depvar,
        coefficients: &m.inference.coefs,
        lincoms: m.lincoms.iter().map(|l| &l.row).collect(),
        bootstrap: m.boots,
        nobs: fit.nobs,
        n_missing: m.n_missing,
        n_singletons: fit.diagnostics.n_singletons,
        collinear: &fit.diagnostics.collinear,
        fixed_effects: fit.fe_sizes(),
        vcov: m.inference.vcov_type.to_string(),
        ssc: m.inference.ssc.to_string(),
        df_t: m.inference.df_t,
        df_k: m.inference.df_k,
        clusters: m
            .inference
            .n_clusters
            .iter()
            .map(|(name, groups)| ClusterCount { name: name.clone(), groups: *groups })
            .collect(),
        eigen_fixed: m.inference.eigen_fixed,
        iterations: fit.diagnostics.demean.iterations,
        converged: fit.diagnostics.demean.converged,
        r2: fit.r2,
        r2_within: fit.r2_within,
    }
}

/// One model as the JSON object of the `json` format (for reports that embed models).
pub fn model_json(m: &ModelColumn<'_>) -> serde_json::Value {
    serde_json::to_value(json_model(m)).unwrap_or(serde_json::Value::Null)
}

fn json(models: &[ModelColumn<'_>]) -> String {
    let table = JsonTable { models: models.iter().map(json_model).collect() };
    // serde_json writes f64 with the shortest round-trip representation (17 significant digits at most).
    let mut s = serde_json::to_string_pretty(&table).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// Render models side by side in `format`.
pub fn render(models: &[ModelColumn<'_>], format: OutputFormat) -> String {
    match format {
        OutputFormat::Text => text(models),
        OutputFormat::Markdown => markdown(models),
        OutputFormat::Latex => latex(models),
        OutputFormat::Csv => csv(models),
        OutputFormat::Json => json(models),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spillnet_estimate::design::{Column, Factor};
    use spillnet_estimate::{Design, FitOptions, Ssc, VcovSpec, fit_ols, vcov};

    fn design(with_fe: bool, extra: bool) -> Design {
        let n = 40;
        let x1: Vec<f64> = (0..n).map(|i| ((i * 7919) % 13) as f64 / 3.0).collect();
        let x2: Vec<f64> = (0..n).map(|i| ((i * 104_729) % 11) as f64 / 5.0).collect();
        let y: Vec<f64> = (0..n).map(|i| 1.0 + 2.0 * x1[i] - x2[i] + ((i * 31) % 7) as f64 / 10.0).collect();
        let mut x = vec![Column { name: "x1".into(), values: x1 }];
        if extra {
            x.push(Column { name: "x2".into(), values: x2 });
        }
        let mut d = Design::new(Column { name: "y".into(), values: y }, x);
        if with_fe {
            d.fe = vec![Factor { name: "g".into(), codes: (0..n).map(|i| (i % 4) as u32).collect() }];
        }
        d
    }

    #[test]
    fn several_models_side_by_side() {
        let f1 = fit_ols(&design(false, false), &FitOptions::default()).unwrap();
        let f2 = fit_ols(&design(true, true), &FitOptions::default()).unwrap();
        let i1 = vcov(&f1, &VcovSpec::Iid, &Ssc::default()).unwrap();
        let i2 = vcov(&f2, &VcovSpec::Hetero, &Ssc::default()).unwrap();
        let cols = [
            ModelColumn { title: "(1)", fit: &f1, inference: &i1, lincoms: &[], boots: &[], n_missing: 0 },
            ModelColumn { title: "(2)", fit: &f2, inference: &i2, lincoms: &[], boots: &[], n_missing: 2 },
        ];
        let t = render(&cols, OutputFormat::Text);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0].split_whitespace().collect::<Vec<_>>(), ["(1)", "(2)"], "header row of model titles:\n{t}");
        // Intercept only in model 1, x2 only in model 2, FE row marks model 2.
        let row = |name: &str| lines.iter().find(|l| l.starts_with(name)).copied().unwrap_or_default();
        assert!(row("Intercept").split_whitespace().count() == 2, "{t}");
        assert!(row("x2").split_whitespace().count() == 2, "{t}");
        assert!(row("x1").split_whitespace().count() == 3, "{t}");
        assert!(row("FE: g").trim_end().ends_with("Yes"), "{t}");
        assert!(row("S.E. type").contains("iid") && row("S.E. type").contains("hetero"));
        assert!(t.contains("(2): 2 row(s) dropped for missing values"));
        let j: serde_json::Value = serde_json::from_str(&render(&cols, OutputFormat::Json)).unwrap();
        assert_eq!(j["models"].as_array().unwrap().len(), 2);
        assert_eq!(j["models"][1]["fixed_effects"][0]["levels"], 4);
        assert_eq!(j["models"][0]["coefficients"][1]["name"], "x1");
        let csv = render(&cols, OutputFormat::Csv);
        assert!(csv.starts_with(",(1),(2)\n"));
        assert!(render(&cols, OutputFormat::Latex).contains("\\begin{tabular}{lcc}"));
        assert!(render(&cols, OutputFormat::Markdown).starts_with("|  | (1) | (2) |\n|:---|---:|---:|\n"));
    }

    /// Another estimator's fit: the table reads it through `Fitted` alone.
    #[derive(Debug)]
    struct OtherFit(FitCore);

    impl Fitted for OtherFit {
        fn core(&self) -> &FitCore {
            &self.0
        }
        fn model_type(&self) -> &'static str {
            "Other"
        }
    }

    #[test]
    fn a_column_can_hold_any_estimator() {
        let ols = fit_ols(&design(true, true), &FitOptions::default()).unwrap();
        let other = OtherFit(ols.core.clone());
        let inf = vcov(&other, &VcovSpec::Hetero, &Ssc::default()).unwrap();
        let table = |fit: &dyn Fitted| -> String {
            let c = ModelColumn { title: "(1)", fit, inference: &inf, lincoms: &[], boots: &[], n_missing: 0 };
            render(&[c], OutputFormat::Text) + &render(&[c], OutputFormat::Json)
        };
        assert_eq!(table(&ols), table(&other));
    }

    #[test]
    fn stars_thresholds() {
        assert_eq!(stars(0.009), "***");
        assert_eq!(stars(0.01), "**");
        assert_eq!(stars(0.049), "**");
        assert_eq!(stars(0.05), "*");
        assert_eq!(stars(0.1), "");
    }
}
