//! Cross-row validation of decoded tables: unique keys and references that
//! resolve (with the right firm kinds). Rows are reported 1-based, in file
//! order (decoding never drops rows, so row i of a table is element i−1).
//! Per-cell rules (types, nulls, ranges) live in [`super::load`]; the
//! streamed `worker_moves` table resolves its firms row by row through
//! [`FirmIndex::position`] (`io::moves`).
//! Imports `io::{error, tables}`.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;
use std::path::Path;

use super::error::LoadError;
use super::tables::{Firm, FirmKind, JvLink, Model, Production, QualityScore, SupplierLink, SupplierTarget};

/// Fail on the first row whose key was already seen.
fn unique<K: Hash + Eq>(
    path: &Path,
    columns: &str,
    keys: impl Iterator<Item = K>,
    show: impl Fn(&K) -> String,
) -> Result<(), LoadError> {
    let mut seen: HashMap<K, usize> = HashMap::new();
    for (i, k) in keys.enumerate() {
        match seen.entry(k) {
            Entry::Occupied(e) => {
                return Err(LoadError::DuplicateKey {
                    path: path.to_path_buf(),
                    row: i + 1,
                    first_row: *e.get(),
                    columns: columns.into(),
                    key: show(e.key()),
                });
            }
            Entry::Vacant(e) => {
                e.insert(i + 1);
            }
        }
    }
    Ok(())
}

/// File name of `path` for messages (`firms.csv`).
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Firm ids → kinds and positions in `firms`, for reference checks.
pub(crate) struct FirmIndex {
    kinds: HashMap<String, (FirmKind, usize)>,
    file: String,
}

impl FirmIndex {
    /// Index `firms` (read from `path`).
    pub fn new(firms: &[Firm], path: &Path) -> Self {
        FirmIndex {
            kinds: firms.iter().enumerate().map(|(i, f)| (f.firm_id.0.clone(), (f.kind, i))).collect(),
            file: file_name(path),
        }
    }

    /// Position in `firms` of the firm `value`, if it exists.
    pub fn position(&self, value: &str) -> Option<usize> {
        self.kinds.get(value).map(|&(_, i)| i)
    }

    /// The error for `value` (row `row`, column `column` of `path`), which is not a firm.
    pub fn dangling(&self, path: &Path, row: usize, column: &'static str, value: &str) -> LoadError {
        LoadError::DanglingReference {
            path: path.to_path_buf(),
            row,
            column,
            value: value.into(),
            target: format!("firm_id in {}", self.file),
        }
    }

    /// Check that `value` (row `row`, column `column` of `path`) is a firm of one of `kinds`
    /// (any kind when `kinds` is empty).
    fn check(
        &self,
        path: &Path,
        row: usize,
        column: &'static str,
        value: &str,
        kinds: &[FirmKind],
    ) -> Result<(), LoadError> {
        let Some(&(kind, _)) = self.kinds.get(value) else {
            return Err(self.dangling(path, row, column, value));
        };
        if kinds.is_empty() || kinds.contains(&kind) {
            return Ok(());
        }
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        Err(LoadError::WrongKind {
            path: path.to_path_buf(),
            row,
            column,
            value: value.into(),
            found: kind.as_str(),
            expected: format!("kind {}", names.join(" or ")),
        })
    }
}

/// Model ids, for reference checks.
pub(crate) struct ModelIndex {
    ids: std::collections::HashSet<String>,
    file: String,
}

impl ModelIndex {
    /// Index `models` (read from `path`).
    pub fn new(models: &[Model], path: &Path) -> Self {
        ModelIndex { ids: models.iter().map(|m| m.model_id.0.clone()).collect(), file: file_name(path) }
    }

    fn check(&self, path: &Path, row: usize, column: &'static str, value: &str) -> Result<(), LoadError> {
        if self.ids.contains(value) {
            return Ok(());
        }
        Err(LoadError::DanglingReference {
            path: path.to_path_buf(),
            row,
            column,
            value: value.into(),
            target: format!("model_id in {}", self.file),
        })
    }
}

