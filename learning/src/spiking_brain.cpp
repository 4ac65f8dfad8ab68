// The spiking brain: forward pass exactly as the engine runs the lif model, and its BPTT backward pass.
#include "spikeworm/learning/spiking_brain.hpp"

#include <algorithm>
#include <cmath>

#include <Eigen/Core>
#include <fmt/format.h>

#include "init.hpp"
#include "matvec.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm {

// The surrogate derivative of a whole row of membranes, with Eigen's vectorised exp.
void spiking_brain::surrogate_row(std::span<const float> u, double th, std::vector<double>& out) {
  const auto n = static_cast<Eigen::Index>(u.size());
  Eigen::Map<const Eigen::ArrayXf> x(u.data(), n);
  Eigen::Map<Eigen::ArrayXd> d(out.data(), n);
  switch (cfg_.grad.kind) {
    case surrogate_kind::sigmoid: {
      // In float with Eigen's vectorised exp, into a preallocated buffer (the tape holds float membranes).
      const auto a = static_cast<float>(cfg_.grad.alpha), thf = static_cast<float>(th);
      sig_.resize(n);
      sig_ = 1.0f / (1.0f + (-a * (x - thf)).exp());
      d = (a * sig_ * (1.0f - sig_)).cast<double>();
      return;
    }
    default:
      for (Eigen::Index j = 0; j < n; ++j) d[j] = cfg_.grad.derivative(static_cast<double>(x[j]) - th);
  }
}

namespace {

// An all-to-all projection with zero weights (the brain's parameters) and one step of delay.
projection_desc one_step(std::string source, std::string target) {
  projection_desc d;
  d.source = std::move(source);
  d.target = std::move(target);
  d.rule = connection_rule::all_to_all;
  d.weight = value_spec::constant(0.0);
  d.delay = value_spec::constant(1.0);
  return d;
}

// The engine network holding the hidden-to-hidden synapses: populations L1..LL (lif), all-to-all L_k -> L_{k+1}
// with one step of delay; spike-train encoders add the spike sources IN and their folded synapses IN -> L1.
std::unique_ptr<network> hidden_network(const brain_config& cfg, const lif_lowered& lif, int n_obs, std::uint64_t seed) {
  std::vector<population> pops;
  std::vector<projection_desc> projs;
  for (int k = 0; k < cfg.layers; ++k) {
    population p;
    p.name = fmt::format("L{}", k + 1);
    p.size = static_cast<neuron_id>(cfg.hidden);
    p.model = model_kind::lif;
    p.lif = lif;
    p.init_v = value_spec::constant(cfg.lif.v_rest);
    // Layers above the first get input from a dense all-to-all projection nearly every step: the event
    // engine steps them clock-driven (vectorised); layer 1 (a constant current) stays lazy: 1 update per spike,
    // unless it is the recurrent layer (then it gets input nearly every step too, and the lazy closed-form
    // decay between inputs would not round as the trainer's step does).
    if (k > 0 || (cfg.recurrent && k + 1 == cfg.layers)) p.update = update_mode::clock;
    pops.push_back(std::move(p));
    if (k > 0) projs.push_back(one_step(fmt::format("L{}", k), fmt::format("L{}", k + 1)));
  }
  if (!cfg.enc.constant_input()) {
    // Spike-train input: a spike_source population IN (last, so the layers keep ids 0 .. L H - 1) and the
    // folded synapses IN -> L1, one step of delay like every projection of the network.
    population in;
    in.name = "IN";
    in.size = static_cast<neuron_id>(n_obs);
    in.model = model_kind::spike_source;
    pops.push_back(std::move(in));
    projs.push_back(one_step(fmt::format("IN"), fmt::format("L{}", 1)));
  }
  // Recurrent synapses of the last layer onto itself (the last projection). Only the last layer: its spikes
  // have no other projection, so its outgoing synapses stay one contiguous matrix (the tensor's storage).
  if (cfg.recurrent) projs.push_back(one_step(fmt::format("L{}", cfg.layers), fmt::format("L{}", cfg.layers)));
  return std::make_unique<network>(std::move(pops), std::move(projs), cfg.dt_ms, seed);
}

}  // namespace

