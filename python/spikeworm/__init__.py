"""spikeworm for Python: build and run spiking networks, and train navigation agents (docs/python.md).

    import spikeworm
    net = spikeworm.Network("configs/cuba.toml")        # or a dict with the same tables
    net.run(1000.0)                                      # ms, without the GIL; Ctrl-C stops cleanly
    times, ids = net.spikes()                            # numpy arrays
    net.counters()["raster_digest"]                      # the CLI's "spike raster digest"

Errors are spikeworm.ConfigError (a ValueError with .file, .line, .column and .key) for configs, and
spikeworm.Error (a RuntimeError) for everything else the library refuses, with the CLI's messages.
"""
import math
import os

import numpy as _np

from ._spikeworm import ConfigError, Error
from . import _spikeworm

__all__ = ["Network", "train", "to_toml", "ConfigError", "Error"]


def _toml_value(v, where):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"{where}: {v} is not a finite number")
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x, f"{where}[{i}]") for i, x in enumerate(v)) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x, f'{where}.{k}')}" for k, x in v.items()) + " }"
    if hasattr(v, "tolist"):  # numpy scalars and arrays
        return _toml_value(v.tolist(), where)
    raise TypeError(f"{where}: cannot write a {type(v).__name__} into a config")


def to_toml(config):
    """TOML text of a config dict: {"simulation": {...}, "population": [{...}], "projection": [{...}]}."""
    if not isinstance(config, dict):
        raise TypeError(f"config: expected a dict of tables, got {type(config).__name__}")
    lines = []
    for key, value in config.items():
        if isinstance(value, dict):
            lines.append(f"[{key}]")
            lines += [f"{k} = {_toml_value(v, f'{key}.{k}')}" for k, v in value.items()]
        elif isinstance(value, (list, tuple)) and all(isinstance(t, dict) for t in value):
            for i, table in enumerate(value):
                lines.append(f"[[{key}]]")
                lines += [f"{k} = {_toml_value(v, f'{key}[{i}].{k}')}" for k, v in table.items()]
        else:
            lines.append(f"{key} = {_toml_value(value, key)}")
    return "\n".join(lines) + "\n"


class Network(_spikeworm.Network):
    """A network from a TOML file (path) or a dict of its tables, with its engine.

    engine: "event" or "clock" (default: the config's); threads: worker threads (results do not depend on
    them); seed: overrides [simulation] seed.
    """

    def __init__(self, config, engine="", threads=-1, seed=-1):
        if isinstance(config, dict):
            super().__init__(to_toml(config), True, "<dict>", engine, threads, seed)
        elif isinstance(config, (str, os.PathLike)):
            super().__init__(os.fspath(config), False, os.fspath(config), engine, threads, seed)
        else:
            raise TypeError(f"config: expected a path or a dict, got {type(config).__name__}")

    @classmethod
    def from_arrays(cls, populations, projections=(), dt_ms=1.0, seed=1, engine="event", threads=1):
        """A network from populations (dicts) and projections given as arrays of synapses.

        populations: dicts with name, model (lif, cuba_lif, coba_lif, poisson, spike_source), size, and
        optionally params (the model's config keys, ms and mV), init_v / init_ge / init_gi and current (a
        number or one value per neuron), update ("auto", "clock", "event") and record (the config's record
        table: spikes, variables, neurons, interval in ms).
        projections: dicts with source and target (population names), sources and targets (indices within
        them), weights (one per synapse, or a number), delays (steps >= 1, one per synapse or a number) and
        receptor ("excitatory" or "inhibitory"). Synapses keep their given order among equal targets."""
        return _from_arrays(cls, populations, projections, dt_ms, seed, engine, threads)

    def set_currents(self, currents):
        """Injected current per neuron (size self.size; mV for cuba_lif and coba_lif, per step for lif) from
        the next step on. Lazily updated (event-driven) populations refuse a change: give them update="clock"."""
        super().set_currents(_array(currents, "currents", "f", self.size))

    def add_inputs(self, steps, ids):
        """Spikes of spike_source neurons: ids (global) fire at steps (after the current step; step k ends at
        k dt). Forgotten at reset()."""
        s = _range_checked(_array(steps, "steps", "i"), "steps", 1, 2**53)
        i = _range_checked(_array(ids, "ids", "i", s.shape[0]), "ids", 0, self.size - 1)
        super().add_inputs(s.astype(_np.int64), i.astype(_np.uint32))


