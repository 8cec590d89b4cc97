import sys, time, pyarrow as pa
from datafusion import SessionContext, SessionConfig
path=sys.argv[1]
ctx = SessionContext(SessionConfig().with_target_partitions(2))
schema = pa.schema([pa.field(f"c{j}", pa.string_view()) for j in range(5)])
ctx.register_csv("m", path, schema=schema, has_header=True)
for q in sys.argv[2:]:
    ts=[]
    for _ in range(3):
        t0=time.perf_counter(); n=sum(b.num_rows for b in ctx.sql(f"SELECT c0,c1,c2,count(*),{q} FROM m GROUP BY c0,c1,c2").collect()); ts.append(time.perf_counter()-t0)
    print(f"{q:40} {min(ts):.2f} s {n}", flush=True)
