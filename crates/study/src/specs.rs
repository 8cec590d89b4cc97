//! The study's specifications (SPEC §4) as data: which rows, which
//! interactions of the JV strength, which fixed effects, and which linear
//! combination is the headline spillover. One [`Spec`] is one column of a
//! regression table; [`SpecGroup`] names the tables the user asks for with
//! `--spec`.
//!
//! Owns [`Spec`], [`SpecGroup`], [`Sample`], [`specs_for`] and
//! [`build_design`] (a spec on a [`StudyPanel`] → an estimation
//! [`Design`] plus the count of excluded rows by reason). Imports
//! `estimate::design` and its sibling `panel`.

use std::fmt;
use std::str::FromStr;

use super::panel::{Attr, CLUSTER_FOLLOWER, CLUSTER_LEADER, FeKind, StudyPanel, compact_keys};
use spillnet_estimate::design::{Column, Design, Factor};

/// A table of specifications (`--spec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpecGroup {
    /// Table-3 style baseline: (1) SameGroup; (2) SameGroup, SameSeg and their product (the headline).
    Baseline,
    /// Column (2) with extra fixed effects, and the one-step version with pair×year fixed effects.
    FeVariants,
    /// Same-segment pairs, Z = SameGroup.
    SameSegment,
    /// Same-segment pairs with supplier data: worker flow and supplier overlap channels.
    Mechanisms,
    /// Same-segment pairs: formation period, JV age bins and slope, cumulative production, province.
    Heterogeneity,
    /// The JV benchmark: similarity among JV models of the same firm, and the headline as a share of it.
    Benchmark,
    /// Alternative explanations: demand overlap (Poisson), brand association, patents, geography.
    Alternatives,
    /// Further evidence: the affiliated spillover by years since the firm pair's first affiliated model pair.
    EventStudy,
    /// Split-sample IV: e_JV from one half of the survey respondents instrumented by the other half.
    MeasurementIv,
    /// Further evidence: by survey, balanced and long-lived samples, alternative clusterings, block bootstrap.
    Robustness,
    /// Foster–Haltiwanger–Syverson decomposition of affiliated domestic quality change.
    Decomposition,
}

impl SpecGroup {
    /// Every group, in table order.
    pub const ALL: [SpecGroup; 11] = [
        SpecGroup::Baseline,
        SpecGroup::FeVariants,
        SpecGroup::SameSegment,
        SpecGroup::Mechanisms,
        SpecGroup::Heterogeneity,
        SpecGroup::Benchmark,
        SpecGroup::Alternatives,
        SpecGroup::EventStudy,
        SpecGroup::MeasurementIv,
        SpecGroup::Robustness,
        SpecGroup::Decomposition,
    ];

    /// Whether the group is one of the further-evidence analyses
    /// ([`crate::case`]) rather than a table of the main specifications.
    pub fn is_evidence(self) -> bool {
        !matches!(
            self,
            SpecGroup::Baseline
                | SpecGroup::FeVariants
                | SpecGroup::SameSegment
                | SpecGroup::Mechanisms
                | SpecGroup::Heterogeneity
        )
    }

