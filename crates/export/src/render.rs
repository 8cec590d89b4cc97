//! Rendering DOT files to SVG/PNG with the Graphviz binaries (`dot` for
//! layered layouts, `fdp` for clustered force-directed drawings, `sfdp` for
//! large graphs). The binary is looked up on
//! `PATH`; when it is missing the caller gets [`ExportError::GraphvizMissing`]
//! with install advice. The image is written to a temporary file next to the
//! target and renamed into place, so a failed render never leaves a partial
//! image. Imports only the rest of `export`.

use std::ffi::OsStr;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::ExportError;

/// Graphs with more nodes than this are laid out with `sfdp` under [`Layout::Auto`].
pub const SFDP_THRESHOLD: usize = 2000;

/// Graphs with more edges than this are laid out with `sfdp` under [`Layout::Auto`]
/// (`dot`'s crossing minimisation becomes very slow on dense graphs).
pub const SFDP_EDGE_THRESHOLD: usize = 5000;

/// `dot`'s cost index $2m^2/n$ (edges × average degree) above which
/// [`Layout::Auto`] picks `sfdp`. `dot`'s time grows with both the number of
/// edges and how many edges each node has (crossing minimisation over every
/// rank): measured with Graphviz 2.43 on random graphs (`scripts/dot_cost.sh`),
/// 54 nodes × 600 edges (index 13,300) took 2 s, 80 × 800 (16,000) 8 s,
/// 100 × 1,000 (20,000) 21 s, 54 × 800 (23,700) 29 s, 500 × 2,500 (25,000)
/// 21 s, and 54 × 1,000 (37,000) or 100 × 1,500 (45,000) did not finish in a
/// minute, while 1,000 nodes × 3,000 edges (18,000) took 8 s. The limit keeps
/// `dot` to drawings that finish in about five seconds.
pub const DOT_COST_LIMIT: f64 = 14_000.0;

/// Default time limit of a render (`--render-timeout`), in seconds.
pub const DEFAULT_RENDER_TIMEOUT_SECS: u64 = 300;

/// Image format of a rendered diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// Scalable vector graphics (`-Tsvg`).
    Svg,
    /// Portable network graphics (`-Tpng`).
    Png,
}

impl ImageFormat {
    /// File extension and Graphviz `-T` value.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageFormat::Svg => "svg",
            ImageFormat::Png => "png",
        }
    }
}

/// Which Graphviz layout engine to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Layout {
    /// `dot`: layered drawing, best for small and medium directed graphs.
    Dot,
    /// `sfdp`: scalable force-directed layout for large graphs.
    Sfdp,
    /// `fdp`: force-directed layout that draws clusters; good for medium networks
    /// where a layered drawing gets too long.
    Fdp,
    /// `dot` up to [`SFDP_THRESHOLD`] nodes, [`SFDP_EDGE_THRESHOLD`] edges and a
    /// cost index $2m^2/n$ of [`DOT_COST_LIMIT`]; `sfdp` above any of them.
    #[default]
    Auto,
}

impl Layout {
    /// The engine binary to run for a graph of `nodes` nodes and `edges` drawn edges.
    pub fn engine(self, nodes: usize, edges: usize) -> &'static str {
        match self {
            Layout::Dot => "dot",
            Layout::Sfdp => "sfdp",
            Layout::Fdp => "fdp",
            Layout::Auto if nodes > SFDP_THRESHOLD || edges > SFDP_EDGE_THRESHOLD => "sfdp",
            Layout::Auto if dot_cost(nodes, edges) > DOT_COST_LIMIT => "sfdp",
            Layout::Auto => "dot",
        }
    }
}

/// `dot`'s cost index $2m^2/n$: edges times average degree (see [`DOT_COST_LIMIT`]).
pub fn dot_cost(nodes: usize, edges: usize) -> f64 {
    if nodes == 0 { 0.0 } else { 2.0 * (edges as f64).powi(2) / nodes as f64 }
}

/// Find an executable named `binary` in the directories of a `PATH`-style list.
pub fn find_in_path(binary: &str, path_var: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(path_var).map(|dir| dir.join(binary)).find(|p| is_executable(p))
}

