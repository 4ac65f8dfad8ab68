// Deployment modelling: quantization, the fixed-point run on the event engine, mapping and costs.
#include "spikeworm/learning/deploy.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "spikeworm/engine/engine.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/learning/reinforce.hpp"
#include "spikeworm/learning/spiking_brain.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {

namespace {
// Host datapath for what the chip cannot do (the dense first layer of real-valued input, the readout):
// 45 nm fp32 MAC, Horowitz, ISSCC 2014 (as configs/energy/cmos45_fp32.toml).
constexpr double host_mac_pj = 4.6;

double p2(int k) { return std::ldexp(1.0, k); }
}  // namespace

core_limits limits_of(const chip_profile& c) {
  core_limits l;
  l.cores = c.cores;
  l.mesh_w = c.mesh_w;
  l.mesh_h = c.mesh_h;
  l.cores_per_tile = c.cores_per_tile;
  l.neurons = c.neurons_per_core;
  l.axons_in = c.axons_in_per_core;
  l.axons_out = c.axons_out_per_core;
  l.synapse_bytes = c.synapse_memory_bytes;
  l.synapse_bits = c.synapse_bits;
  l.axons_per_source = c.ternary ? 2 : 1;
  l.targets_per_neuron = c.targets_per_neuron;
  return l;
}

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