_POPULATION_KEYS = {"name", "model", "size", "params", "init_v", "init_ge", "init_gi", "current", "update", "record"}
_PROJECTION_KEYS = {"source", "target", "sources", "targets", "weights", "delays", "receptor"}


def _array(value, where, kind, size=None):
    """value as a 1-d numpy array of the dtype kind ('f' numbers, 'i' integers), checked, naming `where`."""
    try:
        a = _np.asarray(value)
    except Exception as e:  # ragged sequences and objects numpy cannot read
        raise TypeError(f"{where}: cannot be read as an array ({e})") from None
    if a.ndim == 0 and size is not None:
        a = _np.full(size, a)
    if a.ndim != 1:
        raise ValueError(f"{where}: expected a 1-d array, got shape {a.shape}")
    if a.dtype.kind == "b" or a.dtype.kind not in ("iu" if kind == "i" else "iuf"):
        raise TypeError(f"{where}: expected an array of {'integers' if kind == 'i' else 'numbers'}, got dtype {a.dtype}")
    if size is not None and a.shape[0] != size:
        raise ValueError(f"{where}: {a.shape[0]} values, expected {size}")
    if kind == "f":
        a = a.astype(_np.float64, copy=False)
        bad = ~_np.isfinite(a)
        if bad.any():
            k = int(_np.argmax(bad))
            raise ValueError(f"{where}[{k}] = {a[k]} is not finite")
    return a


def _range_checked(a, where, low, high):
    if a.size:
        k = int(_np.argmin(a)) if a.min() < low else (int(_np.argmax(a)) if a.max() > high else -1)
        if k >= 0:
            raise ValueError(f"{where}[{k}] = {a[k]} is outside [{low}, {high}]")
    return a


