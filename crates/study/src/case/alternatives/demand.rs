//! Demand overlap (SPEC §7, the study's Table E.11): do affiliated
//! domestic–JV model pairs share customers? A Poisson regression with fixed
//! effects of the customer-choice count of each same-year domestic–JV model
//! pair.
//!
//! # The panel ([`demand_panel`])
//! - Pairs: the study's pair panel (same-year domestic–JV model pairs whose
//!   two models have quality scores that year; SameGroup as the study's
//!   affiliation option says), restricted to the **covered years**: the
//!   distinct years that occur in `customer_choices` (a year without any row
//!   is taken as not surveyed, not as a year in which no pair was chosen).
//! - Outcome: the pair's `count` in that year (rows are unordered pairs);
//!   0 when the pair has no row in a covered year. Rows of
//!   `customer_choices` that are not a pair-year of the panel (two models of
//!   the same side, a model without quality in that year) are counted and
//!   left out.
//! - Regressors: SameGroup, SameGroup×SameSeg, SameSeg, SameOwnership (the
//!   domestic firm's ownership type equals that of a domestic parent of the
//!   JV; the JV's own type when it has no `jv_links` row), and
//!   |Δ ln price|, |Δ ln size|, |Δ ln power| of the two models for every
//!   attribute that some model has in `models`; a pair where either model
//!   lacks a used attribute is left out and counted; an attribute no model
//!   has is dropped with a note.
//!
//! # The model ([`fit_demand`])
//! PPML ([`fit_poisson`], pyfixest `fepois`-exact) with year, domestic-firm
//! and JV-firm fixed effects — the synthetic DGP plants no fixed effect, so
//! these are consistent there; on real data they absorb the survey wave and
//! each firm's overall popularity, and SameGroup is identified from the
//! contrast within a domestic firm between its own JVs and other JVs.
//! Standard errors are CRV1 clustered by firm pair (domestic firm × JV
//! firm): SameGroup is constant within a firm pair and the pair's
//! popularity shocks persist over years. Observations separated by a fixed
//! effect (all-zero levels) or by the regressors, and singletons, are
//! removed by the engine and counted.
//!
//! Imports `estimate` (Poisson, vcov), `io` and the pair panel of `network`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use spillnet_estimate::design::{Column, Factor};
use spillnet_estimate::poisson::Excluded;
use spillnet_estimate::{Design, Inference, PoissonFit, PoissonOptions, Ssc, VcovSpec, fit_poisson, vcov};
use spillnet_io::Indexed;
use spillnet_io::ids::{FirmId, ModelId};
use spillnet_io::tables::{FirmKind, Ownership};
use spillnet_network::exposure::pairs::PairPanel;

/// Cluster variable of the demand-overlap Poisson: domestic firm × JV firm.
pub const CLUSTER_FIRM_PAIR: &str = "firm_D^firm_JV";

/// One pair-year of the demand-overlap panel.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DemandRow {
    /// Survey year.
    pub year: i32,
    /// The domestic model.
    pub domestic_model: ModelId,
    /// The JV model.
    pub jv_model: ModelId,
    /// The domestic model's firm.
    pub domestic_firm: FirmId,
    /// The JV model's firm.
    pub jv_firm: FirmId,
    /// Customer-choice count (0 without a row).
    pub count: u64,
    /// SameGroup (0/1).
    pub same_group: bool,
    /// SameSeg (0/1).
    pub same_seg: bool,
    /// SameOwnership (0/1).
    pub same_ownership: bool,
    /// |Δ ln x| for x = price, size, power (those used; see [`DemandPanel::attributes`]).
    pub abs_dlog: Vec<f64>,
}

/// The demand-overlap panel and how it was built.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DemandPanel {
    /// Rows (pair-years of the covered years with every used attribute).
    pub rows: Vec<DemandRow>,
    /// Covered years (the years of `customer_choices`).
    pub years: Vec<i32>,
    /// Attributes used (`price`, `size`, `power`, in that order, those present).
    pub attributes: Vec<String>,
    /// Attributes dropped because no model has them.
    pub attributes_absent: Vec<String>,
    /// Pair-years of the pair panel in the covered years.
    pub pair_years: usize,
    /// Of those, left out because a model lacks a used attribute.
    pub excluded_missing_attributes: usize,
    /// Rows of `customer_choices`.
    pub choice_rows: usize,
    /// Of those, not a pair-year of the panel (left out).
    pub choice_rows_unmatched: usize,
}

/// Names of the regressors, in design order, for `attributes`.
pub fn regressor_names(attributes: &[String]) -> Vec<String> {
    let mut v: Vec<String> =
        ["SameGroup", "SameGroup_x_SameSeg", "SameSeg", "SameOwnership"].iter().map(|s| (*s).to_owned()).collect();
    v.extend(attributes.iter().map(|a| format!("abs_dlog_{a}")));
    v
}

