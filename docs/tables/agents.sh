#!/usr/bin/env bash
# Trains, evaluates and costs the agents whose figures the docs' "Measured" tables quote (docs/energy.md,
# docs/deployment.md, docs/training.md), into runs/CONFIG_STEM/ with the configs' defaults (seed 1):
#   train CONFIG --out runs/STEM --force;  eval runs/STEM (100 greedy + 100 sampled episodes per agent,
#   event engine);  energy runs/STEM --no-plot (every table).
# A step is redone only when its output is missing or older than build/cli/spikeworm or the config (a
# make-like rule), so docs/regenerate trains each agent once per pass; a run is also retrained when its
# sessions or episodes are not the config's (e.g. a run of the README's scripts/run shortened by
# SPIKEWORM_QUICK in ctest docs.every_shell_block_runs). Prints nothing; stderr on failure.
# Usage: docs/tables/agents.sh [STEM...]   (default: every agent below)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=build/cli/spikeworm
stems=("$@")
[[ ${#stems[@]} -gt 0 ]] || stems=(spiking_static_medium spiking_static_medium_sparse spiking_static_medium_log
                                    mlp_static_medium spiking_foraging_small mlp_foraging_small)
source docs/tables/stale.sh
not_the_configs() {  # not_the_configs RUN CONFIG: the run's sessions x episodes differ from the config's
  /usr/bin/python3 - "$1/summary.json" "$2" <<'PY'
import json, sys, tomllib
run = json.load(open(sys.argv[1]))
train = tomllib.load(open(sys.argv[2], "rb")).get("train", {})
sys.exit(0 if (run.get("sessions"), run.get("episodes")) != (train.get("sessions"), train.get("episodes")) else 1)
PY
}
for s in "${stems[@]}"; do
  cfg=configs/$s.toml run=runs/$s
  [[ -f $cfg ]] || { echo "docs/tables/agents.sh: no $cfg" >&2; exit 2; }
  if stale "$run/summary.json" "$bin" "$cfg" || not_the_configs "$run" "$cfg"; then "$bin" train "$cfg" --out "$run" --force -q >/dev/null; fi
  if stale "$run/eval.json" "$run/summary.json"; then "$bin" eval "$run" -q >/dev/null; fi
  if stale "$run/energy.json" "$run/eval.json"; then "$bin" energy "$run" --no-plot -q >/dev/null; fi
done
