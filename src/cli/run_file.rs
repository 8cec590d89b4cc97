//! A run file's `[[diagram]]`, `[[html]]`, `[[exposure]]` and `[spillover]` tables as
//! extra command-line arguments, the way ripgrep treats its config file: a
//! table becomes the argument list of its subcommand (`foo_bar = v` →
//! `--foo-bar=v`, `true` → `--foo-bar`, a list → `--foo-bar=a,b`, the table
//! form `min_weight = { worker_flow = 10 }` → `--min-weight=worker_flow=10`)
//! and is parsed by that subcommand's own clap parser, so a key means exactly
//! what its flag means and has the same default. Owns [`TableSpec`] (the keys
//! a table takes besides the flags), [`Source`] (messages that name the file
//! and the line), the translation of keys to flags and of clap's messages
//! back to keys, the record of the resolved flags for the manifest, and the
//! key listing of `spillnet run --help`. Imports clap, toml, serde_json, `suggest` and
//! `error` only.

use std::any::TypeId;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{Map, Value as Json};
use toml::{Spanned, Value};

use crate::error::{Error, Result};
use crate::suggest::edit_distance;

/// A table of a run file as written: keys and values with their places in the file.
pub type RawTable = BTreeMap<Spanned<String>, Spanned<Value>>;

/// What a run-file table is: the subcommand whose flags are its keys, plus
/// the keys the run itself handles and the flags a run file cannot set.
pub struct TableSpec {
    /// The table as written in the file: `[[diagram]]`, `[spillover]`.
    pub name: &'static str,
    /// The subcommand whose flags are the keys: `spillnet graph dot`.
    pub command: &'static str,
    /// What the table is for, shown in `spillnet run --help`.
    pub about: &'static str,
    /// Keys that are not flags, handled by the run code: (key, default list, comment).
    pub run_keys: &'static [(&'static str, &'static [&'static str], &'static str)],
    /// Flags a run file cannot set, with the reason (e.g. `data`, set once for the whole run).
    pub excluded: &'static [(&'static str, &'static str)],
    /// Comments on flag keys that mean something more in a run file (output paths).
    pub notes: &'static [(&'static str, &'static str)],
}

/// Report formats of `[spillover]` when `formats` is not set: a text report
/// to read and a JSON report to process (the one `spillnet run` key that is
/// not a flag, since a run writes several reports where the command writes one).
pub const DEFAULT_FORMATS: [&str; 2] = ["text", "json"];

/// Reason shared by every table: one data folder per run.
const DATA_IS_TOP_LEVEL: &str = "the data folder is set once for the whole run, with `data` at the top of the file";

/// `[[diagram]]`: `spillnet graph dot`.
pub const DIAGRAM: TableSpec = TableSpec {
    name: "[[diagram]]",
    command: "spillnet graph dot",
    about: "any number",
    run_keys: &[],
    excluded: &[("data", DATA_IS_TOP_LEVEL)],
    notes: &[
        ("out", "required: the DOT file, inside the output folder"),
        ("render", "svg | png: also render with Graphviz (when installed)"),
        ("radius", "hops of the ego view (view = \"ego\" only); 1 when not set"),
        ("min_weight", "W, or per channel: { worker_flow = 10, shared_supplier = 100 }"),
    ],
};

/// `[[html]]`: `spillnet graph html`.
pub const HTML: TableSpec = TableSpec {
    name: "[[html]]",
    command: "spillnet graph html",
    about: "any number",
    run_keys: &[],
    excluded: &[("data", DATA_IS_TOP_LEVEL)],
    notes: &[
        ("out", "required: the HTML page, inside the output folder"),
        ("radius", "hops of the ego view (view = \"ego\" only); 1 when not set"),
        ("min_weight", "W, or per channel: { worker_flow = 10, shared_supplier = 100 }"),
    ],
};

/// `[[exposure]]`: `spillnet exposure`.
pub const EXPOSURE: TableSpec = TableSpec {
    name: "[[exposure]]",
    command: "spillnet exposure",
    about: "any number",
    run_keys: &[],
    excluded: &[("data", DATA_IS_TOP_LEVEL)],
    notes: &[
        ("out", "required: .csv or .parquet, inside the output folder"),
        ("pairs", "optional pair weights (.csv or .parquet), inside the output folder"),
    ],
};

