"""Malformed calls to every public function and Network method of spikeworm (docs/python.md, "Errors").
Each call, with one argument replaced by a wrong type, shape, dtype, None, NaN/inf, a negative or huge
number, an unknown key or a bad path, must raise TypeError, ValueError, OverflowError, MemoryError or
spikeworm.Error, or succeed (the extension's own entry points, which the package checks before, any
exception); the interpreter must never crash. The calls run in a child process (this file with --child SEED),
which prints each call before making it, so a crash names the call that caused it. A Network.run of a huge
valid duration is stopped after 2 s by SIGALRM, as Ctrl-C would stop it.
Run by ctest (python.fuzz_calls_raise_or_succeed) with PYTHONPATH=BUILD/python; exit 77 skips without pytest."""
import math
import os
import random
import signal
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)

SEED = 20261207
CALLS = 400
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

AGENT = ('[env]\nkind = "static"\npreset = "medium"\n[brain]\ntype = "spiking"\nhidden = 8\nlayers = 1\n'
         'steps = 4\n[train]\nepisodes = 1\nsessions = 1\nseed = 3\n')


def small_net():
    return {"simulation": {"dt": 1.0, "seed": 3, "duration": 0.05},
            "population": [{"name": "in", "size": 10, "model": "poisson", "params": {"rate": 50.0}},
                           {"name": "out", "size": 4, "model": "lif", "params": {"v_th": 0.5}}],
            "projection": [{"source": "in", "target": "out", "rule": "all_to_all", "weight": 0.2}]}


class Weird:
    """An object no function accepts, with a __fspath__ returning bytes and a __len__ that lies."""

    def __fspath__(self):
        return b"/tmp/nowhere"

    def __len__(self):
        return -1


def bad_values(rng):
    """Malformed values of every kind; a fresh list so a call cannot change the next one's values."""
    return [
        None, float("nan"), float("inf"), -float("inf"), -1, 0, -2**63, 2**63, 2**64, 10**30, 1e300, -1e-300, 1.5,
        True, False, "", "x", "\0", "a\0b", "/proc/nonexistent/deep/path", "/proc/version", "/proc", "../..", b"bytes",
        [], [1, 2], [None], ["loihi", 3], {}, {"bogus": 1}, {"simulation": "x"}, {"population": [{"size": -4}]},
        object(), Weird(), np.array([1.0]), np.array([[1, 2], [3, 4]]), np.zeros((2, 0)), np.array(["a", "b"]),
        np.array([1 + 2j]), np.array([np.nan, np.inf]), np.array([None, 1], dtype=object), np.float32("nan"),
        np.int64(-5), np.uint64(2**64 - 1), lambda: None, lambda *a: None, (1,), set(), complex(1, 1),
        rng.random() * 10**rng.randint(-5, 20), -rng.randint(1, 10**9), "".join(rng.choice("ab=,.\n\"[") for _ in range(8)),
    ]


def bad_like(valid, rng):
    """Malformed values of the valid value's own type: out-of-range numbers, odd strings, bad arrays."""
    if isinstance(valid, bool):
        return [0, 1, None, "true", np.bool_(True)]
    if isinstance(valid, int):
        return [-1, 0, -2**31, 2**31, -2**63, 2**63 - 1, 2**63, 2**64, 10**30, np.int64(-7), np.uint32(2**32 - 1),
                1025, 10**7 + 1, -rng.randint(2, 10**6)]
    if isinstance(valid, float):
        return [float("nan"), float("inf"), -float("inf"), 0.0, -0.0, -1.0, 1e-300, 5e-324, 1e300, 1e16,
                np.float32(np.nan), -rng.random()]
    if isinstance(valid, str):
        return ["", "\0", "a\0b", "warp", "/proc/nonexistent/x", "/proc/version", "/proc", "x" * 5000, "\u00e9\u00e8", "../..",
                "loihi\n", "greedy ", "EVENT", "-1", "nan"]
    if isinstance(valid, dict):
        return bad_configs(rng) + [{"population": None}, {"simulation": {"dt": "fast"}}, {1: 2}, {"a": {"b": object()}}]
    if isinstance(valid, (list, tuple)):
        return [[], [""], ["nope"], [None], [1, 2], ["\0"], [["loihi"]], ("loihi", 5), [valid[0] if valid else "x"] * 3]
    if isinstance(valid, np.ndarray):
        return [valid.astype(np.complex128), valid.astype(object), valid.astype(str), valid[:0], valid.reshape(1, -1),
                np.full(valid.shape, np.nan), np.full(valid.shape, -1), np.full(valid.shape, 2**40, dtype=np.int64),
                np.asfortranarray(np.zeros((3, 2))), valid[::2], np.zeros(10**6)]
    return []


