// Every table a reader takes refuses a key it does not know, and names it with its full path: a typo is
// never silently ignored (docs/config-reference.md). One unknown key is planted in each table in turn.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/deploy/chip.hpp"
#include "spikeworm/deploy/energy_table.hpp"
#include "spikeworm/engine/network.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm {
namespace {

using ::testing::HasSubstr;

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// A valid network of a source and one population of `model`; `@X` marks where a table's planted key goes.
std::string network(const std::string& model) {
  return fmt::format(R"([simulation]
dt = 1.0
duration = 0.01
@SIM
[[population]]
name = "src"
size = 2
model = "poisson"
params = {{ rate = 10.0 @POISSON }}
[[population]]
name = "b"
size = 2
model = "{}"
params = {{ @PARAMS }}
init = {{ v = {{ dist = "uniform", low = 0.0, high = 0.5 @INITDIST }} @INIT }}
record = {{ spikes = true @RECORD }}
@POP
[[projection]]
source = "src"
target = "b"
rule = "all_to_all"
weight = {{ dist = "uniform", low = 0.0, high = 1.0 @WEIGHT }}
@PROJ
)",
                     model);
}

// The text with the key planted at `mark` (an inline table's entry or a line of its own), every other mark
// removed.
std::string plant(std::string text, const std::string& mark) {
  for (std::size_t at; (at = text.find('@')) != std::string::npos;) {
    auto end = at + 1;
    while (end < text.size() && std::isupper(static_cast<unsigned char>(text[end]))) ++end;
    const std::string here = text.substr(at + 1, end - at - 1);
    const bool inline_table = text.rfind('{', at) != std::string::npos && text.rfind('{', at) > text.rfind('\n', at);
    const bool empty_inline = inline_table && text.substr(0, at).find_last_not_of(' ') == text.rfind('{', at);
    std::string with = here == mark ? (inline_table ? (empty_inline ? "zz_unknown = 1" : ", zz_unknown = 1") : "zz_unknown = 1") : "";
    text.replace(at, end - at, with);
  }
  return text;
}

TEST(unknown_keys, every_table_of_a_network_refuses_one_naming_its_path) {
  const std::vector<std::pair<std::string, std::string>> marks{
      {"SIM", "simulation.zz_unknown"},          {"POISSON", "population[0].params.zz_unknown"},
      {"PARAMS", "population[1].params.zz_unknown"}, {"INIT", "population[1].init.zz_unknown"},
      {"INITDIST", "population[1].init.v.zz_unknown"}, {"RECORD", "population[1].record.zz_unknown"},
      {"POP", "population[1].zz_unknown"},       {"WEIGHT", "projection[0].weight.zz_unknown"},
      {"PROJ", "projection[0].zz_unknown"}};
  for (const std::string model : {"lif", "cuba_lif", "coba_lif", "cuba_alpha_lif", "coba_alpha_lif"}) {
    ASSERT_EQ(error_of([&] { (void)read_network_desc(table_reader::root(load_config_string(plant(network(model), ""), "n.toml"))); }), "")
        << model;
    for (const auto& [mark, path] : marks) {
      const auto text = plant(network(model), mark);
      EXPECT_THAT(error_of([&] { (void)read_network_desc(table_reader::root(load_config_string(text, "n.toml"))); }),
                  HasSubstr(path + ": unknown key"))
          << model << " " << mark << "\n" << text;
    }
  }
}

TEST(unknown_keys, nir_and_spike_source_parameter_tables_refuse_one) {
  const std::string head = "[simulation]\ndt = 1.0\nduration = 0.01\n[[population]]\nname = \"a\"\nsize = 1\n";
  const auto nir = head + "model = \"nir\"\nparams = { kind = \"LIF\", tau_mem = 10.0, r = 1.0, v_leak = 0.0, v_threshold = 1.0, zz_unknown = 1 }\n";
  EXPECT_THAT(error_of([&] { (void)read_network_desc(table_reader::root(load_config_string(nir, "n.toml"))); }),
              HasSubstr("population[0].params.zz_unknown: unknown key"));
  const auto src = head + "model = \"spike_source\"\nparams = { times = [1.0], zz_unknown = 1 }\n";
  EXPECT_THAT(error_of([&] { (void)read_network_desc(table_reader::root(load_config_string(src, "n.toml"))); }),
              HasSubstr("population[0].params.zz_unknown: unknown key"));
}

TEST(unknown_keys, every_table_of_an_experiment_refuses_one_naming_its_path) {
  const std::string base = "@ROOT\n[env]\nkind = \"predators\"\n@ENV\n[env.rewards]\n@REWARDS\n[brain]\n@BRAIN\n[train]\n@TRAIN\n";
  ASSERT_EQ(error_of([&] { (void)read_experiment(table_reader::root(load_config_string(plant(base, ""), "e.toml"))); }), "");
  for (const auto& [mark, path] : std::vector<std::pair<std::string, std::string>>{{"ROOT", "zz_unknown"},
                                                                                     {"ENV", "env.zz_unknown"},
                                                                                     {"REWARDS", "env.rewards.zz_unknown"},
                                                                                     {"BRAIN", "brain.zz_unknown"},
                                                                                     {"TRAIN", "train.zz_unknown"}}) {
    const auto text = plant(base, mark);
    const auto message = error_of([&] { (void)read_experiment(table_reader::root(load_config_string(text, "e.toml"))); });
    EXPECT_TRUE(message.starts_with("e.toml:")) << message;  // the file, then line and column
    EXPECT_THAT(message, HasSubstr(": " + path + ": unknown key")) << mark << "\n" << text;
  }
}

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Shipped chip profiles and energy tables with a key planted at the top and, for chips, in [energy_table].
TEST(unknown_keys, chip_profiles_and_energy_tables_refuse_one) {
  test::temp_dir dir;
  for (const auto& f : std::filesystem::directory_iterator(test::source_dir() / "configs" / "chips")) {
    const auto text = read_all(f.path());
    const auto top = dir.write("top.toml", "zz_unknown = 1\n" + text);
    EXPECT_THAT(error_of([&] { (void)read_chip_profile(top.string()); }), HasSubstr(": zz_unknown: unknown key"))
        << f.path();
    const auto at = text.find("[energy_table]\n");
    if (at == std::string::npos) continue;
    auto planted = text;
    planted.insert(at + 15, "zz_unknown = 1\n");
    const auto in_table = dir.write("table.toml", planted);
    EXPECT_THAT(error_of([&] { (void)read_chip_profile(in_table.string()); }),
                HasSubstr("energy_table.zz_unknown: unknown key"))
        << f.path();
  }
  for (const auto& f : std::filesystem::directory_iterator(test::source_dir() / "configs" / "energy")) {
    const auto top = dir.write("e.toml", "zz_unknown = 1\n" + read_all(f.path()));
    EXPECT_THAT(error_of([&] { (void)read_energy_table(top.string()); }), HasSubstr(": zz_unknown: unknown key"))
        << f.path();
  }
}

}  // namespace
}  // namespace spikeworm
