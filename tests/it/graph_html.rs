//! Integration tests: the offline HTML network explorer (`spillnet graph
//! html`, the run's `[[html]]`). Without a browser: the page is one
//! deterministic, self-contained file with no URL outside licence comments
//! and embeds exactly the view's nodes and edges. In real headless Chromium
//! (Debian's `chromium`; skipped with a note when absent, a failure when
//! `CI=true`): the page loads with no console error and no blocked or
//! failed request, draws as many nodes and edges as `graph stats` counts for
//! the view, and moving the year slider, toggling channels, raising a
//! minimum weight and focusing a node (set through the URL fragment) draw the
//! counts computed here from the tables and the graph; a screenshot is
//! written for the reader.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command as Cmd;
use spillnet::graph::{Channel, KnowledgeGraph, View, YearMode, build_graph};

use crate::common::{shipped_data_dir, shipped_dataset};

/// How long one Chromium run may take before it is killed (a hung browser fails the test).
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(90);

/// Write the explorer of the shipped data's `view_flags` view with the CLI; the page's path.
fn write_page(dir: &Path, name: &str, view_flags: &[&str]) -> PathBuf {
    let out = dir.join(name);
    Cmd::cargo_bin("spillnet")
        .unwrap()
        .args(["--quiet", "graph", "html", "--data"])
        .arg(shipped_data_dir())
        .args(view_flags)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    out
}

/// `graph stats --format json` of the shipped data's view: (nodes, edges).
fn stats_counts(view_flags: &[&str]) -> (usize, usize) {
    let out = Cmd::cargo_bin("spillnet")
        .unwrap()
        .args(["graph", "stats", "--format", "json", "--data"])
        .arg(shipped_data_dir())
        .args(view_flags)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (v["nodes"].as_u64().unwrap() as usize, v["edges"].as_u64().unwrap() as usize)
}

