"""pyNN.spikeworm, the PyNN backend (docs/python.md#pynn), scenario by scenario against analytic values,
hand-stepped model equations (docs/models.md) and PyNN's own connector code.
Run by ctest (python.pynn_*) with PYTHONPATH=BUILD/python; exit 77 skips without pyNN, neo or pytest."""
import math
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pynn_backend import sim  # noqa: E402  (exits 77 without pyNN)

import numpy as np  # noqa: E402
import neo  # noqa: E402
import pyNN  # noqa: E402
import pytest  # noqa: E402
from pyNN import errors
from pyNN.parameters import Sequence
from pyNN.random import NumpyRNG, RandomDistribution

DT = 0.1


@pytest.fixture(autouse=True)
def fresh():
    sim.setup(timestep=DT, min_delay=DT, rng_seeds_seed=7)
    yield
    sim.end()


def spike_times(pop):
    return [np.asarray(st.magnitude) for st in pop.get_data("spikes").segments[-1].spiketrains]


# --- single neurons against analytic values -------------------------------------------------------

def check_train(t, first, isi, end):
    """Spikes within a step of the analytic first spike and intervals (each spike's step rounds up)."""
    n = int((end - first) // isi) + 1
    assert abs(len(t) - n) <= 1 and len(t) >= 2, (t, first, isi)
    assert abs(t[0] - first) <= DT
    assert np.all(np.abs(np.diff(t) - isi) <= DT)

LIF = dict(cm=0.5, tau_m=10.0, v_rest=-65.0, v_reset=-70.0, v_thresh=-55.0, tau_refrac=2.0)


def analytic_isi(i_na, p):
    ri = i_na * p["tau_m"] / p["cm"]
    return p["tau_refrac"] + p["tau_m"] * math.log((ri + p["v_rest"] - p["v_reset"]) / (ri + p["v_rest"] - p["v_thresh"]))


@pytest.mark.parametrize("celltype", ["IF_curr_exp", "IF_cond_exp"])
def test_dc_driven_neuron_fires_at_the_analytic_interval(celltype):
    pop = sim.Population(1, getattr(sim, celltype)(i_offset=0.9, **LIF))
    pop.initialize(v=LIF["v_reset"])
    pop.record("spikes")
    sim.run(300.0)
    isi = analytic_isi(0.9, LIF)
    check_train(spike_times(pop)[0], isi - LIF["tau_refrac"], isi, 300.0)  # from v_reset: no refractory start


def test_dc_source_starts_and_stops_the_drive():
    pop = sim.Population(2, sim.IF_curr_exp(**LIF))
    pop.initialize(v=LIF["v_rest"])
    sim.DCSource(amplitude=1.2, start=50.0, stop=150.0).inject_into(pop[0:1])
    pop.record("spikes")
    sim.run(250.0)
    t0, t1 = spike_times(pop)
    ri = 1.2 * LIF["tau_m"] / LIF["cm"]
    first = 50.0 + LIF["tau_m"] * math.log(ri / (ri + LIF["v_rest"] - LIF["v_thresh"]))
    check_train(t0, first, analytic_isi(1.2, LIF), 150.0)
    assert t0.max() <= 150.0 + DT and len(t1) == 0


def test_step_current_source_changes_at_its_times():
    pop = sim.Population(1, sim.IF_curr_exp(**LIF))
    pop.initialize(v=LIF["v_rest"])
    sim.StepCurrentSource(times=[20.0, 120.0, 200.0], amplitudes=[0.4, 1.5, 0.0]).inject_into(pop)
    pop.record("spikes")
    sim.run(300.0)
    t = spike_times(pop)[0]
    # 0.4 nA: v -> v_rest + 8 mV < v_thresh, no spike; 1.5 nA from 120 ms until 200 ms
    ri, v0 = 1.5 * LIF["tau_m"] / LIF["cm"], LIF["v_rest"] + 8.0 * (1 - math.exp(-100.0 / LIF["tau_m"]))
    first = 120.0 + LIF["tau_m"] * math.log((ri + LIF["v_rest"] - v0) / (ri + LIF["v_rest"] - LIF["v_thresh"]))
    check_train(t, first, analytic_isi(1.5, LIF), 200.0)
    assert t.max() <= 200.0 + DT


# --- recordings against the hand-stepped model equations (docs/models.md) -----------------------

def test_cuba_v_recording_matches_the_stepped_equations():
    p = dict(cm=0.25, tau_m=20.0, tau_syn_E=5.0, tau_syn_I=10.0, v_rest=-60.0, v_reset=-70.0, v_thresh=-40.0,
             tau_refrac=1.0, i_offset=0.1)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[2.0]))
    pop = sim.Population(2, sim.IF_curr_exp(**p))
    pop.initialize(v=np.array([-60.0, -65.0]))
    sim.Projection(src, pop, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.2, delay=0.5),
                   receptor_type="excitatory")
    pop.record("v")
    sim.run(10.0)
    sig = pop.get_data("v").segments[0].analogsignals[0]
    assert sig.shape == (101, 2)
    r = p["tau_m"] / p["cm"]
    a, b = math.exp(-DT / p["tau_m"]), math.exp(-DT / p["tau_syn_E"])
    k = p["tau_syn_E"] / (p["tau_syn_E"] - p["tau_m"]) * (b - a)
    v, g = np.array([-60.0, -65.0]), 0.0
    expected = [v.copy()]
    for step in range(1, 101):
        if step == 26:  # the spike at step 20 (2 ms) acts from 2.5 ms on: the input of step 26
            g += 0.2 * r
        v = (p["v_rest"] + p["i_offset"] * r) + (v - p["v_rest"] - p["i_offset"] * r) * a + g * k
        g *= b
        expected.append(v.copy())
    np.testing.assert_allclose(np.asarray(sig.magnitude), np.array(expected), rtol=0, atol=1e-9)


