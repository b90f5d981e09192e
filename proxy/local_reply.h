// The one place that shapes a local reply: JSON {status, reason, request_id} (or a body a stage
// supplies, such as the challenge page), no-store, and the request id header. Errors carry their
// status (see proxy/api/error.h); this only renders.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/api/headers.h"

namespace rampart {

struct LocalReply {
  ResponseHead head;
  std::string body;
};

LocalReply makeLocalReply(std::uint16_t status, std::string_view reason,
                          std::string_view request_id);

// The same reply with a stage's own body (the challenge page) instead of the JSON one; still
// no-store and with the request id header.
LocalReply makeLocalReplyWithBody(std::uint16_t status, std::string_view request_id,
                                  std::string content_type, std::string body);

}  // namespace rampart
