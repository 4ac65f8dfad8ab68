"""`spikeworm nir run` (docs/nir.md) against the numpy reference (tests/python/nir_reference.py): the fixtures
and random graphs of every supported node type, both engines, both resets, spike inputs and current inputs;
and the errors a user meets. Run: /usr/bin/python3 tests/python/test_nir_run.py (SPIKEWORM_BINARY names the
executable; default build/cli/spikeworm)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nir_reference as nr  # noqa: E402
from test_nir_reference import write_nir  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "nir")
BRAILLE = os.path.join(FIXTURES, "braille_noDelay_bias_zero.nir")
TWO_LIF = os.path.join(FIXTURES, "two_lif_neurons.nir")
NORSE = os.path.join(FIXTURES, "lif_norse.nir")
ROCKPOOL = os.path.join(FIXTURES, "lif_rockpool.nir")
BINARY = os.environ.get("SPIKEWORM_BINARY", os.path.join(ROOT, "build", "cli", "spikeworm"))


def run_cli(graph, inputs, dt, out, *extra, check=True):
    path = os.path.join(out, "input.npy")
    os.makedirs(out, exist_ok=True)
    np.save(path, np.asarray(inputs, dtype=np.float64))
    p = subprocess.run([BINARY, "nir", "run", str(graph), "--input", path, "--dt", repr(dt), "--out",
                        os.path.join(out, "run"), *extra], capture_output=True, text=True)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def load(out, name):
    return np.load(os.path.join(out, "run", name + ".npy"))


def assert_matches_reference(graph, inputs, dt, out, reset="value", record=(), engine="event", threads=1):
    args = ["--engine", engine, "--threads", str(threads), "--reset", reset]
    for r in record:
        args += ["--record", r]
    run_cli(graph, inputs, dt, out, *args)
    ref = nr.simulate(graph, inputs, dt, reset=reset, record=record)
    for name, y in ref["outputs"].items():
        got = load(out, name)
        assert got.shape == y.shape, name
        np.testing.assert_allclose(got, y, rtol=1e-9, atol=1e-12, err_msg=f"output {name}")
    for r in record:
        if "spikes" in ref[r]:
            np.testing.assert_array_equal(load(out, r + ".spikes"), ref[r]["spikes"], err_msg=f"spikes of {r}")
        if "v" in ref[r]:  # a Threshold has no state in the reference (spikeworm's v is its input)
            np.testing.assert_allclose(load(out, r + ".v"), ref[r]["v"], rtol=1e-9, atol=1e-9, err_msg=f"v of {r}")
        if "i" in ref[r]:
            np.testing.assert_allclose(load(out, r + ".i"), ref[r]["i"], rtol=1e-9, atol=1e-9, err_msg=f"I of {r}")
    return ref


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("reset", ["value", "subtract"])
def test_braille_matches_the_reference_spike_for_spike(tmp_path, seed, reset):
    x = (np.random.default_rng(seed).random((400, 12)) < 0.15).astype(float)
    ref = assert_matches_reference(BRAILLE, x, 1e-4, str(tmp_path / "event"), reset, ["lif1.lif", "lif2"])
    assert ref["lif1.lif"]["spikes"].sum() > 20 and ref["lif2"]["spikes"].sum() > 5  # the test sees spikes
    assert_matches_reference(BRAILLE, x, 1e-4, str(tmp_path / "clock"), reset, ["lif1.lif", "lif2"], engine="clock")
    assert_matches_reference(BRAILLE, x, 1e-4, str(tmp_path / "threads"), reset, ["lif1.lif"], threads=2)


def test_two_lif_fixture_and_its_self_driven_neuron(tmp_path):
    ref = assert_matches_reference(TWO_LIF, np.zeros((2000, 1)), 1e-4, str(tmp_path), record=["lif1", "lif2"])
    # lif1 (v_leak 1.2 above threshold 1) fires on its own; forward Euler crosses at the first k with
    # 1.2 (1 - (1 - dt/tau)^k) > 1.
    with __import__("h5py").File(TWO_LIF, "r") as f:
        tau = float(np.ravel(f["node/nodes/lif1/tau"][()])[0])
    a = 1e-4 / tau
    k = next(k for k in range(1, 10**6) if 1.2 * (1 - (1 - a) ** k) > 1.0)
    assert np.flatnonzero(load(str(tmp_path), "lif1.spikes")[:, 0])[0] + 1 == k
    assert ref["lif1"]["spikes"].sum() >= 2


@pytest.mark.parametrize("graph", [NORSE, ROCKPOOL])
def test_single_lif_fixtures_under_a_current_input(tmp_path, graph):
    x = np.random.default_rng(7).uniform(0, 3, (3000, 1))  # not 0/1: the input enters as currents
    run = assert_matches_reference(graph, x, 1e-4, str(tmp_path), record=[])
    summary = json.load(open(tmp_path / "run" / "summary.json"))
    assert summary["input"] == "currents"
    assert sum(y.sum() for y in run["outputs"].values()) > 0


def random_graph(rng, path):
    """Input -> Affine -> LIF, recurrent through an Affine, -> Scale -> Delay -> Linear -> CubaLIF ->
    Affine -> IF; CubaLIF -> Linear -> Threshold; LI and CubaLI read out through Affines; random sizes
    and parameters. Weights are float32 values and scales powers of two, so that the folded synapses hold
    the file's values exactly and the runs differ from the reference by rounding of sums only."""
    n_in, n1, n2, n3, n4 = (int(rng.integers(2, 9)) for _ in range(5))

    def w(m, n, scale):  # float32 values: spikeworm stores weights as float32 (docs/nir.md)
        return (rng.normal(0.3 * scale, scale, (m, n)) * (rng.random((m, n)) < 0.7)).astype(np.float32).astype(np.float64)

    def vec(n, lo, hi):
        return np.full(n, rng.uniform(lo, hi))

    nodes = {
        "in": ("Input", dict(shape=[n_in])),
        "fc1": ("Affine", dict(weight=w(n1, n_in, 150.0), bias=rng.normal(0, 0.1, n1))),
        "lif": ("LIF", dict(tau=rng.uniform(2e-3, 2e-2, n1), r=vec(n1, 0.5, 2), v_leak=vec(n1, -0.1, 0.1),
                             v_threshold=rng.uniform(0.5, 1.0, n1), v_reset=vec(n1, -0.2, 0.0))),  # per neuron
        "rec": ("Affine", dict(weight=w(n1, n1, 20.0), bias=rng.normal(0, 0.05, n1))),
        "scale": ("Scale", dict(scale=2.0 ** rng.integers(-1, 2, n1))),  # folded into float32 weights exactly
        "delay": ("Delay", dict(delay=np.full(n1, int(rng.integers(1, 4)) * 1e-4))),
        "fc2": ("Linear", dict(weight=w(n2, n1, 60.0))),
        "cuba": ("CubaLIF", dict(tau_syn=vec(n2, 1e-3, 5e-3), tau_mem=vec(n2, 2e-3, 2e-2), r=vec(n2, 0.5, 2),
                                 v_leak=vec(n2, 0, 0.1), v_threshold=vec(n2, 0.3, 1), v_reset=vec(n2, -0.1, 0),
                                 w_in=rng.uniform(0.5, 2, n2))),
        "fc3": ("Affine", dict(weight=w(n3, n2, 3e3), bias=np.zeros(n3))),
        "if": ("IF", dict(r=vec(n3, 0.5, 2), v_threshold=vec(n3, 0.5, 1), v_reset=vec(n3, -0.1, 0))),
        "fc4": ("Linear", dict(weight=w(n4, n2, 1.0))),
        "thr": ("Threshold", dict(threshold=vec(n4, 0.1, 0.5))),
        "ro1": ("Affine", dict(weight=w(2, n3, 1.0), bias=rng.normal(0, 0.1, 2))),
        "li": ("LI", dict(tau=vec(2, 2e-3, 1e-2), r=vec(2, 0.5, 2), v_leak=vec(2, 0, 0.1))),
        "ro2": ("Linear", dict(weight=w(3, n4, 1.0))),
        "cli": ("CubaLI", dict(tau_syn=vec(3, 1e-3, 5e-3), tau_mem=vec(3, 2e-3, 1e-2), r=vec(3, 0.5, 2),
                               v_leak=vec(3, 0, 0.1), w_in=vec(3, 0.5, 2))),
        "out_li": ("Output", dict(shape=[2])),
        "out_cli": ("Output", dict(shape=[3])),
        "out_if": ("Output", dict(shape=[n3])),
    }
    edges = [("in", "fc1"), ("fc1", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "scale"), ("scale", "delay"),
             ("delay", "fc2"), ("fc2", "cuba"), ("cuba", "fc3"), ("fc3", "if"), ("cuba", "fc4"), ("fc4", "thr"),
             ("if", "ro1"), ("ro1", "li"), ("thr", "ro2"), ("ro2", "cli"), ("li", "out_li"), ("cli", "out_cli"),
             ("if", "out_if")]
    return write_nir(path, nodes, edges), n_in


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_of_every_node_type_match_the_reference(tmp_path, seed):
    rng = np.random.default_rng(100 + seed)
    graph, n_in = random_graph(rng, tmp_path / "g.nir")
    x = (rng.random((500, n_in)) < 0.2).astype(float)
    reset = "subtract" if seed % 2 else "value"
    record = ["lif", "cuba", "if", "thr", "li", "cli"]
    ref = assert_matches_reference(graph, x, 1e-4, str(tmp_path / "a"), reset, record, engine="event")
    assert all(ref[k].get("spikes", ref[k]["y"]).sum() > 0 for k in ("lif", "cuba", "if", "thr"))  # all active
    assert_matches_reference(graph, x, 1e-4, str(tmp_path / "b"), reset, record, engine="clock")


