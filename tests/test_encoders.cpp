// Observation encoders (docs/training.md, Input encoders) against hand-computed values.
#include <cmath>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spikeworm/core/config.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/learning/encoders.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {
namespace {

using ::testing::HasSubstr;

std::vector<double> encode(const encoder& e, std::vector<double> obs, int steps, std::uint64_t seed = 1) {
  std::vector<double> out(e.output_size(static_cast<int>(obs.size()), steps));
  rng r(seed, stream_kind::encoder);
  e.encode(obs, steps, r, out);
  return out;
}

TEST(encoders, names_parse_and_unknown_names_are_reported) {
  EXPECT_EQ(parse_encoder("current"), encoder_kind::current);
  EXPECT_EQ(parse_encoder("population"), encoder_kind::population);
  EXPECT_EQ(parse_encoder("rate"), encoder_kind::rate);
  EXPECT_EQ(parse_encoder("latency"), encoder_kind::latency);
  for (auto k : {encoder_kind::current, encoder_kind::population, encoder_kind::rate, encoder_kind::latency})
    EXPECT_EQ(parse_encoder(encoder_name(k)), k);
  try {
    parse_encoder("spiky");
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown encoder 'spiky' (expected one of: current, population, rate, latency)"));
  }
}

TEST(encoders, config_key_errors_name_file_and_key) {
  const auto doc = load_config_string("[brain]\nencoder = \"spiky\"\n", "b.toml");
  const auto brain = *table_reader::root(doc).subtable("brain");
  try {
    read_encoder(brain, "encoder", encoder_kind::current);
    FAIL() << "no error";
  } catch (const config_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("b.toml:2:11: brain.encoder: unknown value 'spiky'"));
  }
  EXPECT_EQ(read_encoder(brain, "missing", encoder_kind::rate), encoder_kind::rate);
}

TEST(encoders, widths_and_constant_kinds) {
  encoder e;
  EXPECT_EQ(e.width(2), 2);
  EXPECT_TRUE(e.constant_input());
  e.kind = encoder_kind::population;
  EXPECT_EQ(e.width(2), 16);
  EXPECT_TRUE(e.constant_input());
  EXPECT_EQ(e.output_size(2, 100), 16u);
  e.kind = encoder_kind::rate;
  EXPECT_EQ(e.width(2), 2);
  EXPECT_FALSE(e.constant_input());
  EXPECT_EQ(e.output_size(2, 100), 200u);
  e.kind = encoder_kind::latency;
  EXPECT_FALSE(e.constant_input());
  EXPECT_EQ(e.output_size(2, 100), 200u);
}

TEST(encoders, current_is_the_observation) {
  const auto out = encode({}, {0.29, -0.25}, 100);
  EXPECT_EQ(out, (std::vector<double>{0.29, -0.25}));
}

TEST(encoders, population_is_eight_gaussians_on_linspace) {
  encoder e;
  e.kind = encoder_kind::population;
  // Centres -1, -5/7, ..., 5/7, 1; sigma 0.25: exp(-(x - c)^2 / 0.125) = exp(-8 (x - c)^2).
  const auto out = encode(e, {0.0, 1.0}, 100);
  ASSERT_EQ(out.size(), 16u);
  const double at_one_seventh = 0.8493658165683124;  // exp(-8/49)
  EXPECT_NEAR(out[3], at_one_seventh, 1e-15);
  EXPECT_NEAR(out[4], at_one_seventh, 1e-15);
  EXPECT_NEAR(out[0], 3.3546262790251185e-04, 1e-17);  // exp(-8): distance 1
  EXPECT_NEAR(out[7], 3.3546262790251185e-04, 1e-17);
  EXPECT_NEAR(out[8], 1.2664165549094176e-14, 1e-27);  // exp(-32): x = 1 against the centre -1
  EXPECT_DOUBLE_EQ(out[15], 1.0);                       // x = 1 sits on the last centre
  EXPECT_NEAR(out[14], std::exp(-8.0 * (2.0 / 7) * (2.0 / 7)), 1e-15);
  for (int k = 0; k < 8; ++k) EXPECT_NEAR(out[static_cast<std::size_t>(k)], out[static_cast<std::size_t>(7 - k)], 1e-15);
}

