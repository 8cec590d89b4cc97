#!/usr/bin/env python3
"""Helper of scripts/bench_estimate.sh.

  bench_estimate.py gen N FILE      write the benchmark DGP as Parquet
  bench_estimate.py pyfixest FILE   time pyfixest on FILE; print one JSON line

DGP (same as tests/reference/make.py's fe3_nested case, scaled): y = x1 - 0.5 x2
+ fixed effects f1 (N/20 levels), f2 (N/500 levels), f3 (100 levels, nested in
the cluster cl = f3 mod 25) + a cluster shock + N(0,1) noise; numpy seed 2026.
The pyfixest timing covers feols(...) with CRV1 by cl (estimation + vcov),
after an untimed warm-up fit on a generated 20 000-row table (JIT compilation), and not the
Parquet read, which is reported separately.
"""

import json
import sys
import time


def gen(n, path):
    make(n).to_parquet(path, index=False)


def make(n):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2026)
    f1 = rng.integers(0, max(n // 20, 1), n)
    f2 = rng.integers(0, max(n // 500, 1), n)
    f3 = rng.integers(0, 100, n)
    cl = f3 % 25
    x1 = rng.normal(size=n) + 0.01 * (f2 % 10)
    x2 = rng.normal(size=n)
    a1 = rng.normal(size=f1.max() + 1)
    a2 = rng.normal(size=f2.max() + 1)
    a3 = rng.normal(size=100)
    shock = rng.normal(size=25)
    y = x1 - 0.5 * x2 + a1[f1] + a2[f2] + a3[f3] + shock[cl] + rng.normal(size=n)
    return pd.DataFrame(dict(y=y, x1=x1, x2=x2, f1=f1.astype("int64"), f2=f2.astype("int64"),
                             f3=f3.astype("int64"), cl=cl.astype("int64")))


def time_pyfixest(path):
    import pandas as pd
    import pyfixest as pf

    # Warm-up on a small generated table so JIT compilation (numba) is not timed.
    warm = make(20000)
    pf.feols("y ~ x1 + x2 | f1 + f2 + f3", data=warm, vcov={"CRV1": "cl"}).se()
    t0 = time.perf_counter()
    df = pd.read_parquet(path)
    t1 = time.perf_counter()
    fit = pf.feols("y ~ x1 + x2 | f1 + f2 + f3", data=df, vcov={"CRV1": "cl"})
    se = fit.se()
    t2 = time.perf_counter()
    print(json.dumps(dict(read_s=t1 - t0, fit_s=t2 - t1, x1=float(fit.coef()["x1"]), se_x1=float(se["x1"]),
                          pyfixest=pf.__version__)))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(int(float(sys.argv[2])), sys.argv[3])
    elif sys.argv[1] == "pyfixest":
        time_pyfixest(sys.argv[2])
    else:
        sys.exit("usage: bench_estimate.py gen N FILE | pyfixest FILE")
