"""train, sweep and eval over MPI ranks (docs/scaling.md, "Training, sweeps and evaluation over ranks"): the files
are those of one process, byte for byte, apart from the named wall-time fields; a rank that is killed or fails ends
the whole job within seconds and leaves no finished-looking file.
Run by ctest as /usr/bin/python3 tests/test_mpi.py SPIKEWORM MPIRUN -k TEST (pytest; exit 77, skipped, without it)."""
import csv
import io
import json
import os
import subprocess
import sys
import time

if __name__ == "__main__":
    import importlib.util
    if not importlib.util.find_spec("pytest"):
        print("skipped: needs python3-pytest")
        sys.exit(77)
    import pytest
    os.environ["SPIKEWORM_BIN"], os.environ["SPIKEWORM_MPIRUN"] = sys.argv[1], sys.argv[2]
    sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", os.path.abspath(__file__)] + sys.argv[3:]))

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(HERE, "..", "configs")
TRAIN_CONFIG = os.path.abspath(os.path.join(CONFIGS, "spiking_static_medium.toml"))
SWEEP_CONFIG = os.path.abspath(os.path.join(CONFIGS, "spiking_static_medium_sparse.toml"))

# The fields that hold wall-clock times, and so differ between any two runs (docs/scaling.md): columns of CSV files,
# keys of JSON files (at any depth), and the lines of train.log that print them.
WALL_COLUMNS = {"sessions.csv": {"wall_seconds", "episodes_per_second"}}
WALL_KEYS = {"summary.json": {"wall_seconds"}, "eval.json": {"seconds", "seconds_per_decision"}}
WALL_LINES = {"train.log": ("wall time per session [s]", "episodes per second")}


def spikeworm():
    return os.environ["SPIKEWORM_BIN"]


def mpirun(ranks):
    return [os.environ["SPIKEWORM_MPIRUN"], "--oversubscribe", "--allow-run-as-root", "-np", str(ranks)]


def run(cmd, cwd, **kw):
    env = dict(os.environ, **kw.pop("env", {}))
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=kw.pop("timeout", 120), **kw)


def files_under(root):
    """Every file under root (relative paths), without the folder locks, whose content is a pid."""
    out = set()
    for d, _, names in os.walk(root):
        for n in names:
            if n != ".spikeworm.lock":
                out.add(os.path.relpath(os.path.join(d, n), root))
    return out


def drop_keys(x, keys):
    if isinstance(x, dict):
        return {k: drop_keys(v, keys) for k, v in x.items() if k not in keys}
    if isinstance(x, list):
        return [drop_keys(v, keys) for v in x]
    return x


def comparable(path):
    """The file's bytes, or for a file with wall-clock fields its content without exactly those fields."""
    name = os.path.basename(path)
    data = open(path, "rb").read()
    if name in WALL_COLUMNS:
        rows = list(csv.DictReader(io.StringIO(data.decode())))
        assert rows and WALL_COLUMNS[name] <= set(rows[0]), f"{path}: no column {WALL_COLUMNS[name]}"
        return [{k: v for k, v in r.items() if k not in WALL_COLUMNS[name]} for r in rows]
    if name in WALL_KEYS:
        doc = json.loads(data)
        assert any(k in doc for k in WALL_KEYS[name]), f"{path}: no key {WALL_KEYS[name]}"
        return drop_keys(doc, WALL_KEYS[name])
    if name in WALL_LINES:
        lines = data.decode().splitlines()
        assert any(l.strip().startswith(WALL_LINES[name]) for l in lines), f"{path}: no wall-time lines"
        return [l for l in lines if not l.strip().startswith(WALL_LINES[name])]
    return data


def assert_same_outputs(a, b):
    fa, fb = files_under(a), files_under(b)
    assert fa == fb, f"files only in {a}: {sorted(fa - fb)}; only in {b}: {sorted(fb - fa)}"
    for rel in sorted(fa):
        pa, pb = os.path.join(a, rel), os.path.join(b, rel)
        assert comparable(pa) == comparable(pb), f"{rel} differs between {a} and {b}"
        # A file without wall-clock fields is byte-identical; the comparison above is then over bytes.


def train_args(out, episodes):
    return ["train", TRAIN_CONFIG, "--sessions", "5", "--episodes", str(episodes), "--threads", "2",
            "--final-eval", "5", "--checkpoint-every", "10", "--out", out, "-q"]


