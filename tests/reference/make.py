#!/usr/bin/env python3
"""Generate the reference fixtures of spillnet's estimation engine.

For each case it writes tests/reference/cases/<case>/data.csv (seeded numpy
data) and expected.json (values printed with %.17g):

* coefficients, SEs, t, p, 95 % CI, nobs, collinear regressors, FE sizes from
  pyfixest 0.60 `feols` with a tight fixed-effect tolerance, for several vcov
  types and small-sample corrections;
* linear combinations R'b with SE sqrt(R' V R) from pyfixest's vcov;
* fixed-effect recovery (case `fixef`, file fixef.json): pyfixest's
  `fixef()` (minimum-norm LSQR solution, a normalisation different from
  fixest's references; the test converts it), its per-row FE sums,
  `predict()` and `resid()`, for an unweighted and a weighted model on a
  worker x firm design with two connected components, singletons and a
  missing cell;
* wild cluster restricted bootstrap p-values by full enumeration of the
  Rademacher weights, computed here independently with numpy: each draw is an
  explicit OLS on [X, dummies of every fixed effect] (dense), the CRV1 t of
  the draw is compared with the sample t, and ties within a relative 1e-9
  count as at least as extreme (spillnet's documented tie rule). pyfixest's
  own wild bootstrap needs the `wildboottest` package, which is not used here.

Run from the repository root:  python3 tests/reference/make.py [CASE ...]
(no argument: every case; re-running changes the last digit or two).
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


def write_case_data(out_root, case, df):
    """Write a case's data.csv (full precision) and read it back, so the fits
    see exactly the numbers the Rust tests read. Returns (case folder, frame)."""
    cdir = os.path.join(out_root, case)
    os.makedirs(cdir, exist_ok=True)
    df.to_csv(os.path.join(cdir, "data.csv"), index=False, float_format="%.17g")
    return cdir, pd.read_csv(os.path.join(cdir, "data.csv"))


def coef_rows(fit, names):
    """Estimate, SE, t (or z), p and 95 % CI of each coefficient, from pyfixest's tidy()."""
    tidy = fit.tidy()
    return [dict(name=nm, estimate=g17(tidy.loc[nm]["Estimate"]), se=g17(tidy.loc[nm]["Std. Error"]),
                 t=g17(tidy.loc[nm]["t value"]), p=g17(tidy.loc[nm]["Pr(>|t|)"]),
                 ci_low=g17(tidy.loc[nm]["2.5%"]), ci_high=g17(tidy.loc[nm]["97.5%"])) for nm in names]


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


# --------------------------------------------------------------------------- IV (2SLS) and formula cases

def make_iv_data(case, rng):
    if case in ("iv_fe2", "iv_fe1_weights", "iv_nofe", "iv_two_endog", "iv_no_exog"):
        n = 1500
        f1 = rng.integers(0, 50, n)
        f2 = rng.integers(0, 20, n)
        cl1 = rng.integers(0, 13, n)
        cl2 = rng.integers(0, 9, n)
        w = rng.uniform(0.3, 2.5, n)
        x1 = rng.normal(size=n) + 0.1 * f2
        z1 = rng.normal(size=n)
        z2 = rng.normal(size=n) + 0.2 * (f1 % 5)
        z3 = rng.normal(size=n)
        e = rng.normal(size=n) + 0.5 * rng.normal(size=13)[cl1]
        d1 = 0.8 * z1 + 0.5 * z2 + 0.3 * x1 + 0.1 * f1 / 10 + 0.6 * e + rng.normal(size=n)
        d2 = 0.4 * z1 - 0.7 * z3 + 0.2 * z2 + 0.5 * e + rng.normal(size=n)
        y = (1.0 + 0.9 * d1 - 0.4 * d2 + 0.5 * x1 + np.sin(f1) + 0.05 * f2 + e
             + 0.4 * rng.normal(size=9)[cl2] + rng.normal(size=n) * (1 + 0.3 * np.abs(x1)))
        return pd.DataFrame(dict(y=y, x1=x1, d1=d1, d2=d2, z1=z1, z2=z2, z3=z3, f1=f1, f2=f2, cl1=cl1, cl2=cl2, w=w))
    if case == "formula_i_text":
        # A text column inside i(): brands sorted alphabetically, reference "toyota".
        n = 1600
        brands = np.array(["vw", "byd", "toyota", "geely", "great wall"])
        b = rng.integers(0, 5, n)
        f3 = rng.integers(0, 30, n)
        cl = rng.integers(0, 15, n)
        x1 = rng.normal(size=n)
        x2 = rng.normal(size=n) + 0.1 * b
        eff = np.array([0.3, -0.2, 0.0, 0.5, 0.1])
        y = (0.5 * x2 + eff[b] + 0.2 * b * x1 + np.cos(f3) + rng.normal(size=15)[cl] + rng.normal(size=n))
        return pd.DataFrame(dict(y=y, x1=x1, x2=x2, brand=brands[b], f3=f3, cl=cl))
    if case in ("formula_i", "formula_i_noref"):
        n = 1800
        f1 = rng.integers(0, 12, n)
        f2 = rng.integers(0, 6, n)
        f3 = rng.integers(0, 30, n)
        cl = rng.integers(0, 15, n)
        t = rng.integers(-3, 4, n)
        x1 = rng.normal(size=n)
        x2 = rng.normal(size=n) + 0.1 * t
        y = (0.5 * x2 + 0.3 * x1 * x2 + 0.2 * t * (t > 0) + 0.1 * t * x1 + np.sin(f1 * 6 + f2) + np.cos(f3)
             + rng.normal(size=15)[cl] + rng.normal(size=n))
        return pd.DataFrame(dict(y=y, x1=x1, x2=x2, t=t, f1=f1, f2=f2, f3=f3, cl=cl))
    raise ValueError(case)


