//! Arguments of `spillnet run` and its TOML run configuration, validated
//! into [`RunJobConfig`]. The top level (`data`, `out`,
//! `allow_outside_output`, `allow_extra_columns`, `engine`) is parsed with `deny_unknown_fields`; each
//! `[[diagram]]`, `[[html]]`, `[[exposure]]` and `[spillover]` table is the argument
//! list of `spillnet graph dot`, `spillnet graph html`, `spillnet exposure` or `spillnet spillover`
//! ([`super::run_file`]): parsed by that subcommand's own clap parser and
//! validated by its own `into_config`, so a key means exactly what its flag
//! means, with the same default. Paths are resolved here (relative to the
//! configuration file's folder; `--data`/`--out` relative to the current
//! folder), output paths are checked to stay inside the output folder, and
//! every mistake is a usage error (exit 2) naming the file, the line and the
//! key. Imports `app` (config types), the sibling `cli` modules, `export`,
//! `report` (format names) and `error`.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use clap::ValueEnum;
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use toml::{Spanned, Value};

use super::estimate::FormatArg;
use super::exposure::ExposureArgs;
use super::graph::{DotArgs, GraphArgs, GraphCommand, HtmlArgs};
use super::run_file::{DEFAULT_FORMATS, DIAGRAM, EXPOSURE, HTML, RawTable, SPILLOVER, Source, Table, keys_help};
use super::spillover::SpilloverArgs;
use crate::app::CommandConfig;
use crate::app::run::{
    ConfigFile, Diagram, ExposureTable, FIXED_OUTPUTS, HtmlPage, RunJobConfig, SPILLOVER_DIR, SpilloverSection,
};
use crate::error::{Error, Result};
use crate::io::load::MovesEngine;
use crate::report::table::OutputFormat;

/// The configuration `spillnet run` reads when no CONFIG is given.
pub const DEFAULT_CONFIG: &str = "data/default.toml";

/// The shipped `data/default.toml`, used when that file does not exist in the
/// current folder (its relative paths then resolve against `data/`).
const BUILT_IN_DEFAULT: &str = include_str!("../../data/default.toml");

/// Text shown after `spillnet run --help`: the file's rules, then every key
/// of every table, generated from the subcommands' flags (so it is complete
/// and shows their defaults).
fn run_after_help() -> String {
    let mut s = String::from(
        r#"Configuration file (TOML). Relative paths in it resolve against the folder of the file.
The flags --data and --out override `data` and `out` and resolve against the current folder.
Without CONFIG, data/default.toml is read (or, when it does not exist, the built-in copy of
it). Each table below takes the flags of a subcommand as keys, with the same defaults and
meaning (`--foo-bar V` is `foo_bar = V`, a switch is `foo_bar = true`, a comma-separated
list is `foo_bar = ["a", "b"]`); see that subcommand's --help. A value in CAPITALS below
means the key has no default. Unknown keys are errors; so are output paths that leave the
output folder (unless `allow_outside_output = true`).

  data = "."                     # data folder (required unless --data)
  out = "../out"                 # output folder (required unless --out)
  allow_outside_output = false   # true: output paths below may use `..` or be absolute
  allow_extra_columns = false    # true: ignore columns a table does not define (warned), as --allow-extra-columns
  engine = "in-process"          # where worker_moves is aggregated, as --engine (which overrides it):
                                 # in-process, native or ballista://HOST:PORT

"#,
    );
    s.push_str(&keys_help::<DotArgs>(&DIAGRAM));
    s.push('\n');
    s.push_str(&keys_help::<HtmlArgs>(&HTML));
    s.push('\n');
    s.push_str(&keys_help::<ExposureArgs>(&EXPOSURE));
    s.push('\n');
    s.push_str(&keys_help::<SpilloverArgs>(&SPILLOVER));
    s.push_str(
        r"
Every run writes summary.{txt,json}, graph_stats.{txt,json}, the configured files, and last
manifest.json: spillnet version, resolved configuration (every key of every table, defaults
filled in), input files with SHA-256, seeds, rows in/out and exclusions per step, output
hashes, timings (the `seconds` fields, the only ones that differ between two runs of the same
configuration).

Examples:
  spillnet run                                  # data/default.toml → out/
  spillnet run analysis.toml --out results --force",
    );
    s
}

/// Arguments of `spillnet run`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = run_after_help())]
pub struct RunArgs {
    /// Run configuration (TOML) describing the whole analysis: data folder, diagrams, exposure
    /// tables, spillover study, output folder [default: data/default.toml].
    #[arg(value_name = "CONFIG.toml")]
    pub config: Option<PathBuf>,
    /// Data folder; overrides the configuration's `data` (resolved against the current folder,
    /// not the configuration's).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Output folder; overrides the configuration's `out` (resolved against the current folder).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into an output folder that is not empty, replacing the run's files (other files
    /// are left alone).
    #[arg(long)]
    pub force: bool,
}

/// The TOML file as written: the top-level keys, and the tables as raw
/// keys and values (turned into flags by [`super::run_file`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunFile {
    data: Option<Spanned<PathBuf>>,
    out: Option<Spanned<PathBuf>>,
    /// Let configured output paths leave the output folder (`..`, absolute paths).
    #[serde(default)]
    allow_outside_output: bool,
    /// Ignore columns a table does not define, with a warning (as `--allow-extra-columns`).
    #[serde(default)]
    allow_extra_columns: bool,
    /// Where `worker_moves` is aggregated (as `--engine`).
    engine: Option<Spanned<String>>,
    #[serde(default)]
    diagram: Vec<Spanned<RawTable>>,
    #[serde(default)]
    html: Vec<Spanned<RawTable>>,
    #[serde(default)]
    exposure: Vec<Spanned<RawTable>>,
    spillover: Option<Spanned<RawTable>>,
}