def test_coba_v_and_gsyn_recordings_match_the_stepped_equations():
    p = dict(cm=0.2, tau_m=20.0, tau_syn_E=5.0, tau_syn_I=10.0, v_rest=-60.0, v_reset=-60.0, v_thresh=-50.0,
             e_rev_E=0.0, e_rev_I=-80.0, tau_refrac=5.0)
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=[Sequence([1.0]), Sequence([3.0])]))
    pop = sim.Population(1, sim.IF_cond_exp(**p))
    pop.initialize(v=-60.0)
    sim.Projection(src[0:1], pop, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.004, delay=1.0),
                   receptor_type="excitatory")
    sim.Projection(src[1:2], pop, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.02, delay=0.2),
                   receptor_type="inhibitory")
    pop.record(["v", "gsyn_exc", "gsyn_inh"], sampling_interval=0.5)
    sim.run(10.0)
    seg = pop.get_data().segments[0]
    got = {s.name: np.asarray(s.magnitude)[:, 0] for s in seg.analogsignals}
    assert all(v.shape == (21,) for v in got.values())
    gl = p["cm"] / p["tau_m"]
    v, ge, gi = -60.0, 0.0, 0.0
    rows = {"v": [v], "gsyn_exc": [0.0], "gsyn_inh": [0.0]}
    for step in range(1, 101):
        ge += 0.004 / gl if step == 21 else 0.0   # spike at 1 ms + 1 ms: the input of step 21, from 2.0 ms on
        gi += 0.02 / gl if step == 33 else 0.0    # spike at 3 ms + 0.2 ms: the input of step 33
        G, A = 1 + ge + gi, p["v_rest"] + ge * p["e_rev_E"] + gi * p["e_rev_I"]
        v = A / G + (v - A / G) * math.exp(-G * DT / p["tau_m"])
        ge *= math.exp(-DT / p["tau_syn_E"])
        gi *= math.exp(-DT / p["tau_syn_I"])
        if step % 5 == 0:
            rows["v"].append(v)
            rows["gsyn_exc"].append(ge * gl)
            rows["gsyn_inh"].append(gi * gl)
    for name, values in rows.items():
        np.testing.assert_allclose(got[name], values, rtol=1e-6, atol=1e-12, err_msg=name)
    assert seg.analogsignals[0].sampling_period.magnitude == 0.5


