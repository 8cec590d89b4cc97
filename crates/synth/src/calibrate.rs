//! Scale constants of the synthetic panel, calibrated to the study's scale
//! (SPEC §4) and the default planted parameters. Pure data and small pure
//! functions; imports nothing from the crate.
//!
//! The yearly model counts below are the study's end points (JV models 27 →
//! 118, affiliated domestic 4 → 30, non-affiliated 4 → 19 from 2003 to 2014)
//! joined by a concave path, chosen so that Σ_t (domestic models × JV models)
//! × 19 dimensions ≈ 717,500 pair×dimension observations.

use serde::Serialize;

/// First year of the panel.
pub const FIRST_YEAR: i32 = 2001;
/// Last year of the panel.
pub const LAST_YEAR: i32 = 2014;
/// Number of panel years.
pub const N_YEARS: usize = (LAST_YEAR - FIRST_YEAR + 1) as usize;

/// JV models on the market per year, 2001–2014 (paper scale).
pub const JV_MODELS: [u32; N_YEARS] = [20, 23, 27, 41, 53, 64, 75, 84, 93, 101, 108, 113, 116, 118];
/// Affiliated domestic models per year, 2001–2014 (paper scale).
pub const AFFILIATED_MODELS: [u32; N_YEARS] = [2, 3, 4, 9, 11, 14, 17, 21, 23, 25, 27, 28, 29, 30];
/// Non-affiliated domestic models per year, 2001–2014 (paper scale).
pub const NON_AFFILIATED_MODELS: [u32; N_YEARS] = [2, 3, 4, 6, 8, 10, 12, 14, 16, 16, 17, 18, 19, 19];

/// Model lifetimes (years on the market) are drawn uniformly from this range.
pub const LIFETIME_YEARS: (u32, u32) = (3, 8);

/// The 8 market segments of the study.
pub const SEGMENTS: [&str; 8] = [
    "mini_sedan",
    "small_sedan",
    "compact_sedan",
    "medium_sedan",
    "large_sedan",
    "small_medium_suv",
    "large_suv",
    "mpv",
];
/// Segment shares of new JV models (same order as [`SEGMENTS`]).
pub const JV_SEGMENT_SHARES: [f64; 8] = [0.02, 0.12, 0.40, 0.18, 0.05, 0.13, 0.04, 0.06];
/// Segment shares of new domestic models.
pub const DOMESTIC_SEGMENT_SHARES: [f64; 8] = [0.08, 0.17, 0.40, 0.07, 0.02, 0.16, 0.03, 0.07];

/// A quality dimension: its name and the survey it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Dimension {
    /// Dimension name (the `quality.dimension` value).
    pub name: &'static str,
    /// Survey (`iqs` initial quality, defects; `apeal` performance and appeal).
    pub survey: &'static str,
    /// IQS: typical share of total defects in this dimension; APEAL: typical share of the appeal index.
    pub share: f64,
}

/// The 19 dimensions: 9 IQS (defects) and 10 APEAL (appeal).
pub const DIMENSIONS: [Dimension; 19] = [
    Dimension { name: "iqs_exterior", survey: "iqs", share: 0.12 },
    Dimension { name: "iqs_driving_experience", survey: "iqs", share: 0.13 },
    Dimension { name: "iqs_features_controls", survey: "iqs", share: 0.12 },
    Dimension { name: "iqs_audio_entertainment", survey: "iqs", share: 0.10 },
    Dimension { name: "iqs_seats", survey: "iqs", share: 0.09 },
    Dimension { name: "iqs_hvac", survey: "iqs", share: 0.09 },
    Dimension { name: "iqs_interior", survey: "iqs", share: 0.11 },
    Dimension { name: "iqs_engine", survey: "iqs", share: 0.14 },
    Dimension { name: "iqs_transmission", survey: "iqs", share: 0.10 },
    Dimension { name: "apeal_exterior", survey: "apeal", share: 0.11 },
    Dimension { name: "apeal_interior", survey: "apeal", share: 0.10 },
    Dimension { name: "apeal_storage_space", survey: "apeal", share: 0.09 },
    Dimension { name: "apeal_audio_navigation", survey: "apeal", share: 0.09 },
    Dimension { name: "apeal_seats", survey: "apeal", share: 0.10 },
    Dimension { name: "apeal_hvac", survey: "apeal", share: 0.09 },
    Dimension { name: "apeal_driving_dynamics", survey: "apeal", share: 0.11 },
    Dimension { name: "apeal_engine_transmission", survey: "apeal", share: 0.11 },
    Dimension { name: "apeal_visibility_safety", survey: "apeal", share: 0.10 },
    Dimension { name: "apeal_fuel_economy", survey: "apeal", share: 0.10 },
];

