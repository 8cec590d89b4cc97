//! Arguments of `spillnet run` and its TOML run configuration, validated
//! into [`RunJobConfig`]. The file is parsed with `deny_unknown_fields`
//! everywhere (a typo is an error naming the key, the line and the file);
//! each `[[diagram]]` / `[[exposure]]` table is turned into flags of
//! `spillnet graph dot` / `spillnet exposure` and validated by the very same
//! code ([`super::graph`], [`super::exposure`]), so a key means exactly what
//! its flag means. Paths are resolved here (relative to the configuration
//! file's folder; `--data`/`--out` relative to the current folder), output
//! paths are checked to stay inside the output folder, and every mistake is
//! a usage error (exit 2) naming the file and the key. Imports `app`
//! (config types), the sibling `cli` modules, `export` and `error`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

use clap::ValueEnum;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use toml::Spanned;

use super::exposure::{ChannelArg as ExposureChannelArg, ExposureArgs, FlowArg, LevelArg, QualityArg, WeightsArg};
use super::graph::{
    ChannelArg as GraphChannelArg, DotArgs, GraphArgs, GraphCommand, LayoutArg, RenderArg, ViewArg, ViewArgs,
};
use crate::app::CommandConfig;
use crate::app::run::{
    ConfigFile, Diagram, ExposureTable, FIXED_OUTPUTS, RunJobConfig, SPILLOVER_DIR, SpilloverSection,
};
use crate::error::{Error, Result};

/// The configuration `spillnet run` reads when no CONFIG is given.
pub const DEFAULT_CONFIG: &str = "data/default.toml";

/// The shipped `data/default.toml`, used when that file does not exist in the
/// current folder (its relative paths then resolve against `data/`).
const BUILT_IN_DEFAULT: &str = include_str!("../../data/default.toml");

/// Text shown after `spillnet run --help`.
const RUN_AFTER_HELP: &str = r#"Configuration file (TOML). Relative paths in it resolve against the folder of the file.
The flags --data and --out override `data` and `out` and resolve against the current folder.
Without CONFIG, data/default.toml is read (or, when it does not exist, the built-in copy of
it). Unknown keys are errors; so are output paths that leave the output folder
(unless `allow_outside_output = true`).

  data = "."                  # data folder (required unless --data)
  out = "../out"              # output folder (required unless --out)
  allow_outside_output = false  # true: output paths below may use `..` or be absolute

  [[diagram]]                 # any number; keys = the flags of `spillnet graph dot`
  out = "diagrams/firms.dot"  # DOT file inside the output folder (required)
  render = "svg"              # svg | png: also render with Graphviz when installed
  layout = "sfdp"             # dot | sfdp | fdp | auto (default auto)
  view = "firms"              # whole | year | channel | firms | ego (default whole)
  year = 2014                 # with cumulative = true: everything up to that year
  cumulative = true
  channel = "owns"            # owns | produces | supplies | worker_flow | located_in | shared_supplier
  group = "FAW"               # ego view; radius = 1
  firms_only = false
  min_weight = 10             # or per channel: { worker_flow = 10, shared_supplier = 100 }
  clusters = false            # no_legend = false, no_merge = false

  [[exposure]]                # any number; keys = the flags of `spillnet exposure`
  out = "exposure/model.csv"  # .csv or .parquet inside the output folder (required)
  pairs = "exposure/pairs.csv"          # optional pair-weights table
  channels = ["affiliation", "worker_flow", "supplier_overlap", "geography"]
  weights = "raw"             # raw | row | log1p
  flow = "cumulative"         # pooled | cumulative | annual
  lag = 1
  level = "model"             # model | firm
  quality = "raw"             # raw | relative (the study's relative strengths)

  [spillover]                 # optional: the spillover study (files in spillover/)
  spec = "all"                # baseline | fe-variants | same-segment | mechanisms | heterogeneity | all
  placebo = 0                 # placebo draws (0 = none)
  placebo_level = "firm"      # model-year | model | firm-segment | firm
  seed = 1
  boot = 0                    # wild bootstrap replicates (0 = none)
  formats = ["text", "json"]  # text | md | latex | csv | json

Every run writes summary.{txt,json}, graph_stats.{txt,json}, the configured files, and last
manifest.json: spillnet version, resolved configuration, input files with SHA-256, seeds,
rows in/out and exclusions per step, output hashes, timings (the `seconds` fields, the only
ones that differ between two runs of the same configuration).

Examples:
  spillnet run                                  # data/default.toml → out/
  spillnet run analysis.toml --out results --force"#;

