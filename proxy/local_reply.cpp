#include "proxy/local_reply.h"

#include "proxy/log/decision_record_json.h"

namespace rampart {

LocalReply makeLocalReply(std::uint16_t status, std::string_view reason,
                          std::string_view request_id) {
  LocalReply reply;
  reply.body = "{\"status\":" + std::to_string(status) + ",\"reason\":";
  appendJsonString(reply.body, reason);
  reply.body += ",\"request_id\":";
  appendJsonString(reply.body, request_id);
  reply.body += "}\n";
  reply.head.status = status;
  reply.head.headers.add("content-type", "application/json");
  reply.head.headers.add("content-length", std::to_string(reply.body.size()));
  reply.head.headers.add("cache-control", "no-store");
  reply.head.headers.add("x-request-id", std::string(request_id));
  reply.head.content_length = static_cast<std::int64_t>(reply.body.size());
  reply.head.has_body = true;
  return reply;
}

}  // namespace rampart
