#include "bot/clearance_cookie.h"

#include <catch2/catch.hpp>

namespace rampart::bot {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

const ChallengeKeyRing kRing({{"k2", "second-secret-with-at-least-32-bytes!!"},
                              {"k1", "first-secret-with-at-least-32-bytes!!!"}});
const ClientBinding kClient{"192.0.2.0/24", "t13d1516h2_8daaf6152771_e5627efa2ab1"};

std::string cookie(std::int64_t expiry = kNow + 3600, const ChallengeKeyRing& ring = kRing,
                   const ClientBinding& client = kClient) {
  return issueClearanceCookie(ring, client, expiry);
}

TEST_CASE("clearance cookie: format and a valid round trip", "[bot][challenge]") {
  const std::string c = cookie();
  CHECK(c.rfind("v1.k2.1700003600.", 0) == 0);
  CHECK(c.size() == std::string("v1.k2.1700003600.").size() + 64);  // 48 bytes base64url
  CHECK(verifyClearanceCookie(kRing, c, kClient, kNow) == ClearanceStatus::Valid);
  CHECK(clearanceStatusName(ClearanceStatus::Valid) == "valid");
}

TEST_CASE("clearance cookie: rotation", "[bot][challenge]") {
  // Signed by k1 while it was first; k2 now signs, k1 still verifies.
  const ChallengeKeyRing old_ring(
      std::vector<ChallengeKey>{{"k1", "first-secret-with-at-least-32-bytes!!!"}});
  const std::string by_k1 = cookie(kNow + 60, old_ring);
  CHECK(by_k1.rfind("v1.k1.", 0) == 0);
  CHECK(verifyClearanceCookie(kRing, by_k1, kClient, kNow) == ClearanceStatus::Valid);
  // Once k1 is dropped it is unknown.
  const ChallengeKeyRing new_ring(
      std::vector<ChallengeKey>{{"k2", "second-secret-with-at-least-32-bytes!!"}});
  CHECK(verifyClearanceCookie(new_ring, by_k1, kClient, kNow) == ClearanceStatus::UnknownKey);
}

TEST_CASE("clearance cookie: every refusal", "[bot][challenge]") {
  const std::string c = cookie();
  SECTION("expired") {
    CHECK(verifyClearanceCookie(kRing, cookie(kNow - 1), kClient, kNow) ==
          ClearanceStatus::Expired);
    CHECK(verifyClearanceCookie(kRing, cookie(kNow), kClient, kNow) == ClearanceStatus::Expired);
  }
  SECTION("another IP prefix") {
    const ClientBinding other{"198.51.100.0/24", kClient.ja4};
    CHECK(verifyClearanceCookie(kRing, c, other, kNow) == ClearanceStatus::WrongClient);
  }
  SECTION("another JA4") {
    const ClientBinding other{kClient.ip_prefix, "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6"};
    CHECK(verifyClearanceCookie(kRing, c, other, kNow) == ClearanceStatus::WrongClient);
  }
  SECTION("plain listener (no JA4) vs TLS") {
    const ClientBinding plain{kClient.ip_prefix, ""};
    CHECK(verifyClearanceCookie(kRing, c, plain, kNow) == ClearanceStatus::WrongClient);
    CHECK(verifyClearanceCookie(kRing, cookie(kNow + 60, kRing, plain), plain, kNow) ==
          ClearanceStatus::Valid);
  }
  SECTION("forged: same shape, signed with a key we do not hold") {
    const ChallengeKeyRing attacker(
        std::vector<ChallengeKey>{{"k2", "attacker-secret-with-at-least-32-bytes"}});
    CHECK(verifyClearanceCookie(kRing, cookie(kNow + 60, attacker), kClient, kNow) ==
          ClearanceStatus::BadSignature);
  }
  SECTION("forged: expiry raised on a genuine cookie") {
    std::string tampered = c;
    tampered.replace(tampered.find("1700003600"), 10, "1900003600");
    CHECK(verifyClearanceCookie(kRing, tampered, kClient, kNow) == ClearanceStatus::BadSignature);
  }
  SECTION("forged: key id swapped to another configured key") {
    std::string tampered = c;
    tampered.replace(3, 2, "k1");
    CHECK(verifyClearanceCookie(kRing, tampered, kClient, kNow) == ClearanceStatus::BadSignature);
  }
  SECTION("forged: one MAC character flipped") {
    std::string tampered = c;
    tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
    CHECK(verifyClearanceCookie(kRing, tampered, kClient, kNow) == ClearanceStatus::BadSignature);
  }
  SECTION("unknown key") {
    std::string other = c;
    other.replace(3, 2, "k9");
    CHECK(verifyClearanceCookie(kRing, other, kClient, kNow) == ClearanceStatus::UnknownKey);
  }
  SECTION("malformed") {
    for (std::string_view bad :
         {"", "v1", "v1.k2.1700003600", "v2.k2.1700003600.AAAA", "v1.k2.17x.AAAA",
          "v1.k.2.1700003600.AAAA", "v1.k2.1700003600.not*base64", "v1.k2.1700003600.AAAA",
          "v1..1700003600.AAAA", "v1.k2.-5.AAAA"}) {
      INFO(bad);
      CHECK(verifyClearanceCookie(kRing, bad, kClient, kNow) == ClearanceStatus::Malformed);
    }
    CHECK(verifyClearanceCookie(kRing, c + ".x", kClient, kNow) == ClearanceStatus::Malformed);
    CHECK(verifyClearanceCookie(kRing, c + "AAAA", kClient, kNow) == ClearanceStatus::Malformed);
    CHECK(verifyClearanceCookie(kRing, std::string(4096, 'a'), kClient, kNow) ==
          ClearanceStatus::Malformed);
  }
}

}  // namespace
}  // namespace rampart::bot
