// The YAML schema of rampart, written as a table of small readers (one per section) over a few
// generic helpers: "a map with exactly these keys", "an unsigned integer in this range", "a list
// of X". The first problem found wins and is reported with the file position of the node at
// fault; later readers become no-ops, so the schema code needs no error plumbing of its own.
//
// yaml-cpp reports parse errors (and misuse) by throwing; every exception is caught at the two
// public entry points and turned into an Error, so callers only ever see values.
#include "proxy/config/loader.h"

#include <arpa/inet.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "proxy/config/spelling_hint.h"

namespace rampart {
namespace {

constexpr std::string_view kReason = "config_invalid";

// Bounds that catch typos (an extra zero, ms vs s) rather than encode policy.
constexpr std::uint32_t kOneHourMs = 3'600'000;
constexpr std::uint32_t kMaxWorkers = 1024;
constexpr std::uint32_t kMiB = 1024 * 1024;
constexpr std::uint64_t kTiB = std::uint64_t{1} << 40;
constexpr std::uint32_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();
// A config file is a few KiB; refusing huge inputs keeps a wrong path (a log file, /dev/zero)
// from eating memory.
constexpr std::uintmax_t kMaxConfigFileBytes = 16 * kMiB;

Error configError(std::string detail) {
  Error error;
  error.source = ErrorSource::Config;
  error.status = 0;
  error.reason = kReason;
  error.detail = std::move(detail);
  return error;
}

std::string positionPrefix(std::string_view source_name, const YAML::Mark& mark) {
  // yaml-cpp marks are 0-based; a null mark (e.g. an empty document) points at the start.
  const int line = mark.is_null() ? 1 : mark.line + 1;
  const int column = mark.is_null() ? 1 : mark.column + 1;
  std::string prefix(source_name);
  prefix += ':' + std::to_string(line) + ':' + std::to_string(column) + ": ";
  return prefix;
}

// Collects the first error; every later report is ignored. Readers check failed() only where
// going on would need a value that failed to parse.
class Diagnostics {
 public:
  explicit Diagnostics(std::string_view source_name) : source_name_(source_name) {}

  void fail(const YAML::Mark& mark, std::string_view message) {
    if (error_) return;
    error_ = configError(positionPrefix(source_name_, mark) + std::string(message));
  }
  bool failed() const { return error_.has_value(); }
  Error takeError() { return std::move(*error_); }

