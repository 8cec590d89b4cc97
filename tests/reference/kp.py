#!/usr/bin/env python3
"""Reference values of the Kleibergen-Paap rk Wald statistic (spillnet's
`estimate::kleibergen_paap`), computed independently in numpy.

No program that this project can install computes it (pyfixest 0.60 has no
KP statistic and fits one endogenous regressor only; ivreg2/ranktest and
FixedEffectModels.jl need Stata or Julia), so this script implements the
definition of Kleibergen & Paap (2006, J. Econometrics 133, eq. 12-22) from
scratch on the committed data of the IV cases:

* the fixed effects and exogenous regressors are partialled out by an
  explicit dense least-squares fit on [exogenous, dummies of every fixed
  effect] (no demeaning algorithm), with analytic weights as sqrt(w) rows;
* Pi = excluded-instrument coefficients of the first stages, V the joint
  covariance of vec(Pi) from explicit per-observation scores
  kron(v_i, a_i), a_i = (Z'Z)^-1 z_i, summed by observation (HC1) or cluster
  (CRV1; two-way by inclusion-exclusion with the eigenvalue fix), times
  fixest's default small-sample factors (K.adj, K.fixef = nonnested,
  G.adj, G.df = min); iid: Sigma (x) (Z'Z)^-1 with Sigma = V'V / (N - 1);
* Theta = F Pi G^-1 (upper Cholesky factors of Z'Z and X'X), SVD, A_perp,
  B_perp, lambda and rk = lambda' Omega^-1 lambda with q = K - 1.

For one endogenous regressor rk / L must equal the first-stage Wald F that
pyfixest reports (`first_stage_f` in the case's expected.json): the script
asserts that first, which checks the covariance and the ssc against
pyfixest, then writes cases/<case>/kp.json for every case.

Run from the repository root:  python3 tests/reference/kp.py
Versions used for the committed files: see "generator" in each kp.json.
"""

import json
import os
import platform

import numpy as np
import pandas as pd
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))

# case -> (outcome, exogenous, fixed effects, endogenous, instruments, weights, vcovs)
CASES = {
    "iv_two_endog": ("y", ["x1"], ["f1"], ["d1", "d2"], ["z1", "z2", "z3"], None,
                     ["iid", "hetero", "cluster:cl1", "cluster:cl1+cl2"]),
    "iv_fe2": ("y", ["x1"], ["f1", "f2"], ["d1"], ["z1", "z2"], None,
               ["iid", "hetero", "cluster:cl1", "cluster:cl1+cl2"]),
    "iv_fe1_weights": ("y", ["x1"], ["f1"], ["d1"], ["z1", "z3"], "w",
                       ["iid", "hetero", "cluster:cl1"]),
}


def dummies(codes):
    levels, inv = np.unique(codes, return_inverse=True)
    d = np.zeros((len(codes), len(levels)))
    d[np.arange(len(codes)), inv] = 1.0
    return d, len(levels)


def partial_out(m, controls):
    if controls.shape[1] == 0:
        return m
    coef, *_ = np.linalg.lstsq(controls, m, rcond=None)
    return m - controls @ coef


def sqrtm_sym(a):
    s, u = np.linalg.eigh(a)
    return (u * np.sqrt(np.clip(s, 0, None))) @ u.T


