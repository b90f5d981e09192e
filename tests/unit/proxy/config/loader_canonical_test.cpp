// The `routes[].canonical`, `routes[].signatures` and top-level `signatures` sections of the
// loader (proxy/config/loader.cpp; docs/configuration.md).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "proxy/config/loader.h"

namespace rampart {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

// The route's map continues at 6 spaces of indentation; `extra` is appended verbatim.
const std::string kBase = R"(listeners:
  - name: main
    address: 127.0.0.1:8080
clusters:
  - name: backend
    endpoints: ["127.0.0.1:9000"]
routes:
  - name: api
    cluster: backend
)";

Config loadOk(const std::string& extra) {
  Result<Config> result = loadConfigString(kBase + extra, "test.yaml");
  if (!result) FAIL("unexpected error: " << result.error().detail);
  return std::move(result.value());
}

std::string errorOf(const std::string& extra) {
  Result<Config> result = loadConfigString(kBase + extra, "test.yaml");
  REQUIRE_FALSE(result);
  CHECK(result.error().reason == "config_invalid");
  return result.error().detail;
}

TEST_CASE("config loader: routes[].canonical defaults", "[config][canonical]") {
  const Config none = loadOk("");
  CHECK_FALSE(none.routes[0].canonical.enabled);
  CHECK(none.routes[0].signatures.mode == SignatureMode::Off);
  const Config empty = loadOk("    canonical: {}\n");
  const RouteCanonicalConfig& c = empty.routes[0].canonical;
  CHECK(c.enabled);
  CHECK(c.methods.empty());
  CHECK(c.content_types.empty());
  CHECK(c.unlisted == "reject");
  CHECK(c.missing_content_type == "reject");
  CHECK_FALSE(c.structured_text_plain);
  CHECK(c.charsets == std::vector<std::string>{"utf-8", "us-ascii"});
  CHECK(c.max_body_bytes == 1 << 20);
  CHECK(c.oversize == OversizeAction::Reject);
  CHECK(c.encoded_slash == "reject");
  CHECK(c.backslash == "reject");
  CHECK(c.path_parameters == "strip");
  CHECK(c.duplicate_parameters == "allow");
  CHECK(c.json_duplicate_keys == "reject");
}

TEST_CASE("config loader: routes[].canonical round-trips every key", "[config][canonical]") {
  const Config config = loadOk(R"(    canonical:
      methods: [get, POST]
      content_types:
        application/json: json
        Application/X-WWW-Form-Urlencoded: urlencoded
        +xml: xml
        text/plain: raw
        application/octet-stream: reject
      unlisted: raw
      missing_content_type: raw
      structured_text_plain: true
      charsets: [UTF-8]
      max_body_bytes: 65536
      oversize: inspect_prefix
      inspect_prefix_bytes: 4096
      encoded_slash: decode
      backslash: slash
      path_parameters: keep
      duplicate_parameters: last
      json_duplicate_keys: allow
)");
  const RouteCanonicalConfig& c = config.routes[0].canonical;
  CHECK(c.enabled);
  CHECK(c.methods == std::vector<std::string>{"GET", "POST"});
  REQUIRE(c.content_types.size() == 5);
  CHECK(c.content_types[0].media_type == "application/json");
  CHECK(c.content_types[0].parser == "json");
  CHECK(c.content_types[1].media_type == "application/x-www-form-urlencoded");
  CHECK(c.content_types[1].parser == "urlencoded");
  CHECK(c.content_types[2].media_type == "+xml");
  CHECK(c.content_types[4].parser == "reject");
  CHECK(c.unlisted == "raw");
  CHECK(c.missing_content_type == "raw");
  CHECK(c.structured_text_plain);
  CHECK(c.charsets == std::vector<std::string>{"utf-8"});
  CHECK(c.max_body_bytes == 65536);
  CHECK(c.oversize == OversizeAction::InspectPrefix);
  CHECK(c.inspect_prefix_bytes == 4096);
  CHECK(c.encoded_slash == "decode");
  CHECK(c.backslash == "slash");
  CHECK(c.path_parameters == "keep");
  CHECK(c.duplicate_parameters == "last");
  CHECK(c.json_duplicate_keys == "allow");
}

