"""spikeworm for Python: build and run spiking networks, and train navigation agents (docs/python.md).

    import spikeworm
    net = spikeworm.Network("configs/cuba.toml")        # or a dict with the same tables
    net.run(1000.0)                                      # ms, without the GIL; Ctrl-C stops cleanly
    times, ids = net.spikes()                            # numpy arrays
    net.counters()["raster_digest"]                      # the CLI's "spike raster digest"
    spikeworm.train("configs/spiking_static_medium.toml", out="runs/py")   # and eval, energy, deploy, sweep, map

Errors are spikeworm.ConfigError (a ValueError with .file, .line, .column and .key) for configs, and
spikeworm.Error (a RuntimeError) for everything else the library refuses, with the CLI's messages.
"""
import math
import numbers
import os
import tempfile

import numpy as _np

from ._spikeworm import ConfigError, Error
from . import _spikeworm

__all__ = ["Network", "simulate", "train", "eval", "energy", "crossover", "sweep", "deploy", "map", "to_toml", "ConfigError", "Error"]


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
        if not isinstance(engine, str):
            raise TypeError(f"engine: expected 'event' or 'clock', got {type(engine).__name__}")
        for name, v in (("threads", threads), ("seed", seed)):
            if isinstance(v, bool) or not isinstance(v, (int, _np.integer)):
                raise TypeError(f"{name}: expected an integer, got {type(v).__name__}")
        threads, seed = int(threads), int(seed)
        if isinstance(config, dict):
            super().__init__(to_toml(config), True, "<dict>", engine, threads, seed)
        elif isinstance(config, (str, os.PathLike)):
            super().__init__(os.fspath(config), False, os.fspath(config), engine, threads, seed)
        else:
            raise TypeError(f"config: expected a path or a dict, got {type(config).__name__}")

    @classmethod
    def from_arrays(cls, populations, projections=(), dt_ms=1.0, seed=1, engine="event", threads=1):
        """A network from populations (dicts) and projections given as arrays of synapses.

        populations: dicts with name, model (lif, cuba_lif, coba_lif, cuba_alpha_lif, coba_alpha_lif, poisson,
        spike_source), size, and
        optionally params (the model's config keys, ms and mV), init_v / init_ge / init_gi and current (a
        number or one value per neuron), update ("auto", "clock", "event") and record (the config's record
        table: spikes, variables, neurons, interval in ms).
        projections: dicts with source and target (population names), sources and targets (indices within
        them), weights (one per synapse, or a number), delays (steps >= 1, one per synapse or a number) and
        receptor ("excitatory" or "inhibitory"). Synapses keep their given order among equal targets."""
        return _from_arrays(cls, populations, projections, dt_ms, seed, engine, threads)

    def set_populations(self, populations):
        """Replace the populations' parameters, currents, initial values and recording, keeping the synapses.

        populations: one dict per population, as for from_arrays, with the same names, models, sizes and update
        modes in the same order. The network goes back to t = 0 (recorded spikes and samples are dropped), as
        a new network built with these populations would start; building the synapses again is what it saves."""
        if not isinstance(populations, (list, tuple)) or not populations:
            raise TypeError("populations: expected a non-empty list of dicts")
        tables, arrays = zip(*(_population_table(i, p) for i, p in enumerate(populations)))
        text = to_toml({"simulation": {"dt": float(self.dt_ms), "units": "ms"}, "population": list(tables)})
        super().set_populations(text, list(arrays))

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
    if not isinstance(engine, str):
        raise TypeError(f"engine: expected 'event' or 'clock', got {type(engine).__name__}")
    tables, arrays = zip(*(_population_table(i, p) for i, p in enumerate(populations)))
    sizes = {t["name"]: int(t["size"]) for t in tables if isinstance(t["name"], str)}
    lists = [_projection_list(j, d, sizes) for j, d in enumerate(projections)]
    text = to_toml({"simulation": {"dt": float(dt_ms), "units": "ms", "seed": int(seed)}, "population": list(tables)})
    net = cls.__new__(cls)
    _spikeworm.Network.__init__(net, text, list(arrays), lists, str(engine), int(threads), int(seed))
    return net


