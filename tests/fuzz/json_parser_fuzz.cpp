// libFuzzer target for the strict JSON parser. The first byte picks small or default limits
// and the duplicate-key / NUL policies. Besides "no crash, no stack overflow", it checks:
//   - every field name and value of an accepted document is valid UTF-8 (escapes included),
//     with no NUL unless NUL is allowed, within the element limit;
//   - whitespace around a document changes nothing, and anything after it is trailing data.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "detectors/canonical/json_parser.h"
#include "detectors/canonical/utf8_validation.h"

namespace {

using namespace rampart::canonical;

void check(bool ok) {
  if (!ok) std::abort();
}

bool sameFields(const FieldList& a, const FieldList& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].source != b[i].source || a[i].name != b[i].name || a[i].value != b[i].value) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  JsonPolicy policy;
  if (data[0] & 1) {
    policy.max_depth = 4;
    policy.max_elements = 32;
    policy.max_key_bytes = 16;
  }
  policy.duplicate_keys = (data[0] & 2) ? DuplicateKeyPolicy::Allow : DuplicateKeyPolicy::Reject;
  policy.nul_character = (data[0] & 4) ? NulCharacterPolicy::Allow : NulCharacterPolicy::Reject;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  FieldList fields;
  const CanonicalError e = parseJson(text, policy, fields);
  if (e != CanonicalError::None) return 0;
  // (An empty object or array yields no field at all: there is nothing in it to inspect.)
  check(fields.size() <= policy.max_elements);
  for (const auto& f : fields) {
    check(f.source == FieldSource::JsonName || f.source == FieldSource::JsonValue);
    check(validateUtf8(f.name) == Utf8Status::Valid);
    check(validateUtf8(f.value) == Utf8Status::Valid);
    if (policy.nul_character == NulCharacterPolicy::Reject)
      check(f.value.find('\0') == std::string::npos);
  }

  const std::string padded = " \n\t" + std::string(text) + "\r\n ";
  FieldList padded_fields;
  check(parseJson(padded, policy, padded_fields) == CanonicalError::None);
  check(sameFields(fields, padded_fields));

  FieldList trailing_fields;
  check(parseJson(std::string(text) + " 0", policy, trailing_fields) == CanonicalError::JsonTrailingData);
  return 0;
}
