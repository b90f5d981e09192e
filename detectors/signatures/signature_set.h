// SignatureSet: signatures compiled into Hyperscan block-mode databases, one per
// (field source, transform chain) group, when a config snapshot is built (main thread, never on
// the data path). Immutable once built and shared by every worker through shared_ptr<const>;
// the only mutable scan state is the per-worker SignatureScratch (signature_scratch.h).
//
// Paranoia level: every signature of every level is compiled into the same databases and a
// match whose level is above the route's is dropped in the match callback. Matches are rare, so
// the filter costs almost nothing, whereas one database set per level would compile and hold
// four copies of every pattern. Groups whose every member is above the route's level are not
// scanned at all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "detectors/canonical/field.h"
#include "detectors/signatures/signature.h"
#include "proxy/api/error.h"

struct hs_database;
struct hs_scratch;

namespace rampart::signatures {

// Bounds on the work one scan may do (docs/signatures.md, "Limits").
struct ScanLimits {
  // A transformed field is built from at most this many bytes of the value (transforms never
  // grow their input, so this also bounds the copy); the rest of a longer value is scanned only
  // by signatures without transforms, and the report counts the truncation.
  std::size_t max_transform_input_bytes = 256 * 1024;
  std::size_t max_recorded_matches = 32;  // further matches still score, unrecorded
  std::size_t excerpt_bytes = 64;         // of the matched value, ending a little past the match
  std::size_t field_name_bytes = 128;     // of the field's name in a recorded match
};

// One Hyperscan database: every signature that scans `source` with exactly `transforms`.
struct SignatureGroup {
  struct Member {
    std::uint32_t signature_index;        // into SignatureSet::signatures()
    std::vector<std::string> field_names; // empty: any field of the source; else only these
  };
  canonical::FieldSource source;
  TransformChain transforms;
  std::vector<Member> members;  // the Hyperscan expression id is the index here
  std::uint8_t min_paranoia_level = kMaxParanoiaLevel;
  hs_database* database = nullptr;  // owned by the set; groups with the same members share one
  // The same patterns compiled HS_FLAG_MULTILINE, to prefilter a batch of this source's short
  // values (field_batch.h); null when a member's pattern cannot be batched. Shared like
  // `database`.
  hs_database* batch_database = nullptr;
};

class SignatureSet {
 public:
  // Groups and compiles. An empty list gives an empty set (scans find nothing). A pattern that
  // Hyperscan refuses gives Error{reason = signatures_invalid, detail =
  // "FILE:LINE:COL: signature 'ID': pattern does not compile: <Hyperscan's message>"}.
  static Result<std::shared_ptr<const SignatureSet>> compile(SignatureList signatures,
                                                             ScanLimits limits = {});

  ~SignatureSet();
  SignatureSet(const SignatureSet&) = delete;
  SignatureSet& operator=(const SignatureSet&) = delete;

  const SignatureList& signatures() const { return signatures_; }
  const std::vector<SignatureGroup>& groups() const { return groups_; }
  // Indexes into groups() of the groups that scan `source`.
  std::span<const std::size_t> groupsFor(canonical::FieldSource source) const;
  // Whether every signature on `source` matches regardless of the field's name (no member is
  // restricted to named fields): two fields of that source with the same value then match the
  // same signatures, so the scanner scans such a value once per request.
  bool nameIndependent(canonical::FieldSource source) const {
    return !has_named_members_[static_cast<std::size_t>(source)];
  }
  const ScanLimits& limits() const { return limits_; }
  // Distinguishes sets for SignatureScratch (addresses can be reused after a set is freed).
  std::uint64_t generation() const { return generation_; }
  // Scratch space allocated for every database of the set; workers clone it.
  const hs_scratch* prototypeScratch() const { return prototype_scratch_; }

 private:
  SignatureSet() = default;

  SignatureList signatures_;
  std::vector<SignatureGroup> groups_;
  std::vector<hs_database*> databases_;  // owned, one per distinct member list
  std::vector<std::size_t> groups_by_source_[canonical::kFieldSourceCount];
  bool has_named_members_[canonical::kFieldSourceCount] = {};
  ScanLimits limits_;
  std::uint64_t generation_ = 0;
  hs_scratch* prototype_scratch_ = nullptr;  // owned
};

}  // namespace rampart::signatures
