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


def train(config, sessions=0, episodes=0, threads=0, seed=-1, out="", force=False, final_eval=20, progress=None):
    """Train an experiment config ([env], [brain], [train]) into the run folder `out` (default runs/train).

    Returns a dict with the run's figures and one dict per session. progress(done, total) is called after
    every episode (episodes of all sessions)."""
    if progress is not None and not callable(progress):
        raise TypeError("progress: expected a callable(done, total)")
    return _spikeworm.train(os.fspath(config), sessions, episodes, threads, seed, os.fspath(out), force,
                            final_eval, progress)
