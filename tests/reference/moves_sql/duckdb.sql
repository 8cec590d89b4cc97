-- spillnet moves sql --dialect duckdb: worker moves summed by (from_firm, to_firm, year), an empty or
-- absent count counting 1 (spillnet's own aggregation when it loads worker_moves). The result has the
-- columns from_firm, to_firm, year, count and is a valid worker_moves table: put it in the data folder as
-- worker_moves.csv and spillnet validates it like any other.

-- 1. Rows spillnet would reject (expect none): a missing firm or year, a year or count that is not a
--    whole number (counts at least 1), or a firm id missing from firms.
SELECT m.*
FROM read_csv('tests/fixtures/moves_sql/worker_moves.csv', header = true, all_varchar = true) AS m
WHERE trim(CAST(m.from_firm AS varchar)) IS NULL OR trim(CAST(m.from_firm AS varchar)) = '' OR trim(CAST(m.to_firm AS varchar)) IS NULL OR trim(CAST(m.to_firm AS varchar)) = ''
   OR CAST(NULLIF(trim(CAST(m.year AS varchar)), '') AS double) IS NULL OR CAST(NULLIF(trim(CAST(m.year AS varchar)), '') AS double) <> floor(CAST(NULLIF(trim(CAST(m.year AS varchar)), '') AS double))
   OR (CAST(NULLIF(trim(CAST(m.count AS varchar)), '') AS double) IS NOT NULL AND (CAST(NULLIF(trim(CAST(m.count AS varchar)), '') AS double) < 1 OR CAST(NULLIF(trim(CAST(m.count AS varchar)), '') AS double) <> floor(CAST(NULLIF(trim(CAST(m.count AS varchar)), '') AS double))))
   OR trim(CAST(m.from_firm AS varchar)) NOT IN (SELECT trim(CAST(f.firm_id AS varchar)) FROM read_csv('tests/fixtures/moves_sql/firms.csv', header = true, all_varchar = true) AS f WHERE f.firm_id IS NOT NULL)
   OR trim(CAST(m.to_firm AS varchar)) NOT IN (SELECT trim(CAST(f.firm_id AS varchar)) FROM read_csv('tests/fixtures/moves_sql/firms.csv', header = true, all_varchar = true) AS f WHERE f.firm_id IS NOT NULL);

-- 2. The aggregation.
COPY (
SELECT trim(CAST(from_firm AS varchar)) AS from_firm, trim(CAST(to_firm AS varchar)) AS to_firm, CAST(CAST(NULLIF(trim(CAST(year AS varchar)), '') AS double) AS bigint) AS year, CAST(sum(COALESCE(CAST(NULLIF(trim(CAST(count AS varchar)), '') AS double), 1)) AS bigint) AS count
FROM read_csv('tests/fixtures/moves_sql/worker_moves.csv', header = true, all_varchar = true)
GROUP BY trim(CAST(from_firm AS varchar)), trim(CAST(to_firm AS varchar)), CAST(CAST(NULLIF(trim(CAST(year AS varchar)), '') AS double) AS bigint)
ORDER BY from_firm, to_firm, year
) TO 'tests/reference/moves_sql/duckdb_agg.csv' (HEADER, DELIMITER ',');
