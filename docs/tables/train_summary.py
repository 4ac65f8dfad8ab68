#!/usr/bin/python3
"""Prints docs/training.md's tables of trained runs from each run's summary.json (`spikeworm train`):
means over sessions, [min, max] for last-30 success and steps, and the final greedy evaluation.
Usage: docs/tables/train_summary.py NAME=RUN..."""
import sys

from common import load


def mean(xs):
    return sum(xs) / len(xs)


def main(argv):
    runs = [tuple(a.split("=", 1)) for a in argv if "=" in a]
    if not runs or len(runs) != len(argv):
        raise SystemExit(__doc__)
    print("| configuration | sessions x episodes | success | last-30 success [min, max] | last-30 steps [min, max] | "
          "path / distance eff. | conv. run | post-conv. success | composite | greedy eval success / steps | rate L1 / L2 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, run in runs:
        s = load(f"{run}/summary.json")
        ps = [p for p in s["per_session"] if not p.get("error")]
        col = lambda k: [p[k] for p in ps]
        l30, steps = col("last30_success"), col("last30_steps")
        eff = mean([p.get("path_efficiency", p.get("distance_efficiency", 0.0)) for p in ps])
        g = s.get("greedy_eval") or {}
        greedy = (f"{g['success_rate']:.3f} / {g['mean_steps_success']:.1f}" if g.get("successes") else
                  f"{g['success_rate']:.3f} / -") if g else "-"
        rates = " / ".join(f"{mean([p['spike_rate'][k] for p in ps]):.3f}" for k in range(len(ps[0]["spike_rate"]))) \
            if ps[0].get("spike_rate") else "—"
        print(f"| {name} | {s['sessions']} x {s['episodes']} | {mean(col('success_rate')):.3f} | "
              f"{mean(l30):.3f} [{min(l30):.3f}, {max(l30):.3f}] | {mean(steps):.1f} [{min(steps):.1f}, {max(steps):.1f}] | "
              f"{eff:.3f} | {mean(col('convergence_run')):.1f} | {mean(col('post_success')):.3f} | "
              f"{mean(col('composite')):.3f} | {greedy} | {rates} |")


if __name__ == "__main__":
    main(sys.argv[1:])