impl RunArgs {
    /// Read, validate and resolve the run configuration (mistakes are usage errors, exit 2).
    pub fn into_config(self) -> Result<RunJobConfig> {
        let given = self.config.is_some();
        let path = self.config.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
        let (text, shown) = match std::fs::read_to_string(&path) {
            Ok(text) => (text, path.display().to_string()),
            Err(e) if !given && e.kind() == std::io::ErrorKind::NotFound => {
                (BUILT_IN_DEFAULT.to_owned(), format!("{DEFAULT_CONFIG} (built-in copy)"))
            }
            Err(e) => return Err(Error::Usage(format!("cannot read the run configuration {}: {e}", path.display()))),
        };
        let src = Source { shown: &shown, text: &text };
        let file: RunFile = toml::from_str(&text).map_err(|e| src.err(e.to_string().trim_end()))?;
        let base = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);

        let data = match (&self.data, &file.data) {
            (Some(d), _) if !d.is_dir() => {
                return Err(Error::Usage(format!("--data {}: data folder not found", d.display())));
            }
            (Some(d), _) => d.clone(),
            (None, Some(d)) => {
                let resolved = resolve(&base, d.get_ref());
                if !resolved.is_dir() {
                    return Err(src.err_at(
                        d.span(),
                        format_args!(
                            "`data` = \"{}\": data folder {} not found (relative paths resolve against the \
                             configuration file's folder)",
                            d.get_ref().display(),
                            resolved.display()
                        ),
                    ));
                }
                resolved
            }
            (None, None) => return Err(src.err("no data folder: set `data = \"DIR\"` or pass --data DIR")),
        };
        let out = match (&self.out, &file.out) {
            (Some(o), _) => o.clone(),
            (None, Some(o)) => resolve(&base, o.get_ref()),
            (None, None) => return Err(src.err("no output folder: set `out = \"DIR\"` or pass --out DIR")),
        };

        let engine = match &file.engine {
            Some(e) => Some(
                MovesEngine::parse(e.get_ref()).map_err(|msg| src.err_at(e.span(), format_args!("`engine`: {msg}")))?,
            ),
            None => None,
        };

        let allow = file.allow_outside_output;
        let mut taken: BTreeMap<PathBuf, String> =
            FIXED_OUTPUTS.iter().map(|f| (PathBuf::from(f), "spillnet run itself".to_owned())).collect();
        let (mut diagrams, mut diagram_keys) = (Vec::new(), Vec::new());
        for (i, t) in file.diagram.iter().enumerate() {
            let table =
                Table { spec: &DIAGRAM, label: format!("[[diagram]] #{}", i + 1), keys: t.get_ref(), span: t.span() };
            let (d, keys) = diagram(&src, &table, &data, &mut taken, allow)?;
            diagrams.push(d);
            diagram_keys.push(Json::Object(keys));
        }
        let (mut pages, mut page_keys) = (Vec::new(), Vec::new());
        for (i, t) in file.html.iter().enumerate() {
            let table = Table { spec: &HTML, label: format!("[[html]] #{}", i + 1), keys: t.get_ref(), span: t.span() };
            let (p, keys) = html_page(&src, &table, &data, &mut taken, allow)?;
            pages.push(p);
            page_keys.push(Json::Object(keys));
        }
        let (mut exposure, mut exposure_keys) = (Vec::new(), Vec::new());
        for (i, t) in file.exposure.iter().enumerate() {
            let table =
                Table { spec: &EXPOSURE, label: format!("[[exposure]] #{}", i + 1), keys: t.get_ref(), span: t.span() };
            let (e, keys) = exposure_table(&src, &table, &data, &mut taken, allow)?;
            exposure.push(e);
            exposure_keys.push(Json::Object(keys));
        }
        let (spillover, spillover_keys) = match &file.spillover {
            Some(t) => {
                let table = Table { spec: &SPILLOVER, label: "[spillover]".into(), keys: t.get_ref(), span: t.span() };
                let (s, keys) = spillover_section(&src, &table, &data)?;
                (Some(s), Json::Object(keys))
            }
            None => (None, Json::Null),
        };
        let resolved = serde_json::json!({
            "data": data.display().to_string(),
            "out": out.display().to_string(),
            "allow_outside_output": allow,
            "allow_extra_columns": file.allow_extra_columns,
            "engine": engine.as_ref().map_or_else(|| MovesEngine::default().to_string(), ToString::to_string),
            "diagram": diagram_keys,
            "html": page_keys,
            "exposure": exposure_keys,
            "spillover": spillover_keys,
        });

        let mut command = vec!["spillnet".to_owned(), "run".to_owned()];
        if !shown.ends_with("(built-in copy)") {
            command.push(path.display().to_string());
        }
        for (flag, value) in [("--data", &self.data), ("--out", &self.out)] {
            if let Some(v) = value {
                command.push(flag.to_owned());
                command.push(v.display().to_string());
            }
        }
        let command = command.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" ");

        Ok(RunJobConfig {
            config_file: ConfigFile { shown, text },
            data,
            out,
            force: self.force,
            allow_extra_columns: file.allow_extra_columns,
            engine,
            diagrams,
            pages,
            exposure,
            spillover,
            resolved,
            command,
        })
    }
}

