// spikeworm nir run (docs/nir.md): read the graph and the input train, run, write the trains.
#include "spikeworm/app/nir.hpp"

#include <bit>
#include <chrono>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/engine/nir_graph.hpp"
#include "spikeworm/engine/nir_plan.hpp"

namespace spikeworm::app {

namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The value of `key` in a .npy header dict ({'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }).
std::string header_value(const std::string& h, const std::string& key, const std::filesystem::path& path) {
  const auto at = h.find("'" + key + "'");
  if (at == std::string::npos) throw error(fmt::format("{}: .npy header without '{}'", path.string(), key));
  auto p = h.find(':', at);
  if (p == std::string::npos) throw error(fmt::format("{}: malformed .npy header", path.string()));
  ++p;
  while (p < h.size() && h[p] == ' ') ++p;
  std::size_t end = p;
  if (h[p] == '(') end = h.find(')', p) + 1;
  else if (h[p] == '\'') end = h.find('\'', p + 1) + 1;
  else end = h.find_first_of(",}", p);
  if (end == std::string::npos || end == 0) throw error(fmt::format("{}: malformed .npy header", path.string()));
  return h.substr(p, end - p);
}

nir::matrix read_npy(const std::filesystem::path& path) {
  const std::string data = read_all(path);
  if (data.size() < 10 || data.compare(0, 6, "\x93NUMPY") != 0)
    throw error(fmt::format("{}: not a .npy file (no \\x93NUMPY magic)", path.string()));
  const int major = static_cast<unsigned char>(data[6]);
  std::size_t hlen = 0, start = 0;
  if (major == 1) {
    hlen = static_cast<unsigned char>(data[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(data[9])) << 8);
    start = 10;
  } else if ((major == 2 || major == 3) && data.size() >= 12) {
    for (int i = 0; i < 4; ++i) hlen |= static_cast<std::size_t>(static_cast<unsigned char>(data[8 + i])) << (8 * i);
    start = 12;
  } else {
    throw error(fmt::format("{}: .npy version {} is not supported", path.string(), major));
  }
  if (start + hlen > data.size()) throw error(fmt::format("{}: truncated .npy header", path.string()));
  const std::string h = data.substr(start, hlen);
  const std::string descr = header_value(h, "descr", path);
  if (header_value(h, "fortran_order", path) != "False")
    throw error(fmt::format("{}: a Fortran-ordered array (save it with numpy.ascontiguousarray)", path.string()));
  const std::string shape_text = header_value(h, "shape", path);
  std::vector<std::size_t> shape;
  for (std::size_t p = 1; p < shape_text.size();) {
    while (p < shape_text.size() && (shape_text[p] == ' ' || shape_text[p] == ',')) ++p;
    if (p >= shape_text.size() || shape_text[p] == ')') break;
    std::size_t v = 0;
    const auto [e, ec] = std::from_chars(shape_text.data() + p, shape_text.data() + shape_text.size(), v);
    if (ec != std::errc()) throw error(fmt::format("{}: malformed shape {}", path.string(), shape_text));
    shape.push_back(v);
    p = static_cast<std::size_t>(e - shape_text.data());
  }
  if (shape.empty() || shape.size() > 2)
    throw error(fmt::format("{}: shape {}: expected a 2-D array (time steps x input width)", path.string(), shape_text));
  nir::matrix m{shape[0], shape.size() == 2 ? shape[1] : 1, {}};
  const std::string type = descr.substr(1, descr.size() - 2);  // without the quotes
  if (type.size() < 3 || (type[0] != '<' && type[0] != '|' && type[0] != '='))
    throw error(fmt::format("{}: dtype {}: expected a little-endian number type", path.string(), descr));
  const char kind = type[1];
  std::size_t width = 0;
  std::from_chars(type.data() + 2, type.data() + type.size(), width);
  const bool ok = (kind == 'f' && (width == 4 || width == 8)) || ((kind == 'i' || kind == 'u') && (width == 1 || width == 2 || width == 4 || width == 8)) ||
                  (kind == 'b' && width == 1);
  if (!ok) throw error(fmt::format("{}: dtype {} is not supported (float, int, uint or bool)", path.string(), descr));
  const std::size_t n = m.rows * m.cols, body = start + hlen;
  if (data.size() < body + n * width)
    throw error(fmt::format("{}: {} bytes of data for shape {} of {}", path.string(), data.size() - body, shape_text, descr));
  m.values.resize(n);
  const char* p = data.data() + body;
  for (std::size_t k = 0; k < n; ++k, p += width) {
    double v = 0;
    if (kind == 'f' && width == 8) { double x; std::memcpy(&x, p, 8); v = x; }
    else if (kind == 'f') { float x; std::memcpy(&x, p, 4); v = static_cast<double>(x); }
    else if (kind == 'b') v = *p ? 1.0 : 0.0;
    else {
      std::uint64_t u = 0;
      std::memcpy(&u, p, width);
      if (kind == 'i' && width < 8 && (u >> (8 * width - 1)) & 1) u |= ~std::uint64_t{0} << (8 * width);
      v = kind == 'i' ? static_cast<double>(static_cast<std::int64_t>(u)) : static_cast<double>(u);
    }
    m.values[k] = v;
  }
  return m;
}

nir::matrix read_csv(const std::filesystem::path& path) {
  std::istringstream in(read_all(path));
  nir::matrix m;
  std::string line;
  std::size_t row = 0;
  bool first = true;
  while (std::getline(in, line)) {
    ++row;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<double> values;
    bool numbers = true;
    std::size_t p = 0;
    while (p <= line.size()) {
      std::size_t e = line.find(',', p);
      if (e == std::string::npos) e = line.size();
      std::string cell = line.substr(p, e - p);
      const auto a = cell.find_first_not_of(" \t"), b = cell.find_last_not_of(" \t");
      cell = a == std::string::npos ? "" : cell.substr(a, b - a + 1);
      double v = 0;
      const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
      if (cell.empty() || ec != std::errc() || end != cell.data() + cell.size()) {
        if (!first) throw error(fmt::format("{}: line {}, column {}: '{}' is not a number", path.string(), row, values.size() + 1, cell));
        numbers = false;
        break;
      }
      values.push_back(v);
      p = e + 1;
    }
    const bool header = first && !numbers;
    first = false;
    if (header) continue;
    if (m.cols == 0) m.cols = values.size();
    if (values.size() != m.cols)
      throw error(fmt::format("{}: line {} has {} values, the first row {}", path.string(), row, values.size(), m.cols));
    m.values.insert(m.values.end(), values.begin(), values.end());
    ++m.rows;
  }
  if (m.rows == 0) throw error(fmt::format("{}: no rows of numbers", path.string()));
  return m;
}

}  // namespace

nir::matrix read_train(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".npy") return read_npy(path);
  if (ext == ".csv" || ext == ".txt") return read_csv(path);
  throw error(fmt::format("{}: expected a .npy or .csv file", path.string()));
}

void write_npy(const std::filesystem::path& path, const nir::matrix& m) {
  std::string header = fmt::format("{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, {}), }}", m.rows, m.cols);
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  static_assert(std::endian::native == std::endian::little);
  out.append(reinterpret_cast<const char*>(m.values.data()), m.values.size() * sizeof(double));
  write_file_atomically(path, out);
}

namespace {

// The reset of a run: --reset, else the file's metadata "reset", else value. Returns (reset, where from).
std::pair<nir_reset, std::string> choose_reset(const nir::document& doc, const std::filesystem::path& file,
                                               std::optional<nir_reset> given) {
  if (given) return {*given, "--reset"};
  if (const auto it = doc.metadata.find("reset"); it != doc.metadata.end()) {
    if (it->second != "value" && it->second != "subtract")
      throw error(fmt::format("{}: metadata reset = '{}': expected 'value' or 'subtract'", file.string(), it->second));
    return {it->second == "subtract" ? nir_reset::subtract : nir_reset::value, "metadata"};
  }
  return {nir_reset::value, "default"};
}

// The plan and the translation of a read graph; their errors (which name the node or edge) get the file.
nir::plan plan_of(const nir::document& doc, const std::filesystem::path& file) {
  try {
    return nir::make_plan(doc);
  } catch (const error& e) {
    throw error(fmt::format("{}: {}", file.string(), e.what()));
  }
}

nir::translation translation_of(const nir::document& doc, const nir::plan& pl, const std::filesystem::path& file,
                                double dt_s, nir_reset reset) {
  try {
    return nir::translate(doc, pl, {dt_s, reset});
  } catch (const error& e) {
    throw error(fmt::format("{}: {}", file.string(), e.what()));
  }
}

// The step of a run: the one given, else the file's metadata "dt" (spikeworm nir export writes it).
double choose_dt(const nir::document& doc, const std::filesystem::path& file, double given) {
  if (given > 0) return given;
  const auto it = doc.metadata.find("dt");
  if (it == doc.metadata.end())
    throw error(fmt::format("{}: give --dt (the time step in seconds): the file's metadata has no dt", file.string()));
  double dt = 0;
  const auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), dt);
  if (ec != std::errc() || end != it->second.data() + it->second.size() || !(dt > 0) || !std::isfinite(dt))
    throw error(fmt::format("{}: metadata dt = '{}' is not a positive number of seconds; give --dt", file.string(),
                            it->second));
  return dt;
}

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
      continue;
    }
    out += c;
  }
  return out + "\"";
}

