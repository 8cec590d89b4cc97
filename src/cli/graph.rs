//! Arguments of `spillnet graph stats` and `spillnet graph dot`, validated
//! into [`crate::app::graph::StatsConfig`] / [`crate::app::graph::DotConfig`]
//! (flag combinations are checked here; mistakes are usage errors, exit 2).
//! Imports `app` (config types), `graph` (views), `export` (options) and the
//! report format's spelling from `cli::estimate`.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

use super::estimate::FormatArg;
use crate::app::CommandConfig;
use crate::app::graph::{DotConfig, StatsConfig};
use crate::error::{Error, Result};
use crate::export::{DotOptions, ImageFormat, Layout};
use crate::graph::{Channel, Ego, View, YearMode, YearSlice};

/// Arguments of `spillnet graph`.
#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// What to produce.
    #[command(subcommand)]
    pub command: GraphCommand,
}

/// The `graph` subcommands.
#[derive(Debug, Subcommand)]
pub enum GraphCommand {
    /// Print summary statistics of a view of the graph: node and edge counts
    /// by kind, degrees, weighted worker flows, connected components.
    ///
    /// Example: spillnet graph stats --data data --view year --year 2014 --cumulative
    Stats(StatsArgs),
    /// Write a view of the graph as a Graphviz DOT diagram, optionally rendered to SVG/PNG.
    ///
    /// Example: spillnet graph dot --data data --view channel --channel owns --clusters
    /// --out graphs/jv_network.dot --render svg
    Dot(DotArgs),
    /// Write a view of the graph for other tools: GraphML, GEXF 1.3 (dynamic) or a long edge
    /// list (CSV/Parquet) with a node table; nodes carry kind, group, province, production and
    /// the centralities of `graph centrality`.
    ///
    /// Example: spillnet graph export --data data --view firms --out firms.graphml
    Export(super::graph_export::ExportArgs),
    /// Per-node measures of a view: in/out degree and strength, PageRank, eigenvector,
    /// betweenness and Louvain communities, one row per node (per year with --by-year).
    ///
    /// Example: spillnet graph centrality --data data --view firms --out centrality.csv
    Centrality(super::graph_export::CentralityArgs),
    /// Write a view of the graph as one self-contained, offline HTML page to explore in a
    /// browser: year slider, channel toggles, minimum-weight sliders, search, click to focus a
    /// node's neighbours, tooltips and a legend.
    ///
    /// Example: spillnet graph html --data data --out out/network.html
    Html(HtmlArgs),
}

/// Arguments of `spillnet graph html`: the view flags and the page flags
/// ([`super::graph_html::PageArgs`], which validates them).
#[derive(Debug, clap::Args)]
pub struct HtmlArgs {
    /// Data and view selection: the view is what the page embeds; its year slider, channel
    /// toggles and minimum-weight sliders then filter it in the browser.
    #[command(flatten)]
    pub view: ViewArgs,
    /// Output, title and layout.
    #[command(flatten)]
    pub page: super::graph_html::PageArgs,
}

impl HtmlArgs {
    /// Validate into the run configuration.
    pub fn into_config(self) -> Result<CommandConfig> {
        let view = self.view.to_view()?;
        self.page.into_config(self.view.data, view)
    }
}

/// Which view of the graph to take (`--view`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ViewArg {
    /// The whole graph.
    Whole,
    /// A year slice (needs --year; add --cumulative for everything up to that year).
    Year,
    /// One channel (needs --channel).
    Channel,
    /// Firms only: models and suppliers collapsed into firm–firm shared_supplier edges
    /// (weight = number of shared suppliers).
    Firms,
    /// A group's ego network (needs --group; --radius hops, default 1).
    Ego,
}

/// `--channel` / `--min-weight` channel: an edge channel of the graph or a
/// registered channel (the error lists every known name).
fn parse_channel(name: &str) -> std::result::Result<Channel, String> {
    Channel::parse(name).ok_or_else(|| format!("unknown channel `{name}` (one of {})", channel_names()))
}

/// Every edge channel's name, comma-separated: the built-in ones, then the registered ones.
fn channel_names() -> String {
    let registered = crate::channels::registered();
    let names: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).chain(registered.iter().map(|d| d.name)).collect();
    names.join(", ")
}