def alpha_psp(w_mv, tau_s, tau_m, t):
    """The closed-form response of tau_m dv/dt = -v + I to the alpha current I = w (t/tau_s) e^(1 - t/tau_s)
    (docs/models.md, cuba_alpha_lif), 0 before t = 0."""
    t = np.maximum(np.asarray(t, dtype=float), 0.0)
    c = 1.0 / tau_s - 1.0 / tau_m
    return w_mv * math.e / (tau_s * tau_m) * (np.exp(-t / tau_m) - np.exp(-t / tau_s) * (1.0 + c * t)) / c**2


def test_if_curr_alpha_psp_is_the_closed_form():
    p = dict(cm=0.25, tau_m=20.0, tau_syn_E=2.0, tau_syn_I=3.0, v_rest=-60.0, v_reset=-70.0, v_thresh=-40.0,
             tau_refrac=1.0)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[2.0]))
    pop = sim.Population(1, sim.IF_curr_alpha(**p))
    pop.initialize(v=-60.0)
    sim.Projection(src, pop, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.2, delay=0.5),
                   receptor_type="excitatory")
    pop.record("v")
    sim.run(30.0)
    v = np.asarray(pop.get_data("v").segments[0].analogsignals[0].magnitude)[:, 0]
    assert v.shape == (301,)
    # the spike at 2 ms acts from 2 + 0.5 ms on: it reaches step 26, which starts at 2.5 ms
    t = (np.arange(301) - 25) * DT
    expected = p["v_rest"] + alpha_psp(0.2 * p["tau_m"] / p["cm"], p["tau_syn_E"], p["tau_m"], t)
    np.testing.assert_allclose(v, expected, rtol=0, atol=1e-9)
    assert v.max() - p["v_rest"] > 2.0  # a PSP of a few mV, peaking after the current's peak
    assert v.argmax() > 25 + p["tau_syn_E"] / DT


def test_if_cond_alpha_gsyn_is_the_alpha_function_in_microsiemens():
    p = dict(cm=0.2, tau_m=20.0, tau_syn_E=1.5, tau_syn_I=4.0, v_rest=-60.0, v_reset=-60.0, v_thresh=-50.0,
             e_rev_E=0.0, e_rev_I=-80.0, tau_refrac=5.0)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]))
    pop = sim.Population(1, sim.IF_cond_alpha(**p))
    pop.initialize(v=-60.0)
    sim.Projection(src, pop, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.005, delay=1.0),
                   receptor_type="excitatory")
    pop.record(["v", "gsyn_exc", "gsyn_inh"])
    sim.run(20.0)
    seg = pop.get_data().segments[0]
    got = {s.name: np.asarray(s.magnitude)[:, 0] for s in seg.analogsignals}
    assert str(seg.filter(name="gsyn_exc")[0].units.dimensionality) == "uS"
    # the spike at 1 ms acts from 1 + 1 ms on: it reaches step 21, which starts at 2.0 ms
    t = np.maximum((np.arange(201) - 20) * DT, 0.0)
    tau = p["tau_syn_E"]
    np.testing.assert_allclose(got["gsyn_exc"], 0.005 * (t / tau) * np.exp(1.0 - t / tau), rtol=1e-12, atol=0)
    assert got["gsyn_exc"].argmax() == 20 + round(tau / DT) and got["gsyn_exc"].max() == pytest.approx(0.005, rel=1e-12)
    assert not got["gsyn_inh"].any()
    # v: coba_lif's exponential-Euler step with the conductance of the start of each step (docs/models.md)
    gl = p["cm"] / p["tau_m"]
    v, rows = -60.0, [-60.0]
    for step in range(1, 201):
        g = got["gsyn_exc"][step - 1] / gl
        G, A = 1.0 + g, p["v_rest"] + g * p["e_rev_E"]
        v = A / G + (v - A / G) * math.exp(-G * DT / p["tau_m"])
        rows.append(v)
    np.testing.assert_allclose(got["v"], rows, rtol=0, atol=1e-9)
    assert got["v"].max() > -59.0


