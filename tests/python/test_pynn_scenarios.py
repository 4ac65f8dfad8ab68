"""pyNN.spikeworm (docs/python.md#pynn): the time-varying electrodes (ACSource, NoisyCurrentSource) against
the cuba_lif propagators stepped by hand (docs/models.md), and scenarios of the kind PyNN's system tests
run on every backend (a small network recorded and written, recording subsets, clearing, reset, run_until,
connections with offset ids), written here for this backend.
Run by ctest (python.pynn_scenarios_*) with PYTHONPATH=BUILD/python; exit 77 skips without pyNN, neo or pytest."""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pynn_backend import sim  # noqa: E402  (exits 77 without pyNN)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import neo  # noqa: E402
from pyNN.random import NumpyRNG, RandomDistribution  # noqa: E402

DT = 0.1
# below threshold for every current used here: v stays within a few mV of v_rest
SUB = dict(cm=0.5, tau_m=10.0, v_rest=-65.0, v_reset=-70.0, v_thresh=-30.0, tau_refrac=2.0, tau_syn_E=5.0,
           tau_syn_I=5.0)


@pytest.fixture(autouse=True)
def fresh():
    sim.setup(timestep=DT, min_delay=DT, rng_seeds_seed=7)
    yield
    sim.end()


def v_of(pop, segment=-1):
    return np.asarray(pop.get_data("v").segments[segment].analogsignals[0].magnitude)


def stepped_v(v0, currents_na, p):
    """v after every step of cuba_lif without synaptic input: step k relaxes towards v_rest + R I_k with the
    exact propagator exp(-dt/tau_m); currents_na[k-1] is I_k. Returns rows 0 (v0) .. len(currents)."""
    r, a = p["tau_m"] / p["cm"], math.exp(-DT / p["tau_m"])
    v = np.array(v0, dtype=float)
    rows = [v.copy()]
    for i in currents_na:
        target = p["v_rest"] + np.asarray(i) * r
        v = target + (v - target) * a
        rows.append(v.copy())
    return np.array(rows)


def inferred_current(v, p):
    """The injected current [nA] of every step, solved from consecutive samples of v (the inverse of
    stepped_v): row k-1 is I_k."""
    r, a = p["tau_m"] / p["cm"], math.exp(-DT / p["tau_m"])
    return (v[1:] - p["v_rest"] - (v[:-1] - p["v_rest"]) * a) / (1 - a) / r


def ac_reference(steps, amplitude, offset, frequency, phase, start, stop):
    """PyNN's ACSource at time indices `steps` (time s·dt): its phase is taken at start, off outside
    [start, stop)."""
    first, end = round(start / DT), round(stop / DT)
    value = offset + amplitude * np.sin(2 * np.pi * frequency * (steps - first) * DT / 1000.0 + np.deg2rad(phase))
    return np.where((steps >= first) & (steps < end), value, 0.0)


# --- ACSource ------------------------------------------------------------------------------------

def test_ac_source_v_equals_the_hand_stepped_propagators():
    pop = sim.Population(2, sim.IF_curr_exp(**SUB))
    pop.initialize(v=SUB["v_rest"])
    ac = dict(amplitude=0.3, offset=0.1, frequency=70.0, phase=30.0, start=5.0, stop=35.3)
    source = sim.ACSource(**ac)
    source.inject_into(pop[0:1])
    pop.record("v")
    sim.run(12.34)  # runs of any length: the current of every step is the same
    sim.run(20.0 - 12.3)
    source.amplitude = 0.5  # from step 201 on (time index 200)
    ac2 = dict(ac, amplitude=0.5)
    sim.run(30.0)
    v = v_of(pop)
    assert v.shape == (501, 2)
    s = np.arange(500)
    current = np.where(s < 200, ac_reference(s, **ac), ac_reference(s, **ac2))
    expected = stepped_v(SUB["v_rest"], current, SUB)
    np.testing.assert_allclose(v[:, 0], expected, rtol=0, atol=1e-9)
    assert np.all(v[:, 1] == SUB["v_rest"])  # not injected
    # the phase is taken at start: the current of time index 50 (5 ms) is offset + amplitude sin(30°)
    np.testing.assert_allclose(inferred_current(v[:, 0], SUB)[50], 0.1 + 0.3 * 0.5, atol=1e-9)
    assert abs(inferred_current(v[:, 0], SUB)[49]) < 1e-9


