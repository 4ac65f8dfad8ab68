#!/usr/bin/python3
"""Prints docs/energy.md's table of trained agents on the crossover map, from the crossover.json that
`spikeworm energy --crossover RUN --out DIR` wrote for each agent: per hidden-to-hidden layer, its width, steps
and measured input rate, and on each table the energy ratio (spiking / dense) with the break-even rate.
Usage: docs/tables/crossover_agents.py NAME=CROSSOVER.json..."""
import json
import sys

NAMES = {"cmos45_fp32": "fp32", "cmos45_int8": "int8", "loihi": "Loihi", "spinnaker1": "SpiNNaker 1",
         "spinnaker2": "SpiNNaker 2"}


def rate(r):
    return r if isinstance(r, str) else f"{100 * r:.3g}%"


def main(argv):
    files = [tuple(a.split("=", 1)) for a in argv if "=" in a]
    if not files or len(files) != len(argv):
        raise SystemExit(__doc__)
    header = None
    for name, path in files:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        ids = [t["id"] for t in doc["tables"]]
        if header is None:
            header = ids
            print("| agent | layer | width | T | input rate | " + " | ".join(NAMES.get(i, i) for i in ids) + " |")
            print("|---|---|---|---|---|" + "---|" * len(ids))
        elif ids != header:
            raise SystemExit(f"{path}: tables {ids}, expected {header}")
        for p in doc["points"]:
            cells = [f"{x:.3g} ({rate(b)})" for x, b in zip(p["energy_ratio"], p["breakeven_rate"])]
            print(f"| {name} | {p['label'].split()[-1]} | {p['width']} | {p['steps']} | {rate(p['rate'])} | "
                  + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
