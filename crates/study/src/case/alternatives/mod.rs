//! The `alternatives` group (SPEC §7): could something other than knowledge
//! flows explain the affiliated similarity? Four checks, each skipped with a
//! note when the data lack its input:
//! (a) demand overlap — a Poisson regression of customer-choice counts
//!     ([`demand`], Table E.11; needs `customer_choices`);
//! (b) brand association — the affiliated spillover by the standardised
//!     association and by its terciles ([`brand`], Table E.12; needs
//!     `brand_association`);
//! (c) patents — the descriptive table of patent transfers and licences
//!     (needs `patents`);
//! (d) geography — a pointer to the heterogeneity group's SameProv/DiffProv
//!     columns (no new regression).
//!
//! Owns [`run`] and the group's JSON types. Imports its submodules and the
//! case framework.

pub mod brand;
pub mod demand;

use std::sync::Arc;

use super::{CaseBlock, CaseCell, CaseInput, CaseModel, CaseOutcome, CaseResult, CaseTable};
use crate::pipeline::Skipped;
use crate::specs::SpecGroup;
use spillnet_io::tables::{FirmKind, PatentKind};

/// The demand-overlap part of the JSON section.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DemandSummary {
    /// Covered years.
    pub years: Vec<i32>,
    /// Pair-years of the pair panel in the covered years.
    pub pair_years: usize,
    /// Left out: a model lacks a used attribute.
    pub excluded_missing_attributes: usize,
    /// Left out by the Poisson engine, by reason.
    pub excluded_by_fit: Vec<(String, usize)>,
    /// Rows of `customer_choices`; of which not a pair-year of the panel.
    pub choice_rows: [usize; 2],
    /// Attributes used; attributes absent from `models`.
    pub attributes: [Vec<String>; 2],
    /// Observations of the fit.
    pub nobs: usize,
    /// Clusters (firm pairs).
    pub clusters: usize,
    /// (name, estimate, se, p) of every coefficient.
    pub coefficients: Vec<(String, f64, f64, f64)>,
}

/// The brand-association part of the JSON section.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BrandSummary {
    /// Pair-years in the sample; of which affiliated.
    pub pair_years: [usize; 2],
    /// Same-segment pair-years without an association.
    pub excluded_no_association: usize,
    /// Mean and sd of the association (the standardisation).
    pub mean_sd: [f64; 2],
    /// Tercile cut points.
    pub cuts: Option<[f64; 2]>,
    /// Column (1): (name, estimate, se, p).
    pub slope: Vec<(String, f64, f64, f64)>,
    /// Column (2): (name, estimate, se, p).
    pub terciles: Vec<(String, f64, f64, f64)>,
}

/// One row of the patent table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PatentRow {
    /// `transfer`, `licence` or `all`.
    pub kind: String,
    /// Records.
    pub records: usize,
    /// Patents (sum of counts).
    pub patents: u64,
    /// Records between two firms of the firms table (automakers).
    pub records_auto: usize,
    /// Records originating from a JV.
    pub records_from_jv: usize,
    /// Share of the auto records that originate from a JV.
    pub share_from_jv: f64,
    /// Records from a JV to a firm of one of its domestic parent groups.
    pub records_jv_to_partner: usize,
}

/// The group's JSON section.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AlternativesJson {
    /// Demand overlap, when it ran.
    pub demand_overlap: Option<DemandSummary>,
    /// Brand association, when it ran.
    pub brand_association: Option<BrandSummary>,
    /// Patent table, when the data have patents.
    pub patents: Option<Vec<PatentRow>>,
    /// The geography pointer.
    pub geography: String,
}

fn rows_of(inf: &spillnet_estimate::Inference) -> Vec<(String, f64, f64, f64)> {
    inf.coefs.iter().map(|c| (c.name.clone(), c.estimate, c.se, c.p)).collect()
}

fn skipped(part: &str, label: &str, reason: String) -> Skipped {
    Skipped {
        id: format!("alternatives.{part}"),
        group: Some(SpecGroup::Alternatives),
        title: String::new(),
        label: label.into(),
        reason,
    }
}

