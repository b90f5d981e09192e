// Calibration, not a gate (hidden tag, run by hand): how many entries of each
// PayloadsAllTheThings list (../shared/corpora/payloadsallthethings, read-only, never copied
// here) the default signature set matches at PL1 when the entry is a query value, as
// `rampart replay --place query` sends it. With RAMPART_CRS_REPORT=<replay JSON report of the
// same lists against CRS PL1>, it also prints the union "CRS or signatures", the figure issue 5
// gates on once the stage is wired.
//   build/dev/tests/rampart_unit_tests "[.payload-rates]"
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "proxy/replay/json_value.h"
#include "tests/unit/detectors/signatures/signature_test_support.h"

namespace rampart::signatures {
namespace {

std::set<std::string> crsBlockedPayloads() {
  std::set<std::string> blocked;
  const char* path = std::getenv("RAMPART_CRS_REPORT");
  if (path == nullptr) return blocked;
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto report = replay::parseJson(text);
  if (!report) return blocked;
  const replay::JsonValue* tests = report->get("tests");
  if (tests == nullptr) return blocked;
  for (const replay::JsonValue& test : tests->items) {
    const replay::JsonValue* was_blocked = test.get("blocked");
    if (was_blocked && was_blocked->boolean)
      blocked.insert(test.scalar("group") + "\n" + test.scalar("payload"));
  }
  return blocked;
}

TEST_CASE("payload lists: share matched by the default signatures", "[.payload-rates]") {
  const auto corpus = test::kRepo.parent_path() / "shared/corpora/payloadsallthethings";
  if (!std::filesystem::is_directory(corpus)) {
    WARN("no corpus at " << corpus);
    return;
  }
  auto loaded = loadSignatureDirectory((test::kRepo / "rules/signatures").string());
  if (!loaded) FAIL(loaded.error().detail);
  auto set = SignatureSet::compile(std::move(*loaded));
  if (!set) FAIL(set.error().detail);
  auto scratch = SignatureScratch::forSet(**set);
  REQUIRE(scratch.has_value());
  const std::set<std::string> crs = crsBlockedPayloads();
  const bool verbose = std::getenv("RAMPART_PAYLOAD_MISSES") != nullptr;

  std::map<std::string, std::vector<std::filesystem::path>> classes;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(corpus)) {
    if (!entry.is_regular_file()) continue;
    const auto relative = std::filesystem::relative(entry.path(), corpus);
    if (relative.begin() == relative.end() || relative.filename() == relative) continue;
    classes[relative.begin()->string()].push_back(entry.path());
  }
  for (auto& [name, files] : classes) {
    std::size_t total = 0, matched = 0, either = 0;
    for (const auto& file : files) {
      std::ifstream in(file);
      std::string line;
      while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        ++total;
        SignatureScanner scanner(**set, *scratch, 1);
        ScanReport report;
        REQUIRE(scanner.scan({test::field(canonical::FieldSource::QueryValue, "q", line)}, report));
        const bool hit = report.outcome == ScanOutcome::Scored ||
                         report.outcome == ScanOutcome::Block;
        matched += hit ? 1 : 0;
        const bool crs_hit = crs.count(name + "\n" + line) != 0;
        either += (hit || crs_hit) ? 1 : 0;
        if (verbose && !hit && !crs_hit) std::printf("  miss %s: %s\n", name.c_str(), line.c_str());
      }
    }
    std::printf("%-10s %5zu payloads  signatures %5.1f%%  crs-or-signatures %5.1f%%\n",
                name.c_str(), total, 100.0 * matched / total, 100.0 * either / total);
  }
}

}  // namespace
}  // namespace rampart::signatures
