"""spikeworm simulate over MPI ranks (docs/scaling.md, "Simulation over ranks"): spikes and recorded state are
bit-identical to one process for 1-4 ranks x 1-2 threads; the summary's counters are those of one process; a
killed rank ends every rank within seconds and leaves no finished-looking file.
Run by ctest as /usr/bin/python3 tests/test_mpi_simulate.py SPIKEWORM MPIRUN -k TEST (pytest; exit 77, skipped,
without it)."""
import json
import os
import subprocess
import sys
import time

if __name__ == "__main__":
    import importlib.util
    if not importlib.util.find_spec("pytest") or not importlib.util.find_spec("h5py"):
        print("skipped: needs python3-pytest and python3-h5py")
        sys.exit(77)
    import pytest
    os.environ["SPIKEWORM_BIN"], os.environ["SPIKEWORM_MPIRUN"] = sys.argv[1], sys.argv[2]
    sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", os.path.abspath(__file__)] + sys.argv[3:]))

import h5py  # noqa: E402
import numpy as np  # noqa: E402

from test_mpi import ended, wait_for  # noqa: E402  (the same process checks)

CONFIGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "configs")

# Keys of summary.json that differ between any two runs (times) or describe the ranks and threads.
VARYING = {"build_seconds", "wall_seconds", "write_seconds", "sim_over_wall", "ranks", "threads", "threads_asked"}

RECURRENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "recurrent_delays.toml")


def recurrent_config(tmp_path, seed):
    text = open(RECURRENT).read()
    assert text.count("[simulation]\n") == 1
    config = tmp_path / f"net{seed}.toml"
    config.write_text(text.replace("[simulation]\n", f"[simulation]\nseed = {seed}\n"))
    return str(config)


def simulate(tmp_path, name, config, ranks, threads, *extra):
    out = tmp_path / name
    # --min-neurons-per-thread 0: these networks are small, and the threads asked must really run.
    cmd = [os.environ["SPIKEWORM_BIN"], "simulate", config, "--threads", str(threads), "--min-neurons-per-thread", "0",
           "--out", str(out),
           "--spike-format", "both", "-q", *extra]
    if ranks:  # --bind-to none: each rank's threads may use every core
        cmd = [os.environ["SPIKEWORM_MPIRUN"], "--oversubscribe", "--allow-run-as-root", "--bind-to", "none",
               "-np", str(ranks)] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return out


def summary(d):
    return json.load(open(d / "summary.json"))


def datasets(path):
    """Every dataset of an HDF5 file: {name: (dtype, shape, bytes)}."""
    out = {}
    with h5py.File(path) as f:
        def take(name, obj):
            if isinstance(obj, h5py.Dataset):
                x = obj[()]
                out[name] = (str(x.dtype), np.shape(x), np.asarray(x).tobytes())
        f.visititems(take)
    return out


def assert_identical(one, many, ranks):
    assert (one / "spikes.csv").read_bytes() == (many / "spikes.csv").read_bytes()
    a, b = datasets(one / "spikes.h5"), datasets(many / "spikes.h5")
    assert a and a == b
    sa, sb = summary(one), summary(many)
    assert {k: v for k, v in sa.items() if k not in VARYING} == {k: v for k, v in sb.items() if k not in VARYING}
    if ranks == 1:  # one rank is one process
        assert "ranks" not in sb
        return
    r = sb["ranks"]
    assert r["count"] == ranks and sum(r["neurons"]) == sa["neurons"] and sum(r["synapses"]) == sa["synapses"]
    assert r["epochs"] == sa["steps"] and r["bytes_per_epoch"] > 0


def test_cuba_over_1_to_4_ranks_is_bit_identical_to_one_process(tmp_path):
    config = os.path.join(CONFIGS, "cuba.toml")
    one = simulate(tmp_path, "one", config, 0, 1)
    assert summary(one)["spikes"] > 10000
    for ranks in (1, 2, 3, 4):
        for threads in (1, 2):
            assert_identical(one, simulate(tmp_path, f"r{ranks}t{threads}", config, ranks, threads), ranks)


def cuba_40k_recording_spikes(tmp_path):
    text = open(os.path.join(CONFIGS, "cuba_40k.toml")).read()
    assert text.count("record_spikes = false") == 1
    config = tmp_path / "cuba_40k.toml"
    config.write_text(text.replace("record_spikes = false", "record_spikes = true"))
    return str(config)


