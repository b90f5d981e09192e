// libFuzzer target for the locked-down libxml2 wrapper. The first byte picks the DOCTYPE policy
// and small limits. Besides "no crash, no leak" (ASan), it checks that every field of an
// accepted document is valid UTF-8 within the field limit, and that an accepted document
// parses the same way a second time (the SAX hooks leave no state behind).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "detectors/canonical/utf8_validation.h"
#include "detectors/canonical/xml_parser.h"

namespace {

using namespace rampart::canonical;

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  XmlPolicy policy;
  policy.doctype = (data[0] & 1) ? DoctypePolicy::AllowWithoutEntities : DoctypePolicy::Reject;
  if (data[0] & 2) {
    policy.max_depth = 4;
    policy.max_fields = 16;
  }
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::vector<std::string> charsets = {"utf-8", "us-ascii"};
  FieldList fields;
  if (parseXml(text, policy, charsets, fields) != CanonicalError::None) return 0;
  check(fields.size() <= policy.max_fields);
  for (const auto& f : fields) {
    check(f.source == FieldSource::XmlName || f.source == FieldSource::XmlValue);
    check(validateUtf8(f.name) == Utf8Status::Valid);
    check(validateUtf8(f.value) == Utf8Status::Valid);
  }
  FieldList again;
  check(parseXml(text, policy, charsets, again) == CanonicalError::None);
  check(again.size() == fields.size());
  return 0;
}
