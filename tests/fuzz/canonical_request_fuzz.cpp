// libFuzzer target for the whole canonical view: target, Content-Type, Cookie and body in one
// input ("policy byte" then target '\n' content-type '\n' cookie '\n' body). Besides "no
// crash", it checks the view's promise about what it forwards: the forwarded target, parsed
// again, is accepted, forwards itself, and yields the same path and query fields; a rewritten
// form body parses back to the same form fields; every field the view produced from text that
// must be UTF-8 is UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "detectors/canonical/canonical_request.h"
#include "detectors/canonical/utf8_validation.h"

namespace {

using namespace rampart::canonical;

void check(bool ok) {
  if (!ok) std::abort();
}

std::string_view nextLine(std::string_view& rest) {
  const std::size_t lf = rest.find('\n');
  const std::string_view line = rest.substr(0, lf);
  rest = lf == std::string_view::npos ? std::string_view() : rest.substr(lf + 1);
  return line;
}

CanonicalPolicy policyFrom(std::uint8_t bits) {
  CanonicalPolicy p;
  p.query.duplicates = static_cast<DuplicateParameterPolicy>(bits % 4);
  p.form.duplicates = static_cast<DuplicateParameterPolicy>((bits >> 2) % 4);
  p.cookies.decoding = (bits & 0x10) ? CookieDecoding::Percent : CookieDecoding::None;
  p.body.structured_raw_body = (bits & 0x20) ? StructuredRawBodyPolicy::Parse : StructuredRawBodyPolicy::Reject;
  p.body.missing_content_type = (bits & 0x40) ? MissingContentTypePolicy::Raw : MissingContentTypePolicy::Reject;
  p.path.parameters = (bits & 0x80) ? PathParameterPolicy::Keep : PathParameterPolicy::Strip;
  p.max_body_bytes = 4096;
  return p;
}

std::string fieldsOf(const CanonicalRequest& v, FieldSource a, FieldSource b) {
  std::string out;
  for (const auto& f : v.fields) {
    if (f.source != a && f.source != b) continue;
    out += f.name;
    out += '\x01';
    out += f.value;
    out += '\x02';
  }
  return out;
}

bool mustBeUtf8(FieldSource s) {
  return s != FieldSource::HeaderName && s != FieldSource::HeaderValue && s != FieldSource::RawBody &&
         s != FieldSource::MultipartValue;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const CanonicalPolicy policy = policyFrom(data[0]);
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string_view target = nextLine(rest);
  const std::string_view content_type = nextLine(rest);
  const std::string_view cookie = nextLine(rest);
  const std::string_view body = rest;

  rampart::HeaderList headers;
  headers.add("host", "fuzz.test");
  if (!content_type.empty()) headers.add("content-type", std::string(content_type));
  if (!cookie.empty()) headers.add("cookie", std::string(cookie));
  const auto result = buildCanonicalRequest({"POST", target, headers, body}, policy);
  if (!result) {
    check(!result.error().reason.empty() && result.error().reason != "none");
    check(result.error().status >= 400 && result.error().status < 500);
    return 0;
  }
  const CanonicalRequest& view = result.value();
  for (const auto& f : view.fields)
    if (mustBeUtf8(f.source)) check(validateUtf8(f.value) == Utf8Status::Valid && validateUtf8(f.name) == Utf8Status::Valid);

  rampart::HeaderList no_headers;
  const auto again = buildCanonicalRequest({"GET", view.forward_target, no_headers, {}}, policy);
  check(again.has_value());
  check(again.value().forward_target == view.forward_target);
  check(again.value().path == view.path);
  check(fieldsOf(again.value(), FieldSource::QueryName, FieldSource::QueryValue) ==
        fieldsOf(view, FieldSource::QueryName, FieldSource::QueryValue));

  if (view.body_forwarding == BodyForwarding::Rewritten) {
    const auto form_again = buildCanonicalRequest({"POST", "/", headers, view.forward_body}, policy);
    check(form_again.has_value());
    check(form_again.value().body_forwarding == BodyForwarding::AsReceived);
    check(fieldsOf(form_again.value(), FieldSource::FormName, FieldSource::FormValue) ==
          fieldsOf(view, FieldSource::FormName, FieldSource::FormValue));
  }
  return 0;
}
