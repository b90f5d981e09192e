// The challenge page: one self-contained HTML document whose inline script finds the proof of
// work for its token (bot/challenge_token.h) and POSTs it to the challenge path, which answers
// 303 with the clearance cookie back to the page the client asked for (docs/bots.md).
//
// No external assets and no network access but that one form POST: the Content-Security-Policy
// allows only the page's own script and style (by a per-response nonce) and form posts to
// itself. SHA-256 is written out in the script because `crypto.subtle` exists only in secure
// contexts, and the challenge must work on plain-HTTP listeners too.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::bot {

struct ChallengePage {
  std::string html;
  std::string content_security_policy;  // the `Content-Security-Policy` header value
};

// `return_target` is the origin-form target the client asked for; it is HTML-escaped into an
// attribute (it comes from the client). `csp_nonce` is base64url (no escaping needed).
ChallengePage renderChallengePage(std::string_view token, std::uint32_t difficulty_bits,
                                  std::string_view solve_path, std::string_view return_target,
                                  std::string_view csp_nonce);

// The text escaped for an HTML attribute value in double quotes (& < > " ').
std::string escapeHtmlAttribute(std::string_view text);

}  // namespace rampart::bot
