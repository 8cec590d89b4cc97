//! `spillnet estimate --plot`: the event-study plot of an `i()` term and
//! the coefficient plot, checked against pyfixest's estimates (fixture
//! `formula_i`) and against the drawing's own axis (marker pixels recovered
//! from two y-tick labels), plus the usage errors.

use assert_cmd::Command;
use serde_json::Value;

use super::estimate::{assert_rel, case_dir, expected};

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    Some(tag[start..].split('"').next()?.to_owned())
}

/// (series, label, estimate, cx, cy, hollow) of every marker with data attributes.
fn markers(svg: &str) -> Vec<(String, String, f64, f64, f64, bool)> {
    svg.lines()
        .filter(|l| l.starts_with("<circle data-series"))
        .map(|l| {
            let f = |k: &str| attr(l, k).unwrap();
            (
                f("data-series"),
                f("data-label"),
                f("data-estimate").parse().unwrap(),
                f("cx").parse().unwrap(),
                f("cy").parse().unwrap(),
                l.contains("fill=\"white\""),
            )
        })
        .collect()
}

/// The pixel row of value `v` according to the first and last y-tick labels.
fn y_pixel(svg: &str, v: f64) -> f64 {
    let ticks: Vec<(f64, f64)> = svg
        .lines()
        .filter(|l| l.contains("class=\"ytick\""))
        .map(|l| (attr(l, "data-value").unwrap().parse().unwrap(), attr(l, "y").unwrap().parse::<f64>().unwrap() - 4.0))
        .collect();
    let ((v0, y0), (v1, y1)) = (ticks[0], ticks[ticks.len() - 1]);
    y0 + (v - v0) / (v1 - v0) * (y1 - y0)
}

