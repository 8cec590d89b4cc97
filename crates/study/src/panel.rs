//! Step 2 of the study's estimator (SPEC §4): the long regression panel —
//! one row per (same-year domestic model i, JV model j) pair and quality
//! dimension k where both relative strengths exist — and the pair attributes
//! ([`Attr`]) that specifications interact with the JV strength.
//!
//! Owns [`StudyPanel`] (struct of arrays), [`build_panel`], [`Attr`],
//! [`FeKind`] and the cluster variables of the study's inference: follower
//! firm × survey category and leader firm × survey category
//! ([`CLUSTER_FOLLOWER`], [`CLUSTER_LEADER`]). Imports `io::tables`,
//! `exposure::pairs`, and its sibling [`super::strengths`].

use std::collections::HashMap;

use super::StudyError;
use super::strengths::{Strengths, relative_strengths};
use spillnet_io::Indexed;
use spillnet_network::channels::patent_flow::NAME as PATENT_FLOW;
use spillnet_network::exposure::pairs::{PairOptions, PairPanel, build_pairs};

/// Cluster variable: follower (domestic) firm × survey category.
pub const CLUSTER_FOLLOWER: &str = "firm_D^survey";
/// Cluster variable: leader (JV) firm × survey category.
pub const CLUSTER_LEADER: &str = "firm_JV^survey";

/// Bounds of the JV-age bins used by the heterogeneity specification (years).
pub const AGE_BINS: [(i32, i32); 3] = [(0, 9), (10, 19), (20, i32::MAX)];

/// A pair attribute that a specification interacts with the JV strength.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Attr {
    /// The domestic firm's group is a domestic parent group of the JV.
    SameGroup,
    /// Same segment.
    SameSeg,
    /// Same province (both known and equal).
    SameProv,
    /// Not the same province (1 − SameProv).
    DiffProv,
    /// Worker flow JV → domestic firm, z-scored.
    WorkerFlow,
    /// Supplier overlap, z-scored; undefined when either model has too few suppliers.
    SupplierOverlap,
    /// Patent flow JV → the domestic firm's group (the registered channel
    /// `patent_flow`: patents transferred or licensed up to t), z-scored
    /// across all pair-years; unavailable without a `patents` table.
    PatentFlow,
    /// The JV was founded before 2000; undefined without a `jv_links` row.
    FormedBefore2000,
    /// JV age t − founded, in years; undefined without a `jv_links` row.
    JvAge,
    /// 1 when the JV's age falls in bin `AGE_BINS[b]`.
    AgeBin(u8),
    /// ln(1 + cumulative production of the JV up to t − 1); needs a production table.
    LogCumProdJv,
    /// ln(1 + cumulative production of the domestic firm up to t − 1).
    LogCumProdDom,
}

impl Attr {
    /// Name used in coefficient names (`e_JV:SameGroup:SameSeg`).
    pub fn name(self) -> String {
        match self {
            Attr::SameGroup => "SameGroup".into(),
            Attr::SameSeg => "SameSeg".into(),
            Attr::SameProv => "SameProv".into(),
            Attr::DiffProv => "DiffProv".into(),
            Attr::WorkerFlow => "WorkerFlow".into(),
            Attr::SupplierOverlap => "SupplierOverlap".into(),
            Attr::PatentFlow => "PatentFlow".into(),
            Attr::FormedBefore2000 => "FormedBefore2000".into(),
            Attr::JvAge => "JVAge".into(),
            Attr::AgeBin(b) => {
                let (lo, hi) = AGE_BINS[usize::from(b)];
                if hi == i32::MAX { format!("JVAge{lo}plus") } else { format!("JVAge{lo}_{hi}") }
            }
            Attr::LogCumProdJv => "LogCumProdJV".into(),
            Attr::LogCumProdDom => "LogCumProdD".into(),
        }
    }