/// Arguments of `spillnet run`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = RUN_AFTER_HELP)]
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

/// An option of a CLI enum spelled as in the CLI (`"worker_flow"`, `"fdp"`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Named<T>(T);

impl<'de, T: ValueEnum> Deserialize<'de> for Named<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        T::from_str(&s, false).map(Named).map_err(|_| {
            let names: Vec<String> = T::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value)
                .map(|p| format!("`{}`", p.get_name()))
                .collect();
            de::Error::custom(format!("unknown value `{s}`, expected one of {}", names.join(", ")))
        })
    }
}

impl<T: ValueEnum> Serialize for Named<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let name = self.0.to_possible_value().expect("CLI enums have no skipped values");
        s.serialize_str(name.get_name())
    }
}

/// `min_weight`: one threshold for every weighted channel, or one per channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
enum MinWeight {
    /// `min_weight = 10` (`--min-weight 10`).
    All(f64),
    /// `min_weight = { worker_flow = 10 }` (`--min-weight worker_flow=10`).
    ByChannel(BTreeMap<String, f64>),
}

impl<'de> Deserialize<'de> for MinWeight {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MinWeight;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a weight (e.g. 10) or a table of weights by channel (e.g. { worker_flow = 10 })")
            }
            #[allow(clippy::cast_precision_loss)] // weights are small counts
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<MinWeight, E> {
                Ok(MinWeight::All(v as f64))
            }
            #[allow(clippy::cast_precision_loss)] // weights are small counts
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<MinWeight, E> {
                Ok(MinWeight::All(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<MinWeight, E> {
                Ok(MinWeight::All(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> std::result::Result<MinWeight, A::Error> {
                let mut by_channel = BTreeMap::new();
                while let Some((k, v)) = m.next_entry::<String, f64>()? {
                    by_channel.insert(k, v);
                }
                Ok(MinWeight::ByChannel(by_channel))
            }
        }
        d.deserialize_any(V)
    }
}

/// The TOML file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunFile {
    data: Option<Spanned<PathBuf>>,
    out: Option<Spanned<PathBuf>>,
    /// Let configured output paths leave the output folder (`..`, absolute paths).
    #[serde(default)]
    allow_outside_output: bool,
    #[serde(default, rename = "diagram")]
    diagrams: Vec<DiagramFile>,
    #[serde(default)]
    exposure: Vec<ExposureFile>,
    spillover: Option<SpilloverSection>,
}

/// A `[[diagram]]` table: the flags of `spillnet graph dot`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct DiagramFile {
    out: Spanned<PathBuf>,
    render: Option<Named<RenderArg>>,
    #[serde(default = "default_layout")]
    layout: Named<LayoutArg>,
    #[serde(default = "default_view")]
    view: Named<ViewArg>,
    year: Option<i32>,
    #[serde(default)]
    cumulative: bool,
    channel: Option<Named<GraphChannelArg>>,
    group: Option<String>,
    radius: Option<usize>,
    #[serde(default)]
    firms_only: bool,
    min_weight: Option<MinWeight>,
    #[serde(default)]
    clusters: bool,
    #[serde(default)]
    no_legend: bool,
    #[serde(default)]
    no_merge: bool,
}

fn default_layout() -> Named<LayoutArg> {
    Named(LayoutArg::Auto)
}

fn default_view() -> Named<ViewArg> {
    Named(ViewArg::Whole)
}

/// An `[[exposure]]` table: the flags of `spillnet exposure`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ExposureFile {
    out: Spanned<PathBuf>,
    pairs: Option<Spanned<PathBuf>>,
    #[serde(default = "default_channels")]
    channels: Vec<Named<ExposureChannelArg>>,
    #[serde(default = "default_weights")]
    weights: Named<WeightsArg>,
    #[serde(default = "default_flow")]
    flow: Named<FlowArg>,
    #[serde(default = "default_lag")]
    lag: u32,
    #[serde(default = "default_level")]
    level: Named<LevelArg>,
    #[serde(default = "default_quality")]
    quality: Named<QualityArg>,
}

fn default_channels() -> Vec<Named<ExposureChannelArg>> {
    [
        ExposureChannelArg::Affiliation,
        ExposureChannelArg::WorkerFlow,
        ExposureChannelArg::SupplierOverlap,
        ExposureChannelArg::Geography,
    ]
    .into_iter()
    .map(Named)
    .collect()
}

fn default_weights() -> Named<WeightsArg> {
    Named(WeightsArg::Raw)
}

fn default_flow() -> Named<FlowArg> {
    Named(FlowArg::Cumulative)
}

