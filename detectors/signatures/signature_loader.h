// Reads signature files (rules/signatures/*.yaml; format in docs/signatures.md) strictly:
// unknown keys, wrong types, unknown targets/transforms/flags and duplicate ids are errors with
// FILE:LINE:COL. Patterns are not compiled here; SignatureSet::compile reports bad ones.
// Main thread only (startup, reload, rampart validate); never on the data path, never throws.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "detectors/signatures/signature.h"
#include "proxy/api/error.h"

namespace rampart::signatures {

// The Error::reason of every loader and compile failure. Error::detail is
// "FILE:LINE:COL: message" (1-based; for a missing key, the map that lacks it), or "FILE: message"
// when the file as a whole is at fault (unreadable, too large).
inline constexpr std::string_view kSignaturesInvalid = "signatures_invalid";

// Parses one file's text; `source_name` names it in messages and in Signature::position.
// Ids must be unique within the text.
Result<SignatureList> parseSignatureFile(std::string_view yaml, std::string_view source_name);

// Reads and parses one file.
Result<SignatureList> loadSignatureFile(const std::string& path);

// Every "*.yaml" file directly in `directory`, in name order, as one list whose ids are unique
// across files. A directory without signature files is an error (a wrong path would otherwise
// silently disable every signature).
Result<SignatureList> loadSignatureDirectory(const std::string& directory);

// Appends `more` to `into`, refusing an id that `into` has already (the message names both
// positions).
Status appendSignatures(SignatureList& into, SignatureList more);

}  // namespace rampart::signatures
