// Deployment of a trained spiking agent: the float and fixed-point runs of its episodes and the selection
// probe (they need the brain and the environment); the chip, the mapper, the quantizer and the time and
// energy model are deploy/'s (docs/deployment.md).
#include "spikeworm/learning/deploy.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/core/random.hpp"
#include "spikeworm/deploy/chip_model.hpp"
#include "spikeworm/engine/engine.hpp"
#include "spikeworm/learning/episode.hpp"
#include "spikeworm/learning/reinforce.hpp"
#include "spikeworm/learning/spiking_brain.hpp"

namespace spikeworm {

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

// The spikes of one decision in the run's tallies: per on-chip neuron and population, and their synaptic events.
void count_spikes(chip_run& r, const engine& eng, const mapping_problem& prob, std::span<const std::int64_t> local) {
  const auto& c = eng.counters();
  for (std::size_t p = 0; p < r.spikes_per_population.size(); ++p) r.spikes_per_population[p] += c.spikes_per_population[p];
  for (const auto& s : eng.spikes()) {
    const auto l = local[s.neuron];
    if (l < 0) continue;
    r.spikes_per_neuron[static_cast<std::size_t>(l)] += 1.0;
    for (auto e2 = prob.out_begin[static_cast<std::size_t>(l)]; e2 < prob.out_begin[static_cast<std::size_t>(l) + 1]; ++e2)
      r.sops += prob.out_mult[e2];
  }
}

// The player of a chip run: per decision the (quantized) network decides greedily; with a reference (the float
// network on the same inputs) the decisions whose rasters are identical are counted; with a timer
// (asynchronous chips) the chip time is summed.
class chip_player final : public episode_player {
 public:
  chip_player(chip_run& r, chip_runner& run, chip_runner* ref, const mapping_problem& prob,
              std::span<const std::int64_t> local, step_timer* timer, const brain_config& b)
      : r_(r), run_(run), ref_(ref), prob_(prob), local_(local), timer_(timer), T_(b.steps), in_(encoded_size(b)) {}
  std::span<double> input(std::size_t) override { return in_; }
  int act(std::size_t, std::span<const double> in) override {
    run_.decide(in, logits_, r_.saturated_biases);
    const auto& spikes = run_.eng().spikes();
    if (ref_) {
      std::uint64_t unused = 0;
      ref_->decide(in, ref_logits_, unused);
      ++r_.compared_decisions;
      r_.identical_decisions += ref_->eng().spikes() == spikes;
    }
    count_spikes(r_, run_.eng(), prob_, local_);
    if (timer_) r_.latency_us_sum += timer_->time_ns(spikes, T_, local_) / 1000.0;
    ++r_.decisions;
    return greedy_action(logits_);
  }