IV_CASES = {
    # case: formula, weights, vcovs (vcov, ssc dict), first-stage F vcovs (pyfixest supports one endog only)
    "iv_fe2": dict(
        fml="y ~ x1 | f1 + f2 | d1 ~ z1 + z2", w=None,
        vcovs=[("iid", {}), ("hetero", {}), ("cluster:cl1", {}), ("cluster:cl1+cl2", {}),
               ("cluster:cl1", dict(k_fixef="full", G_adj=False))],
        first_stage=True,
    ),
    "iv_fe1_weights": dict(
        fml="y ~ x1 | f1 | d1 ~ z1 + z3", w="w",
        vcovs=[("iid", {}), ("hetero", {}), ("cluster:cl1", {}), ("cluster:cl1+cl2", dict(G_df="conventional"))],
        first_stage=True,
    ),
    "iv_no_exog": dict(
        fml="y ~ 1 | f1 + f2 | d1 ~ z1 + z2", w=None,
        vcovs=[("iid", {}), ("cluster:cl1", {})],
        first_stage=True,
    ),
    # pyfixest 0.60 fits one endogenous regressor only: this case is computed by dense_iv below.
    "iv_two_endog": dict(
        fml="y ~ x1 | f1 | d1 + d2 ~ z1 + z2 + z3", w=None,
        vcovs=[("iid", {}), ("hetero", {}), ("cluster:cl1", {})],
        first_stage=False,
    ),
    "iv_nofe": dict(
        fml="y ~ x1 | d1 ~ z1 + z2", w=None,
        vcovs=[("iid", {}), ("hetero", {}), ("cluster:cl1", {})],
        first_stage=True,
    ),
    "formula_i": dict(
        fml="y ~ x2 + x1:x2 + i(t, x1, ref = 0) + i(t, ref = -1) | f1^f2 + f3", w=None,
        vcovs=[("iid", {}), ("cluster:cl", {})],
        first_stage=False,
    ),
    "formula_i_text": dict(
        fml='y ~ x2 + i(brand, ref = "toyota") + i(brand, x1) | f3', w=None,
        vcovs=[("hetero", {}), ("cluster:cl", {})],
        first_stage=False,
    ),
    # i() without ref: pyfixest leaves out the first level of i(var), keeps every level of i(var, x).
    "formula_i_noref": dict(
        fml="y ~ i(t) + i(f1) + i(t, x1) | f3", w=None,
        vcovs=[("hetero", {})],
        first_stage=False,
    ),
}

IV_SEEDS = {"iv_fe2": 21, "iv_fe1_weights": 22, "iv_nofe": 23, "formula_i": 24, "iv_two_endog": 25, "iv_no_exog": 26, "formula_i_noref": 24, "formula_i_text": 27}


def parse_iv(fml):
    lhs, _, rest = fml.partition("~")
    parts = [p.strip() for p in rest.split("|")]
    exog = [v.strip() for v in parts[0].split("+") if v.strip() != "1"]
    fes = [v.strip() for v in parts[1].split("+")] if len(parts) == 3 else []
    endog, _, inst = parts[-1].partition("~")
    return lhs.strip(), exog, fes, [v.strip() for v in endog.split("+")], [v.strip() for v in inst.split("+")]