def kp(df, spec, case):
    _, exog, fes, endog, inst, wname, _ = CASES[case]
    n = len(df)
    sw = np.sqrt(df[wname].to_numpy()) if wname else np.ones(n)
    ctrl = [df[exog].to_numpy()] if exog else []
    n_levels = 0
    for i, f in enumerate(fes):
        d, g = dummies(df[f].to_numpy())
        n_levels += g
        ctrl.append(d if i == 0 else d[:, 1:])
    if not fes:
        ctrl.append(np.ones((n, 1)))
    c = np.hstack(ctrl) * sw[:, None]
    x = partial_out(df[endog].to_numpy() * sw[:, None], c)
    z = partial_out(df[inst].to_numpy() * sw[:, None], c)
    k, l = x.shape[1], z.shape[1]
    zz = z.T @ z
    zz_inv = np.linalg.inv(zz)
    pi = zz_inv @ z.T @ x  # l x k
    v = x - z @ pi
    a = z @ zz_inv  # row i = a_i'
    scores = np.hstack([v[:, [j]] * a for j in range(k)])  # n x (k l), vec order j*l + r
    # fixest's K: first-stage coefficients (exogenous + instruments) + FE levels
    # (K.fixef = nonnested; no FE here is nested in a cluster), minus one per extra FE.
    kk = len(exog) + l + (n_levels - (len(fes) - 1) if fes else 1)
    if spec == "iid":
        sigma = v.T @ v / (n - 1)
        vpi = (n - 1) / (n - kk) * np.kron(sigma, zz_inv)
    elif spec == "hetero":
        vpi = n / (n - kk) * scores.T @ scores
    else:
        names = spec.split(":")[1].split("+")
        codes = [pd.factorize(df[c])[0] for c in names]
        g_min = min(cc.max() + 1 for cc in codes)
        vpi = np.zeros((k * l, k * l))
        m = len(codes)
        for subset in range(1, 1 << m):
            members = [j for j in range(m) if subset >> j & 1]
            key = pd.factorize(pd.Series(list(zip(*[codes[j] for j in members]))))[0]
            g = key.max() + 1
            h = np.zeros((g, k * l))
            np.add.at(h, key, scores)
            sign = 1.0 if len(members) % 2 == 1 else -1.0
            vpi += sign * (n - 1) / (n - kk) * g_min / (g_min - 1) * h.T @ h
        if m > 1:
            s, u = np.linalg.eigh(vpi)
            vpi = (u * np.clip(s, 0, None)) @ u.T
    xx = pi.T @ zz @ pi + v.T @ v
    f_up = np.linalg.cholesky(zz).T
    g_up = np.linalg.cholesky(xx).T
    g_inv = np.linalg.inv(g_up)
    theta = f_up @ pi @ g_inv
    t = np.kron(g_inv.T, f_up)
    v_theta = t @ vpi @ t.T
    u, s, vt = np.linalg.svd(theta, full_matrices=True)
    vmat = vt.T
    q = k - 1
    u22 = u[q:, q:]
    a_perp = u[:, q:] @ np.linalg.inv(u22) @ sqrtm_sym(u22 @ u22.T)
    v22 = vmat[q:, q:]
    b_perp = sqrtm_sym(v22 @ v22.T) @ np.linalg.inv(v22.T) @ vmat[:, q:].T
    cmat = np.kron(b_perp, a_perp.T)
    lam = cmat @ theta.flatten(order="F")
    omega = cmat @ v_theta @ cmat.T
    rk = float(lam @ np.linalg.solve(omega, lam))
    df_ = l - k + 1
    return dict(vcov=spec, stat=rk, df=df_, p=float(stats.chi2.sf(rk, df_)), f=rk / l)


def main():
    for case, (_, _, _, endog, _, _, specs) in CASES.items():
        folder = os.path.join(HERE, "cases", case)
        df = pd.read_csv(os.path.join(folder, "data.csv"))
        rows = [kp(df, s, case) for s in specs]
        if len(endog) == 1:
            expected = json.load(open(os.path.join(folder, "expected.json")))
            for r in rows:
                for m in expected["models"]:
                    if m["vcov"] == r["vcov"] and m.get("first_stage_f") and \
                            m["ssc"] == "K.adj=true,K.fixef=nonnested,G.adj=true,G.df=min":
                        want = m["first_stage_f"][0]["f"]
                        assert abs(r["f"] / want - 1) < 1e-8, (case, r, want)
                        r["pyfixest_first_stage_f"] = want
        out = dict(case=case, kp=rows, generator=dict(
            python=platform.python_version(), numpy=np.__version__, pandas=pd.__version__,
            scipy=__import__("scipy").__version__))
        with open(os.path.join(folder, "kp.json"), "w") as fh:
            json.dump(out, fh, indent=1)
            fh.write("\n")
        print(case, [(r["vcov"], round(r["f"], 6)) for r in rows])


if __name__ == "__main__":
    main()
