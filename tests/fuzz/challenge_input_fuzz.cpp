// libFuzzer target for everything the challenge reads from a client (bot/): the solution POST
// body, its return target, the clearance cookie, the page token and the Cookie fields the cookie
// is taken from. Besides "no crash, no read past the input" (ASan) it checks what the stage
// relies on: a parsed solution respects the body bounds, an accepted return target is a
// same-site path, arbitrary bytes never verify as a cookie or a token, and taking a cookie out
// leaves none of that name behind.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bot/challenge_form.h"
#include "bot/challenge_token.h"
#include "bot/clearance_cookie.h"
#include "bot/request_cookies.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const rampart::bot::ChallengeKeyRing& ring() {
  static const rampart::bot::ChallengeKeyRing keys(
      std::vector<rampart::bot::ChallengeKey>{{"k1", "fuzz-secret-with-at-least-32-bytes-0123"}});
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rampart::bot;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ChallengeSolution solution;
  if (parseChallengeSolution(input, solution) == SolutionParse::Parsed) {
    check(size <= kMaxSolutionBodyBytes);
    check(solution.token.size() <= size && solution.counter.size() <= size);
  }
  if (isSameSiteTarget(input)) {
    check(input[0] == '/' && (size == 1 || (input[1] != '/' && input[1] != '\\')));
    check(input.find_first_of(" \r\n\t\\") == std::string_view::npos);
  }
  const ClientBinding binding{"192.0.2.0/24", ""};
  check(verifyClearanceCookie(ring(), input, binding, 1'700'000'000) != ClearanceStatus::Valid);
  check(verifyChallengeToken(ring(), input, binding, 1'700'000'000, 300).status !=
        TokenStatus::Valid);
  checkProofOfWork(input, input.substr(0, kMaxCounterDigits), 8);
  rampart::HeaderList headers;
  headers.add("cookie", std::string(input));
  takeCookie(headers, "rampart_clearance", 4);
  check(takeCookie(headers, "rampart_clearance", 4).empty());
  return 0;
}
