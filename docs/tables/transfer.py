#!/usr/bin/python3
"""Prints docs/training.md's transfer table from each run's episodes.csv and summary.json: per run, the
success of the first 20 episodes (the start), the episodes to reach 0.8 success (per session, the 0-based index of the last episode of the first window of
20 consecutive episodes whose success mean is >= 0.8; "never" if none), the final last-30 success
(training, sampled actions) and the final greedy evaluation success, means over sessions.
Usage: docs/tables/transfer.py TITLE NAME=RUN... [-- TITLE NAME=RUN...]..."""
import csv
import os
import sys

from common import ROOT, load

WINDOW, LEVEL = 20, 0.8


def to_level(successes):
    """The first i >= WINDOW - 1 with mean(successes[i - WINDOW + 1 .. i]) >= LEVEL, else None."""
    for i in range(WINDOW - 1, len(successes)):
        if sum(successes[i - WINDOW + 1:i + 1]) >= LEVEL * WINDOW:
            return i
    return None


def sessions(run):
    by = {}
    with open(os.path.join(ROOT, run, "episodes.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by.setdefault(int(row["session"]), []).append(int(row["success"]))
    return [by[k] for k in sorted(by)]


def rows(title, runs):
    for name, run in runs:
        s = load(f"{run}/summary.json")
        per_session = sessions(run)
        reach = [to_level(x) for x in per_session]
        got = [r for r in reach if r is not None]
        first = sum(sum(x[:WINDOW]) for x in per_session) / sum(len(x[:WINDOW]) for x in per_session)
        per = ", ".join("never" if r is None else str(r) for r in reach)
        mean_reach = f"mean {sum(got) / len(got):.1f}" if got else "—"
        l30 = [p["last30_success"] for p in s["per_session"] if not p.get("error")]
        g = s.get("greedy_eval") or {}
        greedy = f"{g['success_rate']:.3f}" if g else "—"
        print(f"| {title} | {name} | {s['sessions']} x {s['episodes']} | {first:.3f} | {per} ({mean_reach}) | "
              f"{len(got)}/{len(reach)} | "
              f"{sum(l30) / len(l30):.3f} [{min(l30):.3f}, {max(l30):.3f}] | {greedy} |")


def main(argv):
    groups, cur = [], []
    for a in argv + ["--"]:
        if a == "--":
            if len(cur) < 2 or any("=" not in x for x in cur[1:]):
                raise SystemExit(__doc__)
            groups.append((cur[0], [tuple(x.split("=", 1)) for x in cur[1:]]))
            cur = []
        else:
            cur.append(a)
    print("| task | start | sessions x episodes | success, first 20 episodes | episodes to 0.8, per session (mean of those reaching it) | reached | "
          "last-30 success [min, max] | greedy eval success |")
    print("|---|---|---|---|---|---|---|---|")
    for title, runs in groups:
        rows(title, runs)


if __name__ == "__main__":
    main(sys.argv[1:])