/// Find an executable named `binary` on this process's `PATH`.
pub fn find_on_path(binary: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| find_in_path(binary, &p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file() || p.with_extension("exe").is_file()
}

/// The image path beside a DOT file: `graphs/a.dot` → `graphs/a.svg`.
pub fn image_path(dot_path: &Path, format: ImageFormat) -> PathBuf {
    dot_path.with_extension(format.as_str())
}

/// Render the DOT file at `dot_path` to `out` with the engine `engine`
/// (`dot`, `sfdp`, … found on `PATH`), stopping it after `timeout`.
///
/// # Errors
/// [`ExportError::GraphvizMissing`] when the engine is not on `PATH`
/// (the DOT file is untouched); [`ExportError::RenderFailed`] when it exits
/// with an error or is killed; [`ExportError::RenderTimeout`] when it runs
/// longer than `timeout` (it is stopped); [`ExportError::Io`] when it cannot
/// be started or the image cannot be moved into place.
pub fn render(
    dot_path: &Path,
    out: &Path,
    format: ImageFormat,
    engine: &str,
    timeout: Option<Duration>,
) -> Result<(), ExportError> {
    let binary = find_on_path(engine)
        .ok_or_else(|| ExportError::GraphvizMissing { binary: engine.to_owned(), dot_path: dot_path.to_path_buf() })?;
    render_with(&binary, dot_path, out, format, timeout)
}

/// [`render`] with an explicit engine binary path.
///
/// # Errors
/// As [`render`].
pub fn render_with(
    binary: &Path,
    dot_path: &Path,
    out: &Path,
    format: ImageFormat,
    timeout: Option<Duration>,
) -> Result<(), ExportError> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|source| ExportError::Io { path: dir.clone(), source })?;
    let name = out.file_name().map_or_else(|| "image".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let cleanup = |e: ExportError| {
        let _ = std::fs::remove_file(&tmp);
        e
    };
    let mut child = Command::new(binary)
        .arg(format!("-T{}", format.as_str()))
        .arg("-o")
        .arg(&tmp)
        .arg(dot_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| cleanup(ExportError::Io { path: binary.to_path_buf(), source }))?;
    // Read stderr on a thread so a chatty engine never blocks on a full pipe.
    let mut pipe = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(p) = pipe.as_mut() {
            let _ = p.read_to_string(&mut text);
        }
        text
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(source) => return Err(cleanup(ExportError::Io { path: binary.to_path_buf(), source })),
        }
        if let Some(limit) = timeout
            && start.elapsed() > limit
        {
            let _ = child.kill();
            let _ = child.wait();
            let _ = reader.join();
            return Err(cleanup(ExportError::RenderTimeout {
                binary: binary.display().to_string(),
                dot_path: dot_path.to_path_buf(),
                secs: limit.as_secs(),
            }));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = reader.join().unwrap_or_default();
    if !status.success() {
        let text = first_lines(&stderr, STDERR_LINES);
        return Err(cleanup(ExportError::RenderFailed {
            binary: binary.display().to_string(),
            dot_path: dot_path.to_path_buf(),
            status: status.to_string(),
            stderr: if text.is_empty() {
                "it printed no message (a signal means it was stopped from outside, e.g. by a time limit or \
                 out of memory)"
                    .into()
            } else {
                text
            },
        }));
    }
    std::fs::rename(&tmp, out).map_err(|source| cleanup(ExportError::Io { path: out.to_path_buf(), source }))
}

/// How many lines of a failed engine's stderr an error message keeps.
const STDERR_LINES: usize = 12;