/// A `[[diagram]]` table: `spillnet graph dot` with the table's keys as flags.
fn diagram(
    src: &Source<'_>,
    table: &Table<'_>,
    data: &Path,
    taken: &mut BTreeMap<PathBuf, String>,
    allow_outside: bool,
) -> Result<(Diagram, Map<String, Json>)> {
    let Some(out) = table.path(src, "out")? else {
        return Err(src.err_at(
            table.span.clone(),
            format_args!("{}: `out` is required (the DOT file, inside the output folder)", table.label),
        ));
    };
    claim_output(src, taken, &out, &format!("`out` of {}", table.label), allow_outside)?;
    let (args, keys) = table.parse::<DotArgs>(src, data)?;
    let cfg = match (GraphArgs { command: GraphCommand::Dot(args) }).into_config() {
        Ok(CommandConfig::GraphDot(c)) => c,
        Ok(other) => unreachable!("graph dot arguments gave {other:?}"),
        Err(e) => return Err(table.invalid(src, e)),
    };
    if let Some(format) = cfg.render {
        let image = Spanned::new(out.span(), crate::export::render::image_path(out.get_ref(), format));
        let key = format!("the image rendered from `out` of {}", table.label);
        claim_output(src, taken, &image, &key, allow_outside)?;
    }
    let diagram =
        Diagram { out: out.into_inner(), view: cfg.view, options: cfg.options, render: cfg.render, layout: cfg.layout };
    Ok((diagram, keys))
}

/// An `[[html]]` table: `spillnet graph html` with the table's keys as flags.
fn html_page(
    src: &Source<'_>,
    table: &Table<'_>,
    data: &Path,
    taken: &mut BTreeMap<PathBuf, String>,
    allow_outside: bool,
) -> Result<(HtmlPage, Map<String, Json>)> {
    let Some(out) = table.path(src, "out")? else {
        return Err(src.err_at(
            table.span.clone(),
            format_args!("{}: `out` is required (the HTML page, inside the output folder)", table.label),
        ));
    };
    claim_output(src, taken, &out, &format!("`out` of {}", table.label), allow_outside)?;
    let (args, keys) = table.parse::<HtmlArgs>(src, data)?;
    let cfg = match args.into_config() {
        Ok(CommandConfig::GraphHtml(c)) => c,
        Ok(other) => unreachable!("graph html arguments gave {other:?}"),
        Err(e) => return Err(table.invalid(src, e)),
    };
    Ok((HtmlPage { out: out.into_inner(), view: cfg.view, options: cfg.options }, keys))
}

/// An `[[exposure]]` table: `spillnet exposure` with the table's keys as flags.
fn exposure_table(
    src: &Source<'_>,
    table: &Table<'_>,
    data: &Path,
    taken: &mut BTreeMap<PathBuf, String>,
    allow_outside: bool,
) -> Result<(ExposureTable, Map<String, Json>)> {
    let Some(out) = table.path(src, "out")? else {
        return Err(src.err_at(
            table.span.clone(),
            format_args!("{}: `out` is required (.csv or .parquet, inside the output folder)", table.label),
        ));
    };
    claim_output(src, taken, &out, &format!("`out` of {}", table.label), allow_outside)?;
    if let Some(pairs) = table.path(src, "pairs")? {
        claim_output(src, taken, &pairs, &format!("`pairs` of {}", table.label), allow_outside)?;
    }
    let (args, keys) = table.parse::<ExposureArgs>(src, data)?;
    let job = args.into_config().map_err(|e| table.invalid(src, e))?;
    let out = job.out.ok_or_else(|| table.err(src, "out", "is required"))?;
    Ok((ExposureTable { exposure: job.exposure, out, pairs: job.pairs }, keys))
}

/// The `[spillover]` table: `spillnet spillover` with the table's keys as
/// flags, plus `formats` (one report per format in `spillover/`).
fn spillover_section(
    src: &Source<'_>,
    table: &Table<'_>,
    data: &Path,
) -> Result<(SpilloverSection, Map<String, Json>)> {
    let (args, mut keys) = table.parse::<SpilloverArgs>(src, data)?;
    let formats = report_formats(src, table)?;
    let study = args.into_config().map_err(|e| table.invalid(src, e))?.study;
    let names = formats.iter().filter_map(|f| f.to_possible_value()).map(|p| Json::from(p.get_name())).collect();
    keys.insert("formats".into(), Json::Array(names));
    Ok((SpilloverSection { study, formats: formats.into_iter().map(OutputFormat::from).collect() }, keys))
}

/// `formats = [...]` of `[spillover]` (default [`DEFAULT_FORMATS`]): distinct report formats.
fn report_formats(src: &Source<'_>, table: &Table<'_>) -> Result<Vec<FormatArg>> {
    let names: Vec<&str> = match table.get("formats").map(Spanned::get_ref) {
        None => DEFAULT_FORMATS.to_vec(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| table.err(src, "formats", "expected a list of names, e.g. [\"text\", \"json\"]"))
            })
            .collect::<Result<_>>()?,
        Some(_) => return Err(table.err(src, "formats", "expected a list of names, e.g. [\"text\", \"json\"]")),
    };
    if names.is_empty() {
        return Err(table.err(src, "formats", "at least one format is needed"));
    }
    let mut formats: Vec<FormatArg> = Vec::with_capacity(names.len());
    for name in names {
        let f = FormatArg::from_str(name, false).map_err(|_| {
            let valid: Vec<String> = FormatArg::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value)
                .map(|p| format!("`{}`", p.get_name()))
                .collect();
            table.err(src, "formats", format_args!("invalid value `{name}`, expected one of {}", valid.join(", ")))
        })?;
        if formats.contains(&f) {
            return Err(table.err(src, "formats", format_args!("`{name}` is listed twice")));
        }
        formats.push(f);
    }
    Ok(formats)
}

