// libFuzzer target for the path canonicaliser. Besides "no crash", it checks what the
// canonical view promises about the path it forwards:
//   - the decoded path is valid UTF-8 without control characters, starts with '/', and has no
//     "." or ".." segment and (merging) no empty segment left;
//   - the forwarded path is a fixed point: canonicalising it again gives the same decoded and
//     forwarded paths, so the upstream has nothing left to normalise;
//   - unless encoded slashes are kept on purpose, decoding the forwarded path once (what any
//     backend does) gives exactly the decoded path the detectors saw.
// The first byte picks the policy, so every policy combination is explored.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "detectors/canonical/path_canonicaliser.h"
#include "detectors/canonical/percent_encoding.h"
#include "detectors/canonical/utf8_validation.h"

namespace {

using namespace rampart::canonical;

void check(bool ok) {
  if (!ok) std::abort();
}

PathPolicy policyFrom(std::uint8_t bits) {
  PathPolicy p;
  p.backslash = (bits & 1) ? BackslashPolicy::TreatAsSlash : BackslashPolicy::Reject;
  p.parameters = static_cast<PathParameterPolicy>((bits >> 1) % 3);
  p.encoded_slash = static_cast<EncodedSlashPolicy>((bits >> 3) % 3);
  p.duplicate_slashes = (bits & 0x20) ? DuplicateSlashPolicy::Reject : DuplicateSlashPolicy::Merge;
  p.double_encoding = static_cast<DoubleEncodingPolicy>((bits >> 6) % 3);
  p.max_bytes = 4096;
  p.max_segments = 64;
  return p;
}

void checkDecoded(std::string_view decoded) {
  check(!decoded.empty() && decoded[0] == '/');
  check(validateUtf8(decoded) == Utf8Status::Valid);
  check(findControlCharacters(decoded, ControlCharacters::NoneAllowed) == ControlStatus::Clean);
  std::size_t start = 1;
  while (start <= decoded.size()) {
    std::size_t end = decoded.find('/', start);
    if (end == std::string_view::npos) end = decoded.size();
    const std::string_view segment = decoded.substr(start, end - start);
    check(segment != "." && segment != "..");
    check(!segment.empty() || end == decoded.size());  // only the trailing one may be empty
    start = end + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const PathPolicy policy = policyFrom(data[0]);
  std::string raw(reinterpret_cast<const char*>(data + 1), size - 1);
  if (raw.empty() || raw[0] != '/') raw.insert(raw.begin(), '/');

  CanonicalPath out;
  AnomalyList anomalies;
  if (canonicalisePath(raw, policy, out, anomalies) != CanonicalError::None) return 0;
  checkDecoded(out.decoded);
  check(anomalies.total() == 0 || policy.double_encoding == DoubleEncodingPolicy::Flag);

  PathPolicy again_policy = policy;
  again_policy.max_bytes = std::numeric_limits<std::size_t>::max();
  CanonicalPath again;
  AnomalyList again_anomalies;
  check(canonicalisePath(out.forward, again_policy, again, again_anomalies) == CanonicalError::None);
  check(again.forward == out.forward);
  check(again.decoded == out.decoded);

  if (policy.encoded_slash != EncodedSlashPolicy::KeepEncoded) {
    std::string backend_view;
    check(percentDecode(out.forward, PlusSign::Literal, backend_view) == PercentDecodeStatus::Decoded);
    check(backend_view == out.decoded);
  }
  return 0;
}
