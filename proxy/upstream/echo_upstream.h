// The built-in `echo` cluster type: answers in-process with a JSON summary of what it received
// (method, path, headers, body length and SHA-256), so the demo and the tests need no backend.
// Test knobs, read from the forwarded request headers:
//   x-echo-response-bytes: N  -> the body is N bytes (capped at 1 GiB) instead of the summary,
//                                streamed with backpressure; the summary moves to headers
//   x-echo-delay-ms: N        -> answer after N ms (capped at 60 s)
//   x-echo-status: NNN        -> answer with this status (200-599)
#pragma once

#include <memory>

#include "proxy/upstream/upstream_request.h"

namespace rampart {

std::unique_ptr<UpstreamRequest> createEchoUpstreamRequest(WorkerContext& worker,
                                                           RequestHead&& head,
                                                           UpstreamCallbacks& callbacks);

}  // namespace rampart