/// Flags selecting the data and the view, shared by `stats` and `dot`.
#[derive(Debug, clap::Args)]
pub struct ViewArgs {
    /// Data folder with the input tables (firms, jv_links, models, suppliers, worker_moves, …).
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub data: PathBuf,
    /// View of the graph. --year, --channel and --min-weight further restrict any view
    /// (e.g. `--view firms --year 2014 --cumulative`).
    #[arg(long, value_enum, default_value_t = ViewArg::Whole)]
    pub view: ViewArg,
    /// Year slice: keep edges and nodes active in this year (required by --view year).
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub year: Option<i32>,
    /// With --year: keep everything that started by the year (cumulative network) instead of
    /// only what is active in it.
    #[arg(long)]
    pub cumulative: bool,
    /// Collapse models and suppliers to firm level in any view (same as --view firms), e.g.
    /// `--view ego --group FAW --firms-only`.
    #[arg(long)]
    pub firms_only: bool,
    /// Keep only this channel's edges and the nodes they touch (required by --view channel):
    /// `owns`, `produces`, `supplies`, `worker_flow`, `located_in`, `shared_supplier` (firms
    /// view only) or a registered channel.
    #[arg(long, value_name = "CHANNEL", value_parser = parse_channel)]
    pub channel: Option<Channel>,
    /// Group (firms.group_id) whose ego network to show (required by --view ego), e.g. `FAW`.
    #[arg(long, value_name = "G")]
    pub group: Option<String>,
    /// Ego network radius in hops, ignoring edge direction (--view ego only) [default: 1].
    #[arg(long, value_name = "R")]
    pub radius: Option<usize>,
    /// Drop worker_flow, supplies and shared_supplier edges whose weight (workers, components,
    /// shared suppliers), summed over the years in the view between the same two nodes, is below
    /// W, and the nodes this leaves without edges. Unweighted edges (owns, produces, located_in)
    /// are kept. `CHANNEL=W` sets the threshold of one channel; repeat the flag to combine, e.g.
    /// `--min-weight worker_flow=5 --min-weight shared_supplier=80`.
    #[arg(long, value_name = "W|CHANNEL=W", allow_negative_numbers = true)]
    pub min_weight: Vec<String>,
}

impl ViewArgs {
    /// Validate the view flags into a [`View`].
    pub fn to_view(&self) -> Result<View> {
        let usage = |m: &str| Err(Error::Usage(m.to_owned()));
        let mut view = View::whole();
        match self.view {
            ViewArg::Whole | ViewArg::Firms | ViewArg::Ego => {}
            ViewArg::Year if self.year.is_none() => return usage("--view year needs --year T"),
            ViewArg::Channel if self.channel.is_none() => return usage("--view channel needs --channel C"),
            ViewArg::Year | ViewArg::Channel => {}
        }
        if let Some(year) = self.year {
            let mode = if self.cumulative { YearMode::Cumulative } else { YearMode::Active };
            view.year = Some(YearSlice { year, mode });
        } else if self.cumulative {
            return usage("--cumulative needs --year T");
        }
        view.firms_only = self.view == ViewArg::Firms || self.firms_only;
        if let Some(c) = self.channel {
            if c == Channel::SharedSupplier && !view.firms_only {
                return usage("shared_supplier edges exist only in the firms view: add --view firms");
            }
            view.channel = Some(c);
        }
        if self.view == ViewArg::Ego {
            let Some(group) = &self.group else { return usage("--view ego needs --group G") };
            view.ego = Some(Ego { group: group.as_str().into(), radius: self.radius.unwrap_or(1) });
        } else if self.group.is_some() || self.radius.is_some() {
            return usage("--group and --radius apply only to --view ego");
        }
        for spec in &self.min_weight {
            let (channel, value) = match spec.split_once('=') {
                Some((c, v)) => {
                    let Some(c) = Channel::parse(c.trim()) else {
                        return usage(&format!(
                            "--min-weight {spec}: unknown channel `{c}` (one of {})",
                            channel_names()
                        ));
                    };
                    (Some(c), v)
                }
                None => (None, spec.as_str()),
            };
            let w: f64 = match value.trim().parse() {
                Ok(w) if f64::is_finite(w) && w >= 0.0 => w,
                _ => return usage(&format!("--min-weight {spec}: the weight must be a finite number ≥ 0")),
            };
            match channel {
                Some(c) if !c.is_weighted() => {
                    return usage(&format!("--min-weight {spec}: {c} edges are unweighted (always weight 1)"));
                }
                Some(c) => {
                    if view.min_weight_by_channel.insert(c, w).is_some() {
                        return usage(&format!("--min-weight for {c} is given twice"));
                    }
                }
                None if view.min_weight.is_some() => return usage("--min-weight W is given twice"),
                None => view.min_weight = Some(w),
            }
        }
        Ok(view)
    }
}