def dense_iv(df, fml, vc):
    """Unweighted 2SLS with dense fixed-effect dummies (one fixed effect, no
    singletons): coefficients and fixest-default SEs (K = all columns, as
    K.fixef=nonnested with the fixed effect not nested in the cluster)."""
    y_name, exog, fes, endog, inst = parse_iv(fml)
    assert len(fes) == 1 and df.groupby(fes[0]).size().min() > 1
    y = df[y_name].to_numpy(float)
    D = pd.get_dummies(df[fes[0]]).to_numpy(float)
    X = np.column_stack([df[c].to_numpy(float) for c in exog + endog] + [D])
    Z = np.column_stack([df[c].to_numpy(float) for c in exog + inst] + [D])
    Xhat = Z @ np.linalg.solve(Z.T @ Z, Z.T @ X)
    B = np.linalg.inv(Xhat.T @ Xhat)
    b = B @ Xhat.T @ y
    u = y - X @ b
    n, K = X.shape
    if vc == "iid":
        V = u @ u / (n - K) * B
        df_t = n - K
    elif vc == "hetero":
        S = Xhat * u[:, None]
        V = n / (n - K) * B @ (S.T @ S) @ B
        df_t = n - K
    else:
        cl = pd.factorize(df[vc.split(":")[1]])[0]
        G = cl.max() + 1
        Sg = np.zeros((G, K))
        np.add.at(Sg, cl, Xhat * u[:, None])
        V = (n - 1) / (n - K) * G / (G - 1) * B @ (Sg.T @ Sg) @ B
        df_t = G - 1
    k = len(exog) + len(endog)
    names = exog + endog
    coefs = [dict(name=nm, estimate=g17(b[j]), se=g17(np.sqrt(V[j, j]))) for j, nm in enumerate(names)]
    return dict(vcov=vc, ssc=ssc_string({}), nobs=int(n), df_t=int(df_t), coefs=coefs)


def dense_wu_hausman(df, fml, w):
    """Wu-Hausman F computed densely (dummies for every fixed effect): the
    classical F test of the first-stage residuals added to y ~ X (control
    function), ((RSS_r - RSS_u)/k2) / (RSS_u/(N - rank))."""
    y_name, exog, fes, endog, inst = parse_iv(fml)
    ww = np.sqrt(df[w].to_numpy(float) if w else np.ones(len(df)))
    D = [np.ones(len(df))] if not fes else []
    for i, f in enumerate(fes):
        dm = pd.get_dummies(df[f]).to_numpy(float)
        D += list((dm if i == 0 else dm[:, 1:]).T)
    y = df[y_name].to_numpy(float) * ww
    X = np.column_stack([df[c].to_numpy(float) for c in exog + endog] + D) * ww[:, None]
    Z = np.column_stack([df[c].to_numpy(float) for c in exog + inst] + D) * ww[:, None]
    X2 = np.column_stack([df[c].to_numpy(float) for c in endog]) * ww[:, None]
    V = X2 - Z @ np.linalg.lstsq(Z, X2, rcond=None)[0]
    A = np.column_stack([X, V])

    def rss(M):
        return np.sum((y - M @ np.linalg.lstsq(M, y, rcond=None)[0]) ** 2)

    rss_r, rss_u = rss(X), rss(A)
    k2 = len(endog)
    df2 = len(df) - np.linalg.matrix_rank(A)
    return dict(f=g17(((rss_r - rss_u) / k2) / (rss_u / df2)), df1=k2, df2=int(df2))


def dense_r2(df, fml, w):
    """R² and within R² of a 2SLS fit computed densely (dummies for every
    fixed effect, residuals with the actual regressors), independent of pyfixest."""
    y_name, exog, fes, endog, inst = parse_iv(fml)
    y = df[y_name].to_numpy(float)
    ww = df[w].to_numpy(float) if w else np.ones(len(df))
    D = [np.ones(len(df))] if not fes else []
    for i, f in enumerate(fes):
        dm = pd.get_dummies(df[f]).to_numpy(float)
        D += list((dm if i == 0 else dm[:, 1:]).T)
    X = np.column_stack([df[c].to_numpy(float) for c in exog + endog] + D)
    Z = np.column_stack([df[c].to_numpy(float) for c in exog + inst] + D)
    sw = np.sqrt(ww)
    Xw, Zw, yw = X * sw[:, None], Z * sw[:, None], y * sw
    Xhat = Zw @ np.linalg.lstsq(Zw, Xw, rcond=None)[0]
    b = np.linalg.lstsq(Xhat, yw, rcond=None)[0]
    u = y - X @ b
    rss = np.sum(ww * u ** 2)
    ybar = np.sum(ww * y) / np.sum(ww)
    r2 = 1 - rss / np.sum(ww * (y - ybar) ** 2)
    if not fes:
        return r2, None
    Dm = np.column_stack(D)
    Dw = Dm * sw[:, None]
    ydm = yw - Dw @ np.linalg.lstsq(Dw, yw, rcond=None)[0]
    return r2, 1 - rss / np.sum(ydm ** 2)