spiking_brain::spiking_brain(const brain_config& cfg, int n_obs, int n_actions, std::uint64_t seed)
    : brain(n_actions), cfg_(cfg), n_obs_(n_obs), H_(cfg.hidden), L_(cfg.layers), T_(cfg.steps) {
  if (H_ < 1 || L_ < 1 || T_ < 1) throw error("brain: hidden, layers and steps must be >= 1");
  if (cfg.lif.t_ref != 0) throw error("brain.t_ref: the trained brain has no refractory period (t_ref = 0)");
  lif_ = lower(cfg.lif, cfg.dt_ms);
  net_ = hidden_network(cfg, lif_, n_obs, seed);
  if (!cfg.enc.constant_input()) wf_ = net_->projection_matrix(static_cast<std::size_t>(L_ - 1)).data;
  // Dense parameters: W_in, b_in, W_1, b_1, b_2..b_L, [W_h, b_h,] W_out, b_out.
  Hh_ = cfg.readout == readout_kind::dense ? cfg.head_hidden : 0;
  const std::size_t H = H_, O = n_obs_, A = n_act_, Hh = static_cast<std::size_t>(Hh_);
  const std::size_t R = Hh ? Hh : H;  // the output layer's input width
  const std::size_t dense_size = H * O + H + H * H + H + (L_ - 1) * H + Hh * H + Hh + A * R + A;
  dense_.assign(dense_size, 0.0f);
  std::size_t at = 0;
  auto dense = [&](std::string name, std::size_t rows, std::size_t cols) {
    param_tensor p;
    p.name = std::move(name);
    p.value = std::span<float>(dense_).subspan(at, rows * cols);
    p.grad.assign(rows * cols, 0.0);
    p.rows = rows;
    p.cols = cols;
    at += rows * cols;
    params_.push_back(std::move(p));
    return params_.size() - 1;
  };
  p_in_w_ = dense("input.weight", H, O);
  p_in_b_ = dense("input.bias", H, 1);
  p_w1_ = dense("hidden.0.weight", H, H);
  p_b_first_ = dense("hidden.0.bias", H, 1);
  for (int k = 1; k < L_; ++k) dense(fmt::format("hidden.{}.bias", k), H, 1);
  if (Hh) {
    p_head_w_ = dense("head.weight", Hh, H);
    p_head_b_ = dense("head.bias", Hh, 1);
    head_z_.resize(Hh);
    head_gz_.resize(Hh);
  }
  p_out_w_ = dense("output.weight", A, R);
  p_out_b_ = dense("output.bias", A, 1);
  auto synapses = [&](std::string name, std::size_t projection) {
    auto m = net_->projection_matrix(projection);
    param_tensor p;
    p.name = std::move(name);
    p.value = m.data;
    p.grad.assign(m.data.size(), 0.0);
    p.rows = H;
    p.cols = H;
    p.transposed = true;  // the graph stores [source][target]
    params_.push_back(std::move(p));
  };
  p_w_first_ = params_.size();
  for (int k = 1; k < L_; ++k) synapses(fmt::format("hidden.{}.weight", k), static_cast<std::size_t>(k - 1));
  rec_ = cfg.recurrent;
  if (rec_) {
    p_rec_ = params_.size();
    synapses(fmt::format("recurrent.{}.weight", L_ - 1), net_->projections().size() - 1);
  }
  // Initialise in a fixed order: input, hidden.0, hidden.k, head, output.
  rng r(seed, stream_kind::init_weights);
  std::vector<std::pair<std::size_t, std::size_t>> layers{{p_in_w_, p_in_b_}, {p_w1_, p_b_first_}};
  for (int k = 1; k < L_; ++k) layers.emplace_back(p_w_first_ + k - 1, p_b_first_ + k);
  if (Hh) layers.emplace_back(p_head_w_, p_head_b_);
  layers.emplace_back(p_out_w_, p_out_b_);
  for (std::size_t i = 0; i < layers.size(); ++i)
    init_linear(params_[layers[i].first], params_[layers[i].second], cfg.init,
                i + 1 == layers.size() ? cfg.output_scale : 1.0, r);
  if (rec_) {
    // Then the recurrent weights, by the same rule (no bias), scaled by recurrent_scale.
    param_tensor no_bias;
    auto& w = params_[p_rec_];
    init_linear(w, no_bias, cfg.init, 1.0, r);
    for (auto& x : w.value) x = static_cast<float>(cfg.recurrent_scale * static_cast<double>(x));
  }

  c_.resize(H); i1_.resize(H); v_.resize(H * L_); count_.resize(H); syn_.resize(H);
  gv_.resize(H);
  gcount_.resize(H); gi1_.resize(H); gc_.resize(H); deriv_.resize(T_ * H);
  gu_all_.resize(T_ * H); gs_in_.resize(T_ * H); gs_ext_.resize(H); gu_row_f_.resize(H);
  rec_g_.resize(static_cast<Eigen::Index>(H));
  act_.spikes_per_layer.assign(L_, 0);
  layer_sum_.assign(L_, 0.0);
  prev_fired_.resize(L_);
  cur_fired_.resize(L_);
  prev_s_.assign(H * L_, 0.0);
  cur_s_.assign(H * L_, 0.0);
}

