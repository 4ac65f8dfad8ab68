"""The numpy NIR reference (tests/python/nir_reference.py, docs/nir.md) against closed forms of forward Euler.
Run: /usr/bin/python3 -m pytest -q tests/python/test_nir_reference.py"""
import math
import os
import sys

import h5py
import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nir_reference as nr  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "nir")
TWO_LIF = os.path.join(FIXTURES, "two_lif_neurons.nir")
NORSE = os.path.join(FIXTURES, "lif_norse.nir")
BRAILLE = os.path.join(FIXTURES, "braille_noDelay_bias_zero.nir")


def _write_graph(group, nodes, edges):
    group.create_dataset("type", data="NIRGraph", dtype=h5py.string_dtype())
    children = group.create_group("nodes")
    for name, (kind, params) in nodes.items():
        g = children.create_group(name)
        if kind == "NIRGraph":
            _write_graph(g, *params)
            continue
        g.create_dataset("type", data=kind, dtype=h5py.string_dtype())
        for key, value in params.items():
            g.create_dataset(key, data=np.asarray(value, dtype=np.float64))
    group.create_dataset("edges", data=np.array(edges, dtype=object).reshape(-1, 2), dtype=h5py.string_dtype())


def write_nir(path, nodes, edges, version="0.2.0"):
    """A NIR file in the fixtures' layout: nodes {name: (type, {param: value})} or (\"NIRGraph\", (nodes,
    edges)); edges [(source, target)]."""
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data=version, dtype=h5py.string_dtype())
        _write_graph(f.create_group("node"), nodes, edges)
    return str(path)


def lif(tau, r, v_leak, v_threshold, v_reset=0.0):
    return ("LIF", dict(tau=[tau], r=[r], v_leak=[v_leak], v_threshold=[v_threshold], v_reset=[v_reset]))


def crossing(v0, c, theta, a):
    """Steps after v0 at which c + (v0 - c) (1 - a)^j first exceeds theta (c > theta > v0)."""
    x = math.log((c - theta) / (c - v0)) / math.log(1.0 - a)
    assert abs(x - round(x)) > 1e-6, "the threshold crossing is too close to a step for the oracle"
    return math.floor(x) + 1


def closed_form_spikes(c, theta, a, steps, after_spike):
    """Spike steps (1-based) of Euler LIF v_k = c + (v_s - c)(1 - a)^(k - s) from v = 0 at step 0, restarting
    from after_spike(pre-reset value) after each spike; also the closed-form v after each step."""
    spikes, v = [], np.zeros(steps)
    start, v0 = 0, 0.0
    while True:
        j = crossing(v0, c, theta, a)
        k = np.arange(1, min(j, steps - start) + 1)
        v[start:start + k.size] = c + (v0 - c) * (1.0 - a) ** k
        if start + j > steps:
            return spikes, v
        pre = c + (v0 - c) * (1.0 - a) ** j
        start += j
        spikes.append(start)
        v0 = v[start - 1] = after_spike(pre)


def spike_steps(column):
    return (np.flatnonzero(column) + 1).tolist()


@pytest.mark.parametrize("dt", [1e-4, 5e-4, 1e-3, 2e-3])
def test_two_lif_fixture_first_neuron_fires_at_the_closed_form_euler_steps(dt):
    # lif1: tau 0.01, r 1, v_leak 1.2 > v_threshold 1, no input: v_k = 1.2 (1 - (1 - dt/tau)^k), reset to 0.
    a = dt / 0.01
    first = math.floor(math.log(1 / 6) / math.log(1 - a)) + 1
    T = 3 * first + 2
    r = nr.simulate(TWO_LIF, np.zeros((T, 1)), dt, record=["lif1", "lif2"])
    assert spike_steps(r["lif1"]["spikes"][:, 0]) == [first, 2 * first, 3 * first]
    k = (np.arange(1, T + 1) % first).astype(float)
    np.testing.assert_allclose(r["lif1"]["v"][:, 0], 1.2 * (1 - (1 - a) ** k), rtol=1e-12, atol=1e-14)
    # lif2 integrates lif1's spikes (weight 1, r 1): v stays below 1, far from its threshold 20.
    assert r["lif2"]["v"].max() < 1.0 and not r["outputs"]["out"].any()


