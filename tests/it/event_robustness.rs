//! Integration tests: the event-study and robustness groups of the study's
//! further evidence (`study::case::{event_study, robustness}`). Every
//! number is checked against an independent computation written here: a
//! dense dummy-variable OLS solved by Gaussian elimination, CRV1 sandwiches
//! (one- and two-way, fixest's default small-sample correction) computed
//! from the rows, an explicit row-resampling bootstrap on the same block
//! draws; the event-study SVG is checked against those independent
//! estimates (markers' `data-estimate`, pixel positions against the y ticks).

use std::collections::{BTreeMap, HashMap};

use approx::assert_relative_eq;
use spillnet::estimate::design::{Column, Design, Factor};
use spillnet::estimate::{FitOptions, fit_ols};
use spillnet::report::evidence::case_plot_svg;
use spillnet::study::case::robustness::{block_bootstrap, block_counts};
use spillnet::study::{CaseBlock, CaseResult, SpecGroup, StudyOptions, StudyPanel, build_panel, run_study};
use spillnet::synth::{Scale, SynthParams, generate};

/// Relative tolerance of estimates and SEs against the independent dense
/// solves (both are exact up to rounding on ~10⁴ rows).
const TOL: f64 = 1e-8;

/// Solve `a x = b` (`k × k`, row-major) by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<f64>, mut b: Vec<Vec<f64>>, k: usize) -> Vec<Vec<f64>> {
    for c in 0..k {
        let p = (c..k).max_by(|&i, &j| a[i * k + c].abs().total_cmp(&a[j * k + c].abs())).unwrap();
        for j in 0..k {
            a.swap(c * k + j, p * k + j);
        }
        b.swap(c, p);
        for i in c + 1..k {
            let f = a[i * k + c] / a[c * k + c];
            for j in c..k {
                a[i * k + j] -= f * a[c * k + j];
            }
            let bc = b[c].clone();
            b[i].iter_mut().zip(&bc).for_each(|(x, y)| *x -= f * y);
        }
    }
    for c in (0..k).rev() {
        for i in 0..c {
            let f = a[i * k + c] / a[c * k + c];
            let bc = b[c].clone();
            b[i].iter_mut().zip(&bc).for_each(|(x, y)| *x -= f * y);
        }
        let d = a[c * k + c];
        b[c].iter_mut().for_each(|x| *x /= d);
    }
    b
}

/// OLS on explicit rows: (β, (X'X)⁻¹ as rows, residuals).
fn ols(x: &[Vec<f64>], y: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>, Vec<f64>) {
    let k = x[0].len();
    let mut xtx = vec![0.0; k * k];
    let mut xty = vec![0.0; k];
    for (r, &yi) in x.iter().zip(y) {
        for a in 0..k {
            for b in 0..k {
                xtx[a * k + b] += r[a] * r[b];
            }
            xty[a] += r[a] * yi;
        }
    }
    let mut rhs: Vec<Vec<f64>> = (0..k).map(|i| (0..k).map(|j| f64::from(u8::from(i == j))).collect()).collect();
    for (i, row) in rhs.iter_mut().enumerate() {
        row.push(xty[i]);
    }
    let sol = solve(xtx, rhs, k);
    let beta: Vec<f64> = sol.iter().map(|r| r[k]).collect();
    let inv: Vec<Vec<f64>> = sol.iter().map(|r| r[..k].to_vec()).collect();
    let u = x.iter().zip(y).map(|(r, yi)| yi - r.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>()).collect();
    (beta, inv, u)
}

