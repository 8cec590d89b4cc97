//! etable/esttab-style regression tables: one or several fitted models side
//! by side (columns = models), coefficient rows with standard errors in
//! parentheses and stars (`***` p < 0.01, `**` p < 0.05, `*` p < 0.1),
//! linear combinations, then rows for N, fixed effects, vcov, R² and
//! within R², and the estimator's own statistics (IV: first-stage F,
//! Wu–Hausman); a "Model" head row (OLS/IV) appears when a column is not
//! OLS. Built as a [`Table`] ([`regression_table`]) rendered as text,
//! Markdown, LaTeX or CSV by [`crate::table`]; JSON carries the full results
//! per model instead.
//!
//! It only formats: it receives finished results ([`ModelColumn`]: a fit of
//! any estimator through the `Fitted` interface, an `Inference`, lincom and
//! bootstrap results) and computes nothing. Imports `estimate` (result types)
//! and `table`.

use serde::Serialize;

use spillnet_estimate::{
    BootResult, CoefRow, ColumnDemean, DemeanInfo, Demeaner, FEW_CLUSTERS, FeSize, FitCore, FitStat, Fitted, Inference,
    LincomResult,
};

use crate::table::{self, Cell, Column, LatexNotes, LatexStyle, OutputFormat, Row, Table, TextLayout};

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
    /// Estimator (`IV`, …); omitted for OLS so OLS output is as before.
    #[serde(skip_serializing_if = "is_ols")]
    model: &'static str,
    coefficients: &'a [CoefRow],
    lincoms: Vec<&'a CoefRow>,
    bootstrap: &'a [BootResult],
    nobs: usize,
    n_missing: usize,
    n_singletons: usize,
    /// Observations removed by separation (Poisson); omitted when none.
    #[serde(skip_serializing_if = "is_zero")]
    n_separated: usize,
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
    /// Per demeaned column (y, then the regressors): solver, iterations, final criterion.
    demeaning: &'a [ColumnDemean],
    /// R² (null for Poisson, which reports its pseudo-R² in `fit_stats`).
    r2: Option<f64>,
    r2_within: Option<f64>,
    /// Estimator-specific statistics (IV: first-stage F, Wu–Hausman; Poisson:
    /// deviance, pseudo-R²); omitted when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fit_stats: Vec<FitStat>,
    /// Estimator-specific notes (Poisson: IRLS iterations); omitted when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The R² cell: five decimals, empty for a model without one (Poisson).
fn m_r2(m: &ModelColumn<'_>) -> Cell {
    let r2 = m.fit.core().r2;
    if r2.is_finite() { Cell::text(format!("{r2:.5}")) } else { Cell::Empty }
}

fn is_ols(model: &&'static str) -> bool {
    *model == "OLS"
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

/// Significance stars: 3 for p < 0.01, 2 for p < 0.05, 1 for p < 0.1.
pub(crate) fn stars(p: f64) -> u8 {
    if p < 0.01 {
        3
    } else if p < 0.05 {
        2
    } else if p < 0.1 {
        1
    } else {
        0
    }
}

/// Whether a linear combination is one of the model's coefficients itself
/// (one term, weight 1, null 0): the table shows it once, as the
/// coefficient (JSON and the tidy CSV keep both).
fn repeats_a_coefficient(m: &ModelColumn<'_>, l: &LincomResult) -> bool {
    let lc = &l.lincom;
    matches!(lc.terms.as_slice(), [(w, name)] if *w == 1.0 && lc.null == 0.0 && m.inference.coefs.iter().any(|c| &c.name == name))
}

/// An estimate as the table shows it: 0 when it is floating-point noise,
/// i.e. below [`NOISE`] times its standard error (an intercept of relative
/// strengths, 0 by construction, comes out as ±1e-20); itself otherwise.
fn shown_estimate(c: &CoefRow) -> f64 {
    if c.estimate.abs() <= NOISE * c.se.abs() { 0.0 } else { c.estimate }
}

/// Relative size below which an estimate is noise around 0 (see [`shown_estimate`]).
const NOISE: f64 = 1e-10;

/// Decimals of estimates and standard errors.
const DECIMALS: usize = 4;

/// Two rows per coefficient name (in order of first appearance across
/// models): the starred estimate, then its standard error in parentheses.
fn coef_rows<'a>(models: &[ModelColumn<'a>], get: impl Fn(&ModelColumn<'a>) -> Vec<&'a CoefRow>, rows: &mut Vec<Row>) {
    let per_model: Vec<Vec<&CoefRow>> = models.iter().map(get).collect();
    let mut names: Vec<&str> = Vec::new();
    for c in per_model.iter().flatten() {
        if !names.contains(&c.name.as_str()) {
            names.push(&c.name);
        }
    }
    for name in names {
        let mut est = vec![Cell::text(name)];
        let mut se = vec![Cell::Empty];
        for coefs in &per_model {
            match coefs.iter().find(|c| c.name == name) {
                Some(c) => {
                    est.push(Cell::estimate(shown_estimate(c), DECIMALS, stars(c.p)));
                    se.push(Cell::std_err(c.se, DECIMALS));
                }
                None => {
                    est.push(Cell::Empty);
                    se.push(Cell::Empty);
                }
            }
        }
        rows.push(Row::Cells(est));
        rows.push(Row::Cells(se));
    }
}

