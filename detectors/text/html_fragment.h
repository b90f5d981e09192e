// Rich text (HTML from a CMS editor, a comment box, a mail composer) read against an allowlist,
// as an HTML sanitizer would, to tell markup from data.
//
// Why: CRS's XSS rules (941160 above all) match ordinary markup such as `<p><img src=` and
// `<a href=`; on rampart's benign corpus CRS PL1 blocked 43 % of ordinary CMS posts. A fragment
// that uses only allowlisted elements and attributes, with URL attributes limited to http(s),
// mailto and relative references, can carry no script: that is the premise every sanitizer
// (DOMPurify, bleach, the WordPress kses allowlist) is built on. For such a fragment the WAF can
// inspect its data instead of its markup: the text, and every attribute value (so an injection
// hidden in an `alt` or `href` is still seen by every rule family). Anything outside the
// allowlist (a script or style element, an event handler, a comment, a `javascript:` URL, an
// entity inside a URL, a duplicate attribute, an unterminated tag) and the value is inspected
// raw, as before.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::text {

enum class HtmlFragmentStatus : std::uint8_t {
  NoMarkup,    // no tag at all: nothing to change
  Allowlisted, // every tag and attribute is on the allowlist; `data` holds the view
  NotAllowed,  // something outside the allowlist, or markup a browser could read differently
};

// Reads `html`; on Allowlisted, `data` is the text with each tag replaced by one space and each
// attribute value inserted, between spaces, where its tag stood.
HtmlFragmentStatus readAllowlistedHtml(std::string_view html, std::string& data);

}  // namespace rampart::text
