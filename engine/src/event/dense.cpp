// The clock-driven tile steps (docs/architecture.md, the event engine): vectorised dense kernels that
// apply the reference stepper's arithmetic to a tile of neurons (cuba_lif, coba_lif, cuba_alpha_lif, coba_alpha_lif,
// lif, fixed_lif), the tile loop that feeds them their input (ring slot, tile scratch or pushed buckets) and
// holds refractory neurons at v_reset from per-tile queues, and the collection of threshold crossings.
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "state.hpp"

namespace spikeworm {

using namespace event_detail;

namespace {

// One reference step of neurons [0, n) of a clock-driven block (pointers offset to its first neuron, inputs
// to its slot of step t): the arithmetic of clock_engine::step in the same order, every neuron as if it were
// not refractory (the caller then sets the membrane of the refractory ones to v_reset: their currents evolve
// the same either way). hot[c] = some membrane of chunk c crossed threshold (a hint: a refractory neuron may
// set it). Written so that it vectorises (checked with -fopt-info-vec).
template <bool Uniform>
[[gnu::always_inline]] inline
void cuba_dense(const cuba_lif_lowered& m, std::size_t n, double* __restrict v, double* __restrict ge,
                double* __restrict gi, double* __restrict in_e, double* __restrict in_i,
                const double* __restrict current, double c0, std::uint8_t* __restrict hot) {
  const double am = m.am, ke = m.ke, ki = m.ki, be = m.be, bi = m.bi, th = m.v_th, el = m.e_l;
  const double vs0 = el + c0;
  for (std::size_t lo = 0; lo < n; lo += chunk) {
    const std::size_t hi = std::min(n, lo + chunk);
    std::int64_t any = 0;  // 64-bit, like the compare masks of doubles: no packing in the loop
    for (std::size_t i = lo; i < hi; ++i) {
      const double vs = Uniform ? vs0 : el + current[i];
      const double e = ge[i] + in_e[i], g = gi[i] + in_i[i];
      in_e[i] = 0.0;
      in_i[i] = 0.0;
      const double free = vs + (v[i] - vs) * am + e * ke + g * ki;
      v[i] = free;
      ge[i] = e * be;
      gi[i] = g * bi;
      any |= static_cast<std::int64_t>(free > th);
    }
    hot[lo / chunk] = static_cast<std::uint8_t>(any);
  }
}

// The same for coba_lif (docs/models.md): coba_v_step, the reference stepper's function, per neuron. One pass
// over a chunk steps every neuron whose phi comes from the polynomial (nearly all). Each other neuron keeps
// its membrane, gets its conductances with this step's arrivals added (not yet decayed) and a NaN in its
// excitatory input slot as a mark; a second pass, only when some neuron was marked, steps those through
// coba_v_step. The marks cost no store of their own. Both passes are plain arithmetic and selects, so the
// first vectorises and every neuron gets the reference's bits. (A separate pass that only decided the chunk's
// path cost about as much as the step itself: this kernel is bound by its loads and stores.)
template <bool Uniform>
[[gnu::always_inline]] inline
void coba_dense(const coba_lif_lowered& model, std::size_t n, double* __restrict v, double* __restrict ge,
                double* __restrict gi, double* __restrict in_e, double* __restrict in_i,
                const double* __restrict current, double c0, std::uint8_t* __restrict hot) {
  const coba_lif_lowered m = model;  // a local copy: the stores below cannot alias it, so the loop vectorises
  const double el0 = m.e_l + c0, el = m.e_l, g_series = m.g_series, be = m.be, bi = m.bi, th = m.v_th;
  const double mark = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t lo = 0; lo < n; lo += chunk) {
    const std::size_t hi = std::min(n, lo + chunk);
    std::int64_t any = 0, other = 0;  // 64-bit, like the compare masks of doubles: no packing in the loop
    for (std::size_t i = lo; i < hi; ++i) {
      const double e = ge[i] + in_e[i], g = gi[i] + in_i[i];
      const double G = 1.0 + e + g;
      const bool ok = G >= 0.0 && G <= g_series;  // coba_series_applies
      const double vs = Uniform ? el0 : el + current[i];
      const double free = coba_v_update(m, vs, v[i], e, g, G, coba_phi_series(m, G));
      v[i] = ok ? free : v[i];
      ge[i] = ok ? e * be : e;
      gi[i] = ok ? g * bi : g;
      in_e[i] = ok ? 0.0 : mark;
      in_i[i] = 0.0;
      other |= static_cast<std::int64_t>(!ok);
      any |= static_cast<std::int64_t>(ok && free > th);
    }
    if (other) {
      for (std::size_t i = lo; i < hi; ++i) {
        if (!std::isnan(in_e[i])) continue;
        const double e = ge[i], g = gi[i];
        const double free = coba_v_step(m, Uniform ? el0 : el + current[i], v[i], e, g);
        v[i] = free;
        ge[i] = e * be;
        gi[i] = g * bi;
        in_e[i] = 0.0;
        any |= static_cast<std::int64_t>(free > th);
      }
    }
    hot[lo / chunk] = static_cast<std::uint8_t>(any);
  }
}

// The same for cuba_alpha_lif and coba_alpha_lif (docs/models.md): arrivals into h (w e/tau), the membrane step
// from the state at the start of the step (cuba_alpha_v_step or coba_v_step, the reference stepper's functions),
// then the exact alpha step of the synapses.
template <bool Uniform, bool Coba, class Model>
[[gnu::always_inline]] inline
void alpha_dense(const Model& m, std::size_t n, double* __restrict v, double* __restrict ge, double* __restrict he,
                 double* __restrict gi, double* __restrict hi, double* __restrict in_e, double* __restrict in_i,
                 const double* __restrict current, double c0, std::uint8_t* __restrict hot) {
  const alpha_synapse se = m.syn_e, si = m.syn_i;
  double th, el;
  if constexpr (Coba) {
    th = m.membrane.v_th;
    el = m.membrane.e_l;
  } else {
    th = m.v_th;
    el = m.e_l;
  }
  const double el0 = el + c0;
  for (std::size_t lo = 0; lo < n; lo += chunk) {
    const std::size_t hi_end = std::min(n, lo + chunk);
    std::int64_t any = 0;
    for (std::size_t i = lo; i < hi_end; ++i) {
      double e = ge[i], g = gi[i];
      double he_i = he[i] + in_e[i] * se.jump, hi_i = hi[i] + in_i[i] * si.jump;
      in_e[i] = 0.0;
      in_i[i] = 0.0;
      const double vs = Uniform ? el0 : el + current[i];
      double free;
      if constexpr (Coba) free = coba_v_step(m.membrane, vs, v[i], e, g);
      else free = cuba_alpha_v_step(m, vs, v[i], e, he_i, g, hi_i);
      v[i] = free;
      alpha_step(se, e, he_i);
      alpha_step(si, g, hi_i);
      ge[i] = e;
      he[i] = he_i;
      gi[i] = g;
      hi[i] = hi_i;
      any |= static_cast<std::int64_t>(free > th);
    }
    hot[lo / chunk] = static_cast<std::uint8_t>(any);
  }
}

// The same for lif: v <- decay v + leak + (I + in) (the input of a refractory neuron is dropped: the caller
// sets its membrane to v_reset).
template <bool Uniform>
[[gnu::always_inline]] inline
void lif_dense(const lif_lowered& m, std::size_t n, double* __restrict v, double* __restrict in_e,
               double* __restrict in_i, const double* __restrict current, double c0, std::uint8_t* __restrict hot) {
  const double decay = m.decay, leak = m.leak, th = m.v_th;
  for (std::size_t lo = 0; lo < n; lo += chunk) {
    const std::size_t hi = std::min(n, lo + chunk);
    std::int64_t any = 0;  // 64-bit, like the compare masks of doubles: no packing in the loop
    for (std::size_t i = lo; i < hi; ++i) {
      const double in = in_e[i] + in_i[i];
      in_e[i] = 0.0;
      in_i[i] = 0.0;
      const double free = decay * v[i] + leak + ((Uniform ? c0 : current[i]) + in);
      v[i] = free;
      any |= static_cast<std::int64_t>(free >= th);
    }
    hot[lo / chunk] = static_cast<std::uint8_t>(any);
  }
}

// The same for fixed_lif: integer arithmetic (exact in double); the input of a refractory neuron is dropped
// (the caller sets its membrane to v_reset).
[[gnu::always_inline]] inline
void fixed_dense(const fixed_lif_lowered& m, std::size_t n, double* __restrict v, double* __restrict in_e,
                 double* __restrict in_i, const double* __restrict current, std::uint8_t* __restrict hot) {
  const double th = static_cast<double>(m.v_th);
  for (std::size_t lo = 0; lo < n; lo += chunk) {
    const std::size_t hi = std::min(n, lo + chunk);
    std::int64_t any = 0;
    for (std::size_t i = lo; i < hi; ++i) {
      const double in = in_e[i] + in_i[i];
      in_e[i] = 0.0;
      in_i[i] = 0.0;
      const double free = m.step(v[i], current[i] + in);
      v[i] = free;
      any |= static_cast<std::int64_t>(free >= th);
    }
    hot[lo / chunk] = static_cast<std::uint8_t>(any);
  }
}

// The same for nir (docs/nir.md): nir_lowered::step, the reference stepper's function, per neuron, with the
// input u = (in_e + in_i) + current in that order; I lives in ge.
// per: the neurons' own models (population::nir_neurons, offset to the first neuron), or null: m for all.
[[gnu::always_inline]] inline
void nir_dense(const nir_lowered& m, const nir_lowered* per, std::size_t n, double* __restrict v,
               double* __restrict ii_state, double* __restrict in_e, double* __restrict in_i,
               const double* __restrict current, std::uint8_t* __restrict hot) {
  for (std::size_t lo = 0; lo < n; lo += chunk) {
    const std::size_t hi = std::min(n, lo + chunk);
    std::int64_t any = 0;
    for (std::size_t i = lo; i < hi; ++i) {
      const nir_lowered& mi = per ? per[i] : m;
      const double u = (in_e[i] + in_i[i]) + current[i];
      in_e[i] = 0.0;
      in_i[i] = 0.0;
      double syn = ii_state[i];
      const double free = mi.step(v[i], syn, u);
      v[i] = free;
      ii_state[i] = syn;
      any |= static_cast<std::int64_t>(free > mi.v_th);
    }
    hot[lo / chunk] = static_cast<std::uint8_t>(any);
  }
}

}  // namespace

