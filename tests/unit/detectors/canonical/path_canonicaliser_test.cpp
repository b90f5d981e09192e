#include "detectors/canonical/path_canonicaliser.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/unit/detectors/canonical/canonical_error_printer.h"

namespace rampart::canonical {
namespace {

CanonicalPath canonical(std::string_view raw, const PathPolicy& policy = {}) {
  CanonicalPath out;
  AnomalyList anomalies;
  const CanonicalError e = canonicalisePath(raw, policy, out, anomalies);
  INFO(raw);
  REQUIRE(e == CanonicalError::None);
  return out;
}

std::string decodedOf(std::string_view raw, const PathPolicy& policy = {}) { return canonical(raw, policy).decoded; }
std::string forwardOf(std::string_view raw, const PathPolicy& policy = {}) { return canonical(raw, policy).forward; }

CanonicalError errorOf(std::string_view raw, const PathPolicy& policy = {}) {
  CanonicalPath out;
  AnomalyList anomalies;
  return canonicalisePath(raw, policy, out, anomalies);
}

TEST_CASE("path: plain paths pass unchanged", "[canonical]") {
  REQUIRE(decodedOf("/") == "/");
  REQUIRE(forwardOf("/") == "/");
  REQUIRE(decodedOf("/a/b") == "/a/b");
  REQUIRE(decodedOf("/a/b/") == "/a/b/");
  REQUIRE(forwardOf("/api/v1/users-list_~x.json") == "/api/v1/users-list_~x.json");
  REQUIRE(forwardOf("/a+b/c=d,e!$&'()*:@") == "/a+b/c=d,e!$&'()*:@");
}

TEST_CASE("path: percent-decoding once, re-encoded for the upstream", "[canonical]") {
  const CanonicalPath p = canonical("/a%20b/%41%62c/caf%C3%A9");
  REQUIRE(p.decoded == "/a b/Abc/caf\xC3\xA9");
  REQUIRE(p.forward == "/a%20b/Abc/caf%C3%A9");
  REQUIRE(decodedOf("/%3F%23") == "/?#");
  REQUIRE(forwardOf("/%3F%23") == "/%3F%23");
  REQUIRE(forwardOf("/%3b") == "/%3B");  // a decoded ';' is data, never a parameter upstream
  REQUIRE(forwardOf("/caf\xC3\xA9") == "/caf%C3%A9");  // raw UTF-8 (h2 :path) is encoded
  REQUIRE(errorOf("/a%") == CanonicalError::PathBadPercentEncoding);
  REQUIRE(errorOf("/a%2") == CanonicalError::PathBadPercentEncoding);
  REQUIRE(errorOf("/a%g0") == CanonicalError::PathBadPercentEncoding);
  REQUIRE(errorOf("/%u002e") == CanonicalError::PathBadPercentEncoding);
}

TEST_CASE("path: RFC 3986 dot segments, also when encoded", "[canonical]") {
  REQUIRE(decodedOf("/a/./b") == "/a/b");
  REQUIRE(decodedOf("/a/b/../c") == "/a/c");
  REQUIRE(decodedOf("/a/b/..") == "/a/");
  REQUIRE(decodedOf("/a/b/.") == "/a/b/");
  REQUIRE(decodedOf("/a/..") == "/");
  REQUIRE(decodedOf("/.") == "/");
  REQUIRE(decodedOf("/a/%2e%2E/b") == "/b");
  REQUIRE(decodedOf("/a/.%2e/b") == "/b");
  REQUIRE(decodedOf("/a/%2e/b") == "/a/b");
  REQUIRE(decodedOf("/a/...") == "/a/...");  // not a dot segment
  REQUIRE(decodedOf("/a/..b") == "/a/..b");
  REQUIRE(forwardOf("/static/%2e%2e/static/app.js") == "/static/app.js");
}

TEST_CASE("path: '..' above the root is an error, not clamped", "[canonical]") {
  REQUIRE(errorOf("/..") == CanonicalError::PathAboveRoot);
  REQUIRE(errorOf("/../etc/passwd") == CanonicalError::PathAboveRoot);
  REQUIRE(errorOf("/a/../../etc/passwd") == CanonicalError::PathAboveRoot);
  REQUIRE(errorOf("/%2e%2e/etc/passwd") == CanonicalError::PathAboveRoot);
  REQUIRE(errorOf("/a/b/../../..") == CanonicalError::PathAboveRoot);
}

TEST_CASE("path: duplicate slashes are merged before dot segments (or refused)", "[canonical]") {
  REQUIRE(decodedOf("//a///b//") == "/a/b/");
  REQUIRE(decodedOf("/a//../b") == "/b");  // nginx's reading: merge, then resolve
  PathPolicy strict;
  strict.duplicate_slashes = DuplicateSlashPolicy::Reject;
  REQUIRE(errorOf("/a//b", strict) == CanonicalError::PathDuplicateSlashes);
  REQUIRE(errorOf("//", strict) == CanonicalError::PathDuplicateSlashes);
  REQUIRE(decodedOf("/a/b/", strict) == "/a/b/");
}

TEST_CASE("path: backslash is refused by default or read as a slash", "[canonical]") {
  REQUIRE(errorOf("/a\\b") == CanonicalError::PathBackslash);
  REQUIRE(errorOf("/..\\..\\windows") == CanonicalError::PathBackslash);
  PathPolicy windows;
  windows.backslash = BackslashPolicy::TreatAsSlash;
  REQUIRE(decodedOf("/a\\b", windows) == "/a/b");
  REQUIRE(forwardOf("/a\\..\\b", windows) == "/b");
  REQUIRE(errorOf("/..\\x", windows) == CanonicalError::PathAboveRoot);
}

TEST_CASE("path: encoded slash and backslash per policy", "[canonical]") {
  SECTION("reject (default)") {
    REQUIRE(errorOf("/a%2Fb") == CanonicalError::PathEncodedSlash);
    REQUIRE(errorOf("/a%2fb") == CanonicalError::PathEncodedSlash);
    REQUIRE(errorOf("/a%5Cb") == CanonicalError::PathEncodedSlash);
    REQUIRE(errorOf("/..%2F..%2Fetc%2Fpasswd") == CanonicalError::PathEncodedSlash);
  }
  SECTION("decode as a separator") {
    PathPolicy policy;
    policy.encoded_slash = EncodedSlashPolicy::DecodeAsSlash;
    REQUIRE(decodedOf("/a%2Fb", policy) == "/a/b");
    REQUIRE(forwardOf("/a%2Fb", policy) == "/a/b");
    REQUIRE(forwardOf("/a%2f..%2fb", policy) == "/b");
    REQUIRE(forwardOf("/a%5Cb", policy) == "/a/b");
    REQUIRE(errorOf("/..%2Fetc", policy) == CanonicalError::PathAboveRoot);
  }
  SECTION("keep encoded in both views") {
    PathPolicy policy;
    policy.encoded_slash = EncodedSlashPolicy::KeepEncoded;
    const CanonicalPath p = canonical("/files/a%2fb/c", policy);
    REQUIRE(p.decoded == "/files/a%2Fb/c");
    REQUIRE(p.forward == "/files/a%2Fb/c");
    REQUIRE(forwardOf("/a%5cb", policy) == "/a%5Cb");
    // ".." with a kept %2F is not a dot segment, in our view or (re-encoded) upstream
    REQUIRE(forwardOf("/a/..%2F", policy) == "/a/..%2F");
  }
}

TEST_CASE("path: ';' parameters per policy; the forwarded path is the inspected one", "[canonical]") {
  SECTION("strip (default): Tomcat's '..;/' resolves the way Tomcat resolves it") {
    REQUIRE(decodedOf("/a;jsessionid=1/b") == "/a/b");
    REQUIRE(forwardOf("/a;jsessionid=1/b") == "/a/b");
    REQUIRE(decodedOf("/public/..;/admin") == "/admin");
    REQUIRE(forwardOf("/public/..;x=y/admin") == "/admin");
    REQUIRE(errorOf("/..;/admin") == CanonicalError::PathAboveRoot);
    REQUIRE(decodedOf("/a;p=%zz/b") == "/a/b");  // stripped bytes are never decoded
  }
  SECTION("reject") {
    PathPolicy policy;
    policy.parameters = PathParameterPolicy::Reject;
    REQUIRE(errorOf("/a;x/b", policy) == CanonicalError::PathParameter);
    REQUIRE(decodedOf("/a%3Bx/b", policy) == "/a;x/b");  // an encoded ';' is data
    REQUIRE(forwardOf("/a%3Bx/b", policy) == "/a%3Bx/b");
  }
  SECTION("keep") {
    PathPolicy policy;
    policy.parameters = PathParameterPolicy::Keep;
    REQUIRE(decodedOf("/a;jsessionid=1/b", policy) == "/a;jsessionid=1/b");
    REQUIRE(forwardOf("/a;v=%3B/b", policy) == "/a;v=%3B/b");
    REQUIRE(errorOf("/public/..;/admin", policy) == CanonicalError::PathDotSegmentParameter);
    REQUIRE(errorOf("/a/.;x/b", policy) == CanonicalError::PathDotSegmentParameter);
  }
}

TEST_CASE("path: overlong and invalid UTF-8, surrogates, controls", "[canonical]") {
  REQUIRE(errorOf("/%C0%AF") == CanonicalError::PathInvalidUtf8);           // overlong '/'
  REQUIRE(errorOf("/..%C0%AF..%C0%AFetc") == CanonicalError::PathInvalidUtf8);
  REQUIRE(errorOf("/%E0%80%AF") == CanonicalError::PathInvalidUtf8);
  REQUIRE(errorOf("/%C0%AE%C0%AE/x") == CanonicalError::PathInvalidUtf8);   // overlong '.'
  REQUIRE(errorOf("/%ED%A0%80") == CanonicalError::PathInvalidUtf8);        // surrogate
  REQUIRE(errorOf("/%F4%90%80%80") == CanonicalError::PathInvalidUtf8);     // > U+10FFFF
  REQUIRE(errorOf("/%FF") == CanonicalError::PathInvalidUtf8);
  REQUIRE(errorOf("/a%00.php") == CanonicalError::PathControlCharacter);
  REQUIRE(errorOf("/a%0d%0aSet-Cookie:x") == CanonicalError::PathControlCharacter);
  REQUIRE(errorOf("/a%09b") == CanonicalError::PathControlCharacter);
  REQUIRE(errorOf("/a%7F") == CanonicalError::PathControlCharacter);
}

TEST_CASE("path: double encoding is decoded once and refused, flagged or allowed", "[canonical]") {
  REQUIRE(errorOf("/%252e%252e/etc") == CanonicalError::PathDoubleEncoding);
  REQUIRE(errorOf("/a%252Fb") == CanonicalError::PathDoubleEncoding);
  REQUIRE(decodedOf("/100%25") == "/100%");  // a lone decoded '%' is not double encoding
  REQUIRE(decodedOf("/100%25off") == "/100%off");
  PathPolicy flag;
  flag.double_encoding = DoubleEncodingPolicy::Flag;
  CanonicalPath out;
  AnomalyList anomalies;
  REQUIRE(canonicalisePath("/%252e%252e/etc", flag, out, anomalies) == CanonicalError::None);
  REQUIRE(out.decoded == "/%2e%2e/etc");  // NOT decoded a second time into "/../etc"
  REQUIRE(out.forward == "/%252e%252e/etc");
  REQUIRE(anomalies.total() == 1);
  REQUIRE(anomalies.items()[0].kind == AnomalyKind::DoubleEncoding);
  REQUIRE(anomalies.items()[0].source == FieldSource::Path);
  PathPolicy allow;
  allow.double_encoding = DoubleEncodingPolicy::Allow;
  AnomalyList none;
  REQUIRE(canonicalisePath("/%252e", allow, out, none) == CanonicalError::None);
  REQUIRE(none.empty());
}

TEST_CASE("path: shape and limits", "[canonical]") {
  REQUIRE(errorOf("") == CanonicalError::PathNotAbsolute);
  REQUIRE(errorOf("a/b") == CanonicalError::PathNotAbsolute);
  REQUIRE(errorOf("/a#frag") == CanonicalError::PathFragment);
  PathPolicy small;
  small.max_bytes = 8;
  small.max_segments = 3;
  REQUIRE(errorOf("/123456789", small) == CanonicalError::PathTooLong);
  REQUIRE(errorOf("/a/b/c/d", small) == CanonicalError::PathTooManySegments);
  REQUIRE(decodedOf("/a/b/c", small) == "/a/b/c");
}

TEST_CASE("path: the forwarded path is a fixed point", "[canonical]") {
  PathPolicy keep;
  keep.encoded_slash = EncodedSlashPolicy::KeepEncoded;
  keep.parameters = PathParameterPolicy::Keep;
  keep.double_encoding = DoubleEncodingPolicy::Allow;
  for (const char* raw : {"/a/./b/../c%20d/", "/x%2Fy;p=1/%C3%A9", "/%2541/z", "/a+b/%3B", "//q//"}) {
    const CanonicalPath once = canonical(raw, keep);
    const CanonicalPath twice = canonical(once.forward, keep);
    INFO(raw);
    REQUIRE(twice.forward == once.forward);
    REQUIRE(twice.decoded == once.decoded);
  }
}

}  // namespace
}  // namespace rampart::canonical
