"""scripts/plot_sim.py's rates, ISIs and CVs against hand-computed values (docs/getting-started.md, "Plots").
Run by ctest as /usr/bin/python3 tests/test_plot_sim.py (or /usr/bin/python3 -m pytest tests/test_plot_sim.py) (numpy only; the PNGs are checked by
test_train's plot.simulate_folder_gets_raster_rates_isi_and_cv)."""
import importlib.util
import json
import math
import os
import sys

if __name__ == "__main__":  # ctest: exit 77 (skipped) without numpy or pytest
    if not all(importlib.util.find_spec(m) for m in ("numpy", "pytest")):
        print("skipped: needs python3-numpy and python3-pytest")
        sys.exit(77)
    import pytest
    sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", os.path.abspath(__file__)]))

import numpy as np  # noqa: E402
import pytest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("plot_sim", os.path.join(HERE, "..", "scripts", "plot_sim.py"))
plot_sim = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot_sim)

# dt = 1 ms, 100 steps (100 ms). Population a: neuron 0 fires every 10 ms (steps 0..90: 10 spikes, 9 ISIs of
# 10 ms, CV 0, 100 Hz); neuron 1 fires at 0, 10, 30 ms (ISIs 10 and 20: mean 15, std 5, CV 1/3).
# Population b: neuron 2 fires once at 50 ms (no ISI); neuron 3 at 5 and 45 ms (one ISI of 40 ms: no CV).
SPIKES = sorted([(s, 0) for s in range(0, 100, 10)] + [(0, 1), (10, 1), (30, 1), (50, 2), (5, 3), (45, 3)])
POPS = [("a", 2), ("b", 2)]


def write_folder(tmp_path, spikes=SPIKES, steps=100, dt=1.0):
    summary = {"dt_ms": dt, "steps": steps, "simulated_seconds": steps * dt * 1e-3,
               "populations": [{"name": n, "neurons": k, "spikes": sum(1 for _, i in spikes if (i >= 2) == (n == "b"))}
                               for n, k in POPS]}
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    lines = ["step,time_ms,neuron,population"]
    lines += [f"{s},{s * dt:g},{i},{'a' if i < 2 else 'b'}" for s, i in spikes]
    (tmp_path / "spikes.csv").write_text("\n".join(lines) + "\n")
    return tmp_path


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 7, 1000])
def test_rates_isis_and_cvs_match_the_hand_computed_values_for_any_chunk_size(tmp_path, chunk_rows):
    _, st = plot_sim.load(str(write_folder(tmp_path)), chunk_rows=chunk_rows)
    np.testing.assert_allclose(st.mean_rate_hz(), [13 / 2 / 0.1, 3 / 2 / 0.1])  # 65 Hz, 15 Hz
    cv = st.cv()
    assert cv[0] == 0.0
    assert cv[1] == pytest.approx(1 / 3, abs=1e-12)
    assert math.isnan(cv[2]) and math.isnan(cv[3])
    assert list(st.isi_n) == [9, 2, 0, 1]
    assert st.mean_isi_ms(0) == pytest.approx((90 + 30) / 11)
    assert st.mean_isi_ms(1) == pytest.approx(40.0)
    assert list(st.cv_of_population(0)) == pytest.approx([0.0, 1 / 3])
    assert st.cv_of_population(1).size == 0


def test_a_regular_10_ms_neuron_has_rate_100_hz_in_every_bin_and_all_isis_in_the_10_ms_bin(tmp_path):
    _, st = plot_sim.load(str(write_folder(tmp_path, spikes=[(s, 0) for s in range(0, 100, 10)])))
    # neuron 1 is silent: population a's rate is half of neuron 0's
    st2 = plot_sim.SpikeStats([("a", 1)], 1.0, 100, bin_steps=20)
    st2.add(np.arange(0, 100, 10), np.zeros(10, dtype=int))
    t0, rates = st2.rates_hz()
    np.testing.assert_allclose(t0, [0, 20, 40, 60, 80])
    np.testing.assert_allclose(rates[0], [100.0] * 5)
    edges, counts = st2.isi_histogram_ms(0)
    assert counts.sum() == 9
    (b,) = np.nonzero(counts)
    assert edges[b[0]] < 10.0 < edges[b[0] + 1]
    assert st2.cv()[0] == 0.0
    assert st.mean_rate_hz()[0] == pytest.approx(50.0)