def test_the_event_and_clock_engines_write_identical_files(tmp_path):
    rng = np.random.default_rng(5)
    graph, n_in = random_graph(rng, tmp_path / "g.nir")
    x = (rng.random((300, n_in)) < 0.3).astype(float)
    files = {}
    for engine in ("event", "clock"):
        run_cli(graph, x, 1e-4, str(tmp_path / engine), "--engine", engine, "--record", "cuba", "--record", "lif")
        files[engine] = {n: open(tmp_path / engine / "run" / n, "rb").read()
                         for n in sorted(os.listdir(tmp_path / engine / "run")) if n.endswith(".npy")}
    assert files["event"] == files["clock"] and len(files["event"]) >= 6


def test_errors_name_the_file_the_node_and_the_value(tmp_path):
    # A non-spiking LI whose value would cross synapses into a neuron.
    g = write_nir(tmp_path / "li.nir", {
        "in": ("Input", dict(shape=[1])), "li": ("LI", dict(tau=[1e-3], r=[1.0], v_leak=[0.0])),
        "w": ("Linear", dict(weight=[[1.0]])),
        "lif": ("LIF", dict(tau=[1e-3], r=[1.0], v_leak=[0.0], v_threshold=[1.0], v_reset=[0.0])),
        "out": ("Output", dict(shape=[1]))},
        [("in", "li"), ("li", "w"), ("w", "lif"), ("lif", "out")])
    p = run_cli(g, np.ones((5, 1)), 1e-4, str(tmp_path / "a"), check=False)
    assert p.returncode == 2 and "li.nir" in p.stderr and "'li' (LI)" in p.stderr and "only spikes" in p.stderr
    # An input of the wrong width.
    p = run_cli(BRAILLE, np.zeros((5, 11)), 1e-4, str(tmp_path / "b"), check=False)
    assert p.returncode == 2 and "11 columns" in p.stderr and "12" in p.stderr
    # A recorded node that does not exist.
    p = run_cli(BRAILLE, np.zeros((5, 12)), 1e-4, str(tmp_path / "c"), "--record", "nope", check=False)
    assert p.returncode == 2 and "nope" in p.stderr
    # Per-neuron parameters that differ run, but a network config cannot hold them.
    g = write_nir(tmp_path / "mixed.nir", {
        "in": ("Input", dict(shape=[2])), "w": ("Linear", dict(weight=np.eye(2))),
        "lif": ("LIF", dict(tau=[1e-3, 2e-3], r=[1.0, 1.0], v_leak=[0.0, 0.0], v_threshold=[1.0, 1.0])),
        "out": ("Output", dict(shape=[2]))},
        [("in", "w"), ("w", "lif"), ("lif", "out")])
    assert run_cli(g, np.zeros((5, 2)), 1e-4, str(tmp_path / "d"), check=False).returncode == 0
    p = subprocess.run([BINARY, "nir", "import", g, "--out", str(tmp_path / "m.toml"), "--dt", "1e-4"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "'lif'" in p.stderr and "differ between its neurons" in p.stderr
    assert not (tmp_path / "m.toml").exists()
    # A Delay that is not a whole number of steps.
    g = write_nir(tmp_path / "delay.nir", {
        "in": ("Input", dict(shape=[1])), "d": ("Delay", dict(delay=[1.5e-4])),
        "lif": ("LIF", dict(tau=[1e-3], r=[1.0], v_leak=[0.0], v_threshold=[1.0], v_reset=[0.0])),
        "out": ("Output", dict(shape=[1]))},
        [("in", "d"), ("d", "lif"), ("lif", "out")])
    p = run_cli(g, np.zeros((5, 1)), 1e-4, str(tmp_path / "e"), check=False)
    assert p.returncode == 2 and "0.00015" in p.stderr and "whole number of steps" in p.stderr
    # A NaN in the input, and an input file that is not .npy or CSV.
    p = run_cli(BRAILLE, np.full((5, 12), np.nan), 1e-4, str(tmp_path / "f"), check=False)
    assert p.returncode == 2 and "nan" in p.stderr
    bad = tmp_path / "in.txt.gz"
    bad.write_bytes(b"\x1f\x8b")
    p = subprocess.run([BINARY, "nir", "run", BRAILLE, "--input", str(bad), "--dt", "1e-4", "--out",
                        str(tmp_path / "g")], capture_output=True, text=True)
    assert p.returncode == 2 and "in.txt.gz" in p.stderr and not (tmp_path / "g").exists()


def test_csv_input_equals_npy_input(tmp_path):
    x = (np.random.default_rng(3).random((200, 12)) < 0.2).astype(float)
    run_cli(BRAILLE, x, 1e-4, str(tmp_path / "npy"))
    csv = tmp_path / "in.csv"
    csv.write_text(",".join(f"c{j}" for j in range(12)) + "\n" +
                   "\n".join(",".join(str(int(v)) for v in row) for row in x) + "\n")
    p = subprocess.run([BINARY, "nir", "run", BRAILLE, "--input", str(csv), "--dt", "1e-4", "--out",
                        str(tmp_path / "csv" / "run")], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    np.testing.assert_array_equal(load(str(tmp_path / "csv"), "output"), load(str(tmp_path / "npy"), "output"))


@pytest.mark.parametrize("reset", ["value", "subtract"])
def test_an_imported_config_runs_as_the_graph_does(tmp_path, reset):
    """nir import writes a network config; loaded by the module and fed the same spikes, its output layer
    fires as `nir run` says, spike for spike, and spikeworm simulate accepts it."""
    spikeworm = pytest.importorskip("spikeworm")
    toml = tmp_path / "braille.toml"
    p = subprocess.run([BINARY, "nir", "import", BRAILLE, "--out", str(toml), "--dt", "1e-4", "--reset", reset,
                        "--duration", "0.04"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    x = (np.random.default_rng(11).random((400, 12)) < 0.15).astype(float)
    run_cli(BRAILLE, x, 1e-4, str(tmp_path / "run"), "--reset", reset, "--record", "lif1.lif")
    net = spikeworm.Network(str(toml))
    steps, ids = np.nonzero(x)
    order = np.lexsort((ids, steps))
    net.add_inputs((steps[order] + 1).astype(np.int64), ids[order].astype(np.uint32))  # input population first
    net.run(400 * 0.1)
    times, who = net.spikes()
    first = {q["name"]: q["first"] for q in net.populations()}
    got = np.zeros((400, 7))
    sel = who >= first["lif2"]
    got[np.rint(np.asarray(times)[sel] / 0.1).astype(int) - 1, np.asarray(who)[sel] - first["lif2"]] = 1.0
    np.testing.assert_array_equal(got, load(str(tmp_path / "run"), "output"))
    hidden = np.zeros((400, 38))
    sel = (who >= first["lif1.lif"]) & (who < first["lif2"])
    hidden[np.rint(np.asarray(times)[sel] / 0.1).astype(int) - 1, np.asarray(who)[sel] - first["lif1.lif"]] = 1.0
    np.testing.assert_array_equal(hidden, load(str(tmp_path / "run"), "lif1.lif.spikes"))
    assert got.sum() > 5
    p = subprocess.run([BINARY, "simulate", str(toml), "--out", str(tmp_path / "sim")], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


def test_imported_configs_refuse_bad_lists(tmp_path):
    toml = tmp_path / "b.toml"
    subprocess.run([BINARY, "nir", "import", BRAILLE, "--out", str(toml), "--dt", "1e-4"], check=True,
                   capture_output=True)
    text = toml.read_text()
    for old, new, message in [
            ("sources = [", "sources = [99, ", "targets: has 1444 entries, sources has 1445"),
            ('rule = "from_list"', 'rule = "from_list"\nweight = 1.0', "from_list takes sources"),
            ("currents = [", "currents = [nan, ", "currents: entry 0 is not a finite number")]:
        bad = tmp_path / "bad.toml"
        bad.write_text(text.replace(old, new, 1))
        p = subprocess.run([BINARY, "simulate", str(bad), "--out", str(tmp_path / "o")], capture_output=True, text=True)
        assert p.returncode == 2 and message in p.stderr and "bad.toml" in p.stderr, (old, p.stderr)


@pytest.mark.parametrize("config", ["spiking_static_medium.toml", "spiking_static_medium_recurrent.toml"])
def test_an_exported_agent_runs_alike_in_the_reference_and_on_both_engines(tmp_path, config):
    """nir export writes a trained agent that an independent reader (h5py and the numpy reference) runs as
    `nir run` does: its last layer spike for spike, the Output within 1e-9; the metadata says how to read it."""
    import h5py
    run = tmp_path / "run"
    p = subprocess.run([BINARY, "train", os.path.join(ROOT, "configs", config), "--episodes", "3", "--sessions", "1",
                        "--out", str(run), "--final-eval", "0", "-q"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    agent = tmp_path / "agent.nir"
    p = subprocess.run([BINARY, "nir", "export", str(run), "--out", str(agent), "--session", "0"], capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr
    with h5py.File(agent, "r") as f:
        meta = {k: f["node/metadata"][k][()].decode() for k in f["node/metadata"]}
        layers = sum(1 for k in f["node/nodes"] if k.startswith("lif"))
    assert meta["reset"] == "value" and "sum of Output" in meta["readout"]
    steps, dt = int(meta["steps_per_decision"]), float(meta["dt"])
    last = f"lif{layers - 1}"
    # Without --dt, nir run takes the exported file's metadata dt; a fixture without one needs --dt.
    np.save(tmp_path / "obs.npy", np.tile([0.5, 0.5], (steps, 1)))
    p = subprocess.run([BINARY, "nir", "run", str(agent), "--input", str(tmp_path / "obs.npy"), "--out",
                        str(tmp_path / "nodt"), "--no-plot"], capture_output=True, text=True)
    assert p.returncode == 0 and json.load(open(tmp_path / "nodt" / "summary.json"))["dt_s"] == dt, p.stderr
    p = subprocess.run([BINARY, "nir", "run", BRAILLE, "--input", str(tmp_path / "obs.npy"), "--out",
                        str(tmp_path / "nodt2")], capture_output=True, text=True)
    assert p.returncode == 2 and "give --dt" in p.stderr and "braille" in p.stderr
    for obs in ([0.8, 0.3], [0.2, -0.9]):
        x = np.tile(obs, (steps, 1))
        ref = assert_matches_reference(str(agent), x, dt, str(tmp_path / "a"), "value", [last])
        assert ref[last]["spikes"].sum() > 0
        assert_matches_reference(str(agent), x, dt, str(tmp_path / "b"), "value", [last], engine="clock")


@pytest.mark.parametrize("graph", [NORSE, ROCKPOOL, TWO_LIF])
@pytest.mark.parametrize("shape", ["constant", "step"])
def test_lif_fixtures_on_constant_and_step_currents(tmp_path, graph, shape):
    import h5py
    with h5py.File(graph, "r") as f:
        width = int(np.prod(f["node/nodes"][[k for k in f["node/nodes"] if "Input" in str(
            f["node/nodes"][k]["type"][()])][0]]["shape"][()]))
    x = np.full((4000, width), 2.5)
    if shape == "step":
        x[:1000] = 0.0
        x[2500:] = 0.75
    lifs = [n.name for n in nr.plan(graph).nodes if n.type == "LIF"]
    ref = assert_matches_reference(graph, x, 1e-4, str(tmp_path), record=lifs)
    assert sum(ref[n]["spikes"].sum() for n in lifs) > 0  # it spikes, so the comparison holds spikes


def test_braille_on_twenty_random_trains_of_256_steps(tmp_path):
    rng = np.random.default_rng(2024)
    total = 0
    for k in range(20):
        x = (rng.random((256, 12)) < rng.uniform(0.05, 0.3)).astype(float)
        ref = assert_matches_reference(BRAILLE, x, 1e-4, str(tmp_path / f"t{k}"), "value", ["lif1.lif", "lif2"])
        total += ref["lif2"]["spikes"].sum()
    assert total > 100


def test_exported_files_have_the_layout_nir_reads(tmp_path):
    """The layout of nir/serialization.py, seen by h5py alone: /version, node/type = NIRGraph,
    node/nodes/<name>/type, each node's parameters as datasets, node/edges as (E, 2) strings."""
    import h5py
    run = tmp_path / "run"
    subprocess.run([BINARY, "train", os.path.join(ROOT, "configs", "spiking_static_medium.toml"), "--episodes", "2",
                    "--sessions", "1", "--out", str(run), "--final-eval", "0", "-q"], check=True, capture_output=True)
    agent = tmp_path / "a.nir"
    subprocess.run([BINARY, "nir", "export", str(run), "--out", str(agent), "--session", "0"], check=True,
                   capture_output=True)
    params = {"Input": {"shape"}, "Affine": {"weight", "bias"}, "Linear": {"weight"}, "Delay": {"delay"},
              "LIF": {"tau", "r", "v_leak", "v_threshold", "v_reset"}, "Output": {"shape"}}
    with h5py.File(agent, "r") as f:
        assert f["version"][()].decode() == "0.2.0"
        assert f["node/type"][()].decode() == "NIRGraph"
        names = set(f["node/nodes"])
        for name in names:
            g = f["node/nodes"][name]
            kind = g["type"][()].decode()
            assert set(g) - {"type"} == params[kind], (name, kind, set(g))
            for key in params[kind]:
                assert g[key].dtype == np.float64 and np.isfinite(g[key][()]).all()
        edges = f["node/edges"][()]
        assert edges.shape[1] == 2 and {e.decode() for e in edges.ravel()} == names
        hidden = f["node/nodes/lif0/tau"].shape[0]
        assert f["node/nodes/input_layer/weight"].shape == (hidden, 2)
        assert f["node/nodes/readout/weight"].shape == (4, hidden)


@pytest.mark.parametrize("graph", [BRAILLE, TWO_LIF, NORSE, ROCKPOOL])
def test_every_fixture_imports_and_simulates(tmp_path, graph):
    toml = tmp_path / "net.toml"
    p = subprocess.run([BINARY, "nir", "import", graph, "--out", str(toml), "--dt", "1e-4", "--duration", "0.01"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert 'model = "nir"' in toml.read_text()
    p = subprocess.run([BINARY, "simulate", str(toml), "--out", str(tmp_path / "sim")], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
