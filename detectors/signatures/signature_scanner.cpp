#include "detectors/signatures/signature_scanner.h"

#include <hs.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <span>
#include <string_view>

#include "detectors/signatures/field_batch.h"

namespace rampart::signatures {
namespace {

// The excerpt ends a little past the match's end (a quarter of it, at most 16 bytes), so most of
// it shows the matched bytes (no start-of-match is tracked) and a little shows what followed.
constexpr std::size_t kMaxExcerptTail = 16;

Error scanError(std::string_view reason, std::string detail) {
  Error error;
  error.source = ErrorSource::Internal;
  error.status = 500;
  error.reason = reason;
  error.detail = std::move(detail);
  return error;
}

// Log-safe copy: printable ASCII as is, everything else (and '\') as \xNN, so a decision record
// never carries control bytes or a cut UTF-8 sequence.
std::string escapeBytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
      out += c;
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", byte);
      out += hex;
    }
  }
  return out;
}

ScanOutcome stronger(ScanOutcome a, ScanOutcome b) { return std::max(a, b); }

struct MatchContext {
  const SignatureSet* set;
  const SignatureGroup* group;
  const canonical::Field* field;
  std::string_view scanned;  // the bytes Hyperscan saw
  std::uint8_t paranoia_level;
  ScanReport* report;
  bool blocked = false;
};

// Body values that carry free text: they are scanned as their free-text view, as CRS inspects
// them (json_inspection_view.h), so code fences and allowlisted HTML score the same in both.
bool carriesFreeText(canonical::FieldSource source) {
  return source == canonical::FieldSource::JsonValue ||
         source == canonical::FieldSource::FormValue ||
         source == canonical::FieldSource::MultipartValue;
}

bool nameAllowed(const SignatureGroup::Member& member, const canonical::Field& field) {
  if (member.field_names.empty()) return true;
  for (const std::string& name : member.field_names) {
    if (targetSelects(Target{field.source, name}, field)) return true;
  }
  return false;
}

int onMatch(unsigned int id, unsigned long long /*from*/, unsigned long long to,
            unsigned int /*flags*/, void* context) {
  auto& ctx = *static_cast<MatchContext*>(context);
  if (id >= ctx.group->members.size()) return 0;
  const SignatureGroup::Member& member = ctx.group->members[id];
  const Signature& signature = ctx.set->signatures()[member.signature_index];
  if (signature.paranoia_level > ctx.paranoia_level) return 0;
  if (!nameAllowed(member, *ctx.field)) return 0;

  ScanReport& report = *ctx.report;
  const ScanLimits& limits = ctx.set->limits();
  if (report.matches.size() < limits.max_recorded_matches) {
    const std::size_t tail = std::min(kMaxExcerptTail, limits.excerpt_bytes / 4);
    const std::size_t end = std::min<std::size_t>(to + tail, ctx.scanned.size());
    const std::size_t begin = end > limits.excerpt_bytes ? end - limits.excerpt_bytes : 0;
    SignatureMatch match;
    match.signature = &signature;
    match.source = ctx.field->source;
    match.field_name =
        escapeBytes(std::string_view(ctx.field->name).substr(0, limits.field_name_bytes));
    match.excerpt = escapeBytes(ctx.scanned.substr(begin, end - begin));
    report.matches.push_back(std::move(match));
  } else {
    ++report.unrecorded_matches;
  }

  switch (signature.action) {
    case SignatureAction::Log:
      report.outcome = stronger(report.outcome, ScanOutcome::LogOnly);
      return 0;
    case SignatureAction::Score:
    case SignatureAction::Block: {
      auto& scored = report.scored_signatures;
      if (std::find(scored.begin(), scored.end(), member.signature_index) == scored.end()) {
        scored.push_back(member.signature_index);
        report.anomaly_score += signature.score;
      }
      if (signature.action == SignatureAction::Score) {
        report.outcome = stronger(report.outcome, ScanOutcome::Scored);
        return 0;
      }
      report.outcome = ScanOutcome::Block;
      ctx.blocked = true;
      return 1;  // the request is decided: stop this scan
    }
  }
  return 0;
}

}  // namespace

std::string_view scanOutcomeName(ScanOutcome outcome) {
  switch (outcome) {
    case ScanOutcome::NoMatch: return "no_match";
    case ScanOutcome::LogOnly: return "log_only";
    case ScanOutcome::Scored: return "scored";
    case ScanOutcome::Block: return "block";
  }
  return "no_match";
}

SignatureScanner::SignatureScanner(const SignatureSet& set, SignatureScratch& scratch,
                                   std::uint8_t paranoia_level)
    : set_(set), scratch_(scratch), paranoia_level_(paranoia_level) {}