/// The patent descriptive table (`None` without patents).
pub fn patent_rows(ds: &spillnet_io::Indexed) -> Option<Vec<PatentRow>> {
    let t = ds.tables();
    if t.patents.is_empty() {
        return None;
    }
    let kind: std::collections::BTreeMap<&str, (FirmKind, &str)> =
        t.firms.iter().map(|f| (f.firm_id.as_str(), (f.kind, f.group_id.0.as_str()))).collect();
    let mut partner_groups: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for l in &t.jv_links {
        if let Some((_, g)) = kind.get(l.domestic_parent.as_str()) {
            partner_groups.entry(l.jv_id.as_str()).or_default().push(g);
        }
    }
    let row = |label: &str, keep: &dyn Fn(PatentKind) -> bool| {
        let recs: Vec<_> = t.patents.iter().filter(|p| keep(p.kind)).collect();
        let auto: Vec<_> = recs
            .iter()
            .filter(|p| kind.contains_key(p.from_firm.as_str()) && kind.contains_key(p.to_firm.as_str()))
            .collect();
        let from_jv: Vec<_> =
            auto.iter().filter(|p| kind.get(p.from_firm.as_str()).is_some_and(|k| k.0 == FirmKind::Jv)).collect();
        let to_partner = from_jv
            .iter()
            .filter(|p| {
                let g = kind.get(p.to_firm.as_str()).map(|k| k.1);
                partner_groups.get(p.from_firm.as_str()).is_some_and(|v| g.is_some_and(|g| v.contains(&g)))
            })
            .count();
        PatentRow {
            kind: label.into(),
            records: recs.len(),
            patents: recs.iter().map(|p| p.count).sum(),
            records_auto: auto.len(),
            records_from_jv: from_jv.len(),
            share_from_jv: if auto.is_empty() { f64::NAN } else { from_jv.len() as f64 / auto.len() as f64 },
            records_jv_to_partner: to_partner,
        }
    };
    Some(vec![
        row("transfer", &|k| k == PatentKind::Transfer),
        row("licence", &|k| k == PatentKind::Licence),
        row("all", &|_| true),
    ])
}