quantized_network quantize(const network& fnet, const chip_profile& chip, std::span<const double> current_max,
                           int extra_delay) {
  quantized_network qn;
  const auto& fp = fnet.populations();
  const std::size_t P = fp.size();
  // Incoming weights per (source population, target population).
  std::map<std::pair<std::size_t, std::size_t>, std::vector<double>> incoming;
  const auto rows = fnet.row_start();
  const auto tgt = fnet.targets();
  const auto w = fnet.weights();
  for (std::size_t sp = 0; sp < P; ++sp)
    for (neuron_id s = fp[sp].first; s < fp[sp].end(); ++s)
      for (edge_id e = rows[s]; e < rows[s + 1]; ++e)
        incoming[{sp, fnet.population_of(tgt[e])}].push_back(static_cast<double>(w[e]));
  const double qw = p2(chip.weight_bits - 1) - 1;  // largest weight magnitude
  std::vector<population> pops = fp;
  qn.pops.resize(P);
  std::map<std::pair<std::size_t, std::size_t>, projection_quant> pq;
  for (std::size_t pi = 0; pi < P; ++pi) {
    auto& q = qn.pops[pi];
    q.name = fp[pi].name;
    if (is_source(fp[pi].model)) continue;
    if (fp[pi].model != model_kind::lif)
      throw error(fmt::format("deploy: population '{}' is {}; only lif populations can be quantized", fp[pi].name,
                              to_string(fp[pi].model)));
    const auto& m = fp[pi].lif;
    // The finest lsb every range allows.
    // The threshold takes at most membrane_bits - 7 bits, so that the membrane spans +-32 thresholds before it
    // saturates (strongly inhibited neurons sit far below 0).
    const int th_bits = std::min(chip.threshold_bits, chip.membrane_bits - 7);
    double lsb = m.v_th / (p2(th_bits) - 1);
    const double bias_range = (p2(chip.bias_bits - 1) - 1) * p2(chip.bias_shift_max);
    const double cmax = (pi < current_max.size() ? current_max[pi] : 0.0) + std::abs(m.leak);
    lsb = std::max(lsb, cmax / bias_range);
    for (auto& [key, ws] : incoming) {
      if (key.second != pi || ws.empty()) continue;
      projection_quant r;
      r.source = fp[key.first].name;
      r.target = fp[pi].name;
      for (double x : ws) r.max_abs = std::max(r.max_abs, std::abs(x));
      if (chip.ternary) {
        double mean = 0;
        for (double x : ws) mean += std::abs(x);
        mean /= static_cast<double>(ws.size());
        const double delta = 0.7 * mean;  // ternary threshold (Li et al., "Ternary weight networks", 2016)
        double a = 0;
        std::size_t kept = 0;
        for (double x : ws)
          if (std::abs(x) > delta) {
            a += std::abs(x);
            ++kept;
          }
        r.scale = kept ? a / static_cast<double>(kept) : 0.0;
        r.zero_fraction = 1.0 - static_cast<double>(kept) / static_cast<double>(ws.size());
        lsb = std::max(lsb, r.scale / qw);
      } else {
        lsb = std::max(lsb, r.max_abs / (qw * p2(chip.weight_shift_max)));
      }
      lsb = std::max(lsb, r.max_abs / p2(23));  // integer weights stay exact in the graph's float storage
      pq[key] = r;
    }
    q.lsb = lsb;
    q.v_th = std::max<std::int64_t>(1, std::llround(m.v_th / lsb));
    q.bias_max = static_cast<std::int64_t>(bias_range);
    q.decay_float = m.decay;
    auto& f = pops[pi].fixed;
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
    pops[pi].model = model_kind::fixed_lif;
    pops[pi].update = update_mode::clock;
    pops[pi].init_v = value_spec::constant(std::nearbyint(m.v_rest / lsb));
  }
  // Integer weights, in units of the target's lsb.
  for (auto& [key, r] : pq) {
    const double lsb = qn.pops[key.second].lsb;
    if (!chip.ternary) {
      const int ideal = static_cast<int>(std::ceil(std::log2(std::max(r.max_abs, 1e-300) / (qw * lsb)) - 1e-12));
      r.shift = std::clamp(ideal, chip.weight_shift_min, chip.weight_shift_max);
      r.scale = lsb * p2(r.shift);
    }
  }
  std::vector<projection_desc> projs;
  for (const auto& pr : fnet.projections()) {
    auto d = pr.desc;
    d.delay = value_spec::constant(d.delay.a + extra_delay);
    projs.push_back(d);
  }
  qn.net = std::make_unique<network>(pops, projs, fnet.dt_ms(), 1);
  if (qn.net->num_synapses() != fnet.num_synapses()) throw internal_error("quantize: different topology");
  auto wq = qn.net->weights();
  const auto qt = qn.net->targets();
  const auto qrows = qn.net->row_start();
  for (std::size_t sp = 0; sp < P; ++sp)
    for (neuron_id s = fp[sp].first; s < fp[sp].end(); ++s)
      for (edge_id e = qrows[s]; e < qrows[s + 1]; ++e) {
        if (qt[e] != tgt[e]) throw internal_error("quantize: different edge order");
        const std::size_t tp = fnet.population_of(tgt[e]);
        auto& r = pq.at({sp, tp});
        const double lsb = qn.pops[tp].lsb;
        const double x = static_cast<double>(w[e]);
        double integer = 0;  // ternary: the second pass below
        if (!chip.ternary) {
          const double q = std::clamp(std::nearbyint(x / r.scale), -qw, qw);
          integer = r.shift >= 0 ? q * p2(r.shift) : std::nearbyint(q * p2(r.shift));
        }
        wq[e] = static_cast<weight_t>(integer);
        r.max_error = std::max(r.max_error, std::abs(integer * lsb - x));
      }
  if (chip.ternary) {
    // Second pass for ternary weights: the cut delta = 0.7 mean |w| per projection.
    std::map<std::pair<std::size_t, std::size_t>, double> delta;
    for (auto& [key, ws] : incoming) {
      double mean = 0;
      for (double x : ws) mean += std::abs(x);
      delta[key] = 0.7 * mean / static_cast<double>(std::max<std::size_t>(1, ws.size()));
    }
    for (auto& [key, r] : pq) r.max_error = 0;
    for (std::size_t sp = 0; sp < P; ++sp)
      for (neuron_id s = fp[sp].first; s < fp[sp].end(); ++s)
        for (edge_id e = qrows[s]; e < qrows[s + 1]; ++e) {
          const std::size_t tp = fnet.population_of(tgt[e]);
          auto& r = pq.at({sp, tp});
          const double lsb = qn.pops[tp].lsb;
          const double x = static_cast<double>(w[e]);
          const double A = std::min(qw, std::nearbyint(r.scale / lsb));
          const double integer = std::abs(x) > delta.at({sp, tp}) ? std::copysign(A, x) : 0.0;
          wq[e] = static_cast<weight_t>(integer);
          r.max_error = std::max(r.max_error, std::abs(integer * lsb - x));
        }
  }
  for (auto& [key, r] : pq) qn.projs.push_back(r);
  return qn;
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

// One agent's decisions on one network (float or quantized): the brain runner's drive, the currents
// quantized to integers for a quantized network.
class chip_runner {
 public:
  chip_runner(spiking_brain& b, const network& net, const quantized_network* q)
      : run_(b, net, "event"), q_(q), curq_(net.num_neurons(), 0.0) {}
  std::span<const double> currents(std::span<const double> in) { return run_.drive(in); }
  void decide(std::span<const double> in, std::span<double> logits, std::uint64_t& saturated) {
    const auto c = run_.drive(in);
    if (!q_) return run_.run(c, logits);
    q_->quantize_currents(c, curq_, saturated);
    run_.run(curq_, logits);
  }
  const engine& eng() const { return run_.eng(); }

 private:
  brain_runner run_;
  const quantized_network* q_;
  std::vector<double> curq_;
};

struct step_costs {
  // per local neuron: (core, synapses) of its targets
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> fan;
  std::vector<std::int64_t> local_of;  // global -> local
  std::vector<std::int64_t> neurons_per_core;
};

// Runs `episodes` greedy episodes; with a quantized network also runs the float network on the same inputs
// and counts decisions whose rasters are identical.
chip_run run_episodes(const experiment_config& cfg, spiking_brain& agent, const network& net,
                      const quantized_network* q, const mapping_problem& prob, const deploy_options& opt,
                      const chip_profile& chip, const step_costs* sc, double max_hops, std::atomic<int>* done) {
  chip_run r;
  chip_runner run(agent, net, q);
  std::unique_ptr<chip_runner> ref;
  if (q) ref = std::make_unique<chip_runner>(agent, agent.net(), nullptr);
  std::vector<std::int64_t> local(net.num_neurons(), -1);
  for (std::size_t i = 0; i < prob.global.size(); ++i) local[prob.global[i]] = static_cast<std::int64_t>(i);
  r.spikes_per_neuron.assign(prob.size(), 0.0);
  r.spikes_per_population.assign(net.populations().size(), 0);
  envs::environment env(cfg.env);
  const int T = cfg.brain.steps;
  const int enc_steps = cfg.brain.enc.constant_input() ? 1 : T;
  std::vector<double> in(cfg.brain.enc.output_size(2, enc_steps));
  std::array<double, 4> logits{}, ref_logits{};
  std::vector<double> step_work;
  const std::size_t cores = sc ? sc->neurons_per_core.size() : 0;
  double steps_success = 0;
  for (int e = 0; e < opt.episodes; ++e) {
    env.reset(envs::episode_seed(opt.seed, static_cast<std::uint64_t>(e)));
    rng enc_rng(opt.seed, stream_kind::encoder, static_cast<std::uint64_t>(e));
    while (!env.done()) {
      const auto o = env.observe();
      const double obs[2] = {o.strength, o.angle};
      cfg.brain.enc.encode(obs, enc_steps, enc_rng, in);
      run.decide(in, logits, r.saturated_biases);
      const auto& spikes = run.eng().spikes();
      if (ref) {
        std::uint64_t unused = 0;
        ref->decide(in, ref_logits, unused);
        ++r.compared_decisions;
        r.identical_decisions += ref->eng().spikes() == spikes;
      }
      const auto& c = run.eng().counters();
      for (std::size_t p = 0; p < r.spikes_per_population.size(); ++p) r.spikes_per_population[p] += c.spikes_per_population[p];
      for (const auto& s : spikes) {
        const auto l = local[s.neuron];
        if (l < 0) continue;
        r.spikes_per_neuron[static_cast<std::size_t>(l)] += 1.0;
        for (auto e2 = prob.out_begin[static_cast<std::size_t>(l)]; e2 < prob.out_begin[static_cast<std::size_t>(l) + 1]; ++e2)
          r.sops += prob.out_mult[e2];
      }
      if (sc && chip.time_step_us <= 0) {
        // Asynchronous chip: each step lasts as long as its busiest core, plus routing and the barrier.
        step_work.assign(static_cast<std::size_t>(T) * cores, 0.0);
        for (std::size_t k = 0; k < cores; ++k)
          for (int t = 0; t < T; ++t)
            step_work[static_cast<std::size_t>(t) * cores + k] = static_cast<double>(sc->neurons_per_core[k]) * chip.update_ns;
        for (const auto& s : spikes) {
          const auto l = local[s.neuron];
          if (l < 0 || s.step < 1 || s.step > T) continue;
          for (const auto& [core, n] : sc->fan[static_cast<std::size_t>(l)])
            step_work[static_cast<std::size_t>(s.step - 1) * cores + core] += n * chip.synop_ns;
        }
        double total = 0;
        for (int t = 0; t < T; ++t) {
          double busiest = 0;
          for (std::size_t k = 0; k < cores; ++k) busiest = std::max(busiest, step_work[static_cast<std::size_t>(t) * cores + k]);
          total += busiest + max_hops * chip.hop_ns + chip.barrier_ns;
        }
        r.latency_us_sum += total / 1000.0;
      }
      env.step(static_cast<envs::action>(greedy_action(logits)));
      ++r.decisions;
    }
    tally_episode(r, env.info(), steps_success);
    if (done) done->fetch_add(1);
  }
  finish_tally(r, steps_success);
  return r;
}

nlohmann::json run_json(const chip_run& r) {
  const double d = std::max<double>(1.0, static_cast<double>(r.decisions));
  double spikes = 0;
  for (double s : r.spikes_per_neuron) spikes += s;
  return {{"episodes", r.episodes}, {"successes", r.successes}, {"success_rate", r.success_rate()},
          {"mean_steps_success", r.mean_steps_success}, {"mean_reward", r.mean_reward}, {"mean_foods", r.mean_foods},
          {"decisions", r.decisions}, {"spikes_per_decision", spikes / d},
          {"sops_per_decision", static_cast<double>(r.sops) / d}, {"saturated_biases", r.saturated_biases},
          {"compared_decisions", r.compared_decisions}, {"identical_decisions", r.identical_decisions}};
}

nlohmann::json mapping_json(const mapping& m, const traffic& t, double decisions_scale) {
  nlohmann::json cores = nlohmann::json::array();
  for (std::size_t c = 0; c < m.usage.size(); ++c) {
    const auto& u = m.usage[c];
    cores.push_back({{"core", c}, {"x", m.position.at(c).first}, {"y", m.position.at(c).second},
                     {"neurons", u.neurons}, {"axons_in", u.axons_in}, {"axons_out", u.axons_out},
                     {"synapse_bytes", u.synapse_bytes}, {"splitter", c >= static_cast<std::size_t>(m.cores_used)}});
  }
  (void)decisions_scale;
  return {{"method", m.method}, {"cores_used", m.cores_used}, {"splitter_cores", m.splitter_cores},
          {"splitter_neurons", m.splitter_neurons}, {"extra_delay", m.extra_delay}, {"cores", cores},
          {"routed_per_decision", t.routed}, {"local_per_decision", t.local}, {"hops_per_decision", t.hops},
          {"max_hops", t.max_hops}};
}

}  // namespace

