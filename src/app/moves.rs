//! Runs `spillnet moves sql`: prints the worker-moves aggregation in a SQL
//! dialect (`io::moves_sql`), detecting from a local CSV's header whether
//! the moves have a `count` column. Imports `io::moves_sql`.

use super::Ctx;
use crate::error::Result;
use crate::io::moves_sql::{Dialect, SqlTables, moves_sql};

/// Validated configuration of `spillnet moves sql`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovesSqlConfig {
    /// The dialect.
    pub dialect: Dialect,
    /// Moves: CSV path or table name.
    pub moves: String,
    /// Firms: CSV path or table name.
    pub firms: String,
    /// Output file or directory.
    pub out: String,
    /// The user says the moves have no `count` column.
    pub no_count: bool,
}

/// Whether the local CSV file `path` (if it is one) has a `count` column; `None` when it cannot be read.
fn header_has_count(path: &str) -> Option<bool> {
    use std::io::BufRead as _;
    let file = std::fs::File::open(path).ok()?;
    let mut line = String::new();
    std::io::BufReader::new(file).read_line(&mut line).ok()?;
    Some(line.trim_start_matches('\u{feff}').split(',').any(|c| c.trim().trim_matches('"') == "count"))
}

/// Run `moves sql`.
pub fn run(cfg: &MovesSqlConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let has_count = !cfg.no_count && header_has_count(&cfg.moves).unwrap_or(true);
    let tables = SqlTables { moves: cfg.moves.clone(), firms: cfg.firms.clone(), out: cfg.out.clone(), has_count };
    ctx.println(moves_sql(cfg.dialect, &tables).trim_end())
}
