//! Arguments of `spillnet graph export` and `spillnet graph centrality`,
//! validated into [`crate::app::graph_export::ExportConfig`] /
//! [`crate::app::graph_export::CentralityConfig`] (mistakes are usage
//! errors, exit 2). Both take the view flags of `graph stats|dot`
//! ([`ViewArgs`]) and the measure settings ([`MeasureArgs`]).
//! Imports `app` (config types), `graph` (views, centrality options), `io::write`.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::ViewArgs;
use crate::app::CommandConfig;
use crate::app::graph_export::{CentralityConfig, ExportConfig, ExportFormat};
use crate::error::{Error, Result};
use crate::graph::centrality::{CentralityOptions, CommunityOptions, Distance};
use crate::graph::{View, YearMode};
use crate::io::write::TableFormat;

/// Interchange format for `graph export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    /// GraphML: every edge of the multigraph, typed node and edge attributes (networkx, igraph, Gephi, yEd).
    Graphml,
    /// GEXF 1.3, dynamic: integer years, spells on ties, edge kind = channel, time-varying flows (Gephi).
    Gexf,
    /// Long edge list source,target,channel,year,weight (.csv or .parquet) plus a node table
    /// FILE.nodes.csv|parquet beside it (igraph, networkx, Stata, R).
    Edges,
}

/// Path length for betweenness (`--distance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DistanceArg {
    /// Every tie has length 1.
    Hops,
    /// A tie's length is its (summed) weight.
    Weight,
    /// A tie's length is 1 / weight (heavier ties are shorter).
    InverseWeight,
}

/// Community detection (`--communities`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CommunitiesArg {
    /// Louvain modularity optimisation, seeded (--seed, --resolution).
    Louvain,
    /// No communities (the `community` column is empty).
    None,
}

/// Settings of the node measures, shared by `export` (node attributes) and `centrality`.
#[derive(Debug, clap::Args)]
pub struct MeasureArgs {
    /// PageRank damping factor, in (0, 1).
    #[arg(long, value_name = "D", default_value_t = 0.85)]
    pub damping: f64,
    /// Path length for betweenness: `hops`, `weight` (a tie's summed weight) or `inverse-weight`
    /// (1 / weight, so more workers or shared suppliers make a shorter path).
    #[arg(long, value_enum, default_value_t = DistanceArg::Hops)]
    pub distance: DistanceArg,
    /// Community detection on the undirected graph: `louvain` or `none`.
    #[arg(long, value_enum, default_value_t = CommunitiesArg::Louvain)]
    pub communities: CommunitiesArg,
    /// Seed of Louvain's node order (same seed, same communities).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Modularity resolution for Louvain (> 0; above 1 gives smaller communities).
    #[arg(long, value_name = "G", default_value_t = 1.0)]
    pub resolution: f64,
}

impl MeasureArgs {
    /// Validate into [`CentralityOptions`].
    pub fn to_options(&self) -> Result<CentralityOptions> {
        if !(self.damping > 0.0 && self.damping < 1.0) {
            return Err(Error::Usage(format!("--damping {}: must be strictly between 0 and 1", self.damping)));
        }
        if !(self.resolution.is_finite() && self.resolution > 0.0) {
            return Err(Error::Usage(format!("--resolution {}: must be a finite number > 0", self.resolution)));
        }
        let distance = match self.distance {
            DistanceArg::Hops => Distance::Hops,
            DistanceArg::Weight => Distance::Weight,
            DistanceArg::InverseWeight => Distance::InverseWeight,
        };
        let communities = match self.communities {
            CommunitiesArg::Louvain => Some(CommunityOptions { seed: self.seed, resolution: self.resolution }),
            CommunitiesArg::None => None,
        };
        Ok(CentralityOptions { damping: self.damping, distance, communities, ..CentralityOptions::default() })
    }
}

/// Arguments of `spillnet graph export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Data and view selection.
    #[command(flatten)]
    pub view: ViewArgs,
    /// Interchange format. Default: from the --out extension (.graphml, .gexf, .csv/.parquet → edges).
    #[arg(long, value_enum)]
    pub format: Option<ExportFormatArg>,
    /// Output file (written atomically), e.g. graph.graphml, graph.gexf, edges.csv, edges.parquet.
    /// The edge list also writes its node table to FILE.nodes.csv|parquet.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Leave the centralities out of the node attributes.
    #[arg(long)]
    pub no_centrality: bool,
    /// Node measure settings.
    #[command(flatten)]
    pub measures: MeasureArgs,
}

/// Arguments of `spillnet graph centrality`.
#[derive(Debug, clap::Args)]
pub struct CentralityArgs {
    /// Data and view selection.
    #[command(flatten)]
    pub view: ViewArgs,
    /// One set of measures per year (tsna's tSnaStats): the view sliced to each year from the
    /// first to the last the data mention, with a `year` column; add --cumulative for the network
    /// up to each year. Not with --year.
    #[arg(long)]
    pub by_year: bool,
    /// Output table, .csv or .parquet (written atomically). Default: CSV on standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Node measure settings.
    #[command(flatten)]
    pub measures: MeasureArgs,
}