void spiking_brain::layer1_current(std::span<const double> obs, std::span<double> out) const {
  const auto& win = params_[p_in_w_];
  const auto& bin = params_[p_in_b_];
  const auto& w1 = params_[p_w1_];
  const auto& b1 = params_[p_b_first_];
  std::vector<double> c(H_);
  for (int j = 0; j < H_; ++j) {
    double a = static_cast<double>(bin.value[j]);
    for (int i = 0; i < n_obs_; ++i) a += static_cast<double>(win.value[j * n_obs_ + i]) * obs[i];
    c[j] = a;
  }
  matvec_rows(w1.value.data(), b1.value.data(), c.data(), static_cast<std::size_t>(H_), static_cast<std::size_t>(H_),
              out.data());
}

// Spike-train encoders (rate, latency): the input layer and W_1 compose into one synapse matrix from the
// inputs to layer 1, W_f = W_1 W_in (stored [input][neuron], float like every synapse), and one bias
// b_f = W_1 b_in + b_1 (a constant current). A chip holds exactly these.
void spiking_brain::fold_input() {
  const std::size_t H = H_, I = n_obs_;
  const auto& win = params_[p_in_w_];
  const auto& bin = params_[p_in_b_];
  const auto& w1 = params_[p_w1_];
  const auto& b1 = params_[p_b_first_];
  bf_.resize(H);
  for (std::size_t j = 0; j < H; ++j) {
    const float* row = w1.value.data() + j * H;
    double b = static_cast<double>(b1.value[j]);
    for (std::size_t m = 0; m < H; ++m) b += static_cast<double>(row[m]) * static_cast<double>(bin.value[m]);
    bf_[j] = b;
    for (std::size_t i = 0; i < I; ++i) {
      double w = 0;
      for (std::size_t m = 0; m < H; ++m) w += static_cast<double>(row[m]) * static_cast<double>(win.value[m * I + i]);
      wf_[i * H + j] = static_cast<float>(w);
    }
  }
}

double spiking_brain::bias_current(int layer, int neuron) const noexcept {
  return static_cast<double>(params_[p_b_first_ + layer].value[neuron]);
}

// The constant input of a decision: c = W_in obs + b_in and layer 1's current W_1 c + b_1; spike-train
// encoders fold W_1 W_in into the input synapses instead.
void spiking_brain::input_current(std::span<const double> obs) {
  const std::size_t H = H_;
  if (!cfg_.enc.constant_input()) {
    fold_input();
    return;
  }
  const auto& win = params_[p_in_w_];
  const auto& bin = params_[p_in_b_];
  for (std::size_t j = 0; j < H; ++j) {
    double a = static_cast<double>(bin.value[j]);
    for (int i = 0; i < n_obs_; ++i) a += static_cast<double>(win.value[j * n_obs_ + i]) * obs[i];
    c_[j] = a;
  }
  const auto& w1 = params_[p_w1_];
  const auto& b1 = params_[p_b_first_];
  matvec_rows(w1.value.data(), b1.value.data(), c_.data(), H, H, i1_.data());
}

