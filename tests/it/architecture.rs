//! Architecture check. Crate boundaries enforce the direction of the layers
//! (a crate cannot name a crate it does not depend on); this test pins the
//! dependency graph itself — which spillnet crate may depend on which, and
//! where polars, petgraph, graphviz-rust and clap may appear — and checks
//! that no two modules of any crate import each other (module cycles), reading
//! `crate::`/`super::` paths and grouped `use crate::{a, b::{c}}` imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The spillnet crates each crate may depend on (normal dependencies).
const ALLOWED_CRATES: &[(&str, &[&str])] = &[
    ("spillnet-flows", &[]),
    ("spillnet-io", &["spillnet-flows"]),
    ("spillnet-estimate", &[]),
    ("spillnet-synth", &["spillnet-io"]),
    ("spillnet-network", &["spillnet-io"]),
    ("spillnet-study", &["spillnet-io", "spillnet-network", "spillnet-estimate"]),
    ("spillnet-montecarlo", &["spillnet-io", "spillnet-synth", "spillnet-study"]),
    ("spillnet-report", &["spillnet-io", "spillnet-network", "spillnet-estimate", "spillnet-study"]),
    ("spillnet-export", &["spillnet-io", "spillnet-network"]),
];

/// External crates confined to one spillnet crate (plus the root's dev-dependencies).
const CONFINED: &[(&str, &str)] = &[
    ("polars", "spillnet-io"),
    ("datafusion", "spillnet-flows"),
    ("tokio", "spillnet-flows"),
    ("petgraph", "spillnet-network"),
    ("graphviz-rust", "spillnet-export"),
    ("clap", "spillnet"),
    ("indicatif", "spillnet"),
    ("anyhow", "spillnet"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (package name, manifest folder) of every workspace member plus the root package.
fn members() -> Vec<(String, PathBuf)> {
    let mut dirs = vec![root()];
    let mut crates: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    crates.sort();
    dirs.extend(crates);
    dirs.into_iter()
        .map(|d| {
            let manifest: toml::Table = std::fs::read_to_string(d.join("Cargo.toml")).unwrap().parse().unwrap();
            let name = manifest["package"]["name"].as_str().unwrap().to_owned();
            (name, d)
        })
        .collect()
}

/// Names of the normal (not dev) dependencies of the package in `dir`.
fn dependencies(dir: &Path) -> BTreeSet<String> {
    let manifest: toml::Table = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap().parse().unwrap();
    manifest.get("dependencies").and_then(|d| d.as_table()).map(|t| t.keys().cloned().collect()).unwrap_or_default()
}

#[test]
fn crates_depend_only_on_crates_to_their_left() {
    let members = members();
    let names: BTreeSet<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    for (name, _) in ALLOWED_CRATES {
        assert!(names.contains(name), "rule for `{name}`, which is not a workspace member");
    }
    let mut violations = Vec::new();
    for (name, dir) in &members {
        let deps = dependencies(dir);
        if name != "spillnet" {
            let allowed = ALLOWED_CRATES
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("crate `{name}` has no rule in tests/it/architecture.rs"))
                .1;
            for d in deps.iter().filter(|d| d.starts_with("spillnet")) {
                if !allowed.contains(&d.as_str()) {
                    violations.push(format!("{name} depends on {d}"));
                }
            }
        }
        for (ext, owner) in CONFINED {
            if deps.contains(*ext) && name != owner {
                violations.push(format!("{name} depends on {ext} (only {owner} may)"));
            }
        }
    }
    assert!(violations.is_empty(), "crate layering violations:\n{}", violations.join("\n"));
}

#[test]
fn the_estimation_crate_has_no_data_frame_graph_or_cli_crate_in_its_tree() {
    // Normal dependencies only; its transitive tree is checked by `cargo tree` in CI's build of the crate alone.
    let dir = root().join("crates/estimate");
    let deps = dependencies(&dir);
    for banned in ["polars", "petgraph", "graphviz-rust", "clap"] {
        assert!(!deps.contains(banned), "spillnet-estimate depends on {banned}");
    }
    assert!(
        deps.iter().all(|d| !d.starts_with("spillnet")),
        "spillnet-estimate depends on another spillnet crate: {deps:?}"
    );
}

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

/// Module path of a source file within its crate: `src/io/load.rs` → `["io", "load"]`,
/// `src/lib.rs` → `[]`, `src/vcov/mod.rs` → `["vcov"]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_owned());
    }
    parts
}

