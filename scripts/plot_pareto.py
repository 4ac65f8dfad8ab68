#!/usr/bin/python3
"""Energy-accuracy Pareto fronts of spikeworm sweeps: energy per decision (log x) against greedy evaluation success,
one panel per energy table, one colour per brain type. Usage: plot_pareto.py OUT.png SWEEP.json [...]"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    dst, sources = sys.argv[1], sys.argv[2:]
    points = []
    tables = None
    for s in sources:
        with open(s) as f:
            doc = json.load(f)
        tables = tables or doc["tables"]
        points += doc["points"]
    brains = sorted({p["brain"] for p in points})
    colors = {"spiking": "#4c72b0", "mlp": "#dd8452"}
    fig, axes = plt.subplots(1, len(tables), figsize=(6 * len(tables), 4.6), squeeze=False)
    for ax, table in zip(axes[0], tables):
        for b in brains:
            pts = [p for p in points if p["brain"] == b and table in p["energy_pj"]]
            xs = [p["energy_pj"][table] / 1000.0 for p in pts]
            ys = [p.get("eval_success", p["last30_success"]) for p in pts]  # greedy eval, as sweep's front
            ax.scatter(xs, ys, color=colors.get(b, None), alpha=0.6, label=f"{b} ({len(pts)} configs)")
            # The front: sorted by energy, keep each point that beats the best success so far.
            front, best = [], -1.0
            for x, y in sorted(zip(xs, ys)):
                if y > best:
                    front.append((x, y))
                    best = y
            if front:
                ax.step([f[0] for f in front], [f[1] for f in front], where="post", color=colors.get(b, None))
            # Labels on the front only (every point is in sweep.csv).
            on_front = set(front)
            for p, x, y in zip(pts, xs, ys):
                if (x, y) in on_front:
                    ax.annotate(p["label"].replace("brain.", "").replace("train.", ""), (x, y), fontsize=6,
                                alpha=0.8, xytext=(3, -8), textcoords="offset points")
        ax.axhline(0.9, color="grey", linestyle=":", linewidth=1)
        ax.set_xscale("log")
        ax.set_xlabel(f"energy per decision [nJ], {table}")
        ax.set_ylabel("greedy evaluation success")
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle("Energy-accuracy Pareto fronts (spikeworm sweep)")
    fig.tight_layout()
    tmp = dst + ".tmp.png"
    fig.savefig(tmp, dpi=120)
    os.replace(tmp, dst)


if __name__ == "__main__":
    main()