// Synaptic input of layer k at step t: b_k + W_k . s_{k-1}(t-1) (+ W_rec . s_k(t-1) for the recurrent layer),
// summed in ascending source order like the engine (layer 1: its constant current, or the input spikes
// through the folded synapses; the input population IN comes after the layers).
const double* spiking_brain::layer_input(int k, std::size_t t, std::span<const double> obs) {
  const std::size_t H = H_;
  const bool rec = rec_ && k == L_ - 1;
  if (k == 0 && cfg_.enc.constant_input() && !rec) return i1_.data();
  std::fill(syn_.begin(), syn_.end(), 0.0);
  auto add_rows = [&](const param_tensor& w, int source) {
    if (!cfg_.smooth) {
      // Four rows per pass over syn_, each element's additions still in ascending source order: the same bits.
      const auto& fired = prev_fired_[source];
      double* __restrict acc = syn_.data();
      const float* base = w.value.data();
      std::size_t r = 0;
      for (; r + 4 <= fired.size(); r += 4) {
        const float* __restrict w0 = base + static_cast<std::size_t>(fired[r]) * H;
        const float* __restrict w1 = base + static_cast<std::size_t>(fired[r + 1]) * H;
        const float* __restrict w2 = base + static_cast<std::size_t>(fired[r + 2]) * H;
        const float* __restrict w3 = base + static_cast<std::size_t>(fired[r + 3]) * H;
        for (std::size_t j = 0; j < H; ++j)
          acc[j] = (((acc[j] + static_cast<double>(w0[j])) + static_cast<double>(w1[j])) + static_cast<double>(w2[j])) +
                   static_cast<double>(w3[j]);
      }
      for (; r < fired.size(); ++r) {
        const float* __restrict wr = base + static_cast<std::size_t>(fired[r]) * H;
        for (std::size_t j = 0; j < H; ++j) acc[j] += static_cast<double>(wr[j]);
      }
    } else {
      for (std::size_t i = 0; i < H; ++i) {
        const double si = prev_s_[source * H + i];
        const float* wrow = w.value.data() + i * H;
        for (std::size_t j = 0; j < H; ++j) syn_[j] += si * static_cast<double>(wrow[j]);
      }
    }
  };
  if (k > 0) add_rows(params_[p_w_first_ + k - 1], k - 1);
  if (rec) add_rows(params_[p_rec_], k);
  if (k == 0 && !cfg_.enc.constant_input()) {
    // Input spikes x_{t-1} through the folded input synapses (one step of delay, like every projection):
    // b_f + sum over the inputs that spiked (ascending) of W_f.
    const double* x = obs.data() + (t == 0 ? 0 : t - 1) * static_cast<std::size_t>(n_obs_);
    for (int i = 0; i < n_obs_; ++i) {
      if (t == 0 || x[i] == 0.0) continue;
      const float* wrow = wf_.data() + static_cast<std::size_t>(i) * H;
      for (std::size_t j = 0; j < H; ++j) syn_[j] += static_cast<double>(wrow[j]);
    }
    for (std::size_t j = 0; j < H; ++j) syn_[j] = bf_[j] + syn_[j];
    return syn_.data();
  }
  if (k == 0) {
    for (std::size_t j = 0; j < H; ++j) syn_[j] = i1_[j] + syn_[j];
    return syn_.data();
  }
  const auto& b = params_[p_b_first_ + k];
  for (std::size_t j = 0; j < H; ++j) syn_[j] = static_cast<double>(b.value[j]) + syn_[j];
  return syn_.data();
}

