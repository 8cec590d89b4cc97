//! Small-sample corrections as a value object, mirroring fixest's `ssc()`
//! (as reproduced by pyfixest 0.60 `pf.ssc`). Imports nothing from the crate.
//!
//! With $N$ observations, $k$ estimated slopes and the fixed-effect count
//! $k_{fe}$ below, the effective number of parameters is
//!
//! - `K.fixef = none`: $K = k$;
//! - `full`: $K = k + \sum_q L_q - (Q-1)$ ($L_q$ levels of fixed effect $q$,
//!   minus one redundant level per fixed effect beyond the first);
//! - `nonnested` (default): as `full`, but for clustered inference the levels
//!   of fixed effects nested in a cluster variable are removed, adding back
//!   one per such fixed effect: $K = k + \sum_q L_q - (Q-1) - \sum_{q\ nested} L_q + \#nested$.
//!
//! `K.adj`: factor $(N-1)/(N-K)$ (iid and clustered), $N/(N-K)$ (HC1).
//! `G.adj`: factor $G/(G-1)$ for clustered inference; with `G.df = min` every
//! term of a multiway vcov uses the smallest $G$. Student-$t$ degrees of
//! freedom are $N-K$ (iid, HC1) and $\min G - 1$ (clustered).

use std::fmt;
use std::str::FromStr;

use super::EstimateError;

/// How fixed-effect parameters enter $K$.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KFixef {
    /// Fixed-effect parameters are not counted.
    None,
    /// All counted, except those of fixed effects nested in a cluster variable.
    #[default]
    Nonnested,
    /// All counted.
    Full,
}

/// How $G$ is taken in multiway clustering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GDf {
    /// Every term uses the smallest number of clusters.
    #[default]
    Min,
    /// Each term uses its own number of clusters.
    Conventional,
}

/// fixest's `ssc()`: defaults `K.adj = true, K.fixef = nonnested, G.adj = true, G.df = min`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Ssc {
    /// Apply $(N-1)/(N-K)$.
    pub k_adj: bool,
    /// Counting of fixed-effect parameters.
    pub k_fixef: KFixef,
    /// Apply $G/(G-1)$.
    pub g_adj: bool,
    /// $G$ in multiway clustering.
    pub g_df: GDf,
}

impl Default for Ssc {
    fn default() -> Self {
        Ssc { k_adj: true, k_fixef: KFixef::Nonnested, g_adj: true, g_df: GDf::Min }
    }
}

impl Ssc {
    /// No correction at all (`K.adj = false, G.adj = false`).
    pub fn none() -> Self {
        Ssc { k_adj: false, k_fixef: KFixef::None, g_adj: false, g_df: GDf::Min }
    }
}

impl fmt::Display for Ssc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kf = match self.k_fixef {
            KFixef::None => "none",
            KFixef::Nonnested => "nonnested",
            KFixef::Full => "full",
        };
        let gd = match self.g_df {
            GDf::Min => "min",
            GDf::Conventional => "conventional",
        };
        write!(f, "K.adj={},K.fixef={kf},G.adj={},G.df={gd}", self.k_adj, self.g_adj)
    }
}

impl FromStr for Ssc {
    type Err = EstimateError;

    /// Parse `K.adj=true,K.fixef=nonnested,G.adj=true,G.df=min` (any subset,
    /// any order; omitted keys keep their default). `none` means [`Ssc::none`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("none") {
            return Ok(Ssc::none());
        }
        let mut out = Ssc::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| EstimateError::bad(format!("ssc item `{part}` is not KEY=VALUE")))?;
            let flag = |v: &str| match v.trim().to_ascii_lowercase().as_str() {
                "true" | "t" | "1" | "yes" => Ok(true),
                "false" | "f" | "0" | "no" => Ok(false),
                other => Err(EstimateError::bad(format!("ssc value `{other}` for `{k}` is not true/false"))),
            };
            match k.trim().to_ascii_lowercase().replace('_', ".").as_str() {
                "k.adj" => out.k_adj = flag(v)?,
                "g.adj" => out.g_adj = flag(v)?,
                "k.fixef" => {
                    out.k_fixef = match v.trim().to_ascii_lowercase().as_str() {
                        "none" => KFixef::None,
                        "nonnested" | "nested" => KFixef::Nonnested,
                        "full" => KFixef::Full,
                        other => {
                            return Err(EstimateError::bad(format!(
                                "K.fixef must be none, nonnested or full, not `{other}`"
                            )));
                        }
                    }
                }
                "g.df" => {
                    out.g_df = match v.trim().to_ascii_lowercase().as_str() {
                        "min" => GDf::Min,
                        "conventional" => GDf::Conventional,
                        other => {
                            return Err(EstimateError::bad(format!("G.df must be min or conventional, not `{other}`")));
                        }
                    }
                }
                other => {
                    return Err(EstimateError::bad(format!(
                        "unknown ssc key `{other}` (expected K.adj, K.fixef, G.adj, G.df)"
                    )));
                }
            }
        }
        Ok(out)
    }
}

/// Effective number of parameters $K$ (see the module docs).
///
/// `fe_levels`: levels of each fixed effect; `nested`: whether each is
/// nested in a cluster variable (all false for iid/HC1).
pub fn df_k(ssc: &Ssc, k: usize, fe_levels: &[usize], nested: &[bool]) -> usize {
    let q = fe_levels.len();
    if q == 0 {
        return k;
    }
    let total: usize = fe_levels.iter().sum();
    let k_fe_adj = total - (q - 1);
    match ssc.k_fixef {
        KFixef::None => k,
        KFixef::Full => k + k_fe_adj,
        KFixef::Nonnested => {
            let n_nested = nested.iter().filter(|b| **b).count();
            if n_nested == 0 {
                k + k_fe_adj
            } else {
                let nested_levels: usize = fe_levels.iter().zip(nested).filter(|(_, b)| **b).map(|(l, _)| l).sum();
                k + k_fe_adj - nested_levels + n_nested
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        let s: Ssc = "K.adj=false,K.fixef=full,G.adj=true,G.df=conventional".parse().unwrap();
        assert_eq!(s, Ssc { k_adj: false, k_fixef: KFixef::Full, g_adj: true, g_df: GDf::Conventional });
        assert_eq!(s.to_string().parse::<Ssc>().unwrap(), s);
        assert!("K.adj=maybe".parse::<Ssc>().is_err());
        assert!("bogus=1".parse::<Ssc>().is_err());
    }

    #[test]
    fn df_k_follows_fixest() {
        let s = Ssc::default();
        // 3 FE with 50, 10, 5 levels; the 10-level one nested.
        assert_eq!(df_k(&s, 2, &[50, 10, 5], &[false, false, false]), 2 + 65 - 2);
        assert_eq!(df_k(&s, 2, &[50, 10, 5], &[false, true, false]), 2 + 63 - 10 + 1);
        assert_eq!(df_k(&Ssc { k_fixef: KFixef::None, ..s }, 2, &[50, 10, 5], &[false; 3]), 2);
    }
}