def test_ac_source_drives_a_neuron_at_its_frequency():
    # a strong 20 Hz drive above threshold: one burst per period, none before start or after stop
    pop = sim.Population(1, sim.IF_curr_exp(cm=0.5, tau_m=10.0, v_rest=-65.0, v_thresh=-55.0, v_reset=-65.0,
                                            tau_refrac=2.0))
    sim.ACSource(amplitude=2.0, offset=0.0, frequency=20.0, start=100.0, stop=600.0).inject_into(pop)
    pop.record("spikes")
    sim.run(800.0)
    t = np.asarray(pop.get_data("spikes").segments[0].spiketrains[0].magnitude)
    assert t.min() > 100.0 and t.max() <= 600.0 + DT
    phase = ((t - 100.0) % 50.0) / 50.0  # position within each period of 50 ms
    assert np.all(phase < 0.5)  # only while the sine is positive
    bursts = np.unique(((t - 100.0) // 50.0).astype(int))
    np.testing.assert_array_equal(bursts, np.arange(10))


# --- NoisyCurrentSource -----------------------------------------------------------------------

NOISE = dict(mean=0.2, stdev=0.1, start=10.0, stop=210.0, dt=0.5)


def noisy_net(n=20):
    pop = sim.Population(n + 1, sim.IF_curr_exp(**SUB))
    pop.initialize(v=SUB["v_rest"])
    sim.NoisyCurrentSource(**NOISE).inject_into(pop[:n])
    pop.record("v")
    return pop


def test_noisy_current_has_its_mean_stdev_interval_and_window():
    n = 20
    pop = noisy_net(n)
    sim.run(77.7)
    sim.run(250.0 - 77.7)
    v = v_of(pop)
    current = inferred_current(v, SUB)  # (2500 steps, n + 1 cells)
    first, stop, every = 100, 2100, 5
    s = np.arange(current.shape[0])
    off = (s < first) | (s >= stop)
    assert np.abs(current[off]).max() < 1e-9  # nothing before start or from stop on
    assert np.abs(current[:, n]).max() < 1e-9  # the cell without the source
    on = current[first:stop, :n].reshape(-1, every, n)  # (updates, steps per update, cells)
    assert np.abs(on - on[:, :1]).max() < 1e-9  # one value per update of dt = 0.5 ms
    values = on[:, 0, :]  # 400 updates x 20 cells
    assert np.all(np.abs(np.diff(values, axis=0)) > 1e-9)  # a new value at every update
    m = values.size
    assert abs(values.mean() - NOISE["mean"]) < 4 * NOISE["stdev"] / math.sqrt(m)
    assert abs(values.std(ddof=1) - NOISE["stdev"]) < 4 * NOISE["stdev"] / math.sqrt(2 * (m - 1))
    # every cell gets its own noise: the correlation of two cells' values is that of independent samples
    r = np.corrcoef(values.T)[np.triu_indices(n, 1)]
    assert np.abs(r).max() < 5 / math.sqrt(values.shape[0])


def test_noisy_current_repeats_after_reset_and_changes_with_the_seed():
    pop = noisy_net()
    sim.run(250.0)
    first = v_of(pop)
    sim.reset()
    for _ in range(5):
        sim.run(50.0)
    np.testing.assert_array_equal(v_of(pop), first)
    sim.end()
    sim.setup(timestep=DT, min_delay=DT, rng_seeds_seed=8)
    pop = noisy_net()
    sim.run(250.0)
    other = v_of(pop)
    assert np.array_equal(other[:101], first[:101])  # the same until start
    assert np.abs(other - first)[200:2100, :20].min() > 0


def test_noisy_sources_draw_new_values_at_every_update_and_for_every_source():
    pop = sim.Population(3, sim.IF_curr_exp(**SUB))
    pop.initialize(v=SUB["v_rest"])
    sim.NoisyCurrentSource(mean=0.0, stdev=0.5, dt=DT).inject_into(pop[0:1])
    sim.NoisyCurrentSource(mean=0.0, stdev=0.5, dt=DT).inject_into(pop[1:2])  # the same parameters
    pop.record("v")
    sim.run(250.0)  # 2500 updates: more than one chunk of draws
    current = inferred_current(v_of(pop), SUB)
    for i in (0, 1):
        assert np.abs(np.diff(current[:, i])).min() > 1e-9  # a new value at every step
        assert np.abs(current[1000:2000, i] - current[:1000, i]).min() > 1e-9  # the chunks differ
        assert abs(current[:, i].std() - 0.5) < 4 * 0.5 / math.sqrt(2 * current.shape[0])
    assert abs(np.corrcoef(current[:, 0], current[:, 1])[0, 1]) < 4 / math.sqrt(current.shape[0])
    assert np.abs(current[:, 2]).max() < 1e-9


def test_reset_and_rerun_give_identical_spikes_under_ac_and_noisy_currents():
    pop = sim.Population(30, sim.IF_curr_exp(cm=0.5, tau_m=10.0, v_rest=-65.0, v_thresh=-55.0, v_reset=-65.0))
    sim.ACSource(amplitude=0.5, offset=0.4, frequency=13.0).inject_into(pop[:20])
    sim.NoisyCurrentSource(mean=0.5, stdev=1.0, dt=1.0).inject_into(pop[10:])
    pop.record("spikes")
    sim.run(300.0)
    sim.reset()
    sim.run(123.4)
    sim.run(300.0 - 123.4)
    a, b = ([np.asarray(st.magnitude) for st in seg.spiketrains] for seg in pop.get_data("spikes").segments)
    assert sum(map(len, a)) > 100
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_currents_reach_exactly_the_cells_of_a_view_and_an_assembly():
    p = sim.Population(6, sim.IF_curr_exp(**SUB))
    q = sim.Population(4, sim.IF_curr_exp(**SUB))
    p.set(cm=np.array([0.5, 0.25, 0.5, 1.0, 0.5, 2.0]))  # the nA -> mV factor differs from cell to cell
    for pop in (p, q):
        pop.initialize(v=SUB["v_rest"])
        pop.record("v")
    ac = dict(amplitude=0.2, offset=0.05, frequency=40.0, phase=0.0, start=1.0, stop=1e12)
    source = sim.ACSource(**ac)
    source.inject_into(p[[1, 3]])
    source.inject_into(p[1:2])  # twice into p[1]: twice the current
    sim.DCSource(amplitude=0.15, start=2.0, stop=8.0).inject_into(p[4:6] + q[2:3])  # an Assembly of views
    sim.run(10.0)
    s = np.arange(100)
    dc = np.where((s >= 20) & (s < 80), 0.15, 0.0)
    expected = {(p, 1): 2 * ac_reference(s, **ac), (p, 3): ac_reference(s, **ac), (p, 4): dc, (p, 5): dc,
                (q, 2): dc}
    for pop in (p, q):
        v = v_of(pop)
        for i in range(pop.size):
            params = dict(SUB, cm=pop.get("cm")[i] if pop is p else SUB["cm"])
            current = expected.get((pop, i), np.zeros(100))
            np.testing.assert_allclose(v[:, i], stepped_v(SUB["v_rest"], current, params), rtol=0, atol=1e-9,
                                       err_msg=f"{pop.label}[{i}]")


def test_time_varying_sources_refuse_bad_parameters_by_name():
    with pytest.raises(ValueError, match="not a multiple of the time step"):
        sim.NoisyCurrentSource(dt=0.25)
    with pytest.raises(ValueError, match="stdev"):
        sim.NoisyCurrentSource(stdev=-1.0)
    with pytest.raises(ValueError, match="frequency"):
        sim.ACSource(frequency=float("nan"))
    with pytest.raises(TypeError, match="spike source"):
        sim.ACSource().inject_into(sim.Population(1, sim.SpikeSourceArray()))


# --- scenarios of PyNN's system tests, on this backend ------------------------------------------

def test_small_network_records_and_writes_what_it_ran(tmp_path):
    """Three populations (Poisson input, excitatory and inhibitory cells), random connections, spikes of all
    and v of two excitatory cells; the written file holds the same data."""
    params = dict(tau_m=20.0, tau_syn_E=5.0, tau_syn_I=10.0, v_rest=-60.0, v_reset=-60.0, v_thresh=-50.0,
                  cm=1.0, tau_refrac=5.0, e_rev_E=0.0, e_rev_I=-80.0)
    cells = sim.Population(100, sim.IF_cond_exp(**params), label="cells")
    stim = sim.Population(20, sim.SpikeSourcePoisson(rate=100.0, duration=50.0), label="input")
    exc, inh = cells[:80], cells[80:]
    rng = NumpyRNG(seed=98765)
    cells.initialize(v=RandomDistribution("uniform", (-60.0, -50.0), rng=rng))
    for pre, p, w, receptor in ((exc, 0.02, 4e-3, "excitatory"), (inh, 0.02, 51e-3, "inhibitory"),
                                (stim, 0.5, 0.1, "excitatory")):
        sim.Projection(pre, cells, sim.FixedProbabilityConnector(p, rng=rng), sim.StaticSynapse(weight=w, delay=0.2),
                       receptor_type=receptor)
    cells.record("spikes")
    exc[0:2].record("v")
    assert exc[0:2].grandparent is cells
    sim.run(300.0)
    block = cells.get_data()
    seg = block.segments[0]
    trains = seg.spiketrains
    assert len(trains) == 100 and sum(len(st) for st in trains) > 0
    assert all(st.t_stop.magnitude == pytest.approx(300.0) for st in trains)
    stim_counts = stim.get_spike_counts()  # the input is not recorded: get_spike_counts says so per cell
    assert sum(stim_counts.values()) == 0
    (v,) = seg.analogsignals
    assert v.shape == (3001, 2)
    np.testing.assert_array_equal(v.array_annotations["channel_index"], [0, 1])
    assert exc.mean_spike_count() == pytest.approx(np.mean([len(st) for st in trains[:80]]))
    path = str(tmp_path / "cells.pkl")
    cells.write_data(path)
    back = neo.io.PickleIO(filename=path).read_block().segments[0]
    assert [list(st.magnitude) for st in back.spiketrains] == [list(st.magnitude) for st in trains]
    np.testing.assert_array_equal(back.analogsignals[0].magnitude, v.magnitude)


def test_recording_subsets_of_an_assembly_gives_their_columns():
    a = sim.Population(5, sim.IF_cond_exp(i_offset=0.3))
    b = sim.Population(6, sim.IF_cond_exp(i_offset=0.2, tau_m=15.0))
    cells = a + b
    inputs = sim.Population(5, sim.SpikeSourcePoisson(rate=50.0))
    sim.connect(inputs, cells, weight=0.01, delay=0.5, receptor_type="inhibitory", p=1.0)
    sim.connect(inputs, cells, weight=0.01, delay=0.3, receptor_type="excitatory", p=1.0)
    cells.record("v")
    cells[2:9].record(["gsyn_exc", "gsyn_inh"])
    sim.run(100.0)

    def signal(obj, name):
        return obj.get_data().segments[0].filter(name=name)[0]

    for obj, n_v, n_g in ((a, 5, 3), (b, 6, 4), (cells, 11, 7)):
        assert signal(obj, "v").shape == (1001, n_v)
        assert signal(obj, "gsyn_exc").shape == (1001, n_g)
        np.testing.assert_allclose(signal(obj, "v").times.magnitude, np.arange(1001) * DT, atol=1e-9)
    np.testing.assert_array_equal(signal(b, "v").magnitude[:, 3], signal(cells, "v").magnitude[:, 8])
    np.testing.assert_array_equal(signal(a, "gsyn_exc").array_annotations["channel_index"], [2, 3, 4])
    np.testing.assert_array_equal(signal(b, "gsyn_exc").array_annotations["channel_index"], [0, 1, 2, 3])
    np.testing.assert_array_equal(signal(b, "gsyn_inh").magnitude[:, 0], signal(cells, "gsyn_inh").magnitude[:, 3])
    assert signal(b, "gsyn_exc").magnitude.max() > 0
    # the two populations differ (i_offset, tau_m), so a column taken from the wrong one would show it
    assert not np.array_equal(signal(a, "v").magnitude[:, 0], signal(b, "v").magnitude[:, 0])


def test_recording_other_cells_after_reset_gives_a_new_segment_of_those_cells():
    p = sim.Population(7, sim.IF_cond_exp())
    p[3].i_offset = 0.1
    p[4].i_offset = 0.2
    p[3:4].record("v")
    sim.run(10.0)
    sim.reset()
    p.record(None)
    p[4:5].record("v")
    sim.run(10.0)
    segments = p.get_data().segments
    (v0,), (v1,) = (seg.analogsignals for seg in segments)
    assert v0.shape == v1.shape == (101, 1)
    np.testing.assert_array_equal(v0.times, v1.times)
    np.testing.assert_array_equal(v0.array_annotations["channel_index"], [3])
    np.testing.assert_array_equal(v1.array_annotations["channel_index"], [4])
    assert v0[0, 0] == v1[0, 0] == -65.0 * v0.units
    assert not np.any(v0.magnitude[1:, 0] == v1.magnitude[1:, 0])  # i_offset 0.1 against 0.2 nA


def test_sampling_intervals_differ_between_populations():
    p1 = sim.Population(3, sim.IF_cond_exp(i_offset=0.5))
    p2 = sim.Population(4, sim.IF_cond_exp(i_offset=0.5))
    p1.record("v", sampling_interval=1.0)
    p2.record("v", sampling_interval=0.5)
    sim.run(10.0)
    d1, d2 = (p.get_data().segments[0].analogsignals[0] for p in (p1, p2))
    assert d1.sampling_period.magnitude == 1.0 and d1.shape == (11, 3)
    assert d2.sampling_period.magnitude == 0.5 and d2.shape == (21, 4)
    np.testing.assert_array_equal(d1.magnitude, d2.magnitude[::2, :3])  # the same cells, sampled half as often


def test_get_data_with_clear_returns_only_what_followed():
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[0.5, 10.0, 12.3, 1000.0]))
    cell = sim.Population(1, sim.IF_curr_exp(i_offset=0.5))
    src.record("spikes")
    cell.record("v")
    sim.run(10.0)
    spikes0 = src.get_data("spikes", clear=True).segments[0].spiketrains[0]
    v0 = cell.get_data("v", clear=True).segments[0].analogsignals[0]
    sim.run(10.0)
    spikes1 = src.get_data("spikes", clear=True).segments[0].spiketrains[0]
    v1 = cell.get_data("v", clear=True).segments[0].analogsignals[0]
    sim.run(10.0)
    spikes2 = src.get_data("spikes", clear=True).segments[0].spiketrains[0]
    np.testing.assert_allclose(spikes0.magnitude, [0.5, 10.0])
    np.testing.assert_allclose(spikes1.magnitude, [12.3])
    assert spikes2.size == 0
    assert v0.shape == (101, 1) and v1.shape == (101, 1)
    assert v1.t_start.magnitude == pytest.approx(10.0)
    assert v1.magnitude[0, 0] == v0.magnitude[-1, 0]  # the sample at 10 ms starts the second block


