//! Coefficient plots as self-contained SVG: estimates with 95 % confidence
//! intervals for chosen terms (fixest's `coefplot`), or, for the dummies of
//! an `i()` term, against the variable's values with the reference level at
//! zero (fixest's `iplot`, the event-study plot). Formatting only: the
//! caller gives the points. Deterministic output (same input, same bytes).
//!
//! Every marker carries `data-series`, `data-label` and `data-estimate`
//! attributes and every y tick a `data-value`, so a test (or a reader's
//! script) can check the drawing against the numbers.

use std::fmt::Write as _;

/// One estimate to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotPoint {
    /// Tick label (term name, or the `i()` level).
    pub label: String,
    /// Position on a numeric x axis (the `i()` level), if the plot is numeric.
    pub position: Option<f64>,
    /// Estimate.
    pub estimate: f64,
    /// Lower end of the confidence interval.
    pub low: f64,
    /// Upper end of the confidence interval.
    pub high: f64,
    /// The reference level (drawn hollow at 0, without an interval).
    pub reference: bool,
}

/// One model's points.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSeries {
    /// Legend entry (model title).
    pub name: String,
    /// Points, in drawing order.
    pub points: Vec<PlotPoint>,
}

/// A coefficient plot.
#[derive(Debug, Clone, PartialEq)]
pub struct CoefPlot {
    /// Title (first line).
    pub title: String,
    /// Second line: interval level, vcov, model type.
    pub subtitle: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Vertical dashed line at this x position (the reference period of an event study).
    pub ref_line: Option<f64>,
    /// Order of the x slots of a categorical plot (labels); labels not
    /// listed follow in order of appearance.
    pub categories: Vec<String>,
    /// Series (one per model).
    pub series: Vec<PlotSeries>,
}

const COLOURS: [&str; 6] = ["#1f4e9c", "#c0392b", "#27864a", "#8e44ad", "#d35400", "#555555"];
const W: f64 = 720.0;
const H: f64 = 440.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 62.0;
const BOTTOM: f64 = 84.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Round numbers for ticks between `lo` and `hi`: steps of 1, 2 or 5 × 10^k, about `target` of them.
fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let span = (hi - lo).max(f64::MIN_POSITIVE);
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step =
        [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| span / s <= target as f64 + 0.5).unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    // Round away the representation error of k·step (0.6000000000000001).
    let decimals = if step >= 1.0 { 0 } else { (-step.log10().floor()) as usize + 1 };
    (first..=last).map(|k| format!("{:.decimals$}", k as f64 * step).parse().unwrap_or(k as f64 * step)).collect()
}

/// Tick text: as few decimals as the step needs.
fn tick_text(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 { 0 } else { (-step.log10().floor()) as usize };
    let s = format!("{v:.decimals$}");
    if s.starts_with("-") && s[1..].chars().all(|c| c == '0' || c == '.') { s[1..].to_owned() } else { s }
}