/// Build the demand-overlap panel from the data and the study's pair panel;
/// `Err` when the data have no `customer_choices` rows.
pub fn demand_panel(ds: &Indexed, pairs: &PairPanel) -> Result<DemandPanel, String> {
    let t = ds.tables();
    if t.customer_choices.is_empty() {
        return Err("no customer_choices table (or it is empty): the demand-overlap regression needs it".into());
    }
    let years: BTreeSet<i32> = t.customer_choices.iter().map(|c| c.year).collect();
    let mut counts: BTreeMap<(&str, &str, i32), u64> = BTreeMap::new();
    for c in &t.customer_choices {
        let (a, b) = (c.model_a.as_str(), c.model_b.as_str());
        let key = if a <= b { (a, b, c.year) } else { (b, a, c.year) };
        *counts.entry(key).or_default() += c.count;
    }
    let model: BTreeMap<&str, &spillnet_io::tables::Model> =
        t.models.iter().map(|m| (m.model_id.as_str(), m)).collect();
    let firm: BTreeMap<&str, &spillnet_io::tables::Firm> = t.firms.iter().map(|f| (f.firm_id.as_str(), f)).collect();
    let mut parent_own: BTreeMap<&str, BTreeSet<Ownership>> = BTreeMap::new();
    for l in &t.jv_links {
        if let Some(f) = firm.get(l.domestic_parent.as_str()) {
            parent_own.entry(l.jv_id.as_str()).or_default().insert(f.ownership);
        }
    }
    let all_attr: [(&str, fn(&spillnet_io::tables::Model) -> Option<f64>); 3] =
        [("price", |m| m.price), ("size", |m| m.size), ("power", |m| m.power)];
    let (used, absent): (Vec<_>, Vec<_>) =
        all_attr.iter().partition(|(_, get)| t.models.iter().any(|m| get(m).is_some()));
    let mut out = DemandPanel {
        rows: Vec::new(),
        years: years.iter().copied().collect(),
        attributes: used.iter().map(|(n, _)| (*n).to_owned()).collect(),
        attributes_absent: absent.iter().map(|(n, _)| (*n).to_owned()).collect(),
        pair_years: 0,
        excluded_missing_attributes: 0,
        choice_rows: t.customer_choices.len(),
        choice_rows_unmatched: 0,
    };
    let mut matched = 0usize;
    for r in 0..pairs.len() {
        let year = pairs.year[r];
        if !years.contains(&year) {
            continue;
        }
        out.pair_years += 1;
        let dm = &pairs.model_names[pairs.domestic_model[r] as usize];
        let jm = &pairs.model_names[pairs.jv_model[r] as usize];
        let (a, b) = if dm.as_str() <= jm.as_str() { (dm.as_str(), jm.as_str()) } else { (jm.as_str(), dm.as_str()) };
        let count = counts.get(&(a, b, year)).copied();
        matched += usize::from(count.is_some());
        let (Some(md), Some(mj)) = (model.get(dm.as_str()), model.get(jm.as_str())) else {
            return Err(format!("pair panel model {dm} or {jm} is not in the models table"));
        };
        let mut abs_dlog = Vec::with_capacity(used.len());
        for (_, get) in &used {
            match (get(md), get(mj)) {
                (Some(x), Some(y)) if x > 0.0 && y > 0.0 => abs_dlog.push((x.ln() - y.ln()).abs()),
                _ => break,
            }
        }
        if abs_dlog.len() < used.len() {
            out.excluded_missing_attributes += 1;
            continue;
        }
        let df = &pairs.firm_names[pairs.domestic_firm[r] as usize];
        let jf = &pairs.firm_names[pairs.jv_firm[r] as usize];
        let own_d = firm.get(df.as_str()).map(|f| f.ownership);
        let same_ownership = match (own_d, parent_own.get(jf.as_str())) {
            (Some(o), Some(set)) => set.contains(&o),
            (Some(o), None) => firm.get(jf.as_str()).is_some_and(|f| f.kind == FirmKind::Jv && f.ownership == o),
            _ => false,
        };
        out.rows.push(DemandRow {
            year,
            domestic_model: dm.clone(),
            jv_model: jm.clone(),
            domestic_firm: df.clone(),
            jv_firm: jf.clone(),
            count: count.unwrap_or(0),
            same_group: pairs.same_group[r],
            same_seg: pairs.same_seg[r],
            same_ownership,
            abs_dlog,
        });
    }
    out.choice_rows_unmatched = counts.len() - matched;
    Ok(out)
}