/// `[spillover]`: `spillnet spillover`; its reports go to `spillover/` in `formats`.
pub const SPILLOVER: TableSpec = TableSpec {
    name: "[spillover]",
    command: "spillnet spillover",
    about: "optional",
    run_keys: &[(
        "formats",
        &DEFAULT_FORMATS,
        "text | md | latex | csv (tidy) | csv-table (grid) | json: one report each in spillover/",
    )],
    excluded: &[
        ("data", DATA_IS_TOP_LEVEL),
        ("out", "the run writes its reports to spillover/spillover.<ext> in the output folder"),
        ("format", "a run writes one report per entry of `formats = [...]`"),
        ("placebo_out", "the run writes the placebo draws to spillover/placebo.{csv,svg}"),
        ("panel_out", "not available in a run file; export the panel with `spillnet spillover --panel-out FILE`"),
    ],
    notes: &[],
};

/// The configuration file being read: its name and text, for messages.
pub struct Source<'a> {
    /// The file as shown in messages.
    pub shown: &'a str,
    /// Its contents (spans index into it).
    pub text: &'a str,
}

impl Source<'_> {
    /// A usage error at the line of `span`, naming the file.
    pub fn err_at(&self, span: Range<usize>, msg: impl fmt::Display) -> Error {
        let line = self.text[..span.start.min(self.text.len())].matches('\n').count() + 1;
        Error::Usage(format!("{}, line {line}: {msg}", self.shown))
    }

    /// A usage error naming the file.
    pub fn err(&self, msg: impl fmt::Display) -> Error {
        Error::Usage(format!("{}: {msg}", self.shown))
    }
}

/// One table of the file, located: what it is, which one, its keys.
pub struct Table<'a> {
    /// What the table is.
    pub spec: &'static TableSpec,
    /// How messages name it: `[[diagram]] #2`, `[spillover]`.
    pub label: String,
    /// Its keys.
    pub keys: &'a RawTable,
    /// Where it is in the file.
    pub span: Range<usize>,
}

