#!/usr/bin/python3
"""Energy per decision (spikeworm energy), one panel per table: for the brain, the MLP baseline and a
same-shape ANN, the total (dark bar, value written above) and each term beside it, on a log axis in
pJ / nJ / uJ / mJ so that the MLP's nanojoules stay visible next to SpiNNaker's millijoules. Terms are side
by side, not stacked (stacks on a log axis misstate the terms); a term of 0 has no bar.
Usage: plot_energy.py ENERGY.json OUT.png"""
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker  # noqa: E402

TERMS = [("synaptic_pj", "synaptic ops"), ("neuron_pj", "neuron updates"), ("memory_pj", "memory reads"),
         ("dense_pj", "dense (input layer / MACs)")]
COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52"]


def joules(pj):
    """A value in pJ as text with a readable unit: 830 pJ, 53.7 nJ, 8.81 uJ, 1.2 mJ."""
    for scale, unit in ((1e9, "mJ"), (1e6, "\u00b5J"), (1e3, "nJ"), (1.0, "pJ")):
        if abs(pj) >= scale or unit == "pJ":
            return f"{pj / scale:.3g} {unit}"


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        doc = json.load(f)
    tables = doc["tables"]
    brains = [("brain", f"{doc['brain']}"), ("mlp", "MLP"), ("ann", "same-shape ANN")]
    fig, axes = plt.subplots(1, len(tables), figsize=(3.1 * len(tables), 4.6), squeeze=False)
    w = 0.16
    for ax, t in zip(axes[0], tables):
        values = []
        for bi, (key, _) in enumerate(brains):
            total = t[key].get("total_pj", sum(t[key][k] for k, _ in TERMS))
            ax.bar(bi - 2 * w, total, w, color="#333333", label="total" if bi == 0 else None)
            if total > 0:
                ax.annotate(joules(total), (bi - 2 * w, total), xytext=(0, 2), textcoords="offset points",
                            ha="left", va="bottom", fontsize=7, rotation=45)
            values.append(total)
            for ti, ((term, tlabel), c) in enumerate(zip(TERMS, COLORS)):
                v = t[key][term]
                if v > 0:
                    ax.bar(bi + (ti - 1) * w, v, w, color=c, label=tlabel if bi == 0 else None)
                    values.append(v)
        ax.set_yscale("log")
        pos = [v for v in values if v > 0]
        decades = 1
        if pos:
            lo, hi = min(pos), max(pos)
            ax.set_ylim(10 ** math.floor(math.log10(lo)), 10 ** (math.ceil(math.log10(hi)) + 0.6))
            decades = math.ceil(math.log10(hi)) + 1 - math.floor(math.log10(lo))
        # few decades: ticks at 1, 2, 5 x 10^k, so that more than one is labelled
        subs = (1.0, 2.0, 5.0) if decades <= 3 else (1.0,)
        ax.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=subs, numticks=12))
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: joules(v)))
        ax.yaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_xticks(range(len(brains)))
        ax.set_xticklabels([b[1] for b in brains], rotation=20, fontsize=8)
        ax.set_title(t["table_name"], fontsize=9)
        ax.grid(True, axis="y", which="major", alpha=0.3)
    axes[0][0].set_ylabel("energy per decision (log)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(TERMS) + 1, fontsize=8)
    fig.suptitle(f"Energy per decision by term: {doc['brain']} brain vs MLP and same-shape ANN (spikeworm energy)")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    tmp = dst + ".tmp.png"
    fig.savefig(tmp, dpi=120)
    os.replace(tmp, dst)


if __name__ == "__main__":
    main()