TEST(encoders, rate_spikes_with_the_clamped_probability) {
  encoder e;
  e.kind = encoder_kind::rate;
  const int steps = 20000;
  const auto out = encode(e, {0.0, 1.0, 0.3, -0.5, 1.7}, steps);
  double count[5] = {};
  for (int t = 0; t < steps; ++t)
    for (int i = 0; i < 5; ++i) {
      const double v = out[static_cast<std::size_t>(t * 5 + i)];
      ASSERT_TRUE(v == 0.0 || v == 1.0);
      count[i] += v;
    }
  EXPECT_EQ(count[0], 0.0);
  EXPECT_EQ(count[1], steps);
  EXPECT_EQ(count[3], 0.0) << "negative values clamp to 0";
  EXPECT_EQ(count[4], steps) << "values above 1 clamp to 1";
  // Binomial(20000, 0.3): sd = 64.8; 5 sd either side, seeded, so never flaky.
  EXPECT_NEAR(count[2], 6000.0, 5 * 64.8);
  EXPECT_EQ(out, encode(e, {0.0, 1.0, 0.3, -0.5, 1.7}, steps)) << "same stream, same spikes";
  EXPECT_NE(out, encode(e, {0.0, 1.0, 0.3, -0.5, 1.7}, steps, 2));
}

TEST(encoders, latency_is_one_spike_earlier_for_larger_values) {
  EXPECT_EQ(encoder::latency_step(1.0, 100), 0);
  EXPECT_EQ(encoder::latency_step(0.0, 100), 99);
  EXPECT_EQ(encoder::latency_step(0.5, 100), 50);   // round(49.5) = 50: halves round up
  EXPECT_EQ(encoder::latency_step(0.75, 101), 25);
  EXPECT_EQ(encoder::latency_step(-3.0, 100), 99);
  EXPECT_EQ(encoder::latency_step(5.0, 100), 0);
  EXPECT_EQ(encoder::latency_step(0.3, 1), 0);
  for (double x = 0.0; x < 1.0; x += 0.01)
    EXPECT_LE(encoder::latency_step(x + 0.01, 100), encoder::latency_step(x, 100));

  encoder e;
  e.kind = encoder_kind::latency;
  const auto out = encode(e, {0.29, -0.25, 1.0}, 100);
  for (int i = 0; i < 3; ++i) {
    int spikes = 0, at = -1;
    for (int t = 0; t < 100; ++t)
      if (out[static_cast<std::size_t>(t * 3 + i)] == 1.0) ++spikes, at = t;
    EXPECT_EQ(spikes, 1) << "input " << i;
    EXPECT_EQ(at, encoder::latency_step(std::vector<double>{0.29, -0.25, 1.0}[static_cast<std::size_t>(i)], 100));
  }
  EXPECT_EQ(encoder::latency_step(0.29, 100), 70);  // round(0.71 * 99) = round(70.29)
}

// An encoder writes every value of its output and nothing around it: the output is a window of a larger
// buffer whose guards must stay NaN, and no value inside may stay NaN.
TEST(encoders, every_kind_writes_exactly_its_output_span) {
  const std::vector<double> obs = {-1.5, -0.2, 0.0, 0.4, 1.0, 2.0};
  for (auto kind : {encoder_kind::current, encoder_kind::population, encoder_kind::rate, encoder_kind::latency})
    for (int m : {1, 3, 8}) {
      encoder e;
      e.kind = kind;
      e.population_size = m;
      const int steps = 5;
      const std::size_t size = e.output_size(static_cast<int>(obs.size()), steps), guard = 64;
      std::vector<double> buffer(size + 2 * guard, std::nan(""));
      rng r(3, stream_kind::encoder);
      e.encode(obs, steps, r, std::span<double>(buffer).subspan(guard, size));
      for (std::size_t i = 0; i < buffer.size(); ++i) {
        const bool inside = i >= guard && i < guard + size;
        EXPECT_EQ(std::isnan(buffer[i]), !inside) << encoder_name(kind) << ", m " << m << ", index " << i;
      }
    }
}

TEST(encoders, wrong_output_size_is_a_bug) {
  encoder e;
  e.kind = encoder_kind::rate;
  std::vector<double> out(5);
  rng r(1, stream_kind::encoder);
  const std::vector<double> obs = {0.1, 0.2};
  EXPECT_THROW(e.encode(obs, 3, r, out), internal_error);
  EXPECT_THROW(e.encode(obs, 0, r, std::span<double>{}), internal_error);
}

}  // namespace
}  // namespace spikeworm
