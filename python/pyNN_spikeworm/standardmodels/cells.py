"""PyNN's standard cells on spikeworm's models (docs/models.md; docs/python.md#pynn).

Parameters keep PyNN's names and units here (the translations are identities); they become spikeworm's
when the network is built (populations.py): IF_curr_exp → cuba_lif, IF_cond_exp → coba_lif, IF_curr_alpha →
cuba_alpha_lif, IF_cond_alpha → coba_alpha_lif, both spike sources → spike_source fed by the backend.
"""
import inspect

from pyNN.standardmodels import cells, build_translations, StandardCellType
from . import unavailable


def _identity(*names):
    return build_translations(*[(n, n) for n in names])


class IF_curr_exp(cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    translations = _identity(*cells.IF_curr_exp.default_parameters)
    spikeworm_model = "cuba_lif"
    # PyNN name -> spikeworm name of the parameters that must be equal in a population
    spikeworm_params = {"tau_m": "tau_m", "tau_syn_E": "tau_e", "tau_syn_I": "tau_i", "v_rest": "e_l",
                        "v_thresh": "v_th", "v_reset": "v_reset", "tau_refrac": "t_ref"}
    # PyNN state variable -> (spikeworm variable, True if scaled by tau_m / cm into spikeworm's units)
    spikeworm_state = {"v": ("v", False), "isyn_exc": ("ge", True), "isyn_inh": ("gi", True)}
    recordable = ["spikes", "v"]


class IF_cond_exp(cells.IF_cond_exp):
    __doc__ = cells.IF_cond_exp.__doc__
    translations = _identity(*cells.IF_cond_exp.default_parameters)
    spikeworm_model = "coba_lif"
    spikeworm_params = {"tau_m": "tau_m", "tau_syn_E": "tau_e", "tau_syn_I": "tau_i", "v_rest": "e_l",
                        "e_rev_E": "e_e", "e_rev_I": "e_i", "v_thresh": "v_th", "v_reset": "v_reset",
                        "tau_refrac": "t_ref"}
    spikeworm_state = {"v": ("v", False), "gsyn_exc": ("ge", True), "gsyn_inh": ("gi", True)}
    recordable = ["spikes", "v", "gsyn_exc", "gsyn_inh"]


class IF_curr_alpha(cells.IF_curr_alpha):
    __doc__ = cells.IF_curr_alpha.__doc__
    translations = _identity(*cells.IF_curr_alpha.default_parameters)
    spikeworm_model = "cuba_alpha_lif"
    spikeworm_params = IF_curr_exp.spikeworm_params
    spikeworm_state = IF_curr_exp.spikeworm_state
    recordable = ["spikes", "v"]


class IF_cond_alpha(cells.IF_cond_alpha):
    __doc__ = cells.IF_cond_alpha.__doc__
    translations = _identity(*cells.IF_cond_alpha.default_parameters)
    spikeworm_model = "coba_alpha_lif"
    spikeworm_params = IF_cond_exp.spikeworm_params
    spikeworm_state = IF_cond_exp.spikeworm_state
    recordable = ["spikes", "v", "gsyn_exc", "gsyn_inh"]


class SpikeSourcePoisson(cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    translations = _identity("rate", "start", "duration")
    spikeworm_model = "spike_source"


class SpikeSourceArray(cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    translations = _identity("spike_times")
    spikeworm_model = "spike_source"


IF_curr_delta = unavailable(
    cells.IF_curr_delta,
    "spikeworm's lif is a discrete Euler model (v <- (1 - dt/tau_m) v + dt/tau_m v_rest + input) that spikes at "
    "v >= v_th, not an exact integration of PyNN's IF_curr_delta; cuba_lif and cuba_alpha_lif have exponential "
    "and alpha synapses only")

_IMPLEMENTED = {"IF_curr_exp", "IF_cond_exp", "IF_curr_alpha", "IF_cond_alpha", "SpikeSourcePoisson",
                "SpikeSourceArray", "IF_curr_delta"}
_REASON = ("its neuron models are lif, cuba_lif (IF_curr_exp), coba_lif (IF_cond_exp), cuba_alpha_lif "
           "(IF_curr_alpha), coba_alpha_lif (IF_cond_alpha), poisson and spike_source (docs/models.md)")

for _name, _cls in list(vars(cells).items()):
    if (inspect.isclass(_cls) and issubclass(_cls, StandardCellType) and _cls is not StandardCellType
            and _cls.__module__ == cells.__name__ and _name not in _IMPLEMENTED):
        globals()[_name] = unavailable(_cls, _REASON)

__all__ = sorted(n for n, c in globals().items()
                 if not n.startswith("_") and inspect.isclass(c) and issubclass(c, StandardCellType)
                 and c is not StandardCellType)