def simulate(config, duration=None, threads=None, seed=None, engine=None, out=None, spike_format=None):
    """Run a network config as `spikeworm simulate` does; returns the summary (summary.json's content) as a dict.

    None keeps the config's value. With `out`, writes spikes.h5/spikes.csv, traces.h5 and summary.json there.
    Under `mpirun -np R python3 script.py` with mpi4py imported (`from mpi4py import MPI`) the network is split
    between the ranks, bit-identical to one process (docs/scaling.md): every rank calls simulate with the same
    arguments and gets the same summary, and rank 0 writes the files. The dict's "rank" and "ranks" say which."""
    config = _path(config, "config")
    duration = -1.0 if duration is None else _float(duration, "duration", 0.0, 1e6)
    threads = -1 if threads is None else _int(threads, "threads", 0, 1024)
    seed = -1 if seed is None else _int(seed, "seed", 0)
    if engine is not None and engine not in ("event", "clock"):
        raise ValueError(f"engine: expected 'event' or 'clock', got {engine!r}")
    if spike_format is not None and spike_format not in ("hdf5", "csv", "both"):
        raise ValueError(f"spike_format: expected 'hdf5', 'csv' or 'both', got {spike_format!r}")
    out = _path(out, "out", empty_ok=True)
    return _spikeworm.simulate(config, duration, threads, seed, engine or "", out, spike_format or "")


def train(config, sessions=0, episodes=0, threads=0, seed=-1, out="", force=False, final_eval=20, progress=None):
    """Train an experiment config ([env], [brain], [train]) into the run folder `out` (default runs/train).

    Returns a dict with the run's figures and one dict per session. progress(done, total) is called after
    every episode (episodes of all sessions)."""
    config = _path(config, "config")
    sessions = _int(sessions, "sessions", 0, 10000)
    episodes = _int(episodes, "episodes", 0, 10000000)
    threads = _int(threads, "threads", 0, 1024)
    seed = _int(seed, "seed", -1)
    out = _path(out, "out", empty_ok=True)
    force = _bool(force, "force")
    final_eval = _int(final_eval, "final_eval", 0, 1000000)
    return _spikeworm.train(config, sessions, episodes, threads, seed, out, force, final_eval, _progress(progress))


# Argument checks of the operations below: a TypeError or ValueError naming the argument, before any work.

def _path(value, name, empty_ok=False):
    if value is None and empty_ok:
        return ""
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name}: expected a path, got {type(value).__name__}")
    text = os.fspath(value)
    if not isinstance(text, str):
        raise TypeError(f"{name}: expected a str path, got {type(text).__name__}")
    if "\0" in text:
        raise ValueError(f"{name}: a path with a NUL character")
    if not text and not empty_ok:
        raise ValueError(f"{name}: an empty path")
    return text


def _int(value, name, lo, hi=2**63 - 1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__}")
    value = int(value)
    if not lo <= value <= hi:
        raise ValueError(f"{name}: must be in [{lo}, {hi}], got {value}")
    return value


def _float(value, name, lo, hi):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    value = float(value)
    if not (lo <= value <= hi):  # also refuses NaN
        raise ValueError(f"{name}: must be in [{lo}, {hi}], got {value}")
    return value


def _bool(value, name):
    if not isinstance(value, bool):
        raise TypeError(f"{name}: expected True or False, got {type(value).__name__}")
    return value


def _choice(value, name, choices):
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {', '.join(choices)}, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(choices)}, got {value!r}")
    return value


def _names(value, name, empty_ok=True):
    """A str or path, or a list/tuple of them, as a list of str."""
    if isinstance(value, (str, os.PathLike)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name}: expected a name or a list of names, got {type(value).__name__}")
    out = [_path(v, f"{name}[{i}]") for i, v in enumerate(value)]
    if not out and not empty_ok:
        raise ValueError(f"{name}: give at least one")
    return out


def _progress(progress):
    if progress is not None and not callable(progress):
        raise TypeError(f"progress: expected a callable(done, total), got {type(progress).__name__}")
    return progress


def _max_memory(value):
    if value is None:
        return ""
    if isinstance(value, str):
        if not value:
            raise ValueError("max_memory: an empty size")
        return value
    return str(_int(value, "max_memory", 1))