/// Strip `//` comments and string literals (roughly) from a line of code.
fn code_of(line: &str) -> String {
    let mut out = String::new();
    let mut in_str = false;
    let mut prev = ' ';
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if !in_str && c == '/' && chars.peek() == Some(&'/') {
            break;
        }
        if c == '"' && prev != '\\' && prev != '\'' {
            in_str = !in_str;
            prev = c;
            continue;
        }
        if !in_str {
            out.push(c);
        }
        prev = c;
    }
    out
}

/// Expand a `use` tree's text (`a::{b, c::{d, e}}`) into its leaf paths.
fn expand_use_tree(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let prefix = &tree[..open];
        let close = tree.rfind('}').unwrap_or(tree.len());
        let inner = &tree[open + 1..close];
        let mut depth = 0;
        let mut start = 0;
        let mut parts = Vec::new();
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&inner[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&inner[start..]);
        parts
            .into_iter()
            .filter(|p| !p.trim().is_empty())
            .flat_map(|p| expand_use_tree(p).into_iter().map(move |leaf| format!("{prefix}{leaf}")))
            .collect()
    } else {
        vec![tree.split(" as ").next().unwrap_or(tree).trim().to_owned()]
    }
}

/// Every path in a file's code that starts with `crate::` or `super::`,
/// resolved to an absolute module path (segments), grouped imports expanded.
fn referenced_paths(text: &str, here: &[String]) -> Vec<Vec<String>> {
    // Test modules (`#[cfg(test)] mod tests` at the end of a file) are children
    // of the module and may use anything; only production imports count.
    let production = text.lines().take_while(|l| l.trim() != "#[cfg(test)]");
    let code: String = production.map(code_of).collect::<Vec<_>>().join("\n");
    let mut raw = Vec::new();
    // `use` statements, possibly spanning lines, with groups.
    let mut rest = code.as_str();
    while let Some(i) = rest.find("use ") {
        let boundary_ok = i == 0 || !rest.as_bytes()[i - 1].is_ascii_alphanumeric() && rest.as_bytes()[i - 1] != b'_';
        let after = &rest[i + 4..];
        let end = after.find(';').unwrap_or(after.len());
        if boundary_ok {
            raw.extend(expand_use_tree(&after[..end]));
        }
        rest = &after[end.min(after.len())..];
    }
    // Paths used inline in expressions (`super::spillover::run_step(…)`).
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(off) = code[from..].find(start) {
            let i = from + off;
            let prev = if i == 0 { b' ' } else { bytes[i - 1] };
            let boundary_ok = !(prev.is_ascii_alphanumeric() || prev == b'_' || prev == b':');
            let tail = &code[i..];
            let len = tail.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(tail.len());
            if boundary_ok {
                raw.push(tail[..len].trim_end_matches(':').to_owned());
            }
            from = i + start.len();
        }
    }
    raw.into_iter()
        .filter_map(|p| {
            let segs: Vec<&str> = p.split("::").map(str::trim).filter(|s| !s.is_empty()).collect();
            let mut abs: Vec<String> = Vec::new();
            let mut it = segs.iter().peekable();
            match it.peek() {
                Some(&&"crate") => {
                    it.next();
                }
                Some(&&"super") => {
                    abs = here.to_vec();
                    while it.peek() == Some(&&"super") {
                        it.next();
                        abs.pop();
                    }
                }
                _ => return None,
            }
            abs.extend(it.map(|s| (*s).to_owned()));
            (!abs.is_empty()).then_some(abs)
        })
        .collect()
}

/// The known module a path points into: its longest prefix that is a module.
fn owning_module(path: &[String], modules: &BTreeSet<Vec<String>>) -> Vec<String> {
    (0..=path.len()).rev().map(|k| path[..k].to_vec()).find(|p| modules.contains(p)).unwrap_or_default()
}

