#include "detectors/canonical/canonical_request.h"

#include <vector>

#include "detectors/canonical/cookie_parser.h"
#include "detectors/canonical/json_parser.h"
#include "detectors/canonical/media_type.h"
#include "detectors/canonical/multipart_parser.h"
#include "detectors/canonical/path_canonicaliser.h"
#include "detectors/canonical/urlencoded_parser.h"
#include "detectors/canonical/xml_parser.h"

namespace rampart::canonical {
namespace {

constexpr std::size_t kNpos = std::string_view::npos;

// What a body sniffs as: only complete JSON containers and complete XML documents count, so a
// text/plain "[INFO] started" or "<3" stays text.
enum class SniffedStructure : std::uint8_t { None, Json, Xml };

std::string_view trimLeadingWhitespace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  return s;
}

SniffedStructure sniff(std::string_view body, const CanonicalPolicy& policy) {
  const std::string_view start = trimLeadingWhitespace(body);
  if (start.empty()) return SniffedStructure::None;
  FieldList scratch;
  if ((start.front() == '{' || start.front() == '[') && parseJson(body, policy.json, scratch) == CanonicalError::None)
    return SniffedStructure::Json;
  if (start.front() == '<' && parseXml(body, policy.xml, policy.body.allowed_charsets, scratch) == CanonicalError::None)
    return SniffedStructure::Xml;
  return SniffedStructure::None;
}

class ViewBuilder {
 public:
  ViewBuilder(const RequestInput& input, const CanonicalPolicy& policy) : input_(input), policy_(policy) {}

  CanonicalError build(CanonicalRequest& view, std::string& detail) {
    if (const CanonicalError e = target(view); e != CanonicalError::None) {
      detail = "target";
      return e;
    }
    if (const CanonicalError e = headers(view, detail); e != CanonicalError::None) return e;
    if (const CanonicalError e = body(view, detail); e != CanonicalError::None) return e;
    if (view.fields.size() > policy_.max_fields) return CanonicalError::TooManyFields;
    return CanonicalError::None;
  }

 private:
  CanonicalError target(CanonicalRequest& view) {
    const std::string_view target = input_.target;
    if (target == "*") {
      if (input_.method != "OPTIONS") return CanonicalError::TargetInvalid;
      view.path = "*";
      view.forward_target = "*";
      view.fields.push_back({FieldSource::Path, {}, view.path});
      return CanonicalError::None;
    }
    if (target.find('#') != kNpos) return CanonicalError::PathFragment;
    const std::size_t question = target.find('?');
    CanonicalPath path;
    if (const CanonicalError e = canonicalisePath(target.substr(0, question), policy_.path, path, view.anomalies);
        e != CanonicalError::None)
      return e;
    view.path = path.decoded;
    view.forward_target = std::move(path.forward);
    view.fields.push_back({FieldSource::Path, {}, std::move(path.decoded)});
    if (question == kNpos) return CanonicalError::None;
    UrlEncodedParameters query;
    if (const CanonicalError e = parseUrlEncoded(target.substr(question + 1), UrlEncodedContext::Query,
                                                 policy_.query, query, view.anomalies);
        e != CanonicalError::None)
      return e;
    if (!query.parameters.empty()) {
      view.forward_target += '?';
      view.forward_target += serialiseUrlEncoded(query.parameters);
    }
    appendUrlEncodedFields(query.parameters, UrlEncodedContext::Query, view.fields);
    return CanonicalError::None;
  }

  CanonicalError headers(CanonicalRequest& view, std::string& detail) {
    std::vector<Cookie> cookies;
    for (const auto& header : input_.headers) {
      std::string name = header.name;  // codecs lower-case names; a caller that did not is fixed here
      for (char& c : name)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (name == "content-type") {
        if (content_type_ != nullptr) {
          detail = "content-type";
          return CanonicalError::HeaderDuplicateContentType;
        }
        content_type_ = &header.value;
      }
      if (name == "cookie") {
        if (const CanonicalError e = parseCookieHeader(header.value, policy_.cookies, cookies, view.anomalies);
            e != CanonicalError::None) {
          detail = "cookie";
          return e;
        }
      }
      view.fields.push_back({FieldSource::HeaderName, name, name});
      view.fields.push_back({FieldSource::HeaderValue, std::move(name), header.value});
    }
    appendCookieFields(cookies, view.fields);
    return CanonicalError::None;
  }

