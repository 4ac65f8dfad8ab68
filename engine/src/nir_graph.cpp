// Reading NIR graphs from HDF5 (engine/nir_graph.hpp, docs/nir.md).
#include "spikeworm/engine/nir_graph.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include <charconv>
#include <set>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm::nir {

namespace {

// "0.2.0" -> {0, 2, 0}; nothing when it is not dot-separated integers.
std::vector<int> version_numbers(std::string_view v) {
  std::vector<int> out;
  while (!v.empty()) {
    const auto dot = v.find('.');
    const auto part = v.substr(0, dot);
    int x = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), x);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || x < 0) return {};
    out.push_back(x);
    if (dot == std::string_view::npos) break;
    v.remove_prefix(dot + 1);
    if (v.empty()) return {};
  }
  return out;
}

// a < b, comparing missing trailing parts as 0.
bool version_less(const std::vector<int>& a, const std::vector<int>& b) {
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const int x = i < a.size() ? a[i] : 0, y = i < b.size() ? b[i] : 0;
    if (x != y) return x < y;
  }
  return false;
}

std::string join(const std::string& path, const std::string& name) { return path == "/" ? "/" + name : path + "/" + name; }

node read_node(const h5::reader& r, const std::string& path, const std::string& name, int depth) {
  if (depth > 64) r.fail("graphs nested more than 64 deep", path);
  node n;
  n.name = name;
  const std::string type_path = join(path, "type");
  if (r.kind_of(type_path) != h5::reader::kind::dataset || !r.is_string(type_path))
    throw error(fmt::format("{}: node '{}' ({}) has no type", r.path().string(), name, path));
  n.type = r.read_string(type_path);
  for (const auto& key : r.children(path)) {
    const std::string p = join(path, key);
    if (key == "type" || key == "edges" || key == "nodes") continue;
    if (r.kind_of(p) != h5::reader::kind::dataset) continue;  // input_type/, output_type/, metadata/: not parameters
    if (r.is_string(p)) {
      std::vector<std::size_t> shape;
      const auto v = r.read_strings(p, shape);
      if (v.size() == 1) n.strings[key] = v[0];
    } else {
      n.params[key] = r.read_numbers(p);
    }
  }
  if (n.type != "NIRGraph") return n;
  const std::string nodes = join(path, "nodes");
  if (r.kind_of(nodes) != h5::reader::kind::group)
    throw error(fmt::format("{}: graph '{}' ({}) has no nodes group", r.path().string(), name, path));
  std::set<std::string, std::less<>> names;
  for (const auto& child : r.children(nodes)) {
    if (r.kind_of(join(nodes, child)) != h5::reader::kind::group) continue;
    n.nodes.push_back(read_node(r, join(nodes, child), child, depth + 1));
    names.insert(child);
  }
  const std::string edges = join(path, "edges");
  if (r.kind_of(edges) == h5::reader::kind::dataset) {
    std::vector<std::size_t> shape;
    const auto e = r.read_strings(edges, shape);
    if (!e.empty() && (shape.size() != 2 || shape[1] != 2))
      throw error(fmt::format("{}: the edges of graph '{}' ({}) are not a list of (source, target) pairs",
                              r.path().string(), name, edges));
    for (std::size_t k = 0; k + 1 < e.size(); k += 2) {
      for (const auto* end : {&e[k], &e[k + 1]})
        if (!names.contains(*end))
          throw error(fmt::format("{}: edge {} of graph '{}' ({} -> {}) names '{}', which is not one of its nodes",
                                  r.path().string(), k / 2, name, e[k], e[k + 1], *end));
      n.edges.emplace_back(e[k], e[k + 1]);
    }
  }
  return n;
}

}  // namespace

const h5::array& node::param(std::string_view key) const {
  const auto it = params.find(key);
  if (it == params.end()) throw error(fmt::format("NIR node '{}' ({}) has no parameter '{}'", name, type, key));
  return it->second;
}

const node* node::child(std::string_view child_name) const {
  for (const auto& c : nodes)
    if (c.name == child_name) return &c;
  return nullptr;
}

