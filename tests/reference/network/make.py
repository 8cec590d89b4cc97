"""Reference values for spillnet's network exports and centralities.

Runs `spillnet graph export` on the shipped data/ for three views (whole
graph, firms only, the worker_flow channel), reads the files back with
networkx and igraph, checks them against the raw CSV tables, recomputes every
centrality with networkx (igraph as a cross-check) and writes expected.json,
which tests/it/graph_export.rs compares with spillnet at 1e-9.

    python tests/reference/network/make.py [--spillnet PATH]

PATH defaults to $CARGO_TARGET_DIR/debug/spillnet (or target/debug/spillnet).
Needs: pip install networkx==3.6.1 python-igraph==1.0.0 numpy scipy.
"""

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import igraph
import networkx as nx
import numpy
import scipy

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
DATA = ROOT / "data"
TOL = 1e-9
VIEWS = {
    "whole": [],
    "firms": ["--view", "firms"],
    "worker_flow": ["--view", "channel", "--channel", "worker_flow"],
}


def spillnet_binary(arg):
    if arg:
        return arg
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    return str(Path(target) / "debug" / "spillnet")


def rows(name):
    with open(DATA / f"{name}.csv", newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def independent_counts():
    """Node and edge counts of the whole graph from the raw tables (SPEC §2 rules)."""
    firms = rows("firms")
    models = rows("models")
    suppliers = rows("suppliers")
    moves = rows("worker_moves")
    links = rows("jv_links")
    provinces = {f["province"] for f in firms if f["province"]}
    supplier_ids = {s["supplier_id"] for s in suppliers}
    owns = {(l["domestic_parent"], l["jv_id"]) for l in links} | {(l["foreign_parent"], l["jv_id"]) for l in links}
    target = lambda s: ("model", s["model_id"]) if s.get("model_id") else ("firm", s["firm_id"])
    supplies = {(s["supplier_id"], target(s), s.get("year", "")) for s in suppliers}
    flows = defaultdict(int)
    for m in moves:
        flows[(m["from_firm"], m["to_firm"], m["year"])] += int(m.get("count") or 1)
    return {
        "nodes": len(firms) + len(models) + len(supplier_ids) + len(provinces),
        "edges_by_channel": {
            "owns": len(owns),
            "produces": len(models),
            "supplies": len(supplies),
            "worker_flow": len(flows),
            "located_in": sum(1 for f in firms if f["province"]),
        },
        "worker_flow_total": float(sum(flows.values())),
    }


def collapse(G):
    """The simple graphs spillnet's measures run on (crates/network/src/graph/centrality.rs):
    directed arcs with summed weights (shared_supplier edges both ways), undirected edges
    with summed weights (each stored edge once)."""
    D = nx.DiGraph()
    U = nx.Graph()
    D.add_nodes_from(G.nodes())
    U.add_nodes_from(G.nodes())
    for u, v, d in G.edges(data=True):
        w = float(d["weight"])
        arcs = [(u, v), (v, u)] if d["channel"] == "shared_supplier" else [(u, v)]
        for a, b in arcs:
            D.add_edge(a, b, weight=D.get_edge_data(a, b, {"weight": 0.0})["weight"] + w)
        U.add_edge(u, v, weight=U.get_edge_data(u, v, {"weight": 0.0})["weight"] + w)
    for a, b, d in D.edges(data=True):
        d["inverse"] = 1.0 / d["weight"]
    return D, U


def measures(D, U):
    pr = nx.pagerank(D, alpha=0.85, weight="weight", tol=1e-15, max_iter=10000)
    try:
        ev = nx.eigenvector_centrality(D, weight="weight", tol=1e-15, max_iter=10000)
    except nx.PowerIterationFailedConvergence:
        ev = None
    bt = {
        "hops": nx.betweenness_centrality(D, normalized=True),
        "weight": nx.betweenness_centrality(D, normalized=True, weight="weight"),
        "inverse_weight": nx.betweenness_centrality(D, normalized=True, weight="inverse"),
    }
    out = {}
    for v in D.nodes():
        out[v] = {
            "in_degree": D.in_degree(v),
            "out_degree": D.out_degree(v),
            "in_strength": float(sum(d["weight"] for _, _, d in D.in_edges(v, data=True))),
            "out_strength": float(sum(d["weight"] for _, _, d in D.out_edges(v, data=True))),
            "pagerank": pr[v],
            "eigenvector": None if ev is None else ev[v],
            **{f"betweenness_{k}": b[v] for k, b in bt.items()},
        }
    parts = nx.community.louvain_communities(U, weight="weight", resolution=1.0, seed=1)
    q = nx.community.modularity(U, parts, weight="weight", resolution=1.0)
    return out, q, len(parts)


def louvain_seeds(U):
    """networkx's Louvain modularity for seeds 1..10 (the spread a seed makes)."""
    return [
        nx.community.modularity(U, nx.community.louvain_communities(U, weight="weight", seed=s), weight="weight")
        for s in range(1, 11)
    ]


def igraph_check(D, ref):
    """igraph's PageRank and betweenness on the same collapsed graph; max differences."""
    names = list(D.nodes())
    ix = {v: i for i, v in enumerate(names)}
    g = igraph.Graph(n=len(names), edges=[(ix[u], ix[v]) for u, v in D.edges()], directed=True)
    g.es["weight"] = [d["weight"] for _, _, d in D.edges(data=True)]
    g.es["inverse"] = [d["inverse"] for _, _, d in D.edges(data=True)]
    n = len(names)
    scale = 1.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    pr = g.pagerank(directed=True, damping=0.85, weights="weight")
    diffs = {"pagerank": max(abs(pr[i] - ref[v]["pagerank"]) for v, i in ix.items())}
    for key, w in [("hops", None), ("weight", "weight"), ("inverse_weight", "inverse")]:
        b = g.betweenness(directed=True, weights=w)
        diffs[f"betweenness_{key}"] = max(abs(b[i] * scale - ref[v][f"betweenness_{key}"]) for v, i in ix.items())
    return diffs


def check_graphml(path, name, counts):
    G = nx.read_graphml(path, force_multigraph=True)
    assert G.is_directed() and G.is_multigraph()
    ig = igraph.Graph.Read_GraphML(str(path))
    assert (ig.vcount(), ig.ecount()) == (G.number_of_nodes(), G.number_of_edges()), name
    # Types: numbers stay numbers.
    for v, d in G.nodes(data=True):
        assert isinstance(d["kind"], str)
        assert isinstance(d["in_degree"], int) and isinstance(d["pagerank"], float), (v, d)
        if "start" in d:
            assert isinstance(d["start"], int)
        if "production" in d:
            assert isinstance(d["production"], float)
    for u, v, d in G.edges(data=True):
        assert isinstance(d["weight"], float) and isinstance(d["channel"], str)
        for k in ("start", "end"):
            if k in d:
                assert isinstance(d[k], int) and 1950 <= d[k] <= 2030, d
    assert set(ig.vs.attributes()) >= {"id", "table_id", "kind", "pagerank", "in_degree"}
    assert sorted(ig.vs["id"]) == sorted(G.nodes()), "igraph keeps the node ids"
    assert all(isinstance(x, float) for x in ig.vs["pagerank"])
    if name == "whole":
        by_channel = defaultdict(int)
        flow = 0.0
        for _, _, d in G.edges(data=True):
            by_channel[d["channel"]] += 1
            if d["channel"] == "worker_flow":
                flow += d["weight"]
        assert G.number_of_nodes() == counts["nodes"], (G.number_of_nodes(), counts)
        for ch, k in counts["edges_by_channel"].items():
            assert by_channel[ch] == k, (ch, by_channel[ch], k)
        assert flow == counts["worker_flow_total"]
    return G


def check_gexf(path, G):
    """networkx reads the GEXF as a dynamic graph with integer spells; ties = (source, target, channel)."""
    X = nx.read_gexf(path)
    assert X.graph["mode"] == "dynamic"
    assert X.number_of_nodes() == G.number_of_nodes()
    ties = {(u, v, d["channel"]) for u, v, d in G.edges(data=True)}
    assert X.number_of_edges() == len(ties), (X.number_of_edges(), len(ties))
    spells = 0
    for _, _, d in X.edges(data=True):
        for a, b in d.get("spells", []):
            assert isinstance(a, int) and isinstance(b, int) and a <= b
            spells += 1
        for value, a, b in d.get("flow", []):
            assert isinstance(value, float) and isinstance(a, int)
    # GEXF 1.3 edge kind = channel (networkx ignores `kind`; read it with ElementTree).
    ns = {"g": "http://gexf.net/1.3"}
    kinds = {e.get("kind") for e in ET.parse(path).getroot().iterfind(".//g:edge", ns)}
    assert kinds == {c for _, _, c in ties}, kinds
    return {"ties": len(ties), "spells": spells}


def check_edge_list(edges_csv, G):
    """The long edge list and its node table, read with csv + igraph (DictList) and networkx."""
    with open(edges_csv, newline="", encoding="utf-8") as f:
        edges = list(csv.DictReader(f))
    nodes_csv = str(edges_csv).replace(".csv", ".nodes.csv")
    with open(nodes_csv, newline="", encoding="utf-8") as f:
        nodes = list(csv.DictReader(f))
    assert list(edges[0].keys()) == ["source", "target", "channel", "year", "weight"]
    ig = igraph.Graph.DictList(
        vertices=nodes, edges=edges, directed=True, vertex_name_attr="node", edge_foreign_keys=("source", "target")
    )
    assert ig.vcount() == G.number_of_nodes() and ig.ecount() == len(edges)
    N = nx.from_edgelist(((e["source"], e["target"]) for e in edges), create_using=nx.MultiDiGraph)
    assert set(N.nodes()) <= set(G.nodes())
    # One row per edge and active year; open spans run to the last year on record.
    years = [d[k] for _, _, d in G.edges(data=True) for k in ("start", "end") if k in d]
    years += [d[k] for _, d in G.nodes(data=True) for k in ("start", "end") if k in d]
    years += [int(k[len("production_"):]) for _, d in G.nodes(data=True) for k in d if k.startswith("production_2") or k.startswith("production_1")]
    first, last = min(years), max(years)
    expected_rows = 0
    for _, _, d in G.edges(data=True):
        if "start" not in d and "end" not in d:
            expected_rows += 1
        else:
            expected_rows += d.get("end", last) - d.get("start", first) + 1
    assert len(edges) == expected_rows, (len(edges), expected_rows)
    flow = sum(float(e["weight"]) for e in edges if e["channel"] == "worker_flow")
    assert all(e["year"] == "" or first <= int(e["year"]) <= last for e in edges)
    return {"rows": len(edges), "worker_flow_total": flow, "first_year": first, "last_year": last}


def karate():
    K = nx.karate_club_graph()
    D = nx.DiGraph()
    for u, v, d in K.edges(data=True):
        D.add_edge(u, v, weight=float(d["weight"]))
        D.add_edge(v, u, weight=float(d["weight"]))
    for _, _, d in D.edges(data=True):
        d["inverse"] = 1.0 / d["weight"]
    U = nx.Graph()
    U.add_weighted_edges_from((u, v, 2.0 * d["weight"]) for u, v, d in K.edges(data=True))
    m, q, k = measures(D, U)
    return {
        "nodes": K.number_of_nodes(),
        "edges": [[u, v, float(d["weight"])] for u, v, d in K.edges(data=True)],
        "measures": {str(v): x for v, x in m.items()},
        "louvain_modularity_networkx": q,
        "louvain_communities_networkx": k,
        "louvain_modularity_networkx_seeds_1_10": louvain_seeds(U),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spillnet")
    args = ap.parse_args()
    exe = spillnet_binary(args.spillnet)
    counts = independent_counts()
    out = {
        "versions": {
            "python": sys.version.split()[0],
            "networkx": nx.__version__,
            "igraph": igraph.__version__,
            "numpy": numpy.__version__,
            "scipy": scipy.__version__,
        },
        "tolerance": TOL,
        "views": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, flags in VIEWS.items():
            gml = Path(tmp) / f"{name}.graphml"
            gexf = Path(tmp) / f"{name}.gexf"
            for f in (gml, gexf):
                subprocess.run([exe, "graph", "export", "--data", str(DATA), *flags, "--out", str(f)], check=True)
            G = check_graphml(gml, name, counts)
            gexf_counts = check_gexf(gexf, G)
            edges_csv = Path(tmp) / f"{name}_edges.csv"
            subprocess.run([exe, "graph", "export", "--data", str(DATA), *flags, "--out", str(edges_csv)], check=True)
            edge_list = check_edge_list(edges_csv, G)
            if name == "whole":
                assert edge_list["worker_flow_total"] == counts["worker_flow_total"]
            D, U = collapse(G)
            m, q, k = measures(D, U)
            diffs = igraph_check(D, m)
            # spillnet's own values in its GraphML (default options: betweenness in hops).
            own = {}
            for key in ("pagerank", "betweenness"):
                ref = "betweenness_hops" if key == "betweenness" else key
                own[key] = max(abs(G.nodes[v][key] - m[v][ref]) for v in G.nodes())
            if m and next(iter(m.values()))["eigenvector"] is not None:
                own["eigenvector"] = max(abs(G.nodes[v].get("eigenvector", math.nan) - m[v]["eigenvector"]) for v in G)
            own_q = nx.community.modularity(
                U,
                [{v for v in G if G.nodes[v]["community"] == c} for c in {G.nodes[v]["community"] for v in G}],
                weight="weight",
            )
            print(f"{name}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges, {gexf_counts}")
            print(f"  igraph vs networkx max |diff|: {diffs}")
            print(f"  spillnet GraphML vs networkx max |diff|: {own}")
            print(f"  Louvain modularity: spillnet {own_q:.6f}, networkx {q:.6f} ({k} communities)")
            for key, d in {**diffs, **own}.items():
                # igraph counts path lengths equal within a relative epsilon as ties; networkx
                # and spillnet compare exactly, so with 1/w lengths (sums of inexact reciprocals)
                # igraph finds ties the other two do not. Recorded, not asserted.
                if key != "betweenness_inverse_weight" or key in own:
                    assert d <= TOL, (name, key, d)
            years = sorted({d[k] for _, _, d in G.edges(data=True) for k in ("start", "end") if k in d})
            out["views"][name] = {
                "flags": flags,
                "nodes": G.number_of_nodes(),
                "edges": G.number_of_edges(),
                "gexf": gexf_counts,
                "edge_list": edge_list,
                "edge_years": [years[0], years[-1]] if years else None,
                "igraph_max_abs_diff": diffs,
                "spillnet_graphml_max_abs_diff": own,
                "louvain_modularity_networkx": q,
                "louvain_communities_networkx": k,
                "louvain_modularity_networkx_seeds_1_10": louvain_seeds(U),
                "louvain_modularity_spillnet_graphml": own_q,
                "measures": m,
            }
    out["independent_counts"] = counts
    out["karate"] = karate()
    with open(HERE / "expected.json", "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", HERE / "expected.json")


if __name__ == "__main__":
    main()
