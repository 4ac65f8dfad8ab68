#!/usr/bin/env bash
# Transfer (docs/training.md, "Transfer"): fine-tuning from trained weights against training from scratch,
# printed as markdown tables by docs/tables/transfer.py from each run's episodes.csv and summary.json.
#   static medium -> foraging small:   runs/spiking_static_medium (docs/tables/agents.sh) into
#                                      configs/spiking_foraging_small.toml, against runs/spiking_foraging_small
#   foraging small -> predators small: runs/spiking_foraging_small into configs/spiking_predators_small.toml,
#                                      against runs/spiking_predators_small
# Every run uses its config's defaults (5 sessions x 200 episodes, seed 1; fine-tuned session k starts from
# the source's session k mod n). A run is redone only when it is missing or older than the binary, its
# config or its source (a make-like rule, as agents.sh). Usage: docs/tables/transfer.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=build/cli/spikeworm
docs/tables/agents.sh spiking_static_medium spiking_foraging_small
source docs/tables/stale.sh
train() {  # train OUT CONFIG [SOURCE]
  local out=$1 cfg=$2 src=${3:-}
  local deps=("$bin" "$cfg")
  [[ -n $src ]] && deps+=("$src/summary.json")
  if stale "$out/summary.json" "${deps[@]}"; then
    "$bin" train "$cfg" --out "$out" --force -q ${src:+--init-weights "$src"} >/dev/null
  fi
}
train runs/spiking_predators_small configs/spiking_predators_small.toml
train runs/transfer_static_to_foraging configs/spiking_foraging_small.toml runs/spiking_static_medium
train runs/transfer_foraging_to_predators configs/spiking_predators_small.toml runs/spiking_foraging_small
/usr/bin/python3 docs/tables/transfer.py \
  "foraging small" "from scratch=runs/spiking_foraging_small" "from static medium=runs/transfer_static_to_foraging" -- \
  "predators small" "from scratch=runs/spiking_predators_small" "from foraging small=runs/transfer_foraging_to_predators"