def bad_configs(rng):
    """Network config dicts with one thing wrong."""
    out = []
    for _ in range(6):
        c = small_net()
        which = rng.randrange(9)
        if which == 0:
            c["population"][0]["bogus_key"] = 1
        elif which == 1:
            c["population"][1]["size"] = rng.choice([-1, 0, 2**40, 1.5, "4", float("nan")])
        elif which == 2:
            c["projection"][0]["weight"] = rng.choice([float("inf"), "heavy", None, [1, 2]])
        elif which == 3:
            c["simulation"]["dt"] = rng.choice([0.0, -1.0, 1e-300, 1e300, "1"])
        elif which == 4:
            c["projection"][0]["target"] = "nobody"
        elif which == 5:
            c["population"][0]["model"] = rng.choice(["izhikevich-9000", "", 3])
        elif which == 6:
            c["unknown_table"] = {"a": 1}
        elif which == 7:
            c["population"] = []
        else:
            c["population"][1]["params"] = {"v_th": rng.choice([float("nan"), -1e308, "x", {}])}
        out.append(c)
    return out


def targets(tmp, run, net):
    """(name, function, valid keyword arguments) of every public function and Network method."""
    import spikeworm

    agent = os.path.join(tmp, "agent.toml")
    t = [
        ("Network", spikeworm.Network, {"config": small_net(), "engine": "event", "threads": 1, "seed": 1}),
        ("to_toml", spikeworm.to_toml, {"config": small_net()}),
        ("train", spikeworm.train, {"config": agent, "sessions": 1, "episodes": 1, "threads": 1, "seed": 1,
                                    "out": os.path.join(tmp, "train"), "force": True, "final_eval": 0}),
        ("eval", spikeworm.eval, {"run": run, "episodes": 1, "threads": 1, "out": os.path.join(tmp, "e.json")}),
        ("energy", spikeworm.energy, {"run": run, "tables": ["loihi"], "episodes": 1, "out": os.path.join(tmp, "en")}),
        ("sweep", spikeworm.sweep, {"config": agent, "sets": {"brain.hidden": [4]}, "out": os.path.join(tmp, "sw"),
                                    "sessions": 1, "episodes": 1, "threads": 1, "eval_episodes": 1}),
        ("deploy", spikeworm.deploy, {"run": run, "chips": "loihi", "episodes": 1, "out": os.path.join(tmp, "d.json")}),
        ("map", spikeworm.map, {"config": small_net(), "chips": "loihi", "duration": 0.01, "threads": 1}),
        ("Network.run", net.run, {"duration_ms": 5.0}),
        ("Network.reset", net.reset, {}),
        ("Network.spikes", net.spikes, {}),
        ("Network.counters", net.counters, {}),
        ("Network.populations", net.populations, {}),
    ]
    # The extension's own functions, which the package wraps: their checks must hold without the package's
    # (train's ranges are the package's only: a huge valid count would run for hours, not crash).
    ext = spikeworm._spikeworm
    t += [
        ("_spikeworm.Network", ext.Network, {"config": spikeworm.to_toml(small_net()), "is_text": True,
                                             "name": "<fuzz>", "engine": "event", "threads": 1, "seed": 1}),
        ("_spikeworm.eval", ext.eval, {"run": run, "engine": "event", "episodes": 1, "seed": 1, "policy": "both",
                                       "threads": 1, "config": "", "out": os.path.join(tmp, "e2.json")}),
        ("_spikeworm.energy", ext.energy, {"run": run, "tables": ["loihi"], "tables_dir": "", "reeval": False,
                                           "episodes": 1, "out": os.path.join(tmp, "en2")}),
        ("_spikeworm.sweep", ext.sweep, {"config": agent, "sets": ["brain.hidden=4"], "out": os.path.join(tmp, "sw2"),
                                         "sessions": 1, "episodes": 1, "threads": 1, "eval_episodes": 1,
                                         "eval_engine": "dense", "tables": ["loihi"], "max_memory": ""}),
        ("_spikeworm.deploy", ext.deploy, {"run": run, "chips": ["loihi"], "episodes": 1, "seed": 1, "session": -1,
                                           "partitioner": "greedy", "chips_dir": "", "config": "",
                                           "out": os.path.join(tmp, "d2.json")}),
        ("_spikeworm.map", ext.map, {"config": spikeworm.to_toml(small_net()), "is_text": True, "name": "<fuzz>",
                                     "chips": ["loihi"], "duration": 0.01, "seed": 1, "threads": 1,
                                     "partitioner": "greedy", "chips_dir": "", "out": "", "max_memory": ""}),
    ]
    # Networks from arrays, with inputs and currents changed during a run: a spike source drives a
    # clock-updated LIF population, so that add_inputs and set_currents are valid on it.
    pops = [{"name": "src", "size": 3, "model": "spike_source"},
            {"name": "a", "size": 5, "model": "lif", "update": "clock", "record": {"variables": ["v"]}}]
    projs = [{"source": "src", "target": "a", "sources": np.array([0, 1, 2], dtype=np.uint32),
              "targets": np.array([1, 2, 3], dtype=np.uint32), "weights": np.array([0.5, 0.6, 0.7]),
              "delays": np.array([1, 2, 1])}]
    t.append(("Network.from_arrays", spikeworm.Network.from_arrays,
              {"populations": pops, "projections": projs, "dt_ms": 1.0, "seed": 1, "engine": "event", "threads": 1}))
    arr = spikeworm.Network.from_arrays(pops, projs, threads=1)
    t += [
        ("Network.add_inputs", arr.add_inputs, {"steps": np.array([1, 2], dtype=np.int64),
                                                "ids": np.array([0, 1], dtype=np.uint32)}),
        ("Network.set_currents", arr.set_currents, {"currents": np.zeros(arr.size)}),
        ("Network.traces", arr.traces, {}),
        ("Network.connections", arr.connections, {}),
        ("Network.initial_state", arr.initial_state, {"variable": "v"}),
        ("Network.run (arrays)", arr.run, {"duration_ms": 3.0}),
        ("Network.reset (arrays)", arr.reset, {}),
    ]
    # The extension's constructor from arrays, which the package's checks normally guard.
    text = spikeworm.to_toml({"simulation": {"dt": 1.0, "units": "ms", "seed": 1},
                              "population": [{"name": "src", "size": 3, "model": "spike_source",
                                              "params": {"times": []}},
                                             {"name": "a", "size": 5, "model": "lif"}]})
    lists = [{"source": "src", "target": "a", "receptor": "excitatory",
              "sources": np.array([0, 1], dtype=np.uint32), "targets": np.array([1, 4], dtype=np.uint32),
              "weights": np.array([0.5, 0.2], dtype=np.float32), "delays": np.array([1, 3], dtype=np.uint16)}]
    t.append(("_spikeworm.Network (arrays)", ext.Network, {"config": text, "arrays": [{}, {"init_v": np.zeros(5)}],
                                                          "lists": lists, "engine": "event", "threads": 1, "seed": 1}))
    return t