/// The models side by side as a [`Table`]: model titles as headers, the
/// dependent variables as a head row, coefficients, linear combinations,
/// then fixed effects, N, S.E. type, R² and within R², and the notes
/// (LaTeX: `%` comments after the `tabular`, centred model columns).
pub fn regression_table<'a>(models: &[ModelColumn<'a>]) -> Table {
    let mut columns = vec![Column::new("")];
    columns.extend(models.iter().map(|m| Column::new(m.title).right().centred_in_latex()));
    let mut t = Table::new(columns).with_layout(TextLayout { rules: true, ..TextLayout::default() });
    t.latex = LatexStyle { notes: LatexNotes::Comments };
    let mut dep = vec![Cell::text("Dependent var.")];
    dep.extend(models.iter().map(|m| Cell::text(&m.fit.core().depvar)));
    t.head.push(dep);
    if models.iter().any(|m| m.fit.model_type() != "OLS") {
        let mut model = vec![Cell::text("Model")];
        model.extend(models.iter().map(|m| Cell::text(m.fit.model_type())));
        t.head.push(model);
    }
    coef_rows(models, |m| m.inference.coefs.iter().collect(), &mut t.rows);
    if models.iter().any(|m| m.lincoms.iter().any(|l| !repeats_a_coefficient(m, l))) {
        t.rows.push(Row::Separator);
        let shown =
            |m: &ModelColumn<'a>| m.lincoms.iter().filter(|l| !repeats_a_coefficient(m, l)).map(|l| &l.row).collect();
        coef_rows(models, shown, &mut t.rows);
    }
    t.rows.push(Row::Separator);
    let mut fe_names: Vec<&str> = Vec::new();
    for f in models.iter().flat_map(|m| &m.fit.core().fe) {
        if !fe_names.contains(&f.name.as_str()) {
            fe_names.push(&f.name);
        }
    }
    for f in fe_names {
        let mut r = vec![Cell::text(format!("FE: {f}"))];
        r.extend(
            models
                .iter()
                .map(|m| if m.fit.core().fe.iter().any(|x| x.name == f) { Cell::text("Yes") } else { Cell::Empty }),
        );
        t.push(r);
    }
    let mut line = |label: &str, f: &dyn Fn(&ModelColumn<'_>) -> Cell| {
        let mut r = vec![Cell::text(label)];
        r.extend(models.iter().map(f));
        t.push(r);
    };
    line("Observations", &|m| Cell::count(m.fit.core().nobs));
    line("S.E. type", &|m| Cell::text(m.inference.vcov_type.to_string()));
    // One `G` row per clustering variable: the number of clusters behind the SEs.
    let mut cluster_names: Vec<&str> = Vec::new();
    for (name, _) in models.iter().flat_map(|m| &m.inference.n_clusters) {
        if !cluster_names.contains(&name.as_str()) {
            cluster_names.push(name);
        }
    }
    for name in cluster_names {
        line(&format!("G: {name}"), &|m| {
            m.inference.n_clusters.iter().find(|(n, _)| n == name).map_or(Cell::Empty, |(_, g)| Cell::count(*g))
        });
    }
    // R² as text with five decimals: the CSV grid shows what the table shows.
    if models.iter().any(|m| m.fit.core().r2.is_finite()) {
        let r2 = m_r2;
        line("R2", &r2);
    }
    if models.iter().any(|m| m.fit.core().r2_within.is_some()) {
        line("Within R2", &|m| m.fit.core().r2_within.map_or(Cell::Empty, |r| Cell::text(format!("{r:.5}"))));
    }
    let mut stat_labels: Vec<String> = Vec::new();
    for s in models.iter().flat_map(|m| m.fit.fit_stats()) {
        if !stat_labels.contains(&s.label) {
            stat_labels.push(s.label);
        }
    }
    for label in &stat_labels {
        line(label, &|m| {
            let stats = m.fit.fit_stats();
            stats.iter().find(|s| &s.label == label).map_or(Cell::Empty, |s| Cell::text(format!("{:.3}", s.value)))
        });
    }
    t.notes = notes(models);
    t
}

