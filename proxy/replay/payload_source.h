// Payload lists (one payload a line; blank lines and lines starting with '#' skipped) turned
// into one TestCase per payload and place. The attack class, the summary row, is the name of
// the file's parent directory (payloadsallthethings/sqli/Auth_Bypass.txt -> "sqli").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/replay/test_case.h"

namespace rampart::replay {

enum class PayloadPlace : std::uint8_t {
  Query,   // GET /?q=<query-escaped>
  Form,    // POST /, application/x-www-form-urlencoded body q=<query-escaped>
  Json,    // POST /, application/json body {"q":"<JSON-escaped>"}
  Header,  // GET /, <header-name>: <payload> (control bytes percent-encoded)
  Path,    // GET /<path-escaped, '/' kept>
  Cookie,  // GET /, Cookie: q=<query-escaped>
};

std::optional<PayloadPlace> parsePlace(std::string_view name);
std::string_view placeName(PayloadPlace place);

struct PayloadOptions {
  std::vector<PayloadPlace> places = {PayloadPlace::Query};
  PayloadExpect expect = PayloadExpect::Block;
  int block_status = 403;
  std::string host = "localhost";     // Host header
  std::string param = "q";            // parameter / JSON key / cookie name
  std::string header_name = "Referer";  // --place header (CRS inspects Referer and User-Agent)
};

// The request that carries `payload` in `place`.
HttpInput payloadRequest(std::string_view payload, PayloadPlace place, const PayloadOptions& opts);

// Appends one test per (payload line, place). `cls` is the attack class (group).
void loadPayloadString(std::string_view text, const std::string& source, const std::string& cls,
                       const PayloadOptions& opts, std::vector<TestCase>& out);

// Reads `path`; the class is the parent directory's name. Unreadable files become a LoadError.
void loadPayloadFile(const std::string& path, const PayloadOptions& opts,
                     std::vector<TestCase>& out, std::vector<LoadError>& errors);

}  // namespace rampart::replay