impl DemandPanel {
    /// The Poisson design: outcome `count`, [`regressor_names`], fixed
    /// effects `year`, `firm_D`, `firm_JV`, cluster [`CLUSTER_FIRM_PAIR`].
    pub fn design(&self) -> Design {
        let b = |x: bool| if x { 1.0 } else { 0.0 };
        let names = regressor_names(&self.attributes);
        let mut x: Vec<Column> = names.iter().map(|n| Column { name: n.clone(), values: Vec::new() }).collect();
        for r in &self.rows {
            let sg = b(r.same_group);
            let ss = b(r.same_seg);
            x[0].values.push(sg);
            x[1].values.push(sg * ss);
            x[2].values.push(ss);
            x[3].values.push(b(r.same_ownership));
            for (k, v) in r.abs_dlog.iter().enumerate() {
                x[4 + k].values.push(*v);
            }
        }
        let codes = |key: &dyn Fn(&DemandRow) -> String| {
            let mut map: BTreeMap<String, u32> = BTreeMap::new();
            self.rows
                .iter()
                .map(|r| {
                    let n = map.len() as u32;
                    *map.entry(key(r)).or_insert(n)
                })
                .collect::<Vec<u32>>()
        };
        let y = Column { name: "count".into(), values: self.rows.iter().map(|r| r.count as f64).collect() };
        Design {
            y,
            x,
            weights: None,
            fe: vec![
                Factor { name: "year".into(), codes: codes(&|r| r.year.to_string()) },
                Factor { name: "firm_D".into(), codes: codes(&|r| r.domestic_firm.0.clone()) },
                Factor { name: "firm_JV".into(), codes: codes(&|r| r.jv_firm.0.clone()) },
            ],
            clusters: vec![Factor {
                name: CLUSTER_FIRM_PAIR.into(),
                codes: codes(&|r| format!("{}\u{1f}{}", r.domestic_firm, r.jv_firm)),
            }],
        }
    }

    /// Write the panel as CSV (the table the pyfixest reference reads):
    /// year, domestic_model, jv_model, firm_D, firm_JV, firm_pair, count and
    /// the regressors of [`regressor_names`] (full precision).
    ///
    /// # Errors
    /// Errors of the writer.
    pub fn write_csv(&self, mut w: impl Write) -> std::io::Result<()> {
        let names = regressor_names(&self.attributes);
        writeln!(w, "year,domestic_model,jv_model,firm_D,firm_JV,firm_pair,count,{}", names.join(","))?;
        let b = |x: bool| u8::from(x);
        for r in &self.rows {
            write!(
                w,
                "{},{},{},{},{},{}|{},{},{},{},{},{}",
                r.year,
                r.domestic_model,
                r.jv_model,
                r.domestic_firm,
                r.jv_firm,
                r.domestic_firm,
                r.jv_firm,
                r.count,
                b(r.same_group),
                b(r.same_group && r.same_seg),
                b(r.same_seg),
                b(r.same_ownership)
            )?;
            for v in &r.abs_dlog {
                write!(w, ",{v:?}")?;
            }
            writeln!(w)?;
        }
        Ok(())
    }
}

/// The fitted demand-overlap model.
#[derive(Debug, Clone)]
pub struct DemandFit {
    /// The Poisson fit.
    pub fit: PoissonFit,
    /// Inference clustered by firm pair.
    pub inference: Inference,
    /// Input rows left out by the engine, by reason.
    pub excluded: Vec<(String, usize)>,
}

/// Engine options of the demand-overlap Poisson: IRLS to a relative deviance
/// change of 1e-13 (≤ 100 iterations) with demeaning at 1e-13, both
/// separation checks (fixed effects and the iterative rectifier) — the panel
/// is small, so the fit is converged to machine precision and equals
/// pyfixest's `fepois(..., separation_check=["fe", "ir"])` at tight
/// tolerances (tests/reference, case `alt_demand`).
pub fn demand_poisson_options() -> PoissonOptions {
    let mut o = PoissonOptions { tol: 1e-13, max_iter: 100, ..PoissonOptions::default() };
    o.fit.demean.tol = 1e-13;
    o.fit.demean.max_iter = 1_000_000;
    o
}

/// Fit the demand-overlap Poisson on `panel` (see the module docs) with
/// [`demand_poisson_options`].
///
/// # Errors
/// An empty panel, or an engine error (as text).
pub fn fit_demand(panel: &DemandPanel, ssc: &Ssc) -> Result<DemandFit, String> {
    if panel.rows.is_empty() {
        return Err("the demand-overlap panel has no pair-year".into());
    }
    let design = panel.design();
    let fit = fit_poisson(&design, &demand_poisson_options()).map_err(|e| e.to_string())?;
    let inference = vcov(&fit, &VcovSpec::Cluster(vec![CLUSTER_FIRM_PAIR.into()]), ssc).map_err(|e| e.to_string())?;
    let mut excluded = Vec::new();
    for (why, label) in [
        (Excluded::Singleton, "singleton in a fixed-effect level"),
        (Excluded::Separated, "separated by a fixed effect (a year or firm with no customer choice at all)"),
        (Excluded::SeparatedByRegressors, "separated by the regressors (iterative rectifier)"),
    ] {
        let n = fit.excluded.iter().filter(|e| **e == Some(why)).count();
        if n > 0 {
            excluded.push((label.to_owned(), n));
        }
    }
    Ok(DemandFit { fit, inference, excluded })
}
