"""An independent numpy reference simulator for NIR graph files (docs/nir.md, "The numpy reference").

It reads a NIR file (HDF5) with h5py and runs it step by step in float64, writing every update in the
arithmetic order given below, so that spikeworm's own NIR runner can be compared with it spike for spike
and bit for bit.

Graph
  Nodes are read in HDF5 name order. Nested NIRGraph nodes are inlined with the names "graph.node"; an edge
  into a nested graph goes to its single Input node, an edge out of it leaves from its single Output node.
  The flat edge list holds, for each graph, the edges of its nested graphs (in node name order) and then its
  own edges in file order.
  Recurrent edges are the back edges of a depth-first search that starts from the top-level Input nodes in
  name order and then from every still unvisited node in node order; a node's successors are visited in edge
  order, and an edge to a node still on the stack is a back edge. A back edge carries its source's output of
  the previous step; before step 1, Inputs and neurons output zeros and the other nodes map those (an
  Affine on a back edge gives its bias at step 1). Every other edge carries the same step's, and the nodes are evaluated
  in a topological order of the other edges.
  A node's input u is 0 plus its incoming edges' values, added in edge order (no incoming edge: zeros).

Nodes (step t = 1..T; dt in seconds)
  Input      top level: the user's row t; nested: u.      Output  u.
  Affine     W @ u + b.   Linear  W @ u.   W @ u is summed over the columns in order, each product
             rounded before it is added: y = ((0 + W[:,0]*u[0]) + W[:,1]*u[1]) + ...
  Scale      scale * u.   Flatten  u.   Threshold  1.0 where u > threshold else 0.0.
  Delay      u of step t - d (zeros before step 1), d = round(delay / dt), the same for every element.
  LIF        v = v + (dt / tau) * ((v_leak - v) + r * u); s = v > v_threshold; reset; output s.
  CubaLIF    I = I + (dt / tau_syn) * (w_in * u - I); v = v + (dt / tau_mem) * ((v_leak - v) + r * I);
             s = v > v_threshold; reset (I is not reset); output s.
  IF         v = v + dt * r * u; s = v > v_threshold; reset; output s.
  LI         v = v + (dt / tau) * ((v_leak - v) + r * u); output v.
  CubaLI     I and v as CubaLIF; output v.
  I          v = v + dt * r * u; output v.
  Reset where s: v = v_reset (reset="value") or v = v - (v_threshold - v_reset) (reset="subtract").
  v and I start at 0; v_reset defaults to 0 and w_in to 1 (files of version 0.1 lack them). dt / tau is one
  float64 division. Any other node type raises ValueError naming the node and its type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import h5py
import numpy as np

NEURONS = {"LIF", "CubaLIF", "IF", "LI", "CubaLI", "I"}
SPIKING = {"LIF", "CubaLIF", "IF"}
CURRENT = {"CubaLIF", "CubaLI"}
# Parameters each neuron type needs; v_reset and w_in have defaults.
NEURON_PARAMS = {
    "LIF": ("tau", "r", "v_leak", "v_threshold"),
    "CubaLIF": ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold"),
    "IF": ("r", "v_threshold"),
    "LI": ("tau", "r", "v_leak"),
    "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak"),
    "I": ("r",),
}
OTHER = {"Input", "Output", "Affine", "Linear", "Scale", "Flatten", "Threshold", "Delay"}


@dataclass
class Node:
    name: str  # flat name
    type: str
    params: dict
    top_level: bool
    size_in: int = 0
    size_out: int = 0


@dataclass
class Plan:
    nodes: list  # of Node, in the depth-first search's vertex order
    edges: list  # of (from index, to index), flat edge order
    recurrent: list  # bool per edge
    order: list  # node indices, topological in the non-recurrent edges
    index: dict = field(default_factory=dict)  # flat name -> node index


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _children(group: h5py.Group):
    """(name, object) in HDF5 name order (byte order), as spikeworm's reader lists them."""
    return sorted(group.items(), key=lambda kv: kv[0].encode())


