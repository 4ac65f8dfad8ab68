#!/usr/bin/python3
"""Independent PyTorch reference of spikeworm's spiking brain, REINFORCE loss and static environment.

Used (1) to make the gradient fixtures that tests/test_torch_reference.cpp checks the C++ BPTT against
(float64 autograd), and (2) to time training in PyTorch for bench/train_vs_torch.

  /usr/bin/python3 bench/torch_reference.py fixture tests/fixtures/torch_gradients.json
  /usr/bin/python3 bench/torch_reference.py fixture tests/fixtures/torch_gradients_hybrid.json --head-hidden 16
  /usr/bin/python3 bench/torch_reference.py train --episodes 20 --seed 1      # prints decisions/s

The brain follows docs/training.md (The spiking brain) as spikeworm's engine runs it: obs -> c = W_in obs + b_in; LIF layer 1
gets W_1 c + b_1 every step; layer k gets b_k + W_k s_{k-1}(t-1) (one step of synaptic delay); v starts
at v_rest every decision; v <- (1 - 1/tau) v + v_rest/tau + I; spike when v >= v_th; v <- v (1 - s) +
v_reset s (the reset is not detached); logits = W_out (spike counts of the last layer) + b_out, or with
the hybrid head (readout = "dense", --head-hidden N) logits = W_out relu(W_h counts + b_h) + b_out.
With recurrent=True ([brain] recurrent), the last layer L also gets W_rec s_L(t-1) (`recurrent.{L-1}.weight`, no bias).
"""
import argparse
import json
import math
import sys
import time

import numpy as np
import torch

SURROGATES = ["sigmoid", "fast_sigmoid", "arctan", "triangle", "rectangular"]


def surrogate_derivative(kind, alpha, x):
    if kind == "sigmoid":
        s = torch.sigmoid(alpha * x)
        return alpha * s * (1 - s)
    if kind == "fast_sigmoid":
        return 1.0 / (1.0 + alpha * x.abs()) ** 2
    if kind == "arctan":
        return (alpha / 2) / (1 + (math.pi / 2 * alpha * x) ** 2)
    if kind == "triangle":
        return alpha * torch.clamp(1 - x.abs(), min=0)
    if kind == "rectangular":
        return alpha * (x.abs() < 0.5 / alpha).to(x.dtype)
    raise ValueError(kind)


class Spike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, kind, alpha):
        ctx.save_for_backward(x)
        ctx.kind, ctx.alpha = kind, alpha
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * surrogate_derivative(ctx.kind, ctx.alpha, x), None, None


class SpikingBrain(torch.nn.Module):
    def __init__(self, n_obs=2, hidden=128, layers=2, actions=4, steps=100, tau=20.0, v_th=1.0, v_reset=0.0,
                 v_rest=0.0, surrogate="sigmoid", alpha=1.0, dtype=torch.float64, recurrent=False,
                 head_hidden=0):
        super().__init__()
        self.input = torch.nn.Linear(n_obs, hidden).to(dtype)
        self.hidden = torch.nn.ModuleList([torch.nn.Linear(hidden, hidden).to(dtype) for _ in range(layers)])
        self.head = torch.nn.Linear(hidden, head_hidden).to(dtype) if head_hidden else None
        self.output = torch.nn.Linear(head_hidden or hidden, actions).to(dtype)
        if recurrent:  # named recurrent.{L-1}.weight, as spikeworm names it
            self.recurrent = torch.nn.ModuleDict({str(layers - 1): torch.nn.Linear(hidden, hidden, bias=False).to(dtype)})
        else:
            self.recurrent = None
        self.steps, self.tau, self.v_th, self.v_reset, self.v_rest = steps, tau, v_th, v_reset, v_rest
        self.surrogate, self.alpha = surrogate, alpha
        self.min_margin = float("inf")  # closest pre-threshold membrane to threshold (fixture sanity)

    def forward(self, obs):
        decay, leak = 1 - 1 / self.tau, self.v_rest / self.tau
        c = self.input(obs)
        i1 = self.hidden[0](c)
        L = len(self.hidden)
        v = [torch.full_like(i1, self.v_rest) for _ in range(L)]
        prev = [torch.zeros_like(i1) for _ in range(L)]
        count = torch.zeros_like(i1)
        for _ in range(self.steps):
            cur = []
            for k in range(L):
                inp = i1 if k == 0 else self.hidden[k].bias + prev[k - 1] @ self.hidden[k].weight.T
                if self.recurrent is not None and k == L - 1:
                    inp = inp + prev[k] @ self.recurrent[str(k)].weight.T
                u = decay * v[k] + leak + inp
                self.min_margin = min(self.min_margin, float((u - self.v_th).abs().min()))
                s = Spike.apply(u - self.v_th, self.surrogate, self.alpha)
                v[k] = u * (1 - s) + self.v_reset * s
                cur.append(s)
            prev = cur
            count = count + cur[-1]
        if self.head is not None:
            z = self.head(count)
            self.min_head_margin = min(getattr(self, "min_head_margin", float("inf")), float(z.abs().min()))
            return self.output(torch.relu(z))
        return self.output(count)


