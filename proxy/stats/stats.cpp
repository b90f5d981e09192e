#include "proxy/stats/stats.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace rampart {
namespace {

#define RAMPART_STATS_NAME_ENTRY(name, help) std::string_view(#name),
#define RAMPART_STATS_HELP_ENTRY(name, help) std::string_view(help),
constexpr std::array<std::string_view, kCounterCount> kCounterNames = {
    RAMPART_COUNTERS(RAMPART_STATS_NAME_ENTRY)};
constexpr std::array<std::string_view, kCounterCount> kCounterHelp = {
    RAMPART_COUNTERS(RAMPART_STATS_HELP_ENTRY)};
constexpr std::array<std::string_view, kGaugeCount> kGaugeNames = {
    RAMPART_GAUGES(RAMPART_STATS_NAME_ENTRY)};
constexpr std::array<std::string_view, kGaugeCount> kGaugeHelp = {
    RAMPART_GAUGES(RAMPART_STATS_HELP_ENTRY)};
#undef RAMPART_STATS_NAME_ENTRY
#undef RAMPART_STATS_HELP_ENTRY

constexpr std::string_view kPrefix = "rampart_";

// `le` label values written out by hand: std::to_chars' shortest form would print 0.0005 as
// "5e-04", valid but unlike every other exporter, which breaks copy-pasted dashboard queries.
constexpr std::array<std::string_view, kLatencyBucketCount> kLatencyBucketLabels = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25",   "0.5",   "1",      "2.5",   "5",    "10",    "+Inf"};

// Mixes b into a (boost::hash_combine's constant); good enough for a few thousand label sets.
std::size_t hashCombine(std::size_t a, std::size_t b) {
  return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
}

RequestLabels owned(const stats_internal::RequestLabelsView& v) {
  return {std::string(v.route), v.status, std::string(v.reason)};
}
UpstreamErrorLabels owned(const stats_internal::UpstreamErrorLabelsView& v) {
  return {std::string(v.cluster), std::string(v.reason)};
}
std::string owned(std::string_view v) { return std::string(v); }

// Returns the value slot for `key`, inserting it if the map holds fewer than `limit` entries;
// nullptr when the key is new and the map is full, so the caller folds it into an overflow key.
template <typename Map, typename Key>
typename Map::mapped_type* findOrInsert(Map& map, const Key& key, std::size_t limit) {
  if (auto it = map.find(key); it != map.end()) return &it->second;
  if (map.size() >= limit) return nullptr;
  return &map.try_emplace(owned(key)).first->second;
}

void appendUint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, end);
}

void appendInt(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, end);
}

// Prometheus follows Go's ParseFloat: shortest round-trip digits, "+Inf", "-Inf", "NaN".
void appendDouble(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, end);
}

void appendHeader(std::string& out, std::string_view name, std::string_view help,
                  std::string_view type) {
  // HELP text escaping (backslash, newline) differs from label values: no quote escaping.
  out += "# HELP ";
  out += name;
  out += ' ';
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void appendLabel(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += "=\"";
  appendPrometheusLabelValue(out, value);
  out += '"';
}

// Digits are always fine here: the output starts with the "rampart_" prefix either way.
bool isMetricNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == ':';
}

std::string sanitizedMetricName(std::string_view name) {
  std::string out;
  if (!name.starts_with(kPrefix)) out = kPrefix;
  for (char c : name) out += isMetricNameChar(c) ? c : '_';
  return out;
}

}  // namespace

std::string_view counterName(Counter c) { return kCounterNames[static_cast<std::size_t>(c)]; }
std::string_view gaugeName(Gauge g) { return kGaugeNames[static_cast<std::size_t>(g)]; }

namespace stats_internal {

std::size_t LabelHash::operator()(const RequestLabelsView& l) const {
  std::size_t h = std::hash<std::string_view>{}(l.route);
  h = hashCombine(h, std::hash<std::string_view>{}(l.reason));
  return hashCombine(h, std::hash<int>{}(l.status));
}

std::size_t LabelHash::operator()(const UpstreamErrorLabelsView& l) const {
  return hashCombine(std::hash<std::string_view>{}(l.cluster),
                     std::hash<std::string_view>{}(l.reason));
}

}  // namespace stats_internal

