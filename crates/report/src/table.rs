//! The neutral table model every report is built on, and its renderers.
//!
//! A [`Table`] is data plus a little presentation: a title, [`Column`]s
//! (header, alignment, width), head rows below the headers (etable's
//! `Dependent var.`), [`Row`]s of typed [`Cell`]s (text, integer, float with
//! a chosen number of decimals, an estimate with significance stars, a
//! standard error in parentheses, empty, or a remark spanning the rest of the
//! row), group labels and separators, and notes. One table renders to every
//! [`OutputFormat`] through [`render`]:
//!
//! - **text**: aligned columns ([`TextLayout`] sets indents, the gap between
//!   columns, whether the header line is shown and whether rules close the
//!   head and the body; a column's text-only prefix and suffix decorate its
//!   cells, e.g. `87 rows` or `(firms.csv)`);
//! - **Markdown**: a GitHub pipe table, title in bold above, notes below
//!   (each a paragraph, as in the regression tables);
//! - **LaTeX**: a `tabular` (inside a `table` with a `\caption` when there is
//!   a title), stars as superscripts, notes as full-width rows below the last
//!   rule or as `%` comments after the `tabular` ([`LatexStyle`]);
//! - **CSV**: tidy: one header line, one line per data row, numbers at full
//!   precision (estimates and standard errors as shown), a leading `group`
//!   column when the table has group labels; title, separators and notes are
//!   left out;
//! - **JSON**: `{title, columns, rows, notes}`, rows as arrays matching
//!   `columns` (the same grid as the CSV), numbers as numbers, empty cells as
//!   `null`.
//!
//! It only formats what it is given. Imports nothing of the crate; owns
//! [`OutputFormat`], which every report of the crate is rendered in.

use std::fmt::Write as _;
use std::str::FromStr;

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// Aligned plain text.
    #[default]
    Text,
    /// GitHub-flavoured Markdown table.
    Markdown,
    /// LaTeX `tabular`.
    Latex,
    /// CSV: tidy rows where a report has a tidy form (regressions: one row per
    /// model × term, full precision); otherwise the table's grid.
    Csv,
    /// CSV grid of the displayed table (regressions: the starred esttab grid).
    CsvTable,
    /// JSON: full results.
    Json,
}

impl FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "text" | "txt" => Ok(OutputFormat::Text),
            "md" | "markdown" => Ok(OutputFormat::Markdown),
            "latex" | "tex" => Ok(OutputFormat::Latex),
            "csv" => Ok(OutputFormat::Csv),
            "csv-table" => Ok(OutputFormat::CsvTable),
            "json" => Ok(OutputFormat::Json),
            other => Err(format!("unknown format `{other}` (expected text, md, latex, csv, csv-table or json)")),
        }
    }
}

/// Horizontal alignment of a column's cells (text padding, Markdown rule, LaTeX column type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Left-aligned (labels, text): `:---`, `l`.
    #[default]
    Left,
    /// Right-aligned (numbers): `---:`, `r`.
    Right,
    /// Centred (an odd space goes to the right in text): `:---:`, `c`.
    Center,
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
    /// LaTeX only: the column type when it differs from `align` (esttab
    /// centres the model columns that text right-aligns).
    pub latex_align: Option<Align>,
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

    /// Centred in LaTeX whatever its alignment in text and Markdown.
    #[must_use]
    pub fn centred_in_latex(mut self) -> Self {
        self.latex_align = Some(Align::Center);
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
    /// A regression estimate with significance stars, e.g. `0.1234***`
    /// (`$^{***}$` in LaTeX). Shown as [`Cell::StdErr`] shows its number.
    Estimate {
        /// The estimate.
        value: f64,
        /// Decimals shown.
        decimals: usize,
        /// Number of stars (0 to 3), chosen by the caller.
        stars: u8,
    },
    /// A standard error in parentheses, e.g. `(0.0921)`, under its
    /// estimate: `decimals` decimals, or scientific notation with
    /// `decimals - 1` decimals when the value is non-zero and below
    /// 10^-`decimals` in magnitude (`2.376e-20` rather than `0.0000`).
    StdErr {
        /// The standard error.
        value: f64,
        /// Decimals shown.
        decimals: usize,
    },
    /// Text that takes this and every remaining column of its row (the
    /// row's later cells are ignored): unpadded in text, `\multicolumn` in LaTeX.
    Span(String),
}

