// Transformations applied to a field's value before a signature's pattern sees it (CRS's t:...).
// Every transformation maps N input bytes to at most N output bytes, so a chain's work and memory
// are bounded by its input, which the scanner caps (ScanLimits::max_transform_input_bytes).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::signatures {

// X-macro: enumerator, YAML spelling. The order is the enum's order, nothing else.
#define RAMPART_SIGNATURE_TRANSFORMS(X)              \
  X(UrlDecode, "url_decode")                         \
  X(HtmlEntityDecode, "html_entity_decode")          \
  X(Lowercase, "lowercase")                          \
  X(CompressWhitespace, "compress_whitespace")       \
  X(RemoveWhitespace, "remove_whitespace")           \
  X(RemoveComments, "remove_comments")               \
  X(NormalizePath, "normalize_path")                 \
  X(Base64Decode, "base64_decode")                   \
  X(CmdLine, "cmd_line")

enum class Transform : std::uint8_t {
#define RAMPART_TRANSFORM_ENUM(name, spelling) name,
  RAMPART_SIGNATURE_TRANSFORMS(RAMPART_TRANSFORM_ENUM)
#undef RAMPART_TRANSFORM_ENUM
};

using TransformChain = std::vector<Transform>;

std::string_view transformName(Transform transform);
std::optional<Transform> parseTransform(std::string_view spelling);
std::vector<std::string_view> transformSpellings();

// Writes transform(input) to `out` (cleared first). `out` never grows beyond input.size(), and
// `input` must not alias `out`.
void applyTransform(Transform transform, std::string_view input, std::string& out);

// Applies the chain in order. `out` holds the result; `spare` is a second buffer the chain
// alternates with (both owned by the caller so a worker reuses their capacity). An empty chain
// copies the input.
void applyChain(const TransformChain& chain, std::string_view input, std::string& out,
                std::string& spare);
// The same for some of a chain's steps (the scanner skips those IdentityProbe calls unchanged).
void applyChainSteps(std::span<const Transform> steps, std::string_view input, std::string& out,
                     std::string& spare);

// What a value holds that decides whether a transform would change it, computed once per value
// (each field is scanned by several groups, each with its own chain).
class IdentityProbe {
 public:
  explicit IdentityProbe(std::string_view value) : value_(value) {}
  // How many leading steps of `chain` leave the value unchanged: the chain can start after them,
  // and when that is all of them the scan reads the value itself, with no copy. Conservative: a
  // transform it does not model ends the prefix.
  std::size_t identityPrefix(const TransformChain& chain);

 private:
  enum class Known : std::uint8_t { Unknown, Yes, No };
  bool holds(Known& cache, bool (*test)(std::string_view));
  std::string_view value_;
  Known url_escapes_ = Known::Unknown;  // '%' or '+'
  Known ampersand_ = Known::Unknown;
  Known upper_case_ = Known::Unknown;
  Known base64_text_ = Known::Unknown;  // base64Decode would decode it
};

// "url_decode,lowercase", or "none" for an empty chain (messages, group names, the docs).
std::string describeChain(const TransformChain& chain);

}  // namespace rampart::signatures
