// The quantizer: lsb per population from every range it must hold, integer weights per projection (a
// power-of-two shift on integer chips, a ternary magnitude on TrueNorth), fixed_lif parameters
// (docs/deployment.md).
#include "spikeworm/deploy/quantize.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm {

void quantized_network::quantize_currents(std::span<const double> in, std::span<double> out,
                                          std::uint64_t& saturated) const {
  const auto& ps = net->populations();
  for (std::size_t pi = 0; pi < ps.size(); ++pi) {
    const auto& q = pops[pi];
    for (neuron_id n = ps[pi].first; n < ps[pi].end(); ++n) {
      if (q.lsb <= 0) {
        out[n] = in[n];
        continue;
      }
      double x = std::nearbyint(in[n] / q.lsb);
      if (std::abs(x) > static_cast<double>(q.bias_max)) {
        ++saturated;
        x = std::copysign(static_cast<double>(q.bias_max), x);
      }
      out[n] = x;
    }
  }
}

nlohmann::json quantized_network::to_json() const {
  nlohmann::json jp = nlohmann::json::array(), jr = nlohmann::json::array();
  for (const auto& q : pops) {
    if (q.lsb <= 0) continue;
    jp.push_back({{"population", q.name}, {"lsb", q.lsb}, {"v_th", q.v_th}, {"bias_max", q.bias_max},
                  {"decay", q.decay_float}, {"decay_quantized", q.decay_quant}, {"decay_num", q.decay_num},
                  {"decay_shift", q.decay_shift}, {"leak", q.leak}});
  }
  for (const auto& r : projs)
    jr.push_back({{"source", r.source}, {"target", r.target}, {"max_abs", r.max_abs}, {"scale", r.scale},
                  {"shift", r.shift}, {"max_error", r.max_error}, {"zero_fraction", r.zero_fraction}});
  return {{"populations", jp}, {"projections", jr}};
}

