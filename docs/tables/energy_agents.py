#!/usr/bin/python3
"""Prints docs/energy.md's "Measured" table from the eval.json and energy.json that `spikeworm eval RUN`
and `spikeworm energy RUN` wrote into each run folder (docs/tables/agents.sh makes them).
Usage: docs/tables/energy_agents.py NAME=RUN..."""
import sys

from common import energy, load, percent

TABLES = [("cmos45_fp32", "fp32"), ("cmos45_int8", "int8"), ("loihi", "Loihi"), ("spinnaker1", "SpiNNaker 1"),
          ("spinnaker2", "SpiNNaker 2")]


def count(x):
    return f"{x / 1e3:.3g} k" if x >= 1e3 else f"{x:.3g}"


def main(argv):
    runs = [tuple(a.split("=", 1)) for a in argv if "=" in a]
    if not runs or len(runs) != len(argv):
        raise SystemExit(__doc__)
    print("| agent | greedy / sampled success | rate L1 / L2 | SOPs / decision | updates / decision (of N x T) | "
          + " | ".join(n for _, n in TABLES) + " | MLP 2x64 (fp32 / int8) | break-even rate vs same-shape ANN (fp32) |")
    print("|---|---|---|---|---|" + "---|" * len(TABLES) + "---|---|")
    for name, run in runs:
        ev, en = load(f"{run}/eval.json"), load(f"{run}/energy.json")
        by_id = {t["table"]: t for t in en["tables"]}
        spiking = ev["brain"] == "spiking"
        greedy = ev.get("greedy", {}).get("success_rate")
        sampled = ev.get("sampled", {}).get("success_rate")
        success = " / ".join("-" if x is None else f"{x:.3f}" for x in (greedy, sampled))
        if spiking:
            rates = " / ".join(percent(layer["firing_rate"]) for layer in ev["layer"])
            nb = ev["neurobench"]
            sops = count(nb["SynapticOperations"]["Effective_ACs"])
            nt = ev["layers"] * ev["hidden"] * ev["steps"]
            updates = f"{count(nb['MembraneUpdates'])} (of {count(nt)})"
            mlp = f"{energy(by_id['cmos45_fp32']['mlp']['total_pj'])} / {energy(by_id['cmos45_int8']['mlp']['total_pj'])}"
            be = by_id["cmos45_fp32"]["breakeven_rate_ann"]
            breakeven = "never" if be is None or be < 0 else percent(be, 2)
        else:
            rates = sops = updates = mlp = breakeven = "-"
        cost = " | ".join(energy(by_id[t]["brain"]["total_pj"]) + ("" if spiking or t.startswith("cmos") else " (host)")
                          for t, _ in TABLES)
        print(f"| {name} | {success} | {rates} | {sops} | {updates} | {cost} | {mlp} | {breakeven} |")


if __name__ == "__main__":
    main(sys.argv[1:])