def test_cuba_40k_over_1_to_4_ranks_is_bit_identical_to_one_process(tmp_path):
    config = cuba_40k_recording_spikes(tmp_path)
    one = simulate(tmp_path, "one", config, 0, 2, "--duration", "0.1")
    for ranks in (1, 2, 3, 4):
        for threads in (1, 2):
            many = simulate(tmp_path, f"r{ranks}t{threads}", config, ranks, threads, "--duration", "0.1")
            assert_identical(one, many, ranks)


def test_recurrent_network_with_delays_spikes_and_state_are_bit_identical(tmp_path):
    for seed in (5, 23):
        config = recurrent_config(tmp_path, seed)
        one = simulate(tmp_path, f"one{seed}", config, 0, 1)
        assert summary(one)["spikes"] > 300
        for ranks in (2, 3, 4):
            for threads in (1, 2):
                many = simulate(tmp_path, f"s{seed}r{ranks}t{threads}", config, ranks, threads)
                assert_identical(one, many, ranks)
                a, b = datasets(one / "traces.h5"), datasets(many / "traces.h5")
                assert len(a) >= 6
                for n in a:
                    assert a[n] == b[n], f"{n} differs over {ranks} ranks x {threads} threads"


def test_a_rank_killed_mid_run_ends_every_rank_within_10_s_and_leaves_no_finished_file(tmp_path):
    out = tmp_path / "run"
    script = (f"echo $$ > {tmp_path}/pid.$OMPI_COMM_WORLD_RANK; exec {os.environ['SPIKEWORM_BIN']} simulate "
              f"{cuba_40k_recording_spikes(tmp_path)} --duration 60 --spike-format both --out {out}")
    job = subprocess.Popen([os.environ["SPIKEWORM_MPIRUN"], "--oversubscribe", "--allow-run-as-root", "-np", "2",
                            "sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: all((tmp_path / f"pid.{r}").is_file() for r in (0, 1)), 30)
        time.sleep(3)  # built and running: the run takes minutes
        assert job.poll() is None
        pids = [int((tmp_path / f"pid.{r}").read_text()) for r in (0, 1)]
        t0 = time.monotonic()
        os.kill(pids[1], 9)
        wait_for(lambda: all(ended(p) for p in pids), 30)
        elapsed = time.monotonic() - t0
        job.wait(timeout=30)
    finally:
        if job.poll() is None:
            job.kill()
    print(f"killed rank: every rank ended {elapsed:.2f} s after the kill")
    assert elapsed < 10, f"{elapsed:.1f} s"
    assert job.returncode != 0
    left = set(os.listdir(out)) if out.is_dir() else set()
    assert not left & {"spikes.csv", "spikes.h5", "summary.json", "traces.h5"}, sorted(left)


def test_python_simulate_over_2_ranks_with_mpi4py_matches_one_process(tmp_path):
    import importlib.util
    if not importlib.util.find_spec("mpi4py"):
        import pytest
        pytest.skip("needs python3-mpi4py")
    config = os.path.join(CONFIGS, "cuba.toml")
    one = simulate(tmp_path, "one", config, 0, 1)
    module = os.path.join(os.path.dirname(os.path.dirname(os.environ["SPIKEWORM_BIN"])), "python")
    script = tmp_path / "sim.py"
    script.write_text(
        "import json, sys\n"
        "from mpi4py import MPI\n"
        "import spikeworm\n"
        "s = spikeworm.simulate(sys.argv[1], threads=1, out=sys.argv[2], spike_format='both')\n"
        "assert (s['rank'], s['ranks']) == (MPI.COMM_WORLD.Get_rank(), 2), (s['rank'], s['ranks'])\n"
        "json.dump(s, open(sys.argv[2] + f'.{s[\"rank\"]}.json', 'w'))\n")
    out = tmp_path / "py"
    p = subprocess.run([os.environ["SPIKEWORM_MPIRUN"], "--oversubscribe", "--allow-run-as-root", "-np", "2",
                        "/usr/bin/python3", str(script), config, str(out)], capture_output=True, text=True,
                       timeout=300, env=dict(os.environ, PYTHONPATH=module))
    assert p.returncode == 0, p.stderr
    assert_identical(one, out, 2)
    returned = [json.load(open(f"{out}.{r}.json")) for r in (0, 1)]
    assert returned[0]["spikes"] == returned[1]["spikes"] == summary(one)["spikes"]
    assert returned[0]["raster_digest"] == summary(one)["raster_digest"]
