#include "proxy/replay/decision_log_reader.h"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace rampart::replay {

TEST_CASE("decision record lines", "[replay][decision_log_reader]") {
  auto r = parseRecordLine(
      R"({"request_id":"9f1c","status":403,"action":"block","reason":"crs_anomaly",)"
      R"("waf_mode":"block","rules":[{"id":942100,"msg":"SQLi"},{"id":"949110"}]})");
  REQUIRE(r);
  CHECK(r->request_id == "9f1c");
  CHECK(r->status == 403);
  CHECK(r->action == "block");
  CHECK(r->rule_ids == std::vector<std::string>{"942100", "949110"});
  CHECK(r->signature_ids.empty());
  auto signed_record = parseRecordLine(
      R"({"request_id":"b","status":403,"rules":[],"signatures":[{"id":"cmdi.separator-command",)"
      R"("field":"json:comment"},{"id":"lfi.sensitive-file"},"junk"]})");
  REQUIRE(signed_record);
  CHECK(signed_record->rule_ids.empty());
  CHECK(signed_record->signature_ids ==
        std::vector<std::string>{"cmdi.separator-command", "lfi.sensitive-file"});
  // today's records have no rules key: no rules
  auto plain = parseRecordLine(R"({"request_id":"a","status":200,"path":"/\u00c0\u00af"})");
  REQUIRE(plain);
  CHECK(plain->rule_ids.empty());
  CHECK_FALSE(parseRecordLine("not json").has_value());
  CHECK_FALSE(parseRecordLine(R"({"status":200})").has_value());
  CHECK_FALSE(parseRecordLine(R"({"request_id":"a",})").has_value());
}

TEST_CASE("the reader tails the log and finds records by id or marker",
          "[replay][decision_log_reader]") {
  std::string path = (std::filesystem::temp_directory_path() / "rampart-dlr-XXXXXX").string();
  const int fd = mkstemp(path.data());
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream out(path);
    out << R"({"request_id":"old","status":200})" << "\n";
  }
  DecisionLogReader reader(path, true);  // skips "old"
  CHECK_FALSE(reader.waitFor("old", "", std::chrono::milliseconds(0)).has_value());

  std::thread writer([&path] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ofstream out(path, std::ios::app);
    out << R"({"request_id":"r1","status":200,"rules":[{"id":1}]})" << "\n"
        << R"({"request_id":"r2","status":0,"matched":"X-Rampart-Replay-Id: )"
        << R"(0b0c1d2e-3f40-4152-8364-758697a8b9ca"})" << "\n"
        << R"({"request_id":"partial")";  // no newline yet
  });
  auto r1 = reader.waitFor("r1", "", std::chrono::milliseconds(2000));
  writer.join();
  REQUIRE(r1);
  CHECK(r1->rule_ids == std::vector<std::string>{"1"});
  auto by_marker =
      reader.waitFor("", "0b0c1d2e-3f40-4152-8364-758697a8b9ca", std::chrono::milliseconds(500));
  REQUIRE(by_marker);
  CHECK(by_marker->request_id == "r2");
  CHECK_FALSE(reader.waitFor("partial", "", std::chrono::milliseconds(20)).has_value());
  {
    std::ofstream out(path, std::ios::app);
    out << "}\n";
  }
  CHECK(reader.waitFor("partial", "", std::chrono::milliseconds(500)).has_value());
  std::filesystem::remove(path);
}

}  // namespace rampart::replay