template <class T, class F>
std::string toml_array(const std::vector<T>& v, F&& f) {
  std::string out = "[";
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (k) out += k % 16 ? ", " : ",\n  ";
    out += f(v[k]);
  }
  return out + "]";
}

}  // namespace

nir_import_report nir_import(const nir_import_options& o) {
  nir_import_report rep;
  const nir::document doc = nir::read(o.file);
  rep.version = doc.version;
  std::string from;
  std::tie(rep.reset, from) = choose_reset(doc, o.file, o.reset);
  const double dt_s = choose_dt(doc, o.file, o.dt_s);
  const nir::plan pl = plan_of(doc, o.file);
  const nir::translation tr = translation_of(doc, pl, o.file, dt_s, rep.reset);
  auto num = [](double x) { return fmt::format("{}", x); };
  std::string t = fmt::format(
      "# The NIR graph {} (NIR {}) as a spikeworm network (spikeworm nir import; docs/nir.md, \"Simulation\"):\n"
      "# forward Euler at dt = {} s, reset = {}. Input nodes are spike_source populations without spikes: give\n"
      "# them times (every neuron of a spike_source fires at those), or feed them from Python (add_inputs).\n",
      o.file.filename().string(), doc.version, dt_s, rep.reset == nir_reset::subtract ? "subtract" : "value");
  for (std::size_t k : tr.outputs) {
    t += fmt::format("# Output '{}' ({} values per step) is the sum of:", pl.nodes[k].name, pl.nodes[k].in);
    for (const auto& term : tr.inputs_of[k].terms)
      t += fmt::format(" a {}x{} map of '{}' (delay {} steps);", term.rows, term.cols, pl.nodes[term.source].name,
                       term.delay);
    t += " plus a bias.\n";
  }
  t += fmt::format("\n[simulation]\ndt = {}\nunits = \"ms\"\nduration = {}\nseed = 1\n", num(tr.dt_ms), num(o.duration_s));
  for (std::size_t q = 0; q < tr.populations.size(); ++q) {
    const auto& p = tr.populations[q];
    t += fmt::format("\n[[population]]\nname = {}\nsize = {}\n", toml_string(p.name), p.size);
    if (p.model == model_kind::spike_source) {
      t += "model = \"spike_source\"\nparams = { times = [] }\n";
      continue;
    }
    if (!tr.uniform[q])
      throw error(fmt::format("{}: node '{}' has parameters that differ between its neurons; a network config "
                              "gives a population one value per parameter (nir run runs such nodes)",
                              o.file.string(), p.name));
    const nir_params& n = tr.params[q];
    t += fmt::format("model = \"nir\"\nupdate = \"clock\"\nparams = {{ kind = \"{}\"", to_string(n.kind));
    if (p.nir.leaky) t += fmt::format(", tau_mem = {}", num(n.tau_mem));
    if (p.nir.synapse) t += fmt::format(", tau_syn = {}, w_in = {}", num(n.tau_syn), num(n.w_in));
    if (n.kind != nir_kind::threshold) t += fmt::format(", r = {}", num(n.r));
    if (p.nir.leaky) t += fmt::format(", v_leak = {}", num(n.v_leak));
    if (p.nir.spiking) t += fmt::format(", v_threshold = {}", num(n.v_threshold));
    if (p.nir.spiking && n.kind != nir_kind::threshold)
      t += fmt::format(", v_reset = {}, reset = \"{}\"", num(n.v_reset), n.reset == nir_reset::subtract ? "subtract" : "value");
    t += " }\n";
    if (!p.currents.empty()) t += "currents = " + toml_array(p.currents, num) + "\n";
  }
  for (const auto& pd : tr.projections) {
    const auto& l = *pd.list;
    t += fmt::format("\n[[projection]]\nsource = {}\ntarget = {}\nrule = \"from_list\"\n", toml_string(pd.source),
                     toml_string(pd.target));
    t += "sources = " + toml_array(l.sources, [](neuron_id x) { return fmt::format("{}", x); }) + "\n";
    t += "targets = " + toml_array(l.targets, [](neuron_id x) { return fmt::format("{}", x); }) + "\n";
    t += "weights = " + toml_array(l.weights, [](float x) { return fmt::format("{}", x); }) + "\n";
    t += "delays = " + toml_array(l.delays, [&](delay_t d) { return num(static_cast<double>(d) * tr.dt_ms); }) + "  # [ms]\n";
    rep.synapses += l.sources.size();
  }
  rep.populations = tr.populations.size();
  rep.projections = tr.projections.size();
  write_file_atomically(o.out, t);
  return rep;
}