def test_train_over_2_and_3_ranks_writes_the_files_of_one_process(tmp_path):
    dirs = {}
    for ranks in (1, 2, 3):
        cwd = tmp_path / f"r{ranks}"
        cwd.mkdir()
        prefix = mpirun(ranks) if ranks > 1 else []
        t0 = time.monotonic()
        p = run(prefix + [spikeworm()] + train_args("run", 25), cwd)
        print(f"train, {ranks} rank(s): {time.monotonic() - t0:.2f} s")
        assert p.returncode == 0, p.stderr
        assert ("5 sessions x 25 episodes" in p.stdout) and p.stdout.count("summary: mean") == 1, p.stdout
        dirs[ranks] = cwd / "run"
    assert_same_outputs(dirs[1], dirs[2])
    assert_same_outputs(dirs[1], dirs[3])


def test_train_resumed_over_2_ranks_writes_the_files_of_one_process_resumed(tmp_path):
    dirs = {}
    for ranks in (1, 2):
        cwd = tmp_path / f"r{ranks}"
        cwd.mkdir()
        prefix = mpirun(ranks) if ranks > 1 else []
        p = run(prefix + [spikeworm()] + train_args("run", 20), cwd)
        assert p.returncode == 0, p.stderr
        p = run(prefix + [spikeworm(), "train", "--resume", "run", "--episodes", "30", "--threads", "2",
                          "--final-eval", "5", "-q"], cwd)
        assert p.returncode == 0, p.stderr
        dirs[ranks] = cwd / "run"
    assert_same_outputs(dirs[1], dirs[2])


def test_sweep_over_2_ranks_writes_the_files_of_one_process(tmp_path):
    # Run twice: the second run reuses every point and only measures it again.
    dirs = {}
    for again in (False, True):
        for ranks in (1, 2):
            cwd = tmp_path / f"r{ranks}"
            cwd.mkdir(exist_ok=True)
            prefix = mpirun(ranks) if ranks > 1 else []
            t0 = time.monotonic()
            p = run(prefix + [spikeworm(), "sweep", SWEEP_CONFIG, "--set", "train.activity_l1=0,30,300",
                              "--sessions", "2", "--episodes", "10", "--eval-episodes", "5", "--threads", "1",
                              "--out", "sw", "--no-plot", "-q"], cwd)
            print(f"sweep{' again' if again else ''}, {ranks} rank(s): {time.monotonic() - t0:.2f} s")
            assert p.returncode == 0, p.stderr
            assert p.stdout.count("wrote sw/{sweep.json") == 1, p.stdout
            dirs[ranks] = cwd / "sw"
        assert {"sweep.json", "sweep.csv", "p002/eval.json", "p002/train.log"} <= files_under(dirs[2])
        assert_same_outputs(dirs[1], dirs[2])


def test_eval_over_2_ranks_writes_the_file_of_one_process(tmp_path):
    run_dir = tmp_path / "trained"
    tmp_path.joinpath("trained").mkdir()
    assert run([spikeworm(), "train", TRAIN_CONFIG, "--sessions", "3", "--episodes", "10", "--final-eval", "0",
                "--out", "run", "-q"], run_dir).returncode == 0
    dirs = {}
    for ranks in (1, 2):
        cwd = tmp_path / f"r{ranks}"
        subprocess.run(["cp", "-r", str(run_dir), str(cwd)], check=True)
        prefix = mpirun(ranks) if ranks > 1 else []
        p = run(prefix + [spikeworm(), "eval", "run", "--episodes", "6", "--threads", "1", "-q"], cwd)
        assert p.returncode == 0, p.stderr
        assert p.stdout.count("wrote run/eval.json") == 1, p.stdout
        dirs[ranks] = cwd / "run"
    assert json.loads((dirs[2] / "eval.json").read_text())["agents"] == 3
    assert_same_outputs(dirs[1], dirs[2])