impl Table<'_> {
    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&Spanned<Value>> {
        self.keys.get(key)
    }

    /// Where `key` is written, or the table itself when it is not set.
    pub fn span_of(&self, key: &str) -> Range<usize> {
        self.keys.get_key_value(key).map_or_else(|| self.span.clone(), |(k, _)| k.span())
    }

    /// A usage error about `key`, at its line: "`key` of [[diagram]] #1: …".
    pub fn err(&self, src: &Source<'_>, key: &str, msg: impl fmt::Display) -> Error {
        src.err_at(self.span_of(key), format_args!("`{key}` of {}: {msg}", self.label))
    }

    /// A path-valued key (`out`, `pairs`), relative to the output folder.
    pub fn path(&self, src: &Source<'_>, key: &str) -> Result<Option<Spanned<PathBuf>>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                Value::String(s) => Ok(Some(Spanned::new(v.span(), PathBuf::from(s)))),
                other => Err(self.err(src, key, format_args!("expected a path in quotes, found {}", other.type_str()))),
            },
        }
    }

    /// The flags of the subcommand `A`: this table's keys (run keys left
    /// out) turned into arguments after `--data DATA` and parsed by `A`'s
    /// own parser. Returns the arguments and every flag's resolved value
    /// (defaults included; `data` and the excluded flags left out) for the
    /// manifest.
    ///
    /// # Errors
    /// A usage error naming the file, the line and the key: an unknown key
    /// (with the closest valid one), a flag a run file cannot set, a value
    /// of the wrong shape, or the parser's own complaint.
    pub fn parse<A: clap::Args>(&self, src: &Source<'_>, data: &Path) -> Result<(A, Map<String, Json>)> {
        let mut cmd = flags_command::<A>(self.spec);
        let mut argv: Vec<OsString> = vec!["--data".into(), data.as_os_str().to_owned()];
        for (key, value) in self.keys {
            let k = key.get_ref().as_str();
            if self.spec.run_keys.iter().any(|(r, _, _)| *r == k) {
                continue;
            }
            if let Some((_, why)) = self.spec.excluded.iter().find(|(x, _)| *x == k) {
                return Err(self.err(src, k, format_args!("not a key of a run file: {why}")));
            }
            let Some(arg) = cmd.get_arguments().find(|a| key_of(a).as_deref() == Some(k)) else {
                return Err(src.err_at(key.span(), self.unknown_key(&cmd, k)));
            };
            push_flag(&mut argv, arg, value.get_ref()).map_err(|m| self.err(src, k, m))?;
        }
        let matches = cmd.try_get_matches_from_mut(argv).map_err(|e| self.clap_err(src, &cmd, &e))?;
        let args = <A as clap::FromArgMatches>::from_arg_matches(&matches).map_err(|e| self.clap_err(src, &cmd, &e))?;
        Ok((args, self.resolved(&cmd, &matches)))
    }

    /// A validation error of the subcommand's own `into_config`, its flags
    /// written as keys, at the line of the first key it names.
    pub fn invalid(&self, src: &Source<'_>, e: Error) -> Error {
        let msg = match e {
            Error::Usage(m) => m,
            other => other.to_string(),
        };
        let span = flag_names(&msg)
            .into_iter()
            .find_map(|k| self.keys.get_key_value(k.as_str()).map(|(k, _)| k.span()))
            .unwrap_or_else(|| self.span.clone());
        src.err_at(span, format_args!("{}: {}", self.label, flags_to_keys(&msg)))
    }

    /// "unknown field `k` in [[diagram]] #1; did you mean `x`? …".
    fn unknown_key(&self, cmd: &Command, k: &str) -> String {
        let valid = valid_keys(cmd, self.spec);
        let closest = valid.iter().map(|v| (edit_distance(k, v), v)).filter(|(d, v)| *d <= v.len().max(3) / 3).min();
        let hint = closest.map(|(_, v)| format!("; did you mean `{v}`?")).unwrap_or_default();
        format!(
            "unknown field `{k}` in {}{hint} (its keys are the flags of `{}` with `_` for `-`: {})",
            self.label,
            self.spec.command,
            valid.join(", ")
        )
    }

    /// A clap error as a usage error at the line of the key it is about.
    fn clap_err(&self, src: &Source<'_>, cmd: &Command, e: &clap::Error) -> Error {
        let arg = match e.get(ContextKind::InvalidArg) {
            Some(ContextValue::String(s)) => {
                s.trim_start_matches('-').split([' ', '=']).next().map(|l| l.replace('-', "_"))
            }
            _ => None,
        };
        let value = match e.get(ContextKind::InvalidValue) {
            Some(ContextValue::String(s)) => Some(s.clone()),
            _ => None,
        };
        let msg = match (e.kind(), &value, e.get(ContextKind::ValidValue)) {
            (ErrorKind::InvalidValue, Some(v), Some(ContextValue::Strings(valid))) => {
                let valid: Vec<String> = valid.iter().map(|s| format!("`{s}`")).collect();
                format!("invalid value `{v}`, expected one of {}", valid.join(", "))
            }
            (ErrorKind::ValueValidation, Some(v), _) => {
                let flag = arg.as_deref().and_then(|k| cmd.get_arguments().find(|a| key_of(a).as_deref() == Some(k)));
                let expected = flag.and_then(number_kind).map(|n| format!(", expected {n}")).unwrap_or_default();
                match std::error::Error::source(e) {
                    Some(why) => format!("invalid value `{v}`{expected} ({why})"),
                    None => format!("invalid value `{v}`{expected}"),
                }
            }
            _ => {
                let rendered = e.render().to_string();
                let first = rendered.lines().next().unwrap_or_default().trim_start_matches("error: ").to_owned();
                flags_to_keys(&quoted_flags_to_keys(&first)).replace('\'', "`")
            }
        };
        match arg {
            Some(k) if self.keys.contains_key(k.as_str()) => self.err(src, &k, msg),
            _ => src.err_at(self.span.clone(), format_args!("{}: {msg}", self.label)),
        }
    }

    /// Every flag's value after parsing (defaults filled in), by key.
    fn resolved(&self, cmd: &Command, m: &ArgMatches) -> Map<String, Json> {
        let mut out = Map::new();
        for arg in cmd.get_arguments() {
            let Some(key) = key_of(arg) else { continue };
            if key == "help" || self.spec.excluded.iter().any(|(x, _)| *x == key) {
                continue;
            }
            let id = arg.get_id().as_str();
            let value = if arg.get_action().takes_values() {
                let raw: Vec<Json> = m
                    .get_raw(id)
                    .map(|vals| vals.map(|v| typed(arg, &v.to_string_lossy())).collect())
                    .unwrap_or_default();
                if matches!(arg.get_action(), ArgAction::Append) {
                    Json::Array(raw)
                } else {
                    raw.into_iter().next().unwrap_or(Json::Null)
                }
            } else {
                Json::Bool(m.get_flag(id))
            };
            out.insert(key, value);
        }
        out
    }
}

