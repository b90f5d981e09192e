// libFuzzer target for the WAF's view of a JSON body (detectors/modsecurity/json_inspection_view)
// and the text readers it uses (detectors/text/). Besides "no crash, no hang":
//   - a view is never longer than the body (it only drops syntax, and re-escapes a value no
//     longer than it was escaped), except that a language_code member adds its name and the
//     line breaks of its code again: then it is at most three times the body; a view of the
//     view is never longer again (the second view sees the suffix's byte in a member name and
//     adds no member);
//   - the HTML reader's data is never longer than the fragment, and the fence view and both
//     parts of the language-code split never longer than the text;
//   - the same input reads the same way twice (no hidden state).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "detectors/modsecurity/json_inspection_view.h"
#include "detectors/text/code_fence.h"
#include "detectors/text/html_fragment.h"
#include "detectors/text/language_code.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace rampart;

  if (auto view = modsec::jsonInspectionView(text)) {
    check(view->body.size() <= (view->language_code ? 3 * text.size() : text.size()));
    check(view->graphql || view->html || view->code_fence);
    auto again = modsec::jsonInspectionView(view->body);
    check(!again || again->body.size() <= view->body.size());
    auto twice = modsec::jsonInspectionView(text);
    check(twice && twice->body == view->body);
  }

  std::string first, second;
  const auto status = text::readAllowlistedHtml(text, first);
  check(text::readAllowlistedHtml(text, second) == status);
  if (status == text::HtmlFragmentStatus::Allowlisted) {
    check(first == second && first.size() <= text.size());
  }

  if (auto fenced = text::withoutCodeFenceLines(text)) check(fenced->size() < text.size());
  if (auto split = text::splitLanguageCode(text)) {
    // The fence lines go; every other line is in one of the two, its break in both.
    check(split->prose.size() < text.size() && split->code.size() < text.size());
  }
  return 0;
}
