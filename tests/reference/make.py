#!/usr/bin/env python3
"""Generate the reference fixtures of spillnet's estimation engine.

For each case it writes tests/reference/cases/<case>/data.csv (seeded numpy
data) and expected.json (values printed with %.17g):

* coefficients, SEs, t, p, 95 % CI, nobs, collinear regressors, FE sizes from
  pyfixest 0.60 `feols` with a tight fixed-effect tolerance, for several vcov
  types and small-sample corrections;
* linear combinations R'b with SE sqrt(R' V R) from pyfixest's vcov;
* wild cluster restricted bootstrap p-values by full enumeration of the
  Rademacher weights, computed here independently with numpy: each draw is an
  explicit OLS on [X, dummies of every fixed effect] (dense), the CRV1 t of
  the draw is compared with the sample t, and ties within a relative 1e-9
  count as at least as extreme (spillnet's documented tie rule). pyfixest's
  own wild bootstrap needs the `wildboottest` package, which is not used here.

Run from the repository root:  python3 tests/reference/make.py
"""

import json
import os
import sys

import numpy as np
import pandas as pd
import pyfixest as pf

HERE = os.path.dirname(os.path.abspath(__file__))
FIXEF_TOL = 1e-14
TIE_REL_TOL = 1e-9


def g17(x):
    return float("%.17g" % x)