@pytest.mark.parametrize("reset", ["value", "subtract"])
def test_lif_under_constant_input_follows_the_euler_recursion_and_its_reset(tmp_path, reset):
    tau, r_, v_leak, theta, v_reset, u, dt = 0.02, 2.0, 0.1, 1.0, 0.25, 0.7, 1e-3
    path = write_nir(tmp_path / "lif.nir",
                     {"in": ("Input", dict(shape=[1])), "lif": lif(tau, r_, v_leak, theta, v_reset),
                      "out": ("Output", dict(shape=[1]))},
                     [("in", "lif"), ("lif", "out")])
    T = 300
    c, a = v_leak + r_ * u, dt / tau
    after = (lambda pre: v_reset) if reset == "value" else (lambda pre: pre - (theta - v_reset))
    spikes, v = closed_form_spikes(c, theta, a, T, after)
    result = nr.simulate(path, np.full((T, 1), u), dt, reset=reset, record=["lif"])
    assert len(spikes) >= 5
    assert spike_steps(result["outputs"]["out"][:, 0]) == spikes
    np.testing.assert_allclose(result["lif"]["v"][:, 0], v, rtol=1e-12, atol=1e-14)


def test_subtract_reset_keeps_the_overshoot_and_value_reset_discards_it(tmp_path):
    theta, v_reset, dt = 1.0, 0.25, 1e-3
    path = write_nir(tmp_path / "lif.nir",
                     {"in": ("Input", dict(shape=[1])), "lif": lif(0.0025, 1.0, 0.0, theta, v_reset),
                      "out": ("Output", dict(shape=[1]))},
                     [("in", "lif"), ("lif", "out")])
    x = np.full((60, 1), 1.2)
    value = nr.simulate(path, x, dt, reset="value", record=["lif"])["lif"]
    subtract = nr.simulate(path, x, dt, reset="subtract", record=["lif"])["lif"]
    first = spike_steps(value["spikes"][:, 0])[0]
    assert spike_steps(subtract["spikes"][:, 0])[0] == first
    # Step `first` from v = v[first - 2] (identical under both resets): the value before the reset.
    before = value["v"][first - 2, 0]
    pre = before + (dt / 0.0025) * ((0.0 - before) + 1.0 * 1.2)
    assert pre > theta
    assert value["v"][first - 1, 0] == v_reset
    assert subtract["v"][first - 1, 0] == pre - (theta - v_reset)
    # The overshoot kept, the second spike comes sooner under subtract.
    assert spike_steps(subtract["spikes"][:, 0])[1] < spike_steps(value["spikes"][:, 0])[1]


def _chain(tmp_path, recurrent_weight=None):
    # tau = dt makes each LIF memoryless: v = r * u at every step, then reset.
    nodes = {"in": ("Input", dict(shape=[1])), "aff1": ("Affine", dict(weight=[[2.0]], bias=[0.0])),
             "a": lif(1e-3, 1.0, 0.0, 1.0), "aff2": ("Affine", dict(weight=[[2.0]], bias=[0.0])),
             "b": lif(1e-3, 1.0, 0.0, 1.0), "out": ("Output", dict(shape=[1]))}
    edges = [("in", "aff1"), ("aff1", "a"), ("a", "aff2"), ("aff2", "b"), ("b", "out")]
    if recurrent_weight is not None:
        nodes["rec"] = ("Linear", dict(weight=[[recurrent_weight]]))
        edges += [("b", "rec"), ("rec", "a")]
    return write_nir(tmp_path / "chain.nir", nodes, edges)


def test_spikes_cross_two_layers_within_the_step(tmp_path):
    x = np.zeros((12, 1))
    x[[0, 4, 5], 0] = 1.0  # steps 1, 5, 6
    r = nr.simulate(_chain(tmp_path), x, 1e-3, record=["a"])
    assert spike_steps(r["a"]["spikes"][:, 0]) == [1, 5, 6]
    assert spike_steps(r["outputs"]["out"][:, 0]) == [1, 5, 6]


def test_a_recurrent_edge_delivers_the_previous_step(tmp_path):
    path = _chain(tmp_path, recurrent_weight=-10.0)
    p = nr.plan(path)
    assert [(p.nodes[f].name, p.nodes[t].name) for (f, t), back in zip(p.edges, p.recurrent) if back] == [("rec", "a")]
    x = np.zeros((14, 1))
    x[[4, 5, 7, 8, 10], 0] = 1.0  # steps 5, 6, 8, 9, 11
    r = nr.simulate(path, x, 1e-3, record=["a"])
    # b's spike at step s inhibits a at step s + 1 only: steps 6 and 9 are suppressed, 11 (two after 9) is not.
    assert spike_steps(r["a"]["spikes"][:, 0]) == [5, 8, 11]
    assert spike_steps(r["outputs"]["out"][:, 0]) == [5, 8, 11]