def test_repeated_runs_after_reset_repeat_the_recording():
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=[[1.2, 3.8, 9.2], [1.5, 1.9, 2.7, 4.8, 6.8]]))
    post = sim.Population(2, sim.IF_curr_exp())
    post.record("v")
    sim.Projection(src, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.5, delay=0.5))
    for _ in range(3):
        sim.run(10.0)
        sim.reset()
    segments = post.get_data().segments
    assert len(segments) == 3
    first = segments[0].analogsignals[0].magnitude
    assert np.ptp(first) > 1.0  # the synapses acted
    for seg in segments[1:]:
        np.testing.assert_array_equal(seg.analogsignals[0].magnitude, first)


def test_run_until_goes_to_the_nearest_step_and_refuses_the_past():
    sim.Population(1, sim.IF_cond_exp())
    assert sim.run_until(12.7) == pytest.approx(12.7, abs=1e-10)
    assert sim.run_until(12.7) == pytest.approx(12.7, abs=1e-10)
    assert sim.run_until(99.9) == pytest.approx(99.9, abs=1e-10)
    with pytest.raises(ValueError):
        sim.run_until(88.8)
    seen = []
    sim.run_until(120.0, callbacks=[lambda t: (seen.append(t), t + 5.0)[1]])
    np.testing.assert_allclose(seen, [99.9, 104.9, 109.9, 114.9, 119.9, 120.0], atol=1e-9)  # and at the end