/// Check that a configured output path stays inside the output folder (unless
/// `allow_outside`) and is not claimed twice; `key` names it in errors.
fn claim_output(
    src: &Source<'_>,
    taken: &mut BTreeMap<PathBuf, String>,
    path: &Spanned<PathBuf>,
    key: &str,
    allow_outside: bool,
) -> Result<()> {
    let p = path.get_ref();
    let inside = p.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        && p.components().any(|c| matches!(c, Component::Normal(_)));
    if !inside && !allow_outside {
        return Err(src.err_at(
            path.span(),
            format_args!(
                "{key} = \"{}\": output paths must stay inside the output folder (a relative path without `..`; \
                 set `allow_outside_output = true` at the top of the file to allow it)",
                p.display()
            ),
        ));
    }
    let norm: PathBuf = p.components().filter(|c| matches!(c, Component::Normal(_))).collect();
    if norm.starts_with(SPILLOVER_DIR) {
        return Err(src.err_at(
            path.span(),
            format_args!(
                "{key} = \"{}\": the folder `{SPILLOVER_DIR}/` is reserved for the spillover study",
                p.display()
            ),
        ));
    }
    if let Some(other) = taken.get(&norm) {
        return Err(src.err_at(
            path.span(),
            format_args!("{key} = \"{}\": this file is already written by {other}", p.display()),
        ));
    }
    taken.insert(norm, key.to_owned());
    Ok(())
}

/// `base/path` with `.` and `..` removed lexically (`data/../out` → `out`);
/// absolute paths are kept as they are.
fn resolve(base: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in base.join(path).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() { PathBuf::from(".") } else { out }
}

/// Quote a command-line argument for a POSIX shell when it needs it.
fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':' | '=' | '@' | '+' | ','));
    if plain { arg.to_owned() } else { format!("'{}'", arg.replace('\'', r"'\''")) }
}

#[cfg(test)]
mod tests {
    //! The expected configurations below are written out by hand from the
    //! documented defaults (`--help`), not computed by the code under test.

    use std::collections::BTreeMap;

    use clap::Parser;

    use super::*;
    use crate::app::exposure::ExposureJobConfig;
    use crate::app::graph::DotConfig;
    use crate::app::spillover::SpilloverConfig;
    use crate::estimate::{BootWeights, FitOptions, Ssc};
    use crate::export::{DotOptions, ImageFormat, Layout};
    use crate::exposure::measure::{
        Channel as ExposureChannel, Direction, ExposureConfig, Flow, Level, QualitySource, Weights,
    };
    use crate::exposure::pairs::{FlowMode, Overlap, PairOptions, Standardisation};
    use crate::graph::{Channel, View, YearMode};
    use crate::io::write::TableFormat;
    use crate::study::{BootOptions, PlaceboLevel, PlaceboOptions, SpecGroup, StudyOptions};

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn args(config: &Path) -> RunArgs {
        RunArgs { config: Some(config.to_path_buf()), data: None, out: None, force: false }
    }

    fn usage(config: &Path) -> String {
        match args(config).into_config() {
            Err(Error::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    /// The run configuration of `data = "."`, `out = "o"` and `body`, in a fresh folder.
    fn run_config(body: &str) -> (tempfile::TempDir, RunJobConfig) {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write(dir.path(), "run.toml", &format!("data = \".\"\nout = \"o\"\n{body}"));
        let c = args(&cfg).into_config().unwrap_or_else(|e| panic!("{body}: {e}"));
        (dir, c)
    }

    /// `spillnet graph dot ARGS`, validated.
    fn dot_cli(args: &[&str]) -> DotConfig {
        #[derive(Parser)]
        struct T {
            #[command(subcommand)]
            cmd: GraphCommand,
        }
        let t = T::try_parse_from(["graph", "dot"].iter().chain(args)).unwrap();
        match (GraphArgs { command: t.cmd }).into_config().unwrap() {
            CommandConfig::GraphDot(c) => c,
            other => panic!("{other:?}"),
        }
    }

    /// `spillnet exposure ARGS`, validated.
    fn exposure_cli(args: &[&str]) -> ExposureJobConfig {
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            args: ExposureArgs,
        }
        T::try_parse_from(std::iter::once(&"exposure").chain(args)).unwrap().args.into_config().unwrap()
    }

    /// `spillnet spillover ARGS`, validated.
    fn spillover_cli(args: &[&str]) -> SpilloverConfig {
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            args: SpilloverArgs,
        }
        T::try_parse_from(std::iter::once(&"spillover").chain(args)).unwrap().args.into_config().unwrap()
    }

    /// The diagram a `graph dot` configuration draws (its `out` must be set).
    fn as_diagram(c: DotConfig) -> Diagram {
        Diagram { out: c.out.unwrap(), view: c.view, options: c.options, render: c.render, layout: c.layout }
    }

    #[test]
    fn paths_resolve_against_the_config_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        let cfg = write(dir.path(), "run.toml", "data = \"d\"\nout = \"../o\"\n");
        let c = args(&cfg).into_config().unwrap();
        assert_eq!(c.data, dir.path().join("d"));
        assert_eq!(c.out, dir.path().parent().unwrap().join("o"));
        assert!(c.diagrams.is_empty() && c.exposure.is_empty() && c.spillover.is_none());
        assert_eq!(resolve(Path::new("data"), Path::new("../out")), PathBuf::from("out"));
        assert_eq!(resolve(Path::new(""), Path::new("./x/../y")), PathBuf::from("y"));
        assert_eq!(resolve(Path::new("a"), Path::new("/abs")), PathBuf::from("/abs"));
        assert_eq!(resolve(Path::new("."), Path::new("../../x")), PathBuf::from("../../x"));
    }

