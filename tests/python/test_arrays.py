"""Networks from numpy arrays, state probes and inputs during a run, through the spikeworm module
(docs/python.md). Run by ctest (python.arrays_*) with PYTHONPATH=BUILD/python; exit 77 skips without pytest."""
import os
import subprocess
import sys

try:
    import numpy as np
    import pytest
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)

import spikeworm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CUBA = os.path.join(ROOT, "configs", "cuba.toml")
BINARY = os.environ.get("SPIKEWORM_BINARY", os.path.join(ROOT, "build", "cli", "spikeworm"))
CUBA_PARAMS = dict(tau_m=20.0, tau_e=5.0, tau_i=10.0, v_th=-50.0, v_reset=-60.0, e_l=-49.0, t_ref=5.0)


def cuba_from_arrays(net, engine):
    """configs/cuba.toml rebuilt from the arrays of its own synapses and initial membranes."""
    c = net.connections()
    v0 = net.initial_state("v")
    pops = net.populations()
    populations = [dict(name=p["name"], model="cuba_lif", size=p["size"], params=CUBA_PARAMS,
                        init_v=v0[p["first"]:p["first"] + p["size"]]) for p in pops]
    projections = []
    for s in pops:
        for t in pops:
            m = ((c["sources"] >= s["first"]) & (c["sources"] < s["first"] + s["size"])
                 & (c["targets"] >= t["first"]) & (c["targets"] < t["first"] + t["size"]))
            order = np.random.default_rng(1).permutation(int(m.sum()))  # any order: rows are sorted by target
            projections.append(dict(source=s["name"], target=t["name"], sources=(c["sources"][m] - s["first"])[order],
                                    targets=(c["targets"][m] - t["first"])[order], weights=c["weights"][m][order],
                                    delays=c["delays"][m][order].astype(np.int64),
                                    receptor="excitatory" if s["name"] == "exc" else "inhibitory"))
    return spikeworm.Network.from_arrays(populations, projections, dt_ms=0.1, seed=1, engine=engine, threads=2)


@pytest.mark.parametrize("engine", ["event", "clock"])
def test_cuba_built_from_arrays_gives_the_config_raster_digest(engine):
    net = spikeworm.Network(CUBA, engine=engine, threads=1)
    arrays = cuba_from_arrays(net, engine)
    assert arrays.synapses == net.synapses > 300000
    for n in (net, arrays):
        n.run(300.0)
    assert net.counters()["spikes"] > 3000
    assert arrays.counters()["raster_digest"] == net.counters()["raster_digest"]
    out = subprocess.run([BINARY, "simulate", CUBA, "--duration", "0.3", "--engine", engine, "-q"],
                         capture_output=True, text=True, check=True).stdout
    cli = next(line.split()[-1] for line in out.splitlines() if line.startswith("spike raster digest"))
    assert arrays.counters()["raster_digest"] == cli


def one_neuron(record, engine="event", **extra):
    return spikeworm.Network.from_arrays(
        [dict(name="in", model="spike_source", size=2),
         dict(name="n", model="cuba_lif", size=3, update="clock", init_v=np.array([-60.0, -55.0, -52.0]),
              params=dict(tau_m=10.0, tau_e=2.0, tau_i=4.0, v_th=-50.0, v_reset=-65.0, e_l=-60.0, t_ref=2.0),
              record=record, **extra)],
        [dict(source="in", target="n", sources=[0, 1], targets=[0, 0], weights=[3.0, -2.0], delays=[4, 2],
              receptor="excitatory"),
         dict(source="in", target="n", sources=[1], targets=[1], weights=[-5.0], delays=[1], receptor="inhibitory")],
        dt_ms=0.1, engine=engine)


