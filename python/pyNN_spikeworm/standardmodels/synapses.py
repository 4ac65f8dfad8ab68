"""PyNN's synapse types on spikeworm: StaticSynapse only (docs/python.md#pynn)."""
import inspect

import numpy as np

from pyNN import errors
from pyNN.standardmodels import synapses, build_translations, StandardModelType, check_weights
from ..simulator import state
from . import unavailable


def _check_finite_weights(weights, projection):
    bad = ~np.isfinite(np.asarray(weights, dtype=float))
    if bad.any():
        raise errors.ConnectionError(f"pyNN.spikeworm: projection {projection.label!r}: weight "
                                     f"{np.asarray(weights, dtype=float)[bad].flat[0]} is not finite")
    check_weights(weights, projection)


class StaticSynapse(synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"))
    parameter_checks = {"weight": _check_finite_weights}

    def _get_minimum_delay(self):
        d = state.min_delay
        if d == "auto":
            d = state.dt
        return d


__all__ = ["StaticSynapse"]
_REASON = "spikeworm's synapses are static (a weight and a delay in whole steps; docs/python.md#pynn)"
for _name, _cls in list(vars(synapses).items()):
    if (inspect.isclass(_cls) and issubclass(_cls, StandardModelType) and _cls.__module__ == synapses.__name__
            and _name != "StaticSynapse"):
        globals()[_name] = unavailable(_cls, _REASON)
        __all__.append(_name)