/// `value` with `decimals` decimals, or in scientific notation (`decimals - 1`
/// decimals) when it is non-zero and its magnitude below 10^-`decimals`.
fn compact(value: f64, decimals: usize) -> String {
    // 10^d is exact in f64 for d ≤ 22, so the threshold is the double nearest 10^-d.
    let small = 1.0 / 10f64.powi(i32::try_from(decimals).unwrap_or(i32::MAX));
    if value != 0.0 && value.abs() < small {
        format!("{value:.prec$e}", prec = decimals.saturating_sub(1))
    } else {
        fixed(value, decimals)
    }
}

/// `value` with `decimals` decimals, without the sign of a value that shows
/// as zero (`0.0000`, never `-0.0000`).
pub fn fixed(value: f64, decimals: usize) -> String {
    let s = format!("{value:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_owned(),
        _ => s,
    }
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

    /// An estimate with `stars` significance stars.
    pub fn estimate(value: f64, decimals: usize, stars: u8) -> Self {
        Cell::Estimate { value, decimals, stars }
    }

    /// A standard error in parentheses.
    pub fn std_err(value: f64, decimals: usize) -> Self {
        Cell::StdErr { value, decimals }
    }

    /// The cell as shown in text, Markdown and LaTeX (without escapes or decorations).
    pub fn shown(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) | Cell::Span(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Float { value, decimals } => fixed(*value, *decimals),
            Cell::Estimate { value, decimals, stars } => compact(*value, *decimals) + &"*".repeat(usize::from(*stars)),
            Cell::StdErr { value, decimals } => format!("({})", compact(*value, *decimals)),
        }
    }

    /// The cell as written in CSV (floats at full precision; estimates and
    /// standard errors as shown, stars and parentheses included).
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
            Cell::Float { value, .. } | Cell::Estimate { value, .. } | Cell::StdErr { value, .. } => {
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
    /// Draw a rule below the head (header line and head rows) and one below
    /// the last row, where LaTeX has its `\hline`s.
    pub rules: bool,
}

impl Default for TextLayout {
    fn default() -> Self {
        TextLayout { title_indent: 0, indent: 0, gap: 2, header: true, rules: false }
    }
}

/// Where a LaTeX table's notes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LatexNotes {
    /// Full-width `\footnotesize` rows under the last rule, as esttab's `addnotes`.
    #[default]
    Rows,
    /// `% ` comment lines after the `tabular`, for the author to place (the
    /// regression tables' style); written as given, line breaks as spaces.
    Comments,
}

/// How a table is laid out in LaTeX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LatexStyle {
    /// Where the notes go.
    pub notes: LatexNotes,
}

/// A table: title, columns, rows and notes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Title (a line above the table in text).
    pub title: Option<String>,
    /// The columns.
    pub columns: Vec<Column>,
    /// Rows of the head below the column headers (etable's `Dependent
    /// var.`): above the head's rule in text and LaTeX; Markdown has a
    /// single header line, so they open its body; data rows in CSV and JSON.
    pub head: Vec<Vec<Cell>>,
    /// The rows, in order.
    pub rows: Vec<Row>,
    /// Notes below the table.
    pub notes: Vec<String>,
    /// Text layout.
    pub layout: TextLayout,
    /// LaTeX layout.
    pub latex: LatexStyle,
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
        OutputFormat::Csv | OutputFormat::CsvTable => to_csv(table),
        OutputFormat::Json => to_json(table),
    }
}

/// One piece of a report made of prose and tables (`spillnet check`, `graph stats`).
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A line of prose.
    Line(String),
    /// A table.
    Table(Table),
}