std::size_t LatencyHistogram::bucketIndex(std::int64_t duration_us) {
  // 14 bounds: a linear scan is as fast as a binary search and obviously right.
  for (std::size_t i = 0; i < kLatencyBucketBoundsUs.size(); ++i) {
    if (duration_us <= kLatencyBucketBoundsUs[i]) return i;
  }
  return kLatencyBucketCount - 1;
}

void LatencyHistogram::observe(std::int64_t duration_us) {
  if (duration_us < 0) duration_us = 0;
  ++bucket_counts[bucketIndex(duration_us)];
  ++count;
  sum_us += duration_us;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kLatencyBucketCount; ++i) bucket_counts[i] += other.bucket_counts[i];
  count += other.count;
  sum_us += other.sum_us;
}

void StatsSnapshot::merge(const StatsSnapshot& other) {
  for (std::size_t i = 0; i < kCounterCount; ++i) counters[i] += other.counters[i];
  for (std::size_t i = 0; i < kGaugeCount; ++i) gauges[i] += other.gauges[i];
  for (const auto& [labels, n] : other.requests) requests[labels] += n;
  for (const auto& [route, histogram] : other.request_latency) {
    request_latency[route].merge(histogram);
  }
  for (const auto& [labels, n] : other.upstream_errors) upstream_errors[labels] += n;
  for (const auto& [labels, n] : other.detector_reasons) detector_reasons[labels] += n;
}

void WorkerStats::recordRequest(std::string_view route, int status, std::string_view reason,
                                std::int64_t duration_us) {
  using stats_internal::RequestLabelsView;
  bool folded = false;

  std::uint64_t* requests =
      findOrInsert(requests_, RequestLabelsView{route, status, reason}, kMaxLabelSets);
  if (requests == nullptr) {
    folded = true;
    requests = findOrInsert(requests_, RequestLabelsView{kOverflowLabel, status, reason},
                            kMaxLabelSets + kMaxOverflowLabelSets);
  }
  if (requests == nullptr) {
    requests = findOrInsert(requests_, RequestLabelsView{kOverflowLabel, 0, kOverflowLabel},
                            std::numeric_limits<std::size_t>::max());
  }
  ++*requests;

  LatencyHistogram* latency = findOrInsert(request_latency_, route, kMaxLabelSets);
  if (latency == nullptr) {
    folded = true;
    latency =
        findOrInsert(request_latency_, kOverflowLabel, std::numeric_limits<std::size_t>::max());
  }
  latency->observe(duration_us);

  if (folded) inc(Counter::stats_label_overflow_total);
}

void WorkerStats::recordUpstreamError(std::string_view cluster, std::string_view reason) {
  using stats_internal::UpstreamErrorLabelsView;
  std::uint64_t* errors =
      findOrInsert(upstream_errors_, UpstreamErrorLabelsView{cluster, reason}, kMaxLabelSets);
  if (errors == nullptr) {
    inc(Counter::stats_label_overflow_total);
    errors = findOrInsert(upstream_errors_, UpstreamErrorLabelsView{kOverflowLabel, reason},
                          kMaxLabelSets + kMaxOverflowLabelSets);
  }
  if (errors == nullptr) {
    errors = findOrInsert(upstream_errors_, UpstreamErrorLabelsView{kOverflowLabel, kOverflowLabel},
                          std::numeric_limits<std::size_t>::max());
  }
  ++*errors;
}

void WorkerStats::recordDetectorReason(std::string_view detector, std::string_view reason) {
  try {
    std::pair<std::string, std::string> key{std::string(detector), std::string(reason)};
    auto it = detector_reasons_.find(key);
    if (it == detector_reasons_.end()) {
      if (detector_reasons_.size() >= kMaxLabelSets) {
        inc(Counter::stats_label_overflow_total);
        key = {std::string(detector), std::string(kOverflowLabel)};
      }
      it = detector_reasons_.try_emplace(std::move(key), 0).first;
    }
    ++it->second;
  } catch (...) {
    // A counter is not worth failing the request for.
  }
}

