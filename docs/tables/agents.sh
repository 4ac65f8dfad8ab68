#!/usr/bin/env bash
# Trains, evaluates and costs the agents whose figures the docs' "Measured" tables quote (docs/energy.md,
# docs/deployment.md, docs/training.md), into runs/CONFIG_STEM/ with the configs' defaults (seed 1):
#   train CONFIG --out runs/STEM --force;  eval runs/STEM (100 greedy + 100 sampled episodes per agent,
#   event engine);  energy runs/STEM --no-plot (every table).
# A step is redone only when its output is missing or older than build/cli/spikeworm or the config (a
# make-like rule), so docs/regenerate trains each agent once per pass. Prints nothing; stderr on failure.
# Usage: docs/tables/agents.sh [STEM...]   (default: every agent below)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=build/cli/spikeworm
stems=("$@")
[[ ${#stems[@]} -gt 0 ]] || stems=(spiking_static_medium spiking_static_medium_sparse spiking_static_medium_log
                                    mlp_static_medium spiking_foraging_small mlp_foraging_small)
stale() {  # stale OUTPUT INPUT...: OUTPUT is missing or older than an input
  local out=$1; shift
  [[ -e $out ]] || return 0
  for i in "$@"; do [[ $i -nt $out ]] && return 0; done
  return 1
}
for s in "${stems[@]}"; do
  cfg=configs/$s.toml run=runs/$s
  [[ -f $cfg ]] || { echo "docs/tables/agents.sh: no $cfg" >&2; exit 2; }
  if stale "$run/summary.json" "$bin" "$cfg"; then "$bin" train "$cfg" --out "$run" --force -q >/dev/null; fi
  if stale "$run/eval.json" "$run/summary.json"; then "$bin" eval "$run" -q >/dev/null; fi
  if stale "$run/energy.json" "$run/eval.json"; then "$bin" energy "$run" --no-plot -q >/dev/null; fi
done