def test_if_curr_exp_offers_only_spikes_and_v():
    pop = sim.Population(1, sim.IF_curr_exp())
    with pytest.raises(errors.RecordingError):
        pop.record("gsyn_exc")


# --- delays -----------------------------------------------------------------------------------

def test_delays_set_the_first_arrival_time():
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[10.0]))
    pop = sim.Population(3, sim.IF_curr_exp(v_rest=-65.0, v_thresh=-50.0))
    pop.initialize(v=-65.0)
    conn = sim.FromListConnector([(0, 0, 0.5, 0.1), (0, 1, 0.5, 1.0), (0, 2, 0.5, 3.3)],
                                 column_names=["weight", "delay"])
    prj = sim.Projection(src, pop, conn, sim.StaticSynapse(), receptor_type="excitatory")
    pop.record("v")
    sim.run(20.0)
    v = np.asarray(pop.get_data("v").segments[0].analogsignals[0].magnitude)
    first = [int(np.argmax(v[:, i] > -65.0 + 1e-12)) for i in range(3)]
    # row k is v at k dt; an input from 10 ms + d on first shows in the sample at the end of that step, as in NEST
    assert first == [102, 111, 134]
    np.testing.assert_allclose(sorted(prj.get("delay", format="list", with_address=False)), [0.1, 1.0, 3.3])


# --- connectors ------------------------------------------------------------------------------

def pairs(prj):
    return sorted((int(i), int(j)) for i, j, _ in prj.get("weight", format="list"))


def test_all_to_all_and_one_to_one_connect_every_expected_pair():
    a, b = sim.Population(5, sim.IF_curr_exp()), sim.Population(4, sim.IF_curr_exp())
    assert pairs(sim.Projection(a, b, sim.AllToAllConnector())) == [(i, j) for i in range(5) for j in range(4)]
    self_free = sim.Projection(a, a, sim.AllToAllConnector(allow_self_connections=False))
    assert pairs(self_free) == [(i, j) for i in range(5) for j in range(5) if i != j]
    assert pairs(sim.Projection(b, b, sim.OneToOneConnector())) == [(i, i) for i in range(4)]


def test_fixed_probability_gives_pynn_mocks_connections_for_the_same_seed():
    import pyNN.mock as mock
    mock.setup(timestep=DT)
    ma, mb = mock.Population(300, mock.IF_curr_exp()), mock.Population(200, mock.IF_curr_exp())
    ref = mock.Projection(ma, mb, mock.FixedProbabilityConnector(0.1, rng=NumpyRNG(seed=42)), mock.StaticSynapse())
    expected = sorted((c.presynaptic_index, c.postsynaptic_index) for c in ref.connections)
    a, b = sim.Population(300, sim.IF_curr_exp()), sim.Population(200, sim.IF_curr_exp())
    prj = sim.Projection(a, b, sim.FixedProbabilityConnector(0.1, rng=NumpyRNG(seed=42)))
    assert pairs(prj) == expected
    n = 300 * 200
    assert abs(len(prj) - 0.1 * n) < 5 * math.sqrt(n * 0.1 * 0.9)


def test_fixed_number_connectors_give_exact_counts():
    rng = NumpyRNG(seed=3)
    a, b = sim.Population(50, sim.IF_curr_exp()), sim.Population(40, sim.IF_curr_exp())
    pre = np.array(pairs(sim.Projection(a, b, sim.FixedNumberPreConnector(7, rng=rng))))
    assert np.all(np.bincount(pre[:, 1], minlength=40) == 7)
    post = np.array(pairs(sim.Projection(a, b, sim.FixedNumberPostConnector(6, rng=rng))))
    assert np.all(np.bincount(post[:, 0], minlength=50) == 6)
    assert len(sim.Projection(a, b, sim.FixedTotalNumberConnector(123, rng=rng))) == 123


