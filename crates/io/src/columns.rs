//! Header matching shared by the table loaders: each spec column's index in
//! a file, and the message for a file that is not separated by commas.

use super::error::LoadError;
use super::raw::RawTable;
use super::schema::{self, Presence, TableSpec};

/// Match the file's header to the spec: every required column present, no
/// unknown or repeated column. For each spec column, its index in the file.
pub(crate) fn match_columns(raw: &RawTable, spec: &TableSpec) -> Result<Vec<Option<usize>>, LoadError> {
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
    let mut idx = Vec::with_capacity(spec.columns.len());
    for c in spec.columns {
        let found = raw.names.iter().position(|n| n == c.name);
        if found.is_none() && c.presence == Presence::Required {
            return Err(LoadError::MissingColumn { path: raw.path.clone(), column: c.name.into() });
        }
        idx.push(found);
    }
    if let Some(extra) = raw.names.iter().find(|n| spec.column(n).is_none()) {
        return Err(LoadError::ExtraColumn {
            path: raw.path.clone(),
            column: extra.clone(),
            allowed: spec.column_list(),
        });
    }
    if spec.name == schema::SUPPLIERS.name && !raw.names.iter().any(|n| n == "model_id" || n == "firm_id") {
        return Err(LoadError::MissingColumn { path: raw.path.clone(), column: "model_id (or firm_id)".into() });
    }
    Ok(idx)
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
