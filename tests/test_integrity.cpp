// Trusted files (docs/reliability.md, "Integrity"): checksums and lengths checked before allocation,
// non-finite values refused, run.json and eval.json range-checked, and the CLI's exit 2 on each.
#include <cmath>
#include <limits>

#include <functional>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "integrity_helpers.hpp"
#include "spikeworm/app/run_dir.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/learning/evaluate.hpp"

namespace spikeworm::test {
namespace {

namespace fs = std::filesystem;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const error& e) {
    return e.what();
  }
  return "";
}

TEST(integrity, checksum_is_fnv1a64) {
  const unsigned char a[] = {'a'};
  EXPECT_EQ(fnv1a64({}), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64(a), 0xaf63dc4c8601ec8cull);
}

TEST(integrity, weights_and_checkpoint_round_trip) {
  temp_dir t;
  const auto cfg = small_config();
  session a(cfg, 0, 3), b(cfg, 0, 3);
  a.run_episode();
  a.run_episode();
  a.save(t.path() / "a.ckpt");
  b.load(t.path() / "a.ckpt");
  EXPECT_EQ(b.episodes_done(), 2);
  write_weights(t.path() / "a.bin", a.policy().params());
  session c(cfg, 0, 99);
  read_weights(t.path() / "a.bin", c.policy().params());
  const auto& pa = a.policy().params();
  const auto& pc = c.policy().params();
  for (std::size_t k = 0; k < pa.size(); ++k)
    for (std::size_t i = 0; i < pa[k].value.size(); ++i) ASSERT_EQ(pa[k].value[i], pc[k].value[i]);
  const auto bytes = read_bytes(t.path() / "a.bin");
  EXPECT_EQ(bytes.substr(0, 4), "SWWT");
  std::uint64_t length = 0;
  std::memcpy(&length, bytes.data() + 8, 8);
  EXPECT_EQ(length, bytes.size());
}

TEST(integrity, recurrent_weights_round_trip_and_do_not_mix_with_feed_forward_files) {
  temp_dir t;
  auto ff = small_config();
  auto rec = ff;
  rec.brain.recurrent = true;
  session a(rec, 0, 3), b(rec, 0, 3), f(ff, 0, 3);  // one session and seed: checkpoints must match them
  a.run_episode();
  ASSERT_EQ(a.policy().params().back().name, fmt::format("recurrent.{}.weight", rec.brain.layers - 1));
  write_weights(t.path() / "rec.bin", a.policy().params());
  a.save(t.path() / "rec.ckpt");
  read_weights(t.path() / "rec.bin", b.policy().params());
  const auto& wa = a.policy().params().back().value;
  const auto& wb = b.policy().params().back().value;
  for (std::size_t i = 0; i < wa.size(); ++i) ASSERT_EQ(wa[i], wb[i]);
  b.load(t.path() / "rec.ckpt");
  EXPECT_EQ(b.episodes_done(), 1);
  // A feed-forward file into a recurrent brain, and the other way round: refused, saying why.
  write_weights(t.path() / "ff.bin", f.policy().params());
  f.save(t.path() / "ff.ckpt");
  const auto into_rec = error_of([&] { read_weights(t.path() / "ff.bin", b.policy().params()); });
  EXPECT_NE(into_rec.find("ff.bin"), std::string::npos) << into_rec;
  EXPECT_NE(into_rec.find("made with [brain] recurrent = false"), std::string::npos) << into_rec;
  const auto ckpt_into_rec = error_of([&] { b.load(t.path() / "ff.ckpt"); });
  EXPECT_NE(ckpt_into_rec.find("made with [brain] recurrent = false"), std::string::npos) << ckpt_into_rec;
  const auto into_ff = error_of([&] { read_weights(t.path() / "rec.bin", f.policy().params()); });
  EXPECT_NE(into_ff.find("recurrent = true"), std::string::npos) << into_ff;
  EXPECT_EQ(b.episodes_done(), 1) << "a refused checkpoint changes nothing";
}