def iv_main(out_root, only):
    for case, spec in IV_CASES.items():
        if only and case not in only:
            continue
        rng = np.random.default_rng(IV_SEEDS[case])
        df = make_iv_data(case, rng)
        cdir, df = write_case_data(out_root, case, df)
        models = []
        for vc, sscd in spec["vcovs"]:
            if case == "iv_two_endog":
                models.append(dense_iv(df, spec["fml"], vc))
                continue
            kw = dict(vcov=pf_vcov(vc), ssc=pf.ssc(**sscd), fixef_tol=FIXEF_TOL, fixef_maxiter=100000)
            if spec["w"]:
                kw["weights"] = spec["w"]
            fit = pf.feols(spec["fml"], data=df, **kw)
            names = [str(c) for c in fit._coefnames]
            coefs = coef_rows(fit, names)
            m = dict(vcov=vc, ssc=ssc_string(sscd), nobs=int(fit._N), df_t=int(np.asarray(fit._df_t).item()),
                     coefs=coefs)
            if spec["first_stage"] and "+" not in vc:
                # pyfixest: Wald F of the excluded instruments in the first stage, under the model's vcov
                # (default ssc for the first stage, as pyfixest refits it with its defaults).
                fit.first_stage()
                m["first_stage_f"] = [dict(endog="d1", f=g17(fit._f_stat_1st_stage))]
            models.append(m)
        expected = dict(case=case, formula=spec["fml"], weights=spec["w"], n_rows=int(len(df)), models=models,
                        generator=dict(python=sys.version.split()[0], pyfixest=pf.__version__,
                                       numpy=np.__version__, pandas=pd.__version__, fixef_tol=FIXEF_TOL))
        if not case.startswith("formula"):
            r2, r2w = dense_r2(df, spec["fml"], spec["w"])
            expected["r2_dense"] = g17(r2)
            expected["r2_within_dense"] = None if r2w is None else g17(r2w)
            expected["wu_hausman_dense"] = dense_wu_hausman(df, spec["fml"], spec["w"])
        with open(os.path.join(cdir, "expected.json"), "w") as fh:
            fh.write(json.dumps(expected, indent=1))
            fh.write("\n")
        print("wrote", cdir)


# --------------------------------------------------------------------------- measurement-iv (split-sample IV)
#
# data.csv is the measurement-iv group's panel exported by spillnet (the
# ignored test write_measurement_iv_reference_panel, on `synth --seed 3
# --scale small --evidence`): e_D, e_JV from half 1 and from half 2,
# SameGroup and the study's two cluster keys. This script does not write it.
# pyfixest 0.60 fits one endogenous regressor only, so:
# * OLS and the one-endogenous IVs (e_JV:SameGroup instrumented by the other
#   half's, half 1 and stacked; e_JV alone is degenerate on same-segment
#   pairs, its coefficient identically 0): pyfixest feols, CRV1 two-way cl_D + cl_JV with
#   fixest's eigenvalue fix applied to pyfixest's vcov (fixest and spillnet
#   zero the negative eigenvalues of a non-PSD multiway vcov; pyfixest does
#   not); first-stage F under iid and CRV1 cl_D from pyfixest;
# * the two-endogenous IVs (e_JV and e_JV:SameGroup): coefficients from
#   pyfixest's two stages (first stages' fitted values, then OLS of e_D on
#   them), SEs from a numpy 2SLS sandwich (bread (X̂'X̂)⁻¹, scores X̂·u with
#   u = y − Xb, two-way CRV1 = V(cl_D) + V(cl_JV) − V(cl_D ∩ cl_JV), ssc
#   (n−1)/(n−K)·G/(G−1) with G the smaller cluster count, eigenvalue fix),
#   the same sandwich being checked against pyfixest's SEs on the
#   one-endogenous models first.


def iv_sandwich(y, X, Z, cls):
    Xhat = Z @ np.linalg.solve(Z.T @ Z, Z.T @ X)
    B = np.linalg.inv(Xhat.T @ Xhat)
    b = B @ Xhat.T @ y
    u = y - X @ b
    S = Xhat * u[:, None]
    n, K = X.shape
    codes = [pd.factorize(c)[0] for c in cls]
    inter = pd.factorize(pd.Series(list(zip(*codes))))[0]
    G = min(c.max() + 1 for c in codes)

    def meat(c):
        Sg = np.zeros((c.max() + 1, K))
        np.add.at(Sg, c, S)
        return Sg.T @ Sg

    M = meat(codes[0]) + meat(codes[1]) - meat(inter)
    V = (n - 1) / (n - K) * G / (G - 1) * B @ M @ B
    lam, q = np.linalg.eigh(V)
    if (lam < 0).any():
        V = q @ np.diag(np.maximum(lam, 0.0)) @ q.T
    return b, V


