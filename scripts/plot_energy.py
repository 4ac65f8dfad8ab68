#!/usr/bin/python3
"""Stacked bars of energy per decision (spikeworm energy): per table, the brain's terms next to the MLP
baseline's and a same-shape ANN's. Usage: plot_energy.py ENERGY.json OUT.png"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        doc = json.load(f)
    tables = doc["tables"]
    terms = [("synaptic_pj", "synaptic ops"), ("neuron_pj", "neuron updates"), ("memory_pj", "memory reads"),
             ("dense_pj", "dense (input layer / MACs)")]
    colors = ["#4c72b0", "#dd8452", "#55a868", "#c44e52"]
    brains = [("brain", f"{doc['brain']}"), ("mlp", "MLP"), ("ann", "same-shape ANN")]
    # One panel per table (linear axes: stacked bars on a log axis would misstate the terms).
    fig, axes = plt.subplots(1, len(tables), figsize=(2.6 * len(tables), 4.2), squeeze=False)
    for ax, t in zip(axes[0], tables):
        for bi, (key, label) in enumerate(brains):
            bottom = 0.0
            for (term, tlabel), c in zip(terms, colors):
                v = t[key][term] / 1000.0
                ax.bar(bi, v, 0.7, bottom=bottom, color=c, label=tlabel if bi == 0 else None)
                bottom += v
        ax.set_xticks(range(len(brains)))
        ax.set_xticklabels([b[1] for b in brains], rotation=30, fontsize=8)
        ax.set_title(t["table_name"], fontsize=9)
        ax.set_ylabel("nJ per decision")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(terms), fontsize=8)
    fig.suptitle("Energy per decision, every term (spikeworm energy)")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    tmp = dst + ".tmp.png"
    fig.savefig(tmp, dpi=120)
    os.replace(tmp, dst)


if __name__ == "__main__":
    main()