/// Render prose and tables in `format`: in text, each line as it is and each
/// table aligned; in Markdown and LaTeX, each line (trimmed, escaped) as a
/// paragraph and each table as a pipe table or a `tabular` (then a blank
/// line); in CSV the tables
/// only, one blank line between two; in JSON an array of the tables'
/// objects (prose left out).
pub fn render_blocks(blocks: &[Block], format: OutputFormat) -> String {
    let tables = || blocks.iter().filter_map(|b| if let Block::Table(t) = b { Some(t) } else { None });
    match format {
        OutputFormat::Csv | OutputFormat::CsvTable => tables().map(to_csv).collect::<Vec<_>>().join("\n"),
        OutputFormat::Json => pretty(&tables().map(json_table).collect::<Vec<_>>()),
        OutputFormat::Text | OutputFormat::Markdown | OutputFormat::Latex => {
            let mut out = String::new();
            for b in blocks {
                match (b, format) {
                    (Block::Line(l), OutputFormat::Text) => {
                        out.push_str(l);
                        out.push('\n');
                    }
                    (Block::Line(l), OutputFormat::Markdown) => {
                        let _ = write!(out, "{}\n\n", md_escape(l.trim()));
                    }
                    (Block::Line(l), _) => {
                        let _ = write!(out, "{}\n\n", latex_escape(l.trim()));
                    }
                    (Block::Table(t), OutputFormat::Latex) => {
                        out.push_str(&to_latex(t));
                        out.push('\n');
                    }
                    (Block::Table(t), _) => out.push_str(&render(t, format)),
                }
            }
            out
        }
    }
}

fn pad(s: &str, width: usize, align: Align) -> String {
    match align {
        Align::Left => format!("{s:<width$}"),
        Align::Right => format!("{s:>width$}"),
        Align::Center => format!("{s:^width$}"),
    }
}