def _read_graph(group: h5py.Group, prefix: str, nodes: list, edges: list, where: str):
    """Appends the graph's nodes and flat edges; returns (entry, exit) flat names of a nested graph."""
    top = prefix == ""
    nested = {}
    local = []
    for name, obj in _children(group["nodes"]):
        if not isinstance(obj, h5py.Group):
            continue
        if "type" not in obj:
            raise ValueError(f"{where}: node '{prefix + name}' has no type")
        kind = _text(obj["type"][()])
        if kind == "NIRGraph":
            nested[name] = _read_graph(obj, prefix + name + ".", nodes, edges, where)
            continue
        params = {}
        for key, item in obj.items():
            if key == "type" or not isinstance(item, h5py.Dataset):
                continue  # input_type/, output_type/ are not parameters
            if item.dtype.kind in "biuf":
                params[key] = np.asarray(item[()], dtype=np.float64)
            else:
                params[key] = item[()]
        nodes.append(Node(prefix + name, kind, params, top))
        local.append((name, kind))
    if "edges" in group:
        raw = group["edges"][()]
        pairs = np.asarray(raw).reshape(-1, 2) if np.size(raw) else np.empty((0, 2))
        names = {n for n, _ in local} | set(nested)
        for k, (a, b) in enumerate(pairs):
            a, b = _text(a), _text(b)
            for end in (a, b):
                if end not in names:
                    raise ValueError(f"{where}: edge {k} ({a} -> {b}) of graph '{prefix or '/'}' names '{end}', "
                                     "which is not one of its nodes")
            edges.append((nested[a][1] if a in nested else prefix + a, nested[b][0] if b in nested else prefix + b))
    if top:
        return None
    inputs = [prefix + n for n, k in local if k == "Input"]
    outputs = [prefix + n for n, k in local if k == "Output"]
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(f"{where}: nested graph '{prefix[:-1]}' has {len(inputs)} Input and {len(outputs)} Output "
                         "nodes; it needs one of each")
    return inputs[0], outputs[0]


def _param(node: Node, key: str) -> np.ndarray:
    if key not in node.params:
        raise ValueError(f"NIR node '{node.name}' ({node.type}) has no parameter '{key}'")
    return node.params[key]


def _sizes(node: Node):
    """(in, out) element counts; 0 for a Flatten, whose size comes from its input."""
    t = node.type
    if t in ("Input", "Output"):
        k = int(np.prod(_param(node, "shape")))
        return k, k
    if t in ("Affine", "Linear"):
        w = _param(node, "weight")
        if w.ndim != 2:
            raise ValueError(f"NIR node '{node.name}' ({t}): weight has {w.ndim} dimensions, expected 2")
        if t == "Affine" and _param(node, "bias").size != w.shape[0]:
            raise ValueError(f"NIR node '{node.name}' (Affine): bias has {node.params['bias'].size} elements for "
                             f"{w.shape[0]} outputs")
        return w.shape[1], w.shape[0]
    if t in ("Scale", "Threshold", "Delay"):
        k = _param(node, {"Scale": "scale", "Threshold": "threshold", "Delay": "delay"}[t]).size
        return k, k
    if t == "Flatten":
        return 0, 0
    if t in NEURONS:
        for key in NEURON_PARAMS[t]:
            _param(node, key)
        sizes = {key: a.size for key, a in node.params.items()
                 if isinstance(a, np.ndarray) and a.dtype == np.float64 and a.size != 1}
        if len(set(sizes.values())) > 1:
            raise ValueError(f"NIR node '{node.name}' ({t}): parameters of different sizes {sizes}")
        k = next(iter(sizes.values()), 1)
        return k, k
    raise ValueError(f"NIR node '{node.name}' is a {t}, which the reference does not run")


