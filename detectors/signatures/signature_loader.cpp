// The schema is a few small readers over a strict-map helper, in the style of
// proxy/config/loader.cpp: the first problem found wins and is reported with the position of the
// node at fault. yaml-cpp throws on parse errors; the public entry points turn every exception
// into an Error.
#include "detectors/signatures/signature_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "proxy/config/spelling_hint.h"

namespace rampart::signatures {
namespace {

// A signature file is tens of KiB; the caps keep a wrong path or a hostile file from eating
// memory or compile time.
constexpr std::uintmax_t kMaxFileBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxSignaturesPerFile = 10'000;
constexpr std::size_t kMaxPatternBytes = 8 * 1024;
constexpr std::size_t kMaxIdBytes = 64;
constexpr std::size_t kMaxTextBytes = 1024;  // description, each tag
constexpr std::uint64_t kMaxScore = 1000;

Error signaturesError(std::string detail) {
  Error error;
  error.source = ErrorSource::Config;
  error.status = 0;
  error.reason = kSignaturesInvalid;
  error.detail = std::move(detail);
  return error;
}

SourcePosition positionOf(std::string_view file, const YAML::Mark& mark) {
  // yaml-cpp marks are 0-based; a null mark (an empty document) points at the start.
  SourcePosition position;
  position.file = std::string(file);
  position.line = mark.is_null() ? 1 : mark.line + 1;
  position.column = mark.is_null() ? 1 : mark.column + 1;
  return position;
}

// Keeps the first problem; later reports are ignored, so readers need no error plumbing.
class Diagnostics {
 public:
  explicit Diagnostics(std::string_view file) : file_(file) {}
  void fail(const YAML::Mark& mark, std::string_view message) {
    if (error_) return;
    error_ = signaturesError(positionOf(file_, mark).describe() + ": " + std::string(message));
  }
  bool failed() const { return error_.has_value(); }
  Error takeError() { return std::move(*error_); }
  std::string_view file() const { return file_; }

 private:
  std::string file_;
  std::optional<Error> error_;
};

// " (did you mean 'x'?)" for near misses only, so the hint is never a wild guess.
std::string hintFor(std::string_view word, const std::vector<std::string_view>& allowed) {
  if (word.size() > 64) return {};
  const std::optional<std::string_view> best = closestWord(word, allowed);
  return best ? " (did you mean '" + std::string(*best) + "'?)" : std::string();
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing (null)";
    case YAML::NodeType::Scalar: return "'" + node.Scalar().substr(0, 80) + "'";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

// Quoted scalars carry the non-specific tag "!": a quoted "5" is a string, not a number.
bool isQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

std::optional<std::string> readString(Diagnostics& diag, const YAML::Node& node,
                                      const std::string& path, std::size_t max_bytes) {
  if (!node.IsScalar()) {
    diag.fail(node.Mark(), path + ": expected a string, got " + describe(node));
    return std::nullopt;
  }
  if (node.Scalar().empty()) {
    diag.fail(node.Mark(), path + ": must not be empty");
    return std::nullopt;
  }
  if (node.Scalar().size() > max_bytes) {
    diag.fail(node.Mark(), path + ": longer than " + std::to_string(max_bytes) + " bytes");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<std::uint64_t> readUint(Diagnostics& diag, const YAML::Node& node,
                                      const std::string& path, std::uint64_t min,
                                      std::uint64_t max) {
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  if (!node.IsScalar() || isQuoted(node)) {
    diag.fail(node.Mark(), path + ": expected an integer in " + range + ", got " +
                               (node.IsScalar() ? "a quoted string" : describe(node)));
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, status] = std::from_chars(text.data(), end, value);
  if (text.empty() || stop != end || status != std::errc() || value < min || value > max) {
    diag.fail(node.Mark(), path + ": expected an integer in " + range + ", got " + describe(node));
    return std::nullopt;
  }
  return value;
}

// Calls read(item, "path[i]") per element of a list; stops at the first error.
template <typename ReadItem>
void forEachItem(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                 ReadItem read) {
  if (!node.IsSequence()) {
    diag.fail(node.Mark(), path + ": expected a list, got " + describe(node));
    return;
  }
  std::size_t index = 0;
  for (const auto& item : node) {
    read(item, path + "[" + std::to_string(index++) + "]");
    if (diag.failed()) return;
  }
}

// A map whose keys must all be in `allowed`; unknown keys and duplicate keys (yaml-cpp keeps
// both and would silently use the first) are errors.
class MapReader {
 public:
  MapReader(Diagnostics& diag, const YAML::Node& node, std::string path,
            std::vector<std::string_view> allowed)
      : diag_(diag), node_(node), path_(std::move(path)) {
    if (!node.IsMap()) {
      diag_.fail(node.Mark(), "expected a map " + where() + ", got " + describe(node));
      return;
    }
    std::set<std::string, std::less<>> seen;
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) {
        diag_.fail(key.Mark(), "a map key must be a string " + where());
        return;
      }
      const std::string& name = key.Scalar();
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        diag_.fail(key.Mark(), "unknown key '" + name.substr(0, 80) + "' " + where() +
                                   "; expected one of: " + joinWords(allowed) +
                                   hintFor(name, allowed));
        return;
      }
      if (!seen.insert(name).second) {
        diag_.fail(key.Mark(), "duplicate key '" + name + "' " + where());
        return;
      }
      entries_.emplace_back(name, entry.second);
    }
    ok_ = true;
  }

  bool ok() const { return ok_; }
  const YAML::Node& node() const { return node_; }
  std::string pathOf(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  std::optional<YAML::Node> find(std::string_view key) const {
    for (const auto& [name, value] : entries_)
      if (name == key) return value;
    return std::nullopt;
  }
  std::optional<YAML::Node> require(std::string_view key) {
    auto value = find(key);
    if (!value && ok_) diag_.fail(node_.Mark(), "missing required key '" + pathOf(key) + "'");
    return value;
  }

 private:
  std::string where() const { return path_.empty() ? "at top level" : "in " + path_; }

  Diagnostics& diag_;
  YAML::Node node_;
  std::string path_;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
  bool ok_ = false;
};

bool validId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxIdBytes &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
         });
}