/// Aligned text; every line ends in `\n` and carries no trailing spaces.
pub fn to_text(t: &Table) -> String {
    let l = &t.layout;
    let body = t.rows.iter().filter_map(|r| match r {
        Row::Cells(cells) => Some(cells.as_slice()),
        _ => None,
    });
    let all: Vec<&[Cell]> = t.head.iter().map(Vec::as_slice).chain(body).collect();
    let widths: Vec<usize> = t
        .columns
        .iter()
        .enumerate()
        .map(|(j, c)| match c.width {
            Width::Min(n) => n,
            Width::Auto => {
                let header = if l.header { c.header.chars().count() } else { 0 };
                // A span at or before column j does not widen it.
                let cells = all.iter().filter(|cells| !cells.iter().take(j + 1).any(|c| matches!(c, Cell::Span(_))));
                cells.filter_map(|cells| cells.get(j)).map(|c| c.shown().chars().count()).fold(header, usize::max)
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
    let total = (0..t.columns.len()).map(decorated).sum::<usize>() + l.gap * t.columns.len().saturating_sub(1);
    let rule = format!("{indent}{}", "-".repeat(total));
    let cells_line = |cells: &[Cell]| {
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
        s
    };
    let mut out = String::new();
    let mut line = |s: &str| {
        out.push_str(s.trim_end_matches(' '));
        out.push('\n');
    };
    if let Some(title) = &t.title {
        line(&format!("{title_indent}{title}"));
    }
    if l.header && !t.columns.is_empty() {
        let heads: Vec<String> =
            t.columns.iter().enumerate().map(|(j, c)| pad(&c.header, decorated(j), c.align)).collect();
        line(&format!("{indent}{}", heads.join(&gap)));
    }
    for cells in &t.head {
        line(&cells_line(cells));
    }
    if l.rules {
        line(&rule);
    }
    for r in &t.rows {
        match r {
            Row::Separator => line(&rule),
            Row::Group(label) => line(&format!("{indent}{label}")),
            Row::Cells(cells) => line(&cells_line(cells)),
        }
    }
    if l.rules {
        line(&rule);
    }
    for n in &t.notes {
        line(&format!("{title_indent}{n}"));
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

/// A GitHub-flavoured Markdown pipe table (title in bold above, head rows
/// opening the body, notes below).
pub fn to_markdown(t: &Table) -> String {
    let n = t.columns.len();
    let mut out = String::new();
    if let Some(title) = &t.title {
        let _ = writeln!(out, "**{}**\n", md_escape(title));
    }
    let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let cells_row = |cells: &[Cell]| {
        let mut shown = Vec::with_capacity(n);
        for cell in t.cells(cells) {
            shown.push(md_escape(&cell.shown()));
            if matches!(cell, Cell::Span(_)) {
                break;
            }
        }
        shown.resize(n, String::new());
        row(shown)
    };
    out.push_str(&row(t.columns.iter().map(|c| md_escape(&c.header)).collect()));
    let rule: Vec<&str> = t
        .columns
        .iter()
        .map(|c| match c.align {
            Align::Left => ":---",
            Align::Right => "---:",
            Align::Center => ":---:",
        })
        .collect();
    let _ = writeln!(out, "|{}|", rule.join("|"));
    for cells in &t.head {
        out.push_str(&cells_row(cells));
    }
    for r in &t.rows {
        match r {
            Row::Separator => {}
            Row::Group(label) => {
                let mut cells = vec![format!("*{}*", md_escape(label))];
                cells.resize(n.max(1), String::new());
                out.push_str(&row(cells));
            }
            Row::Cells(cells) => out.push_str(&cells_row(cells)),
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

/// A LaTeX `tabular` (in a `table` with a `\caption` when titled): head
/// rows above the head's rule, stars as superscripts, notes as
/// [`LatexStyle::notes`] says.
pub fn to_latex(t: &Table) -> String {
    let n = t.columns.len().max(1);
    let esc = latex_escape;
    let cells_row = |cells: &[Cell]| {
        let mut shown = Vec::with_capacity(n);
        for (j, cell) in t.cells(cells).enumerate() {
            match cell {
                Cell::Span(s) => {
                    shown.push(format!("\\multicolumn{{{}}}{{l}}{{{}}}", n - j, esc(s)));
                    break;
                }
                Cell::Estimate { value, decimals, stars } if *stars > 0 => shown.push(format!(
                    "{}$^{{{}}}$",
                    esc(&compact(*value, *decimals)),
                    "*".repeat(usize::from(*stars))
                )),
                _ => shown.push(esc(&cell.shown())),
            }
        }
        format!("{} \\\\\n", shown.join(" & "))
    };
    let mut out = String::new();
    if let Some(title) = &t.title {
        let _ = write!(out, "\\begin{{table}}[htbp]\n\\centering\n\\caption{{{}}}\n", esc(title));
    }
    let spec: String = t
        .columns
        .iter()
        .map(|c| match c.latex_align.unwrap_or(c.align) {
            Align::Left => 'l',
            Align::Right => 'r',
            Align::Center => 'c',
        })
        .collect();
    let _ = write!(out, "\\begin{{tabular}}{{{spec}}}\n\\hline\n");
    let heads: Vec<String> = t.columns.iter().map(|c| esc(&c.header)).collect();
    let _ = writeln!(out, "{} \\\\", heads.join(" & "));
    for cells in &t.head {
        out.push_str(&cells_row(cells));
    }
    out.push_str("\\hline\n");
    for r in &t.rows {
        match r {
            Row::Separator => out.push_str("\\hline\n"),
            Row::Group(label) => {
                let _ = writeln!(out, "\\multicolumn{{{n}}}{{l}}{{\\textit{{{}}}}} \\\\", esc(label));
            }
            Row::Cells(cells) => out.push_str(&cells_row(cells)),
        }
    }
    out.push_str("\\hline\n");
    if t.latex.notes == LatexNotes::Rows {
        for note in &t.notes {
            let _ = writeln!(out, "\\multicolumn{{{n}}}{{l}}{{\\footnotesize {}}} \\\\", esc(note));
        }
    }
    out.push_str("\\end{tabular}\n");
    if t.latex.notes == LatexNotes::Comments {
        for note in &t.notes {
            let one_line: String = note.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
            let _ = writeln!(out, "% {one_line}");
        }
    }
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
    let head = t.head.iter().map(|cells| Row::Cells(cells.clone()));
    for r in head.chain(t.rows.iter().cloned()) {
        match r {
            Row::Separator => {}
            Row::Group(label) => group = Cell::Text(label),
            Row::Cells(cells) => {
                let mut row: Vec<Cell> = Vec::with_capacity(names.len());
                if groups {
                    row.push(group.clone());
                }
                for cell in t.cells(&cells) {
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

/// A table as JSON: `{title, columns, rows, notes}`.
#[derive(serde::Serialize)]
struct JsonTable<'a> {
    title: &'a Option<String>,
    columns: Vec<String>,
    rows: Vec<Vec<serde_json::Value>>,
    notes: &'a [String],
}

fn json_table(t: &Table) -> JsonTable<'_> {
    let (columns, rows) = grid(t);
    let rows = rows.iter().map(|r| r.iter().map(Cell::json).collect()).collect();
    JsonTable { title: &t.title, columns, rows, notes: &t.notes }
}

/// Pretty-printed JSON followed by a line break.
fn pretty(value: &impl serde::Serialize) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|e| unreachable!("plain JSON values: {e}"));
    s.push('\n');
    s
}

/// Pretty-printed JSON `{title, columns, rows, notes}` followed by a line break.
pub fn to_json(t: &Table) -> String {
    pretty(&json_table(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_never_shows_a_negative_zero() {
        assert_eq!(fixed(-0.0, 4), "0.0000");
        assert_eq!(fixed(-0.00004, 4), "0.0000");
        assert_eq!(fixed(-0.00005001, 4), "-0.0001");
        assert_eq!(fixed(-1.5, 1), "-1.5");
        assert_eq!(Cell::estimate(-0.0, 4, 0).shown(), "0.0000");
        assert_eq!(Cell::float(-0.01, 1).shown(), "0.0");
    }

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
        .with_layout(TextLayout { title_indent: 0, indent: 2, gap: 1, header: false, rules: false });
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

    /// An esttab-style table: centred-in-LaTeX model columns, a head row,
    /// starred estimates (one tiny), standard errors, a rule, a `^` in a label.
    fn esttab() -> Table {
        let model = |h: &str| Column::new(h).right().centred_in_latex();
        let mut t = Table::new(vec![Column::new(""), model("(1)"), model("(2)")])
            .with_layout(TextLayout { rules: true, ..TextLayout::default() });
        t.latex = LatexStyle { notes: LatexNotes::Comments };
        t.head.push(vec![Cell::text("Dep."), Cell::text("y"), Cell::text("y_2")]);
        t.push(vec![Cell::text("x"), Cell::estimate(0.51234, 4, 3), Cell::estimate(-0.00002, 4, 0)]);
        t.push(vec![Cell::Empty, Cell::std_err(0.1, 4), Cell::std_err(0.000012, 4)]);
        t.rows.push(Row::Separator);
        t.push(vec![Cell::text("FE: a^b"), Cell::text("Yes")]);
        t.notes.push("* p<0.1".into());
        t
    }

    #[test]
    fn estimates_show_stars_and_tiny_values_in_scientific_notation() {
        assert_eq!(Cell::estimate(0.51234, 4, 3).shown(), "0.5123***");
        assert_eq!(Cell::estimate(-1.5, 2, 0).shown(), "-1.50");
        assert_eq!(Cell::estimate(0.0, 4, 0).shown(), "0.0000");
        assert_eq!(Cell::estimate(0.0001, 4, 1).shown(), "0.0001*");
        assert_eq!(Cell::estimate(0.000099, 4, 0).shown(), "9.900e-5");
        assert_eq!(Cell::std_err(2.5e-20, 4).shown(), "(2.500e-20)");
        assert_eq!(Cell::std_err(0.12345, 2).shown(), "(0.12)");
    }

    #[test]
    fn esttab_text_has_head_rows_and_closing_rules() {
        let expected = "               (1)         (2)
Dep.             y         y_2
------------------------------
x        0.5123***   -2.000e-5
          (0.1000)  (1.200e-5)
------------------------------
FE: a^b        Yes
------------------------------
* p<0.1
";
        assert_eq!(to_text(&esttab()), expected);
    }

    #[test]
    fn esttab_markdown_opens_the_body_with_head_rows() {
        let expected = "\
|  | (1) | (2) |
|:---|---:|---:|
| Dep. | y | y_2 |
| x | 0.5123\\*\\*\\* | -2.000e-5 |
|  | (0.1000) | (1.200e-5) |
| FE: a^b | Yes |  |

\\* p<0.1

";
        assert_eq!(to_markdown(&esttab()), expected);
    }

    #[test]
    fn esttab_latex_centres_models_superscripts_stars_and_comments_notes() {
        let expected = "\
\\begin{tabular}{lcc}
\\hline
 & (1) & (2) \\\\
Dep. & y & y\\_2 \\\\
\\hline
x & 0.5123$^{***}$ & -2.000e-5 \\\\
 & (0.1000) & (1.200e-5) \\\\
\\hline
FE: a\\textasciicircum{}b & Yes &  \\\\
\\hline
\\end{tabular}
% * p<0.1
";
        assert_eq!(to_latex(&esttab()), expected);
        let mut t = esttab();
        t.latex = LatexStyle::default();
        let tex = to_latex(&t);
        assert!(tex.contains("FE: a\\textasciicircum{}b & Yes &  \\\\\n"), "{tex}");
        assert!(tex.ends_with("\\hline\n\\multicolumn{3}{l}{\\footnotesize * p<0.1} \\\\\n\\end{tabular}\n"), "{tex}");
    }

    #[test]
    fn esttab_csv_and_json_treat_head_rows_as_data() {
        let expected = "\
,(1),(2)
Dep.,y,y_2
x,0.5123***,-2.000e-5
,(0.1000),(1.200e-5)
FE: a^b,Yes,
";
        assert_eq!(to_csv(&esttab()), expected);
        let v: serde_json::Value = serde_json::from_str(&to_json(&esttab())).unwrap();
        let rows = serde_json::json!([
            ["Dep.", "y", "y_2"],
            ["x", 0.51234, -0.00002],
            [null, 0.1, 0.000012],
            ["FE: a^b", "Yes", null]
        ]);
        assert_eq!(v["rows"], rows);
    }

    #[test]
    fn centred_columns() {
        let mut t = Table::new(vec![Column { align: Align::Center, ..Column::new("mid") }, Column::new("z")]);
        t.push(vec![Cell::text("a"), Cell::text("z")]);
        t.push(vec![Cell::text("abcde"), Cell::text("z")]);
        assert_eq!(to_text(&t), " mid   z\n  a    z\nabcde  z\n");
        assert!(to_markdown(&t).starts_with("| mid | z |\n|:---:|:---|\n"));
        assert!(to_latex(&t).starts_with("\\begin{tabular}{cl}\n"));
    }

    /// A line, a titled table, an indented line, an untitled table.
    fn blocks() -> Vec<Block> {
        let mut a = Table::new(vec![Column::new("k"), Column::new("n").right()]).titled("counts: 3");
        a.push(vec![Cell::text("x_1"), Cell::Int(3)]);
        let mut b = Table::new(vec![Column::new("v").right()]);
        b.push(vec![Cell::float(0.5, 1)]);
        vec![Block::Line("view: all".into()), Block::Table(a), Block::Line("  top: none".into()), Block::Table(b)]
    }

    #[test]
    fn blocks_as_text_markdown_and_latex() {
        let text = "view: all\ncounts: 3\nk    n\nx_1  3\n  top: none\n  v\n0.5\n";
        assert_eq!(render_blocks(&blocks(), OutputFormat::Text), text);
        let md = "view: all\n\n**counts: 3**\n\n| k | n |\n|:---|---:|\n| x_1 | 3 |\n\ntop: none\n\n| v |\n|---:|\n| 0.5 |\n\n";
        assert_eq!(render_blocks(&blocks(), OutputFormat::Markdown), md);
        let tex = "\
view: all

\\begin{table}[htbp]
\\centering
\\caption{counts: 3}
\\begin{tabular}{lr}
\\hline
k & n \\\\
\\hline
x\\_1 & 3 \\\\
\\hline
\\end{tabular}
\\end{table}

top: none

\\begin{tabular}{r}
\\hline
v \\\\
\\hline
0.5 \\\\
\\hline
\\end{tabular}

";
        assert_eq!(render_blocks(&blocks(), OutputFormat::Latex), tex);
    }

    #[test]
    fn blocks_as_csv_and_json_keep_the_tables_only() {
        assert_eq!(render_blocks(&blocks(), OutputFormat::Csv), "k,n\nx_1,3\n\nv\n0.5\n");
        let v: serde_json::Value = serde_json::from_str(&render_blocks(&blocks(), OutputFormat::Json)).unwrap();
        assert_eq!(v[0]["title"], "counts: 3");
        assert_eq!(v[0]["rows"], serde_json::json!([["x_1", 3]]));
        assert_eq!(v[1]["title"], serde_json::Value::Null);
        assert_eq!(v[1]["rows"], serde_json::json!([[0.5]]));
        assert_eq!(v.as_array().map(Vec::len), Some(2));
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
