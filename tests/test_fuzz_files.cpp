// Fuzzing the trusted files (docs/reliability.md, "Integrity"): deterministic mutations of a real run's
// checkpoint, weights, run.json and eval.json. No crash; every mutated binary file is refused; a mutated
// JSON file that still loads is semantically valid; the CLI exits 2 on corrupted weights.
#include <cmath>
#include <random>
#include <typeinfo>

#include <gtest/gtest.h>

#include "integrity_helpers.hpp"
#include "spikeworm/app/run_dir.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/learning/evaluate.hpp"

namespace spikeworm::test {
namespace {

namespace fs = std::filesystem;
using engine_t = std::mt19937_64;

// One random corruption of a binary file: bit flips, truncation, random bytes, an insertion or a length edit.
std::string mutate_bytes(std::string s, engine_t& g) {
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(g() % std::max<std::size_t>(n, 1)); };
  switch (g() % 6) {
    case 0:
      for (std::size_t k = 0, n = 1 + pick(8); k < n; ++k) s[pick(s.size())] ^= static_cast<char>(1u << pick(8));
      break;
    case 1: s.resize(pick(s.size())); break;
    case 2:
      for (std::size_t at = pick(s.size()), k = 0, n = 1 + pick(16); k < n && at + k < s.size(); ++k)
        s[at + k] = static_cast<char>(g());
      break;
    case 3: s.insert(pick(s.size()), std::string(1 + pick(8), static_cast<char>(g()))); break;
    case 4: {  // the header's length field
      const std::uint64_t len = g() % 3 == 0 ? g() : s.size() + pick(64) - 32;
      std::memcpy(s.data() + 8, &len, 8);
      break;
    }
    default: {  // an 8-byte field anywhere set to a huge count
      const std::uint64_t v = 1ull << (20 + pick(44));
      const std::size_t at = pick(s.size() - 8);
      std::memcpy(s.data() + at, &v, 8);
    }
  }
  return s;
}

// Runs `load`; true when it succeeded, false on spikeworm::error; any other exception fails the test.
template <class F>
bool loads(F&& load, const std::string& what) {
  try {
    load();
    return true;
  } catch (const error&) {
    return false;
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": " << typeid(e).name() << ": " << e.what();
    return false;
  }
}

// A session of the trained run's config and the run's checkpoint and weights, as bytes to mutate.
struct trained_files {
  std::filesystem::path run = trained_run();
  experiment_config cfg = small_config();
  temp_dir t;
  session s{cfg, 0, cfg.train.seed};
  std::string ckpt = read_bytes(run / "checkpoints" / "session_0.ckpt");
  std::string weights = read_bytes(run / "weights" / "session_0.bin");
};

TEST(fuzz_files, mutated_weights_and_checkpoints_are_all_refused) {
  trained_files f;
  auto& [run, cfg, t, s, ckpt, weights] = f;
  ASSERT_TRUE(loads([&] { s.load(run / "checkpoints" / "session_0.ckpt"); }, "valid checkpoint"));
  ASSERT_TRUE(loads([&] { read_weights(run / "weights" / "session_0.bin", s.policy().params()); }, "valid weights"));
  engine_t g(20261129);
  int tried = 0;
  for (int i = 0; i < 2400; ++i) {
    const bool is_ckpt = i % 2 == 0;
    const auto bad = mutate_bytes(is_ckpt ? ckpt : weights, g);
    if (bad == (is_ckpt ? ckpt : weights)) continue;
    ++tried;
    const auto p = t.path() / (is_ckpt ? "m.ckpt" : "m.bin");
    write_bytes(p, bad);
    const bool ok = is_ckpt ? loads([&] { s.load(p); }, "checkpoint")
                            : loads([&] { read_weights(p, s.policy().params()); }, "weights");
    ASSERT_FALSE(ok) << "mutation " << i << " of the " << (is_ckpt ? "checkpoint" : "weights") << " loaded";
  }
  EXPECT_GT(tried, 2000);
}

// With the checksum recomputed, the structural checks alone stand: no crash, no huge allocation, and a
// loaded file holds only finite values.
TEST(fuzz_files, resigned_mutations_never_crash) {
  trained_files f;
  auto& [run, cfg, t, s, ckpt, weights] = f;
  engine_t g(7);
  for (int i = 0; i < 1000; ++i) {
    const bool is_ckpt = i % 2 == 0;
    auto bad = mutate_bytes(is_ckpt ? ckpt : weights, g);
    resign(bad);
    const auto p = t.path() / (is_ckpt ? "m.ckpt" : "m.bin");
    write_bytes(p, bad);
    const bool ok = is_ckpt ? loads([&] { s.load(p); }, "checkpoint")
                            : loads([&] { read_weights(p, s.policy().params()); }, "weights");
    if (!ok) continue;
    for (const auto& pt : s.policy().params())
      for (float x : pt.value) {
        ASSERT_TRUE(std::isfinite(x)) << "mutation " << i;
      }
  }
}

nlohmann::json odd_value(engine_t& g) {
  static const std::vector<nlohmann::json> values = {
      0, -1, 1, 2147483648ll, -2147483649ll, 4'600'000'000'000'000'000ull, 1e300, -1e-300, 0.5, 3.7, "x", "",
      nullptr, true, nlohmann::json::array(), nlohmann::json::object(), nlohmann::json::array({1, 2, 3})};
  return values[g() % values.size()];
}

// One edit of a JSON document: a value replaced, a key removed, or the text itself corrupted.
std::string mutate_json(const nlohmann::json& doc, engine_t& g) {
  auto j = doc;
  const auto keys = [&] {
    std::vector<std::string> k;
    for (const auto& [key, v] : j.items()) k.push_back(key);
    return k;
  }();
  const auto& key = keys[g() % keys.size()];
  switch (g() % 4) {
    case 0: j[key] = odd_value(g); break;
    case 1: j.erase(key); break;
    case 2:
      if (j[key].is_number()) {
        j[key] = j[key].get<double>() * (g() % 2 ? -1.0 : 1e6);
      } else {
        j[key] = odd_value(g);
      }
      break;
    default: return mutate_bytes(doc.dump(2), g);
  }
  return j.dump(2);
}

TEST(fuzz_files, mutated_run_json_is_refused_or_valid) {
  const auto doc = read_json(trained_run() / "run.json");
  engine_t g(11);
  for (int i = 0; i < 1500; ++i) {
    const auto text = mutate_json(doc, g);
    app::run_record r;
    if (!loads([&] { r = app::parse_run_json(text, "run.json"); }, "run.json")) continue;
    ASSERT_TRUE(r.sessions >= 1 && r.sessions <= 10000) << text;
    ASSERT_TRUE(r.episodes >= 1 && r.episodes <= 10'000'000) << text;
    ASSERT_GE(r.checkpoint_every, 0) << text;
  }
}

TEST(fuzz_files, mutated_eval_json_is_refused_or_valid) {
  const auto doc = read_json(trained_run() / "eval.json");
  engine_t g(13);
  for (int i = 0; i < 1500; ++i) {
    const auto text = mutate_json(doc, g);
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) continue;
    eval_result r;
    if (!loads([&] { r = eval_result::from_json(j); }, "eval.json")) continue;
    ASSERT_GE(r.agents, 1) << text;
    ASSERT_TRUE(r.successes >= 0 && r.successes <= r.episodes) << text;
    ASSERT_LE(r.decisions, static_cast<std::uint64_t>(r.episodes) * 1'000'000) << text;
    ASSERT_EQ(r.session_successes.size(), static_cast<std::size_t>(r.agents)) << text;
    ASSERT_TRUE(std::isfinite(r.mean_reward) && r.seconds >= 0 && r.mean_foods >= 0) << text;
    ASSERT_TRUE(r.dt_ms > 0 && r.zero_weights <= r.connection_weights) << text;
  }
}

TEST(fuzz_files, eval_on_corrupted_weights_exits2) {
  temp_dir t;
  fs::copy(trained_run(), t.path() / "run", fs::copy_options::recursive);
  const auto file = t.path() / "run" / "weights" / "session_0.bin";
  const auto good = read_bytes(file);
  engine_t g(17);
  for (int i = 0; i < 6; ++i) {
    write_bytes(file, mutate_bytes(good, g));
    const auto r = run_cli({"eval", (t.path() / "run").string(), "--out", (t.path() / "e.json").string(), "-q"});
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("session_0.bin"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace spikeworm::test