/// CRV1 vcov, one- or multi-way (inclusion–exclusion, every term with the
/// smallest G, fixest's `ssc()` default without fixed effects: K = k).
fn crv1(x: &[Vec<f64>], u: &[f64], inv: &[Vec<f64>], clusters: &[Vec<u64>]) -> Vec<Vec<f64>> {
    let (n, k) = (x.len(), x[0].len());
    let count = |codes: &[u64]| codes.iter().collect::<std::collections::HashSet<_>>().len();
    let g_min = clusters.iter().map(|c| count(c)).min().unwrap() as f64;
    let adj = g_min / (g_min - 1.0) * (n as f64 - 1.0) / (n as f64 - k as f64);
    let m = clusters.len();
    let mut v = vec![vec![0.0; k]; k];
    for subset in 1usize..(1 << m) {
        let members: Vec<usize> = (0..m).filter(|j| subset >> j & 1 == 1).collect();
        let sign = if members.len() % 2 == 1 { 1.0 } else { -1.0 };
        let mut sums: HashMap<Vec<u64>, Vec<f64>> = HashMap::new();
        for i in 0..n {
            let key: Vec<u64> = members.iter().map(|&j| clusters[j][i]).collect();
            let s = sums.entry(key).or_insert_with(|| vec![0.0; k]);
            for a in 0..k {
                s[a] += x[i][a] * u[i];
            }
        }
        let mut meat = vec![vec![0.0; k]; k];
        for s in sums.values() {
            for a in 0..k {
                for b in 0..k {
                    meat[a][b] += s[a] * s[b];
                }
            }
        }
        for a in 0..k {
            for b in 0..k {
                let mut t = 0.0;
                for c in 0..k {
                    for d in 0..k {
                        t += inv[a][c] * meat[c][d] * inv[d][b];
                    }
                }
                v[a][b] += sign * adj * t;
            }
        }
    }
    v
}

/// fixest's fix of a multiway vcov that is not PSD, implemented here by
/// cyclic Jacobi rotations: V = Σ max(λ, 0) v v'. Returns the matrix and
/// whether any eigenvalue was negative.
fn fix_psd(v: &[Vec<f64>]) -> (Vec<Vec<f64>>, bool) {
    let n = v.len();
    let mut a = v.to_vec();
    let mut e: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect()).collect();
    let norm: f64 = a.iter().flatten().map(|x| x * x).sum();
    for _ in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .filter(|(i, j)| i != j)
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        if off <= 1e-32 * norm {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q] == 0.0 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = if theta == 0.0 { 1.0 } else { theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt()) };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (kp, kq) = (a[k][p], a[k][q]);
                    a[k][p] = c * kp - s * kq;
                    a[k][q] = s * kp + c * kq;
                }
                for k in 0..n {
                    let (pk, qk) = (a[p][k], a[q][k]);
                    a[p][k] = c * pk - s * qk;
                    a[q][k] = s * pk + c * qk;
                }
                for row in e.iter_mut() {
                    let (kp, kq) = (row[p], row[q]);
                    row[p] = c * kp - s * kq;
                    row[q] = s * kp + c * kq;
                }
            }
        }
    }
    let lambda: Vec<f64> = (0..n).map(|i| a[i][i]).collect();
    if lambda.iter().all(|&l| l >= 0.0) {
        return (v.to_vec(), false);
    }
    let out = (0..n)
        .map(|i| (0..n).map(|j| (0..n).map(|l| e[i][l] * lambda[l].max(0.0) * e[j][l]).sum()).collect())
        .collect();
    (out, true)
}

fn small_study() -> (StudyPanel, Vec<CaseResult>, Vec<spillnet::study::Skipped>) {
    let (ds, _) = generate(&SynthParams::new(5, Scale::Small, 0.098)).unwrap();
    let opts = StudyOptions {
        groups: vec![SpecGroup::EventStudy, SpecGroup::Robustness],
        case: spillnet::study::CaseOptions { seed: 3, bootstrap_reps: 60 },
        ..StudyOptions::default()
    };
    let panel = build_panel(&ds, &opts.pairs).unwrap();
    let r = run_study(&ds, &panel, &opts, &|_, _| {}).unwrap();
    assert!(r.skipped.iter().all(|s| s.group != Some(SpecGroup::EventStudy)), "{:?}", r.skipped);
    (panel, r.evidence, r.skipped)
}

