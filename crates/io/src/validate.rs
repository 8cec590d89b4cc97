//! Cross-row validation of decoded tables: unique keys and references that
//! resolve (with the right firm kinds). Rows are reported 1-based, in file
//! order (decoding never drops rows, so row i of a table is element i−1).
//! Per-cell rules (types, nulls, ranges) live in [`super::load`]; the
//! streamed `worker_moves` table resolves its firms row by row through
//! [`FirmIndex::position`] (`io::moves`).
//!
//! Every check that follows a reference returns where it points (a 0-based
//! position in the referenced table), so the references are resolved once,
//! here, and kept in [`crate::index::Index`].
//! Imports `io::{error, tables}`.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;
use std::path::Path;

use super::error::LoadError;
use super::tables::{
    BrandAssociation, CustomerChoice, Firm, FirmKind, JvLink, Model, PatentFlow, Production, QualityScore,
    SupplierLink, SupplierTarget, WorkerMove,
};

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
    /// Each firm's id by its name (the first firm of a name), for the hint of a dangling reference.
    by_name: HashMap<String, String>,
    /// Each firm's id by its lower-cased id, for the same hint.
    by_lower: HashMap<String, String>,
    file: String,
}

impl FirmIndex {
    /// Index `firms` (read from `path`).
    pub fn new(firms: &[Firm], path: &Path) -> Self {
        FirmIndex {
            kinds: firms.iter().enumerate().map(|(i, f)| (f.firm_id.0.clone(), (f.kind, i))).collect(),
            by_name: firms.iter().rev().map(|f| (f.name.clone(), f.firm_id.0.clone())).collect(),
            by_lower: firms.iter().rev().map(|f| (f.firm_id.0.to_lowercase(), f.firm_id.0.clone())).collect(),
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
            hint: match (self.by_name.get(value), self.by_lower.get(&value.to_lowercase())) {
                (Some(id), _) => format!("; it is the name of firm `{id}`: use its firm_id"),
                (None, Some(id)) => format!("; did you mean `{id}`? (ids are case-sensitive)"),
                (None, None) => String::new(),
            },
        }
    }

