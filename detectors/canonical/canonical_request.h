// The canonical request view (issue 5): the request parsed once, canonically, into the flat
// FieldList every detector reads, plus the target (and, where a policy rewrote it, the body)
// that must be forwarded so the upstream receives exactly what was inspected. Anything two
// parsers could read differently is refused with a reason instead.
//
// In the pipeline: CanonicalStage (canonical_stage.h) calls it once per request on routes that
// build the view (docs/architecture.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "detectors/canonical/anomaly.h"
#include "detectors/canonical/body_contract.h"
#include "detectors/canonical/canonical_error.h"
#include "detectors/canonical/canonical_policy.h"
#include "detectors/canonical/field.h"
#include "proxy/api/error.h"
#include "proxy/api/headers.h"

namespace rampart::canonical {

struct RequestInput {
  std::string_view method;
  std::string_view target;  // origin-form "/p?q", or "*" for OPTIONS
  const HeaderList& headers;
  std::string_view body;    // the whole body (the caller buffers it; max_body_bytes bounds it)
};

enum class BodyForwarding : std::uint8_t {
  AsReceived,  // forward the body bytes unchanged
  Rewritten,   // forward `forward_body` (a form whose duplicates a First/Last policy removed)
};

struct CanonicalRequest {
  // Path, query names/values, header names/values, cookies, then body fields, in that order.
  FieldList fields;
  std::string path;            // the decoded, normalised path (also the Path field)
  std::string forward_target;  // canonical path + ("?" + canonical query, when it has any)
  std::optional<BodyParser> body_parser;  // which parser read the body; nullopt: empty body
  BodyForwarding body_forwarding = BodyForwarding::AsReceived;
  std::string forward_body;    // Rewritten only
  AnomalyList anomalies;       // let through by policy, worth a score
};

// A refusal is an Error (proxy/api/error.h): reason = reasonOf(CanonicalError), status =
// statusOf(...), source Downstream, detail = the part concerned ("target", "cookie", the body's
// media type).
Result<CanonicalRequest> buildCanonicalRequest(const RequestInput& input, const CanonicalPolicy& policy);

}  // namespace rampart::canonical