// Pre: the block is clock-driven. Post: its neurons are at step t; b.fired holds its spikes, ascending.
// Tile by tile (tile_size neurons): the tile's input (tiled blocks: its bucket applied to acc; otherwise its
// part of the ring slot of step t), the dense step, its refractory neurons held at v_reset, its crossings.
// Compiled twice (GCC function multiversioning, chosen once at load time by the processor): for the build's
// baseline and for x86-64-v4 (AVX-512), whose 8-wide vectors run the kernels' same arithmetic on twice the
// neurons per instruction. Without contraction into FMA (the build's -ffp-contract=off) every operation is the
// same IEEE operation in both, so they give the same bits as each other and as the reference stepper. The
// kernels above are always inlined into it, so each version holds its own copy of them.
#ifndef SPIKEWORM_NO_TARGET_CLONES  // ThreadSanitizer builds (CMakeLists.txt): the baseline version only
__attribute__((target_clones("arch=x86-64-v4", "default")))
#endif
void event_engine::impl::step_clocked(block& b, const population& p, step_t t) {
  const std::size_t n = b.end - b.begin;
  b.hot.resize((n + chunk - 1) / chunk);
  const bool cuba = p.model == model_kind::cuba_lif;
  const bool coba = p.model == model_kind::coba_lif;
  const bool fixed = p.model == model_kind::fixed_lif;
  const bool cuba_alpha = p.model == model_kind::cuba_alpha_lif;
  const bool coba_alpha = p.model == model_kind::coba_alpha_lif;
  const bool nir = p.model == model_kind::nir;
  const double c0 = st_.current[b.begin];
  const double v_reset = model_reset(p);
  const std::size_t sources = blocks_.size();
  tile_event_bucket* set = b.pushed ? b.buckets.data() + static_cast<std::size_t>((t - 1) & 1) * sources * b.tiles : nullptr;
  for (std::size_t j = 0; j < b.refractory.size(); ++j) {
    const std::size_t lo = j * tile_size, m = std::min(n, lo + tile_size) - lo;
    double* ie = b.acc.data();
    double* ii = ie + tile_size;
    if (!b.tiled) {
      ie = st_.in_e.data() + st_.slot_base(t) + b.begin + lo;
      ii = st_.in_i.data() + st_.slot_base(t) + b.begin + lo;
    } else if (set) {  // one tile: deliver_tiled() wrote acc directly
      // The buckets were written by other threads (in another core's cache): fetch the next tile's while
      // this one is stepped.
      if (j + 1 < b.tiles)
        for (std::size_t k = 0; k < sources; ++k) {
          const auto& next = set[k * b.tiles + j + 1];
          for (auto q = reinterpret_cast<const char*>(next.data()), e = reinterpret_cast<const char*>(next.data() + next.size()); q < e; q += 64)
            __builtin_prefetch(q);
        }
      for (std::size_t k = 0; k < sources; ++k) {
        auto& bucket = set[k * b.tiles + j];
        for (const auto& ev : bucket) ie[ev.at] += static_cast<double>(ev.w);
        bucket.clear();
      }
    }
    const double* cur = st_.current.data() + b.begin + lo;
    double* v = st_.v.data() + b.begin + lo;
    std::uint8_t* hot = b.hot.data() + lo / chunk;
    if (fixed) {
      fixed_dense(p.fixed, m, v, ie, ii, cur, hot);
    } else if (nir) {
      const nir_lowered* per = p.nir_neurons.empty() ? nullptr : p.nir_neurons.data() + (b.begin - p.first) + lo;
      nir_dense(p.nir, per, m, v, st_.ge.data() + b.begin + lo, ie, ii, cur, hot);
    } else if (cuba) {
      double* ge = st_.ge.data() + b.begin + lo;
      double* gi = st_.gi.data() + b.begin + lo;
      if (b.uniform_current) cuba_dense<true>(p.cuba, m, v, ge, gi, ie, ii, cur, c0, hot);
      else cuba_dense<false>(p.cuba, m, v, ge, gi, ie, ii, cur, c0, hot);
    } else if (coba) {
      double* ge = st_.ge.data() + b.begin + lo;
      double* gi = st_.gi.data() + b.begin + lo;
      if (b.uniform_current) coba_dense<true>(p.coba, m, v, ge, gi, ie, ii, cur, c0, hot);
      else coba_dense<false>(p.coba, m, v, ge, gi, ie, ii, cur, c0, hot);
    } else if (cuba_alpha || coba_alpha) {
      double* ge = st_.ge.data() + b.begin + lo;
      double* gi = st_.gi.data() + b.begin + lo;
      double* he = st_.he.data() + b.begin + lo;
      double* hi = st_.hi.data() + b.begin + lo;
      if (cuba_alpha && b.uniform_current) alpha_dense<true, false>(p.cuba_alpha, m, v, ge, he, gi, hi, ie, ii, cur, c0, hot);
      else if (cuba_alpha) alpha_dense<false, false>(p.cuba_alpha, m, v, ge, he, gi, hi, ie, ii, cur, c0, hot);
      else if (b.uniform_current) alpha_dense<true, true>(p.coba_alpha, m, v, ge, he, gi, hi, ie, ii, cur, c0, hot);
      else alpha_dense<false, true>(p.coba_alpha, m, v, ge, he, gi, hi, ie, ii, cur, c0, hot);
    } else {
      if (b.uniform_current) lif_dense<true>(p.lif, m, v, ie, ii, cur, c0, hot);
      else lif_dense<false>(p.lif, m, v, ie, ii, cur, c0, hot);
    }
    // Refractory through ref_until: held at v_reset (the reference's value; their currents decay as computed).
    auto& q = b.refractory[j];
    while (q.head < q.held.size() && q.held[q.head].first < t) ++q.head;
    for (std::size_t h = q.head; h < q.held.size(); ++h) st_.v[q.held[h].second] = v_reset;
    if (q.head == q.held.size()) {
      q.held.clear();
      q.head = 0;
    } else if (q.head >= 256 && 2 * q.head >= q.held.size()) {
      q.held.erase(q.held.begin(), q.held.begin() + static_cast<std::ptrdiff_t>(q.head));
      q.head = 0;
    }
    collect_crossings(b, p, t, lo / chunk, (lo + m + chunk - 1) / chunk);  // while the tile is in cache
  }
  b.updates += n;
}