    /// Check that `value` (row `row`, column `column` of `path`) is a firm of one of `kinds`
    /// (any kind when `kinds` is empty); its position in `firms`.
    fn check(
        &self,
        path: &Path,
        row: usize,
        column: &'static str,
        value: &str,
        kinds: &[FirmKind],
    ) -> Result<usize, LoadError> {
        let Some(&(kind, pos)) = self.kinds.get(value) else {
            return Err(self.dangling(path, row, column, value));
        };
        if kinds.is_empty() || kinds.contains(&kind) {
            return Ok(pos);
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

/// Model ids → positions in `models`, for reference checks.
pub(crate) struct ModelIndex {
    ids: HashMap<String, usize>,
    file: String,
}

impl ModelIndex {
    /// Index `models` (read from `path`).
    pub fn new(models: &[Model], path: &Path) -> Self {
        ModelIndex {
            ids: models.iter().enumerate().map(|(i, m)| (m.model_id.0.clone(), i)).collect(),
            file: file_name(path),
        }
    }

    /// Check that `value` (row `row`, column `column` of `path`) is a model; its position in `models`.
    fn check(&self, path: &Path, row: usize, column: &'static str, value: &str) -> Result<usize, LoadError> {
        if let Some(&pos) = self.ids.get(value) {
            return Ok(pos);
        }
        Err(LoadError::DanglingReference {
            path: path.to_path_buf(),
            row,
            column,
            value: value.into(),
            target: format!("model_id in {}", self.file),
            hint: String::new(),
        })
    }
}

/// `firms`: unique `firm_id`.
pub(crate) fn check_firms(firms: &[Firm], path: &Path) -> Result<(), LoadError> {
    unique(path, "firm_id", firms.iter().map(|f| f.firm_id.as_str()), |k| (*k).to_owned())
}

/// `jv_links`: unique (jv_id, domestic_parent, foreign_parent); the JV is a
/// firm of kind `jv` and not its own parent; the parents are of kinds
/// `domestic` and `foreign`. Per row: positions of (JV, domestic, foreign parent) in `firms`.
pub(crate) fn check_jv_links(links: &[JvLink], path: &Path, firms: &FirmIndex) -> Result<Vec<[usize; 3]>, LoadError> {
    unique(
        path,
        "jv_id, domestic_parent, foreign_parent",
        links.iter().map(|l| (l.jv_id.as_str(), l.domestic_parent.as_str(), l.foreign_parent.as_str())),
        |(a, b, c)| format!("{a}, {b}, {c}"),
    )?;
    let mut out = Vec::with_capacity(links.len());
    for (i, l) in links.iter().enumerate() {
        let jv = firms.check(path, i + 1, "jv_id", l.jv_id.as_str(), &[FirmKind::Jv])?;
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
        let domestic =
            firms.check(path, i + 1, "domestic_parent", l.domestic_parent.as_str(), &[FirmKind::Domestic])?;
        let foreign = firms.check(path, i + 1, "foreign_parent", l.foreign_parent.as_str(), &[FirmKind::Foreign])?;
        out.push([jv, domestic, foreign]);
    }
    Ok(out)
}

/// `models`: unique `model_id`; the producer is a domestic firm or a JV.
/// Per row: the producer's position in `firms`.
pub(crate) fn check_models(models: &[Model], path: &Path, firms: &FirmIndex) -> Result<Vec<usize>, LoadError> {
    unique(path, "model_id", models.iter().map(|m| m.model_id.as_str()), |k| (*k).to_owned())?;
    models
        .iter()
        .enumerate()
        .map(|(i, m)| firms.check(path, i + 1, "firm_id", m.firm_id.as_str(), &[FirmKind::Domestic, FirmKind::Jv]))
        .collect()
}

/// `quality`: unique (model_id, year, dimension); the model exists; a
/// dimension belongs to one survey. Per row: the model's position in `models`.
pub(crate) fn check_quality(rows: &[QualityScore], path: &Path, models: &ModelIndex) -> Result<Vec<usize>, LoadError> {
    unique(
        path,
        "model_id, year, dimension",
        rows.iter().map(|q| (q.model_id.as_str(), q.year, q.dimension.as_str())),
        |(m, y, d)| format!("{m}, {y}, {d}"),
    )?;
    // A dimension belongs to one survey (the clustering category).
    let mut survey_of: HashMap<&str, (&str, usize)> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (i, q) in rows.iter().enumerate() {
        out.push(models.check(path, i + 1, "model_id", q.model_id.as_str())?);
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
    Ok(out)
}

/// Where a supplier link points: a position in `models` or in `firms`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TargetPos {
    /// Position in `models`.
    Model(usize),
    /// Position in `firms`.
    Firm(usize),
}

/// `suppliers`: no repeated row; the model or firm exists. Per row: the
/// target's position in `models` or `firms`.
pub(crate) fn check_suppliers(
    rows: &[SupplierLink],
    path: &Path,
    firms: &FirmIndex,
    models: &ModelIndex,
) -> Result<Vec<TargetPos>, LoadError> {
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
    rows.iter()
        .enumerate()
        .map(|(i, s)| match &s.target {
            SupplierTarget::Model(m) => models.check(path, i + 1, "model_id", m.as_str()).map(TargetPos::Model),
            SupplierTarget::Firm(f) => firms.check(path, i + 1, "firm_id", f.as_str(), &[]).map(TargetPos::Firm),
        })
        .collect()
}

/// `production`: unique (firm_id, year); the firm exists. Per row: its position in `firms`.
pub(crate) fn check_production(rows: &[Production], path: &Path, firms: &FirmIndex) -> Result<Vec<usize>, LoadError> {
    unique(path, "firm_id, year", rows.iter().map(|p| (p.firm_id.as_str(), p.year)), |(f, y)| format!("{f}, {y}"))?;
    rows.iter().enumerate().map(|(i, p)| firms.check(path, i + 1, "firm_id", p.firm_id.as_str(), &[])).collect()
}

/// The error for row `row` (1-based) of `path` whose `column` names the same
/// entity as `other` (`value`): a pair needs two different ones.
fn same_twice(path: &Path, row: usize, column: &str, other: &str, value: &str, what: &str) -> LoadError {
    LoadError::BadValue {
        path: path.to_path_buf(),
        row,
        column: column.into(),
        message: format!("{column} equals {other} (`{value}`); {what}"),
    }
}

/// `customer_choices`: two different models, both in `models`; unique
/// (unordered pair, year), so (A, B, y) repeats (B, A, y). Per row: the
/// positions of (model_a, model_b) in `models`.
pub(crate) fn check_customer_choices(
    rows: &[CustomerChoice],
    path: &Path,
    models: &ModelIndex,
) -> Result<Vec<[usize; 2]>, LoadError> {
    unique(
        path,
        "model_a, model_b, year (unordered pair)",
        rows.iter().map(|c| {
            let (a, b) = (c.model_a.as_str(), c.model_b.as_str());
            (a.min(b), a.max(b), c.year)
        }),
        |(a, b, y)| format!("{a}, {b}, {y}"),
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, c) in rows.iter().enumerate() {
        let a = models.check(path, i + 1, "model_a", c.model_a.as_str())?;
        let b = models.check(path, i + 1, "model_b", c.model_b.as_str())?;
        if a == b {
            return Err(same_twice(
                path,
                i + 1,
                "model_b",
                "model_a",
                c.model_a.as_str(),
                "a pair needs two different models",
            ));
        }
        out.push([a, b]);
    }
    Ok(out)
}

/// `brand_association`: unique (domestic_firm, foreign_parent); the firms are
/// of kinds `domestic` and `foreign`. Per row: their positions in `firms`.
pub(crate) fn check_brand_association(
    rows: &[BrandAssociation],
    path: &Path,
    firms: &FirmIndex,
) -> Result<Vec<[usize; 2]>, LoadError> {
    unique(
        path,
        "domestic_firm, foreign_parent",
        rows.iter().map(|b| (b.domestic_firm.as_str(), b.foreign_parent.as_str())),
        |(d, f)| format!("{d}, {f}"),
    )?;
    rows.iter()
        .enumerate()
        .map(|(i, b)| {
            let d = firms.check(path, i + 1, "domestic_firm", b.domestic_firm.as_str(), &[FirmKind::Domestic])?;
            Ok([d, firms.check(path, i + 1, "foreign_parent", b.foreign_parent.as_str(), &[FirmKind::Foreign])?])
        })
        .collect()
}

/// `patents`: unique (from_firm, to_firm, year, kind); two different firms,
/// both in `firms`. Per row: positions of (from_firm, to_firm) in `firms`.
pub(crate) fn check_patents(rows: &[PatentFlow], path: &Path, firms: &FirmIndex) -> Result<Vec<[usize; 2]>, LoadError> {
    unique(
        path,
        "from_firm, to_firm, year, kind",
        rows.iter().map(|p| (p.from_firm.as_str(), p.to_firm.as_str(), p.year, p.kind)),
        |(f, t, y, k)| format!("{f}, {t}, {y}, {}", k.as_str()),
    )?;
    rows.iter()
        .enumerate()
        .map(|(i, p)| {
            let from = firms.check(path, i + 1, "from_firm", p.from_firm.as_str(), &[])?;
            let to = firms.check(path, i + 1, "to_firm", p.to_firm.as_str(), &[])?;
            if from == to {
                return Err(same_twice(
                    path,
                    i + 1,
                    "to_firm",
                    "from_firm",
                    p.from_firm.as_str(),
                    "a patent flow needs two different firms",
                ));
            }
            Ok([from, to])
        })
        .collect()
}

/// `worker_moves` held in memory (the loader streams the file instead,
/// `io::moves`): both firms exist. Per row: positions of (from_firm, to_firm) in `firms`.
pub(crate) fn check_worker_moves(
    rows: &[WorkerMove],
    path: &Path,
    firms: &FirmIndex,
) -> Result<Vec<[usize; 2]>, LoadError> {
    rows.iter()
        .enumerate()
        .map(|(i, w)| {
            let from = firms.check(path, i + 1, "from_firm", w.from_firm.as_str(), &[])?;
            Ok([from, firms.check(path, i + 1, "to_firm", w.to_firm.as_str(), &[])?])
        })
        .collect()
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

    #[test]
    fn a_dangling_firm_that_is_a_name_or_an_id_in_another_case_names_the_id() {
        let mut firms = [firm("D1", FirmKind::Domestic), firm("D2", FirmKind::Domestic)];
        firms[0].name = "Huaxin Pharma".into();
        let idx = FirmIndex::new(&firms, Path::new("d/firms.csv"));
        let p = Path::new("d/models.csv");
        let message = |value: &str| idx.dangling(p, 4, "firm_id", value).to_string();
        assert_eq!(
            message("Huaxin Pharma"),
            "d/models.csv: row 4, column `firm_id`: `Huaxin Pharma` not found (no such firm_id in firms.csv); \
             it is the name of firm `D1`: use its firm_id"
        );
        assert_eq!(
            message("d2"),
            "d/models.csv: row 4, column `firm_id`: `d2` not found (no such firm_id in firms.csv); \
             did you mean `D2`? (ids are case-sensitive)"
        );
        assert_eq!(
            message("D3"),
            "d/models.csv: row 4, column `firm_id`: `D3` not found (no such firm_id in firms.csv)"
        );
    }
}
