#include "proxy/replay/decision_log_reader.h"

#include <sys/stat.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "proxy/replay/json_value.h"

namespace rampart::replay {
namespace {

bool isHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// True when s[i..i+36) has the 8-4-4-4-12 uuid shape.
bool uuidAt(std::string_view s, std::size_t i) {
  if (i + 36 > s.size()) return false;
  for (std::size_t k = 0; k < 36; ++k) {
    const char c = s[i + k];
    if (k == 8 || k == 13 || k == 18 || k == 23) {
      if (c != '-') return false;
    } else if (!isHex(c)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<RecordInfo> parseRecordLine(std::string_view line) {
  auto json = parseJson(line);
  if (!json || json->type != JsonValue::Type::Object) return std::nullopt;
  const JsonValue* id = json->get("request_id");
  if (id == nullptr || id->type != JsonValue::Type::String) return std::nullopt;
  RecordInfo info;
  info.request_id = id->text;
  const std::string status = json->scalar("status");
  info.status = status.empty() ? 0 : std::atoi(status.c_str());
  info.action = json->scalar("action");
  info.reason = json->scalar("reason");
  if (const JsonValue* rules = json->get("rules");
      rules != nullptr && rules->type == JsonValue::Type::Array) {
    for (const JsonValue& r : rules->items) {
      if (r.type == JsonValue::Type::Object) {
        const std::string rid = r.scalar("id");
        if (!rid.empty()) info.rule_ids.push_back(rid);
      } else if (r.type == JsonValue::Type::String || r.type == JsonValue::Type::Number) {
        info.rule_ids.push_back(r.text);
      }
    }
  }
  if (const JsonValue* signatures = json->get("signatures");
      signatures != nullptr && signatures->type == JsonValue::Type::Array) {
    for (const JsonValue& s : signatures->items) {
      if (s.type != JsonValue::Type::Object) continue;
      const std::string sid = s.scalar("id");
      if (!sid.empty()) info.signature_ids.push_back(sid);
    }
  }
  return info;
}

DecisionLogReader::DecisionLogReader(std::string path, bool from_end) : path_(std::move(path)) {
  struct stat st{};
  if (from_end && ::stat(path_.c_str(), &st) == 0) offset_ = static_cast<std::uint64_t>(st.st_size);
}

void DecisionLogReader::indexLine(std::string_view line) {
  auto info = parseRecordLine(line);
  if (!info) return;
  for (std::size_t i = 0; i + 36 <= line.size(); ++i) {
    if (uuidAt(line, i)) {
      marker_to_id_.emplace(std::string(line.substr(i, 36)), info->request_id);
      i += 35;
    }
  }
  std::string id = info->request_id;
  by_id_.insert_or_assign(std::move(id), std::move(*info));
}

void DecisionLogReader::pollLocked() {
  struct stat st{};
  if (::stat(path_.c_str(), &st) != 0) return;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < offset_) {  // truncated or rotated: start over
    offset_ = 0;
    partial_.clear();
  }
  if (size == offset_) return;
  std::ifstream in(path_, std::ios::binary);
  if (!in) return;
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string chunk(size - offset_, '\0');
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  chunk.resize(static_cast<std::size_t>(in.gcount()));
  offset_ += chunk.size();
  partial_ += chunk;
  std::size_t start = 0;
  while (true) {
    const std::size_t nl = partial_.find('\n', start);
    if (nl == std::string::npos) break;
    indexLine(std::string_view(partial_).substr(start, nl - start));
    start = nl + 1;
  }
  partial_.erase(0, start);
}

std::optional<RecordInfo> DecisionLogReader::waitFor(std::string_view request_id,
                                                     std::string_view marker,
                                                     std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      pollLocked();
      if (!request_id.empty()) {
        auto it = by_id_.find(std::string(request_id));
        if (it != by_id_.end()) return it->second;
      }
      if (!marker.empty()) {
        auto m = marker_to_id_.find(std::string(marker));
        if (m != marker_to_id_.end()) {
          auto it = by_id_.find(m->second);
          if (it != by_id_.end()) return it->second;
        }
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace rampart::replay
