//! The neutral table model every report is built on, and its renderers.
//!
//! A [`Table`] is data plus a little presentation: a title, [`Column`]s
//! (header, alignment, width), [`Row`]s of typed [`Cell`]s (text, integer,
//! float with a chosen number of decimals, empty, or a remark spanning the
//! rest of the row), group labels and separators, and notes. One table
//! renders to every [`OutputFormat`] through [`render`]:
//!
//! - **text**: aligned columns ([`TextLayout`] sets indents, the gap between
//!   columns and whether the header line is shown; a column's text-only
//!   prefix and suffix decorate its cells, e.g. `87 rows` or `(firms.csv)`);
//! - **Markdown**: a GitHub pipe table, title in bold above, notes below
//!   (each a paragraph, as in the regression tables);
//! - **LaTeX**: a `tabular` (inside a `table` with a `\caption` when there is
//!   a title), notes as full-width rows below the last rule;
//! - **CSV**: tidy: one header line, one line per data row, numbers at full
//!   precision, a leading `group` column when the table has group labels;
//!   title, separators and notes are left out;
//! - **JSON**: `{title, columns, rows, notes}`, rows as arrays matching
//!   `columns` (the same grid as the CSV), numbers as numbers, empty cells as
//!   `null`.
//!
//! It only formats what it is given. Imports `OutputFormat` from
//! [`crate::regression_table`].

use std::fmt::Write as _;

use crate::regression_table::OutputFormat;

/// Horizontal alignment of a column's cells in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Left-aligned (labels, text).
    #[default]
    Left,
    /// Right-aligned (numbers).
    Right,
}

/// Width of a column in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Width {
    /// As wide as its widest cell (and its header, when the header is shown).
    #[default]
    Auto,
    /// Every cell padded to at least this many characters on its own, like
    /// `format!("{:>8}", …)`: a longer cell widens only its own line.
    /// `Min(0)` leaves cells unpadded.
    Min(usize),
}

/// One column: its header and how its cells are laid out in text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Column {
    /// Header (the CSV/JSON column name; shown in text only when [`TextLayout::header`]).
    pub header: String,
    /// Alignment in text.
    pub align: Align,
    /// Width in text.
    pub width: Width,
    /// Text only: written before every non-empty cell; the decorated cell
    /// is padded to the column's width plus the decorations' length.
    pub prefix: String,
    /// Text only: written after every non-empty cell (see `prefix`).
    pub suffix: String,
}

impl Column {
    /// A left-aligned, auto-width column.
    pub fn new(header: impl Into<String>) -> Self {
        Column { header: header.into(), ..Column::default() }
    }

    /// Right-aligned.
    #[must_use]
    pub fn right(mut self) -> Self {
        self.align = Align::Right;
        self
    }

    /// With a [`Width`].
    #[must_use]
    pub fn width(mut self, width: Width) -> Self {
        self.width = width;
        self
    }

    /// With a text-only prefix and suffix around each non-empty cell.
    #[must_use]
    pub fn decorated(mut self, prefix: impl Into<String>, suffix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self.suffix = suffix.into();
        self
    }
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing (a blank in text, Markdown, LaTeX and CSV; `null` in JSON).
    Empty,
    /// Text, shown as is.
    Text(String),
    /// An integer.
    Int(i64),
    /// A float shown with `decimals` decimals (CSV and JSON carry the full value).
    Float {
        /// The value.
        value: f64,
        /// Decimals shown in text, Markdown and LaTeX.
        decimals: usize,
    },
    /// Text that takes this and every remaining column of its row (the
    /// row's later cells are ignored): unpadded in text, `\multicolumn` in LaTeX.
    Span(String),
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }

    /// A float cell with `decimals` decimals.
    pub fn float(value: f64, decimals: usize) -> Self {
        Cell::Float { value, decimals }
    }

    /// An integer cell from a count.
    pub fn count(n: usize) -> Self {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// The cell as shown in text, Markdown and LaTeX (without escapes or decorations).
    pub fn shown(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) | Cell::Span(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Float { value, decimals } => format!("{value:.decimals$}"),
        }
    }

    /// The cell as written in CSV (floats at full precision).
    fn raw(&self) -> String {
        match self {
            Cell::Float { value, .. } => value.to_string(),
            other => other.shown(),
        }
    }

    fn json(&self) -> serde_json::Value {
        match self {
            Cell::Empty => serde_json::Value::Null,
            Cell::Text(s) | Cell::Span(s) => serde_json::Value::String(s.clone()),
            Cell::Int(i) => serde_json::Value::from(*i),
            Cell::Float { value, .. } => {
                serde_json::Number::from_f64(*value).map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(i: i64) -> Self {
        Cell::Int(i)
    }
}

/// One row.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// Data cells, one per column (missing trailing cells are empty).
    Cells(Vec<Cell>),
    /// A label for the rows that follow, up to the next group (the `group` column in CSV and JSON).
    Group(String),
    /// A horizontal rule (text, LaTeX); ignored by the other formats.
    Separator,
}

/// How a table is laid out in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLayout {
    /// Spaces before the title and each note.
    pub title_indent: usize,
    /// Spaces before the header, each row, group label and separator.
    pub indent: usize,
    /// Spaces between two columns.
    pub gap: usize,
    /// Show the header line.
    pub header: bool,
}

