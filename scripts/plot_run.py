#!/usr/bin/python3
"""Plots of a training run folder (spikeworm plot DIR): writes DIR/plots/*.png.

learning.png: success (moving average over 10 episodes) and steps per episode (log axis, with the env's
optimum from summary.json dashed), one colour per session; loss.png: loss and learning rate per session;
spikes.png: firing rate per hidden layer (one panel each) and session (spiking brains). Past 10 sessions the
sessions are drawn faint, unlabelled, under a labelled mean (median for rates).
"""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker  # noqa: E402


def moving_average(xs, n=10):
    out, acc = [], 0.0
    for i, x in enumerate(xs):
        acc += x
        if i >= n:
            acc -= xs[i - n]
        out.append(acc / min(i + 1, n))
    return out


def session_styles(sessions):
    """Per session: colour and label, or None labels past 10 sessions (then a mean line is labelled)."""
    many = len(sessions) > 10
    return {k: (f"C{i % 10}", None if many else f"session {k}") for i, k in enumerate(sorted(sessions))}, many


def log_ticks(ax, lo, hi):
    """Readable ticks on a log y axis from lo to hi: 1, 2, 5 x 10^k (and 3 x 10^k on a short range) as
    plain numbers."""
    subs = (1.0, 2.0, 3.0, 5.0) if hi / max(lo, 1e-9) < 30 else (1.0, 2.0, 5.0)
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=subs))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_locator(ticker.LogLocator(base=10, subs=(3.0, 4.0, 6.0, 7.0, 8.0, 9.0)))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())


def mean_curve(sessions, key):
    """Episode-wise mean over sessions of a column (episodes every session has)."""
    n = min(len(rows) for rows in sessions.values())
    return list(range(n)), [sum(float(rows[i][key]) for rows in sessions.values()) / len(sessions) for i in range(n)]


def plot_learning(run, sessions, out):
    optimum = None
    try:
        with open(os.path.join(run, "summary.json")) as f:
            optimum = json.load(f).get("optimum")
    except (OSError, ValueError):
        pass
    if not isinstance(optimum, (int, float)) or optimum <= 0:
        optimum = None  # foraging has none (-1)
    style, many = session_styles(sessions)
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(9.5, 7.5), sharex=True)
    for k, rows in sorted(sessions.items()):
        ep = [int(r["episode"]) for r in rows]
        c, label = style[k]
        a1.plot(ep, moving_average([float(r["success"]) for r in rows]), lw=1, color=c, label=label,
                alpha=0.4 if many else 1)
        a2.plot(ep, [int(r["steps"]) for r in rows], lw=0.8, alpha=0.3 if many else 0.75, color=c, label=label)
    if many:
        ep, m = mean_curve(sessions, "success")
        a1.plot(ep, moving_average(m), lw=2, color="k", label=f"mean of {len(sessions)} sessions")
        ep, m = mean_curve(sessions, "steps")
        a2.plot(ep, m, lw=1.5, color="k", label=f"mean of {len(sessions)} sessions")
    if optimum:
        a2.axhline(optimum, color="k", ls="--", lw=1.2, label=f"optimum ({optimum} steps)")
    a1.set_ylabel("success rate (moving average of 10 episodes)")
    a1.set_ylim(-0.05, 1.05)
    a1.set_title("Success per episode")
    a2.set_ylabel("steps per episode [steps] (log)")
    a2.set_xlabel("episode")
    a2.set_yscale("log")
    lo = min([int(r["steps"]) for rows in sessions.values() for r in rows] + ([optimum] if optimum else []))
    hi = max(int(r["steps"]) for rows in sessions.values() for r in rows)
    a2.set_ylim(max(0.5, lo / 1.3), hi * 1.3)
    log_ticks(a2, lo, hi)
    a2.xaxis.set_major_locator(ticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    a2.grid(True, which="major", axis="y", alpha=0.3)
    a2.set_title("Episode length" + (" against the shortest path (dashed)" if optimum else " (this env has no optimum)"))
    a1.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))  # outside: the curves stay visible
    a2.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.suptitle(f"Learning curves: {os.path.basename(os.path.normpath(run))}, {len(sessions)} sessions")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "learning.png"), dpi=110)
    plt.close(fig)


