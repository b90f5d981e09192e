// libFuzzer target for the strict multipart/form-data parser. Input: one byte N, then an
// N-byte boundary (N % 72), then the body. Besides "no crash", it checks that an accepted body
// means one thing: every part's content lies inside the body and never holds the delimiter, and
// serialising the parts again (as a browser would) parses back to the same parts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "detectors/canonical/multipart_parser.h"

namespace {

using namespace rampart::canonical;

void check(bool ok) {
  if (!ok) std::abort();
}

std::string serialise(const std::vector<MultipartPart>& parts, std::string_view boundary) {
  std::string out;
  for (const auto& p : parts) {
    out += "--";
    out += boundary;
    out += "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
    if (p.kind == PartKind::File) out += "; filename=\"" + p.filename + "\"";
    if (!p.content_type.empty()) out += "\r\nContent-Type: " + p.content_type;
    out += "\r\n\r\n";
    out += p.content;
    out += "\r\n";
  }
  out += "--";
  out += boundary;
  out += "--\r\n";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t boundary_size = data[0] % 72;
  if (size - 1 < boundary_size) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view boundary = input.substr(1, boundary_size);
  const std::string_view body = input.substr(1 + boundary_size);
  const std::vector<std::string> charsets = {"utf-8", "us-ascii"};

  MultipartPolicy policy;
  policy.max_parts = 16;
  policy.max_part_header_bytes = 512;
  std::vector<MultipartPart> parts;
  if (parseMultipart(body, boundary, policy, charsets, parts) != CanonicalError::None) return 0;
  check(!parts.empty() && parts.size() <= policy.max_parts);
  const std::string delimiter = "--" + std::string(boundary);
  for (const auto& p : parts) {
    check(p.content.data() >= body.data() && p.content.data() + p.content.size() <= body.data() + body.size());
    check(p.content.find(delimiter) == std::string_view::npos);
    check(p.kind == PartKind::File || p.filename.empty());
  }
  FieldList fields;
  appendMultipartFields(parts, policy, fields);
  check(fields.size() >= parts.size() * 2);

  const std::string again_body = serialise(parts, boundary);
  std::vector<MultipartPart> again;
  MultipartPolicy again_policy = policy;
  again_policy.max_part_header_bytes = 4096;  // the re-serialised headers may be a little longer
  const CanonicalError e = parseMultipart(again_body, boundary, again_policy, charsets, again);
  check(e == CanonicalError::None);
  check(again.size() == parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    check(again[i].name == parts[i].name && again[i].filename == parts[i].filename);
    check(again[i].kind == parts[i].kind && again[i].content_type == parts[i].content_type);
    check(again[i].content == parts[i].content);
  }
  return 0;
}
