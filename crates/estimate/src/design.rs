//! The input of an estimation: a [`Design`] of plain columns (dependent
//! variable, named regressors, optional weights, fixed-effect and cluster
//! ids as `u32` codes). Imports nothing from the crate.

use super::EstimateError;

/// A named column of categorical codes (fixed effect or cluster variable).
///
/// Codes need not be contiguous; they are compacted internally.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// Variable name (used in output and for FE/cluster nesting detection).
    pub name: String,
    /// One code per observation.
    pub codes: Vec<u32>,
}

/// A named numeric column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Variable name.
    pub name: String,
    /// One value per observation (finite).
    pub values: Vec<f64>,
}

/// Everything an OLS fit needs, as plain columns of equal length `n`.
///
/// Without fixed effects an intercept named `Intercept` is added (as
/// pyfixest does); with fixed effects the intercept is absorbed.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Dependent variable.
    pub y: Column,
    /// Regressors, in output order.
    pub x: Vec<Column>,
    /// Analytic weights (all > 0), if any.
    pub weights: Option<Vec<f64>>,
    /// Fixed effects to absorb.
    pub fe: Vec<Factor>,
    /// Cluster variables available to clustered inference and the bootstrap.
    pub clusters: Vec<Factor>,
}

impl Design {
    /// A design with only a dependent variable and regressors.
    pub fn new(y: Column, x: Vec<Column>) -> Self {
        Design { y, x, weights: None, fe: Vec::new(), clusters: Vec::new() }
    }

    /// Number of observations.
    pub fn nobs(&self) -> usize {
        self.y.values.len()
    }

    /// Check lengths, finiteness, positivity of weights, unique names.
    pub fn validate(&self) -> Result<(), EstimateError> {
        let n = self.nobs();
        if n == 0 {
            return Err(EstimateError::EmptySample("the design has no observation".into()));
        }
        let check = |name: &str, len: usize| {
            if len == n {
                Ok(())
            } else {
                Err(EstimateError::bad(format!("column `{name}` has {len} values, expected {n}")))
            }
        };
        for c in &self.x {
            check(&c.name, c.values.len())?;
        }
        for f in self.fe.iter().chain(&self.clusters) {
            check(&f.name, f.codes.len())?;
        }
        if let Some(w) = &self.weights {
            check("weights", w.len())?;
            if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
                return Err(EstimateError::bad(format!("weight of observation {} is {} (must be > 0)", i + 1, w[i])));
            }
        }
        for c in std::iter::once(&self.y).chain(&self.x) {
            if let Some(i) = c.values.iter().position(|v| !v.is_finite()) {
                return Err(EstimateError::bad(format!(
                    "column `{}`: observation {} is not finite ({})",
                    c.name,
                    i + 1,
                    c.values[i]
                )));
            }
        }
        let mut names: Vec<&str> = self.x.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(EstimateError::bad(format!("regressor `{}` appears twice", w[0])));
        }
        if self.x.is_empty() && !self.fe.is_empty() {
            return Err(EstimateError::bad("no regressor: give at least one x with fixed effects"));
        }
        Ok(())
    }
}
