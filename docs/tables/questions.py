#!/usr/bin/python3
"""Trains and evaluates the variants of the default spiking agent that answer the experiment log's open
questions (docs/training.md, "Open questions, measured") and prints one table per question.

Every variant is configs/spiking_static_medium.toml (or configs/mlp_static_medium.toml) with a few keys
changed; its config is written to runs/questions/NAME.toml, then
    train runs/questions/NAME.toml --out runs/questions/NAME --force --final-eval 0 --threads 2 -q
    eval runs/questions/NAME --episodes 20 -q             (greedy and sampled, event engine)
A step is redone only when its output is missing or older than build/cli/spikeworm or the base config.

Usage: docs/tables/questions.py greedy|surrogates|size|matched   (each 10 to 30 minutes on 2 cores)
"""
import csv
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "build/cli/spikeworm")
OUT = os.path.join(ROOT, "runs/questions")


def override(text, changes):
    """The TOML text with `section.key = value` set (replaced in its section, or added at its top)."""
    for dotted, value in changes.items():
        section, key = dotted.split(".")
        head = re.search(r"^\[" + re.escape(section) + r"\]\n", text, re.M)
        if not head:
            raise SystemExit(f"questions.py: no [{section}] in the base config")
        end = re.search(r"^\[", text[head.end():], re.M)
        body_end = head.end() + (end.start() if end else len(text) - head.end())
        body = text[head.end():body_end]
        line = f"{key} = {value}"
        new_body, n = re.subn(r"^" + re.escape(key) + r"\s*=.*$", line, body, count=1, flags=re.M)
        if n == 0:
            new_body = line + "\n" + body
        text = text[:head.end()] + new_body + text[body_end:]
    return text


def stale(out, *inputs):
    return not os.path.exists(out) or any(os.path.getmtime(i) > os.path.getmtime(out) for i in inputs)


