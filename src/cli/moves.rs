//! Arguments of `spillnet moves sql`: the dialect and where the tables are,
//! validated into [`MovesSqlConfig`]. Imports `app::moves` (config type) and
//! `io::moves_sql` (the dialects).

use clap::{Subcommand, ValueEnum};

use crate::app::moves::MovesSqlConfig;
use crate::error::Result;
use crate::io::moves_sql::Dialect;

/// Text shown after `spillnet moves sql --help`.
const MOVES_SQL_AFTER_HELP: &str = "\
The printed SQL has two statements: (1) the rows spillnet would reject (expect none) and
(2) the aggregation by (from_firm, to_firm, year) with summed counts (an empty or absent
count is 1) — what spillnet computes itself when it loads worker_moves. Its result has the
columns from_firm, to_firm, year, count and is a valid worker_moves table: copy it into the
data folder as worker_moves.csv (spillnet validates it like any other table).

Feeding the result back:
  duckdb:   spillnet moves sql --dialect duckdb --moves big/moves.csv --firms data/firms.csv \\
              --out data/worker_moves.csv > agg.sql && duckdb < agg.sql
  postgres: spillnet moves sql --dialect postgres --moves worker_moves --firms firms > agg.sql
            psql -q -f agg.sql > data/worker_moves.csv   (the check's rows, if any, come first:
            run the two statements separately when it returns rows)
  spark:    spillnet moves sql --dialect spark --moves s3://bucket/moves.csv --firms \\
              s3://bucket/firms.csv --out s3://bucket/moves_agg > agg.sql
            spark-sql -f agg.sql, then concatenate the part files of the output directory
            (one header) into data/worker_moves.csv";

/// Arguments of `spillnet moves`.
#[derive(Debug, clap::Args)]
pub struct MovesArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: MovesCommand,
}

/// The `moves` subcommands.
#[derive(Debug, Subcommand)]
pub enum MovesCommand {
    /// Print the worker-moves aggregation as SQL for Spark, DuckDB or PostgreSQL, for job data too
    /// large to hand to spillnet row by row.
    ///
    /// Example: spillnet moves sql --dialect duckdb --moves moves.csv --out data/worker_moves.csv
    Sql(MovesSqlArgs),
}

/// SQL dialect (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// Spark SQL: temporary views over the CSV files, result written with INSERT OVERWRITE DIRECTORY.
    Spark,
    /// DuckDB: reads the CSV files directly, writes the result with COPY … TO.
    Duckdb,
    /// PostgreSQL: the tables are already loaded; the result is CSV on standard output.
    Postgres,
}

/// Arguments of `spillnet moves sql`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = MOVES_SQL_AFTER_HELP)]
pub struct MovesSqlArgs {
    /// SQL dialect.
    #[arg(long, value_enum)]
    pub dialect: DialectArg,
    /// Person-level moves (columns from_firm, to_firm, year, optional count and person_id): a CSV
    /// path for spark and duckdb, a table name for postgres.
    #[arg(long, value_name = "PATH|TABLE", default_value = "data/worker_moves.csv")]
    pub moves: String,
    /// The firms table (for the check that every firm id exists): a CSV path or a table name.
    #[arg(long, value_name = "PATH|TABLE", default_value = "data/firms.csv")]
    pub firms: String,
    /// Where the aggregated CSV goes: a file (duckdb) or a directory (spark); postgres writes
    /// to standard output.
    #[arg(long, value_name = "PATH", default_value = "worker_moves_agg.csv")]
    pub out: String,
    /// The moves table has no `count` column (every row is one worker). Detected from the
    /// header when --moves is a local CSV file.
    #[arg(long)]
    pub no_count: bool,
}

impl MovesArgs {
    /// Validate into the run configuration.
    pub fn into_config(self) -> Result<MovesSqlConfig> {
        let MovesCommand::Sql(a) = self.command;
        let dialect = match a.dialect {
            DialectArg::Spark => Dialect::Spark,
            DialectArg::Duckdb => Dialect::DuckDb,
            DialectArg::Postgres => Dialect::Postgres,
        };
        Ok(MovesSqlConfig { dialect, moves: a.moves, firms: a.firms, out: a.out, no_count: a.no_count })
    }
}
