import sys, time, polars as pl
path=sys.argv[1]; parquet=path.endswith(".parquet")
ts=[]
for _ in range(3):
    t0 = time.perf_counter()
    lf = pl.scan_parquet(path) if parquet else pl.scan_csv(path, schema_overrides={"person_id": pl.String})
    out = (lf.group_by("from_firm", "to_firm", "year").agg(pl.col("count").fill_null(1).sum().alias("count"), pl.len().alias("rows")).collect())
    ts.append(time.perf_counter()-t0)
print("polars", min(ts))
