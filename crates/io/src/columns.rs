//! Header matching shared by the table loaders: each spec column's index in
//! a file, and the message for a file that is not separated by commas.

use super::error::LoadError;
use super::raw::RawTable;
use super::schema::{self, Presence, TableSpec};

/// Match the file's header to the spec: every required column present, no
/// repeated column, and no unknown column unless `allow_extra`. For each spec
/// column, its index in the file; and the unknown columns, in file order
/// (empty unless `allow_extra`).
pub(crate) fn match_columns(
    raw: &RawTable,
    spec: &TableSpec,
    allow_extra: bool,
) -> Result<(Vec<Option<usize>>, Vec<String>), LoadError> {
    for (j, name) in raw.names.iter().enumerate() {
        if raw.names[..j].contains(name) {
            return Err(LoadError::Read {
                path: raw.path.clone(),
                message: format!("column `{name}` appears more than once in the header"),
            });
        }
    }
    if let [name] = raw.names.as_slice()
        && spec.column(name).is_none()
        && let Some(sep) = likely_delimiter(name)
    {
        return Err(LoadError::Read {
            path: raw.path.clone(),
            message: format!(
                "the header has one column `{}`: columns must be separated by commas, \
                 but this file seems to use {sep} (expected columns: {})",
                name.replace('\t', "\\t"),
                spec.column_list()
            ),
        });
    }
    let extra: Vec<String> = raw.names.iter().filter(|n| spec.column(n).is_none()).cloned().collect();
    let missing: Vec<&str> = spec
        .columns
        .iter()
        .filter(|c| c.presence == Presence::Required && !raw.names.iter().any(|n| n == c.name))
        .map(|c| c.name)
        .collect();
    if let Some(&column) = missing.first() {
        return Err(LoadError::MissingColumn {
            path: raw.path.clone(),
            column: column.into(),
            hint: misspelt_hint(spec, &missing, &extra),
        });
    }
    let idx = spec.columns.iter().map(|c| raw.names.iter().position(|n| n == c.name)).collect();
    if let (Some(column), false) = (extra.first(), allow_extra) {
        return Err(LoadError::ExtraColumn {
            path: raw.path.clone(),
            column: column.clone(),
            allowed: spec.column_list(),
        });
    }
    if spec.name == schema::SUPPLIERS.name && !raw.names.iter().any(|n| n == "model_id" || n == "firm_id") {
        return Err(LoadError::MissingColumn {
            path: raw.path.clone(),
            column: "model_id (or firm_id)".into(),
            hint: misspelt_hint(spec, &["model_id"], &extra),
        });
    }
    Ok((idx, extra))
}

/// The end of a missing-column message when the header also has columns the
/// table does not define (most often the missing one misspelt): with one
/// missing and one unknown column, `: the header has `segement` instead;
/// rename it to `segment``; otherwise the unknown columns and the table's
/// columns. Empty when every header column is known.
fn misspelt_hint(spec: &TableSpec, missing: &[&str], extra: &[String]) -> String {
    match (missing, extra) {
        (_, []) => String::new(),
        ([column], [found]) => format!(": the header has `{found}` instead; rename it to `{column}`"),
        _ => format!(
            ": the header has {} instead, which {} does not define (its columns: {})",
            extra.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
            spec.name,
            spec.column_list()
        ),
    }
}

/// The separator a one-column header such as `firm_id;year;units` seems to
/// use instead of a comma, described for a message: a semicolon, a tab, a
/// vertical bar or spaces (in that order of preference); `None` when the
/// name holds none of them.
pub(crate) fn likely_delimiter(header: &str) -> Option<&'static str> {
    [(';', "semicolons (`;`)"), ('\t', "tabs"), ('|', "vertical bars (`|`)"), (' ', "spaces")]
        .into_iter()
        .find(|(c, _)| header.contains(*c))
        .map(|(_, what)| what)
}
