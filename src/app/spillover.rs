//! Runs `spillnet spillover` (the study of SPEC §3–4) and `spillnet
//! montecarlo`: loads the data folder, builds the long panel, estimates the
//! requested specifications, the headline bootstrap, mediation,
//! quantification and placebo ([`crate::study`]), and writes the report
//! ([`crate::report::spillover`]) to stdout or atomically to files.
//! `spillnet run` uses [`study_with_progress`] and [`write_study`]. Imports `io`, `study`,
//! `report`, `atomic`, `error`.

use std::path::{Path, PathBuf};

use super::Ctx;
use super::progress::Progress;
use crate::atomic::write_atomic;
use crate::error::Result;
use crate::io::Indexed;
use crate::io::write::{ColumnData, TableData, TableFormat, write_table};
use crate::montecarlo::alternatives::{AltMcOptions, AltMcSummary, run_alternatives_mc};
use crate::montecarlo::{McOptions, McSummary, McTarget, run_montecarlo};
use crate::report::evidence::{case_plot_svg, plots};
use crate::report::regression_table::few_clusters_warning;
use crate::report::spillover::{placebo_csv, placebo_svg, render_study};
use crate::report::table::{Cell, Column, OutputFormat, Table, TextLayout, Width, render};
use crate::study::panel::{Attr, StudyPanel};
use crate::study::specs::{SpecGroup, build_design, specs_for};
use crate::study::{StudyOptions, StudyResult, build_panel, run_study};

/// Validated configuration of `spillnet spillover`.
#[derive(Debug, Clone, PartialEq)]
pub struct SpilloverConfig {
    /// Data folder.
    pub data: PathBuf,
    /// What to estimate.
    pub study: StudyOptions,
    /// Report format.
    pub format: OutputFormat,
    /// Report file (atomic); stdout when `None`.
    pub out: Option<PathBuf>,
    /// Placebo draws CSV (an SVG histogram is written beside it).
    pub placebo_out: Option<PathBuf>,
    /// Export of the long panel (CSV or Parquet).
    pub panel_out: Option<(PathBuf, TableFormat)>,
}

/// Validated configuration of `spillnet montecarlo`.
#[derive(Debug, Clone)]
pub struct MonteCarloConfig {
    /// The Monte Carlo request.
    pub options: McOptions,
    /// With `--target demand|brand`: the alternatives Monte Carlo run instead.
    pub alternatives: Option<AltMcOptions>,
    /// Per-seed results CSV, if requested.
    pub out: Option<PathBuf>,
    /// Summary format: JSON is every field of the summary; the others render
    /// [`montecarlo_table`].
    pub format: OutputFormat,
}

/// Build the panel and run the study with progress bars.
pub fn study_with_progress(
    ds: &Indexed,
    opts: &StudyOptions,
    progress: &Progress,
) -> Result<(StudyPanel, StudyResult)> {
    let spinner = progress.spinner("building the pair panel and relative strengths");
    let panel = build_panel(ds, &opts.pairs)?;
    spinner.finish();
    let n_models = crate::study::specs::count_specs(&opts.groups);
    let models_bar = progress.bar(n_models as u64, "estimating specifications");
    let placebo_bar = progress.bar(opts.placebo.map_or(0, |p| p.draws as u64), "placebo draws");
    let n_evidence = opts.groups.iter().filter(|g| g.is_evidence()).count();
    let evidence_bar = progress.bar(n_evidence as u64, "further evidence (benchmark, alternatives, …)");
    let result = run_study(ds, &panel, opts, &|step, n| match step {
        "models" => models_bar.inc(n),
        "evidence" => evidence_bar.inc(n),
        _ => placebo_bar.inc(n),
    })?;
    models_bar.finish();
    placebo_bar.finish();
    evidence_bar.finish();
    Ok((panel, result))
}

