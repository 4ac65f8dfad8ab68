#!/usr/bin/python3
"""spikeworm simulate's HDF5 recordings read back with h5py (docs/recording.md): spikes.h5 holds the spikes of
spikes.csv of the same run in NIR's EventData layout, traces.h5 the sampled state in TimeGriddedData layout,
equal for both engines and to hand-computed values. Usage: test_recording.py SPIKEWORM_BINARY. Exits 77
(skipped) without h5py or numpy."""
import csv
import os
import subprocess
import sys
import tempfile

try:
    import h5py
    import numpy as np
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

CONFIG = """
[simulation]
dt = 0.1
units = "ms"
duration = 0.2
seed = 4
[[population]]
name = "exc"
size = 80
model = "cuba_lif"
init = { v = { dist = "uniform", low = -60.0, high = -50.0 } }
record = { variables = ["v", "ge", "gi"], neurons = [3, 0, 79], interval = 0.5 }
[[population]]
name = "inh"
size = 20
model = "cuba_lif"
update = "event"
init = { v = { dist = "uniform", low = -60.0, high = -50.0 } }
record = { variables = ["v"], neurons = "all" }
[[population]]
name = "quiet"
size = 5
model = "poisson"
params = { rate = 100.0 }
record = { spikes = false }
[[population]]
name = "hand"
size = 1
model = "lif"
params = { tau_m = 0.2, v_th = 0.4 }
current = 0.25
record = { variables = ["v"], interval = 0.2 }
[[projection]]
source = "exc"
target = "exc"
rule = "fixed_probability"
p = 0.1
weight = 1.62
[[projection]]
source = "exc"
target = "inh"
rule = "fixed_probability"
p = 0.1
weight = 1.62
[[projection]]
source = "inh"
target = "exc"
rule = "fixed_probability"
p = 0.1
weight = -9.0
receptor = "inhibitory"
[[projection]]
source = "quiet"
target = "inh"
rule = "all_to_all"
weight = 0.5
"""
STEPS = 2000
DT_S = 1e-4


def simulate(binary, folder, engine):
    config = os.path.join(folder, "net.toml")
    with open(config, "w") as f:
        f.write(CONFIG)
    out = os.path.join(folder, engine)
    subprocess.run([binary, "simulate", config, "--out", out, "--engine", engine, "--spike-format", "both", "-q"],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def check_spikes(out):
    sizes = {"exc": 80, "inh": 20, "hand": 1}
    first = {"exc": 0, "inh": 80, "quiet": 100, "hand": 105}
    from_csv = {name: [] for name in sizes}
    with open(os.path.join(out, "spikes.csv")) as f:
        for row in csv.DictReader(f):
            assert row["population"] != "quiet", "record.spikes = false population in spikes.csv"
            from_csv[row["population"]].append((int(row["step"]), int(row["neuron"]) - first[row["population"]]))
    with h5py.File(os.path.join(out, "spikes.h5"), "r") as f:
        assert f.attrs["__type__"] == "NIRGraphData"
        assert sorted(f["nodes"].keys()) == sorted(sizes), list(f["nodes"].keys())
        total = 0
        for name, n in sizes.items():
            node = f["nodes"][name]
            assert node.attrs["__type__"] == "NIRNodeData"
            g = node["observables"]["spikes"]
            assert g.attrs["__type__"] == "EventData"
            assert int(g.attrs["n_neurons"]) == n
            assert abs(float(g.attrs["t_max"]) - STEPS * DT_S) < 1e-12
            idx, time = g["idx"][()], g["time"][()]
            assert idx.shape == time.shape and idx.ndim == 2 and idx.shape[0] == 1
            assert idx.dtype == np.int32 and time.dtype == np.float64
            steps = np.rint(time[0] / DT_S).astype(np.int64)
            np.testing.assert_allclose(time[0], steps * DT_S, rtol=1e-12)
            assert list(zip(steps.tolist(), idx[0].tolist())) == from_csv[name], name
            total += idx.shape[1]
        assert total > 100, total
    assert from_csv["hand"] == [(s, 0) for s in range(3, STEPS + 1, 3)]


def read_traces(out):
    traces = {}
    with h5py.File(os.path.join(out, "traces.h5"), "r") as f:
        assert f.attrs["__type__"] == "NIRGraphData"
        for pop, node in f["nodes"].items():
            assert node.attrs["__type__"] == "NIRNodeData"
            for var, g in node["observables"].items():
                assert g.attrs["__type__"] == "TimeGriddedData"
                traces[pop, var] = (g["data"][()], g["idx"][()], float(g.attrs["dt"]), g.attrs["unit"])
    return traces


def check_traces(event, clock):
    assert sorted(event) == sorted([("exc", "v"), ("exc", "ge"), ("exc", "gi"), ("inh", "v"), ("hand", "v")])
    shapes = {"exc": (1, STEPS // 5, 3), "inh": (1, STEPS, 20), "hand": (1, STEPS // 2, 1)}
    dts = {"exc": 5 * DT_S, "inh": DT_S, "hand": 2 * DT_S}
    for key, (data, idx, dt, unit) in event.items():
        pop = key[0]
        assert data.shape == shapes[pop], (key, data.shape)
        assert data.dtype == np.float64
        assert abs(dt - dts[pop]) < 1e-15, (key, dt)
        assert unit == ("1" if pop == "hand" else "mV")
        c = clock[key]
        assert c[0].tobytes() == data.tobytes(), f"{key}: the engines' traces differ"
    np.testing.assert_array_equal(event["exc", "v"][1], [[3, 0, 79]])
    np.testing.assert_array_equal(event["inh", "v"][1], [np.arange(20)])
    # v <- v / 2 + 0.25, reset to 0 at 0.4375 >= 0.4: after steps 2, 4, 6, ...: 0.375, 0.25, 0, repeating
    hand = event["hand", "v"][0][0, :, 0]
    np.testing.assert_array_equal(hand[:6], [0.375, 0.25, 0.0, 0.375, 0.25, 0.0])
    assert np.all(event["exc", "v"][0] <= -50.0) and np.all(event["exc", "v"][0] >= -80.0)
    assert np.any(event["exc", "ge"][0] > 0) and np.any(event["exc", "gi"][0] < 0)


def check_nir_reader(out):
    try:
        import nir
    except ImportError:
        return
    data = nir.read_data(os.path.join(out, "traces.h5"))
    assert data.nodes["exc"].observables["v"].data.shape == (1, STEPS // 5, 3)
    spikes = nir.read_data(os.path.join(out, "spikes.h5"))
    assert spikes.nodes["exc"].observables["spikes"].n_neurons == 80


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test_recording.py SPIKEWORM_BINARY")
    with tempfile.TemporaryDirectory() as tmp:
        ev, ck = simulate(sys.argv[1], tmp, "event"), simulate(sys.argv[1], tmp, "clock")
        check_spikes(ev)
        check_spikes(ck)
        check_traces(read_traces(ev), read_traces(ck))
        check_nir_reader(ev)
    print("recordings: spikes.h5 equals spikes.csv; traces equal across engines and hand-computed values")


if __name__ == "__main__":
    main()
