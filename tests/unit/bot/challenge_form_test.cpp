#include "bot/challenge_form.h"

#include <catch2/catch.hpp>

namespace rampart::bot {
namespace {

TEST_CASE("challenge form: parses the page's POST", "[bot][challenge]") {
  ChallengeSolution s;
  REQUIRE(parseChallengeSolution("token=v1.k.1.16.n.m&counter=8892&return=%2Fa%3Fb%3D1+c", s) ==
          SolutionParse::Parsed);
  CHECK(s.token == "v1.k.1.16.n.m");
  CHECK(s.counter == "8892");
  CHECK(s.return_target == "/a?b=1 c");
  ChallengeSolution no_return;
  REQUIRE(parseChallengeSolution("counter=1&extra=x&token=t", no_return) == SolutionParse::Parsed);
  CHECK(no_return.return_target == "/");
}

TEST_CASE("challenge form: refuses what is ambiguous or broken", "[bot][challenge]") {
  ChallengeSolution s;
  CHECK(parseChallengeSolution("token=t", s) == SolutionParse::Malformed);
  CHECK(parseChallengeSolution("counter=1", s) == SolutionParse::Malformed);
  CHECK(parseChallengeSolution("token=a&token=b&counter=1", s) == SolutionParse::Malformed);
  CHECK(parseChallengeSolution("token=%zz&counter=1", s) == SolutionParse::Malformed);
  CHECK(parseChallengeSolution("token=a%2&counter=1", s) == SolutionParse::Malformed);
  CHECK(parseChallengeSolution(std::string(kMaxSolutionBodyBytes + 1, 'a'), s) ==
        SolutionParse::Malformed);
  std::string many = "token=t&counter=1";
  for (int i = 0; i < 20; ++i) many += "&x" + std::to_string(i) + "=1";
  CHECK(parseChallengeSolution(many, s) == SolutionParse::Malformed);
}

TEST_CASE("challenge form: only same-site return targets", "[bot][challenge]") {
  CHECK(isSameSiteTarget("/"));
  CHECK(isSameSiteTarget("/a/b?c=d&e=%2F"));
  CHECK_FALSE(isSameSiteTarget(""));
  CHECK_FALSE(isSameSiteTarget("https://evil.example/"));
  CHECK_FALSE(isSameSiteTarget("//evil.example/"));
  CHECK_FALSE(isSameSiteTarget("/\\evil.example/"));
  CHECK_FALSE(isSameSiteTarget("/a\\b"));
  CHECK_FALSE(isSameSiteTarget("/a b"));
  CHECK_FALSE(isSameSiteTarget("/a\r\nSet-Cookie: x=y"));
  CHECK_FALSE(isSameSiteTarget("evil"));
  CHECK_FALSE(isSameSiteTarget("/" + std::string(kMaxReturnTargetBytes, 'a')));
}

}  // namespace
}  // namespace rampart::bot