/// The solver's note: per column, iterations and final criterion, when the
/// Krylov solver ran or a column did not converge. Alternating projections
/// that converged (the easy designs, the study's) add nothing, as before.
fn demeaning_note(info: &DemeanInfo) -> Option<String> {
    let plain = info.converged && info.columns.iter().all(|c| c.method == Demeaner::Map);
    if plain {
        return None;
    }
    let cols: Vec<String> = info
        .columns
        .iter()
        .map(|c| {
            format!(
                "{} {} it., criterion {:.1e}{}",
                c.column,
                c.iterations,
                c.criterion,
                if c.converged { "" } else { " NOT CONVERGED" }
            )
        })
        .collect();
    let head = if info.converged { "demeaning" } else { "WARNING: demeaning did not converge" };
    Some(format!("{head} ({}): {}", info.methods(), cols.join(", ")))
}

/// The table's notes: the legend, then one line per column with its notes;
/// with several columns, the notes every column shares are printed once
/// (`All columns: …`) and each column's line keeps only its own.
fn notes(models: &[ModelColumn<'_>]) -> Vec<String> {
    let mut out = vec!["Standard errors in parentheses; *** p<0.01, ** p<0.05, * p<0.1.".to_owned()];
    let per_model: Vec<Vec<String>> = models.iter().map(column_notes).collect();
    let common: Vec<&String> = match per_model.split_first() {
        Some((first, rest)) if !rest.is_empty() => {
            first.iter().filter(|n| rest.iter().all(|r| r.contains(n))).collect()
        }
        _ => Vec::new(),
    };
    if !common.is_empty() {
        out.push(format!("All columns: {}.", common.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("; ")));
    }
    for (m, parts) in models.iter().zip(&per_model) {
        let own: Vec<&str> = parts.iter().filter(|p| !common.contains(p)).map(String::as_str).collect();
        if !own.is_empty() {
            out.push(format!("{}: {}.", m.title, own.join("; ")));
        }
    }
    out
}

/// One column's notes, in a fixed order (sample, estimator, solver, vcov, bootstrap, ssc).
fn column_notes(m: &ModelColumn<'_>) -> Vec<String> {
    let d = &m.fit.core().diagnostics;
    let mut parts = Vec::new();
    if m.n_missing > 0 {
        parts.push(format!("{} row(s) dropped for missing values", m.n_missing));
    }
    if d.n_singletons > 0 {
        parts.push(format!("{} singleton(s) removed", d.n_singletons));
    }
    if d.n_separated > 0 {
        parts.push(format!("{} observation(s) removed by separation", d.n_separated));
    }
    parts.extend(m.fit.notes());
    if !d.collinear.is_empty() {
        parts.push(format!("collinear regressor(s) dropped: {}", d.collinear.join(", ")));
    }
    if let Some(note) = demeaning_note(&d.demean) {
        parts.push(note);
    }
    if m.inference.eigen_fixed {
        parts.push("multiway vcov was not PSD; negative eigenvalues set to 0".into());
    }
    if let Some(w) = few_clusters_warning(m.inference) {
        parts.push(format!("WARNING: {w}"));
    }
    for b in m.boots {
        parts.push(format!(
            "wild cluster bootstrap (WCR, {:?}, {} draws{}, cluster {}): {}: t = {:.4}, p {}",
            b.spec.weights,
            b.draws,
            if b.enumerated { ", full enumeration" } else { "" },
            b.spec.cluster,
            b.hypothesis,
            b.t,
            boot_p(b.p, b.draws)
        ));
    }
    parts.push(format!("ssc: {}", m.inference.ssc));
    parts
}

/// A bootstrap p-value for display, with its relation: `= 0.0123` (four
/// decimals), or `< 1/B` at the precision of B when no draw was as extreme
/// (`< 0.001` for B = 999, as boottest reports it), never `= 0.0000`.
pub fn boot_p(p: f64, draws: usize) -> String {
    if p == 0.0 && draws > 0 {
        let decimals = (draws as f64).log10().ceil().max(1.0) as usize;
        format!("< {:.decimals$}", 1.0 / draws as f64)
    } else {
        format!("= {p:.4}")
    }
}

/// The caveat for clustering dimensions with fewer than [`FEW_CLUSTERS`]
/// groups (`None` when there is none): the same words in the table's note
/// and on stderr.
pub fn few_clusters_warning(inference: &Inference) -> Option<String> {
    let few = inference.few_clusters();
    if few.is_empty() {
        return None;
    }
    let list: Vec<String> = few.iter().map(|(n, g)| format!("{n} has {g}")).collect();
    Some(format!(
        "fewer than {FEW_CLUSTERS} clusters ({}): clustered SEs and t-tests may over-reject; prefer a wild cluster bootstrap p-value (--boot)",
        list.join(", ")
    ))
}

fn json_model<'a>(m: &ModelColumn<'a>) -> JsonModel<'a> {
    let fit: &'a FitCore = m.fit.core();
    JsonModel {
        title: m.title,
        depvar: &fit.depvar,
        model: m.fit.model_type(),
        coefficients: &m.inference.coefs,
        lincoms: m.lincoms.iter().map(|l| &l.row).collect(),
        bootstrap: m.boots,
        nobs: fit.nobs,
        n_missing: m.n_missing,
        n_singletons: fit.diagnostics.n_singletons,
        n_separated: fit.diagnostics.n_separated,
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
        demeaning: &fit.diagnostics.demean.columns,
        r2: fit.r2.is_finite().then_some(fit.r2),
        r2_within: fit.r2_within,
        fit_stats: m.fit.fit_stats(),
        notes: m.fit.notes(),
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

/// A number at full precision for tidy output: the shortest form that reads
/// back as the same double, in scientific notation below 1e-4 or from 1e15
/// in magnitude (`6.743210868549818e-73`); empty when not finite (a missing
/// value in every statistics package).
pub fn full(x: f64) -> Cell {
    let a = x.abs();
    match x {
        _ if !x.is_finite() => Cell::Empty,
        _ if a != 0.0 && !(1e-4..1e15).contains(&a) => Cell::text(format!("{x:e}")),
        _ => Cell::text(x.to_string()),
    }
}

/// Columns of [`tidy_table`], in order.
pub const TIDY_COLUMNS: [&str; 12] =
    ["model", "depvar", "term", "kind", "estimate", "se", "t", "p", "ci_low", "ci_high", "nobs", "vcov"];

/// One row per model × term (coefficients, then linear combinations as
/// `kind = lincom`), numbers at full precision: the tidy form to read into
/// R, Stata or pandas (broom's `tidy()`, pyfixest's `tidy()`).
pub fn tidy_table(models: &[ModelColumn<'_>]) -> Table {
    let mut t = Table::new(TIDY_COLUMNS.into_iter().map(Column::new).collect());
    for m in models {
        let fit = m.fit.core();
        let vcov = m.inference.vcov_type.to_string();
        let rows = m.inference.coefs.iter().map(|c| (c, "coef")).chain(m.lincoms.iter().map(|l| (&l.row, "lincom")));
        for (c, kind) in rows {
            let mut cells = vec![Cell::text(m.title), Cell::text(&fit.depvar), Cell::text(&c.name), Cell::text(kind)];
            cells.extend([c.estimate, c.se, c.t, c.p, c.ci_low, c.ci_high].map(full));
            cells.extend([Cell::count(fit.nobs), Cell::text(&vcov)]);
            t.push(cells);
        }
    }
    t
}

/// Render models side by side in `format`: JSON the full results of each
/// model, CSV the [`tidy_table`], every other format (and `csv-table`) the
/// starred grid.
pub fn render(models: &[ModelColumn<'_>], format: OutputFormat) -> String {
    match format {
        OutputFormat::Json => json(models),
        OutputFormat::Csv => table::to_csv(&tidy_table(models)),
        format => table::render(&regression_table(models), format),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spillnet_estimate::design::{Column, Factor};
    use spillnet_estimate::{Design, FitOptions, OlsFit, Ssc, VcovSpec, fit_ols, vcov};

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
    fn json_has_one_object_per_model() {
        let m = hand_set();
        let j: serde_json::Value = serde_json::from_str(&render(&hand_set_columns(&m), OutputFormat::Json)).unwrap();
        assert_eq!(j["models"].as_array().unwrap().len(), 2);
        assert_eq!(j["models"][1]["fixed_effects"][0]["levels"], 4);
        assert_eq!(j["models"][1]["n_missing"], 2);
        assert_eq!(j["models"][0]["coefficients"][1]["name"], "x1");
        assert_eq!(j["models"][0]["coefficients"][1]["se"], 0.9);
    }

    /// Two models with hand-set estimates, SEs, p-values, N and R², so the
    /// expected tables are written out in full.
    fn hand_set() -> [(OlsFit, Inference); 2] {
        let coef = |name: &str, estimate: f64, se: f64, p: f64| CoefRow {
            name: name.into(),
            estimate,
            se,
            t: estimate / se,
            p,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
        };
        let mut f1 = fit_ols(&design(false, false), &FitOptions::default()).unwrap();
        let mut f2 = fit_ols(&design(true, true), &FitOptions::default()).unwrap();
        let mut i1 = vcov(&f1, &VcovSpec::Iid, &Ssc::default()).unwrap();
        let mut i2 = vcov(&f2, &VcovSpec::Hetero, &Ssc::default()).unwrap();
        i1.coefs = vec![coef("Intercept", 1.5, 0.25, 0.001), coef("x1", 2.0, 0.9, 0.03)];
        i2.coefs = vec![coef("x1", 1.95, 0.00005, 0.2), coef("x2", -1.0, 0.55, 0.08)];
        (f1.core.r2, f2.core.r2, f2.core.r2_within, f2.core.nobs) = (0.5, 0.6, Some(0.25), 38);
        [(f1, i1), (f2, i2)]
    }

    fn hand_set_columns(m: &[(OlsFit, Inference); 2]) -> [ModelColumn<'_>; 2] {
        let [(f1, i1), (f2, i2)] = m;
        [
            ModelColumn { title: "(1)", fit: f1, inference: i1, lincoms: &[], boots: &[], n_missing: 0 },
            ModelColumn { title: "(2)", fit: f2, inference: i2, lincoms: &[], boots: &[], n_missing: 2 },
        ]
    }

    #[test]
    fn hand_set_models_as_text() {
        let m = hand_set();
        let expected = "                      (1)         (2)
Dependent var.          y           y
-------------------------------------
Intercept       1.5000***
                 (0.2500)
x1               2.0000**      1.9500
                 (0.9000)  (5.000e-5)
x2                           -1.0000*
                             (0.5500)
-------------------------------------
FE: g                             Yes
Observations           40          38
S.E. type             iid      hetero
R2                0.50000     0.60000
Within R2                     0.25000
-------------------------------------
Standard errors in parentheses; *** p<0.01, ** p<0.05, * p<0.1.
All columns: ssc: K.adj=true,K.fixef=nonnested,G.adj=true,G.df=min.
(2): 2 row(s) dropped for missing values.
";
        assert_eq!(render(&hand_set_columns(&m), OutputFormat::Text), expected);
    }

    #[test]
    fn hand_set_models_as_markdown_latex_and_csv() {
        let m = hand_set();
        let cols = hand_set_columns(&m);
        let md = render(&cols, OutputFormat::Markdown);
        let md_expected = "\
|  | (1) | (2) |
|:---|---:|---:|
| Dependent var. | y | y |
| Intercept | 1.5000\\*\\*\\* |  |
|  | (0.2500) |  |
| x1 | 2.0000\\*\\* | 1.9500 |
|  | (0.9000) | (5.000e-5) |
| x2 |  | -1.0000\\* |
|  |  | (0.5500) |
| FE: g |  | Yes |
| Observations | 40 | 38 |
| S.E. type | iid | hetero |
| R2 | 0.50000 | 0.60000 |
| Within R2 |  | 0.25000 |

Standard errors in parentheses; \\*\\*\\* p<0.01, \\*\\* p<0.05, \\* p<0.1.

";
        assert!(md.starts_with(md_expected), "{md}");
        let tex_expected = "\
\\begin{tabular}{lcc}
\\hline
 & (1) & (2) \\\\
Dependent var. & y & y \\\\
\\hline
Intercept & 1.5000$^{***}$ &  \\\\
 & (0.2500) &  \\\\
x1 & 2.0000$^{**}$ & 1.9500 \\\\
 & (0.9000) & (5.000e-5) \\\\
x2 &  & -1.0000$^{*}$ \\\\
 &  & (0.5500) \\\\
\\hline
FE: g &  & Yes \\\\
Observations & 40 & 38 \\\\
S.E. type & iid & hetero \\\\
R2 & 0.50000 & 0.60000 \\\\
Within R2 &  & 0.25000 \\\\
\\hline
\\end{tabular}
% Standard errors in parentheses; *** p<0.01, ** p<0.05, * p<0.1.
% All columns: ssc: K.adj=true,K.fixef=nonnested,G.adj=true,G.df=min.
% (2): 2 row(s) dropped for missing values.
";
        assert_eq!(render(&cols, OutputFormat::Latex), tex_expected);
        let csv_expected = "\
,(1),(2)
Dependent var.,y,y
Intercept,1.5000***,
,(0.2500),
x1,2.0000**,1.9500
,(0.9000),(5.000e-5)
x2,,-1.0000*
,,(0.5500)
FE: g,,Yes
Observations,40,38
S.E. type,iid,hetero
R2,0.50000,0.60000
Within R2,,0.25000
";
        assert_eq!(render(&cols, OutputFormat::CsvTable), csv_expected);
    }

    #[test]
    fn tidy_csv_has_one_row_per_model_and_term_at_full_precision() {
        let m = hand_set();
        let cols = hand_set_columns(&m);
        // t = estimate / se as set by hand; the CIs are NaN (missing); p as set.
        let expected = "\
model,depvar,term,kind,estimate,se,t,p,ci_low,ci_high,nobs,vcov
(1),y,Intercept,coef,1.5,0.25,6,0.001,,,40,iid
(1),y,x1,coef,2,0.9,2.2222222222222223,0.03,,,40,iid
(2),y,x1,coef,1.95,5e-5,39000,0.2,,,38,hetero
(2),y,x2,coef,-1,0.55,-1.8181818181818181,0.08,,,38,hetero
";
        assert_eq!(render(&cols, OutputFormat::Csv), expected);
        let shown = |x: f64| full(x).shown();
        assert_eq!(shown(6.743210868549818e-73), "6.743210868549818e-73");
        assert_eq!(shown(-2.5e15), "-2.5e15");
        assert_eq!(shown(0.0001), "0.0001");
        assert_eq!(shown(0.0), "0");
        assert_eq!(shown(f64::NAN), "");
        assert_eq!("6.743210868549818e-73".parse::<f64>().unwrap(), 6.743210868549818e-73);
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
        // Same table, except that a non-OLS column is labelled with its model type.
        let (a, b) = (table(&ols), table(&other));
        assert!(!a.contains("Model") && !a.contains("\"model\""), "{a}");
        let mut unlabelled: Vec<&str> = b.lines().filter(|l| !l.starts_with("Model ")).collect();
        unlabelled.retain(|l| l.trim() != "\"model\": \"Other\",");
        assert_eq!(a.lines().collect::<Vec<_>>(), unlabelled);
        assert!(b.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["Model", "Other"]), "{b}");
    }

    #[test]
    fn iv_columns_show_the_model_type_and_first_stage_f() {
        use spillnet_estimate::{IvDesign, fit_iv};
        let mut d = design(true, true);
        let endog = d.x.pop().unwrap();
        let z = Column {
            name: "z".into(),
            values: endog.values.iter().enumerate().map(|(i, v)| v + (i % 3) as f64).collect(),
        };
        let iv =
            fit_iv(&IvDesign { base: d, endog: vec![endog], instruments: vec![z] }, &FitOptions::default()).unwrap();
        let ols = fit_ols(&design(true, true), &FitOptions::default()).unwrap();
        let i1 = vcov(&ols, &VcovSpec::Iid, &Ssc::default()).unwrap();
        let i2 = vcov(&iv, &VcovSpec::Iid, &Ssc::default()).unwrap();
        let cols = [
            ModelColumn { title: "(1)", fit: &ols, inference: &i1, lincoms: &[], boots: &[], n_missing: 0 },
            ModelColumn { title: "(2)", fit: &iv, inference: &i2, lincoms: &[], boots: &[], n_missing: 0 },
        ];
        let t = render(&cols, OutputFormat::Text);
        let row = |name: &str| {
            t.lines().find(|l| l.starts_with(name)).unwrap_or_default().split_whitespace().collect::<Vec<_>>()
        };
        assert_eq!(row("Model"), ["Model", "OLS", "IV"], "{t}");
        let f = format!("{:.3}", iv.ivf[0].f);
        assert_eq!(row("F-test (1st stage), x2"), ["F-test", "(1st", "stage),", "x2", f.as_str()], "{t}");
        let j: serde_json::Value = serde_json::from_str(&render(&cols, OutputFormat::Json)).unwrap();
        assert!(j["models"][0].get("model").is_none() && j["models"][0].get("fit_stats").is_none());
        assert_eq!(j["models"][1]["model"], "IV");
        assert_eq!(j["models"][1]["fit_stats"][0]["key"], "ivf1::x2");
    }

    /// Noise-sized estimates show as 0.0000 (never -0.0000 or 2.4e-20), a
    /// genuinely small one keeps its scientific form, a one-term linear
    /// combination is not repeated, and a single column keeps its own note line.
    #[test]
    fn zero_intercepts_single_term_lincoms_and_single_column_notes() {
        let fit = fit_ols(&design(false, true), &FitOptions::default()).unwrap();
        let mut inf = vcov(&fit, &VcovSpec::Iid, &Ssc::default()).unwrap();
        let coef = |name: &str, estimate: f64, se: f64| CoefRow {
            name: name.into(),
            estimate,
            se,
            t: estimate / se,
            p: 0.5,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
        };
        // 2.4e-20 and -3e-19 are < 1e-10 × 0.0085; 5e-5 is 50 SEs of 1e-6.
        inf.coefs = vec![coef("Intercept", -3e-19, 0.0085), coef("x1", 5e-5, 1e-6), coef("x2", 2.4e-20, 0.0085)];
        let one = |name: &str, null: f64, estimate: f64| LincomResult {
            lincom: spillnet_estimate::Lincom { label: name.into(), terms: vec![(1.0, name.into())], null },
            row: coef(name, estimate, 0.25),
        };
        let repeated = [one("x1", 0.0, 5e-5)];
        let col =
            ModelColumn { title: "(1)", fit: &fit, inference: &inf, lincoms: &repeated, boots: &[], n_missing: 0 };
        let text = render(&[col], OutputFormat::Text);
        let row = |name: &str| {
            text.lines()
                .filter(|l| l.starts_with(&format!("{name} ")))
                .map(|l| l.split_whitespace().collect::<Vec<_>>())
                .collect::<Vec<_>>()
        };
        assert_eq!(row("Intercept"), [["Intercept", "0.0000"]], "{text}");
        assert_eq!(row("x2"), [["x2", "0.0000"]], "{text}");
        assert_eq!(row("x1"), [["x1", "5.000e-5"]], "{text}: x1 once, as a coefficient only");
        assert!(!text.contains("-0.0000") && !text.contains("All columns"), "{text}");
        assert!(text.contains("\n(1): ssc: "), "{text}");
        // A one-term combination with another null is a different test: it stays.
        let shifted = [one("x1", 1.0, 5e-5)];
        let col = ModelColumn { lincoms: &shifted, ..col };
        assert_eq!(render(&[col], OutputFormat::Text).lines().filter(|l| l.starts_with("x1 ")).count(), 2);
    }

    #[test]
    fn bootstrap_p_values_are_never_shown_as_zero() {
        // No extreme draw among B: p < 1/B at B's precision (1/999 = 0.001001…, 1/99 = 0.0101…).
        assert_eq!(boot_p(0.0, 999), "< 0.001");
        assert_eq!(boot_p(0.0, 99), "< 0.01");
        assert_eq!(boot_p(0.0, 9999), "< 0.0001");
        // Full enumeration of 2^8 = 256 sign vectors: 1/256 = 0.0039…
        assert_eq!(boot_p(0.0, 256), "< 0.004");
        // One extreme draw of 999: 1/999 = 0.0010 at four decimals.
        assert_eq!(boot_p(1.0 / 999.0, 999), "= 0.0010");
        assert_eq!(boot_p(0.5, 999), "= 0.5000");
    }

    #[test]
    fn stars_thresholds() {
        assert_eq!(stars(0.009), 3);
        assert_eq!(stars(0.01), 2);
        assert_eq!(stars(0.049), 2);
        assert_eq!(stars(0.05), 1);
        assert_eq!(stars(0.1), 0);
    }
}
