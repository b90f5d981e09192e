// The HTTP/2 fingerprint (bot/http2_fingerprint.cpp).
#include "bot/http2_fingerprint.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

namespace rampart::bot {
namespace {

TEST_CASE("h2 fingerprint: Chrome's preamble as Chrome sends it", "[bot][h2_fingerprint]") {
  Http2FingerprintBuilder b;
  const std::vector<Http2FingerprintBuilder::SettingEntry> settings = {
      {1, 65536}, {2, 0}, {4, 6291456}, {6, 262144}};
  b.onSettings(settings.data(), settings.size());
  b.onWindowUpdate(0, 15663105);
  b.freeze();
  std::string order;
  for (const char* p : {":method", ":authority", ":scheme", ":path"}) appendPseudoHeader(order, p);
  CHECK(http2Fingerprint(b, order) == "1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p");
}

TEST_CASE("h2 fingerprint: priority frames, no window update, later frames ignored",
          "[bot][h2_fingerprint]") {
  Http2FingerprintBuilder b;
  const std::vector<Http2FingerprintBuilder::SettingEntry> settings = {{3, 100}, {4, 10485760}};
  b.onSettings(settings.data(), settings.size());
  b.onPriority(3, 0, 201, false);
  b.onPriority(5, 0, 101, true);
  b.onWindowUpdate(1, 999);  // a stream window: not part of the fingerprint
  b.freeze();
  // After the first HEADERS nothing changes the connection part.
  const std::vector<Http2FingerprintBuilder::SettingEntry> later = {{1, 1}};
  b.onSettings(later.data(), later.size());
  b.onWindowUpdate(0, 5);
  b.onPriority(7, 0, 1, false);
  CHECK(b.connectionPart() == "3:100;4:10485760|00|3:0:0:201,5:1:0:101");
}

TEST_CASE("h2 fingerprint: only the first SETTINGS frame, bounded lists", "[bot][h2_fingerprint]") {
  Http2FingerprintBuilder b;
  const std::vector<Http2FingerprintBuilder::SettingEntry> first = {{2, 0}};
  const std::vector<Http2FingerprintBuilder::SettingEntry> second = {{4, 1}};
  b.onSettings(first.data(), first.size());
  b.onSettings(second.data(), second.size());
  for (int i = 0; i < 100; ++i) b.onPriority(2 * i + 1, 0, 16, false);
  b.freeze();
  const std::string& part = b.connectionPart();
  CHECK(part.starts_with("2:0|00|"));
  const auto priorities = std::count(part.begin(), part.end(), ',') + 1;
  CHECK(priorities == static_cast<long>(Http2FingerprintBuilder::kMaxPriorityFrames));

  std::string order;
  for (int i = 0; i < 50; ++i) appendPseudoHeader(order, ":path");
  CHECK(order.size() == 15);  // 8 letters
  std::string odd;
  appendPseudoHeader(odd, ":protocol");
  appendPseudoHeader(odd, ":bogus");
  CHECK(odd == "t,?");
}

TEST_CASE("h2 fingerprint: an empty preamble", "[bot][h2_fingerprint]") {
  Http2FingerprintBuilder b;
  b.freeze();
  CHECK(http2Fingerprint(b, "m,p,s,a") == "|00|0|m,p,s,a");
}

}  // namespace
}  // namespace rampart::bot