fn default_lag() -> u32 {
    1
}

fn default_level() -> Named<LevelArg> {
    Named(LevelArg::Model)
}

fn default_quality() -> Named<QualityArg> {
    Named(QualityArg::Raw)
}

/// The resolved configuration recorded in the manifest.
#[derive(Serialize)]
struct Resolved<'a> {
    data: String,
    out: String,
    allow_outside_output: bool,
    diagram: &'a [DiagramFile],
    exposure: &'a [ExposureFile],
    spillover: Option<&'a SpilloverSection>,
}

/// The configuration file being validated: its name and text, for messages.
struct Source<'a> {
    shown: &'a str,
    text: &'a str,
}

impl Source<'_> {
    /// A usage error at the line of `span`, naming the file.
    fn err_at(&self, span: std::ops::Range<usize>, msg: impl fmt::Display) -> Error {
        let line = self.text[..span.start.min(self.text.len())].matches('\n').count() + 1;
        Error::Usage(format!("{}, line {line}: {msg}", self.shown))
    }

    /// A usage error naming the file.
    fn err(&self, msg: impl fmt::Display) -> Error {
        Error::Usage(format!("{}: {msg}", self.shown))
    }
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

        let mut taken: BTreeMap<PathBuf, String> =
            FIXED_OUTPUTS.iter().map(|f| (PathBuf::from(f), "spillnet run itself".to_owned())).collect();
        let mut diagrams = Vec::with_capacity(file.diagrams.len());
        for (i, d) in file.diagrams.iter().enumerate() {
            let key = |k: &str| format!("`{k}` of [[diagram]] #{}", i + 1);
            claim_output(&src, &mut taken, &d.out, &key("out"), file.allow_outside_output)?;
            let diagram = d
                .to_diagram(&data)
                .map_err(|m| src.err_at(d.out.span(), format_args!("[[diagram]] #{}: {m}", i + 1)))?;
            if let Some(format) = diagram.render {
                let image = crate::export::render::image_path(d.out.get_ref(), format);
                let spanned = Spanned::new(d.out.span(), image);
                claim_output(
                    &src,
                    &mut taken,
                    &spanned,
                    &format!("the image rendered from {}", key("out")),
                    file.allow_outside_output,
                )?;
            }
            diagrams.push(diagram);
        }
        let mut exposure = Vec::with_capacity(file.exposure.len());
        for (i, e) in file.exposure.iter().enumerate() {
            let key = |k: &str| format!("`{k}` of [[exposure]] #{}", i + 1);
            claim_output(&src, &mut taken, &e.out, &key("out"), file.allow_outside_output)?;
            if let Some(p) = &e.pairs {
                claim_output(&src, &mut taken, p, &key("pairs"), file.allow_outside_output)?;
            }
            let table = e
                .to_table(&data)
                .map_err(|m| src.err_at(e.out.span(), format_args!("[[exposure]] #{}: {m}", i + 1)))?;
            exposure.push(table);
        }
        if let Some(s) = &file.spillover {
            s.validate().map_err(|(k, m)| src.err(format_args!("`spillover.{k}`: {m}")))?;
        }

        let resolved = serde_json::to_value(Resolved {
            data: data.display().to_string(),
            out: out.display().to_string(),
            allow_outside_output: file.allow_outside_output,
            diagram: &file.diagrams,
            exposure: &file.exposure,
            spillover: file.spillover.as_ref(),
        })
        .map_err(|e| src.err(format_args!("cannot record the configuration: {e}")))?;

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
            diagrams,
            exposure,
            spillover: file.spillover,
            resolved,
            command,
        })
    }
}

impl DiagramFile {
    /// The diagram, validated by `spillnet graph dot`'s own flag checks.
    fn to_diagram(&self, data: &Path) -> std::result::Result<Diagram, String> {
        let min_weight = match &self.min_weight {
            None => Vec::new(),
            Some(MinWeight::All(w)) => vec![w.to_string()],
            Some(MinWeight::ByChannel(m)) => m.iter().map(|(c, w)| format!("{c}={w}")).collect(),
        };
        let args = DotArgs {
            view: ViewArgs {
                data: data.to_path_buf(),
                view: self.view.0,
                year: self.year,
                cumulative: self.cumulative,
                firms_only: self.firms_only,
                channel: self.channel.map(|c| c.0),
                group: self.group.clone(),
                radius: self.radius,
                min_weight,
            },
            out: Some(self.out.get_ref().clone()),
            render: self.render.map(|r| r.0),
            layout: self.layout.0,
            clusters: self.clusters,
            no_legend: self.no_legend,
            no_merge: self.no_merge,
        };
        match (GraphArgs { command: GraphCommand::Dot(args) }).into_config() {
            Ok(CommandConfig::GraphDot(c)) => Ok(Diagram {
                out: c.out.unwrap_or_else(|| self.out.get_ref().clone()),
                view: c.view,
                options: c.options,
                render: c.render,
                layout: c.layout,
            }),
            Ok(other) => unreachable!("graph dot arguments gave {other:?}"),
            Err(e) => Err(flags_to_keys(&e.to_string())),
        }
    }
}

