#include "detectors/canonical/urlencoded_parser.h"

#include <unordered_map>

#include "detectors/canonical/percent_encoding.h"
#include "detectors/canonical/utf8_validation.h"

namespace rampart::canonical {
namespace {

struct ContextErrors {
  CanonicalError bad_percent;
  CanonicalError invalid_utf8;
  CanonicalError control;
  CanonicalError duplicate;
  CanonicalError too_many;
  CanonicalError name_too_long;
  CanonicalError value_too_long;
  CanonicalError double_encoding;
};

constexpr ContextErrors kQueryErrors{
    CanonicalError::QueryBadPercentEncoding, CanonicalError::QueryInvalidUtf8,
    CanonicalError::QueryControlCharacter,   CanonicalError::QueryDuplicateParameter,
    CanonicalError::QueryTooManyParameters,  CanonicalError::QueryNameTooLong,
    CanonicalError::QueryValueTooLong,       CanonicalError::QueryDoubleEncoding};

constexpr ContextErrors kFormErrors{
    CanonicalError::FormBadPercentEncoding, CanonicalError::FormInvalidUtf8,
    CanonicalError::FormControlCharacter,   CanonicalError::FormDuplicateParameter,
    CanonicalError::FormTooManyParameters,  CanonicalError::FormNameTooLong,
    CanonicalError::FormValueTooLong,       CanonicalError::FormDoubleEncoding};

const ContextErrors& errorsOf(UrlEncodedContext context) {
  return context == UrlEncodedContext::Query ? kQueryErrors : kFormErrors;
}

FieldSource nameSource(UrlEncodedContext c) {
  return c == UrlEncodedContext::Query ? FieldSource::QueryName : FieldSource::FormName;
}
FieldSource valueSource(UrlEncodedContext c) {
  return c == UrlEncodedContext::Query ? FieldSource::QueryValue : FieldSource::FormValue;
}

// Decodes one name or value and applies the checks every decoded string gets.
CanonicalError decodeComponent(std::string_view raw, std::size_t max_bytes, CanonicalError too_long,
                               ControlCharacters controls, const ContextErrors& errors,
                               std::string& out) {
  // A decoded string is never longer than its encoding, so a raw length within the limit
  // needs no second check; a longer raw one is decoded and then measured.
  if (percentDecode(raw, PlusSign::Space, out) != PercentDecodeStatus::Decoded) return errors.bad_percent;
  if (out.size() > max_bytes) return too_long;
  if (validateUtf8(out) != Utf8Status::Valid) return errors.invalid_utf8;
  if (findControlCharacters(out, controls) != ControlStatus::Clean) return errors.control;
  return CanonicalError::None;
}

bool isArrayAppend(std::string_view name) { return name.ends_with("[]"); }

}  // namespace

CanonicalError parseUrlEncoded(std::string_view text, UrlEncodedContext context,
                               const UrlEncodedPolicy& policy, UrlEncodedParameters& out,
                               AnomalyList& anomalies) {
  const ContextErrors& errors = errorsOf(context);
  out = UrlEncodedParameters{};
  std::unordered_map<std::string, std::size_t> seen;  // name -> index in out.parameters
  std::size_t pieces = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('&', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view piece = text.substr(start, end - start);
    start = end + 1;
    if (piece.empty()) continue;
    if (++pieces > policy.max_parameters) return errors.too_many;

    UrlEncodedParameter parameter;
    const std::size_t equals = piece.find('=');
    parameter.syntax = equals == std::string_view::npos ? ValueSyntax::NameOnly : ValueSyntax::NameEqualsValue;
    const std::string_view raw_name = piece.substr(0, equals);
    const std::string_view raw_value =
        equals == std::string_view::npos ? std::string_view() : piece.substr(equals + 1);
    if (const CanonicalError e = decodeComponent(raw_name, policy.max_name_bytes, errors.name_too_long,
                                                 ControlCharacters::NoneAllowed, errors, parameter.name);
        e != CanonicalError::None)
      return e;
    if (const CanonicalError e =
            decodeComponent(raw_value, policy.max_value_bytes, errors.value_too_long,
                            ControlCharacters::TabAndNewlinesAllowed, errors, parameter.value);
        e != CanonicalError::None)
      return e;
    if (encodingDepthOf(parameter.name) == EncodingDepth::Double ||
        encodingDepthOf(parameter.value) == EncodingDepth::Double) {
      if (policy.double_encoding == DoubleEncodingPolicy::Reject) return errors.double_encoding;
      if (policy.double_encoding == DoubleEncodingPolicy::Flag)
        anomalies.add(AnomalyKind::DoubleEncoding, valueSource(context), parameter.name);
    }

    if (policy.duplicates != DuplicateParameterPolicy::Allow && !isArrayAppend(parameter.name)) {
      const auto it = seen.find(parameter.name);
      if (it != seen.end()) {
        switch (policy.duplicates) {
          case DuplicateParameterPolicy::Reject: return errors.duplicate;
          case DuplicateParameterPolicy::First: ++out.dropped_duplicates; continue;
          case DuplicateParameterPolicy::Last:
            // The last occurrence replaces the earlier one in the earlier one's place; order
            // among distinct names is what the client sent.
            out.parameters[it->second] = std::move(parameter);
            ++out.dropped_duplicates;
            continue;
          case DuplicateParameterPolicy::Allow: break;
        }
      } else {
        seen.emplace(parameter.name, out.parameters.size());
      }
    }
    out.parameters.push_back(std::move(parameter));
  }
  return CanonicalError::None;
}

std::string serialiseUrlEncoded(const std::vector<UrlEncodedParameter>& parameters) {
  std::string out;
  for (const auto& p : parameters) {
    if (!out.empty()) out.push_back('&');
    percentEncode(p.name, queryComponentSafeBytes(), out);
    if (p.syntax == ValueSyntax::NameEqualsValue) {
      out.push_back('=');
      percentEncode(p.value, queryComponentSafeBytes(), out);
    }
  }
  return out;
}

void appendUrlEncodedFields(const std::vector<UrlEncodedParameter>& parameters,
                            UrlEncodedContext context, FieldList& out) {
  for (const auto& p : parameters) {
    out.push_back({nameSource(context), p.name, p.name});
    out.push_back({valueSource(context), p.name, p.value});
  }
}

}  // namespace rampart::canonical
