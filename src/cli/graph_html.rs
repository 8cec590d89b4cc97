//! The page flags of `spillnet graph html` ([`PageArgs`]: output, title,
//! layout), validated with the view into
//! [`crate::app::graph_html::HtmlConfig`]. The view flags are `graph stats`'s
//! and `graph dot`'s: `cli::graph::HtmlArgs` flattens both and calls
//! [`PageArgs::into_config`]. Imports `app` (config types) and
//! `export`/`graph` (options).

use std::path::PathBuf;

use crate::app::CommandConfig;
use crate::app::graph_html::HtmlConfig;
use crate::error::{Error, Result};
use crate::export::HtmlOptions;
use crate::graph::View;
use crate::graph::layout::LayoutOptions;

/// The page flags of `spillnet graph html` (the view flags come with them).
#[derive(Debug, clap::Args)]
pub struct PageArgs {
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

impl PageArgs {
    /// Validate, with the data folder and the validated view, into the run configuration.
    pub fn into_config(self, data: PathBuf, view: View) -> Result<CommandConfig> {
        if self.iterations == 0 {
            return Err(Error::Usage("--iterations must be at least 1".into()));
        }
        if self.out.extension().is_none_or(|e| !e.eq_ignore_ascii_case("html") && !e.eq_ignore_ascii_case("htm")) {
            return Err(Error::Usage(format!("--out {}: name the page FILE.html", self.out.display())));
        }
        let layout = LayoutOptions { iterations: self.iterations, seed: self.seed, ..LayoutOptions::default() };
        let options = HtmlOptions { title: Some(self.title), layout };
        Ok(CommandConfig::GraphHtml(HtmlConfig { data, view, out: self.out, options }))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::graph::YearMode;

    #[derive(Debug, Parser)]
    struct T {
        #[command(flatten)]
        args: PageArgs,
    }

    fn cfg(args: &[&str]) -> Result<CommandConfig> {
        let t = T::try_parse_from(std::iter::once("html").chain(args.iter().copied())).expect("parses");
        t.args.into_config("data".into(), View::year(2010, YearMode::Cumulative))
    }

    #[test]
    fn flags_to_config() {
        let CommandConfig::GraphHtml(c) = cfg(&["--out", "n.html", "--seed", "7"]).unwrap() else { panic!() };
        assert_eq!(c.view, View::year(2010, YearMode::Cumulative));
        assert_eq!((c.out, c.data), (PathBuf::from("n.html"), PathBuf::from("data")));
        assert_eq!(c.options.layout, LayoutOptions { seed: 7, iterations: 300, theta: 0.8 });
        assert_eq!(c.options.title.as_deref(), Some("spillnet network explorer"));
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        for (args, needle) in
            [(&["--out", "n.dot"][..], "FILE.html"), (&["--out", "n.html", "--iterations", "0"][..], "--iterations")]
        {
            match cfg(args) {
                Err(Error::Usage(m)) => assert!(m.contains(needle), "{m}"),
                other => panic!("{args:?}: {other:?}"),
            }
        }
        assert!(T::try_parse_from(["html"]).is_err(), "--out is required");
    }
}