/// The parser of subcommand `A`'s flags alone (no binary name, no `--help`).
fn flags_command<A: clap::Args>(spec: &TableSpec) -> Command {
    A::augment_args(Command::new(spec.command).no_binary_name(true).disable_help_flag(true))
}

/// A flag's run-file key: `--min-weight` → `min_weight`.
fn key_of(arg: &Arg) -> Option<String> {
    arg.get_long().map(|l| l.replace('-', "_"))
}

/// The keys a table accepts: its subcommand's flags (less the excluded ones) and its run keys.
fn valid_keys(cmd: &Command, spec: &TableSpec) -> Vec<String> {
    let mut keys: Vec<String> = cmd
        .get_arguments()
        .filter_map(key_of)
        .filter(|k| k != "help" && !spec.excluded.iter().any(|(x, _)| x == k))
        .collect();
    keys.extend(spec.run_keys.iter().map(|(k, _, _)| (*k).to_owned()));
    keys
}

/// Append the arguments of one key: `--flag=value`, `--flag` for `true`,
/// nothing for `false`; a list is one comma-separated value when the flag
/// takes one (`--channels=a,b`) and a repeated flag otherwise; a table
/// `{ k = v }` is a repeated `--flag=k=v` for flags whose value reads `K=V`.
fn push_flag(argv: &mut Vec<OsString>, arg: &Arg, value: &Value) -> std::result::Result<(), String> {
    let long = format!("--{}", arg.get_long().unwrap_or_default());
    let repeatable = matches!(arg.get_action(), ArgAction::Append);
    if !arg.get_action().takes_values() {
        return match value {
            Value::Boolean(true) => {
                argv.push(long.into());
                Ok(())
            }
            Value::Boolean(false) => Ok(()),
            other => Err(format!("expected true or false, found {}", other.type_str())),
        };
    }
    match value {
        Value::Array(items) => {
            if items.is_empty() {
                return Err("an empty list; leave the key out for its default".into());
            }
            let parts = items.iter().map(scalar).collect::<std::result::Result<Vec<_>, _>>()?;
            if arg.get_value_delimiter().is_some() {
                argv.push(format!("{long}={}", parts.join(",")).into());
            } else if repeatable {
                argv.extend(parts.iter().map(|p| OsString::from(format!("{long}={p}"))));
            } else {
                return Err("expected one value, found a list".into());
            }
        }
        Value::Table(t) => {
            let pairs = arg.get_value_names().is_some_and(|n| n.iter().any(|n| n.as_str().contains('=')));
            if !(pairs && repeatable) {
                return Err("expected a value, found a table".into());
            }
            for (k, v) in t {
                argv.push(format!("{long}={k}={}", scalar(v)?).into());
            }
        }
        v => argv.push(format!("{long}={}", scalar(v)?).into()),
    }
    Ok(())
}

/// One value as command-line text.
fn scalar(v: &Value) -> std::result::Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Integer(i) => Ok(i.to_string()),
        Value::Float(f) => Ok(f.to_string()),
        Value::Boolean(b) => Ok(b.to_string()),
        Value::Datetime(d) => Ok(d.to_string()),
        Value::Array(_) | Value::Table(_) => Err("expected a value, found a nested list or table".into()),
    }
}

/// What kind of number the flag takes, in words (`None`: not a number).
fn number_kind(arg: &Arg) -> Option<&'static str> {
    let t = arg.get_value_parser().type_id();
    let unsigned =
        [TypeId::of::<u8>(), TypeId::of::<u16>(), TypeId::of::<u32>(), TypeId::of::<u64>(), TypeId::of::<usize>()];
    if unsigned.into_iter().any(|id| t == id) {
        Some("a whole number ≥ 0")
    } else if [TypeId::of::<i32>(), TypeId::of::<i64>()].into_iter().any(|id| t == id) {
        Some("a whole number")
    } else if t == TypeId::of::<f64>() {
        Some("a number")
    } else {
        None
    }
}

/// Whether the flag's values are numbers (written bare in JSON and TOML).
fn is_numeric(arg: &Arg) -> bool {
    number_kind(arg).is_some()
}

/// A raw flag value as JSON: a number for numeric flags, else a string.
fn typed(arg: &Arg, raw: &str) -> Json {
    if is_numeric(arg) {
        if let Ok(i) = raw.parse::<i64>() {
            return Json::from(i);
        }
        if let Some(n) = raw.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            return Json::Number(n);
        }
    }
    Json::String(raw.to_owned())
}