/// The long panel as a table: identifiers, strengths, pair attributes, the
/// baseline (2) regressors (built by the study's own design builder) and the
/// two cluster variables, so that `spillnet estimate` on it reproduces the
/// baseline columns.
pub fn panel_table(panel: &StudyPanel) -> TableData {
    let p = &panel.pairs;
    let n = panel.len();
    let row = |i: usize| panel.pair_row[i] as usize;
    let text = |f: &dyn Fn(usize) -> String| ColumnData::Text((0..n).map(|i| Some(f(i))).collect());
    let float = |v: &[f64]| ColumnData::Float(v.iter().map(|&x| Some(x)).collect());
    let attr = |a: Attr| ColumnData::Float((0..n).map(|i| a.value(p, row(i))).collect());
    let cat = |i: usize| panel.strengths.categories[panel.category(i) as usize].as_str();
    let model = |m: &[u32], i: usize| p.model_names[m[row(i)] as usize].to_string();
    let firm = |f: &[u32], i: usize| p.firm_names[f[row(i)] as usize].to_string();
    let mut t = TableData::default()
        .with("year", ColumnData::Int((0..n).map(|i| Some(i64::from(p.year[row(i)]))).collect()))
        .with("model_D", text(&|i| model(&p.domestic_model, i)))
        .with("model_JV", text(&|i| model(&p.jv_model, i)))
        .with("firm_D", text(&|i| firm(&p.domestic_firm, i)))
        .with("firm_JV", text(&|i| firm(&p.jv_firm, i)))
        .with("dimension", text(&|i| panel.strengths.dimensions[usize::from(panel.dim[i])].clone()))
        .with("survey", text(&|i| cat(i).to_owned()))
        .with("e_D", float(&panel.e_d))
        .with("e_JV", float(&panel.e_jv))
        .with("score_D", float(&panel.score_d))
        .with("score_JV", float(&panel.score_jv));
    for a in [
        Attr::SameGroup,
        Attr::SameSeg,
        Attr::SameProv,
        Attr::WorkerFlow,
        Attr::SupplierOverlap,
        Attr::JvAge,
        Attr::FormedBefore2000,
    ] {
        t = t.with(&a.name(), attr(a));
    }
    // The interactions of baseline (2): every row is in its sample, in panel order.
    let spec = specs_for(SpecGroup::Baseline).into_iter().find(|s| s.id == "baseline.2").expect("defined");
    let (design, _) = build_design(panel, &spec);
    for c in design.x.iter().skip(1) {
        t = t.with(&c.name, float(&c.values));
    }
    t.with("cluster_D", text(&|i| format!("{}|{}", firm(&p.domestic_firm, i), cat(i))))
        .with("cluster_JV", text(&|i| format!("{}|{}", firm(&p.jv_firm, i), cat(i))))
}

/// Write the placebo draws CSV at `path` and the histogram SVG beside it.
fn write_placebo(result: &StudyResult, path: &Path, ctx: &mut Ctx<'_>) -> Result<Vec<PathBuf>> {
    let Some(pl) = &result.placebo else { return Ok(Vec::new()) };
    write_atomic(path, placebo_csv(pl).as_bytes())?;
    let svg = path.with_extension("svg");
    write_atomic(&svg, placebo_svg(pl).as_bytes())?;
    ctx.info(format_args!("wrote {} and {}", path.display(), svg.display()))?;
    Ok(vec![path.to_path_buf(), svg])
}

/// Write the study's outputs into `dir`: `spillover.<ext>` per format,
/// `placebo.csv` + `placebo.svg` when a placebo ran. Returns the files written.
pub fn write_study(
    result: &StudyResult,
    dir: &Path,
    formats: &[OutputFormat],
    ctx: &mut Ctx<'_>,
) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for &f in formats {
        let ext = match f {
            OutputFormat::Text => "txt",
            OutputFormat::Markdown => "md",
            OutputFormat::Latex => "tex",
            OutputFormat::Csv => "csv",
            OutputFormat::CsvTable => "table.csv",
            OutputFormat::Json => "json",
        };
        let path = dir.join(format!("spillover.{ext}"));
        write_atomic(&path, render_study(result, f).as_bytes())?;
        files.push(path);
    }
    files.extend(write_placebo(result, &dir.join("placebo.csv"), ctx)?);
    for p in plots(result) {
        let path = dir.join(format!("{}.svg", p.name));
        write_atomic(&path, case_plot_svg(p).as_bytes())?;
        files.push(path);
    }
    Ok(files)
}