/// Defects per 100 vehicles of a model class: mean over 2001–03 and in 2014 (SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DefectPath {
    /// Mean defects per 100 vehicles in 2001–2003.
    pub start_2001_03: f64,
    /// Mean defects per 100 vehicles in 2014.
    pub end_2014: f64,
}

impl DefectPath {
    /// Class mean in `year`: geometric interpolation anchored at 2002 (the
    /// middle of 2001–03) and 2014, extrapolated to 2001.
    pub fn at(self, year: i32) -> f64 {
        let s = f64::from(year - 2002) / 12.0;
        self.start_2001_03 * (self.end_2014 / self.start_2001_03).powf(s)
    }
}

/// JV models: 276 → 95.
pub const JV_DEFECTS: DefectPath = DefectPath { start_2001_03: 276.0, end_2014: 95.0 };
/// Affiliated domestic models: 485 → 123.
pub const AFFILIATED_DEFECTS: DefectPath = DefectPath { start_2001_03: 485.0, end_2014: 123.0 };
/// Non-affiliated domestic models: 348 → 133.
pub const NON_AFFILIATED_DEFECTS: DefectPath = DefectPath { start_2001_03: 348.0, end_2014: 133.0 };

/// Typical APEAL index (points out of 1000) in 2001 and 2014, linearly
/// interpolated; a model's APEAL scores move with its defects (see
/// `generate`), so that its overall quality is one model×year level.
pub const APEAL_INDEX: (f64, f64) = (760.0, 820.0);

/// APEAL index in `year`.
pub fn apeal_index(year: i32) -> f64 {
    let (a, b) = APEAL_INDEX;
    a + (b - a) * f64::from(year - FIRST_YEAR) / f64::from(LAST_YEAR - FIRST_YEAR)
}

/// Sd of a model's persistent log-quality deviation from its class mean.
pub const MODEL_LEVEL_SD: f64 = 0.15;
/// Sd of a model's year-to-year log-quality deviation.
pub const MODEL_YEAR_SD: f64 = 0.05;
/// Sd of the segment×dimension×year pattern (score points).
pub const PATTERN_SD: f64 = 0.5;
/// Sd of the iid JV relative-strength draws before the step-1 projection (score points).
pub const JV_STRENGTH_SD: f64 = 1.0;
/// Sd of the domestic idiosyncratic noise before the step-1 projection (score points).
pub const DOMESTIC_NOISE_SD: f64 = 1.0;
/// Scores are rounded to this many decimals.
pub const SCORE_DECIMALS: i32 = 6;

