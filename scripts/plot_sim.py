#!/usr/bin/python3
"""Plots of a simulate output folder (spikeworm plot DIR, DIR written by spikeworm simulate --out):
writes DIR/plots/raster.png, rates.png, isi.png and cv.png, and traces.png when DIR/traces.h5 exists.

raster.png: spike raster of a subsample of neurons (every neuron when few), coloured by population;
rates.png: population firing rate over time [Hz], binned; isi.png: inter-spike intervals [ms] per population;
cv.png: coefficient of variation of each neuron's ISIs (std / mean, neurons with at least 2 ISIs) per population;
traces.png: the recorded state variables (populations' record key), a panel per population and variable, at most
8 neurons each (needs h5py).

Spikes come from DIR/spikes.csv (step,time_ms,neuron,population; neuron is the network-wide index) or, when
h5py imports and DIR/spikes.h5 exists, from it (NIR NIRGraphData layout, docs/recording.md: per population
/nodes/<name>/observables/spikes with datasets idx (neuron within the population) and time [s]). Either file is read in chunks in
one streaming pass: memory grows with the number of neurons and time bins, not with the number of spikes.
Times are kept as integer steps (time = step * dt_ms), so ISIs and CVs are exact.
Usage: plot_sim.py DIR
"""
import itertools
import json
import os
import sys

import numpy as np

CHUNK_ROWS = 1 << 18  # spikes per read: about 30 MB of text and arrays at a time
RASTER_POINTS = 200_000  # the raster keeps at most about this many spikes (whole neurons, evenly spaced)
RASTER_NEURONS = 2_000  # and at most about this many neurons (rows)


