#include "proxy/stats/stats.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <regex>
#include <sstream>
#include <string>

namespace rampart {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Total observations of `route` in bucket le="<le>" as rendered (cumulative).
std::string bucketLine(const std::string& route, const std::string& le) {
  return "rampart_request_duration_seconds_bucket{route=\"" + route + "\",le=\"" + le + "\"} ";
}

TEST_CASE("WorkerStats counts counters and gauges", "[stats]") {
  WorkerStats stats;
  stats.inc(Counter::downstream_connections_total);
  stats.inc(Counter::downstream_connections_total, 4);
  stats.inc(Counter::decision_log_dropped_total, 2);
  stats.gaugeAdd(Gauge::downstream_connections_active, 3);
  stats.gaugeAdd(Gauge::downstream_connections_active, -1);

  CHECK(stats.counter(Counter::downstream_connections_total) == 5);
  CHECK(stats.counter(Counter::decision_log_dropped_total) == 2);
  CHECK(stats.counter(Counter::upstream_timeouts_total) == 0);
  CHECK(stats.gauge(Gauge::downstream_connections_active) == 2);

  const StatsSnapshot snap = stats.snapshot();
  CHECK(snap.counter(Counter::downstream_connections_total) == 5);
  CHECK(snap.gauge(Gauge::downstream_connections_active) == 2);
}

TEST_CASE("Counter names come from the X-macro and all end in _total", "[stats]") {
  CHECK(counterName(Counter::downstream_connections_rejected_total) ==
        "downstream_connections_rejected_total");
  CHECK(gaugeName(Gauge::upstream_connections_idle) == "upstream_connections_idle");
  for (std::size_t i = 0; i < kCounterCount; ++i) {
    CHECK(counterName(static_cast<Counter>(i)).ends_with("_total"));
  }
}

TEST_CASE("Snapshots of two workers merge by adding", "[stats]") {
  WorkerStats a;
  WorkerStats b;
  a.inc(Counter::upstream_requests_total, 10);
  b.inc(Counter::upstream_requests_total, 5);
  a.gaugeAdd(Gauge::upstream_connections_idle, 2);
  b.gaugeAdd(Gauge::upstream_connections_idle, 3);
  a.recordRequest("api", 200, "ok", 300);
  a.recordRequest("api", 200, "ok", 700);
  b.recordRequest("api", 200, "ok", 2'000'000);
  b.recordRequest("api", 403, "crs_anomaly", 100);
  b.recordRequest("static", 200, "ok", 50);
  a.recordUpstreamError("backend", "upstream_connect_failed");
  b.recordUpstreamError("backend", "upstream_connect_failed");
  b.recordUpstreamError("backend", "upstream_timeout");

  StatsSnapshot merged = a.snapshot();
  merged.merge(b.snapshot());

  CHECK(merged.counter(Counter::upstream_requests_total) == 15);
  CHECK(merged.gauge(Gauge::upstream_connections_idle) == 5);
  CHECK(merged.requests.at({"api", 200, "ok"}) == 3);
  CHECK(merged.requests.at({"api", 403, "crs_anomaly"}) == 1);
  CHECK(merged.requests.at({"static", 200, "ok"}) == 1);
  CHECK(merged.requests.size() == 3);

  const LatencyHistogram& api = merged.request_latency.at("api");
  CHECK(api.count == 4);
  CHECK(api.sum_us == 300 + 700 + 2'000'000 + 100);
  CHECK(api.bucket_counts[0] == 2);  // 300 us and 100 us <= 0.0005 s
  CHECK(api.bucket_counts[1] == 1);  // 700 us <= 0.001 s
  CHECK(api.bucket_counts[LatencyHistogram::bucketIndex(2'000'000)] == 1);

  CHECK(merged.upstream_errors.at({"backend", "upstream_connect_failed"}) == 2);
  CHECK(merged.upstream_errors.at({"backend", "upstream_timeout"}) == 1);

  // Merging must not disturb the source snapshot, and merging an empty one is a no-op.
  StatsSnapshot again = merged;
  again.merge(StatsSnapshot{});
  CHECK(again.requests == merged.requests);
  CHECK(again.request_latency == merged.request_latency);
  CHECK(again.counters == merged.counters);
}

TEST_CASE("Histogram buckets are inclusive upper bounds", "[stats]") {
  // Each bound lands in its own bucket; one microsecond more lands in the next.
  for (std::size_t i = 0; i < kLatencyBucketBoundsUs.size(); ++i) {
    CHECK(LatencyHistogram::bucketIndex(kLatencyBucketBoundsUs[i]) == i);
    CHECK(LatencyHistogram::bucketIndex(kLatencyBucketBoundsUs[i] + 1) == i + 1);
  }
  CHECK(LatencyHistogram::bucketIndex(0) == 0);
  CHECK(LatencyHistogram::bucketIndex(10'000'001) == kLatencyBucketCount - 1);  // +Inf
  CHECK(LatencyHistogram::bucketIndex(INT64_MAX) == kLatencyBucketCount - 1);

  LatencyHistogram h;
  h.observe(-5);  // a clock step must not produce a negative sum
  CHECK(h.bucket_counts[0] == 1);
  CHECK(h.sum_us == 0);
}

TEST_CASE("Rendered buckets are cumulative with le labels", "[stats]") {
  WorkerStats stats;
  stats.recordRequest("r", 200, "ok", 500);         // le=0.0005
  stats.recordRequest("r", 200, "ok", 501);         // le=0.001
  stats.recordRequest("r", 200, "ok", 1'000'000);   // le=1
  stats.recordRequest("r", 200, "ok", 60'000'000);  // +Inf only
  const std::string text = renderPrometheus(stats.snapshot());

  CHECK(contains(text, bucketLine("r", "0.0005") + "1\n"));
  CHECK(contains(text, bucketLine("r", "0.001") + "2\n"));
  CHECK(contains(text, bucketLine("r", "0.5") + "2\n"));
  CHECK(contains(text, bucketLine("r", "1") + "3\n"));
  CHECK(contains(text, bucketLine("r", "10") + "3\n"));
  CHECK(contains(text, bucketLine("r", "+Inf") + "4\n"));
  CHECK(contains(text, "rampart_request_duration_seconds_count{route=\"r\"} 4\n"));
  CHECK(contains(text, "rampart_request_duration_seconds_sum{route=\"r\"} 61.001001\n"));
  CHECK(contains(text, "# TYPE rampart_request_duration_seconds histogram\n"));

  // Every le label spells exactly its bound, in plain decimal (no "5e-04").
  const std::regex le_label(R"(le="([^"]*)\")");
  std::size_t i = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), le_label);
       it != std::sregex_iterator(); ++it, ++i) {
    const std::string le = (*it)[1];
    INFO(le);
    CHECK(le.find('e') == std::string::npos);
    if (i < kLatencyBucketBoundsUs.size()) {
      CHECK(std::llround(std::stod(le) * 1e6) == kLatencyBucketBoundsUs[i]);
    } else {
      CHECK(le == "+Inf");
    }
  }
  CHECK(i == kLatencyBucketCount);
}