/// Run the alternatives group (see the module docs).
pub fn run(input: &CaseInput<'_>, progress: &(dyn Fn(u64) + Sync)) -> CaseOutcome {
    let _ = progress;
    let (ds, panel, opts) = (input.ds, input.panel, input.opts);
    let mut blocks = Vec::new();
    let mut skips = Vec::new();
    let mut json =
        AlternativesJson { demand_overlap: None, brand_association: None, patents: None, geography: String::new() };

    // (a) Demand overlap.
    let label_a = "demand overlap: Poisson of customer-choice counts (Table E.11)";
    match demand::demand_panel(ds, &panel.pairs).and_then(|dp| demand::fit_demand(&dp, &opts.ssc).map(|f| (dp, f))) {
        Ok((dp, f)) => {
            let mut notes = vec![
                format!(
                    "Same-year domestic–JV model pairs in the customer-choice survey years {}; outcome: times the pair is \
                     listed together (0 without a row). Fixed effects: year, domestic firm, JV firm. SE clustered by firm \
                     pair ({} clusters).",
                    years_text(&dp.years),
                    f.inference.n_clusters.first().map_or(0, |c| c.1)
                ),
                format!(
                    "Pair-years: {} in the survey years; excluded: {} (a model lacks price/size/power){}.",
                    dp.pair_years,
                    dp.excluded_missing_attributes,
                    f.excluded.iter().map(|(w, n)| format!(", {n} ({w})")).collect::<String>()
                ),
                format!(
                    "customer_choices: {} rows, {} not a same-year domestic–JV pair of the panel (left out).",
                    dp.choice_rows, dp.choice_rows_unmatched
                ),
            ];
            if !dp.attributes_absent.is_empty() {
                notes.push(format!(
                    "Run without |Δ ln {}|: no model has that attribute in the models table.",
                    dp.attributes_absent.join("|, |Δ ln ")
                ));
            }
            notes.push(
                "A positive SameGroup or SameGroup×SameSeg would mean that affiliated pairs compete for the same \
                 customers (the study: −0.155 (0.104) and 0.055 (0.136))."
                    .into(),
            );
            json.demand_overlap = Some(DemandSummary {
                years: dp.years.clone(),
                pair_years: dp.pair_years,
                excluded_missing_attributes: dp.excluded_missing_attributes,
                excluded_by_fit: f.excluded.clone(),
                choice_rows: [dp.choice_rows, dp.choice_rows_unmatched],
                attributes: [dp.attributes.clone(), dp.attributes_absent.clone()],
                nobs: f.fit.core.nobs,
                clusters: f.inference.n_clusters.first().map_or(0, |c| c.1),
                coefficients: rows_of(&f.inference),
            });
            blocks.push(CaseBlock::Models {
                title: "Alternatives (a): demand overlap — Poisson of customer-choice counts (Table E.11)".into(),
                models: vec![CaseModel {
                    title: "(1) Poisson".into(),
                    fit: Arc::new(f.fit),
                    inference: f.inference,
                    lincoms: Vec::new(),
                }],
                notes,
            });
        }
        Err(reason) => skips.push(skipped("demand", label_a, reason)),
    }

    // (b) Brand association.
    let label_b = "brand association: e_JV×SameGroup×BrandAssociation and by tercile (Table E.12)";
    match brand::fit_brand(ds, panel, &opts.fit, &opts.ssc) {
        Ok(b) => {
            let mut models = vec![CaseModel {
                title: "(1) standardised".into(),
                fit: Arc::new(b.slope.fit.clone()),
                inference: b.slope.inference.clone(),
                lincoms: Vec::new(),
            }];
            if let Some(t) = &b.terciles {
                models.push(CaseModel {
                    title: "(2) terciles".into(),
                    fit: Arc::new(t.fit.clone()),
                    inference: t.inference.clone(),
                    lincoms: Vec::new(),
                });
            }
            let mut notes = vec![
                format!(
                    "Same-segment pairs with a brand association: {} pair-years ({} affiliated); {} same-segment \
                     pair-years left out (no association for the firm pair).",
                    b.pair_years, b.affiliated_pair_years, b.excluded_no_association
                ),
                format!(
                    "Association of a pair: share of respondents associating the domestic firm (or its group) with the \
                     JV's foreign parent; standardised over the sample's pair-years (mean {:.4}, sd {:.4}).",
                    b.mean_sd.0, b.mean_sd.1
                ),
            ];
            match b.cuts {
                Some((c1, c2)) => notes
                    .push(format!("Terciles over the affiliated pair-years: Low ≤ {c1:.4} < Medium ≤ {c2:.4} < High.")),
                None => notes.push("Column (2) not estimated: fewer than 3 affiliated pair-years.".into()),
            }
            json.brand_association = Some(BrandSummary {
                pair_years: [b.pair_years, b.affiliated_pair_years],
                excluded_no_association: b.excluded_no_association,
                mean_sd: [b.mean_sd.0, b.mean_sd.1],
                cuts: b.cuts.map(|(a, c)| [a, c]),
                slope: rows_of(&b.slope.inference),
                terciles: b.terciles.as_ref().map(|t| rows_of(&t.inference)).unwrap_or_default(),
            });
            blocks.push(CaseBlock::Models {
                title: "Alternatives (b): brand association (same-segment pairs, Table E.12)".into(),
                models,
                notes,
            });
        }
        Err(reason) => skips.push(skipped("brand", label_b, reason)),
    }

    // (c) Patents.
    let label_c = "patent transfers and licences: descriptive table";
    match patent_rows(ds) {
        Some(rows) => {
            let table = CaseTable {
                title: "Alternatives (c): patent transfers and licences".into(),
                header: [
                    "kind",
                    "records",
                    "patents",
                    "between automakers",
                    "from a JV",
                    "share from a JV",
                    "JV → own partner group",
                ]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
                rows: rows
                    .iter()
                    .map(|r| {
                        vec![
                            CaseCell::text(&r.kind),
                            CaseCell::count(r.records),
                            CaseCell::count(usize::try_from(r.patents).unwrap_or(usize::MAX)),
                            CaseCell::count(r.records_auto),
                            CaseCell::count(r.records_from_jv),
                            CaseCell::number(r.share_from_jv),
                            CaseCell::count(r.records_jv_to_partner),
                        ]
                    })
                    .collect(),
                notes: vec![
                    "Records of the patents table (one per from_firm, to_firm, year, kind); the table accepts firms of \
                     the firms table only, so every record is between automakers. Descriptive, as in the study \
                     (1,208,325 records, 10,626 involving auto firms, 27 from a JV)."
                        .into(),
                ],
            };
            json.patents = Some(rows);
            blocks.push(CaseBlock::Table(table));
        }
        None => skips.push(skipped("patents", label_c, "no patents table (or it is empty)".into())),
    }

    // (d) Geography.
    let geography = "Geography: the affiliated spillover by province is the heterogeneity group's columns with \
                     e_JV×SameGroup×SameProv and e_JV×SameGroup×DiffProv (`--spec heterogeneity`); no separate \
                     regression here."
        .to_owned();
    json.geography = geography.clone();
    blocks.push(CaseBlock::Lines(vec![geography]));

    let json = serde_json::to_value(&json).map_err(|e| e.to_string())?;
    Ok(CaseResult { group: SpecGroup::Alternatives, blocks, json, skipped: skips })
}

fn years_text(years: &[i32]) -> String {
    match (years.first(), years.last()) {
        (Some(a), Some(b)) if years.len() as i32 == b - a + 1 => format!("{a}–{b}"),
        _ => years.iter().map(i32::to_string).collect::<Vec<_>>().join(", "),
    }
}