/// Cluster keys of the study: (domestic firm, survey) and (JV firm, survey).
fn study_cluster_keys(panel: &StudyPanel, rows: &[usize]) -> Vec<Vec<u64>> {
    let p = &panel.pairs;
    let cat = |i: usize| u64::from(panel.strengths.dimension_category[usize::from(panel.dim[i])]);
    vec![
        rows.iter().map(|&i| u64::from(p.domestic_firm[panel.pair_row[i] as usize]) * 100 + cat(i)).collect(),
        rows.iter().map(|&i| u64::from(p.jv_firm[panel.pair_row[i] as usize]) * 100 + cat(i)).collect(),
    ]
}

fn attr<'a>(tag: &'a str, name: &str) -> &'a str {
    let key = format!("{name}=\"");
    let start = tag.find(&key).unwrap() + key.len();
    tag[start..].split('"').next().unwrap()
}

#[test]
fn event_study_equals_a_dummy_variable_regression_and_its_svg_shows_those_numbers() {
    let (panel, evidence, _) = small_study();
    let es = evidence.iter().find(|e| e.group == SpecGroup::EventStudy).expect("event study ran");
    let p = &panel.pairs;

    // Year 0 per affiliated firm pair, over the whole pair panel.
    let mut y0: HashMap<(u32, u32), i32> = HashMap::new();
    for r in 0..p.len() {
        if p.same_group[r] {
            let e = y0.entry((p.domestic_firm[r], p.jv_firm[r])).or_insert(i32::MAX);
            *e = (*e).min(p.year[r]);
        }
    }
    // Same-segment rows, their event times (affiliated only).
    let rows: Vec<usize> = (0..panel.len()).filter(|&i| p.same_seg[panel.pair_row[i] as usize]).collect();
    let ev = |i: usize| {
        let r = panel.pair_row[i] as usize;
        p.same_group[r].then(|| p.year[r] - y0[&(p.domestic_firm[r], p.jv_firm[r])])
    };
    let times: Vec<i32> = rows.iter().filter_map(|&i| ev(i)).collect();
    assert!(times.iter().all(|&t| t >= 0));
    // K: the largest k ≤ 10 with ≥ 10 % of the affiliated rows at ≥ k and rows in each year 1..k−1.
    let mut k = 1;
    for cand in 1..=10 {
        let enough = times.iter().filter(|&&t| t >= cand).count() * 10 >= times.len();
        if enough && (1..cand).all(|b| times.contains(&b)) {
            k = cand;
        }
    }
    assert!(k >= 2, "the small synthetic panel has event times beyond 1 (k = {k})");
    assert_eq!(es.json["top_bin"], k);
    // Pairs present in the sample, by name.
    let name = |f: u32| p.firm_names[f as usize].to_string();
    let mut pairs: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for &i in &rows {
        let r = panel.pair_row[i] as usize;
        if p.same_group[r] {
            pairs.insert(
                format!("e_JV:firm_pair::{}_x_{}", name(p.domestic_firm[r]), name(p.jv_firm[r])),
                (p.domestic_firm[r], p.jv_firm[r]),
            );
        }
    }
    let bin_name =
        |b: i32| if b == k { format!("e_JV:SameGroup:years0::{b}+") } else { format!("e_JV:SameGroup:years0::{b}") };
    let mut names: Vec<String> = vec!["Intercept".into(), "e_JV".into()];
    names.extend((1..=k).map(bin_name));
    names.extend(pairs.keys().cloned());
    let x: Vec<Vec<f64>> = rows
        .iter()
        .map(|&i| {
            let r = panel.pair_row[i] as usize;
            let e = panel.e_jv[i];
            let mut v = vec![1.0, e];
            v.extend((1..=k).map(|b| if ev(i).map(|t| t.min(k)) == Some(b) { e } else { 0.0 }));
            v.extend(
                pairs
                    .values()
                    .map(|&fp| if p.same_group[r] && (p.domestic_firm[r], p.jv_firm[r]) == fp { e } else { 0.0 }),
            );
            v
        })
        .collect();
    let y: Vec<f64> = rows.iter().map(|&i| panel.e_d[i]).collect();
    let CaseBlock::Models { models, .. } = &es.blocks[0] else { panic!("first block is the regression") };
    let inf = &models[0].inference;
    assert_eq!(models[0].fit.core().nobs, rows.len());
    // A term the engine dropped must be collinear: its column is a combination of the kept ones.
    let dropped = &models[0].fit.core().diagnostics.collinear;
    let kept: Vec<usize> = (0..names.len()).filter(|&j| !dropped.contains(&names[j])).collect();
    let x_full = x;
    let x: Vec<Vec<f64>> = x_full.iter().map(|r| kept.iter().map(|&j| r[j]).collect()).collect();
    for d in dropped {
        let j = names.iter().position(|n| n == d).expect("a dropped term is one of ours");
        assert!(j > k as usize + 1, "bins come before the pair dummies and are kept: {d}");
        let col: Vec<f64> = x_full.iter().map(|r| r[j]).collect();
        let (_, _, res) = ols(&x, &col);
        let ss: f64 = col.iter().map(|c| c * c).sum();
        assert!(res.iter().map(|r| r * r).sum::<f64>() <= 1e-18 * ss.max(1e-300), "{d} is not collinear");
    }
    let names: Vec<String> = kept.iter().map(|&j| names[j].clone()).collect();
    let (beta, inv, u) = ols(&x, &y);
    let (v, fixed) = fix_psd(&crv1(&x, &u, &inv, &study_cluster_keys(&panel, &rows)));
    assert_eq!(inf.eigen_fixed, fixed, "the engine fixed the vcov exactly when it was not PSD");
    // Zeroing eigenvalues near 0 is sensitive to rounding of the eigenvectors: looser then.
    let se_tol = if fixed { 1e-6 } else { TOL };
    assert_eq!(inf.coefs.len(), names.len());
    for (j, n) in names.iter().enumerate() {
        let c = inf.coefs.iter().find(|c| &c.name == n).unwrap_or_else(|| panic!("no {n}"));
        assert_relative_eq!(c.estimate, beta[j], max_relative = TOL, epsilon = 1e-12);
        assert_relative_eq!(c.se, v[j][j].sqrt(), max_relative = se_tol);
    }
    // Slope of the bin effects (0 at year 0) on positions 0..=K.
    let mean = f64::from(k) / 2.0;
    let ss: f64 = (0..=k).map(|b| (f64::from(b) - mean).powi(2)).sum();
    let slope: f64 = (1..=k).map(|b| (f64::from(b) - mean) / ss * beta[1 + b as usize]).sum();
    assert_relative_eq!(es.json["slope"]["estimate"].as_f64().unwrap(), slope, max_relative = TOL);
    assert_relative_eq!(models[0].lincoms[0].row.estimate, slope, max_relative = TOL);

    // The SVG: one marker per bin at the independent estimate (reference hollow at 0), at the right pixel height.
    let CaseBlock::Plot(plot) = &es.blocks[1] else { panic!("second block is the plot") };
    assert_eq!(plot.name, "event_study");
    let svg = case_plot_svg(plot);
    let circles: Vec<&str> = svg.lines().filter(|l| l.starts_with("<circle")).collect();
    assert_eq!(circles.len(), k as usize + 1);
    let ticks: Vec<(f64, f64)> = svg
        .lines()
        .filter(|l| l.contains("class=\"ytick\""))
        .map(|l| (attr(l, "data-value").parse().unwrap(), attr(l, "y").parse::<f64>().unwrap() - 4.0))
        .collect();
    let ((v0, py0), (v1, py1)) = (ticks[0], ticks[ticks.len() - 1]);
    let to_px = |v: f64| py0 + (v - v0) / (v1 - v0) * (py1 - py0);
    let mut half_widths = Vec::new();
    let lines: Vec<&str> = svg.lines().collect();
    for (b, c) in circles.iter().enumerate() {
        let want = if b == 0 { 0.0 } else { beta[1 + b] };
        let got: f64 = attr(c, "data-estimate").parse().unwrap();
        assert_relative_eq!(got, want, max_relative = TOL, epsilon = 1e-15);
        let cy: f64 = attr(c, "cy").parse().unwrap();
        assert!((cy - to_px(want)).abs() < 0.5, "bin {b}: {c}");
        let label = if b == k as usize { format!("≥{b}") } else { b.to_string() };
        assert_eq!(attr(c, "data-label"), label);
        if b == 0 {
            assert!(c.contains("fill=\"white\""), "the reference is hollow");
            continue;
        }
        // The whisker drawn just before the marker spans estimate ± q·SE with one q for all bins.
        let at = lines.iter().position(|l| l == c).unwrap();
        let whisker = lines[at - 3];
        let (a, z): (f64, f64) = (attr(whisker, "y1").parse().unwrap(), attr(whisker, "y2").parse().unwrap());
        let px_per_unit = (py1 - py0) / (v1 - v0);
        half_widths.push(((a - z) / px_per_unit).abs() / 2.0 / v[1 + b][1 + b].sqrt());
    }
    {
        for q in &half_widths {
            assert!((q - half_widths[0]).abs() < 0.02 && (1.96..2.3).contains(q), "t quantile {q}: {half_widths:?}");
        }
    }
    assert!(svg.contains("class=\"ref\""), "reference line at year 0");
}