def plot_loss(run, sessions, out):
    style, many = session_styles(sessions)
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(9.5, 6.5), sharex=True)
    for k, rows in sorted(sessions.items()):
        ep = [int(r["episode"]) for r in rows]
        c, label = style[k]
        a1.plot(ep, [float(r["loss"]) for r in rows], lw=0.8, color=c, label=label, alpha=0.4 if many else 1)
        a2.plot(ep, [float(r["learning_rate"]) for r in rows], lw=1, color=c, label=label)
    if many:
        ep, m = mean_curve(sessions, "loss")
        a1.plot(ep, m, lw=1.5, color="k", label=f"mean of {len(sessions)} sessions")
    same = len({tuple(r["learning_rate"] for r in rows) for rows in sessions.values()}) == 1
    a1.set_ylabel("policy-gradient loss (per episode)")
    a1.set_title("Loss")
    a1.axhline(0, color="grey", lw=0.5)
    a2.set_ylabel("learning rate (per update)")
    a2.set_xlabel("episode")
    a2.xaxis.set_major_locator(ticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    a2.set_title("Learning-rate schedule" + (" (the same for every session)" if same and len(sessions) > 1 else ""))
    a1.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    if not same:
        a2.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.suptitle(f"Loss and learning rate: {os.path.basename(os.path.normpath(run))}")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "loss.png"), dpi=110)
    plt.close(fig)


def config_numbers(run):
    """[brain] hidden, steps and dt [ms] from the run's config.toml (128, 100 and 1 when absent)."""
    with open(os.path.join(run, "config.toml")) as f:
        text = f.read()
    hidden, steps, dt = 128, 100, 1.0
    for line in text.splitlines():
        s = line.split("#")[0].strip().replace(" ", "")
        if s.startswith("hidden="):
            hidden = int(s.split("=")[1])
        if s.startswith("steps="):
            steps = int(s.split("=")[1])
        if s.startswith("dt="):
            dt = float(s.split("=")[1])
    return hidden, steps, dt


def plot_spikes(run, sessions, layers, out):
    """One panel per hidden layer, one colour per session (or the median and range past 10 sessions)."""
    hidden, steps, dt = config_numbers(run)
    style, many = session_styles(sessions)
    fig, axes = plt.subplots(len(layers), 1, figsize=(9.5, 2.2 + 2.3 * len(layers)), sharex=True, squeeze=False)
    for li, (ax, col) in enumerate(zip(axes[:, 0], layers)):
        curves = {}
        for k, rows in sorted(sessions.items()):
            ep = [int(r["episode"]) for r in rows]
            # spikes per neuron per step x steps per second: Hz (docs/training.md)
            rate = [int(r[col]) / (hidden * steps * max(1, int(r["steps"]))) * 1000.0 / dt for r in rows]
            curves[k] = rate
            c, label = style[k]
            ax.plot(ep, rate, lw=0.9, color=c, alpha=0.3 if many else 0.9, label=label)
        if many:
            n = min(len(v) for v in curves.values())
            cols = [sorted(v[i] for v in curves.values()) for i in range(n)]
            ax.plot(range(n), [c[len(c) // 2] for c in cols], color="k", lw=1.5,
                    label=f"median of {len(sessions)} sessions")
        ax.set_ylabel("firing rate [Hz]")
        ax.set_title(f"hidden layer {li + 1} ({hidden} LIF neurons, {steps} time steps of {dt:g} ms per decision)",
                     fontsize=9)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    axes[-1, 0].set_xlabel("episode")
    axes[-1, 0].xaxis.set_major_locator(ticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    fig.suptitle(f"Firing rate per hidden layer and session: {os.path.basename(os.path.normpath(run))}")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "spikes.png"), dpi=110)
    plt.close(fig)


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
    if not sessions:
        sys.exit(f"{path}: no episodes")
    out = os.path.join(run, "plots")
    os.makedirs(out, exist_ok=True)
    plot_learning(run, sessions, out)
    plot_loss(run, sessions, out)
    written = ["learning.png", "loss.png"]
    first = next(iter(sessions.values()))[0]
    layers = sorted(k for k in first if k.startswith("spikes_l"))
    if layers:
        plot_spikes(run, sessions, layers, out)
        written.append("spikes.png")
    print("wrote " + ", ".join(os.path.join(out, w) for w in written))


if __name__ == "__main__":
    main()
