#!/usr/bin/python3
"""Prints docs/deployment.md's table of the default agents on each chip from the deploy_CHIP.json files
that `spikeworm deploy RUN --chip ...` wrote into each run folder.
Usage: docs/tables/deploy.py NAME=RUN... [--chips loihi,loihi2,truenorth,spinnaker,spinnaker2]"""
import os
import sys

from common import ROOT, energy, load

NAMES = {"loihi": "Loihi", "loihi2": "Loihi 2", "truenorth": "TrueNorth", "spinnaker": "SpiNNaker 1",
         "spinnaker2": "SpiNNaker 2"}


def count(x):
    return f"{x / 1e3:.0f} k" if x >= 1e4 else f"{x:,.0f}"


def latency(us):
    return f"{us / 1e3:.3g} ms" if us >= 1e3 else f"{us:.3g} µs"


def main(argv):
    chips = ["loihi", "loihi2", "truenorth", "spinnaker", "spinnaker2"]
    runs = []
    for a in argv:
        if a.startswith("--chips="):
            chips = a.split("=", 1)[1].split(",")
        elif "=" in a:
            runs.append(tuple(a.split("=", 1)))
        else:
            raise SystemExit(__doc__)
    if not runs:
        raise SystemExit(__doc__)
    print("| agent | chip | session | cores | routed spikes / decision | hops / decision | synaptic ops / decision | "
          "chip energy / decision | static | latency / decision | success float / quantized | "
          "steps float / quantized | identical rasters |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, run in runs:
        for chip in chips:
            path = os.path.join(run, f"deploy_{chip}.json")
            if not os.path.exists(os.path.join(ROOT, path)):
                raise SystemExit(f"docs/tables/deploy.py: no {path}: run spikeworm deploy {run} --chip {chip}")
            d = load(path)
            m, pd, fl, q = d["mapping"], d["per_decision"], d["float"], d["quantized"]
            cores = f"{m['cores_used']}" + (f" + {m['splitter_cores']} splitter" if m["splitter_cores"] else "")
            published = pd["energy_published"]
            chip_e = energy(pd["energy_chip_pj"]) if published else "not published"
            static = energy(pd["energy_static_pj"]) if published and pd["energy_static_pj"] else "–"
            session = d.get("selection", {}).get("session", d.get("session", "?"))
            print(f"| {name} | {NAMES.get(chip, chip)} | {session} | {cores} | {m['routed_per_decision']:,.0f} | "
                  f"{m['hops_per_decision']:,.0f} | {count(pd['synops'])} | {chip_e} | {static} | "
                  f"{latency(pd['latency_us'])} | {fl['success_rate']:.2f} / {q['success_rate']:.2f} | "
                  f"{fl['mean_steps_success']:.1f} / {q['mean_steps_success']:.1f} | "
                  f"{q['identical_decisions']} / {q['compared_decisions']} |")


if __name__ == "__main__":
    main(sys.argv[1:])
