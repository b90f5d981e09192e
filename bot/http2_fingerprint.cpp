#include "bot/http2_fingerprint.h"

#include <algorithm>

namespace rampart::bot {

void Http2FingerprintBuilder::onSettings(const SettingEntry* entries, std::size_t count) {
  if (frozen_ || settings_seen_) return;
  settings_seen_ = true;
  count = std::min(count, kMaxSettings);
  for (std::size_t i = 0; i < count; ++i) {
    if (i != 0) settings_ += ';';
    settings_ += std::to_string(entries[i].id);
    settings_ += ':';
    settings_ += std::to_string(entries[i].value);
  }
}

void Http2FingerprintBuilder::onWindowUpdate(std::int32_t stream_id, std::int32_t increment) {
  // Only the connection window, and only the first update: Chrome sends one right after SETTINGS.
  if (frozen_ || stream_id != 0 || window_update_ != "00") return;
  window_update_ = std::to_string(increment);
}

void Http2FingerprintBuilder::onPriority(std::int32_t stream_id, std::int32_t depends_on,
                                         std::int32_t weight, bool exclusive) {
  if (frozen_ || priority_frames_ >= kMaxPriorityFrames) return;
  if (priority_frames_++ != 0) priority_ += ',';
  priority_ += std::to_string(stream_id);
  priority_ += ':';
  priority_ += exclusive ? '1' : '0';
  priority_ += ':';
  priority_ += std::to_string(depends_on);
  priority_ += ':';
  priority_ += std::to_string(weight);
}

void Http2FingerprintBuilder::freeze() {
  if (frozen_) return;
  frozen_ = true;
  connection_part_.reserve(settings_.size() + window_update_.size() + priority_.size() + 4);
  connection_part_ = settings_;
  connection_part_ += '|';
  connection_part_ += window_update_;
  connection_part_ += '|';
  connection_part_ += priority_frames_ == 0 ? std::string("0") : priority_;
}

void appendPseudoHeader(std::string& order, std::string_view name) {
  constexpr std::size_t kMaxLetters = 8;
  if (order.size() >= 2 * kMaxLetters - 1) return;
  char letter = '?';
  if (name == ":method") letter = 'm';
  else if (name == ":authority") letter = 'a';
  else if (name == ":scheme") letter = 's';
  else if (name == ":path") letter = 'p';
  else if (name == ":protocol") letter = 't';
  if (!order.empty()) order += ',';
  order += letter;
}

std::string http2Fingerprint(const Http2FingerprintBuilder& connection,
                             std::string_view pseudo_header_order) {
  std::string out;
  out.reserve(connection.connectionPart().size() + 1 + pseudo_header_order.size());
  out = connection.connectionPart();
  out += '|';
  out += pseudo_header_order;
  return out;
}

}  // namespace rampart::bot