TEST(integrity, corrupt_length_field_is_refused_before_allocating) {
  temp_dir t;
  const auto cfg = small_config();
  session a(cfg, 0, 3);
  write_weights(t.path() / "w.bin", a.policy().params());
  auto bytes = read_bytes(t.path() / "w.bin");
  const std::uint64_t huge = 1ull << 34;
  std::memcpy(bytes.data() + 8, &huge, 8);
  write_bytes(t.path() / "w.bin", bytes);
  EXPECT_NE(error_of([&] { read_weights(t.path() / "w.bin", a.policy().params()); }).find("length field"),
            std::string::npos);
  // An inner array length edited and the checksum recomputed: bounded by the bytes left, still refused.
  a.save(t.path() / "c.ckpt");
  bytes = read_bytes(t.path() / "c.ckpt");
  const std::size_t first_vec = 24 + 4 + 8 + 8 + 1 + 4 + 8 + 4 + 4 + a.policy().params()[0].name.size();
  const std::uint64_t items = 4'000'000'000ull;
  std::memcpy(bytes.data() + first_vec, &items, 8);
  resign(bytes);
  write_bytes(t.path() / "c.ckpt", bytes);
  EXPECT_NE(error_of([&] { a.load(t.path() / "c.ckpt"); }).find("4000000000 items"), std::string::npos);
}

TEST(integrity, version_one_files_are_refused) {
  temp_dir t;
  session a(small_config(), 0, 3);
  write_weights(t.path() / "w.bin", a.policy().params());
  auto bytes = read_bytes(t.path() / "w.bin");
  bytes[4] = 1;
  resign(bytes);
  write_bytes(t.path() / "w.bin", bytes);
  EXPECT_NE(error_of([&] { read_weights(t.path() / "w.bin", a.policy().params()); }).find("version 1 is not supported"),
            std::string::npos);
}

TEST(integrity, flipped_bit_in_checkpoint_is_refused) {
  temp_dir t;
  session a(small_config(), 0, 3);
  a.run_episode();
  a.save(t.path() / "c.ckpt");
  auto bytes = read_bytes(t.path() / "c.ckpt");
  bytes[bytes.size() / 2] ^= 0x10;
  write_bytes(t.path() / "c.ckpt", bytes);
  EXPECT_NE(error_of([&] { a.load(t.path() / "c.ckpt"); }).find("checksum mismatch"), std::string::npos);
}

TEST(integrity, non_finite_weights_are_refused_naming_file_and_tensor) {
  temp_dir t;
  const auto cfg = small_config();
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    session a(cfg, 0, 3), b(cfg, 0, 3);
    auto& p = a.policy().params().back();
    p.value[0] = bad;
    write_weights(t.path() / "w.bin", a.policy().params());
    const auto msg = error_of([&] { read_weights(t.path() / "w.bin", b.policy().params()); });
    EXPECT_NE(msg.find("w.bin"), std::string::npos) << msg;
    EXPECT_NE(msg.find("tensor " + p.name), std::string::npos) << msg;
    EXPECT_TRUE(std::isfinite(b.policy().params().back().value[0]));  // unchanged
    a.save(t.path() / "c.ckpt");
    const auto m2 = error_of([&] { b.load(t.path() / "c.ckpt"); });
    EXPECT_NE(m2.find("tensor " + p.name), std::string::npos) << m2;
  }
}

TEST(integrity, checkpoint_of_another_config_hash_is_refused) {
  temp_dir t;
  const auto cfg = small_config();
  session a(cfg, 0, 3), b(cfg, 0, 3);
  a.set_config_hash(0x1234);
  a.save(t.path() / "c.ckpt");
  b.set_config_hash(0x9999);
  EXPECT_NE(error_of([&] { b.load(t.path() / "c.ckpt"); }).find("another configuration"), std::string::npos);
  b.set_config_hash(0x1234);
  EXPECT_EQ(error_of([&] { b.load(t.path() / "c.ckpt"); }), "");
  // A session that states no configuration (hash 0, a library caller) loads it; train always states one.
  session c(cfg, 0, 3);
  EXPECT_EQ(error_of([&] { c.load(t.path() / "c.ckpt"); }), "");
}

