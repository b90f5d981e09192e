#include "detectors/canonical/utf8_validation.h"

#include <catch2/catch.hpp>
#include <string>

namespace rampart::canonical {
namespace {

using namespace std::string_literals;

TEST_CASE("strict UTF-8 accepts well-formed text of every length", "[canonical]") {
  REQUIRE(validateUtf8("") == Utf8Status::Valid);
  REQUIRE(validateUtf8("plain ascii") == Utf8Status::Valid);
  REQUIRE(validateUtf8("caf\xC3\xA9") == Utf8Status::Valid);              // é
  REQUIRE(validateUtf8("\xE2\x82\xAC") == Utf8Status::Valid);             // €
  REQUIRE(validateUtf8("\xF0\x9F\x98\x80") == Utf8Status::Valid);         // U+1F600
  REQUIRE(validateUtf8("\xF4\x8F\xBF\xBF") == Utf8Status::Valid);         // U+10FFFF
  REQUIRE(validateUtf8("\xED\x9F\xBF") == Utf8Status::Valid);             // U+D7FF
}

TEST_CASE("strict UTF-8 rejects overlong forms, surrogates and out-of-range code points", "[canonical]") {
  REQUIRE(validateUtf8("\xC0\xAF") == Utf8Status::Invalid);          // overlong '/'
  REQUIRE(validateUtf8("\xC1\xBF") == Utf8Status::Invalid);
  REQUIRE(validateUtf8("\xE0\x80\xAF") == Utf8Status::Invalid);      // overlong '/' in 3 bytes
  REQUIRE(validateUtf8("\xF0\x80\x80\xAF") == Utf8Status::Invalid);  // ... in 4 bytes
  REQUIRE(validateUtf8("\xC0\xAE") == Utf8Status::Invalid);          // overlong '.'
  REQUIRE(validateUtf8("\xED\xA0\x80") == Utf8Status::Invalid);      // U+D800
  REQUIRE(validateUtf8("\xED\xBF\xBF") == Utf8Status::Invalid);      // U+DFFF
  REQUIRE(validateUtf8("\xF4\x90\x80\x80") == Utf8Status::Invalid);  // U+110000
  REQUIRE(validateUtf8("\xF5\x80\x80\x80") == Utf8Status::Invalid);
  REQUIRE(validateUtf8("\xFF") == Utf8Status::Invalid);
  REQUIRE(validateUtf8("\x80") == Utf8Status::Invalid);              // lone continuation
  REQUIRE(validateUtf8("\xC3") == Utf8Status::Invalid);              // truncated
  REQUIRE(validateUtf8("\xE2\x82") == Utf8Status::Invalid);
  REQUIRE(validateUtf8("\xC3\x28") == Utf8Status::Invalid);          // bad continuation
}

TEST_CASE("control characters: NUL never, TAB/CR/LF only where allowed", "[canonical]") {
  REQUIRE(findControlCharacters("a b", ControlCharacters::NoneAllowed) == ControlStatus::Clean);
  REQUIRE(findControlCharacters("a\tb", ControlCharacters::NoneAllowed) == ControlStatus::ControlFound);
  REQUIRE(findControlCharacters("a\tb\r\n", ControlCharacters::TabAndNewlinesAllowed) == ControlStatus::Clean);
  REQUIRE(findControlCharacters("a\0b"s, ControlCharacters::TabAndNewlinesAllowed) == ControlStatus::ControlFound);
  REQUIRE(findControlCharacters("a\x7f", ControlCharacters::TabAndNewlinesAllowed) == ControlStatus::ControlFound);
  REQUIRE(findControlCharacters("\x1b[31m", ControlCharacters::TabAndNewlinesAllowed) == ControlStatus::ControlFound);
}

TEST_CASE("appendUtf8 writes every length", "[canonical]") {
  std::string out;
  appendUtf8(out, 0x27);
  appendUtf8(out, 0xE9);
  appendUtf8(out, 0x20AC);
  appendUtf8(out, 0x1F600);
  REQUIRE(out == "'\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  REQUIRE(validateUtf8(out) == Utf8Status::Valid);
}

TEST_CASE("validation and control search find a bad byte at every offset of a long text",
          "[canonical][utf8]") {
  // The word-at-a-time paths: a bad byte before, inside and after 8-byte words.
  for (std::size_t at = 0; at < 40; ++at) {
    std::string text(40, 'a');
    INFO("offset " << at);
    text[at] = '\x01';
    CHECK(findControlCharacters(text, ControlCharacters::NoneAllowed) == ControlStatus::ControlFound);
    text[at] = '\x7f';
    CHECK(findControlCharacters(text, ControlCharacters::TabAndNewlinesAllowed) ==
          ControlStatus::ControlFound);
    text[at] = '\n';
    CHECK(findControlCharacters(text, ControlCharacters::TabAndNewlinesAllowed) == ControlStatus::Clean);
    CHECK(findControlCharacters(text, ControlCharacters::NoneAllowed) == ControlStatus::ControlFound);
    text[at] = '\x80';  // a lone continuation byte
    CHECK(validateUtf8(text) == Utf8Status::Invalid);
    CHECK(findControlCharacters(text, ControlCharacters::NoneAllowed) == ControlStatus::Clean);
    text[at] = '~';
    CHECK(validateUtf8(text) == Utf8Status::Valid);
    CHECK(findControlCharacters(text, ControlCharacters::NoneAllowed) == ControlStatus::Clean);
  }
  // multi-byte sequences between ASCII words
  CHECK(validateUtf8(std::string(17, 'x') + "\xc3\xa9" + std::string(9, 'y') + "\xf0\x9f\x98\x80") ==
        Utf8Status::Valid);
  CHECK(validateUtf8(std::string(17, 'x') + "\xe0\x80\xaf" + std::string(9, 'y')) == Utf8Status::Invalid);
}

}  // namespace
}  // namespace rampart::canonical