    /// Why a row lacks this attribute (for the exclusion report).
    pub fn missing_reason(self) -> &'static str {
        match self {
            Attr::SupplierOverlap => "supplier overlap undefined (a model has fewer than the minimum known suppliers)",
            Attr::FormedBefore2000 | Attr::JvAge | Attr::AgeBin(_) => "JV founding year unknown (no jv_links row)",
            Attr::LogCumProdJv | Attr::LogCumProdDom => "no production table",
            Attr::WorkerFlow => "worker flow z-score undefined (no variation)",
            Attr::PatentFlow => "patent flow z-score undefined (no patents table, or no variation)",
            _ => "attribute undefined",
        }
    }

    /// Why the attribute is undefined on every pair-year row of `p` (the
    /// data lack what it is built from), or `None` when it is defined somewhere.
    pub fn unavailable(self, p: &PairPanel) -> Option<String> {
        match self {
            Attr::WorkerFlow if p.worker_flow_z.is_none() => Some(if p.worker_flow_raw.iter().all(|&w| w == 0.0) {
                "no worker moves from a JV to a domestic firm in the data (worker_moves table absent, empty or without such moves)".into()
            } else {
                "worker flow has no variation across pair-years (z-score undefined)".into()
            }),
            Attr::SupplierOverlap if (0..p.len()).all(|r| Attr::SupplierOverlap.value(p, r).is_none()) => Some(
                "supplier overlap undefined for every pair (suppliers table absent, or too few known suppliers per model)".into(),
            ),
            Attr::PatentFlow => match p.registered_z.iter().find(|(n, _)| *n == PATENT_FLOW) {
                None => Some("no patents table in the data (the patent_flow channel is absent)".into()),
                Some((_, None)) => Some("patent flow has no variation across pair-years (z-score undefined)".into()),
                Some(_) => None,
            },
            Attr::LogCumProdJv | Attr::LogCumProdDom if p.log_cum_prod_jv.is_none() => {
                Some("no production table in the data".into())
            }
            _ => None,
        }
    }

    /// Value of the attribute on pair-year row `r`, `None` when undefined.
    pub fn value(self, p: &PairPanel, r: usize) -> Option<f64> {
        let b = |x: bool| if x { 1.0 } else { 0.0 };
        match self {
            Attr::SameGroup => Some(b(p.same_group[r])),
            Attr::SameSeg => Some(b(p.same_seg[r])),
            Attr::SameProv => Some(b(p.same_prov[r])),
            Attr::DiffProv => Some(b(!p.same_prov[r])),
            Attr::WorkerFlow => p.worker_flow_z.as_ref().map(|z| z[r]),
            Attr::SupplierOverlap => p.supplier_overlap_z.as_ref().and_then(|z| z[r]),
            Attr::PatentFlow => {
                p.registered_z.iter().find(|(n, _)| *n == PATENT_FLOW).and_then(|(_, z)| z.as_ref()).map(|z| z[r])
            }
            Attr::FormedBefore2000 => p.formed_before_2000[r].map(b),
            Attr::JvAge => p.jv_age[r].map(f64::from),
            Attr::AgeBin(k) => {
                let (lo, hi) = AGE_BINS[usize::from(k)];
                p.jv_age[r].map(|a| b(a >= lo && a <= hi))
            }
            Attr::LogCumProdJv => p.log_cum_prod_jv.as_ref().map(|v| v[r]),
            Attr::LogCumProdDom => p.log_cum_prod_domestic.as_ref().map(|v| v[r]),
        }
    }
}

/// A fixed effect a specification may absorb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum FeKind {
    /// Follower (domestic) firm.
    FollowerFirm,
    /// Follower firm × year.
    FollowerFirmYear,
    /// Follower model.
    FollowerModel,
    /// Follower model × year.
    FollowerModelYear,
    /// Dimension × year.
    DimYear,
    /// Dimension × follower segment.
    DimSegment,
    /// Pair (i, j) × year (the one-step variant).
    PairYear,
    /// Follower segment × dimension × year (one-step).
    SegDimYearD,
    /// Leader segment × dimension × year × (SameGroup, SameSeg) cell (one-step:
    /// absorbs the leader's segment pattern inside every interaction).
    SegDimYearJvCell,
}

impl FeKind {
    /// Name shown in tables (fixest's `a^b` notation for combined effects).
    pub fn name(self) -> &'static str {
        match self {
            FeKind::FollowerFirm => "firm_D",
            FeKind::FollowerFirmYear => "firm_D^year",
            FeKind::FollowerModel => "model_D",
            FeKind::FollowerModelYear => "model_D^year",
            FeKind::DimYear => "dimension^year",
            FeKind::DimSegment => "dimension^segment_D",
            FeKind::PairYear => "pair^year",
            FeKind::SegDimYearD => "segment_D^dimension^year",
            FeKind::SegDimYearJvCell => "segment_JV^dimension^year^Z",
        }
    }
}

/// Counts of the long panel, returned as values.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PanelDiagnostics {
    /// Pair-year rows of the pair panel.
    pub pair_years: usize,
    /// Dimensions.
    pub dimensions: usize,
    /// Pair × dimension rows in the long panel.
    pub rows: usize,
    /// Pair × dimension slots without both strengths (a model-year lacks that dimension).
    pub rows_missing_dimension: usize,
}

/// The long panel of step 2 plus everything needed to build any
/// specification's design. Row columns have length [`StudyPanel::len`].
#[derive(Debug, Clone)]
pub struct StudyPanel {
    /// The pair panel (pair-year attributes).
    pub pairs: PairPanel,
    /// Step-1 output (dimensions, categories, diagnostics; residual blocks).
    pub strengths: Strengths,
    /// Pair-year row of each panel row.
    pub pair_row: Vec<u32>,
    /// Dimension index of each row.
    pub dim: Vec<u16>,
    /// Follower relative strength e^D_ikt (the dependent variable of step 2).
    pub e_d: Vec<f64>,
    /// Leader relative strength e^JV_jkt.
    pub e_jv: Vec<f64>,
    /// Raw follower score (one-step variant).
    pub score_d: Vec<f64>,
    /// Raw leader score (one-step variant).
    pub score_jv: Vec<f64>,
    /// Counts.
    pub diagnostics: PanelDiagnostics,
}

