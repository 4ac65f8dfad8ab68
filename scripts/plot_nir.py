#!/usr/bin/python3
"""The plot of a `spikeworm nir run` folder (docs/nir.md): one panel per Output node (a raster when its rows
are 0/1 spikes, else its values over time), one raster per recorded node's spikes and one panel of each
recorded node's membrane v (at most 8 neurons). Time in ms from summary.json's dt. Writes PNG.

Usage: plot_nir.py DIR OUT.png
"""
import json
import os
import sys

import numpy as np


def main(folder, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = json.load(open(os.path.join(folder, "summary.json"), encoding="utf-8"))
    dt_ms = float(summary["dt_s"]) * 1000.0
    panels = [(name, "output") for name in summary.get("outputs", {})]
    for name in summary.get("recorded", []):
        if os.path.exists(os.path.join(folder, name + ".spikes.npy")):
            panels.append((name, "spikes"))
        panels.append((name, "v"))
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 2.2 * len(panels) + 0.6), sharex=True, squeeze=False)
    for ax, (name, what) in zip(axes[:, 0], panels):
        data = np.load(os.path.join(folder, name + (".npy" if what == "output" else f".{what}.npy")))
        t = (np.arange(data.shape[0]) + 1) * dt_ms
        binary = what == "spikes" or (what == "output" and np.isin(data, (0.0, 1.0)).all())
        if binary:
            steps, cols = np.nonzero(data)
            ax.scatter((steps + 1) * dt_ms, cols, s=4, marker="|", color="k")
            ax.set_ylim(-0.5, data.shape[1] - 0.5)
            ax.set_ylabel("neuron")
            ax.set_title(f"{name}: {'Output' if what == 'output' else 'spikes'} ({int(data.sum())} spikes)",
                         fontsize=9, loc="left")
        else:
            for j in range(min(8, data.shape[1])):
                ax.plot(t, data[:, j], lw=0.8)
            ax.set_ylabel("v" if what == "v" else "value")
            ax.set_title(f"{name}: {'membrane v' if what == 'v' else 'Output'} (first {min(8, data.shape[1])} of "
                         f"{data.shape[1]})", fontsize=9, loc="left")
    axes[-1, 0].set_xlabel("time [ms]")
    fig.suptitle(f"{os.path.basename(summary['file'])}: {summary['steps']} steps of {dt_ms:g} ms, "
                 f"{summary['spikes']} spikes", fontsize=10)
    fig.tight_layout()
    fig.savefig(png + ".tmp.png", dpi=110)
    os.replace(png + ".tmp.png", png)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