    #[test]
    fn html_tables_are_graph_html_and_need_out() {
        let (dir, run) = run_config(
            "[[html]]\nout = \"network.html\"\nview = \"firms\"\nyear = 2010\nseed = 3\n\
             min_weight = { worker_flow = 5 }\n",
        );
        let data = dir.path().display().to_string();
        let cli = crate::cli::Cli::try_parse_from([
            "spillnet",
            "graph",
            "html",
            "--out",
            "network.html",
            "--view",
            "firms",
            "--year",
            "2010",
            "--seed",
            "3",
            "--min-weight",
            "worker_flow=5",
            "--data",
            &data,
        ])
        .unwrap();
        let CommandConfig::GraphHtml(cli) = cli.into_config().unwrap().command else { panic!("graph html") };
        assert_eq!(cli.data, dir.path());
        assert_eq!(run.pages, [HtmlPage { out: cli.out, view: cli.view, options: cli.options }]);
        assert_eq!(run.resolved["html"][0]["seed"], 3);
        assert_eq!(run.resolved["html"][0]["iterations"], 300, "defaults are filled in");
        let cfg = write(dir.path(), "no_out.toml", "data = \".\"\nout = \"o\"\n[[html]]\nview = \"firms\"\n");
        let m = usage(&cfg);
        assert!(m.contains("[[html]] #1") && m.contains("`out` is required"), "{m}");
    }

    #[test]
    fn an_empty_diagram_table_is_graph_dot_without_flags() {
        let expected = Diagram {
            out: "g.dot".into(),
            view: View {
                year: None,
                firms_only: false,
                channel: None,
                ego: None,
                min_weight: None,
                min_weight_by_channel: BTreeMap::new(),
            },
            options: DotOptions { clusters: false, legend: true, merge_parallel: true, title: None },
            render: None,
            layout: Layout::Auto,
        };
        let (dir, run) = run_config("[[diagram]]\nout = \"g.dot\"\n");
        assert_eq!(run.diagrams, [expected.clone()]);
        let cli = dot_cli(&["--out", "g.dot", "--data", &dir.path().display().to_string()]);
        assert_eq!(cli.data, dir.path());
        assert_eq!(as_diagram(cli), expected);
    }

    #[test]
    fn an_empty_exposure_table_is_exposure_without_flags() {
        let expected = ExposureTable {
            exposure: ExposureConfig {
                level: Level::Model,
                channels: vec![
                    ExposureChannel::Affiliation,
                    ExposureChannel::WorkerFlow,
                    ExposureChannel::SupplierOverlap,
                    ExposureChannel::Geography,
                ],
                weights: Weights::Raw,
                flow: Flow::Cumulative,
                direction: Direction::In,
                lag: 1,
                pair_weights: false,
                quality: QualitySource::Raw,
            },
            out: ("e.csv".into(), TableFormat::Csv),
            pairs: None,
        };
        let (dir, run) = run_config("[[exposure]]\nout = \"e.csv\"\n");
        assert_eq!(run.exposure, [expected.clone()]);
        let data = dir.path().display().to_string();
        let cli = exposure_cli(&["--out", "e.csv", "--data", &data]);
        assert_eq!(
            cli,
            ExposureJobConfig {
                data: dir.path().into(),
                exposure: expected.exposure,
                out: Some(expected.out),
                pairs: None
            }
        );
    }

    #[test]
    fn an_empty_spillover_table_is_spillover_without_flags() {
        let expected = StudyOptions {
            pairs: PairOptions {
                flow: FlowMode::Pooled,
                overlap: Overlap::SzymkiewiczSimpson,
                min_suppliers: 5,
                standardisation: Standardisation::Sample,
                affiliation: crate::channels::affiliation::AffiliationMode::Ever,
            },
            groups: vec![SpecGroup::Baseline],
            fit: FitOptions::default(),
            ssc: Ssc::default(),
            boot: Some(BootOptions { reps: 999, seed: 1, weights: BootWeights::Rademacher }),
            placebo: None,
            defects_survey: "iqs".into(),
            case: crate::study::CaseOptions { seed: 1, bootstrap_reps: 500 },
        };
        let (_dir, run) = run_config("[spillover]\n");
        let section = run.spillover.unwrap();
        assert_eq!(section.study, expected);
        assert_eq!(section.formats, [OutputFormat::Text, OutputFormat::Json]);
        let cli = spillover_cli(&[]);
        assert_eq!(
            cli,
            SpilloverConfig {
                data: "data".into(),
                study: expected,
                format: OutputFormat::Text,
                out: None,
                placebo_out: None,
                panel_out: None
            }
        );
    }