/// `firms`: unique `firm_id`.
pub(crate) fn check_firms(firms: &[Firm], path: &Path) -> Result<(), LoadError> {
    unique(path, "firm_id", firms.iter().map(|f| f.firm_id.as_str()), |k| (*k).to_owned())
}

/// `jv_links`: unique (jv_id, domestic_parent, foreign_parent); the JV is a
/// firm of kind `jv` and not its own parent; the parents are of kinds
/// `domestic` and `foreign`.
pub(crate) fn check_jv_links(links: &[JvLink], path: &Path, firms: &FirmIndex) -> Result<(), LoadError> {
    unique(
        path,
        "jv_id, domestic_parent, foreign_parent",
        links.iter().map(|l| (l.jv_id.as_str(), l.domestic_parent.as_str(), l.foreign_parent.as_str())),
        |(a, b, c)| format!("{a}, {b}, {c}"),
    )?;
    for (i, l) in links.iter().enumerate() {
        firms.check(path, i + 1, "jv_id", l.jv_id.as_str(), &[FirmKind::Jv])?;
        for (column, parent) in [("domestic_parent", &l.domestic_parent), ("foreign_parent", &l.foreign_parent)] {
            if parent == &l.jv_id {
                return Err(LoadError::BadValue {
                    path: path.to_path_buf(),
                    row: i + 1,
                    column: column.into(),
                    message: format!("{column} equals jv_id (`{parent}`); a JV cannot own itself"),
                });
            }
        }
        firms.check(path, i + 1, "domestic_parent", l.domestic_parent.as_str(), &[FirmKind::Domestic])?;
        firms.check(path, i + 1, "foreign_parent", l.foreign_parent.as_str(), &[FirmKind::Foreign])?;
    }
    Ok(())
}

/// `models`: unique `model_id`; the producer is a domestic firm or a JV.
pub(crate) fn check_models(models: &[Model], path: &Path, firms: &FirmIndex) -> Result<(), LoadError> {
    unique(path, "model_id", models.iter().map(|m| m.model_id.as_str()), |k| (*k).to_owned())?;
    for (i, m) in models.iter().enumerate() {
        firms.check(path, i + 1, "firm_id", m.firm_id.as_str(), &[FirmKind::Domestic, FirmKind::Jv])?;
    }
    Ok(())
}

/// `quality`: unique (model_id, year, dimension); the model exists.
pub(crate) fn check_quality(rows: &[QualityScore], path: &Path, models: &ModelIndex) -> Result<(), LoadError> {
    unique(
        path,
        "model_id, year, dimension",
        rows.iter().map(|q| (q.model_id.as_str(), q.year, q.dimension.as_str())),
        |(m, y, d)| format!("{m}, {y}, {d}"),
    )?;
    // A dimension belongs to one survey (the clustering category).
    let mut survey_of: HashMap<&str, (&str, usize)> = HashMap::new();
    for (i, q) in rows.iter().enumerate() {
        models.check(path, i + 1, "model_id", q.model_id.as_str())?;
        let Some(survey) = q.survey.as_deref() else { continue };
        let (first, first_row) = *survey_of.entry(q.dimension.as_str()).or_insert((survey, i + 1));
        if first != survey {
            return Err(LoadError::BadValue {
                path: path.to_path_buf(),
                row: i + 1,
                column: "survey".into(),
                message: format!(
                    "dimension `{}` has survey `{survey}` here but `{first}` in row {first_row}; \
                     a dimension belongs to one survey",
                    q.dimension
                ),
            });
        }
    }
    Ok(())
}