def test_connect_between_single_cell_views():
    """A source firing every ms into one conductance-based cell, connected through one-cell views, drives that
    cell and no other (PyNN's backends put its first spike at 13.4 ms, within 0.5 ms)."""
    sim.end()
    sim.setup(timestep=0.01, min_delay=0.01)
    pre = sim.Population(10, sim.SpikeSourceArray(spike_times=range(1, 10)))
    post = sim.Population(10, sim.IF_cond_exp())
    sim.connect(pre[0:1], post[0:1], weight=0.01, delay=0.1, p=1)
    post.record(["spikes", "v"])
    sim.run(100.0)
    trains = post.get_data().segments[0].spiketrains
    assert len(trains[0]) == 1 and abs(float(trains[0][0].magnitude) - 13.4) < 0.5
    assert all(len(st) == 0 for st in trains[1:])


def test_parameters_set_as_lists_and_on_one_cell_populations_are_got_back():
    two = sim.Population(2, sim.SpikeSourcePoisson, {"rate": [5, 6], "start": [1000, 1001], "duration": [1234, 2345]})
    one = sim.Population(1, sim.SpikeSourcePoisson, {"rate": [5], "start": [1000], "duration": 1234})
    np.testing.assert_array_equal(two.get("duration"), [1234, 2345])
    assert one.get(["rate", "start", "duration"]) == [5, 1000, 1234]
    p1, p5 = sim.Population(1, sim.IF_cond_exp()), sim.Population(5, sim.IF_cond_exp())
    for pre, post in ((p1, p5), (p5, p1), (p5, p5)):
        prj = sim.Projection(pre, post, sim.AllToAllConnector())
        prj.set(weight=0.123)
        np.testing.assert_array_equal(prj.get("weight", format="array"), np.full((pre.size, post.size), 0.123))
    weights = np.arange(8.0).reshape(4, 2)
    prj = sim.Projection(sim.Population(4, sim.IF_cond_exp()), sim.Population(2, sim.IF_cond_exp()),
                         sim.FromListConnector([(0, 0), (3, 0), (1, 1), (1, 0), (2, 1)]))
    prj.set(weight=weights, delay=lambda d: 0.5 + d)
    expected = np.where([[1, 0], [1, 1], [0, 1], [1, 0]], weights, np.nan)
    np.testing.assert_array_equal(prj.get("weight", format="array"), expected)
    distance = np.abs(np.arange(4)[:, None] - np.arange(2)[None, :])  # both on PyNN's default line, dx = 1
    np.testing.assert_array_equal(prj.get("delay", format="array"),
                                  np.where(np.isnan(expected), np.nan, 0.5 + distance))