def make_data(case, rng):
    if case == "fe3_nested":
        n = 2000
        f1 = rng.integers(0, 100, n)
        f2 = rng.integers(0, 30, n)
        f3 = rng.integers(0, 40, n)  # nested in cl: cl = f3 // 5
        cl = f3 // 5
        x1 = rng.normal(size=n) + 0.1 * f2
        x2 = rng.normal(size=n) + 0.05 * f1
        y = x1 - 0.5 * x2 + 0.3 * f1 / 10 + np.sin(f2) + np.cos(f3) + 0.5 * rng.normal(size=8)[cl] + rng.normal(size=n)
        return pd.DataFrame(dict(y=y, x1=x1, x2=x2, f1=f1, f2=f2, f3=f3, cl=cl))
    if case == "fe2":
        n = 1500
        f1 = rng.integers(0, 60, n)
        f2 = rng.integers(0, 25, n)
        cl = rng.integers(0, 9, n)
        x1 = rng.normal(size=n) + 0.2 * (f1 % 7)
        x2 = rng.normal(size=n)
        y = 0.8 * x1 + 0.2 * x2 + np.sin(f1) + 0.1 * f2 + 0.7 * rng.normal(size=9)[cl] + rng.normal(size=n) * (1 + 0.5 * np.abs(x1))
        return pd.DataFrame(dict(y=y, x1=x1, x2=x2, f1=f1, f2=f2, cl=cl))
    if case == "nofe":
        n = 800
        cl = rng.integers(0, 12, n)
        x1 = rng.normal(size=n)
        x2 = rng.uniform(size=n)
        y = 1.5 + x1 - 2 * x2 + rng.normal(size=12)[cl] + rng.normal(size=n) * (1 + x2)
        return pd.DataFrame(dict(y=y, x1=x1, x2=x2, cl=cl))
    if case == "weights":
        n = 1200
        f1 = rng.integers(0, 50, n)
        f2 = rng.integers(0, 20, n)
        cl = rng.integers(0, 15, n)
        w = rng.uniform(0.2, 3.0, n)
        x1 = rng.normal(size=n)
        x2 = rng.normal(size=n) + 0.1 * f2
        y = x1 - 0.5 * x2 + np.cos(f1) + 0.05 * f2 + rng.normal(size=15)[cl] + rng.normal(size=n) / np.sqrt(w)
        return pd.DataFrame(dict(y=y, x1=x1, x2=x2, f1=f1, f2=f2, cl=cl, w=w))
    if case == "twoway":
        n = 1600
        f1 = rng.integers(0, 40, n)
        cl1 = rng.integers(0, 14, n)
        cl2 = rng.integers(0, 11, n)
        x1 = rng.normal(size=n) + 0.3 * rng.normal(size=14)[cl1]
        x2 = rng.normal(size=n) + 0.3 * rng.normal(size=11)[cl2]
        y = x1 - 0.5 * x2 + np.sin(f1) + rng.normal(size=14)[cl1] + rng.normal(size=11)[cl2] + rng.normal(size=n)
        return pd.DataFrame(dict(y=y, x1=x1, x2=x2, f1=f1, cl1=cl1, cl2=cl2))
    if case == "collinear":
        n = 1000
        f1 = rng.integers(0, 30, n)
        f2 = rng.integers(0, 10, n)
        cl = rng.integers(0, 10, n)
        x1 = rng.normal(size=n)
        x2 = rng.normal(size=n)
        x3 = 2 * x1 - x2  # collinear with x1, x2
        x4 = (f1 % 4).astype(float)  # collinear with f1
        x5 = rng.normal(size=n)
        y = x1 - 0.5 * x2 + 0.25 * x5 + 0.1 * f1 + rng.normal(size=n)
        return pd.DataFrame(dict(y=y, x1=x1, x2=x2, x3=x3, x4=x4, x5=x5, f1=f1, f2=f2, cl=cl))
    if case == "singletons":
        n = 600
        # many levels with one or two observations: singletons are removed iteratively
        f1 = rng.integers(0, 250, n)
        f2 = rng.integers(0, 120, n)
        cl = rng.integers(0, 7, n)
        x1 = rng.normal(size=n)
        x2 = rng.normal(size=n)
        y = x1 - 0.5 * x2 + 0.01 * f1 + rng.normal(size=n)
        df = pd.DataFrame(dict(y=y, x1=x1, x2=x2, f1=f1, f2=f2, cl=cl))
        df.loc[[3, 77, 150], "x2"] = np.nan  # missing cells: dropped and counted
        return df
    if case == "difficult":
        # fixest's "difficult" benchmark design (individuals x years, firm =
        # row mod n_firm), with 435 firms as at 1e5 rows (a ring of firms that
        # individuals link 5 at a time: alternating projections need
        # thousands of sweeps). Values rounded to 6 decimals (file size).
        n_years, n_indiv, n_firm = 10, 2000, 435
        n = n_years * n_indiv
        indiv = np.repeat(np.arange(n_indiv), n_years)
        year = np.tile(np.arange(n_years), n_indiv)
        firm = np.arange(n) % n_firm
        cl = indiv % 50
        x1 = rng.normal(size=n)
        x2 = rng.normal(size=n) + 0.5 * rng.normal(size=n_firm)[firm]
        y = (x1 - 0.5 * x2 + rng.normal(size=n_firm)[firm] + rng.normal(size=n_indiv)[indiv]
             + rng.normal(size=n_years)[year] + 0.3 * rng.normal(size=50)[cl] + rng.normal(size=n))
        return pd.DataFrame(dict(y=y.round(6), x1=x1.round(6), x2=x2.round(6), indiv=indiv, firm=firm, year=year,
                                 cl=cl))
    if case == "akm":
        # AKM worker-firm panel: a worker starts at a random firm and moves to
        # a random firm each year with probability 0.1 (most workers stay).
        n_years, n_workers, n_firms, p_move = 10, 2000, 300, 0.1
        firm = np.empty((n_workers, n_years), dtype=np.int64)
        firm[:, 0] = rng.integers(0, n_firms, n_workers)
        for t in range(1, n_years):
            move = rng.uniform(size=n_workers) < p_move
            firm[:, t] = np.where(move, rng.integers(0, n_firms, n_workers), firm[:, t - 1])
        firm = firm.ravel()
        worker = np.repeat(np.arange(n_workers), n_years)
        year = np.tile(np.arange(n_years), n_workers)
        n = len(firm)
        cl = firm % 50
        psi = rng.normal(size=n_firms)
        theta = rng.normal(size=n_workers)
        x1 = rng.normal(size=n) + 0.3 * psi[firm]
        x2 = rng.normal(size=n) + 0.3 * theta[worker]
        y = (0.5 * x1 + 0.25 * x2 + theta[worker] + psi[firm] + 0.1 * year + 0.3 * rng.normal(size=50)[cl]
             + rng.normal(size=n))
        return pd.DataFrame(dict(y=y.round(6), x1=x1.round(6), x2=x2.round(6), worker=worker, firm=firm, year=year,
                                 cl=cl))
    raise ValueError(case)


