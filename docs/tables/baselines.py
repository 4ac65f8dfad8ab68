#!/usr/bin/python3
"""Prints docs/environments.md's table of the no-learning baselines: `spikeworm rollout CONFIG --policy P
--seed 1` for random and greedy on every environment (20000 episodes on static, 10000 on the others),
one markdown row each, from rollout's own report."""
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENVS = [("static medium", "configs/static_medium.toml", 20000),
        ("foraging small", "configs/foraging_small.toml", 10000),
        ("foraging medium", "configs/foraging_medium.toml", 10000),
        ("foraging large", "configs/foraging_large.toml", 10000),
        ("predators small", "configs/predators_small.toml", 10000)]


def rollout(config, policy, episodes):
    out = subprocess.run([os.path.join(ROOT, "build/cli/spikeworm"), "rollout", config, "--policy", policy,
                          "--episodes", str(episodes), "--seed", "1", "-q"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    fields = {}
    for line in out.splitlines()[1:]:
        m = re.match(r"\s+(.*?)\s{2,}(.*)$", line)
        if m:
            fields[m.group(1)] = m.group(2)
    return fields


print("| environment | policy | success rate | mean / median steps of successes | optimum | foods eaten per episode | starved | killed |")
print("|---|---|---|---|---|---|---|---|")
for name, config, episodes in ENVS:
    for policy in ("random", "greedy"):
        f = rollout(config, policy, episodes)
        n, total = re.search(r"\((\d+) / (\d+)\)", f["success rate"]).groups()
        rate = f"{int(n) / int(total):.4f}"
        steps = "-" if int(n) == 0 else f"{f['steps of successes: mean']} / {f['steps of successes: median']}"
        optimum = f["optimum"].split()[0]
        foods = f["foods eaten: mean per episode"].split()[0] if "foods eaten: mean per episode" in f else "-"
        print(f"| {name} | {policy} | {rate} | {steps} | {optimum} | {foods} | "
              f"{f.get('starvation deaths', '-')} | {f.get('predator deaths', f.get('killed', '-'))} |")
