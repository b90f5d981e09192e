// Something the canonical view let through by policy but that a detector should weigh: today
// only double encoding under DoubleEncodingPolicy::Flag. Anomalies are not errors; the view
// records them next to the fields so a later stage (signatures, the enforcer) can add a score.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "detectors/canonical/field.h"

namespace rampart::canonical {

enum class AnomalyKind : std::uint8_t {
  DoubleEncoding,  // a decoded value still holds "%HH": the client encoded it twice
};

constexpr std::string_view anomalyKindName(AnomalyKind kind) {
  switch (kind) {
    case AnomalyKind::DoubleEncoding: return "double_encoding";
  }
  return "unknown";
}

struct Anomaly {
  AnomalyKind kind;
  FieldSource source;  // where it was seen
  std::string name;    // the parameter/cookie name (empty for the path)
};

// Bounded: past kMaxAnomalies the rest are counted, not stored (a hostile request could
// otherwise make one per parameter).
class AnomalyList {
 public:
  static constexpr std::size_t kMaxAnomalies = 32;
  void add(AnomalyKind kind, FieldSource source, std::string_view name) {
    ++total_;
    if (items_.size() < kMaxAnomalies) items_.push_back({kind, source, std::string(name)});
  }
  const std::vector<Anomaly>& items() const { return items_; }
  std::size_t total() const { return total_; }
  bool empty() const { return total_ == 0; }

 private:
  std::vector<Anomaly> items_;
  std::size_t total_ = 0;
};

}  // namespace rampart::canonical