CASES = {
    # case: (y, x list, fe list, weights, list of (vcov, ssc dict)), bootstraps, lincoms
    "fe3_nested": dict(
        y="y", x=["x1", "x2"], fe=["f1", "f2", "f3"], w=None,
        vcovs=[
            ("iid", {}), ("hetero", {}), ("cluster:cl", {}),
            ("cluster:cl", dict(k_fixef="full")), ("cluster:cl", dict(k_fixef="none")),
            ("cluster:cl", dict(k_adj=False, G_adj=False)),
        ],
        lincoms=["x1+x2", "x1 - 2*x2"],
        boots=[("x1", "cl"), ("x1=1", "cl"), ("x1+2*x2=0", "cl")],
    ),
    "fe2": dict(
        y="y", x=["x1", "x2"], fe=["f1", "f2"], w=None,
        vcovs=[("iid", {}), ("hetero", {}), ("cluster:cl", {}), ("cluster:cl", dict(G_df="conventional"))],
        lincoms=["x1+x2"],
        boots=[("x1=0.8", "cl"), ("x2=0.2", "cl")],
    ),
    "nofe": dict(
        y="y", x=["x1", "x2"], fe=[], w=None,
        vcovs=[("iid", {}), ("hetero", {}), ("cluster:cl", {})],
        lincoms=["x1+x2"],
        boots=[],
    ),
    "weights": dict(
        y="y", x=["x1", "x2"], fe=["f1", "f2"], w="w",
        vcovs=[("iid", {}), ("hetero", {}), ("cluster:cl", {})],
        lincoms=["x1+x2"],
        boots=[],
    ),
    "twoway": dict(
        y="y", x=["x1", "x2"], fe=["f1"], w=None,
        vcovs=[("cluster:cl1+cl2", {}), ("cluster:cl1+cl2", dict(G_df="conventional")), ("cluster:cl1", {})],
        lincoms=["x1+x2"],
        boots=[],
    ),
    "collinear": dict(
        y="y", x=["x1", "x2", "x3", "x4", "x5"], fe=["f1", "f2"], w=None,
        vcovs=[("iid", {}), ("cluster:cl", {})],
        lincoms=["x1+x5"],
        boots=[("x1=1", "cl"), ("x5=0.25", "cl")],
    ),
    "singletons": dict(
        y="y", x=["x1", "x2"], fe=["f1", "f2"], w=None,
        vcovs=[("iid", {}), ("hetero", {}), ("cluster:cl", {})],
        lincoms=[],
        boots=[],
    ),
    # Hard designs: expected values from pyfixest's `within` demeaner
    # (Schwarz-preconditioned LSMR) at a tight tolerance ("lsmr": True).
    "difficult": dict(
        y="y", x=["x1", "x2"], fe=["indiv", "firm", "year"], w=None, lsmr=True,
        vcovs=[("iid", {}), ("cluster:cl", {})],
        lincoms=["x1+x2"],
        boots=[],
    ),
    "akm": dict(
        y="y", x=["x1", "x2"], fe=["worker", "firm", "year"], w=None, lsmr=True,
        vcovs=[("iid", {}), ("cluster:cl", {})],
        lincoms=["x1+x2"],
        boots=[],
    ),
}

SEEDS = {"fe3_nested": 11, "fe2": 12, "nofe": 13, "weights": 14, "twoway": 15, "collinear": 16, "singletons": 17,
         "difficult": 18, "akm": 19}
LSMR_TOL = 1e-14


def pf_vcov(v):
    if v in ("iid", "hetero"):
        return v
    return {"CRV1": v.split(":", 1)[1]}


def ssc_string(d):
    s = dict(k_adj=True, k_fixef="nonnested", G_adj=True, G_df="min")
    s.update(d)
    return "K.adj=%s,K.fixef=%s,G.adj=%s,G.df=%s" % (
        str(s["k_adj"]).lower(), s["k_fixef"], str(s["G_adj"]).lower(), s["G_df"])