bool SignatureScanner::alreadyScanned(const canonical::Field& field) {
  // Only short values: hashing is then cheaper than the scans it saves (JSON keys repeat in
  // every element of an array, form fields repeat words and numbers). At most kMaxRemembered
  // values, in a table twice that size, so a lookup stays a probe or two.
  constexpr std::size_t kMaxRememberedBytes = 256;
  constexpr std::size_t kMaxRemembered = 512;
  constexpr std::size_t kSlots = 2 * kMaxRemembered;
  if (field.value.size() > kMaxRememberedBytes || !set_.nameIndependent(field.source)) return false;
  auto& slots = scratch_.seen_slots_;
  auto& seen = scratch_.seen_;
  if (slots.size() != kSlots) slots.assign(kSlots, 0);
  const std::size_t hash = std::hash<std::string_view>{}(field.value);
  const auto source = static_cast<std::uint8_t>(field.source);
  std::size_t slot = (hash ^ source) & (kSlots - 1);
  for (; slots[slot] != 0; slot = (slot + 1) & (kSlots - 1)) {
    const auto& entry = seen[slots[slot] - 1];
    // The same value of the same source matches the same signatures, which scored once
    // already; the record lists the first field that matched.
    if (entry.hash == hash && entry.source == source && entry.value == field.value) return true;
  }
  if (seen.size() < kMaxRemembered) {
    seen.push_back({hash, source, field.value});
    slots[slot] = static_cast<std::uint32_t>(seen.size());
  }
  return false;
}

Status SignatureScanner::scanOne(const SignatureGroup& group, const canonical::Field& field,
                                 std::string_view scanned, ScanReport& report) {
  MatchContext context{&set_, &group, &field, scanned, paranoia_level_, &report};
  // Hyperscan wants a non-null pointer even for an empty buffer.
  const char* data = scanned.empty() ? "" : scanned.data();
  const hs_error_t result = hs_scan(
      group.database, data,
      static_cast<unsigned int>(std::min<std::size_t>(scanned.size(), 0xFFFFFFFFu)), 0,
      scratch_.owned_.scratch, onMatch, &context);
  if (result != HS_SUCCESS && result != HS_SCAN_TERMINATED) {
    return scanError("signature_scan_failed", "hs_scan failed with error " + std::to_string(result));
  }
  return Ok{};
}

std::string_view SignatureScanner::transformed(const SignatureGroup& group, IdentityProbe& probe,
                                               std::string_view value, bool& truncated) {
  // Most values have nothing a group's chain would change (no escape, no entity): the scan
  // then reads the value itself instead of a copy. Leading steps that would leave it unchanged
  // are skipped the same way.
  const std::size_t unchanged = probe.identityPrefix(group.transforms);
  if (unchanged == group.transforms.size()) return value;
  const std::size_t cap = set_.limits().max_transform_input_bytes;
  if (value.size() > cap) {
    value = value.substr(0, cap);
    truncated = true;
  }
  applyChainSteps(std::span<const Transform>(group.transforms).subspan(unchanged), value,
                  scratch_.transformed_, scratch_.spare_);
  return scratch_.transformed_;
}

void SignatureScanner::collectValues(const canonical::FieldList& fields, ScanReport& report) {
  auto& values = scratch_.values_;
  values.clear();
  scratch_.views_.clear();
  for (const canonical::Field& field : fields) {
    if (alreadyScanned(field)) continue;
    SignatureScratch::Value value{&field, 0, 0, false};
    if (carriesFreeText(field.source)) {
      const text::FreeTextViews views =
          text::freeTextView(field.value, scratch_.text_view_, scratch_.text_spare_);
      if (views.any()) {
        value = {&field, scratch_.views_.size(), scratch_.text_view_.size(), true};
        scratch_.views_ += scratch_.text_view_;
        report.text_views.code_fence = report.text_views.code_fence || views.code_fence;
        report.text_views.html = report.text_views.html || views.html;
      }
    }
    values.push_back(value);
  }
  auto& bytes = scratch_.value_bytes_;
  bytes.clear();
  for (const auto& value : values) {
    bytes.push_back(value.in_views
                        ? std::string_view(scratch_.views_).substr(value.view_offset, value.view_size)
                        : std::string_view(value.field->value));
  }
}

Result<bool> SignatureScanner::batchMatches(const SignatureGroup& group,
                                            std::span<const std::uint32_t> indexes,
                                            std::span<IdentityProbe> probes) {
  std::string& batch = scratch_.batch_;
  batch.clear();
  for (std::uint32_t index : indexes) {
    bool truncated = false;  // batched values are shorter than the transform cap
    batch += transformed(group, probes[index], scratch_.value_bytes_[index], truncated);
    batch += kFieldBatchSeparator;
  }
  struct BatchContext {
    const SignatureSet* set;
    const SignatureGroup* group;
    std::uint8_t paranoia_level;
    bool matched;
  } context{&set_, &group, paranoia_level_, false};
  const auto on_match = [](unsigned int id, unsigned long long, unsigned long long, unsigned int,
                           void* raw) -> int {
    auto& ctx = *static_cast<BatchContext*>(raw);
    if (id >= ctx.group->members.size()) return 0;
    const Signature& signature =
        ctx.set->signatures()[ctx.group->members[id].signature_index];
    if (signature.paranoia_level > ctx.paranoia_level) return 0;
    ctx.matched = true;  // a name-restricted member counts too: the values decide
    return 1;
  };
  const hs_error_t result =
      hs_scan(group.batch_database, batch.data(),
              static_cast<unsigned int>(std::min<std::size_t>(batch.size(), 0xFFFFFFFFu)), 0,
              scratch_.owned_.scratch, on_match, &context);
  if (result != HS_SUCCESS && result != HS_SCAN_TERMINATED) {
    return scanError("signature_scan_failed", "hs_scan failed with error " + std::to_string(result));
  }
  return context.matched;
}

