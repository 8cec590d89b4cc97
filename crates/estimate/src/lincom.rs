//! Linear combinations of coefficients $R'\beta$ with delta-method
//! standard errors $\sqrt{R'VR}$ (exact for linear functions), tested
//! against a null value $r$ with the fit's t degrees of freedom. Works on
//! any [`Fitted`] model. Imports `fit` and `vcov` from the crate.

use std::str::FromStr;

use super::EstimateError;
use super::fit::Fitted;
use super::vcov::{CoefRow, Inference, coef_row_for};

/// A linear combination $\sum_j c_j\beta_j$ tested against `null`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Lincom {
    /// The expression as given (used as the row name).
    pub label: String,
    /// (coefficient, regressor name) terms.
    pub terms: Vec<(f64, String)>,
    /// Null value $r$ of $H_0: R'\beta = r$ (default 0).
    pub null: f64,
}

impl FromStr for Lincom {
    type Err = EstimateError;

    /// Parse `x1+x2`, `x1 - 2*x2`, `0.5*a + b = 1` (names may contain
    /// letters, digits, `_`, `.`, `:`; a term is `[NUMBER*]NAME`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (lhs, null) = match s.split_once('=') {
            Some((l, r)) => {
                let r = r.trim();
                (l, r.parse::<f64>().map_err(|_| EstimateError::bad(format!("lincom `{s}`: `{r}` is not a number")))?)
            }
            None => (s, 0.0),
        };
        let mut terms = Vec::new();
        let mut sign = 1.0;
        let mut cur = String::new();
        let flush = |cur: &mut String, sign: f64, terms: &mut Vec<(f64, String)>| -> Result<(), EstimateError> {
            let t = cur.trim();
            if t.is_empty() {
                return Err(EstimateError::bad(format!("lincom `{s}`: empty term")));
            }
            let (c, name) = match t.split_once('*') {
                Some((a, b)) => (
                    a.trim()
                        .parse::<f64>()
                        .map_err(|_| EstimateError::bad(format!("lincom `{s}`: `{a}` is not a number")))?,
                    b.trim(),
                ),
                None => (1.0, t),
            };
            if name.is_empty() || !name.chars().all(|ch| ch.is_alphanumeric() || "_.:".contains(ch)) {
                return Err(EstimateError::bad(format!("lincom `{s}`: `{name}` is not a regressor name")));
            }
            terms.push((sign * c, name.to_owned()));
            cur.clear();
            Ok(())
        };
        let mut prev_e = false;
        for ch in lhs.chars() {
            let is_exp_sign =
                prev_e && cur.trim().chars().all(|c| c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E');
            if (ch == '+' || ch == '-') && !is_exp_sign {
                if cur.trim().is_empty() {
                    if ch == '-' {
                        sign = -sign;
                    }
                } else {
                    flush(&mut cur, sign, &mut terms)?;
                    sign = if ch == '-' { -1.0 } else { 1.0 };
                }
            } else {
                cur.push(ch);
            }
            prev_e = ch == 'e' || ch == 'E';
        }
        flush(&mut cur, sign, &mut terms)?;
        Ok(Lincom { label: s.trim().to_owned(), terms, null })
    }
}

impl Lincom {
    /// The weight vector $R$ over the fit's kept coefficients.
    pub fn weights(&self, fit: &dyn Fitted) -> Result<Vec<f64>, EstimateError> {
        let fit = fit.core();
        let mut r = vec![0.0; fit.k()];
        for (c, name) in &self.terms {
            let j = fit.coef_index(name).ok_or_else(|| {
                if fit.diagnostics.collinear.contains(name) {
                    EstimateError::bad(format!("lincom `{}`: `{name}` was dropped as collinear", self.label))
                } else {
                    EstimateError::bad(format!("lincom `{}`: no coefficient `{name}`", self.label))
                }
            })?;
            r[j] += c;
        }
        Ok(r)
    }
}

/// Result of a linear combination under one inference.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LincomResult {
    /// The combination.
    pub lincom: Lincom,
    /// Estimate $R'\hat\beta$, SE, t (of $R'\hat\beta - r$), p, 95 % CI.
    pub row: CoefRow,
}

/// Evaluate a linear combination with its delta-method SE, from a fit (any
/// estimator) and an inference computed from it.
pub fn lincom(fit: &dyn Fitted, inf: &Inference, lc: &Lincom) -> Result<LincomResult, EstimateError> {
    let r = lc.weights(fit)?;
    let est: f64 = r.iter().zip(&fit.core().beta).map(|(a, b)| a * b).sum();
    let se = inf.vcov.quad(&r).max(0.0).sqrt();
    let mut row = coef_row_for(inf.normal, &lc.label, est - lc.null, se, inf.df_t);
    row.estimate = est;
    row.ci_low += lc.null;
    row.ci_high += lc.null;
    Ok(LincomResult { lincom: lc.clone(), row })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_terms() {
        let l: Lincom = "x1 - 2*x2 + 0.5*a_b = 1".parse().unwrap();
        assert_eq!(l.terms, vec![(1.0, "x1".into()), (-2.0, "x2".into()), (0.5, "a_b".into())]);
        assert_eq!(l.null, 1.0);
        let l: Lincom = "-x1+1e-3*x2".parse().unwrap();
        assert_eq!(l.terms, vec![(-1.0, "x1".into()), (1e-3, "x2".into())]);
        assert!("x1 +".parse::<Lincom>().is_err());
        assert!("2*".parse::<Lincom>().is_err());
    }
}