/// `suppliers`: no repeated row; the model or firm exists.
pub(crate) fn check_suppliers(
    rows: &[SupplierLink],
    path: &Path,
    firms: &FirmIndex,
    models: &ModelIndex,
) -> Result<(), LoadError> {
    unique(
        path,
        "supplier_id, model_id/firm_id, component, year",
        rows.iter().map(|s| (s.supplier_id.as_str(), &s.target, s.component.as_str(), s.year)),
        |(s, t, c, y)| {
            let t = match t {
                SupplierTarget::Model(m) => format!("model {m}"),
                SupplierTarget::Firm(f) => format!("firm {f}"),
            };
            format!("{s}, {t}, {c}, {}", y.map_or_else(|| "(no year)".into(), |y| y.to_string()))
        },
    )?;
    for (i, s) in rows.iter().enumerate() {
        match &s.target {
            SupplierTarget::Model(m) => models.check(path, i + 1, "model_id", m.as_str())?,
            SupplierTarget::Firm(f) => firms.check(path, i + 1, "firm_id", f.as_str(), &[])?,
        }
    }
    Ok(())
}

/// `production`: unique (firm_id, year); the firm exists.
pub(crate) fn check_production(rows: &[Production], path: &Path, firms: &FirmIndex) -> Result<(), LoadError> {
    unique(path, "firm_id, year", rows.iter().map(|p| (p.firm_id.as_str(), p.year)), |(f, y)| format!("{f}, {y}"))?;
    for (i, p) in rows.iter().enumerate() {
        firms.check(path, i + 1, "firm_id", p.firm_id.as_str(), &[])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{FirmId, GroupId};
    use crate::tables::Ownership;

    fn firm(id: &str, kind: FirmKind) -> Firm {
        Firm {
            firm_id: FirmId(id.into()),
            name: id.into(),
            kind,
            group_id: GroupId(id.into()),
            province: None,
            ownership: Ownership::Soe,
        }
    }

    #[test]
    fn duplicate_firm_names_both_rows() {
        let firms = [firm("A", FirmKind::Domestic), firm("B", FirmKind::Jv), firm("A", FirmKind::Jv)];
        let err = check_firms(&firms, Path::new("d/firms.csv")).unwrap_err();
        assert_eq!(err.to_string(), "d/firms.csv: row 3: duplicate key (firm_id) = (A), first seen in row 1");
    }

    #[test]
    fn wrong_kind_and_dangling() {
        let firms = [firm("D", FirmKind::Domestic), firm("F", FirmKind::Foreign), firm("J", FirmKind::Jv)];
        let idx = FirmIndex::new(&firms, Path::new("d/firms.csv"));
        let link = |j: &str, d: &str, f: &str| JvLink {
            jv_id: FirmId(j.into()),
            domestic_parent: FirmId(d.into()),
            foreign_parent: FirmId(f.into()),
            founded: 2000,
            dissolved: None,
            foreign_share: None,
        };
        let p = Path::new("d/jv_links.csv");
        assert!(check_jv_links(&[link("J", "D", "F")], p, &idx).is_ok());
        let err = check_jv_links(&[link("J", "D", "F"), link("J", "F", "D")], p, &idx).unwrap_err();
        assert_eq!(
            err.to_string(),
            "d/jv_links.csv: row 2, column `domestic_parent`: firm `F` has kind `foreign`, expected kind domestic"
        );
        let err = check_jv_links(&[link("J", "D", "F"), link("J", "J", "F")], p, &idx).unwrap_err();
        assert_eq!(
            err.to_string(),
            "d/jv_links.csv: row 2, column `domestic_parent`: domestic_parent equals jv_id (`J`); a JV cannot own itself"
        );
        let err = check_jv_links(&[link("J", "D", "J")], p, &idx).unwrap_err();
        assert_eq!(
            err.to_string(),
            "d/jv_links.csv: row 1, column `foreign_parent`: foreign_parent equals jv_id (`J`); a JV cannot own itself"
        );
        let err = check_jv_links(&[link("X", "D", "F")], p, &idx).unwrap_err();
        assert_eq!(
            err.to_string(),
            "d/jv_links.csv: row 1, column `jv_id`: `X` not found (no such firm_id in firms.csv)"
        );
    }
}
