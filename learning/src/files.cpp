// Checkpoints ("SWCK" v2) and weights ("SWWT" v2): the layouts of docs/training.md, "File formats".
// Readers check magic, version, total length and checksum before interpreting anything, bound every length
// field by the bytes left, and refuse non-finite values, naming the file and tensor.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "spikeworm/core/checksum.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm {

namespace {

static_assert(std::endian::native == std::endian::little, "the file formats are little-endian (docs/training.md)");

constexpr char ckpt_magic[4] = {'S', 'W', 'C', 'K'};
constexpr char weights_magic[4] = {'S', 'W', 'W', 'T'};
constexpr std::uint32_t format_version = 2;
constexpr std::size_t header_bytes = 24;   // magic, version, length, config hash
constexpr std::size_t trailer_bytes = 8;   // checksum
constexpr std::uint64_t max_file_bytes = 1ull << 34;  // 16 GiB: larger files are refused before reading
constexpr std::uint32_t max_string_bytes = 1u << 16;

// Builds the file in memory: header with room for length and checksum, payload, trailer.
struct writer {
  std::string buf;
  writer(const char (&magic)[4], std::uint64_t config_hash) {
    buf.append(magic, 4);
    pod(format_version);
    pod(std::uint64_t{0});  // length, set by finish()
    pod(config_hash);
  }
  template <class T>
  void pod(const T& v) { buf.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void str(const std::string& s) {
    pod(static_cast<std::uint32_t>(s.size()));
    buf.append(s);
  }
  template <class T>
  void vec(const std::vector<T>& v) {
    pod(static_cast<std::uint64_t>(v.size()));
    if (!v.empty()) buf.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void finish(const std::filesystem::path& file) {
    const std::uint64_t length = buf.size() + trailer_bytes;
    std::memcpy(buf.data() + 8, &length, sizeof length);
    const auto* bytes = reinterpret_cast<const unsigned char*>(buf.data());
    pod(fnv1a64(std::span(bytes, buf.size())));
    write_file_atomically(file, buf);
  }
};

// Reads a verified file's payload; every read is bounded by the bytes left.
struct reader {
  std::string data;
  std::string file;
  std::size_t pos = header_bytes, end = 0;
  std::uint64_t config_hash = 0;

  [[noreturn]] void corrupt(const std::string& what) const { throw error(fmt::format("{}: corrupt ({})", file, what)); }
  template <class T>
  T pod() {
    if (end - pos < sizeof(T)) corrupt("truncated payload");
    T v{};
    std::memcpy(&v, data.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
  std::string str() {
    const auto n = pod<std::uint32_t>();
    if (n > max_string_bytes || n > end - pos) corrupt(fmt::format("string of {} bytes", n));
    std::string s(data.data() + pos, n);
    pos += n;
    return s;
  }
  template <class T>
  std::vector<T> vec() {
    const auto n = pod<std::uint64_t>();
    if (n > (end - pos) / sizeof(T)) corrupt(fmt::format("array of {} items, {} bytes left", n, end - pos));
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), data.data() + pos, n * sizeof(T));
    pos += n * sizeof(T);
    return v;
  }
  void done() const {
    if (pos != end) corrupt(fmt::format("{} unread bytes", end - pos));
  }
};

// Opens, bounds, reads and verifies a file: magic, version, length == file size, checksum.
reader open_verified(const std::filesystem::path& path, const char (&magic)[4], const char* kind) {
  reader r;
  r.file = path.string();
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw error(fmt::format("{}: cannot open {}: {}", r.file, kind, ec.message()));
  if (size < header_bytes + trailer_bytes) throw error(fmt::format("{}: not a spikeworm {} (too short)", r.file, kind));
  if (size > max_file_bytes) throw error(fmt::format("{}: {} of {} bytes is above the limit", r.file, kind, size));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(fmt::format("{}: cannot open {}", r.file, kind));
  char head[header_bytes];
  in.read(head, header_bytes);
  if (!in || std::memcmp(head, magic, 4) != 0) throw error(fmt::format("{}: not a spikeworm {}", r.file, kind));
  std::uint32_t version = 0;
  std::uint64_t length = 0;
  std::memcpy(&version, head + 4, 4);
  std::memcpy(&length, head + 8, 8);
  if (version != format_version)
    throw error(fmt::format("{}: {} format version {} is not supported (this build reads version {})", r.file, kind,
                            version, format_version));
  if (length != size) throw error(fmt::format("{}: corrupt (length field {}, file size {})", r.file, length, size));
  r.data.resize(size);  // bounded by the file's real size
  std::memcpy(r.data.data(), head, header_bytes);
  in.read(r.data.data() + header_bytes, static_cast<std::streamsize>(size - header_bytes));
  if (!in) throw error(fmt::format("{}: cannot read {}", r.file, kind));
  r.end = size - trailer_bytes;
  std::uint64_t stored = 0;
  std::memcpy(&stored, r.data.data() + r.end, 8);
  const auto* bytes = reinterpret_cast<const unsigned char*>(r.data.data());
  if (fnv1a64(std::span(bytes, r.end)) != stored) throw error(fmt::format("{}: corrupt (checksum mismatch)", r.file));
  std::memcpy(&r.config_hash, head + 16, 8);
  return r;
}

template <class T>
void require_finite(const reader& r, const std::string& tensor, const std::vector<T>& v, const char* what) {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      throw error(fmt::format("{}: tensor {}: non-finite {} at index {} ({})", r.file, tensor, what, i, v[i]));
}

struct tensor_state {
  std::vector<float> value;
  std::vector<double> grad, m, v;
};

episode_record read_record(reader& r) {
  episode_record e;
  e.session = r.pod<int>(); e.episode = r.pod<int>(); e.success = r.pod<std::uint8_t>() != 0; e.steps = r.pod<int>();
  e.outcome = r.str();
  e.reward = r.pod<double>(); e.loss = r.pod<double>(); e.lr = r.pod<double>(); e.beta = r.pod<double>();
  e.entropy = r.pod<double>(); e.grad_norm = r.pod<double>();
  e.foods = r.pod<int>(); e.distance_efficiency = r.pod<double>(); e.spikes = r.vec<std::uint64_t>(); e.sops = r.pod<std::uint64_t>();
  return e;
}

// The likely cause of a tensor count that differs by one: the recurrent layer ([brain] recurrent).
std::string tensor_hint(const std::vector<param_tensor>& params, std::uint32_t n) {
  const bool rec = std::any_of(params.begin(), params.end(), [](const param_tensor& p) { return p.name.starts_with("recurrent."); });
  if (rec && n + 1 == params.size())
    return ": the file has no recurrent weights (made with [brain] recurrent = false), the brain has recurrent = true";
  if (!rec && n == params.size() + 1)
    return ": the file has one more tensor (made with [brain] recurrent = true?), the brain has recurrent = false";
  return "";
}

}  // namespace

void session::save(const std::filesystem::path& file) const {
  if (cfg_.train.algorithm == train_algorithm::cmaes)
    throw error(fmt::format("{}: CMA-ES sessions have no checkpoints (docs/training.md)", file.string()));
  writer w(ckpt_magic, config_hash_);
  w.pod(static_cast<std::int32_t>(index_));
  w.pod(seed_);
  w.pod(baseline_);
  w.pod(static_cast<std::uint8_t>(baseline_set_));
  w.pod(static_cast<std::int32_t>(pending_));
  const adam& opt = opt_;
  w.pod(opt.t());
  const auto& params = std::as_const(*brain_).params();
  w.pod(static_cast<std::uint32_t>(params.size()));
  for (std::size_t k = 0; k < params.size(); ++k) {
    w.str(params[k].name);
    w.vec(std::vector<float>(params[k].value.begin(), params[k].value.end()));
    w.vec(params[k].grad);
    w.vec(opt.m()[k]);
    w.vec(opt.v()[k]);
  }
  w.pod(static_cast<std::uint64_t>(records_.size()));
  for (const auto& r : records_) {
    w.pod(r.session); w.pod(r.episode); w.pod(static_cast<std::uint8_t>(r.success)); w.pod(r.steps);
    w.str(r.outcome);
    w.pod(r.reward); w.pod(r.loss); w.pod(r.lr); w.pod(r.beta); w.pod(r.entropy); w.pod(r.grad_norm);
    w.pod(r.foods); w.pod(r.distance_efficiency); w.vec(r.spikes); w.pod(r.sops);
  }
  if (critic_) {  // train.critic: the critic's tensors and optimiser after the records
    const auto& cp = std::as_const(*critic_).params();
    const adam& co = *critic_opt_;
    w.pod(co.t());
    w.pod(static_cast<std::uint32_t>(cp.size()));
    for (std::size_t k = 0; k < cp.size(); ++k) {
      w.str(cp[k].name);
      w.vec(std::vector<float>(cp[k].value.begin(), cp[k].value.end()));
      w.vec(cp[k].grad);
      w.vec(co.m()[k]);
      w.vec(co.v()[k]);
    }
  }
  w.finish(file);
}

// A checkpoint's tensors (value, gradient, Adam m and v) for `params`, read and checked into locals.
static std::vector<tensor_state> read_tensor_states(reader& r, const std::vector<param_tensor>& params, std::string_view what) {
  if (const auto n = r.pod<std::uint32_t>(); n != params.size())
    throw error(fmt::format("{}: checkpoint of another {} ({} tensors, the {} has {}{})", r.file, what, n, what,
                            params.size(), tensor_hint(params, n)));
  std::vector<tensor_state> state(params.size());
  for (std::size_t k = 0; k < params.size(); ++k) {
    if (r.str() != params[k].name) throw error(fmt::format("{}: checkpoint of another {}", r.file, what));
    auto& s = state[k];
    s.value = r.vec<float>(); s.grad = r.vec<double>(); s.m = r.vec<double>(); s.v = r.vec<double>();
    const auto n = params[k].value.size();
    if (s.value.size() != n || s.grad.size() != n || s.m.size() != n || s.v.size() != n)
      throw error(fmt::format("{}: checkpoint tensor {} has the wrong size", r.file, params[k].name));
    require_finite(r, params[k].name, s.value, "weight");
    require_finite(r, params[k].name, s.grad, "gradient");
    require_finite(r, params[k].name, s.m, "Adam m");
    require_finite(r, params[k].name, s.v, "Adam v");
  }
  return state;
}

// Everything is read and checked into locals first; the session changes only when the whole file is good.
void session::load(const std::filesystem::path& file) {
  reader r = open_verified(file, ckpt_magic, "checkpoint");
  if (config_hash_ != 0 && r.config_hash != config_hash_)  // 0: the caller states no configuration
    throw error(fmt::format("{}: checkpoint made under another configuration (hash {:016x}, this run {:016x})", r.file,
                            r.config_hash, config_hash_));
  if (r.pod<std::int32_t>() != index_ || r.pod<std::uint64_t>() != seed_)
    throw error(fmt::format("{}: checkpoint of another session", r.file));
  const auto baseline = r.pod<double>();
  const bool baseline_set = r.pod<std::uint8_t>() != 0;
  const auto pending = r.pod<std::int32_t>();
  const auto t = r.pod<std::int64_t>();
  if (!std::isfinite(baseline)) throw error(fmt::format("{}: non-finite baseline ({})", r.file, baseline));
  if (pending < 0 || pending >= std::max(cfg_.train.batch_size, 1) || t < 0)
    throw error(fmt::format("{}: corrupt (pending {}, step {})", r.file, pending, t));
  auto& params = brain_->params();
  auto state = read_tensor_states(r, params, "brain");
  const auto n = r.pod<std::uint64_t>();
  std::vector<episode_record> records;
  for (std::uint64_t i = 0; i < n; ++i) {
    records.push_back(read_record(r));
    const auto& e = records.back();
    if (e.session != index_ || e.episode != static_cast<int>(i) || e.steps < 0 || e.foods < 0)
      throw error(fmt::format("{}: corrupt (episode record {})", r.file, i));
  }
  std::int64_t critic_t = 0;
  std::vector<tensor_state> critic_state;
  if (critic_) {
    critic_t = r.pod<std::int64_t>();
    if (critic_t < 0) throw error(fmt::format("{}: corrupt (critic step {})", r.file, critic_t));
    critic_state = read_tensor_states(r, critic_->params(), "critic");
  }
  r.done();
  auto install = [](std::vector<param_tensor>& ps, std::vector<tensor_state>& st, adam& opt) {
    for (std::size_t k = 0; k < ps.size(); ++k) {
      std::copy(st[k].value.begin(), st[k].value.end(), ps[k].value.begin());
      ps[k].grad = std::move(st[k].grad);
      opt.m()[k] = std::move(st[k].m);
      opt.v()[k] = std::move(st[k].v);
    }
  };
  install(params, state, opt_);
  if (critic_) {
    install(critic_->params(), critic_state, *critic_opt_);
    critic_opt_->t() = critic_t;
  }
  baseline_ = baseline;
  baseline_set_ = baseline_set;
  pending_ = pending;
  opt_.t() = t;
  records_ = std::move(records);
}

void write_weights(const std::filesystem::path& file, const std::vector<param_tensor>& params) {
  writer w(weights_magic, 0);
  w.pod(static_cast<std::uint32_t>(params.size()));
  for (const auto& p : params) {
    w.str(p.name);
    w.pod(static_cast<std::uint32_t>(p.rows));
    w.pod(static_cast<std::uint32_t>(p.cols));
    for (std::size_t i = 0; i < p.rows; ++i)
      for (std::size_t j = 0; j < p.cols; ++j) w.pod(p.at(i, j));
  }
  w.finish(file);
}

namespace {

std::string tensor_list(const std::vector<std::pair<std::string, std::string>>& t) {
  std::string s;
  for (const auto& [name, shape] : t) s += fmt::format("{}{} {}", s.empty() ? "" : ", ", name, shape);
  return s;
}

}  // namespace

std::vector<std::vector<float>> read_weight_values(const std::filesystem::path& file,
                                                   const std::vector<param_tensor>& params) {
  reader r = open_verified(file, weights_magic, "weights file");
  const auto n = r.pod<std::uint32_t>();
  if (n != params.size()) {
    // Another brain: name both tensor lists, when the file holds a readable one.
    std::vector<std::pair<std::string, std::string>> found, expected;
    for (const auto& p : params) expected.emplace_back(p.name, fmt::format("[{}x{}]", p.rows, p.cols));
    try {
      for (std::uint32_t k = 0; k < n && k < 4096; ++k) {
        auto name = r.str();
        const auto rows = r.pod<std::uint32_t>(), cols = r.pod<std::uint32_t>();
        const std::uint64_t bytes = std::uint64_t{rows} * cols * sizeof(float);
        if (bytes > r.end - r.pos) r.corrupt("tensor larger than the file");
        r.pos += bytes;
        found.emplace_back(std::move(name), fmt::format("[{}x{}]", rows, cols));
      }
    } catch (const error&) {
      throw error(fmt::format("{}: {} tensors, the brain has {} ({}){}", r.file, n, params.size(),
                              tensor_list(expected), tensor_hint(params, n)));
    }
    throw error(fmt::format("{}: weights of another brain: the file holds {} tensors ({}), the brain expects {} "
                            "tensors ({}){}",
                            r.file, n, tensor_list(found), params.size(), tensor_list(expected), tensor_hint(params, n)));
  }
  std::vector<std::vector<float>> values(params.size());
  for (std::size_t k = 0; k < params.size(); ++k) {
    const auto& p = params[k];
    const auto name = r.str();
    const auto rows = r.pod<std::uint32_t>(), cols = r.pod<std::uint32_t>();
    if (name != p.name || rows != p.rows || cols != p.cols)
      throw error(fmt::format("{}: tensor {} [{}x{}] does not match the brain's {} [{}x{}] (tensor {} of {})", r.file,
                              name, rows, cols, p.name, p.rows, p.cols, k + 1, params.size()));
    auto& v = values[k];
    v.resize(p.rows * p.cols);
    for (auto& x : v) x = r.pod<float>();
    require_finite(r, p.name, v, "weight");
  }
  r.done();
  return values;
}

void assign_weights(const std::vector<std::vector<float>>& values, std::vector<param_tensor>& params) {
  if (values.size() != params.size()) throw internal_error("assign_weights: tensor count differs");
  for (std::size_t k = 0; k < params.size(); ++k) {
    auto& p = params[k];
    if (values[k].size() != p.rows * p.cols) throw internal_error("assign_weights: tensor size differs");
    for (std::size_t i = 0; i < p.rows; ++i)
      for (std::size_t j = 0; j < p.cols; ++j) p.at(i, j) = values[k][i * p.cols + j];
  }
}

// The brain's tensors change only when the whole file is good.
void read_weights(const std::filesystem::path& file, std::vector<param_tensor>& params) {
  assign_weights(read_weight_values(file, params), params);
}

}  // namespace spikeworm