TEST_CASE("Label sets beyond the cap fold into route _overflow_", "[stats]") {
  WorkerStats stats;
  for (std::size_t i = 0; i < kMaxLabelSets; ++i) {
    stats.recordRequest("route" + std::to_string(i), 200, "ok", 10);
  }
  CHECK(stats.counter(Counter::stats_label_overflow_total) == 0);
  stats.recordRequest("one_too_many", 200, "ok", 10);
  stats.recordRequest("another", 200, "ok", 10);
  stats.recordRequest("another", 404, "no_route", 10);
  stats.recordRequest("route7", 200, "ok", 10);  // existing label set: still counted as itself

  StatsSnapshot snap = stats.snapshot();
  CHECK(stats.counter(Counter::stats_label_overflow_total) == 3);
  CHECK(snap.requests.size() == kMaxLabelSets + 2);
  CHECK(snap.requests.at({"_overflow_", 200, "ok"}) == 2);
  CHECK(snap.requests.at({"_overflow_", 404, "no_route"}) == 1);
  CHECK(snap.requests.at({"route7", 200, "ok"}) == 2);
  CHECK(snap.requests.count({"one_too_many", 200, "ok"}) == 0);
  CHECK(snap.request_latency.size() == kMaxLabelSets + 1);
  CHECK(snap.request_latency.at("_overflow_").count == 3);

  // Even the overflow entries are bounded: hostile reason strings end in one catch-all.
  for (std::size_t i = 0; i < kMaxOverflowLabelSets + 100; ++i) {
    stats.recordRequest("x", 200, "reason" + std::to_string(i), 10);
  }
  snap = stats.snapshot();
  CHECK(snap.requests.size() == kMaxLabelSets + kMaxOverflowLabelSets + 1);
  CHECK(snap.requests.count({"_overflow_", 0, "_overflow_"}) == 1);

  for (std::size_t i = 0; i < kMaxLabelSets + kMaxOverflowLabelSets + 10; ++i) {
    stats.recordUpstreamError("cluster" + std::to_string(i), "upstream_timeout");
  }
  snap = stats.snapshot();
  CHECK(snap.upstream_errors.size() == kMaxLabelSets + 1);
  CHECK(snap.upstream_errors.at({"_overflow_", "upstream_timeout"}) == kMaxOverflowLabelSets + 10);
}