  CanonicalError body(CanonicalRequest& view, std::string& detail) {
    const std::string_view body = input_.body;
    if (body.empty()) return CanonicalError::None;
    detail = "body";
    if (body.size() > policy_.max_body_bytes) return CanonicalError::BodyTooLarge;
    const BodyContract& contract = policy_.body;
    MediaType media_type;
    BodyParser parser = BodyParser::Raw;
    if (content_type_ == nullptr) {
      if (contract.missing_content_type == MissingContentTypePolicy::Reject) return CanonicalError::ContentTypeMissing;
    } else {
      if (const CanonicalError e = parseMediaType(*content_type_, media_type); e != CanonicalError::None) return e;
      parser = contract.parserFor(media_type);
      if (parser == BodyParser::Reject) return CanonicalError::ContentTypeNotAllowed;
      if (const CanonicalError e = contract.checkParameters(media_type, parser); e != CanonicalError::None) return e;
      detail = media_type.essence();
    }
    view.body_parser = parser;
    switch (parser) {
      case BodyParser::Form: return form(view);
      case BodyParser::Multipart: {
        std::vector<MultipartPart> parts;
        if (const CanonicalError e = parseMultipart(body, *media_type.parameter("boundary"), policy_.multipart,
                                                    contract.allowed_charsets, parts);
            e != CanonicalError::None)
          return e;
        appendMultipartFields(parts, policy_.multipart, view.fields);
        return structuredParts(parts, view);
      }
      case BodyParser::Json: return parseJson(body, policy_.json, view.fields);
      case BodyParser::Xml: return parseXml(body, policy_.xml, contract.allowed_charsets, view.fields);
      case BodyParser::Raw: return raw(view);
      case BodyParser::Reject: return CanonicalError::ContentTypeNotAllowed;
    }
    return CanonicalError::ContentTypeNotAllowed;
  }

  CanonicalError form(CanonicalRequest& view) {
    // A form body that is a whole JSON document is JSON sent under a form content type: a
    // backend that sniffs would read fields we saw as one odd parameter name.
    if (sniff(input_.body, policy_) != SniffedStructure::None) return CanonicalError::BodyContentTypeMismatch;
    UrlEncodedParameters form;
    if (const CanonicalError e = parseUrlEncoded(input_.body, UrlEncodedContext::Form, policy_.form, form, view.anomalies);
        e != CanonicalError::None)
      return e;
    if (form.dropped_duplicates > 0) {
      view.body_forwarding = BodyForwarding::Rewritten;
      view.forward_body = serialiseUrlEncoded(form.parameters);
    }
    appendUrlEncodedFields(form.parameters, UrlEncodedContext::Form, view.fields);
    return CanonicalError::None;
  }

  // A part declared JSON or XML (Spring's @RequestPart, GraphQL multipart uploads) is decoded
  // by the backend, so "\u0027" in it must reach the detectors as "'": such parts are parsed
  // too, their fields named "<part name>.<path>" (JSON) or "<part name>/<path>" (XML), and a
  // part that does not parse refuses the request like a body would.
  CanonicalError structuredParts(const std::vector<MultipartPart>& parts, CanonicalRequest& view) {
    for (const auto& part : parts) {
      if (part.content_type.empty()) continue;
      MediaType media_type;
      if (parseMediaType(part.content_type, media_type) != CanonicalError::None) continue;
      const BodyParser parser = policy_.body.parserFor(media_type);
      if (parser != BodyParser::Json && parser != BodyParser::Xml) continue;
      FieldList part_fields;
      const CanonicalError e = parser == BodyParser::Json
                                   ? parseJson(part.content, policy_.json, part_fields)
                                   : parseXml(part.content, policy_.xml, policy_.body.allowed_charsets, part_fields);
      if (e != CanonicalError::None) return e;
      const char separator = parser == BodyParser::Json ? '.' : '/';
      for (auto& f : part_fields) {
        f.name = f.name.empty() ? part.name : part.name + separator + f.name;
        view.fields.push_back(std::move(f));
      }
    }
    return CanonicalError::None;
  }

  CanonicalError raw(CanonicalRequest& view) {
    const SniffedStructure structure = sniff(input_.body, policy_);
    if (structure != SniffedStructure::None) {
      if (policy_.body.structured_raw_body == StructuredRawBodyPolicy::Reject)
        return CanonicalError::BodyContentTypeMismatch;
      const CanonicalError e = structure == SniffedStructure::Json
                                   ? parseJson(input_.body, policy_.json, view.fields)
                                   : parseXml(input_.body, policy_.xml, policy_.body.allowed_charsets, view.fields);
      if (e != CanonicalError::None) return e;
    }
    view.fields.push_back({FieldSource::RawBody, {}, std::string(input_.body)});
    return CanonicalError::None;
  }

  const RequestInput& input_;
  const CanonicalPolicy& policy_;
  const std::string* content_type_ = nullptr;
};

}  // namespace

Result<CanonicalRequest> buildCanonicalRequest(const RequestInput& input, const CanonicalPolicy& policy) {
  CanonicalRequest view;
  std::string detail;
  const CanonicalError error = ViewBuilder(input, policy).build(view, detail);
  if (error != CanonicalError::None) return toError(error, std::move(detail));
  return view;
}

}  // namespace rampart::canonical