def run(name, base, changes, episodes=20):
    """Trains and evaluates one variant (eval: `episodes` per agent and policy); returns (summary.json, eval.json)."""
    os.makedirs(OUT, exist_ok=True)
    base_path = os.path.join(ROOT, "configs", base)
    cfg = os.path.join(OUT, name + ".toml")
    text = override(open(base_path, encoding="utf-8").read(), changes)
    if not os.path.exists(cfg) or open(cfg, encoding="utf-8").read() != text:
        with open(cfg + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(cfg + ".tmp", cfg)
    folder = os.path.join(OUT, name)
    summary, ev = os.path.join(folder, "summary.json"), os.path.join(folder, "eval.json")
    if stale(summary, BIN, cfg):
        subprocess.run([BIN, "train", cfg, "--out", folder, "--force", "--final-eval", "0", "--threads", "2", "-q"],
                       check=True, stdout=subprocess.DEVNULL)
        if os.path.exists(ev):
            os.remove(ev)
    if stale(ev, summary):
        subprocess.run([BIN, "eval", folder, "--episodes", str(episodes), "-q"], check=True, stdout=subprocess.DEVNULL)
    return json.load(open(summary)), json.load(open(ev))


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def decisions_per_second(name, s):
    """Training decisions per second of session wall time, averaged over the sessions."""
    steps = {}
    for r in csv.DictReader(open(os.path.join(OUT, name, "episodes.csv"))):
        steps[int(r["session"])] = steps.get(int(r["session"]), 0) + int(r["steps"])
    return mean([steps[p["session"]] / p["wall_seconds"] for p in s["per_session"] if p["wall_seconds"] > 0])


def cells(s, e):
    """last-30 (sampled, training) success and steps; greedy and sampled eval success / steps; agents >= 0.98."""
    ps = [p for p in s["per_session"] if not p.get("error")]
    l30 = mean([p["last30_success"] for p in ps])
    st30 = mean([p["last30_steps"] for p in ps if p["last30_success"] > 0])
    g, sm = e["greedy"], e["sampled"]
    good = sum(a["greedy"]["success_rate"] >= 0.98 for a in e["per_agent"])
    steps = lambda f: f"{f['median_steps_success']:.0f}" if f["successes"] else "-"
    return (f"{l30:.3f} / {st30:.1f} | {g['success_rate']:.3f} / {steps(g)} | {good}/{len(e['per_agent'])} | "
            f"{sm['success_rate']:.3f} / {steps(sm)}")


HEAD = ("last-30 success / steps (training, sampled) | greedy eval success / median steps | agents >= 0.98 greedy | "
        "sampled eval success / median steps")

SURROGATES = {name: [1.0, 2.0] for name in ("sigmoid", "fast_sigmoid", "arctan", "triangle", "rectangular")}


def surrogates():
    print(f"| surrogate | best α | α tried: last-30 success | {HEAD} |")
    print("|---|---|---|---|---|---|---|")
    for name, alphas in SURROGATES.items():
        results = []
        for a in alphas:
            tag = f"surrogate_{name}_{a:g}"
            s, e = run(tag, "spiking_static_medium.toml", {"brain.surrogate": f'"{name}"', "brain.surrogate_alpha": a})
            l30 = mean([p["last30_success"] for p in s["per_session"] if not p.get("error")])
            results.append((l30, e["greedy"]["success_rate"], a, s, e))
        best = max(results, key=lambda r: (r[0], r[1]))
        tried = ", ".join(f"{r[2]:g}: {r[0]:.3f}" for r in results)
        print(f"| `{name}` | {best[2]:g} | {tried} | {cells(best[3], best[4])} |")


def greedy():
    """The default against the configuration before the critic, on seeds other than the defaults."""
    old = {"brain.surrogate": '"sigmoid"', "brain.steps": 100}
    variants = [("default: fast_sigmoid, T = 25, critic, 200 episodes", "spiking_static_medium.toml", {}),
                ("sigmoid, T = 100, critic, 200 episodes", "spiking_static_medium.toml", old),
                ("sigmoid, T = 100, no critic, 200 episodes", "spiking_static_medium.toml", dict(old, **{"train.critic": "false"})),
                ("sigmoid, T = 100, no critic, 100 episodes (the earlier default)", "spiking_static_medium.toml",
                 dict(old, **{"train.critic": "false", "train.episodes": 100})),
                ("MLP (mlp_static_medium.toml)", "mlp_static_medium.toml", {})]
    print(f"| configuration | seeds | {HEAD} |")
    print("|---|---|---|---|---|---|")
    for seed in (101, 201, 301):  # seeds other than the configs' own
        for label, base, changes in variants:
            tag = f"greedy_{base.split('_')[0]}_{seed}_" + "_".join(f"{k.split('.')[1]}{v}" for k, v in changes.items())
            tag = tag.replace('"', "")
            s, e = run(tag, base, dict(changes, **{"train.seed": seed}), episodes=100)
            print(f"| {label} | {seed}..{seed + s['sessions'] - 1} | {cells(s, e)} |")
    # The default on its own seeds (1..10) and two more ranges, the same way.
    for seed in (1, 401, 501):
        label, base, changes = variants[0]
        s, e = run(f"greedy_spiking_{seed}_", base, {"train.seed": seed}, episodes=100)
        print(f"| {label} | {seed}..{seed + s['sessions'] - 1} | {cells(s, e)} |")


def size():
    variants = [("default: 2 layers x 128, T = 25", {}),
                ("3 layers", {"brain.layers": 3}),
                ("64 hidden", {"brain.hidden": 64}),
                ("256 hidden", {"brain.hidden": 256}),
                ("T = 50 steps", {"brain.steps": 50}),
                ("T = 100 steps", {"brain.steps": 100})]
    print(f"| brain | {HEAD} | training decisions/s | spikes per decision (greedy) |")
    print("|---|---|---|---|---|---|---|")
    for label, changes in variants:
        tag = "size_" + ("default" if not changes else "_".join(f"{k.split('.')[1]}{v}" for k, v in changes.items()))
        s, e = run(tag, "spiking_static_medium.toml", changes)
        print(f"| {label} | {cells(s, e)} | {decisions_per_second(tag, s):.0f} | {e['greedy']['spikes_per_decision']:.0f} |")


def matched():
    variants = [("linear (MLP, 0 hidden layers)", "mlp_static_medium.toml", {"brain.layers": 0})]
    for h in (2, 4):
        variants.append((f"MLP, 1 layer x {h}", "mlp_static_medium.toml", {"brain.layers": 1, "brain.hidden": h}))
    for h in (1, 2, 4, 8):
        variants.append((f"spiking, 1 layer x {h}", "spiking_static_medium.toml", {"brain.layers": 1, "brain.hidden": h}))
    # The smallest policies again with a faster rule: learning rate 0.01, decay 0.005, 400 episodes.
    fast = {"train.learning_rate": 0.01, "train.lr_decay_rate": 0.005, "train.episodes": 400}
    variants.append(("linear, learning rate 0.01, 400 episodes", "mlp_static_medium.toml", dict(fast, **{"brain.layers": 0})))
    variants.append(("MLP, 1 layer x 4, learning rate 0.01, 400 episodes", "mlp_static_medium.toml",
                     dict(fast, **{"brain.layers": 1, "brain.hidden": 4})))
    for h in (1, 2):
        variants.append((f"spiking, 1 layer x {h}, learning rate 0.01, 400 episodes", "spiking_static_medium.toml",
                         dict(fast, **{"brain.layers": 1, "brain.hidden": h})))
    print(f"| policy | parameters | {HEAD} |")
    print("|---|---|---|---|---|---|")
    for label, base, changes in variants:
        tag = "matched_" + base.split("_")[0] + "_" + "_".join(f"{k.split('.')[1]}{v}" for k, v in changes.items())
        tag = tag.replace("learning_rate0.01_lr_decay_rate0.005_episodes400_", "fast_")
        s, e = run(tag, base, changes)
        print(f"| {label} | {e['parameters']} | {cells(s, e)} |")


if __name__ == "__main__":
    which = sys.argv[1:] or ["greedy", "surrogates", "size", "matched"]
    for w in which:
        {"greedy": greedy, "surrogates": surrogates, "size": size, "matched": matched}[w]()