    #[test]
    fn diagram_keys_mean_what_the_flags_mean() {
        let (dir, run) = run_config(
            "[[diagram]]\nout = \"g.dot\"\nview = \"firms\"\nyear = 2014\ncumulative = true\n\
             min_weight = { worker_flow = 10, shared_supplier = 100.5 }\nlayout = \"sfdp\"\nrender = \"svg\"\n\
             clusters = true\nno_legend = true\nno_merge = true\nchannel = \"shared_supplier\"\n\
             [[diagram]]\nout = \"ego.dot\"\nview = \"ego\"\ngroup = \"FAW\"\nradius = 2\nfirms_only = true\n\
             min_weight = 3.5\nyear = -1\n\
             [[diagram]]\nout = \"y.dot\"\nview = \"year\"\nyear = 2010\nmin_weight = [\"worker_flow=2\", \"1\"]\n",
        );
        let data = dir.path().display().to_string();
        let cli = [
            dot_cli(&[
                "--data",
                &data,
                "--out",
                "g.dot",
                "--view",
                "firms",
                "--year",
                "2014",
                "--cumulative",
                "--min-weight",
                "worker_flow=10",
                "--min-weight",
                "shared_supplier=100.5",
                "--layout",
                "sfdp",
                "--render",
                "svg",
                "--clusters",
                "--no-legend",
                "--no-merge",
                "--channel",
                "shared_supplier",
            ]),
            dot_cli(&[
                "--data",
                &data,
                "--out",
                "ego.dot",
                "--view",
                "ego",
                "--group",
                "FAW",
                "--radius",
                "2",
                "--firms-only",
                "--min-weight",
                "3.5",
                "--year",
                "-1",
            ]),
            dot_cli(&[
                "--data",
                &data,
                "--out",
                "y.dot",
                "--view",
                "year",
                "--year",
                "2010",
                "--min-weight",
                "worker_flow=2",
                "--min-weight",
                "1",
            ]),
        ];
        assert_eq!(run.diagrams, cli.map(as_diagram));
        // Spot checks against hand-written values: the settings did reach the configuration.
        assert_eq!(
            run.diagrams[0].view,
            View::firms_only()
                .with_year(2014, YearMode::Cumulative)
                .with_channel(Channel::SharedSupplier)
                .with_channel_min_weight(Channel::WorkerFlow, 10.0)
                .with_channel_min_weight(Channel::SharedSupplier, 100.5)
        );
        assert_eq!(
            run.diagrams[0].options,
            DotOptions { clusters: true, legend: false, merge_parallel: false, title: None }
        );
        assert_eq!((run.diagrams[0].render, run.diagrams[0].layout), (Some(ImageFormat::Svg), Layout::Sfdp));
        assert_eq!(
            run.diagrams[1].view,
            View::ego("FAW", 2).with_firms_only().with_min_weight(3.5).with_year(-1, YearMode::Active)
        );
    }

    #[test]
    fn exposure_keys_mean_what_the_flags_mean() {
        let (dir, run) = run_config(
            "[[exposure]]\nout = \"e.parquet\"\npairs = \"p.csv\"\nchannels = [\"worker_flow\", \"geography\"]\n\
             weights = \"row\"\nflow = \"annual\"\nlag = 2\nlevel = \"firm\"\nquality = \"relative\"\n\
             [[exposure]]\nout = \"e2.csv\"\nchannels = \"supplier_overlap,affiliation\"\nflow = \"pooled\"\nweights = \"log1p\"\n",
        );
        let data = dir.path().display().to_string();
        let cli = [
            exposure_cli(&[
                "--data",
                &data,
                "--out",
                "e.parquet",
                "--pairs",
                "p.csv",
                "--channels",
                "worker_flow,geography",
                "--weights",
                "row",
                "--flow",
                "annual",
                "--lag",
                "2",
                "--level",
                "firm",
                "--quality",
                "relative",
            ]),
            exposure_cli(&[
                "--data",
                &data,
                "--out",
                "e2.csv",
                "--channels",
                "supplier_overlap,affiliation",
                "--flow",
                "pooled",
                "--weights",
                "log1p",
            ]),
        ];
        let cli = cli.map(|c| ExposureTable { exposure: c.exposure, out: c.out.unwrap(), pairs: c.pairs });
        assert_eq!(run.exposure, cli);
        let e = &run.exposure[0].exposure;
        assert_eq!(
            (e.level, e.weights, e.flow, e.lag, e.quality.clone(), e.pair_weights),
            (Level::Firm, Weights::Row, Flow::Annual, 2, QualitySource::Relative, true)
        );
        assert_eq!(e.channels, [ExposureChannel::WorkerFlow, ExposureChannel::Geography]);
        assert_eq!(run.exposure[0].out, (PathBuf::from("e.parquet"), TableFormat::Parquet));
    }

    #[test]
    fn allow_extra_columns_is_a_top_level_key_off_by_default() {
        let (_dir, on) = run_config("allow_extra_columns = true\n");
        assert!(on.allow_extra_columns);
        assert_eq!(on.resolved["allow_extra_columns"], true);
        let (_dir, off) = run_config("");
        assert!(!off.allow_extra_columns);
        assert_eq!(off.resolved["allow_extra_columns"], false);
    }

