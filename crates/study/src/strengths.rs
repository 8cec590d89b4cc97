//! Step 1 of the study's estimator (SPEC §4): relative strengths. Separately
//! for JV models and for domestic models, quality scores are residualised on
//! model×year and segment×dimension×year fixed effects,
//! $\text{Score}_{ikt} = \lambda_{it} + \lambda_{skt} + e_{ikt}$; the residual
//! $e_{ikt}$ is model i's relative strength in dimension k in year t.
//!
//! Owns [`relative_strengths`] (and its variants on other model lists or
//! scores), [`Strengths`] and [`StrengthDiagnostics`].
//! The residuals come from the estimation engine's alternating projections
//! ([`spillnet_estimate::fe::demean`]), which are exact in one sweep on a
//! balanced block and converge to the least-squares residual otherwise.
//! Imports `io::tables`, `exposure::pairs` (model/firm indices), `estimate::fe`.

use std::collections::{BTreeMap, HashMap};

use super::StudyError;
use spillnet_estimate::fe::{DemeanOptions, Demeaner, FeIndex, compact, demean};
use spillnet_io::Indexed;
use spillnet_io::ids::ModelId;
use spillnet_io::tables::{FirmKind, QualityScore};
use spillnet_network::exposure::measure::QualityValue;
use spillnet_network::exposure::pairs::PairPanel;

/// Tolerance of the step-1 demeaning (largest group mean removed in a sweep).
pub const STEP1_TOL: f64 = 1e-10;

/// Counts and convergence of step 1, per sample.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StrengthDiagnostics {
    /// Quality rows of JV models residualised.
    pub jv_rows: usize,
    /// Quality rows of domestic models residualised.
    pub domestic_rows: usize,
    /// Quality rows of models of foreign firms (not in either sample).
    pub foreign_rows: usize,
    /// Model-years whose 19 (or however many) dimensions are not all present.
    pub incomplete_model_years: usize,
    /// Largest number of demeaning sweeps (JV, domestic).
    pub sweeps: [usize; 2],
    /// Whether both samples converged.
    pub converged: bool,
}

/// Relative strengths of every observed domestic or JV model-year, one value
/// per dimension (NaN where the model-year has no score in that dimension).
#[derive(Debug, Clone, PartialEq)]
pub struct Strengths {
    /// Dimension names, sorted; dimension indices point here.
    pub dimensions: Vec<String>,
    /// Survey category of each dimension (index into `categories`).
    pub dimension_category: Vec<u32>,
    /// Survey categories, sorted (`all` when the quality table has no `survey` column).
    pub categories: Vec<String>,
    /// Segment of each model (index into the sorted segment names of `models`).
    pub model_segment: Vec<u32>,
    /// (year, model index of [`PairPanel::model_names`]) → block number.
    index: HashMap<(i32, u32), u32>,
    /// Residuals, `dimensions.len()` values per block.
    pub residual: Vec<f64>,
    /// Raw scores in the same layout (for the one-step variant).
    pub score: Vec<f64>,
    /// Counts and convergence.
    pub diagnostics: StrengthDiagnostics,
}

impl Strengths {
    /// Number of dimensions.
    pub fn n_dims(&self) -> usize {
        self.dimensions.len()
    }

    /// The block of (model, year): residuals and raw scores, one per dimension.
    pub fn block(&self, model: u32, year: i32) -> Option<(&[f64], &[f64])> {
        let b = *self.index.get(&(year, model))? as usize;
        let k = self.n_dims();
        Some((&self.residual[b * k..(b + 1) * k], &self.score[b * k..(b + 1) * k]))
    }
}

/// One quality row of a sample: (block, dimension, segment×dimension key and year, score).
type ScoreRow = (u32, u32, (u32, i32), f64);