// Appends to b.fired the neurons of chunks [c0, c1) above threshold after the dense step (ascending), reset
// and refractory. Refractory neurons sit at v_reset < v_th, so every membrane above threshold is a spike.
void event_engine::impl::collect_crossings(block& b, const population& p, step_t t, std::size_t c0, std::size_t c1) {
  const bool strict = p.model != model_kind::lif && p.model != model_kind::fixed_lif;  // v > v_th (lif, fixed_lif: v >= v_th)
  const double th = model_threshold(p);
  const double v_reset = model_reset(p);
  const std::int32_t t_ref = model_refractory(p);
  const bool nir_subtract = p.model == model_kind::nir && p.nir.subtract;
  const bool nir_each = p.model == model_kind::nir && !p.nir_neurons.empty();
  static_assert(chunk == 64, "a chunk's crossings are one 64-bit mask");
  for (std::size_t c = c0; c < c1; ++c) {
    if (!b.hot[c]) continue;
    const neuron_id lo = b.begin + static_cast<neuron_id>(c * chunk);
    const neuron_id hi = std::min<neuron_id>(b.end, lo + static_cast<neuron_id>(chunk));
    if (nir_each) {  // nir with per-neuron models: each neuron's threshold and reset (docs/nir.md)
      for (neuron_id j = lo; j < hi; ++j) {
        const nir_lowered& m = p.nir_neurons[j - p.first];
        if (!m.fires(st_.v[j])) continue;
        b.fired.push_back(j);
        st_.v[j] = m.after_spike(st_.v[j]);
      }
      continue;
    }
    // The chunk's crossings as a bit mask (compares without branches), then its set bits in ascending order.
    const double* v = st_.v.data() + lo;
    std::uint64_t mask = 0;
    if (strict) {
      for (neuron_id j = 0; j < hi - lo; ++j) mask |= static_cast<std::uint64_t>(v[j] > th) << j;
    } else {
      for (neuron_id j = 0; j < hi - lo; ++j) mask |= static_cast<std::uint64_t>(v[j] >= th) << j;
    }
    for (; mask != 0; mask &= mask - 1) {
      const neuron_id j = lo + static_cast<neuron_id>(std::countr_zero(mask));
      b.fired.push_back(j);
      st_.v[j] = nir_subtract ? p.nir.after_spike(st_.v[j]) : v_reset;
      st_.ref_until[j] = t + t_ref;
      if (t_ref > 0) b.refractory[(j - b.begin) >> tile_shift].held.push_back({t + t_ref, j});
    }
  }
}

}  // namespace spikeworm
