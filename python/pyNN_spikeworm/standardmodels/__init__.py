"""The standard models of pyNN.spikeworm: cells, synapses, electrodes (docs/python.md#pynn)."""
from pyNN import errors


def unavailable(base, reason, kind="model"):
    """A subclass of PyNN's `base` whose construction raises NoModelAvailableError naming `reason`."""
    def __init__(self, *args, **kwargs):
        raise errors.NoModelAvailableError(f"pyNN.spikeworm has no {base.__name__} {kind}: {reason}")
    return type(base.__name__, (base,), {"__init__": __init__, "__doc__": base.__doc__})