struct FlagName {
  std::string_view name;
  PatternFlag flag;
};
constexpr FlagName kFlagNames[] = {
    {"caseless", PatternFlag::Caseless}, {"dotall", PatternFlag::DotAll},
    {"multiline", PatternFlag::Multiline}, {"utf8", PatternFlag::Utf8},
    {"ucp", PatternFlag::Ucp},
};

std::vector<std::string_view> flagSpellings() {
  std::vector<std::string_view> names;
  for (const FlagName& entry : kFlagNames) names.push_back(entry.name);
  return names;
}

void readFlags(Diagnostics& diag, const YAML::Node& node, const std::string& path,
               Signature& signature) {
  forEachItem(diag, node, path, [&](const YAML::Node& item, const std::string& item_path) {
    const auto name = readString(diag, item, item_path, 32);
    if (!name) return;
    for (const FlagName& entry : kFlagNames) {
      if (entry.name == *name) {
        signature.flags |= static_cast<PatternFlags>(entry.flag);
        return;
      }
    }
    diag.fail(item.Mark(), item_path + ": unknown flag '" + *name + "'; expected one of: " +
                               joinWords(flagSpellings()) + hintFor(*name, flagSpellings()));
  });
  const auto ucp = static_cast<PatternFlags>(PatternFlag::Ucp);
  const auto utf8 = static_cast<PatternFlags>(PatternFlag::Utf8);
  if (!diag.failed() && (signature.flags & ucp) && !(signature.flags & utf8))
    diag.fail(node.Mark(), path + ": 'ucp' needs 'utf8'");
}

void readTargets(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                 Signature& signature) {
  forEachItem(diag, node, path, [&](const YAML::Node& item, const std::string& item_path) {
    const auto spelling = readString(diag, item, item_path, 256);
    if (!spelling) return;
    std::string problem;
    auto targets = parseTarget(*spelling, problem);
    if (!targets) {
      const std::string base = spelling->substr(0, spelling->find(':'));
      diag.fail(item.Mark(), item_path + ": " + problem + "; expected one of: " +
                                 joinWords(targetSpellings()) + ", optionally ':NAME'" +
                                 hintFor(base, targetSpellings()));
      return;
    }
    for (Target& target : *targets) {
      if (std::find(signature.targets.begin(), signature.targets.end(), target) ==
          signature.targets.end())
        signature.targets.push_back(std::move(target));
    }
  });
  if (!diag.failed() && signature.targets.empty())
    diag.fail(node.Mark(), path + ": needs at least one target");
}