/// Arguments of `spillnet graph stats`.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Data and view selection.
    #[command(flatten)]
    pub view: ViewArgs,
    /// Output format: `text` (default), `md`, `latex`, `csv` (counts and rankings) or `json` (every statistic).
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
}

/// Image format for `--render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderArg {
    /// Scalable vector graphics.
    Svg,
    /// PNG bitmap.
    Png,
}

/// Layout engine for `--layout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// Graphviz `dot` (layered).
    Dot,
    /// Graphviz `sfdp` (force-directed, for large graphs).
    Sfdp,
    /// Graphviz `fdp` (force-directed with clusters; compact drawings of medium networks).
    Fdp,
    /// `dot` up to 2000 nodes, 5000 drawn edges and a density index 2·edges²/nodes of 14,000
    /// (dot's time grows with edges × average degree: a 54-firm graph with 1,000 edges takes
    /// minutes), `sfdp` above.
    Auto,
}

/// Arguments of `spillnet graph dot`.
#[derive(Debug, clap::Args)]
pub struct DotArgs {
    /// Data and view selection.
    #[command(flatten)]
    pub view: ViewArgs,
    /// Output DOT file (written atomically), e.g. graphs/jv_network.dot. Default: standard output.
    #[arg(long, value_name = "FILE.dot")]
    pub out: Option<PathBuf>,
    /// Also render the DOT file with Graphviz to FILE.svg or FILE.png (needs --out and the
    /// Graphviz binaries on PATH; the DOT file is written either way).
    #[arg(long, value_enum)]
    pub render: Option<RenderArg>,
    /// Graphviz layout engine for --render.
    #[arg(long, value_enum, default_value_t = LayoutArg::Auto)]
    pub layout: LayoutArg,
    /// Stop the Graphviz engine after SECS seconds with a message suggesting a filtered view,
    /// sfdp or `graph html` (the DOT file is kept); 0 = no limit. A spinner shows the elapsed
    /// time while it works.
    #[arg(long, value_name = "SECS", default_value_t = crate::export::render::DEFAULT_RENDER_TIMEOUT_SECS)]
    pub render_timeout: u64,
    /// Draw one cluster (box) per corporate group around its firms and models.
    #[arg(long)]
    pub clusters: bool,
    /// Leave out the legend of node kinds and channels.
    #[arg(long)]
    pub no_legend: bool,
    /// Draw every edge separately instead of merging parallel edges of one channel
    /// (e.g. yearly worker flows between two firms) into one edge with the summed weight.
    #[arg(long)]
    pub no_merge: bool,
}