def episode_loss(logits, actions, advantages, beta):
    logp = torch.log_softmax(logits, dim=-1)
    p = logp.exp()
    n = logits.shape[0]
    chosen = logp[torch.arange(n), actions]
    entropy = -(p * logp).sum(-1)
    return -(chosen * advantages).mean() - beta * entropy.mean()


def advantages(rewards, gamma=0.99):
    g, out = 0.0, []
    for r in reversed(rewards):
        g = r + gamma * g
        out.append(g)
    t = torch.tensor(out[::-1], dtype=torch.float64)
    if len(t) > 1:
        t = (t - t.mean()) / (t.std() + 1e-8)
    return t


def make_fixture(path, seed=7, head_hidden=0):
    torch.manual_seed(seed)
    hidden, layers, steps = 32, 2, 30
    cases, margin = [], float("inf")
    base = SpikingBrain(hidden=hidden, layers=layers, steps=steps, head_hidden=head_hidden)
    with torch.no_grad():
        # float32-representable weights, so that the C++ brain (float storage) holds the same values.
        for p in base.parameters():
            p.copy_((p * 3.0).to(torch.float32).to(torch.float64))
    obs = torch.tensor(np.random.RandomState(seed).uniform(-1, 1, size=(6, 2)), dtype=torch.float64)
    obs = obs.to(torch.float32).to(torch.float64)
    actions = torch.tensor([0, 2, 1, 3, 0, 1])
    rewards = [0.5, -0.005, 0.495, -0.025, 0.5, 2.3]
    adv = advantages(rewards)
    beta = 0.07
    for kind in SURROGATES:
        brain = SpikingBrain(hidden=hidden, layers=layers, steps=steps, surrogate=kind, alpha=1.0,
                             head_hidden=head_hidden)
        brain.load_state_dict(base.state_dict())
        logits = brain(obs)
        loss = episode_loss(logits, actions, adv, beta)
        brain.zero_grad()
        loss.backward()
        grads = {name: p.grad.detach().numpy().tolist() for name, p in brain.named_parameters()}
        cases.append({"surrogate": kind, "alpha": 1.0, "loss": float(loss), "logits": logits.detach().numpy().tolist(),
                      "grads": grads})
        margin = min(margin, brain.min_margin)
        if brain.min_margin < 1e-9:
            sys.exit(f"a membrane came within {brain.min_margin} of threshold: pick another seed")
        if head_hidden and brain.min_head_margin < 1e-9:
            sys.exit(f"a head unit came within {brain.min_head_margin} of the ReLU's kink: pick another seed")
    weights = {name: p.detach().numpy().tolist() for name, p in base.named_parameters()}
    fixture = {"made_by": "bench/torch_reference.py fixture (PyTorch %s, float64 autograd)" % torch.__version__,
               "hidden": hidden, "layers": layers, "steps": steps, "tau_m": 20.0, "v_th": 1.0, "v_reset": 0.0,
               "v_rest": 0.0, "beta": beta, "obs": obs.numpy().tolist(), "actions": actions.tolist(),
               "rewards": rewards, "advantages": adv.numpy().tolist(), "weights": weights, "cases": cases}
    if head_hidden:
        fixture["head_hidden"] = head_hidden
    else:  # the recurrent brain's cases go with the spike-count readout's fixture
        fixture["recurrent"] = recurrent_fixture(hidden, steps, obs, actions, adv, beta, seed)
    with open(path, "w") as f:
        json.dump(fixture, f)
    print(f"wrote {path}: {len(cases)} surrogates, min |u - v_th| = {margin:.3g}")


def recurrent_fixture(hidden, steps, obs, actions, adv, beta, seed):
    """The recurrent brain ([brain] recurrent = true) with 1 and 2 layers, on the same episode as the cases."""
    out = []
    for layers in (1, 2):
        torch.manual_seed(seed + layers)
        base = SpikingBrain(hidden=hidden, layers=layers, steps=steps, recurrent=True)
        with torch.no_grad():
            for name, p in base.named_parameters():
                scale = 1.5 if name.startswith("recurrent") else 3.0
                p.copy_((p * scale).to(torch.float32).to(torch.float64))
        cases = []
        for kind in ("sigmoid", "fast_sigmoid"):
            brain = SpikingBrain(hidden=hidden, layers=layers, steps=steps, surrogate=kind, alpha=1.0, recurrent=True)
            brain.load_state_dict(base.state_dict())
            logits = brain(obs)
            loss = episode_loss(logits, actions, adv, beta)
            brain.zero_grad()
            loss.backward()
            if brain.min_margin < 1e-9:
                sys.exit(f"a membrane came within {brain.min_margin} of threshold: pick another seed")
            grads = {name: p.grad.detach().numpy().tolist() for name, p in brain.named_parameters()}
            cases.append({"surrogate": kind, "alpha": 1.0, "loss": float(loss),
                          "logits": logits.detach().numpy().tolist(), "grads": grads, "min_margin": brain.min_margin})
        weights = {name: p.detach().numpy().tolist() for name, p in base.named_parameters()}
        out.append({"layers": layers, "weights": weights, "cases": cases})
    return out


