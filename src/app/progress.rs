//! Progress reporting for long steps: a thin wrapper over indicatif. A
//! [`Progress`] decides once whether bars are drawn (never with `--quiet`,
//! never when stderr is not a terminal, so tests, pipes and CI logs stay
//! clean) and hands out [`Bar`]s: counted bars for loops of known length
//! (placebo draws, bootstrap replicates, Monte Carlo runs) and spinners for
//! steps of unknown length (loading, rendering). Bars draw on stderr only and
//! never touch the results. Imports nothing from the crate.
//!
//! A [`Bar`] is a cheap handle (`Clone + Send + Sync`), so rayon workers can
//! share one:
//!
//! ```
//! use rayon::prelude::*;
//! use spillnet::app::progress::Progress;
//!
//! let progress = Progress::new(true); // quiet: nothing is drawn
//! let bar = progress.bar(300, "placebo");
//! let draws: Vec<u64> = (0..300u64).into_par_iter().map(|b| { bar.inc(1); b * 2 }).collect();
//! bar.finish();
//! assert_eq!(draws.len(), 300);
//! ```

use std::borrow::Cow;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a spinner redraws itself while the step works.
const SPINNER_TICK: Duration = Duration::from_millis(120);
/// Template of a counted bar: message, bar, position/length, rate, ETA.
const BAR_TEMPLATE: &str = "{msg:>14} [{bar:32}] {pos}/{len} ({per_sec}, eta {eta})";
/// Template of a spinner: spinner, message, elapsed time.
const SPINNER_TEMPLATE: &str = "{spinner} {msg} ({elapsed})";

/// Factory of progress bars for one run; decides once whether they are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    visible: bool,
}

impl Progress {
    /// Bars are drawn unless `quiet` or stderr is not a terminal.
    pub fn new(quiet: bool) -> Self {
        Progress { visible: !quiet && std::io::stderr().is_terminal() }
    }

    /// A factory whose bars are never drawn (library use, tests).
    pub fn hidden() -> Self {
        Progress { visible: false }
    }

    /// Whether the bars of this factory are drawn.
    pub fn is_visible(&self) -> bool {
        self.visible
    }

    /// A bar counting `len` units of work (e.g. placebo draws), labelled `msg`.
    pub fn bar(&self, len: u64, msg: impl Into<Cow<'static, str>>) -> Bar {
        let pb = if self.visible {
            let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
            pb.set_style(ProgressStyle::with_template(BAR_TEMPLATE).expect("valid bar template").progress_chars("=> "));
            pb
        } else {
            ProgressBar::hidden()
        };
        pb.set_message(msg);
        Bar(pb)
    }

    /// A spinner for a step of unknown length (e.g. loading the data), labelled `msg`.
    pub fn spinner(&self, msg: impl Into<Cow<'static, str>>) -> Bar {
        let pb = if self.visible {
            let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            pb.set_style(ProgressStyle::with_template(SPINNER_TEMPLATE).expect("valid spinner template"));
            pb.enable_steady_tick(SPINNER_TICK);
            pb
        } else {
            ProgressBar::hidden()
        };
        pb.set_message(msg);
        Bar(pb)
    }
}

/// One progress bar or spinner. Cloning gives another handle to the same bar;
/// every method takes `&self` and is safe to call from rayon workers.
#[derive(Debug, Clone)]
pub struct Bar(ProgressBar);

impl Bar {
    /// Advance by `n` units.
    pub fn inc(&self, n: u64) {
        self.0.inc(n);
    }

    /// Replace the label.
    pub fn set_message(&self, msg: impl Into<Cow<'static, str>>) {
        self.0.set_message(msg);
    }

    /// Units done so far.
    pub fn position(&self) -> u64 {
        self.0.position()
    }

    /// Run `f` with the bar hidden, so it can print without garbling the bar.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.0.suspend(f)
    }

    /// Stop and erase the bar (the step reports its own result line).
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use rayon::prelude::*;

    use super::*;

    #[test]
    fn hidden_bars_still_count_across_threads() {
        let bar = Progress::hidden().bar(1000, "work");
        (0..1000).into_par_iter().for_each(|_| bar.inc(1));
        assert_eq!(bar.position(), 1000);
        bar.finish();
        assert!(!Progress::new(true).is_visible(), "--quiet must hide bars");
    }

    #[test]
    fn spinner_is_hidden_when_quiet() {
        let s = Progress::new(true).spinner("loading");
        s.set_message("still loading");
        s.finish();
    }
}