def describe(v):
    if isinstance(v, np.ndarray):
        return f"ndarray(shape={v.shape}, dtype={v.dtype})"
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    r = repr(v)
    return r if len(r) <= 80 else r[:77] + "..."


def child(seed):
    import spikeworm

    allowed = (TypeError, ValueError, OverflowError, MemoryError, spikeworm.Error)

    def on_alarm(signum, frame):
        raise TimeoutError("call took too long")

    signal.signal(signal.SIGALRM, on_alarm)
    rng = random.Random(seed)
    unexpected = []
    with tempfile.TemporaryDirectory(prefix="spikeworm-fuzz-") as tmp:
        # Relative paths (and "../..") land inside the sandbox; the absolute ones offered are not writable.
        os.makedirs(os.path.join(tmp, "a", "b", "c"))
        os.chdir(os.path.join(tmp, "a", "b", "c"))
        with open(os.path.join(tmp, "agent.toml"), "w") as f:
            f.write(AGENT)
        run = os.path.join(tmp, "run")
        spikeworm.train(os.path.join(tmp, "agent.toml"), out=run, final_eval=0, threads=1)
        net = spikeworm.Network(small_net(), threads=1)
        table = targets(tmp, run, net)
        for i in range(CALLS):
            name, fn, valid = rng.choice(table)
            kwargs = dict(valid)
            pool = bad_values(rng) + bad_configs(rng)
            how = rng.random()
            if valid and how < 0.8:
                key = rng.choice(sorted(valid))  # one argument malformed: of its own type half the time
                own = bad_like(valid[key], rng)
                kwargs[key] = rng.choice(own if own and rng.random() < 0.5 else pool)
                what = f"{key}={describe(kwargs[key])}"
            elif how < 0.9:
                key = rng.choice(["bogus", "progress", "duration", "chips"])  # an unknown or a misplaced keyword
                kwargs[key] = rng.choice(pool)
                what = f"{key}={describe(kwargs[key])}"
            else:
                args = [rng.choice(pool) for _ in range(rng.randint(0, 4))]  # positional garbage
                kwargs = {}
                what = "positional " + ", ".join(describe(a) for a in args)
            print(f"CALL {i}: {name}({what})", flush=True)
            signal.alarm(2 if name.startswith("Network.run") else 20)
            try:
                if kwargs or how < 0.9:
                    fn(**kwargs)
                else:
                    fn(*args)
                outcome = "ok"
            except allowed as e:
                outcome = type(e).__name__
            except TimeoutError:
                outcome = "timeout"
                if not name.startswith("Network.run"):  # a long valid run, stopped as Ctrl-C would stop it
                    unexpected.append(f"CALL {i}: {name}({what}): took more than 20 s")
            except Exception as e:
                outcome = type(e).__name__
                # The extension's own entry points only promise an exception (the package checks first);
                # the public functions promise one of `allowed`.
                if not name.startswith("_spikeworm."):
                    unexpected.append(f"CALL {i}: {name}({what}): {type(e).__name__}: {e}")
            finally:
                signal.alarm(0)
            print(f"  -> {outcome}", flush=True)
        # The module still works after all that.
        check = spikeworm.Network(small_net(), threads=1)
        check.run(50.0)
        assert check.counters()["steps"] == 50
        os.chdir(os.path.dirname(tmp))
    for u in unexpected:
        print("UNEXPECTED " + u, flush=True)
    return 1 if unexpected else 0


def test_malformed_calls_raise_or_succeed_and_never_crash():
    before = set(os.listdir("/"))
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", str(SEED)], capture_output=True,
                       text=True, timeout=1800)
    calls = [line for line in p.stdout.splitlines() if line.startswith("CALL ")]
    if p.returncode < 0 or p.returncode not in (0, 1):
        last = calls[-1] if calls else "(before the first call)"
        raise AssertionError(f"the interpreter died (exit {p.returncode}) in {last}\n{p.stderr[-3000:]}")
    unexpected = [line for line in p.stdout.splitlines() if line.startswith("UNEXPECTED ")]
    assert p.returncode == 0 and not unexpected, "\n".join(unexpected) + "\n" + p.stderr[-3000:]
    assert len(calls) == CALLS
    assert set(os.listdir("/")) == before, "a call wrote outside its sandbox folder"
    outcomes = [line.strip()[3:] for line in p.stdout.splitlines() if line.startswith("  -> ")]
    assert outcomes.count("ok") < CALLS / 2, "most calls must be malformed: the fuzzer lost its teeth"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        sys.exit(child(int(sys.argv[2])))
    try:
        import pytest
    except ImportError as e:  # pragma: no cover
        print(f"skipped: {e}")
        sys.exit(77)
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