impl Default for TextLayout {
    fn default() -> Self {
        TextLayout { title_indent: 0, indent: 0, gap: 2, header: true }
    }
}

/// A table: title, columns, rows and notes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Title (a line above the table in text).
    pub title: Option<String>,
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows, in order.
    pub rows: Vec<Row>,
    /// Notes below the table.
    pub notes: Vec<String>,
    /// Text layout.
    pub layout: TextLayout,
}

impl Table {
    /// A table with these columns, no rows, default layout.
    pub fn new(columns: Vec<Column>) -> Self {
        Table { columns, ..Table::default() }
    }

    /// With a title.
    #[must_use]
    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// With a text layout.
    #[must_use]
    pub fn with_layout(mut self, layout: TextLayout) -> Self {
        self.layout = layout;
        self
    }

    /// Append a row of cells.
    pub fn push(&mut self, cells: Vec<Cell>) {
        self.rows.push(Row::Cells(cells));
    }

    /// Whether the table has no data rows.
    pub fn is_empty(&self) -> bool {
        !self.rows.iter().any(|r| matches!(r, Row::Cells(_)))
    }

    /// The cells of a data row, padded with [`Cell::Empty`] to the column count.
    fn cells<'a>(&self, cells: &'a [Cell]) -> impl Iterator<Item = &'a Cell> + use<'a> {
        const EMPTY: &Cell = &Cell::Empty;
        let n = self.columns.len();
        cells.iter().chain(std::iter::repeat(EMPTY)).take(n)
    }

    fn has_groups(&self) -> bool {
        self.rows.iter().any(|r| matches!(r, Row::Group(_)))
    }
}

/// Render a table in `format`.
pub fn render(table: &Table, format: OutputFormat) -> String {
    match format {
        OutputFormat::Text => to_text(table),
        OutputFormat::Markdown => to_markdown(table),
        OutputFormat::Latex => to_latex(table),
        OutputFormat::Csv => to_csv(table),
        OutputFormat::Json => to_json(table),
    }
}

fn pad(s: &str, width: usize, align: Align) -> String {
    match align {
        Align::Left => format!("{s:<width$}"),
        Align::Right => format!("{s:>width$}"),
    }
}

/// Aligned text; every line ends in `\n` and carries no trailing spaces.
pub fn to_text(t: &Table) -> String {
    let l = &t.layout;
    let widths: Vec<usize> = t
        .columns
        .iter()
        .enumerate()
        .map(|(j, c)| match c.width {
            Width::Min(n) => n,
            Width::Auto => {
                let header = if l.header { c.header.chars().count() } else { 0 };
                let cells = t.rows.iter().filter_map(|r| match r {
                    Row::Cells(cells) => match cells.iter().take(j + 1).position(|c| matches!(c, Cell::Span(_))) {
                        Some(_) => None,
                        None => cells.get(j).map(|c| c.shown().chars().count()),
                    },
                    _ => None,
                });
                cells.fold(header, usize::max)
            }
        })
        .collect();
    let decorated = |j: usize| {
        let c = &t.columns[j];
        widths[j] + c.prefix.chars().count() + c.suffix.chars().count()
    };
    let gap = " ".repeat(l.gap);
    let indent = " ".repeat(l.indent);
    let title_indent = " ".repeat(l.title_indent);
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(s.trim_end_matches(' '));
        out.push('\n');
    };
    if let Some(title) = &t.title {
        line(format!("{title_indent}{title}"));
    }
    if l.header && !t.columns.is_empty() {
        let heads: Vec<String> =
            t.columns.iter().enumerate().map(|(j, c)| pad(&c.header, decorated(j), c.align)).collect();
        line(format!("{indent}{}", heads.join(&gap)));
    }
    let total = (0..t.columns.len()).map(decorated).sum::<usize>() + l.gap * t.columns.len().saturating_sub(1);
    for r in &t.rows {
        match r {
            Row::Separator => line(format!("{indent}{}", "-".repeat(total))),
            Row::Group(label) => line(format!("{indent}{label}")),
            Row::Cells(cells) => {
                let mut s = indent.clone();
                for (j, cell) in t.cells(cells).enumerate() {
                    if j > 0 {
                        s.push_str(&gap);
                    }
                    let c = &t.columns[j];
                    match cell {
                        Cell::Span(text) => {
                            s.push_str(text);
                            break;
                        }
                        Cell::Empty => s.push_str(&" ".repeat(decorated(j))),
                        _ => {
                            let text = format!("{}{}{}", c.prefix, cell.shown(), c.suffix);
                            s.push_str(&pad(&text, decorated(j), c.align));
                        }
                    }
                }
                line(s);
            }
        }
    }
    for n in &t.notes {
        line(format!("{title_indent}{n}"));
    }
    out
}