// One step of layer k driven by `in`: membranes, spikes (cur_s_, cur_fired_), counts, and the tape's row.
void spiking_brain::layer_step(int k, std::size_t t, const double* in, spike_tape* tape) {
  const std::size_t H = H_, T = T_;
  const double decay = lif_.decay, leak = lif_.leak, th = lif_.v_th, vr = lif_.v_reset;
  double* v = v_.data() + k * H;
  double* sk = cur_s_.data() + k * H;
  auto& fired = cur_fired_[k];
  fired.clear();
  float* tu = tape ? tape->u.data() + (static_cast<std::size_t>(k) * T + t) * H : nullptr;
  const std::size_t row = (static_cast<std::size_t>(k) * T + t) * H;
  // The update, branch-free so it vectorises: the same expression as lif_lowered::step.
  if (!cfg_.smooth) {
    // Restrict-qualified locals: the tape's byte stores may alias anything, and would otherwise force a reload
    // of every pointer after each of them (and keep the loop scalar).
    double* __restrict vv = v;
    double* __restrict ss = sk;
    const double* __restrict ii = in;
    if (tu) {
      float* __restrict uu = tu;
      std::uint8_t* __restrict spk = tape->spiked.data() + row;
      for (std::size_t j = 0; j < H; ++j) {
        const double u = decay * vv[j] + leak + ii[j];
        ss[j] = u >= th ? 1.0 : 0.0;
        vv[j] = u >= th ? vr : u;
        uu[j] = static_cast<float>(u);
        spk[j] = static_cast<std::uint8_t>(u >= th);
      }
    } else {
      for (std::size_t j = 0; j < H; ++j) {
        const double u = decay * vv[j] + leak + ii[j];
        ss[j] = u >= th ? 1.0 : 0.0;
        vv[j] = u >= th ? vr : u;
      }
    }
    // The spiking neurons in ascending order, without a branch per neuron (firing is close to random).
    fired.resize(H);
    std::uint32_t* __restrict f = fired.data();
    std::size_t nf = 0;
    for (std::size_t j = 0; j < H; ++j) {
      f[nf] = static_cast<std::uint32_t>(j);
      nf += sk[j] != 0.0;
    }
    fired.resize(nf);
  } else {
    for (std::size_t j = 0; j < H; ++j) {
      const double u = lif_.step(v[j], in[j]);
      const double sj = cfg_.grad.smooth(u - th);
      v[j] = u * (1.0 - sj) + vr * sj;
      sk[j] = sj;
      if (tu) {
        tu[j] = static_cast<float>(u);
        tape->s[row + j] = static_cast<float>(sj);
      }
    }
  }
  if (k == L_ - 1)
    for (std::size_t j = 0; j < H; ++j) count_[j] += sk[j];
  act_.spikes_per_layer[k] += fired.size();
  if (cfg_.smooth)
    for (std::size_t j = 0; j < H; ++j) layer_sum_[k] += sk[j];
  else layer_sum_[k] += static_cast<double>(fired.size());
  if (k + 1 < L_) act_.sops += fired.size() * H;
  if (rec_ && k == L_ - 1) act_.sops += fired.size() * H;  // the recurrent synapses
  if (tape) {
    const std::size_t at = static_cast<std::size_t>(k) * T + t;
    tape->fired_begin[at] = static_cast<std::uint32_t>(tape->fired.size());
    tape->fired.insert(tape->fired.end(), fired.begin(), fired.end());
    tape->fired_end[at] = static_cast<std::uint32_t>(tape->fired.size());
  }
}