def parse_lincom(expr, names):
    r = np.zeros(len(names))
    e = expr.replace(" ", "").replace("-", "+-")
    for term in [t for t in e.split("+") if t]:
        if "*" in term:
            c, nm = term.split("*")
            c = float(c)
        else:
            c, nm = (-1.0, term[1:]) if term.startswith("-") else (1.0, term)
        r[names.index(nm)] += c
    return r


def wcr_enumeration(df, spec, expr, cluster):
    """Independent WCR bootstrap: dense dummies, explicit OLS per draw."""
    d = df.dropna(subset=[spec["y"]] + spec["x"]).copy()
    # iterative singleton removal (as pyfixest's default)
    while spec["fe"]:
        keep = np.ones(len(d), dtype=bool)
        for f in spec["fe"]:
            keep &= d.groupby(f)[f].transform("size").to_numpy() > 1
        if keep.all():
            break
        d = d[keep]
    y = d[spec["y"]].to_numpy(float)
    xcols = [d[c].to_numpy(float) for c in spec["x"]]
    names = list(spec["x"])
    if not spec["fe"]:
        xcols = [np.ones(len(d))] + xcols
        names = ["Intercept"] + names
    X = np.column_stack(xcols)
    dummies = []
    for i, f in enumerate(spec["fe"]):
        dm = pd.get_dummies(d[f]).to_numpy(float)
        dummies.append(dm if i == 0 else dm[:, 1:])
    D = np.column_stack(dummies) if dummies else np.zeros((len(d), 0))
    # drop regressors collinear with FE or each other (same as the fit)
    full = np.column_stack([X, D])
    keepx = []
    for j in range(X.shape[1]):
        cand = np.column_stack([X[:, keepx + [j]], D])
        if np.linalg.matrix_rank(cand) == cand.shape[1]:
            keepx.append(j)
    X = X[:, keepx]
    names = [names[j] for j in keepx]
    Z = np.column_stack([X, D])
    k = X.shape[1]
    lhs, _, rhs = expr.partition("=")
    r0 = float(rhs) if rhs.strip() else 0.0
    R = np.zeros(Z.shape[1])
    R[:k] = parse_lincom(lhs, names)
    ZtZinv = np.linalg.inv(Z.T @ Z)
    bhat = ZtZinv @ Z.T @ y
    # restricted estimate under R'b = 0
    a = ZtZinv @ R
    btil = bhat - a * (R @ bhat - r0) / (R @ a)
    util = y - Z @ btil
    cl = pd.factorize(d[cluster])[0]
    G = int(cl.max() + 1)

    def crv_t(yy):
        b = ZtZinv @ Z.T @ yy
        u = yy - Z @ b
        sc = Z * u[:, None]
        Sg = np.zeros((G, Z.shape[1]))
        np.add.at(Sg, cl, sc)
        V = ZtZinv @ (Sg.T @ Sg) @ ZtZinv
        return (R @ b - r0) / np.sqrt(R @ V @ R)

    t0 = crv_t(y)
    count = 0
    B = 2 ** G
    for bits in range(B):
        v = np.array([1.0 if (bits >> g) & 1 else -1.0 for g in range(G)])
        ystar = Z @ btil + util * v[cl]
        if abs(crv_t(ystar)) >= abs(t0) * (1 - TIE_REL_TOL):
            count += 1
    return dict(hypothesis=expr, cluster=cluster, clusters=int(G), draws=B, t_noadj=g17(t0), p=g17(count / B))


