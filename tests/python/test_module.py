"""The spikeworm Python module against the library and the CLI (docs/python.md).
Run by ctest (python.module_*) with PYTHONPATH=BUILD/python and SPIKEWORM_BINARY; exit 77 skips without pytest."""
import os
import signal
import subprocess
import sys
import threading
import time

try:
    import numpy as np
    import pytest
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)

import spikeworm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("SPIKEWORM_BINARY", os.path.join(ROOT, "build", "cli", "spikeworm"))
CUBA = os.path.join(ROOT, "configs", "cuba.toml")


def cli_digest(*args):
    out = subprocess.run([BINARY, "simulate", *args, "-q"], capture_output=True, text=True, check=True).stdout
    return next(line.split()[-1] for line in out.splitlines() if line.startswith("spike raster digest"))


def test_cuba_from_python_gives_the_cli_raster_digest():
    net = spikeworm.Network(CUBA, threads=2)
    net.run(200.0)
    c = net.counters()
    assert c["raster_digest"] == cli_digest(CUBA, "--duration", "0.2", "--threads", "1")
    times, ids = net.spikes()
    assert times.dtype == np.float64 and ids.dtype == np.uint32
    assert len(times) == c["spikes"] == sum(p["spikes"] for p in c["populations"].values())
    assert np.all(np.diff(times) >= 0) and times.max() <= 200.0 and ids.max() < net.size
    assert c["steps"] == 2000 and abs(net.time_ms - 200.0) < 1e-9


def test_run_in_parts_and_reset_repeat_the_same_spikes():
    net = spikeworm.Network(CUBA, threads=1)
    net.run(100.0)
    net.run(50.0)
    first = net.spikes()
    net.reset()
    assert net.time_ms == 0 and len(net.spikes()[0]) == 0
    net.run(150.0)
    again = net.spikes()
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])


def small(rate=50.0):
    return {"simulation": {"dt": 1.0, "seed": 3},
            "population": [{"name": "in", "size": 20, "model": "poisson", "params": {"rate": rate}},
                           {"name": "out", "size": 5, "model": "lif", "params": {"v_th": 0.5}}],
            "projection": [{"source": "in", "target": "out", "rule": "all_to_all", "weight": 0.2}]}


def test_a_dict_config_equals_the_same_file(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(spikeworm.to_toml(small()))
    a, b = spikeworm.Network(small()), spikeworm.Network(path)
    a.run(500.0)
    b.run(500.0)
    assert a.counters() == b.counters() and a.counters()["spikes"] > 0
    assert [p["name"] for p in a.populations()] == ["in", "out"]


def test_config_errors_are_value_errors_with_file_line_and_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[simulation]\ndt = 1.0\n[[population]]\nname = \"a\"\nsise = 3\nmodel = \"lif\"\n")
    with pytest.raises(spikeworm.ConfigError) as e:
        spikeworm.Network(path)
    assert isinstance(e.value, ValueError)
    assert e.value.file == str(path) and e.value.line == 5 and e.value.key == "population[0].sise"
    assert "unknown key" in str(e.value)
    bad = small(rate=float("nan"))
    with pytest.raises(ValueError, match="not a finite number"):
        spikeworm.Network(bad)
    with pytest.raises(spikeworm.Error, match="no such file"):
        spikeworm.Network(tmp_path / "missing.toml")
    with pytest.raises(TypeError):
        spikeworm.Network(3)


def test_train_returns_figures_per_session_and_reports_progress(tmp_path):
    cfg = tmp_path / "s.toml"
    cfg.write_text('[env]\nkind = "static"\npreset = "medium"\n[brain]\ntype = "spiking"\nhidden = 16\n'
                   'layers = 2\nsteps = 12\n[train]\nepisodes = 5\nsessions = 2\nseed = 3\n')
    seen = []
    r = spikeworm.train(cfg, out=tmp_path / "run", final_eval=0, progress=lambda d, t: seen.append((d, t)))
    assert r["sessions"] == 2 and r["episodes"] == 5 and r["failed"] == 0
    assert [s["seed"] for s in r["per_session"]] == [3, 4]
    assert all(0 <= s["success_rate"] <= 1 for s in r["per_session"])
    assert seen[-1] == (10, 10) and len(seen) == 10
    assert (tmp_path / "run" / "weights" / "session_1.bin").exists()
    with pytest.raises(spikeworm.Error, match="not empty"):
        spikeworm.train(cfg, out=tmp_path / "run")


def test_ctrl_c_stops_a_run_cleanly_and_the_network_stays_usable():
    net = spikeworm.Network(CUBA, threads=1)
    threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        net.run(1e6)  # 1000 s of network time: far longer than the test waits
    assert time.monotonic() - start < 20
    stopped = net.time_ms
    assert 0 < stopped < 1e6
    assert len(net.spikes()[0]) == net.counters()["spikes"] > 0, "the spikes of the steps done are kept"
    net.run(10.0)
    assert net.time_ms == pytest.approx(stopped + 10.0)
    whole = spikeworm.Network(CUBA, threads=1)
    whole.run(net.time_ms)
    assert whole.counters()["raster_digest"] == net.counters()["raster_digest"], "as a run without the stop"


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
