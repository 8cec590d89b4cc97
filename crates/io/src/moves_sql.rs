//! The worker-moves aggregation as SQL, for teams whose person-level job
//! data live in Spark, DuckDB or PostgreSQL ([`moves_sql`]): the same
//! (from_firm, to_firm, year) sums with empty counts as 1 that
//! [`crate::moves`] computes while loading, plus a query listing the rows
//! spillnet would reject. The aggregated result is itself a valid
//! `worker_moves` table (columns `from_firm, to_firm, year, count`), which
//! spillnet loads and validates like any other. Imports nothing from the crate.

use std::fmt;

/// The SQL dialect to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Spark SQL (Databricks, EMR, …): a temporary view over the CSV, the
    /// result written with `INSERT OVERWRITE DIRECTORY`.
    Spark,
    /// DuckDB: reads the CSV files directly, writes the result with `COPY … TO`.
    DuckDb,
    /// PostgreSQL: tables `worker_moves` and `firms` already loaded, the
    /// result as CSV on standard output (`psql -f moves.sql > worker_moves.csv`).
    Postgres,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Spark => "spark",
            Dialect::DuckDb => "duckdb",
            Dialect::Postgres => "postgres",
        })
    }
}

/// Where the two input tables are and where the result goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlTables {
    /// Person-level moves: a CSV path (Spark, DuckDB) or a table name (PostgreSQL).
    pub moves: String,
    /// Firms (for the check that every firm id exists): a CSV path or a table name.
    pub firms: String,
    /// Output CSV file (DuckDB) or directory (Spark); ignored for PostgreSQL (stdout).
    pub out: String,
    /// Whether the moves table has a `count` column (otherwise every row is one worker).
    pub has_count: bool,
}