def main():
    out_root = os.path.join(HERE, "cases")
    only = sys.argv[1:]  # optional: regenerate only these cases
    for case, spec in CASES.items():
        if only and case not in only:
            continue
        rng = np.random.default_rng(SEEDS[case])
        df = make_data(case, rng)
        cdir = os.path.join(out_root, case)
        os.makedirs(cdir, exist_ok=True)
        df.to_csv(os.path.join(cdir, "data.csv"), index=False, float_format="%.17g")
        lsmr = spec.get("lsmr", False)
        df = pd.read_csv(os.path.join(cdir, "data.csv"))
        if case == "fe2":
            # Same table as Parquet (text fixed-effect ids) for the CLI's reader.
            pq = df.copy()
            pq["f1"] = "firm_" + pq["f1"].astype(str)
            pq.to_parquet(os.path.join(cdir, "data.parquet"), index=False)
        fml = "%s ~ %s" % (spec["y"], " + ".join(spec["x"]))
        if spec["fe"]:
            fml += " | " + " + ".join(spec["fe"])
        models = []
        for vc, sscd in spec["vcovs"]:
            kw = dict(vcov=pf_vcov(vc), ssc=pf.ssc(**sscd))
            if lsmr:
                kw["demeaner"] = pf.LsmrDemeaner(fixef_atol=LSMR_TOL, fixef_btol=LSMR_TOL, fixef_maxiter=100000)
            else:
                kw.update(fixef_tol=FIXEF_TOL, fixef_maxiter=100000)
            if spec["w"]:
                kw["weights"] = spec["w"]
            fit = pf.feols(fml, data=df, **kw)
            names = list(fit._coefnames)
            V = np.asarray(fit._vcov)
            tidy = fit.tidy()
            coefs = []
            for j, nm in enumerate(names):
                row = tidy.loc[nm]
                coefs.append(dict(name=nm, estimate=g17(row["Estimate"]), se=g17(row["Std. Error"]),
                                  t=g17(row["t value"]), p=g17(row["Pr(>|t|)"]),
                                  ci_low=g17(row["2.5%"]), ci_high=g17(row["97.5%"])))
            lcs = []
            for expr in spec["lincoms"]:
                r = parse_lincom(expr, names)
                est = float(r @ fit._beta_hat)
                se = float(np.sqrt(r @ V @ r))
                lcs.append(dict(expr=expr, estimate=g17(est), se=g17(se)))
            fe_sizes = {f: int(df.loc[fit._data.index, f].nunique()) for f in spec["fe"]} if spec["fe"] else {}
            if lsmr:
                # Cross-check the within solution with pyfixest's alternating
                # projections run to the same tight tolerance.
                mp = pf.feols(fml, data=df, vcov=pf_vcov(vc), ssc=pf.ssc(**sscd), fixef_tol=FIXEF_TOL,
                              fixef_maxiter=1_000_000)
                rel = np.max(np.abs(mp.coef().to_numpy() / fit.coef().to_numpy() - 1))
                rel_se = np.max(np.abs(mp.se().to_numpy() / fit.se().to_numpy() - 1))
                print(case, vc, "within vs MAP: max rel diff coef %.2e, se %.2e" % (rel, rel_se))
                assert rel < 1e-9 and rel_se < 1e-9
            models.append(dict(
                vcov=vc, ssc=ssc_string(sscd), nobs=int(fit._N), df_t=int(np.asarray(fit._df_t).item()),
                collinear=list(getattr(fit, "_collin_vars", []) or []), fe_sizes=fe_sizes,
                coefs=coefs, lincoms=lcs,
                r2=g17(fit._r2), r2_within=(None if not spec["fe"] else g17(fit._r2_within)),
            ))
        n_missing = int(df[[spec["y"]] + spec["x"]].isna().any(axis=1).sum())
        boots = [wcr_enumeration(df, spec, expr, cl) for expr, cl in spec["boots"]]
        expected = dict(
            case=case, y=spec["y"], x=spec["x"], fe=spec["fe"], weights=spec["w"],
            n_rows=int(len(df)), n_missing=n_missing,
            models=models, bootstrap=boots,
            generator=dict(python=sys.version.split()[0], pyfixest=pf.__version__, numpy=np.__version__,
                           pandas=pd.__version__,
                           **(dict(demeaner="LsmrDemeaner(backend='within')", fixef_atol=LSMR_TOL,
                                   fixef_btol=LSMR_TOL) if lsmr else dict(fixef_tol=FIXEF_TOL))),
        )
        with open(os.path.join(cdir, "expected.json"), "w") as fh:
            fh.write(json.dumps(expected, indent=1))
            fh.write("\n")
        print("wrote", cdir)


if __name__ == "__main__":
    main()