TEST_CASE("config loader: routes[].canonical errors", "[config][canonical]") {
  CHECK_THAT(errorOf("    canonical:\n      method: [GET]\n"),
             StartsWith("test.yaml:11:7: unknown key 'method' in routes[0].canonical") &&
                 Contains("did you mean 'methods'"));
  CHECK_THAT(errorOf("    canonical:\n      methods: []\n"),
             Contains("routes[0].canonical.methods: needs at least one method"));
  CHECK_THAT(errorOf("    canonical:\n      methods: [\"GE T\"]\n"),
             Contains("'GE T' is not a method"));
  CHECK_THAT(errorOf("    canonical:\n      content_types: [json]\n"),
             Contains("routes[0].canonical.content_types: expected a map"));
  CHECK_THAT(
      errorOf(
          "    canonical:\n      content_types:\n        application/json; charset=utf-8: json\n"),
      Contains("is not a media type"));
  CHECK_THAT(errorOf("    canonical:\n      content_types:\n        application/json: yaml\n"),
             StartsWith("test.yaml:12:27: routes[0].canonical.content_types.application/json: "
                        "unknown parser 'yaml'"));
  CHECK_THAT(errorOf("    canonical:\n      content_types:\n        application/json: json\n"
                     "        Application/JSON: raw\n"),
             Contains("duplicate media type 'application/json'"));
  CHECK_THAT(errorOf("    canonical:\n      unlisted: maybe\n"),
             Contains("unknown parser 'maybe'"));
  CHECK_THAT(errorOf("    canonical:\n      missing_content_type: json\n"),
             Contains("missing_content_type: unknown value 'json'; expected one of: reject, raw"));
  CHECK_THAT(errorOf("    canonical:\n      structured_text_plain: yes please\n"),
             Contains("expected true or false"));
  CHECK_THAT(errorOf("    canonical:\n      charsets: []\n"),
             Contains("needs at least one charset"));
  CHECK_THAT(errorOf("    canonical:\n      charsets: [\"utf 8\"]\n"),
             Contains("is not a charset name"));
  CHECK_THAT(errorOf("    canonical:\n      max_body_bytes: 2000000000\n"),
             Contains("routes[0].canonical.max_body_bytes"));
  CHECK_THAT(errorOf("    canonical:\n      oversize: truncate\n"),
             Contains("expected one of: reject, inspect_prefix"));
  CHECK_THAT(errorOf("    canonical:\n      inspect_prefix_bytes: 10\n"),
             Contains("only with oversize: inspect_prefix"));
  CHECK_THAT(
      errorOf("    canonical:\n      oversize: inspect_prefix\n      inspect_prefix_bytes: 0\n"),
      Contains("inspect_prefix_bytes"));
  CHECK_THAT(errorOf("    canonical:\n      encoded_slash: allow\n"),
             Contains("expected one of: reject, decode, keep"));
  CHECK_THAT(errorOf("    canonical:\n      backslash: keep\n"),
             Contains("expected one of: reject, slash"));
  CHECK_THAT(errorOf("    canonical:\n      path_parameters: drop\n"),
             Contains("expected one of: strip, keep, reject"));
  CHECK_THAT(errorOf("    canonical:\n      duplicate_parameters: merge\n"),
             Contains("expected one of: allow, reject, first, last"));
  CHECK_THAT(errorOf("    canonical:\n      json_duplicate_keys: last\n"),
             Contains("expected one of: reject, allow"));
  CHECK_THAT(errorOf("    canonical: yes\n"), Contains("expected a map in routes[0].canonical"));
}

TEST_CASE("config loader: routes[].signatures and top-level signatures", "[config][signatures]") {
  const Config c = loadOk("    signatures:\n      mode: block\n      paranoia_level: 3\n");
  CHECK(c.routes[0].signatures.mode == SignatureMode::Block);
  CHECK(c.routes[0].signatures.paranoia_level == 3);
  CHECK_THAT(c.signatures.directory, Contains("signatures"));
  CHECK(c.signatures.files.empty());
  CHECK(loadOk("    signatures: {mode: detect}\n").routes[0].signatures.mode ==
        SignatureMode::Detect);
  CHECK(loadOk("    signatures: {mode: off}\n").routes[0].signatures.mode == SignatureMode::Off);

  CHECK_THAT(errorOf("    signatures:\n      mode: shadow\n"),
             Contains("unknown value 'shadow'; expected one of: off, detect, block"));
  CHECK_THAT(errorOf("    signatures:\n      paranoia_level: 5\n"),
             Contains("routes[0].signatures.paranoia_level"));
  CHECK_THAT(errorOf("    signatures:\n      threshold: 5\n"), Contains("unknown key 'threshold'"));

  const auto dir =
      std::filesystem::temp_directory_path() / ("rampart-" + std::to_string(getpid()) + "-sigdir");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.yaml") << "signatures: []\n";
  const Config top = loadOk("signatures:\n  directory: " + dir.string() + "\n");
  CHECK(top.signatures.directory == dir.string());
  const Config files = loadOk("signatures:\n  files: [" + (dir / "a.yaml").string() + "]\n");
  CHECK(files.signatures.files == std::vector<std::string>{(dir / "a.yaml").string()});
  CHECK_THAT(errorOf("signatures:\n  directory: /nonexistent/rampart\n"),
             Contains("signatures.directory: '/nonexistent/rampart' is not a directory"));
  CHECK_THAT(errorOf("signatures:\n  files: [/nonexistent/rampart.yaml]\n"),
             Contains("signatures.files[0]"));
  CHECK_THAT(errorOf("signatures:\n  files: []\n"), Contains("needs at least one file"));
  CHECK_THAT(errorOf("signatures:\n  directory: " + dir.string() + "\n  files: [" +
                     (dir / "a.yaml").string() + "]\n"),
             Contains("either 'directory' or 'files'"));
  CHECK_THAT(errorOf("signatures:\n  dir: x\n"), Contains("unknown key 'dir' in signatures"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rampart
