// SignatureScanner: runs a SignatureSet over the canonical request's fields (FieldList) for one
// request. Each field is transformed once per group of its source, then scanned with that group's
// Hyperscan database. Results accumulate in a ScanReport, so the headers and the body (scanned
// in different phases) add up to one report in which each signature scores at most once.
//
// In the pipeline: SignatureStage (signature_stage.h) makes one scanner per request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "detectors/canonical/field.h"
#include "detectors/signatures/signature_scratch.h"
#include "detectors/signatures/signature_set.h"
#include "detectors/signatures/transform.h"
#include "detectors/text/free_text_view.h"
#include "proxy/api/error.h"

namespace rampart::signatures {

// What the matches ask of the enforcer, strongest last.
enum class ScanOutcome : std::uint8_t {
  NoMatch,  // nothing matched (at this paranoia level)
  LogOnly,  // only `log` signatures matched: record them, score nothing
  Scored,   // `score` signatures matched: anomaly_score carries their sum
  Block,    // a `block` signature matched: block now, whatever the score
};

std::string_view scanOutcomeName(ScanOutcome outcome);

struct SignatureMatch {
  // Into the SignatureSet that scanned: valid while it lives (an exchange pins its snapshot).
  const Signature* signature = nullptr;
  canonical::FieldSource source = canonical::FieldSource::Path;
  std::string field_name;  // the field's name, at most ScanLimits::field_name_bytes, escaped
  // Up to ScanLimits::excerpt_bytes of the value as the pattern saw it (after transforms),
  // ending a quarter of that (at most 16 bytes) past the match's end; bytes outside printable
  // ASCII, and '\', as \xNN.
  std::string excerpt;
};

struct ScanReport {
  ScanOutcome outcome = ScanOutcome::NoMatch;
  std::uint32_t anomaly_score = 0;      // sum of the scores of `score`/`block` matches
  std::vector<SignatureMatch> matches;  // in scan order, at most ScanLimits::max_recorded_matches
  std::size_t unrecorded_matches = 0;   // matches beyond that cap (they still scored)
  std::size_t truncated_fields = 0;     // fields longer than max_transform_input_bytes
  std::vector<std::uint32_t> scored_signatures;  // indexes already counted in anomaly_score
  text::FreeTextViews text_views;       // views scanned instead of some body values' syntax
};

class SignatureScanner {
 public:
  // `scratch` must have been made for `set` (SignatureScratch::forSet); `paranoia_level` is the
  // route's (1..4): signatures of a higher level do not match.
  SignatureScanner(const SignatureSet& set, SignatureScratch& scratch,
                   std::uint8_t paranoia_level);

  // Scans every field, adding to `report`. Stops early once a `block` signature matched (the
  // request is decided). Errors: the scratch belongs to another set, or Hyperscan failed
  // (reason "signature_scan_failed"); `report` keeps what was found before.
  Status scan(const canonical::FieldList& fields, ScanReport& report);

 private:
  // Whether an earlier field of this scan had the same source and value (short values only);
  // remembers this one otherwise. Only for sources whose signatures ignore field names.
  bool alreadyScanned(const canonical::Field& field);
  // One hs_scan of `scanned` (the field's value after the group's chain) with the group's
  // database, adding to `report`; an error only when Hyperscan fails.
  Status scanOne(const SignatureGroup& group, const canonical::Field& field,
                 std::string_view scanned, ScanReport& report);

  // The fields left after dedup, with the bytes the groups read (a free-text view where one
  // applies), into the scratch's values_ / value_bytes_.
  void collectValues(const canonical::FieldList& fields, ScanReport& report);
  // The values of one source: one batch scan per group over the short ones (field_batch.h),
  // then value by value for the groups whose batch matched and for the long values.
  Status scanSource(canonical::FieldSource source, std::span<IdentityProbe> probes,
                    ScanReport& report);
  // Whether the group's batch database matches the joined values at `indexes` (at the route's
  // paranoia level); an error only when Hyperscan fails.
  Result<bool> batchMatches(const SignatureGroup& group, std::span<const std::uint32_t> indexes,
                            std::span<IdentityProbe> probes);
  // `value` after the group's chain: the value itself when the chain would not change it, else
  // the scratch's transformed_ (valid until the next call). Sets `truncated` when the value was
  // cut to ScanLimits::max_transform_input_bytes first.
  std::string_view transformed(const SignatureGroup& group, IdentityProbe& probe,
                               std::string_view value, bool& truncated);

  const SignatureSet& set_;
  SignatureScratch& scratch_;
  std::uint8_t paranoia_level_;
};

}  // namespace rampart::signatures
