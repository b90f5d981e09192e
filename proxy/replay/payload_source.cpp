#include "proxy/replay/payload_source.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "proxy/log/decision_record_json.h"
#include "proxy/replay/request_builder.h"

namespace rampart::replay {
namespace {

// Header values cannot carry control bytes; percent-encode them (and '%' itself, so the
// encoding stays unambiguous).
std::string headerSafe(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7F || c == '%') {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

}  // namespace

std::optional<PayloadPlace> parsePlace(std::string_view name) {
  if (name == "query") return PayloadPlace::Query;
  if (name == "form") return PayloadPlace::Form;
  if (name == "json") return PayloadPlace::Json;
  if (name == "header") return PayloadPlace::Header;
  if (name == "path") return PayloadPlace::Path;
  if (name == "cookie") return PayloadPlace::Cookie;
  return std::nullopt;
}

std::string_view placeName(PayloadPlace place) {
  switch (place) {
    case PayloadPlace::Query: return "query";
    case PayloadPlace::Form: return "form";
    case PayloadPlace::Json: return "json";
    case PayloadPlace::Header: return "header";
    case PayloadPlace::Path: return "path";
    case PayloadPlace::Cookie: return "cookie";
  }
  return "?";
}

HttpInput payloadRequest(std::string_view payload, PayloadPlace place, const PayloadOptions& opts) {
  HttpInput in;
  in.autocomplete_headers = false;  // built completely here
  in.headers = {{"Host", opts.host},
                {"User-Agent", "rampart-replay/1"},
                {"Accept", "*/*"},
                {"Connection", "close"}};
  switch (place) {
    case PayloadPlace::Query:
      in.uri = "/?" + queryEscape(opts.param) + "=" + queryEscape(payload);
      break;
    case PayloadPlace::Form:
      in.method = "POST";
      in.data = queryEscape(opts.param) + "=" + queryEscape(payload);
      in.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      break;
    case PayloadPlace::Json: {
      in.method = "POST";
      std::string body = "{";
      appendJsonString(body, opts.param);
      body += ":";
      appendJsonString(body, payload);
      body += "}";
      in.data = std::move(body);
      in.headers.emplace_back("Content-Type", "application/json");
      break;
    }
    case PayloadPlace::Header:
      in.headers.emplace_back(opts.header_name, headerSafe(payload));
      break;
    case PayloadPlace::Path:
      in.uri = "/" + pathEscape(payload);
      break;
    case PayloadPlace::Cookie:
      in.headers.emplace_back("Cookie", queryEscape(opts.param) + "=" + queryEscape(payload));
      break;
  }
  if (in.method == "POST") in.headers.emplace_back("Content-Length", std::to_string(in.data.size()));
  return in;
}

void loadPayloadString(std::string_view text, const std::string& source, const std::string& cls,
                       const PayloadOptions& opts, std::vector<TestCase>& out) {
  const std::string file_name = std::filesystem::path(source).filename().string();
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    for (const PayloadPlace place : opts.places) {
      TestCase tc;
      tc.kind = SuiteKind::Payload;
      tc.group = cls;
      tc.file = source;
      tc.name = cls + "/" + file_name + ":" + std::to_string(line_no) + "@" +
                std::string(placeName(place));
      tc.description = std::string(line);
      TestStage stage;
      stage.input = payloadRequest(line, place, opts);
      stage.output.payload = opts.expect;
      stage.output.block_status = opts.block_status;
      tc.stages.push_back(std::move(stage));
      out.push_back(std::move(tc));
    }
  }
}

void loadPayloadFile(const std::string& path, const PayloadOptions& opts,
                     std::vector<TestCase>& out, std::vector<LoadError>& errors) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.push_back({path, "", "cannot read the file"});
    return;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string cls = std::filesystem::path(path).parent_path().filename().string();
  loadPayloadString(buffer.str(), path, cls, opts, out);
}

}  // namespace rampart::replay
