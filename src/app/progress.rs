//! Progress reporting for long steps: a thin wrapper over indicatif. A
//! [`Progress`] decides once whether bars are drawn (never with `--quiet`,
//! never when stderr is not a terminal, so tests, pipes and CI logs stay
//! clean) and hands out [`Bar`]s: counted bars for loops of known length
//! (placebo draws, bootstrap replicates, Monte Carlo runs) and spinners for
//! steps of unknown length (loading, rendering). Bars draw on stderr only and
//! never touch the results. Imports nothing from the crate.
//!
//! Bars draw through their own handle on the stderr file descriptor, not
//! through `std::io::stderr()`: the binary holds the stderr lock for the
//! whole run (it is the [`super::Ctx`] diagnostics writer), so a bar drawn
//! from a spinner's tick thread or a rayon worker through `std::io::stderr()`
//! would wait for that lock forever.
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
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// How often a spinner redraws itself while the step works.
const SPINNER_TICK: Duration = Duration::from_millis(120);
/// Template of a counted bar: message, bar, position/length, rate, ETA.
const BAR_TEMPLATE: &str = "{msg:>14} [{bar:32}] {pos}/{len} ({per_sec}, eta {eta})";
/// Template of a spinner: spinner, message, elapsed time.
const SPINNER_TEMPLATE: &str = "{spinner} {msg} ({elapsed})";
/// Redraws per second at most (bars shared by rayon workers are incremented often).
const REFRESH_HZ: u8 = 15;
/// Terminal width assumed when `COLUMNS` is not set.
const DEFAULT_WIDTH: u16 = 100;

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

    /// A draw target on stderr that bypasses the stderr lock; `None` when
    /// bars are hidden or the descriptor cannot be duplicated.
    fn target(&self) -> Option<ProgressDrawTarget> {
        if !self.visible {
            return None;
        }
        let term = RawStderr::open()?;
        Some(ProgressDrawTarget::term_like_with_hz(Box::new(term), REFRESH_HZ))
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
        let pb = match self.target() {
            Some(target) => {
                let pb = ProgressBar::with_draw_target(Some(len), target);
                pb.set_style(
                    ProgressStyle::with_template(BAR_TEMPLATE).expect("valid bar template").progress_chars("=> "),
                );
                pb
            }
            None => ProgressBar::hidden(),
        };
        pb.set_message(msg);
        Bar(pb)
    }

    /// A spinner for a step of unknown length (e.g. loading the data), labelled `msg`.
    pub fn spinner(&self, msg: impl Into<Cow<'static, str>>) -> Bar {
        let pb = match self.target() {
            Some(target) => {
                let pb = ProgressBar::with_draw_target(None, target);
                pb.set_style(ProgressStyle::with_template(SPINNER_TEMPLATE).expect("valid spinner template"));
                pb.enable_steady_tick(SPINNER_TICK);
                pb
            }
            None => ProgressBar::hidden(),
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

    /// Whether the bar is drawn nowhere (quiet runs, stderr not a terminal).
    pub fn is_hidden(&self) -> bool {
        self.0.is_hidden()
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

/// A terminal on a duplicate of the stderr descriptor, written with ANSI
/// escapes; output is buffered until indicatif flushes a frame.
#[derive(Debug)]
struct RawStderr {
    inner: Mutex<(File, Vec<u8>)>,
    width: u16,
}

impl RawStderr {
    fn open() -> Option<Self> {
        dup_stderr().map(Self::on)
    }

    fn on(file: File) -> Self {
        let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(DEFAULT_WIDTH);
        RawStderr { inner: Mutex::new((file, Vec::new())), width }
    }

    fn put(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut guard = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.1.extend_from_slice(bytes);
        Ok(())
    }
}

#[cfg(unix)]
fn dup_stderr() -> Option<File> {
    use std::os::fd::AsFd;
    std::io::stderr().as_fd().try_clone_to_owned().ok().map(File::from)
}

#[cfg(windows)]
fn dup_stderr() -> Option<File> {
    use std::os::windows::io::AsHandle;
    std::io::stderr().as_handle().try_clone_to_owned().ok().map(File::from)
}

#[cfg(not(any(unix, windows)))]
fn dup_stderr() -> Option<File> {
    None
}

impl TermLike for RawStderr {
    fn width(&self) -> u16 {
        self.width
    }

    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        if n == 0 { Ok(()) } else { self.put(format!("\x1b[{n}A").as_bytes()) }
    }

    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        if n == 0 { Ok(()) } else { self.put(format!("\x1b[{n}B").as_bytes()) }
    }

    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        if n == 0 { Ok(()) } else { self.put(format!("\x1b[{n}C").as_bytes()) }
    }

    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        if n == 0 { Ok(()) } else { self.put(format!("\x1b[{n}D").as_bytes()) }
    }

    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.put(s.as_bytes())?;
        self.put(b"\n")
    }

    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.put(s.as_bytes())
    }

    fn clear_line(&self) -> std::io::Result<()> {
        self.put(b"\r\x1b[2K")
    }

    fn flush(&self) -> std::io::Result<()> {
        let mut guard = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (file, buf) = &mut *guard;
        file.write_all(buf)?;
        buf.clear();
        file.flush()
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
    fn raw_terminal_writes_a_frame_on_flush_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tty");
        let term = RawStderr::on(File::create(&path).unwrap());
        let target = ProgressDrawTarget::term_like(Box::new(term));
        let pb = ProgressBar::with_draw_target(Some(10), target);
        pb.set_style(ProgressStyle::with_template("{pos}/{len}").unwrap());
        (0..10).into_par_iter().for_each(|_| pb.inc(1));
        pb.finish();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("10/10"), "{text:?}");
    }

    #[test]
    fn spinner_is_hidden_when_quiet() {
        let s = Progress::new(true).spinner("loading");
        assert!(s.is_hidden(), "a --quiet spinner must draw nowhere");
        s.set_message("still loading");
        s.finish();
        assert!(Progress::new(true).bar(3, "work").is_hidden(), "a --quiet bar must draw nowhere");
    }
}