std::uint64_t WorkerStats::detectorReason(std::string_view detector,
                                          std::string_view reason) const {
  auto it = detector_reasons_.find({std::string(detector), std::string(reason)});
  return it == detector_reasons_.end() ? 0 : it->second;
}

StatsSnapshot WorkerStats::snapshot() const {
  StatsSnapshot s;
  s.counters = counters_;
  s.gauges = gauges_;
  s.requests.insert(requests_.begin(), requests_.end());
  s.request_latency.insert(request_latency_.begin(), request_latency_.end());
  s.upstream_errors.insert(upstream_errors_.begin(), upstream_errors_.end());
  s.detector_reasons = detector_reasons_;
  return s;
}

void appendPrometheusLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

std::string renderPrometheus(const StatsSnapshot& snapshot,
                             const std::vector<std::pair<std::string, double>>& extra_gauges) {
  std::string out;
  out.reserve(4096 + snapshot.requests.size() * 96 + snapshot.request_latency.size() * 1200);
  std::string name;

  for (std::size_t i = 0; i < kCounterCount; ++i) {
    name.assign(kPrefix).append(kCounterNames[i]);
    appendHeader(out, name, kCounterHelp[i], "counter");
    out += name;
    out += ' ';
    appendUint(out, snapshot.counters[i]);
    out += '\n';
  }
  for (std::size_t i = 0; i < kGaugeCount; ++i) {
    name.assign(kPrefix).append(kGaugeNames[i]);
    appendHeader(out, name, kGaugeHelp[i], "gauge");
    out += name;
    out += ' ';
    appendInt(out, snapshot.gauges[i]);
    out += '\n';
  }

  appendHeader(out, "rampart_requests_total",
               "Requests completed, by route, downstream status and decision reason.", "counter");
  for (const auto& [labels, n] : snapshot.requests) {
    out += "rampart_requests_total{";
    appendLabel(out, "route", labels.route);
    out += ',';
    out += "status=\"";
    appendInt(out, labels.status);
    out += "\",";
    appendLabel(out, "reason", labels.reason);
    out += "} ";
    appendUint(out, n);
    out += '\n';
  }

  appendHeader(out, "rampart_request_duration_seconds",
               "Request duration from first request byte to end of response, by route.",
               "histogram");
  for (const auto& [route, histogram] : snapshot.request_latency) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kLatencyBucketCount; ++i) {
      cumulative += histogram.bucket_counts[i];
      out += "rampart_request_duration_seconds_bucket{";
      appendLabel(out, "route", route);
      out += ",le=\"";
      out += kLatencyBucketLabels[i];
      out += "\"} ";
      appendUint(out, cumulative);
      out += '\n';
    }
    out += "rampart_request_duration_seconds_sum{";
    appendLabel(out, "route", route);
    out += "} ";
    appendDouble(out, static_cast<double>(histogram.sum_us) / 1e6);
    out += "\nrampart_request_duration_seconds_count{";
    appendLabel(out, "route", route);
    out += "} ";
    appendUint(out, histogram.count);
    out += '\n';
  }

  appendHeader(out, "rampart_upstream_errors_total", "Upstream failures, by cluster and reason.",
               "counter");
  for (const auto& [labels, n] : snapshot.upstream_errors) {
    out += "rampart_upstream_errors_total{";
    appendLabel(out, "cluster", labels.cluster);
    out += ',';
    appendLabel(out, "reason", labels.reason);
    out += "} ";
    appendUint(out, n);
    out += '\n';
  }

  appendHeader(out, "rampart_detector_reasons_total",
               "Detector decisions (canonical refusals, signature outcomes), by reason.",
               "counter");
  for (const auto& [labels, n] : snapshot.detector_reasons) {
    out += "rampart_detector_reasons_total{";
    appendLabel(out, "detector", labels.first);
    out += ',';
    appendLabel(out, "reason", labels.second);
    out += "} ";
    appendUint(out, n);
    out += '\n';
  }

  for (const auto& [raw_name, value] : extra_gauges) {
    name = sanitizedMetricName(raw_name);
    out += "# TYPE ";
    out += name;
    out += " gauge\n";
    out += name;
    out += ' ';
    appendDouble(out, value);
    out += '\n';
  }
  return out;
}

}  // namespace rampart