void readTransforms(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                    Signature& signature) {
  forEachItem(diag, node, path, [&](const YAML::Node& item, const std::string& item_path) {
    const auto spelling = readString(diag, item, item_path, 64);
    if (!spelling) return;
    if (auto transform = parseTransform(*spelling)) {
      // A chain longer than this is a mistake, and each step costs a pass over the field.
      if (signature.transforms.size() >= 8) {
        diag.fail(item.Mark(), path + ": at most 8 transforms");
        return;
      }
      signature.transforms.push_back(*transform);
      return;
    }
    diag.fail(item.Mark(), item_path + ": unknown transform '" + *spelling +
                               "'; expected one of: " + joinWords(transformSpellings()) +
                               hintFor(*spelling, transformSpellings()));
  });
}

void readTags(Diagnostics& diag, const YAML::Node& node, const std::string& path,
              Signature& signature) {
  forEachItem(diag, node, path, [&](const YAML::Node& item, const std::string& item_path) {
    if (auto tag = readString(diag, item, item_path, kMaxTextBytes))
      signature.tags.push_back(std::move(*tag));
  });
}

std::optional<Signature> readSignature(Diagnostics& diag, const YAML::Node& node,
                                       const std::string& path) {
  MapReader map(diag, node, path,
                {"id", "description", "pattern", "flags", "targets", "transforms", "score",
                 "paranoia_level", "action", "tags"});
  if (!map.ok()) return std::nullopt;
  Signature signature;
  signature.position = positionOf(diag.file(), node.Mark());

  if (auto id_node = map.require("id")) {
    if (auto id = readString(diag, *id_node, map.pathOf("id"), kMaxIdBytes + 1)) {
      if (!validId(*id)) {
        diag.fail(id_node->Mark(), map.pathOf("id") + ": '" + id->substr(0, 80) +
                                       "' is not a valid id (1-64 of A-Z a-z 0-9 . _ -)");
      }
      signature.id = std::move(*id);
    }
  }
  if (auto description = map.require("description")) {
    if (auto text = readString(diag, *description, map.pathOf("description"), kMaxTextBytes))
      signature.description = std::move(*text);
  }
  if (auto pattern = map.require("pattern")) {
    if (auto text = readString(diag, *pattern, map.pathOf("pattern"), kMaxPatternBytes)) {
      if (text->find('\0') != std::string::npos) {
        diag.fail(pattern->Mark(), map.pathOf("pattern") + ": contains a NUL byte (write \\x00)");
      }
      signature.pattern = std::move(*text);
      signature.pattern_position = positionOf(diag.file(), pattern->Mark());
    }
  }
  if (auto flags = map.find("flags")) readFlags(diag, *flags, map.pathOf("flags"), signature);
  if (auto targets = map.require("targets"))
    readTargets(diag, *targets, map.pathOf("targets"), signature);
  if (auto transforms = map.find("transforms"))
    readTransforms(diag, *transforms, map.pathOf("transforms"), signature);
  if (auto score = map.find("score")) {
    if (auto value = readUint(diag, *score, map.pathOf("score"), 0, kMaxScore))
      signature.score = static_cast<std::uint32_t>(*value);
  }
  if (auto level = map.find("paranoia_level")) {
    if (auto value = readUint(diag, *level, map.pathOf("paranoia_level"), kMinParanoiaLevel,
                              kMaxParanoiaLevel))
      signature.paranoia_level = static_cast<std::uint8_t>(*value);
  }
  if (auto action = map.find("action")) {
    if (auto name = readString(diag, *action, map.pathOf("action"), 32)) {
      const std::vector<std::string_view> actions = {"score", "block", "log"};
      if (*name == "score") {
        signature.action = SignatureAction::Score;
      } else if (*name == "block") {
        signature.action = SignatureAction::Block;
      } else if (*name == "log") {
        signature.action = SignatureAction::Log;
      } else {
        diag.fail(action->Mark(), map.pathOf("action") + ": unknown action '" + *name +
                                      "'; expected one of: score, block, log" +
                                      hintFor(*name, actions));
      }
    }
  }
  if (auto tags = map.find("tags")) readTags(diag, *tags, map.pathOf("tags"), signature);
  if (diag.failed()) return std::nullopt;
  return signature;
}

