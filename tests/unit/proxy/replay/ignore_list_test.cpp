#include "proxy/replay/ignore_list.h"

#include <catch2/catch.hpp>

namespace rampart::replay {

TEST_CASE("ignore file: every entry needs a test and a reason", "[replay][ignore_list]") {
  auto ok = parseIgnoreList(R"(
- test: "920100-2"
  reason: "tab before the method: rampart answers 400 before the WAF"
- test: 942100-1
  reason: >
    folded reason
)",
                            "ignore.yaml");
  REQUIRE(ok);
  REQUIRE(ok->find("920100-2") != nullptr);
  CHECK(*ok->find("920100-2") == "tab before the method: rampart answers 400 before the WAF");
  CHECK(ok->find("942100-1") != nullptr);
  CHECK(ok->find("942100-2") == nullptr);

  auto no_reason = parseIgnoreList("- test: 920100-2\n- test: 1\n  reason: x\n", "ignore.yaml");
  REQUIRE_FALSE(no_reason);
  CHECK(no_reason.error().detail == "ignore.yaml:1: entry for test 920100-2 has no reason");

  auto empty_reason = parseIgnoreList("- test: a\n  reason: \"  \"\n", "i");
  REQUIRE_FALSE(empty_reason);
  CHECK(empty_reason.error().detail.find("has no reason") != std::string::npos);

  CHECK_FALSE(parseIgnoreList("- reason: why\n", "i"));
  CHECK_FALSE(parseIgnoreList("- test: a\n  reason: r\n- test: a\n  reason: r\n", "i"));
  CHECK_FALSE(parseIgnoreList("- test: a\n  reason: r\n  resaon: typo\n", "i"));
  CHECK_FALSE(parseIgnoreList("test: a\n", "i"));
  CHECK_FALSE(parseIgnoreList("- [\n", "i"));
  auto empty = parseIgnoreList("", "i");
  REQUIRE(empty);
  CHECK(empty->reasons.empty());
}

}  // namespace rampart::replay
