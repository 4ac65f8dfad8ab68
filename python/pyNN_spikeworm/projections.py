"""Projection of pyNN.spikeworm: PyNN's connectors fill arrays of connections (docs/python.md#pynn).

Connections are kept as arrays of (presynaptic index, postsynaptic index, weight [nA or µS], delay [ms])
in the projection's own indices; at build time they are split by (source population, target population)
into spikeworm projections with weights in spikeworm's units (w · tau_m / cm of the target neuron) and
delays in whole steps: round(d / dt) + 1, so that a spike stamped t acts from t + d on, as in NEST and
Brian2 (docs/python.md#pynn, "Time steps").
"""
from collections import defaultdict

import numpy as np

from pyNN import common, errors
from pyNN.space import Space
from . import simulator
from .simulator import state
from .standardmodels.synapses import StaticSynapse


class Connection(common.Connection):
    """One connection: its indices in the projection's pre and post, weight and delay."""

    def __init__(self, projection, index):
        self.projection = projection
        self.index = index

    @property
    def presynaptic_index(self):
        return int(self.projection._arrays()[0][self.index])

    @property
    def postsynaptic_index(self):
        return int(self.projection._arrays()[1][self.index])

    @property
    def weight(self):
        return float(self.projection._arrays()[2][self.index])

    @property
    def delay(self):
        return float(self.projection._arrays()[3][self.index])

    def as_tuple(self, *attribute_names):
        return tuple(getattr(self, name) for name in attribute_names)


def _delay_steps(delays, where):
    """Delays [ms] -> spikeworm steps round(d / dt) + 1; a delay below one time step is refused.

    A spike in step k is stamped k dt (the end of the step). spikeworm adds a spike over a delay of s steps to
    the input of step k + s, which starts at (k + s - 1) dt; PyNN's delay d means the input starts at
    k dt + d (NEST's and Brian2's timing), hence s = d / dt + 1."""
    delays = np.asarray(delays, dtype=float)
    dt = state.dt
    bad = ~np.isfinite(delays) | (delays < dt * (1 - 1e-9))
    if bad.any():
        raise errors.ConnectionError(
            f"pyNN.spikeworm: {where}: delay {delays[bad].flat[0]} ms is below the time step {dt} ms "
            "(spikeworm delays are whole steps >= 1)")
    return (np.maximum(np.rint(delays / dt), 1) + 1).astype(np.int64)


