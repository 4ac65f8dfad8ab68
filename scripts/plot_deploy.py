#!/usr/bin/python3
"""One deployment report (spikeworm deploy) as a figure: per-core utilisation of every limit, the cores on
the chip's mesh (only when there are two or more: one core has no routing to show), and energy per decision
by term with the task success float vs quantized and the latency.
Usage: plot_deploy.py DEPLOY.json OUT.png"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker  # noqa: E402

MAX_CORES = 32  # cores drawn (the JSON has every core)


def count(n, word):
    """'1 core', '3 cores' (n a whole number)."""
    return f"{n:g} {word}{'' if n == 1 else 's'}"


def duration(us):
    """A latency in microseconds as text with a readable unit: 850 us, 1.8 ms, 2.5 s."""
    if us >= 1e6:
        return f"{us / 1e6:.3g} s"
    if us >= 1e3:
        return f"{us / 1e3:.3g} ms"
    return f"{us:.3g} \u00b5s"


def utilisation(ax, d, cores):
    m, lim = d["mapping"], d["limits"]
    keys = [("neurons", "neurons"), ("axons_in", "input axons"), ("axons_out", "output axons"),
            ("synapse_bytes", "synapse memory")]
    keys = [(k, l) for k, l in keys if lim.get(k)]  # a limit of 0: the chip has none
    w = 0.8 / max(1, len(keys))
    for k, (key, label) in enumerate(keys):
        vals = [100.0 * c[key] / lim[key] for c in cores]
        ax.bar([i + (k - (len(keys) - 1) / 2) * w for i in range(len(cores))], vals, w, label=label)
    ax.set_xticks(range(len(cores)), [f"{c['core']}{'s' if c.get('splitter') else ''}" for c in cores],
                  fontsize=8 if len(cores) <= 16 else 6)
    ax.set_xlabel("core (s: splitter core)")
    ax.set_ylabel("use of the chip's per-core limit [%]")
    ax.set_ylim(0, 135)  # room for the legend above 100 %
    ax.set_yticks(range(0, 101, 20))
    title = count(m["cores_used"], "core") + f" ({m['method']})"
    if m["splitter_cores"]:
        title += " + " + count(m["splitter_cores"], "splitter core")
    if len(m["cores"]) > len(cores):
        title += f"\nfirst {len(cores)} of {len(m['cores'])} cores drawn"
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, ncol=min(2, len(keys)), loc="upper center")


def mesh(fig, ax, d, cores):
    m = d["mapping"]
    xs = [c["x"] for c in cores]
    ys = [c["y"] for c in cores]
    sc = ax.scatter(xs, ys, c=[c["neurons"] for c in cores], s=240, marker="s", cmap="viridis",
                    edgecolors=["r" if c.get("splitter") else "none" for c in cores])
    for c in cores:
        ax.annotate(str(c["core"]), (c["x"], c["y"]), ha="center", va="center", fontsize=7, color="w")
    fig.colorbar(sc, ax=ax, label="neurons on the core")
    ax.set_title(f"cores on the mesh (red edge: splitter)\n{m['routed_per_decision']:.0f} routed spikes, "
                 f"{m['hops_per_decision']:.0f} hops per decision", fontsize=9)
    ax.set_xlabel("mesh x [core position]")
    ax.set_ylabel("mesh y [core position]")
    ax.set_xlim(min(xs) - 1, max(xs) + 1)
    ax.set_ylim(min(ys) - 1, max(ys) + 1)
    ax.set_aspect("equal", adjustable="datalim")
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))


def energy(ax, d):
    p = d["per_decision"]
    terms = [("energy_synop_pj", "synaptic ops"), ("energy_update_pj", "neuron updates"),
             ("energy_route_pj", "routing"), ("energy_host_pj", "host (input layer, readout)")]
    bottom = 0.0
    for key, label in terms:
        v = p[key]
        if v is None:
            continue
        ax.bar(0, v / 1e3, 0.6, bottom=bottom, label=label)
        bottom += v / 1e3
    columns = ["dynamic"]
    if p["energy_static_pj"]:
        ax.bar(1, p["energy_static_pj"] / 1e3, 0.6, color="grey", label="static (power x latency)")
        columns.append("static")
    ax.set_xticks(range(len(columns)), columns)
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylabel("energy per decision [nJ]")
    title = "energy per decision" if p["energy_published"] else "energy not published"
    ax.set_title(f"{title}; latency {duration(p['latency_us'])} per decision\nsuccess: float "
                 f"{d['float']['success_rate']:.2f}, quantized {d['quantized']['success_rate']:.2f}", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        d = json.load(f)
    cores = d["mapping"]["cores"][:MAX_CORES]
    with_mesh = len(cores) > 1
    if with_mesh:
        fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(15, 4.8), gridspec_kw={"width_ratios": [1.6, 1, 1]})
        mesh(fig, a2, d, cores)
    else:
        fig, (a1, a3) = plt.subplots(1, 2, figsize=(11, 4.8), gridspec_kw={"width_ratios": [1.2, 1]})
    utilisation(a1, d, cores)
    if not with_mesh:
        a1.text(0.5, -0.22, "a single core: no spikes cross the mesh", transform=a1.transAxes, ha="center",
                fontsize=8, color="grey")
    energy(a3, d)
    fig.suptitle(f"{d['chip_name']}: {d['layers']} x {d['hidden']} LIF, T = {d['steps']} steps, "
                 f"{d['encoder']} encoder (spikeworm deploy)")
    fig.tight_layout()
    tmp = dst + ".tmp.png"
    fig.savefig(tmp, dpi=110, bbox_inches="tight", pad_inches=0.15)
    os.replace(tmp, dst)


if __name__ == "__main__":
    main()
