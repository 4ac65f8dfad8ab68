#!/usr/bin/python3
"""One deployment report (spikeworm deploy) as a figure: per-core utilisation of every limit, the cores on
the chip's mesh, and energy per decision by term with the task success float vs quantized.
Usage: plot_deploy.py DEPLOY.json OUT.png"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        d = json.load(f)
    m = d["mapping"]
    cores = m["cores"][:32]
    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(13, 4.2), gridspec_kw={"width_ratios": [1.6, 1, 1]})
    # 1. utilisation per core: each count as a share of the chip's limit (limits of 0: none)
    lim = d["limits"]
    keys = [("neurons", "neurons"), ("axons_in", "input axons"), ("axons_out", "output axons"),
            ("synapse_bytes", "synapse memory")]
    keys = [(k, l) for k, l in keys if lim.get(k)]
    w = 0.8 / max(1, len(keys))
    for k, (key, label) in enumerate(keys):
        vals = [100.0 * c[key] / lim[key] for c in cores]
        a1.bar([i + (k - (len(keys) - 1) / 2) * w for i in range(len(cores))], vals, w, label=label)
    a1.set_xticks(range(len(cores)), [f"{c['core']}{'s' if c.get('splitter') else ''}" for c in cores])
    a1.set_xlabel("core (s: splitter core)")
    a1.set_ylabel("% of the chip's per-core limit")
    a1.set_ylim(0, 105)
    a1.set_title(f"{m['cores_used']} cores ({m['method']})"
                 + (f" + {m['splitter_cores']} splitter cores" if m["splitter_cores"] else ""))
    a1.legend(fontsize=8)
    # 2. the mesh
    xs = [c["x"] for c in cores]
    ys = [c["y"] for c in cores]
    sc = a2.scatter(xs, ys, c=[c["neurons"] for c in cores], s=200, marker="s", cmap="viridis")
    for c in cores:
        a2.annotate(str(c["core"]), (c["x"], c["y"]), ha="center", va="center", fontsize=7, color="w")
    fig.colorbar(sc, ax=a2, label="neurons")
    a2.set_title(f"mesh: {m['routed_per_decision']:.0f} routed spikes, {m['hops_per_decision']:.0f} hops / decision",
                 fontsize=9)
    a2.set_xlabel("x")
    a2.set_ylabel("y")
    a2.set_xlim(min(xs) - 1, max(xs) + 1)
    a2.set_ylim(min(ys) - 1, max(ys) + 1)
    # 3. energy per decision by term, and the task
    p = d["per_decision"]
    terms = [("energy_synop_pj", "synaptic ops"), ("energy_update_pj", "neuron updates"),
             ("energy_route_pj", "routing"), ("energy_host_pj", "host (input layer, readout)")]
    bottom = 0.0
    for key, label in terms:
        v = p[key]
        if v is None:
            continue
        a3.bar(0, v / 1e3, 0.6, bottom=bottom, label=label)
        bottom += v / 1e3
    if p["energy_static_pj"]:
        a3.bar(1, p["energy_static_pj"] / 1e3, 0.6, color="grey", label="static (x latency)")
    a3.set_xticks([0, 1], ["dynamic", "static"])
    a3.set_ylabel("nJ per decision")
    title = "energy not published" if not p["energy_published"] else "energy per decision"
    a3.set_title(f"{title}\nsuccess float {d['float']['success_rate']:.2f}, quantized "
                 f"{d['quantized']['success_rate']:.2f}; latency {p['latency_us']:.0f} us", fontsize=9)
    a3.legend(fontsize=7)
    fig.suptitle(f"{d['chip_name']}: {d['layers']} x {d['hidden']} LIF, T = {d['steps']}, {d['encoder']} encoder")
    fig.tight_layout()
    tmp = dst + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, dst)


if __name__ == "__main__":
    main()