def stacked(df, sg):
    a = pd.DataFrame(dict(e_D=df.e_D, x=df.e_JV_h1, z=df.e_JV_h2, SG=df.SameGroup, cl_D=df.cl_D, cl_JV=df.cl_JV))
    b = pd.DataFrame(dict(e_D=df.e_D, x=df.e_JV_h2, z=df.e_JV_h1, SG=df.SameGroup, cl_D=df.cl_D, cl_JV=df.cl_JV))
    return pd.concat([a, b], ignore_index=True) if sg == "stacked" else (a if sg == "h1" else b)


def measurement_iv_main(out_root, only):
    if only and "measurement_iv" not in only:
        return
    cdir = os.path.join(out_root, "measurement_iv")
    df = pd.read_csv(os.path.join(cdir, "data.csv"))
    two = {"CRV1": "cl_D+cl_JV"}
    models = {}

    def entry(names, b, V, n):
        return dict(nobs=int(n), coefs=[dict(name=nm, estimate=g17(b[j]), se=g17(np.sqrt(V[j, j])))
                                        for j, nm in enumerate(names)])

    d = stacked(df, "h1")
    d["xg"] = d.x * d.SG
    fit = pf.feols("e_D ~ x + xg", data=d, vcov=two)
    V, _ = fixed_vcov(fit)
    models["ols_half1"] = entry(["(Intercept)", "e_JV", "e_JV:SameGroup"], fit.coef().to_numpy(), V, fit._N)
    for key, which in [("iv1_half1", "h1"), ("iv1_stacked", "stacked")]:
        d = stacked(df, which)
        d["xg"] = d.x * d.SG
        d["zg"] = d.z * d.SG
        fit = pf.feols("e_D ~ 1 | xg ~ zg", data=d, vcov=two)
        V, _ = fixed_vcov(fit)
        b = fit.coef().to_numpy()
        # The numpy sandwich must reproduce pyfixest (validates it for the two-endogenous models).
        X = np.column_stack([np.ones(len(d)), d.xg])
        Z = np.column_stack([np.ones(len(d)), d.zg])
        b2, V2 = iv_sandwich(d.e_D.to_numpy(), X, Z, [d.cl_D.to_numpy(), d.cl_JV.to_numpy()])
        assert np.allclose(b2, b, rtol=1e-10, atol=1e-14), (b2, b)
        assert np.allclose(np.sqrt(np.diag(V2)), np.sqrt(np.diag(V)), rtol=1e-10, atol=0), (V2, V)
        m = entry(["(Intercept)", "e_JV:SameGroup"], b, V, fit._N)
        fs = {}
        for vc, name in [("iid", "iid"), ({"CRV1": "cl_D"}, "CRV1:cl_D")]:
            f1 = pf.feols("e_D ~ 1 | xg ~ zg", data=d, vcov=vc)
            f1.first_stage()
            fs[name] = g17(f1._f_stat_1st_stage)
        m["first_stage_f"] = fs
        models[key] = m
    for key, which in [("iv2_half1", "h1"), ("iv2_half2", "h2"), ("iv2_stacked", "stacked")]:
        d = stacked(df, which)
        d["xg"] = d.x * d.SG
        d["zg"] = d.z * d.SG
        d["xh"] = pf.feols("x ~ z + zg", data=d).predict()
        d["xgh"] = pf.feols("xg ~ z + zg", data=d).predict()
        b = pf.feols("e_D ~ xh + xgh", data=d).coef().to_numpy()
        X = np.column_stack([np.ones(len(d)), d.x, d.xg])
        Z = np.column_stack([np.ones(len(d)), d.z, d.zg])
        b2, V = iv_sandwich(d.e_D.to_numpy(), X, Z, [d.cl_D.to_numpy(), d.cl_JV.to_numpy()])
        assert np.allclose(b2, b, rtol=1e-9, atol=1e-14), (b2, b)
        models[key] = entry(["(Intercept)", "e_JV", "e_JV:SameGroup"], b, V, len(d))
    expected = dict(case="measurement_iv", rows=int(len(df)), models=models,
                    generator=dict(python=sys.version.split()[0], pyfixest=pf.__version__,
                                   numpy=np.__version__, pandas=pd.__version__))
    with open(os.path.join(cdir, "expected.json"), "w") as fh:
        fh.write(json.dumps(expected, indent=1))
        fh.write("\n")
    print("wrote", cdir)


