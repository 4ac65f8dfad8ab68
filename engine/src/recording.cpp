// HDF5 recordings in NIR's NIRGraphData layout (engine/recording.hpp, docs/recording.md).
#include "spikeworm/engine/recording.hpp"

#include <algorithm>
#include <optional>
#include <string>

namespace spikeworm {

namespace {

constexpr std::size_t chunk_values = std::size_t{1} << 16;  // values per HDF5 chunk: 256-512 kB

// The NIRGraphData skeleton: root type, /nodes, and per population /nodes/<name> (NIRNodeData) with its
// observables group.
h5::group nodes_group(const h5::file& f) {
  f.attribute("__type__", "NIRGraphData");
  return f.create_group("nodes");
}

h5::group observables_of(const h5::group& nodes, const std::string& population) {
  const h5::group node = nodes.create_group(population);
  node.attribute("__type__", "NIRNodeData");
  return node.create_group("observables");
}

}  // namespace

spike_h5_writer::spike_h5_writer(const std::filesystem::path& path, const network& net) : net_(&net), file_(path) {
  const auto& pops = net.populations();
  const h5::group nodes = nodes_group(file_);
  slot_.assign(pops.size(), -1);
  pops_.reserve(pops.size());
  for (std::size_t p = 0; p < pops.size(); ++p) {
    if (!pops[p].record.spikes) continue;
    h5::group g = observables_of(nodes, pops[p].name).create_group("spikes");
    g.attribute("__type__", "EventData");
    g.attribute("n_neurons", static_cast<std::int64_t>(pops[p].size));
    h5::growing_dataset idx(g, "idx", h5::element::int32, 0, chunk_values, compress_recordings);
    h5::growing_dataset time(g, "time", h5::element::float64, 0, chunk_values, compress_recordings);
    slot_[p] = static_cast<std::int32_t>(pops_.size());
    pops_.push_back({p, std::move(g), std::move(idx), std::move(time), {}, {}});
  }
}

void spike_h5_writer::append(std::span<const spike> spikes) {
  const auto& pops = net_->populations();
  const double dt_s = net_->dt_ms() * 1e-3;
  for (auto& o : pops_) {
    o.idx_buffer.clear();
    o.time_buffer.clear();
  }
  for (const spike& s : spikes) {
    const std::size_t p = net_->population_of(s.neuron);
    if (slot_[p] < 0) continue;
    auto& o = pops_[static_cast<std::size_t>(slot_[p])];
    o.idx_buffer.push_back(static_cast<std::int32_t>(s.neuron - pops[p].first));
    o.time_buffer.push_back(static_cast<double>(s.step) * dt_s);
  }
  for (auto& o : pops_) {
    o.idx.append(std::span<const std::int32_t>(o.idx_buffer));
    o.time.append(std::span<const double>(o.time_buffer));
  }
}

void spike_h5_writer::commit(step_t steps) {
  const double t_max = static_cast<double>(steps) * net_->dt_ms() * 1e-3;
  for (auto& o : pops_) o.observable.attribute("t_max", t_max);
  file_.commit();
}

trace_h5_writer::trace_h5_writer(const std::filesystem::path& path, const engine& eng) : file_(path) {
  const network& net = eng.net();
  const auto& pops = net.populations();
  const h5::group nodes = nodes_group(file_);
  std::vector<std::optional<h5::group>> observables(pops.size());
  for (const trace& t : eng.traces()) {
    const population& p = pops[t.population];
    if (!observables[t.population]) observables[t.population] = observables_of(nodes, p.name);
    const h5::group g = observables[t.population]->create_group(to_string(t.variable));
    g.attribute("__type__", "TimeGriddedData");
    g.attribute("dt", static_cast<double>(t.interval) * net.dt_ms() * 1e-3);
    // coba_lif, coba_alpha_lif: v in mV, their conductances ge, gi dimensionless (units of the leak conductance).
    const bool current_based = p.model == model_kind::cuba_lif || p.model == model_kind::cuba_alpha_lif;
    const bool conductance_based = p.model == model_kind::coba_lif || p.model == model_kind::coba_alpha_lif;
    const bool mv = current_based || (conductance_based && t.variable == state_variable::v);
    g.attribute("unit", mv ? "mV" : "1");
    const std::size_t width = t.neurons.size();
    h5::growing_dataset idx(g, "idx", h5::element::int32, 0, width, false);
    std::vector<std::int32_t> local(width);
    for (std::size_t c = 0; c < width; ++c) local[c] = static_cast<std::int32_t>(t.neurons[c] - p.first);
    idx.append(std::span<const std::int32_t>(local));
    data_.emplace_back(g, "data", h5::element::float64, width, std::max<std::size_t>(1, chunk_values / width),
                       compress_recordings);
  }
}

void trace_h5_writer::append(const engine& eng) {
  const auto& traces = eng.traces();
  for (std::size_t k = 0; k < traces.size(); ++k) data_[k].append(std::span<const double>(traces[k].values));
}

double trace_bytes_per_step(const engine& eng) {
  double b = 0.0;
  for (const trace& t : eng.traces())
    b += static_cast<double>(t.neurons.size() * sizeof(state_t)) / static_cast<double>(t.interval);
  return b;
}

}  // namespace spikeworm
