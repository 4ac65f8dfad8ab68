"""PyNN's current sources on spikeworm's injected currents (docs/python.md#pynn).

A run is split at every step where a source's current changes, and the whole current vector is given
to Network.set_currents there: an amplitude a [nA] in a neuron of membrane tau_m and capacitance cm is
the current a * tau_m / cm [mV] of spikeworm's models. Step k integrates ((k-1) dt, k dt] with the
source's value at time (k-1) dt, as pyNN.brian2 applies a change at the start of the step. A source is on
for the time indices s (time s·dt) with round(start/dt) <= s < round(stop/dt).

DCSource and StepCurrentSource change at their times only; ACSource changes every step (its phase is
taken at `start`, as on every PyNN backend); NoisyCurrentSource every round(dt_source/dt) steps, drawing
an independent value for every injected cell (as NEST's noise_generator and pyNN.brian2 do).
"""
import numpy as np

from pyNN.parameters import ParameterSpace, Sequence
from pyNN.standardmodels import electrodes, StandardCurrentSource, build_translations
from ..simulator import state

# NoisyCurrentSource draws its values in chunks of this many updates, each chunk from its own numpy stream
# keyed by (setup's seed, NOISE_STREAM, the source's creation index, chunk): the same values however a
# simulation is cut into runs, and again after reset(). NOISE_STREAM keeps them apart from the Poisson
# sources' streams, keyed by (seed, population, chunk).
NOISE_CHUNK_UPDATES = 1000
NOISE_STREAM = 0x4E4F4953


class _SpikewormCurrentSource(StandardCurrentSource):

    def __init__(self, **parameters):
        super(StandardCurrentSource, self).__init__(**parameters)
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_cells", [])
        object.__setattr__(self, "_index", len(state.current_sources))
        state.current_sources.append(self)
        parameter_space = ParameterSpace(self.default_parameters, self.get_schema(), shape=(1,))
        parameter_space.update(**parameters)
        self.set_native_parameters(self.translate(parameter_space))

    def set_native_parameters(self, parameters):
        parameters.evaluate(simplify=True)
        values = {}
        for name, value in parameters.items():
            if isinstance(value, Sequence):
                value = value.value
            values[name] = value
        self._check(values)
        self._params.update(values)
        for name, value in values.items():  # source.times, source.amplitude, as on the other backends
            object.__setattr__(self, name, value)
        state.currents_dirty = True

    def get_native_parameters(self):
        return ParameterSpace({k: (Sequence(v) if isinstance(v, np.ndarray) else v)
                               for k, v in self._params.items()}, shape=(1,))

    def _check(self, values):
        for name in ("start", "stop"):
            if name in values and not (np.isfinite(values[name]) and values[name] >= 0):
                raise ValueError(f"{type(self).__name__}: {name} must be finite and >= 0, got {values[name]}")

    def inject_into(self, cells):
        __doc__ = StandardCurrentSource.inject_into.__doc__
        for cell in cells:
            if not cell.celltype.injectable:
                raise TypeError("Can't inject current into a spike source.")
        cells = list(cells)
        parents = {id(c.parent): c.parent for c in cells}
        for p in parents.values():
            if not p._has_electrode:
                state.changed(f"injecting a current source into population {p.label!r}")
                p._has_electrode = True
        self._cells.extend(cells)
        state.currents_dirty = True

    def _targets(self):
        """Global ids of the injected cells and their factors tau_m / cm (nA -> mV)."""
        ids = np.array([int(c) for c in self._cells], dtype=np.int64)
        scale = np.array([c.parent._mv_per_na(c.parent.id_to_index(c)) for c in self._cells], dtype=float)
        return ids, scale

    def _on_steps(self, dt):
        """(first, end): the time indices s with first <= s < end, at which the source is on."""
        return int(round(self._params["start"] / dt)), int(round(self._params["stop"] / dt))

    def _change_steps(self, begin, end, dt):
        """The time indices s, begin < s < end, at which the current may differ from that at s - 1."""
        s = np.asarray(self._changes(dt), dtype=np.int64)
        return s[(s > begin) & (s < end)]

    def _values(self, steps, dt):
        """The current [nA] at time indices `steps`: an array of len(steps), or len(steps) x targets."""
        raise NotImplementedError

    def _get_data(self):
        raise NotImplementedError("pyNN.spikeworm does not record the current of a current source")


