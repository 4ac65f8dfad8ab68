#!/usr/bin/python3
"""Prints docs/energy.md's "cheapest configuration reaching greedy evaluation success >= 90%" table from
sweep folders' sweep.json (one per brain type, e.g. runs/sweep_snn runs/sweep_mlp): per sweep, the point
that `sweep` reports as cheapest on each table (greedy `eval_success` >= 0.9, least energy per decision),
one row per distinct point with the tables it is cheapest on.
With --ratios: the cheapest spiking point's energy over the cheapest MLP point's, per table.
Usage: docs/tables/sweep_cheapest.py [--ratios] SWEEP_DIR..."""
import sys

from common import energy, load, percent

TABLE_NAMES = {"cmos45_fp32": "fp32", "cmos45_int8": "int8", "loihi": "Loihi", "spinnaker1": "SpiNNaker 1",
               "spinnaker2": "SpiNNaker 2"}


def cheapest(sweep, table):
    ok = [p for p in sweep["points"] if p["eval_success"] >= 0.9]
    return min(ok, key=lambda p: p["energy_pj"][table]) if ok else None


def main(argv):
    ratios = "--ratios" in argv
    dirs = [a for a in argv if a != "--ratios"]
    if not dirs:
        raise SystemExit(__doc__)
    sweeps = [(d, load(f"{d}/sweep.json")) for d in dirs]
    tables = sweeps[0][1]["tables"]
    if any(s["tables"] != tables for _, s in sweeps):
        raise SystemExit("docs/tables/sweep_cheapest.py: the sweeps have different tables")
    if ratios:
        best = {}
        for _, s in sweeps:
            for t in tables:
                p = cheapest(s, t)
                if p:
                    best.setdefault(p["brain"], {})[t] = p
        if set(best) != {"spiking", "mlp"}:
            raise SystemExit("docs/tables/sweep_cheapest.py --ratios: needs a spiking and an MLP point that reach 90%")
        for t in tables:
            sp, mlp = best["spiking"].get(t), best["mlp"].get(t)
            if sp and mlp:
                print(f"{TABLE_NAMES.get(t, t):<12} cheapest spiking {energy(sp['energy_pj'][t]):>10} / cheapest MLP "
                      f"{energy(mlp['energy_pj'][t]):>10} = {sp['energy_pj'][t] / mlp['energy_pj'][t]:.1f}x")
        return
    print("| brain | configuration | cheapest on | greedy / sampled success | greedy steps | last-30 success | rates L1 / L2 | "
          + " | ".join(TABLE_NAMES.get(t, t) for t in tables) + " |")
    print("|---|---|---|---|---|---|---|" + "---|" * len(tables))
    for d, s in sweeps:
        rows = {}
        for t in tables:
            p = cheapest(s, t)
            if p:
                rows.setdefault(p["point"], (p, []))[1].append(TABLE_NAMES.get(t, t))
        if not rows:
            print(f"| {s['points'][0]['brain'] if s['points'] else d} | none reaches 90% ({d}) |" + " |" * (5 + len(tables)))
        for p, on in rows.values():
            rates = " / ".join(percent(r) for r in p["firing_rate"]) or "-"
            cost = " | ".join(energy(p["energy_pj"][t]) + (" (host)" if p["brain"] == "mlp" and t not in
                              ("cmos45_fp32", "cmos45_int8") else "") for t in tables)
            print(f"| {p['brain']} | {p['point']}: {p['label']} | {', '.join(on)} | {p['eval_success']:.3f} / "
                  f"{p['sampled_success']:.3f} | {p['eval_steps']:.1f} | {p['last30_success']:.3f} | {rates} | {cost} |")


if __name__ == "__main__":
    main(sys.argv[1:])