/// The `--flag` names in a message, as keys, in order.
fn flag_names(msg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = msg;
    while let Some(i) = rest.find("--") {
        let after = &rest[i + 2..];
        let len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(after.len());
        if len > 0 {
            out.push(after[..len].replace('-', "_"));
        }
        rest = &after[len..];
    }
    out
}

/// Rewrite the flag names in a validation message as configuration keys
/// (`--min-weight` → `` `min_weight` ``).
pub fn flags_to_keys(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find("--") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(after.len());
        if len == 0 {
            out.push_str("--");
        } else {
            out.push('`');
            out.push_str(&after[..len].replace('-', "_"));
            out.push('`');
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// clap's `'--flag <VALUE>'` references as `--flag` (for [`flags_to_keys`]).
fn quoted_flags_to_keys(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find("'--") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('\'') {
            Some(end) => {
                out.push_str(after[..end].split([' ', '=']).next().unwrap_or_default());
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Width of the `key = value` column of [`keys_help`].
const HELP_COLUMN: usize = 30;

/// Longest line of [`keys_help`] (clap wraps help text at 100 columns).
const HELP_WIDTH: usize = 99;

/// `text` in lines of at most `width` characters, broken between words.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        match lines.last_mut() {
            Some(l) if l.chars().count() + 1 + word.chars().count() <= width => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

/// The keys of a table for `spillnet run --help`, generated from the
/// subcommand's flags (so the list is complete and the defaults are the
/// flags' own): `key = default`, or `key = VALUE` in capitals when the
/// flag has no default, with the possible values or a note as a comment.
pub fn keys_help<A: clap::Args>(spec: &TableSpec) -> String {
    let cmd = flags_command::<A>(spec);
    let mut out = String::new();
    let mut line = |assign: String, comment: &str| {
        let mut first = if assign.len() < HELP_COLUMN {
            Some(assign.clone())
        } else {
            out.push_str(&format!("  {assign}\n"));
            None
        };
        for part in wrap(comment, HELP_WIDTH - HELP_COLUMN - 5) {
            out.push_str(&format!("  {:<HELP_COLUMN$} # {part}\n", first.take().unwrap_or_default()));
        }
        if let Some(assign) = first {
            out.push_str(&format!("  {assign}\n"));
        }
    };
    line(spec.name.to_owned(), &format!("{}: the flags of `{}`", spec.about, spec.command));
    for arg in cmd.get_arguments() {
        let Some(key) = key_of(arg) else { continue };
        if key == "help" || spec.excluded.iter().any(|(x, _)| *x == key) {
            continue;
        }
        let numeric = is_numeric(arg);
        let show = |v: &str| if numeric { v.to_owned() } else { format!("{v:?}") };
        let defaults: Vec<String> = arg.get_default_values().iter().map(|d| d.to_string_lossy().into_owned()).collect();
        let list = matches!(arg.get_action(), ArgAction::Append);
        let value = if !arg.get_action().takes_values() {
            "false".to_owned()
        } else if defaults.is_empty() {
            let name = arg.get_value_names().and_then(|n| n.first()).map(ToString::to_string);
            name.unwrap_or_else(|| key.to_uppercase())
        } else {
            let items: Vec<String> = if arg.get_value_delimiter().is_some() {
                defaults.iter().flat_map(|d| d.split(',')).map(show).collect()
            } else {
                defaults.iter().map(|d| show(d.as_str())).collect()
            };
            if list { format!("[{}]", items.join(", ")) } else { items.join(", ") }
        };
        let comment = match spec.notes.iter().find(|(k, _)| *k == key) {
            Some((_, note)) => (*note).to_owned(),
            None => {
                let possible: Vec<String> = arg.get_possible_values().iter().map(|p| p.get_name().to_owned()).collect();
                possible.join(" | ")
            }
        };
        line(format!("{key} = {value}"), &comment);
    }
    for (key, default, comment) in spec.run_keys {
        let items: Vec<String> = default.iter().map(|d| format!("{d:?}")).collect();
        line(format!("{key} = [{}]", items.join(", ")), comment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_keys_in_messages() {
        assert_eq!(flags_to_keys("--view year needs --year T"), "`view` year needs `year` T");
        assert_eq!(flags_to_keys("--min-weight x -- y"), "`min_weight` x -- y");
        assert_eq!(
            quoted_flags_to_keys("a value is required for '--layout <LAYOUT>' but none was supplied"),
            "a value is required for --layout but none was supplied"
        );
        assert_eq!(flag_names("--render needs --out FILE.dot"), ["render", "out"]);
    }
}