def fixed_vcov(fit):
    v = np.asarray(fit._vcov, dtype=float)
    lam, q = np.linalg.eigh(v)
    fixed = bool((lam < 0).any())
    if fixed:
        v = q @ np.diag(np.maximum(lam, 0.0)) @ q.T
    return v, fixed


# --------------------------------------------------------------------------- Poisson (fepois) cases

IWLS_TOL = 1e-13


def make_pois_data(case, rng):
    if case in ("pois_fe2", "pois_fe1_weights", "pois_nofe"):
        n = 2000
        f1 = rng.integers(0, 80, n)
        f2 = rng.integers(0, 15, n)
        cl = rng.integers(0, 11, n)
        w = rng.uniform(0.3, 2.5, n)
        x1 = rng.normal(size=n) + 0.05 * f2
        x2 = rng.normal(size=n) + 0.1 * (f1 % 4)
        a = rng.normal(scale=0.6, size=80)
        b = rng.normal(scale=0.3, size=15)
        mu = np.exp(0.2 + 0.3 * x1 - 0.2 * x2 + a[f1] + b[f2] + 0.4 * rng.normal(size=11)[cl])
        y = rng.poisson(mu).astype(float)
        # Separation by a fixed effect: levels 0-3 of f1 have an all-zero outcome.
        y[f1 < 4] = 0.0
        return pd.DataFrame(dict(y=y, x1=x1, x2=x2, f1=f1, f2=f2, cl=cl, w=w))
    if case == "pois_sep_ir":
        n = 1500
        f1 = rng.integers(0, 60, n)
        f2 = rng.integers(0, 10, n)
        cl = rng.integers(0, 11, n)
        x1 = rng.normal(size=n)
        x2 = rng.normal(size=n) + 0.1 * f2
        mu = np.exp(0.3 * x1 - 0.2 * x2 + rng.normal(scale=0.5, size=60)[f1])
        y = rng.poisson(mu).astype(float)
        # Separation by a regressor: d > 0 only where y = 0 (in levels that
        # also have positive outcomes, so the fixed-effect check misses it).
        d = np.where((y == 0) & (rng.uniform(size=n) < 0.15), rng.uniform(0.5, 2.0, n), 0.0)
        return pd.DataFrame(dict(y=y, x1=x1, x2=x2, d=d, f1=f1, f2=f2, cl=cl))
    if case == "pois_formula":
        n = 1800
        f1 = rng.integers(0, 12, n)
        f2 = rng.integers(0, 6, n)
        cl = rng.integers(0, 15, n)
        t = rng.integers(-3, 4, n)
        x1 = rng.normal(size=n)
        mu = np.exp(0.1 + 0.25 * x1 + 0.1 * t * (t > 0) + 0.3 * np.sin(f1 * 6 + f2))
        y = rng.poisson(mu).astype(float)
        return pd.DataFrame(dict(y=y, x1=x1, t=t, f1=f1, f2=f2, cl=cl))
    raise ValueError(case)


POIS_CASES = {
    "pois_fe2": dict(
        fml="y ~ x1 + x2 | f1 + f2", w=None,
        vcovs=[("iid", {}), ("hetero", {}), ("cluster:cl", {}), ("cluster:cl+f2", {}),
               ("cluster:cl", dict(k_fixef="full", G_adj=False))],
    ),
    "pois_fe1_weights": dict(
        fml="y ~ x1 + x2 | f1", w="w",
        vcovs=[("iid", {}), ("hetero", {}), ("cluster:cl", {})],
    ),
    "pois_nofe": dict(
        fml="y ~ x1 + x2", w=None,
        vcovs=[("iid", {}), ("hetero", {}), ("cluster:cl", {})],
    ),
    "pois_formula": dict(
        fml="y ~ x1 + i(t, ref = 0) | f1^f2", w=None,
        vcovs=[("iid", {}), ("cluster:cl", {})],
    ),
    # pyfixest with separation_check=["fe", "ir"] (the iterative rectifier).
    "pois_sep_ir": dict(
        fml="y ~ x1 + x2 + d | f1 + f2", w=None,
        vcovs=[("iid", {}), ("cluster:cl", {})], separation=["fe", "ir"],
    ),
}

POIS_SEEDS = {"pois_fe2": 31, "pois_fe1_weights": 32, "pois_nofe": 33, "pois_formula": 34, "pois_sep_ir": 35}


