//! `spillnet estimate --plot`: chooses the terms of a coefficient plot and
//! turns fitted models into the points [`crate::report::coefplot`] draws.
//! Imports `estimate` (formula atoms, fits, inference), `report::coefplot`,
//! `suggest` and `error`.
//!
//! Selection (`--plot-terms`): a name that is an `i()` variable selects the
//! dummies of that `i()` (`t` → `t::-3`, `t::-2`, …; `t:x1` → those of
//! `i(t, x1)`), any other name one coefficient. Without `--plot-terms`: the
//! first `i()` of the formula if there is one, else every coefficient but
//! the intercept. When the selection is exactly one `i()`, the plot is
//! fixest's `iplot`: estimates against the variable's values, the
//! reference levels (and levels dropped as collinear) at zero, hollow, with
//! a dashed line at the first reference.

use crate::error::{Error, Result};
use crate::estimate::formula::{Atom, Model};
use crate::estimate::{Fitted, Inference};
use crate::report::coefplot::{CoefPlot, PlotPoint, PlotSeries};

/// An `i()` group of the formula: its variable, by-variable and reference levels.
#[derive(Debug, Clone, PartialEq)]
struct IGroup {
    var: String,
    by: Option<String>,
    refs: Vec<String>,
}

impl IGroup {
    /// The name `--plot-terms` knows it by: `var`, or `var:by`.
    fn key(&self) -> String {
        match &self.by {
            Some(b) => format!("{}:{b}", self.var),
            None => self.var.clone(),
        }
    }

    /// The level of coefficient `name` if it is one of this group's dummies.
    fn level_of<'a>(&self, name: &'a str) -> Option<&'a str> {
        let rest = name.strip_prefix(&self.var)?.strip_prefix("::")?;
        match &self.by {
            Some(b) => rest.strip_suffix(b.as_str())?.strip_suffix(':'),
            None => (!rest.contains(':')).then_some(rest),
        }
    }
}

fn groups(models: &[Model]) -> Vec<IGroup> {
    let mut out: Vec<IGroup> = Vec::new();
    for t in models.iter().flat_map(|m| &m.terms) {
        if let [Atom::I { var, by, refs }] = t.0.as_slice() {
            let g = IGroup { var: var.clone(), by: by.clone(), refs: refs.clone() };
            if !out.contains(&g) {
                out.push(g);
            }
        }
    }
    out
}

/// What to draw.
enum Selection {
    /// The dummies of one `i()`.
    Group(IGroup),
    /// These coefficients (full names), in order.
    Terms(Vec<String>),
}