impl GraphArgs {
    /// Validate into the run configuration.
    pub fn into_config(self) -> Result<CommandConfig> {
        match self.command {
            GraphCommand::Stats(a) => {
                let view = a.view.to_view()?;
                Ok(CommandConfig::GraphStats(StatsConfig { data: a.view.data, view, format: a.format.into() }))
            }
            GraphCommand::Export(a) => a.into_config(),
            GraphCommand::Centrality(a) => a.into_config(),
            GraphCommand::Dot(a) => {
                let view = a.view.to_view()?;
                if a.render.is_some() && a.out.is_none() {
                    return Err(Error::Usage("--render needs --out FILE.dot".into()));
                }
                let render = a.render.map(|r| match r {
                    RenderArg::Svg => ImageFormat::Svg,
                    RenderArg::Png => ImageFormat::Png,
                });
                if let (Some(fmt), Some(out)) = (render, &a.out)
                    && crate::export::render::image_path(out, fmt) == *out
                {
                    return Err(Error::Usage(format!(
                        "--out {} would be overwritten by the rendered image; name the DOT file FILE.dot",
                        out.display()
                    )));
                }
                let layout = match a.layout {
                    LayoutArg::Dot => Layout::Dot,
                    LayoutArg::Sfdp => Layout::Sfdp,
                    LayoutArg::Fdp => Layout::Fdp,
                    LayoutArg::Auto => Layout::Auto,
                };
                let options =
                    DotOptions { clusters: a.clusters, legend: !a.no_legend, merge_parallel: !a.no_merge, title: None };
                let render_timeout = (a.render_timeout > 0).then(|| std::time::Duration::from_secs(a.render_timeout));
                Ok(CommandConfig::GraphDot(DotConfig {
                    data: a.view.data,
                    view,
                    options,
                    out: a.out,
                    render,
                    layout,
                    render_timeout,
                }))
            }
            GraphCommand::Html(a) => a.into_config(),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct T {
        #[command(subcommand)]
        cmd: GraphCommand,
    }

    fn cfg(args: &[&str]) -> Result<CommandConfig> {
        let t = T::try_parse_from(std::iter::once("graph").chain(args.iter().copied())).expect("parses");
        GraphArgs { command: t.cmd }.into_config()
    }

    fn view_of(args: &[&str]) -> View {
        match cfg(args).unwrap() {
            CommandConfig::GraphStats(c) => c.view,
            CommandConfig::GraphDot(c) => c.view,
            other => panic!("{other:?}"),
        }
    }

    fn usage_msg(args: &[&str]) -> String {
        match cfg(args) {
            Err(Error::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn views_from_flags() {
        assert_eq!(view_of(&["stats"]), View::whole());
        assert_eq!(view_of(&["stats", "--view", "year", "--year", "2014"]), View::year(2014, YearMode::Active));
        assert_eq!(
            view_of(&["dot", "--view", "firms", "--year", "2014", "--cumulative", "--min-weight", "2"]),
            View::firms_only().with_year(2014, YearMode::Cumulative).with_min_weight(2.0)
        );
        assert_eq!(
            view_of(&["stats", "--view", "channel", "--channel", "worker_flow"]),
            View::channel(Channel::WorkerFlow)
        );
        assert_eq!(view_of(&["stats", "--view", "ego", "--group", "faw"]), View::ego("faw", 1));
        assert_eq!(view_of(&["stats", "--view", "ego", "--group", "faw", "--radius", "3"]), View::ego("faw", 3));
        assert_eq!(
            view_of(&["stats", "--view", "ego", "--group", "faw", "--firms-only"]),
            View::ego("faw", 1).with_firms_only()
        );
    }

    #[test]
    fn bad_combinations_are_usage_errors() {
        assert!(usage_msg(&["stats", "--view", "year"]).contains("--year"));
        assert!(usage_msg(&["stats", "--view", "channel"]).contains("--channel"));
        assert!(usage_msg(&["stats", "--view", "ego"]).contains("--group"));
        assert!(usage_msg(&["stats", "--cumulative"]).contains("--year"));
        assert!(usage_msg(&["stats", "--group", "faw"]).contains("--view ego"));
        assert!(usage_msg(&["stats", "--min-weight", "-1"]).contains("--min-weight"));
        assert!(usage_msg(&["stats", "--min-weight", "nan"]).contains("finite"));
        assert!(usage_msg(&["stats", "--min-weight", "flows=3"]).contains("unknown channel `flows`"));
        assert!(usage_msg(&["stats", "--min-weight", "owns=3"]).contains("unweighted"));
        assert!(usage_msg(&["stats", "--min-weight", "1", "--min-weight", "2"]).contains("twice"));
        assert!(usage_msg(&["stats", "--channel", "shared_supplier"]).contains("--view firms"));
        assert!(usage_msg(&["dot", "--render", "svg"]).contains("--out"));
        assert!(usage_msg(&["dot", "--render", "svg", "--out", "g.svg"]).contains("overwritten"));
    }

    #[test]
    fn dot_options_from_flags() {
        let CommandConfig::GraphDot(c) =
            cfg(&["dot", "--out", "g.dot", "--render", "png", "--layout", "sfdp", "--clusters", "--no-legend"])
                .unwrap()
        else {
            panic!()
        };
        assert_eq!(c.render, Some(ImageFormat::Png));
        assert_eq!(c.layout, Layout::Sfdp);
        assert!(c.options.clusters && !c.options.legend && c.options.merge_parallel);
        assert_eq!(c.out, Some(PathBuf::from("g.dot")));
        assert_eq!(c.data, PathBuf::from("data"));
    }
}
