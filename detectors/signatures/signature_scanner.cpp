#include "detectors/signatures/signature_scanner.h"

#include <hs.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string_view>

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
      scratch_.scratch_, onMatch, &context);
  if (result != HS_SUCCESS && result != HS_SCAN_TERMINATED) {
    return scanError("signature_scan_failed", "hs_scan failed with error " + std::to_string(result));
  }
  return Ok{};
}

Status SignatureScanner::scan(const canonical::FieldList& fields, ScanReport& report) {
  if (!scratch_.isFor(set_)) {
    return scanError("signature_scratch_mismatch",
                     "the scratch space was made for another signature set");
  }
  if (report.outcome == ScanOutcome::Block) return Ok{};
  const std::size_t cap = set_.limits().max_transform_input_bytes;
  // Forget the last scan's values (only the slots it filled).
  for (const auto& entry : scratch_.seen_) {
    std::size_t slot = (entry.hash ^ entry.source) & (scratch_.seen_slots_.size() - 1);
    while (scratch_.seen_slots_[slot] != 0) {
      scratch_.seen_slots_[slot] = 0;
      slot = (slot + 1) & (scratch_.seen_slots_.size() - 1);
    }
  }
  scratch_.seen_.clear();
  for (const canonical::Field& field : fields) {
    if (alreadyScanned(field)) continue;
    bool truncated = false;
    std::string_view value = field.value;
    if (carriesFreeText(field.source)) {
      const text::FreeTextViews views =
          text::freeTextView(value, scratch_.text_view_, scratch_.text_spare_);
      if (views.any()) {
        value = scratch_.text_view_;
        report.text_views.code_fence = report.text_views.code_fence || views.code_fence;
        report.text_views.html = report.text_views.html || views.html;
      }
    }
    IdentityProbe probe(value);
    for (std::size_t group_index : set_.groupsFor(field.source)) {
      const SignatureGroup& group = set_.groups()[group_index];
      if (group.min_paranoia_level > paranoia_level_) continue;
      std::string_view scanned = value;
      // Most values have nothing a group's chain would change (no escape, no entity): the scan
      // then reads the value itself instead of a copy.
      // Leading steps that would leave it unchanged are skipped the same way.
      const std::size_t unchanged = probe.identityPrefix(group.transforms);
      if (unchanged < group.transforms.size()) {
        if (scanned.size() > cap) {
          scanned = scanned.substr(0, cap);
          truncated = true;
        }
        applyChainSteps(std::span<const Transform>(group.transforms).subspan(unchanged), scanned,
                        scratch_.transformed_, scratch_.spare_);
        scanned = scratch_.transformed_;
      }
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

}  // namespace rampart::signatures