    #[test]
    fn engine_is_a_top_level_key_checked_where_it_is_written() {
        let (_dir, native) = run_config("engine = \"native\"\n");
        assert_eq!(native.engine, Some(MovesEngine::Native));
        assert_eq!(native.resolved["engine"], "native");
        let (_dir, default) = run_config("");
        assert_eq!(default.engine, None);
        assert_eq!(default.resolved["engine"], "in-process");
        let dir = tempfile::tempdir().unwrap();
        let cfg = write(dir.path(), "run.toml", "data = \".\"\nout = \"o\"\nengine = \"spark\"\n");
        let e = args(&cfg).into_config().unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("`engine`: engine `spark`: expected"), "{e}");
    }

    #[test]
    fn spillover_keys_mean_what_the_flags_mean() {
        let (_dir, run) = run_config(
            "[spillover]\nspec = [\"mechanisms\", \"heterogeneity\"]\nplacebo = 20\nplacebo_level = \"model-year\"\n\
             seed = 7\nboot = 49\nboot_weights = \"webb\"\nflow = \"cumulative\"\noverlap = \"jaccard\"\n\
             min_suppliers = 3\ndefects_survey = \"apeal\"\naffiliation = \"active\"\n\
             formats = [\"md\", \"csv\", \"latex\"]\n",
        );
        let cli = spillover_cli(&[
            "--spec",
            "mechanisms,heterogeneity",
            "--placebo",
            "20",
            "--placebo-level",
            "model-year",
            "--seed",
            "7",
            "--boot",
            "49",
            "--boot-weights",
            "webb",
            "--flow",
            "cumulative",
            "--overlap",
            "jaccard",
            "--min-suppliers",
            "3",
            "--defects-survey",
            "apeal",
            "--affiliation",
            "active",
        ]);
        let section = run.spillover.unwrap();
        assert_eq!(section.study, cli.study);
        assert_eq!(section.formats, [OutputFormat::Markdown, OutputFormat::Csv, OutputFormat::Latex]);
        let s = &section.study;
        assert_eq!(s.groups, [SpecGroup::Mechanisms, SpecGroup::Heterogeneity]);
        assert_eq!(s.boot, Some(BootOptions { reps: 49, seed: 7, weights: BootWeights::Webb }));
        assert_eq!(s.placebo, Some(PlaceboOptions { draws: 20, level: PlaceboLevel::ModelYear, seed: 7 }));
        assert_eq!((s.pairs.flow, s.pairs.overlap, s.pairs.min_suppliers), (FlowMode::Cumulative, Overlap::Jaccard, 3));
        assert_eq!(s.defects_survey, "apeal");
        assert_eq!(s.pairs.affiliation, crate::channels::affiliation::AffiliationMode::Active);
        // `spec = "all"` as a single name, like `--spec all`.
        let (_dir, run) = run_config("[spillover]\nspec = \"all\"\nboot = 0\n");
        let study = run.spillover.unwrap().study;
        assert_eq!(study, spillover_cli(&["--spec", "all", "--boot", "0"]).study);
        assert_eq!(study.groups, SpecGroup::ALL);
        assert_eq!(study.boot, None);
    }

    #[test]
    fn the_manifest_records_every_key_with_its_default() {
        let (_dir, run) =
            run_config("[[diagram]]\nout = \"g.dot\"\n[[exposure]]\nout = \"e.csv\"\n[spillover]\nspec = \"all\"\n");
        let r = &run.resolved;
        assert_eq!(r["diagram"][0]["layout"], "auto");
        assert_eq!(r["diagram"][0]["clusters"], false);
        assert_eq!(r["diagram"][0]["year"], Json::Null);
        assert_eq!(r["exposure"][0]["weights"], "raw");
        assert_eq!(r["exposure"][0]["lag"], 1);
        assert_eq!(
            r["exposure"][0]["channels"],
            serde_json::json!(["affiliation", "worker_flow", "supplier_overlap", "geography"])
        );
        assert_eq!(r["spillover"]["spec"], serde_json::json!(["all"]));
        assert_eq!(r["spillover"]["seed"], 1);
        assert_eq!(r["spillover"]["boot"], 999);
        assert_eq!(r["spillover"]["affiliation"], "ever");
        assert_eq!(r["spillover"]["formats"], serde_json::json!(["text", "json"]));
        assert!(r["diagram"][0].get("data").is_none() && r["spillover"].get("format").is_none());
    }

    #[test]
    fn run_help_lists_every_key_of_every_table() {
        let help = run_after_help();
        for (spec, cmd) in [
            (&DIAGRAM, <DotArgs as clap::Args>::augment_args(clap::Command::new("dot"))),
            (&HTML, <HtmlArgs as clap::Args>::augment_args(clap::Command::new("html"))),
            (&EXPOSURE, <ExposureArgs as clap::Args>::augment_args(clap::Command::new("exposure"))),
            (&SPILLOVER, <SpilloverArgs as clap::Args>::augment_args(clap::Command::new("spillover"))),
        ] {
            let section = &help[help.find(&format!("  {}", spec.name)).unwrap()..];
            let section = &section[..section.find("\n\n").unwrap()];
            for arg in cmd.get_arguments().filter_map(clap::Arg::get_long) {
                let key = arg.replace('-', "_");
                if spec.excluded.iter().any(|(x, _)| *x == key) {
                    continue;
                }
                assert!(section.contains(&format!("\n  {key} = ")), "{} lacks `{key}`:\n{help}", spec.name);
            }
        }
        let assignments: Vec<&str> = help.lines().map(|l| l.split(" # ").next().unwrap().trim()).collect();
        for line in [
            "seed = 1",
            "boot = 999",
            "spec = [\"baseline\"]",
            "formats = [\"text\", \"json\"]",
            "layout = \"auto\"",
            "lag = 1",
        ] {
            assert!(assignments.contains(&line), "`run --help` lacks {line:?}:\n{help}");
        }
    }

    #[test]
    fn mistakes_name_the_file_and_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let typo = write(
            dir.path(),
            "typo.toml",
            "data = \".\"\nout = \"o\"\n[[diagram]]\nout = \"g.dot\"\nlayuot = \"fdp\"\n",
        );
        let m = usage(&typo);
        assert!(m.contains("typo.toml") && m.contains("unknown field `layuot`") && m.contains("line 5"), "{m}");
        assert!(m.contains("did you mean `layout`?"), "{m}");

        let bad = write(
            dir.path(),
            "bad.toml",
            "data = \".\"\nout = \"o\"\n[[diagram]]\nout = \"g.dot\"\nlayout = \"fpd\"\n",
        );
        let m = usage(&bad);
        assert!(m.contains("bad.toml, line 5") && m.contains("`layout` of [[diagram]] #1"), "{m}");
        assert!(m.contains("`fpd`") && m.contains("`fdp`"), "{m}");

        let year = write(
            dir.path(),
            "year.toml",
            "data = \".\"\nout = \"o\"\n[[diagram]]\nout = \"g.dot\"\n\nyear = \"soon\"\n",
        );
        let m = usage(&year);
        assert!(m.contains("line 6") && m.contains("`year` of [[diagram]] #1") && m.contains("`soon`"), "{m}");
        assert!(m.contains("invalid value `soon`, expected a whole number ("), "{m}");

        let switch = write(
            dir.path(),
            "switch.toml",
            "data = \".\"\nout = \"o\"\n[[diagram]]\nout = \"g.dot\"\nclusters = \"yes\"\n",
        );
        let m = usage(&switch);
        assert!(m.contains("`clusters` of [[diagram]] #1") && m.contains("true or false"), "{m}");

        let data = write(dir.path(), "data.toml", "data = \".\"\nout = \"o\"\n[spillover]\ndata = \"x\"\n");
        let m = usage(&data);
        assert!(m.contains("`data` of [spillover]") && m.contains("top of the file"), "{m}");

        let nodata = write(dir.path(), "nodata.toml", "out = \"o\"\ndata = \"nope\"\n");
        let m = usage(&nodata);
        assert!(m.contains("nodata.toml, line 2") && m.contains("`data`") && m.contains("nope"), "{m}");

        let noout = write(dir.path(), "noout.toml", "data = \".\"\nout = \"o\"\n[[exposure]]\nlevel = \"firm\"\n");
        let m = usage(&noout);
        assert!(m.contains("[[exposure]] #1: `out` is required"), "{m}");

        let up = write(dir.path(), "up.toml", "data = \".\"\nout = \"o\"\n[[exposure]]\nout = \"../e.csv\"\n");
        let m = usage(&up);
        assert!(m.contains("`out` of [[exposure]] #1") && m.contains("inside the output folder"), "{m}");

        let abs = write(dir.path(), "abs.toml", "data = \".\"\nout = \"o\"\n[[diagram]]\nout = \"/tmp/g.dot\"\n");
        assert!(usage(&abs).contains("`out` of [[diagram]] #1"));

        let view = write(
            dir.path(),
            "view.toml",
            "data = \".\"\nout = \"o\"\n[[diagram]]\nout = \"g.dot\"\nview = \"channel\"\n",
        );
        let m = usage(&view);
        assert!(
            m.contains("line 5") && m.contains("[[diagram]] #1") && m.contains("`channel`") && !m.contains("--"),
            "{m}"
        );

        let twice = write(
            dir.path(),
            "twice.toml",
            "data = \".\"\nout = \"o\"\n[[exposure]]\nout = \"e.csv\"\n[[exposure]]\nout = \"./e.csv\"\n",
        );
        assert!(usage(&twice).contains("already written by `out` of [[exposure]] #1"));
        let fixed =
            write(dir.path(), "fixed.toml", "data = \".\"\nout = \"o\"\n[[exposure]]\nout = \"summary.json\"\n");
        assert!(usage(&fixed).contains("already written by spillnet run itself"));

        let fmt = write(dir.path(), "fmt.toml", "data = \".\"\nout = \"o\"\n[spillover]\nformats = [\"md\", \"md\"]\n");
        let m = usage(&fmt);
        assert!(m.contains("line 4") && m.contains("`formats` of [spillover]") && m.contains("twice"), "{m}");
        let empty = write(
            dir.path(),
            "empty.toml",
            "data = \".\"\nout = \"o\"\n[[exposure]]\nout = \"e.csv\"\nchannels = []\n",
        );
        assert!(usage(&empty).contains("`channels` of [[exposure]] #1: an empty list"));
        let level =
            write(dir.path(), "level.toml", "data = \".\"\nout = \"o\"\n[spillover]\nplacebo_level = \"pair\"\n");
        let m = usage(&level);
        assert!(
            m.contains("`placebo_level` of [spillover]") && m.contains("pair") && m.contains("firm-segment"),
            "{m}"
        );
        let survey =
            write(dir.path(), "survey.toml", "data = \".\"\nout = \"o\"\n[spillover]\n\ndefects_survey = \" \"\n");
        let m = usage(&survey);
        assert!(m.contains("line 5") && m.contains("`defects_survey` must name a survey"), "{m}");
    }

    #[test]
    fn shell_quote_quotes_what_needs_it() {
        assert_eq!(shell_quote("out dir"), "'out dir'");
        assert_eq!(shell_quote("data/default.toml"), "data/default.toml");
    }
}