deploy_report deploy(const experiment_config& cfg, spiking_brain& agent, const chip_profile& chip,
                     const deploy_options& opt, std::atomic<int>* done) {
  if (cfg.brain.kind != brain_kind::spiking) throw error("deploy: only spiking brains run on a neuromorphic chip");
  deploy_report rep;
  rep.chip = chip;
  rep.encoder = std::string(encoder_name(cfg.brain.enc.kind));
  rep.hidden = cfg.brain.hidden;
  rep.layers = cfg.brain.layers;
  rep.steps = cfg.brain.steps;
  if (!cfg.brain.enc.constant_input()) agent.fold_for_engine();
  const network& fnet = agent.net();
  const auto prob = make_problem(fnet);
  const auto lim = limits_of(chip);
  // 1. Profile: the float agent on the event engine (its spike rates weight the mapper's objective).
  rep.float_run = run_episodes(cfg, agent, fnet, nullptr, prob, opt, chip, nullptr, 0, done);
  const double fd = std::max<double>(1.0, static_cast<double>(rep.float_run.decisions));
  std::vector<double> rates(prob.size());
  for (std::size_t i = 0; i < rates.size(); ++i) rates[i] = rep.float_run.spikes_per_neuron[i] / fd;
  // 2. Map.
  rep.map = map_network(prob, lim, rates, opt.method);
  // 3. Quantize: bias ranges from the largest current any decision gives a population.
  std::vector<double> cmax(fnet.populations().size(), 0.0);
  {
    chip_runner probe(agent, fnet, nullptr);
    envs::environment env(cfg.env);
    const int enc_steps = cfg.brain.enc.constant_input() ? 1 : cfg.brain.steps;
    std::vector<double> in(cfg.brain.enc.output_size(2, enc_steps));
    rng enc_rng(opt.seed, stream_kind::encoder, 0);
    // Layer-1 drive over the observation space: strength and angle on a grid of their ranges.
    for (int a = 0; a <= 20; ++a)
      for (int s = 0; s <= 20; ++s) {
        const double obs[2] = {s / 20.0, -1.0 + a / 10.0};
        cfg.brain.enc.encode(obs, enc_steps, enc_rng, in);
        const auto cur = probe.currents(in);
        for (std::size_t p = 0; p < cmax.size(); ++p) {
          const auto& pp = fnet.populations()[p];
          for (neuron_id n = pp.first; n < pp.end(); ++n) cmax[p] = std::max(cmax[p], std::abs(cur[n]));
        }
      }
  }
  rep.quant = quantize(fnet, chip, cmax, rep.map.extra_delay);
  // 4. The quantized agent on the same episodes, with per-step costs on the mapping.
  step_costs sc;
  sc.neurons_per_core.assign(static_cast<std::size_t>(rep.map.cores_used), 0);
  for (auto c : rep.map.core_of) ++sc.neurons_per_core[c];
  sc.fan.resize(prob.size());
  for (std::size_t u = 0; u < prob.size(); ++u) {
    std::map<std::uint32_t, std::uint32_t> by_core;
    for (auto e = prob.out_begin[u]; e < prob.out_begin[u + 1]; ++e) by_core[rep.map.core_of[prob.out[e]]] += prob.out_mult[e];
    sc.fan[u].assign(by_core.begin(), by_core.end());
  }
  const traffic static_routes = route(prob, rep.map, rates);
  rep.quant_run = run_episodes(cfg, agent, *rep.quant.net, &rep.quant, prob, opt, chip, &sc, static_routes.max_hops, done);
  const double qd = std::max<double>(1.0, static_cast<double>(rep.quant_run.decisions));
  std::vector<double> qrates(prob.size());
  for (std::size_t i = 0; i < qrates.size(); ++i) qrates[i] = rep.quant_run.spikes_per_neuron[i] / qd;
  rep.routes = route(prob, rep.map, qrates);
  // 5. The other partitioners on the same problem, for comparison.
  if (opt.compare_partitioners)
    for (auto m : {partitioner::round_robin, partitioner::sequential, partitioner::greedy, partitioner::metis}) {
      if (m == opt.method) continue;
      try {
        auto alt = map_network(prob, lim, rates, m);
        rep.alternative_traffic.push_back(route(prob, alt, qrates));
        rep.alternatives.push_back(std::move(alt));
      } catch (const error&) {
        // e.g. round-robin spreading a layer over cores that then break the axon limit: not a placement
      }
    }
  // 6. Costs per decision.
  const double T = cfg.brain.steps;
  rep.synops = static_cast<double>(rep.quant_run.sops) / qd;
  rep.updates = (static_cast<double>(prob.size()) + static_cast<double>(rep.map.splitter_neurons)) * T;
  rep.messages = rep.routes.routed + rep.routes.local;
  {
    const auto& last = fnet.populations()[static_cast<std::size_t>(cfg.brain.layers - 1)];
    rep.host_spikes = static_cast<double>(rep.quant_run.spikes_per_population.at(fnet.population_index(last.name))) / qd;
  }
  rep.hops = rep.routes.hops;
  const double H = cfg.brain.hidden, I = cfg.brain.enc.width(2), A = envs::num_actions;
  rep.host_macs = (cfg.brain.enc.constant_input() ? I * H + H * H : 0.0) + H * A;
  rep.energy_synop_pj = rep.synops * chip.synop_pj;
  rep.energy_update_pj = rep.updates * chip.update_pj;
  rep.energy_route_pj = rep.messages * chip.spike_pj + rep.hops * chip.hop_pj;
  rep.energy_host_pj = rep.host_macs * host_mac_pj;
  rep.latency_us = chip.time_step_us > 0 ? T * chip.time_step_us : rep.quant_run.latency_us_sum / qd;
  rep.energy_static_pj = chip.static_mw * rep.latency_us * 1000.0;  // mW x us = nJ
  return rep;
}