impl ExposureFile {
    /// The exposure table, validated by `spillnet exposure`'s own flag checks.
    fn to_table(&self, data: &Path) -> std::result::Result<ExposureTable, String> {
        let args = ExposureArgs {
            data: data.to_path_buf(),
            channels: self.channels.iter().map(|c| c.0).collect(),
            weights: self.weights.0,
            flow: self.flow.0,
            lag: self.lag,
            level: self.level.0,
            quality: self.quality.0,
            out: Some(self.out.get_ref().clone()),
            pairs: self.pairs.as_ref().map(|p| p.get_ref().clone()),
        };
        let job = args.into_config().map_err(|e| flags_to_keys(&e.to_string()))?;
        let out = job.out.ok_or_else(|| "`out` is required".to_owned())?;
        Ok(ExposureTable { exposure: job.exposure, out, pairs: job.pairs })
    }
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

/// Rewrite the flag names in a validation message as configuration keys
/// (`--min-weight` → `` `min_weight` ``).
fn flags_to_keys(msg: &str) -> String {
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
    use clap::Parser;

    use super::*;

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
    fn defaults_match_the_command_line_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write(
            dir.path(),
            "run.toml",
            "data = \".\"\nout = \"o\"\n[[diagram]]\nout = \"g.dot\"\n[[exposure]]\nout = \"e.csv\"\n[spillover]\n",
        );
        let c = args(&cfg).into_config().unwrap();

        #[derive(Parser)]
        struct T {
            #[command(subcommand)]
            cmd: GraphCommand,
        }
        let t = T::try_parse_from(["graph", "dot", "--out", "g.dot"]).unwrap();
        let CommandConfig::GraphDot(cli) = (GraphArgs { command: t.cmd }).into_config().unwrap() else { panic!() };
        let d = &c.diagrams[0];
        assert_eq!((&d.view, &d.options, d.render, d.layout), (&cli.view, &cli.options, cli.render, cli.layout));

        #[derive(Parser)]
        struct E {
            #[command(flatten)]
            args: ExposureArgs,
        }
        let cli = E::try_parse_from(["exposure", "--out", "e.csv"]).unwrap().args.into_config().unwrap();
        assert_eq!(c.exposure[0].exposure, cli.exposure);
        assert_eq!(c.spillover, Some(SpilloverSection::default()));
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
        assert!(m.contains("typo.toml") && m.contains("layuot") && m.contains("line 5"), "{m}");

        let bad = write(
            dir.path(),
            "bad.toml",
            "data = \".\"\nout = \"o\"\n[[diagram]]\nout = \"g.dot\"\nlayout = \"fpd\"\n",
        );
        let m = usage(&bad);
        assert!(m.contains("bad.toml") && m.contains("`fpd`") && m.contains("`fdp`"), "{m}");

        let nodata = write(dir.path(), "nodata.toml", "out = \"o\"\ndata = \"nope\"\n");
        let m = usage(&nodata);
        assert!(m.contains("nodata.toml, line 2") && m.contains("`data`") && m.contains("nope"), "{m}");

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
        assert!(m.contains("[[diagram]] #1") && m.contains("`channel`") && !m.contains("--"), "{m}");

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
        assert!(usage(&fmt).contains("`spillover.formats`"));
        let level =
            write(dir.path(), "level.toml", "data = \".\"\nout = \"o\"\n[spillover]\nplacebo_level = \"pair\"\n");
        let m = usage(&level);
        assert!(m.contains("pair") && m.contains("firm-segment"), "{m}");
    }

    #[test]
    fn flags_become_keys_in_messages() {
        assert_eq!(flags_to_keys("--view year needs --year T"), "`view` year needs `year` T");
        assert_eq!(flags_to_keys("--min-weight x -- y"), "`min_weight` x -- y");
        assert_eq!(shell_quote("out dir"), "'out dir'");
        assert_eq!(shell_quote("data/default.toml"), "data/default.toml");
    }
}