/// The first `n` lines of `text`, with a note of how many were left out.
fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.trim().lines().collect();
    if lines.len() <= n {
        return lines.join("\n");
    }
    format!("{}\n… ({} more lines)", lines[..n].join("\n"), lines.len() - n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_choice() {
        assert_eq!(Layout::Auto.engine(10, 10), "dot");
        assert_eq!(Layout::Auto.engine(SFDP_THRESHOLD, 3000), "dot");
        assert_eq!(Layout::Auto.engine(SFDP_THRESHOLD, SFDP_EDGE_THRESHOLD), "sfdp");
        assert_eq!(Layout::Auto.engine(SFDP_THRESHOLD + 1, 0), "sfdp");
        assert_eq!(Layout::Auto.engine(10, SFDP_EDGE_THRESHOLD + 1), "sfdp");
        // Dense graphs: the measured cases that took over 20 s or never finished go to sfdp,
        // those that took a few seconds stay with dot.
        assert_eq!(Layout::Auto.engine(54, 1340), "sfdp");
        assert_eq!(Layout::Auto.engine(54, 1000), "sfdp");
        assert_eq!(Layout::Auto.engine(100, 1000), "sfdp");
        assert_eq!(Layout::Auto.engine(500, 2500), "sfdp");
        assert_eq!(Layout::Auto.engine(54, 600), "dot");
        assert_eq!(Layout::Auto.engine(400, 1200), "dot");
        assert_eq!(Layout::Auto.engine(1000, 3000), "sfdp");
        assert_eq!(Layout::Auto.engine(0, 0), "dot");
        assert_eq!(Layout::Dot.engine(1_000_000, 0), "dot");
        assert_eq!(Layout::Sfdp.engine(1, 0), "sfdp");
        assert_eq!(Layout::Fdp.engine(1, 0), "fdp");
    }

    #[test]
    fn missing_binary_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(find_in_path("dot", dir.path().as_os_str()), None);
        let err = render(Path::new("x.dot"), Path::new("x.svg"), ImageFormat::Svg, "no-such-graphviz-engine", None)
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("`no-such-graphviz-engine` not found on PATH"), "{msg}");
        assert!(msg.contains("apt-get install graphviz"), "{msg}");
        assert!(msg.contains("x.dot"), "{msg}");
    }

    #[cfg(unix)]
    #[test]
    fn finds_executables_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("dot");
        std::fs::write(&f, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(find_in_path("dot", dir.path().as_os_str()), None);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(find_in_path("dot", dir.path().as_os_str()), Some(f));
    }

    #[cfg(unix)]
    #[test]
    fn failed_render_leaves_no_image() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("fake-dot");
        std::fs::write(&fake, "#!/bin/sh\necho 'syntax error in line 1' >&2\nexit 1\n").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = dir.path().join("a.svg");
        let err = render_with(&fake, &dir.path().join("a.dot"), &out, ImageFormat::Svg, None).unwrap_err();
        assert!(err.to_string().contains("syntax error in line 1"), "{err}");
        assert!(!out.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "only the fake binary remains");
    }

    #[cfg(unix)]
    #[test]
    fn a_render_over_its_time_limit_is_stopped_with_advice() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("slow-dot");
        // Writes a partial image, then hangs like dot on a dense graph.
        std::fs::write(&fake, "#!/bin/sh\necho partial > \"$3\"\nexec sleep 30\n").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = dir.path().join("a.svg");
        let t = Instant::now();
        let err = render_with(&fake, Path::new("a.dot"), &out, ImageFormat::Svg, Some(Duration::from_millis(300)))
            .unwrap_err();
        assert!(t.elapsed() < Duration::from_secs(10), "stopped promptly");
        let msg = err.to_string();
        assert!(msg.contains("did not finish within 0 s") && msg.contains("a.dot"), "{msg}");
        for advice in ["--layout sfdp", "--min-weight", "graph html", "--render-timeout"] {
            assert!(msg.contains(advice), "{msg}");
        }
        assert!(!out.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no partial image left");
    }

    #[cfg(unix)]
    #[test]
    fn a_killed_engine_says_so() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("killed-dot");
        std::fs::write(&fake, "#!/bin/sh\nkill -TERM $$\n").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = render_with(&fake, Path::new("a.dot"), &dir.path().join("a.svg"), ImageFormat::Svg, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("SIGTERM") && err.contains("printed no message"), "{err}");
        assert!(!err.trim_end().ends_with(':'), "{err}");
    }

    #[test]
    fn long_stderr_is_cut() {
        let text: String = (0..20).map(|i| format!("line {i}\n")).collect();
        let cut = first_lines(&text, 3);
        assert_eq!(cut, "line 0\nline 1\nline 2\n… (17 more lines)");
        assert_eq!(first_lines("a\nb\n", 3), "a\nb");
    }

    #[test]
    fn image_path_replaces_extension() {
        assert_eq!(image_path(Path::new("graphs/a.dot"), ImageFormat::Png), PathBuf::from("graphs/a.png"));
    }
}