// Pre: obs.size() == n_obs (x T for spike-train encoders). Post: count_ holds the last layer's spike counts;
// with a tape, the tape holds c, every pre-threshold membrane u and spike s, and the spiking neurons of every
// (layer, step).
void spiking_brain::run(std::span<const double> obs, spike_tape* tape) {
  const std::size_t T = T_;
  const std::size_t expected = static_cast<std::size_t>(n_obs_) * (cfg_.enc.constant_input() ? 1 : T);
  if (obs.size() != expected)
    throw internal_error(fmt::format("spiking_brain: input of {} values, expected {}", obs.size(), expected));
  input_current(obs);
  if (tape) {
    tape->obs.assign(obs.begin(), obs.end());
    tape->c = c_;
    tape->u.resize(static_cast<std::size_t>(L_) * T * H_);
    if (cfg_.smooth) tape->s.resize(tape->u.size());
    else tape->spiked.resize(tape->u.size());
    tape->fired.clear();
    tape->fired_begin.resize(static_cast<std::size_t>(L_) * T);
    tape->fired_end.resize(static_cast<std::size_t>(L_) * T);
  }
  std::fill(v_.begin(), v_.end(), cfg_.lif.v_rest);
  std::fill(count_.begin(), count_.end(), 0.0);
  std::fill(act_.spikes_per_layer.begin(), act_.spikes_per_layer.end(), 0);
  std::fill(layer_sum_.begin(), layer_sum_.end(), 0.0);
  act_.sops = 0;
  for (auto& f : prev_fired_) f.clear();
  std::fill(prev_s_.begin(), prev_s_.end(), 0.0);
  for (std::size_t t = 0; t < T; ++t) {
    for (int k = 0; k < L_; ++k) layer_step(k, t, layer_input(k, t, obs), tape);
    std::swap(prev_fired_, cur_fired_);
    std::swap(prev_s_, cur_s_);
  }
  if (tape) tape->counts = count_;
}

void spiking_brain::forward(std::span<const double> obs, std::span<double> logits) {
  run(obs, nullptr);
  readout(logits);
}

void spiking_brain::readout(std::span<double> logits) const { readout_counts(count_, logits); }

// logits = W_out x + b_out with x the counts, or (dense head) x = relu(z), z = W_h counts + b_h (head_z_).
// BPTT through all T steps. With u the pre-threshold membrane and s = spike(u - v_th):
//   v_t = u_t (1 - s_t) + v_reset s_t,  u_{t+1} = a v_t + leak + input_{t+1}
//   dL/ds_t = [last layer] dL/dcount + [k < L] (W_{k+1} dL/du_{k+1,t+1}) + (v_reset - u_t) dL/dv_t
//   dL/du_t = dL/dv_t (1 - s_t) + dL/ds_t surrogate'(u_t - v_th),   dL/dv_{t-1} = a dL/du_t
void spiking_brain::backward(std::span<const double> obs, std::span<const double> g_logits,
                             std::span<const double> g_spikes) {
  run(obs, &scratch_);
  backward_tape(scratch_, g_logits, g_spikes);
}

void spiking_brain::forward_train(std::span<const double> obs, std::span<double> logits, std::size_t slot) {
  if (tapes_.size() <= slot) tapes_.resize(slot + 1);
  run(obs, &tapes_[slot]);
  readout(logits);
}

void spiking_brain::backward_train(std::size_t slot, std::span<const double> g_logits,
                                   std::span<const double> g_spikes) {
  backward_tape(tapes_.at(slot), g_logits, g_spikes);
}

void spiking_brain::release_tapes() { std::vector<spike_tape>().swap(tapes_); }

// One step of the layer recursion, for spikes stored as 0/1 bytes or (smooth mode) as floats:
//   gs = ext + (v_reset - u) gv,  gu = gv (1 - s) + gs surrogate'(u - v_th),  gv <- a gu.
template <class Spike>
void spiking_brain::recur_step(const float* __restrict u, const Spike* __restrict sp, std::size_t t,
                               double* __restrict gv) {
  const std::size_t H = H_;
  const double a_decay = lif_.decay, vr = lif_.v_reset;
  const double* __restrict d = deriv_.data() + t * H;
  const double* __restrict ext = gs_ext_.data();
  double* __restrict gu = gu_all_.data() + t * H;
  for (std::size_t j = 0; j < H; ++j) {
    const double gs = ext[j] + (vr - static_cast<double>(u[j])) * gv[j];
    const double guj = gv[j] * (1.0 - static_cast<double>(sp[j])) + gs * d[j];
    gu[j] = guj;
    gv[j] = a_decay * guj;  // dL/dv_{t-1}
  }
}

