#include "detectors/signatures/signature.h"

namespace rampart::signatures {

std::string_view signatureActionName(SignatureAction action) {
  switch (action) {
    case SignatureAction::Score: return "score";
    case SignatureAction::Block: return "block";
    case SignatureAction::Log: return "log";
  }
  return "score";
}

std::string SourcePosition::describe() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace rampart::signatures
