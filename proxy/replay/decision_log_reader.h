// Finds the decision record (docs/decision-record.md) of one replayed request in rampart's
// decision log file: by request id (the x-request-id response header equals the record's
// request_id), or by the replay marker when no response came (any record line that contains the
// marker, e.g. when rampart trusts an incoming id or a stage records the header). No scraping by
// time. One reader is shared by all replay threads: it tails the file from where it stood when
// the reader was created and indexes each new line once.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rampart::replay {

// What the judge needs from one record.
struct RecordInfo {
  std::string request_id;
  int status = 0;
  std::string action;                 // allow | block | error | reset
  std::string reason;
  std::vector<std::string> rule_ids;  // rules[].id; an absent `rules` key means no rules
  std::vector<std::string> signature_ids;  // signatures[].id (rampart's signature engine)
};

// nullopt when `line` is not a JSON object with a string request_id.
std::optional<RecordInfo> parseRecordLine(std::string_view line);

class DecisionLogReader {
 public:
  // from_end: skip what the file already holds (records of earlier runs).
  explicit DecisionLogReader(std::string path, bool from_end = true);

  // Polls the file until the record appears or `timeout` passes. Thread-safe.
  std::optional<RecordInfo> waitFor(std::string_view request_id, std::string_view marker,
                                    std::chrono::milliseconds timeout);

  const std::string& path() const { return path_; }

 private:
  void pollLocked();
  void indexLine(std::string_view line);

  std::mutex mu_;
  std::string path_;
  std::uint64_t offset_ = 0;
  std::string partial_;  // an incomplete last line
  std::unordered_map<std::string, RecordInfo> by_id_;
  std::unordered_map<std::string, std::string> marker_to_id_;  // uuid seen in a line -> id
};

}  // namespace rampart::replay
