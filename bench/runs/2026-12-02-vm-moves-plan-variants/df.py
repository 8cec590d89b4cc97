import sys, time
import datafusion as dfn
from datafusion import SessionContext, SessionConfig, col, lit, functions as f
import pyarrow as pa
path = sys.argv[1]
variants = sys.argv[2].split(",")
WS = "\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
parquet = path.endswith(".parquet")
def run(v):
    cfg = SessionConfig().with_target_partitions(int(__import__("os").environ.get("PARTS","2")))
    bs = int(__import__("os").environ.get("BATCH","0"))
    if bs: cfg = cfg.with_batch_size(bs)
    ctx = SessionContext(cfg)
    if parquet:
        df = ctx.read_parquet(path)
        names = ["from_firm","to_firm","year","count","person_id"]
    else:
        schema = pa.schema([pa.field(f"c{j}", pa.utf8() if "view" not in v else pa.string_view()) for j in range(5)])
        df = ctx.read_csv(path, schema=schema, has_header=True)
        names = [f"c{j}" for j in range(5)]
    fr, to, yr, cn, pe = [col(n) for n in names]
    nn = (lambda e: f.nullif(e, lit(""))) if "nonull" not in v else (lambda e: e)
    if parquet:
        cnt_text = cn.cast(pa.utf8()); n = cn.cast(pa.int64())
    else:
        cnt_text = nn(cn); n = cnt_text.cast(pa.int64())  # python cast is try? use try_cast below
    if not parquet:
        n = cnt_text.try_cast(pa.int64())
    bad = n.is_null() | (n < lit(1)) | (n > lit(1_000_000_000))
    if "nocastback" not in v and not parquet:
        bad = bad | (n.cast(pa.utf8()) != cnt_text)
    bad_count = cnt_text.is_not_null() & bad
    p = nn(pe)
    if "nobtrim" in v:
        bad_p = lit(False)
    elif "regex" in v:
        bad_p = f.regexp_like(p, lit(r"^\s|\s$"))
    elif "lenbtrim" in v:
        bad_p = p.is_not_null() & (f.octet_length(f.btrim(p, lit(WS))) != f.octet_length(p))
    else:
        bad_p = p.is_not_null() & (f.btrim(p, lit(WS)) != p)
    badf = f.when(bad_count | bad_p, lit(1)).otherwise(lit(0))
    workers = f.coalesce(n, lit(1))
    aggs = [f.count(lit(1)).alias("rows"), f.sum(workers).alias("workers")]
    if "floor" in v:
        aggs = [f.count(lit(1)).alias("rows"), f.sum(workers).alias("workers")]
    else:
        aggs.append(f.count(p).alias("persons"))
        if "nomax" not in v:
            aggs.append(f.max(p).alias("person") if "min" not in v else f.min(p).alias("person"))
        if "first" in v:
            aggs.append(f.first_value(p).alias("person"))
        aggs.append(f.sum(badf).alias("bad"))
    keys = [nn(fr).alias("f"), nn(to).alias("t"), (nn(yr) if not parquet else yr).alias("y")]
    t0 = time.perf_counter()
    out = df.aggregate(keys, aggs).collect()
    return time.perf_counter() - t0, sum(b.num_rows for b in out)
for v in variants:
    ts = []
    for _ in range(3):
        t, n = run(v)
        ts.append(t)
    print(f"{v:30} {min(ts):6.2f} s  triples {n}", flush=True)
