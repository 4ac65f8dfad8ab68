"""DCSource and StepCurrentSource on spikeworm's injected currents (docs/python.md#pynn).

A run is split at every step where a source's amplitude changes, and the whole current vector is given
to Network.set_currents there: an amplitude a [nA] in a neuron of membrane tau_m and capacitance cm is
the current a * tau_m / cm [mV] of spikeworm's models. Step k integrates ((k-1) dt, k dt] with the
amplitude at time (k-1) dt, as Brian2 applies a change at the start of the step.
"""
import numpy as np

from pyNN.parameters import ParameterSpace, Sequence
from pyNN.standardmodels import electrodes, build_translations, StandardCurrentSource
from ..simulator import state
from . import unavailable


class _SpikewormCurrentSource(StandardCurrentSource):

    def __init__(self, **parameters):
        super(StandardCurrentSource, self).__init__(**parameters)
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_cells", [])
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
        pass

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

    def _get_data(self):
        raise NotImplementedError("pyNN.spikeworm does not record the current of a current source")


class DCSource(_SpikewormCurrentSource, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"), ("stop", "stop"))

    def _change_steps(self, dt):
        return [int(round(self._params["start"] / dt)), int(round(self._params["stop"] / dt))]

    def _amplitude_at(self, step, dt):
        start, stop = self._change_steps(dt)
        return float(self._params["amplitude"]) if start <= step < stop else 0.0


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

    def _change_steps(self, dt):
        return self._steps(dt).tolist()

    def _amplitude_at(self, step, dt):
        steps = self._steps(dt)
        i = np.searchsorted(steps, step, side="right") - 1  # the last change at or before `step`
        return float(np.asarray(self._params["amplitudes"], dtype=float)[i]) if i >= 0 else 0.0


_REASON = "spikeworm's injected currents are piecewise constant (DCSource, StepCurrentSource)"
ACSource = unavailable(electrodes.ACSource, _REASON, "current source")
NoisyCurrentSource = unavailable(electrodes.NoisyCurrentSource, _REASON, "current source")

__all__ = ["DCSource", "StepCurrentSource", "ACSource", "NoisyCurrentSource"]
