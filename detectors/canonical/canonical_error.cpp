#include "detectors/canonical/canonical_error.h"

#include <array>
#include <utility>

namespace rampart::canonical {
namespace {

struct ErrorInfo {
  std::string_view reason;
  std::uint16_t status;
};

constexpr std::array<ErrorInfo, kCanonicalErrorCount> kErrorInfo = {{
#define RAMPART_CANONICAL_INFO(name, reason, status) {reason, status},
    RAMPART_CANONICAL_ERRORS(RAMPART_CANONICAL_INFO)
#undef RAMPART_CANONICAL_INFO
}};

}  // namespace

std::string_view reasonOf(CanonicalError error) {
  const auto index = static_cast<std::size_t>(error);
  return index < kErrorInfo.size() ? kErrorInfo[index].reason : std::string_view("unknown");
}

std::uint16_t statusOf(CanonicalError error) {
  const auto index = static_cast<std::size_t>(error);
  return index < kErrorInfo.size() ? kErrorInfo[index].status : 400;
}

std::string_view reasonAt(std::size_t index) {
  return index < kErrorInfo.size() ? kErrorInfo[index].reason : std::string_view();
}

Error toError(CanonicalError error, std::string detail) {
  Error e;
  e.source = ErrorSource::Downstream;
  e.status = statusOf(error);
  e.reason = reasonOf(error);
  e.retryable = false;
  e.detail = std::move(detail);
  return e;
}

}  // namespace rampart::canonical
