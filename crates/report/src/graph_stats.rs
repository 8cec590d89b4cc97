//! Graph statistics ([`GraphStats`], computed by the network crate) as
//! text: the view, node counts by kind, edge counts and weights by channel,
//! the degree summary, the top nodes by degree and by worker in/outflow,
//! and the weakly connected components. The counts and rankings are
//! [`Table`]s rendered by [`crate::table`]; the sentences between them are
//! plain lines. Formats only. Imports `network` (the statistics) and `table`.

use spillnet_network::graph::GraphStats;
use spillnet_network::graph::stats::RankedNode;

use crate::table::{Cell, Column, Table, TextLayout, Width, to_text};

/// A number as a cell: an integer when whole (and below 10^15), else three decimals.
fn num(x: f64) -> Cell {
    if x.fract() == 0.0 && x.abs() < 1e15 { Cell::Int(x as i64) } else { Cell::float(x, 3) }
}

/// The text with control characters (line breaks, tabs) shown as escapes, so each entry stays on one line.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

/// Node counts by kind.
pub fn nodes_table(s: &GraphStats) -> Table {
    let mut t =
        Table::new(vec![Column::new("kind").width(Width::Min(16)), Column::new("nodes").right().width(Width::Min(8))])
            .titled(format!("nodes: {}", s.nodes))
            .with_layout(TextLayout { title_indent: 0, indent: 2, gap: 1, header: false, rules: false });
    for (k, c) in &s.nodes_by_kind {
        t.push(vec![Cell::text(k.as_str()), Cell::count(*c)]);
    }
    t
}

/// Edge counts and summed weights by channel.
pub fn edges_table(s: &GraphStats) -> Table {
    let mut t = Table::new(vec![
        Column::new("channel").width(Width::Min(16)),
        Column::new("count").right().width(Width::Min(8)),
        Column::new("weight").right().width(Width::Min(12)),
    ])
    .titled(format!("edges: {}", s.edges))
    .with_layout(TextLayout { title_indent: 0, indent: 2, gap: 1, header: true, rules: false });
    for (ch, c) in &s.edges_by_channel {
        t.push(vec![Cell::text(ch.as_str()), Cell::count(*c), num(s.weight_by_channel[ch])]);
    }
    t
}

/// A ranking of nodes (value, label, qualified id, kind), shown in text as
/// `value  label (id, kind)` under an indented title.
pub fn ranking_table(title: &str, nodes: &[RankedNode]) -> Table {
    let mut t = Table::new(vec![
        Column::new("value").right().width(Width::Min(8)),
        Column::new("label").width(Width::Min(0)).decorated(" ", ""),
        Column::new("id").width(Width::Min(0)).decorated("(", ","),
        Column::new("kind").width(Width::Min(0)).decorated("", ")"),
    ])
    .titled(format!("{title}:"))
    .with_layout(TextLayout { title_indent: 2, indent: 4, gap: 1, header: false, rules: false });
    for n in nodes {
        t.push(vec![
            num(n.value),
            Cell::text(one_line(&n.label)),
            Cell::text(one_line(&n.id)),
            Cell::text(n.kind.as_str()),
        ]);
    }
    t
}

fn ranking_text(title: &str, nodes: &[RankedNode]) -> String {
    if nodes.is_empty() { format!("  {title}: none\n") } else { to_text(&ranking_table(title, nodes)) }
}

/// The statistics as text lines (each ending in a line break).
pub fn graph_stats_text(s: &GraphStats) -> String {
    let mut out = format!("view: {}\n", s.description);
    out.push_str(&to_text(&nodes_table(s)));
    out.push_str(&to_text(&edges_table(s)));
    out.push_str(&format!(
        "degree (in + out): mean {:.3}, max {}, isolated nodes {}\n",
        s.degree.mean, s.degree.max, s.degree.isolated
    ));
    out.push_str(&ranking_text("top by degree", &s.degree.top));
    out.push_str(&format!("worker flows: {} workers\n", num(s.worker_flows.total).shown()));
    out.push_str(&ranking_text("top outflow", &s.worker_flows.top_out));
    out.push_str(&ranking_text("top inflow", &s.worker_flows.top_in));
    let shown: Vec<String> = s.component_sizes.iter().take(10).map(ToString::to_string).collect();
    let more = if s.component_sizes.len() > 10 { ", …" } else { "" };
    out.push_str(&format!("weakly connected components: {} (sizes: {}{more})\n", s.components, shown.join(", ")));
    out
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn labels_stay_on_one_line() {
        assert_eq!(one_line("A \"B\" \\ C"), "A \"B\" \\ C");
        assert_eq!(one_line("FAW\nToyota\t丰田"), "FAW\\nToyota\\t丰田");
    }
}
