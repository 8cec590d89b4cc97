#!/usr/bin/env python3
"""Reference for `spillnet moves sql`: DuckDB runs the SQL that spillnet
prints and its aggregation is committed, so a test (without Python) can
compare it with spillnet's own aggregation of the same file.

1. Writes tests/fixtures/moves_sql/worker_moves.csv (seeded): person-level rows
   (person_id, empty count) and aggregate rows (count), repeated
   (from_firm, to_firm, year) triples, cells with surrounding spaces and
   years written as `2011.0`, between the firms of tests/fixtures/tiny.
2. Runs `spillnet moves sql --dialect duckdb` with the arguments the Rust test
   uses, executes it in DuckDB and writes tests/reference/moves_sql/:
   duckdb.sql (the SQL run), duckdb_agg.csv (the aggregation) and
   check.json (rows returned by the check query, expected 0; versions).

Run from the repository root after a build:
    python3 tests/reference/moves_sql.py target/debug/spillnet
"""

import json
import os
import platform
import random
import subprocess
import sys

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIX = os.path.join(ROOT, "tests", "fixtures", "moves_sql")
OUT = os.path.join(HERE, "moves_sql")
# Paths as the Rust test passes them (relative to the repository root).
ARGS = ["moves", "sql", "--dialect", "duckdb", "--moves", "tests/fixtures/moves_sql/worker_moves.csv",
        "--firms", "tests/fixtures/moves_sql/firms.csv", "--out", "tests/reference/moves_sql/duckdb_agg.csv"]


def write_fixture():
    rng = random.Random(7)
    firms = [l.split(",")[0] for l in open(os.path.join(FIX, "firms.csv")).read().splitlines()[1:]]
    rows = ["from_firm,to_firm,year,count,person_id"]
    for i in range(2000):
        a, b = rng.sample(firms, 2)
        year = rng.randint(2005, 2012)
        y = f"{year}.0" if rng.random() < 0.05 else str(year)
        if rng.random() < 0.7:
            count, person = "", f"p{i:05d}"
        else:
            count, person = str(rng.randint(1, 9)), ""
        if rng.random() < 0.05:
            a, count = f" {a} ", f" {count} " if count else count
        rows.append(f"{a},{b},{y},{count},{person}")
    with open(os.path.join(FIX, "worker_moves.csv"), "w") as fh:
        fh.write("\n".join(rows) + "\n")


def main():
    binary = sys.argv[1]
    write_fixture()
    os.makedirs(OUT, exist_ok=True)
    sql = subprocess.run([binary, "-q"] + ARGS, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    with open(os.path.join(OUT, "duckdb.sql"), "w") as fh:
        fh.write(sql)
    con = duckdb.connect()
    os.chdir(ROOT)
    check_sql, agg_sql = sql.split("-- 2. The aggregation.")
    bad = con.execute(check_sql).fetchall()
    con.execute(agg_sql)
    json.dump(dict(check_rows=len(bad), generator=dict(python=platform.python_version(), duckdb=duckdb.__version__)),
              open(os.path.join(OUT, "check.json"), "w"), indent=1)
    print("check rows:", len(bad), "aggregated rows:", sum(1 for _ in open(os.path.join(OUT, "duckdb_agg.csv"))) - 1)


if __name__ == "__main__":
    main()
