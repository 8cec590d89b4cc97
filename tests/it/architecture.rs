//! Architecture check: enforces the layering of STYLE.md by reading the
//! source. A layer may name only the crate modules listed for it; polars
//! appears only in `io`, petgraph only in `graph`, and nothing but `main`,
//! `cli` and `app` names `cli` or `app`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Which crate modules each top-level module may name (besides itself).
const ALLOWED: &[(&str, &[&str])] = &[
    ("ids", &[]),
    ("error", &["io", "graph", "exposure", "estimate", "study", "synth", "export"]),
    ("atomic", &["error"]),
    ("io", &["ids", "error", "atomic"]),
    ("synth", &["io", "ids", "error", "atomic"]),
    ("graph", &["io", "ids", "error"]),
    ("exposure", &["io", "graph", "ids", "error"]),
    ("estimate", &["ids", "error"]),
    ("study", &["io", "exposure", "estimate", "synth", "ids", "error"]),
    ("report", &["estimate", "study", "graph", "exposure", "ids", "error", "atomic"]),
    ("export", &["graph", "ids", "error", "atomic"]),
    ("cli", &["app", "io", "graph", "exposure", "estimate", "study", "report", "export", "synth", "ids", "error"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Top-level module a source file belongs to (`src/io/load.rs` → `io`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// Crate modules named by `crate::NAME` in code (comments skipped).
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                refs.insert(name);
            }
            rest = after;
        }
    }
    refs
}

fn mentions_crate(text: &str, krate: &str) -> bool {
    text.lines().any(|l| {
        let code = l.split("//").next().unwrap_or("");
        code.contains(&format!("{krate}::")) || code.trim_start().starts_with(&format!("use {krate}"))
    })
}

#[test]
fn layers_import_only_what_they_may() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 10, "expected the source tree under {}", src.display());
    let mut violations = Vec::new();
    for f in &files {
        let module = module_of(&src, f);
        let text = std::fs::read_to_string(f).unwrap();
        let shown = f.strip_prefix(&src).unwrap().display().to_string();
        if module != "io" && mentions_crate(&text, "polars") {
            violations.push(format!("{shown}: polars outside src/io"));
        }
        if module != "graph" && mentions_crate(&text, "petgraph") {
            violations.push(format!("{shown}: petgraph outside src/graph"));
        }
        if matches!(module.as_str(), "app" | "main" | "lib") {
            continue;
        }
        let allowed = ALLOWED
            .iter()
            .find(|(m, _)| *m == module)
            .unwrap_or_else(|| panic!("module `{module}` ({shown}) has no layering rule in tests/it/architecture.rs"))
            .1;
        for r in crate_refs(&text) {
            if r != module && !allowed.contains(&r.as_str()) && r != "Error" && r != "Result" {
                violations.push(format!("{shown}: layer `{module}` names `crate::{r}`"));
            }
        }
    }
    assert!(violations.is_empty(), "layering violations:\n{}", violations.join("\n"));
}

#[test]
fn crate_ref_scanner_sees_paths_and_skips_comments() {
    let refs = crate_refs("use crate::io::tables;\n// crate::app is fine in a comment\nlet x = crate::graph::f();");
    assert_eq!(refs.into_iter().collect::<Vec<_>>(), vec!["graph".to_owned(), "io".to_owned()]);
}