def pois_main(out_root, only):
    """pyfixest `fepois` at tight tolerances (demeaning 1e-14, IRLS deviance
    criterion 1e-13, up to 100 iterations); the separated observations are
    pyfixest's `separation_check=["fe"]` count."""
    for case, spec in POIS_CASES.items():
        if only and case not in only:
            continue
        rng = np.random.default_rng(POIS_SEEDS[case])
        df = make_pois_data(case, rng)
        cdir, df = write_case_data(out_root, case, df)
        models = []
        for vc, sscd in spec["vcovs"]:
            kw = dict(vcov=pf_vcov(vc), ssc=pf.ssc(**sscd), fixef_tol=FIXEF_TOL, fixef_maxiter=100000,
                      iwls_tol=IWLS_TOL, iwls_maxiter=100)
            if "separation" in spec:
                kw["separation_check"] = spec["separation"]
            if spec["w"]:
                kw["weights"] = spec["w"]
            fit = pf.fepois(spec["fml"], data=df, **kw)
            names = [str(c) for c in fit._coefnames]
            coefs = coef_rows(fit, names)
            models.append(dict(vcov=vc, ssc=ssc_string(sscd), nobs=int(fit._N),
                               collinear=[str(c) for c in (getattr(fit, "_collin_vars", []) or [])],
                               n_separated=int(getattr(fit, "n_separation_na", 0) or 0),
                               deviance=g17(fit.deviance), loglik=g17(fit._loglik),
                               pseudo_r2=None if fit._pseudo_r2 is None else g17(fit._pseudo_r2),
                               coefs=coefs))
        expected = dict(case=case, formula=spec["fml"], weights=spec["w"], n_rows=int(len(df)), models=models,
                        generator=dict(python=sys.version.split()[0], pyfixest=pf.__version__,
                                       numpy=np.__version__, pandas=pd.__version__, fixef_tol=FIXEF_TOL,
                                       iwls_tol=IWLS_TOL))
        with open(os.path.join(cdir, "expected.json"), "w") as fh:
            fh.write(json.dumps(expected, indent=1))
            fh.write("\n")
        print("wrote", cdir)
FIXEF_LSQR_TOL = 1e-14


# --------------------------------------------------------------------------- alternatives: demand overlap

ALT_DEMAND_FML = ("count ~ SameGroup + SameGroup_x_SameSeg + SameSeg + SameOwnership + abs_dlog_price"
                  " + abs_dlog_size + abs_dlog_power | year + firm_D + firm_JV")


def alt_main(out_root, only):
    """The alternatives group's demand-overlap Poisson on the panel spillnet
    exports (cases/alt_demand/data.csv, written by the Rust test
    `alt_demand_poisson_equals_pyfixest_on_the_exported_panel` with
    SPILLNET_WRITE_REFERENCE=1 from `synth --scale small --seed 5 --evidence
    --demand-same-group 0.3 --demand-same-group-seg 0.2`): pyfixest `fepois`
    with year, domestic-firm and JV-firm fixed effects, CRV1 by firm pair,
    both separation checks, tight tolerances."""
    case = "alt_demand"
    if only and case not in only:
        return
    cdir = os.path.join(out_root, case)
    df = pd.read_csv(os.path.join(cdir, "data.csv"))
    sscd = {}
    fit = pf.fepois(ALT_DEMAND_FML, data=df, vcov={"CRV1": "firm_pair"}, ssc=pf.ssc(**sscd), fixef_tol=FIXEF_TOL,
                    fixef_maxiter=100000, iwls_tol=IWLS_TOL, iwls_maxiter=100, separation_check=["fe", "ir"])
    names = [str(c) for c in fit._coefnames]
    sample = df.loc[fit._data.index] if hasattr(fit, "_data") else df
    model = dict(vcov="CRV1:firm_pair", ssc=ssc_string(sscd), nobs=int(fit._N),
                 collinear=[str(c) for c in (getattr(fit, "_collin_vars", []) or [])],
                 n_separated=int(getattr(fit, "n_separation_na", 0) or 0),
                 clusters=int(sample["firm_pair"].nunique()),
                 deviance=g17(fit.deviance), loglik=g17(fit._loglik), coefs=coef_rows(fit, names))
    expected = dict(case=case, formula=ALT_DEMAND_FML, n_rows=int(len(df)), models=[model],
                    generator=dict(python=sys.version.split()[0], pyfixest=pf.__version__, numpy=np.__version__,
                                   pandas=pd.__version__, fixef_tol=FIXEF_TOL, iwls_tol=IWLS_TOL))
    with open(os.path.join(cdir, "expected.json"), "w") as fh:
        fh.write(json.dumps(expected, indent=1))
        fh.write("\n")
    print("wrote", cdir)