def test_from_list_from_file_and_array_connectors_keep_the_given_connections(tmp_path):
    a, b = sim.Population(3, sim.IF_cond_exp()), sim.Population(3, sim.IF_cond_exp())
    conns = [(0, 1, 0.01, 0.5), (2, 0, 0.02, 1.5), (1, 1, 0.03, 2.0)]
    prj = sim.Projection(a, b, sim.FromListConnector(conns, column_names=["weight", "delay"]), sim.StaticSynapse())
    assert sorted(prj.get(["weight", "delay"], format="list")) == sorted(conns)
    path = tmp_path / "conns.txt"
    np.savetxt(path, np.array(conns), header='columns = ["i", "j", "weight", "delay"]')
    prj2 = sim.Projection(a, b, sim.FromFileConnector(str(path)), sim.StaticSynapse())
    np.testing.assert_allclose(sorted(prj2.get(["weight", "delay"], format="list")), sorted(conns))
    mask = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0]], dtype=bool)
    prj3 = sim.Projection(a, b, sim.ArrayConnector(mask), sim.StaticSynapse(weight=0.01))
    assert pairs(prj3) == sorted(zip(*np.nonzero(mask)))
    w = prj3.get("weight", format="array")
    assert np.all(np.isnan(w[~mask])) and np.all(w[mask] == 0.01)


def test_distance_dependent_probability_connects_within_the_distance():
    a = sim.Population(10, sim.IF_curr_exp(), structure=pyNN.space.Line(dx=1.0))
    prj = sim.Projection(a, a, sim.DistanceDependentProbabilityConnector("d < 1.5", allow_self_connections=False))
    assert pairs(prj) == [(i, j) for i in range(10) for j in range(10) if abs(i - j) == 1]


def test_random_weights_and_delays_reach_the_network():
    a, b = sim.Population(20, sim.SpikeSourcePoisson(rate=20.0)), sim.Population(20, sim.IF_curr_exp())
    rng = NumpyRNG(seed=5)
    syn = sim.StaticSynapse(weight=RandomDistribution("uniform", (0.1, 0.2), rng=rng),
                            delay=RandomDistribution("uniform", (0.5, 2.0), rng=rng))
    prj = sim.Projection(a, b, sim.FixedProbabilityConnector(0.5, rng=rng), syn)
    w, d = np.array(prj.get(["weight", "delay"], format="list"))[:, 2:].T
    assert w.min() >= 0.1 and w.max() <= 0.2 and d.min() >= 0.5 and d.max() <= 2.0
    assert len(set(np.round(w, 12))) == len(w)


# --- spike sources, reset, procedural API, views and assemblies --------------------------------

def test_poisson_sources_fire_at_their_rate_within_start_and_duration():
    src = sim.Population(400, sim.SpikeSourcePoisson(rate=40.0, start=100.0, duration=1500.0))
    src.record("spikes")
    sim.run(2000.0)
    trains = spike_times(src)
    all_t = np.concatenate(trains)
    assert all_t.min() >= 100.0 and all_t.max() < 1600.0
    n, expected = all_t.size, 400 * 40.0 * 1.5
    assert abs(n - expected) < 5 * math.sqrt(expected)
    assert src.mean_spike_count() == pytest.approx(n / 400)


