#!/usr/bin/env python3
"""Helper of scripts/bench_estimate.sh.

  bench_estimate.py gen DESIGN N FILE          write a design as Parquet
  bench_estimate.py pyfixest FILE [map|within] time pyfixest on FILE; print one JSON line
  bench_estimate.py args DESIGN                spillnet's model arguments, one per line

Designs (numpy default_rng(2026); every design has y, x1, x2, cl and the
fixed-effect columns of `FE[design]`):

* fe3 (the original benchmark, same as tests/reference/make.py's fe3_nested
  scaled): y = x1 - 0.5 x2 + FE f1 (N/20 levels), f2 (N/500), f3 (100,
  nested in the cluster cl = f3 mod 25) + cluster shock + noise.
* simple / difficult: fixest's benchmark DGP, N/10 individuals x 10 years,
  ~23 individuals per firm; firm drawn at random (simple) or row mod n_firm
  (difficult); FE indiv + firm + year; cl = indiv mod 50.
* pois: the fe3 design with a count outcome, y ~ Poisson(exp(0.3 x1 - 0.2 x2
  + FE/3 + cluster shock)); fitted by fepois / `--model poisson`, same FE.
* iv: the fe3 design with x2 endogenous (correlated with the error) and two
  instruments z1, z2: y ~ x1 | f1 + f2 + f3 | x2 ~ z1 + z2.
* akm0.1 / akm0.5: worker-firm panel, N/10 workers x 10 years over N/100
  firms; each year a worker moves to a random firm with probability 0.1 /
  0.5; FE worker + firm + year; cl = firm mod 50.

The pyfixest timing covers reading the Parquet file and feols(...) with CRV1
by cl (estimation + vcov), after an untimed warm-up fit on a generated
20 000-row table of the same design (JIT compilation). `map` is pyfixest's
default demeaner (alternating projections, fixef_tol 1e-8 as spillnet's
default); `within` is LsmrDemeaner(backend="within") with atol = btol = 1e-8.
"""

import json
import sys
import time

FE = {"fe3": ["f1", "f2", "f3"], "pois": ["f1", "f2", "f3"], "iv": ["f1", "f2", "f3"], "simple": ["indiv", "firm", "year"], "difficult": ["indiv", "firm", "year"],
      "akm0.1": ["worker", "firm", "year"], "akm0.5": ["worker", "firm", "year"]}


def formula(design):
    fe = " + ".join(FE[design])
    if design == "iv":
        return "y ~ x1 | %s | x2 ~ z1 + z2" % fe
    return "y ~ x1 + x2 | " + fe


def spillnet_args(design):
    if design == "pois":
        # The same separation check as pyfixest's default (fe); spillnet's
        # default adds the iterative rectifier (fe,ir), about +10 % here.
        return ["--formula", formula(design), "--model", "poisson", "--separation", "fe"]
    if design == "iv":
        return ["--formula", formula(design)]
    return ["--y", "y", "--x", "x1,x2", "--fe", ",".join(FE[design])]