def make_fixef_data(rng):
    """Worker x firm panel in two blocks that never mix (two connected
    components), string worker ids, a few singletons and one missing cell."""
    rows = []
    for block, (n_workers, firms) in enumerate([(40, range(0, 8)), (25, range(8, 13))]):
        for i in range(n_workers):
            wid = "w%d_%d" % (block, i)
            firm = int(rng.choice(list(firms)))
            for t in range(int(rng.integers(2, 6))):
                if rng.uniform() < 0.3:
                    firm = int(rng.choice(list(firms)))
                rows.append((wid, firm, t))
    rows.append(("w_solo", 3, 0))  # a worker seen once: singleton
    rows.append(("w0_0", 99, 1))  # a firm seen once: singleton
    df = pd.DataFrame(rows, columns=["worker", "firm", "year"])
    n = len(df)
    theta = {w: rng.normal() for w in df["worker"].unique()}
    psi = {f: rng.normal() for f in df["firm"].unique()}
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n) + 0.5 * df["firm"].map(psi).to_numpy()
    w = rng.uniform(0.5, 2.0, n)
    y = 0.7 * x1 - 0.3 * x2 + df["worker"].map(theta).to_numpy() + df["firm"].map(psi).to_numpy() + rng.normal(size=n)
    df = df.assign(y=y, x1=x1, x2=x2, w=w)[["y", "x1", "x2", "worker", "firm", "w"]]
    df.loc[5, "x2"] = np.nan
    return df


def fixef_main(out_root, only):
    case = "fixef"
    if only and case not in only:
        return
    cdir = os.path.join(out_root, case)
    os.makedirs(cdir, exist_ok=True)
    make_fixef_data(np.random.default_rng(31)).to_csv(os.path.join(cdir, "data.csv"), index=False,
                                                      float_format="%.17g")
    df = pd.read_csv(os.path.join(cdir, "data.csv"))
    fml = "y ~ x1 + x2 | worker + firm"
    models = []
    for weights in [None, "w"]:
        kw = dict(fixef_tol=FIXEF_TOL, fixef_maxiter=100000, fixef_rm="singleton")
        if weights:
            kw["weights"] = weights
        fit = pf.feols(fml, data=df, **kw)
        fe = fit.fixef(atol=FIXEF_LSQR_TOL, btol=FIXEF_LSQR_TOL)
        idx = fit._data.index.to_numpy()
        pred = np.asarray(fit.predict(atol=FIXEF_LSQR_TOL, btol=FIXEF_LSQR_TOL)).flatten()
        resid = np.asarray(fit.resid()).flatten()
        sum_fe = np.asarray(fit._sumFE).flatten()
        if weights:
            sum_fe = sum_fe / np.sqrt(df.loc[idx, weights].to_numpy())
        y = df.loc[idx, "y"].to_numpy()
        # The FE sums reproduce the model: y - X b - sumFE = resid (LSQR converged).
        xb = df.loc[idx, list(fit._coefnames)].to_numpy() @ fit._beta_hat
        gap = np.max(np.abs(y - xb - sum_fe - resid))
        print(case, weights, "max |y - Xb - sumFE - resid| = %.2e" % gap)
        assert gap < 1e-10
        models.append(dict(
            weights=weights, nobs=int(fit._N),
            coefs={nm: g17(b) for nm, b in zip(fit._coefnames, fit._beta_hat)},
            fixef={var: {str(k): g17(v) for k, v in levels.items()} for var, levels in fe.items()},
            rows=[int(i) + 1 for i in idx],
            sum_fe=[g17(v) for v in sum_fe], fitted=[g17(v) for v in pred], resid=[g17(v) for v in resid],
        ))
    out = dict(case=case, formula=fml, n_rows=int(len(df)), models=models,
               generator=dict(python=sys.version.split()[0], pyfixest=pf.__version__, numpy=np.__version__,
                              pandas=pd.__version__, fixef_tol=FIXEF_TOL, lsqr_atol=FIXEF_LSQR_TOL,
                              lsqr_btol=FIXEF_LSQR_TOL))
    with open(os.path.join(cdir, "fixef.json"), "w") as fh:
        fh.write(json.dumps(out, indent=1))
        fh.write("\n")
    print("wrote", cdir)


def main():
    out_root = os.path.join(HERE, "cases")
    only = set(sys.argv[1:])
    iv_main(out_root, only)
    measurement_iv_main(out_root, only)
    pois_main(out_root, only)
    alt_main(out_root, only)
    fixef_main(out_root, only)
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
            coefs = coef_rows(fit, names)
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