/// Run `spillnet spillover`.
pub fn run(cfg: &SpilloverConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let (ds, _) = super::load_data(&cfg.data, ctx)?;
    let (panel, result) = study_with_progress(&ds, &cfg.study, &Progress::new(ctx.quiet))?;
    if let Some((path, format)) = &cfg.panel_out {
        write_table(path, &panel_table(&panel), *format)?;
        ctx.info(format_args!("wrote {} ({} rows)", path.display(), panel.len()))?;
    }
    drop(panel);
    let text = render_study(&result, cfg.format);
    match &cfg.out {
        Some(path) => {
            write_atomic(path, text.as_bytes())?;
            ctx.info(format_args!("wrote {}", path.display()))?;
        }
        None => std::io::Write::write_all(ctx.out, text.as_bytes()).map_err(super::stdout_err)?,
    }
    let placebo_path = cfg.placebo_out.clone().or_else(|| cfg.out.as_ref().map(|o| sibling(o, "_placebo.csv")));
    match (&result.placebo, placebo_path) {
        (Some(_), Some(path)) => {
            write_placebo(&result, &path, ctx)?;
        }
        (Some(_), None) => ctx.info("placebo draws not saved: pass --placebo-out FILE.csv (or --out) to keep them")?,
        _ => {}
    }
    for p in plots(&result) {
        match &cfg.out {
            Some(out) => {
                let path = sibling(out, &format!("_{}.svg", p.name));
                write_atomic(&path, case_plot_svg(p).as_bytes())?;
                ctx.info(format_args!("wrote {}", path.display()))?;
            }
            None => {
                ctx.info(format_args!("figure {} not saved: pass --out FILE to keep it beside the report", p.name))?
            }
        }
    }
    warn_study(&result, ctx)
}

/// Warnings on stderr about the study: every skipped part with its reason,
/// too few clusters (once per distinct caveat, naming the specifications),
/// mediation shares of an insignificant headline,
/// demeaning that did not converge, collinear regressors dropped.
pub fn warn_study(result: &StudyResult, ctx: &mut Ctx<'_>) -> Result<()> {
    for s in &result.skipped {
        let what = match s.group {
            Some(g) if g.is_evidence() && s.id == g.as_str() => format!("{} ({g})", s.label),
            Some(g) if g.is_evidence() => format!("{} ({})", s.label, s.id),
            Some(_) => format!("specification {} ({})", s.id, s.label),
            None => s.label.clone(),
        };
        ctx.warn(format_args!("{what} skipped: {}", s.reason))?;
    }
    let mut few: Vec<(String, Vec<&str>)> = Vec::new();
    for m in &result.models {
        let Some(w) = few_clusters_warning(&m.inference) else { continue };
        match few.iter_mut().find(|(x, _)| *x == w) {
            Some((_, ids)) => ids.push(&m.spec.id),
            None => few.push((w, vec![&m.spec.id])),
        }
    }
    for (w, ids) in few {
        ctx.warn(format_args!("{}: {w}", ids.join(", ")))?;
    }
    if let Some(c) = result.mediation.iter().find_map(|m| m.caveat.as_ref()) {
        ctx.warn(format_args!("mediation shares: {c}"))?;
    }
    for m in &result.models {
        if !m.fit.core.diagnostics.demean.converged {
            ctx.warn(format_args!("{}: fixed-effect demeaning did not converge; results are approximate", m.spec.id))?;
        }
        if !m.fit.core.diagnostics.collinear.is_empty() {
            ctx.warn(format_args!(
                "{}: dropped collinear regressor(s): {}",
                m.spec.id,
                m.fit.core.diagnostics.collinear.join(", ")
            ))?;
        }
    }
    Ok(())
}

/// `dir/stem<suffix>` for a file `dir/stem.ext`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "spillover".into());
    path.with_file_name(format!("{stem}{suffix}"))
}

