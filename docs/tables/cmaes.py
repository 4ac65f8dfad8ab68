#!/usr/bin/python3
"""Trains the static-medium agents with REINFORCE and with CMA-ES at equal episode budgets and prints
docs/training.md's comparison table ("Gradient-free learning (CMA-ES)"). Runs go to runs/cmaes/NAME (full
budget), runs/cmaes/NAME_half and NAME_quarter (a half and a quarter of the budget: the same search stopped
earlier, since neither method's schedule depends on the budget); each is trained with `spikeworm train CONFIG --episodes N --sessions K
--threads 2 --force -q` and its final greedy evaluation (20 episodes per agent). About 12 minutes on 2 cores.

Sample efficiency: the first episode at which the success rate of the last 20 episodes played in training
reaches 0.9 (REINFORCE: sampled actions of the network being trained; CMA-ES: greedy episodes of the search's
candidates, not of its mean). The greedy columns evaluate the network of record (REINFORCE: the trained
weights; CMA-ES: the search mean) after a quarter, a half and all of the budget.
Usage: docs/tables/cmaes.py   (SPIKEWORM_BIN: the binary, default build/cli/spikeworm)"""
import csv
import os
import statistics
import subprocess
import sys

from common import ROOT, load

BIN = os.environ.get("SPIKEWORM_BIN", os.path.join(ROOT, "build/cli/spikeworm"))
# (label, config, brain, episodes, sessions)
RUNS = [
    ("REINFORCE", "configs/spiking_static_medium.toml", "2 x 128, T 25 (33,924 parameters)", 400, 10),
    ("CMA-ES (separable)", "configs/cmaes_static_medium.toml", "2 x 128, T 25 (33,924 parameters)", 400, 10),
    ("REINFORCE", "configs/spiking_small_static_medium.toml", "1 x 16, T 25 (388 parameters)", 1000, 10),
    ("CMA-ES (separable)", "configs/cmaes_small_static_medium.toml", "1 x 16, T 25 (388 parameters)", 1000, 10),
]


def train(config, out, episodes, sessions):
    subprocess.run([BIN, "train", config, "--out", out, "--episodes", str(episodes), "--sessions", str(sessions),
                    "--threads", "2", "--force", "-q"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return load(os.path.join(out, "summary.json"))


def first_ma_episode(rows, window=20, level=0.9):
    """1-based episode count at which the mean success of the last `window` episodes first reaches `level`."""
    ok = 0
    for i, r in enumerate(rows):
        ok += int(r["success"])
        if i >= window:
            ok -= int(rows[i - window]["success"])
        if i + 1 >= window and ok >= level * window:
            return i + 1
    return None


def greedy(summary):
    g = summary["greedy_eval"]
    return g["success_rate"], g["mean_steps_success"]


def main():
    print("| method | brain | sessions x episodes | episodes to 20-episode success >= 0.9: median [sessions] | "
          "greedy success, 1/4 and 1/2 budget | greedy success / steps, full budget | sessions with greedy >= 0.9 | "
          "wall time per session |")
    print("|---|---|---|---|---|---|---|---|")
    for label, config, brain, episodes, sessions in RUNS:
        stem = os.path.splitext(os.path.basename(config))[0]
        out = os.path.join("runs/cmaes", stem)
        full = train(config, out, episodes, sessions)
        half = train(config, out + "_half", episodes // 2, sessions)
        quarter = train(config, out + "_quarter", episodes // 4, sessions)
        with open(os.path.join(ROOT, out, "episodes.csv"), encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        firsts = []
        for k in range(sessions):
            e = first_ma_episode([r for r in rows if int(r["session"]) == k])
            if e is not None:
                firsts.append(e)
        eff = f"{statistics.median(firsts):.0f} [{len(firsts)}/{sessions}]" if firsts else f"- [0/{sessions}]"
        gs, steps = greedy(full)
        hs, _ = greedy(half)
        qs, _ = greedy(quarter)
        good = sum(1 for p in full["per_session"] if (p.get("greedy_eval_success") or 0) >= 0.9)
        wall = statistics.mean(p["wall_seconds"] for p in full["per_session"])
        print(f"| {label} | {brain} | {sessions} x {episodes} | {eff} | {qs:.3f}, {hs:.3f} | {gs:.3f} / {steps:.1f} | "
              f"{good}/{sessions} | {wall:.1f} s |")


if __name__ == "__main__":
    sys.exit(main())