/// Compute relative strengths (step 1) for the models of `pairs`.
///
/// # Arguments
/// - `ds`: the validated dataset.
/// - `pairs`: the pair panel (its `model_names` define the model indices).
///
/// See [`relative_strengths_for`].
pub fn relative_strengths(ds: &Indexed, pairs: &PairPanel) -> Result<Strengths, StudyError> {
    relative_strengths_for(ds, &pairs.model_names)
}

/// Relative strengths of every domestic and JV model-year as quality values
/// (model, dimension, year, e), sorted, e.g. to use as `Q` in exposure tables.
pub fn relative_quality(ds: &Indexed) -> Result<Vec<QualityValue>, StudyError> {
    let ix = ds.index();
    let names: Vec<ModelId> = (0..ix.models.len())
        .filter(|&g| matches!(ds.firm(ix.firm_of_model(g as u32)).kind, FirmKind::Domestic | FirmKind::Jv))
        .map(|g| ix.models.id(g as u32).clone())
        .collect();
    let s = relative_strengths_for(ds, &names)?;
    let mut keys: Vec<(&(i32, u32), &u32)> = s.index.iter().collect();
    keys.sort_by_key(|(k, _)| (names[k.1 as usize].clone(), k.0));
    let nd = s.n_dims();
    let mut out = Vec::with_capacity(keys.len() * nd);
    for (&(year, model), &b) in keys {
        for k in 0..nd {
            let v = s.residual[b as usize * nd + k];
            if v.is_finite() {
                out.push(QualityValue {
                    model_id: names[model as usize].clone(),
                    dimension: s.dimensions[k].clone(),
                    year,
                    value: v,
                });
            }
        }
    }
    Ok(out)
}

/// Compute relative strengths (step 1) for the models `model_names`
/// (sorted ids; their positions are the model indices of the result).
///
/// # Arguments
/// - `ds`: the validated dataset.
/// - `model_names`: sorted ids of the domestic and JV models.
///
/// # Returns
/// [`Strengths`]: residuals of the two-way fixed-effect projection, computed
/// separately for the JV sample and the domestic sample.
///
/// # Errors
/// A model of `model_names` missing from `models`.
///
/// # Complexity
/// O(Q · sweeps) for Q quality rows (one sweep on balanced data).
pub fn relative_strengths_for(ds: &Indexed, model_names: &[ModelId]) -> Result<Strengths, StudyError> {
    relative_strengths_of(ds, model_names, &|q| Some(q.score))
}

