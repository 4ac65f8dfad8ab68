// The defaults the docs state are the defaults the readers apply. Each docs table is parsed from the
// Markdown itself, and every key it documents must have an accessor here, so a default changed in the
// code or the docs alone fails, and so does a documented key this test does not know.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/engine/network.hpp"
#include "spikeworm/envs/environment.hpp"
#include "spikeworm/learning/brain.hpp"
#include "spikeworm/learning/cmaes.hpp"
#include "spikeworm/learning/encoders.hpp"
#include "spikeworm/learning/reinforce.hpp"
#include "spikeworm/models/coba_lif.hpp"
#include "spikeworm/models/cuba_lif.hpp"
#include "spikeworm/models/lif.hpp"

namespace spikeworm {
namespace {

std::string read_doc(const std::string& name) {
  std::ifstream in(test::source_dir() / "docs" / name);
  std::ostringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << name;
  return s.str();
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(trim(cur));
  return out;
}

// One documented value, canonical: numbers as {fmt} prints a double (a trailing unit dropped), names
// without backticks or quotes.
std::string canonical(std::string v) {
  v = trim(v);
  for (const char* unit : {" ms"})
    if (v.size() > 3 && v.ends_with(unit)) v.resize(v.size() - 3);
  std::string s;
  for (char c : v)
    if (c != '`' && c != '"') s += c;
  try {
    std::size_t used = 0;
    const double d = std::stod(s, &used);
    if (used == s.size()) return fmt::format("{}", d);
  } catch (const std::exception&) {
  }
  return s;
}

std::string num(double d) { return fmt::format("{}", d); }
std::string flag(bool b) { return b ? "true" : "false"; }

// The rows of the first Markdown table after `heading`: each key of the first column with its
// default (column `col`); "a, b | 1, 2" pairs keys with values in order. Rows without a default ("—")
// are left out.
std::map<std::string, std::vector<std::string>> table_after(const std::string& doc, const std::string& heading,
                                                            std::size_t col = 2) {
  std::map<std::string, std::vector<std::string>> rows;
  auto at = doc.find(heading);
  EXPECT_NE(at, std::string::npos) << heading;
  if (at == std::string::npos) return rows;
  std::istringstream in(doc.substr(at + heading.size()));
  std::string line;
  bool in_table = false;
  int row = 0;
  while (std::getline(in, line)) {
    if (!line.starts_with("|")) {
      if (in_table) break;
      continue;
    }
    in_table = true;
    if (row++ < 2) continue;  // header and rule
    const auto cells = split(line, '|');
    std::vector<std::string> keys;
    static const std::regex name("`([a-z_0-9]+)`");
    for (auto it = std::sregex_iterator(cells[1].begin(), cells[1].end(), name); it != std::sregex_iterator(); ++it)
      keys.push_back((*it)[1]);
    const std::string def = cells.at(col);
    if (def == "—") continue;
    const auto values = split(def, ',');
    for (std::size_t i = 0; i < keys.size(); ++i)
      rows[keys[i]].push_back(keys.size() == values.size() ? values[i] : def);
  }
  EXPECT_FALSE(rows.empty()) << "no table after " << heading;
  return rows;
}

template <class T>
using accessors = std::map<std::string, std::function<std::string(const T&)>>;

// Every documented key has an accessor, and the reader's value on an empty table is the documented one.
template <class T>
void expect_documented(const std::map<std::string, std::string>& documented, const accessors<T>& get, const T& read,
                       const std::string& where) {
  for (const auto& [key, value] : documented) {
    const auto it = get.find(key);
    if (it == get.end()) {
      ADD_FAILURE() << where << ": documented key '" << key << "' has no accessor in this test";
      continue;
    }
    EXPECT_EQ(it->second(read), canonical(value)) << where << ": " << key << " (docs: " << value << ")";
  }
}

// Every key this test reads is documented with a default.
template <class T>
void expect_all_documented(const std::map<std::string, std::string>& documented, const accessors<T>& get,
                           const std::string& where) {
  for (const auto& [key, unused] : get)
    EXPECT_TRUE(documented.contains(key)) << where << ": key '" << key << "' has no documented default";
}

config_document empty_doc() { return load_config_string("", "empty.toml"); }

TEST(documented_defaults, brain_table_of_training_md) {
  const auto rows = table_after(read_doc("training.md"), "`[brain]`:");
  const accessors<brain_config> get{
      {"type", [](const brain_config& c) { return std::string(brain_kind_name(c.kind)); }},
      {"hidden", [](const brain_config& c) { return num(c.hidden); }},
      {"layers", [](const brain_config& c) { return num(c.layers); }},
      {"steps", [](const brain_config& c) { return num(c.steps); }},
      {"dt", [](const brain_config& c) { return num(c.dt_ms); }},
      {"tau_m", [](const brain_config& c) { return num(c.lif.tau_m); }},
      {"v_th", [](const brain_config& c) { return num(c.lif.v_th); }},
      {"v_reset", [](const brain_config& c) { return num(c.lif.v_reset); }},
      {"v_rest", [](const brain_config& c) { return num(c.lif.v_rest); }},
      {"surrogate", [](const brain_config& c) { return std::string(to_string(c.grad.kind)); }},
      {"surrogate_alpha", [](const brain_config& c) { return num(c.grad.alpha); }},
      {"init",
       [](const brain_config& c) {
         return std::string(c.init == init_kind::kaiming      ? "kaiming"
                            : c.init == init_kind::orthogonal ? "orthogonal"
                                                              : "default");
       }},
      {"output_scale", [](const brain_config& c) { return num(c.output_scale); }},
      {"encoder", [](const brain_config& c) { return std::string(encoder_name(c.enc.kind)); }},
      {"recurrent", [](const brain_config& c) { return flag(c.recurrent); }},
      {"recurrent_scale", [](const brain_config& c) { return num(c.recurrent_scale); }},
      {"readout", [](const brain_config& c) { return std::string(c.readout == readout_kind::dense ? "dense" : "spikes"); }},
      {"head_hidden", [](const brain_config& c) { return num(c.head_hidden); }},
  };
  const auto doc = empty_doc();
  const auto spiking = read_brain_config(table_reader::root(doc));
  const auto mlp_doc = load_config_string("type = \"mlp\"\n", "mlp.toml");
  const auto mlp = read_brain_config(table_reader::root(mlp_doc));
  std::map<std::string, std::string> plain, for_mlp;
  static const std::regex mlp_note(R"((.*\S)\s*\(mlp: ([^)]+)\))");
  for (const auto& [key, values] : rows) {
    std::smatch m;
    if (std::regex_match(values[0], m, mlp_note)) {
      plain[key] = m[1];
      for_mlp[key] = m[2];
    } else {
      plain[key] = values[0];
    }
  }
  expect_all_documented(plain, get, "training.md [brain]");
  EXPECT_FALSE(for_mlp.empty());
  expect_documented(plain, get, spiking, "training.md [brain]");
  expect_documented(for_mlp, get, mlp, "training.md [brain], mlp");
}

TEST(documented_defaults, train_list_of_training_md_and_cma_table_of_config_reference) {
  const auto text = read_doc("training.md");
  const auto start = text.find("`[train]` (defaults");
  ASSERT_NE(start, std::string::npos);
  const auto para = text.substr(start, text.find("\n\n", start) - start);
  std::map<std::string, std::string> documented;
  static const std::regex pair("`([a-z_0-9]+)`\\s+(-?[0-9][0-9.e+-]*|true|false)");
  for (auto it = std::sregex_iterator(para.begin(), para.end(), pair); it != std::sregex_iterator(); ++it)
    documented[(*it)[1]] = (*it)[2];
  for (const auto& [key, values] : table_after(read_doc("config-reference.md"), "## Training algorithm ([train])"))
    documented[key] = values[0];
  const accessors<train_config> get{
      {"episodes", [](const train_config& c) { return num(c.episodes); }},
      {"sessions", [](const train_config& c) { return num(c.sessions); }},
      {"seed", [](const train_config& c) { return num(static_cast<double>(c.seed)); }},
      {"gamma", [](const train_config& c) { return num(c.gamma); }},
      {"normalize_returns", [](const train_config& c) { return flag(c.normalize_returns); }},
      {"baseline_alpha", [](const train_config& c) { return num(c.baseline_alpha); }},
      {"subtract_baseline", [](const train_config& c) { return flag(c.subtract_baseline); }},
      {"entropy_beta", [](const train_config& c) { return num(c.entropy_beta); }},
      {"entropy_beta_final", [](const train_config& c) { return num(c.entropy_beta_final); }},
      {"entropy_decay_episodes", [](const train_config& c) { return num(c.entropy_decay_episodes); }},
      {"learning_rate", [](const train_config& c) { return num(c.learning_rate); }},
      {"lr_decay_rate", [](const train_config& c) { return num(c.lr_decay_rate); }},
      {"value_clip", [](const train_config& c) { return num(c.value_clip); }},
      {"norm_clip", [](const train_config& c) { return num(c.norm_clip); }},
      {"batch_size", [](const train_config& c) { return num(c.batch_size); }},
      {"adam_beta1", [](const train_config& c) { return num(c.adam_beta1); }},
      {"adam_beta2", [](const train_config& c) { return num(c.adam_beta2); }},
      {"adam_eps", [](const train_config& c) { return num(c.adam_eps); }},
      {"critic", [](const train_config& c) { return flag(c.critic); }},
      {"critic_hidden", [](const train_config& c) { return num(c.critic_hidden); }},
      {"critic_learning_rate", [](const train_config& c) { return num(c.critic_learning_rate); }},
      {"activity_l1", [](const train_config& c) { return num(c.activity_l1); }},
      {"activity_target", [](const train_config& c) { return num(c.activity_target); }},
      {"algorithm", [](const train_config& c) { return std::string(train_algorithm_name(c.algorithm)); }},
      {"cma_sigma0", [](const train_config& c) { return num(c.cma_sigma0); }},
      {"cma_population", [](const train_config& c) { return num(c.cma_population); }},
      {"cma_episodes_per_eval", [](const train_config& c) { return num(c.cma_episodes_per_eval); }},
      {"cma_covariance", [](const train_config& c) { return std::string(cma_covariance_name(c.cma_cov)); }},
  };
  expect_all_documented(documented, get, "[train]");
  const auto doc = empty_doc();
  expect_documented(documented, get, read_train_config(table_reader::root(doc)), "[train]");
}

TEST(documented_defaults, simulation_table_of_config_reference) {
  const accessors<simulation_desc> get{
      {"dt", [](const simulation_desc& s) { return num(s.dt_ms); }},
      {"duration", [](const simulation_desc& s) { return num(s.duration_s); }},
      {"seed", [](const simulation_desc& s) { return num(static_cast<double>(s.seed)); }},
      {"engine", [](const simulation_desc& s) { return s.engine; }},
      {"threads", [](const simulation_desc& s) { return num(s.threads); }},
      {"min_neurons_per_thread", [](const simulation_desc& s) { return num(static_cast<double>(s.min_neurons_per_thread)); }},
      {"record_spikes", [](const simulation_desc& s) { return flag(s.record_spikes); }},
      {"spike_format", [](const simulation_desc& s) { return std::string(to_string(s.spike_output)); }},
  };
  std::map<std::string, std::string> documented;
  for (const auto& [key, values] : table_after(read_doc("config-reference.md"), "## `[simulation]` (optional)"))
    documented[key] = values[0];
  expect_all_documented(documented, get, "[simulation]");
  const auto doc = load_config_string("[[population]]\nname = \"a\"\nsize = 1\nmodel = \"poisson\"\n", "net.toml");
  expect_documented(documented, get, read_network_desc(table_reader::root(doc)).sim, "[simulation]");
}

template <class P>
void expect_model_table(const std::string& heading, const accessors<P>& get, P (*reader)(const table_reader&)) {
  std::map<std::string, std::string> documented;
  for (const auto& [key, values] : table_after(read_doc("config-reference.md"), heading)) documented[key] = values[0];
  expect_all_documented(documented, get, heading);
  const auto doc = empty_doc();
  expect_documented(documented, get, reader(table_reader::root(doc)), heading);
}

TEST(documented_defaults, neuron_model_tables_of_config_reference) {
  expect_model_table<lif_params>("### `lif` — ",
                                 {{"tau_m", [](const lif_params& p) { return num(p.tau_m); }},
                                  {"v_th", [](const lif_params& p) { return num(p.v_th); }},
                                  {"v_reset", [](const lif_params& p) { return num(p.v_reset); }},
                                  {"v_rest", [](const lif_params& p) { return num(p.v_rest); }},
                                  {"t_ref", [](const lif_params& p) { return num(p.t_ref); }}},
                                 read_lif_params);
  expect_model_table<cuba_lif_params>("### `cuba_lif` — ",
                                      {{"tau_m", [](const cuba_lif_params& p) { return num(p.tau_m); }},
                                       {"tau_e", [](const cuba_lif_params& p) { return num(p.tau_e); }},
                                       {"tau_i", [](const cuba_lif_params& p) { return num(p.tau_i); }},
                                       {"v_th", [](const cuba_lif_params& p) { return num(p.v_th); }},
                                       {"v_reset", [](const cuba_lif_params& p) { return num(p.v_reset); }},
                                       {"e_l", [](const cuba_lif_params& p) { return num(p.e_l); }},
                                       {"t_ref", [](const cuba_lif_params& p) { return num(p.t_ref); }}},
                                      read_cuba_lif_params);
  expect_model_table<coba_lif_params>("### `coba_lif` — ",
                                      {{"tau_m", [](const coba_lif_params& p) { return num(p.tau_m); }},
                                       {"tau_e", [](const coba_lif_params& p) { return num(p.tau_e); }},
                                       {"tau_i", [](const coba_lif_params& p) { return num(p.tau_i); }},
                                       {"e_l", [](const coba_lif_params& p) { return num(p.e_l); }},
                                       {"e_e", [](const coba_lif_params& p) { return num(p.e_e); }},
                                       {"e_i", [](const coba_lif_params& p) { return num(p.e_i); }},
                                       {"v_th", [](const coba_lif_params& p) { return num(p.v_th); }},
                                       {"v_reset", [](const coba_lif_params& p) { return num(p.v_reset); }},
                                       {"t_ref", [](const coba_lif_params& p) { return num(p.t_ref); }}},
                                      read_coba_lif_params);
}

// [env.rewards]: "a / b" is static / foraging (predators as foraging); one value is every kind it applies to.
TEST(documented_defaults, reward_table_of_config_reference) {
  const accessors<envs::reward_config> get{
      {"distance", [](const envs::reward_config& r) { return num(r.distance); }},
      {"step", [](const envs::reward_config& r) { return num(r.step); }},
      {"exploration", [](const envs::reward_config& r) { return num(r.exploration); }},
      {"anti_dithering", [](const envs::reward_config& r) { return num(r.anti_dithering); }},
      {"stuck", [](const envs::reward_config& r) { return num(r.stuck); }},
      {"stuck_threshold", [](const envs::reward_config& r) { return num(r.stuck_threshold); }},
      {"stuck_cap", [](const envs::reward_config& r) { return num(r.stuck_cap); }},
      {"goal", [](const envs::reward_config& r) { return num(r.goal); }},
      {"goal_floor", [](const envs::reward_config& r) { return num(r.goal_floor); }},
      {"eat", [](const envs::reward_config& r) { return num(r.eat); }},
      {"starvation", [](const envs::reward_config& r) { return num(r.starvation); }},
      {"predator_death", [](const envs::reward_config& r) { return num(r.predator_death); }},
      {"predator_proximity", [](const envs::reward_config& r) { return num(r.predator_proximity); }},
  };
  const auto doc_text = read_doc("config-reference.md");
  const auto kinds = table_after(doc_text, "### `[env.rewards]`", 2);
  const auto defaults = table_after(doc_text, "### `[env.rewards]`", 3);
  std::map<std::string, std::string> any;
  for (const auto& [key, values] : defaults) any[key] = values[0];
  expect_all_documented(any, get, "[env.rewards]");
  for (const std::string kind : {"static", "foraging", "predators"}) {
    const auto doc = load_config_string(fmt::format("kind = \"{}\"\n", kind), kind + ".toml");
    const auto read = envs::read_env_config(table_reader::root(doc)).rewards;
    std::map<std::string, std::string> documented;
    for (const auto& [key, values] : defaults) {
      const std::string applies = kinds.at(key)[0];
      if (applies != "all" && applies.find(kind) == std::string::npos) continue;
      const auto both = split(values[0], '/');
      documented[key] = both.size() == 2 ? both[kind == "static" ? 0 : 1] : values[0];
    }
    EXPECT_FALSE(documented.empty()) << kind;
    expect_documented(documented, get, read, "[env.rewards], kind " + kind);
  }
}

}  // namespace
}  // namespace spikeworm
