// libFuzzer target for the GraphQL readers (detectors/graphql/). Besides "no crash, no hang":
//   - a document read as Ok reads the same way twice (no hidden state);
//   - the WAF's view of a JSON body never grows a body by more than it could (the replacement
//     only drops syntax), and is itself a body the reader leaves alone or shrinks again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "detectors/graphql/graphql_document.h"
#include "detectors/graphql/graphql_request_body.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  rampart::graphql::DocumentLiterals first, second;
  const auto status = rampart::graphql::readExecutableDocument(text, first);
  check(rampart::graphql::readExecutableDocument(text, second) == status);
  check(first.strings == second.strings);
  if (status != rampart::graphql::DocumentStatus::Ok) check(first.strings.empty());

  if (auto view = rampart::graphql::inspectionBody(text)) {
    // Each replaced value is a JSON string of a subset of the literals' bytes, escaped: at most
    // 6 bytes per input byte (\u00XX) for control characters.
    check(view->size() <= text.size() * 6 + 2);
    auto again = rampart::graphql::inspectionBody(*view);
    check(!again || again->size() <= view->size());
  }
  return 0;
}