fn select(models: &[Model], fits: &[&dyn Fitted], terms: &[String]) -> Result<Selection> {
    let groups = groups(models);
    let mut names: Vec<String> = Vec::new();
    for f in fits {
        for n in &f.core().coef_names {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
    }
    if terms.is_empty() {
        return Ok(match groups.first() {
            Some(g) => Selection::Group(g.clone()),
            None => Selection::Terms(names.into_iter().filter(|n| n != "Intercept").collect()),
        });
    }
    if let [one] = terms
        && let Some(g) = groups.iter().find(|g| &g.key() == one)
    {
        return Ok(Selection::Group(g.clone()));
    }
    let mut out: Vec<String> = Vec::new();
    for t in terms {
        if let Some(g) = groups.iter().find(|g| &g.key() == t) {
            out.extend(names.iter().filter(|n| g.level_of(n).is_some()).cloned());
        } else if names.contains(t) {
            out.push(t.clone());
        } else {
            let known: Vec<String> = names.iter().cloned().chain(groups.iter().map(IGroup::key)).collect();
            let hint =
                super::formula::closest(t, &known).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default();
            return Err(Error::Usage(format!(
                "--plot-terms: no coefficient or i() variable `{t}`{hint}; the models have: {}",
                known.join(", ")
            )));
        }
    }
    Ok(Selection::Terms(out))
}

/// The plot of the selected terms, one series per model.
///
/// # Errors
/// A `--plot-terms` name that is neither a coefficient nor an `i()` variable
/// (usage error, with the closest name), or a selection with nothing to draw.
pub fn coef_plot(
    models: &[Model],
    fits: &[&dyn Fitted],
    inferences: &[Inference],
    titles: &[String],
    terms: &[String],
) -> Result<CoefPlot> {
    let selection = select(models, fits, terms)?;
    let mut series = Vec::new();
    for ((fit, inf), title) in fits.iter().zip(inferences).zip(titles) {
        let mut points = Vec::new();
        match &selection {
            Selection::Group(g) => {
                for r in inf.coefs.iter() {
                    if let Some(level) = g.level_of(&r.name) {
                        points.push(PlotPoint {
                            label: level.to_owned(),
                            position: level.parse().ok(),
                            estimate: r.estimate,
                            low: r.ci_low,
                            high: r.ci_high,
                            reference: false,
                        });
                    }
                }
                if points.is_empty() {
                    continue;
                }
                let dropped = fit.core().diagnostics.collinear.iter().filter_map(|n| g.level_of(n).map(str::to_owned));
                for level in g.refs.iter().cloned().chain(dropped) {
                    let position = level.parse().ok();
                    points.push(PlotPoint {
                        label: level,
                        position,
                        estimate: 0.0,
                        low: 0.0,
                        high: 0.0,
                        reference: true,
                    });
                }
                if points.iter().all(|p| p.position.is_some()) {
                    points.sort_by(|a, b| a.position.unwrap_or(0.0).total_cmp(&b.position.unwrap_or(0.0)));
                } else {
                    // Text levels: alphabetical, as the coefficients are (the reference in its place).
                    points.sort_by(|a, b| a.label.cmp(&b.label));
                }
            }
            Selection::Terms(names) => {
                for n in names {
                    if let Some(r) = inf.coefs.iter().find(|r| &r.name == n) {
                        points.push(PlotPoint {
                            label: n.clone(),
                            position: None,
                            estimate: r.estimate,
                            low: r.ci_low,
                            high: r.ci_high,
                            reference: false,
                        });
                    }
                }
            }
        }
        if !points.is_empty() {
            series.push(PlotSeries { name: title.clone(), points });
        }
    }
    if series.is_empty() {
        return Err(Error::Usage("--plot: none of the models has the selected terms (see --plot-terms)".into()));
    }
    let mut depvars: Vec<&str> = Vec::new();
    let mut kinds: Vec<&str> = Vec::new();
    for f in fits {
        if !depvars.contains(&f.core().depvar.as_str()) {
            depvars.push(&f.core().depvar);
        }
        if !kinds.contains(&f.model_type()) {
            kinds.push(f.model_type());
        }
    }
    let vcov = inferences.first().map(|i| i.vcov_type.to_string()).unwrap_or_default();
    let subtitle = format!("Estimates and 95% confidence intervals; S.E.: {vcov}; {}", kinds.join(", "));
    Ok(match selection {
        Selection::Group(g) => CoefPlot {
            title: match &g.by {
                Some(b) => format!("Effect of {b} on {} by {}", depvars.join(", "), g.var),
                None => format!("Effect on {} by {}", depvars.join(", "), g.var),
            },
            subtitle: format!("{subtitle}; reference at 0 (hollow)"),
            x_label: g.var.clone(),
            y_label: "Estimate and 95% CI".into(),
            ref_line: g.refs.first().and_then(|r| r.parse().ok()),
            categories: Vec::new(),
            series,
        },
        Selection::Terms(names) => CoefPlot {
            title: format!("Estimates: {}", depvars.join(", ")),
            subtitle,
            x_label: "Term".into(),
            y_label: "Estimate and 95% CI".into(),
            ref_line: None,
            categories: names,
            series,
        },
    })
}
