#!/usr/bin/python3
"""Where spiking pays (spikeworm energy --crossover), one panel per energy table: the break-even input rate of a
spiking layer against the dense layer of the same weights, over width, one curve per number of time steps (log
axes). Below a curve the spiking layer costs less at that number of steps. A table on which the spiking layer
never pays at some size has no point there; "always" (cheaper even when every input spikes every step) is drawn
at the top edge. A run's layers (crossover.json "points") are marked at their measured rates.
Usage: plot_crossover.py CROSSOVER.json OUT.png"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import cm, ticker  # noqa: E402

TOP = 1.0     # "always" is drawn here
BOTTOM = 1e-5


def percent(v, _=None):
    return f"{100 * v:g}%"


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        doc = json.load(f)
    widths, steps, tables = doc["widths"], doc["steps"], doc["tables"]
    colors = cm.viridis([i / max(1, len(steps) - 1) for i in range(len(steps))])
    cols = min(3, len(tables))
    rows = (len(tables) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 3.8 * rows), squeeze=False)
    for k, t in enumerate(tables):
        ax = axes[k // cols][k % cols]
        drawn = False
        for s, c in zip(range(len(steps)), colors):
            xs, ys = [], []
            for w, r in zip(widths, t["breakeven_rate"][s]):
                if r == "never":
                    continue
                xs.append(w)
                ys.append(TOP if r == "always" else max(BOTTOM, min(TOP, r)))
            if xs:
                drawn = True
                ax.plot(xs, ys, "-o", color=c, ms=3, lw=1.4, label=f"T = {steps[s]}")
        for p in doc.get("points", []):
            if p["rate"] > 0:
                s = min(range(len(steps)), key=lambda i: abs(steps[i] - p["steps"]))
                ax.plot([p["width"]], [max(BOTTOM, p["rate"])], marker="*", ms=11, color=colors[s],
                        markeredgecolor="black", ls="none")
                ax.annotate(f"{p['label'].split()[-1]}, T={p['steps']}", (p["width"], max(BOTTOM, p["rate"])),
                            xytext=(5, 4), textcoords="offset points", fontsize=7)
        if not drawn:
            ax.text(0.5, 0.5, "spiking never pays\nat these sizes", transform=ax.transAxes, ha="center",
                    va="center", fontsize=10, color="#c44e52")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_ylim(BOTTOM, TOP * 1.5)
        ax.set_xticks(widths)
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{int(v)}"))
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(percent))
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(t["name"] + (" (dense on its host)" if t["kind"] == "chip" else ""), fontsize=9)
        ax.grid(True, which="major", alpha=0.3)
        if k % cols == 0:
            ax.set_ylabel("break-even input rate\n(spikes per input per step)")
        if k // cols == rows - 1:
            ax.set_xlabel("layer width (inputs = neurons)")
    note = ("No point: spiking never pays there\n(a chip's N x T neuron updates alone\ncost more than the dense pass).\n"
            "At the top edge: it always pays\n(even with every input spiking\nevery step).")
    for k in range(len(tables), rows * cols):
        axes[k // cols][k % cols].axis("off")
        if k == len(tables):
            axes[k // cols][k % cols].text(0.05, 0.5, note, transform=axes[k // cols][k % cols].transAxes,
                                           fontsize=9, va="center")
    handles, labels = [], []
    for ax in axes.flat:
        h, lab = ax.get_legend_handles_labels()
        if len(h) > len(handles):
            handles, labels = h, lab
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=len(handles), fontsize=8)
    title = "Where spiking pays: below a curve a spiking layer costs less than the dense layer (spikeworm energy --crossover)"
    if doc.get("points"):
        title += "\n\u2605: the run's layers at their measured rates"
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    tmp = dst + ".tmp.png"
    fig.savefig(tmp, dpi=120)
    os.replace(tmp, dst)


if __name__ == "__main__":
    main()