nlohmann::json deploy_report::to_json() const {
  nlohmann::json alts = nlohmann::json::array();
  for (std::size_t k = 0; k < alternatives.size(); ++k) alts.push_back(mapping_json(alternatives[k], alternative_traffic[k], 1));
  const bool e = chip.energy_published;
  auto energy = [&](double x) -> nlohmann::json { return e ? nlohmann::json(x) : nlohmann::json(nullptr); };
  const nlohmann::json limits = {{"cores", chip.cores},
                                 {"neurons", chip.neurons_per_core},
                                 {"axons_in", chip.axons_in_per_core},
                                 {"axons_out", chip.axons_out_per_core},
                                 {"synapse_bytes", chip.synapse_memory_bytes}};
  return {{"chip", chip.id}, {"chip_name", chip.name}, {"limits", limits}, {"encoder", encoder}, {"hidden", hidden}, {"layers", layers},
          {"steps", steps}, {"quantization", quant.to_json()}, {"mapping", mapping_json(map, routes, 1)},
          {"alternatives", alts}, {"float", run_json(float_run)}, {"quantized", run_json(quant_run)},
          {"per_decision",
           {{"synops", synops}, {"neuron_updates", updates}, {"messages", messages}, {"routed", routes.routed},
            {"hops", hops}, {"host_macs", host_macs}, {"host_spikes", host_spikes}, {"latency_us", latency_us},
            {"energy_published", e}, {"energy_synop_pj", energy(energy_synop_pj)},
            {"energy_update_pj", energy(energy_update_pj)}, {"energy_route_pj", energy(energy_route_pj)},
            {"energy_chip_pj", energy(energy_synop_pj + energy_update_pj + energy_route_pj)},
            {"energy_host_pj", energy_host_pj}, {"energy_static_pj", energy_static_pj}}}};
}

}  // namespace spikeworm