class StaticEnv:
    """Static navigation (docs/environments.md) (medium 10x10), for timing the PyTorch training loop."""
    DIRS = [(0, 1), (1, 0), (0, -1), (-1, 0)]  # UP, RIGHT, DOWN, LEFT
    FACING = [math.pi / 2, 0.0, 3 * math.pi / 2, math.pi]

    def __init__(self, n=10, max_steps=300):
        self.n, self.max_steps = n, max_steps

    def reset(self, rng):
        n = self.n
        corners = [(1, 1), (1, n - 2), (n - 2, 1), (n - 2, n - 2)]
        self.pos = corners[rng.randint(4)]
        self.goal = (n - 1 - self.pos[0], n - 1 - self.pos[1])
        self.heading, self.steps, self.history, self.still = 0, 0, [self.pos], 0
        return self.observe()

    def dist(self, p):
        return abs(self.goal[0] - p[0]) + abs(self.goal[1] - p[1])

    def observe(self):
        d = self.dist(self.pos)
        strength = min(1.0, max(0.0, math.tanh(max(0.0, 1 - d / (2 * self.n)))))
        dx, dy = self.goal[0] - self.pos[0], self.goal[1] - self.pos[1]
        if dx == 0 and dy == 0:
            return [strength, 0.0]
        a = math.atan2(dy, dx) - self.FACING[self.heading]
        return [strength, ((a + math.pi) % (2 * math.pi) - math.pi) / math.pi]

    def step(self, action):
        before = self.dist(self.pos)
        h = self.heading
        if action == 1:
            h = (h + 3) % 4
        elif action == 2:
            h = (h + 1) % 4
        if action != 3:
            dx, dy = self.DIRS[h]
            nxt = (self.pos[0] + dx, self.pos[1] + dy)
            if 0 <= nxt[0] < self.n and 0 <= nxt[1] < self.n:
                self.pos, self.heading = nxt, h
        self.steps += 1
        self.still = 0 if self.pos != self.history[-1] else self.still + 1
        r = 0.5 * (before - self.dist(self.pos)) - 0.005
        if len(self.history) >= 2 and self.pos == self.history[-2]:
            r -= 0.02
        if self.still > 5:
            r -= 0.1 * min(self.still - 5, 10)
        self.history.append(self.pos)
        done = success = self.pos == self.goal
        if success:
            r += 2.0 * max(0.1, 1 - self.steps / self.max_steps)
        done = done or self.steps >= self.max_steps
        return r, done, success


def train(episodes, seed, hidden=128, steps=100, threads=1):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    brain = SpikingBrain(hidden=hidden, steps=steps, dtype=torch.float32)
    for m in brain.modules():
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
            torch.nn.init.zeros_(m.bias)
    with torch.no_grad():
        brain.output.weight.mul_(0.01)
    opt = torch.optim.Adam(brain.parameters(), lr=1e-3)
    env = StaticEnv()
    decisions, successes, start = 0, 0, time.perf_counter()
    for ep in range(episodes):
        obs = env.reset(rng)
        actions, rewards = [], []
        done = False
        observations = []
        while not done:
            # Acting needs no graph; the update below recomputes all decisions of the episode as one batch.
            with torch.no_grad():
                logits = brain(torch.tensor([obs], dtype=torch.float32))[0]
            a = int(torch.distributions.Categorical(logits=logits).sample())
            r, done, success = env.step(a)
            observations.append(obs)
            actions.append(a)
            rewards.append(r)
            obs = env.observe()
        logits_all = brain(torch.tensor(observations, dtype=torch.float32))
        decisions += len(actions)
        successes += success
        for g in opt.param_groups:
            g["lr"] = 1e-3 * (1 - 0.015) ** ep
        beta = 0.15 - (0.15 - 0.01) * min(ep / 50, 1.0)
        loss = episode_loss(logits_all, torch.tensor(actions), advantages(rewards).float(), beta)
        opt.zero_grad()
        loss.backward()
        for p in brain.parameters():
            p.grad.clamp_(-1.0, 1.0)
        torch.nn.utils.clip_grad_norm_(brain.parameters(), 1.0)
        opt.step()
    wall = time.perf_counter() - start
    print(json.dumps({"engine": "pytorch", "episodes": episodes, "decisions": decisions, "successes": successes,
                      "wall_seconds": wall, "decisions_per_second": decisions / wall}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fixture")
    f.add_argument("path")
    f.add_argument("--seed", type=int, default=7)
    f.add_argument("--head-hidden", type=int, default=0, help="the hybrid head's units (0: the spike-count readout)")
    t = sub.add_parser("train")
    t.add_argument("--episodes", type=int, default=10)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--threads", type=int, default=1, help="PyTorch's intra-op threads")
    a = ap.parse_args()
    if a.cmd == "fixture":
        make_fixture(a.path, a.seed, a.head_hidden)
    else:
        train(a.episodes, a.seed, threads=a.threads)


if __name__ == "__main__":
    main()
