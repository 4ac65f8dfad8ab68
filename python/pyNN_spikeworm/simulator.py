"""The state of a pyNN.spikeworm simulation (docs/python.md#pynn).

PyNN builds a network piece by piece; spikeworm.Network.from_arrays takes it whole. The state keeps the
PyNN objects and builds the spikeworm network as each Projection is made, as NEST connects a projection when
it is made, while the network has at most EAGER_BUILD_SYNAPSES synapses (setup's build="auto"; "eager"
always, "run" never); otherwise, and after anything else that changes the synapses, at the next run()
(at t = 0). Changes that leave the synapses alone (recording, initial values, neuron parameters but tau_m
and cm) replace the populations of the built network (Network.set_populations) at the next run(). Between runs it feeds the
spike sources (add_inputs) and the injected currents (set_currents), splitting a run at every change of an
electrode's current.
"""
import numpy as np

from pyNN import common, errors

name = "spikeworm"

# Poisson sources are drawn in chunks of this many steps, each from its own stream keyed by
# (seed, population, chunk): the spikes do not depend on how a simulation is cut into runs.
POISSON_CHUNK_STEPS = 10000

# A run with electrodes computes their currents for this many segments (between two changes) at a time.
CURRENT_BLOCK_SEGMENTS = 4096

# build="auto" builds the network as each projection is made while it has at most this many synapses (a
# build of that size takes about 0.1 s; building again for every projection of a larger network would cost
# more than building it once at run()).
EAGER_BUILD_SYNAPSES = 1 << 20
BUILD_MODES = ("auto", "eager", "run")


class ID(int, common.IDMixin):

    def __init__(self, n):
        """Create an ID object with numerical value `n`."""
        int.__init__(n)
        common.IDMixin.__init__(self)


def _spikeworm():
    try:
        import spikeworm
    except ImportError as e:  # pragma: no cover - the install puts it on the path (scripts/install-python)
        raise ImportError("pyNN.spikeworm needs the spikeworm module (scripts/build, then scripts/install-python): "
                          f"{e}") from e
    return spikeworm