/// [`relative_strengths_for`] on another score of each quality row: `score`
/// gives the value to residualise (e.g. one half of the split-sample scores),
/// `None` leaving the row out (as if the model-year lacked that dimension).
/// Dimensions and categories are those of every quality row, so dimension
/// indices agree with [`relative_strengths_for`]'s.
///
/// # Errors
/// As [`relative_strengths_for`].
pub fn relative_strengths_of(
    ds: &Indexed,
    model_names: &[ModelId],
    score: &dyn Fn(&QualityScore) -> Option<f64>,
) -> Result<Strengths, StudyError> {
    let ix = ds.index();
    // Dimensions and their survey categories (validation checked that a
    // dimension belongs to one survey: the first row's is every row's).
    let mut dim_survey: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for q in &ds.quality {
        dim_survey.entry(q.dimension.as_str()).or_insert(q.survey.as_deref());
    }
    let dimensions: Vec<String> = dim_survey.keys().map(|d| (*d).to_owned()).collect();
    let mut categories: Vec<String> = dim_survey.values().map(|s| s.unwrap_or("all").to_owned()).collect();
    categories.sort();
    categories.dedup();
    let dimension_category: Vec<u32> = dim_survey
        .values()
        .map(|s| categories.binary_search(&s.unwrap_or("all").to_owned()).expect("category listed") as u32)
        .collect();
    let nd = dimensions.len();

    // Model → (index, sample, segment index); segments sorted by name.
    let mut segments: Vec<&str> = ds.models.iter().map(|m| m.segment.as_str()).collect();
    segments.sort_unstable();
    segments.dedup();
    // Per model number: (position in `model_names`, JV sample, segment).
    let mut model_info: Vec<Option<(u32, bool, u32)>> = vec![None; ix.models.len()];
    let mut model_segment = vec![u32::MAX; model_names.len()];
    for (row, (m, &firm)) in ds.models.iter().zip(&ix.model_firm).enumerate() {
        if let Ok(k) = model_names.binary_search(&m.model_id) {
            let jv = ds.firm(firm).kind == FirmKind::Jv;
            let seg = segments.binary_search(&m.segment.as_str()).expect("segment listed") as u32;
            model_info[ix.model_of_row[row] as usize] = Some((k as u32, jv, seg));
            model_segment[k] = seg;
        }
    }
    if let Some(ix) = model_segment.iter().position(|&s| s == u32::MAX) {
        return Err(StudyError::Data(format!("model `{}` is not in the models table", model_names[ix])));
    }

    // Blocks: one per observed (year, model).
    let mut index: HashMap<(i32, u32), u32> = HashMap::new();
    let mut keys: Vec<(i32, u32)> = Vec::new();
    let mut rows: [Vec<ScoreRow>; 2] = [Vec::new(), Vec::new()];
    let mut foreign_rows = 0;
    for (q, &model) in ds.quality.iter().zip(&ix.quality_model) {
        let Some((k, jv, s)) = model_info[model as usize] else {
            foreign_rows += 1;
            continue;
        };
        let Some(value) = score(q) else { continue };
        let next = keys.len() as u32;
        let b = *index.entry((q.year, k)).or_insert_with(|| {
            keys.push((q.year, k));
            next
        });
        let d = dimensions.binary_search(&q.dimension).expect("dimension listed") as u32;
        rows[usize::from(jv)].push((b, d, (s * nd as u32 + d, q.year), value));
    }

    let nb = keys.len();
    let mut residual = vec![f64::NAN; nb * nd];
    let mut score = vec![f64::NAN; nb * nd];
    let mut sweeps = [0usize; 2];
    let mut converged = true;
    // Alternating projections explicitly: exact-ish on these nested designs, and the study's numbers stay those of its record.
    let opts = DemeanOptions { tol: STEP1_TOL, max_iter: 100_000, method: Demeaner::Map };
    for (sample, r) in rows.iter().enumerate() {
        if r.is_empty() {
            continue;
        }
        let blocks: Vec<u32> = r.iter().map(|x| x.0).collect();
        let mut sdy: HashMap<(u32, i32), u32> = HashMap::new();
        let sdy_codes: Vec<u32> = r
            .iter()
            .map(|x| {
                let n = sdy.len() as u32;
                *sdy.entry(x.2).or_insert(n)
            })
            .collect();
        let (c1, n1) = compact(&blocks, None);
        let (c2, n2) = compact(&sdy_codes, None);
        let fes = [FeIndex::new(c1, n1, None), FeIndex::new(c2, n2, None)];
        let mut col = vec![r.iter().map(|x| x.3).collect::<Vec<f64>>()];
        let info = demean(&mut col, &fes, None, &opts);
        sweeps[sample] = info.iterations;
        converged &= info.converged;
        for (x, e) in r.iter().zip(&col[0]) {
            let at = x.0 as usize * nd + x.1 as usize;
            residual[at] = *e;
            score[at] = x.3;
        }
    }
    let incomplete_model_years = (0..nb).filter(|&b| score[b * nd..(b + 1) * nd].iter().any(|v| v.is_nan())).count();
    if !converged {
        return Err(StudyError::Data(format!(
            "step 1 (relative strengths): demeaning did not converge within {} sweeps",
            opts.max_iter
        )));
    }
    Ok(Strengths {
        dimensions,
        dimension_category,
        categories,
        model_segment,
        index,
        residual,
        score,
        diagnostics: StrengthDiagnostics {
            jv_rows: rows[1].len(),
            domestic_rows: rows[0].len(),
            foreign_rows,
            incomplete_model_years,
            sweeps,
            converged,
        },
    })
}