/// The Monte Carlo summary as a [`Table`]: the planted design in the title,
/// one row per statistic (estimate, bias with its share of ρ, spread, mean
/// SE, CI coverage), the placebo p-value check as a note.
pub fn montecarlo_table(s: &McSummary) -> Table {
    let o = &s.options;
    let mut t = Table::new(vec![
        Column::new("statistic"),
        Column::new("value").width(Width::Min(0)),
        Column::new("pct_of_rho").width(Width::Min(0)).decorated("(", "% of ρ)"),
    ])
    .titled(match o.target {
        McTarget::Headline => format!(
            "Monte Carlo: {} synthetic datasets (seeds {}–{}, scale {}), planted headline ρ = {}",
            s.draws,
            o.first_seed,
            o.first_seed + s.draws as u64 - 1,
            o.scale.as_str(),
            o.rho
        ),
        McTarget::MeasurementIv => format!(
            "Monte Carlo of the split-sample IV (e_JV:SameGroup, stacked): {} synthetic datasets with evidence \
             (seeds {}–{}, scale {}, ρ = {}), planted IV estimand per dataset, mean {:.5}",
            s.draws,
            o.first_seed,
            o.first_seed + s.draws as u64 - 1,
            o.scale.as_str(),
            o.rho,
            s.mean_planted
        ),
    })
    .with_layout(TextLayout { title_indent: 0, indent: 0, gap: 1, header: false, rules: false });
    let relative = s.relative_bias.map_or(Cell::Empty, |r| Cell::float(100.0 * r, 1));
    if o.target != McTarget::Headline {
        t.push(vec![Cell::text("mean planted value"), Cell::float(s.mean_planted, 5)]);
    }
    t.push(vec![Cell::text("mean estimate"), Cell::float(s.mean_estimate, 5)]);
    t.push(vec![Cell::text("bias"), Cell::float(s.bias, 5), relative]);
    t.push(vec![Cell::text("sd of estimates"), Cell::float(s.sd_estimate, 5)]);
    t.push(vec![Cell::text("mean SE"), Cell::float(s.mean_se, 5)]);
    t.push(vec![Cell::text("95% CI coverage"), Cell::float(s.coverage, 3)]);
    if let (Some(m), Some(p10), Some(ks)) = (s.placebo_mean_p, s.placebo_share_p_le_10, s.placebo_ks) {
        t.notes.push(format!("placebo p-values: mean {m:.3}, share ≤ 0.10 {p10:.3}, KS distance from U(0,1) {ks:.3}"));
    }
    t
}

/// The alternatives Monte Carlo summary as a [`Table`]: one row per
/// coefficient (planted, mean target, mean estimate, bias and its share of the
/// planted value, sd, mean SE, 95 % CI coverage).
pub fn alternatives_mc_table(s: &AltMcSummary) -> Table {
    let o = &s.options;
    let mut t = Table::new(
        ["coefficient", "planted", "target", "mean", "bias", "bias_pct", "sd", "mean_se", "coverage", "draws"]
            .iter()
            .map(|c| Column::new(*c))
            .collect(),
    )
    .titled(format!(
        "Monte Carlo ({}): {} synthetic datasets with evidence (seeds {}–{}, scale {})",
        o.target.as_str(),
        o.seeds,
        o.first_seed,
        o.first_seed + o.seeds as u64 - 1,
        o.scale.as_str()
    ));
    for c in &s.coefficients {
        t.push(vec![
            Cell::text(&c.name),
            Cell::float(c.planted, 4),
            Cell::float(c.mean_target, 4),
            Cell::float(c.mean_estimate, 5),
            Cell::float(c.bias, 5),
            c.relative_bias.map_or(Cell::Empty, |r| Cell::float(100.0 * r, 1)),
            Cell::float(c.sd_estimate, 5),
            Cell::float(c.mean_se, 5),
            Cell::float(c.coverage, 3),
            Cell::count(c.draws),
        ]);
    }
    t.notes.push(
        "target: the value the estimator converges to (demand: the planted Poisson coefficient; brand: the planted \
         slope's estimand on each design, truth.json); bias = mean(estimate − target); bias_pct = |bias| / |planted|."
            .into(),
    );
    t
}