 private:
  std::string source_name_;
  std::optional<Error> error_;
};

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing (null)";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

// Quoted scalars carry the non-specific tag "!"; plain ones "?". A quoted "8080" is a string,
// and a number or boolean key must not silently accept it.
bool isQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

// ---------------------------------------------------------------------------------------------
// Scalars. Each returns nullopt after reporting; `path` names the key ("limits.max_header_count").

std::optional<std::string> readString(Diagnostics& diag, const YAML::Node& node,
                                      const std::string& path) {
  if (!node.IsScalar()) {
    diag.fail(node.Mark(), path + ": expected a string, got " + describe(node));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<std::string> readNonEmptyString(Diagnostics& diag, const YAML::Node& node,
                                              const std::string& path) {
  auto value = readString(diag, node, path);
  if (value && value->empty()) {
    diag.fail(node.Mark(), path + ": must not be empty");
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> readUint(Diagnostics& diag, const YAML::Node& node,
                                      const std::string& path, std::uint64_t min,
                                      std::uint64_t max) {
  const std::string expected = path + ": expected an integer in " + std::to_string(min) + ".." +
                               std::to_string(max) + ", got ";
  if (!node.IsScalar() || isQuoted(node)) {
    diag.fail(node.Mark(), expected + (node.IsScalar() ? "a quoted string" : describe(node)));
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  if (!text.empty() && text[0] == '-' && text.size() > 1 &&
      std::all_of(text.begin() + 1, text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    diag.fail(node.Mark(), path + ": must not be negative, got " + text);
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, status] = std::from_chars(text.data(), end, value);
  if (text.empty() || stop != end || status == std::errc::invalid_argument) {
    diag.fail(node.Mark(), expected + "'" + text + "'");
    return std::nullopt;
  }
  if (status == std::errc::result_out_of_range || value < min || value > max) {
    diag.fail(node.Mark(), path + ": " + text + " is out of range (" + std::to_string(min) + ".." +
                               std::to_string(max) + ")");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> readBool(Diagnostics& diag, const YAML::Node& node, const std::string& path) {
  if (node.IsScalar() && !isQuoted(node)) {
    if (node.Scalar() == "true") return true;
    if (node.Scalar() == "false") return false;
  }
  diag.fail(node.Mark(), path + ": expected true or false, got " + describe(node));
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Maps and lists.

// A YAML map whose keys must all be in `allowed`: unknown keys (typos) are errors, as are
// duplicate keys (yaml-cpp keeps both and would silently use the first).
class MapReader {
 public:
  // `path` is "" at top level, else the dotted location ("listeners[0].tls").
  MapReader(Diagnostics& diag, const YAML::Node& node, std::string path,
            std::initializer_list<std::string_view> allowed)
      : MapReader(diag, node, std::move(path), std::vector<std::string_view>(allowed)) {}

  MapReader(Diagnostics& diag, const YAML::Node& node, std::string path,
            std::vector<std::string_view> allowed)
      : diag_(diag), node_(node), path_(std::move(path)), allowed_(std::move(allowed)) {
    if (!node.IsMap()) {
      diag_.fail(node.Mark(), "expected a map " + where() + ", got " + describe(node));
      return;
    }
    std::set<std::string, std::less<>> seen;
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) {
        diag_.fail(key.Mark(), "a map key must be a string " + where());
        return;
      }
      const std::string& name = key.Scalar();
      if (std::find(allowed_.begin(), allowed_.end(), name) == allowed_.end()) {
        std::string message =
            "unknown key '" + name + "' " + where() + "; expected one of: " + joinWords(allowed_);
        if (auto hint = closestWord(name, allowed_)) {
          message += " (did you mean '" + std::string(*hint) + "'?)";
        }
        diag_.fail(key.Mark(), message);
        return;
      }
      if (!seen.insert(name).second) {
        diag_.fail(key.Mark(), "duplicate key '" + name + "' " + where());
        return;
      }
      entries_.emplace_back(name, entry.second);
    }
    ok_ = true;
  }

  bool ok() const { return ok_; }
  YAML::Mark mark() const { return node_.Mark(); }
  std::string pathOf(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  // The value of `key`, or nullopt when the key is absent (or the map itself was invalid).
  std::optional<YAML::Node> find(std::string_view key) const {
    if (!ok_) return std::nullopt;
    for (const auto& [name, value] : entries_)
      if (name == key) return value;
    return std::nullopt;
  }

  // Like find, but a missing key is an error reported at the map.
  std::optional<YAML::Node> require(std::string_view key) {
    auto value = find(key);
    if (!value && ok_) {
      diag_.fail(node_.Mark(), "missing required key '" + pathOf(key) + "'");
    }
    return value;
  }

  // Optional scalar keys: `out` keeps its default (from config.h) when the key is absent.
  template <typename UInt>
  void uintInRange(std::string_view key, UInt& out, std::uint64_t min, std::uint64_t max) {
    static_assert(std::is_unsigned_v<UInt>);
    if (auto node = find(key)) {
      if (auto value = readUint(diag_, *node, pathOf(key), min, max))
        out = static_cast<UInt>(*value);
    }
  }
  void boolean(std::string_view key, bool& out) {
    if (auto node = find(key)) {
      if (auto value = readBool(diag_, *node, pathOf(key))) out = *value;
    }
  }
  void string(std::string_view key, std::string& out) {
    if (auto node = find(key)) {
      if (auto value = readString(diag_, *node, pathOf(key))) out = std::move(*value);
    }
  }
  void requiredNonEmptyString(std::string_view key, std::string& out) {
    if (auto node = require(key)) {
      if (auto value = readNonEmptyString(diag_, *node, pathOf(key))) out = std::move(*value);
    }
  }

 private:
  std::string where() const { return path_.empty() ? "at top level" : "in " + path_; }

  Diagnostics& diag_;
  YAML::Node node_;
  std::string path_;
  std::vector<std::string_view> allowed_;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
  bool ok_ = false;
};

// Calls read(item, "path[i]") for each element of a YAML list; stops at the first error.
template <typename ReadItem>
void forEachItem(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                 ReadItem read) {
  if (!node.IsSequence()) {
    diag.fail(node.Mark(), path + ": expected a list, got " + describe(node));
    return;
  }
  std::size_t index = 0;
  for (const auto& item : node) {
    read(item, path + "[" + std::to_string(index++) + "]");
    if (diag.failed()) return;
  }
}

// A list of strings, each checked by `check` (which reports and returns false on a bad one).
template <typename Check>
std::optional<std::vector<std::string>> readStringList(Diagnostics& diag, const YAML::Node& node,
                                                       const std::string& path, Check check) {
  std::vector<std::string> values;
  forEachItem(diag, node, path, [&](const YAML::Node& item, const std::string& item_path) {
    if (auto value = readNonEmptyString(diag, item, item_path)) {
      if (check(item, item_path, *value)) values.push_back(std::move(*value));
    }
  });
  if (diag.failed()) return std::nullopt;
  return values;
}

// ---------------------------------------------------------------------------------------------
// Addresses: "host:port" or "[v6]:port"; host is an IP literal or "localhost". Names that need
// DNS are refused: resolution would block, and a name that moves is a surprise in a WAF edge.

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

// Returns the problem in words, or nullopt when `text` parsed into `out`.
std::optional<std::string> parseHostPort(std::string_view text, HostPort& out) {
  std::string_view host;
  std::string_view port;
  bool bracketed = false;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return "missing ']' after the IPv6 address";
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') return "expected ':port' after ']'";
    port = text.substr(close + 2);
    bracketed = true;
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return "expected host:port";
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return "an IPv6 address needs brackets, e.g. [::1]:8080";
    }
  }
  if (host.empty()) return "the host is empty (use 0.0.0.0 or [::] for all addresses)";

  const std::string host_string(host);
  in_addr v4{};
  in6_addr v6{};
  if (bracketed) {
    if (inet_pton(AF_INET6, host_string.c_str(), &v6) != 1) {
      return "'" + host_string + "' is not an IPv6 address";
    }
  } else if (host != "localhost" && inet_pton(AF_INET, host_string.c_str(), &v4) != 1) {
    return "host '" + host_string + "' must be an IPv4 address, [IPv6] or localhost";
  }

  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return "port '" + std::string(port) + "' is not a number in 0..65535";
  }
  unsigned number = 0;
  std::from_chars(port.data(), port.data() + port.size(), number);
  if (number > 65535) return "port " + std::string(port) + " is out of range (0..65535)";
  out.host = host_string;
  out.port = static_cast<std::uint16_t>(number);
  return std::nullopt;
}

enum class PortZero : std::uint8_t {
  kAllowed,    // listening sockets: the kernel picks a free port (tests)
  kForbidden,  // upstream endpoints: there is nothing to connect to on port 0
};

std::optional<HostPort> readAddress(Diagnostics& diag, const YAML::Node& node,
                                    const std::string& path, PortZero port_zero) {
  auto text = readNonEmptyString(diag, node, path);
  if (!text) return std::nullopt;
  HostPort parsed;
  if (auto problem = parseHostPort(*text, parsed)) {
    diag.fail(node.Mark(), path + ": invalid address '" + *text + "': " + *problem);
    return std::nullopt;
  }
  if (port_zero == PortZero::kForbidden && parsed.port == 0) {
    diag.fail(node.Mark(), path + ": invalid address '" + *text + "': port must be 1..65535");
    return std::nullopt;
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Host patterns (route hosts, TLS server_names): "*", "name" or "*.suffix", stored lower-case.

enum class CatchAll : std::uint8_t { kAllowed, kForbidden };

bool checkHostPattern(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                      std::string& pattern, CatchAll catch_all) {
  std::transform(pattern.begin(), pattern.end(), pattern.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (pattern == "*") {
    if (catch_all == CatchAll::kAllowed) return true;
    diag.fail(node.Mark(), path + ": '*' is not allowed here; use '*.example.com' or a name");
    return false;
  }
  std::string_view name = pattern;
  if (name.size() > 2 && name.substr(0, 2) == "*.") name.remove_prefix(2);
  for (char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                         c == '_' || c == ':' || c == '[' || c == ']';
    if (!allowed) {
      const std::string why = c == '*' ? "'*' is only allowed as a leading '*.'"
                                       : "character '" + std::string(1, c) + "' is not allowed";
      diag.fail(node.Mark(), path + ": invalid host pattern '" + pattern + "': " + why);
      return false;
    }
  }
  if (name.empty() || name.front() == '.') {
    diag.fail(node.Mark(), path + ": invalid host pattern '" + pattern + "'");
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Sections, in the order of config.h.

void readTls(Diagnostics& diag, const YAML::Node& node, const std::string& path, TlsConfig& out) {
  MapReader map(diag, node, path, {"certificates", "min_version", "ciphers", "ciphersuites"});
  if (!map.ok()) return;

  if (auto certificates = map.require("certificates")) {
    forEachItem(
        diag, *certificates, map.pathOf("certificates"),
        [&](const YAML::Node& item, const std::string& item_path) {
          MapReader cert(diag, item, item_path, {"cert", "key", "server_names"});
          TlsCertificateConfig certificate;
          cert.requiredNonEmptyString("cert", certificate.cert_file);
          cert.requiredNonEmptyString("key", certificate.key_file);
          if (auto names = cert.find("server_names")) {
            auto checked = readStringList(
                diag, *names, cert.pathOf("server_names"),
                [&](const YAML::Node& name_node, const std::string& name_path, std::string& name) {
                  return checkHostPattern(diag, name_node, name_path, name, CatchAll::kForbidden);
                });
            if (checked) certificate.server_names = std::move(*checked);
          }
          // The files are opened for real later (TLS context build); checking here
          // lets `rampart validate` catch a wrong path before a deploy.
          for (const auto& [key, file] : {std::pair{"cert", &certificate.cert_file},
                                          std::pair{"key", &certificate.key_file}}) {
            if (diag.failed()) return;
            std::error_code ec;
            const YAML::Mark mark = cert.find(key)->Mark();
            const std::string key_path = cert.pathOf(key);
            if (!std::filesystem::exists(*file, ec)) {
              diag.fail(mark, key_path + ": file '" + *file + "' does not exist");
            } else if (!std::filesystem::is_regular_file(*file, ec)) {
              diag.fail(mark, key_path + ": '" + *file + "' is not a regular file");
            } else if (!std::ifstream(*file).is_open()) {
              diag.fail(mark, key_path + ": file '" + *file + "' is not readable");
            }
          }
          out.certificates.push_back(std::move(certificate));
        });
    if (!diag.failed() && out.certificates.empty()) {
      diag.fail(certificates->Mark(), map.pathOf("certificates") + ": needs at least one entry");
    }
  }
  if (auto version = map.find("min_version")) {
    if (auto value = readString(diag, *version, map.pathOf("min_version"))) {
      if (*value == "1.2" || *value == "1.3") {
        out.min_version = *value;
      } else {
        diag.fail(version->Mark(), map.pathOf("min_version") +
                                       ": expected \"1.2\" or \"1.3\", got '" + *value + "'");
      }
    }
  }
  map.string("ciphers", out.ciphers);
  map.string("ciphersuites", out.ciphersuites);
}

std::optional<ListenerProtocol> parseProtocol(std::string_view name) {
  if (name == "http1") return ListenerProtocol::Http1;
  if (name == "h2c") return ListenerProtocol::H2c;
  if (name == "h2") return ListenerProtocol::H2;
  return std::nullopt;
}

void readProtocols(Diagnostics& diag, const YAML::Node& node, const std::string& path, bool has_tls,
                   std::vector<ListenerProtocol>& out) {
  std::vector<ListenerProtocol> protocols;
  forEachItem(diag, node, path, [&](const YAML::Node& item, const std::string& item_path) {
    auto name = readString(diag, item, item_path);
    if (!name) return;
    auto protocol = parseProtocol(*name);
    if (!protocol) {
      diag.fail(item.Mark(),
                item_path + ": unknown protocol '" + *name + "'; expected one of: http1, h2c, h2");
    } else if (has_tls && *protocol == ListenerProtocol::H2c) {
      diag.fail(item.Mark(), item_path +
                                 ": 'h2c' is cleartext HTTP/2; a listener with tls "
                                 "offers h2 and/or http1");
    } else if (!has_tls && *protocol == ListenerProtocol::H2) {
      diag.fail(item.Mark(), item_path + ": 'h2' needs tls; use 'h2c' for cleartext HTTP/2");
    } else if (std::find(protocols.begin(), protocols.end(), *protocol) != protocols.end()) {
      diag.fail(item.Mark(), item_path + ": protocol '" + *name + "' is listed twice");
    } else {
      protocols.push_back(*protocol);
    }
  });
  if (diag.failed()) return;
  if (protocols.empty()) {
    diag.fail(node.Mark(), path + ": needs at least one protocol");
    return;
  }
  out = std::move(protocols);
}

void readListener(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                  ListenerConfig& out) {
  MapReader map(diag, node, path, {"name", "address", "protocols", "tls"});
  if (!map.ok()) return;
  map.requiredNonEmptyString("name", out.name);
  if (auto address = map.require("address")) {
    if (auto parsed = readAddress(diag, *address, map.pathOf("address"), PortZero::kAllowed)) {
      out.address = address->Scalar();
      out.host = std::move(parsed->host);
      out.port = parsed->port;
    }
  }
  if (auto tls = map.find("tls")) {
    out.has_tls = true;
    readTls(diag, *tls, map.pathOf("tls"), out.tls);
  }
  if (auto protocols = map.find("protocols")) {
    readProtocols(diag, *protocols, map.pathOf("protocols"), out.has_tls, out.protocols);
  } else if (out.has_tls) {
    out.protocols = {ListenerProtocol::H2, ListenerProtocol::Http1};
  } else {
    out.protocols = {ListenerProtocol::Http1, ListenerProtocol::H2c};
  }
}

// Two sockets on the same host:port would fail to bind; port 0 asks the kernel for a fresh
// port each time, so it never clashes.
bool sameSocket(const std::string& host_a, std::uint16_t port_a, const std::string& host_b,
                std::uint16_t port_b) {
  return port_a != 0 && port_a == port_b && host_a == host_b;
}

void readListeners(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                   std::vector<ListenerConfig>& out) {
  forEachItem(diag, node, path, [&](const YAML::Node& item, const std::string& item_path) {
    ListenerConfig listener;
    readListener(diag, item, item_path, listener);
    if (diag.failed()) return;
    for (const ListenerConfig& other : out) {
      if (other.name == listener.name) {
        diag.fail(item["name"].Mark(),
                  item_path + ".name: duplicate listener name '" + listener.name + "'");
      } else if (sameSocket(other.host, other.port, listener.host, listener.port)) {
        diag.fail(item["address"].Mark(), item_path + ".address: '" + listener.address +
                                              "' is already used by listener '" + other.name + "'");
      }
    }
    out.push_back(std::move(listener));
  });
  if (!diag.failed() && out.empty()) {
    diag.fail(node.Mark(), path + ": needs at least one listener");
  }
}

void readAdmin(Diagnostics& diag, const YAML::Node& node, const std::string& path,
               const std::vector<ListenerConfig>& listeners, AdminConfig& out) {
  MapReader map(diag, node, path, {"address"});
  if (auto address = map.find("address")) {
    auto parsed = readAddress(diag, *address, map.pathOf("address"), PortZero::kAllowed);
    if (!parsed) return;
    for (const ListenerConfig& listener : listeners) {
      if (sameSocket(listener.host, listener.port, parsed->host, parsed->port)) {
        diag.fail(address->Mark(), map.pathOf("address") + ": '" + address->Scalar() +
                                       "' is already used by listener '" + listener.name + "'");
        return;
      }
    }
    out.address = address->Scalar();
    out.host = std::move(parsed->host);
    out.port = parsed->port;
  }
}

// Every limit is a uint32 with a sane range; the table is the schema (and the key list).
struct LimitField {
  std::string_view key;
  std::uint32_t LimitsConfig::*field;
  std::uint32_t min;
  std::uint32_t max;
};

// The YAML key is the field's own name, so the two cannot drift apart.
#define RAMPART_LIMIT(field, min, max) \
  LimitField { #field, &LimitsConfig::field, min, max }
constexpr LimitField kLimitFields[] = {
    RAMPART_LIMIT(max_request_line_bytes, 1, kMiB),
    RAMPART_LIMIT(max_header_bytes, 1, 16 * kMiB),
    RAMPART_LIMIT(max_header_count, 1, 10'000),
    RAMPART_LIMIT(max_connections, 1, 10'000'000),
    RAMPART_LIMIT(max_concurrent_streams, 1, 1'000'000),
    RAMPART_LIMIT(max_requests_per_connection, 1, kMaxU32),
    RAMPART_LIMIT(header_timeout_ms, 1, kOneHourMs),
    RAMPART_LIMIT(body_idle_timeout_ms, 1, kOneHourMs),
    RAMPART_LIMIT(keepalive_idle_timeout_ms, 1, kOneHourMs),
    RAMPART_LIMIT(drain_timeout_ms, 0, kOneHourMs),  // 0: close at once on SIGTERM
    RAMPART_LIMIT(h2_max_resets_per_second, 1, 1'000'000),
    RAMPART_LIMIT(h2_max_control_frames_per_second, 1, 1'000'000),
    RAMPART_LIMIT(h2_max_continuation_frames, 0, 10'000),  // 0: a header block fits one frame
};
#undef RAMPART_LIMIT

void readLimits(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                LimitsConfig& out) {
  std::vector<std::string_view> keys;
  for (const LimitField& limit : kLimitFields) keys.push_back(limit.key);
  MapReader map(diag, node, path, std::move(keys));
  for (const LimitField& limit : kLimitFields) {
    map.uintInRange(limit.key, out.*limit.field, limit.min, limit.max);
  }
}

void readDecisionLog(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                     DecisionLogConfig& out) {
  MapReader map(diag, node, path, {"path", "queue_lines"});
  if (auto log_path = map.find("path")) {
    if (auto value = readNonEmptyString(diag, *log_path, map.pathOf("path"))) out.path = *value;
  }
  map.uintInRange("queue_lines", out.queue_lines, 1, 16 * kMiB);
}

void readForwarding(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                    ForwardingConfig& out) {
  MapReader map(diag, node, path, {"trust_incoming_forwarded", "trust_incoming_request_id"});
  map.boolean("trust_incoming_forwarded", out.trust_incoming_forwarded);
  map.boolean("trust_incoming_request_id", out.trust_incoming_request_id);
}

void readHealth(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                HealthConfig& out) {
  MapReader map(diag, node, path, {"failure_threshold", "eject_ms"});
  map.uintInRange("failure_threshold", out.failure_threshold, 1, 1000);
  map.uintInRange("eject_ms", out.eject_ms, 1, kOneHourMs);
}

void readCluster(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                 ClusterConfig& out) {
  MapReader map(diag, node, path,
                {"name", "type", "endpoints", "connect_timeout_ms", "response_timeout_ms",
                 "idle_timeout_ms", "max_idle_connections", "health"});
  if (!map.ok()) return;
  map.requiredNonEmptyString("name", out.name);
  if (auto type = map.find("type")) {
    if (auto value = readString(diag, *type, map.pathOf("type"))) {
      if (*value == "static") {
        out.type = ClusterType::Static;
      } else if (*value == "echo") {
        out.type = ClusterType::Echo;
      } else {
        diag.fail(type->Mark(), map.pathOf("type") + ": unknown cluster type '" + *value +
                                    "'; expected one of: static, echo");
      }
    }
  }
  if (diag.failed()) return;

  const std::string endpoints_path = map.pathOf("endpoints");
  auto endpoints = map.find("endpoints");
  if (out.type == ClusterType::Echo) {
    if (endpoints) {
      diag.fail(endpoints->Mark(), endpoints_path +
                                       ": an echo cluster answers itself and "
                                       "must not have endpoints");
    }
  } else if (!endpoints) {
    diag.fail(map.mark(), "missing required key '" + endpoints_path +
                              "' (a static cluster "
                              "needs at least one endpoint)");
  } else {
    std::set<std::string, std::less<>> seen;
    auto checked = readStringList(
        diag, *endpoints, endpoints_path,
        [&](const YAML::Node& item, const std::string& item_path, const std::string& value) {
          if (!readAddress(diag, item, item_path, PortZero::kForbidden)) return false;
          if (!seen.insert(value).second) {
            diag.fail(item.Mark(), item_path + ": endpoint '" + value + "' is listed twice");
            return false;
          }
          return true;
        });
    if (checked && checked->empty()) {
      diag.fail(endpoints->Mark(), endpoints_path +
                                       ": a static cluster needs at least one "
                                       "endpoint");
    } else if (checked) {
      out.endpoints = std::move(*checked);
    }
  }

  map.uintInRange("connect_timeout_ms", out.connect_timeout_ms, 1, kOneHourMs);
  map.uintInRange("response_timeout_ms", out.response_timeout_ms, 1, kOneHourMs);
  map.uintInRange("idle_timeout_ms", out.idle_timeout_ms, 1, kOneHourMs);
  map.uintInRange("max_idle_connections", out.max_idle_connections, 0, 100'000);
  if (auto health = map.find("health")) readHealth(diag, *health, map.pathOf("health"), out.health);
}

void readClusters(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                  std::vector<ClusterConfig>& out) {
  forEachItem(diag, node, path, [&](const YAML::Node& item, const std::string& item_path) {
    ClusterConfig cluster;
    readCluster(diag, item, item_path, cluster);
    if (diag.failed()) return;
    for (const ClusterConfig& other : out) {
      if (other.name == cluster.name) {
        diag.fail(item["name"].Mark(),
                  item_path + ".name: duplicate cluster name '" + cluster.name + "'");
      }
    }
    out.push_back(std::move(cluster));
  });
}

// ---------------------------------------------------------------------------------------------
// WAF (libmodsecurity + CRS). Files are checked here so a wrong path points at its YAML line;
// whether their SecLang parses is checked when the snapshot compiles (proxy/config_snapshot.cpp).

bool checkReadableFile(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                       const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    diag.fail(node.Mark(), path + ": file '" + file + "' does not exist");
    return false;
  }
  if (!std::filesystem::is_regular_file(file, ec)) {
    diag.fail(node.Mark(), path + ": '" + file + "' is not a regular file");
    return false;
  }
  return true;
}

void readWafFile(Diagnostics& diag, MapReader& map, std::string_view key, std::string& out) {
  if (auto node = map.find(key)) {
    if (auto value = readNonEmptyString(diag, *node, map.pathOf(key))) {
      if (checkReadableFile(diag, *node, map.pathOf(key), *value)) out = *value;
    }
  }
}

void readWaf(Diagnostics& diag, const YAML::Node& node, const std::string& path, WafConfig& out) {
  MapReader map(diag, node, path,
                {"crs_path", "engine_compat", "crs_setup", "exclusions_before", "exclusions_after",
                 "response_body_mime_types", "inspection_threads", "inspection_light_threads",
                 "inspection_light_max_bytes", "inspection_queue",
                 "arguments_limit", "language_code_view"});
  if (!map.ok()) return;
  if (auto crs = map.find("crs_path")) {
    if (auto value = readNonEmptyString(diag, *crs, map.pathOf("crs_path"))) {
      std::error_code ec;
      if (!std::filesystem::is_directory(*value + "/rules", ec)) {
        diag.fail(crs->Mark(), map.pathOf("crs_path") + ": '" + *value +
                                   "' has no rules/ folder (expected a CRS checkout such as "
                                   "/usr/share/modsecurity-crs)");
      } else {
        out.crs_path = *value;
      }
    }
  }
  if (auto compat = map.find("engine_compat")) {
    // The one WAF file that may be switched off: "" loads none.
    if (compat->IsScalar() && compat->Scalar().empty()) {
      out.engine_compat.clear();
    } else {
      readWafFile(diag, map, "engine_compat", out.engine_compat);
    }
  }
  readWafFile(diag, map, "crs_setup", out.crs_setup);
  readWafFile(diag, map, "exclusions_before", out.exclusions_before);
  readWafFile(diag, map, "exclusions_after", out.exclusions_after);
  if (auto types = map.find("response_body_mime_types")) {
    auto checked = readStringList(
        diag, *types, map.pathOf("response_body_mime_types"),
        [&](const YAML::Node& item, const std::string& item_path, const std::string& value) {
          const bool ok = value.find('/') != std::string::npos &&
                          std::none_of(value.begin(), value.end(), [](unsigned char c) {
                            return c <= 0x20 || c >= 0x7F || c == '"' || c == '\\';
                          });
          if (!ok) diag.fail(item.Mark(), item_path + ": '" + value + "' is not a MIME type");
          return ok;
        });
    if (checked) out.response_body_mime_types = std::move(*checked);
  }
  map.uintInRange("inspection_threads", out.inspection_threads, 0, 1024);
  map.uintInRange("inspection_light_threads", out.inspection_light_threads, 0, 1024);
  map.uintInRange("inspection_light_max_bytes", out.inspection_light_max_bytes, 0, 1 << 20);
  map.uintInRange("inspection_queue", out.inspection_queue, 1, 1'000'000);
  map.uintInRange("arguments_limit", out.arguments_limit, 1, 100'000);
  map.boolean("language_code_view", out.language_code_view);
}

// One-of choices written as a table so the error lists what is allowed.
template <typename Enum>
void readChoice(Diagnostics& diag, MapReader& map, std::string_view key, Enum& out,
                std::initializer_list<std::pair<std::string_view, Enum>> choices) {
  auto node = map.find(key);
  if (!node) return;
  auto value = readString(diag, *node, map.pathOf(key));
  if (!value) return;
  std::vector<std::string_view> names;
  for (const auto& [name, choice] : choices) {
    if (*value == name) {
      out = choice;
      return;
    }
    names.push_back(name);
  }
  diag.fail(node->Mark(), map.pathOf(key) + ": unknown value '" + *value +
                              "'; expected one of: " + joinWords(names));
}

void readRouteWaf(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                  RouteWafConfig& out) {
  MapReader map(diag, node, path,
                {"mode", "paranoia_level", "inbound_anomaly_threshold",
                 "outbound_anomaly_threshold", "rule_files", "block_status",
                 "inspect_response_body"});
  if (!map.ok()) return;
  // YAML 1.1 reads a bare `off` as a boolean; yaml-cpp keeps the scalar text, so "off" works.
  readChoice(diag, map, "mode", out.mode,
             {{"off", WafMode::Off}, {"detect", WafMode::Detect}, {"block", WafMode::Block}});
  map.uintInRange("paranoia_level", out.paranoia_level, 1, 4);
  map.uintInRange("inbound_anomaly_threshold", out.inbound_anomaly_threshold, 1, 10'000);
  map.uintInRange("outbound_anomaly_threshold", out.outbound_anomaly_threshold, 1, 10'000);
  map.uintInRange("block_status", out.block_status, 400, 599);
  map.boolean("inspect_response_body", out.inspect_response_body);
  if (auto files = map.find("rule_files")) {
    auto checked = readStringList(
        diag, *files, map.pathOf("rule_files"),
        [&](const YAML::Node& item, const std::string& item_path, const std::string& value) {
          return checkReadableFile(diag, item, item_path, value);
        });
    if (checked) out.rule_files = std::move(*checked);
  }
}

// ---------------------------------------------------------------------------------------------
// Canonical request view and signatures (detectors/canonical/, detectors/signatures/).

constexpr std::uint64_t kMaxCanonicalBodyBytes = 1ULL << 30;  // 1 GiB: the view holds it in memory

std::string lowerCaseAscii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool isMediaTypeToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// "type/subtype" or "+suffix" (RFC 6839), stored lower-case.
bool isContentTypeKey(std::string_view s) {
  if (s.size() > 1 && s.front() == '+') return isMediaTypeToken(s.substr(1));
  const auto slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  return isMediaTypeToken(s.substr(0, slash)) && isMediaTypeToken(s.substr(slash + 1));
}

const std::vector<std::string_view> kBodyParsers = {"form", "urlencoded", "multipart", "json",
                                                    "xml",  "raw",        "reject"};

bool readParserName(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                    std::string& out) {
  auto value = readString(diag, node, path);
  if (!value) return false;
  if (std::find(kBodyParsers.begin(), kBodyParsers.end(), *value) == kBodyParsers.end()) {
    diag.fail(node.Mark(), path + ": unknown parser '" + *value +
                               "'; expected one of: " + joinWords(kBodyParsers));
    return false;
  }
  out = *value;
  return true;
}

void readStringChoice(Diagnostics& diag, MapReader& map, std::string_view key, std::string& out,
                      std::initializer_list<std::string_view> choices) {
  auto node = map.find(key);
  if (!node) return;
  auto value = readString(diag, *node, map.pathOf(key));
  if (!value) return;
  if (std::find(choices.begin(), choices.end(), *value) == choices.end()) {
    diag.fail(node->Mark(),
              map.pathOf(key) + ": unknown value '" + *value +
                  "'; expected one of: " + joinWords(std::vector<std::string_view>(choices)));
    return;
  }
  out = *value;
}

void readRouteCanonical(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                        RouteCanonicalConfig& out) {
  out.enabled = true;
  // `canonical: {}` switches the view on with every default.
  if (node.IsMap() && node.size() == 0) return;
  MapReader map(
      diag, node, path,
      {"methods", "content_types", "unlisted", "missing_content_type", "structured_text_plain",
       "charsets", "max_body_bytes", "oversize", "inspect_prefix_bytes", "encoded_slash",
       "backslash", "path_parameters", "duplicate_parameters", "json_duplicate_keys"});
  if (!map.ok()) return;
  if (auto methods = map.find("methods")) {
    auto checked = readStringList(
        diag, *methods, map.pathOf("methods"),
        [&](const YAML::Node& item, const std::string& item_path, std::string& value) {
          if (!isMediaTypeToken(value) || value.find('/') != std::string::npos) {
            diag.fail(item.Mark(), item_path + ": '" + value + "' is not a method");
            return false;
          }
          std::transform(value.begin(), value.end(), value.begin(),
                         [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
          return true;
        });
    if (checked && checked->empty()) {
      diag.fail(methods->Mark(),
                map.pathOf("methods") + ": needs at least one method (omit the key to allow any)");
    } else if (checked) {
      out.methods = std::move(*checked);
    }
  }
  if (auto types = map.find("content_types")) {
    const std::string types_path = map.pathOf("content_types");
    if (!types->IsMap() || types->size() == 0) {
      diag.fail(types->Mark(),
                types_path + ": expected a map of media type -> parser, got " + describe(*types));
      return;
    }
    std::vector<ContentTypeRule> rules;
    for (const auto& entry : *types) {
      if (!entry.first.IsScalar()) {
        diag.fail(entry.first.Mark(), types_path + ": a media type must be a string");
        return;
      }
      std::string media_type = lowerCaseAscii(entry.first.Scalar());
      const std::string item_path = types_path + "." + media_type;
      if (!isContentTypeKey(media_type)) {
        diag.fail(entry.first.Mark(),
                  item_path + ": '" + entry.first.Scalar() +
                      "' is not a media type (type/subtype or +suffix, no parameters)");
        return;
      }
      for (const auto& rule : rules) {
        if (rule.media_type == media_type) {
          diag.fail(entry.first.Mark(), types_path + ": duplicate media type '" + media_type + "'");
          return;
        }
      }
      ContentTypeRule rule;
      rule.media_type = media_type;
      if (!readParserName(diag, entry.second, item_path, rule.parser)) return;
      rules.push_back(std::move(rule));
    }
    out.content_types = std::move(rules);
  }
  if (auto unlisted = map.find("unlisted"))
    readParserName(diag, *unlisted, map.pathOf("unlisted"), out.unlisted);
  readStringChoice(diag, map, "missing_content_type", out.missing_content_type, {"reject", "raw"});
  map.boolean("structured_text_plain", out.structured_text_plain);
  if (auto charsets = map.find("charsets")) {
    auto checked = readStringList(
        diag, *charsets, map.pathOf("charsets"),
        [&](const YAML::Node& item, const std::string& item_path, std::string& value) {
          if (!isMediaTypeToken(value)) {
            diag.fail(item.Mark(), item_path + ": '" + value + "' is not a charset name");
            return false;
          }
          value = lowerCaseAscii(value);
          return true;
        });
    if (checked && checked->empty()) {
      diag.fail(charsets->Mark(), map.pathOf("charsets") + ": needs at least one charset");
    } else if (checked) {
      out.charsets = std::move(*checked);
    }
  }
  map.uintInRange("max_body_bytes", out.max_body_bytes, 0, kMaxCanonicalBodyBytes);
  if (auto oversize = map.find("oversize")) {
    if (auto value = readString(diag, *oversize, map.pathOf("oversize"))) {
      if (*value == "reject") {
        out.oversize = OversizeAction::Reject;
      } else if (*value == "inspect_prefix") {
        out.oversize = OversizeAction::InspectPrefix;
      } else {
        diag.fail(oversize->Mark(), map.pathOf("oversize") + ": unknown value '" + *value +
                                        "'; expected one of: reject, inspect_prefix");
      }
    }
  }
  map.uintInRange("inspect_prefix_bytes", out.inspect_prefix_bytes, 1, kMaxCanonicalBodyBytes);
  if (!diag.failed() && map.find("inspect_prefix_bytes") &&
      out.oversize != OversizeAction::InspectPrefix) {
    diag.fail(map.find("inspect_prefix_bytes")->Mark(),
              map.pathOf("inspect_prefix_bytes") + ": only with oversize: inspect_prefix");
  }
  readStringChoice(diag, map, "encoded_slash", out.encoded_slash, {"reject", "decode", "keep"});
  readStringChoice(diag, map, "backslash", out.backslash, {"reject", "slash"});
  readStringChoice(diag, map, "path_parameters", out.path_parameters, {"strip", "keep", "reject"});
  readStringChoice(diag, map, "duplicate_parameters", out.duplicate_parameters,
                   {"allow", "reject", "first", "last"});
  readStringChoice(diag, map, "json_duplicate_keys", out.json_duplicate_keys, {"reject", "allow"});
}

void readRouteSignatures(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                         RouteSignaturesConfig& out) {
  MapReader map(diag, node, path, {"mode", "paranoia_level"});
  if (!map.ok()) return;
  readChoice(diag, map, "mode", out.mode,
             {{"off", SignatureMode::Off}, {"detect", SignatureMode::Detect},
              {"block", SignatureMode::Block}});
  map.uintInRange("paranoia_level", out.paranoia_level, 1, 4);
}

void readSignatures(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                    SignaturesConfig& out) {
  MapReader map(diag, node, path, {"directory", "files"});
  if (!map.ok()) return;
  if (map.find("directory") && map.find("files")) {
    diag.fail(map.mark(), path + ": give either 'directory' or 'files', not both");
    return;
  }
  if (auto directory = map.find("directory")) {
    if (auto value = readNonEmptyString(diag, *directory, map.pathOf("directory"))) {
      std::error_code ec;
      if (!std::filesystem::is_directory(*value, ec)) {
        diag.fail(directory->Mark(),
                  map.pathOf("directory") + ": '" + *value + "' is not a directory");
      } else {
        out.directory = *value;
      }
    }
  }
  if (auto files = map.find("files")) {
    auto checked = readStringList(
        diag, *files, map.pathOf("files"),
        [&](const YAML::Node& item, const std::string& item_path, const std::string& value) {
          return checkReadableFile(diag, item, item_path, value);
        });
    if (checked && checked->empty()) {
      diag.fail(files->Mark(), map.pathOf("files") + ": needs at least one file");
    } else if (checked) {
      out.files = std::move(*checked);
    }
  }
}

void readBot(Diagnostics& diag, const YAML::Node& node, const std::string& path, BotConfig& out) {
  MapReader map(diag, node, path, {"behaviour", "verified_bots_file"});
  if (!map.ok()) return;
  if (auto file = map.find("verified_bots_file")) {
    if (auto value = readNonEmptyString(diag, *file, map.pathOf("verified_bots_file"))) {
      if (checkReadableFile(diag, *file, map.pathOf("verified_bots_file"), *value))
        out.verified_bots_file = *value;
    }
  }
  if (auto behaviour = map.find("behaviour")) {
    MapReader b(diag, *behaviour, map.pathOf("behaviour"),
                {"key", "store", "window_s", "max_clients", "max_requests_per_window",
                 "max_auth_attempts"});
    if (!b.ok()) return;
    readChoice(diag, b, "key", out.behaviour_key,
               {{"ip", BehaviourKey::ClientIp}, {"ip_ja4", BehaviourKey::ClientIpJa4}});
    readChoice(diag, b, "store", out.behaviour_store,
               {{"local", BehaviourStore::Local}, {"redis", BehaviourStore::Redis}});
    b.uintInRange("window_s", out.behaviour_window_s, 1, 86400);
    b.uintInRange("max_clients", out.behaviour_max_clients, 64, 10'000'000);
    b.uintInRange("max_requests_per_window", out.behaviour_max_requests_per_window, 1,
                  1'000'000'000);
    b.uintInRange("max_auth_attempts", out.behaviour_max_auth_attempts, 1, 1'000'000'000);
  }
}

// ---------------------------------------------------------------------------------------------
// Client intelligence (bot/; docs/bots.md). Files are checked for existence here so a wrong path
// points at its YAML line; whether they parse (list lines, mmdb format) is checked when the
// snapshot is built (bot/client_intel_stage.cpp), which is also what a reload does.

bool isPolicyName(std::string_view name);

constexpr std::size_t kMaxIpListCount = 64;  // bot/client_policy.h: one membership bit each
constexpr std::uint32_t kMaxAsn = 4'294'967'295U;

void readClientIntel(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                     ClientIntelConfig& out) {
  MapReader map(diag, node, path, {"geoip", "ip_lists", "reload_check_ms"});
  if (!map.ok()) return;
  out.configured = true;
  if (auto geoip = map.find("geoip")) {
    MapReader g(diag, *geoip, map.pathOf("geoip"), {"country_db", "asn_db"});
    readWafFile(diag, g, "country_db", out.geoip.country_db);
    readWafFile(diag, g, "asn_db", out.geoip.asn_db);
  }
  if (auto lists = map.find("ip_lists")) {
    const std::string lists_path = map.pathOf("ip_lists");
    if (!lists->IsMap()) {
      diag.fail(lists->Mark(), lists_path + ": expected a map of NAME: FILE, got " +
                                   describe(*lists));
      return;
    }
    for (const auto& entry : *lists) {
      const YAML::Node& key = entry.first;
      const std::string name = key.IsScalar() ? key.Scalar() : std::string();
      if (!isPolicyName(name)) {
        diag.fail(key.Mark(), lists_path + ": list name '" + name +
                                  "' must be 1..64 of A-Z a-z 0-9 _ - .");
        return;
      }
      const std::string item_path = lists_path + "." + name;
      for (const IpListConfig& other : out.ip_lists) {
        if (other.name == name) {
          diag.fail(key.Mark(), item_path + ": duplicate list name");
          return;
        }
      }
      if (out.ip_lists.size() == kMaxIpListCount) {
        diag.fail(key.Mark(), item_path + ": at most " + std::to_string(kMaxIpListCount) +
                                  " IP lists");
        return;
      }
      auto file = readNonEmptyString(diag, entry.second, item_path);
      if (!file || !checkReadableFile(diag, entry.second, item_path, *file)) return;
      out.ip_lists.push_back({name, *file});
    }
  }
  map.uintInRange("reload_check_ms", out.reload_check_ms, 0, kOneHourMs);
}

// A list of names of client_intel.ip_lists; an unknown one is refused with the nearest name.
std::vector<std::string> readListNames(Diagnostics& diag, const YAML::Node& node,
                                       const std::string& path,
                                       const std::vector<IpListConfig>& lists) {
  std::vector<std::string_view> known;
  for (const IpListConfig& list : lists) known.push_back(list.name);
  auto checked = readStringList(
      diag, node, path,
      [&](const YAML::Node& item, const std::string& item_path, const std::string& value) {
        if (std::find(known.begin(), known.end(), value) != known.end()) return true;
        std::string message = item_path + ": unknown IP list '" + value + "'";
        if (known.empty()) {
          message += " (client_intel.ip_lists defines none)";
        } else {
          message += "; defined in client_intel.ip_lists: " + joinWords(known);
          if (auto hint = closestWord(value, known))
            message += " (did you mean '" + std::string(*hint) + "'?)";
        }
        diag.fail(item.Mark(), message);
        return false;
      });
  return checked ? std::move(*checked) : std::vector<std::string>();
}

// ISO 3166-1 alpha-2 codes, as the databases write them: upper-case (lower-case is accepted).
std::vector<std::string> readCountries(Diagnostics& diag, const YAML::Node& node,
                                       const std::string& path) {
  auto checked = readStringList(
      diag, node, path,
      [&](const YAML::Node& item, const std::string& item_path, const std::string& value) {
        const bool ok = value.size() == 2 && std::all_of(value.begin(), value.end(), [](char c) {
                          return std::isalpha(static_cast<unsigned char>(c)) != 0;
                        });
        if (!ok) {
          diag.fail(item.Mark(), item_path + ": '" + value +
                                     "' is not a two-letter ISO 3166-1 country code "
                                     "(unknown countries: use unknown_country)");
        }
        return ok;
      });
  if (!checked) return {};
  for (std::string& code : *checked) {
    for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return std::move(*checked);
}

std::vector<std::uint32_t> readAsns(Diagnostics& diag, const YAML::Node& node,
                                    const std::string& path) {
  std::vector<std::uint32_t> asns;
  forEachItem(diag, node, path, [&](const YAML::Node& item, const std::string& item_path) {
    // "AS13335" (as registries and GeoIP tools write it) or 13335.
    if (item.IsScalar() && item.Scalar().size() > 2 &&
        (item.Scalar().starts_with("AS") || item.Scalar().starts_with("as"))) {
      const std::string digits = item.Scalar().substr(2);
      const bool numeric = digits.size() <= 10 &&
                           std::all_of(digits.begin(), digits.end(),
                                       [](unsigned char c) { return std::isdigit(c) != 0; });
      const std::uint64_t value = numeric ? std::stoull(digits) : 0;
      if (!numeric || value < 1 || value > kMaxAsn) {
        diag.fail(item.Mark(), item_path + ": '" + item.Scalar() +
                                   "' is not an AS number (1.." + std::to_string(kMaxAsn) +
                                   ", optionally written AS13335)");
        return;
      }
      asns.push_back(static_cast<std::uint32_t>(value));
      return;
    }
    if (auto value = readUint(diag, item, item_path, 1, kMaxAsn))
      asns.push_back(static_cast<std::uint32_t>(*value));
  });
  return asns;
}

void readRouteBot(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                  const std::vector<IpListConfig>& ip_lists, RouteBotConfig& out) {
  MapReader map(diag, node, path,
                {"mode", "block_below", "challenge_below", "log_below", "block_categories",
                 "allow_lists"});
  if (!map.ok()) return;
  readChoice(diag, map, "mode", out.mode,
             {{"off", BotMode::Off}, {"detect", BotMode::Detect}, {"block", BotMode::Block}});
  map.uintInRange("block_below", out.block_below, 0, 100);
  map.uintInRange("challenge_below", out.challenge_below, 0, 100);
  map.uintInRange("log_below", out.log_below, 0, 100);
  if (auto categories = map.find("block_categories")) {
    static const std::vector<std::string_view> kCategories = {
        "automated", "likely_automated", "fake_crawler", "verified_bot", "likely_human"};
    auto checked = readStringList(
        diag, *categories, map.pathOf("block_categories"),
        [&](const YAML::Node& item, const std::string& item_path, const std::string& value) {
          if (std::find(kCategories.begin(), kCategories.end(), value) != kCategories.end())
            return true;
          std::string message = item_path + ": unknown bot category '" + value +
                                "'; expected one of: " + joinWords(kCategories);
          if (auto hint = closestWord(value, kCategories))
            message += " (did you mean '" + std::string(*hint) + "'?)";
          diag.fail(item.Mark(), message);
          return false;
        });
    if (checked) out.block_categories = std::move(*checked);
  }
  if (auto lists = map.find("allow_lists"))
    out.allow_lists = readListNames(diag, *lists, map.pathOf("allow_lists"), ip_lists);
}

void readRouteClientPolicy(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                           const std::vector<IpListConfig>& lists, RouteClientPolicyConfig& out) {
  MapReader map(diag, node, path,
                {"mode", "allow_lists", "deny_lists", "challenge_lists", "allow_countries",
                 "deny_countries", "challenge_countries", "unknown_country", "deny_asns",
                 "challenge_asns"});
  if (!map.ok()) return;
  out.configured = true;
  readChoice(diag, map, "mode", out.mode,
             {{"block", ClientPolicyMode::Block}, {"detect", ClientPolicyMode::Detect}});
  for (auto [key, target] : {std::pair{"allow_lists", &out.allow_lists},
                             std::pair{"deny_lists", &out.deny_lists},
                             std::pair{"challenge_lists", &out.challenge_lists}}) {
    if (auto names = map.find(key)) *target = readListNames(diag, *names, map.pathOf(key), lists);
  }
  for (auto [key, target] : {std::pair{"allow_countries", &out.allow_countries},
                             std::pair{"deny_countries", &out.deny_countries},
                             std::pair{"challenge_countries", &out.challenge_countries}}) {
    if (auto codes = map.find(key)) *target = readCountries(diag, *codes, map.pathOf(key));
  }
  readChoice(diag, map, "unknown_country", out.unknown_country,
             {{"allow", UnknownCountryAction::Allow}, {"deny", UnknownCountryAction::Deny},
              {"challenge", UnknownCountryAction::Challenge}});
  if (auto unknown = map.find("unknown_country"); unknown && out.allow_countries.empty()) {
    diag.fail(unknown->Mark(), map.pathOf("unknown_country") +
                                   ": only applies with allow_countries (a client of unknown "
                                   "country is in no deny or challenge list)");
  }
  if (auto asns = map.find("deny_asns")) out.deny_asns = readAsns(diag, *asns, map.pathOf("deny_asns"));
  if (auto asns = map.find("challenge_asns"))
    out.challenge_asns = readAsns(diag, *asns, map.pathOf("challenge_asns"));
}

// ---------------------------------------------------------------------------------------------
// Challenge (bot/challenge_stage.h; docs/bots.md "Challenge").

constexpr std::size_t kMaxChallengeKeys = 8;
constexpr std::size_t kMinChallengeSecretBytes = 32;  // bot::kMinChallengeSecretBytes
constexpr std::uintmax_t kMaxChallengeSecretFileBytes = 4096;

bool isChallengeKeyIdText(std::string_view id) {
  return !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '-';
  });
}

// A cookie name as RFC 6265 allows it, kept to the characters nobody quotes.
bool isCookieName(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) {
           return std::isalnum(c) != 0 || c == '_' || c == '-' || c == '.';
         });
}

// The secret's bytes: `secret` inline, or `secret_file` read now (one trailing newline dropped,
// as editors add one), so a reload picks up a rotated file.
void readChallengeKey(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                      ChallengeKeyConfig& out) {
  MapReader map(diag, node, path, {"id", "secret", "secret_file"});
  if (!map.ok()) return;
  if (auto id = map.require("id")) {
    if (auto value = readNonEmptyString(diag, *id, map.pathOf("id"))) {
      if (!isChallengeKeyIdText(*value)) {
        diag.fail(id->Mark(), map.pathOf("id") + ": '" + *value +
                                  "' is not a key id ([A-Za-z0-9_-], at most 32 characters)");
        return;
      }
      out.id = *value;
    }
  }
  const auto inline_secret = map.find("secret");
  const auto secret_file = map.find("secret_file");
  if (inline_secret.has_value() == secret_file.has_value()) {
    diag.fail(map.mark(), path + ": give exactly one of 'secret' or 'secret_file'");
    return;
  }
  YAML::Mark mark = map.mark();
  if (inline_secret) {
    mark = inline_secret->Mark();
    if (auto value = readString(diag, *inline_secret, map.pathOf("secret"))) out.secret = *value;
  } else {
    mark = secret_file->Mark();
    auto file = readNonEmptyString(diag, *secret_file, map.pathOf("secret_file"));
    if (!file || !checkReadableFile(diag, *secret_file, map.pathOf("secret_file"), *file)) return;
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(*file, ec);
    if (ec || size > kMaxChallengeSecretFileBytes) {
      diag.fail(mark, map.pathOf("secret_file") + ": '" + *file +
                          "' cannot be read or is larger than 4096 bytes");
      return;
    }
    std::ifstream in(*file, std::ios::binary);
    out.secret.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) {
      diag.fail(mark, map.pathOf("secret_file") + ": '" + *file + "' cannot be read");
      return;
    }
    if (!out.secret.empty() && out.secret.back() == '\n') out.secret.pop_back();
    if (!out.secret.empty() && out.secret.back() == '\r') out.secret.pop_back();
  }
  if (diag.failed()) return;
  if (out.secret.size() < kMinChallengeSecretBytes) {
    diag.fail(mark, path + ": the secret has " + std::to_string(out.secret.size()) +
                        " bytes; at least 32 are needed (e.g. `openssl rand -base64 32`)");
  }
}

void readChallenge(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                   ChallengeConfig& out) {
  out.configured = true;  // `challenge: {}`: every default and the per-process key
  MapReader map(diag, node, path,
                {"keys", "difficulty_bits", "cookie_name", "cookie_ttl_s", "token_ttl_s",
                 "ipv4_prefix", "ipv6_prefix", "path"});
  if (!map.ok()) return;
  if (auto keys = map.find("keys")) {
    forEachItem(diag, *keys, map.pathOf("keys"),
                [&](const YAML::Node& item, const std::string& item_path) {
                  ChallengeKeyConfig key;
                  readChallengeKey(diag, item, item_path, key);
                  if (diag.failed()) return;
                  for (const ChallengeKeyConfig& other : out.keys) {
                    if (other.id == key.id) {
                      diag.fail(item.Mark(), item_path + ".id: duplicate key id '" + key.id + "'");
                      return;
                    }
                  }
                  out.keys.push_back(std::move(key));
                });
    if (diag.failed()) return;
    if (out.keys.empty()) {
      diag.fail(keys->Mark(), map.pathOf("keys") +
                                  ": needs at least one key (or leave `keys` out for a random "
                                  "per-process key)");
    } else if (out.keys.size() > kMaxChallengeKeys) {
      diag.fail(keys->Mark(), map.pathOf("keys") + ": at most 8 keys");
    }
  }
  // 4..28 bits: below 4 anything passes at once; 2^28 SHA-256 rounds take a browser minutes.
  map.uintInRange("difficulty_bits", out.difficulty_bits, 4, 28);
  if (auto name = map.find("cookie_name")) {
    if (auto value = readNonEmptyString(diag, *name, map.pathOf("cookie_name"))) {
      if (!isCookieName(*value)) {
        diag.fail(name->Mark(), map.pathOf("cookie_name") + ": '" + *value +
                                    "' is not a cookie name ([A-Za-z0-9_.-], at most 64)");
      } else {
        out.cookie_name = *value;
      }
    }
  }
  map.uintInRange("cookie_ttl_s", out.cookie_ttl_s, 1, 30 * 86'400);
  map.uintInRange("token_ttl_s", out.token_ttl_s, 1, 3'600);
  map.uintInRange("ipv4_prefix", out.ipv4_prefix, 1, 32);
  map.uintInRange("ipv6_prefix", out.ipv6_prefix, 1, 128);
  if (auto solve_path = map.find("path")) {
    if (auto value = readString(diag, *solve_path, map.pathOf("path"))) {
      const bool ok = value->size() > 1 && value->front() == '/' &&
                      value->find_first_of("?#% \t") == std::string::npos;
      if (!ok) {
        diag.fail(solve_path->Mark(), map.pathOf("path") +
                                          ": must be a plain path starting with '/' (no query, "
                                          "no escapes), got '" +
                                          *value + "'");
      } else {
        out.path = *value;
      }
    }
  }
}

void readRouteChallenge(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                        RouteChallengeConfig& out) {
  MapReader map(diag, node, path, {"mode"});
  if (!map.ok()) return;
  readChoice(diag, map, "mode", out.mode,
             {{"off", ChallengeMode::Off},
              {"on_request", ChallengeMode::OnRequest},
              {"always", ChallengeMode::Always}});
}

// `path_prefix` of a route or a rate-limit match: a path, so it starts with '/'.
void readPathPrefix(Diagnostics& diag, MapReader& map, std::string& out) {
  auto prefix = map.find("path_prefix");
  if (!prefix) return;
  if (auto value = readString(diag, *prefix, map.pathOf("path_prefix"))) {
    if (value->empty() || value->front() != '/') {
      diag.fail(prefix->Mark(),
                map.pathOf("path_prefix") + ": must start with '/', got '" + *value + "'");
    } else {
      out = *value;
    }
  }
}

void readRoute(Diagnostics& diag, const YAML::Node& node, const std::string& path,
               const std::vector<ClusterConfig>& clusters, const ClientIntelConfig& client_intel,
               RouteConfig& out) {
  MapReader map(diag, node, path,
                {"name", "hosts", "path_prefix", "cluster", "max_body_bytes", "waf", "canonical",
                 "signatures", "bot", "client_policy",
                 "challenge"});
  if (!map.ok()) return;
  map.requiredNonEmptyString("name", out.name);
  if (auto hosts = map.find("hosts")) {
    auto checked = readStringList(
        diag, *hosts, map.pathOf("hosts"),
        [&](const YAML::Node& item, const std::string& item_path, std::string& host) {
          return checkHostPattern(diag, item, item_path, host, CatchAll::kAllowed);
        });
    if (checked && checked->empty()) {
      diag.fail(hosts->Mark(), map.pathOf("hosts") +
                                   ": needs at least one entry (use \"*\" "
                                   "for any host)");
    } else if (checked) {
      out.hosts = std::move(*checked);
    }
  }
  readPathPrefix(diag, map, out.path_prefix);
  if (auto cluster = map.require("cluster")) {
    if (auto value = readNonEmptyString(diag, *cluster, map.pathOf("cluster"))) {
      const bool known = std::any_of(clusters.begin(), clusters.end(),
                                     [&](const ClusterConfig& c) { return c.name == *value; });
      if (!known) {
        diag.fail(cluster->Mark(), map.pathOf("cluster") + ": route '" + out.name +
                                       "' refers to unknown cluster '" + *value + "'");
      }
      out.cluster = *value;
    }
  }
  map.uintInRange("max_body_bytes", out.max_body_bytes, 0, kTiB);
  if (auto waf = map.find("waf")) readRouteWaf(diag, *waf, map.pathOf("waf"), out.waf);
  if (auto canonical = map.find("canonical"))
    readRouteCanonical(diag, *canonical, map.pathOf("canonical"), out.canonical);
  if (auto signatures = map.find("signatures"))
    readRouteSignatures(diag, *signatures, map.pathOf("signatures"), out.signatures);
  if (auto bot = map.find("bot"))
    readRouteBot(diag, *bot, map.pathOf("bot"), client_intel.ip_lists, out.bot);
  if (auto policy = map.find("client_policy"))
    readRouteClientPolicy(diag, *policy, map.pathOf("client_policy"), client_intel.ip_lists,
                          out.client_policy);
  if (auto challenge = map.find("challenge"))
    readRouteChallenge(diag, *challenge, map.pathOf("challenge"), out.challenge);
}

void readRoutes(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                const std::vector<ClusterConfig>& clusters, const ClientIntelConfig& client_intel,
                std::vector<RouteConfig>& out) {
  forEachItem(diag, node, path, [&](const YAML::Node& item, const std::string& item_path) {
    RouteConfig route;
    readRoute(diag, item, item_path, clusters, client_intel, route);
    if (diag.failed()) return;
    for (const RouteConfig& other : out) {
      if (other.name == route.name) {
        diag.fail(item["name"].Mark(),
                  item_path + ".name: duplicate route name '" + route.name + "'");
      }
    }
    out.push_back(std::move(route));
  });
  if (!diag.failed() && out.empty()) {
    diag.fail(node.Mark(), path + ": needs at least one route");
  }
}

// ---------------------------------------------------------------------------------------------
// Rate limits (state/; docs/rate-limits.md).

constexpr std::size_t kMaxRateLimitRules = 64;
constexpr std::size_t kMaxKeyParts = 8;
constexpr std::uint64_t kMaxRateLimit = 1'000'000'000;
constexpr std::uint64_t kMaxLeaseAdmissions = 10'000;
constexpr std::uint64_t kMaxLeaseTtlMs = 60'000;
constexpr std::uint32_t kOneDayMs = 86'400'000;

bool isPolicyName(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '_' || c == '-' || c == '.';
         });
}

bool isHeaderName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                                  std::string_view::npos;
  });
}

std::string lowerCase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void readConditions(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                    bool header_names, std::vector<RateLimitCondition>& out) {
  forEachItem(diag, node, path, [&](const YAML::Node& item, const std::string& item_path) {
    MapReader map(diag, item, item_path, {"name", "equals"});
    if (!map.ok()) return;
    RateLimitCondition condition;
    map.requiredNonEmptyString("name", condition.name);
    if (header_names) {
      if (!diag.failed() && !isHeaderName(condition.name)) {
        diag.fail(item.Mark(), item_path + ".name: '" + condition.name + "' is not a header name");
      }
      condition.name = lowerCase(condition.name);
    }
    if (auto equals = map.find("equals")) {
      if (auto value = readString(diag, *equals, map.pathOf("equals"))) {
        condition.has_equals = true;
        condition.equals = *value;
      }
    }
    out.push_back(std::move(condition));
  });
}

void readRateLimitMatch(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                        const std::vector<RouteConfig>& routes, RateLimitMatch& out) {
  MapReader map(diag, node, path,
                {"routes", "methods", "path_prefix", "headers", "query", "bot_score_below"});
  if (!map.ok()) return;
  map.uintInRange("bot_score_below", out.bot_score_below, 1, 100);
  if (auto list = map.find("routes")) {
    auto checked = readStringList(
        diag, *list, map.pathOf("routes"),
        [&](const YAML::Node& item, const std::string& item_path, const std::string& value) {
          const bool known = std::any_of(routes.begin(), routes.end(),
                                         [&](const RouteConfig& r) { return r.name == value; });
          if (!known) diag.fail(item.Mark(), item_path + ": unknown route '" + value + "'");
          return known;
        });
    if (checked) out.routes = std::move(*checked);
  }
  if (auto list = map.find("methods")) {
    auto checked = readStringList(
        diag, *list, map.pathOf("methods"),
        [&](const YAML::Node& item, const std::string& item_path, const std::string& value) {
          const bool ok = isHeaderName(value);
          if (!ok) diag.fail(item.Mark(), item_path + ": '" + value + "' is not a method");
          return ok;
        });
    if (checked) {
      for (auto& method : *checked)
        std::transform(method.begin(), method.end(), method.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      out.methods = std::move(*checked);
    }
  }
  readPathPrefix(diag, map, out.path_prefix);
  if (auto list = map.find("headers")) readConditions(diag, *list, map.pathOf("headers"), true, out.headers);
  if (auto list = map.find("query")) readConditions(diag, *list, map.pathOf("query"), false, out.query);
}

void readKeyPart(Diagnostics& diag, const YAML::Node& item, const std::string& path,
                 RateLimitKeyPart& out) {
  if (item.IsScalar()) {
    const std::string& name = item.Scalar();
    if (name == "client_ip") {
      out.kind = RateLimitKeyPartKind::ClientIp;
    } else if (name == "ip_prefix") {
      out.kind = RateLimitKeyPartKind::IpPrefix;
    } else if (name == "route") {
      out.kind = RateLimitKeyPartKind::Route;
    } else if (name == "country") {
      out.kind = RateLimitKeyPartKind::Country;
    } else if (name == "asn") {
      out.kind = RateLimitKeyPartKind::Asn;
    } else if (name == "ja4") {
      out.kind = RateLimitKeyPartKind::Ja4;
    } else if (name == "header" || name == "cookie" || name == "query") {
      diag.fail(item.Mark(), path + ": key part '" + name + "' needs a name: {" + name + ": NAME}");
    } else {
      diag.fail(item.Mark(), path + ": unknown key part '" + name +
                                 "'; expected one of: client_ip, ip_prefix, route, country, asn, "
                                 "ja4, {header: NAME}, "
                                 "{cookie: NAME}, {query: NAME}, {ip_prefix: {ipv4: N, ipv6: N}}");
    }
    return;
  }
  MapReader map(diag, item, path, {"header", "cookie", "query", "ip_prefix"});
  if (!map.ok()) return;
  if (item.size() != 1) {
    diag.fail(item.Mark(), path + ": a key part is one of header, cookie, query or ip_prefix");
    return;
  }
  if (auto prefix = map.find("ip_prefix")) {
    out.kind = RateLimitKeyPartKind::IpPrefix;
    MapReader bits(diag, *prefix, map.pathOf("ip_prefix"), {"ipv4", "ipv6"});
    bits.uintInRange("ipv4", out.ipv4_prefix, 1, 32);
    bits.uintInRange("ipv6", out.ipv6_prefix, 1, 128);
    return;
  }
  for (auto [key, kind] : {std::pair{"header", RateLimitKeyPartKind::Header},
                           std::pair{"cookie", RateLimitKeyPartKind::Cookie},
                           std::pair{"query", RateLimitKeyPartKind::Query}}) {
    if (auto node = map.find(key)) {
      out.kind = kind;
      if (auto value = readNonEmptyString(diag, *node, map.pathOf(key))) {
        if (kind == RateLimitKeyPartKind::Header && !isHeaderName(*value)) {
          diag.fail(node->Mark(), map.pathOf(key) + ": '" + *value + "' is not a header name");
        }
        out.name = kind == RateLimitKeyPartKind::Header ? lowerCase(*value) : *value;
      }
    }
  }
}

void readRateLimitRule(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                       const std::vector<RouteConfig>& routes, RateLimitRuleConfig& out) {
  MapReader map(diag, node, path,
                {"name", "match", "key", "limit", "window_ms", "algorithm", "burst", "action",
                 "store", "on_store_failure", "lease_max", "lease_ttl_ms"});
  if (!map.ok()) return;
  map.requiredNonEmptyString("name", out.name);
  if (!diag.failed() && !isPolicyName(out.name)) {
    diag.fail(map.find("name")->Mark(), map.pathOf("name") + ": '" + out.name +
                                             "' must be 1..64 of A-Z a-z 0-9 _ - . (it is the "
                                             "RateLimit-Policy name)");
  }
  if (auto match = map.find("match")) readRateLimitMatch(diag, *match, map.pathOf("match"), routes, out.match);
  if (auto key = map.require("key")) {
    forEachItem(diag, *key, map.pathOf("key"), [&](const YAML::Node& item, const std::string& p) {
      RateLimitKeyPart part;
      readKeyPart(diag, item, p, part);
      out.key.push_back(std::move(part));
    });
    if (!diag.failed() && (out.key.empty() || out.key.size() > kMaxKeyParts)) {
      diag.fail(key->Mark(), map.pathOf("key") + ": needs 1.." + std::to_string(kMaxKeyParts) +
                                 " parts");
    }
  }
  if (auto limit = map.require("limit")) {
    if (auto value = readUint(diag, *limit, map.pathOf("limit"), 1, kMaxRateLimit)) out.limit = *value;
  }
  if (auto window = map.require("window_ms")) {
    if (auto value = readUint(diag, *window, map.pathOf("window_ms"), 1, kOneDayMs))
      out.window_ms = static_cast<std::uint32_t>(*value);
  }
  readChoice(diag, map, "algorithm", out.algorithm,
             {{"sliding_window", RateLimitAlgorithm::SlidingWindow},
              {"gcra", RateLimitAlgorithm::Gcra}});
  if (auto burst = map.find("burst")) {
    if (out.algorithm != RateLimitAlgorithm::Gcra) {
      diag.fail(burst->Mark(), map.pathOf("burst") + ": only the gcra algorithm has a burst");
    } else if (auto value = readUint(diag, *burst, map.pathOf("burst"), 1, kMaxRateLimit)) {
      out.burst = *value;
    }
  }
  readChoice(diag, map, "action", out.action,
             {{"reject", RateLimitAction::Reject},
              {"log", RateLimitAction::Log},
              {"challenge", RateLimitAction::Challenge}});
  readChoice(diag, map, "store", out.store,
             {{"local", RateLimitStore::Local}, {"redis", RateLimitStore::Redis}});
  readChoice(diag, map, "on_store_failure", out.on_store_failure,
             {{"fail_open", StoreFailurePolicy::FailOpen},
              {"fail_closed", StoreFailurePolicy::FailClosed}});
  // Quota leases (state/quota_leases.h): a Redis call may reserve up to lease_max admissions.
  if (auto lease = map.find("lease_max")) {
    if (out.store != RateLimitStore::Redis) {
      diag.fail(lease->Mark(), map.pathOf("lease_max") +
                                   ": leases reserve admissions in Redis; this rule's store is "
                                   "local, which needs no round trip to save");
    } else if (auto value =
                   readUint(diag, *lease, map.pathOf("lease_max"), 1, kMaxLeaseAdmissions)) {
      out.lease_max = *value;
    }
  }
  if (auto ttl = map.find("lease_ttl_ms")) {
    if (out.lease_max <= 1) {
      diag.fail(ttl->Mark(), map.pathOf("lease_ttl_ms") + ": needs lease_max above 1");
    } else if (auto value = readUint(diag, *ttl, map.pathOf("lease_ttl_ms"), 1, kMaxLeaseTtlMs)) {
      out.lease_ttl_ms = static_cast<std::uint32_t>(*value);
    }
  }
}

void readRedis(Diagnostics& diag, const YAML::Node& node, const std::string& path,
               RedisConfig& out) {
  MapReader map(diag, node, path,
                {"address", "replicas", "cluster_nodes", "username", "password", "database",
                 "timeout_ms", "connect_timeout_ms", "max_pending", "breaker", "tls"});
  if (!map.ok()) return;
  out.configured = true;
  auto address = map.find("address");
  auto nodes = map.find("cluster_nodes");
  if ((address.has_value()) == (nodes.has_value())) {
    diag.fail(map.mark(), path + ": needs exactly one of 'address' (one server) or "
                                 "'cluster_nodes' (Redis Cluster seed nodes)");
    return;
  }
  if (address) {
    if (auto parsed = readAddress(diag, *address, map.pathOf("address"), PortZero::kForbidden)) {
      out.address = address->Scalar();
      out.host = std::move(parsed->host);
      out.port = parsed->port;
    }
  }
  if (auto replicas = map.find("replicas")) {
    if (!address) {
      diag.fail(replicas->Mark(), map.pathOf("replicas") +
                                      ": replicas belong to one primary 'address' (a Redis "
                                      "Cluster finds its replicas itself)");
    } else if (!replicas->IsSequence() || replicas->size() == 0 || replicas->size() > 8) {
      diag.fail(replicas->Mark(),
                map.pathOf("replicas") + ": needs a list of 1 to 8 host:port addresses");
    } else {
      for (std::size_t i = 0; i < replicas->size(); ++i) {
        const YAML::Node item = (*replicas)[i];
        const std::string item_path = map.pathOf("replicas") + "[" + std::to_string(i) + "]";
        if (auto parsed = readAddress(diag, item, item_path, PortZero::kForbidden)) {
          RedisEndpoint endpoint{item.Scalar(), std::move(parsed->host), parsed->port};
          if (endpoint.address == out.address) {
            diag.fail(item.Mark(), item_path + ": the primary 'address' again");
            continue;
          }
          for (const RedisEndpoint& other : out.replicas) {
            if (other.address == endpoint.address)
              diag.fail(item.Mark(), item_path + ": listed twice");
          }
          out.replicas.push_back(std::move(endpoint));
        }
      }
    }
  }
  if (nodes) {
    auto checked = readStringList(
        diag, *nodes, map.pathOf("cluster_nodes"),
        [&](const YAML::Node& item, const std::string& item_path, const std::string&) {
          return readAddress(diag, item, item_path, PortZero::kForbidden).has_value();
        });
    if (checked && checked->empty()) {
      diag.fail(nodes->Mark(), map.pathOf("cluster_nodes") + ": needs at least one node");
    } else if (checked) {
      out.cluster_nodes = std::move(*checked);
    }
  }
  map.string("username", out.username);
  map.string("password", out.password);
  if (!out.username.empty() && out.password.empty()) {
    diag.fail(map.mark(), path + ": 'username' needs a 'password' (Redis AUTH user password)");
  }
  map.uintInRange("database", out.database, 0, 15);
  if (!out.cluster_nodes.empty() && out.database != 0) {
    diag.fail(map.mark(), path + ": a Redis Cluster has only database 0");
  }
  map.uintInRange("timeout_ms", out.timeout_ms, 1, 60'000);
  map.uintInRange("connect_timeout_ms", out.connect_timeout_ms, 1, 60'000);
  map.uintInRange("max_pending", out.max_pending, 1, 1'000'000);
  if (auto breaker = map.find("breaker")) {
    MapReader b(diag, *breaker, map.pathOf("breaker"), {"failures", "open_ms"});
    b.uintInRange("failures", out.breaker.failures, 1, 1'000'000);
    b.uintInRange("open_ms", out.breaker.open_ms, 1, kOneHourMs);
  }
  if (auto tls = map.find("tls")) {
    MapReader t(diag, *tls, map.pathOf("tls"),
                {"ca_file", "cert_file", "key_file", "server_name", "verify"});
    if (t.ok()) {
      out.tls.enabled = true;
      t.string("ca_file", out.tls.ca_file);
      t.string("cert_file", out.tls.cert_file);
      t.string("key_file", out.tls.key_file);
      t.string("server_name", out.tls.server_name);
      t.boolean("verify", out.tls.verify);
      if (out.tls.cert_file.empty() != out.tls.key_file.empty()) {
        diag.fail(t.mark(), map.pathOf("tls") + ": 'cert_file' and 'key_file' go together");
      }
      for (const auto& [key, file] : {std::pair{"ca_file", &out.tls.ca_file},
                                      std::pair{"cert_file", &out.tls.cert_file},
                                      std::pair{"key_file", &out.tls.key_file}}) {
        std::error_code ec;
        if (file->empty()) continue;
        if (!std::filesystem::is_regular_file(*file, ec) || !std::ifstream(*file).is_open()) {
          diag.fail(t.find(key)->Mark(),
                    t.pathOf(key) + ": file '" + *file + "' does not exist or is not readable");
        }
      }
    }
  }}

void readRateLimits(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                    const std::vector<RouteConfig>& routes, RateLimitsConfig& out) {
  MapReader map(diag, node, path,
                {"local_max_keys", "expected_instances", "over_limit_cache_keys",
                 "response_headers", "redis", "rules"});
  if (!map.ok()) return;
  map.uintInRange("local_max_keys", out.local_max_keys, 64, 100'000'000);
  map.uintInRange("expected_instances", out.expected_instances, 1, 10'000);
  map.uintInRange("over_limit_cache_keys", out.over_limit_cache_keys, 0, 10'000'000);
  map.boolean("response_headers", out.response_headers);
  if (auto redis = map.find("redis")) readRedis(diag, *redis, map.pathOf("redis"), out.redis);
  if (auto rules = map.find("rules")) {
    forEachItem(diag, *rules, map.pathOf("rules"), [&](const YAML::Node& item, const std::string& p) {
      RateLimitRuleConfig rule;
      readRateLimitRule(diag, item, p, routes, rule);
      if (diag.failed()) return;
      for (const auto& other : out.rules) {
        if (other.name == rule.name) {
          diag.fail(item["name"].Mark(), p + ".name: duplicate rule name '" + rule.name + "'");
          return;
        }
      }
      if (rule.store == RateLimitStore::Redis && !out.redis.configured) {
        diag.fail(item["store"].Mark(),
                  p + ".store: 'redis' needs a 'rate_limits.redis' section with its address");
        return;
      }
      // The Redis script computes in Lua doubles: exact while limit * window_us < 2^53.
      const long double product = static_cast<long double>(rule.limit) * rule.window_ms * 1000.0L;
      if (rule.store == RateLimitStore::Redis && product >= 9007199254740992.0L) {
        diag.fail(item["limit"].Mark(), p + ": limit * window_ms * 1000 must stay below 2^53 for "
                                            "the redis store (shorten the window or the limit)");
        return;
      }
      if (out.rules.size() == kMaxRateLimitRules) {
        diag.fail(item.Mark(), p + ": at most " + std::to_string(kMaxRateLimitRules) + " rules");
        return;
      }
      out.rules.push_back(std::move(rule));
    });
  }
}

void readConfig(Diagnostics& diag, const YAML::Node& root, Config& config) {
  MapReader top(diag, root, "",
                {"workers", "listeners", "admin", "limits", "decision_log", "forwarding",
                 "clusters", "routes", "waf", "rate_limits", "signatures", "bot",
                 "client_intel", "challenge"});
  if (!top.ok()) return;
  top.uintInRange("workers", config.workers, 0, kMaxWorkers);
  if (auto node = top.require("listeners")) {
    readListeners(diag, *node, "listeners", config.listeners);
  }
  if (auto node = top.find("admin"))
    readAdmin(diag, *node, "admin", config.listeners, config.admin);
  if (auto node = top.find("limits")) readLimits(diag, *node, "limits", config.limits);
  if (auto node = top.find("decision_log")) {
    readDecisionLog(diag, *node, "decision_log", config.decision_log);
  }
  if (auto node = top.find("forwarding")) {
    readForwarding(diag, *node, "forwarding", config.forwarding);
  }
  if (auto node = top.find("waf")) readWaf(diag, *node, "waf", config.waf);
  if (auto node = top.find("signatures"))
    readSignatures(diag, *node, "signatures", config.signatures);
  if (auto node = top.find("bot")) readBot(diag, *node, "bot", config.bot);
  // Before routes whatever their order in the file: route client_policy names its lists.
  if (auto node = top.find("client_intel"))
    readClientIntel(diag, *node, "client_intel", config.client_intel);
  if (auto node = top.find("challenge")) readChallenge(diag, *node, "challenge", config.challenge);
  // Clusters before routes whatever their order in the file: routes refer to clusters.
  if (auto node = top.require("clusters")) readClusters(diag, *node, "clusters", config.clusters);
  if (diag.failed()) return;
  if (auto node = top.require("routes")) {
    readRoutes(diag, *node, "routes", config.clusters, config.client_intel, config.routes);
  }
  if (diag.failed()) return;
  // After routes: rules refer to routes by name.
  if (auto node = top.find("rate_limits")) {
    readRateLimits(diag, *node, "rate_limits", config.routes, config.rate_limits);
  }
  if (diag.failed()) return;
  if (config.bot.behaviour_store == BehaviourStore::Redis && !config.rate_limits.redis.configured) {
    diag.fail(root["bot"]["behaviour"]["store"].Mark(),
              "bot.behaviour.store: 'redis' needs a 'rate_limits.redis' section with its address");
  }
}

// yaml-cpp 0.7's LoadAll never returns on some malformed input (a stray ',' at top level makes
// every HandleNextDocument report one more empty document; found by the fuzzer). So the first
// document is loaded with Load, and a second one is looked for with a parse bounded to two
// documents that builds nothing.
class DocumentStarts final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  std::vector<YAML::Mark> marks;
};

std::optional<YAML::Mark> secondDocumentMark(const std::string& text) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DocumentStarts starts;
  for (int document = 0; document < 2 && parser.HandleNextDocument(starts); ++document) {
  }
  if (starts.marks.size() < 2) return std::nullopt;
  return starts.marks[1];
}

}  // namespace

Result<Config> loadConfigString(std::string_view yaml, std::string_view source_name) {
  Diagnostics diag(source_name);
  try {
    const std::string text(yaml);
    const YAML::Node root = YAML::Load(text);
    if (auto second = secondDocumentMark(text)) {
      diag.fail(*second, "unexpected second YAML document (only one is allowed)");
      return diag.takeError();
    }
    if (root.IsNull() && std::all_of(text.begin(), text.end(),
                                     [](unsigned char c) { return std::isspace(c) != 0; })) {
      diag.fail(YAML::Mark::null_mark(), "the configuration is empty");
      return diag.takeError();
    }
    Config config;
    config.source_file = std::string(source_name);
    readConfig(diag, root, config);
    if (diag.failed()) return diag.takeError();
    return config;
  } catch (const YAML::Exception& e) {
    // Parse errors (bad indentation, unclosed quotes, too deep nesting) and any yaml-cpp misuse.
    return configError(positionPrefix(source_name, e.mark) + e.msg);
  } catch (const std::exception& e) {
    return configError(std::string(source_name) + ": " + e.what());
  } catch (...) {
    return configError(std::string(source_name) + ": unexpected error while loading");
  }
}

Result<Config> loadConfigFile(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return configError(
        path + ": cannot read config file: " + (ec ? ec.message() : std::string("no such file")));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return configError(path + ": cannot read config file: not a regular file");
  }
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return configError(path + ": cannot read config file: " + ec.message());
  if (size > kMaxConfigFileBytes) {
    return configError(path + ": config file is larger than 16 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return configError(path + ": cannot read config file: " + std::strerror(errno));
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return configError(path + ": cannot read config file: read error");
  return loadConfigString(text, path);
}

}  // namespace rampart