    /// Command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            SpecGroup::Baseline => "baseline",
            SpecGroup::FeVariants => "fe-variants",
            SpecGroup::SameSegment => "same-segment",
            SpecGroup::Mechanisms => "mechanisms",
            SpecGroup::Heterogeneity => "heterogeneity",
            SpecGroup::Benchmark => "benchmark",
            SpecGroup::Alternatives => "alternatives",
            SpecGroup::EventStudy => "event-study",
            SpecGroup::MeasurementIv => "measurement-iv",
            SpecGroup::Robustness => "robustness",
            SpecGroup::Decomposition => "decomposition",
        }
    }

    /// Table caption.
    pub fn caption(self) -> &'static str {
        match self {
            SpecGroup::Baseline => "Baseline: relative strengths of domestic models on those of same-year JV models",
            SpecGroup::FeVariants => "Fixed-effect variants of the baseline column (2)",
            SpecGroup::SameSegment => "Same-segment pairs",
            SpecGroup::Mechanisms => {
                "Mechanisms: worker flow and supplier overlap (same-segment pairs with supplier data)"
            }
            SpecGroup::Heterogeneity => "Heterogeneity of the affiliated spillover (same-segment pairs)",
            SpecGroup::Benchmark => "JV benchmark: similarity among JV models of the same JV firm (Table 2)",
            SpecGroup::Alternatives => {
                "Alternative explanations: demand overlap, brand association, patent transfers, geography"
            }
            SpecGroup::EventStudy => "Event study: the affiliated spillover by years since the firm pair's year 0",
            SpecGroup::MeasurementIv => "Measurement-error IV: split-sample scores (Table E.7)",
            SpecGroup::Robustness => {
                "Robustness: by survey, balanced and long-lived samples, alternative clusterings, block bootstrap"
            }
            SpecGroup::Decomposition => {
                "Entry/exit decomposition of affiliated domestic quality change (Foster–Haltiwanger–Syverson)"
            }
        }
    }
}

impl fmt::Display for SpecGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SpecGroup {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SpecGroup::ALL.into_iter().find(|g| g.as_str() == s).ok_or_else(|| {
            format!(
                "unknown spec `{s}` (expected baseline, fe-variants, same-segment, mechanisms, heterogeneity, \
                 benchmark, alternatives, event-study, measurement-iv, robustness, decomposition or all)"
            )
        })
    }
}

/// Which pair-year rows a specification uses (before attribute availability).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sample {
    /// Every same-year domestic–JV pair.
    All,
    /// Same-segment pairs only.
    SameSegment,
}

/// One regression: a column of a table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Spec {
    /// Stable identifier (`baseline.2`).
    pub id: String,
    /// The table it belongs to.
    pub group: SpecGroup,
    /// Column title (`(2)`).
    pub title: String,
    /// What the column does, in words.
    pub label: String,
    /// Row sample.
    pub sample: Sample,
    /// Regressors: the JV strength times the product of these attributes (empty = the strength itself).
    pub terms: Vec<Vec<Attr>>,
    /// Fixed effects (none: an intercept is estimated).
    pub fe: Vec<FeKind>,
    /// Use raw scores instead of step-1 residuals (the one-step variant).
    pub one_step: bool,
    /// Terms whose sum is the spillover to affiliated same-segment pairs, if this spec identifies it.
    pub headline: Option<Vec<usize>>,
}

impl Spec {
    /// Name of the base regressor (`e_JV`, or `score_JV` for the one-step variant).
    pub fn base(&self) -> &'static str {
        if self.one_step { "score_JV" } else { "e_JV" }
    }

    /// Dependent variable name.
    pub fn depvar(&self) -> &'static str {
        if self.one_step { "score_D" } else { "e_D" }
    }

    /// Coefficient name of term `t` (`e_JV:SameGroup:SameSeg`).
    pub fn term_name(&self, t: usize) -> String {
        let mut s = self.base().to_owned();
        for a in &self.terms[t] {
            s.push(':');
            s.push_str(&a.name());
        }
        s
    }

    /// Coefficient names of the headline terms.
    pub fn headline_terms(&self) -> Option<Vec<String>> {
        self.headline.as_ref().map(|h| h.iter().map(|&t| self.term_name(t)).collect())
    }
}

use Attr::{
    DiffProv, FormedBefore2000, JvAge, LogCumProdDom, LogCumProdJv, SameGroup as SG, SameProv, SameSeg as SS,
    SupplierOverlap as SO, WorkerFlow as WF,
};

