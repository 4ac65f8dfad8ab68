// Where spiking pays: one spiking layer against one dense layer on an energy table (docs/energy.md, "Where
// spiking pays").
#include "spikeworm/learning/crossover.hpp"

#include <cmath>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm {

double event_driven_updates(const layer_shape& s) {
  // 1 - (1 - rate)^n_in, accurate for tiny rates.
  const double touched = s.rate >= 1.0 ? 1.0 : -std::expm1(static_cast<double>(s.n_in) * std::log1p(-s.rate));
  return static_cast<double>(s.n_out) * s.steps * touched;
}

layer_ops layer_ops_of(const layer_shape& s, const energy_table& t) {
  layer_ops o;
  o.sops = s.rate * static_cast<double>(s.n_in) * s.steps * static_cast<double>(s.n_out);
  o.updates = t.chip ? static_cast<double>(s.n_out) * s.steps : event_driven_updates(s);
  o.macs = static_cast<double>(s.n_in) * static_cast<double>(s.n_out);
  return o;
}

layer_energy layer_energy_of(const layer_shape& s, const energy_table& t) {
  const layer_ops o = layer_ops_of(s, t);
  layer_energy e;
  // The same terms as a brain's (docs/energy.md, "The energy model"): on cmos tables every synaptic op reads
  // its weight and every update reads and writes its state; on chips memory is inside the op figures.
  const double weight_bytes = o.macs * t.weight_bits / 8.0;
  const double state_bytes = static_cast<double>(s.n_out) * t.state_bits / 8.0;
  const double read_w = t.chip ? 0.0 : (t.weight_bits / 64.0) * t.read_64bit_pj(weight_bytes);
  const double rw_state = t.chip ? 0.0 : 2.0 * (t.state_bits / 64.0) * t.read_64bit_pj(state_bytes);
  e.spiking.synaptic = o.sops * t.sop_pj;
  e.spiking.neuron = o.updates * t.neuron_update_pj;
  e.spiking.memory = o.sops * read_w + o.updates * rw_state;
  e.dense = dense_pass(o.macs, t);
  return e;
}

double breakeven_rate(std::uint64_t n_in, std::uint64_t n_out, int steps, const energy_table& t) {
  const double reference = dense_pass(static_cast<double>(n_in) * static_cast<double>(n_out), t).total();
  auto cost = [&](double rate) { return layer_energy_of({n_in, n_out, steps, rate}, t).spiking.total(); };
  // The spiking layer's energy is non-decreasing in the rate; at rate 0+ a chip still pays its N x T updates.
  const double floor = t.chip ? static_cast<double>(n_out) * steps * t.neuron_update_pj : 0.0;
  if (floor >= reference) return never_pays;
  if (cost(1.0) < reference) return always_pays;
  double lo = 0.0, hi = 1.0;  // cost(lo) < reference <= cost(hi)
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (cost(mid) < reference ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

namespace {

void check_grid(crossover_grid& g) {
  if (g.rates.empty())
    for (int i = 0; i < 25; ++i) g.rates.push_back(0.001 * std::pow(300.0, i / 24.0));
  if (g.widths.empty() || g.steps.empty()) throw error("crossover map: the widths and the steps must not be empty");
  for (auto w : g.widths)
    if (w == 0 || w > (std::uint64_t{1} << 24)) throw error(fmt::format("crossover map: width {} is not in [1, 16777216]", w));
  for (int t : g.steps)
    if (t < 1 || t > 1000000) throw error(fmt::format("crossover map: steps {} is not in [1, 1000000]", t));
  for (double r : g.rates)
    if (!(r > 0.0 && r <= 1.0)) throw error(fmt::format("crossover map: rate {} is not in (0, 1]", r));
  if (static_cast<double>(g.widths.size()) * static_cast<double>(g.steps.size()) * static_cast<double>(g.rates.size()) > 1e7)
    throw error(fmt::format("crossover map: {} widths x {} steps x {} rates is more than 10 million points",
                            g.widths.size(), g.steps.size(), g.rates.size()));
}

nlohmann::json rate_json(double r) {
  if (r == never_pays) return "never";
  if (r == always_pays) return "always";
  return r;
}

}  // namespace

crossover_map crossover(const std::vector<energy_table>& tables, crossover_grid grid, std::vector<crossover_point> points) {
  check_grid(grid);
  crossover_map m;
  m.grid = std::move(grid);
  const auto& g = m.grid;
  for (const auto& t : tables) {
    crossover_table ct{t.id, t.name, t.chip, {}, {}};
    ct.breakeven.reserve(g.steps.size() * g.widths.size());
    ct.ratio.reserve(g.steps.size() * g.widths.size() * g.rates.size());
    for (int T : g.steps)
      for (auto w : g.widths) {
        ct.breakeven.push_back(breakeven_rate(w, w, T, t));
        for (double r : g.rates) ct.ratio.push_back(layer_energy_of({w, w, T, r}, t).ratio());
      }
    m.tables.push_back(std::move(ct));
  }
  for (auto& p : points) {
    if (p.width == 0 || p.steps < 1 || !(p.rate >= 0.0 && p.rate <= 1.0))
      throw error(fmt::format("crossover map: {}: width {}, steps {}, rate {} is not a layer", p.label, p.width, p.steps, p.rate));
    p.ratio.clear();
    p.breakeven.clear();
    for (const auto& t : tables) {
      p.ratio.push_back(layer_energy_of({p.width, p.width, p.steps, p.rate}, t).ratio());
      p.breakeven.push_back(breakeven_rate(p.width, p.width, p.steps, t));
    }
  }
  m.points = std::move(points);
  return m;
}

nlohmann::json crossover_map::to_json() const {
  const auto& g = grid;
  nlohmann::json tj = nlohmann::json::array();
  for (const auto& t : tables) {
    nlohmann::json be = nlohmann::json::array(), ratio = nlohmann::json::array();
    for (std::size_t s = 0; s < g.steps.size(); ++s) {
      nlohmann::json row = nlohmann::json::array(), rrow = nlohmann::json::array();
      for (std::size_t w = 0; w < g.widths.size(); ++w) {
        row.push_back(rate_json(t.breakeven[s * g.widths.size() + w]));
        const auto* first = t.ratio.data() + (s * g.widths.size() + w) * g.rates.size();
        rrow.push_back(std::vector<double>(first, first + g.rates.size()));
      }
      be.push_back(std::move(row));
      ratio.push_back(std::move(rrow));
    }
    tj.push_back({{"id", t.id}, {"name", t.name}, {"kind", t.chip ? "chip" : "cmos"}, {"breakeven_rate", be},
                  {"energy_ratio", ratio}});
  }
  nlohmann::json pj = nlohmann::json::array();
  for (const auto& p : points) {
    nlohmann::json be = nlohmann::json::array();
    for (double r : p.breakeven) be.push_back(rate_json(r));
    pj.push_back({{"label", p.label}, {"width", p.width}, {"steps", p.steps}, {"rate", p.rate}, {"energy_ratio", p.ratio},
                  {"breakeven_rate", be}});
  }
  return {{"widths", g.widths}, {"steps", g.steps}, {"rates", g.rates}, {"tables", tj}, {"points", pj}};
}

}  // namespace spikeworm