/// Suppliers in the study.
pub const SUPPLIERS: u32 = 1378;
/// Models with known suppliers in the study.
pub const MODELS_WITH_SUPPLIERS: u32 = 459;
/// Share of generated models with known suppliers (when that is below
/// [`MODELS_WITH_SUPPLIERS`]). With [`FEW_SUPPLIER_MODELS`] this keeps about
/// 92.6 % of the same-segment observations in the mechanism sample, as in the
/// study (128,354 / 138,540).
pub const SUPPLIER_COVERAGE: f64 = 0.98;
/// Mean known parts (supplier links) per model with ≥ 5 suppliers (the few
/// models with 1–4 bring the overall mean to the study's ~39).
pub const MEAN_PARTS: f64 = 40.0;
/// Sd of known parts per model.
pub const PARTS_SD: f64 = 6.0;
/// Models with fewer than 5 known suppliers (excluded by the overlap measure).
pub const FEW_SUPPLIER_MODELS: u32 = 6;
/// Component types (supplier pools).
pub const COMPONENTS: [&str; 48] = [
    "airbags",
    "alternator",
    "axles",
    "battery",
    "body_panels",
    "brakes",
    "bumpers",
    "cabin_filter",
    "carpets",
    "clutch",
    "cooling_fan",
    "dashboard",
    "door_locks",
    "engine_block",
    "engine_ecu",
    "exhaust",
    "fuel_injection",
    "fuel_pump",
    "fuel_tank",
    "gearbox",
    "glass",
    "headlamps",
    "horn",
    "hvac_unit",
    "ignition",
    "infotainment",
    "instrument_cluster",
    "mirrors",
    "paint",
    "pistons",
    "power_steering",
    "radiator",
    "seat_belts",
    "seat_frames",
    "seat_trim",
    "shock_absorbers",
    "spark_plugs",
    "springs",
    "starter_motor",
    "steering_wheel",
    "sunroof",
    "tail_lamps",
    "tires",
    "turbocharger",
    "wheels",
    "window_regulators",
    "wipers",
    "wiring_harness",
];
/// Probability that a model buys a component from its group's captive supplier.
pub const CAPTIVE_SHARE: f64 = 0.45;
/// Zipf exponent of supplier popularity within a component pool.
pub const SUPPLIER_ZIPF: f64 = 1.4;

/// Worker moves between automakers by (from kind, to kind), paper scale;
/// they sum to the study's 4,099 moves, 617 of them from a JV to a domestic firm.
pub const MOVES: [(MoveKind, u32); 8] = [
    (MoveKind::JvToJv, 1520),
    (MoveKind::JvToDomestic, 617),
    (MoveKind::DomesticToJv, 540),
    (MoveKind::DomesticToDomestic, 760),
    (MoveKind::ForeignToJv, 330),
    (MoveKind::JvToForeign, 190),
    (MoveKind::ForeignToDomestic, 92),
    (MoveKind::DomesticToForeign, 50),
];
/// Share of JV → domestic moves that go to the JV's own partner (27.2 %).
pub const PARTNER_SHARE: f64 = 0.272;
/// Yearly growth of LinkedIn-recorded moves (moves in year t ∝ growth^(t−2001)).
pub const MOVE_GROWTH: f64 = 1.2;
/// LinkedIn users in the study's sample (reported, not simulated person by person).
pub const LINKEDIN_USERS: u32 = 52_898;

/// Kind of a job move by the kinds of the firms left and joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MoveKind {
    /// JV → JV.
    JvToJv,
    /// JV → domestic firm.
    JvToDomestic,
    /// Domestic firm → JV.
    DomesticToJv,
    /// Domestic → domestic.
    DomesticToDomestic,
    /// Foreign parent → JV.
    ForeignToJv,
    /// JV → foreign parent.
    JvToForeign,
    /// Foreign parent → domestic firm.
    ForeignToDomestic,
    /// Domestic firm → foreign parent.
    DomesticToForeign,
}

/// Study estimates used as default planted values (SPEC §4): β_SameGroup.
pub const GAMMA_SAME_GROUP: f64 = 0.016;
/// The study's headline spillover β_SG + β_SS + β_SG×SS.
pub const DEFAULT_RHO: f64 = 0.098;
/// ×WorkerFlow (z-score), same-segment pairs.
pub const THETA_WORKER: f64 = 0.008;
/// ×SameGroup×WorkerFlow.
pub const THETA_WORKER_SAME_GROUP: f64 = 0.019;
/// ×SupplierOverlap (z-score), same-segment pairs.
pub const THETA_SUPPLIER: f64 = 0.015;
/// ×SameGroup×SupplierOverlap (the study's −0.040 is insignificant; we plant 0).
pub const THETA_SUPPLIER_SAME_GROUP: f64 = 0.0;