def test_energy_runs_on_rank_0_alone_with_its_evaluation(tmp_path):
    # energy's evaluation is its own (no other rank takes part): over 2 ranks it ends, and prints once.
    assert run([spikeworm(), "train", TRAIN_CONFIG, "--sessions", "2", "--episodes", "5", "--final-eval", "0",
                "--out", "run", "-q"], tmp_path).returncode == 0
    p = run(mpirun(2) + [spikeworm(), "energy", "run", "--episodes", "3", "--no-plot", "-q"], tmp_path, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("wrote run/eval.json") == 1, p.stdout
    assert json.loads((tmp_path / "run" / "eval.json").read_text())["agents"] == 2
    assert (tmp_path / "run" / "energy.json").is_file()


FINISHED = {"summary.json", "sessions.csv", "episodes.csv"}  # what only a finished run writes


def ended(pid):
    """True when the process is gone or a zombie (ended, not yet reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def launch_with_pids(tmp_path, ranks, inner, env):
    """mpirun of `inner` (a shell command that execs spikeworm) with each rank's pid written to pid.RANK first; the
    seconds from the start until every rank has ended."""
    script = f'echo $$ > {tmp_path}/pid.$OMPI_COMM_WORLD_RANK; {inner}'
    t0 = time.monotonic()
    p = run(mpirun(ranks) + ["sh", "-c", script], tmp_path, env=env, timeout=60)
    pids = [int((tmp_path / f"pid.{r}").read_text()) for r in range(ranks)]
    while not all(ended(pid) for pid in pids) and time.monotonic() - t0 < 30:
        time.sleep(0.05)
    return p, time.monotonic() - t0  # until every rank has ended


def wait_for(condition, seconds):
    t0 = time.monotonic()
    while not condition():
        assert time.monotonic() - t0 < seconds, "timed out"
        time.sleep(0.02)


def test_a_killed_rank_ends_every_rank_within_10_s_and_leaves_no_finished_file(tmp_path):
    # Rank 1 is killed with SIGKILL (as the kernel's out-of-memory killer does) 1 s into 5 sessions x 5000
    # episodes, which would take minutes to finish.
    script = f'echo $$ > {tmp_path}/pid.$OMPI_COMM_WORLD_RANK; exec {spikeworm()} ' + " ".join(train_args("run", 5000))
    job = subprocess.Popen(mpirun(2) + ["sh", "-c", script], cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: all((tmp_path / f"pid.{r}").is_file() for r in (0, 1))
                 and (tmp_path / "run" / "run.json").is_file(), 30)
        time.sleep(1)
        pids = [int((tmp_path / f"pid.{r}").read_text()) for r in (0, 1)]
        t0 = time.monotonic()
        os.kill(pids[1], 9)
        wait_for(lambda: all(ended(pid) for pid in pids), 30)
        elapsed = time.monotonic() - t0
        job.wait(timeout=30)
    finally:
        if job.poll() is None:
            job.kill()
    print(f"killed rank: every rank ended {elapsed:.2f} s after the kill")
    assert elapsed < 10, f"{elapsed:.1f} s"
    assert job.returncode != 0
    left = files_under(tmp_path / "run")
    assert not (left & FINISHED), sorted(left)
    assert not any(f.startswith("weights/session_1") or f.startswith("weights/session_3") for f in left), sorted(left)


def test_a_rank_that_fails_ends_every_rank_with_one_error_within_10_s(tmp_path):
    # Rank 1 alone cannot make its scratch folder (TMPDIR is no folder): it fails while rank 0 trains.
    inner = (f'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then export TMPDIR={tmp_path}/missing; fi; exec {spikeworm()} '
             + " ".join(train_args("run", 5000)))
    p, elapsed = launch_with_pids(tmp_path, 2, inner, {})
    print(f"failing rank: the job ended after {elapsed:.2f} s")
    assert p.returncode == 2, p.stderr
    assert elapsed < 10, f"{elapsed:.1f} s"
    errors = [l for l in p.stderr.splitlines() if l.startswith("spikeworm:")]
    assert len(errors) == 1 and errors[0].startswith("spikeworm: rank 1 of 2: error: ") and "TMPDIR" in errors[0], \
        p.stderr
    assert not (files_under(tmp_path / "run") & FINISHED)


def test_an_error_every_rank_meets_is_printed_once(tmp_path):
    p = run(mpirun(2) + [spikeworm(), "train", str(tmp_path / "missing.toml"), "--out", "run"], tmp_path)
    assert p.returncode == 2
    errors = [l for l in p.stderr.splitlines() if l.startswith("spikeworm:")]
    assert errors == [f"spikeworm: error: {tmp_path / 'missing.toml'}: cannot open for reading"], p.stderr
