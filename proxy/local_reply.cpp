#include "proxy/local_reply.h"

#include <utility>

#include "proxy/log/decision_record_json.h"

namespace rampart {

LocalReply makeLocalReplyWithBody(std::uint16_t status, std::string_view request_id,
                                  std::string content_type, std::string body) {
  LocalReply reply;
  reply.body = std::move(body);
  reply.head.status = status;
  reply.head.headers.add("content-type", std::move(content_type));
  reply.head.headers.add("content-length", std::to_string(reply.body.size()));
  reply.head.headers.add("cache-control", "no-store");
  reply.head.headers.add("x-request-id", std::string(request_id));
  reply.head.content_length = static_cast<std::int64_t>(reply.body.size());
  reply.head.has_body = true;
  return reply;
}

LocalReply makeLocalReply(std::uint16_t status, std::string_view reason,
                          std::string_view request_id) {
  std::string body = "{\"status\":" + std::to_string(status) + ",\"reason\":";
  appendJsonString(body, reason);
  body += ",\"request_id\":";
  appendJsonString(body, request_id);
  body += "}\n";
  return makeLocalReplyWithBody(status, request_id, "application/json", std::move(body));
}

}  // namespace rampart