@pytest.mark.parametrize("engine", ["event", "clock"])
def test_traces_equal_hand_computed_steps(engine):
    """An input at step 10 with delay 4 joins ge at step 14; the membrane follows the exact propagators."""
    net = one_neuron(dict(variables=["v", "ge", "gi"], neurons=[0, 1], interval=0.1), engine)
    net.add_inputs([10, 20], [0, 1])
    net.run(3.0)
    tr = {t["variable"]: t for t in net.traces()}
    assert set(tr) == {"v", "ge", "gi"}
    for t in tr.values():
        assert t["values"].shape == (30, 2) and t["interval"] == 1 and list(t["neurons"]) == [2, 3]
    dt, tm, te, ti = 0.1, 10.0, 2.0, 4.0
    am, be, bi = np.exp(-dt / tm), np.exp(-dt / te), np.exp(-dt / ti)
    v, ge, gi = np.array([-60.0, -55.0]), np.zeros(2), np.zeros(2)
    for step in range(1, 31):
        ge[0] += 3.0 if step == 14 else 0.0
        ge[0] += -2.0 if step == 22 else 0.0  # receptor excitatory: a negative weight still joins ge
        gi[1] += -5.0 if step == 21 else 0.0
        # docs/models.md: exact integration of tau_m v' = (e_l - v) + ge + gi over one step
        ke, ki = te / (te - tm) * (be - am), ti / (ti - tm) * (bi - am)
        v = -60.0 + (v + 60.0) * am + ge * ke + gi * ki
        ge, gi = ge * be, gi * bi
        assert np.allclose(tr["v"]["values"][step - 1], v, rtol=1e-13, atol=0), step
        assert np.allclose(tr["ge"]["values"][step - 1], ge, rtol=1e-13, atol=0), step
        assert np.allclose(tr["gi"]["values"][step - 1], gi, rtol=1e-13, atol=0), step
    assert tr["ge"]["values"][12, 0] == 0.0 and tr["ge"]["values"][13, 0] == pytest.approx(3.0 * be)


def test_traces_and_spikes_are_read_only_views_kept_alive_after_the_network():
    net = one_neuron(dict(variables=["v"], neurons="all", interval=0.5))
    net.set_currents([0, 0, 30.0, 30.0, 30.0])
    net.run(20.0)
    values = net.traces()[0]["values"]
    times, ids = net.spikes()
    assert values.shape == (40, 3) and values.base is not None and not values.flags.writeable
    assert len(ids) > 3 and ids.base is not None and not ids.flags.writeable
    with pytest.raises(ValueError):
        values[0, 0] = 1.0
    again = net.traces()[0]["values"]
    assert np.shares_memory(values, again), "a second read of the same run is the same buffer"
    net.run(10.0)  # a second run: the two parts are joined on the next read
    joined = net.traces()[0]["values"]
    assert joined.shape == (60, 3) and np.array_equal(joined[:40], values)
    kept = values.copy()
    del net
    assert np.array_equal(values, kept) and ids.max() >= 2


def test_currents_change_during_a_run_and_reset_forgets_inputs():
    net = one_neuron(None)
    net.run(5.0)
    assert len(net.spikes()[1]) == 0
    net.set_currents([0, 0, 25.0, 0, 0])
    net.run(10.0)
    t, i = net.spikes()
    # v* = -35 mV from -60: v_k = -35 - 25 a^k > -50 first at k = ceil(ln(15/25) / ln a), a = exp(-0.01)
    k = int(np.ceil(np.log(15.0 / 25.0) / -0.01))
    assert t[0] == pytest.approx(5.0 + k * 0.1) and i[0] == 2
    net.reset()
    net.run(10.0)
    assert len(net.spikes()[1]) == 0, "reset() restores the populations' own currents"


def test_lazy_population_refuses_a_current_change():
    net = spikeworm.Network.from_arrays([dict(name="n", model="cuba_lif", size=2, update="event")])
    with pytest.raises(spikeworm.Error, match="updated lazily"):
        net.set_currents([1.0, 0.0])