#[test]
fn robustness_samples_and_clusterings_equal_hand_computed_fits() {
    let (panel, evidence, skipped) = small_study();
    let rb = evidence.iter().find(|e| e.group == SpecGroup::Robustness).expect("robustness ran");
    let p = &panel.pairs;
    let design_row = |i: usize| {
        let r = panel.pair_row[i] as usize;
        let (sg, ss) = (f64::from(u8::from(p.same_group[r])), f64::from(u8::from(p.same_seg[r])));
        let e = panel.e_jv[i];
        vec![1.0, e, e * sg, e * ss, e * sg * ss]
    };
    let fit_rows = |rows: &[usize]| {
        let x: Vec<Vec<f64>> = rows.iter().map(|&i| design_row(i)).collect();
        let y: Vec<f64> = rows.iter().map(|&i| panel.e_d[i]).collect();
        let (beta, inv, u) = ols(&x, &y);
        (x, beta, inv, u)
    };
    let headline = |beta: &[f64]| beta[2] + beta[3] + beta[4];
    let headline_se =
        |v: &[Vec<f64>]| (2..5).flat_map(|a| (2..5).map(move |b| (a, b))).map(|(a, b)| v[a][b]).sum::<f64>().sqrt();
    let samples = rb.json["samples"].as_array().unwrap();
    let sample = |name: &str| samples.iter().find(|s| s["sample"] == name).unwrap_or_else(|| panic!("no {name}"));

    // (a) IQS only / APEAL only: the rows of one survey's dimensions.
    for (survey, title) in [("iqs", "IQS only"), ("apeal", "APEAL only")] {
        let c = panel.strengths.categories.iter().position(|s| s == survey).expect("synthetic data have both surveys");
        let rows: Vec<usize> = (0..panel.len())
            .filter(|&i| panel.strengths.dimension_category[usize::from(panel.dim[i])] as usize == c)
            .collect();
        let (x, beta, inv, u) = fit_rows(&rows);
        let s = sample(title);
        assert_eq!(s["nobs"], rows.len());
        assert_relative_eq!(s["headline"][0].as_f64().unwrap(), headline(&beta), max_relative = TOL);
        assert_relative_eq!(s["triple"][0].as_f64().unwrap(), beta[4], max_relative = TOL);
        let (v, fixed) = fix_psd(&crv1(&x, &u, &inv, &study_cluster_keys(&panel, &rows)));
        let se_tol = if fixed { 1e-6 } else { TOL };
        assert_relative_eq!(s["triple"][1].as_f64().unwrap(), v[4][4].sqrt(), max_relative = se_tol);
    }

    // (b) Balanced (last 5 years, both models in each) and long-lived (both models ≥ 5 years).
    let mut years: HashMap<u32, Vec<i32>> = HashMap::new();
    for r in 0..p.len() {
        for m in [p.domestic_model[r], p.jv_model[r]] {
            let v = years.entry(m).or_default();
            if !v.contains(&p.year[r]) {
                v.push(p.year[r]);
            }
        }
    }
    let last = *p.year.iter().max().unwrap();
    let in_all = |m: u32| (last - 4..=last).all(|t| years[&m].contains(&t));
    let rows: Vec<usize> = (0..panel.len())
        .filter(|&i| {
            let r = panel.pair_row[i] as usize;
            p.year[r] > last - 5 && in_all(p.domestic_model[r]) && in_all(p.jv_model[r])
        })
        .collect();
    match samples.iter().find(|s| s["sample"] == "balanced") {
        Some(s) => {
            let (_, beta, _, _) = fit_rows(&rows);
            assert_eq!(s["nobs"], rows.len());
            assert_relative_eq!(s["headline"][0].as_f64().unwrap(), headline(&beta), max_relative = TOL);
        }
        None => {
            // Skipped with the reason, which must hold: no affiliated same-segment pair among the rows.
            let why = skipped.iter().find(|s| s.id == "robustness.balanced").expect("skipped with a reason");
            assert!(why.reason.contains("SameGroup:SameSeg` was dropped as collinear"), "{}", why.reason);
            assert!(rows.iter().all(|&i| design_row(i)[4] == 0.0), "the triple interaction is identically 0");
        }
    }
    let rows: Vec<usize> = (0..panel.len())
        .filter(|&i| {
            let r = panel.pair_row[i] as usize;
            years[&p.domestic_model[r]].len() >= 5 && years[&p.jv_model[r]].len() >= 5
        })
        .collect();
    let (_, beta, _, _) = fit_rows(&rows);
    assert_relative_eq!(sample("long-lived")["headline"][0].as_f64().unwrap(), headline(&beta), max_relative = TOL);
    assert_relative_eq!(sample("long-lived")["triple"][0].as_f64().unwrap(), beta[4], max_relative = TOL);

    // (c) One fit on every row, SEs under each clustering.
    let all: Vec<usize> = (0..panel.len()).collect();
    let (x, beta, inv, u) = fit_rows(&all);
    let fd: Vec<u64> = all.iter().map(|&i| u64::from(p.domestic_firm[panel.pair_row[i] as usize])).collect();
    let fj: Vec<u64> = all.iter().map(|&i| u64::from(p.jv_firm[panel.pair_row[i] as usize])).collect();
    let pair: Vec<u64> = fd.iter().zip(&fj).map(|(a, b)| a * 100_000 + b).collect();
    let fd_dim: Vec<u64> = all.iter().map(|&i| fd[i] * 1000 + u64::from(panel.dim[i])).collect();
    let fj_dim: Vec<u64> = all.iter().map(|&i| fj[i] * 1000 + u64::from(panel.dim[i])).collect();
    let expected: Vec<(Vec<Vec<u64>>, &str)> = vec![
        (study_cluster_keys(&panel, &all), "baseline"),
        (vec![fd.clone()], "follower firm"),
        (vec![fj.clone()], "leader firm"),
        (vec![pair], "firm pair"),
        (vec![fd_dim, fj_dim], "dimension"),
    ];
    let got = rb.json["clusterings"].as_array().unwrap();
    assert_eq!(got.len(), expected.len());
    for (g, (cl, what)) in got.iter().zip(&expected) {
        assert!(g["clustering"].as_str().unwrap().contains(what), "{g}");
        let (v, fixed) = fix_psd(&crv1(&x, &u, &inv, cl));
        let groups: Vec<usize> = cl.iter().map(|c| c.iter().collect::<std::collections::HashSet<_>>().len()).collect();
        let got_g: Vec<usize> =
            g["groups"].as_array().unwrap().iter().map(|e| e[1].as_u64().unwrap() as usize).collect();
        assert_eq!(got_g, groups, "{what}");
        // One-way vcovs are PSD by construction; a multiway one is fixed when it is not.
        assert!(cl.len() > 1 || !fixed);
        let se_tol = if fixed { 1e-6 } else { TOL };
        assert_relative_eq!(g["se_triple"].as_f64().unwrap(), v[4][4].sqrt(), max_relative = se_tol);
        assert_relative_eq!(g["se_headline"].as_f64().unwrap(), headline_se(&v), max_relative = se_tol);
    }
    let boot = &rb.json["block_bootstrap"];
    assert_relative_eq!(boot["estimate"].as_f64().unwrap(), headline(&beta), max_relative = TOL);
    assert_eq!(boot["draws"], 60);
}

