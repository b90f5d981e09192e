// Fuzzes the signature-file loader: whatever the bytes, parseSignatureFile must return a value
// (signatures or a signatures_invalid Error that says where), never crash, hang or let a yaml-cpp
// exception escape. Small inputs that parse are also compiled and scanned, so the path from text
// to Hyperscan databases to matches is covered too. Touches no file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "detectors/signatures/signature_loader.h"
#include "detectors/signatures/signature_scanner.h"
#include "detectors/signatures/signature_scratch.h"
#include "detectors/signatures/signature_set.h"

using namespace rampart;
using namespace rampart::signatures;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  Result<SignatureList> parsed = parseSignatureFile(yaml, "fuzz.yaml");
  if (!parsed) {
    if (parsed.error().reason != kSignaturesInvalid ||
        parsed.error().detail.rfind("fuzz.yaml", 0) != 0)
      std::abort();
    return 0;
  }
  for (const Signature& signature : *parsed) {
    if (signature.id.empty() || signature.pattern.empty() || signature.targets.empty())
      std::abort();
  }
  // Hyperscan compile time grows with pattern size; keep each run short.
  std::size_t pattern_bytes = 0;
  for (const Signature& signature : *parsed) pattern_bytes += signature.pattern.size();
  if (parsed->size() > 8 || pattern_bytes > 256) return 0;

  auto set = SignatureSet::compile(std::move(*parsed));
  if (!set) {
    if (set.error().reason != kSignaturesInvalid) std::abort();
    return 0;
  }
  auto scratch = SignatureScratch::forSet(**set);
  if (!scratch) std::abort();
  const canonical::FieldList fields = {
      {canonical::FieldSource::Path, "", "/a/../b%2e%2e/"},
      {canonical::FieldSource::QueryValue, "q", "${jndi:ldap://x} &lt;!ENTITY %252e"},
      {canonical::FieldSource::HeaderValue, "referer", "Li4vZXRjL3Bhc3N3ZA=="},
      {canonical::FieldSource::JsonName, "a.$ne", "$ne"},
      {canonical::FieldSource::RawBody, "", std::string(300, 'A') + "c'a't /etc/passwd"},
  };
  for (std::uint8_t level = 1; level <= 4; ++level) {
    SignatureScanner scanner(**set, *scratch, level);
    ScanReport report;
    if (!scanner.scan(fields, report)) std::abort();
    if (report.matches.size() > (*set)->limits().max_recorded_matches) std::abort();
  }
  return 0;
}
