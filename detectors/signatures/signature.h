// Signature: one rule of a signature file (rules/signatures/*.yaml, format in docs/signatures.md),
// as the loader validated it. Plain data: the compiled form is SignatureSet (signature_set.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "detectors/signatures/target.h"
#include "detectors/signatures/transform.h"

namespace rampart::signatures {

// What a match does. Every action is recorded in the scan report; only the first two count.
enum class SignatureAction : std::uint8_t {
  Score,  // adds `score` to the request's anomaly score; the enforcer decides
  Block,  // adds `score` and asks for an immediate block, whatever the threshold
  Log,    // recorded only (new signatures are tried this way before they count)
};

std::string_view signatureActionName(SignatureAction action);

// Hyperscan compile flags a signature may ask for (HS_FLAG_SINGLEMATCH is always added; flags
// that change what a match means, e.g. HS_FLAG_ALLOWEMPTY, are not offered).
enum class PatternFlag : std::uint8_t {
  Caseless = 1 << 0,
  DotAll = 1 << 1,
  Multiline = 1 << 2,
  Utf8 = 1 << 3,
  Ucp = 1 << 4,  // Unicode properties for \w, \d, classes; needs utf8
};
using PatternFlags = std::uint8_t;

// Paranoia levels as CRS defines them: 1 (few false positives) .. 4 (most detection).
inline constexpr std::uint8_t kMinParanoiaLevel = 1;
inline constexpr std::uint8_t kMaxParanoiaLevel = 4;

// Where a signature was written, for error messages ("FILE:LINE:COL").
struct SourcePosition {
  std::string file;
  int line = 1;
  int column = 1;
  std::string describe() const;
};

struct Signature {
  std::string id;           // unique across all loaded files; [A-Za-z0-9._-], 1..64 chars
  std::string description;  // one line for people reading the decision record
  std::string pattern;      // Hyperscan regular expression
  PatternFlags flags = 0;
  std::vector<Target> targets;        // at least one; aliases already expanded
  TransformChain transforms;          // applied in order before matching
  std::uint32_t score = 5;            // CRS "critical" by default
  std::uint8_t paranoia_level = 1;    // counts on routes whose paranoia level is at least this
  SignatureAction action = SignatureAction::Score;
  std::vector<std::string> tags;
  SourcePosition position;            // of the signature's map in its file
  SourcePosition pattern_position;    // of its `pattern` value (compile errors point here)
};

using SignatureList = std::vector<Signature>;

}  // namespace rampart::signatures