def test_connections_between_populations_after_others_keep_their_ids():
    """Projections between populations that do not start at id 0: FromList connections round-trip through
    get() and reach the network at the right global ids, in its units, with delays of round(d/dt) + 1 steps
    (docs/python.md, "Time steps")."""
    p0 = sim.Population(13, sim.IF_cond_exp())
    p1 = sim.Population(100, sim.IF_cond_exp(cm=0.5, tau_m=10.0))
    p2 = sim.Population(25, sim.IF_curr_exp(cm=0.25, tau_m=20.0))
    rng = np.random.default_rng(4)
    n = 200
    conns = [(int(i), int(j), float(w), float(d)) for i, j, w, d in
             zip(rng.integers(0, 100, n), rng.integers(0, 25, n), rng.uniform(0.01, 1.0, n),
                 np.round(rng.uniform(0.1, 3.0, n), 1))]
    prj = sim.Projection(p1, p2, sim.FromListConnector(conns, column_names=["weight", "delay"]),
                         sim.StaticSynapse(), receptor_type="excitatory")
    assert sorted(prj.get(["weight", "delay"], format="list")) == sorted(conns)
    ddp = sim.Projection(p1, p0, sim.DistanceDependentProbabilityConnector("exp(-d/100)", rng=NumpyRNG(seed=2)))
    ddp.set(weight=RandomDistribution("uniform", (1e-6, 2e-6), rng=NumpyRNG(seed=3)),
            delay=RandomDistribution("uniform", (0.5, 1.0), rng=NumpyRNG(seed=3)))
    w, d = np.array(ddp.get(["weight", "delay"], format="list"))[:, 2:].T
    assert len(ddp) > 0 and w.min() >= 1e-6 and w.max() <= 2e-6 and d.min() >= 0.5 and d.max() <= 1.0
    sim.run(DT)
    c = sim.simulator.state.net.connections()
    got = sorted(zip(np.asarray(c["sources"]).tolist(), np.asarray(c["targets"]).tolist(),
                     np.asarray(c["weights"], dtype=float).tolist(), np.asarray(c["delays"]).tolist()))
    to_p2 = [g for g in got if int(p2.first_id) <= g[1] < int(p2.first_id) + 25]
    expected = sorted((int(p1.first_id) + i, int(p2.first_id) + j, w * 20.0 / 0.25, round(d / DT) + 1)
                      for i, j, w, d in conns)
    assert len(to_p2) == n
    for (gs, gt, gw, gd), (es, et, ew, ed) in zip(to_p2, expected):
        assert (gs, gt, gd) == (es, et, ed)
        assert gw == pytest.approx(ew, rel=1e-6)  # the network stores single precision
    to_p0 = [g for g in got if g[1] < 13]
    assert len(to_p0) == len(ddp) and all(int(p1.first_id) <= g[0] < int(p1.first_id) + 100 for g in to_p0)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
