"""Recording for pyNN.spikeworm: spikes from Network.spikes(), v and gsyn from Network.traces().

Every population records its spikes; v, gsyn_exc and gsyn_inh are sampled for the recorded neurons every
`sampling_interval` (whole steps). A sample after step k is the state at time k·dt after that step's
update and reset; the first sample of a segment is the initial value, as pyNN.brian2 gives it.
Conductances are converted back to µS: g · cm / tau_m.
"""
import numpy as np

from pyNN import recording
from . import simulator
from .simulator import state


class Recorder(recording.Recorder):
    _simulator = simulator

    def _record(self, variable, new_ids, sampling_interval=None):
        if sampling_interval is not None:
            self.sampling_interval = sampling_interval
        if variable != "spikes" and new_ids:
            state.changed(f"recording {variable} of population {self.population.label!r}", synapses=False)

    def _start_ms(self):
        return float(self._recording_start_time.rescale("ms").magnitude)

    def _get_spiketimes(self, requested_ids, clear=False):
        times, ids = state.spikes()
        mask = np.isin(ids, np.fromiter((int(i) for i in requested_ids), dtype=np.int64))
        start = self._start_ms()
        if start > 0:
            mask &= times > start + 1e-9
        return ids[mask], times[mask].copy()

    def _get_all_signals(self, variable, ids, clear=False):
        pop = self.population
        sw_variable, scaled = pop.celltype.spikeworm_state[variable]
        ids = np.fromiter((int(i) for i in ids), dtype=np.int64)
        n_steps = state.step
        interval = int(round(self.sampling_interval / state.dt))
        trace = None
        if state.net is not None and n_steps > 0:
            for tr in state.net.traces():
                if tr["population"] == pop._spikeworm_name() and tr["variable"] == sw_variable:
                    trace = tr
        if trace is None:
            values = np.zeros((0, ids.size))
        else:
            neurons = np.asarray(trace["neurons"], dtype=np.int64)
            columns = np.searchsorted(neurons, ids)
            if (columns >= neurons.size).any() or (neurons[np.minimum(columns, neurons.size - 1)] != ids).any():
                raise ValueError(f"pyNN.spikeworm: {variable} was not recorded for some of the requested cells")
            values = np.asarray(trace["values"], dtype=float)[:, columns]
            interval = int(trace["interval"])
        index = ids - int(pop.first_id)
        if scaled:
            values = values / pop._mv_per_na(index)
        start = self._start_ms()
        if start <= 0:
            initial = np.asarray(pop.initial_values[variable].evaluate(simplify=False), dtype=float)[index]
            values = np.vstack([initial[None, :], values])
        else:
            first = int(round(start / (interval * state.dt))) - 1  # the row sampled at the segment's start
            values = values[max(first, 0):]
        return values, None

    def _local_count(self, variable, filter_ids=None):
        times, ids = state.spikes()
        start = self._start_ms()
        if start > 0:
            ids = ids[times > start + 1e-9]
        first = int(self.population.first_id)
        counts = np.bincount(ids[(ids >= first) & (ids < first + self.population.size)] - first,
                             minlength=self.population.size)
        return {int(i): int(counts[int(i) - first]) for i in self.filter_recorded(variable, filter_ids)}

    def _clear_simulator(self):
        pass  # spikes and samples before _recording_start_time are left out when read

    def _reset(self):
        pass