def balanced_net():
    stim = sim.Population(50, sim.SpikeSourcePoisson(rate=30.0))
    exc = sim.Population(80, sim.IF_curr_exp(tau_refrac=2.0, v_rest=-60.0, v_reset=-65.0, v_thresh=-50.0))
    inh = sim.Population(20, sim.IF_cond_exp(tau_refrac=2.0, v_rest=-60.0, v_reset=-65.0, v_thresh=-50.0))
    rng = NumpyRNG(seed=11)
    exc.initialize(v=RandomDistribution("uniform", (-65.0, -50.0), rng=rng))
    sim.Projection(stim, exc, sim.FixedProbabilityConnector(0.2, rng=rng), sim.StaticSynapse(weight=1.0, delay=0.5))
    sim.Projection(stim, inh, sim.FixedProbabilityConnector(0.2, rng=rng), sim.StaticSynapse(weight=0.02))
    sim.Projection(exc, inh, sim.FixedProbabilityConnector(0.1, rng=rng), sim.StaticSynapse(weight=0.01, delay=1.0))
    sim.Projection(inh, exc, sim.FixedProbabilityConnector(0.3, rng=rng), sim.StaticSynapse(weight=-0.5),
                   receptor_type="inhibitory")
    return stim, exc, inh


def test_reset_and_rerun_give_identical_spikes():
    stim, exc, inh = balanced_net()
    (exc + inh).record("spikes")
    sim.run(200.0)
    sim.reset()
    sim.run(50.0)
    sim.run(150.0)
    for pop in (exc, inh):
        segs = pop.get_data("spikes").segments
        assert len(segs) == 2
        first, second = ([np.asarray(s.magnitude) for s in seg.spiketrains] for seg in segs)
        assert sum(map(len, first)) > 0
        assert all(np.array_equal(x, y) for x, y in zip(first, second))


def test_spike_counts_and_write_data_agree_with_the_spike_trains(tmp_path):
    stim, exc, inh = balanced_net()
    exc.record("spikes")
    exc[0:3].record("v")
    sim.run(100.0)
    counts = exc.get_spike_counts()
    trains = exc.get_data("spikes").segments[0].spiketrains
    assert [counts[st.annotations["channel_id"]] for st in trains] == [len(st) for st in trains]
    assert exc.mean_spike_count() == pytest.approx(np.mean([len(st) for st in trains]))
    path = str(tmp_path / "exc.pkl")
    exc.write_data(path)
    block = neo.io.PickleIO(filename=path).read_block()
    assert sum(len(st) for st in block.segments[0].spiketrains) == sum(counts.values())
    assert block.segments[0].analogsignals[0].shape == (1001, 3)


def test_procedural_api_and_state_queries():
    cells = sim.create(sim.IF_curr_exp, {"i_offset": 1.0, "tau_refrac": 2.0}, n=3)
    src = sim.create(sim.SpikeSourceArray, {"spike_times": [1.0, 2.0]}, n=2)
    prj = sim.connect(src, cells, weight=0.5, delay=1.0, receptor_type="excitatory", p=1.0)
    assert len(prj) == 6
    sim.record("spikes", cells, str(tempfile.mktemp(suffix=".pkl")))
    assert sim.run_until(25.0) == pytest.approx(25.0)
    assert sim.get_current_time() == pytest.approx(25.0)
    assert sim.get_time_step() == DT and sim.num_processes() == 1 and sim.rank() == 0
    assert sum(cells.get_spike_counts().values()) > 0


def test_parameters_get_set_and_initialize():
    pop = sim.Population(4, sim.IF_cond_exp(tau_m=15.0))
    assert pop.get("tau_m") == 15.0
    pop.set(i_offset=np.array([0.0, 0.1, 0.2, 0.3]))
    np.testing.assert_allclose(pop.get("i_offset"), [0.0, 0.1, 0.2, 0.3])
    pop[1:3].set(i_offset=0.5)
    np.testing.assert_allclose(pop.get("i_offset"), [0.0, 0.5, 0.5, 0.3])
    rng = NumpyRNG(seed=2)
    pop.initialize(v=RandomDistribution("uniform", (-70.0, -60.0), rng=rng))
    expected = NumpyRNG(seed=2).uniform(-70.0, -60.0, size=4)
    pop.record("v")
    sim.run(1.0)
    first = np.asarray(pop.get_data("v").segments[0].analogsignals[0].magnitude)[0]
    np.testing.assert_allclose(first, expected)