def _back_edges(n: int, edges: list) -> list:
    """Back edges of a depth-first search over vertices 0..n-1 (each root in order; successors in edge order)."""
    out = [[] for _ in range(n)]
    for k, (a, b) in enumerate(edges):
        out[a].append((k, b))
    white, grey, black = 0, 1, 2
    colour = [white] * n
    back = [False] * len(edges)
    for root in range(n):
        if colour[root] != white:
            continue
        colour[root] = grey
        stack = [(root, 0)]
        while stack:
            u, i = stack[-1]
            if i == len(out[u]):
                colour[u] = black
                stack.pop()
                continue
            stack[-1] = (u, i + 1)
            k, v = out[u][i]
            if colour[v] == white:
                colour[v] = grey
                stack.append((v, 0))
            elif colour[v] == grey:
                back[k] = True
    return back


def _topological(n: int, edges: list) -> list:
    indegree = [0] * n
    out = [[] for _ in range(n)]
    for a, b in edges:
        out[a].append(b)
        indegree[b] += 1
    ready = [i for i in range(n) if indegree[i] == 0]
    order = []
    while ready:
        u = ready.pop(0)
        order.append(u)
        for v in out[u]:
            indegree[v] -= 1
            if indegree[v] == 0:
                ready.append(v)
    if len(order) != n:
        raise AssertionError("the non-recurrent edges form a cycle")  # impossible after removing back edges
    return order


def plan(path) -> Plan:
    """Reads a NIR file into a flat plan: nodes, edges, which edges are recurrent, an evaluation order."""
    where = str(path)
    with h5py.File(path, "r") as f:
        if "version" not in f:
            raise ValueError(f"{where}: not a NIR graph file (no /version)")
        if "node" not in f or not isinstance(f["node"], h5py.Group):
            raise ValueError(f"{where}: not a NIR graph file (no /node group)")
        nodes, named = [], []
        _read_graph(f["node"], "", nodes, named, where)
    # Top-level Inputs first, in name order; the others keep their order.
    inputs = sorted((x for x in nodes if x.top_level and x.type == "Input"), key=lambda x: x.name.encode())
    nodes = inputs + [x for x in nodes if not (x.top_level and x.type == "Input")]
    index = {x.name: i for i, x in enumerate(nodes)}
    edges = [(index[a], index[b]) for a, b in named]
    for x in nodes:
        x.size_in, x.size_out = _sizes(x)
    for _ in nodes:  # Flatten takes the size of its input
        changed = False
        for a, b in edges:
            if nodes[b].size_in == 0 and nodes[a].size_out != 0:
                nodes[b].size_in = nodes[b].size_out = nodes[a].size_out
                changed = True
        if not changed:
            break
    for a, b in edges:
        if nodes[a].size_out != nodes[b].size_in:
            raise ValueError(f"NIR edge {nodes[a].name} -> {nodes[b].name}: {nodes[a].name} outputs "
                             f"{nodes[a].size_out} elements, {nodes[b].name} takes {nodes[b].size_in}")
    recurrent = _back_edges(len(nodes), edges)
    order = _topological(len(nodes), [e for e, r in zip(edges, recurrent) if not r])
    return Plan(nodes, edges, recurrent, order, index)


def _matvec(w: np.ndarray, u: np.ndarray) -> np.ndarray:
    """W @ u summed over the columns in order, each product rounded before it is added."""
    y = np.zeros(w.shape[0])
    for j in range(w.shape[1]):
        y = y + w[:, j] * u[j]
    return y


def _delay_steps(node: Node, dt: float) -> int:
    delay = node.params["delay"].ravel()
    steps = delay / dt
    d = np.round(steps)
    if np.any(delay < 0) or np.any(np.abs(steps - d) > 1e-6 * np.abs(steps)):
        raise ValueError(f"NIR node '{node.name}' (Delay): delays {delay.tolist()} s are not multiples of dt = {dt}")
    if np.any(d != d[0]):
        raise ValueError(f"NIR node '{node.name}' (Delay): delays {delay.tolist()} s differ between elements")
    return int(d[0]) if d.size else 0


