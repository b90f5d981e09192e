// The detectors' view of one free-text value from a request body (a JSON string, a form field,
// a multipart part): its data, with the syntax that CRS and the signatures misread as an attack
// taken out. Two readers, in this order:
//   - code fences: Markdown fence lines emptied (code_fence.h);
//   - HTML: an allowlisted fragment read as its text and attribute values (html_fragment.h).
// Both keep every byte of data in the view, so the other rule families still read it. CRS
// (detectors/modsecurity/json_inspection_view.h) and the signature scanner use this same view,
// so the one anomaly score they add to is computed over the same bytes.
#pragma once

#include <string>
#include <string_view>

namespace rampart::text {

struct FreeTextViews {
  bool code_fence = false;
  bool html = false;
  bool any() const { return code_fence || html; }
};

// When a reader applies, `out` holds the view (`scratch` is a second buffer, both reused by the
// caller from value to value) and the result says which; otherwise `out` is unspecified.
FreeTextViews freeTextView(std::string_view value, std::string& out, std::string& scratch);

}  // namespace rampart::text
