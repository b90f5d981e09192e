#include "detectors/signatures/signature_scratch.h"

#include <hs.h>

#include <utility>

#include "detectors/signatures/signature_loader.h"

namespace rampart::signatures {

Result<SignatureScratch> SignatureScratch::forSet(const SignatureSet& set) {
  SignatureScratch scratch;
  scratch.owned_.generation = set.generation();
  if (set.prototypeScratch() != nullptr &&
      hs_clone_scratch(set.prototypeScratch(), &scratch.owned_.scratch) != HS_SUCCESS) {
    Error error;
    error.source = ErrorSource::Internal;
    error.status = 500;
    error.reason = "signature_scratch_alloc_failed";
    error.detail = "hs_clone_scratch failed";
    return error;
  }
  return scratch;
}

SignatureScratch::OwnedScratch::OwnedScratch(OwnedScratch&& other) noexcept
    : scratch(std::exchange(other.scratch, nullptr)),
      generation(std::exchange(other.generation, 0)) {}

SignatureScratch::OwnedScratch& SignatureScratch::OwnedScratch::operator=(
    OwnedScratch&& other) noexcept {
  if (this != &other) {
    hs_free_scratch(scratch);
    scratch = std::exchange(other.scratch, nullptr);
    generation = std::exchange(other.generation, 0);
  }
  return *this;
}

SignatureScratch::OwnedScratch::~OwnedScratch() { hs_free_scratch(scratch); }

}  // namespace rampart::signatures
