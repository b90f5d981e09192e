#include "detectors/signatures/transform.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "detectors/canonical/percent_encoding.h"
#include "detectors/canonical/swar.h"
#include "detectors/canonical/utf8_validation.h"

namespace rampart::signatures {
namespace {

constexpr std::array<std::string_view, 9> kSpellings = {
#define RAMPART_TRANSFORM_SPELLING(name, spelling) spelling,
    RAMPART_SIGNATURE_TRANSFORMS(RAMPART_TRANSFORM_SPELLING)
#undef RAMPART_TRANSFORM_SPELLING
};

using canonical::hexValue;

// What the command-line fold does with each byte (cmdLine below), looked up instead of tested:
// the transform runs over every byte of every value its signatures target.
enum class CmdLineByte : std::uint8_t { Keep, Drop, Separator, SlashOrParen };

constexpr std::array<CmdLineByte, 256> cmdLineBytes() {
  std::array<CmdLineByte, 256> table{};
  for (const char c : {'\\', '"', '\'', '^'}) table[static_cast<unsigned char>(c)] = CmdLineByte::Drop;
  for (const char c : {',', ';', ' ', '\t', '\n', '\r', '\f', '\v'})
    table[static_cast<unsigned char>(c)] = CmdLineByte::Separator;
  table['/'] = table['('] = CmdLineByte::SlashOrParen;
  return table;
}
constexpr std::array<CmdLineByte, 256> kCmdLineBytes = cmdLineBytes();

constexpr std::array<bool, 256> spaceBytes() {
  std::array<bool, 256> table{};
  for (const char c : {' ', '\t', '\n', '\r', '\f', '\v'}) table[static_cast<unsigned char>(c)] = true;
  return table;
}
constexpr std::array<bool, 256> kSpaceBytes = spaceBytes();

bool isSpace(unsigned char c) { return kSpaceBytes[c]; }

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Appends the UTF-8 form of a scalar value; false (nothing appended) for surrogates, NUL and
// values beyond U+10FFFF, which decoders leave as they were.
bool appendUtf8(std::uint32_t cp, std::string& out) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  canonical::appendUtf8(out, cp);
  return true;
}

// One more level of percent-decoding than the canonical view did: %XX, IIS-style %uXXXX (as
// UTF-8; 6 bytes in, at most 3 out) and '+' as space. Malformed escapes stay as they are.
void urlDecode(std::string_view in, std::string& out) {
  // Never longer than the input: write in place (push_back per byte was a quarter of the
  // signature stage's CPU on form bodies).
  out.resize(in.size());
  char* w = out.data();
  for (std::size_t i = 0; i < in.size(); ++i) {
    // Eight bytes at a time while there is no '%' among them, '+' turned into a space in the
    // word itself (as the canonical view's percentDecode does).
    while (in.size() - i >= 8) {
      std::uint64_t word = canonical::swar::load64(in.data() + i);
      if (canonical::swar::hasByte(word, '%')) break;
      word = canonical::swar::plusAsSpace(word);
      std::memcpy(w, &word, 8);
      w += 8;
      i += 8;
    }
    if (i == in.size()) break;
    const char c = in[i];
    if (c != '%') {
      *w++ = c == '+' ? ' ' : c;
      continue;
    }
    if (i + 5 < in.size() && (in[i + 1] == 'u' || in[i + 1] == 'U')) {
      const int h1 = hexValue(in[i + 2]), h2 = hexValue(in[i + 3]), h3 = hexValue(in[i + 4]),
                h4 = hexValue(in[i + 5]);
      if (h1 >= 0 && h2 >= 0 && h3 >= 0 && h4 >= 0) {
        const auto cp = static_cast<std::uint32_t>((h1 << 12) | (h2 << 8) | (h3 << 4) | h4);
        std::string encoded;
        if (appendUtf8(cp, encoded)) {  // at most 3 bytes for 6 read
          std::memcpy(w, encoded.data(), encoded.size());
          w += encoded.size();
          i += 5;
          continue;
        }
      }
    }
    if (i + 2 < in.size()) {
      const int high = hexValue(in[i + 1]), low = hexValue(in[i + 2]);
      if (high >= 0 && low >= 0) {
        *w++ = static_cast<char>((high << 4) | low);
        i += 2;
        continue;
      }
    }
    *w++ = c;
  }
  out.resize(static_cast<std::size_t>(w - out.data()));
}

struct NamedEntity {
  std::string_view name;
  char value;
  bool semicolon_optional;  // HTML's legacy entities decode without ';'
};

constexpr std::array<NamedEntity, 30> kNamedEntities = {{
    {"lt", '<', true},      {"gt", '>', true},      {"amp", '&', true},
    {"quot", '"', true},    {"apos", '\'', false},  {"nbsp", ' ', false},
    {"colon", ':', false},  {"sol", '/', false},    {"bsol", '\\', false},
    {"lpar", '(', false},   {"rpar", ')', false},   {"semi", ';', false},
    {"comma", ',', false},  {"period", '.', false}, {"excl", '!', false},
    {"num", '#', false},    {"dollar", '$', false}, {"percnt", '%', false},
    {"lbrace", '{', false}, {"rbrace", '}', false}, {"lsqb", '[', false},
    {"rsqb", ']', false},   {"Tab", '\t', false},   {"NewLine", '\n', false},
    {"grave", '`', false},  {"equals", '=', false}, {"quest", '?', false},
    {"plus", '+', false},   {"vert", '|', false},   {"Hat", '^', false},
}};

// Decodes the entity starting at in[i] == '&' into `out`; returns the bytes consumed, 0 if
// there is none. Numeric references decode without ';' as browsers do.
std::size_t decodeEntity(std::string_view in, std::size_t i, std::string& out) {
  std::size_t j = i + 1;
  if (j < in.size() && in[j] == '#') {
    ++j;
    const bool hex = j < in.size() && (in[j] == 'x' || in[j] == 'X');
    if (hex) ++j;
    const std::size_t digits_start = j;
    std::uint32_t cp = 0;
    while (j < in.size() && j - digits_start < 8) {
      const int digit = hex ? hexValue(in[j]) : (in[j] >= '0' && in[j] <= '9' ? in[j] - '0' : -1);
      if (digit < 0) break;
      cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit);
      ++j;
    }
    if (j == digits_start) return 0;
    if (j < in.size() && in[j] == ';') ++j;
    const std::size_t before = out.size();
    if (!appendUtf8(cp, out)) return 0;
    // The shortest reference that reaches each UTF-8 length is longer than its encoding
    // ("&#128" is 5 bytes, U+0080 is 2), so decoding never grows; keep it checked anyway.
    if (out.size() - before > j - i) {
      out.resize(before);
      return 0;
    }
    return j - i;
  }
  for (const NamedEntity& entity : kNamedEntities) {
    if (in.substr(j, entity.name.size()) != entity.name) continue;
    const std::size_t end = j + entity.name.size();
    if (end < in.size() && in[end] == ';') {
      out += entity.value;
      return end + 1 - i;
    }
    if (entity.semicolon_optional) {
      out += entity.value;
      return end - i;
    }
  }
  return 0;
}

