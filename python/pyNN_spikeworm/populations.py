"""Population, PopulationView and Assembly of pyNN.spikeworm (docs/python.md#pynn).

Each Population becomes one spikeworm population, in creation order, so a PyNN ID is the spikeworm
global neuron id. Parameters are kept in PyNN's names and units and converted when the network is built.
"""
import copy

import numpy as np

from pyNN import common, errors
from pyNN.parameters import ParameterSpace, LazyArray, ArrayParameter, simplify
from pyNN.standardmodels import StandardCellType
from . import simulator
from .recording import Recorder
from .simulator import state, POISSON_CHUNK_STEPS

# Source parameters may change between runs: they only decide the spikes given to later steps.
_SOURCE_PARAMETERS = {"rate", "start", "duration", "spike_times"}


class Assembly(common.Assembly):
    _simulator = simulator

    @property
    def local_size(self):
        """The number of cells on this node (all of them): PyNN's connectors report progress with it."""
        return int(np.sum(self._mask_local))


class PopulationView(common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    def _get_parameters(self, *names):
        parameter_dict = {}
        for name in names:
            value = self.parent._parameters[name]
            if isinstance(value, np.ndarray):
                value = value[self.mask]
            parameter_dict[name] = simplify(value)
        return ParameterSpace(parameter_dict, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        parameter_space.evaluate(simplify=False)
        values = {}
        for name, value in parameter_space.items():
            full = self.parent._parameters[name].copy()
            full[self.mask] = value
            values[name] = full
        self.parent._store_parameters(values)

    def initialize(self, **initial_values):
        for variable, value in initial_values.items():
            values = LazyArray(value, shape=(self.size,), dtype=float).evaluate(simplify=False)
            full = self.parent.initial_values[variable].evaluate(simplify=False).copy()
            full[self.mask] = values
            self.parent.initialize(**{variable: full})

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _create_cells(self):
        if not isinstance(self.celltype, StandardCellType) or not hasattr(self.celltype, "spikeworm_model"):
            raise errors.NoModelAvailableError(
                f"pyNN.spikeworm: {type(self.celltype).__name__} is not one of its standard cell types")
        state.changed(f"creating population {self.label!r}")
        id_range = np.arange(state.id_counter, state.id_counter + self.size)
        self.all_cells = np.array([simulator.ID(i) for i in id_range], dtype=simulator.ID)
        self._mask_local = np.ones((self.size,), bool)
        self._has_electrode = False
        parameter_space = self.celltype.native_parameters
        parameter_space.shape = (self.size,)
        parameter_space.evaluate(simplify=False)
        self._parameters = {}
        self._store_parameters(parameter_space.as_dict(), creating=True)
        for cell in self.all_cells:
            cell.parent = self
        state.id_counter += self.size
        self._index = len(state.populations)
        state.populations.append(self)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    def _get_parameters(self, *names):
        return ParameterSpace({name: simplify(self._parameters[name]) for name in names}, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        parameter_space.evaluate(simplify=False)
        self._store_parameters(parameter_space.as_dict())

    def _store_parameters(self, values, creating=False):
        """Check and keep native (= PyNN) parameter arrays; tell the state what must follow."""
        values = {k: np.array(v, dtype=object if k == "spike_times" else float).reshape(self.size)
                  for k, v in values.items()}
        fixed = getattr(self.celltype, "spikeworm_params", {})
        for name, value in values.items():
            if name in fixed and value.size and not np.all(value == value[0]):
                raise NotImplementedError(
                    f"pyNN.spikeworm: parameter {name} of {type(self.celltype).__name__} must be the same for every "
                    f"neuron of population {self.label!r} (spikeworm's {self.celltype.spikeworm_model} "
                    f"{fixed[name]} is per population); got values from {value.min()} to {value.max()}")
            if name != "spike_times" and not np.all(np.isfinite(value)):
                raise errors.InvalidParameterValueError(
                    f"pyNN.spikeworm: parameter {name} of population {self.label!r} is not finite")
        if "cm" in values and (values["cm"] <= 0).any():
            raise errors.InvalidParameterValueError(f"pyNN.spikeworm: cm of population {self.label!r} must be > 0")
        if "rate" in values and (values["rate"] < 0).any():
            raise errors.InvalidParameterValueError(
                f"pyNN.spikeworm: rate of population {self.label!r} must be >= 0")
        if "spike_times" in values:
            for seq in values["spike_times"]:
                t = np.asarray(seq.value if isinstance(seq, ArrayParameter) else seq, dtype=float)
                if t.size and (not np.all(np.isfinite(t)) or (t < 0).any()):
                    raise errors.InvalidParameterValueError(
                        f"pyNN.spikeworm: spike_times of population {self.label!r} must be finite and >= 0")
        if not creating:
            names = set(values)
            if names <= _SOURCE_PARAMETERS:
                pass
            elif names <= {"i_offset"}:
                state.i_offset_changed()
            else:  # tau_m and cm scale the synaptic weights (tau_m / cm): those need the synapses built again
                state.changed(f"setting {', '.join(sorted(names - _SOURCE_PARAMETERS - {'i_offset'}))} "
                              f"of population {self.label!r}", synapses=bool(names & {"tau_m", "cm"}))
        self._parameters.update(values)

    def _set_initial_value_array(self, variable, initial_values):
        # evaluated once, in place, from a copy: a RandomDistribution is drawn once and its rng is not
        # advanced, as in pyNN.brian2 (whose translation deep-copies it), so connectors drawing from the same
        # rng afterwards make the same connections there and here
        if not initial_values.is_homogeneous:
            values = copy.deepcopy(initial_values).evaluate(simplify=False)
            initial_values.base_value = np.array(values, dtype=float).reshape(self.size)
            initial_values.operations = []
        if self._index is not None and hasattr(self, "initial_values"):
            state.changed(f"initialize({variable}=...) of population {self.label!r}", synapses=False)

    # --- what the spikeworm network is built from ----------------------------------------------

    _index = None

    def _mv_per_na(self, index=slice(None)):
        """tau_m / cm [MΩ]: nA -> mV for currents, µS -> units of g_L for conductances."""
        return self._parameters["tau_m"][index] / self._parameters["cm"][index]

    def _is_source(self):
        return self.celltype.spikeworm_model == "spike_source"

    def _base_current(self):
        if self._is_source():
            return None
        return self._parameters["i_offset"] * self._mv_per_na()

    def _spikeworm_name(self):
        return f"p{self._index}"

    def _spikeworm_population(self):
        ct = self.celltype
        pop = {"name": self._spikeworm_name(), "model": ct.spikeworm_model, "size": self.size,
               "record": {"spikes": True}}
        if self._is_source():
            pop["params"] = {"times": []}  # its spikes come from add_inputs, run by run
            return pop
        pop["params"] = {sw: float(self._parameters[name][0]) for name, sw in ct.spikeworm_params.items()}
        scale = self._mv_per_na()
        for variable, (sw, scaled) in ct.spikeworm_state.items():
            if variable in self.initial_values:
                values = self.initial_values[variable].evaluate(simplify=False)
                pop["init_" + sw] = np.ascontiguousarray(values * scale if scaled else values, dtype=np.float64)
        pop["current"] = np.ascontiguousarray(self._base_current(), dtype=np.float64)
        pop["update"] = "clock" if self._has_electrode else self.annotations.get("spikeworm_update", "auto")
        variables = [v for v in self.recorder.recorded if v != "spikes" and self.recorder.recorded[v]]
        if variables:
            ids = set()
            for v in variables:
                ids |= self.recorder.recorded[v]
            neurons = np.sort(np.fromiter((int(i) for i in ids), dtype=np.int64)) - int(self.first_id)
            interval = int(round(self.recorder.sampling_interval / state.dt))
            if interval < 1 or abs(interval * state.dt - self.recorder.sampling_interval) > 1e-9 * interval:
                raise ValueError(f"pyNN.spikeworm: sampling_interval {self.recorder.sampling_interval} ms of "
                                 f"population {self.label!r} is not a whole number of time steps ({state.dt} ms)")
            pop["record"] = {"spikes": True, "variables": [ct.spikeworm_state[v][0] for v in variables],
                             "neurons": neurons.tolist(), "interval": interval * state.dt}
        return pop

    def _source_spikes(self, begin, end, index):
        """(steps, local indices) of this spike source's spikes in steps begin+1 .. end, or (None, None)."""
        if not self._is_source():
            return None, None
        dt = state.dt
        if "spike_times" in self._parameters:
            steps, ids = [], []
            for i, seq in enumerate(self._parameters["spike_times"]):
                t = np.asarray(seq.value if isinstance(seq, ArrayParameter) else seq, dtype=float)
                # step k spans ((k-1) dt, k dt]; a spike at t = 0 goes to step 1, the first one simulated
                s = np.unique(np.maximum(np.ceil(t / dt - 1e-6), 1).astype(np.int64))
                s = s[(s > begin) & (s <= end)]
                steps.append(s)
                ids.append(np.full(s.size, i, dtype=np.int64))
            return np.concatenate(steps), np.concatenate(ids)
        rate, start, duration = (self._parameters[k] for k in ("rate", "start", "duration"))
        p = rate * dt / 1000.0
        if (p > 1).any():
            raise errors.InvalidParameterValueError(
                f"pyNN.spikeworm: rate {rate.max()} Hz of population {self.label!r} exceeds one spike per time step")
        C = POISSON_CHUNK_STEPS
        steps, ids = [], []
        for chunk in range(begin // C, (end - 1) // C + 1):
            rng = np.random.default_rng([state.seed, index, chunk])
            counts = rng.binomial(C, p)
            for i in np.nonzero(counts)[0]:
                s = np.sort(rng.choice(C, counts[i], replace=False)) + chunk * C + 1
                t = s * dt
                s = s[(s > begin) & (s <= end) & (t >= start[i]) & (t < start[i] + duration[i])]
                steps.append(s)
                ids.append(np.full(s.size, i, dtype=np.int64))
        if not steps:
            return None, None
        return np.concatenate(steps), np.concatenate(ids)
