// Value types for HTTP heads shared by every codec and stage. No behaviour beyond lookups.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart {

// One header field. Names are stored lower-cased by the codecs (HTTP/2 requires it and it makes
// every lookup case-insensitive by construction); values are stored exactly as received, minus
// leading/trailing optional whitespace.
struct HeaderField {
  std::string name;
  std::string value;
};

// Ordered list: the order is kept because bot fingerprints (header-order) need it, and duplicates
// are kept because the sanity stage must see them to reject ambiguous requests.
class HeaderList {
 public:
  void add(std::string name, std::string value) {
    bytes_ += name.size() + value.size();
    fields_.push_back({std::move(name), std::move(value)});
  }
  void reserve(std::size_t fields) { fields_.reserve(fields); }
  // First value for `name` (lower-case), or nullptr.
  const std::string* find(std::string_view name) const {
    for (const auto& f : fields_)
      if (f.name == name) return &f.value;
    return nullptr;
  }
  std::size_t count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& f : fields_) n += (f.name == name);
    return n;
  }
  void remove(std::string_view name) {
    std::erase_if(fields_, [&](const HeaderField& f) {
      if (f.name != name) return false;
      bytes_ -= f.name.size() + f.value.size();
      return true;
    });
  }
  void set(std::string name, std::string value) {
    remove(name);
    add(std::move(name), std::move(value));
  }
  const std::vector<HeaderField>& fields() const { return fields_; }
  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  // Sum of name and value lengths: the figure the header-bytes limit is checked against.
  std::size_t bytes() const { return bytes_; }
  void clear() {
    fields_.clear();
    bytes_ = 0;
  }
  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }

 private:
  std::vector<HeaderField> fields_;
  std::size_t bytes_ = 0;
};

enum class HttpProtocol : std::uint8_t { Http10, Http11, Http2 };

inline std::string_view protocolName(HttpProtocol p) {
  switch (p) {
    case HttpProtocol::Http10: return "HTTP/1.0";
    case HttpProtocol::Http11: return "HTTP/1.1";
    case HttpProtocol::Http2: return "HTTP/2";
  }
  return "unknown";
}

// The request as the downstream codec delivered it, after framing was decided.
struct RequestHead {
  std::string method;      // "GET"
  std::string scheme;      // "http" | "https"
  std::string authority;   // Host header (h1) or :authority (h2); port included if sent
  std::string target;      // origin-form path+query as received ("/a/b?x=1")
  bool absolute_form = false;  // h1 request-target was absolute-form (authority came from it)
  std::string absolute_authority;  // authority inside an absolute-form target, when absolute_form
  HttpProtocol protocol = HttpProtocol::Http11;
  HeaderList headers;      // regular headers only (no pseudo-headers, no hop-by-hop for h2)
  // Body framing as announced: -1 = unknown length (chunked h1, or h2 without content-length).
  std::int64_t content_length = -1;
  bool chunked = false;    // h1 Transfer-Encoding: chunked
  bool has_body = false;   // false when the request is known to carry no body
  bool expect_continue = false;
  // HTTP/2 only: the client's HTTP/2 fingerprint (bot/http2_fingerprint.h), "" on HTTP/1.
  std::string h2_fingerprint;
};

struct ResponseHead {
  int status = 0;
  std::string reason;      // h1 reason phrase (informational only; never forwarded to h2)
  HeaderList headers;
  std::int64_t content_length = -1;
  bool chunked = false;
  bool has_body = true;
};

}  // namespace rampart
