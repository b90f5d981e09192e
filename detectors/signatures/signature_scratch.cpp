#include "detectors/signatures/signature_scratch.h"

#include <hs.h>

#include <utility>

#include "detectors/signatures/signature_loader.h"

namespace rampart::signatures {

Result<SignatureScratch> SignatureScratch::forSet(const SignatureSet& set) {
  SignatureScratch scratch;
  scratch.generation_ = set.generation();
  if (set.prototypeScratch() != nullptr &&
      hs_clone_scratch(set.prototypeScratch(), &scratch.scratch_) != HS_SUCCESS) {
    Error error;
    error.source = ErrorSource::Internal;
    error.status = 500;
    error.reason = "signature_scratch_alloc_failed";
    error.detail = "hs_clone_scratch failed";
    return error;
  }
  return scratch;
}

SignatureScratch::SignatureScratch(SignatureScratch&& other) noexcept
    : scratch_(std::exchange(other.scratch_, nullptr)),
      generation_(std::exchange(other.generation_, 0)),
      transformed_(std::move(other.transformed_)),
      spare_(std::move(other.spare_)),
      text_view_(std::move(other.text_view_)),
      text_spare_(std::move(other.text_spare_)),
      seen_(std::move(other.seen_)),
      seen_slots_(std::move(other.seen_slots_)),
      values_(std::move(other.values_)),
      value_bytes_(std::move(other.value_bytes_)),
      probes_(std::move(other.probes_)),
      views_(std::move(other.views_)),
      source_values_(std::move(other.source_values_)),
      scan_each_(std::move(other.scan_each_)),
      batch_(std::move(other.batch_)) {}

SignatureScratch& SignatureScratch::operator=(SignatureScratch&& other) noexcept {
  if (this != &other) {
    hs_free_scratch(scratch_);
    scratch_ = std::exchange(other.scratch_, nullptr);
    generation_ = std::exchange(other.generation_, 0);
    transformed_ = std::move(other.transformed_);
    spare_ = std::move(other.spare_);
    text_view_ = std::move(other.text_view_);
    text_spare_ = std::move(other.text_spare_);
    seen_ = std::move(other.seen_);
    seen_slots_ = std::move(other.seen_slots_);
    values_ = std::move(other.values_);
    value_bytes_ = std::move(other.value_bytes_);
    probes_ = std::move(other.probes_);
    views_ = std::move(other.views_);
    source_values_ = std::move(other.source_values_);
    scan_each_ = std::move(other.scan_each_);
    batch_ = std::move(other.batch_);
  }
  return *this;
}

SignatureScratch::~SignatureScratch() { hs_free_scratch(scratch_); }

}  // namespace rampart::signatures