def _check_weights(weights, where):
    weights = np.asarray(weights, dtype=float)
    bad = ~np.isfinite(weights)
    if bad.any():
        raise errors.ConnectionError(f"pyNN.spikeworm: {where}: weight {weights[bad].flat[0]} is not finite")


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population, connector, synapse_type=None,
                 source=None, receptor_type=None, space=Space(), label=None):
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population, connector,
                                   synapse_type, source, receptor_type, space, label)
        if not isinstance(self.synapse_type, StaticSynapse):
            raise errors.NoModelAvailableError(
                f"pyNN.spikeworm: {type(self.synapse_type).__name__}: only StaticSynapse is available")
        state.changed(f"creating projection {self.label!r}")
        self._chunks = []
        self._cache = None
        self._split_cache = None
        connector.connect(self)
        state.projections.append(self)
        self._split()  # the connections in spikeworm's layout now, as the connector made them, not at run()
        state.projection_made()

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index, **connection_parameters):
        pre = np.asarray(presynaptic_indices, dtype=np.int64).reshape(-1)
        n = pre.size
        weight = np.broadcast_to(np.asarray(connection_parameters["weight"], dtype=float), (n,))
        delay = np.broadcast_to(np.asarray(connection_parameters["delay"], dtype=float), (n,))
        _check_weights(weight, f"projection {self.label!r}")
        _delay_steps(delay, f"projection {self.label!r}")
        self._chunks.append((pre, np.full(n, int(postsynaptic_index), dtype=np.int64), weight, delay))
        self._cache = None
        self._split_cache = None

    def _arrays(self):
        """(pre indices, post indices, weights, delays) of every connection, in creation order."""
        if self._cache is None:
            if self._chunks:
                self._cache = tuple(np.concatenate(parts) for parts in zip(*self._chunks))
            else:
                self._cache = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
            self._chunks = [self._cache] if self._chunks else []
        return self._cache

    def __len__(self):
        return int(self._arrays()[0].size)

    def __getitem__(self, i):
        return Connection(self, i)

    @property
    def connections(self):
        return (Connection(self, i) for i in range(len(self)))

    # --- the spikeworm projections ------------------------------------------------------------

    def _split(self):
        """The connections split by (source population, target population): a list of (source index,
        target index, local sources, local targets, weights [nA or µS], delays [steps]); cached until the
        connections change. Weights are scaled to spikeworm's units at build time (they depend on the target
        cells' parameters, which may still change)."""
        if self._split_cache is None:
            pre, post, weight, delay = self._arrays()
            out = []
            if pre.size:
                pre_ids = np.asarray(self.pre.all_cells, dtype=np.int64)[pre]
                post_ids = np.asarray(self.post.all_cells, dtype=np.int64)[post]
                firsts = np.array([int(p.first_id) for p in state.populations], dtype=np.int64)
                src = np.searchsorted(firsts, pre_ids, side="right") - 1
                tgt = np.searchsorted(firsts, post_ids, side="right") - 1
                steps = _delay_steps(delay, f"projection {self.label!r}")
                pair = src * len(firsts) + tgt
                if pair.size and (pair == pair[0]).all():  # one pair (every projection between two populations)
                    groups = [(int(pair[0]), slice(None))]
                else:
                    groups = [(int(q), pair == q) for q in np.unique(pair)]
                for q, sel in groups:
                    s, t = divmod(q, len(firsts))
                    out.append((s, t, (pre_ids[sel] - firsts[s]).astype(np.uint32),
                                (post_ids[sel] - firsts[t]).astype(np.uint32),
                                np.ascontiguousarray(weight[sel], dtype=np.float64),
                                np.ascontiguousarray(steps[sel], dtype=np.int64)))
            self._split_cache = out
        return self._split_cache

    def _spikeworm_projections(self, scales=None):
        """The spikeworm projections; scales[i] = tau_m / cm of population i's cells (computed if None)."""
        out = []
        for s, t, sources, targets, weights, steps in self._split():
            sp, tp = state.populations[s], state.populations[t]
            scale = scales[t] if scales is not None else tp._mv_per_na()
            out.append({"source": sp._spikeworm_name(), "target": tp._spikeworm_name(),
                        "sources": sources, "targets": targets,
                        "weights": np.ascontiguousarray(weights * np.asarray(scale)[targets], dtype=np.float64),
                        "delays": steps, "receptor": self.receptor_type})
        return out

    # --- get and set ----------------------------------------------------------------------------

    def _set_attributes(self, parameter_space):
        state.changed(f"setting {', '.join(parameter_space.keys())} of projection {self.label!r}")
        pre, post, weight, delay = (a.copy() for a in self._arrays())
        parameter_space.evaluate()
        for name, value in parameter_space.items():
            value = np.asarray(value, dtype=float)[pre, post]
            if name == "weight":
                _check_weights(value, f"projection {self.label!r}")
                weight = value
            elif name == "delay":
                _delay_steps(value, f"projection {self.label!r}")
                delay = value
            else:
                raise errors.NonExistentParameterError(name, "StaticSynapse", ["weight", "delay"])
        self._cache = (pre, post, weight, delay)
        self._chunks = [self._cache]
        self._split_cache = None

    def _get_attributes_as_list(self, names):
        pre, post, weight, delay = self._arrays()
        columns = {"presynaptic_index": pre, "postsynaptic_index": post, "weight": weight, "delay": delay}
        values = [columns[name] for name in names]
        return [tuple(row) for row in np.array(values, dtype=float).T.tolist()] if values else []

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        pre, post, weight, delay = self._arrays()
        columns = {"weight": weight, "delay": delay}
        out = []
        for name in names:
            value = columns[name]
            array = np.full((self.pre.size, self.post.size), np.nan)
            if multiple_synapses == "last":
                array[pre, post] = value
            elif multiple_synapses == "first":
                array[pre[::-1], post[::-1]] = value[::-1]
            elif multiple_synapses in ("sum", "min", "max"):
                func, start = {"sum": (np.add.at, 0.0), "min": (np.minimum.at, np.inf),
                               "max": (np.maximum.at, -np.inf)}[multiple_synapses]
                connected = np.zeros(array.shape, dtype=bool)
                connected[pre, post] = True
                array[connected] = start
                func(array, (pre, post), value)
            else:
                raise ValueError(f"multiple_synapses: {multiple_synapses!r}")
            out.append(array)
        return out
