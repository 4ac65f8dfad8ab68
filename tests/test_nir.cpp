// Reading NIR graphs (engine/nir_graph.hpp, docs/nir.md): the fixtures other tools exported, and malformed
// files written here with the HDF5 C library.
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hdf5.h>

#include "helpers.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/engine/nir_graph.hpp"
#include "spikeworm/engine/nir_network.hpp"
#include "spikeworm/engine/nir_plan.hpp"
#include "spikeworm/engine/engine.hpp"

namespace spikeworm {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

fs::path fixture(const std::string& name) { return test::source_dir() / "tests" / "fixtures" / "nir" / name; }

// The value a float32 parameter holds, as read into a double.
double f32(double x) { return static_cast<double>(static_cast<float>(x)); }

std::vector<std::string> names(const nir::node& g) {
  std::vector<std::string> out;
  for (const auto& n : g.nodes) out.push_back(n.name + ":" + n.type);
  return out;
}

TEST(nir, reads_the_norse_and_rockpool_lif_graphs) {
  const auto norse = nir::read(fixture("lif_norse.nir"));
  EXPECT_EQ(norse.version, "0.1.1");
  EXPECT_EQ(norse.root.type, "NIRGraph");
  EXPECT_THAT(names(norse.root), ::testing::UnorderedElementsAre("input:Input", "0:Affine", "1:LIF", "output:Output"));
  const auto& lif = *norse.root.child("1");
  EXPECT_EQ(lif.param("tau").shape, std::vector<std::size_t>{1});
  EXPECT_EQ(lif.param("tau").values[0], f32(0.0025));
  EXPECT_EQ(lif.param("v_threshold").values[0], f32(0.1));
  EXPECT_FALSE(lif.has("v_reset"));  // 0.1.x writes none: reset to 0 (docs/nir.md)
  EXPECT_EQ(norse.root.child("0")->param("weight").shape, (std::vector<std::size_t>{1, 1}));
  EXPECT_EQ(norse.root.child("input")->param("shape").values, std::vector<double>{1});
  EXPECT_THAT(norse.root.edges, ::testing::UnorderedElementsAre(std::pair<std::string, std::string>{"input", "0"},
                                                               std::pair<std::string, std::string>{"0", "1"},
                                                               std::pair<std::string, std::string>{"1", "output"}));
  const auto rockpool = nir::read(fixture("lif_rockpool.nir"));
  EXPECT_EQ(rockpool.version, "0.2.0");
  EXPECT_EQ(rockpool.root.child("0_LinearTorch")->type, "Linear");
  EXPECT_EQ(rockpool.root.child("0_LinearTorch")->param("weight").values[0], f32(0.04));
  EXPECT_EQ(rockpool.root.child("output")->param("shape").values, (std::vector<double>{1, 1, 1}));
  EXPECT_THROW((void)rockpool.root.child("0_LinearTorch")->param("bias"), error);
}

TEST(nir, reads_float64_parameters_exactly) {
  const auto d = nir::read(fixture("two_lif_neurons.nir"));
  EXPECT_EQ(d.version, "0.2.0");
  EXPECT_EQ(d.root.nodes.size(), 6u);
  EXPECT_EQ(d.root.child("lif1")->param("v_leak").values[0], 1.2);
  EXPECT_EQ(d.root.child("lif1")->param("tau").values[0], 0.01);
  EXPECT_EQ(d.root.child("lif2")->param("v_threshold").values[0], 20.0);
  EXPECT_EQ(d.root.edges.size(), 5u);
}

TEST(nir, reads_the_recurrent_snntorch_braille_graph) {
  const auto d = nir::read(fixture("braille_noDelay_bias_zero.nir"));
  EXPECT_EQ(d.root.nodes.size(), 7u);
  const auto& fc1 = *d.root.child("fc1");
  EXPECT_EQ(fc1.type, "Affine");
  EXPECT_EQ(fc1.param("weight").shape, (std::vector<std::size_t>{38, 12}));
  EXPECT_EQ(fc1.param("bias").size(), 38u);
  const auto& lif1 = *d.root.child("lif1.lif");
  EXPECT_EQ(lif1.type, "CubaLIF");
  for (const char* key : {"tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "w_in"})
    EXPECT_EQ(lif1.param(key).shape, std::vector<std::size_t>{38}) << key;
  EXPECT_EQ(d.root.child("lif1.w_rec")->param("weight").shape, (std::vector<std::size_t>{38, 38}));
  EXPECT_EQ(d.root.child("output")->param("shape").values, std::vector<double>{7});
  // The recurrent loop: lif1.lif -> lif1.w_rec -> lif1.lif.
  const auto& e = d.root.edges;
  EXPECT_EQ(e.size(), 7u);
  EXPECT_NE(std::find(e.begin(), e.end(), std::pair<std::string, std::string>{"lif1.lif", "lif1.w_rec"}), e.end());
  EXPECT_NE(std::find(e.begin(), e.end(), std::pair<std::string, std::string>{"lif1.w_rec", "lif1.lif"}), e.end());
}

// Writing malformed NIR files with the C library.
class h5_writer {
 public:
  explicit h5_writer(const fs::path& p) : f_(H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) {}
  ~h5_writer() { H5Fclose(f_); }
  h5_writer(const h5_writer&) = delete;
  h5_writer& operator=(const h5_writer&) = delete;
  void group(const std::string& path) { H5Gclose(H5Gcreate2(f_, path.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)); }
  void strings(const std::string& path, const std::vector<const char*>& values, std::vector<hsize_t> dims) {
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    const hid_t s = dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t d = H5Dcreate2(f_, path.c_str(), t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
  }
  void string(const std::string& path, const char* value) { strings(path, {value}, {}); }
  void numbers(const std::string& path, const std::vector<double>& values, std::vector<hsize_t> dims = {}) {
    if (dims.empty()) dims = {values.size()};
    const hid_t s = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t d = H5Dcreate2(f_, path.c_str(), H5T_IEEE_F32LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    H5Dclose(d);
    H5Sclose(s);
  }

 private:
  hid_t f_;
};

// A graph "node" with nodes a (LIF) and b (Affine) and the edges given, in a file of version `version`.
void small_graph(const fs::path& p, const char* version, const std::vector<const char*>& edges) {
  h5_writer w(p);
  if (version) w.string("/version", version);
  w.group("/node");
  w.string("/node/type", "NIRGraph");
  w.group("/node/nodes");
  w.group("/node/nodes/a");
  w.string("/node/nodes/a/type", "LIF");
  w.numbers("/node/nodes/a/tau", {0.01, 0.02});
  w.group("/node/nodes/b");
  w.string("/node/nodes/b/type", "Affine");
  w.numbers("/node/nodes/b/bias", {1.0});
  w.strings("/node/edges", edges, {edges.size() / 2, 2});
}

std::string refusal(const fs::path& p) {
  try {
    (void)nir::read(p);
  } catch (const error& e) {
    return e.what();
  }
  return "read without error";
}

TEST(nir, refuses_bad_files_naming_the_file_and_what_is_wrong) {
  const test::temp_dir dir;
  const fs::path p = dir.path() / "g.nir";
  small_graph(p, "0.2.0", {"a", "b", "b", "a"});
  const auto ok = nir::read(p);
  EXPECT_EQ(ok.root.child("a")->param("tau").values, (std::vector<double>{f32(0.01), f32(0.02)}));
  EXPECT_EQ(ok.root.edges.size(), 2u);

  EXPECT_THAT(refusal(dir.path() / "missing.nir"), HasSubstr("missing.nir: no such file"));
  std::ofstream(dir.path() / "text.nir") << "not hdf5\n";
  EXPECT_THAT(refusal(dir.path() / "text.nir"), HasSubstr("text.nir: not an HDF5 file"));
  small_graph(p, nullptr, {"a", "b"});
  EXPECT_THAT(refusal(p), HasSubstr("g.nir: not a NIR graph file (no /version string)"));
  small_graph(p, "2.0", {"a", "b"});
  EXPECT_THAT(refusal(p), HasSubstr("g.nir: NIR version 2.0 is not read (versions 0.1 to 1.0 are)"));
  small_graph(p, "0.0.9", {"a", "b"});
  EXPECT_THAT(refusal(p), HasSubstr("NIR version 0.0.9 is not read"));
  small_graph(p, "1.0.0", {"a", "b"});
  EXPECT_EQ(refusal(p), "read without error");
  small_graph(p, "zero.two", {"a", "b"});
  EXPECT_THAT(refusal(p), HasSubstr("NIR version 'zero.two' is not a version number"));
  small_graph(p, "0.2.0", {"a", "b", "b", "ghost"});
  EXPECT_THAT(refusal(p), HasSubstr("edge 1 of graph 'node' (b -> ghost) names 'ghost', which is not one of its nodes"));
  {
    h5_writer w(p);
    w.string("/version", "0.2.0");
    w.group("/node");
    w.string("/node/type", "NIRGraph");
    w.group("/node/nodes");
    w.group("/node/nodes/untyped");
  }
  EXPECT_THAT(refusal(p), HasSubstr("node 'untyped' (/node/nodes/untyped) has no type"));
}

TEST(nir, reads_nested_graphs_and_metadata) {
  const test::temp_dir dir;
  const fs::path p = dir.path() / "nested.nir";
  {
    h5_writer w(p);
    w.string("/version", "1.0");
    w.group("/node");
    w.string("/node/type", "NIRGraph");
    w.group("/node/metadata");
    w.numbers("/node/metadata/dt", {1e-4});
    w.string("/node/metadata/reset", "subtract");
    w.group("/node/nodes");
    w.group("/node/nodes/inner");
    w.string("/node/nodes/inner/type", "NIRGraph");
    w.group("/node/nodes/inner/nodes");
    w.group("/node/nodes/inner/nodes/lif");
    w.string("/node/nodes/inner/nodes/lif/type", "LIF");
    w.group("/node/nodes/inner/nodes/lif/input_type");  // a group of shapes, not a parameter
    w.numbers("/node/nodes/inner/nodes/lif/input_type/input", {3});
    w.group("/node/nodes/inner/nodes/w");
    w.string("/node/nodes/inner/nodes/w/type", "Linear");
    w.strings("/node/nodes/inner/edges", {"lif", "w", "w", "lif"}, {2, 2});
    w.group("/node/nodes/conv");
    w.string("/node/nodes/conv/type", "Conv2d");
    w.string("/node/nodes/conv/padding", "same");
  }
  const auto d = nir::read(p);
  EXPECT_EQ(d.metadata.at("reset"), "subtract");
  EXPECT_EQ(std::stod(d.metadata.at("dt")), f32(1e-4));
  const auto& inner = *d.root.child("inner");
  EXPECT_EQ(inner.type, "NIRGraph");
  EXPECT_THAT(names(inner), ::testing::ElementsAre("lif:LIF", "w:Linear"));
  EXPECT_EQ(inner.edges.size(), 2u);
  EXPECT_TRUE(inner.child("lif")->params.empty()) << "input_type/ is not a parameter";
  EXPECT_EQ(d.root.child("conv")->strings.at("padding"), "same");
  EXPECT_TRUE(d.root.edges.empty());
}

std::vector<std::string> plan_order(const nir::plan& p) {
  std::vector<std::string> out;
  for (auto i : p.order) out.push_back(p.nodes[i].name);
  return out;
}

std::vector<std::string> recurrent(const nir::plan& p) {
  std::vector<std::string> out;
  for (const auto& e : p.edges)
    if (e.recurrent) out.push_back(p.nodes[e.from].name + "->" + p.nodes[e.to].name);
  return out;
}

std::size_t position(const std::vector<std::string>& v, const std::string& x) {
  return static_cast<std::size_t>(std::find(v.begin(), v.end(), x) - v.begin());
}

TEST(nir, plans_the_fixtures_with_sizes_recurrent_edges_and_an_order) {
  const auto norse = nir::make_plan(nir::read(fixture("lif_norse.nir")));
  EXPECT_THAT(plan_order(norse), ::testing::ElementsAre("input", "0", "1", "output"));
  EXPECT_TRUE(recurrent(norse).empty());
  // Rockpool's Output says shape [1, 1, 1]: one element, as its LIF gives.
  const auto rockpool = nir::make_plan(nir::read(fixture("lif_rockpool.nir")));
  EXPECT_EQ(rockpool.nodes.size(), 4u);
  const auto braille = nir::make_plan(nir::read(fixture("braille_noDelay_bias_zero.nir")));
  EXPECT_THAT(recurrent(braille), ::testing::ElementsAre("lif1.w_rec->lif1.lif"));
  const auto order = plan_order(braille);
  ASSERT_EQ(order.size(), 7u);
  EXPECT_EQ(order.front(), "input");  // lif1.w_rec, whose output is read at the next step, may come last
  for (const auto& [before, after] : std::vector<std::pair<std::string, std::string>>{
           {"fc1", "lif1.lif"}, {"lif1.lif", "lif1.w_rec"}, {"lif1.lif", "fc2"}, {"fc2", "lif2"}, {"lif2", "output"}})
    EXPECT_LT(position(order, before), position(order, after)) << before << " before " << after;
  for (const auto& n : braille.nodes) {
    if (n.name == "fc1") {
      EXPECT_EQ(std::make_pair(n.in, n.out), std::make_pair(std::size_t{12}, std::size_t{38}));
    }
    if (n.name == "lif2") {
      EXPECT_EQ(n.in, 7u);
    }
  }
}

TEST(nir, plans_nested_graphs_inline_and_refuses_what_it_cannot_run) {
  const test::temp_dir dir;
  const fs::path p = dir.path() / "nested.nir";
  auto header = [](h5_writer& w) {
    w.string("/version", "0.2.0");
    w.group("/node");
    w.string("/node/type", "NIRGraph");
    w.group("/node/nodes");
    w.group("/node/nodes/in");
    w.string("/node/nodes/in/type", "Input");
    w.numbers("/node/nodes/in/shape", {3});
  };
  {
    h5_writer w(p);
    header(w);
    w.group("/node/nodes/inner");
    w.string("/node/nodes/inner/type", "NIRGraph");
    w.group("/node/nodes/inner/nodes");
    for (const char* n : {"i", "o"}) {
      w.group(std::string("/node/nodes/inner/nodes/") + n);
      w.string(std::string("/node/nodes/inner/nodes/") + n + "/type", *n == 'i' ? "Input" : "Output");
      w.numbers(std::string("/node/nodes/inner/nodes/") + n + "/shape", {3});
    }
    w.group("/node/nodes/inner/nodes/l");
    w.string("/node/nodes/inner/nodes/l/type", "LIF");
    for (const char* k : {"tau", "r", "v_leak", "v_threshold"}) w.numbers(std::string("/node/nodes/inner/nodes/l/") + k, {1, 1, 1});
    w.strings("/node/nodes/inner/edges", {"i", "l", "l", "o"}, {2, 2});
    w.group("/node/nodes/out");
    w.string("/node/nodes/out/type", "Output");
    w.numbers("/node/nodes/out/shape", {3});
    w.strings("/node/edges", {"in", "inner", "inner", "out"}, {2, 2});
  }
  const auto plan = nir::make_plan(nir::read(p));
  EXPECT_THAT(plan_order(plan), ::testing::ElementsAre("in", "inner.i", "inner.l", "inner.o", "out"));
  EXPECT_TRUE(recurrent(plan).empty());

  auto refusal_of = [&](auto write) {
    {
      h5_writer w(p);
      header(w);
      write(w);
    }
    try {
      (void)nir::make_plan(nir::read(p));
    } catch (const error& e) {
      return std::string(e.what());
    }
    return std::string("planned without error");
  };
  EXPECT_THAT(refusal_of([](h5_writer& w) {
                w.group("/node/nodes/c");
                w.string("/node/nodes/c/type", "Conv2d");
                w.strings("/node/edges", {"in", "c"}, {1, 2});
              }),
              HasSubstr("NIR node 'c' is a Conv2d, which spikeworm does not run"));
  EXPECT_THAT(refusal_of([](h5_writer& w) {
                w.group("/node/nodes/a");
                w.string("/node/nodes/a/type", "Affine");
                w.numbers("/node/nodes/a/weight", {1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
                w.numbers("/node/nodes/a/bias", {0, 0});
                w.strings("/node/edges", {"in", "a"}, {1, 2});
              }),
              HasSubstr("NIR edge in -> a: in outputs 3 elements, a takes 4"));
  EXPECT_THAT(refusal_of([](h5_writer& w) {
                w.group("/node/nodes/l");
                w.string("/node/nodes/l/type", "LIF");
                w.numbers("/node/nodes/l/tau", {1, 1, 1});
                w.numbers("/node/nodes/l/v_threshold", {1, 1});
                w.strings("/node/edges", {"in", "l"}, {1, 2});
              }),
              HasSubstr("NIR node 'l' (LIF): tau has 3 elements and v_threshold has 2"));
}

// A Delay node delays its elements alike by a whole number of steps (docs/nir.md): delays that differ, a zero
// first among them included, and delays between steps or below 0 are refused, naming the node.
TEST(nir, delay_nodes_need_one_whole_number_of_steps) {
  const test::temp_dir dir;
  const fs::path p = dir.path() / "delay.nir";
  auto translated = [&](std::vector<double> delays) {
    {
      h5_writer w(p);
      w.string("/version", "0.2.0");
      w.group("/node");
      w.string("/node/type", "NIRGraph");
      w.group("/node/nodes");
      w.group("/node/nodes/in");
      w.string("/node/nodes/in/type", "Input");
      w.numbers("/node/nodes/in/shape", {2});
      w.group("/node/nodes/d");
      w.string("/node/nodes/d/type", "Delay");
      w.numbers("/node/nodes/d/delay", delays);
      w.group("/node/nodes/l");
      w.string("/node/nodes/l/type", "LIF");
      for (const char* k : {"tau", "r", "v_leak", "v_threshold"}) w.numbers(std::string("/node/nodes/l/") + k, {1e-3, 1e-3});
      w.group("/node/nodes/out");
      w.string("/node/nodes/out/type", "Output");
      w.numbers("/node/nodes/out/shape", {2});
      w.strings("/node/edges", {"in", "d", "d", "l", "l", "out"}, {3, 2});
    }
    try {
      const auto doc = nir::read(p);
      (void)nir::translate(doc, nir::make_plan(doc), {1e-4, nir_reset::value});
    } catch (const error& e) {
      return std::string(e.what());
    }
    return std::string("translated");
  };
  EXPECT_EQ(translated({2e-4, 2e-4}), "translated");
  EXPECT_EQ(translated({0.0, 0.0}), "translated");
  EXPECT_THAT(translated({0.0, 1e-4}), HasSubstr("delays differ between elements (0 and 1 steps)"));
  EXPECT_THAT(translated({1e-4, 0.0}), HasSubstr("delays differ between elements (1 and 0 steps)"));
  EXPECT_THAT(translated({1e-4, 3e-4}), HasSubstr("delays differ between elements (1 and 3 steps)"));
  // (stored as float32 here, so the message gives the value as read)
  EXPECT_THAT(translated({1.5e-4, 1.5e-4}), HasSubstr("node 'd' (Delay): delay 0.00015000000"));
  EXPECT_THAT(translated({1.5e-4, 1.5e-4}), HasSubstr("s is not a whole number of steps of dt = 0.0001 s"));
  EXPECT_THAT(translated({-1e-4, -1e-4}), HasSubstr("node 'd' (Delay): delay -9.99999"));
  EXPECT_THAT(translated({-1e-4, -1e-4}), HasSubstr("s is not a whole number of steps"));
}

// A spike train of `steps` rows and `width` columns, each entry 1 with probability p (a fixed LCG).
nir::matrix random_spikes(std::size_t steps, std::size_t width, double p, std::uint64_t seed) {
  nir::matrix m{steps, width, std::vector<double>(steps * width)};
  for (auto& x : m.values) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    x = static_cast<double>(seed >> 11) * 0x1.0p-53 < p ? 1.0 : 0.0;
  }
  return m;
}

// Every neuron type's parameters reach the model, times from s to ms and IF's and I's r from per second to
// per ms; an absent v_reset (NIR before 0.2) is 0 and an absent w_in is 1 (docs/nir.md, "Simulation").
TEST(nir, each_neuron_types_parameters_reach_the_model_with_their_units_and_defaults) {
  const test::temp_dir dir;
  struct type_case {
    const char* type;
    std::vector<std::pair<const char*, double>> given;
    nir_params want;
  };
  auto params = [](nir_kind k, double tau_mem, double tau_syn, double r, double v_leak, double v_th, double v_reset,
                   double w_in) {
    nir_params q;
    q.kind = k;
    q.tau_mem = tau_mem;
    q.tau_syn = tau_syn;
    q.r = r;
    q.v_leak = v_leak;
    q.v_threshold = v_th;
    q.v_reset = v_reset;
    q.w_in = w_in;
    return q;
  };
  // Values a float32 dataset holds exactly (the writer below stores float32, as snnTorch's exports do).
  const std::vector<type_case> cases = {
      {"LIF", {{"tau", 0.0078125}, {"r", 2.5}, {"v_leak", 0.375}, {"v_threshold", 1.75}, {"v_reset", 0.25}},
       params(nir_kind::lif, 7.8125, 0.0, 2.5, 0.375, 1.75, 0.25, 1.0)},
      {"LIF", {{"tau", 0.0078125}, {"r", 2.5}, {"v_leak", 0.375}, {"v_threshold", 1.75}},  // NIR 0.1: no v_reset
       params(nir_kind::lif, 7.8125, 0.0, 2.5, 0.375, 1.75, 0.0, 1.0)},
      {"CubaLIF",
       {{"tau_mem", 0.015625}, {"tau_syn", 0.00390625}, {"r", 3.5}, {"v_leak", 0.125}, {"v_threshold", 1.875},
        {"v_reset", 0.0625}, {"w_in", 1.5}},
       params(nir_kind::cuba_lif, 15.625, 3.90625, 3.5, 0.125, 1.875, 0.0625, 1.5)},
      {"CubaLIF", {{"tau_mem", 0.015625}, {"tau_syn", 0.00390625}, {"r", 3.5}, {"v_leak", 0.125}, {"v_threshold", 1.875}},
       params(nir_kind::cuba_lif, 15.625, 3.90625, 3.5, 0.125, 1.875, 0.0, 1.0)},
      {"IF", {{"r", 2048.0}, {"v_threshold", 1.625}, {"v_reset", 0.5}},
       params(nir_kind::if_, 0.0, 0.0, 2.048, 0.0, 1.625, 0.5, 1.0)},
      {"LI", {{"tau", 0.0234375}, {"r", 4.5}, {"v_leak", 0.625}}, params(nir_kind::li, 23.4375, 0.0, 4.5, 0.625, 1.0, 0.0, 1.0)},
      {"CubaLI", {{"tau_mem", 0.03125}, {"tau_syn", 0.001953125}, {"r", 5.5}, {"v_leak", 0.75}, {"w_in", 0.75}},
       params(nir_kind::cuba_li, 31.25, 1.953125, 5.5, 0.75, 1.0, 0.0, 0.75)},
      {"I", {{"r", 3072.0}}, params(nir_kind::i, 0.0, 0.0, 3.072, 0.0, 1.0, 0.0, 1.0)},
      {"Threshold", {{"threshold", 0.875}}, params(nir_kind::threshold, 0.0, 0.0, 1.0, 0.0, 0.875, 0.0, 1.0)},
  };
  int k = 0;
  for (const auto& c : cases) {
    const fs::path p = dir.path() / (std::to_string(k++) + ".nir");
    {
      h5_writer w(p);
      w.string("/version", "0.2.0");
      w.group("/node");
      w.string("/node/type", "NIRGraph");
      w.group("/node/nodes");
      for (const char* n : {"in", "out"}) {
        w.group(std::string("/node/nodes/") + n);
        w.string(std::string("/node/nodes/") + n + "/type", *n == 'i' ? "Input" : "Output");
        w.numbers(std::string("/node/nodes/") + n + "/shape", {2});
      }
      w.group("/node/nodes/x");
      w.string("/node/nodes/x/type", c.type);
      for (const auto& [key, v] : c.given) w.numbers(std::string("/node/nodes/x/") + key, {v, v});
      w.strings("/node/edges", {"in", "x", "x", "out"}, {2, 2});
    }
    const auto doc = nir::read(p);
    const auto pl = nir::make_plan(doc);
    const auto tr = nir::translate(doc, pl, {1e-3, nir_reset::value});
    const auto at = std::find_if(tr.populations.begin(), tr.populations.end(), [](const population& q) {
      return q.model == model_kind::nir;
    });
    ASSERT_NE(at, tr.populations.end()) << c.type;
    const auto got = tr.params[static_cast<std::size_t>(at - tr.populations.begin())];
    EXPECT_EQ(got.kind, c.want.kind) << c.type;
    EXPECT_DOUBLE_EQ(got.tau_mem, c.want.tau_mem) << c.type;
    EXPECT_DOUBLE_EQ(got.tau_syn, c.want.tau_syn) << c.type;
    EXPECT_DOUBLE_EQ(got.r, c.want.r) << c.type;
    EXPECT_EQ(got.v_leak, c.want.v_leak) << c.type;
    EXPECT_EQ(got.v_threshold, c.want.v_threshold) << c.type;
    EXPECT_EQ(got.v_reset, c.want.v_reset) << c.type << " (" << c.given.size() << " parameters given)";
    EXPECT_EQ(got.w_in, c.want.w_in) << c.type;
  }
}

TEST(nir, engines_run_the_braille_graph_alike_for_any_thread_count) {
  const auto doc = nir::read(fixture("braille_noDelay_bias_zero.nir"));
  const auto pl = nir::make_plan(doc);
  for (const nir_reset reset : {nir_reset::value, nir_reset::subtract}) {
    const auto tr = nir::translate(doc, pl, {1e-4, reset});
    const auto in = random_spikes(400, 12, 0.15, 3);
    const auto ref = nir::run(tr, pl, in, {"clock", 1, {"lif1.lif", "lif2"}});
    double spikes = 0;
    for (double x : ref.records[2].values.values) spikes += x;  // lif1.lif's spikes (v, i, spikes)
    ASSERT_EQ(ref.records[2].what, "spikes");
    EXPECT_GT(spikes, 20.0);
    for (const int threads : {1, 2}) {
      const auto ev = nir::run(tr, pl, in, {"event", threads, {"lif1.lif", "lif2"}});
      ASSERT_EQ(ev.outputs.size(), 1u);
      EXPECT_EQ(ev.outputs[0].second.values, ref.outputs[0].second.values) << threads << " threads";
      ASSERT_EQ(ev.records.size(), ref.records.size());
      for (std::size_t k = 0; k < ev.records.size(); ++k)
        EXPECT_EQ(ev.records[k].values.values, ref.records[k].values.values) << ev.records[k].node << "." << ev.records[k].what;
      EXPECT_EQ(ev.counters.total_spikes(), ref.counters.total_spikes());
      EXPECT_EQ(ev.counters.sops, ref.counters.sops);
    }
  }
}

// A from_list projection of one synapse 0 -> 0 of weight 1 and delay d.
projection_desc one_synapse(const char* from, const char* to, delay_t d) {
  projection_desc pd;
  pd.source = from;
  pd.target = to;
  pd.rule = connection_rule::from_list;
  auto l = std::make_shared<connection_list>();
  l->sources = {0};
  l->targets = {0};
  l->weights = {1.0f};
  l->delays = {d};
  pd.list = l;
  return pd;
}

// source -> a -> b, each a nir LIF that fires at the first input above threshold; delays d1, d2.
network chain(delay_t d1, delay_t d2) {
  population src;
  src.name = "src";
  src.model = model_kind::spike_source;
  src.size = 1;
  src.source_steps = {5};
  nir_params q;
  q.kind = nir_kind::if_;
  q.r = 1.0;
  q.v_threshold = 0.5;
  std::vector<population> pops{src};
  for (const char* name : {"a", "b"}) {
    population p;
    p.name = name;
    p.model = model_kind::nir;
    p.size = 1;
    p.nir = lower(q, 1.0);
    p.update = update_mode::clock;
    pops.push_back(p);
  }
  return network(pops, {one_synapse("src", "a", d1), one_synapse("a", "b", d2)}, 1.0, 1);
}

TEST(engine, zero_delay_spikes_reach_later_populations_within_the_step) {
  for (const auto& [d1, d2, a_step, b_step] : std::vector<std::array<int, 4>>{{0, 0, 5, 5}, {0, 1, 5, 6}, {1, 0, 6, 6},
                                                                              {2, 3, 7, 10}}) {
    const network net = chain(static_cast<delay_t>(d1), static_cast<delay_t>(d2));
    EXPECT_EQ(net.has_zero_delay(), d1 == 0 || d2 == 0);
    for (const char* kind : {"clock", "event"}) {
      auto eng = make_engine(kind, net, engine_options{1, 1, true});
      eng->run(20);
      std::vector<spike> want{{5, 0}, {a_step, 1}, {b_step, 2}};
      std::sort(want.begin(), want.end());
      EXPECT_EQ(eng->spikes(), want) << kind << " with delays " << d1 << ", " << d2;
    }
  }
}

TEST(network, zero_delay_needs_a_later_clock_driven_target) {
  auto refusal = [](std::vector<population> pops, const char* from, const char* to) {
    try {
      network net(pops, {one_synapse(from, to, 0)}, 1.0, 1);
    } catch (const error& e) {
      return std::string(e.what());
    }
    return std::string("built");
  };
  population a;
  a.name = "a";
  a.model = model_kind::lif;
  a.size = 2;
  population b = a;
  b.name = "b";
  EXPECT_THAT(refusal({a, b}, "a", "b"), HasSubstr("delays[0] = 0 steps needs a clock-driven target"));
  EXPECT_THAT(refusal({a, b}, "b", "a"), HasSubstr("needs a target population after the source"));
  EXPECT_THAT(refusal({a, b}, "a", "a"), HasSubstr("needs a target population after the source"));
  b.update = update_mode::clock;
  EXPECT_EQ(refusal({a, b}, "a", "b"), "built");
}

}  // namespace
}  // namespace spikeworm