fn extension(p: &Path) -> Option<String> {
    p.extension().map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// CSV or Parquet from a table file's extension.
fn table_format(p: &Path, flag: &str) -> Result<TableFormat> {
    match extension(p).as_deref() {
        Some("csv") => Ok(TableFormat::Csv),
        Some("parquet") => Ok(TableFormat::Parquet),
        _ => Err(Error::Usage(format!("{flag} {}: the file must end in .csv or .parquet", p.display()))),
    }
}

impl ExportArgs {
    /// Validate into the run configuration.
    pub fn into_config(self) -> Result<CommandConfig> {
        let view = self.view.to_view()?;
        let ext = extension(&self.out);
        let format = match (self.format, ext.as_deref()) {
            (Some(ExportFormatArg::Graphml), _) | (None, Some("graphml")) => ExportFormat::Graphml,
            (Some(ExportFormatArg::Gexf), _) | (None, Some("gexf")) => ExportFormat::Gexf,
            (Some(ExportFormatArg::Edges), _) | (None, Some("csv" | "parquet")) => {
                ExportFormat::Edges(table_format(&self.out, "--out")?)
            }
            (None, _) => {
                return Err(Error::Usage(format!(
                    "--out {}: cannot tell the format from the extension; use .graphml, .gexf, .csv or .parquet, \
                     or give --format",
                    self.out.display()
                )));
            }
        };
        let centrality = if self.no_centrality { None } else { Some(self.measures.to_options()?) };
        Ok(CommandConfig::GraphExport(ExportConfig { data: self.view.data, view, format, out: self.out, centrality }))
    }
}

impl CentralityArgs {
    /// Validate into the run configuration.
    pub fn into_config(mut self) -> Result<CommandConfig> {
        let by_year = if self.by_year {
            if self.view.year.is_some() {
                return Err(Error::Usage("--by-year measures every year: leave out --year".into()));
            }
            // --cumulative applies to each year's slice here, not to a --year.
            let mode = if self.view.cumulative { YearMode::Cumulative } else { YearMode::Active };
            self.view.cumulative = false;
            Some(mode)
        } else {
            None
        };
        let view: View = self.view.to_view()?;
        let format = match &self.out {
            Some(p) => Some(table_format(p, "--out")?),
            None => None,
        };
        let options = self.measures.to_options()?;
        Ok(CommandConfig::GraphCentrality(CentralityConfig {
            data: self.view.data,
            view,
            by_year,
            out: self.out.zip(format),
            options,
        }))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{GraphArgs, GraphCommand};

    #[derive(Debug, Parser)]
    struct T {
        #[command(subcommand)]
        cmd: GraphCommand,
    }

    fn cfg(args: &[&str]) -> Result<CommandConfig> {
        let t = T::try_parse_from(std::iter::once("graph").chain(args.iter().copied())).expect("parses");
        GraphArgs { command: t.cmd }.into_config()
    }

    fn usage_msg(args: &[&str]) -> String {
        match cfg(args) {
            Err(Error::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn export_format_from_flag_or_extension() {
        let format = |args: &[&str]| match cfg(args).unwrap() {
            CommandConfig::GraphExport(c) => c.format,
            other => panic!("{other:?}"),
        };
        assert_eq!(format(&["export", "--out", "g.graphml"]), ExportFormat::Graphml);
        assert_eq!(format(&["export", "--out", "g.GEXF"]), ExportFormat::Gexf);
        assert_eq!(format(&["export", "--out", "e.parquet"]), ExportFormat::Edges(TableFormat::Parquet));
        assert_eq!(format(&["export", "--format", "gexf", "--out", "g.xml"]), ExportFormat::Gexf);
        assert_eq!(format(&["export", "--format", "edges", "--out", "e.csv"]), ExportFormat::Edges(TableFormat::Csv));
        assert!(usage_msg(&["export", "--out", "g.xml"]).contains("--format"));
        assert!(usage_msg(&["export", "--format", "edges", "--out", "e.txt"]).contains(".csv or .parquet"));
    }

    #[test]
    fn measure_settings() {
        let CommandConfig::GraphCentrality(c) = cfg(&["centrality"]).unwrap() else { panic!() };
        assert_eq!(c.options, CentralityOptions::default());
        assert_eq!((c.by_year, c.out), (None, None));
        let CommandConfig::GraphCentrality(c) = cfg(&[
            "centrality",
            "--by-year",
            "--cumulative",
            "--damping",
            "0.5",
            "--distance",
            "inverse-weight",
            "--seed",
            "7",
            "--out",
            "c.parquet",
        ])
        .unwrap() else {
            panic!()
        };
        assert_eq!(c.by_year, Some(YearMode::Cumulative));
        assert_eq!(c.view, View::whole());
        assert_eq!(c.options.damping, 0.5);
        assert_eq!(c.options.distance, Distance::InverseWeight);
        assert_eq!(c.options.communities.unwrap().seed, 7);
        assert_eq!(c.out, Some((PathBuf::from("c.parquet"), TableFormat::Parquet)));
        let CommandConfig::GraphExport(e) = cfg(&["export", "--out", "g.gexf", "--communities", "none"]).unwrap()
        else {
            panic!()
        };
        assert_eq!(e.centrality.unwrap().communities, None);
        let CommandConfig::GraphExport(e) = cfg(&["export", "--out", "g.gexf", "--no-centrality"]).unwrap() else {
            panic!()
        };
        assert_eq!(e.centrality, None);
    }

    #[test]
    fn bad_measure_flags_are_usage_errors() {
        assert!(usage_msg(&["centrality", "--damping", "1"]).contains("--damping"));
        assert!(usage_msg(&["centrality", "--damping", "0"]).contains("--damping"));
        assert!(usage_msg(&["centrality", "--resolution", "0"]).contains("--resolution"));
        assert!(usage_msg(&["centrality", "--by-year", "--year", "2010"]).contains("--by-year"));
        assert!(usage_msg(&["centrality", "--cumulative"]).contains("--year"));
        assert!(usage_msg(&["centrality", "--out", "c.txt"]).contains(".csv or .parquet"));
    }
}
