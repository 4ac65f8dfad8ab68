#!/usr/bin/python3
"""Energy-accuracy Pareto fronts of spikeworm sweeps: energy per decision (log x) against greedy evaluation
success (the sweep's main front; the sampled-policy front is drawn dashed),
one panel per energy table, one colour per brain type. Every point carries a short key (S1, S2, ... for
spiking, M1, ... for mlp; the same key in every panel), listed with its configuration under the panels;
points on a front have a black edge. Usage: plot_pareto.py OUT.png SWEEP.json [...]"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402

COLORS = {"spiking": "#4c72b0", "mlp": "#dd8452"}
MAX_KEYS = 60  # listed under the plot; sweep.csv has every point
OFFSETS = [(4, 3), (4, -9), (-16, 3), (-16, -9), (4, 10), (-16, 10)]  # label positions, cycled among close points


def front_of(xs, ys):
    """Points (x, y) of the Pareto front: sorted by energy, each that beats the best success so far."""
    front, best = [], -1.0
    for x, y in sorted(zip(xs, ys)):
        if y > best:
            front.append((x, y))
            best = y
    return front


def short(label):
    return label.replace("brain.", "").replace("train.", "")


def success(p):
    """Greedy evaluation success, the sweep's front; last-30 training success in files older than it."""
    return p.get("eval_success", p["last30_success"])


def main():
    dst, sources = sys.argv[1], sys.argv[2:]
    points = []
    tables = None
    for s in sources:
        with open(s) as f:
            doc = json.load(f)
        tables = tables or doc["tables"]
        for p in doc["points"]:
            p["source"] = os.path.basename(os.path.dirname(os.path.abspath(s)))
            points.append(p)
    brains = sorted({p["brain"] for p in points})
    for b in brains:  # keys: brain initial and a number, in sweep order
        for i, p in enumerate([p for p in points if p["brain"] == b]):
            p["key"] = f"{b[:1].upper()}{i + 1}"
    colors = {b: COLORS.get(b, f"C{i + 2}") for i, b in enumerate(brains)}
    keyed = points[:MAX_KEYS]
    key_rows = -(-len(keyed) // 2) + (1 if len(points) > MAX_KEYS else 0)
    key_h = 0.14 * key_rows + 0.15
    fig, axes = plt.subplots(1, len(tables), figsize=(6.5 * len(tables), 4.8 + key_h), squeeze=False)
    for ax, table in zip(axes[0], tables):
        placed = []
        for b in brains:
            pts = [p for p in points if p["brain"] == b and table in p["energy_pj"]]
            xs = [p["energy_pj"][table] / 1000.0 for p in pts]
            ys = [success(p) for p in pts]
            front = set(front_of(xs, ys))
            on = [(x, y) in front for x, y in zip(xs, ys)]
            ax.scatter(xs, ys, facecolors=colors[b], edgecolors=[(0, 0, 0, 1) if o else colors[b] for o in on],
                       linewidths=[1.6 if o else 0.0 for o in on], s=40, zorder=3, label=f"{b} ({len(pts)} configs)")
            f = sorted(front)
            if f:
                ax.step([q[0] for q in f], [q[1] for q in f], where="post", color=colors[b], lw=1.2,
                        label=f"{b} Pareto front (greedy)")
            sampled = [(x, p["sampled_success"]) for p, x in zip(pts, xs) if "sampled_success" in p]
            fs = sorted(front_of([q[0] for q in sampled], [q[1] for q in sampled])) if sampled else []
            if fs:
                ax.step([q[0] for q in fs], [q[1] for q in fs], where="post", color=colors[b], lw=1.0, ls="--",
                        label=f"{b} Pareto front (sampled)")
            for p, x, y in zip(pts, xs, ys):
                # a point near one already labelled takes the next offset, so the keys do not overlap
                near = sum(1 for (px, py) in placed if abs(px / x - 1) < 0.35 and abs(py - y) < 0.03)
                placed.append((x, y))
                ax.annotate(p["key"], (x, y), fontsize=7, xytext=OFFSETS[near % len(OFFSETS)],
                            textcoords="offset points", color=colors[b], fontweight="bold")
        ax.axhline(0.9, color="grey", linestyle=":", linewidth=1, label="success 90%")
        ax.set_xscale("log")
        ax.set_xlabel("energy per decision [nJ] (log)")
        ax.set_ylabel("greedy evaluation success [%]")
        ax.yaxis.set_major_formatter(mticker.PercentFormatter(xmax=1.0))
        lows = [success(p) for p in points] + [p["sampled_success"] for p in points if "sampled_success" in p]
        ax.set_ylim(min(lows + [0.9]) - 0.05, 1.04)
        ax.set_title(f"energy table: {table}", fontsize=10)
        ax.legend(fontsize=8, loc="lower right")
    many = len({p["source"] for p in points}) > 1
    lines = [f"{p['key']}: {p['source'] + ' ' if many else ''}{p['point']} {short(p['label'])}" for p in keyed]
    if len(points) > MAX_KEYS:
        lines.append(f"... {len(points) - MAX_KEYS} more in sweep.csv")
    half = -(-len(lines) // 2)
    for col, chunk in enumerate((lines[:half], lines[half:])):
        fig.text(0.02 + 0.5 * col, key_h / (4.8 + key_h), "\n".join(chunk), fontsize=7.5, va="top", ha="left",
                 family="monospace")
    fig.suptitle("Energy-accuracy Pareto fronts (spikeworm sweep); black edge: on the front")
    fig.tight_layout(rect=(0, key_h / (4.8 + key_h), 1, 1))
    tmp = dst + ".tmp.png"
    fig.savefig(tmp, dpi=120)
    os.replace(tmp, dst)


if __name__ == "__main__":
    main()