def test_i_offset_changes_between_runs_of_a_clock_driven_population():
    pop = sim.Population(1, sim.IF_curr_exp(**LIF))
    pop.annotate(spikeworm_update="clock")
    pop.initialize(v=LIF["v_reset"])
    pop.record("spikes")
    sim.run(100.0)
    assert len(spike_times(pop)[0]) == 0
    pop.set(i_offset=0.9)
    sim.run(100.0)
    t = spike_times(pop)[0]
    ri, v0 = 0.9 * LIF["tau_m"] / LIF["cm"], LIF["v_rest"] + (LIF["v_reset"] - LIF["v_rest"]) * math.exp(-100.0 / LIF["tau_m"])
    first = 100.0 + LIF["tau_m"] * math.log((ri + LIF["v_rest"] - v0) / (ri + LIF["v_rest"] - LIF["v_thresh"]))
    check_train(t, first, analytic_isi(0.9, LIF), 200.0)


def test_views_and_assemblies_connect_and_record():
    p = sim.Population(10, sim.IF_curr_exp(i_offset=1.0, tau_refrac=2.0))
    q = sim.Population(5, sim.IF_curr_exp())
    both = p + q
    prj = sim.Projection(p[0:2], both, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1),
                         receptor_type="excitatory")
    assert len(prj) == 2 * 15
    both.record("spikes")
    sim.run(50.0)
    assert both.get_spike_counts()[p[0]] > 0


# --- what is refused, naming what ------------------------------------------------------------

def test_unknown_parameters_are_refused_by_name():
    with pytest.raises(errors.NonExistentParameterError, match="tau_foo"):
        sim.IF_curr_exp(tau_foo=1.0)


def test_bad_delays_and_weights_are_refused_by_name():
    a, b = sim.Population(2, sim.SpikeSourceArray()), sim.Population(2, sim.IF_curr_exp())
    with pytest.raises(errors.ConnectionError, match="delay"):
        sim.Projection(a, b, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1, delay=-1.0))
    with pytest.raises(errors.ConnectionError, match="delay"):
        sim.Projection(a, b, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1, delay=0.04))
    with pytest.raises(errors.ConnectionError, match="weight"):
        sim.Projection(a, b, sim.AllToAllConnector(), sim.StaticSynapse(weight=float("nan")))


def test_models_and_features_spikeworm_lacks_are_refused_by_name():
    with pytest.raises(errors.NoModelAvailableError, match="lif is a discrete Euler"):
        sim.IF_curr_delta()
    with pytest.raises(errors.NoModelAvailableError, match="HH_cond_exp"):
        sim.HH_cond_exp()
    with pytest.raises(errors.NoModelAvailableError, match="TsodyksMarkramSynapse"):
        sim.TsodyksMarkramSynapse()
    with pytest.raises(errors.NoModelAvailableError, match="spikeworm's synapses are static"):
        sim.STDPMechanism(timing_dependence=sim.SpikePairRule(), weight_dependence=sim.AdditiveWeightDependence())
    with pytest.raises(NotImplementedError, match="tau_m"):
        sim.Population(3, sim.IF_curr_exp(tau_m=RandomDistribution("uniform", (10.0, 20.0))))


def test_changing_the_network_after_a_run_needs_reset():
    pop = sim.Population(2, sim.IF_curr_exp())
    sim.run(1.0)
    pop.set(i_offset=0.5)  # a lazily updated population keeps its current during a run
    with pytest.raises(NotImplementedError, match="i_offset"):
        sim.run(1.0)
    sim.reset()
    sim.run(1.0)
    with pytest.raises(NotImplementedError, match="tau_m"):
        pop.set(tau_m=10.0)
    sim.reset()
    pop.set(tau_m=10.0)
    sim.run(1.0)
    assert pop.get("tau_m") == 10.0


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))


