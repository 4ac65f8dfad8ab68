// Brain configuration ([brain]) and the brain factory.
#include "spikeworm/learning/brain.hpp"

#include <fmt/format.h>

#include "spikeworm/core/config.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/names.hpp"
#include "spikeworm/envs/environment.hpp"
#include "spikeworm/learning/mlp_brain.hpp"
#include "spikeworm/learning/spiking_brain.hpp"

namespace spikeworm {

surrogate_kind parse_surrogate(const table_reader& t, std::string_view key, std::string_view fallback) {
  const std::string s = t.choice(key, fallback, {"sigmoid", "fast_sigmoid", "arctan", "triangle", "rectangular"});
  if (s == "sigmoid") return surrogate_kind::sigmoid;
  if (s == "fast_sigmoid") return surrogate_kind::fast_sigmoid;
  if (s == "arctan") return surrogate_kind::arctan;
  if (s == "triangle") return surrogate_kind::triangle;
  return surrogate_kind::rectangular;
}

namespace {
constexpr name_table<brain_kind, 2> brain_names{{{brain_kind::spiking, "spiking"}, {brain_kind::mlp, "mlp"}}};
}  // namespace

brain_kind parse_brain_kind(std::string_view name) { return parse_name(brain_names, name, "brain"); }
std::string_view brain_kind_name(brain_kind k) noexcept { return name_of(brain_names, k); }

brain_config read_brain_config(const table_reader& t) {
  t.allow_only({"type", "hidden", "layers", "steps", "dt", "tau_m", "v_th", "v_reset", "v_rest", "surrogate",
                "surrogate_alpha", "init", "output_scale", "encoder", "recurrent", "recurrent_scale",
                "readout", "head_hidden"});
  brain_config c;
  c.kind = parse_brain_kind(t.choice("type", "spiking", {"spiking", "mlp"}));
  const bool mlp = c.kind == brain_kind::mlp;
  c.hidden = static_cast<int>(t.integer("hidden", mlp ? 64 : 128));
  t.require(c.hidden >= 1 && c.hidden <= 4096, "hidden", fmt::format("must be in [1, 4096], got {}", c.hidden));
  c.layers = static_cast<int>(t.integer("layers", 2));
  // An MLP without hidden layers is the linear policy logits = W obs + b.
  t.require(c.layers >= (mlp ? 0 : 1) && c.layers <= 8, "layers",
            fmt::format("must be in [{}, 8], got {}", mlp ? 0 : 1, c.layers));
  c.steps = static_cast<int>(t.integer("steps", 100));
  t.require(c.steps >= 1 && c.steps <= 10000, "steps", fmt::format("must be in [1, 10000], got {}", c.steps));
  c.dt_ms = t.positive("dt", t.number("dt", c.dt_ms));
  c.lif.tau_m = t.number("tau_m", c.lif.tau_m);
  c.lif.v_th = t.number("v_th", c.lif.v_th);
  c.lif.v_reset = t.number("v_reset", c.lif.v_reset);
  c.lif.v_rest = t.number("v_rest", c.lif.v_rest);
  (void)lower(c.lif, c.dt_ms, &t);  // validates tau_m, v_th, v_reset, v_rest with the key named
  c.grad.kind = parse_surrogate(t, "surrogate", "sigmoid");
  c.grad.alpha = t.positive("surrogate_alpha", t.number("surrogate_alpha", 1.0));
  const std::string init = t.choice("init", "kaiming", {"kaiming", "orthogonal", "default"});
  c.init = init == "kaiming" ? init_kind::kaiming : init == "orthogonal" ? init_kind::orthogonal : init_kind::default_uniform;
  c.output_scale = t.positive("output_scale", t.number("output_scale", 0.01));
  const std::string enc = t.choice("encoder", "current", {"current", "population", "rate", "latency"});
  c.enc.kind = parse_encoder(enc);
  t.require(c.enc.constant_input() || !mlp, "encoder",
            fmt::format("'{}' makes the input a spike train per step; the MLP takes the constant-input encoders "
                        "(current, population)",
                        enc));
  c.recurrent = t.boolean("recurrent", false);
  c.recurrent_scale = t.positive("recurrent_scale", t.number("recurrent_scale", c.recurrent_scale));
  t.require(!c.recurrent || !mlp, "recurrent", "the MLP has no recurrent layer (type = \"spiking\" only)");
  const std::string readout = t.choice("readout", "spikes", {"spikes", "dense"});
  c.readout = readout == "dense" ? readout_kind::dense : readout_kind::spikes;
  t.require(c.readout == readout_kind::spikes || !mlp, "readout",
            "'dense' is the spiking brain's hybrid head; the MLP is dense throughout");
  c.head_hidden = static_cast<int>(t.integer("head_hidden", 64));
  t.require(c.head_hidden >= 1 && c.head_hidden <= 4096, "head_hidden",
            fmt::format("must be in [1, 4096], got {}", c.head_hidden));
  t.require(!t.has("head_hidden") || c.readout == readout_kind::dense, "head_hidden",
            "applies to readout = \"dense\" only");
  return c;
}

std::unique_ptr<brain> make_brain(const brain_config& cfg, int n_obs, int n_actions, std::uint64_t seed) {
  if (cfg.kind == brain_kind::mlp) return std::make_unique<mlp_brain>(cfg, n_obs, n_actions, seed);
  return std::make_unique<spiking_brain>(cfg, n_obs, n_actions, seed);
}

std::unique_ptr<brain> make_brain(const brain_config& cfg, std::uint64_t seed) {
  return make_brain(cfg, cfg.enc.width(envs::observation_size), envs::num_actions, seed);
}

}  // namespace spikeworm