 private:
  chip_run& r_;
  chip_runner& run_;
  chip_runner* ref_;
  const mapping_problem& prob_;
  std::span<const std::int64_t> local_;
  step_timer* timer_;
  int T_;
  std::vector<double> in_;
  action_values logits_{}, ref_logits_{};
};

// Runs `episodes` greedy episodes; with a quantized network also runs the float network on the same inputs
// and counts decisions whose rasters are identical. With a timer (asynchronous chips), sums the chip time.
chip_run run_episodes(const experiment_config& cfg, spiking_brain& agent, const network& net,
                      const quantized_network* q, const mapping_problem& prob, const deploy_options& opt,
                      step_timer* timer, const std::function<void()>& episode_done) {
  chip_run r;
  chip_runner run(agent, net, q);
  std::unique_ptr<chip_runner> ref;
  if (q) ref = std::make_unique<chip_runner>(agent, agent.net(), nullptr);
  std::vector<std::int64_t> local(net.num_neurons(), -1);
  for (std::size_t i = 0; i < prob.global.size(); ++i) local[prob.global[i]] = static_cast<std::int64_t>(i);
  r.spikes_per_neuron.assign(prob.size(), 0.0);
  r.spikes_per_population.assign(net.populations().size(), 0);
  envs::environment env(cfg.env);
  chip_player player(r, run, ref.get(), prob, local, timer, cfg.brain);
  double steps_success = 0;
  for (int e = 0; e < opt.episodes; ++e) {
    rng enc_rng(opt.seed, stream_kind::encoder, static_cast<std::uint64_t>(e));
    play_episode(env, envs::episode_seed(opt.seed, static_cast<std::uint64_t>(e)), cfg.brain.enc,
                 encoder_steps(cfg.brain), enc_rng, player);
    tally_episode(r, env.info(), steps_success);
    if (episode_done) episode_done();
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

// The largest |current| each population receives: layer-1 drive over the observation space, strength and
// angle on a grid of their ranges (sizes the quantized bias range).
std::vector<double> current_max(const experiment_config& cfg, spiking_brain& agent, std::uint64_t seed) {
  const network& fnet = agent.net();
  std::vector<double> cmax(fnet.populations().size(), 0.0);
  chip_runner probe(agent, fnet, nullptr);
  const int enc_steps = encoder_steps(cfg.brain);
  std::vector<double> in(encoded_size(cfg.brain));
  rng enc_rng(seed, stream_kind::encoder, 0);
  for (int a = 0; a <= 20; ++a)
    for (int s = 0; s <= 20; ++s) {
      const auto obs = envs::to_array({s / 20.0, -1.0 + a / 10.0});
      cfg.brain.enc.encode(obs, enc_steps, enc_rng, in);
      const auto cur = probe.currents(in);
      for (std::size_t p = 0; p < cmax.size(); ++p) {
        const auto& pp = fnet.populations()[p];
        for (neuron_id n = pp.first; n < pp.end(); ++n) cmax[p] = std::max(cmax[p], std::abs(cur[n]));
      }
    }
  return cmax;
}

std::vector<double> per_decision(const chip_run& r) {
  const double d = std::max<double>(1.0, static_cast<double>(r.decisions));
  std::vector<double> rates(r.spikes_per_neuron.size());
  for (std::size_t i = 0; i < rates.size(); ++i) rates[i] = r.spikes_per_neuron[i] / d;
  return rates;
}

// The other partitioners on the same problem, for comparison; a partitioner that finds no placement (e.g.
// round-robin spreading a layer over cores that then break the axon limit) is left out.
void compare_partitioners(deploy_report& rep, const mapping_problem& prob, const core_limits& lim,
                          std::span<const double> rates, std::span<const double> qrates, partitioner chosen) {
  for (auto m : all_partitioners) {
    if (m == chosen) continue;
    try {
      auto alt = map_network(prob, lim, rates, m);
      rep.alternative_traffic.push_back(route(prob, alt, qrates));
      rep.alternatives.push_back(std::move(alt));
    } catch (const error&) {
    }
  }
}

// Costs per decision of the quantized run on the chip model.
void cost_per_decision(deploy_report& rep, const experiment_config& cfg, const network& fnet,
                       const mapping_problem& prob, const energy_table& host) {
  const auto& chip = rep.chip;
  const double qd = std::max<double>(1.0, static_cast<double>(rep.quant_run.decisions));
  const double T = cfg.brain.steps;
  rep.synops = static_cast<double>(rep.quant_run.sops) / qd;
  rep.updates = updates_per_step(prob, rep.map) * T;
  rep.messages = rep.routes.routed + rep.routes.local;
  const auto& last = fnet.populations()[static_cast<std::size_t>(cfg.brain.layers - 1)];
  rep.host_spikes = static_cast<double>(rep.quant_run.spikes_per_population.at(fnet.population_index(last.name))) / qd;
  rep.hops = rep.routes.hops;
  const double H = cfg.brain.hidden, I = cfg.brain.enc.width(envs::observation_size), A = envs::num_actions;
  const double Hh = cfg.brain.readout == readout_kind::dense ? cfg.brain.head_hidden : 0.0;  // the hybrid head
  rep.host_macs = (cfg.brain.enc.constant_input() ? I * H + H * H : 0.0) + (Hh > 0 ? H * Hh + Hh * A : H * A);
  const auto e = energy_on(chip, {rep.synops, rep.updates, rep.messages, rep.hops});
  rep.energy_synop_pj = e.synaptic;
  rep.energy_update_pj = e.update;
  rep.energy_route_pj = e.routing();
  rep.energy_host_pj = rep.host_macs * host.mac_pj;
  rep.latency_us = chip.time_step_us > 0 ? T * chip.time_step_us : rep.quant_run.latency_us_sum / qd;
  rep.energy_static_pj = chip.static_mw * rep.latency_us * 1000.0;  // mW x us = nJ
}

}  // namespace

deploy_report deploy(const experiment_config& cfg, spiking_brain& agent, const chip_profile& chip,
                     const deploy_options& opt, const std::function<void()>& episode_done) {
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
  rep.float_run = run_episodes(cfg, agent, fnet, nullptr, prob, opt, nullptr, episode_done);
  const auto rates = per_decision(rep.float_run);
  // 2. Map.
  rep.map = map_network(prob, lim, rates, opt.method);
  // 3. Quantize: bias ranges from the largest current any decision gives a population.
  rep.quant = quantize(fnet, chip, current_max(cfg, agent, opt.seed), rep.map.extra_delay);
  // 4. The quantized agent on the same episodes, with the chip time of each step on the mapping.
  const auto fan = fan_by_core(prob, rep.map);
  step_timer timer(chip, fan, route(prob, rep.map, rates).max_hops);
  rep.quant_run = run_episodes(cfg, agent, *rep.quant.net, &rep.quant, prob, opt,
                               chip.time_step_us <= 0 ? &timer : nullptr, episode_done);
  const auto qrates = per_decision(rep.quant_run);
  rep.routes = route(prob, rep.map, qrates);
  // 5. The other partitioners on the same problem, for comparison.
  if (opt.compare_partitioners) compare_partitioners(rep, prob, lim, rates, qrates, opt.method);
  // 6. Costs per decision.
  cost_per_decision(rep, cfg, fnet, prob, opt.host);
  return rep;
}

nlohmann::json deploy_report::to_json() const {
  nlohmann::json alts = nlohmann::json::array();
  for (std::size_t k = 0; k < alternatives.size(); ++k) alts.push_back(mapping_json(alternatives[k], alternative_traffic[k]));
  const bool e = chip.energy_published;
  auto energy = [&](double x) -> nlohmann::json { return e ? nlohmann::json(x) : nlohmann::json(nullptr); };
  const nlohmann::json limits = {{"cores", chip.cores},
                                 {"neurons", chip.neurons_per_core},
                                 {"axons_in", chip.axons_in_per_core},
                                 {"axons_out", chip.axons_out_per_core},
                                 {"synapse_bytes", chip.synapse_memory_bytes}};
  return {{"chip", chip.id}, {"chip_name", chip.name}, {"limits", limits}, {"encoder", encoder}, {"hidden", hidden}, {"layers", layers},
          {"steps", steps}, {"quantization", quant.to_json()}, {"mapping", mapping_json(map, routes)},
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