fn md_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' | '|' | '*' | '`' => {
                o.push('\\');
                o.push(ch);
            }
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// A GitHub-flavoured Markdown pipe table (title in bold above, notes below).
pub fn to_markdown(t: &Table) -> String {
    let n = t.columns.len();
    let mut out = String::new();
    if let Some(title) = &t.title {
        let _ = writeln!(out, "**{}**\n", md_escape(title));
    }
    let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    out.push_str(&row(t.columns.iter().map(|c| md_escape(&c.header)).collect()));
    let rule: Vec<&str> = t.columns.iter().map(|c| if c.align == Align::Right { "---:" } else { ":---" }).collect();
    let _ = writeln!(out, "|{}|", rule.join("|"));
    for r in &t.rows {
        match r {
            Row::Separator => {}
            Row::Group(label) => {
                let mut cells = vec![format!("*{}*", md_escape(label))];
                cells.resize(n.max(1), String::new());
                out.push_str(&row(cells));
            }
            Row::Cells(cells) => {
                let mut shown = Vec::with_capacity(n);
                for cell in t.cells(cells) {
                    shown.push(md_escape(&cell.shown()));
                    if matches!(cell, Cell::Span(_)) {
                        break;
                    }
                }
                shown.resize(n, String::new());
                out.push_str(&row(shown));
            }
        }
    }
    // As the regression tables: a blank line, then each note as its own paragraph.
    out.push('\n');
    for note in &t.notes {
        let _ = write!(out, "{}\n\n", md_escape(note));
    }
    out
}

/// Escape LaTeX's special characters (`\ & % $ # _ { } ~ ^`).
pub fn latex_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => o.push_str("\\textbackslash{}"),
            '~' => o.push_str("\\textasciitilde{}"),
            '^' => o.push_str("\\textasciicircum{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                o.push('\\');
                o.push(ch);
            }
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// A LaTeX `tabular` (in a `table` with a `\caption` when titled); notes as
/// full-width rows under the last rule.
pub fn to_latex(t: &Table) -> String {
    let n = t.columns.len().max(1);
    let mut out = String::new();
    if let Some(title) = &t.title {
        let _ = write!(out, "\\begin{{table}}[htbp]\n\\centering\n\\caption{{{}}}\n", latex_escape(title));
    }
    let spec: String = t.columns.iter().map(|c| if c.align == Align::Right { 'r' } else { 'l' }).collect();
    let _ = write!(out, "\\begin{{tabular}}{{{spec}}}\n\\hline\n");
    let heads: Vec<String> = t.columns.iter().map(|c| latex_escape(&c.header)).collect();
    let _ = write!(out, "{} \\\\\n\\hline\n", heads.join(" & "));
    for r in &t.rows {
        match r {
            Row::Separator => out.push_str("\\hline\n"),
            Row::Group(label) => {
                let _ = writeln!(out, "\\multicolumn{{{n}}}{{l}}{{\\textit{{{}}}}} \\\\", latex_escape(label));
            }
            Row::Cells(cells) => {
                let mut shown = Vec::with_capacity(n);
                for (j, cell) in t.cells(cells).enumerate() {
                    if let Cell::Span(s) = cell {
                        shown.push(format!("\\multicolumn{{{}}}{{l}}{{{}}}", n - j, latex_escape(s)));
                        break;
                    }
                    shown.push(latex_escape(&cell.shown()));
                }
                let _ = writeln!(out, "{} \\\\", shown.join(" & "));
            }
        }
    }
    out.push_str("\\hline\n");
    for note in &t.notes {
        let _ = writeln!(out, "\\multicolumn{{{n}}}{{l}}{{\\footnotesize {}}} \\\\", latex_escape(note));
    }
    out.push_str("\\end{tabular}\n");
    if t.title.is_some() {
        out.push_str("\\end{table}\n");
    }
    out
}