fn is_prefix(a: &[String], b: &[String]) -> bool {
    a.len() <= b.len() && b[..a.len()] == *a
}

/// Module-level import edges of one crate, ignoring edges between a module and
/// its ancestors (a parent re-exports its children; children use the parent's types).
fn import_graph(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_path(src, f)).collect();
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for f in &files {
        let here = module_path(src, f);
        let text = std::fs::read_to_string(f).unwrap();
        let entry = graph.entry(here.clone()).or_default();
        for p in referenced_paths(&text, &here) {
            let target = owning_module(&p, &modules);
            if !is_prefix(&target, &here) && !is_prefix(&here, &target) {
                entry.insert(target);
            }
        }
    }
    graph
}

/// Cycles (strongly connected components with more than one module).
fn cycles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    // Kosaraju, small graphs.
    fn dfs(
        n: &Vec<String>,
        g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        seen: &mut BTreeSet<Vec<String>>,
        out: &mut Vec<Vec<String>>,
    ) {
        if !seen.insert(n.clone()) {
            return;
        }
        for m in g.get(n).into_iter().flatten() {
            dfs(m, g, seen, out);
        }
        out.push(n.clone());
    }
    let mut nodes: BTreeSet<Vec<String>> = graph.keys().cloned().collect();
    nodes.extend(graph.values().flatten().cloned());
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    for n in &nodes {
        dfs(n, graph, &mut seen, &mut order);
    }
    let mut rev: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (a, bs) in graph {
        for b in bs {
            rev.entry(b.clone()).or_default().insert(a.clone());
        }
    }
    let mut seen = BTreeSet::new();
    let mut comps = Vec::new();
    for n in order.iter().rev() {
        let mut comp = Vec::new();
        dfs(n, &rev, &mut seen, &mut comp);
        if comp.len() > 1 {
            let mut names: Vec<String> =
                comp.iter().map(|m| if m.is_empty() { "<root>".to_owned() } else { m.join("::") }).collect();
            names.sort();
            comps.push(names);
        }
    }
    comps
}

#[test]
fn no_two_modules_of_any_crate_import_each_other() {
    let mut found = Vec::new();
    for (name, dir) in members() {
        let g = import_graph(&dir.join("src"));
        assert!(!g.is_empty(), "no sources for {name}");
        for c in cycles(&g) {
            found.push(format!("{name}: {}", c.join(" ↔ ")));
        }
    }
    assert!(found.is_empty(), "module import cycles:\n{}", found.join("\n"));
}

#[test]
fn app_never_names_cli() {
    let mut files = Vec::new();
    rust_files(&root().join("src/app"), &mut files);
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let here = module_path(&root().join("src"), &f);
        for p in referenced_paths(&text, &here) {
            assert_ne!(p.first().map(String::as_str), Some("cli"), "{} names crate::cli", f.display());
        }
    }
}

#[test]
fn import_scanner_reads_grouped_uses_super_paths_and_skips_comments() {
    let text = "use crate::{a::{X, y::Z}, b};\n// use crate::c;\nfn f() { super::d::g(); let s = \"crate::e\"; }\nuse super::super::h as k;\n#[cfg(test)]\nmod tests { use crate::t; }";
    let here = vec!["p".to_owned(), "q".to_owned()];
    let mut got: Vec<String> = referenced_paths(text, &here).into_iter().map(|p| p.join("::")).collect();
    got.sort();
    got.dedup();
    assert_eq!(got, vec!["a::X", "a::y::Z", "b", "h", "p::d::g"]);
}

#[test]
fn cycle_finder_sees_a_planted_cycle() {
    let m = |s: &str| vec![s.to_owned()];
    let mut g = BTreeMap::new();
    g.insert(m("a"), BTreeSet::from([m("b")]));
    g.insert(m("b"), BTreeSet::from([m("c")]));
    g.insert(m("c"), BTreeSet::from([m("a")]));
    g.insert(m("d"), BTreeSet::from([m("a")]));
    assert_eq!(cycles(&g), vec![vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]);
}