def balanced_run(build):
    """balanced_net with v recorded and initialised after its projections, built in mode `build`; returns
    (spike trains, v, builds before run, builds after run)."""
    sim.setup(timestep=DT, min_delay=DT, rng_seeds_seed=7, build=build)
    stim, exc, inh = balanced_net()
    exc.record(["spikes", "v"])
    inh.record("spikes")
    inh.initialize(v=-55.0)
    before = sim.simulator.state.builds
    sim.run(100.0)
    after = sim.simulator.state.builds
    seg = exc.get_data().segments[-1]
    return [np.asarray(s.magnitude) for s in seg.spiketrains], np.asarray(seg.analogsignals[0].magnitude), \
        before, after


def test_build_modes_give_identical_results_and_build_when_they_say():
    trains, v, before, after = balanced_run("run")
    assert (before, after) == (0, 1)  # at the first run
    assert sum(map(len, trains)) > 0
    for mode in ("auto", "eager"):
        t2, v2, before, after = balanced_run(mode)
        # one build per projection, none at run(): recording and initialize() after the projections replace
        # the built network's populations instead
        assert (before, after) == (4, 4), mode
        assert all(np.array_equal(a, b) for a, b in zip(trains, t2)), mode
        assert np.array_equal(v, v2), mode
    with pytest.raises(ValueError, match="build must be one of auto, eager, run, got 'later'"):
        sim.setup(timestep=DT, build="later")


def test_auto_build_waits_for_run_above_the_eager_size(monkeypatch):
    monkeypatch.setattr(sim.simulator, "EAGER_BUILD_SYNAPSES", 300)
    stim, exc, inh = balanced_net()  # about 800 + 200 + 160 + 480 synapses
    assert sim.simulator.state.builds == 0
    sim.run(10.0)
    assert sim.simulator.state.builds == 1


def test_changing_synapses_after_an_eager_build_rebuilds_at_run():
    counts = {}
    for mode in ("run", "auto"):
        sim.setup(timestep=DT, min_delay=DT, rng_seeds_seed=7, build=mode)
        stim, exc, inh = balanced_net()
        built = sim.simulator.state.builds
        prj = sim.Projection(exc, exc, sim.OneToOneConnector(), sim.StaticSynapse(weight=20.0, delay=1.0))
        assert sim.simulator.state.builds == built + (mode == "auto")
        prj.set(weight=0.0)  # after the eager build: the network must be built again before it runs
        exc.record("spikes")
        sim.run(100.0)
        assert sim.simulator.state.builds == built + 1 + (mode == "auto")
        counts[mode] = exc.get_spike_counts()
    assert counts["auto"] == counts["run"] and sum(counts["run"].values()) > 0


def test_neuron_parameters_after_an_eager_build_give_a_freshly_built_networks_spikes():
    counts = {}
    for mode in ("run", "auto"):
        sim.setup(timestep=DT, min_delay=DT, rng_seeds_seed=7, build=mode)
        stim, exc, inh = balanced_net()
        built = sim.simulator.state.builds
        exc.set(v_thresh=-52.0, tau_refrac=3.0)  # no weight depends on these: the synapses stay
        inh.set(tau_m=15.0)  # scales inh's incoming weights: built again
        exc.record("spikes")
        inh.record("spikes")
        sim.run(100.0)
        assert sim.simulator.state.builds == built + 1, mode
        counts[mode] = (exc.get_spike_counts(), inh.get_spike_counts())
    assert counts["auto"] == counts["run"]
    assert sum(counts["run"][0].values()) > 0 and sum(counts["run"][1].values()) > 0
    sim.setup(timestep=DT, min_delay=DT, rng_seeds_seed=7)
    stim, exc, inh = balanced_net()
    built = sim.simulator.state.builds
    exc.set(v_thresh=-52.0)
    sim.run(10.0)
    assert sim.simulator.state.builds == built  # replaced populations, not a new build
