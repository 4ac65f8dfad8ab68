#!/usr/bin/env bash
# Trains and evaluates the spiking and MLP agents of every foraging task side by side (docs/training.md,
# "Every task") and prints the table there. Per config: train CONFIG --out runs/tasks/STEM --force
# --final-eval 0 (the config's 5 sessions x 200 episodes, seed 1, 2 threads), then eval runs/tasks/STEM
# --episodes 20 (greedy and sampled, event engine). A step is redone only when its output is missing or
# older than build/cli/spikeworm or the config, as in docs/tables/agents.sh.
# Usage: docs/tables/tasks.sh            (about 40 minutes on 2 cores, most of it foraging large)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=build/cli/spikeworm
tasks=(foraging_small foraging_medium foraging_large predators_small)
source docs/tables/stale.sh
for t in "${tasks[@]}"; do
  for b in spiking mlp; do
    s=${b}_$t cfg=configs/${b}_$t.toml run=runs/tasks/${b}_$t
    [[ -f $cfg ]] || { echo "docs/tables/tasks.sh: no $cfg" >&2; exit 2; }
    if stale "$run/summary.json" "$bin" "$cfg"; then
      "$bin" train "$cfg" --out "$run" --force --threads 2 --final-eval 0 -q >/dev/null
      rm -f "$run/eval.json"
    fi
    if stale "$run/eval.json" "$run/summary.json"; then "$bin" eval "$run" --episodes 20 -q >/dev/null; fi
  done
done
/usr/bin/python3 - "${tasks[@]}" <<'PY'
import json, sys

def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")

def fig(f):
    steps = f"{f['mean_steps_success']:.0f}" if f["successes"] else "-"
    n = f["episodes"]
    return (f"{f['success_rate']:.2f} / {steps} | {f['mean_foods']:.1f} | "
            f"{100 * f['starved'] / n:.0f}% / {100 * f['killed'] / n:.0f}%")

print("| task | brain | sessions x episodes | last-30 success (training, sampled) | greedy: success / steps | foods | "
      "starved / killed | sampled: success / steps | foods | starved / killed |")
print("|---|---|---|---|---|---|---|---|---|---|")
for t in sys.argv[1:]:
    for b in ("spiking", "mlp"):
        run = f"runs/tasks/{b}_{t}"
        s = json.load(open(f"{run}/summary.json"))
        e = json.load(open(f"{run}/eval.json"))
        l30 = [p["last30_success"] for p in s["per_session"] if not p.get("error")]
        print(f"| {t.replace('_', ' ')} | {'spiking' if b == 'spiking' else 'MLP'} | {s['sessions']} x {s['episodes']} | "
              f"{mean(l30):.2f} [{min(l30):.2f}, {max(l30):.2f}] | {fig(e['greedy'])} | {fig(e['sampled'])} |")
PY