class DCSource(_SpikewormCurrentSource, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"), ("stop", "stop"))

    def _changes(self, dt):
        return list(self._on_steps(dt))

    def _values(self, steps, dt):
        first, end = self._on_steps(dt)
        return np.where((steps >= first) & (steps < end), float(self._params["amplitude"]), 0.0)


class StepCurrentSource(_SpikewormCurrentSource, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__
    translations = build_translations(("amplitudes", "amplitudes"), ("times", "times"))

    def _check(self, values):
        times = np.asarray(values.get("times", self._params.get("times", [])), dtype=float)
        amps = np.asarray(values.get("amplitudes", self._params.get("amplitudes", [])), dtype=float)
        if times.shape != amps.shape:
            raise ValueError(f"StepCurrentSource: {times.size} times but {amps.size} amplitudes")
        if (times < 0).any():
            raise ValueError(f"StepCurrentSource: negative times {times[times < 0]}")
        if (np.diff(times) <= 0).any():
            raise ValueError("StepCurrentSource: times must increase strictly")

    def _steps(self, dt):
        return np.rint(np.asarray(self._params["times"], dtype=float) / dt).astype(np.int64)

    def _changes(self, dt):
        return self._steps(dt)

    def _values(self, steps, dt):
        i = np.searchsorted(self._steps(dt), steps, side="right") - 1  # the last change at or before each step
        amps = np.asarray(self._params["amplitudes"], dtype=float)
        return np.where(i >= 0, amps[np.maximum(i, 0)] if amps.size else 0.0, 0.0)


class ACSource(_SpikewormCurrentSource, electrodes.ACSource):
    __doc__ = electrodes.ACSource.__doc__
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"), ("stop", "stop"),
                                      ("frequency", "frequency"), ("offset", "offset"), ("phase", "phase"))

    def _check(self, values):
        super()._check(values)
        for name, value in values.items():
            if not np.isfinite(value):
                raise ValueError(f"ACSource: {name} must be finite, got {value}")

    def _change_steps(self, begin, end, dt):
        first, stop = self._on_steps(dt)
        return np.arange(max(begin + 1, first), min(end, stop + 1), dtype=np.int64)

    def _values(self, steps, dt):
        """offset + amplitude sin(2π frequency (t - start) + phase) at t = s·dt, with t - start taken as
        (s - round(start/dt))·dt, as pyNN.brian2 and pyNN.neuron compute it; 0 outside [start, stop)."""
        p = self._params
        first, end = self._on_steps(dt)
        t = (steps - first) * dt  # ms since start
        value = p["offset"] + p["amplitude"] * np.sin(2 * np.pi * p["frequency"] * t / 1000.0
                                                      + np.deg2rad(p["phase"]))
        return np.where((steps >= first) & (steps < end), value, 0.0)


class NoisyCurrentSource(_SpikewormCurrentSource, electrodes.NoisyCurrentSource):
    __doc__ = electrodes.NoisyCurrentSource.__doc__
    translations = build_translations(("mean", "mean"), ("stdev", "stdev"), ("start", "start"), ("stop", "stop"),
                                      ("dt", "dt"))

    def __init__(self, **parameters):
        object.__setattr__(self, "_chunk", (None, None))  # (key, standard normals) of the last chunk drawn
        super().__init__(**parameters)

    def _check(self, values):
        super()._check(values)
        for name, value in values.items():
            if not np.isfinite(value):
                raise ValueError(f"NoisyCurrentSource: {name} must be finite, got {value}")
        if values.get("stdev", 0.0) < 0:
            raise ValueError(f"NoisyCurrentSource: stdev must be >= 0, got {values['stdev']}")
        if "dt" in values:
            self._interval(values["dt"], state.dt)

    @staticmethod
    def _interval(dt_source, dt):
        """The steps between updates: dt_source / dt, a whole number (one step if dt_source <= dt, as in
        pyNN.brian2)."""
        if not dt_source > 0:
            raise ValueError(f"NoisyCurrentSource: dt must be > 0, got {dt_source}")
        n = int(round(dt_source / dt))
        if dt_source <= dt:
            return 1
        if abs(n * dt - dt_source) > 1e-9 * dt_source:
            raise ValueError(f"NoisyCurrentSource: dt {dt_source} ms is not a multiple of the time step {dt} ms")
        return n

    def _change_steps(self, begin, end, dt):
        first, stop = self._on_steps(dt)
        n = self._interval(self._params["dt"], dt)
        lo = max(begin + 1, first)
        lo = first + -(-(lo - first) // n) * n  # the first update at or after lo
        s = np.arange(lo, min(end, stop), n, dtype=np.int64)
        if begin < stop < end:
            s = np.append(s, stop)
        return s

    def _normals(self, chunk, n_targets):
        """Standard normals of one chunk: targets x NOISE_CHUNK_UPDATES, row i for the i-th injected cell
        (drawn row by row, so injecting into more cells leaves the earlier rows as they were)."""
        key = (state.seed, chunk, n_targets)
        if self._chunk[0] != key:
            rng = np.random.default_rng([state.seed, NOISE_STREAM, self._index, chunk])
            object.__setattr__(self, "_chunk", (key, rng.standard_normal((n_targets, NOISE_CHUNK_UPDATES))))
        return self._chunk[1]

    def _values(self, steps, dt):
        """mean + stdev z, z drawn for each target and each update u = (s - round(start/dt)) // n."""
        p = self._params
        first, end = self._on_steps(dt)
        n = self._interval(p["dt"], dt)
        n_targets = len(self._cells)
        out = np.zeros((steps.size, n_targets))
        on = np.nonzero((steps >= first) & (steps < end))[0]
        if on.size == 0 or n_targets == 0:
            return out
        update = (steps[on] - first) // n
        chunk, column = np.divmod(update, NOISE_CHUNK_UPDATES)
        for c in np.unique(chunk):
            sel = chunk == c
            out[on[sel]] = self._normals(int(c), n_targets)[:, column[sel]].T
        out[on] = p["mean"] + p["stdev"] * out[on]
        return out


__all__ = ["DCSource", "StepCurrentSource", "ACSource", "NoisyCurrentSource"]