TEST(integrity, run_json_fields_are_range_checked) {
  const auto ok = app::parse_run_json(R"({"config":"c.toml","sessions":2,"episodes":30,"seed":5,"checkpoint_every":0})",
                                      "run.json");
  EXPECT_EQ(ok.sessions, 2);
  for (const char* bad : {"0", "-1", "2147483649", "10001", "1.5", "\"2\"", "null"}) {
    const auto text = fmt::format(R"({{"config":"c.toml","sessions":{},"episodes":30,"seed":5}})", bad);
    const auto msg = error_of([&] { app::parse_run_json(text, "R/run.json"); });
    EXPECT_NE(msg.find("R/run.json: key 'sessions'"), std::string::npos) << bad << ": " << msg;
  }
  EXPECT_NE(error_of([&] { app::parse_run_json(R"({"config":"c","sessions":1,"episodes":0,"seed":1})", "r"); })
                .find("'episodes'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { app::parse_run_json(R"({"config":"c","sessions":1,"episodes":1,"seed":-1})", "r"); })
                .find("'seed'"),
            std::string::npos);
}

TEST(integrity, resume_with_bad_sessions_in_run_json_exits2) {
  temp_dir t;
  const auto& run = trained_run();
  fs::copy(run, t.path() / "run", fs::copy_options::recursive);
  auto j = read_json(t.path() / "run" / "run.json");
  for (const std::string bad : {"0", "-3", "4294967296"}) {
    j["sessions"] = nlohmann::json::parse(bad);
    write_bytes(t.path() / "run" / "run.json", j.dump());
    const auto r = run_cli({"train", "--resume", (t.path() / "run").string(), "-q"});
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("'sessions'"), std::string::npos) << r.err;
  }
}

TEST(integrity, eval_json_fields_are_range_checked) {
  const auto good = read_json(trained_run() / "eval.json");
  EXPECT_NO_THROW(eval_result::from_json(good));
  const std::vector<std::pair<std::string, nlohmann::json>> edits = {
      {"decisions", 4'600'000'000'000'000'000ull}, {"episodes", -1},        {"successes", 1'000'000},
      {"agents", 0},                               {"seconds", -1.0},       {"hidden", "x"},
      {"mean_foods", -2.0},                        {"engine", "warp"},      {"session_successes", nlohmann::json::array()},
      {"layers", 1.5},                             {"success_rate", 1.5},   {"sample", 3},
      {"seconds_per_decision", -1.0}};
  for (const auto& [key, value] : edits) {
    auto j = good;
    j[key] = value;
    const auto msg = error_of([&] { eval_result::from_json(j); });
    EXPECT_NE(msg.find("'" + key + "'"), std::string::npos) << key << ": " << msg;
  }
}

TEST(integrity, energy_with_bad_eval_json_exits2) {
  temp_dir t;
  fs::copy(trained_run(), t.path() / "run", fs::copy_options::recursive);
  auto j = read_json(t.path() / "run" / "eval.json");
  j["decisions"] = 4'600'000'000'000'000'000ull;
  write_bytes(t.path() / "run" / "eval.json", j.dump());
  const auto r = run_cli({"energy", (t.path() / "run").string(), "--no-plot", "-q"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("eval.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'decisions'"), std::string::npos) << r.err;
}

TEST(integrity, eval_and_deploy_refuse_non_finite_weights_with_exit2) {
  temp_dir t;
  const auto run = t.path() / "run";
  fs::copy(trained_run(), run, fs::copy_options::recursive);
  session a(small_config(), 0, 3);
  auto& p = a.policy().params().front();
  p.value[1] = std::numeric_limits<float>::quiet_NaN();
  write_weights(run / "weights" / "session_0.bin", a.policy().params());  // a valid checksum over a NaN
  const auto e = run_cli({"eval", run.string(), "--out", (t.path() / "e.json").string(), "-q"});
  EXPECT_EQ(e.code, 2) << e.err;
  EXPECT_NE(e.err.find("tensor " + p.name), std::string::npos) << e.err;
  const auto d = run_cli({"deploy", run.string(), "--chip", "loihi", "--no-plot", "-q", "--out",
                          (t.path() / "d.json").string()});
  EXPECT_EQ(d.code, 2) << d.err;
  EXPECT_NE(d.err.find("session_0.bin"), std::string::npos) << d.err;
}

}  // namespace
}  // namespace spikeworm::test