nir_run_report nir_run(const nir_run_options& o) {
  const auto t0 = std::chrono::steady_clock::now();
  nir_run_report rep;
  const nir::document doc = nir::read(o.file);
  rep.version = doc.version;
  std::tie(rep.reset, rep.reset_source) = choose_reset(doc, o.file, o.reset);
  rep.dt_s = choose_dt(doc, o.file, o.dt_s);
  const nir::plan pl = plan_of(doc, o.file);
  const nir::translation tr = translation_of(doc, pl, o.file, rep.dt_s, rep.reset);
  const nir::matrix in = read_train(o.input);
  ensure_directory(o.out);
  nir::run_options ro{o.engine, o.threads, o.record};
  try {
    rep.result = nir::run(tr, pl, in, ro);
  } catch (const error& e) {
    throw error(fmt::format("{} with {}: {}", o.file.string(), o.input.string(), e.what()));
  }
  rep.steps = in.rows;
  rep.populations = tr.populations.size();
  for (const auto& pd : tr.projections) rep.synapses += pd.list->sources.size();
  for (const auto& [name, m] : rep.result.outputs) {
    rep.written.push_back(o.out / (name + ".npy"));
    write_npy(rep.written.back(), m);
  }
  for (const auto& r : rep.result.records) {
    rep.written.push_back(o.out / (r.node + "." + r.what + ".npy"));
    write_npy(rep.written.back(), r.values);
  }
  rep.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json s;
  s["file"] = o.file.string();
  s["nir_version"] = rep.version;
  s["dt_s"] = rep.dt_s;
  s["steps"] = rep.steps;
  s["reset"] = rep.reset == nir_reset::subtract ? "subtract" : "value";
  s["reset_from"] = rep.reset_source;
  s["input"] = rep.result.binary_input ? "spikes" : "currents";
  s["engine"] = o.engine;
  s["populations"] = rep.populations;
  s["synapses"] = rep.synapses;
  s["spikes"] = rep.result.counters.total_spikes();
  s["synaptic_events"] = rep.result.counters.sops;
  s["neuron_updates"] = rep.result.counters.neuron_updates;
  for (const auto& [name, m] : rep.result.outputs) s["outputs"][name] = {m.rows, m.cols};
  s["recorded"] = o.record;
  rep.written.push_back(o.out / "summary.json");
  write_file_atomically(rep.written.back(), s.dump(1) + "\n");
  return rep;
}

}  // namespace spikeworm::app