#[test]
fn event_study_plot_of_an_i_term() {
    let exp = expected("formula_i");
    let want: Vec<(String, f64)> = exp["models"][0]["coefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c: &Value| (c["name"].as_str().unwrap().to_owned(), c["estimate"].as_f64().unwrap()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let svg_path = dir.path().join("event.svg");
    let out = Command::cargo_bin("spillnet")
        .unwrap()
        .args(["estimate", "--data", case_dir("formula_i").join("data.csv").to_str().unwrap()])
        .args(["--formula", exp["formula"].as_str().unwrap(), "--fixef-tol", "1e-13"])
        .args(["--plot", svg_path.to_str().unwrap(), "--plot-terms", "t"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("event.svg (Effect on y by t)"), "{err}");
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    let m = markers(&svg);
    // i(t, ref = -1): levels -3..3 in order, -1 hollow at zero, the others pyfixest's estimates.
    let labels: Vec<&str> = m.iter().map(|x| x.1.as_str()).collect();
    assert_eq!(labels, ["-3", "-2", "-1", "0", "1", "2", "3"]);
    for (series, label, est, _, cy, hollow) in &m {
        assert_eq!(series, "(1)");
        if label == "-1" {
            assert!(*hollow && *est == 0.0, "reference level");
        } else {
            let (_, w) = want.iter().find(|(n, _)| n == &format!("t::{label}")).unwrap();
            assert_rel(*est, *w, 1e-8, &format!("t::{label}"));
            assert!(!hollow);
        }
        assert!((cy - y_pixel(&svg, *est)).abs() < 0.5, "marker {label} off the axis scale");
    }
    // x positions increase with the level, evenly (one unit apart).
    let steps: Vec<f64> = m.windows(2).map(|w| w[1].3 - w[0].3).collect();
    assert!(steps.iter().all(|s| (s - steps[0]).abs() < 0.02 && *s > 0.0), "{steps:?}");
    let zero = svg.lines().find(|l| l.contains("class=\"zero\"")).unwrap();
    assert!((attr(zero, "y1").unwrap().parse::<f64>().unwrap() - y_pixel(&svg, 0.0)).abs() < 0.5);
    let reference = svg.lines().find(|l| l.contains("class=\"ref\"")).unwrap();
    assert!((attr(reference, "x1").unwrap().parse::<f64>().unwrap() - m[2].3).abs() < 0.02, "ref line at t = -1");
    assert!(svg.contains("S.E.: iid; OLS"));
}

/// `i()` of a text column: the levels in alphabetical order with the
/// reference (hollow, at zero) in its place, the others pyfixest's estimates.
#[test]
fn plot_of_an_i_term_of_text_levels() {
    let exp = expected("formula_i_text");
    let dir = tempfile::tempdir().unwrap();
    let svg_path = dir.path().join("brand.svg");
    let out = Command::cargo_bin("spillnet")
        .unwrap()
        .args(["estimate", "--data", case_dir("formula_i_text").join("data.csv").to_str().unwrap()])
        .args(["--formula", exp["formula"].as_str().unwrap(), "--vcov", "hetero", "--fixef-tol", "1e-13"])
        .args(["--plot", svg_path.to_str().unwrap(), "--plot-terms", "brand"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    let m = markers(&svg);
    let labels: Vec<&str> = m.iter().map(|x| x.1.as_str()).collect();
    assert_eq!(labels, ["byd", "geely", "great wall", "toyota", "vw"]);
    let want = exp["models"][0]["coefs"].as_array().unwrap();
    for (_, label, est, _, cy, hollow) in &m {
        if label == "toyota" {
            assert!(*hollow && *est == 0.0, "reference level");
        } else {
            let w = want.iter().find(|c| c["name"] == format!("brand::{label}")).unwrap();
            assert_rel(*est, w["estimate"].as_f64().unwrap(), 1e-8, &format!("brand::{label}"));
            assert!(!hollow);
        }
        assert!((cy - y_pixel(&svg, *est)).abs() < 0.5, "marker {label} off the axis scale");
    }
    let xs: Vec<f64> = m.iter().map(|x| x.3).collect();
    assert!(xs.windows(2).all(|w| w[1] > w[0]), "{xs:?}");
}

/// Two models (csw) and named terms: a coefficient plot with one series per
/// model and the terms in the order asked.
#[test]
fn coefficient_plot_of_named_terms_and_two_models() {
    let dir = tempfile::tempdir().unwrap();
    let svg_path = dir.path().join("coef.svg");
    let out = Command::cargo_bin("spillnet")
        .unwrap()
        .args(["-q", "estimate", "--data", case_dir("fe2").join("data.csv").to_str().unwrap()])
        .args(["--formula", "y ~ csw(x1, x2) | f1 + f2", "--plot", svg_path.to_str().unwrap()])
        .args(["--plot-terms", "x2,x1", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    let m = markers(&svg);
    let got: Vec<(&str, &str)> = m.iter().map(|x| (x.0.as_str(), x.1.as_str())).collect();
    assert_eq!(got, [("(1)", "x1"), ("(2)", "x2"), ("(2)", "x1")]);
    // Same estimates as the table of the same run, at the pixel the axis gives them.
    for (series, label, est, _, cy, _) in &m {
        let k = if series == "(1)" { 0 } else { 1 };
        let c =
            j["models"][k]["coefficients"].as_array().unwrap().iter().find(|c| c["name"] == label.as_str()).unwrap();
        assert_eq!(*est, c["estimate"].as_f64().unwrap());
        assert!((cy - y_pixel(&svg, *est)).abs() < 0.5);
    }
    // x2 is drawn left of x1 (the order asked), model (2) right of model (1) on x1.
    assert!(m[1].3 < m[0].3 && m[0].3 < m[2].3);
}

#[test]
fn plot_usage_errors() {
    let data = case_dir("fe2").join("data.csv");
    let run = |extra: &[&str]| {
        Command::cargo_bin("spillnet")
            .unwrap()
            .args(["-q", "estimate", "--data", data.to_str().unwrap(), "--formula", "y ~ x1 + x2 | f1"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--plot", "coef.png"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("name the file *.svg"));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.svg");
    let out = run(&["--plot", p.to_str().unwrap(), "--plot-terms", "x3"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no coefficient or i() variable `x3`") && err.contains("did you mean `x1`?"), "{err}");
    assert!(!p.exists(), "nothing written on error");
    let out = run(&["--plot-terms", "x1"]);
    assert_eq!(out.status.code(), Some(2), "--plot-terms needs --plot");
}