namespace {

document read_unguarded(const std::filesystem::path& path) {
  const h5::reader r(path);
  document d;
  if (r.kind_of("/version") != h5::reader::kind::dataset || !r.is_string("/version"))
    throw error(fmt::format("{}: not a NIR graph file (no /version string)", path.string()));
  d.version = r.read_string("/version");
  const auto v = version_numbers(d.version);
  if (v.empty()) throw error(fmt::format("{}: NIR version '{}' is not a version number", path.string(), d.version));
  if (version_less(v, version_numbers(oldest_version)) || version_less(version_numbers(newest_version), v))
    throw error(fmt::format("{}: NIR version {} is not read (versions {} to {} are)", path.string(), d.version,
                            oldest_version, newest_version));
  if (r.kind_of("/node") != h5::reader::kind::group)
    throw error(fmt::format("{}: not a NIR graph file (no /node group)", path.string()));
  d.root = read_node(r, "/node", "node", 0);
  if (d.root.type != "NIRGraph")
    throw error(fmt::format("{}: the root node is a {}, not a NIRGraph", path.string(), d.root.type));
  if (r.kind_of("/node/metadata") == h5::reader::kind::group)
    for (const auto& key : r.children("/node/metadata")) {
      const std::string p = "/node/metadata/" + key;
      if (r.kind_of(p) != h5::reader::kind::dataset) continue;
      if (r.is_string(p)) {
        std::vector<std::size_t> shape;
        const auto s = r.read_strings(p, shape);
        d.metadata[key] = s.size() == 1 ? s[0] : fmt::format("{} strings", s.size());
      } else {
        const auto a = r.read_numbers(p);
        d.metadata[key] = a.size() == 1 ? fmt::format("{}", a.values[0]) : fmt::format("{} numbers", a.size());
      }
    }
  return d;
}

// The HDF5 library can crash on a corrupted file (a damaged global heap makes H5Dread of a variable-length
// string copy out of bounds), and leaks on some of its error paths. The file is therefore read in a child
// process: if the library kills it, or it takes over a minute, the file is refused as corrupt; if the reading
// fails, the child sends its error message and the file is not opened here at all; only a file the child read
// whole is read again here (docs/nir.md, "What is read"). The child only reads and exits.
void probe_in_child(const std::filesystem::path& path) {
  int fds[2];
  if (::pipe(fds) != 0) return;  // no pipe, no child: read directly
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return;
  }
  if (pid == 0) {  // stderr silenced: the outcome is the exit status and the message on the pipe
    ::close(fds[0]);
    if (const int null = ::open("/dev/null", O_WRONLY); null >= 0) ::dup2(null, 2);
    // The minute's bound must end the child whatever handler the program had for SIGALRM (a fuzzer's, a
    // Python program's): the default action, termination, is restored first.
    ::signal(SIGALRM, SIG_DFL);
    ::alarm(60);
    int status = 0;
    try {
      (void)read_unguarded(path);
    } catch (const std::exception& e) {
      const std::string m = e.what();
      for (std::size_t at = 0; at < m.size();) {
        const ssize_t n = ::write(fds[1], m.data() + at, m.size() - at);
        if (n <= 0) break;
        at += static_cast<std::size_t>(n);
      }
      status = 3;
    } catch (...) {
      status = 4;
    }
    std::_Exit(status);
  }
  ::close(fds[1]);
  std::string message;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) message.append(buf, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EINTR) break;
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return;
  if (WIFSIGNALED(status))
    throw error(fmt::format("{}: the HDF5 library crashed reading it ({}): the file is corrupt", path.string(),
                            WTERMSIG(status) == SIGALRM ? "no answer within 60 s" : ::strsignal(WTERMSIG(status))));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3 && !message.empty()) throw error(message);
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0)  // e.g. a sanitizer's report
    throw error(fmt::format("{}: reading it ended the reading process with exit code {}: the file is corrupt",
                            path.string(), WEXITSTATUS(status)));
}

}  // namespace

document read(const std::filesystem::path& path) {
  probe_in_child(path);
  return read_unguarded(path);
}

}  // namespace spikeworm::nir