def _population_table(i, p):
    where = f"populations[{i}]"
    if not isinstance(p, dict):
        raise TypeError(f"{where}: expected a dict, got {type(p).__name__}")
    unknown = sorted(set(p) - _POPULATION_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key '{unknown[0]}' (keys: {', '.join(sorted(_POPULATION_KEYS))})")
    for key in ("name", "model", "size"):
        if key not in p:
            raise ValueError(f"{where}: '{key}' is required")
    size = p["size"]
    if isinstance(size, bool) or not isinstance(size, (int, _np.integer)) or size < 1:
        raise ValueError(f"{where}['size']: expected a positive integer, got {size!r}")
    table = {k: p[k] for k in ("name", "model", "size", "params", "update", "record") if p.get(k) is not None}
    if p["model"] == "spike_source" and "params" not in table:
        table["params"] = {"times": []}  # silent until add_inputs
    arrays, init = {}, {}
    for key in ("init_v", "init_ge", "init_gi", "current"):
        if key not in p or p[key] is None:
            continue
        v = p[key]
        if isinstance(v, (int, float, _np.number)) and not isinstance(v, bool):
            if not math.isfinite(float(v)):
                raise ValueError(f"{where}['{key}']: {v} is not finite")
            if key == "current":
                table["current"] = float(v)
            else:
                init[key[5:]] = float(v)
        else:
            arrays[key] = _array(v, f"{where}['{key}']", "f", int(size))
    if init:
        table["init"] = init
    return table, arrays


def _projection_list(j, d, sizes):
    where = f"projections[{j}]"
    if not isinstance(d, dict):
        raise TypeError(f"{where}: expected a dict, got {type(d).__name__}")
    unknown = sorted(set(d) - _PROJECTION_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key '{unknown[0]}' (keys: {', '.join(sorted(_PROJECTION_KEYS))})")
    for key in ("source", "target", "sources", "targets", "weights"):
        if key not in d:
            raise ValueError(f"{where}: '{key}' is required")
    for key in ("source", "target"):
        if not isinstance(d[key], str):
            raise TypeError(f"{where}['{key}']: expected a population name, got {type(d[key]).__name__}")
        if d[key] not in sizes:
            raise ValueError(f"{where}['{key}']: unknown population '{d[key]}' (defined: {', '.join(sizes)})")
    src = _range_checked(_array(d["sources"], f"{where}['sources']", "i"), f"{where}['sources']", 0, sizes[d["source"]] - 1)
    n = src.shape[0]
    tgt = _range_checked(_array(d["targets"], f"{where}['targets']", "i", n), f"{where}['targets']", 0, sizes[d["target"]] - 1)
    w = _array(d["weights"], f"{where}['weights']", "f", n)
    if (_np.abs(w) > 3.4e38).any():
        raise ValueError(f"{where}['weights']: beyond the float32 range the network stores")
    delays = _range_checked(_array(d.get("delays", 1), f"{where}['delays']", "i", n), f"{where}['delays']", 1, 32767)
    receptor = d.get("receptor", "excitatory")
    if receptor not in ("excitatory", "inhibitory"):
        raise ValueError(f"{where}['receptor']: expected 'excitatory' or 'inhibitory', got {receptor!r}")
    return {"source": d["source"], "target": d["target"], "receptor": receptor,
            "sources": src.astype(_np.uint32), "targets": tgt.astype(_np.uint32),
            "weights": w.astype(_np.float32), "delays": delays.astype(_np.uint16)}


def _from_arrays(cls, populations, projections=(), dt_ms=1.0, seed=1, engine="event", threads=1):
    if not isinstance(populations, (list, tuple)) or not populations:
        raise TypeError("populations: expected a non-empty list of dicts")
    if not isinstance(projections, (list, tuple)):
        raise TypeError("projections: expected a list of dicts")
    for name, v in (("dt_ms", dt_ms),):
        if isinstance(v, bool) or not isinstance(v, (int, float, _np.number)) or not math.isfinite(float(v)) or v <= 0:
            raise ValueError(f"{name}: expected a positive finite number, got {v!r}")
    for name, v in (("seed", seed), ("threads", threads)):
        if isinstance(v, bool) or not isinstance(v, (int, _np.integer)) or v < 0:
            raise ValueError(f"{name}: expected a non-negative integer, got {v!r}")
    tables, arrays = zip(*(_population_table(i, p) for i, p in enumerate(populations)))
    sizes = {t["name"]: int(t["size"]) for t in tables if isinstance(t["name"], str)}
    lists = [_projection_list(j, d, sizes) for j, d in enumerate(projections)]
    text = to_toml({"simulation": {"dt": float(dt_ms), "units": "ms", "seed": int(seed)}, "population": list(tables)})
    net = cls.__new__(cls)
    _spikeworm.Network.__init__(net, text, list(arrays), lists, str(engine), int(threads), int(seed))
    return net


def train(config, sessions=0, episodes=0, threads=0, seed=-1, out="", force=False, final_eval=20, progress=None):
    """Train an experiment config ([env], [brain], [train]) into the run folder `out` (default runs/train).

    Returns a dict with the run's figures and one dict per session. progress(done, total) is called after
    every episode (episodes of all sessions)."""
    if progress is not None and not callable(progress):
        raise TypeError("progress: expected a callable(done, total)")
    return _spikeworm.train(os.fspath(config), sessions, episodes, threads, seed, os.fspath(out), force,
                            final_eval, progress)
