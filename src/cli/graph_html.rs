//! Arguments of `spillnet graph html`, validated into
//! [`crate::app::graph_html::HtmlConfig`]. The view flags are `graph stats`'s
//! and `graph dot`'s ([`ViewArgs`]). Imports `app` (config types), `cli::graph`
//! (view flags) and `export`/`graph` (options).

use std::path::PathBuf;

use super::graph::ViewArgs;
use crate::app::CommandConfig;
use crate::app::graph_html::HtmlConfig;
use crate::error::{Error, Result};
use crate::export::HtmlOptions;
use crate::graph::layout::LayoutOptions;

/// Arguments of `spillnet graph html`.
#[derive(Debug, clap::Args)]
pub struct HtmlArgs {
    /// Data and view selection: the view is what the page embeds; its year slider, channel
    /// toggles and minimum-weight sliders then filter it in the browser.
    #[command(flatten)]
    pub view: ViewArgs,
    /// Output HTML file (written atomically), e.g. out/network.html: one self-contained page
    /// (scripts, styles and data inline; it makes no network request). Required.
    #[arg(long, value_name = "FILE.html")]
    pub out: PathBuf,
    /// Page title.
    #[arg(long, value_name = "TEXT", default_value = "spillnet network explorer")]
    pub title: String,
    /// Seed of the force layout's initial positions (same seed and view → same page, byte for byte).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Steps of the force layout (more: slower, a little tidier; ≥ 1).
    #[arg(long, value_name = "N", default_value_t = 300)]
    pub iterations: usize,
}

impl HtmlArgs {
    /// Validate into the run configuration.
    pub fn into_config(self) -> Result<CommandConfig> {
        let view = self.view.to_view()?;
        if self.iterations == 0 {
            return Err(Error::Usage("--iterations must be at least 1".into()));
        }
        if self.out.extension().is_none_or(|e| !e.eq_ignore_ascii_case("html") && !e.eq_ignore_ascii_case("htm")) {
            return Err(Error::Usage(format!("--out {}: name the page FILE.html", self.out.display())));
        }
        let layout = LayoutOptions { iterations: self.iterations, seed: self.seed, ..LayoutOptions::default() };
        let options = HtmlOptions { title: Some(self.title), layout };
        Ok(CommandConfig::GraphHtml(HtmlConfig { data: self.view.data, view, out: self.out, options }))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::graph::{Channel, View, YearMode};

    #[derive(Debug, Parser)]
    struct T {
        #[command(flatten)]
        args: HtmlArgs,
    }

    fn cfg(args: &[&str]) -> Result<CommandConfig> {
        T::try_parse_from(std::iter::once("html").chain(args.iter().copied())).expect("parses").args.into_config()
    }

    #[test]
    fn flags_to_config() {
        let CommandConfig::GraphHtml(c) = cfg(&[
            "--out",
            "n.html",
            "--view",
            "firms",
            "--year",
            "2010",
            "--cumulative",
            "--min-weight",
            "worker_flow=5",
            "--seed",
            "7",
        ])
        .unwrap() else {
            panic!()
        };
        assert_eq!(
            c.view,
            View::firms_only().with_year(2010, YearMode::Cumulative).with_channel_min_weight(Channel::WorkerFlow, 5.0)
        );
        assert_eq!(c.out, PathBuf::from("n.html"));
        assert_eq!(c.options.layout, LayoutOptions { seed: 7, iterations: 300, theta: 0.8 });
        assert_eq!(c.options.title.as_deref(), Some("spillnet network explorer"));
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        for (args, needle) in [
            (&["--out", "n.dot"][..], "FILE.html"),
            (&["--out", "n.html", "--iterations", "0"][..], "--iterations"),
            (&["--out", "n.html", "--view", "year"][..], "--year"),
        ] {
            match cfg(args) {
                Err(Error::Usage(m)) => assert!(m.contains(needle), "{m}"),
                other => panic!("{args:?}: {other:?}"),
            }
        }
        assert!(T::try_parse_from(["html"]).is_err(), "--out is required");
    }
}
