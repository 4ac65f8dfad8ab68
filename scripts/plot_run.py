#!/usr/bin/python3
"""Plots of a training run folder (spikeworm plot DIR): writes DIR/plots/*.png.

learning.png: success (moving average over 10 episodes) and steps per episode, every session;
loss.png: loss and learning rate; spikes.png: firing rate per hidden layer (spiking brains).
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def moving_average(xs, n=10):
    out, acc = [], 0.0
    for i, x in enumerate(xs):
        acc += x
        if i >= n:
            acc -= xs[i - n]
        out.append(acc / min(i + 1, n))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: plot_run.py RUN_DIR")
    run = sys.argv[1]
    sys.stdout.reconfigure(errors="surrogateescape")  # non-UTF-8 folder names print as their bytes
    path = os.path.join(run, "episodes.csv")
    if not os.path.exists(path):
        sys.exit(f"{path}: no such file (is {run} a spikeworm train folder?)")
    sessions = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            sessions.setdefault(int(r["session"]), []).append(r)
    out = os.path.join(run, "plots")
    os.makedirs(out, exist_ok=True)

    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    for k, rows in sorted(sessions.items()):
        ep = [int(r["episode"]) for r in rows]
        a1.plot(ep, moving_average([float(r["success"]) for r in rows]), lw=1, label=f"session {k}")
        a2.plot(ep, [int(r["steps"]) for r in rows], lw=0.8, alpha=0.7)
    a1.set_ylabel("success (moving average, 10)")
    a1.set_ylim(-0.05, 1.05)
    a2.set_ylabel("steps per episode")
    a2.set_xlabel("episode")
    a2.set_yscale("log")
    if len(sessions) <= 10:
        a1.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "learning.png"), dpi=110)

    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    for k, rows in sorted(sessions.items()):
        ep = [int(r["episode"]) for r in rows]
        a1.plot(ep, [float(r["loss"]) for r in rows], lw=0.8)
        a2.plot(ep, [float(r["learning_rate"]) for r in rows], lw=1)
    a1.set_ylabel("loss")
    a2.set_ylabel("learning rate")
    a2.set_xlabel("episode")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "loss.png"), dpi=110)

    first = next(iter(sessions.values()))[0]
    layers = sorted(k for k in first if k.startswith("spikes_l"))
    written = ["learning.png", "loss.png"]
    if layers:
        import json
        with open(os.path.join(run, "config.toml")) as f:
            text = f.read()
        hidden, steps = 128, 100
        for line in text.splitlines():
            s = line.split("#")[0].strip().replace(" ", "")
            if s.startswith("hidden="):
                hidden = int(s.split("=")[1])
            if s.startswith("steps="):
                steps = int(s.split("=")[1])
        fig, ax = plt.subplots(figsize=(8, 4))
        for li, col in enumerate(layers):
            for k, rows in sorted(sessions.items()):
                ep = [int(r["episode"]) for r in rows]
                rate = [int(r[col]) / (hidden * steps * max(1, int(r["steps"]))) for r in rows]
                ax.plot(ep, rate, lw=0.8, color=f"C{li}", alpha=0.6, label=f"layer {li + 1}" if k == 0 else None)
        ax.set_ylabel("firing rate (spikes per neuron-step)")
        ax.set_xlabel("episode")
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(out, "spikes.png"), dpi=110)
        written.append("spikes.png")
    print("wrote " + ", ".join(os.path.join(out, w) for w in written))


if __name__ == "__main__":
    main()
