// The data model of `rampart replay`: what one test sends and what it expects. Filled by
// ftw_loader (CRS / go-ftw YAML) and payload_source (payload lists); consumed by request_builder,
// judge and report. Plain values, no behaviour. Usage and formats: docs/replay.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rampart::replay {

// What to send. Either `raw` (encoded_request / raw_request: sent verbatim) or the structured
// fields, which request_builder turns into bytes (go-ftw's autocompletion included).
struct HttpInput {
  std::string method = "GET";
  std::string uri = "/";
  std::string version = "HTTP/1.1";
  std::vector<std::pair<std::string, std::string>> headers;  // file order, duplicates kept
  std::string data;                  // request body (a YAML list is joined with CRLF)
  bool autocomplete_headers = true;  // false: stop_magic: true / autocomplete_headers: false
  std::optional<std::string> raw;    // the whole request, sent as is
  std::string protocol = "http";     // only "http" is supported
};

// How a payload-list test is judged.
enum class PayloadExpect : std::uint8_t {
  None,   // an ftw test: judged by its Expectations
  Block,  // the request must be blocked (status == block status)
  Pass,   // the request must not be blocked (a block is a false positive)
};

// How to judge one stage (go-ftw semantics). Empty vectors / unset optionals are not checked.
struct Expectations {
  std::vector<int> status;                    // the status must be one of these
  std::vector<std::string> log_contains;      // patterns such as `id "942100"`
  std::vector<std::string> no_log_contains;
  std::vector<std::string> expect_ids;        // go-ftw `log: {expect_ids: [...]}`
  std::vector<std::string> no_expect_ids;
  std::optional<std::string> response_contains;  // regular expression on the response body
  bool expect_error = false;                   // the client must see no proper HTTP response
  PayloadExpect payload = PayloadExpect::None;
  int block_status = 403;                      // payload tests: the status meaning "blocked"
};

struct TestStage {
  HttpInput input;
  Expectations output;
};

enum class SuiteKind : std::uint8_t { Ftw, Payload };

struct TestCase {
  std::string name;   // "942100-1"; payloads: "sqli/Auth_Bypass.txt:12@query"
  std::string group;  // summary row: CRS rule-file folder, or the payload's attack class
  std::string file;   // source file
  SuiteKind kind = SuiteKind::Ftw;
  std::string description;
  std::vector<TestStage> stages;
};

// A problem with an input file or one test in it; the other tests of the file still run.
struct LoadError {
  std::string file;
  std::string test;  // empty when the whole file is unusable
  std::string message;
};

}  // namespace rampart::replay