/// The plot as an SVG document.
pub fn coefplot_svg(p: &CoefPlot) -> String {
    let numeric = p.series.iter().flat_map(|s| &s.points).all(|q| q.position.is_some())
        && p.series.iter().any(|s| !s.points.is_empty());
    // x slots: numeric positions, or the distinct labels in order of appearance.
    let mut labels: Vec<&str> = p.categories.iter().map(String::as_str).collect();
    for q in p.series.iter().flat_map(|s| &s.points) {
        if !labels.contains(&q.label.as_str()) {
            labels.push(&q.label);
        }
    }
    // Distinct numeric positions, sorted (empty for a categorical plot).
    let mut xs: Vec<f64> =
        if numeric { p.series.iter().flat_map(|s| &s.points).filter_map(|q| q.position).collect() } else { Vec::new() };
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let rotate = !numeric && (labels.len() > 6 || labels.iter().any(|l| l.chars().count() > 10));
    let (x_lo, x_hi) = if numeric {
        let (lo, hi) = (xs[0], xs[xs.len() - 1]);
        let pad = if hi > lo { 0.06 * (hi - lo) } else { 1.0 };
        (lo - pad, hi + pad)
    } else {
        (-0.5, labels.len() as f64 - 0.5)
    };
    let (mut y_lo, mut y_hi) = (0.0f64, 0.0f64);
    for q in p.series.iter().flat_map(|s| &s.points) {
        for v in [q.low, q.high, q.estimate] {
            if v.is_finite() {
                y_lo = y_lo.min(v);
                y_hi = y_hi.max(v);
            }
        }
    }
    let pad = if y_hi > y_lo { 0.08 * (y_hi - y_lo) } else { 1.0 };
    let (y_lo, y_hi) = (y_lo - pad, y_hi + pad);
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let sx = |x: f64| LEFT + (x - x_lo) / (x_hi - x_lo) * pw;
    let sy = |y: f64| TOP + (y_hi - y) / (y_hi - y_lo) * ph;

    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" \
         font-family=\"sans-serif\" font-size=\"12\">"
    );
    s.push_str("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    let _ = writeln!(s, "<text x=\"{LEFT}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{}</text>", esc(&p.title));
    let _ = writeln!(s, "<text x=\"{LEFT}\" y=\"40\" fill=\"#555\">{}</text>", esc(&p.subtitle));
    // Frame and grid.
    let _ =
        writeln!(s, "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#333\"/>");
    let yt = nice_ticks(y_lo, y_hi, 8);
    let ystep = if yt.len() > 1 { yt[1] - yt[0] } else { 1.0 };
    for v in &yt {
        let y = sy(*v);
        let _ =
            writeln!(s, "<line x1=\"{LEFT}\" y1=\"{y:.2}\" x2=\"{:.2}\" y2=\"{y:.2}\" stroke=\"#e5e5e5\"/>", LEFT + pw);
        let _ = writeln!(
            s,
            "<text class=\"ytick\" data-value=\"{v}\" x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"end\">{}</text>",
            LEFT - 6.0,
            y + 4.0,
            tick_text(*v, ystep)
        );
    }
    // Zero line.
    let y0 = sy(0.0);
    let _ = writeln!(
        s,
        "<line class=\"zero\" x1=\"{LEFT}\" y1=\"{y0:.2}\" x2=\"{:.2}\" y2=\"{y0:.2}\" stroke=\"#000\" \
         stroke-dasharray=\"5,4\"/>",
        LEFT + pw
    );
    // x ticks.
    if numeric {
        let ticks = if xs.len() <= 25 { xs.clone() } else { nice_ticks(x_lo, x_hi, 10) };
        let step = if ticks.len() > 1 { ticks[1] - ticks[0] } else { 1.0 };
        for v in ticks {
            let _ = writeln!(
                s,
                "<text class=\"xtick\" x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{}</text>",
                sx(v),
                TOP + ph + 18.0,
                tick_text(v, step)
            );
        }
    } else {
        for (j, l) in labels.iter().enumerate() {
            let (x, y) = (sx(j as f64), TOP + ph + 18.0);
            if rotate {
                let _ = writeln!(
                    s,
                    "<text class=\"xtick\" x=\"{x:.2}\" y=\"{y:.2}\" text-anchor=\"end\" \
                     transform=\"rotate(-35 {x:.2} {y:.2})\">{}</text>",
                    esc(l)
                );
            } else {
                let _ = writeln!(
                    s,
                    "<text class=\"xtick\" x=\"{x:.2}\" y=\"{y:.2}\" text-anchor=\"middle\">{}</text>",
                    esc(l)
                );
            }
        }
    }
    if let Some(r) = p.ref_line.filter(|r| numeric && *r > x_lo && *r < x_hi) {
        let x = sx(r);
        let _ = writeln!(
            s,
            "<line class=\"ref\" x1=\"{x:.2}\" y1=\"{TOP}\" x2=\"{x:.2}\" y2=\"{:.2}\" stroke=\"#888\" \
             stroke-dasharray=\"3,3\"/>",
            TOP + ph
        );
    }
    // Points and intervals, series side by side.
    let k = p.series.len().max(1) as f64;
    let slot =
        if numeric { xs.windows(2).map(|w| w[1] - w[0]).fold(f64::INFINITY, f64::min).min(x_hi - x_lo) } else { 1.0 };
    let dodge = if k > 1.0 { 0.5 * slot / k } else { 0.0 };
    for (j, series) in p.series.iter().enumerate() {
        let colour = COLOURS[j % COLOURS.len()];
        let offset = (j as f64 - (k - 1.0) / 2.0) * dodge;
        for q in &series.points {
            let base = match q.position {
                Some(x) if numeric => x,
                _ => labels.iter().position(|l| *l == q.label).unwrap_or(0) as f64,
            };
            let x = sx(base + offset);
            if !q.reference && q.low.is_finite() && q.high.is_finite() {
                let (a, b) = (sy(q.low), sy(q.high));
                let _ = writeln!(
                    s,
                    "<line x1=\"{x:.2}\" y1=\"{a:.2}\" x2=\"{x:.2}\" y2=\"{b:.2}\" stroke=\"{colour}\" stroke-width=\"1.6\"/>"
                );
                for c in [a, b] {
                    let _ = writeln!(
                        s,
                        "<line x1=\"{:.2}\" y1=\"{c:.2}\" x2=\"{:.2}\" y2=\"{c:.2}\" stroke=\"{colour}\" stroke-width=\"1.6\"/>",
                        x - 4.0,
                        x + 4.0
                    );
                }
            }
            let fill = if q.reference { "white" } else { colour };
            let _ = writeln!(
                s,
                "<circle data-series=\"{}\" data-label=\"{}\" data-estimate=\"{}\" cx=\"{x:.2}\" cy=\"{:.2}\" r=\"4.5\" \
                 fill=\"{fill}\" stroke=\"{colour}\" stroke-width=\"1.6\"/>",
                esc(&series.name),
                esc(&q.label),
                q.estimate,
                sy(q.estimate)
            );
        }
    }
    // Axis labels and legend.
    let _ = writeln!(
        s,
        "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{}</text>",
        LEFT + pw / 2.0,
        if rotate { H - 10.0 } else { TOP + ph + 42.0 },
        esc(&p.x_label)
    );
    let _ = writeln!(
        s,
        "<text x=\"16\" y=\"{:.2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {:.2})\">{}</text>",
        TOP + ph / 2.0,
        TOP + ph / 2.0,
        esc(&p.y_label)
    );
    if p.series.len() > 1 {
        // One row above the frame, right-aligned, outside the data.
        let n = p.series.len() as f64;
        for (j, series) in p.series.iter().enumerate() {
            let y = TOP - 8.0;
            let x = LEFT + pw - 70.0 * (n - j as f64);
            let colour = COLOURS[j % COLOURS.len()];
            let _ = writeln!(s, "<circle cx=\"{x:.2}\" cy=\"{:.2}\" r=\"4.5\" fill=\"{colour}\"/>", y - 4.0);
            let _ = writeln!(s, "<text x=\"{:.2}\" y=\"{y:.2}\">{}</text>", x + 10.0, esc(&series.name));
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(tag: &str, name: &str) -> Option<String> {
        let key = format!("{name}=\"");
        let start = tag.find(&key)? + key.len();
        Some(tag[start..].split('"').next()?.to_owned())
    }

    #[test]
    fn ticks_are_round_numbers() {
        assert_eq!(nice_ticks(-0.23, 0.91, 6), vec![-0.2, 0.0, 0.2, 0.4, 0.6, 0.8]);
        assert_eq!(nice_ticks(0.0, 10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(tick_text(-0.0, 0.2), "0.0");
    }

    /// The markers sit where the y ticks say their estimates are: the pixel
    /// scale is recovered from two tick labels and every marker is checked
    /// against it (half a pixel), the zero line is at the tick 0.
    #[test]
    fn markers_match_the_axis() {
        let pt = |l: &str, x: f64, e: f64, r: bool| PlotPoint {
            label: l.into(),
            position: Some(x),
            estimate: e,
            low: e - 0.2,
            high: e + 0.2,
            reference: r,
        };
        let p = CoefPlot {
            title: "t".into(),
            subtitle: "s".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            ref_line: Some(-1.0),
            categories: Vec::new(),
            series: vec![PlotSeries {
                name: "(1)".into(),
                points: vec![
                    pt("-2", -2.0, 0.1, false),
                    pt("-1", -1.0, 0.0, true),
                    pt("0", 0.0, 0.5, false),
                    pt("1", 1.0, 0.9, false),
                ],
            }],
        };
        let svg = coefplot_svg(&p);
        let ticks: Vec<(f64, f64)> = svg
            .lines()
            .filter(|l| l.contains("class=\"ytick\""))
            .map(|l| {
                (attr(l, "data-value").unwrap().parse().unwrap(), attr(l, "y").unwrap().parse::<f64>().unwrap() - 4.0)
            })
            .collect();
        let ((v0, y0), (v1, y1)) = (ticks[0], ticks[ticks.len() - 1]);
        let to_px = |v: f64| y0 + (v - v0) / (v1 - v0) * (y1 - y0);
        let circles: Vec<&str> = svg.lines().filter(|l| l.starts_with("<circle")).collect();
        assert_eq!(circles.len(), 4);
        for c in &circles {
            let e: f64 = attr(c, "data-estimate").unwrap().parse().unwrap();
            let cy: f64 = attr(c, "cy").unwrap().parse().unwrap();
            assert!((cy - to_px(e)).abs() < 0.5, "{c}");
        }
        assert!(circles[1].contains("fill=\"white\""), "reference hollow");
        let zero = svg.lines().find(|l| l.contains("class=\"zero\"")).unwrap();
        assert!((attr(zero, "y1").unwrap().parse::<f64>().unwrap() - to_px(0.0)).abs() < 0.5);
        assert!(svg.contains("class=\"ref\""), "reference line");
        assert_eq!(coefplot_svg(&p), svg, "deterministic");
    }
}
