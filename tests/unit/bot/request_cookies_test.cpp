#include "bot/request_cookies.h"

#include <catch2/catch.hpp>

namespace rampart::bot {
namespace {

TEST_CASE("request cookies: takes one cookie out, keeps the rest", "[bot][challenge]") {
  HeaderList h;
  h.add("host", "example.com");
  h.add("cookie", "a=1; rampart_clearance=v1.x; b=2");
  h.add("accept", "*/*");
  h.add("cookie", "rampart_clearance=\"second\"");
  h.add("cookie", "c=3");
  const auto values = takeCookie(h, "rampart_clearance", 4);
  REQUIRE(values.size() == 2);
  CHECK(values[0] == "v1.x");
  CHECK(values[1] == "second");
  REQUIRE(h.size() == 4);
  CHECK(h.fields()[0].name == "host");
  CHECK(h.fields()[1].value == "a=1; b=2");
  CHECK(h.fields()[2].name == "accept");
  CHECK(h.fields()[3].value == "c=3");
  CHECK(h.bytes() == std::string("hostexample.comcookiea=1; b=2accept*/*cookiec=3").size());
}

TEST_CASE("request cookies: untouched without the cookie; bounded values", "[bot][challenge]") {
  HeaderList h;
  h.add("cookie", "a=1;b=2");
  h.add("cookie", "rampart_clearance_other=1");
  CHECK(takeCookie(h, "rampart_clearance", 4).empty());
  CHECK(h.fields()[0].value == "a=1;b=2");  // not rewritten
  HeaderList many;
  std::string value;
  for (int i = 0; i < 10; ++i) value += "n=" + std::to_string(i) + "; ";
  many.add("cookie", value);
  CHECK(takeCookie(many, "n", 4).size() == 4);
  CHECK(many.empty());  // every one removed, only four returned
}

}  // namespace
}  // namespace rampart::bot