void htmlEntityDecode(std::string_view in, std::string& out) {
  for (std::size_t i = 0; i < in.size();) {
    if (in[i] == '&') {
      if (const std::size_t used = decodeEntity(in, i, out)) {
        i += used;
        continue;
      }
      out += in[i++];
      continue;
    }
    std::size_t run = in.find('&', i);  // copy the text up to the next '&' whole
    if (run == std::string_view::npos) run = in.size();
    out.append(in.substr(i, run - i));
    i = run;
  }
}

// The transforms below never lengthen their input: each writes into `out` sized to the input
// and trims it at the end, instead of a push_back per byte.
void lowercase(std::string_view in, std::string& out) {
  out.resize(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = lowerAscii(in[i]);
}

void compressWhitespace(std::string_view in, std::string& out) {
  out.resize(in.size());
  char* w = out.data();
  bool in_run = false;
  for (char c : in) {
    if (isSpace(static_cast<unsigned char>(c))) {
      if (!in_run) *w++ = ' ';
      in_run = true;
    } else {
      *w++ = c;
      in_run = false;
    }
  }
  out.resize(static_cast<std::size_t>(w - out.data()));
}

void removeWhitespace(std::string_view in, std::string& out) {
  out.resize(in.size());
  char* w = out.data();
  for (const char c : in) {  // write every byte, advance past the kept ones: no branch
    *w = c;
    w += kSpaceBytes[static_cast<unsigned char>(c)] ? 0 : 1;
  }
  out.resize(static_cast<std::size_t>(w - out.data()));
}

// Removes C/SQL block comments and HTML comments (an unterminated one runs to the end), so
// "un/**/ion" reads "union" and "c<!-- -->at" reads "cat".
void removeComments(std::string_view in, std::string& out) {
  std::size_t i = 0;
  while (i < in.size()) {
    if (in.substr(i, 2) == "/*") {
      const std::size_t end = in.find("*/", i + 2);
      i = end == std::string_view::npos ? in.size() : end + 2;
    } else if (in.substr(i, 4) == "<!--") {
      const std::size_t end = in.find("-->", i + 4);
      i = end == std::string_view::npos ? in.size() : end + 3;
    } else {
      out += in[i++];
    }
  }
}

// Resolves "." and ".." segments and merges repeated slashes, with '\' read as '/' (Windows
// backends). A relative path keeps the ".." segments it cannot resolve ("../../etc" stays), so
// traversal is still visible after normalisation.
void normalizePath(std::string_view in, std::string& out) {
  const bool absolute = !in.empty() && (in[0] == '/' || in[0] == '\\');
  const bool trailing_slash = !in.empty() && (in.back() == '/' || in.back() == '\\');
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= in.size(); ++i) {
    if (i < in.size() && in[i] != '/' && in[i] != '\\') continue;
    const std::string_view segment = in.substr(start, i - start);
    start = i + 1;
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty() && segments.back() != "..") {
        segments.pop_back();
      } else if (!absolute) {
        segments.push_back(segment);
      }
      continue;
    }
    segments.push_back(segment);
  }
  if (absolute) out += '/';
  for (std::size_t k = 0; k < segments.size(); ++k) {
    if (k > 0) out += '/';
    out += segments[k];
  }
  if (trailing_slash && !segments.empty()) out += '/';
}