fn spec(group: SpecGroup, n: usize, label: &str, sample: Sample, terms: Vec<Vec<Attr>>, fe: Vec<FeKind>) -> Spec {
    Spec {
        id: format!("{}.{n}", group.as_str()),
        group,
        title: format!("({n})"),
        label: label.to_owned(),
        sample,
        terms,
        fe,
        one_step: false,
        headline: None,
    }
}

/// The specifications of one table. Every column is listed whatever the
/// data; a column the data cannot support (no production table for the
/// cumulative-production column, no worker moves for the worker-flow
/// mechanism) is skipped, with the reason, when the study runs
/// ([`unavailable`]).
pub fn specs_for(group: SpecGroup) -> Vec<Spec> {
    use FeKind::*;
    use Sample::{All, SameSegment};
    let main_terms = || vec![vec![], vec![SG], vec![SS], vec![SG, SS]];
    let headline = Some(vec![1, 2, 3]);
    match group {
        SpecGroup::Baseline => vec![
            spec(group, 1, "Z = SameGroup", All, vec![vec![], vec![SG]], vec![]),
            Spec {
                headline, ..spec(group, 2, "Z = SameGroup, SameSeg, SameGroup×SameSeg", All, main_terms(), vec![])
            },
        ],
        SpecGroup::FeVariants => {
            let variants: [(&str, Vec<FeKind>); 4] = [
                ("firm and dimension×year FE", vec![FollowerFirm, DimYear]),
                ("firm×year and dimension×year FE", vec![FollowerFirmYear, DimYear]),
                ("model, dimension×year and dimension×segment FE", vec![FollowerModel, DimYear, DimSegment]),
                ("model×year, dimension×year and dimension×segment FE", vec![FollowerModelYear, DimYear, DimSegment]),
            ];
            let mut out: Vec<Spec> = variants
                .into_iter()
                .enumerate()
                .map(|(i, (label, fe))| Spec {
                    headline: headline.clone(),
                    ..spec(group, i + 1, label, All, main_terms(), fe)
                })
                .collect();
            out.push(Spec {
                one_step: true,
                headline: headline.clone(),
                ..spec(
                    group,
                    5,
                    "one step: raw scores; pair×year, follower segment×dimension×year and leader segment×dimension×year×Z-cell FE",
                    All,
                    main_terms(),
                    vec![PairYear, SegDimYearD, SegDimYearJvCell],
                )
            });
            out
        }
        SpecGroup::SameSegment => vec![Spec {
            headline: Some(vec![1]),
            ..spec(group, 1, "same-segment pairs, Z = SameGroup", SameSegment, vec![vec![], vec![SG]], vec![])
        }],
        SpecGroup::Mechanisms => {
            let base = || vec![vec![], vec![SG]];
            let wf = vec![vec![WF], vec![SG, WF]];
            let so = vec![vec![SO], vec![SG, SO]];
            let pf = vec![vec![Attr::PatentFlow], vec![SG, Attr::PatentFlow]];
            let cols: [(&str, Vec<Vec<Attr>>); 4] = [
                ("worker flow", [base(), wf.clone()].concat()),
                ("supplier overlap", [base(), so.clone()].concat()),
                ("both channels", [base(), wf, so].concat()),
                ("patent flow (needs a patents table)", [base(), pf].concat()),
            ];
            // Every column uses the rows with supplier data (see `required_attrs`), so the columns share one sample.
            cols.into_iter()
                .enumerate()
                .map(|(i, (label, terms))| spec(group, i + 1, label, SameSegment, terms, vec![]))
                .collect()
        }
        SpecGroup::Heterogeneity => {
            let cols: Vec<(&str, Vec<Vec<Attr>>)> = vec![
                ("formation period", vec![vec![], vec![SG], vec![FormedBefore2000], vec![SG, FormedBefore2000]]),
                (
                    "JV age bins",
                    vec![
                        vec![],
                        vec![Attr::AgeBin(1)],
                        vec![Attr::AgeBin(2)],
                        vec![SG, Attr::AgeBin(0)],
                        vec![SG, Attr::AgeBin(1)],
                        vec![SG, Attr::AgeBin(2)],
                    ],
                ),
                ("JV age slope", vec![vec![], vec![SG], vec![JvAge], vec![SG, JvAge]]),
                (
                    "cumulative production",
                    vec![
                        vec![],
                        vec![SG],
                        vec![LogCumProdJv],
                        vec![SG, LogCumProdJv],
                        vec![LogCumProdDom],
                        vec![SG, LogCumProdDom],
                    ],
                ),
                ("province", vec![vec![], vec![SameProv], vec![SG, SameProv], vec![SG, DiffProv]]),
            ];
            cols.into_iter()
                .enumerate()
                .map(|(i, (label, terms))| spec(group, i + 1, label, SameSegment, terms, vec![]))
                .collect()
        }
        // Further evidence (crate::case): no specification table of their own.
        SpecGroup::Benchmark
        | SpecGroup::Alternatives
        | SpecGroup::EventStudy
        | SpecGroup::MeasurementIv
        | SpecGroup::Robustness
        | SpecGroup::Decomposition => Vec::new(),
    }
}