class SpikeStats:
    """Streaming statistics of the spikes of a network of populations [(name, size)], dt_ms per step and
    n_steps steps. add(steps, neurons) takes one chunk of spikes (neurons network-wide); within a chunk the
    order does not matter, but each neuron's spikes in a later chunk must come after those in earlier ones
    (true of spikes.csv, written in step order, and of spikes.h5, read population by population)."""

    def __init__(self, populations, dt_ms, n_steps, bin_steps=None, raster_neurons=None):
        self.names = [p[0] for p in populations]
        self.sizes = np.array([p[1] for p in populations], dtype=np.int64)
        self.offsets = np.concatenate(([0], np.cumsum(self.sizes)))
        self.n = int(self.offsets[-1])
        self.dt_ms = float(dt_ms)
        self.n_steps = max(1, int(n_steps))
        self.bin_steps = int(bin_steps or default_bin_steps(self.dt_ms, self.n_steps))
        self.n_bins = -(-self.n_steps // self.bin_steps)
        self.counts = np.zeros((len(self.names), self.n_bins), dtype=np.int64)  # spikes per population and bin
        self.last = np.full(self.n, -1, dtype=np.int64)  # last spike step per neuron (-1: none yet)
        self.isi_n = np.zeros(self.n, dtype=np.int64)  # per neuron: number, sum and sum of squares of ISIs [steps]
        self.isi_s = np.zeros(self.n, dtype=np.float64)
        self.isi_ss = np.zeros(self.n, dtype=np.float64)
        # ISI histogram per population on integer-step edges spaced evenly on a log axis (every ISI lies in
        # 1..n_steps steps), so it is filled in the streaming pass; plus exact per-population ISI count and sum
        self.isi_edges = isi_edges_steps(self.n_steps)
        self.isi_hist = np.zeros((len(self.names), self.isi_edges.size - 1), dtype=np.int64)
        self.isi_pop_n = np.zeros(len(self.names), dtype=np.int64)
        self.isi_pop_s = np.zeros(len(self.names), dtype=np.float64)
        self.raster = np.zeros(self.n, dtype=bool)
        if raster_neurons is not None:
            self.raster[np.asarray(raster_neurons, dtype=np.int64)] = True
        self.raster_t, self.raster_i = [], []

    def population_of(self, neurons):
        return np.searchsorted(self.offsets, neurons, side="right") - 1

    def add(self, steps, neurons):
        steps = np.asarray(steps, dtype=np.int64)
        neurons = np.asarray(neurons, dtype=np.int64)
        if steps.size == 0:
            return
        if neurons.min() < 0 or neurons.max() >= self.n:
            raise ValueError(f"neuron index outside 0..{self.n - 1}")
        pops = self.population_of(neurons)
        bins = np.minimum(steps // self.bin_steps, self.n_bins - 1)
        self.counts += np.bincount(pops * self.n_bins + bins, minlength=self.counts.size).reshape(self.counts.shape)
        keep = self.raster[neurons]
        self.raster_t.append(steps[keep])
        self.raster_i.append(neurons[keep])
        # ISIs: sort the chunk by neuron, then time; the previous spike of each is the one before it in the
        # chunk or, for a neuron's first spike in the chunk, its last spike of earlier chunks.
        order = np.lexsort((steps, neurons))
        n_s, t_s = neurons[order], steps[order]
        first = np.ones(n_s.size, dtype=bool)
        first[1:] = n_s[1:] != n_s[:-1]
        prev = np.empty_like(t_s)
        prev[1:] = t_s[:-1]
        prev[first] = self.last[n_s[first]]
        has = prev >= 0
        isi, who = t_s[has] - prev[has], n_s[has]
        isi_f = isi.astype(np.float64)  # whole steps: the sums are exact below 2^53
        self.isi_n += np.bincount(who, minlength=self.n)
        self.isi_s += np.bincount(who, weights=isi_f, minlength=self.n)
        self.isi_ss += np.bincount(who, weights=isi_f * isi_f, minlength=self.n)
        last = np.ones(n_s.size, dtype=bool)
        last[:-1] = n_s[1:] != n_s[:-1]
        self.last[n_s[last]] = t_s[last]
        ipop = self.population_of(who)
        b = np.clip(np.searchsorted(self.isi_edges, isi, side="right") - 1, 0, self.isi_hist.shape[1] - 1)
        nb = self.isi_hist.shape[1]
        self.isi_hist += np.bincount(ipop * nb + b, minlength=self.isi_hist.size).reshape(self.isi_hist.shape)
        self.isi_pop_n += np.bincount(ipop, minlength=len(self.names))
        self.isi_pop_s += np.bincount(ipop, weights=isi_f, minlength=len(self.names))

    # Results ------------------------------------------------------------------------------------------------
    def rates_hz(self):
        """(bin start times [ms], per population the mean rate per neuron in each bin [Hz])."""
        widths = np.full(self.n_bins, self.bin_steps, dtype=np.float64)
        widths[-1] = self.n_steps - self.bin_steps * (self.n_bins - 1)
        seconds = widths * self.dt_ms * 1e-3
        rates = self.counts / np.maximum(self.sizes, 1)[:, None] / seconds[None, :]
        return np.arange(self.n_bins) * self.bin_steps * self.dt_ms, rates

    def mean_rate_hz(self):
        """Per population: spikes per neuron per second over the whole run."""
        return self.counts.sum(axis=1) / np.maximum(self.sizes, 1) / (self.n_steps * self.dt_ms * 1e-3)

    def isi_histogram_ms(self, p):
        """(bin edges [ms], ISI counts) of population p."""
        return self.isi_edges * self.dt_ms, self.isi_hist[p]

    def mean_isi_ms(self, p):
        """Mean ISI [ms] of population p (NaN without ISIs)."""
        n = self.isi_pop_n[p]
        return self.isi_pop_s[p] / n * self.dt_ms if n else float("nan")

    def cv(self, min_isis=2):
        """Per neuron the CV of its ISIs (population std / mean), NaN for neurons with fewer than min_isis."""
        n = self.isi_n.astype(np.float64)
        ok = self.isi_n >= max(1, min_isis)
        mean = np.divide(self.isi_s, n, out=np.zeros_like(n), where=ok)
        var = np.divide(self.isi_ss, n, out=np.zeros_like(n), where=ok) - mean * mean
        out = np.full(self.n, np.nan)
        out[ok] = np.sqrt(np.maximum(var[ok], 0.0)) / mean[ok]
        return out

    def cv_of_population(self, p, min_isis=2):
        c = self.cv(min_isis)[self.offsets[p]:self.offsets[p + 1]]
        return c[~np.isnan(c)]

    def raster_spikes(self):
        """(times [ms], neuron indices) of the raster's neurons."""
        t = np.concatenate(self.raster_t) if self.raster_t else np.zeros(0, dtype=np.int64)
        i = np.concatenate(self.raster_i) if self.raster_i else np.zeros(0, dtype=np.int64)
        return t * self.dt_ms, i


def isi_edges_steps(n_steps, per_decade=20):
    """Histogram edges [steps] for ISIs of 1..n_steps steps: half-integers, about per_decade bins per decade,
    each bin holding at least one whole step."""
    k = max(2, int(np.ceil(np.log10(max(n_steps, 2)) * per_decade)) + 1)
    ints = np.unique(np.rint(np.geomspace(1, max(n_steps, 1) + 1, k)).astype(np.int64))
    return ints - 0.5


def default_bin_steps(dt_ms, n_steps, target_bins=200):
    """A bin of a round width in ms (1, 2, 5 x 10^k), at least one step, giving about target_bins bins."""
    want = n_steps * dt_ms / target_bins
    for k in range(-3, 7):
        for m in (1, 2, 5):
            width = m * 10.0**k
            if width >= want:
                return max(1, int(round(width / dt_ms)))
    return max(1, n_steps // target_bins)


def choose_raster_neurons(sizes, spikes, max_points=RASTER_POINTS, max_neurons=RASTER_NEURONS):
    """Network-wide indices of the raster's neurons: per population evenly spaced neurons. The budgets of
    max_neurons rows and max_points expected spikes (from the populations' spike counts) are shared in
    proportion to population size, each population getting at least min(its size, 20) rows."""
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    total = max(1, int(sum(sizes)))
    chosen = []
    for p, (size, count) in enumerate(zip(sizes, spikes)):
        if not size:
            continue
        share = size / total
        mean = count / size
        k = min(size, max(1, int(max_neurons * share)))
        if mean > 0:
            k = min(k, max(1, int(max_points * share / mean)))
        k = max(k, min(size, 20))
        chosen.append(offsets[p] + np.unique(np.linspace(0, size - 1, k).round().astype(np.int64)))
    return np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)


def read_csv_chunks(path, names, chunk_rows=CHUNK_ROWS):
    """Yields (steps, neurons) arrays of chunk_rows spikes at a time from a simulate spikes.csv."""
    with open(path) as f:
        header = f.readline().strip().split(",")
        if header[:3] != ["step", "time_ms", "neuron"]:
            raise ValueError(f"{path}: header {','.join(header)} is not step,time_ms,neuron,population")
        while True:
            lines = list(itertools.islice(f, chunk_rows))
            if not lines:
                return
            a = np.loadtxt(lines, delimiter=",", usecols=(0, 2), dtype=np.int64, ndmin=2)
            yield a[:, 0], a[:, 1]


def read_h5_chunks(path, names, offsets, dt_ms, chunk_rows=CHUNK_ROWS):
    """Yields (steps, neurons) from a simulate spikes.h5 (NIR NIRGraphData: per population
    /nodes/<name>/observables/spikes, EventData with idx and time [s] of shape (1, spikes)), population by
    population (each in time order; ISIs are per neuron, so the order across populations does not matter)."""
    import h5py
    with h5py.File(path, "r") as f:
        nodes = f["nodes"]
        for p, name in enumerate(names):
            if name not in nodes or "spikes" not in nodes[name]["observables"]:
                continue
            g = nodes[name]["observables"]["spikes"]
            n = g["idx"].shape[-1]
            for s in range(0, n, chunk_rows):
                idx = np.asarray(g["idx"][0, s:s + chunk_rows], dtype=np.int64)
                t = np.asarray(g["time"][0, s:s + chunk_rows], dtype=np.float64)
                yield np.rint(t * 1e3 / dt_ms).astype(np.int64), idx + offsets[p]


def read_traces(path):
    """{(population, variable): (times [ms], neuron indices within the population, values (samples, neurons),
    unit)} of a simulate traces.h5 (NIR TimeGriddedData: data of shape (1, samples, neurons), row j sampled at
    (j + 1) dt)."""
    import h5py
    out = {}
    with h5py.File(path, "r") as f:
        for pop, node in f["nodes"].items():
            for var, g in node["observables"].items():
                data = g["data"][0]
                dt_ms = float(g.attrs["dt"]) * 1e3
                unit = g.attrs.get("unit", "")
                out[pop, var] = (np.arange(1, data.shape[0] + 1) * dt_ms, g["idx"][0], data,
                                 unit.decode() if isinstance(unit, bytes) else str(unit))
    return out


def load(folder, chunk_rows=CHUNK_ROWS):
    """SpikeStats of a simulate output folder (summary.json and spikes.csv or spikes.h5)."""
    with open(os.path.join(folder, "summary.json")) as f:
        summary = json.load(f)
    pops = [(p["name"], int(p["neurons"])) for p in summary["populations"]]
    dt_ms, n_steps = float(summary["dt_ms"]), int(summary["steps"])
    sizes = [s for _, s in pops]
    raster = choose_raster_neurons(sizes, [int(p.get("spikes", 0)) for p in summary["populations"]])
    stats = SpikeStats(pops, dt_ms, n_steps, raster_neurons=raster)
    h5 = os.path.join(folder, "spikes.h5")
    csv = os.path.join(folder, "spikes.csv")
    if os.path.exists(h5) and have_h5py():
        chunks = read_h5_chunks(h5, stats.names, stats.offsets, dt_ms, chunk_rows)
    elif os.path.exists(csv):
        chunks = read_csv_chunks(csv, stats.names, chunk_rows)
    else:
        raise FileNotFoundError("no spikes.csv or spikes.h5 (simulate records spikes when [simulation] "
                                "record_spikes is true; spikes.h5 needs python3-h5py)")
    for steps, neurons in chunks:
        stats.add(steps, neurons)
    return summary, stats


def have_h5py():
    try:
        import h5py  # noqa: F401
        return True
    except ImportError:
        return False


def plot(folder, summary, stats):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out = os.path.join(folder, "plots")
    os.makedirs(out, exist_ok=True)
    colors = [f"C{p % 10}" for p in range(len(stats.names))]
    where = f"{os.path.basename(os.path.normpath(folder))}: {stats.n} neurons, {stats.n_steps * stats.dt_ms:g} ms"
    written = []

    def save(fig, name):
        fig.tight_layout()
        tmp = os.path.join(out, name + ".tmp.png")
        fig.savefig(tmp, dpi=110)
        os.replace(tmp, os.path.join(out, name))
        plt.close(fig)
        written.append(os.path.join(out, name))

    # raster
    t, i = stats.raster_spikes()
    shown = int(stats.raster.sum())
    fig, ax = plt.subplots(figsize=(9, 5))
    pops = stats.population_of(i)
    # rows: the raster's neurons renumbered 0..shown-1, population after population
    row = np.cumsum(stats.raster) - 1
    size = max(0.5, min(4.0, 300.0 / max(1, t.size) ** 0.5))  # marker size [pt]: smaller when dense
    for p, name in enumerate(stats.names):
        m = pops == p
        n_shown = int(stats.raster[stats.offsets[p]:stats.offsets[p + 1]].sum())
        ax.plot(t[m], row[i[m]], ls="none", marker="|" if t.size < 5000 else ".", ms=size, mew=0.6 if t.size < 5000 else 0,
                color=colors[p], label=f"{name} ({n_shown} of {stats.sizes[p]} neurons)", rasterized=True)
    if t.size == 0:
        ax.text(0.5, 0.5, "no spikes", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlim(0, stats.n_steps * stats.dt_ms)
    ax.set_ylim(-0.5, max(shown, 1) - 0.5)
    ax.set_xlabel("time [ms]")
    ax.set_ylabel("neuron (shown subsample)" if shown < stats.n else "neuron")
    ax.set_title(f"Spike raster ({where})", fontsize=10)
    ax.legend(fontsize=8, loc="upper right", markerscale=max(1.0, 6.0 / size), framealpha=0.9)
    save(fig, "raster.png")

    # population rates
    t0, rates = stats.rates_hz()
    mean = stats.mean_rate_hz()
    fig, ax = plt.subplots(figsize=(9, 4))
    for p, name in enumerate(stats.names):
        ax.step(t0, rates[p], where="post", color=colors[p], lw=1, label=f"{name} (mean {mean[p]:.2f} Hz)")
    ax.set_xlabel("time [ms]")
    ax.set_ylabel("rate per neuron [Hz]")
    ax.set_xlim(0, stats.n_steps * stats.dt_ms)
    ax.set_title(f"Population rates, {stats.bin_steps * stats.dt_ms:g} ms bins ({where})", fontsize=10)
    ax.legend(fontsize=8)
    save(fig, "rates.png")

    # ISI histograms
    fig, ax = plt.subplots(figsize=(8, 4.5))
    lo_hi = np.nonzero(stats.isi_hist.sum(axis=0))[0]
    for p, name in enumerate(stats.names):
        edges, counts = stats.isi_histogram_ms(p)
        if counts.sum():
            ax.stairs(counts, edges, color=colors[p], lw=1.2,
                      label=f"{name} ({counts.sum()} ISIs, mean {stats.mean_isi_ms(p):.3g} ms)")
    if lo_hi.size:
        edges = stats.isi_edges * stats.dt_ms
        ax.set_xscale("log")
        ax.set_xlim(edges[lo_hi[0]] * 0.8, edges[lo_hi[-1] + 1] * 1.25)
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "no neuron spiked twice", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("inter-spike interval [ms] (log bins)")
    ax.set_ylabel("count [ISIs per bin]")
    ax.set_title(f"ISI distribution ({where})", fontsize=10)
    save(fig, "isi.png")

    # CV histograms
    cvs = [stats.cv_of_population(p) for p in range(len(stats.names))]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    hi = max([float(c.max()) for c in cvs if c.size] + [1.0])
    edges = np.linspace(0, hi * 1.0001, 41)
    any_cv = False
    for p, name in enumerate(stats.names):
        if cvs[p].size:
            any_cv = True
            ax.hist(cvs[p], bins=edges, histtype="step", color=colors[p], lw=1.2,
                    label=f"{name} ({cvs[p].size} neurons, median {np.median(cvs[p]):.2f})")
    ax.axvline(1.0, color="grey", ls=":", lw=1, label="CV = 1 (Poisson)")
    if not any_cv:
        ax.text(0.5, 0.5, "no neuron has 2 ISIs", ha="center", va="center", transform=ax.transAxes)
    ax.legend(fontsize=8)
    ax.set_xlabel("CV of ISI (std / mean, neurons with at least 2 ISIs) [dimensionless]")
    ax.set_ylabel("count [neurons]")
    ax.set_title(f"ISI irregularity per neuron ({where})", fontsize=10)
    save(fig, "cv.png")

    traces_h5 = os.path.join(folder, "traces.h5")
    if os.path.exists(traces_h5) and have_h5py():
        plot_traces(read_traces(traces_h5), where, save, plt)
    return written


TRACE_LINES = 8  # neurons drawn per panel at most


def plot_traces(traces, where, save, plt):
    """traces.png: one panel per recorded (population, variable), at most TRACE_LINES neurons each."""
    keys = sorted(traces, key=lambda k: (k[0], ["v", "ge", "gi"].index(k[1]) if k[1] in ("v", "ge", "gi") else 9))
    if not keys:
        return
    names = {"v": "membrane v", "ge": "excitatory current ge", "gi": "inhibitory current gi"}
    fig, axes = plt.subplots(len(keys), 1, figsize=(9, 2.6 * len(keys) + 0.6), sharex=True, squeeze=False)
    for ax, key in zip(axes[:, 0], keys):
        t, idx, data, unit = traces[key]
        shown = np.unique(np.linspace(0, data.shape[1] - 1, min(TRACE_LINES, data.shape[1])).round().astype(int))
        for c in shown:
            ax.plot(t, data[:, c], lw=0.8, label=f"neuron {idx[c]}")
        label = "dimensionless" if unit == "1" else unit
        ax.set_ylabel(f"{key[1]} [{label}]")
        more = f", {len(shown)} of {data.shape[1]} recorded neurons" if len(shown) < data.shape[1] else ""
        ax.set_title(f"{key[0]}: {names.get(key[1], key[1])}{more}", fontsize=9)
        ax.legend(fontsize=7, loc="upper right", ncol=min(4, len(shown)), framealpha=0.9)
    axes[-1, 0].set_xlabel("time [ms]")
    fig.suptitle(f"State traces ({where})", fontsize=10)
    save(fig, "traces.png")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: plot_sim.py SIMULATE_DIR")
    folder = sys.argv[1]
    sys.stdout.reconfigure(errors="surrogateescape")
    if not os.path.exists(os.path.join(folder, "summary.json")):
        sys.exit(f"{folder}: no summary.json (is it a spikeworm simulate --out folder?)")
    try:
        summary, stats = load(folder)
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"plot_sim.py: {folder}: {e}")
    print("wrote " + ", ".join(plot(folder, summary, stats)))


if __name__ == "__main__":
    main()