/// The JSON the page embeds.
fn embedded(html: &str) -> serde_json::Value {
    let start = html.find(r#"<script type="application/json" id="graph-data">"#).expect("data element") + 48;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("the embedded data is JSON")
}

/// Every `http://` or `https://` in `text` that is not inside a `/* … */` comment.
fn urls_outside_comments(text: &str) -> Vec<String> {
    let mut bad = Vec::new();
    for pat in ["http://", "https://"] {
        for (at, _) in text.match_indices(pat) {
            let open = text[..at].rfind("/*");
            let closed = open.and_then(|o| text[o..at].find("*/"));
            if open.is_none() || closed.is_some() {
                bad.push(text[at.saturating_sub(60)..(at + 60).min(text.len())].to_owned());
            }
        }
    }
    bad
}

#[test]
fn the_page_is_self_contained_deterministic_and_embeds_the_view() {
    let dir = tempfile::tempdir().unwrap();
    let flags = ["--view", "firms"];
    let a = std::fs::read_to_string(write_page(dir.path(), "a.html", &flags)).unwrap();
    let b = std::fs::read_to_string(write_page(dir.path(), "b.html", &flags)).unwrap();
    assert!(a == b, "two runs of the same view differ");

    assert!(a.contains(
        r#"content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:""#
    ));
    assert_eq!(urls_outside_comments(&a), Vec::<String>::new(), "URLs outside licence comments");
    for tag in ["<script src", "<link", "<iframe", "<img src=\"http", "@import"] {
        assert!(!a.contains(tag), "the page loads something: {tag}");
    }
    assert!(a.contains("Copyright (c) 2016-2026, The Cytoscape Consortium."), "licence text kept");

    let data = embedded(&a);
    let (nodes, edges) = stats_counts(&flags);
    assert_eq!(data["nodes"].as_array().unwrap().len(), nodes);
    assert_eq!(data["edges"].as_array().unwrap().len(), edges);
    // Positions are finite numbers; kinds and channels are the view's.
    assert!(data["nodes"].as_array().unwrap().iter().all(|n| n[3].is_f64() || n[3].is_i64()));
    let channels: Vec<&str> =
        data["channels"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(channels, ["owns", "worker_flow", "shared_supplier"]);
    // The DOT legend's colours.
    let colour = |name: &str| {
        data["channels"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()["color"].as_str().unwrap()
    };
    assert_eq!((colour("owns"), colour("worker_flow")), ("#3182bd", "#e6550d"));
    // Tooltip attributes: FAW Toyota's workers out = Σ count of its moves in worker_moves.csv.
    let moves = worker_moves();
    let out_of_faw_toyota: u64 = moves.iter().filter(|m| m.0 == "FAW_TOYOTA").map(|m| m.3).sum();
    let attrs: Vec<&str> = data["attributes"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let k = attrs.iter().position(|a| *a == "workers out").unwrap();
    let node = data["nodes"].as_array().unwrap().iter().find(|n| n[0] == "firm:FAW_TOYOTA").unwrap();
    assert_eq!(node[10][k].as_f64().unwrap(), out_of_faw_toyota as f64);
    // Centralities in the tooltips: networkx 3.6.1's values for the same view (firms, all years;
    // tests/reference/network/expected.json), for every node.
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/network/expected.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let want = reference["views"]["firms"]["measures"].as_object().unwrap();
    let at = |name: &str| attrs.iter().position(|a| *a == name).unwrap_or_else(|| panic!("no {name} in {attrs:?}"));
    let (pr, bt, indeg) = (at("PageRank"), at("betweenness"), at("in-degree"));
    for node in data["nodes"].as_array().unwrap() {
        let w = &want[node[0].as_str().unwrap()];
        let close = |got: f64, want: f64| (got - want).abs() <= 1e-9 * want.abs().max(1e-12);
        assert!(close(node[10][pr].as_f64().unwrap(), w["pagerank"].as_f64().unwrap()), "{}", node[0]);
        assert!(close(node[10][bt].as_f64().unwrap(), w["betweenness_hops"].as_f64().unwrap()), "{}", node[0]);
        assert_eq!(node[10][indeg].as_f64(), w["in_degree"].as_f64(), "{}", node[0]);
    }
}

#[test]
fn usage_errors_of_graph_html() {
    let dir = tempfile::tempdir().unwrap();
    Cmd::cargo_bin("spillnet")
        .unwrap()
        .args(["graph", "html", "--out"])
        .arg(dir.path().join("x.dot"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("FILE.html"));
    Cmd::cargo_bin("spillnet").unwrap().args(["graph", "html"]).assert().code(2);
    let help = Cmd::cargo_bin("spillnet").unwrap().args(["graph", "html", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in
        ["--out", "--seed", "--iterations", "--title", "--min-weight", "--year", "[default: 1]", "[default: 300]"]
    {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

// ------------------------------------------------------------ the tables, read directly

/// `worker_moves.csv` rows aggregated to (from, to, year, workers), one per distinct triple.
fn worker_moves() -> Vec<(String, String, i32, u64)> {
    let text = std::fs::read_to_string(shipped_data_dir().join("worker_moves.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (f, t, y) = (col("from_firm"), col("to_firm"), col("year"));
    let count = header.iter().position(|h| *h == "count");
    let mut agg: BTreeMap<(String, String, i32), u64> = BTreeMap::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let v: Vec<&str> = line.split(',').collect();
        let n = count.map_or(1, |c| v[c].parse().unwrap());
        *agg.entry((v[f].to_owned(), v[t].to_owned(), v[y].parse().unwrap())).or_default() += n;
    }
    agg.into_iter().map(|((f, t, y), n)| (f, t, y, n)).collect()
}

/// The fields of one CSV line (double-quoted fields may hold commas and `""`).
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// firm id → (name, kind) from `firms.csv` (no line breaks inside fields in the shipped file).
fn firms() -> BTreeMap<String, (String, String)> {
    let text = std::fs::read_to_string(shipped_data_dir().join("firms.csv")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v = csv_fields(l);
            (v[0].clone(), (v[1].clone(), v[2].clone()))
        })
        .collect()
}

// ------------------------------------------------------------ Chromium

/// The Chromium binary, or `None` (with a note) when absent; absent under `CI=true` is a failure.
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        std::env::var_os("PATH")
            .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(name)).find(|p| p.is_file()))
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no chromium on PATH (.ci/run installs Debian's `chromium`)"
        );
        println!("SKIPPED browser checks: no chromium on PATH (Debian: apt-get install chromium)");
    }
    found
}

/// Run Chromium headless on `url` with `extra` arguments, killed after
/// [`CHROMIUM_TIMEOUT`]; (stdout, stderr).
fn run_chromium(bin: &Path, url: &str, extra: &[String]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out_file = profile.path().join("stdout");
    let err_file = profile.path().join("stderr");
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().join("profile").display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(std::fs::File::create(&err_file).unwrap())
        .spawn()
        .expect("chromium starts");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > CHROMIUM_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {CHROMIUM_TIMEOUT:?} on {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (std::fs::read_to_string(&out_file).unwrap_or_default(), std::fs::read_to_string(&err_file).unwrap_or_default())
}

/// What the page published in `<output id="drawn">`, and the DOM.
#[derive(Debug)]
struct Drawn {
    nodes: usize,
    edges: usize,
    errors: usize,
    error_list: String,
    ready: bool,
    dom: String,
}

fn attr_of(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(tag[at..at + tag[at..].find('"')?].to_owned())
}

/// Load `page#fragment` in Chromium and read what it drew.
fn load(bin: &Path, page: &Path, fragment: &str) -> Drawn {
    let url = format!("file://{}#{fragment}", page.display());
    let (dom, stderr) = run_chromium(bin, &url, &["--virtual-time-budget=15000".into(), "--dump-dom".into()]);
    // No request failed or was refused (the CSP forbids every load; the page makes none).
    for needle in ["net::ERR", "Refused to", "Failed to load resource", "Content Security Policy", "Uncaught"] {
        assert!(!stderr.contains(needle), "chromium reported `{needle}` for {url}:\n{stderr}");
    }
    let start = dom.find(r#"<output id="drawn""#).unwrap_or_else(|| panic!("no #drawn in the DOM of {url}:\n{stderr}"));
    let tag = &dom[start..start + dom[start..].find('>').unwrap()];
    let num = |n: &str| attr_of(tag, n).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{n} in {tag}"));
    Drawn {
        nodes: num("data-nodes"),
        edges: num("data-edges"),
        errors: num("data-errors"),
        error_list: attr_of(tag, "data-error-list").unwrap_or_default(),
        ready: attr_of(tag, "data-ready").as_deref() == Some("true"),
        dom,
    }
}

fn assert_clean(d: &Drawn, what: &str) {
    assert!(d.ready, "{what}: the page did not finish its set-up");
    assert_eq!(d.errors, 0, "{what}: errors on the page: {}", d.error_list);
}

/// The embedded firms view of the shipped data, as the page holds it.
fn firms_view() -> KnowledgeGraph {
    build_graph(&shipped_dataset()).unwrap().view(&View::firms_only()).unwrap()
}

/// Nodes and edges left when only `channels` are on (the page's rule: their
/// edges and the nodes they touch), counted by hand on `g`.
fn with_channels(g: &KnowledgeGraph, channels: &[Channel]) -> (usize, usize) {
    let edges: Vec<_> = g.edges().filter(|e| channels.contains(&e.data.channel)).collect();
    let nodes: BTreeSet<usize> = edges.iter().flat_map(|e| [e.source.index(), e.target.index()]).collect();
    (nodes.len(), edges.len())
}

#[test]
fn the_explorer_in_chromium_draws_what_the_tables_say() {
    let Some(bin) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(dir.path(), "firms.html", &["--view", "firms"]);
    let g = firms_view();

    // 1. As loaded: the whole embedded view, as `graph stats` counts it.
    let d = load(&bin, &page, "");
    assert_clean(&d, "initial");
    assert_eq!((d.nodes, d.edges), stats_counts(&["--view", "firms"]));

    // 2. Only worker flows: one edge per (from, to, year) of worker_moves.csv.
    let moves = worker_moves();
    let d = load(&bin, &page, "channels=worker_flow");
    assert_clean(&d, "worker flows");
    let touched: BTreeSet<&str> = moves.iter().flat_map(|m| [m.0.as_str(), m.1.as_str()]).collect();
    assert_eq!((d.nodes, d.edges), (touched.len(), moves.len()));
    assert_eq!(csv_fields(r#"a,"b, c","""d""""#), ["a", "b, c", "\"d\""]);

    // 3. Year slider at 2010, cumulative: the view's year slice of the embedded graph;
    //    its worker-flow edges are the moves up to 2010.
    let expected = g.view(&View::year(2010, YearMode::Cumulative)).unwrap();
    let d = load(&bin, &page, "year=2010&mode=cumulative");
    assert_clean(&d, "2010 cumulative");
    assert_eq!((d.nodes, d.edges), (expected.node_count(), expected.edge_count()));
    let d = load(&bin, &page, "year=2010&mode=cumulative&channels=worker_flow");
    assert_eq!(d.edges, moves.iter().filter(|m| m.2 <= 2010).count());
    assert_eq!((d.nodes, d.edges), with_channels(&expected, &[Channel::WorkerFlow]));

    // 4. Annual 2010 with ownership and worker flows on: moves of 2010 only.
    let active = g.view(&View::year(2010, YearMode::Active)).unwrap();
    let d = load(&bin, &page, "year=2010&mode=annual&channels=owns,worker_flow");
    assert_clean(&d, "2010 annual");
    assert_eq!((d.nodes, d.edges), with_channels(&active, &[Channel::Owns, Channel::WorkerFlow]));
    let owns_2010 = active.edges().filter(|e| e.data.channel == Channel::Owns).count();
    assert_eq!(d.edges, owns_2010 + moves.iter().filter(|m| m.2 == 2010).count());

    // 5. Minimum weight 10 on worker flows: pairs moving ≥ 10 workers over all years, each year's edge drawn.
    let mut pair_total: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for m in &moves {
        *pair_total.entry((&m.0, &m.1)).or_default() += m.3;
    }
    let heavy: Vec<_> = moves.iter().filter(|m| pair_total[&(m.0.as_str(), m.1.as_str())] >= 10).collect();
    let d = load(&bin, &page, "channels=worker_flow&minw=worker_flow:10");
    assert_clean(&d, "min weight");
    let touched: BTreeSet<&str> = heavy.iter().flat_map(|m| [m.0.as_str(), m.1.as_str()]).collect();
    assert_eq!((d.nodes, d.edges), (touched.len(), heavy.len()));

    // 6. The README's question: which domestic firms received workers from Toyota's JVs
    //    by 2010? Focus on each JV of jv_links.csv with foreign parent TOYOTA, worker flows
    //    up to 2010: the panel lists the firms that received its workers, read here from
    //    worker_moves.csv; the page draws the JV, its partners and one edge per (pair, year).
    let names = firms();
    let links = std::fs::read_to_string(shipped_data_dir().join("jv_links.csv")).unwrap();
    let toyota_jvs: BTreeSet<String> =
        links.lines().skip(1).map(csv_fields).filter(|v| v[2] == "TOYOTA").map(|v| v[0].clone()).collect();
    assert_eq!(toyota_jvs.len(), 3, "{toyota_jvs:?}");
    let mut domestic_receivers = BTreeSet::new();
    for jv in &toyota_jvs {
        let d = load(&bin, &page, &format!("focus=firm:{jv}&year=2010&mode=cumulative&channels=worker_flow"));
        assert_clean(&d, jv);
        let mine: Vec<_> = moves.iter().filter(|m| (m.0 == *jv || m.1 == *jv) && m.2 <= 2010).collect();
        let receivers: BTreeSet<&str> = mine.iter().filter(|m| m.0 == *jv).map(|m| names[&m.1].0.as_str()).collect();
        let partners: BTreeSet<&str> =
            mine.iter().map(|m| if m.0 == *jv { m.1.as_str() } else { m.0.as_str() }).collect();
        if !receivers.is_empty() {
            assert_eq!(focus_list(&d.dom, "worker_flow →"), receivers, "firms receiving {jv}'s workers by 2010");
        }
        assert_eq!((d.nodes, d.edges), (1 + partners.len(), mine.len()), "{jv}");
        domestic_receivers
            .extend(mine.iter().filter(|m| m.0 == *jv && names[&m.1].1 == "domestic").map(|m| names[&m.1].0.clone()));
    }
    assert!(!domestic_receivers.is_empty());
    println!("domestic firms that received workers from Toyota's JVs by 2010: {domestic_receivers:?}");
}

/// The detectors can fail: a copy of the page that requests an image and logs
/// an error counts both (the image is blocked by the page's own policy), and
/// Chromium's log names the blocked request.
#[test]
fn the_page_reports_a_blocked_request_and_a_console_error() {
    let Some(bin) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(dir.path(), "firms.html", &["--view", "firms", "--year", "2000"]);
    let html = std::fs::read_to_string(&page).unwrap();
    let planted = html.replacen(
        "<main id=\"cy\"></main>",
        "<main id=\"cy\"></main><img src=\"https://example.invalid/pixel.png\">\
         <script>console.error('planted error');</script>",
        1,
    );
    assert_ne!(planted, html);
    let bad = dir.path().join("bad.html");
    std::fs::write(&bad, planted).unwrap();
    let url = format!("file://{}", bad.display());
    let (dom, stderr) = run_chromium(&bin, &url, &["--virtual-time-budget=15000".into(), "--dump-dom".into()]);
    // What `load` looks for in Chromium's log is there for a blocked request.
    assert!(stderr.contains("Content Security Policy") && stderr.contains("example.invalid"), "{stderr}");
    let start = dom.find(r#"<output id="drawn""#).unwrap();
    let tag = &dom[start..start + dom[start..].find('>').unwrap()];
    let errors: usize = attr_of(tag, "data-errors").unwrap().parse().unwrap();
    let list = attr_of(tag, "data-error-list").unwrap_or_default();
    assert!(errors >= 2, "{tag}");
    assert!(list.contains("blocked: https://example.invalid/pixel.png") && list.contains("planted error"), "{list}");
}

/// The node names listed under `heading` in the focus panel of a dumped DOM.
fn focus_list<'d>(dom: &'d str, heading: &str) -> BTreeSet<&'d str> {
    let at = dom.find(&format!("<b>{heading}</b>")).unwrap_or_else(|| panic!("no `{heading}` in the focus panel"));
    let end = at + dom[at..].find("</ul>").unwrap();
    dom[at..end]
        .split("data-node=\"")
        .skip(1)
        .map(|s| {
            let s = &s[s.find('>').unwrap() + 1..];
            &s[..s.find("</a>").unwrap()]
        })
        .collect()
}

#[test]
fn a_screenshot_of_the_explorer() {
    let Some(bin) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(dir.path(), "firms.html", &["--view", "firms"]);
    let png = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("explorer.png");
    let _ = std::fs::remove_file(&png);
    let url = format!("file://{}#year=2010&mode=cumulative&minw=shared_supplier:150", page.display());
    run_chromium(
        &bin,
        &url,
        &[
            "--virtual-time-budget=15000".into(),
            "--window-size=1400,900".into(),
            "--hide-scrollbars".into(),
            format!("--screenshot={}", png.display()),
        ],
    );
    let bytes = std::fs::read(&png).expect("chromium wrote the screenshot");
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000, "a real picture ({} bytes)", bytes.len());
    println!("screenshot of the explorer: {}", png.display());
}