class State(common.control.BaseState):

    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.min_delay = "auto"
        self.max_delay = "auto"
        self.seed = 1
        self.threads = 1
        self.engine = "event"
        self.build_mode = "auto"
        self.clear()

    # --- the PyNN objects -------------------------------------------------------------------------

    def clear(self):
        self.recorders = set([])
        self.populations = []
        self.projections = []
        self.current_sources = []
        self.id_counter = 0
        self.segment_counter = -1
        self.net = None
        self.builds = 0            # spikeworm networks built (synapses included) since setup()
        self.rebuild_at_reset = False
        self.dirty = True          # the spikeworm network must be (re)built before the next run
        self.populations_dirty = False  # only its populations must be replaced (set_populations)
        self.currents_dirty = True
        self._spikes = None
        self.step = 0
        self.running = False
        self.reset()

    def changed(self, what, synapses=True):
        """Something the spikeworm network is built from has changed: rebuild at t = 0, refuse later.
        synapses=False: only the populations' settings changed, which a built network takes without
        building its synapses again."""
        if self.step > 0:
            raise NotImplementedError(
                f"pyNN.spikeworm: {what} after run() takes effect only after reset() (the spikeworm network is "
                "built once per t = 0)")
        if synapses:
            self.dirty = True
        else:
            self.populations_dirty = True

    def projection_made(self):
        """A projection has its connections: build the network now if the build mode says so."""
        if self.build_mode == "eager" or (
                self.build_mode == "auto"
                and sum(len(prj) for prj in self.projections) <= EAGER_BUILD_SYNAPSES):
            self._build()

    def i_offset_changed(self):
        """i_offset changed: at t = 0 give the built network its new populations; later give the new
        currents at the next run (and rebuild at the next reset, which would restore the built ones)."""
        if self.step == 0:
            self.populations_dirty = True
        else:
            self.currents_dirty = True
            self.rebuild_at_reset = True

    @property
    def t(self):
        return self.step * self.dt

    # --- running ----------------------------------------------------------------------------------

    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        end = int(round(tstop / self.dt))
        if end <= self.step:
            self.running = True
            return
        if self.dirty or self.net is None:
            self._build()
        elif self.populations_dirty:
            self.net.set_populations([p._spikeworm_population() for p in self.populations])
            self.populations_dirty = False
            self.currents_dirty = False
        self.running = True
        self._feed_sources(self.step, end)
        if not (self.currents_dirty or self.current_sources):
            self.net.run((end - self.step) * self.dt)
            self.step = end
        else:
            self._run_with_currents(end)
        self._spikes = None

    def _run_with_currents(self, end):
        """Run to step `end`, giving set_currents the currents of every segment between two changes."""
        base = self._base_currents()
        sources = [s for s in self.current_sources if s._cells]
        targets = [s._targets() for s in sources]
        distinct = [np.unique(ids).size == ids.size for ids, _ in targets]  # then += is np.add.at, faster
        changes = [s._change_steps(self.step, end, self.dt) for s in sources]
        bounds = np.unique(np.concatenate([[self.step, end]] + changes).astype(np.int64))
        for first in range(0, bounds.size - 1, CURRENT_BLOCK_SEGMENTS):
            starts = bounds[first:first + CURRENT_BLOCK_SEGMENTS + 1]
            values = [s._values(starts[:-1], self.dt) for s in sources]
            for i in range(starts.size - 1):
                current = base.copy()
                for (ids, scale), once, v in zip(targets, distinct, values):
                    if once:
                        current[ids] += v[i] * scale
                    else:
                        np.add.at(current, ids, v[i] * scale)
                try:
                    self.net.set_currents(current)
                except _spikeworm().Error as e:
                    raise NotImplementedError(
                        f"pyNN.spikeworm: a changed i_offset needs reset() first, or the population annotated "
                        f"spikeworm_update='clock' before the first run ({e})") from e
                self.currents_dirty = False
                self.net.run((starts[i + 1] - starts[i]) * self.dt)
                self.step = int(starts[i + 1])

    def reset(self):
        """Back to t = 0: the same network, its initial state; the next run draws the same spikes."""
        if self.net is not None:
            self.net.reset()
        if self.rebuild_at_reset:
            self.dirty = True
            self.rebuild_at_reset = False
        self.step = 0
        self.running = False
        self.t_start = 0
        self.segment_counter += 1
        self.currents_dirty = False
        self._spikes = None

    # --- what the network is built from -----------------------------------------------------------

    def _build(self):
        sw = _spikeworm()
        pops = [p._spikeworm_population() for p in self.populations]
        scales = {}  # tau_m / cm of each target population, computed once
        for prj in self.projections:
            for s, t, *_ in prj._split():
                if t not in scales:
                    scales[t] = np.asarray(self.populations[t]._mv_per_na(), dtype=float)
        projs = []
        for prj in self.projections:
            projs.extend(prj._spikeworm_projections(scales))
        self.net = None  # the previous network's memory is free for the new one
        self.net = sw.Network.from_arrays(populations=pops, projections=projs, dt_ms=self.dt, seed=self.seed,
                                          engine=self.engine, threads=self.threads)
        self.builds += 1
        for p, info in zip(self.populations, self.net.populations()):
            first = info["first"]
            if first != int(p.first_id):
                raise errors.InvalidModelError(
                    f"pyNN.spikeworm: population {p.label!r} starts at spikeworm id {first}, PyNN id {p.first_id}")
        self.dirty = False
        self.populations_dirty = False
        self.currents_dirty = False
        self._spikes = None

    def _base_currents(self):
        """The injected current of every neuron [mV] without the electrodes: i_offset · tau_m / cm."""
        current = np.zeros(self.id_counter)
        for p in self.populations:
            c = p._base_current()
            if c is not None:
                current[int(p.first_id):int(p.first_id) + p.size] = c
        return current

    def _feed_sources(self, begin, end):
        """The spikes of the spike-source populations in steps begin+1 .. end."""
        steps, ids = [], []
        for index, p in enumerate(self.populations):
            s, local = p._source_spikes(begin, end, index)
            if s is not None and s.size:
                steps.append(s)
                ids.append(local + int(p.first_id))
        if steps:
            steps = np.concatenate(steps).astype(np.int64)
            ids = np.concatenate(ids).astype(np.uint32)
            order = np.argsort(steps, kind="stable")
            self.net.add_inputs(steps[order], ids[order])

    def spikes(self):
        """(times [ms], global ids) of every spike since t = 0, cached until the next run."""
        if self.net is None:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        if self._spikes is None:
            times, ids = self.net.spikes()
            self._spikes = (np.asarray(times, dtype=float), np.asarray(ids, dtype=np.int64))
        return self._spikes


state = State()
