"""pyNN.spikeworm: the PyNN 0.10 API on the spikeworm simulator (docs/python.md#pynn).

    import pyNN.spikeworm as sim
    sim.setup(timestep=0.1, min_delay=0.2, rng_seeds_seed=1, threads=1)
    cells = sim.Population(100, sim.IF_curr_exp(i_offset=1.0))
    cells.record("spikes")
    sim.run(100.0)

IF_curr_exp runs as spikeworm's cuba_lif, IF_cond_exp as coba_lif, IF_curr_alpha as cuba_alpha_lif, IF_cond_alpha
as coba_alpha_lif, SpikeSourcePoisson and SpikeSourceArray as spike_source populations fed by the backend;
StaticSynapse; DCSource, StepCurrentSource, ACSource and NoisyCurrentSource.
"""
import logging

from pyNN import common
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_TIMESTEP, DEFAULT_MIN_DELAY
from pyNN.connectors import *  # noqa: F401,F403 - PyNN's connectors, used as they are
from pyNN.recording import get_io
from pyNN.standardmodels import StandardCellType
from . import simulator
from .standardmodels.cells import *  # noqa: F401,F403
from .standardmodels.synapses import *  # noqa: F401,F403
from .standardmodels.electrodes import *  # noqa: F401,F403
from .populations import Population, PopulationView, Assembly
from .projections import Projection

logger = logging.getLogger("PyNN")


def list_standard_models():
    """The StandardCellType classes this backend runs (the others raise NoModelAvailableError)."""
    from .standardmodels import cells
    return [n for n in ("IF_curr_exp", "IF_cond_exp", "IF_curr_alpha", "IF_cond_alpha", "SpikeSourcePoisson",
                        "SpikeSourceArray")
            if issubclass(getattr(cells, n), StandardCellType)]


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Start a new simulation: timestep and delays in ms.

    extra_params: max_delay; threads (spikeworm worker threads, results do not depend on them);
    rng_seeds (a list: the first is used) or rng_seeds_seed: the seed of the Poisson sources;
    engine ("event" or "clock"); build: when the spikeworm network is built, "auto" (as each Projection is
    made while the network has at most simulator.EAGER_BUILD_SYNAPSES synapses, else at the first run),
    "eager" (as each Projection is made) or "run" (at the first run). Other keys (e.g. VAbenchmarks'
    filename, label) are ignored.
    """
    max_delay = extra_params.get("max_delay", DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    if not timestep > 0:
        raise ValueError(f"pyNN.spikeworm: timestep must be > 0, got {timestep}")
    simulator._spikeworm()  # import the module now: an install problem shows at setup, not in the first run
    state = simulator.state
    state.dt = float(timestep)
    state.clear()
    state.min_delay = min_delay
    state.max_delay = max_delay
    state.mpi_rank = 0
    state.num_processes = 1
    state.threads = int(extra_params.get("threads", 1))
    state.engine = extra_params.get("engine", "event")
    state.build_mode = extra_params.get("build", "auto")
    if state.build_mode not in simulator.BUILD_MODES:
        raise ValueError(f"pyNN.spikeworm: build must be one of {', '.join(simulator.BUILD_MODES)}, "
                         f"got {state.build_mode!r}")
    seeds = extra_params.get("rng_seeds")
    if seeds is not None:
        seeds = list(seeds)
        if not seeds:
            raise ValueError("pyNN.spikeworm: rng_seeds is empty")
        state.seed = int(seeds[0])
    else:
        state.seed = int(extra_params.get("rng_seeds_seed", 1))
    return rank()


def end(compatible_output=True):
    """Write the data of record(..., to_file). The recorded data stay readable until the next setup()."""
    for (population, variables, filename) in simulator.state.write_on_end:
        io = get_io(filename)
        population.write_data(io, variables)
    simulator.state.write_on_end = []


run, run_until = common.build_run(simulator)
run_for = run

reset = common.build_reset(simulator)

initialize = common.initialize

get_current_time, get_time_step, get_min_delay, get_max_delay, \
    num_processes, rank = common.build_state_queries(simulator)

create = common.build_create(Population)

connect = common.build_connect(Projection, FixedProbabilityConnector, StaticSynapse)  # noqa: F405

record = common.build_record(simulator)


def record_v(source, filename):
    return record(["v"], source, filename)


def record_gsyn(source, filename):
    return record(["gsyn_exc", "gsyn_inh"], source, filename)
