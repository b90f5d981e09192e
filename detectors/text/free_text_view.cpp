#include "detectors/text/free_text_view.h"

#include "detectors/text/code_fence.h"
#include "detectors/text/html_fragment.h"

namespace rampart::text {

FreeTextViews freeTextView(std::string_view value, std::string& out, std::string& scratch) {
  FreeTextViews views;
  // Fast path: each reader needs a backtick or an angle bracket.
  // (Two memchr: find_first_of with a set calls one per byte.)
  if (value.find('`') == std::string_view::npos && value.find('<') == std::string_view::npos)
    return views;
  std::string_view current = value;
  if (auto without_fences = withoutCodeFenceLines(value)) {
    scratch = std::move(*without_fences);
    current = scratch;
    views.code_fence = true;
  }
  if (current.find('<') != std::string_view::npos &&
      readAllowlistedHtml(current, out) == HtmlFragmentStatus::Allowlisted) {
    views.html = true;
  } else if (views.code_fence) {
    out.swap(scratch);
  }
  return views;
}

}  // namespace rampart::text