def test_braille_fixture_runs_a_random_binary_input(tmp_path):
    rng = np.random.default_rng(7)
    T, dt = 80, 1e-4
    x = (rng.random((T, 12)) < 0.3).astype(float)
    p = nr.plan(BRAILLE)
    assert [(p.nodes[f].name, p.nodes[t].name) for (f, t), back in zip(p.edges, p.recurrent) if back] == [
        ("lif1.w_rec", "lif1.lif")]
    r = nr.simulate(BRAILLE, x, dt, record=["lif1.lif", "lif2"])
    out = r["outputs"]["output"]
    assert out.shape == (T, 7) and set(np.unique(out)) <= {0.0, 1.0}
    np.testing.assert_array_equal(out, r["lif2"]["spikes"])
    # Step 1: no spikes before it, so the recurrent Affine carries its bias alone, added to fc1's output.
    with h5py.File(BRAILLE, "r") as f:
        n = {k: f["node/nodes/lif1.lif"][k][()].astype(np.float64) for k in ("tau_syn", "tau_mem", "r", "w_in")}
        u = (f["node/nodes/fc1/weight"][()].astype(np.float64) @ x[0] + f["node/nodes/fc1/bias"][()]
             + f["node/nodes/lif1.w_rec/bias"][()])
    i1 = (dt / n["tau_syn"]) * (n["w_in"] * u)
    v1 = (dt / n["tau_mem"]) * (n["r"] * i1)
    np.testing.assert_allclose(r["lif1.lif"]["i"][0], i1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(r["lif1.lif"]["v"][0], np.where(v1 > 1.0, 0.0, v1), rtol=1e-12, atol=1e-15)
    # After each step's reset no membrane is above its threshold of 1.
    assert r["lif1.lif"]["v"].max() <= 1.0 and r["lif2"]["v"].max() <= 1.0
    assert r["lif1.lif"]["spikes"].any() and out.any()


def test_version_0_1_file_defaults_v_reset_to_zero(tmp_path):
    # Norse's LIF (float32 parameters, no v_reset) under input 1 behind an Affine of weight 1, bias 0.
    with h5py.File(NORSE, "r") as f:
        tau = float(f["node/nodes/1/tau"][0])
        theta = float(f["node/nodes/1/v_threshold"][0])
    dt = 1e-4
    spikes, v = closed_form_spikes(1.0, theta, dt / tau, 50, lambda pre: 0.0)
    r = nr.simulate(NORSE, np.ones((50, 1)), dt, record=["1"])
    assert spike_steps(r["outputs"]["output"][:, 0]) == spikes and len(spikes) >= 3
    np.testing.assert_allclose(r["1"]["v"][:, 0], v, rtol=1e-12, atol=1e-14)


def test_nested_graph_is_inlined_between_its_input_and_output(tmp_path):
    inner = ({"i": ("Input", dict(shape=[2])), "s": ("Scale", dict(scale=[3.0, -0.5])),
              "o": ("Output", dict(shape=[2]))}, [("i", "s"), ("s", "o")])
    path = write_nir(tmp_path / "nested.nir",
                     {"in": ("Input", dict(shape=[2])), "sub": ("NIRGraph", inner),
                      "th": ("Threshold", dict(threshold=[1.0, 1.0])), "out": ("Output", dict(shape=[2]))},
                     [("in", "sub"), ("sub", "th"), ("th", "out")])
    assert {n.name for n in nr.plan(path).nodes} == {"in", "sub.i", "sub.s", "sub.o", "th", "out"}
    x = np.array([[0.5, -4.0], [0.25, 1.0], [-1.0, -1.0]])
    r = nr.simulate(path, x, 1e-3, record=["sub.s"])
    np.testing.assert_array_equal(r["sub.s"]["y"], [[1.5, 2.0], [0.75, -0.5], [-3.0, 0.5]])
    np.testing.assert_array_equal(r["outputs"]["out"], [[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]])


def test_delay_shifts_by_whole_steps_and_refuses_fractions(tmp_path):
    dt = 1e-3
    path = write_nir(tmp_path / "delay.nir",
                     {"in": ("Input", dict(shape=[2])), "d": ("Delay", dict(delay=[3e-3, 3e-3])),
                      "out": ("Output", dict(shape=[2]))}, [("in", "d"), ("d", "out")])
    x = np.arange(16.0).reshape(8, 2) + 1
    y = nr.simulate(path, x, dt)["outputs"]["out"]
    np.testing.assert_array_equal(y[:3], 0.0)
    np.testing.assert_array_equal(y[3:], x[:-3])
    with pytest.raises(ValueError, match="multiples of dt"):
        nr.simulate(path, x, 2e-3)


def test_conv2d_node_is_refused_by_name(tmp_path):
    path = write_nir(tmp_path / "conv.nir",
                     {"in": ("Input", dict(shape=[1, 4, 4])),
                      "conv": ("Conv2d", dict(weight=np.ones((1, 1, 3, 3)), bias=[0.0], stride=[1, 1])),
                      "out": ("Output", dict(shape=[1, 4, 4]))}, [("in", "conv"), ("conv", "out")])
    with pytest.raises(ValueError, match=r"'conv' is a Conv2d"):
        nr.simulate(path, np.zeros((3, 16)), 1e-3)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