Status SignatureScanner::scanSource(canonical::FieldSource source,
                                    std::span<IdentityProbe> probes, ScanReport& report) {
  auto& indexes = scratch_.source_values_;
  indexes.clear();
  const std::size_t batch_limit =
      std::min(kMaxBatchedValueBytes, set_.limits().max_transform_input_bytes);
  std::size_t batchable = 0;
  for (std::uint32_t i = 0; i < scratch_.values_.size(); ++i) {
    if (scratch_.values_[i].field->source != source) continue;
    indexes.push_back(i);
    if (scratch_.value_bytes_[i].size() <= batch_limit) ++batchable;
  }
  const auto groups = set_.groupsFor(source);
  // Which groups scan every value on its own: all of them when there is nothing to batch,
  // else those without a batch database and those whose batch matched (field_batch.h).
  auto& scan_each = scratch_.scan_each_;
  scan_each.assign(groups.size(), 1);
  const bool batching = batchable >= 2;
  if (batching) {
    auto& batched = scratch_.source_values_;  // reordered below: short values first
    std::stable_partition(batched.begin(), batched.end(), [&](std::uint32_t i) {
      return scratch_.value_bytes_[i].size() <= batch_limit;
    });
    const std::span<const std::uint32_t> short_values(batched.data(), batchable);
    for (std::size_t k = 0; k < groups.size(); ++k) {
      const SignatureGroup& group = set_.groups()[groups[k]];
      if (group.min_paranoia_level > paranoia_level_ || group.batch_database == nullptr) continue;
      auto matched = batchMatches(group, short_values, probes);
      if (!matched) return matched.error();
      scan_each[k] = *matched ? 1 : 0;
    }
    // Back to field order for the value-by-value scans (the report lists matches in it).
    std::sort(batched.begin(), batched.end());
  }
  for (std::uint32_t index : indexes) {
    const canonical::Field& field = *scratch_.values_[index].field;
    const std::string_view value = scratch_.value_bytes_[index];
    const bool in_batch = batching && value.size() <= batch_limit;
    bool truncated = false;
    for (std::size_t k = 0; k < groups.size(); ++k) {
      const SignatureGroup& group = set_.groups()[groups[k]];
      if (group.min_paranoia_level > paranoia_level_) continue;
      if (in_batch && scan_each[k] == 0) continue;  // the batch showed no match in this group
      const std::string_view scanned = transformed(group, probes[index], value, truncated);
      if (const Status scanned_ok = scanOne(group, field, scanned, report); !scanned_ok)
        return scanned_ok;
      if (report.outcome == ScanOutcome::Block) {
        if (truncated) ++report.truncated_fields;
        return Ok{};
      }
    }
    if (truncated) ++report.truncated_fields;
  }
  return Ok{};
}

Status SignatureScanner::scan(const canonical::FieldList& fields, ScanReport& report) {
  if (!scratch_.isFor(set_)) {
    return scanError("signature_scratch_mismatch",
                     "the scratch space was made for another signature set");
  }
  if (report.outcome == ScanOutcome::Block) return Ok{};
  // Forget the last scan's values (only the slots it filled).
  for (const auto& entry : scratch_.seen_) {
    std::size_t slot = (entry.hash ^ entry.source) & (scratch_.seen_slots_.size() - 1);
    while (scratch_.seen_slots_[slot] != 0) {
      scratch_.seen_slots_[slot] = 0;
      slot = (slot + 1) & (scratch_.seen_slots_.size() - 1);
    }
  }
  scratch_.seen_.clear();
  collectValues(fields, report);
  // One probe per value, kept across its groups (each asks what the value holds).
  auto& probes = scratch_.probes_;
  probes.clear();
  for (std::string_view bytes : scratch_.value_bytes_) probes.emplace_back(bytes);

  // Sources in the order they first appear, so matches are listed in roughly field order.
  bool done[canonical::kFieldSourceCount] = {};
  Status status = Ok{};
  for (const auto& value : scratch_.values_) {
    const auto source = value.field->source;
    if (done[static_cast<std::size_t>(source)]) continue;
    done[static_cast<std::size_t>(source)] = true;
    status = scanSource(source, probes, report);
    if (!status || report.outcome == ScanOutcome::Block) break;
  }
  // A large request's buffers are not kept for the worker's next, smaller ones.
  constexpr std::size_t kKeptBufferBytes = 1 << 20;
  if (scratch_.batch_.capacity() > kKeptBufferBytes) std::string().swap(scratch_.batch_);
  if (scratch_.views_.capacity() > kKeptBufferBytes) std::string().swap(scratch_.views_);
  return status;
}

}  // namespace rampart::signatures