def _with_config(config, name, work):
    """work(path): config is a path, a dict (written to a temporary TOML file) or None ("")."""
    if config is None:
        return work("")
    if isinstance(config, dict):
        text = to_toml(config)
        with tempfile.TemporaryDirectory(prefix="spikeworm-") as tmp:
            path = os.path.join(tmp, "config.toml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            return work(path)
    return work(_path(config, name))


def eval(run, engine="event", episodes=100, seed=1000, policy="both", threads=0, config=None, out=None,
         progress=None):
    """`spikeworm eval RUN`: replay every agent of a run folder (or one weights file) with frozen weights.

    engine: "event", "clock" or "dense"; policy: "both", "greedy" or "sampled"; config: the experiment config
    (path or dict; default the run's config.toml); out: the JSON report (default RUN/eval.json).
    Returns eval.json as a dict (the figures `spikeworm eval` prints and writes), with "per_episode":
    {"greedy"/"sampled": {"success", "steps", "returns", "foods", "end"}}, numpy arrays of shape
    (agents, episodes), "firing_rate_hz" per hidden layer and "written". progress(done, total) counts agents.
    """
    run = _path(run, "run")
    engine = _choice(engine, "engine", ("event", "clock", "dense"))
    episodes = _int(episodes, "episodes", 1, 1000000)
    seed = _int(seed, "seed", 0)
    policy = _choice(policy, "policy", ("both", "greedy", "sampled"))
    threads = _int(threads, "threads", 0, 256)
    out = _path(out, "out", empty_ok=True)
    progress = _progress(progress)
    return _with_config(config, "config", lambda cfg: _spikeworm.eval(
        run, engine, episodes, seed, policy, threads, cfg, out, progress))


def energy(run, tables=(), tables_dir=None, reeval=False, episodes=100, out=None, progress=None):
    """`spikeworm energy RUN`: energy per decision and per episode of a run's agents on energy tables.

    tables: table ids or host-table paths (default: every table); reeval: evaluate again even if the run has an
    eval.json (it is made when missing, with `episodes` per agent); out: folder for energy.json (default RUN).
    Returns a dict: "tables" maps each table id to energy.json's report (brain, mlp, ann terms in pJ,
    episode_pj, break-even rates), with "success_rate", "decisions_per_episode", "firing_rate_hz",
    "neurobench", "evaluated" (eval's dict when an evaluation ran, else None) and "written".
    progress(done, total) counts the agents evaluated (not called when eval.json is reused).
    """
    run = _path(run, "run")
    tables = _names(tables, "tables")
    tables_dir = _path(tables_dir, "tables_dir", empty_ok=True)
    reeval = _bool(reeval, "reeval")
    episodes = _int(episodes, "episodes", 1, 1000000)
    out = _path(out, "out", empty_ok=True)
    return _spikeworm.energy(run, tables, tables_dir, reeval, episodes, out, _progress(progress))


def crossover(run=None, tables=(), tables_dir=None, episodes=100, out=None, progress=None):
    """`spikeworm energy --crossover [RUN]`: where spiking pays (docs/energy.md, "Where spiking pays").

    For every energy table (default: all) the input rate (spikes per input per step) below which a spiking layer
    of width x width costs less than the dense layer of the same weights, over widths 64-4096 and 1-100 steps.
    With run, the run's hidden-to-hidden layers are placed on the map at their measured firing rates (the run is
    evaluated first when it has no eval.json, with `episodes` per agent). out: folder for crossover.json (default
    RUN, or the current folder). Returns a dict: "widths", "steps", "rates" (numpy arrays); "tables" maps each
    table id to its "name", "kind", "breakeven_rate" (array [steps, widths]; NaN: never pays, inf: always pays)
    and "energy_ratio" (array [steps, widths, rates]: spiking / dense energy); "points" (one dict per layer of
    the run: "label", "width", "steps", "rate", "energy_ratio" per table), "evaluated" and "written".
    """
    run = _path(run, "run", empty_ok=True)
    tables = _names(tables, "tables")
    tables_dir = _path(tables_dir, "tables_dir", empty_ok=True)
    episodes = _int(episodes, "episodes", 1, 1000000)
    out = _path(out, "out", empty_ok=True)
    return _spikeworm.crossover(run, tables, tables_dir, episodes, out, _progress(progress))


def _sets(sets):
    if isinstance(sets, dict):
        out = []
        for key, values in sets.items():
            if not isinstance(key, str) or not key:
                raise TypeError(f"sets: keys must be dotted config keys (str), got {key!r}")
            if not isinstance(values, (list, tuple)):
                values = [values]
            if not values:
                raise ValueError(f"sets[{key!r}]: no values")
            texts = []
            for i, v in enumerate(values):
                text = v if isinstance(v, str) else _toml_value(v, f"sets[{key!r}][{i}]")
                if "," in text or not text:
                    raise ValueError(f"sets[{key!r}][{i}]: {text!r} cannot be a sweep value (empty or with a comma)")
                texts.append(text)
            out.append(f"{key}={','.join(texts)}")
        return out
    if isinstance(sets, str):
        sets = [sets]
    if not isinstance(sets, (list, tuple)) or not all(isinstance(s, str) for s in sets):
        raise TypeError(f"sets: expected a dict {{key: values}} or a list of 'KEY=V1,V2' strings, got "
                        f"{type(sets).__name__}")
    return list(sets)


def sweep(config, sets, out=None, sessions=0, episodes=0, threads=0, eval_episodes=20, eval_engine="dense",
          tables=(), max_memory=None, progress=None):
    """`spikeworm sweep CONFIG --set ...`: train, evaluate and cost every point of a grid over config keys.

    config: the base experiment config (path, or a dict written to OUT/base.toml); sets: {"brain.hidden":
    [8, 16]} or ["brain.hidden=8,16"]; out: the sweep folder (default runs/sweep; finished points are reused);
    sessions, episodes: per point (0: the config's); tables: energy tables (default cmos45_fp32 and loihi);
    max_memory: bytes or a size such as "512M". Returns a dict: "axes", "tables", "points" (one dict per point,
    as sweep.json), "cheapest" per table and policy, "dir". progress(done, total) counts points.
    """
    sets = _sets(sets)
    if not sets:
        raise ValueError("sets: give at least one key and its values")
    out = _path(out, "out", empty_ok=True)
    sessions = _int(sessions, "sessions", 0, 10000)
    episodes = _int(episodes, "episodes", 0, 10000000)
    threads = _int(threads, "threads", 0, 256)
    eval_episodes = _int(eval_episodes, "eval_episodes", 1, 100000)
    eval_engine = _choice(eval_engine, "eval_engine", ("event", "clock", "dense"))
    tables = _names(tables, "tables")
    max_memory = _max_memory(max_memory)
    progress = _progress(progress)
    if isinstance(config, dict):
        text = to_toml(config)
        folder = out or os.path.join("runs", "sweep")
        os.makedirs(folder, exist_ok=True)
        config = os.path.join(folder, "base.toml")
        with open(config, "w", encoding="utf-8") as f:
            f.write(text)
    config = _path(config, "config")
    return _spikeworm.sweep(config, sets, out, sessions, episodes, threads, eval_episodes, eval_engine, tables,
                            max_memory, progress)


def deploy(run, chips, episodes=100, seed=1000, session=None, partitioner="greedy", chips_dir=None, config=None,
           out=None, progress=None):
    """`spikeworm deploy RUN --chip ...`: map a trained spiking agent onto neuromorphic chips, quantize it and
    run it in fixed point next to the float agent.

    chips: profile names in configs/chips (loihi, loihi2, truenorth, spinnaker, spinnaker2) or .toml paths;
    session: which agent (default: the best on 20 selection episodes); config: path or dict (default the run's);
    out: the report (default RUN/deploy_CHIP.json). Returns {"chips": {id: deploy_CHIP.json as a dict},
    "written": {id: path}, "session", "selected", "weights"}. progress(done, total) counts episodes.
    """
    run = _path(run, "run")
    chips = _names(chips, "chips", empty_ok=False)
    episodes = _int(episodes, "episodes", 1, 1000000)
    seed = _int(seed, "seed", 0)
    session = -1 if session is None else _int(session, "session", 0, 2**31 - 1)
    partitioner = _choice(partitioner, "partitioner", ("greedy", "metis", "sequential", "round_robin"))
    chips_dir = _path(chips_dir, "chips_dir", empty_ok=True)
    out = _path(out, "out", empty_ok=True)
    progress = _progress(progress)
    return _with_config(config, "config", lambda cfg: _spikeworm.deploy(
        run, chips, episodes, seed, session, partitioner, chips_dir, cfg, out, progress))


def map(config, chips, duration=None, seed=None, threads=0, partitioner="greedy", chips_dir=None, out=None,
        max_memory=None, progress=None):
    """`spikeworm map CONFIG --chip ...`: place a network on chips' cores by every partitioner, with the
    traffic, energy and chip time per simulated second of the costed placement.

    config: a network config (path or dict, as Network); duration: simulated seconds that measure the rates
    (default: the config's, at most 1 s); out: folder for map_CHIP.json (not written when None).
    Returns {"chips": {id: map_CHIP.json as a dict}, "written", "neurons", "synapses", "seconds",
    "spikes_per_s", "sops_per_s", "config"}. A chip the network does not fit on raises spikeworm.Error.
    progress(done, total) counts simulated steps.
    """
    chips = _names(chips, "chips", empty_ok=False)
    if duration is None:
        duration = -1.0
    else:
        if isinstance(duration, bool) or not isinstance(duration, numbers.Real):
            raise TypeError(f"duration: expected seconds as a number, got {type(duration).__name__}")
        duration = float(duration)
        if not (math.isfinite(duration) and 1e-6 <= duration <= 1e6):
            raise ValueError(f"duration: must be a finite number in [1e-06, 1e+06] seconds, got {duration}")
    seed = -1 if seed is None else _int(seed, "seed", 0)
    threads = _int(threads, "threads", 0, 1024)
    partitioner = _choice(partitioner, "partitioner", ("greedy", "metis", "sequential", "round_robin"))
    chips_dir = _path(chips_dir, "chips_dir", empty_ok=True)
    out = _path(out, "out", empty_ok=True)
    max_memory = _max_memory(max_memory)
    progress = _progress(progress)
    if isinstance(config, dict):
        return _spikeworm.map(to_toml(config), True, "<dict>", chips, duration, seed, threads, partitioner,
                              chips_dir, out, max_memory, progress)
    config = _path(config, "config")
    return _spikeworm.map(config, False, config, chips, duration, seed, threads, partitioner, chips_dir, out,
                          max_memory, progress)
