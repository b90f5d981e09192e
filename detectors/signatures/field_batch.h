// Field batches: the short values of one source (every JSON value of a body, every header
// value, ...) joined by '\n' and scanned with one hs_scan per group as a prefilter, instead of
// one hs_scan per value and group.
//
// Why: Hyperscan's cost for a short buffer is mostly fixed (engine start, end-of-data checks):
// 0.15-0.4 µs per value and group on rampart's default set whatever the value's length, so a
// 2 KB JSON body of 60 short values cost 35 µs in per-value scans. One scan of the joined
// values reads the same bytes with one fixed cost per group (docs/signatures.md, "How values
// are scanned").
//
// Why it is exact: the batch database is the group's database with every pattern compiled
// HS_FLAG_MULTILINE, so `^` and `$` also match next to the '\n' that ends each value. A match
// of a pattern on one value alone is then also a match somewhere in the batch: the same bytes
// are there, `^`/`$` hold at the value's edges, and `\b`/`\B` see '\n' (a non-word byte) where
// the value alone has its start or end. The batch may match where no single value does (a
// match across the separator, or `^` after a line break inside a value): only a prefilter
// hit, never a reported match. A hit sends the group back to scanning each value on its own
// (what was done before batches), which is what the report holds.
//
// Patterns for which that argument fails are never batched (their group is scanned value by
// value): `\A`, `\z`, `\Z` and `\G` anchor to the buffer whatever the flags, and an inline
// option group that turns an option off (`(?-m)`, `(?^)`) can turn multiline off again.
#pragma once

#include <cstddef>
#include <string_view>

namespace rampart::signatures {

// Byte that ends each value in a batch (and that HS_FLAG_MULTILINE anchors on).
inline constexpr char kFieldBatchSeparator = '\n';

// Values longer than this are scanned on their own: their scan time is in their bytes, not
// in the fixed cost a batch shares, and copying them into the batch would cost more.
inline constexpr std::size_t kMaxBatchedValueBytes = 4096;

// Whether `pattern` may go into a batch database (see above). Conservative: anything that looks
// like a buffer anchor or an option turned off, even inside a class or \Q..\E, says no.
bool patternBatchable(std::string_view pattern);

}  // namespace rampart::signatures