fn run_alternatives(o: &AltMcOptions, cfg: &MonteCarloConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let progress = Progress::new(ctx.quiet);
    let bar = progress.bar(o.seeds as u64, "Monte Carlo datasets");
    let summary = run_alternatives_mc(o, &|n| bar.inc(n))?;
    bar.finish();
    if let Some(path) = &cfg.out {
        let r = &summary.results;
        let t = TableData::default()
            .with("seed", ColumnData::Int(r.iter().map(|d| Some(d.seed as i64)).collect()))
            .with("coefficient", ColumnData::Text(r.iter().map(|d| Some(d.name.clone())).collect()))
            .with("target", ColumnData::Float(r.iter().map(|d| Some(d.target)).collect()))
            .with("estimate", ColumnData::Float(r.iter().map(|d| Some(d.estimate)).collect()))
            .with("se", ColumnData::Float(r.iter().map(|d| Some(d.se)).collect()))
            .with("ci_low", ColumnData::Float(r.iter().map(|d| Some(d.ci_low)).collect()))
            .with("ci_high", ColumnData::Float(r.iter().map(|d| Some(d.ci_high)).collect()))
            .with("covered", ColumnData::Int(r.iter().map(|d| Some(i64::from(d.covered))).collect()))
            .with("nobs", ColumnData::Int(r.iter().map(|d| Some(d.nobs as i64)).collect()));
        write_table(path, &t, TableFormat::Csv)?;
        ctx.info(format_args!("wrote {}", path.display()))?;
    }
    print_mc_summary(&summary, || alternatives_mc_table(&summary), cfg.format, ctx)
}

/// Run `spillnet montecarlo`.
pub fn run_mc(cfg: &MonteCarloConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    if let Some(o) = &cfg.alternatives {
        return run_alternatives(o, cfg, ctx);
    }
    let progress = Progress::new(ctx.quiet);
    let bar = progress.bar(cfg.options.seeds as u64, "Monte Carlo datasets");
    let summary = run_montecarlo(&cfg.options, &|n| bar.inc(n))?;
    bar.finish();
    if let Some(path) = &cfg.out {
        let r = &summary.results;
        let t = TableData::default()
            .with("seed", ColumnData::Int(r.iter().map(|d| Some(d.seed as i64)).collect()))
            .with("rho", ColumnData::Float(r.iter().map(|d| Some(d.rho)).collect()))
            .with("estimate", ColumnData::Float(r.iter().map(|d| Some(d.estimate)).collect()))
            .with("se", ColumnData::Float(r.iter().map(|d| Some(d.se)).collect()))
            .with("ci_low", ColumnData::Float(r.iter().map(|d| Some(d.ci_low)).collect()))
            .with("ci_high", ColumnData::Float(r.iter().map(|d| Some(d.ci_high)).collect()))
            .with("covered", ColumnData::Int(r.iter().map(|d| Some(i64::from(d.covered))).collect()))
            .with("nobs", ColumnData::Int(r.iter().map(|d| Some(d.nobs as i64)).collect()))
            .with("p_placebo", ColumnData::Float(r.iter().map(|d| d.p_placebo).collect()));
        write_table(path, &t, TableFormat::Csv)?;
        ctx.info(format_args!("wrote {}", path.display()))?;
    }
    print_mc_summary(&summary, || montecarlo_table(&summary), cfg.format, ctx)
}

/// Print a Monte Carlo summary on stdout: every field as JSON, or its table
/// in the other formats.
fn print_mc_summary(
    summary: &impl serde::Serialize,
    table: impl FnOnce() -> Table,
    format: OutputFormat,
    ctx: &mut Ctx<'_>,
) -> Result<()> {
    let text = match format {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(summary).unwrap_or_default();
            s.push('\n');
            s
        }
        format => render(&table(), format),
    };
    std::io::Write::write_all(ctx.out, text.as_bytes()).map_err(super::stdout_err)
}
