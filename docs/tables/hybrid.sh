#!/usr/bin/env bash
# The hybrid head (docs/training.md, "Hybrid head"): the fully spiking default agent of static medium
# (configs/spiking_static_medium.toml) against the same agent with readout = "dense"
# (configs/spiking_static_medium_hybrid.toml), 10 sessions x 100 episodes each, trained, evaluated and
# costed by docs/tables/agents.sh (train, eval: 100 greedy + 100 sampled episodes per agent on the event
# engine, energy), then printed by docs/tables/hybrid.py. Usage: docs/tables/hybrid.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
docs/tables/agents.sh spiking_static_medium spiking_static_medium_hybrid
/usr/bin/python3 docs/tables/hybrid.py "fully spiking (spiking_static_medium.toml)=runs/spiking_static_medium" \
  "hybrid head, 64 ReLU units (spiking_static_medium_hybrid.toml)=runs/spiking_static_medium_hybrid"