def test_binned_rates_and_a_short_last_bin(tmp_path):
    st = plot_sim.SpikeStats(POPS, 1.0, 120, bin_steps=50)
    st.add(*zip(*SPIKES))
    t0, rates = st.rates_hz()
    np.testing.assert_allclose(t0, [0, 50, 100])
    # a: 8 spikes in [0, 50), 5 in [50, 100), none after; b: 2 then 1. Per neuron (2 each), per second.
    np.testing.assert_allclose(rates[0], [8 / 2 / 0.05, 5 / 2 / 0.05, 0.0])
    np.testing.assert_allclose(rates[1], [2 / 2 / 0.05, 1 / 2 / 0.05, 0.0])
    st.add([110, 115], [2, 2])  # the last bin is 20 steps wide
    assert st.rates_hz()[1][1][2] == pytest.approx(2 / 2 / 0.02)


def test_spikes_out_of_order_within_a_chunk_give_the_same_isis():
    a = plot_sim.SpikeStats(POPS, 1.0, 100)
    b = plot_sim.SpikeStats(POPS, 1.0, 100)
    a.add(*zip(*SPIKES))
    rev = SPIKES[::-1]
    b.add(*zip(*rev))
    np.testing.assert_array_equal(a.isi_n, b.isi_n)
    np.testing.assert_array_equal(a.isi_hist, b.isi_hist)
    np.testing.assert_allclose(a.cv(), b.cv(), equal_nan=True)


def test_raster_subsample_is_bounded_and_spread_over_each_population():
    # a: 1000 neurons of 100 spikes; the 2000-spike budget, 10/11 of it a's, allows 18 of them, but at
    # least 20 rows; b: 10 neurons, every one shown
    chosen = plot_sim.choose_raster_neurons([1000, 10], [100000, 10], max_points=2000)
    a = chosen[chosen < 1000]
    assert a.size == 20
    assert a[0] == 0 and a[-1] == 999
    assert list(chosen[chosen >= 1000]) == list(range(1000, 1010))
    # rows shared by size: 400k neurons in 320k + 80k, few spikes: 2000 rows, 1600 + 400
    chosen = plot_sim.choose_raster_neurons([320000, 80000], [3200, 800])
    assert (chosen < 320000).sum() == 1600 and (chosen >= 320000).sum() == 400


def test_neurons_outside_the_network_are_an_error():
    st = plot_sim.SpikeStats(POPS, 1.0, 100)
    with pytest.raises(ValueError):
        st.add([1], [4])


def test_the_hdf5_event_data_layout_reads_like_the_csv(tmp_path):
    h5py = pytest.importorskip("h5py")
    write_folder(tmp_path)
    _, csv_stats = plot_sim.load(str(tmp_path))
    os.remove(tmp_path / "spikes.csv")
    with h5py.File(tmp_path / "spikes.h5", "w") as f:
        for p, (name, n) in enumerate(POPS):
            g = f.create_group(f"nodes/{name}/observables/spikes")
            sp = [(s, i - 2 * p) for s, i in SPIKES if (i >= 2) == (p == 1)]
            g.create_dataset("idx", data=np.array([[i for _, i in sp]], dtype=np.int32))
            g.create_dataset("time", data=np.array([[s * 1e-3 for s, _ in sp]]))  # seconds
            g.attrs["n_neurons"] = n
            g.attrs["t_max"] = 0.1
    _, h5_stats = plot_sim.load(str(tmp_path), chunk_rows=2)
    np.testing.assert_array_equal(csv_stats.counts, h5_stats.counts)
    np.testing.assert_array_equal(csv_stats.isi_hist, h5_stats.isi_hist)
    np.testing.assert_allclose(csv_stats.cv(), h5_stats.cv(), equal_nan=True)


def test_traces_are_read_with_times_and_plotted(tmp_path):
    h5py = pytest.importorskip("h5py")
    pytest.importorskip("matplotlib")
    write_folder(tmp_path)
    with h5py.File(tmp_path / "traces.h5", "w") as f:
        g = f.create_group("nodes/a/observables/v")
        g.create_dataset("data", data=np.arange(12, dtype=np.float64).reshape(1, 6, 2))
        g.create_dataset("idx", data=np.array([[0, 1]], dtype=np.int32))
        g.attrs["dt"] = 0.002
        g.attrs["unit"] = "mV"
    traces = plot_sim.read_traces(str(tmp_path / "traces.h5"))
    t, idx, data, unit = traces["a", "v"]
    np.testing.assert_allclose(t, [2, 4, 6, 8, 10, 12])  # row j at (j + 1) dt
    assert list(idx) == [0, 1] and data.shape == (6, 2) and unit == "mV"
    summary, stats = plot_sim.load(str(tmp_path))
    written = plot_sim.plot(str(tmp_path), summary, stats)
    assert os.path.join(str(tmp_path), "plots", "traces.png") in written