namespace {

double p2(int k) { return std::ldexp(1.0, k); }

using pop_pair = std::pair<std::size_t, std::size_t>;  // (source population, target population)
using weight_lists = std::map<pop_pair, std::vector<double>>;
using projection_quants = std::map<pop_pair, projection_quant>;

// The float weights per (source population, target population).
weight_lists incoming_weights(const network& fnet) {
  weight_lists incoming;
  const auto& fp = fnet.populations();
  const auto rows = fnet.row_start();
  const auto tgt = fnet.targets();
  const auto w = fnet.weights();
  for (std::size_t sp = 0; sp < fp.size(); ++sp)
    for (neuron_id s = fp[sp].first; s < fp[sp].end(); ++s)
      for (edge_id e = rows[s]; e < rows[s + 1]; ++e)
        incoming[{sp, fnet.population_of(tgt[e])}].push_back(static_cast<double>(w[e]));
  return incoming;
}

// The ternary cut delta = 0.7 mean |w| of a projection (Li et al., "Ternary weight networks", 2016).
double ternary_cut(const std::vector<double>& ws) {
  double mean = 0;
  for (double x : ws) mean += std::abs(x);
  return 0.7 * mean / static_cast<double>(std::max<std::size_t>(1, ws.size()));
}

// Ternary magnitude a: the mean |w| above the cut; the fraction of weights cut to 0.
void ternary_scale(const std::vector<double>& ws, projection_quant& r) {
  double mean = 0;
  for (double x : ws) mean += std::abs(x);
  mean /= static_cast<double>(ws.size());
  const double delta = 0.7 * mean;
  double a = 0;
  std::size_t kept = 0;
  for (double x : ws)
    if (std::abs(x) > delta) {
      a += std::abs(x);
      ++kept;
    }
  r.scale = kept ? a / static_cast<double>(kept) : 0.0;
  r.zero_fraction = 1.0 - static_cast<double>(kept) / static_cast<double>(ws.size());
}

// The finest lsb every range of population `pi` allows (threshold, bias, incoming weights); records the
// incoming projections in `pq`.
double population_lsb(const network& fnet, std::size_t pi, const chip_profile& chip, double cmax,
                      const weight_lists& incoming, projection_quants& pq) {
  const auto& fp = fnet.populations();
  const auto& m = fp[pi].lif;
  const double qw = p2(chip.weight_bits - 1) - 1;  // largest weight magnitude
  // The threshold takes at most membrane_bits - 7 bits, so that the membrane spans +-32 thresholds before it
  // saturates (strongly inhibited neurons sit far below 0).
  const int th_bits = std::min(chip.threshold_bits, chip.membrane_bits - 7);
  double lsb = m.v_th / (p2(th_bits) - 1);
  const double bias_range = (p2(chip.bias_bits - 1) - 1) * p2(chip.bias_shift_max);
  lsb = std::max(lsb, (cmax + std::abs(m.leak)) / bias_range);
  for (const auto& [key, ws] : incoming) {
    if (key.second != pi || ws.empty()) continue;
    projection_quant r;
    r.source = fp[key.first].name;
    r.target = fp[pi].name;
    for (double x : ws) r.max_abs = std::max(r.max_abs, std::abs(x));
    if (chip.ternary) {
      ternary_scale(ws, r);
      lsb = std::max(lsb, r.scale / qw);
    } else {
      lsb = std::max(lsb, r.max_abs / (qw * p2(chip.weight_shift_max)));
    }
    lsb = std::max(lsb, r.max_abs / p2(23));  // integer weights stay exact in the graph's float storage
    pq[key] = r;
  }
  return lsb;
}

// Population `pop` (lif) as fixed_lif at `lsb`.
void lower_population(population& pop, const chip_profile& chip, double lsb, population_quant& q) {
  const auto m = pop.lif;
  q.lsb = lsb;
  q.v_th = std::max<std::int64_t>(1, std::llround(m.v_th / lsb));
  q.bias_max = static_cast<std::int64_t>((p2(chip.bias_bits - 1) - 1) * p2(chip.bias_shift_max));
  q.decay_float = m.decay;
  auto& f = pop.fixed;
  f = {};
  f.v_th = q.v_th;
  f.v_reset = std::llround(m.v_reset / lsb);
  f.v_max = static_cast<std::int64_t>(p2(chip.membrane_bits - 1)) - 1;
  f.v_min = -f.v_max;
  f.t_ref = m.t_ref;
  if (chip.decay_bits > 0) {
    f.decay_shift = chip.decay_bits;
    f.decay_num = std::llround(m.decay * p2(chip.decay_bits));
    q.decay_num = f.decay_num;
    q.decay_shift = f.decay_shift;
    q.decay_quant = static_cast<double>(f.decay_num) / p2(chip.decay_bits);
  } else {
    // A linear leak toward 0 that removes what the exponential decay removes at half threshold.
    const double leak = std::nearbyint((1.0 - m.decay) * 0.5 * m.v_th / lsb);
    f.leak = static_cast<std::int64_t>(std::min(leak, p2(chip.leak_bits - 1) - 1));
    q.leak = f.leak;
    q.decay_quant = 1.0;
  }
  pop.model = model_kind::fixed_lif;
  pop.update = update_mode::clock;
  pop.init_v = value_spec::constant(std::nearbyint(m.v_rest / lsb));
}

// Integer chips: the shift of each projection, the smallest that holds its largest weight.
void set_shifts(projection_quants& pq, const std::vector<population_quant>& pops, const chip_profile& chip) {
  if (chip.ternary) return;
  const double qw = p2(chip.weight_bits - 1) - 1;
  for (auto& [key, r] : pq) {
    const double lsb = pops[key.second].lsb;
    const int ideal = static_cast<int>(std::ceil(std::log2(std::max(r.max_abs, 1e-300) / (qw * lsb)) - 1e-12));
    r.shift = std::clamp(ideal, chip.weight_shift_min, chip.weight_shift_max);
    r.scale = lsb * p2(r.shift);
  }
}

// Writes the integer weights of `qn.net` from `fnet`'s (integer chips: w / scale rounded, shifted; ternary:
// 0 or +-a by the cut) and each projection's largest error.
void integer_weights(const network& fnet, quantized_network& qn, projection_quants& pq, const chip_profile& chip,
                     const weight_lists& incoming) {
  const double qw = p2(chip.weight_bits - 1) - 1;
  std::map<pop_pair, double> delta;
  if (chip.ternary)
    for (const auto& [key, ws] : incoming) delta[key] = ternary_cut(ws);
  const auto& fp = fnet.populations();
  const auto tgt = fnet.targets();
  const auto w = fnet.weights();
  auto wq = qn.net->weights();
  const auto qt = qn.net->targets();
  const auto qrows = qn.net->row_start();
  for (std::size_t sp = 0; sp < fp.size(); ++sp)
    for (neuron_id s = fp[sp].first; s < fp[sp].end(); ++s)
      for (edge_id e = qrows[s]; e < qrows[s + 1]; ++e) {
        if (qt[e] != tgt[e]) throw internal_error("quantize: different edge order");
        const std::size_t tp = fnet.population_of(tgt[e]);
        auto& r = pq.at({sp, tp});
        const double lsb = qn.pops[tp].lsb;
        const double x = static_cast<double>(w[e]);
        double integer = 0;
        if (chip.ternary) {
          const double A = std::min(qw, std::nearbyint(r.scale / lsb));
          integer = std::abs(x) > delta.at({sp, tp}) ? std::copysign(A, x) : 0.0;
        } else {
          const double q = std::clamp(std::nearbyint(x / r.scale), -qw, qw);
          integer = r.shift >= 0 ? q * p2(r.shift) : std::nearbyint(q * p2(r.shift));
        }
        wq[e] = static_cast<weight_t>(integer);
        r.max_error = std::max(r.max_error, std::abs(integer * lsb - x));
      }
}

}  // namespace

quantized_network quantize(const network& fnet, const chip_profile& chip, std::span<const double> current_max,
                           int extra_delay) {
  quantized_network qn;
  const auto& fp = fnet.populations();
  const auto incoming = incoming_weights(fnet);
  std::vector<population> pops = fp;
  qn.pops.resize(fp.size());
  projection_quants pq;
  for (std::size_t pi = 0; pi < fp.size(); ++pi) {
    qn.pops[pi].name = fp[pi].name;
    if (is_source(fp[pi].model)) continue;
    if (fp[pi].model != model_kind::lif)
      throw error(fmt::format("deploy: population '{}' is {}; only lif populations can be quantized", fp[pi].name,
                              to_string(fp[pi].model)));
    const double cmax = pi < current_max.size() ? current_max[pi] : 0.0;
    lower_population(pops[pi], chip, population_lsb(fnet, pi, chip, cmax, incoming, pq), qn.pops[pi]);
  }
  set_shifts(pq, qn.pops, chip);
  std::vector<projection_desc> projs;
  for (const auto& pr : fnet.projections()) {
    auto d = pr.desc;
    d.delay = value_spec::constant(d.delay.a + extra_delay);
    projs.push_back(d);
  }
  qn.net = std::make_unique<network>(pops, projs, fnet.dt_ms(), 1);
  if (qn.net->num_synapses() != fnet.num_synapses()) throw internal_error("quantize: different topology");
  integer_weights(fnet, qn, pq, chip, incoming);
  for (auto& [key, r] : pq) qn.projs.push_back(r);
  return qn;
}

}  // namespace spikeworm
