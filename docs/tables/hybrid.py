#!/usr/bin/python3
"""Prints docs/training.md's "Hybrid head" table from each run's summary.json (training), eval.json
(`spikeworm eval`) and energy.json (`spikeworm energy`): last-30 success (sampled, training), the final
greedy evaluation of training (20 episodes per agent), eval's greedy and sampled success (100 episodes per
agent), SOPs and dense MACs per decision, eval's greedy success of each agent, and the energy per decision on the 45 nm fp32 and int8 tables
and Loihi (the head's MACs at the table's MAC energy).
Usage: docs/tables/hybrid.py NAME=RUN..."""
import sys

from common import energy, load

TABLES = [("cmos45_fp32", "fp32"), ("cmos45_int8", "int8"), ("loihi", "Loihi")]


def main(argv):
    runs = [tuple(a.split("=", 1)) for a in argv if "=" in a]
    if not runs or len(runs) != len(argv):
        raise SystemExit(__doc__)
    print("| brain | sessions x episodes | last-30 success [min, max] | final greedy eval | eval greedy / sampled "
          "success | SOPs / decision | dense MACs / decision (input + head) | greedy success per agent (eval) | "
          + " | ".join(f"energy / decision, {n}" for _, n in TABLES) + " |")
    print("|---|---|---|---|---|---|---|---|" + "---|" * len(TABLES))
    for name, run in runs:
        s, ev, en = load(f"{run}/summary.json"), load(f"{run}/eval.json"), load(f"{run}/energy.json")
        l30 = [p["last30_success"] for p in s["per_session"] if not p.get("error")]
        g = s.get("greedy_eval") or {}
        final = f"{g['success_rate']:.3f}" if g else "-"
        success = " / ".join(f"{ev[p]['success_rate']:.3f}" if p in ev else "-" for p in ("greedy", "sampled"))
        nb = ev["neurobench"]["SynapticOperations"]
        sops = nb["Effective_ACs"]
        head = ev.get("head_macs", 0)
        macs = f"{ev['input_macs'] / 1e3:.1f} k + {head / 1e3:.1f} k"
        per_agent = ", ".join(f"{a['greedy']['success_rate']:.2f}" for a in ev["per_agent"])
        by_id = {t["table"]: t for t in en["tables"]}
        cost = " | ".join(energy(by_id[t]["brain"]["total_pj"]) for t, _ in TABLES)
        print(f"| {name} | {s['sessions']} x {s['episodes']} | {sum(l30) / len(l30):.3f} [{min(l30):.3f}, "
              f"{max(l30):.3f}] | {final} | {success} | {sops / 1e3:.1f} k | {macs} | {per_agent} | {cost} |")


if __name__ == "__main__":
    main(sys.argv[1:])
