#!/usr/bin/env python3
"""Reference values for spillnet's spillover study on the shipped data/.

An independent implementation of the study's two-step estimator (SPEC §4)
with pandas and pyfixest 0.60, run on the CSV tables of data/:

1. Step 1: for JV models and for domestic models separately,
   feols(score ~ 1 | model^year + segment^dimension^year) and keep the
   residuals (relative strengths e).
2. Step 2: every same-year (domestic model, JV model) pair, one row per
   dimension, with SameGroup (domestic firm's group is the group of one of
   the JV's domestic parents), SameSeg, clusters firm_D x survey and
   firm_JV x survey; feols with CRV1 two-way clustering for
   baseline (1): e_D ~ e_JV + e_JV:SG,
   baseline (2): e_D ~ e_JV + e_JV:SG + e_JV:SS + e_JV:SG:SS,
   same-segment: e_D ~ e_JV + e_JV:SG on SameSeg == 1,
   fe-variants (1): baseline (2) | firm_D + dimension^year.
   The headline is the sum of the last three coefficients of baseline (2),
   with SE sqrt(R'VR).

Multiway vcov: fixest zeroes the negative eigenvalues of a non-PSD
multiway matrix (and spillnet does too); pyfixest does not, so this script
applies fixest's fix to pyfixest's vcov (V = Q max(L, 0) Q') and records
whether it was needed.

Writes tests/reference/spillover/expected.json (%.17g). Run from the
repository root:  python3 tests/reference/spillover.py
With --bench it fits only baseline (2) and prints its headline as JSON
(used by scripts/bench_spillover.sh; nothing is written).
"""

import json
import os
import sys

import numpy as np
import pandas as pd
import pyfixest as pf

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "data")
FIXEF_TOL = 1e-14


def g17(x):
    return float("%.17g" % x)


def fixed_vcov(fit):
    v = np.asarray(fit._vcov, dtype=float)
    lam, q = np.linalg.eigh(v)
    fixed = bool((lam < 0).any())
    if fixed:
        v = q @ np.diag(np.maximum(lam, 0.0)) @ q.T
    return v, fixed


def main():
    bench = "--bench" in sys.argv[1:]
    firms = pd.read_csv(os.path.join(DATA, "firms.csv"))
    links = pd.read_csv(os.path.join(DATA, "jv_links.csv"))
    models = pd.read_csv(os.path.join(DATA, "models.csv"))
    quality = pd.read_csv(os.path.join(DATA, "quality.csv"))
    kind = dict(zip(firms.firm_id, firms.kind))
    group = dict(zip(firms.firm_id, firms.group_id))
    models["kind"] = models.firm_id.map(kind)
    models = models[models.kind.isin(["domestic", "jv"])]
    q = quality.merge(models[["model_id", "firm_id", "segment", "kind"]], on="model_id")

    # Step 1.
    parts = []
    for k, d in q.groupby("kind"):
        d = d.copy()
        fit = pf.feols("score ~ 1 | model_id^year + segment^dimension^year", data=d, fixef_tol=FIXEF_TOL, fixef_rm="none")
        d["e"] = np.asarray(fit.resid())
        parts.append(d)
    e = pd.concat(parts)
    dom = e[e.kind == "domestic"][["model_id", "firm_id", "segment", "year", "dimension", "survey", "e"]]
    jv = e[e.kind == "jv"][["model_id", "firm_id", "segment", "year", "dimension", "e"]]
    panel = dom.merge(jv, on=["year", "dimension"], suffixes=("_D", "_JV"))

    parent_groups = links.assign(g=links.domestic_parent.map(group)).groupby("jv_id").g.apply(set).to_dict()
    sg = [group[f] in parent_groups.get(j, set()) for f, j in zip(panel.firm_id_D, panel.firm_id_JV)]
    panel["SG"] = np.array(sg, dtype=float)
    panel["SS"] = (panel.segment_D == panel.segment_JV).astype(float)
    panel["x1"] = panel.e_JV * panel.SG
    panel["x2"] = panel.e_JV * panel.SS
    panel["x3"] = panel.e_JV * panel.SG * panel.SS
    panel["cl_d"] = panel.firm_id_D + "|" + panel.survey
    panel["cl_j"] = panel.firm_id_JV + "|" + panel.survey
    panel["dimyear"] = panel.dimension + "|" + panel.year.astype(str)

    specs = {
        "baseline.1": ("e_D ~ e_JV + x1", panel),
        "baseline.2": ("e_D ~ e_JV + x1 + x2 + x3", panel),
        "same-segment.1": ("e_D ~ e_JV + x1", panel[panel.SS == 1]),
        "fe-variants.1": ("e_D ~ e_JV + x1 + x2 + x3 | firm_id_D + dimyear", panel),
    }
    names = {"Intercept": "Intercept", "e_JV": "e_JV", "x1": "e_JV:SameGroup", "x2": "e_JV:SameSeg", "x3": "e_JV:SameGroup:SameSeg"}
    out = {
        "generator": "tests/reference/spillover.py",
        "python": sys.version.split()[0],
        "pyfixest": pf.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "rows": int(len(panel)),
        "models": {},
    }
    if bench:
        specs = {"baseline.2": specs["baseline.2"]}
    for sid, (fml, d) in specs.items():
        fit = pf.feols(fml, data=d, vcov={"CRV1": "cl_d+cl_j"}, fixef_tol=FIXEF_TOL)
        v, fixed = fixed_vcov(fit)
        coefs = fit.coef()
        se = np.sqrt(np.diag(v))
        entry = {
            "nobs": int(fit._N),
            "eigen_fixed": fixed,
            "coefficients": {names[n]: {"estimate": g17(b), "se": g17(s)} for n, b, s in zip(coefs.index, coefs.values, se)},
        }
        if sid == "baseline.2" or sid == "fe-variants.1":
            r = np.array([1.0 if n in ("x1", "x2", "x3") else 0.0 for n in coefs.index])
            entry["headline"] = {"estimate": g17(r @ coefs.values), "se": g17(np.sqrt(r @ v @ r))}
        out["models"][sid] = entry
        print(sid, entry.get("headline", ""), file=sys.stderr)
    if bench:
        json.dump(out["models"]["baseline.2"]["headline"] | {"nobs": out["models"]["baseline.2"]["nobs"]}, sys.stdout)
        print()
        return
    with open(os.path.join(HERE, "spillover", "expected.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