TEST_CASE("Prometheus output parses line by line", "[stats]") {
  WorkerStats a;
  WorkerStats b;
  a.inc(Counter::local_replies_total, 7);
  a.gaugeAdd(Gauge::downstream_streams_active, -2);
  a.recordRequest("api", 200, "ok", 1234);
  a.recordRequest("", 404, "no_route", 10);
  b.recordRequest("weird\"route\\with\nnewline", 403, "crs_anomaly", 99);
  b.recordUpstreamError("pool \"a\"", "upstream_bad_response");
  StatsSnapshot snap = a.snapshot();
  snap.merge(b.snapshot());
  const std::string text = renderPrometheus(
      snap,
      {{"config_generation", 3}, {"rampart_uptime_seconds", 12.5}, {"bad name-with.dots", 1}});

  // name, optional {label="value",...}, one space, a Go-parsable float.
  const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*)"
                          R"((\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")"
                          R"((,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})?)"
                          R"( ([-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]Inf|NaN)$)");
  const std::regex comment(R"(^# (HELP|TYPE) rampart_[a-zA-Z0-9_:]+ .*$)");
  const std::regex type_line(R"(^# TYPE \S+ (counter|gauge|histogram)$)");

  std::size_t samples = 0;
  for (const std::string& line : lines(text)) {
    INFO(line);
    REQUIRE_FALSE(line.empty());
    if (line[0] == '#') {
      CHECK(std::regex_match(line, comment));
      if (line.starts_with("# TYPE")) CHECK(std::regex_match(line, type_line));
    } else {
      CHECK(std::regex_match(line, sample));
      CHECK(line.starts_with("rampart_"));
      ++samples;
    }
  }
  CHECK(samples > kCounterCount + kGaugeCount);
  CHECK(text.back() == '\n');

  CHECK(contains(text,
                 "# TYPE rampart_local_replies_total counter\nrampart_local_replies_total 7\n"));
  CHECK(contains(text, "rampart_downstream_streams_active -2\n"));
  CHECK(contains(text, "rampart_requests_total{route=\"api\",status=\"200\",reason=\"ok\"} 1\n"));
  CHECK(
      contains(text, "rampart_requests_total{route=\"\",status=\"404\",reason=\"no_route\"} 1\n"));
  CHECK(contains(text,
                 "rampart_requests_total{route=\"weird\\\"route\\\\with\\nnewline\","
                 "status=\"403\",reason=\"crs_anomaly\"} 1\n"));
  CHECK(contains(text,
                 "rampart_upstream_errors_total{cluster=\"pool \\\"a\\\"\","
                 "reason=\"upstream_bad_response\"} 1\n"));
  CHECK(contains(text, "# TYPE rampart_config_generation gauge\nrampart_config_generation 3\n"));
  CHECK(contains(text, "\nrampart_uptime_seconds 12.5\n"));
  CHECK(contains(text, "\nrampart_bad_name_with_dots 1\n"));
}

TEST_CASE("Label value escaping follows the exposition format", "[stats]") {
  std::string out;
  appendPrometheusLabelValue(out, "a\"b\\c\nd\te");
  CHECK(out == "a\\\"b\\\\c\\nd\te");
}

}  // namespace
}  // namespace rampart
