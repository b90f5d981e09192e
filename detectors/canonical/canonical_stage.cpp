#include "detectors/canonical/canonical_stage.h"

#include <algorithm>
#include <optional>

#include "detectors/canonical/canonical_request.h"
#include "proxy/api/exchange.h"
#include "proxy/config_snapshot.h"
#include "proxy/stats/stats.h"
#include "proxy/worker_context.h"

namespace rampart::canonical {
namespace {

constexpr std::string_view kDetector = "canonical";

std::optional<BodyParser> parserNamed(std::string_view name) {
  if (name == "form" || name == "urlencoded") return BodyParser::Form;
  if (name == "multipart") return BodyParser::Multipart;
  if (name == "json") return BodyParser::Json;
  if (name == "xml") return BodyParser::Xml;
  if (name == "raw") return BodyParser::Raw;
  if (name == "reject") return BodyParser::Reject;
  return std::nullopt;
}

Error policyError(const RouteConfig& route, std::string what) {
  Error e;
  e.source = ErrorSource::Config;
  e.status = 500;
  e.reason = "config_invalid";
  e.detail = "routes '" + route.name + "'.canonical: " + what;
  return e;
}

std::size_t routeIndex(const Exchange& ex, const RouteConfig* route) {
  return static_cast<std::size_t>(route - ex.config().config.routes.data());
}

// The body as a string_view over the buffered chunk.
std::string_view asText(std::span<const std::byte> chunk) {
  return {reinterpret_cast<const char*>(chunk.data()), chunk.size()};
}

void recordView(DecisionRecord& record, const CanonicalRequest& view) {
  record.canonical_target = view.forward_target;
  if (view.body_parser) {
    record.body_parser = bodyParserName(*view.body_parser);
    record.body_inspection = "full";
  }
  for (const Anomaly& anomaly : view.anomalies.items()) {
    std::string entry(anomalyKindName(anomaly.kind));
    entry += ':';
    entry += fieldSourceName(anomaly.source);
    if (!anomaly.name.empty()) {
      entry += ':';
      entry += anomaly.name.substr(0, 128);
    }
    record.canonical_anomalies.push_back(std::move(entry));
  }
}

}  // namespace

Result<RouteCanonicalPolicy> compileRouteCanonicalPolicy(const RouteConfig& route,
                                                         bool view_needed) {
  const RouteCanonicalConfig& c = route.canonical;
  RouteCanonicalPolicy out;
  out.enabled = c.enabled || view_needed;
  if (!out.enabled) return out;
  CanonicalPolicy& p = out.policy;

  out.methods = c.methods;
  for (const auto& method : out.methods) {
    if (!out.allow_header.empty()) out.allow_header += ", ";
    out.allow_header += method;
  }
  if (!c.content_types.empty()) {
    p.body.entries.clear();
    for (const auto& rule : c.content_types) {
      auto parser = parserNamed(rule.parser);
      if (!parser) return policyError(route, "unknown parser '" + rule.parser + "'");
      p.body.entries.push_back({rule.media_type, *parser});
    }
  }
  auto unlisted = parserNamed(c.unlisted);
  if (!unlisted) return policyError(route, "unknown parser '" + c.unlisted + "'");
  p.body.unlisted = *unlisted;
  if (c.missing_content_type == "raw") {
    p.body.missing_content_type = MissingContentTypePolicy::Raw;
  } else if (c.missing_content_type != "reject") {
    return policyError(route, "unknown missing_content_type '" + c.missing_content_type + "'");
  }
  p.body.structured_raw_body =
      c.structured_text_plain ? StructuredRawBodyPolicy::Parse : StructuredRawBodyPolicy::Reject;
  p.body.allowed_charsets = c.charsets;
  p.max_body_bytes = static_cast<std::size_t>(c.max_body_bytes);
  out.oversize = c.oversize;
  out.inspect_prefix_bytes = static_cast<std::size_t>(c.inspect_prefix_bytes);

  if (c.encoded_slash == "reject") {
    p.path.encoded_slash = EncodedSlashPolicy::Reject;
  } else if (c.encoded_slash == "decode") {
    p.path.encoded_slash = EncodedSlashPolicy::DecodeAsSlash;
  } else if (c.encoded_slash == "keep") {
    p.path.encoded_slash = EncodedSlashPolicy::KeepEncoded;
  } else {
    return policyError(route, "unknown encoded_slash '" + c.encoded_slash + "'");
  }
  if (c.backslash == "reject") {
    p.path.backslash = BackslashPolicy::Reject;
  } else if (c.backslash == "slash") {
    p.path.backslash = BackslashPolicy::TreatAsSlash;
  } else {
    return policyError(route, "unknown backslash '" + c.backslash + "'");
  }
  if (c.path_parameters == "strip") {
    p.path.parameters = PathParameterPolicy::Strip;
  } else if (c.path_parameters == "keep") {
    p.path.parameters = PathParameterPolicy::Keep;
  } else if (c.path_parameters == "reject") {
    p.path.parameters = PathParameterPolicy::Reject;
  } else {
    return policyError(route, "unknown path_parameters '" + c.path_parameters + "'");
  }
  DuplicateParameterPolicy duplicates;
  if (c.duplicate_parameters == "allow") {
    duplicates = DuplicateParameterPolicy::Allow;
  } else if (c.duplicate_parameters == "reject") {
    duplicates = DuplicateParameterPolicy::Reject;
  } else if (c.duplicate_parameters == "first") {
    duplicates = DuplicateParameterPolicy::First;
  } else if (c.duplicate_parameters == "last") {
    duplicates = DuplicateParameterPolicy::Last;
  } else {
    return policyError(route, "unknown duplicate_parameters '" + c.duplicate_parameters + "'");
  }
  p.query.duplicates = duplicates;
  p.form.duplicates = duplicates;
  if (c.json_duplicate_keys == "reject") {
    p.json.duplicate_keys = DuplicateKeyPolicy::Reject;
  } else if (c.json_duplicate_keys == "allow") {
    p.json.duplicate_keys = DuplicateKeyPolicy::Allow;
  } else {
    return policyError(route, "unknown json_duplicate_keys '" + c.json_duplicate_keys + "'");
  }
  return out;
}

const RouteCanonicalPolicy* CanonicalStage::policyFor(const Exchange& ex) const noexcept {
  const RouteConfig* route = ex.route();
  if (route == nullptr) return nullptr;
  const std::size_t index = routeIndex(ex, route);
  if (index >= config_->routes.size() || !config_->routes[index].enabled) return nullptr;
  return &config_->routes[index];
}

BodyMode CanonicalStage::requestBodyMode(const Exchange& ex) const noexcept {
  return policyFor(ex) != nullptr ? BodyMode::Buffer : BodyMode::Stream;
}

Verdict CanonicalStage::onRequestHeaders(Exchange& ex) noexcept {
  const RouteCanonicalPolicy* policy = policyFor(ex);
  if (policy == nullptr || policy->methods.empty()) return Verdict::next();
  const std::string& method = ex.request().method;
  if (std::find(policy->methods.begin(), policy->methods.end(), method) != policy->methods.end())
    return Verdict::next();
  done_ = true;
  ex.worker().stats().inc(Counter::canonical_rejections_total);
  ex.worker().stats().recordDetectorReason(kDetector, kMethodNotAllowed);
  try {
    ex.record().local_reply_headers.push_back({"allow", policy->allow_header});
  } catch (...) {
    // The 405 goes out without Allow.
  }
  return Verdict::respond(405, kMethodNotAllowed);
}

Verdict CanonicalStage::onRequestBody(Exchange& ex, std::span<const std::byte> chunk,
                                      bool end) noexcept {
  if (done_ || !end) return Verdict::next();
  const RouteCanonicalPolicy* policy = policyFor(ex);
  if (policy == nullptr) return Verdict::next();
  done_ = true;
  WorkerStats& stats = ex.worker().stats();
  const auto refuse = [&](std::uint16_t status, std::string_view reason) {
    stats.inc(Counter::canonical_rejections_total);
    stats.recordDetectorReason(kDetector, reason);
    return Verdict::respond(status, reason);
  };
  try {
    const RequestHead& req = ex.request();
    std::string_view body = asText(chunk);
    const bool prefix_only = body.size() > policy->policy.max_body_bytes &&
                             policy->oversize == OversizeAction::InspectPrefix;
    // inspect_prefix: the target, headers and cookies are read as usual; the body is not parsed
    // (a cut JSON or multipart body never parses) but its first bytes are one RawBody field.
    auto view = buildCanonicalRequest(
        {req.method, req.target, req.headers, prefix_only ? std::string_view() : body},
        policy->policy);
    if (!view) return refuse(view.error().status, view.error().reason);
    auto shared = std::make_shared<CanonicalRequest>(std::move(view.value()));
    if (prefix_only) {
      const std::string_view prefix = body.substr(0, policy->inspect_prefix_bytes);
      shared->fields.push_back({FieldSource::RawBody, std::string(), std::string(prefix)});
      stats.inc(Counter::canonical_prefix_inspections_total);
    }
    // The raw target matched this route; the forwarded one must match it too.
    const RouteConfig* routed =
        ex.config().matchRoute(hostOfAuthority(req.authority), shared->forward_target);
    if (routed != ex.route()) return refuse(400, kRouteMismatch);

    DecisionRecord& record = ex.record();
    recordView(record, *shared);
    if (prefix_only) {
      record.body_parser = "raw";
      record.body_inspection = "prefix";
    }
    stats.inc(Counter::canonical_views_total);
    ex.mutableRequest().target = shared->forward_target;
    if (shared->body_forwarding == BodyForwarding::Rewritten) {
      if (!ex.replaceRequestBody(shared->forward_body)) return refuse(500, kCanonicalInternal);
      stats.inc(Counter::canonical_body_rewrites_total);
    }
    ex.setCanonicalRequest(std::move(shared));
  } catch (...) {
    // Out of memory: fail closed, the request was not inspected.
    return refuse(500, kCanonicalInternal);
  }
  return Verdict::next();
}

Result<std::unique_ptr<CanonicalStageFactory>> makeCanonicalStageFactory(
    const ConfigSnapshot& snapshot) {
  auto config = std::make_shared<CanonicalStageConfig>();
  bool any = false;
  for (const RouteConfig& route : snapshot.config.routes) {
    auto policy = compileRouteCanonicalPolicy(route, route.signatures.mode != SignatureMode::Off);
    if (!policy) return policy.error();
    any = any || policy->enabled;
    config->routes.push_back(std::move(policy.value()));
  }
  if (!any) return std::unique_ptr<CanonicalStageFactory>();
  return std::make_unique<CanonicalStageFactory>(std::move(config));
}

}  // namespace rampart::canonical