/// Number of specifications listed for `groups` (the baseline is always added).
pub fn count_specs(groups: &[SpecGroup]) -> usize {
    let mut g = groups.to_vec();
    g.push(SpecGroup::Baseline);
    g.sort();
    g.dedup();
    g.into_iter().map(|g| specs_for(g).len()).sum()
}

/// Rows a specification dropped, by reason.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct SampleReport {
    /// Rows of the long panel.
    pub rows_in: usize,
    /// Rows in the estimation design (before singleton removal by the engine).
    pub rows_out: usize,
    /// (reason, rows) for every excluded row, in a fixed order.
    pub excluded: Vec<(String, usize)>,
}

/// Attributes a spec needs on every row: its term attributes, plus supplier
/// overlap for every mechanisms column (one common sample).
fn required_attrs(spec: &Spec) -> Vec<Attr> {
    let mut v: Vec<Attr> = spec.terms.iter().flatten().copied().collect();
    if spec.group == SpecGroup::Mechanisms {
        v.push(Attr::SupplierOverlap);
    }
    let mut out = Vec::new();
    for a in v {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

/// Why `spec` cannot run on `panel` before any fitting, or `None`: an
/// attribute it needs is undefined on every row because the data lack its
/// source (see [`Attr::unavailable`]).
pub fn unavailable(panel: &StudyPanel, spec: &Spec) -> Option<String> {
    // (reason, attributes it concerns), one entry per distinct reason.
    let mut reasons: Vec<(String, Vec<String>)> = Vec::new();
    for a in required_attrs(spec) {
        let Some(why) = a.unavailable(&panel.pairs) else { continue };
        match reasons.iter_mut().find(|(w, _)| *w == why) {
            Some((_, names)) => names.push(a.name()),
            None => reasons.push((why, vec![a.name()])),
        }
    }
    let parts: Vec<String> = reasons.into_iter().map(|(why, names)| format!("{}: {why}", names.join(", "))).collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Build the estimation design of `spec` on `panel`.
///
/// The dependent variable is e^D (or the raw follower score), regressors are
/// e^JV times each term's attributes, clusters are [`CLUSTER_FOLLOWER`] and
/// [`CLUSTER_LEADER`]. Rows outside the sample or lacking an attribute are
/// excluded and counted.
pub fn build_design(panel: &StudyPanel, spec: &Spec) -> (Design, SampleReport) {
    let p = &panel.pairs;
    let attrs = required_attrs(spec);
    let mut report = SampleReport { rows_in: panel.len(), ..Default::default() };
    let mut not_same_seg = 0usize;
    let mut missing: Vec<usize> = vec![0; attrs.len()];
    let mut keep: Vec<u32> = Vec::with_capacity(panel.len());
    'rows: for i in 0..panel.len() {
        let r = panel.pair_row[i] as usize;
        if spec.sample == Sample::SameSegment && !p.same_seg[r] {
            not_same_seg += 1;
            continue;
        }
        for (m, a) in attrs.iter().enumerate() {
            if a.value(p, r).is_none() {
                missing[m] += 1;
                continue 'rows;
            }
        }
        keep.push(i as u32);
    }
    if not_same_seg > 0 {
        report.excluded.push(("not a same-segment pair (sample restriction)".into(), not_same_seg));
    }
    for (a, n) in attrs.iter().zip(missing) {
        if n > 0 {
            report.excluded.push((format!("{}: {}", a.name(), a.missing_reason()), n));
        }
    }
    report.rows_out = keep.len();
    let (ys, xs) = if spec.one_step { (&panel.score_d, &panel.score_jv) } else { (&panel.e_d, &panel.e_jv) };
    let y = Column { name: spec.depvar().into(), values: keep.iter().map(|&i| ys[i as usize]).collect() };
    let x = (0..spec.terms.len())
        .map(|t| Column {
            name: spec.term_name(t),
            values: keep
                .iter()
                .map(|&i| {
                    let r = panel.pair_row[i as usize] as usize;
                    spec.terms[t].iter().fold(xs[i as usize], |acc, a| acc * a.value(p, r).unwrap_or(f64::NAN))
                })
                .collect(),
        })
        .collect();
    let fe = spec
        .fe
        .iter()
        .map(|&f| Factor {
            name: f.name().into(),
            codes: compact_keys(keep.iter().map(|&i| panel.fe_key(f, i as usize))),
        })
        .collect();
    let clusters = vec![
        Factor {
            name: CLUSTER_FOLLOWER.into(),
            codes: compact_keys(keep.iter().map(|&i| panel.follower_cluster(i as usize))),
        },
        Factor {
            name: CLUSTER_LEADER.into(),
            codes: compact_keys(keep.iter().map(|&i| panel.leader_cluster(i as usize))),
        },
    ];
    (Design { y, x, weights: None, fe, clusters }, report)
}

/// A part of the study that did not run on these data, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Skipped {
    /// Specification id (`mechanisms.1`), or `mediation` / `quantification`.
    pub id: String,
    /// The table of a specification; `None` for mediation and quantification.
    pub group: Option<SpecGroup>,
    /// Column title of a specification (`(1)`); empty otherwise.
    pub title: String,
    /// What it is (the specification's label).
    pub label: String,
    /// Why it was skipped.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::super::panel::AGE_BINS;
    use super::*;

    #[test]
    fn names_follow_fixest_interaction_notation() {
        let s = &specs_for(SpecGroup::Baseline)[1];
        let names: Vec<String> = (0..s.terms.len()).map(|t| s.term_name(t)).collect();
        assert_eq!(names, ["e_JV", "e_JV:SameGroup", "e_JV:SameSeg", "e_JV:SameGroup:SameSeg"]);
        assert_eq!(s.headline_terms().unwrap(), ["e_JV:SameGroup", "e_JV:SameSeg", "e_JV:SameGroup:SameSeg"]);
        assert_eq!(Attr::AgeBin(2).name(), format!("JVAge{}plus", AGE_BINS[2].0));
    }

    #[test]
    fn groups_parse_and_have_columns() {
        for g in SpecGroup::ALL {
            assert_eq!(g.as_str().parse::<SpecGroup>().unwrap(), g);
            // The further-evidence groups have no column of the main specifications.
            assert_eq!(specs_for(g).is_empty(), g.is_evidence(), "{g}");
        }
        assert!("table3".parse::<SpecGroup>().is_err());
        // Five heterogeneity columns, whatever the data: formation, age bins, age slope, production, province.
        assert_eq!(specs_for(SpecGroup::Heterogeneity).len(), 5);
    }
}