/// SQL string literal with `'` doubled.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The check query and the aggregation, in `dialect` (see the module docs).
pub fn moves_sql(dialect: Dialect, t: &SqlTables) -> String {
    let (moves, firms) = match dialect {
        Dialect::DuckDb => (
            format!("read_csv({}, header = true, all_varchar = true)", lit(&t.moves)),
            format!("read_csv({}, header = true, all_varchar = true)", lit(&t.firms)),
        ),
        Dialect::Spark => ("spillnet_worker_moves".to_owned(), "spillnet_firms".to_owned()),
        Dialect::Postgres => (t.moves.clone(), t.firms.clone()),
    };
    let text = |c: &str| match dialect {
        Dialect::Postgres => format!("trim(CAST({c} AS text))"),
        Dialect::Spark => format!("trim(CAST({c} AS string))"),
        Dialect::DuckDb => format!("trim(CAST({c} AS varchar))"),
    };
    let num = |c: &str| match dialect {
        Dialect::Postgres => format!("CAST(NULLIF({}, '') AS double precision)", text(c)),
        Dialect::Spark | Dialect::DuckDb => format!("CAST(NULLIF({}, '') AS double)", text(c)),
    };
    let count = if t.has_count { format!("COALESCE({}, 1)", num("count")) } else { "1".to_owned() };
    let int = |e: &str| format!("CAST({e} AS bigint)");
    let mut s = String::new();
    let header = format!(
        "-- spillnet moves sql --dialect {dialect}: worker moves summed by (from_firm, to_firm, year), an empty or\n\
         -- absent count counting 1 (spillnet's own aggregation when it loads worker_moves). The result has the\n\
         -- columns from_firm, to_firm, year, count and is a valid worker_moves table: put it in the data folder as\n\
         -- worker_moves.csv and spillnet validates it like any other.\n"
    );
    s.push_str(&header);
    if dialect == Dialect::Spark {
        s.push_str(&format!(
            "CREATE OR REPLACE TEMPORARY VIEW spillnet_worker_moves USING csv OPTIONS (path {}, header 'true');\n\
             CREATE OR REPLACE TEMPORARY VIEW spillnet_firms USING csv OPTIONS (path {}, header 'true');\n",
            lit(&t.moves),
            lit(&t.firms)
        ));
    }
    // 1. Rows spillnet would reject.
    let year = num("m.year");
    let bad_count = if t.has_count {
        format!("\n   OR ({c} IS NOT NULL AND ({c} < 1 OR {c} <> floor({c})))", c = num("m.count"))
    } else {
        String::new()
    };
    s.push_str(&format!(
        "\n-- 1. Rows spillnet would reject (expect none): a missing firm or year, a year or count that is not a\n\
         --    whole number (counts at least 1), or a firm id missing from firms.\n\
         SELECT m.*\n\
         FROM {moves} AS m\n\
         WHERE {from} IS NULL OR {from} = '' OR {to} IS NULL OR {to} = ''\n   \
         OR {year} IS NULL OR {year} <> floor({year}){bad_count}\n   \
         OR {from} NOT IN (SELECT {fid} FROM {firms} AS f WHERE f.firm_id IS NOT NULL)\n   \
         OR {to} NOT IN (SELECT {fid} FROM {firms} AS f WHERE f.firm_id IS NOT NULL);\n",
        from = text("m.from_firm"),
        to = text("m.to_firm"),
        year = year,
        fid = text("f.firm_id"),
    ));
    // 2. The aggregation.
    let select = format!(
        "SELECT {from} AS from_firm, {to} AS to_firm, {year} AS year, {sum} AS count\n\
         FROM {moves}\n\
         GROUP BY {from}, {to}, {year}\n\
         ORDER BY from_firm, to_firm, year",
        from = text("from_firm"),
        to = text("to_firm"),
        year = int(&num("year")),
        sum = int(&format!("sum({count})")),
    );
    s.push_str("\n-- 2. The aggregation.\n");
    match dialect {
        Dialect::DuckDb => {
            s.push_str(&format!("COPY (\n{select}\n) TO {} (HEADER, DELIMITER ',');\n", lit(&t.out)));
        }
        Dialect::Postgres => {
            s.push_str(&format!("COPY (\n{select}\n) TO STDOUT WITH (FORMAT csv, HEADER);\n"));
        }
        Dialect::Spark => {
            s.push_str(&format!(
                "INSERT OVERWRITE DIRECTORY {} USING csv OPTIONS (header 'true')\n{select};\n",
                lit(&t.out)
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(has_count: bool) -> SqlTables {
        SqlTables { moves: "moves's.csv".into(), firms: "firms.csv".into(), out: "agg.csv".into(), has_count }
    }

    #[test]
    fn every_dialect_has_the_check_and_the_aggregation() {
        for d in [Dialect::Spark, Dialect::DuckDb, Dialect::Postgres] {
            let s = moves_sql(d, &tables(true));
            assert!(s.contains("GROUP BY") && s.contains("-- 1. Rows spillnet would reject"), "{d}: {s}");
            assert!(s.contains("COALESCE("), "{d}: empty counts are 1");
            assert_eq!(s.matches(';').count(), if d == Dialect::Spark { 4 } else { 2 }, "{d}: {s}");
        }
        let duck = moves_sql(Dialect::DuckDb, &tables(true));
        assert!(duck.contains("read_csv('moves''s.csv'"), "quotes doubled: {duck}");
        assert!(duck.contains("TO 'agg.csv' (HEADER"), "{duck}");
        assert!(moves_sql(Dialect::Postgres, &tables(true)).contains("TO STDOUT WITH (FORMAT csv, HEADER)"));
        assert!(moves_sql(Dialect::Spark, &tables(true)).contains("INSERT OVERWRITE DIRECTORY 'agg.csv' USING csv"));
        let no_count = moves_sql(Dialect::DuckDb, &tables(false));
        assert!(!no_count.contains("count IS NOT NULL") && no_count.contains("sum(1)"), "{no_count}");
    }
}
