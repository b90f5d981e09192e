// libFuzzer target for the GraphQL document reader (detectors/graphql/). Besides "no crash, no
// hang": a document read as Ok reads the same way twice (no hidden state), and a document that
// is not Ok yields no literals. The JSON body around it: json_inspection_view_fuzz.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "detectors/graphql/graphql_document.h"

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

  return 0;
}