int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Decodes a value that is base64 as a whole (one alphabet, standard or URL-safe; padding
// optional; surrounding whitespace ignored) and decodes to ASCII text (printable, whitespace,
// NUL). Anything else passes unchanged: "/var/log" and most words are
// valid base64 too, and decoding them would hide them from the very patterns that follow.
// The base64 text of a value that is base64 as a whole (see base64Decode), or nullopt.
std::optional<std::string_view> base64Body(std::string_view in) {
  std::string_view text = in;
  while (!text.empty() && isSpace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && isSpace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  bool valid = text.size() >= 4 && text.size() % 4 != 1;
  bool standard = false, url_safe = false;
  for (std::size_t i = 0; valid && i < text.size(); ++i) {
    valid = base64Value(text[i]) >= 0;
    standard = standard || text[i] == '+' || text[i] == '/';
    url_safe = url_safe || text[i] == '-' || text[i] == '_';
  }
  if (!valid || (standard && url_safe)) return std::nullopt;
  return text;
}

void base64Decode(std::string_view in, std::string& out) {
  const std::optional<std::string_view> body = base64Body(in);
  if (!body) {
    out.append(in);
    return;
  }
  const std::string_view text = *body;
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (char c : text) {
    bits = (bits << 6) | static_cast<std::uint32_t>(base64Value(c));
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      const auto byte = static_cast<unsigned char>((bits >> bit_count) & 0xFF);
      if ((byte < 0x20 && !isSpace(byte) && byte != 0) || byte >= 0x7f) {
        out.assign(in);  // binary, not text: leave the value as it was
        return;
      }
      out += static_cast<char>(byte);
    }
  }
}

// CRS's cmdLine: what a shell ignores or treats alike is folded, so c"a"t, c^at, w\ho and
// "cat  /etc" all read as a plain command line (lower case, quotes/escapes/carets removed,
// ',' and ';' as space, whitespace compressed, no space before '/' or '(').
void cmdLine(std::string_view in, std::string& out) {
  out.resize(in.size());
  char* const begin = out.data();
  char* w = begin;
  for (const char c : in) {
    switch (kCmdLineBytes[static_cast<unsigned char>(c)]) {
      case CmdLineByte::Keep:
        *w++ = lowerAscii(c);
        break;
      case CmdLineByte::Drop:
        break;
      case CmdLineByte::Separator:
        if (w == begin || w[-1] != ' ') *w++ = ' ';
        break;
      case CmdLineByte::SlashOrParen:
        if (w != begin && w[-1] == ' ') --w;
        *w++ = c;
        break;
    }
  }
  out.resize(static_cast<std::size_t>(w - begin));
}

}  // namespace

