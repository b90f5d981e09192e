// The HTTP/2 fingerprint of a client: what its HTTP/2 stack sends before and with its first
// request. Browsers and libraries differ in SETTINGS (which ids, values, order), the connection
// WINDOW_UPDATE, PRIORITY frames and the order of pseudo-headers, and none of it is under the
// control of a script that only sets a User-Agent. Format (Akamai's, as published in "Passive
// Fingerprinting of HTTP/2 Clients", Black Hat EU 2017; docs/bots.md):
//
//   SETTINGS|WINDOW_UPDATE|PRIORITY|PSEUDO_HEADER_ORDER
//   1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p
//
// - SETTINGS: `id:value` of the client's first SETTINGS frame, wire order, `;`-joined.
// - WINDOW_UPDATE: the increment of the first connection-level WINDOW_UPDATE sent before the first
//   HEADERS; `00` when there was none.
// - PRIORITY: PRIORITY frames before the first HEADERS as `stream:exclusive:depends_on:weight`,
//   `,`-joined, at most kMaxPriorityFrames; `0` when there were none.
// - PSEUDO_HEADER_ORDER: first letters of the request's pseudo-headers in wire order
//   (m = :method, a = :authority, s = :scheme, p = :path, t = :protocol).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::bot {

// Collects the connection part on one HTTP/2 session. Fed by the server session's frame
// callbacks; frozen by the first request HEADERS (later frames do not change it).
class Http2FingerprintBuilder {
 public:
  static constexpr std::size_t kMaxSettings = 32;        // nghttp2 refuses more per frame anyway
  static constexpr std::size_t kMaxPriorityFrames = 16;  // bounded: a flood adds nothing

  struct SettingEntry {
    std::int32_t id;
    std::uint32_t value;
  };

  // The client's SETTINGS frame (not the ACK). Only the first one counts.
  void onSettings(const SettingEntry* entries, std::size_t count);
  void onWindowUpdate(std::int32_t stream_id, std::int32_t increment);
  void onPriority(std::int32_t stream_id, std::int32_t depends_on, std::int32_t weight,
                  bool exclusive);
  // The first request HEADERS arrived: the connection part is final from now on.
  void freeze();

  // "SETTINGS|WINDOW_UPDATE|PRIORITY", built once at freeze().
  const std::string& connectionPart() const { return connection_part_; }
  bool frozen() const { return frozen_; }

 private:
  bool frozen_ = false;
  bool settings_seen_ = false;
  std::string settings_;
  std::string window_update_ = "00";
  std::string priority_;
  std::size_t priority_frames_ = 0;
  std::string connection_part_;
};

// Appends the letter for one pseudo-header to `order` ("m", then ",a", ...); unknown pseudo-headers
// add "?" (nghttp2 rejects them before a stage sees the request). At most 8 letters are kept.
void appendPseudoHeader(std::string& order, std::string_view name);

// The full fingerprint of one request: the connection part, `|`, the request's pseudo-header order.
std::string http2Fingerprint(const Http2FingerprintBuilder& connection,
                             std::string_view pseudo_header_order);

}  // namespace rampart::bot
