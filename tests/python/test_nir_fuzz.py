"""Bad NIR files (docs/nir.md): one clear error naming the file, the node and the field, and a few hundred
mutations of the fixtures, none of which crashes `spikeworm nir run`. Run: /usr/bin/python3
tests/python/test_nir_fuzz.py (SPIKEWORM_BINARY names the executable; default build/cli/spikeworm)."""
import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_nir_reference import write_nir  # noqa: E402
from test_nir_run import BINARY, BRAILLE, NORSE, ROCKPOOL, TWO_LIF  # noqa: E402


def _mutated(src, dst, how, rng):
    import h5py
    import shutil
    shutil.copy(src, dst)
    if how == "truncate":
        data = open(dst, "rb").read()
        open(dst, "wb").write(data[:int(rng.integers(0, len(data)))])
        return
    if how == "bytes":
        data = bytearray(open(dst, "rb").read())
        for _ in range(int(rng.integers(1, 20))):
            data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
        open(dst, "wb").write(bytes(data))
        return
    with h5py.File(dst, "r+") as f:
        nodes = f["node/nodes"]
        name = sorted(nodes)[int(rng.integers(0, len(nodes)))]
        g = nodes[name]
        keys = sorted(k for k in g if k != "type" and isinstance(g[k], h5py.Dataset))
        if how == "nan" and keys:
            k = keys[int(rng.integers(0, len(keys)))]
            v = np.array(g[k][()], dtype=float)
            v.flat[int(rng.integers(0, v.size))] = [np.nan, np.inf, -np.inf, 1e300, -1.0, 0.0][int(rng.integers(0, 6))]
            del g[k]
            g.create_dataset(k, data=v)
        elif how == "drop" and keys:
            del g[keys[int(rng.integers(0, len(keys)))]]
        elif how == "shape" and keys:
            k = keys[int(rng.integers(0, len(keys)))]
            v = np.ravel(np.array(g[k][()], dtype=float))
            del g[k]
            g.create_dataset(k, data=np.concatenate([v, v[:1]]) if rng.random() < 0.5 else v[: max(0, v.size - 1)])
        elif how == "type":
            del g["type"]
            g.create_dataset("type", data=["Foo", "Conv2d", "LIF", "Affine", "NIRGraph"][int(rng.integers(0, 5))],
                             dtype=h5py.string_dtype())
        elif how == "edge":
            e = f["node/edges"][()].astype(object)
            e[int(rng.integers(0, e.shape[0])), int(rng.integers(0, 2))] = sorted(nodes)[int(rng.integers(0, len(nodes)))]
            del f["node/edges"]
            f["node"].create_dataset("edges", data=e, dtype=h5py.string_dtype())


def test_fuzzed_fixtures_run_or_are_refused_with_exit_2(tmp_path):
    """A few hundred mutations of the fixtures (truncation, bytes, NaN and extreme values, dropped and
    reshaped parameters, other types, rewired edges): every run ends with 0 or one error line and exit 2."""
    rng = np.random.default_rng(99)
    fixtures = [BRAILLE, TWO_LIF, NORSE, ROCKPOOL]
    hows = ["truncate", "bytes", "nan", "drop", "shape", "type", "edge"]
    counts = {0: 0, 2: 0}
    for k in range(300):
        src = fixtures[k % len(fixtures)]
        how = hows[int(rng.integers(0, len(hows)))]
        dst = tmp_path / f"m{k}.nir"
        _mutated(src, dst, how, rng)
        width = 12 if src == BRAILLE else 1
        np.save(tmp_path / "in.npy", (rng.random((50, width)) < 0.3).astype(float))
        p = subprocess.run([BINARY, "nir", "run", str(dst), "--input", str(tmp_path / "in.npy"), "--dt", "1e-4",
                            "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=60)
        assert p.returncode in (0, 2), (k, how, p.returncode, p.stderr)
        if p.returncode == 2:
            lines = p.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("spikeworm: error: ") and "m%d.nir" % k in lines[0], \
                (how, p.stderr)
        counts[p.returncode] += 1
    assert counts[0] > 20 and counts[2] > 100, counts


def test_bad_files_get_one_error_naming_the_node_and_the_field(tmp_path):
    import h5py
    import shutil
    cases = []
    bad = tmp_path / "nan.nir"
    shutil.copy(BRAILLE, bad)
    with h5py.File(bad, "r+") as f:
        v = f["node/nodes/lif2/tau_mem"][()].astype(float)
        v[3] = np.nan
        del f["node/nodes/lif2/tau_mem"]
        f["node/nodes/lif2"].create_dataset("tau_mem", data=v)
    cases.append((bad, ["'lif2' (CubaLIF)", "'tau_mem'", "nan"]))
    bad = tmp_path / "missing.nir"
    shutil.copy(BRAILLE, bad)
    with h5py.File(bad, "r+") as f:
        del f["node/nodes/lif1.lif/v_threshold"]
    cases.append((bad, ["lif1.lif", "v_threshold"]))
    bad = tmp_path / "shape.nir"
    shutil.copy(BRAILLE, bad)
    with h5py.File(bad, "r+") as f:
        w = f["node/nodes/fc2/weight"][()]
        del f["node/nodes/fc2/weight"]
        f["node/nodes/fc2"].create_dataset("weight", data=w[:, :30])
    cases.append((bad, ["fc2"]))
    bad = tmp_path / "unknown.nir"
    shutil.copy(BRAILLE, bad)
    with h5py.File(bad, "r+") as f:
        del f["node/nodes/fc2/type"]
        f["node/nodes/fc2"].create_dataset("type", data="Sigmoid", dtype=h5py.string_dtype())
    cases.append((bad, ["'fc2'", "Sigmoid"]))
    bad = tmp_path / "huge.nir"  # a few bytes on disk that declare 80 GB of weights
    shutil.copy(BRAILLE, bad)
    with h5py.File(bad, "r+") as f:
        del f["node/nodes/fc2/weight"]
        f["node/nodes/fc2"].create_dataset("weight", shape=(100000, 100000), dtype="f8", chunks=(100, 100))
    cases.append((bad, ["huge.nir", "/node/nodes/fc2/weight", "100000 x 100000", "1024 MiB"]))
    loop = write_nir(tmp_path / "loop.nir", {
        "in": ("Input", dict(shape=[1])), "a": ("Linear", dict(weight=[[1.0]])), "b": ("Linear", dict(weight=[[0.5]])),
        "lif": ("LIF", dict(tau=[1e-3], r=[1.0], v_leak=[0.0], v_threshold=[1.0], v_reset=[0.0])),
        "out": ("Output", dict(shape=[1]))},
        [("in", "a"), ("a", "b"), ("b", "a"), ("a", "lif"), ("lif", "out")])
    cases.append((loop, ["cycle through linear nodes only"]))
    trunc = tmp_path / "trunc.nir"
    trunc.write_bytes(open(BRAILLE, "rb").read()[:3000])
    cases.append((trunc, ["trunc.nir"]))
    np.save(tmp_path / "in.npy", np.zeros((5, 12)))
    np.save(tmp_path / "in1.npy", np.zeros((5, 1)))
    for path, words in cases:
        inp = tmp_path / ("in1.npy" if path == loop else "in.npy")
        p = subprocess.run([BINARY, "nir", "run", str(path), "--input", str(inp), "--dt", "1e-4", "--out",
                            str(tmp_path / "o")], capture_output=True, text=True)
        assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, (path, p.stderr)
        for w in words:
            assert w in p.stderr, (path, w, p.stderr)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