std::string_view transformName(Transform transform) {
  return kSpellings[static_cast<std::size_t>(transform)];
}

std::optional<Transform> parseTransform(std::string_view spelling) {
  for (std::size_t i = 0; i < kSpellings.size(); ++i)
    if (kSpellings[i] == spelling) return static_cast<Transform>(i);
  return std::nullopt;
}

std::vector<std::string_view> transformSpellings() {
  return {kSpellings.begin(), kSpellings.end()};
}

void applyTransform(Transform transform, std::string_view input, std::string& out) {
  out.clear();
  out.reserve(input.size());
  switch (transform) {
    case Transform::UrlDecode: urlDecode(input, out); return;
    case Transform::HtmlEntityDecode: htmlEntityDecode(input, out); return;
    case Transform::Lowercase: lowercase(input, out); return;
    case Transform::CompressWhitespace: compressWhitespace(input, out); return;
    case Transform::RemoveWhitespace: removeWhitespace(input, out); return;
    case Transform::RemoveComments: removeComments(input, out); return;
    case Transform::NormalizePath: normalizePath(input, out); return;
    case Transform::Base64Decode: base64Decode(input, out); return;
    case Transform::CmdLine: cmdLine(input, out); return;
  }
}

void applyChainSteps(std::span<const Transform> chain, std::string_view input, std::string& out,
                     std::string& spare) {
  if (chain.empty()) {
    out.assign(input);
    return;
  }
  // Alternate between the two buffers so no step reads the buffer it writes.
  std::string* source = nullptr;
  std::string* target = &out;
  if (chain.size() % 2 == 0) target = &spare;  // the last step must land in `out`
  applyTransform(chain[0], input, *target);
  for (std::size_t k = 1; k < chain.size(); ++k) {
    source = target;
    target = (target == &out) ? &spare : &out;
    applyTransform(chain[k], *source, *target);
  }
}

bool IdentityProbe::holds(Known& cache, bool (*test)(std::string_view)) {
  if (cache == Known::Unknown) cache = test(value_) ? Known::Yes : Known::No;
  return cache == Known::Yes;
}

std::size_t IdentityProbe::identityPrefix(const TransformChain& chain) {
  std::size_t steps = 0;
  for (const Transform transform : chain) {
    switch (transform) {
      case Transform::UrlDecode:
        if (holds(url_escapes_, [](std::string_view v) {
              return v.find('%') != std::string_view::npos || v.find('+') != std::string_view::npos;
            }))
          return steps;
        break;
      case Transform::HtmlEntityDecode:
        if (holds(ampersand_, [](std::string_view v) { return v.find('&') != std::string_view::npos; }))
          return steps;
        break;
      case Transform::Lowercase:
        if (holds(upper_case_, [](std::string_view v) {
              for (const char c : v)
                if (c >= 'A' && c <= 'Z') return true;
              return false;
            }))
          return steps;
        break;
      case Transform::Base64Decode:
        // A value that is not base64 as a whole passes unchanged. (One that is may decode to
        // binary and pass unchanged too; treating it as changed only costs a copy.)
        if (holds(base64_text_, [](std::string_view v) { return base64Body(v).has_value(); }))
          return steps;
        break;
      default:
        return steps;  // whitespace, comments, paths, command lines: not modelled
    }
    ++steps;  // this step leaves the value as it is, so the next one reads the value too
  }
  return steps;
}

void applyChain(const TransformChain& chain, std::string_view input, std::string& out,
                std::string& spare) {
  applyChainSteps(chain, input, out, spare);
}

std::string describeChain(const TransformChain& chain) {
  if (chain.empty()) return "none";
  std::string out;
  for (Transform transform : chain) {
    if (!out.empty()) out += ',';
    out += transformName(transform);
  }
  return out;
}

}  // namespace rampart::signatures