@pytest.mark.parametrize("change, match", [
    (dict(sources=[0, 2]), r"projections\[0\]\['sources'\]\[1\] = 2 is outside \[0, 1\]"),
    (dict(delays=[0, 1]), r"projections\[0\]\['delays'\]\[0\] = 0 is outside \[1, 32767\]"),
    (dict(delays=[-3, 1]), r"projections\[0\]\['delays'\]\[0\] = -3"),
    (dict(weights=[1.0, np.nan]), r"projections\[0\]\['weights'\]\[1\] = nan is not finite"),
    (dict(weights=[1.0, 2.0, 3.0]), r"projections\[0\]\['weights'\]: 3 values, expected 2"),
    (dict(targets=[[0], [1]]), r"projections\[0\]\['targets'\]: expected a 1-d array"),
    (dict(sources=[0.0, 1.0]), r"projections\[0\]\['sources'\]: expected an array of integers"),
    (dict(receptor="gaba"), r"projections\[0\]\['receptor'\]"),
    (dict(target="nowhere"), r"projections\[0\]\['target'\]: unknown population 'nowhere'"),
    (dict(extra=1), r"projections\[0\]: unknown key 'extra'"),
])
def test_bad_arrays_raise_naming_the_argument(change, match):
    p = dict(source="a", target="b", sources=[0, 1], targets=[1, 0], weights=[1.0, 2.0], delays=[1, 2])
    p.update(change)
    pops = [dict(name="a", model="spike_source", size=2), dict(name="b", model="cuba_lif", size=2)]
    with pytest.raises((ValueError, TypeError), match=match):
        spikeworm.Network.from_arrays(pops, [p])


def test_bad_populations_and_inputs_raise_naming_the_argument():
    with pytest.raises(ValueError, match=r"populations\[0\]\['init_v'\]: 3 values, expected 2"):
        spikeworm.Network.from_arrays([dict(name="a", model="cuba_lif", size=2, init_v=[1, 2, 3])])
    with pytest.raises(ValueError, match=r"populations\[0\]\['current'\]\[1\] = inf"):
        spikeworm.Network.from_arrays([dict(name="a", model="cuba_lif", size=2, current=[0, np.inf])])
    with pytest.raises(spikeworm.ConfigError, match="tau_q"):
        spikeworm.Network.from_arrays([dict(name="a", model="cuba_lif", size=2, params=dict(tau_q=1.0))])
    with pytest.raises(ValueError, match="populations\\[0\\]: unknown key 'sise'"):
        spikeworm.Network.from_arrays([dict(name="a", model="cuba_lif", sise=2)])
    net = one_neuron(None)
    net.run(1.0)
    with pytest.raises(spikeworm.Error, match="at step 10 already"):
        net.add_inputs([5], [0])
    with pytest.raises(spikeworm.Error, match="not a spike_source"):
        net.add_inputs([50], [3])
    with pytest.raises(ValueError, match="ids: 1 values, expected 2"):
        net.add_inputs([50, 60], [0])
    with pytest.raises(ValueError, match="currents: 2 values, expected 5"):
        net.set_currents([0.0, 1.0])
    net.run(1.0)  # still usable
    assert net.time_ms == pytest.approx(2.0)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))


@pytest.mark.parametrize("engine", ["event", "clock"])
def test_set_populations_runs_as_a_network_built_with_them(engine):
    record = dict(spikes=True, variables=["v", "ge"], neurons=[0, 1, 2], interval=0.2)
    fresh = one_neuron(record, engine)
    reused = one_neuron({"spikes": True}, engine, current=np.array([1.0, 2.0, 3.0]))
    want = [dict(name="in", model="spike_source", size=2),
            dict(name="n", model="cuba_lif", size=3, update="clock", init_v=np.array([-60.0, -55.0, -52.0]),
                 params=dict(tau_m=10.0, tau_e=2.0, tau_i=4.0, v_th=-50.0, v_reset=-65.0, e_l=-60.0, t_ref=2.0),
                 record=record)]
    reused.run(3.0)
    reused.set_populations(want)
    assert reused.time_ms == 0.0 and reused.spikes()[0].size == 0
    for net in (fresh, reused):
        net.add_inputs([5, 9, 30], [0, 1, 0])
        net.set_currents([0.0, 0.0, 0.0, 6.0, 0.0])
        net.run(20.0)
    assert np.array_equal(fresh.spikes()[0], reused.spikes()[0]) and fresh.spikes()[0].size > 0
    for a, b in zip(fresh.traces(), reused.traces()):
        assert np.array_equal(a["values"], b["values"])
    bad = [dict(p) for p in want]
    bad[1]["model"] = "coba_lif"
    bad[1]["params"] = {}
    with pytest.raises(spikeworm.Error, match="population 'n': its model cannot change"):
        reused.set_populations(bad)
    reused.reset()
    reused.run(1.0)  # still usable