/// Size of the generated panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// About a quarter of the study's models, suppliers and moves: fast, for Monte Carlo runs.
    Small,
    /// The study's scale (SPEC §4).
    #[default]
    Paper,
}

impl Scale {
    /// The spelling used on the command line and in truth.json.
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::Paper => "paper",
        }
    }

    /// Multiplier applied to model, supplier and move counts.
    pub fn factor(self) -> f64 {
        match self {
            Scale::Small => 0.25,
            Scale::Paper => 1.0,
        }
    }

    /// `n` scaled (rounded, at least 1 when `n ≥ 1`).
    pub fn scale(self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        ((f64::from(n) * self.factor()).round() as u32).max(1)
    }
}

/// Index of `year` in the yearly arrays (`None` outside 2001–2014).
pub fn year_index(year: i32) -> Option<usize> {
    (FIRST_YEAR..=LAST_YEAR).contains(&year).then(|| (year - FIRST_YEAR) as usize)
}

/// Pair-years Σ_t D_t · JV_t implied by the yearly counts at `scale`.
pub fn pair_years(scale: Scale) -> u64 {
    (0..N_YEARS)
        .map(|i| {
            let d = scale.scale(AFFILIATED_MODELS[i]) + scale.scale(NON_AFFILIATED_MODELS[i]);
            u64::from(d) * u64::from(scale.scale(JV_MODELS[i]))
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yearly_counts_hit_the_study_end_points() {
        let i03 = year_index(2003).unwrap();
        let i14 = year_index(2014).unwrap();
        assert_eq!((JV_MODELS[i03], JV_MODELS[i14]), (27, 118));
        assert_eq!((AFFILIATED_MODELS[i03], AFFILIATED_MODELS[i14]), (4, 30));
        assert_eq!((NON_AFFILIATED_MODELS[i03], NON_AFFILIATED_MODELS[i14]), (4, 19));
        for a in [JV_MODELS, AFFILIATED_MODELS, NON_AFFILIATED_MODELS] {
            assert!(a.windows(2).all(|w| w[0] <= w[1]), "counts never fall: {a:?}");
        }
    }

    #[test]
    fn pair_dimension_observations_match_the_study() {
        let obs = pair_years(Scale::Paper) * DIMENSIONS.len() as u64;
        // SPEC §4: 717,500 pair×dimension observations in the main regression.
        assert!((obs as f64 / 717_500.0 - 1.0).abs() < 0.005, "{obs}");
        let small = pair_years(Scale::Small) * 19;
        assert!(small < obs / 10, "small scale is much smaller: {small}");
    }

    #[test]
    fn defect_paths_hit_their_anchors() {
        for p in [JV_DEFECTS, AFFILIATED_DEFECTS, NON_AFFILIATED_DEFECTS] {
            assert!((p.at(2014) - p.end_2014).abs() < 1e-9);
            let start = (p.at(2001) + p.at(2002) + p.at(2003)) / 3.0;
            assert!((start / p.start_2001_03 - 1.0).abs() < 0.005, "{start}");
        }
    }

    #[test]
    fn dimension_shares_sum_to_one_per_survey() {
        for survey in ["iqs", "apeal"] {
            let s: f64 = DIMENSIONS.iter().filter(|d| d.survey == survey).map(|d| d.share).sum();
            assert!((s - 1.0).abs() < 1e-12, "{survey}: {s}");
        }
        assert_eq!(DIMENSIONS.iter().filter(|d| d.survey == "iqs").count(), 9);
        for shares in [JV_SEGMENT_SHARES, DOMESTIC_SEGMENT_SHARES] {
            assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        assert_eq!(MOVES.iter().map(|m| m.1).sum::<u32>(), 4099);
    }
}