void spiking_brain::backward_tape(const spike_tape& tape, std::span<const double> g_logits,
                                  std::span<const double> g_spikes) {
  if (!g_spikes.empty() && g_spikes.size() != static_cast<std::size_t>(L_))
    throw internal_error(fmt::format("backward: {} spike gradients for {} layers", g_spikes.size(), L_));
  const std::span<const double> obs = tape.obs;
  const std::size_t H = H_;
  const bool smooth = cfg_.smooth;
  readout_backward(tape.counts, g_logits);
  // Layer by layer, top down: layer k's recursion over time needs from the layer above only
  // dL/ds_k(t) = W_{k+1} dL/du_{k+1}(t+1) for every t, which is one matrix product per layer
  // (gs_in_ = GU_{k+1} W_{k+1}^T, T x H), not T matrix-vector products.
  const double th = lif_.v_th;
  const std::size_t T = T_;
  std::fill(gi1_.begin(), gi1_.end(), 0.0);
  for (int k = L_ - 1; k >= 0; --k) {
    const std::size_t block = static_cast<std::size_t>(k) * T * H;
    surrogate_row(std::span<const float>(tape.u).subspan(block, T * H), th, deriv_);
    std::fill(gv_.begin(), gv_.begin() + H, 0.0);
    double* gv = gv_.data();
    for (std::size_t t = T; t-- > 0;) {
      // dL/ds from outside this layer's own recursion: the readout (last layer) or the layer above.
      if (k == L_ - 1) std::copy(gcount_.begin(), gcount_.end(), gs_ext_.begin());
      else if (t + 1 < T) std::copy_n(gs_in_.data() + (t + 1) * H, H, gs_ext_.begin());
      else std::fill(gs_ext_.begin(), gs_ext_.end(), 0.0);
      // An activity penalty on this layer's spike count adds the same dL/ds to every spike.
      if (!g_spikes.empty() && g_spikes[k] != 0.0)
        for (std::size_t j = 0; j < H; ++j) gs_ext_[j] += g_spikes[k];
      // The recurrent layer's spikes at t drive itself at t + 1: dL/ds(t) += W_rec dL/du(t+1).
      if (rec_ && k == L_ - 1 && t + 1 < T) add_recurrent_input(t);
      const std::size_t row = block + t * H;
      if (smooth) recur_step(tape.u.data() + row, tape.s.data() + row, t, gv);
      else recur_step(tape.u.data() + row, tape.spiked.data() + row, t, gv);
    }
    if (rec_ && k == L_ - 1) synapse_gradient(tape, k, params_[p_rec_]);
    if (k == 0) {
      if (cfg_.enc.constant_input()) {
        for (std::size_t t = 0; t < T; ++t)
          for (std::size_t j = 0; j < H; ++j) gi1_[j] += gu_all_[t * H + j];
      }
      break;  // spike inputs: backward_folded reads gu_all_ (layer 1, every step)
    }
    hidden_gradients(tape, k);
  }
  if (!cfg_.enc.constant_input()) {
    backward_folded(obs);
    return;
  }
  input_gradients(tape);
}

// The gradients of layer k's input (k >= 1) from gu_all_ = dL/du_k: b_k, W_k, and dL/ds_{k-1} into gs_in_.
void spiking_brain::hidden_gradients(const spike_tape& tape, int k) {
  const std::size_t H = H_, T = T_;
  // Input of layer k at t: b_k + W_k . s_{k-1}(t-1).
  auto& pb = params_[p_b_first_ + k];
  for (std::size_t t = 0; t < T; ++t)
    for (std::size_t j = 0; j < H; ++j) pb.grad[j] += gu_all_[t * H + j];
  auto& pw = params_[p_w_first_ + k - 1];
  synapse_gradient(tape, k - 1, pw);
  // dL/ds_{k-1}(t-1) = W_k[i][:] . gu(t): row t of GU_k W_k^T, stored at row t for the layer below.
  {
    using mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using fmat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const auto h = static_cast<Eigen::Index>(H), tt = static_cast<Eigen::Index>(T);
    Eigen::Map<const mat> gu(gu_all_.data(), tt, h);
    Eigen::Map<const fmat> w(pw.value.data(), h, h);
    Eigen::Map<mat> out(gs_in_.data(), tt, h);
    gu_f_ = gu.cast<float>();
    gs_f_.noalias() = gu_f_ * w.transpose();
    out = gs_f_.cast<double>();
  }
}

