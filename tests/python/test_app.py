"""spikeworm.eval, energy, sweep, deploy and map against the CLI on the same inputs (docs/python.md).
Run by ctest (python.app_functions_match_the_cli) with PYTHONPATH=BUILD/python and SPIKEWORM_BINARY; exit 77
skips without pytest. The CLI's JSON files are the oracle: each function's figures must equal them."""
import json
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
BINARY = os.environ.get("SPIKEWORM_BINARY", os.path.join(ROOT, "build", "cli", "spikeworm"))
# Wall-clock figures: the only ones that differ between two runs of the same work.
WALL = {"seconds", "seconds_per_decision"}

AGENT = ('[env]\nkind = "static"\npreset = "medium"\n[brain]\ntype = "spiking"\nhidden = 16\nlayers = 2\n'
         'steps = 12\n[train]\nepisodes = 4\nsessions = 2\nseed = 3\n')


def cli(*args):
    """Runs the CLI (a list argv, no shell); its stdout. A failure shows its stderr."""
    env = {k: v for k, v in os.environ.items() if k != "SPIKEWORM_QUICK"}
    r = subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    return r.stdout


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def without(d, keys):
    """d without `keys` at any depth."""
    if isinstance(d, dict):
        return {k: without(v, keys) for k, v in d.items() if k not in keys}
    if isinstance(d, list):
        return [without(v, keys) for v in d]
    return d


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A trained run folder of two tiny spiking agents."""
    tmp = tmp_path_factory.mktemp("run")
    cfg = tmp / "agent.toml"
    cfg.write_text(AGENT)
    spikeworm.train(cfg, out=tmp / "run", final_eval=0, threads=2)
    return tmp / "run"


def small_net():
    return {"simulation": {"dt": 1.0, "seed": 3, "duration": 0.2},
            "population": [{"name": "in", "size": 20, "model": "poisson", "params": {"rate": 50.0}},
                           {"name": "out", "size": 5, "model": "lif", "params": {"v_th": 0.5}}],
            "projection": [{"source": "in", "target": "out", "rule": "all_to_all", "weight": 0.2}]}


def test_eval_equals_the_cli_and_its_episode_arrays_add_up(run, tmp_path):
    seen = []
    r = spikeworm.eval(run, episodes=3, threads=2, out=tmp_path / "py.json", progress=lambda d, t: seen.append((d, t)))
    cli("eval", run, "--episodes", 3, "--threads", 1, "--out", tmp_path / "cli.json", "-q")
    want = without(load(tmp_path / "cli.json"), WALL)
    got = without({k: v for k, v in r.items() if k not in ("per_episode", "firing_rate_hz", "written")}, WALL)
    assert got == want
    assert without(load(tmp_path / "py.json"), WALL) == want and r["written"] == str(tmp_path / "py.json")
    assert seen and seen[-1] == (2, 2) and all(t == 2 for _, t in seen)
    for policy in ("greedy", "sampled"):
        e = r["per_episode"][policy]
        assert e["success"].shape == e["steps"].shape == e["returns"].shape == (2, 3)
        assert e["success"].dtype == np.bool_ and e["returns"].dtype == np.float64
        assert list(e["success"].sum(axis=1)) == [a[policy]["successes"] for a in r["per_agent"]]
        assert list(e["foods"].sum(axis=1)) == [a[policy]["foods"] for a in r["per_agent"]]
        assert np.array_equal(e["success"], e["end"] == "success")
        if e["success"].any():
            assert e["steps"][e["success"]].mean() == pytest.approx(r[policy]["mean_steps_success"], rel=1e-12)
    assert r["per_episode"]["greedy"]["returns"].mean() == pytest.approx(r["mean_reward"], rel=1e-12)
    assert len(r["firing_rate_hz"]) == 2 and np.allclose(r["firing_rate_hz"], [l["firing_rate_hz"] for l in r["layer"]])


def test_eval_of_one_weights_file_with_one_policy(run, tmp_path):
    w = run / "weights" / "session_1.bin"
    r = spikeworm.eval(w, episodes=2, policy="sampled", engine="dense", out=tmp_path / "py.json")
    cli("eval", w, "--episodes", 2, "--policy", "sampled", "--engine", "dense", "--out", tmp_path / "cli.json", "-q")
    assert without(load(tmp_path / "py.json"), WALL) == without(load(tmp_path / "cli.json"), WALL)
    assert list(r["per_episode"]) == ["sampled"] and r["per_episode"]["sampled"]["steps"].shape == (1, 2)


def test_eval_takes_the_config_as_a_dict(run, tmp_path):
    import tomllib

    with open(run / "config.toml", "rb") as f:
        cfg = tomllib.load(f)
    a = spikeworm.eval(run, episodes=2, policy="greedy", config=cfg, out=tmp_path / "a.json")
    b = spikeworm.eval(run, episodes=2, policy="greedy", out=tmp_path / "b.json")
    assert without(load(tmp_path / "a.json"), WALL) == without(load(tmp_path / "b.json"), WALL)
    assert np.array_equal(a["per_episode"]["greedy"]["returns"], b["per_episode"]["greedy"]["returns"])
    cfg["brain"]["hidden"] = 17  # not the shape of the weights
    with pytest.raises(spikeworm.Error):
        spikeworm.eval(run, episodes=1, config=cfg, out=tmp_path / "c.json")


def test_energy_equals_the_cli_on_every_table(run, tmp_path):
    seen = []
    r = spikeworm.energy(run, tables=["cmos45_fp32", "loihi"], episodes=2, out=tmp_path / "py",
                         progress=lambda d, t: seen.append((d, t)))
    cli("energy", run, "--table", "cmos45_fp32", "--table", "loihi", "--episodes", 2, "--out", tmp_path / "cli",
        "--no-plot", "-q")
    want = load(tmp_path / "cli" / "energy.json")
    assert list(r["tables"]) == ["cmos45_fp32", "loihi"]
    assert [r["tables"][t["table"]] for t in want["tables"]] == want["tables"]
    assert r["neurobench"] == want["neurobench"] and r["success_rate"] == want["success_rate"]
    assert load(tmp_path / "py" / "energy.json")["tables"] == want["tables"]
    assert r["evaluated"] is not None and r["evaluated"]["written"] == str(tmp_path / "py" / "eval.json")
    assert seen[-1] == (2, 2)
    # The eval.json made is reused: no evaluation, the same figures.
    again = spikeworm.energy(run, tables="loihi", out=tmp_path / "py")
    assert again["evaluated"] is None and again["tables"]["loihi"] == r["tables"]["loihi"]


def crossover_reference(table_file, chip=None):
    """docs/energy.md's equations of a spiking layer and a dense layer, in numpy, from the table files:
    (ratio of spiking to dense energy [steps, widths, rates], widths, steps, rates) on the default grid."""
    import tomllib
    with open(table_file, "rb") as f:
        host = tomllib.load(f)
    sop, upd = host["sop_pj"], host["neuron_update_pj"]
    if chip is not None:
        with open(chip, "rb") as f:
            c = tomllib.load(f)
        sop, upd = c["synop_pj"], c["update_pj"]
    wb, sb = host["weight_bits"], host["state_bits"]
    sizes, reads = np.log(host["sram_bytes"]), np.log(host["sram_read_64bit_pj"])

    def read(nbytes):  # a 64-bit read, log-log between the listed sizes, the end figures beyond them
        return np.exp(np.interp(np.log(nbytes), sizes, reads))

    widths = np.array([64, 128, 256, 512, 1024, 2048, 4096], dtype=float)
    steps = np.array([1, 2, 5, 10, 25, 50, 100], dtype=float)
    rates = 0.001 * 300.0 ** (np.arange(25) / 24.0)
    n = widths[None, :, None]
    t = steps[:, None, None]
    p = rates[None, None, :]
    sops = p * n * t * n
    if chip is None:
        updates = n * t * (1 - (1 - p) ** n)
        memory = sops * wb / 64 * read(n * n * wb / 8) + updates * 2 * sb / 64 * read(n * sb / 8)
    else:
        updates = n * t + 0 * p
        memory = 0
    spiking = sops * sop + updates * upd + memory
    dense = n * n * host["mac_pj"] + n * n * wb / 64 * read(n * n * wb / 8)
    return spiking / dense, widths, steps, rates


def test_crossover_equals_the_cli_and_a_numpy_reference_of_the_equations(run, tmp_path):
    r = spikeworm.crossover(run, tables=["cmos45_fp32", "cmos45_int8", "loihi"], episodes=2, out=tmp_path / "py")
    cli("energy", run, "--crossover", "--table", "cmos45_fp32", "--table", "cmos45_int8", "--table", "loihi",
        "--episodes", 2, "--out", tmp_path / "cli", "--no-plot", "-q")
    want = load(tmp_path / "cli" / "crossover.json")
    assert load(tmp_path / "py" / "crossover.json") == want
    code = {"never": np.nan, "always": np.inf}
    for t in want["tables"]:
        got = r["tables"][t["id"]]
        be = np.array([[code.get(x, x) for x in row] for row in t["breakeven_rate"]], dtype=float)
        np.testing.assert_array_equal(got["breakeven_rate"], be)
        np.testing.assert_array_equal(got["energy_ratio"], np.array(t["energy_ratio"]))
    # The equations of docs/energy.md written again in numpy: equal to rounding (1e-12 relative).
    configs = os.path.join(ROOT, "configs")
    for tid, ref in (("cmos45_fp32", crossover_reference(os.path.join(configs, "energy", "cmos45_fp32.toml"))),
                     ("cmos45_int8", crossover_reference(os.path.join(configs, "energy", "cmos45_int8.toml"))),
                     ("loihi", crossover_reference(os.path.join(configs, "energy", "cmos45_fp32.toml"),
                                                   os.path.join(configs, "chips", "loihi.toml")))):
        ratio, widths, steps, rates = ref
        np.testing.assert_allclose(r["tables"][tid]["energy_ratio"], ratio, rtol=1e-12, err_msg=tid)
        np.testing.assert_array_equal(r["widths"], widths)
        np.testing.assert_array_equal(r["steps"], steps)
        np.testing.assert_allclose(r["rates"], rates, rtol=1e-14)
        # Along each row the break-even separates the ratios below 1 from those above.
        be = r["tables"][tid]["breakeven_rate"]
        for s in range(len(steps)):
            for w in range(len(widths)):
                below = ratio[s, w] < 1
                if np.isnan(be[s, w]):
                    assert not below.any(), (tid, s, w)
                else:
                    assert (below == (rates < be[s, w])).all(), (tid, s, w)
    # The run's two layers: one point (L1 -> L2) at L1's measured rate, width 16, 12 steps.
    ev = load(tmp_path / "py" / "eval.json")
    assert [p["label"] for p in r["points"]] == [f"{run} L1->L2"]
    p = r["points"][0]
    assert (p["width"], p["steps"]) == (16, 12) and p["rate"] == ev["layer"][0]["firing_rate"]
    assert [p["energy_ratio"][t["id"]] for t in want["tables"]] == want["points"][0]["energy_ratio"]
    # Without a run: the map alone, in the output folder.
    alone = spikeworm.crossover(tables="loihi", out=tmp_path / "alone")
    assert alone["points"] == [] and alone["evaluated"] is None
    np.testing.assert_array_equal(alone["tables"]["loihi"]["energy_ratio"], r["tables"]["loihi"]["energy_ratio"])


def test_deploy_equals_the_cli(run, tmp_path):
    seen = []
    r = spikeworm.deploy(run, "loihi", episodes=2, out=tmp_path / "py.json", progress=lambda d, t: seen.append((d, t)))
    cli("deploy", run, "--chip", "loihi", "--episodes", 2, "--out", tmp_path / "cli.json", "--no-plot", "-q")
    want = load(tmp_path / "cli.json")
    assert r["chips"]["loihi"] == want == load(tmp_path / "py.json")
    assert r["session"] == want["selection"]["session"] and r["selected"]
    assert seen[-1] == (4, 4) and [d for d, _ in seen] == [1, 2, 3, 4]
    two = spikeworm.deploy(run, ["loihi", "truenorth"], episodes=1, session=1, out=tmp_path / "two" / "x.json")
    assert sorted(two["written"]) == ["loihi", "truenorth"] and two["session"] == 1 and not two["selected"]
    assert os.path.exists(tmp_path / "two" / "deploy_truenorth.json")


def test_map_equals_the_cli_from_a_file_and_a_dict(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(spikeworm.to_toml(small_net()))
    seen = []
    r = spikeworm.map(path, ["loihi", "spinnaker"], duration=0.1, out=tmp_path / "py",
                      progress=lambda d, t: seen.append((d, t)))
    cli("map", path, "--chip", "loihi", "--chip", "spinnaker", "--duration", 0.1, "--out", tmp_path / "cli", "-q")
    for chip in ("loihi", "spinnaker"):
        want = load(tmp_path / "cli" / f"map_{chip}.json")
        assert r["chips"][chip] == want == load(tmp_path / "py" / f"map_{chip}.json")
    assert r["neurons"] == 25 and r["synapses"] == 100 and seen[-1] == (100, 100)
    d = spikeworm.map(small_net(), "loihi", duration=0.1)
    assert d["written"] == {} and d["config"] == "<dict>"
    assert without(d["chips"]["loihi"], {"config"}) == without(r["chips"]["loihi"], {"config"})


def test_sweep_equals_the_cli(tmp_path):
    cfg = tmp_path / "base.toml"
    cfg.write_text(AGENT)
    seen = []
    args = dict(sessions=1, episodes=3, eval_episodes=2, threads=1)
    r = spikeworm.sweep(cfg, {"brain.hidden": [8, 12]}, out=tmp_path / "py", progress=lambda d, t: seen.append((d, t)),
                        **args)
    cli("sweep", cfg, "--set", "brain.hidden=8,12", "--out", tmp_path / "cli", "--sessions", 1, "--episodes", 3,
        "--eval-episodes", 2, "--threads", 1, "--no-plot", "-q")
    want = load(tmp_path / "cli" / "sweep.json")
    assert r["axes"] == {"brain.hidden": ["8", "12"]} and r["tables"] == ["cmos45_fp32", "loihi"]
    rows = [{k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in p.items()} for p in r["points"]]
    assert rows == want["points"] and len(rows) == 2
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)
    cheap = {t: r["cheapest"][t]["greedy"] for t in r["tables"]}
    for t in r["tables"]:
        ok = [p for p in want["points"] if p["eval_success"] >= 0.9]
        best = min(ok, key=lambda p: p["energy_pj"][t])["point"] if ok else None
        assert cheap[t] == best


def test_bad_inputs_raise_the_library_errors(run, tmp_path):
    with pytest.raises(spikeworm.Error, match="no such run folder"):
        spikeworm.eval(tmp_path / "missing")
    with pytest.raises(ValueError, match="engine"):
        spikeworm.eval(run, engine="warp")
    with pytest.raises(ValueError, match="episodes"):
        spikeworm.eval(run, episodes=0)
    with pytest.raises(TypeError, match="progress"):
        spikeworm.eval(run, progress=3)
    with pytest.raises(spikeworm.Error, match="nope"):
        spikeworm.energy(run, tables=["nope"], out=tmp_path / "e")
    with pytest.raises(spikeworm.Error, match="not a training run folder"):
        spikeworm.energy(run / "weights" / "session_0.bin")
    with pytest.raises(spikeworm.Error, match="nochip"):
        spikeworm.deploy(run, "nochip", episodes=1)
    with pytest.raises(spikeworm.Error, match="session"):
        spikeworm.deploy(run, "loihi", episodes=1, session=5)
    with pytest.raises(ValueError, match="chips"):
        spikeworm.deploy(run, [], episodes=1)
    bad = small_net()
    bad["population"][1]["sise"] = 3
    with pytest.raises(spikeworm.ConfigError, match="unknown key"):
        spikeworm.map(bad, "loihi")
    with pytest.raises(ValueError, match="duration"):
        spikeworm.map(small_net(), "loihi", duration=float("nan"))
    cfg = tmp_path / "base.toml"
    cfg.write_text(AGENT)
    with pytest.raises(spikeworm.Error):
        spikeworm.sweep(cfg, ["brain.nokey=1,2"], out=tmp_path / "s", episodes=1, sessions=1)
    with pytest.raises(TypeError, match="sets"):
        spikeworm.sweep(cfg, 3)


def test_an_exception_in_progress_is_raised_after_the_work(run, tmp_path):
    def stop(done, total):
        raise KeyError("stop here")

    with pytest.raises(KeyError, match="stop here"):
        spikeworm.eval(run, episodes=1, out=tmp_path / "e.json", progress=stop)
    with pytest.raises(KeyError, match="stop here"):
        spikeworm.map(small_net(), "loihi", duration=0.05, progress=stop)


def test_every_python_block_of_docs_python_md_runs(tmp_path):
    """The blocks of docs/python.md, in order in one interpreter, from a folder that has the repository's configs
    (but those of its PyNN section: python.pynn_* runs the PyNN backend)."""
    import re

    text = open(os.path.join(ROOT, "docs", "python.md"), encoding="utf-8").read()
    sections = re.split(r"^(?=## )", text, flags=re.M)
    text = "".join(s for s in sections if not s.startswith("## PyNN"))
    blocks = re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)
    assert len(blocks) >= 5
    os.symlink(os.path.join(ROOT, "configs"), tmp_path / "configs")
    (tmp_path / "blocks.py").write_text("\n".join(blocks))
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.path.dirname(os.path.dirname(spikeworm.__file__)))
    r = subprocess.run([sys.executable, "blocks.py"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "raster.png").exists() and (tmp_path / "runs" / "first" / "eval.json").exists()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