SignatureList readFile(Diagnostics& diag, const YAML::Node& root) {
  SignatureList signatures;
  MapReader top(diag, root, "", {"signatures"});
  if (!top.ok()) return signatures;
  const auto list = top.require("signatures");
  if (!list) return signatures;
  if (list->IsSequence() && list->size() > kMaxSignaturesPerFile) {
    diag.fail(list->Mark(), "signatures: more than " + std::to_string(kMaxSignaturesPerFile) +
                                " signatures in one file");
    return signatures;
  }
  std::map<std::string, SourcePosition, std::less<>> seen;
  forEachItem(diag, *list, "signatures", [&](const YAML::Node& item, const std::string& path) {
    auto signature = readSignature(diag, item, path);
    if (!signature) return;
    const auto [it, inserted] = seen.emplace(signature->id, signature->position);
    if (!inserted) {
      diag.fail(item["id"].Mark(), path + ".id: duplicate id '" + signature->id +
                                       "' (first defined at " + it->second.describe() + ")");
      return;
    }
    signatures.push_back(std::move(*signature));
  });
  return signatures;
}

}  // namespace

Result<SignatureList> parseSignatureFile(std::string_view yaml, std::string_view source_name) {
  Diagnostics diag(source_name);
  try {
    const std::vector<YAML::Node> documents = YAML::LoadAll(std::string(yaml));
    if (documents.size() > 1) {
      diag.fail(documents[1].Mark(), "unexpected second YAML document (only one is allowed)");
      return diag.takeError();
    }
    if (documents.empty() || documents[0].IsNull()) {
      diag.fail(documents.empty() ? YAML::Mark::null_mark() : documents[0].Mark(),
                "the file is empty; expected a map with 'signatures'");
      return diag.takeError();
    }
    SignatureList signatures = readFile(diag, documents[0]);
    if (diag.failed()) return diag.takeError();
    return signatures;
  } catch (const YAML::Exception& e) {
    // Parse errors (bad indentation, unclosed quotes, too deep nesting) and yaml-cpp misuse.
    return signaturesError(positionOf(source_name, e.mark).describe() + ": " + e.msg);
  } catch (const std::exception& e) {
    return signaturesError(std::string(source_name) + ": " + e.what());
  } catch (...) {
    return signaturesError(std::string(source_name) + ": unexpected error while loading");
  }
}

Result<SignatureList> loadSignatureFile(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return signaturesError(path + ": cannot read: " + ec.message());
  if (size > kMaxFileBytes) {
    return signaturesError(path + ": larger than " + std::to_string(kMaxFileBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return signaturesError(path + ": cannot open");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return signaturesError(path + ": read error");
  return parseSignatureFile(text, path);
}

Result<SignatureList> loadSignatureDirectory(const std::string& directory) {
  std::vector<std::string> files;
  std::error_code ec;
  std::filesystem::directory_iterator it(directory, ec);
  if (ec) return signaturesError(directory + ": cannot list: " + ec.message());
  for (const auto& entry : it) {
    std::error_code type_ec;
    if (entry.path().extension() == ".yaml" && entry.is_regular_file(type_ec))
      files.push_back(entry.path().string());
  }
  if (files.empty()) return signaturesError(directory + ": no *.yaml signature files");
  std::sort(files.begin(), files.end());
  SignatureList all;
  for (const std::string& file : files) {
    auto loaded = loadSignatureFile(file);
    if (!loaded) return loaded.error();
    if (Status appended = appendSignatures(all, std::move(*loaded)); !appended)
      return appended.error();
  }
  return all;
}

Status appendSignatures(SignatureList& into, SignatureList more) {
  std::map<std::string_view, const SourcePosition*> known;
  for (const Signature& signature : into) known.emplace(signature.id, &signature.position);
  for (const Signature& signature : more) {
    if (auto it = known.find(signature.id); it != known.end()) {
      return signaturesError(signature.position.describe() + ": duplicate id '" + signature.id +
                             "' (first defined at " + it->second->describe() + ")");
    }
  }
  into.reserve(into.size() + more.size());
  for (Signature& signature : more) into.push_back(std::move(signature));
  return Ok{};
}

}  // namespace rampart::signatures