// Layer-1 current I1 = W_1 c + b_1, c = W_in obs + b_in (constant-input encoders), from gi1_ = dL/dI1.
void spiking_brain::input_gradients(const spike_tape& tape) {
  const std::span<const double> obs = tape.obs;
  const std::size_t H = H_;
  // Layer-1 current I1 = W_1 c + b_1, c = W_in obs + b_in.
  auto& pw1 = params_[p_w1_];
  auto& pb1 = params_[p_b_first_];
  std::fill(gc_.begin(), gc_.end(), 0.0);
  for (std::size_t j = 0; j < H; ++j) {
    const double g = gi1_[j];
    pb1.grad[j] += g;
    double* gw = pw1.grad.data() + j * H;
    const float* w = pw1.value.data() + j * H;
    for (std::size_t i = 0; i < H; ++i) {
      gw[i] += g * tape.c[i];
      gc_[i] += g * static_cast<double>(w[i]);
    }
  }
  auto& pwin = params_[p_in_w_];
  auto& pbin = params_[p_in_b_];
  for (std::size_t j = 0; j < H; ++j) {
    pbin.grad[j] += gc_[j];
    for (int i = 0; i < n_obs_; ++i) pwin.grad[j * n_obs_ + i] += gc_[j] * obs[i];
  }
}

// Through the folded input (rate, latency): with g_t = dL/dI_1(t) (gu_all_ of layer 1),
//   dL/dW_f[j][i] = sum_{t>=1} g_t[j] x_{t-1}[i],  dL/db_f = sum_t g_t,
//   W_f = W_1 W_in, b_f = W_1 b_in + b_1:  dW_1 = dW_f W_in^T + db_f b_in^T,  dW_in = W_1^T dW_f,
//   db_in = W_1^T db_f,  db_1 = db_f  (the float rounding of W_f passes the gradient straight through).
void spiking_brain::backward_folded(std::span<const double> x) {
  const std::size_t H = H_, I = n_obs_, T = T_;
  std::vector<double>& gwf = gwf_;
  gwf.assign(H * I, 0.0);  // [j][i]
  std::fill(gi1_.begin(), gi1_.end(), 0.0);  // db_f
  for (std::size_t t = 0; t < T; ++t) {
    const double* g = gu_all_.data() + t * H;
    for (std::size_t j = 0; j < H; ++j) gi1_[j] += g[j];
    if (t == 0) continue;  // layer 1 at step t sees the input spikes of step t - 1
    for (std::size_t i = 0; i < I; ++i) {
      const double xi = x[(t - 1) * I + i];
      if (xi == 0.0) continue;
      for (std::size_t j = 0; j < H; ++j) gwf[j * I + i] += g[j] * xi;
    }
  }
  auto& pw1 = params_[p_w1_];
  auto& pb1 = params_[p_b_first_];
  auto& pwin = params_[p_in_w_];
  auto& pbin = params_[p_in_b_];
  for (std::size_t j = 0; j < H; ++j) {
    pb1.grad[j] += gi1_[j];
    const float* w1row = pw1.value.data() + j * H;
    double* gw1 = pw1.grad.data() + j * H;
    for (std::size_t m = 0; m < H; ++m) {
      double a = gi1_[j] * static_cast<double>(pbin.value[m]);
      for (std::size_t i = 0; i < I; ++i) a += gwf[j * I + i] * static_cast<double>(pwin.value[m * I + i]);
      gw1[m] += a;
      const double w = static_cast<double>(w1row[m]);
      pbin.grad[m] += w * gi1_[j];
      for (std::size_t i = 0; i < I; ++i) pwin.grad[m * I + i] += w * gwf[j * I + i];
    }
  }
}

}  // namespace spikeworm
