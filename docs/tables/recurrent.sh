#!/usr/bin/env bash
# Trains and evaluates the spiking agents with and without [brain] recurrent (docs/training.md, "A recurrent
# layer") and prints the table there. Per config: train CONFIG --out runs/recurrent/STEM --force --final-eval 20
# (the config's sessions and episodes, seed 1, 2 threads), then eval runs/recurrent/STEM --episodes 20 (greedy
# and sampled, event engine); a folder of its own, so the runs/STEM of docs/tables/agents.sh keep their
# 100-episode evals. A step is redone only when its output is missing or older than build/cli/spikeworm or
# the config, as in docs/tables/agents.sh.
# Usage: docs/tables/recurrent.sh            (1 to 4 minutes per run on 2 cores, 15 in all)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=build/cli/spikeworm
stems=(spiking_static_medium spiking_static_medium_recurrent spiking_foraging_small spiking_foraging_small_recurrent
       spiking_predators_small spiking_predators_small_recurrent)
source docs/tables/stale.sh
for s in "${stems[@]}"; do
  cfg=configs/$s.toml run=runs/recurrent/$s
  [[ -f $cfg ]] || { echo "docs/tables/recurrent.sh: no $cfg" >&2; exit 2; }
  if stale "$run/summary.json" "$bin" "$cfg"; then
    "$bin" train "$cfg" --out "$run" --force --threads 2 --final-eval 20 -q >/dev/null
    rm -f "$run/eval.json"
  fi
  if stale "$run/eval.json" "$run/summary.json"; then "$bin" eval "$run" --episodes 20 -q >/dev/null; fi
done
/usr/bin/python3 - "${stems[@]}" <<'PY'
import csv, json, sys

def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")

print("| configuration | sessions x episodes | last-30 success (sampled) [min, max] | greedy eval success [min, max] / steps | "
      "sampled eval success / steps | foods (greedy) | last-30 starved / killed | decisions/s (training) | "
      "spikes per decision |")
print("|---|---|---|---|---|---|---|---|---|")
for stem in sys.argv[1:]:
    run = f"runs/recurrent/{stem}"
    s = json.load(open(f"{run}/summary.json"))
    e = json.load(open(f"{run}/eval.json"))
    ps = [p for p in s["per_session"] if not p.get("error")]
    rows = list(csv.DictReader(open(f"{run}/episodes.csv")))
    steps, last30 = {}, {}
    for r in rows:
        k = int(r["session"])
        steps[k] = steps.get(k, 0) + int(r["steps"])
        last30.setdefault(k, []).append(r["outcome"])
    ends = [o for k in last30 for o in last30[k][-30:]]
    starved = sum(o == "starved" for o in ends) / len(ends)
    killed = sum(o == "killed" for o in ends) / len(ends)
    dps = mean([steps[p["session"]] / p["wall_seconds"] for p in ps])
    g, sm = e["greedy"], e["sampled"]
    fig = lambda f: f"{f['success_rate']:.3f} / " + (f"{f['mean_steps_success']:.1f}" if f["successes"] else "-")
    l30 = [p["last30_success"] for p in ps]
    ga = [a["greedy"]["success_rate"] for a in e["per_agent"]]
    steps_g = f"{g['mean_steps_success']:.1f}" if g["successes"] else "-"
    foods = f"{e['mean_foods']:.1f}" if s["env"] != "static" else "—"
    deaths = f"{100 * starved:.0f}% / {100 * killed:.0f}%" if s["env"] != "static" else "—"
    spikes = sum(l["spikes_per_decision"] for l in e["layer"])
    name = f"{s['env']} {s['preset']}, " + ("recurrent" if stem.endswith("_recurrent") else "feed-forward")
    print(f"| {name} | {s['sessions']} x {s['episodes']} | {mean(l30):.3f} [{min(l30):.3f}, {max(l30):.3f}] | "
          f"{g['success_rate']:.3f} [{min(ga):.2f}, {max(ga):.2f}] / {steps_g} | "
          f"{fig(sm)} | {foods} | {deaths} | {dps:.0f} | {spikes:.0f} |")
PY