impl StudyPanel {
    /// Number of pair × dimension rows.
    pub fn len(&self) -> usize {
        self.pair_row.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.pair_row.is_empty()
    }

    /// Survey category of row `i`.
    pub fn category(&self, i: usize) -> u32 {
        self.strengths.dimension_category[usize::from(self.dim[i])]
    }

    /// Cluster code of row `i` for [`CLUSTER_FOLLOWER`].
    pub fn follower_cluster(&self, i: usize) -> u64 {
        let r = self.pair_row[i] as usize;
        u64::from(self.pairs.domestic_firm[r]) * 1024 + u64::from(self.category(i))
    }

    /// Cluster code of row `i` for [`CLUSTER_LEADER`].
    pub fn leader_cluster(&self, i: usize) -> u64 {
        let r = self.pair_row[i] as usize;
        u64::from(self.pairs.jv_firm[r]) * 1024 + u64::from(self.category(i))
    }

    /// Key of fixed effect `fe` on row `i` (any injective u64 encoding).
    pub fn fe_key(&self, fe: FeKind, i: usize) -> u64 {
        let r = self.pair_row[i] as usize;
        let p = &self.pairs;
        let t = (p.year[r] - 1800).max(0) as u64; // < 1024 for validated years
        let k = u64::from(self.dim[i]);
        let (mi, mj) = (p.domestic_model[r], p.jv_model[r]);
        let seg_d = u64::from(self.strengths.model_segment[mi as usize]);
        let seg_j = u64::from(self.strengths.model_segment[mj as usize]);
        match fe {
            FeKind::FollowerFirm => u64::from(p.domestic_firm[r]),
            FeKind::FollowerFirmYear => (u64::from(p.domestic_firm[r]) << 10) | t,
            FeKind::FollowerModel => u64::from(mi),
            FeKind::FollowerModelYear => (u64::from(mi) << 10) | t,
            FeKind::DimYear => (k << 10) | t,
            FeKind::DimSegment => (k << 20) | seg_d,
            FeKind::PairYear => (u64::from(mi) << 42) | (u64::from(mj) << 10) | t,
            FeKind::SegDimYearD => (seg_d << 36) | (k << 10) | t,
            FeKind::SegDimYearJvCell => {
                let cell = u64::from(p.same_group[r]) * 2 + u64::from(p.same_seg[r]);
                (cell << 60) | (seg_j << 36) | (k << 10) | t
            }
        }
    }
}

/// Compact arbitrary u64 keys into `u32` codes (order of first appearance).
pub fn compact_keys(keys: impl Iterator<Item = u64>) -> Vec<u32> {
    let mut map: HashMap<u64, u32> = HashMap::new();
    keys.map(|k| {
        let n = map.len() as u32;
        *map.entry(k).or_insert(n)
    })
    .collect()
}

/// Build the long panel: pair panel (SPEC §3), relative strengths (step 1),
/// and one row per pair-year and dimension where both strengths exist.
///
/// # Complexity
/// O(R · K) for R pair-years and K dimensions.
pub fn build_panel(ds: &Indexed, opts: &PairOptions) -> Result<StudyPanel, StudyError> {
    let pairs = build_pairs(ds, opts)?;
    let strengths = relative_strengths(ds, &pairs)?;
    let nd = strengths.n_dims();
    let n_max = pairs.len() * nd;
    let (mut pair_row, mut dim) = (Vec::with_capacity(n_max), Vec::with_capacity(n_max));
    let (mut e_d, mut e_jv) = (Vec::with_capacity(n_max), Vec::with_capacity(n_max));
    let (mut score_d, mut score_jv) = (Vec::with_capacity(n_max), Vec::with_capacity(n_max));
    let mut missing = 0usize;
    for r in 0..pairs.len() {
        let t = pairs.year[r];
        let (Some((rd, sd)), Some((rj, sj))) =
            (strengths.block(pairs.domestic_model[r], t), strengths.block(pairs.jv_model[r], t))
        else {
            return Err(StudyError::Data(format!("pair-year row {r}: a model has no quality block in {t}")));
        };
        for k in 0..nd {
            if rd[k].is_nan() || rj[k].is_nan() {
                missing += 1;
                continue;
            }
            pair_row.push(r as u32);
            dim.push(k as u16);
            e_d.push(rd[k]);
            e_jv.push(rj[k]);
            score_d.push(sd[k]);
            score_jv.push(sj[k]);
        }
    }
    let diagnostics = PanelDiagnostics {
        pair_years: pairs.len(),
        dimensions: nd,
        rows: pair_row.len(),
        rows_missing_dimension: missing,
    };
    Ok(StudyPanel { pairs, strengths, pair_row, dim, e_d, e_jv, score_d, score_jv, diagnostics })
}
