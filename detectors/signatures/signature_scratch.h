// SignatureScratch: the mutable state one worker needs to scan with one SignatureSet: Hyperscan
// scratch space (cloned from the set's prototype, so each worker's scans never share it) and the
// buffers transforms write into (kept, so their capacity is reused from request to request).
// Owned by one worker and used by one scan at a time; never shared between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "detectors/signatures/signature_set.h"
#include "detectors/signatures/transform.h"
#include "proxy/api/error.h"

struct hs_scratch;

namespace rampart::signatures {

class SignatureScratch {
 public:
  // Clones the set's prototype scratch. A worker makes one per SignatureSet it scans with (at
  // worker start and when a reload brings a new set), off the per-request path.
  static Result<SignatureScratch> forSet(const SignatureSet& set);

  // Whether this scratch was made for `set` (scans with any other set are refused; a
  // moved-from scratch is made for none).
  bool isFor(const SignatureSet& set) const { return owned_.generation == set.generation(); }

 private:
  friend class SignatureScanner;
  SignatureScratch() = default;

  // The Hyperscan scratch and the set it was cloned for: moved as one, freed once. The other
  // members are plain buffers, so SignatureScratch moves with the defaults.
  struct OwnedScratch {
    hs_scratch* scratch = nullptr;  // null for a set without databases
    std::uint64_t generation = 0;
    OwnedScratch() = default;
    OwnedScratch(OwnedScratch&& other) noexcept;
    OwnedScratch& operator=(OwnedScratch&& other) noexcept;
    OwnedScratch(const OwnedScratch&) = delete;
    OwnedScratch& operator=(const OwnedScratch&) = delete;
    ~OwnedScratch();
  };

  OwnedScratch owned_;
  std::string transformed_;  // a field's value after its group's chain
  std::string spare_;        // the chain's second buffer
  std::string text_view_;    // a body value's free-text view (detectors/text/free_text_view.h)
  std::string text_spare_;   // that view's second buffer
  // Short values already scanned in this scan (SignatureScanner::alreadyScanned): an open-
  // addressing table of indexes + 1 into seen_ (0: empty), cleared per scan.
  struct SeenValue {
    std::size_t hash;
    std::uint8_t source;
    std::string_view value;
  };
  std::vector<SeenValue> seen_;
  std::vector<std::uint32_t> seen_slots_;

  // One scan's values (SignatureScanner::collectValues): the fields left after dedup, each with
  // the bytes the groups transform (a free-text view is copied into views_).
  struct Value {
    const canonical::Field* field;
    std::size_t view_offset;  // into views_, when in_views
    std::size_t view_size;
    bool in_views;
  };
  std::vector<Value> values_;
  std::vector<std::string_view> value_bytes_;  // values_[i]'s bytes, once views_ stops growing
  std::vector<IdentityProbe> probes_;          // values_[i]'s, kept across its groups
  std::string views_;
  std::vector<std::uint32_t> source_values_;   // indexes into values_ of the source being scanned
  std::vector<std::uint8_t> scan_each_;        // per group of that source: scan value by value
  std::string batch_;                          // a source's short values, joined (field_batch.h)
};

}  // namespace rampart::signatures