/// A CSV field, quoted when it holds a comma, a quote, a line break or
/// leading/trailing spaces (quotes doubled).
pub fn csv_field(s: &str) -> String {
    let needs = s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ');
    if needs { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}

/// The tidy grid shared by CSV and JSON: header names and one vector of cells
/// per data row (a leading `group` column when the table has group labels).
fn grid(t: &Table) -> (Vec<String>, Vec<Vec<Cell>>) {
    let groups = t.has_groups();
    let mut names: Vec<String> = Vec::with_capacity(t.columns.len() + 1);
    if groups {
        names.push("group".to_owned());
    }
    names.extend(t.columns.iter().map(|c| c.header.clone()));
    let mut rows = Vec::new();
    let mut group = Cell::Empty;
    for r in &t.rows {
        match r {
            Row::Separator => {}
            Row::Group(label) => group = Cell::Text(label.clone()),
            Row::Cells(cells) => {
                let mut row: Vec<Cell> = Vec::with_capacity(names.len());
                if groups {
                    row.push(group.clone());
                }
                for cell in t.cells(cells) {
                    row.push(cell.clone());
                    if matches!(cell, Cell::Span(_)) {
                        break;
                    }
                }
                row.resize(names.len(), Cell::Empty);
                rows.push(row);
            }
        }
    }
    (names, rows)
}

/// Tidy CSV: a header line and one line per data row.
pub fn to_csv(t: &Table) -> String {
    let (names, rows) = grid(t);
    let mut out = String::new();
    let line = |fields: Vec<String>| fields.join(",") + "\n";
    out.push_str(&line(names.iter().map(|h| csv_field(h)).collect()));
    for r in rows {
        out.push_str(&line(r.iter().map(|c| csv_field(&c.raw())).collect()));
    }
    out
}

/// Pretty-printed JSON `{title, columns, rows, notes}` followed by a line break.
pub fn to_json(t: &Table) -> String {
    #[derive(serde::Serialize)]
    struct Json<'a> {
        title: &'a Option<String>,
        columns: Vec<String>,
        rows: Vec<Vec<serde_json::Value>>,
        notes: &'a [String],
    }
    let (columns, rows) = grid(t);
    let rows = rows.iter().map(|r| r.iter().map(Cell::json).collect()).collect();
    let value = Json { title: &t.title, columns, rows, notes: &t.notes };
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_else(|e| unreachable!("plain JSON values: {e}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two columns, a negative number, a missing cell, a comma, a quote and LaTeX specials.
    fn sample() -> Table {
        let mut t = Table::new(vec![Column::new("name"), Column::new("value").right(), Column::new("n").right()])
            .titled("Sample");
        t.push(vec![Cell::text("a_b"), Cell::float(-1.5, 2), Cell::Int(3)]);
        t.push(vec![Cell::text("x, \"y\""), Cell::Empty, Cell::Int(12)]);
        t.push(vec![Cell::text("50% & more"), Cell::float(10.0, 2)]);
        t.notes.push("Note: n counts rows.".into());
        t
    }

    #[test]
    fn text_aligns_columns_and_pads_missing_cells() {
        let expected = "\
Sample
name        value   n
a_b         -1.50   3
x, \"y\"             12
50% & more  10.00
Note: n counts rows.
";
        assert_eq!(to_text(&sample()), expected);
    }

    #[test]
    fn text_layout_minimum_widths_decorations_spans_groups_and_rules() {
        let mut t = Table::new(vec![
            Column::new("table").width(Width::Min(6)),
            Column::new("rows").right().width(Width::Min(4)).decorated("", " rows"),
            Column::new("file").decorated(" (", ")"),
        ])
        .titled("tables:")
        .with_layout(TextLayout { title_indent: 0, indent: 2, gap: 1, header: false });
        t.rows.push(Row::Group("group".into()));
        t.push(vec![Cell::text("firms"), Cell::Int(87), Cell::text("firms.csv")]);
        t.push(vec![Cell::text("models"), Cell::Span("absent".into()), Cell::Int(1)]);
        t.rows.push(Row::Separator);
        t.push(vec![Cell::text("quality"), Cell::Int(27417), Cell::text("q.csv")]);
        let expected = "\
tables:
  group
  firms    87 rows  (firms.csv)
  models absent
  -----------------------------
  quality 27417 rows  (q.csv)
";
        assert_eq!(to_text(&t), expected);
    }

    #[test]
    fn markdown_pipe_table() {
        let expected = "\
**Sample**

| name | value | n |
|:---|---:|---:|
| a_b | -1.50 | 3 |
| x, \"y\" |  | 12 |
| 50% & more | 10.00 |  |

Note: n counts rows.

";
        assert_eq!(to_markdown(&sample()), expected);
        let mut t = Table::new(vec![Column::new("a|b")]);
        t.push(vec![Cell::text("2*3")]);
        assert_eq!(to_markdown(&t), "| a\\|b |\n|:---|\n| 2\\*3 |\n\n");
    }

    #[test]
    fn latex_escapes_underscore_percent_ampersand() {
        let expected = "\
\\begin{table}[htbp]
\\centering
\\caption{Sample}
\\begin{tabular}{lrr}
\\hline
name & value & n \\\\
\\hline
a\\_b & -1.50 & 3 \\\\
x, \"y\" &  & 12 \\\\
50\\% \\& more & 10.00 &  \\\\
\\hline
\\multicolumn{3}{l}{\\footnotesize Note: n counts rows.} \\\\
\\end{tabular}
\\end{table}
";
        assert_eq!(to_latex(&sample()), expected);
        assert_eq!(
            latex_escape("a\\b~c^d#e$f{g}"),
            "a\\textbackslash{}b\\textasciitilde{}c\\textasciicircum{}d\\#e\\$f\\{g\\}"
        );
    }

    #[test]
    fn csv_is_tidy_and_quotes_commas_and_quotes() {
        let expected = "\
name,value,n
a_b,-1.5,3
\"x, \"\"y\"\"\",,12
50% & more,10,
";
        assert_eq!(to_csv(&sample()), expected);
        assert_eq!(csv_field(" padded"), "\" padded\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn csv_and_json_carry_group_labels_as_a_column() {
        let mut t = Table::new(vec![Column::new("x")]);
        t.rows.push(Row::Group("g1".into()));
        t.push(vec![Cell::Int(1)]);
        t.rows.push(Row::Separator);
        t.rows.push(Row::Group("g, 2".into()));
        t.push(vec![Cell::float(0.25, 1)]);
        assert_eq!(to_csv(&t), "group,x\ng1,1\n\"g, 2\",0.25\n");
        let v: serde_json::Value = serde_json::from_str(&to_json(&t)).unwrap();
        assert_eq!(v["columns"], serde_json::json!(["group", "x"]));
        assert_eq!(v["rows"], serde_json::json!([["g1", 1], ["g, 2", 0.25]]));
    }

    #[test]
    fn json_has_title_columns_rows_and_notes() {
        let expected = r#"{
  "title": "Sample",
  "columns": [
    "name",
    "value",
    "n"
  ],
  "rows": [
    [
      "a_b",
      -1.5,
      3
    ],
    [
      "x, \"y\"",
      null,
      12
    ],
    [
      "50% & more",
      10.0,
      null
    ]
  ],
  "notes": [
    "Note: n counts rows."
  ]
}
"#;
        assert_eq!(to_json(&sample()), expected);
        let mut t = Table::new(vec![Column::new("x")]);
        t.push(vec![Cell::float(f64::NAN, 2)]);
        assert!(to_json(&t).contains("null"));
    }

    #[test]
    fn render_dispatches_on_the_format() {
        let t = sample();
        assert_eq!(render(&t, OutputFormat::Text), to_text(&t));
        assert_eq!(render(&t, OutputFormat::Markdown), to_markdown(&t));
        assert_eq!(render(&t, OutputFormat::Latex), to_latex(&t));
        assert_eq!(render(&t, OutputFormat::Csv), to_csv(&t));
        assert_eq!(render(&t, OutputFormat::Json), to_json(&t));
    }
}
