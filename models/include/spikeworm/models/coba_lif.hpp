// Conductance-based LIF with exponential excitatory and inhibitory conductances (docs/models.md, coba_lif):
// benchmark 1 (COBA) of Brette et al. (2007).
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

namespace spikeworm {

class table_reader;

// tau_m dv/dt = (E_L - v) + g_e (E_e - v) + g_i (E_i - v) + I, tau_e dg_e/dt = -g_e, tau_i dg_i/dt = -g_i,
// g_e and g_i dimensionless, in units of the leak conductance g_L (synaptic weights too). Defaults are the
// COBA benchmark's.
struct coba_lif_params {
  double tau_m = 20.0;     // membrane time constant C/g_L [ms]
  double tau_e = 5.0;      // excitatory conductance time constant [ms]
  double tau_i = 10.0;     // inhibitory conductance time constant [ms]
  double e_l = -60.0;      // leak reversal (resting potential) [mV]
  double e_e = 0.0;        // excitatory reversal [mV]
  double e_i = -80.0;      // inhibitory reversal [mV], below v_th
  double v_th = -50.0;     // threshold [mV]: spike when v > v_th
  double v_reset = -60.0;  // [mV]
  double t_ref = 5.0;      // refractory period [ms]: v is held at v_reset, conductances keep decaying
};

// phi(G) = (1 - exp(-h G)) / G = h f(h G), f(x) = (1 - e^-x) / x, as a polynomial sum_k c_k G^k of degree 10,
// used while 0 <= h G <= coba_series_limit (docs/models.md, coba_lif, "Integration"). c_k = a_k h^(k+1), where
// a_k are the coefficients of the minimax polynomial of f on [0, 1/2] in relative error (Remez exchange in
// 50-digit arithmetic): 4.4e-19 of f there, 1/250 of a double's ulp.
inline constexpr double coba_series_limit = 0.5;
inline constexpr int coba_series_terms = 11;
inline constexpr std::array<long double, coba_series_terms> coba_minimax_f{
    0.9999999999999999995643235L,      -0.4999999999999997928429024L,    0.1666666666666503248836438L,
    -0.04166666666616235995403498L,    0.008333333325330914060186844L,  -0.001388888814624585203924932L,
    0.0001984122676021583278670488L,   -0.00002479997693628692652013539L, 0.000002751845860588912529362832L,
    -0.0000002696979529484188771716183L, 1.992606962612770929662158e-8L};

struct coba_lif_lowered {
  double h = 0.005;         // dt / tau_m
  double be = 0, bi = 0;    // exp(-dt/tau_e), exp(-dt/tau_i)
  double e_l = -60, e_e = 0, e_i = -80, v_th = -50, v_reset = -60;
  std::int32_t t_ref = 50;  // [steps]
  double g_series = 100;    // coba_series_limit / h: the series applies for 0 <= G <= g_series
  std::array<double, coba_series_terms> phi{};  // c_0 .. c_10 of phi(G); set_h fills them
  bool fires(double v) const noexcept { return v > v_th; }
  void set_h(double dt_over_tau_m) noexcept {
    h = dt_over_tau_m;
    g_series = coba_series_limit / h;
    const long double hl = static_cast<long double>(h);
    long double power = hl;  // h^(k+1), and each c_k, in long double: c_k is rounded to double once
    for (int k = 0; k < coba_series_terms; ++k) {
      phi[static_cast<std::size_t>(k)] = static_cast<double>(coba_minimax_f[static_cast<std::size_t>(k)] * power);
      power *= hl;
    }
  }
  coba_lif_lowered() noexcept { set_h(h); }
};

// expm1(x) (docs/models.md, coba_lif): Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, a degree-13 Taylor
// polynomial for expm1(r), and expm1(x) = 2^n expm1(r) + (2^n - 1); within 2 ulp of std::expm1 for |x| <= 700
// (clamped beyond). Only +, *, comparisons and integer bit operations, so a vectorised loop computes the same bits
// as a scalar one (-ffp-contract=off), which std::expm1 (a scalar libm call) would not allow.
inline double coba_expm1(double x) noexcept {
  x = x < -700.0 ? -700.0 : x;  // two value selects, no branch: the loop stays vectorisable
  x = x > 700.0 ? 700.0 : x;
  constexpr double inv_ln2 = 1.4426950408889634;
  constexpr double ln2_hi = 6.93147180369123816490e-01;  // 32 significant bits: n ln2_hi is exact
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  constexpr double shifter = 6755399441055744.0;  // 1.5 2^52: x/ln2 + shifter rounds x/ln2 to an integer n
  const double t = x * inv_ln2 + shifter;
  const double n = t - shifter;
  const double r = (x - n * ln2_hi) - n * ln2_lo;
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  const double em1 = r + r * r * p;  // expm1(r)
  // 2^n: t's low mantissa bits hold n (two's complement), moved into the exponent field with its bias.
  const double s = std::bit_cast<double>((std::bit_cast<std::uint64_t>(t) + 1023u) << 52);
  return s * em1 + (s - 1.0);
}

// phi(G) = (1 - exp(-h G)) / G by its polynomial in G (Horner's rule with fused multiply-adds: std::fma is one
// correctly rounded operation, the same in a vector lane as in scalar code). For 0 <= h G <= coba_series_limit.
inline double coba_phi_series(const coba_lif_lowered& p, double g) noexcept {
  double s = p.phi[coba_series_terms - 1];
#pragma GCC unroll 16
  for (int k = coba_series_terms - 2; k >= 0; --k) s = std::fma(s, g, p.phi[static_cast<std::size_t>(k)]);
  return s;
}

// phi(G) for any G: -expm1(-h G) / G (h at G = 0), expm1 being coba_expm1.
inline double coba_phi_exact(const coba_lif_lowered& p, double g) noexcept {
  const double q = -coba_expm1(-p.h * g) / (g != 0.0 ? g : 1.0);  // selects of values only: vectorisable
  return g != 0.0 ? q : p.h;
}

// Whether phi(G) comes from the series: 0 <= G <= g_series (false for NaN).
inline bool coba_series_applies(const coba_lif_lowered& p, double g) noexcept {
  return g >= 0.0 && g <= p.g_series;
}

// The membrane step given G = 1 + ge + gi and phi(G): A = el + ge E_e + gi E_i, v + (A - G v) phi, in fused
// multiply-adds.
inline double coba_v_update(const coba_lif_lowered& p, double el, double v, double ge, double gi, double g,
                            double phi) noexcept {
  const double a = std::fma(gi, p.e_i, std::fma(ge, p.e_e, el));
  return std::fma(std::fma(-g, v, a), phi, v);
}

// One clock step of a non-refractory neuron whose arrivals were already added to ge/gi (docs/models.md,
// coba_lif, "Integration"): exponential Euler for v with the conductances held at their values at the start
// of the step, G = 1 + ge + gi, A = el + ge E_e + gi E_i (el = E_L + I):
//   v <- v + (A - G v) phi(G),   phi(G) = (1 - exp(-h G)) / G   (= A/G + (v - A/G) exp(-h G)),
// then ge, gi decay exactly. phi is the series where 0 <= h G <= coba_series_limit (nearly always: h G is the
// step over the effective membrane time constant), else the expm1 form, which is exact for G -> 0 (limit h)
// and keeps the relative precision of the increment. The event engine's dense loop applies the same choice
// per neuron (the series for whole chunks that need nothing else), so both engines compute the same bits.
inline double coba_v_step(const coba_lif_lowered& p, double el, double v, double ge, double gi) noexcept {
  const double g = 1.0 + ge + gi;
  const double series = coba_phi_series(p, g), exact = coba_phi_exact(p, g);  // both, then a select: vectorisable
  return coba_v_update(p, el, v, ge, gi, g, coba_series_applies(p, g) ? series : exact);
}

coba_lif_params read_coba_lif_params(const table_reader& t);
coba_lif_lowered lower(const coba_lif_params& p, double dt_ms, const table_reader* where = nullptr);

}  // namespace spikeworm