/// A small design: 12 blocks of 15 rows; `z` is non-zero in block 11 only,
/// so a draw without block 11 is singular.
fn small_design() -> (Design, Vec<u32>) {
    let (n, g) = (180usize, 12u32);
    let mut state = 12345u64;
    let mut rnd = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let block: Vec<u32> = (0..n as u32).map(|i| i / 15).collect();
    let x1: Vec<f64> = (0..n).map(|_| rnd()).collect();
    let z: Vec<f64> = block.iter().map(|&b| if b == g - 1 { rnd() } else { 0.0 }).collect();
    let y: Vec<f64> = (0..n).map(|i| 0.5 * x1[i] + z[i] + 0.3 * rnd()).collect();
    let d = Design {
        y: Column { name: "y".into(), values: y },
        x: vec![Column { name: "x1".into(), values: x1 }, Column { name: "z".into(), values: z }],
        weights: None,
        fe: Vec::new(),
        clusters: vec![Factor { name: "block".into(), codes: block.clone() }],
    };
    (d, block)
}

#[test]
fn block_bootstrap_equals_explicit_resampling_and_does_not_depend_on_threads() {
    let (design, block) = small_design();
    let fit = fit_ols(&design, &FitOptions::default()).unwrap();
    let r = [0.0, 1.0, 1.0]; // x1 + z
    let (draws, seed) = (200, 17);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| block_bootstrap(&fit.core, &r, "block", draws, seed, &|_| {}).unwrap())
    };
    let one = run(1);
    let two = run(2);
    assert_eq!(
        one.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        two.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!((one.se.to_bits(), one.failed), (two.se.to_bits(), two.failed));

    // Independent: the same block draws, rows resampled explicitly, OLS by elimination.
    let rows_of: Vec<Vec<usize>> = (0..12).map(|b| (0..180).filter(|&i| block[i] == b).collect()).collect();
    let mut failed = 0;
    let mut values = Vec::new();
    for b in 0..draws {
        let counts = block_counts(seed, b, 12);
        assert_eq!(counts.iter().sum::<u32>(), 12);
        if counts[11] == 0 {
            failed += 1;
            assert!(one.values[b].is_nan(), "draw {b} without block 11 is singular");
            continue;
        }
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (h, &c) in counts.iter().enumerate() {
            for _ in 0..c {
                for &i in &rows_of[h] {
                    x.push(vec![1.0, design.x[0].values[i], design.x[1].values[i]]);
                    y.push(design.y.values[i]);
                }
            }
        }
        let (beta, _, _) = ols(&x, &y);
        let v = beta[1] + beta[2];
        assert_relative_eq!(one.values[b], v, max_relative = 1e-9);
        values.push(v);
    }
    assert!(failed > 0, "some draws miss block 11 (probability (11/12)^12 ≈ 0.35)");
    assert_eq!(one.failed, failed);
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let se = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    assert_relative_eq!(one.se, se, max_relative = 1e-9);
    values.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let h = (n - 1.0) * p;
        values[h.floor() as usize] + (h - h.floor()) * (values[h.ceil() as usize] - values[h.floor() as usize])
    };
    assert_relative_eq!(one.ci[0], q(0.025), max_relative = 1e-9);
    assert_relative_eq!(one.ci[1], q(0.975), max_relative = 1e-9);
}
