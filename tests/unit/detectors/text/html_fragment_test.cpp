#include "detectors/text/html_fragment.h"

#include <catch2/catch.hpp>

namespace rampart::text {
namespace {

HtmlFragmentStatus read(std::string_view html, std::string* data = nullptr) {
  std::string out;
  const auto status = readAllowlistedHtml(html, out);
  if (data != nullptr) *data = out;
  return status;
}

TEST_CASE("html fragment: editor markup becomes its text and attribute values", "[html]") {
  std::string data;
  REQUIRE(read(R"(<h2>Title</h2><p>See <a href="https://example.org/a?b=1&amp;c=2" )"
               R"(rel="noopener" target="_blank">this</a> and <img src="/media/x.jpg" alt="a cat" )"
               R"(width="640"></p><ul><li>one<li>two</ul><br/><p class='wp-block x-1'>O'Brien &lt; 3</p>)",
               &data) == HtmlFragmentStatus::Allowlisted);
  CHECK(data ==
        " Title  See  https://example.org/a?b=1&amp;c=2 noopener _blank this  and  /media/x.jpg "
        "a cat 640    one two   wp-block x-1 O'Brien &lt; 3 ");
  // attribute text is data: an injection in an alt or title is in the view for every rule
  REQUIRE(read(R"(<img alt="1' or '1'='1" src="a.png">)", &data) == HtmlFragmentStatus::Allowlisted);
  CHECK(data.find("1' or '1'='1") != std::string::npos);
  REQUIRE(read(R"(<p title="</p><img src=x onerror=alert(1)>">x</p>)", &data) ==
          HtmlFragmentStatus::Allowlisted);
  CHECK(data.find("onerror=alert(1)") != std::string::npos);
  // mailto, relative references, unquoted values, upper case, a lone '<' in text
  CHECK(read("<A HREF=mailto:a@b.c>mail</A> if a < b") == HtmlFragmentStatus::Allowlisted);
  CHECK(read("<a href=../up#x>up</a>") == HtmlFragmentStatus::Allowlisted);
  // character references after the scheme is decided are data
  CHECK(read("<a href=\"https://a.example/x?ref=b&lang=en&amp;c=1\">x</a>") ==
        HtmlFragmentStatus::Allowlisted);
  CHECK(read("plain text, a < b > c") == HtmlFragmentStatus::NoMarkup);
}

TEST_CASE("html fragment: anything outside the allowlist is not read", "[html]") {
  using namespace std::string_view_literals;
  for (const std::string_view html : {
           "<script>alert(1)</script>"sv,
           "<p onclick=\"x()\">a</p>"sv,                      // event handler
           "<img src=x onerror=alert(1)>"sv,
           "<a href=\"javascript:alert(1)\">x</a>"sv,         // scheme
           "<a href=\"JaVaScRiPt:alert(1)\">x</a>"sv,
           "<a href=\"&#106;avascript:alert(1)\">x</a>"sv,    // entity in a URL's scheme
           "<a href=\"javascript&colon;alert(1)\">x</a>"sv,
           "<a href=\"javascript&#58;alert(1)//x\">x</a>"sv,
           "<a href=\" javascript:alert(1)\">x</a>"sv,        // leading space a browser strips
           "<a href=\"java\tscript:alert(1)\">x</a>"sv,       // tab a browser removes
           "<a href=\"data:text/html,<script>\">x</a>"sv,
           "<p style=\"background:url(x)\">a</p>"sv,          // style
           "<svg><script>x</script></svg>"sv,
           "<iframe src=\"https://a\"></iframe>"sv,
           "<!-- comment --><p>a</p>"sv,
           "<!DOCTYPE html><p>a</p>"sv,
           "<?xml version=\"1.0\"?><p>a</p>"sv,
           "</ p>"sv,                                         // bogus comment to a browser
           "<p title=\"a\" title=\"b\">x</p>"sv,              // duplicate attribute
           "<p title=\"a\"class=\"b\">x</p>"sv,               // no space between attributes
           "<img/src=x/onerror=alert(1)>"sv,                  // '/' as a separator
           "<p>unterminated <a href=\"x\""sv,
           "<a href=\"x>y</a>"sv,                             // unterminated quote
           "<a href=x\"y>z</a>"sv,                            // quote in an unquoted value
           "<p>a\x01</p>"sv,                                  // control character
           "<p\x00>a</p>"sv,
           "<p class=\"a;b\">x</p>"sv,                        // class is tokens only
           "<img width=\"100px\" src=a>"sv,
           "</p foo>"sv,                                      // attributes on an end tag
       }) {
    INFO(html);
    CHECK(read(html) == HtmlFragmentStatus::NotAllowed);
  }
}

TEST_CASE("html fragment: the reader's own bounds refuse rather than read on", "[html]") {
  // A name longer than 32 characters is refused, an element's or an attribute's. (The cap on
  // attributes per tag cannot be reached: no element allows more than 9 distinct ones, and a
  // repeated one is refused.)
  CHECK(read("<p " + std::string(33, 'a') + "=\"x\">y</p>") == HtmlFragmentStatus::NotAllowed);
  CHECK(read("<" + std::string(33, 'b') + ">y") == HtmlFragmentStatus::NotAllowed);
  CHECK(read("<b>" + std::string(100000, 'y') + "</b>") == HtmlFragmentStatus::Allowlisted);
}

}  // namespace
}  // namespace rampart::text
