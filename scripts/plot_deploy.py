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


def tiles_of(cores):
    """{(x, y): [cores there]}: a mesh position (tile) can hold several cores."""
    tiles = {}
    for c in cores:
        tiles.setdefault((c["x"], c["y"]), []).append(c)
    return tiles


def core_list(cs):
    """'0,3,5' or '0-7' for the cores of a tile, splitters marked s."""
    ids = sorted(c["core"] for c in cs)
    if len(ids) > 3 and ids == list(range(ids[0], ids[-1] + 1)) and not any(c.get("splitter") for c in cs):
        return f"{ids[0]}-{ids[-1]}"
    return ",".join(f"{c['core']}{'s' if c.get('splitter') else ''}" for c in sorted(cs, key=lambda c: c["core"]))


def mesh(fig, ax, d, cores):
    m = d["mapping"]
    tiles = tiles_of(cores)
    xs = [x for x, _ in tiles]
    ys = [y for _, y in tiles]
    sc = ax.scatter(xs, ys, c=[sum(c["neurons"] for c in cs) for cs in tiles.values()], s=500, marker="s",
                    cmap="viridis", edgecolors=["r" if any(c.get("splitter") for c in cs) else "none"
                                                for cs in tiles.values()])
    for (x, y), cs in tiles.items():
        ax.annotate(core_list(cs), (x, y), xytext=(0, -14), textcoords="offset points", ha="center", va="top",
                    fontsize=7, bbox={"boxstyle": "round,pad=0.15", "fc": "w", "ec": "0.7", "alpha": 0.9})
    fig.colorbar(sc, ax=ax, label="neurons on the tile")
    ax.set_title(f"mesh tiles with their cores (red edge: splitter)\n{m['routed_per_decision']:.0f} routed "
                 f"spikes, {m['hops_per_decision']:.0f} hops per decision", fontsize=8)
    ax.set_xlabel("mesh x [tile]")
    ax.set_ylabel("mesh y [tile]")
    half = (max(max(xs) - min(xs), max(ys) - min(ys)) + 2) / 2  # a square window, so tiles look square
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    ax.set_xlim(cx - half, cx + half)
    ax.set_ylim(cy - half, cy + half)
    ax.set_aspect("equal")
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True, min_n_ticks=1))
    ax.yaxis.set_major_locator(ticker.MaxNLocator(integer=True, min_n_ticks=1))


def energy(ax, d):
    p = d["per_decision"]
    terms = [("energy_synop_pj", "synaptic ops"), ("energy_update_pj", "neuron updates"),
             ("energy_route_pj", "routing"), ("energy_host_pj", "host (input layer, readout)")]
    biggest = max([p[k] or 0.0 for k, _ in terms] + [sum(p[k] or 0.0 for k, _ in terms), p["energy_static_pj"] or 0.0])
    scale, unit = next((f, u) for f, u in ((1e9, "mJ"), (1e6, "\u00b5J"), (1e3, "nJ"), (1.0, "pJ"))
                       if biggest >= f or u == "pJ")
    bottom = 0.0
    for key, label in terms:
        v = p[key]
        if v is None:
            continue
        ax.bar(0, v / scale, 0.6, bottom=bottom, label=label)
        bottom += v / scale
    columns = ["dynamic"]
    if p["energy_static_pj"]:
        ax.bar(1, p["energy_static_pj"] / scale, 0.6, color="grey", label="static (power x latency)")
        columns.append("static")
    ax.set_xticks(range(len(columns)), columns)
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylabel(f"energy per decision [{unit}]")
    title = "energy per decision" if p["energy_published"] else "energy not published"
    ax.set_title(f"{title}; latency {duration(p['latency_us'])} per decision\nsuccess: float "
                 f"{d['float']['success_rate']:.2f}, quantized {d['quantized']['success_rate']:.2f}", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        d = json.load(f)
    cores = d["mapping"]["cores"][:MAX_CORES]
    with_mesh = len(tiles_of(cores)) > 1  # one tile: no spike crosses the mesh, nothing to draw
    if with_mesh:
        fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(16, 4.8), gridspec_kw={"width_ratios": [1.6, 1.2, 1]})
        mesh(fig, a2, d, cores)
    else:
        fig, (a1, a3) = plt.subplots(1, 2, figsize=(11, 4.8), gridspec_kw={"width_ratios": [1.2, 1]})
    utilisation(a1, d, cores)
    if not with_mesh:
        note = "a single core" if len(cores) == 1 else f"all {len(cores)} cores on one mesh tile"
        a1.text(0.5, -0.22, f"{note}: no spikes cross the mesh", transform=a1.transAxes, ha="center",
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