def make(design, n):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2026)
    if design == "fe3":
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
    if design in ("pois", "iv"):
        f1 = rng.integers(0, max(n // 20, 1), n)
        f2 = rng.integers(0, max(n // 500, 1), n)
        f3 = rng.integers(0, 100, n)
        cl = f3 % 25
        a = rng.normal(size=f1.max() + 1)[f1] + rng.normal(size=f2.max() + 1)[f2] + rng.normal(size=100)[f3]
        shock = rng.normal(size=25)[cl]
        x1 = rng.normal(size=n) + 0.01 * (f2 % 10)
        cols = dict(f1=f1.astype("int64"), f2=f2.astype("int64"), f3=f3.astype("int64"), cl=cl.astype("int64"))
        if design == "pois":
            x2 = rng.normal(size=n)
            y = rng.poisson(np.exp(0.3 * x1 - 0.2 * x2 + a / 3 + 0.2 * shock)).astype(float)
            return pd.DataFrame(dict(y=y, x1=x1, x2=x2, **cols))
        z1 = rng.normal(size=n)
        z2 = rng.normal(size=n)
        e = rng.normal(size=n)
        x2 = 0.7 * z1 + 0.4 * z2 + 0.5 * e + rng.normal(size=n)
        y = x1 - 0.5 * x2 + a + shock + e
        return pd.DataFrame(dict(y=y, x1=x1, x2=x2, z1=z1, z2=z2, **cols))
    if design in ("simple", "difficult"):
        n_years = 10
        n_indiv = max(1, round(n / n_years))
        n_firm = max(1, round(n_indiv / 23))
        indiv = np.repeat(np.arange(n_indiv), n_years)[:n]
        year = np.tile(np.arange(n_years), n_indiv)[:n]
        firm = rng.integers(0, n_firm, n) if design == "simple" else np.arange(n) % n_firm
        x1 = rng.normal(size=n)
        x2 = rng.normal(size=n) + 0.5 * rng.normal(size=n_firm)[firm]
        y = (x1 - 0.5 * x2 + rng.normal(size=n_firm)[firm] + rng.normal(size=n_indiv)[indiv]
             + rng.normal(size=n_years)[year] + rng.normal(size=n))
        return pd.DataFrame(dict(y=y, x1=x1, x2=x2, indiv=indiv.astype("int64"), firm=firm.astype("int64"),
                                 year=year.astype("int64"), cl=(indiv % 50).astype("int64")))
    if design.startswith("akm"):
        p_move = float(design[3:])
        n_years = 10
        n_workers = max(1, n // n_years)
        n_firms = max(2, n // 100)
        firm = np.empty((n_workers, n_years), dtype=np.int64)
        firm[:, 0] = rng.integers(0, n_firms, n_workers)
        for t in range(1, n_years):
            move = rng.uniform(size=n_workers) < p_move
            firm[:, t] = np.where(move, rng.integers(0, n_firms, n_workers), firm[:, t - 1])
        firm = firm.ravel()
        worker = np.repeat(np.arange(n_workers), n_years)
        year = np.tile(np.arange(n_years), n_workers)
        m = len(firm)
        psi = rng.normal(size=n_firms)
        theta = rng.normal(size=n_workers)
        x1 = rng.normal(size=m) + 0.3 * psi[firm]
        x2 = rng.normal(size=m) + 0.3 * theta[worker]
        y = 0.5 * x1 + 0.25 * x2 + theta[worker] + psi[firm] + 0.1 * year + rng.normal(size=m)
        return pd.DataFrame(dict(y=y, x1=x1, x2=x2, worker=worker, firm=firm, year=year, cl=firm % 50))
    raise SystemExit("unknown design " + design)


def time_pyfixest(path, demeaner):
    import pandas as pd
    import pyfixest as pf

    design = path.rsplit("/", 1)[-1].split("_")[0]
    fml = formula(design)
    est = pf.fepois if design == "pois" else pf.feols
    kw = dict(vcov={"CRV1": "cl"})
    if demeaner == "within":
        kw["demeaner"] = pf.LsmrDemeaner(fixef_atol=1e-8, fixef_btol=1e-8, fixef_maxiter=100_000)
    else:
        kw["demeaner"] = pf.MapDemeaner(fixef_tol=1e-8, fixef_maxiter=100_000)
    # Warm-up on a small table of the same design so JIT compilation (numba) is not timed.
    est(fml, data=make(design, 20000), **kw).se()
    t0 = time.perf_counter()
    df = pd.read_parquet(path)
    t1 = time.perf_counter()
    fit = est(fml, data=df, **kw)
    se = fit.se()
    t2 = time.perf_counter()
    print(json.dumps(dict(read_s=t1 - t0, fit_s=t2 - t1, read_fit_s=t2 - t0, x1=float(fit.coef()["x1"]),
                          se_x1=float(se["x1"]), x2=float(fit.coef()["x2"]), se_x2=float(se["x2"]),
                          demeaner=demeaner, pyfixest=pf.__version__)))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        make(sys.argv[2], int(float(sys.argv[3]))).to_parquet(sys.argv[4], index=False)
    elif sys.argv[1] == "pyfixest":
        time_pyfixest(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "map")
    elif sys.argv[1] == "fe":
        print(",".join(FE[sys.argv[2]]))
    elif sys.argv[1] == "args":
        print("\n".join(spillnet_args(sys.argv[2])))
    else:
        sys.exit("usage: bench_estimate.py gen DESIGN N FILE | pyfixest FILE [map|within] | fe DESIGN")
