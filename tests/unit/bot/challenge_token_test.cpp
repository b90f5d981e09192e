#include "bot/challenge_token.h"

#include <catch2/catch.hpp>

namespace rampart::bot {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::uint32_t kTtl = 300;

const ChallengeKeyRing kRing({{"k2", "second-secret-with-at-least-32-bytes!!"},
                              {"k1", "first-secret-with-at-least-32-bytes!!!"}});
const ClientBinding kClient{"192.0.2.0/24", ""};

// The first counter meeting `bits`, by brute force (small difficulties only).
std::string solve(const std::string& token, std::uint32_t bits) {
  for (std::uint64_t counter = 0;; ++counter) {
    const std::string text = std::to_string(counter);
    if (checkProofOfWork(token, text, bits) == ProofStatus::Meets) return text;
  }
}

TEST_CASE("challenge token: shape and round trip", "[bot][challenge]") {
  const std::string token = issueChallengeToken(kRing, kClient, 12, kNow);
  REQUIRE_FALSE(token.empty());
  CHECK(token.rfind("v1.k2.1700000000.12.", 0) == 0);
  const VerifiedToken verified = verifyChallengeToken(kRing, token, kClient, kNow + 10, kTtl);
  CHECK(verified.status == TokenStatus::Valid);
  CHECK(verified.difficulty_bits == 12);
  // A fresh nonce every time: a solution for one page is no solution for the next.
  CHECK(issueChallengeToken(kRing, kClient, 12, kNow) != token);
}

TEST_CASE("challenge token: refusals", "[bot][challenge]") {
  const std::string token = issueChallengeToken(kRing, kClient, 12, kNow);
  CHECK(verifyChallengeToken(kRing, token, kClient, kNow + kTtl + 1, kTtl).status ==
        TokenStatus::Expired);
  CHECK(verifyChallengeToken(kRing, token, kClient, kNow - 3600, kTtl).status ==
        TokenStatus::Expired);  // from the future
  CHECK(verifyChallengeToken(kRing, token, {"198.51.100.0/24", ""}, kNow, kTtl).status ==
        TokenStatus::WrongClient);
  CHECK(verifyChallengeToken(kRing, token, {kClient.ip_prefix, "t13d1516h2_x_y"}, kNow, kTtl)
            .status == TokenStatus::WrongClient);
  std::string easier = token;
  easier.replace(easier.find(".12."), 4, ".04.");
  CHECK(verifyChallengeToken(kRing, easier, kClient, kNow, kTtl).status ==
        TokenStatus::BadSignature);
  std::string unknown = token;
  unknown.replace(3, 2, "k7");
  CHECK(verifyChallengeToken(kRing, unknown, kClient, kNow, kTtl).status ==
        TokenStatus::UnknownKey);
  for (std::string_view bad : {"", "v1.k2", "v1.k2.1700000000.12.AAAA.AAAA", "x.y.z.w.v.u",
                               "v1.k2.1700000000.99.AAAAAAAAAAAAAAAAAAAAAA.AAAA"}) {
    INFO(bad);
    CHECK(verifyChallengeToken(kRing, bad, kClient, kNow, kTtl).status == TokenStatus::Malformed);
  }
  // A clearance cookie is not a token (and the other way round): different shape and label.
  CHECK(verifyChallengeToken(kRing, token + ".x", kClient, kNow, kTtl).status ==
        TokenStatus::Malformed);
}

TEST_CASE("challenge token: proof of work with a known solution", "[bot][challenge]") {
  // Found with Python's hashlib: SHA-256(token ":8892") = 00008077fbd6... (16 zero bits).
  const std::string token = "v1.k2.1700000000.16.AAAAAAAAAAAAAAAAAAAAAA.known-solution-test";
  CHECK(sha256LeadingZeroBits(token + ":8892") == 16);
  CHECK(checkProofOfWork(token, "8892", 16) == ProofStatus::Meets);
  CHECK(checkProofOfWork(token, "8892", 17) == ProofStatus::TooFewZeroBits);
  CHECK(checkProofOfWork(token, "0", 16) == ProofStatus::TooFewZeroBits);
  CHECK(checkProofOfWork(token, "", 16) == ProofStatus::Malformed);
  CHECK(checkProofOfWork(token, "88 92", 16) == ProofStatus::Malformed);
  CHECK(checkProofOfWork(token, "-8892", 16) == ProofStatus::Malformed);
  CHECK(checkProofOfWork(token, std::string(17, '1'), 16) == ProofStatus::Malformed);
  CHECK(sha256LeadingZeroBits("abc") == 0);  // ba7816bf...: starts with a one bit
}

TEST_CASE("challenge token: a solution binds to its token", "[bot][challenge]") {
  const std::string token = issueChallengeToken(kRing, kClient, 8, kNow);
  const std::string counter = solve(token, 8);
  CHECK(checkProofOfWork(token, counter, 8) == ProofStatus::Meets);
  const std::string other = issueChallengeToken(kRing, kClient, 8, kNow);
  // The chance that one counter solves two tokens at 8 bits is 1/256; take the first counter
  // that fails, so the check is deterministic in what it shows.
  std::uint64_t miss = 0;
  while (checkProofOfWork(other, std::to_string(miss), 8) == ProofStatus::Meets) ++miss;
  CHECK(checkProofOfWork(other, std::to_string(miss), 8) == ProofStatus::TooFewZeroBits);
}

}  // namespace
}  // namespace rampart::bot
