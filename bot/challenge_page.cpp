#include "bot/challenge_page.h"

namespace rampart::bot {
namespace {

// The page around the parameters. Kept small (about 4 KiB): it is served to every client that
// needs a challenge, including floods of bots that will never run it.
constexpr std::string_view kHead = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>Checking your browser</title>
<style nonce="@NONCE@">
body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222}
#rampart-status{color:#555}
</style>
</head>
<body>
<h1>Checking your browser</h1>
)";

// Pure-JS SHA-256 (FIPS 180-4) over a reused buffer: the counter's digits are rewritten in
// place, so a search allocates nothing per attempt. Work is sliced so the page stays responsive.
constexpr std::string_view kScript = R"(<script nonce="@NONCE@">
(function () {
  "use strict";
  var el = document.getElementById("rampart-challenge");
  var status = document.getElementById("rampart-status");
  var token = el.getAttribute("data-token");
  var bits = parseInt(el.getAttribute("data-difficulty"), 10);
  var action = el.getAttribute("data-action");
  var target = el.getAttribute("data-return");
  var K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  var W = new Int32Array(64);
  var H = new Int32Array(8);
  var prefix = token + ":";
  var block = new Uint8Array(prefix.length + 16 + 72);
  for (var p = 0; p < prefix.length; p++) block[p] = prefix.charCodeAt(p) & 0xff;

  function sha256(n) {
    var h0 = 0x6a09e667, h1 = 0xbb67ae85 | 0, h2 = 0x3c6ef372, h3 = 0xa54ff53a | 0,
        h4 = 0x510e527f, h5 = 0x9b05688c | 0, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (var off = 0; off < n; off += 64) {
      var i, x, y;
      for (i = 0; i < 16; i++) {
        x = off + i * 4;
        W[i] = (block[x] << 24) | (block[x + 1] << 16) | (block[x + 2] << 8) | block[x + 3];
      }
      for (i = 16; i < 64; i++) {
        x = W[i - 15]; y = W[i - 2];
        W[i] = (W[i - 16] + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) +
                W[i - 7] + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
      }
      var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (i = 0; i < 64; i++) {
        var t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
                  ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        var t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
                  ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    H[0] = h0; H[1] = h1; H[2] = h2; H[3] = h3; H[4] = h4; H[5] = h5; H[6] = h6; H[7] = h7;
  }

  function zeroBits() {
    var total = 0;
    for (var i = 0; i < 8; i++) {
      if (H[i] !== 0) return total + Math.clz32(H[i]);
      total += 32;
    }
    return total;
  }

  // Writes prefix + counter + SHA-256 padding into block; returns the padded length.
  function load(counter) {
    var digits = String(counter), len = prefix.length + digits.length, i;
    for (i = 0; i < digits.length; i++) block[prefix.length + i] = digits.charCodeAt(i);
    var padded = Math.ceil((len + 9) / 64) * 64;
    block[len] = 0x80;
    for (i = len + 1; i < padded - 4; i++) block[i] = 0;
    var lengthBits = len * 8;
    block[padded - 4] = (lengthBits >>> 24) & 0xff;
    block[padded - 3] = (lengthBits >>> 16) & 0xff;
    block[padded - 2] = (lengthBits >>> 8) & 0xff;
    block[padded - 1] = lengthBits & 0xff;
    return padded;
  }

  function submit(counter) {
    var form = document.createElement("form");
    form.method = "POST";
    form.action = action;
    var fields = {token: token, counter: String(counter), return: target};
    for (var name in fields) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
  }

  var counter = 0, started = Date.now();
  function work() {
    for (var end = counter + 50000; counter < end; counter++) {
      sha256(load(counter));
      if (zeroBits() >= bits) {
        status.textContent = "Done after " + (counter + 1) + " attempts (" +
                             (Date.now() - started) + " ms); continuing...";
        submit(counter);
        return;
      }
    }
    status.textContent = "Working... " + counter + " attempts";
    setTimeout(work, 0);
  }
  status.textContent = "Working...";
  setTimeout(work, 0);
})();
</script>
)";

constexpr std::string_view kTail =
    R"(<noscript><p>This site needs JavaScript to check that you are a browser. Please enable
JavaScript and reload the page.</p></noscript>
</body>
</html>
)";

void appendWithNonce(std::string& out, std::string_view text, std::string_view nonce) {
  constexpr std::string_view kMarker = "@NONCE@";
  while (true) {
    const std::size_t at = text.find(kMarker);
    out += text.substr(0, at);
    if (at == std::string_view::npos) return;
    out += nonce;
    text.remove_prefix(at + kMarker.size());
  }
}

}  // namespace

std::string escapeHtmlAttribute(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

ChallengePage renderChallengePage(std::string_view token, std::uint32_t difficulty_bits,
                                  std::string_view solve_path, std::string_view return_target,
                                  std::string_view csp_nonce) {
  ChallengePage page;
  page.html.reserve(kHead.size() + kScript.size() + kTail.size() + 512);
  appendWithNonce(page.html, kHead, csp_nonce);
  page.html += "<p id=\"rampart-challenge\" data-token=\"";
  page.html += escapeHtmlAttribute(token);
  page.html += "\" data-difficulty=\"";
  page.html += std::to_string(difficulty_bits);
  page.html += "\" data-action=\"";
  page.html += escapeHtmlAttribute(solve_path);
  page.html += "\" data-return=\"";
  page.html += escapeHtmlAttribute(return_target);
  page.html +=
      "\">This takes a moment; the page you asked for follows.</p>\n"
      "<p id=\"rampart-status\"></p>\n";
  appendWithNonce(page.html, kScript, csp_nonce);
  page.html += kTail;
  // Nothing may load or connect; the script and style run by nonce; the one form posts here.
  page.content_security_policy = "default-src 'none'; script-src 'nonce-";
  page.content_security_policy += csp_nonce;
  page.content_security_policy += "'; style-src 'nonce-";
  page.content_security_policy += csp_nonce;
  page.content_security_policy += "'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
  return page;
}

}  // namespace rampart::bot
