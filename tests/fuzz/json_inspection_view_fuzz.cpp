// libFuzzer target for the WAF's view of a JSON body (detectors/modsecurity/json_inspection_view)
// and the text readers it uses (detectors/text/). Besides "no crash, no hang":
//   - a view is never longer than the body (it only drops syntax, and re-escapes a value no
//     longer than it was escaped), and a view of the view is never longer again;
//   - the HTML reader's data is never longer than the fragment, and the fence view never
//     longer than the text;
//   - the same input reads the same way twice (no hidden state).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "detectors/modsecurity/json_inspection_view.h"
#include "detectors/text/code_fence.h"
#include "detectors/text/html_fragment.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace rampart;

  if (auto view = modsec::jsonInspectionView(text)) {
    check(view->body.size() <= text.size());
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
  return 0;
}