def simulate(path, inputs, dt, reset="value", record=(), steps=None):
    """Runs the NIR graph in `path` for T steps of dt seconds.

    inputs: {top-level Input name: array (T, width)}, or one array when the graph has one top-level Input.
    reset: "value" or "subtract". record: flat node names whose state to return. steps: T when the graph has
    no Input node.
    Returns {"outputs": {top-level Output name: (T, width)}, name: {"y": output (T, out), "v": (T, N),
    "i": (T, N) for CubaLIF/CubaLI, "spikes": (T, N) 0/1 for LIF/CubaLIF/IF}} for each recorded name; v is
    after the reset of its step.
    """
    if reset not in ("value", "subtract"):
        raise ValueError(f"reset '{reset}' is neither 'value' nor 'subtract'")
    dt = float(dt)
    p = plan(path)
    nodes = p.nodes
    top_inputs = [x.name for x in nodes if x.top_level and x.type == "Input"]
    if not isinstance(inputs, dict):
        if len(top_inputs) != 1:
            raise ValueError(f"the graph has {len(top_inputs)} Input nodes {top_inputs}; give inputs as a dict")
        inputs = {top_inputs[0]: inputs}
    extra = set(inputs) - set(top_inputs)
    if extra:
        raise ValueError(f"inputs {sorted(extra)} are not Input nodes of the graph (those are {top_inputs})")
    data = {}
    for name in top_inputs:
        if name not in inputs:
            raise ValueError(f"no input given for Input node '{name}'")
        a = np.asarray(inputs[name], dtype=np.float64)
        a = a.reshape(a.shape[0], -1) if a.ndim >= 1 else a
        if a.ndim != 2 or a.shape[1] != nodes[p.index[name]].size_out:
            raise ValueError(f"input '{name}' has shape {np.shape(inputs[name])}; expected (T, "
                             f"{nodes[p.index[name]].size_out})")
        data[name] = a
    lengths = {a.shape[0] for a in data.values()} | ({int(steps)} if steps is not None else set())
    if len(lengths) != 1:
        raise ValueError(f"inputs and steps give different numbers of steps {sorted(lengths)}")
    T = lengths.pop()
    for name in record:
        if name not in p.index:
            raise ValueError(f"recorded node '{name}' is not a node of the graph")

    # Per-node constants and state.
    state = []
    for x in nodes:
        s = {}
        n = x.size_out
        if x.type in ("Affine", "Linear"):
            s["w"] = x.params["weight"]
            if x.type == "Affine":
                s["b"] = x.params["bias"].ravel()
        elif x.type == "Scale":
            s["scale"] = x.params["scale"].ravel()
        elif x.type == "Threshold":
            s["threshold"] = x.params["threshold"].ravel()
        elif x.type == "Delay":
            s["d"] = _delay_steps(x, dt)
            s["history"] = []
        elif x.type in NEURONS:
            def get(key, default=None):
                a = x.params.get(key)
                if a is None:
                    return np.full(n, default, dtype=np.float64)
                return np.broadcast_to(np.asarray(a, dtype=np.float64).ravel(), (n,)).copy()
            for key in NEURON_PARAMS[x.type]:
                s[key] = get(key)
            if x.type in SPIKING:
                s["v_reset"] = get("v_reset", 0.0)
            if x.type in CURRENT:
                s["w_in"] = get("w_in", 1.0)
                s["I"] = np.zeros(n)
            if "tau" in s:
                s["c"] = dt / s["tau"]
            if "tau_mem" in s:
                s["c_mem"] = dt / s["tau_mem"]
                s["c_syn"] = dt / s["tau_syn"]
            s["v"] = np.zeros(n)
        state.append(s)

    incoming = [[] for _ in nodes]
    for k, (a, b) in enumerate(p.edges):
        incoming[b].append(k)
    # Outputs before step 1: every Input and neuron gives zeros, and the other nodes map those (an Affine
    # gives its bias, a Delay zeros); a back edge carries these values into step 1.
    previous = [np.zeros(x.size_out) for x in nodes]
    for i in p.order:
        x, s = nodes[i], state[i]
        u = np.zeros(x.size_in)
        for k in incoming[i]:
            a = p.edges[k][0]
            u = u + (np.zeros(nodes[a].size_out) if p.recurrent[k] else previous[a])
        if x.type == "Affine":
            previous[i] = _matvec(s["w"], u) + s["b"]
        elif x.type == "Linear":
            previous[i] = _matvec(s["w"], u)
        elif x.type == "Scale":
            previous[i] = s["scale"] * u
        elif x.type in ("Flatten", "Output") or (x.type == "Input" and not x.top_level):
            previous[i] = u
    out_rows = {x.name: np.zeros((T, x.size_out)) for x in nodes if x.top_level and x.type == "Output"}
    rec = {}
    for name in record:
        x = nodes[p.index[name]]
        r = {"y": np.zeros((T, x.size_out))}
        if x.type in NEURONS:
            r["v"] = np.zeros((T, x.size_out))
        if x.type in CURRENT:
            r["i"] = np.zeros((T, x.size_out))
        if x.type in SPIKING:
            r["spikes"] = np.zeros((T, x.size_out))
        rec[name] = r

    for t in range(T):
        current = [None] * len(nodes)
        for i in p.order:
            x, s = nodes[i], state[i]
            u = np.zeros(x.size_in)
            for k in incoming[i]:
                a = p.edges[k][0]
                u = u + (previous[a] if p.recurrent[k] else current[a])
            kind = x.type
            if kind == "Input":
                y = data[x.name][t].copy() if x.top_level else u
            elif kind in ("Output", "Flatten"):
                y = u
            elif kind == "Affine":
                y = _matvec(s["w"], u) + s["b"]
            elif kind == "Linear":
                y = _matvec(s["w"], u)
            elif kind == "Scale":
                y = s["scale"] * u
            elif kind == "Threshold":
                y = np.where(u > s["threshold"], 1.0, 0.0)
            elif kind == "Delay":
                s["history"].append(u)  # u of steps t - d .. t once full
                if len(s["history"]) > s["d"] + 1:
                    s["history"].pop(0)
                y = s["history"][0] if len(s["history"]) == s["d"] + 1 else np.zeros(x.size_out)
            else:
                v = s["v"]
                if kind in ("LIF", "LI"):
                    v = v + s["c"] * ((s["v_leak"] - v) + s["r"] * u)
                elif kind in ("IF", "I"):
                    v = v + dt * s["r"] * u
                else:  # CubaLIF, CubaLI
                    s["I"] = s["I"] + s["c_syn"] * (s["w_in"] * u - s["I"])
                    v = v + s["c_mem"] * ((s["v_leak"] - v) + s["r"] * s["I"])
                if kind in SPIKING:
                    spikes = v > s["v_threshold"]
                    if reset == "value":
                        v = np.where(spikes, s["v_reset"], v)
                    else:
                        v = np.where(spikes, v - (s["v_threshold"] - s["v_reset"]), v)
                    y = spikes.astype(np.float64)
                else:
                    y = v
                s["v"] = v
            current[i] = y
            if x.name in out_rows:
                out_rows[x.name][t] = y
            if x.name in rec:
                r = rec[x.name]
                r["y"][t] = y
                if "v" in r:
                    r["v"][t] = s["v"]
                if "i" in r:
                    r["i"][t] = s["I"]
                if "spikes" in r:
                    r["spikes"][t] = y
        previous = current
    result = {"outputs": out_rows}
    result.update(rec)
    return result
