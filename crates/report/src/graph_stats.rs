//! Graph statistics ([`GraphStats`], computed by the network crate) as
//! [`Block`]s: the view, node counts by kind, edge counts and weights by
//! channel, the degree summary, the top nodes by degree and by worker
//! in/outflow, and the weakly connected components. The counts and rankings
//! are [`Table`]s, the sentences between them lines, rendered in text,
//! Markdown, LaTeX or CSV by [`render_blocks`] (CSV: the counts and one
//! ranking table with a `group` column). Formats only. Imports `network`
//! (the statistics) and `table`.

use spillnet_network::graph::GraphStats;
use spillnet_network::graph::stats::RankedNode;

use crate::table::{Block, Cell, Column, OutputFormat, Row, Table, TextLayout, Width, render_blocks};

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

fn ranking_block(title: &str, nodes: &[RankedNode]) -> Block {
    if nodes.is_empty() { Block::Line(format!("  {title}: none")) } else { Block::Table(ranking_table(title, nodes)) }
}

/// The three rankings as one table, each under a group label (`top by
/// degree`, `top outflow`, `top inflow`): the `group` column of the CSV.
pub fn rankings_table(s: &GraphStats) -> Table {
    let mut t = ranking_table("top nodes", &[]);
    t.title = Some("top nodes".into());
    let f = &s.worker_flows;
    for (title, nodes) in [("top by degree", &s.degree.top), ("top outflow", &f.top_out), ("top inflow", &f.top_in)] {
        t.rows.push(Row::Group(title.to_owned()));
        t.rows.extend(ranking_table(title, nodes).rows);
    }
    t
}

/// The statistics as blocks: sentences, the counts and the rankings.
pub fn graph_stats_blocks(s: &GraphStats) -> Vec<Block> {
    let shown: Vec<String> = s.component_sizes.iter().take(10).map(ToString::to_string).collect();
    let more = if s.component_sizes.len() > 10 { ", …" } else { "" };
    vec![
        Block::Line(format!("view: {}", s.description)),
        Block::Table(nodes_table(s)),
        Block::Table(edges_table(s)),
        Block::Line(format!(
            "degree (in + out): mean {:.3}, max {}, isolated nodes {}",
            s.degree.mean, s.degree.max, s.degree.isolated
        )),
        ranking_block("top by degree", &s.degree.top),
        Block::Line(format!("worker flows: {} workers", num(s.worker_flows.total).shown())),
        ranking_block("top outflow", &s.worker_flows.top_out),
        ranking_block("top inflow", &s.worker_flows.top_in),
        Block::Line(format!("weakly connected components: {} (sizes: {}{more})", s.components, shown.join(", "))),
    ]
}

/// The statistics in `format` ([`graph_stats_blocks`]; CSV: node counts, edge
/// counts and [`rankings_table`]).
pub fn render_graph_stats(s: &GraphStats, format: OutputFormat) -> String {
    match format {
        OutputFormat::Csv | OutputFormat::CsvTable => {
            let tables = [nodes_table(s), edges_table(s), rankings_table(s)];
            render_blocks(&tables.map(Block::Table), format)
        }
        _ => render_blocks(&graph_stats_blocks(s), format),
    }
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
