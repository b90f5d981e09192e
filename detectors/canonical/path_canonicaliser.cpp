#include "detectors/canonical/path_canonicaliser.h"

#include <vector>

#include "detectors/canonical/percent_encoding.h"
#include "detectors/canonical/utf8_validation.h"

namespace rampart::canonical {
namespace {

// One segment as it is built, in its two spellings. `encoded` is written alongside `decoded`
// because some bytes are not data: a kept "%2F" and a kept ';' stay literal in both.
struct Segment {
  std::string decoded;
  std::string encoded;
  std::size_t name_bytes = std::string::npos;  // Keep parameters: bytes before the first ';'
  std::vector<std::size_t> decoded_percents;   // where a '%' came from decoding "%25"
};

enum class DotSegment : std::uint8_t { None, Current, Parent };

DotSegment dotSegmentOf(std::string_view name) {
  if (name == ".") return DotSegment::Current;
  if (name == "..") return DotSegment::Parent;
  return DotSegment::None;
}

class PathScanner {
 public:
  PathScanner(const PathPolicy& policy, AnomalyList& anomalies)
      : policy_(policy), anomalies_(anomalies) {}

  CanonicalError scan(std::string_view raw) {
    segments_.emplace_back();
    bool skipping_parameters = false;
    for (std::size_t i = 1; i < raw.size(); ++i) {
      const char c = raw[i];
      if (c == '\\' && policy_.backslash == BackslashPolicy::Reject) return CanonicalError::PathBackslash;
      if (c == '/' || c == '\\') {
        if (const CanonicalError e = nextSegment(); e != CanonicalError::None) return e;
        skipping_parameters = false;
        continue;
      }
      // Stripped parameters are dropped from both spellings, so their bytes are never decoded:
      // nothing of them reaches the detectors or the upstream.
      if (skipping_parameters) continue;
      Segment& segment = segments_.back();
      if (c == ';') {
        switch (policy_.parameters) {
          case PathParameterPolicy::Reject: return CanonicalError::PathParameter;
          case PathParameterPolicy::Strip: skipping_parameters = true; continue;
          case PathParameterPolicy::Keep:
            if (segment.name_bytes == std::string::npos) segment.name_bytes = segment.decoded.size();
            segment.decoded.push_back(';');
            segment.encoded.push_back(';');
            continue;
        }
      }
      if (c != '%') {
        appendData(segment, c);
        continue;
      }
      if (raw.size() - i < 3) return CanonicalError::PathBadPercentEncoding;
      const int hi = hexValue(raw[i + 1]);
      const int lo = hexValue(raw[i + 2]);
      if (hi < 0 || lo < 0) return CanonicalError::PathBadPercentEncoding;
      i += 2;
      const char byte = static_cast<char>(hi * 16 + lo);
      if (byte == '/' || byte == '\\') {
        switch (policy_.encoded_slash) {
          case EncodedSlashPolicy::Reject: return CanonicalError::PathEncodedSlash;
          case EncodedSlashPolicy::DecodeAsSlash:
            if (const CanonicalError e = nextSegment(); e != CanonicalError::None) return e;
            continue;
          case EncodedSlashPolicy::KeepEncoded: {
            const std::string_view kept = byte == '/' ? "%2F" : "%5C";
            segment.decoded += kept;
            segment.encoded += kept;
            continue;
          }
        }
      }
      if (byte == '%') segment.decoded_percents.push_back(segment.decoded.size());
      appendData(segment, byte);
    }
    return finishSegment(segments_.back());
  }

  // RFC 3986 §5.2.4 over whole segments, after merging empty ones; ".." above the root is an
  // error instead of being clamped (a backend that clamps differently would see another path).
  CanonicalError resolve(CanonicalPath& out) {
    std::vector<const Segment*> stack;
    stack.reserve(segments_.size());
    const std::size_t last = segments_.size() - 1;
    bool trailing_slash = false;
    for (std::size_t i = 0; i < segments_.size(); ++i) {
      const Segment& s = segments_[i];
      trailing_slash = false;
      if (s.decoded.empty()) {
        if (i == last) {
          trailing_slash = true;
          continue;
        }
        if (policy_.duplicate_slashes == DuplicateSlashPolicy::Reject)
          return CanonicalError::PathDuplicateSlashes;
        continue;
      }
      const std::string_view name = std::string_view(s.decoded).substr(0, s.name_bytes);
      const DotSegment dot = dotSegmentOf(name);
      if (dot != DotSegment::None && s.name_bytes != std::string::npos)
        return CanonicalError::PathDotSegmentParameter;
      if (dot == DotSegment::Parent) {
        if (stack.empty()) return CanonicalError::PathAboveRoot;
        stack.pop_back();
      }
      if (dot != DotSegment::None) {
        trailing_slash = true;  // "/a/b/.." is "/a/", as in RFC 3986
        continue;
      }
      stack.push_back(&s);
    }
    out.decoded = "/";
    out.forward = "/";
    for (std::size_t i = 0; i < stack.size(); ++i) {
      if (i > 0) {
        out.decoded.push_back('/');
        out.forward.push_back('/');
      }
      out.decoded += stack[i]->decoded;
      out.forward += stack[i]->encoded;
    }
    if (trailing_slash && !stack.empty()) {
      out.decoded.push_back('/');
      out.forward.push_back('/');
    }
    return CanonicalError::None;
  }

 private:
  static void appendData(Segment& segment, char byte) {
    segment.decoded.push_back(byte);
    percentEncode(std::string_view(&byte, 1), pathSegmentSafeBytes(), segment.encoded);
  }

  CanonicalError nextSegment() {
    if (const CanonicalError e = finishSegment(segments_.back()); e != CanonicalError::None) return e;
    if (segments_.size() == policy_.max_segments) return CanonicalError::PathTooManySegments;
    segments_.emplace_back();
    return CanonicalError::None;
  }

  CanonicalError finishSegment(const Segment& segment) {
    if (validateUtf8(segment.decoded) != Utf8Status::Valid) return CanonicalError::PathInvalidUtf8;
    if (findControlCharacters(segment.decoded, ControlCharacters::NoneAllowed) != ControlStatus::Clean)
      return CanonicalError::PathControlCharacter;
    for (const std::size_t at : segment.decoded_percents) {
      if (encodingDepthOf(std::string_view(segment.decoded).substr(at, 3)) != EncodingDepth::Double)
        continue;
      if (policy_.double_encoding == DoubleEncodingPolicy::Reject) return CanonicalError::PathDoubleEncoding;
      if (policy_.double_encoding == DoubleEncodingPolicy::Flag)
        anomalies_.add(AnomalyKind::DoubleEncoding, FieldSource::Path, {});
      break;
    }
    return CanonicalError::None;
  }

  const PathPolicy& policy_;
  AnomalyList& anomalies_;
  std::vector<Segment> segments_;
};

}  // namespace

CanonicalError canonicalisePath(std::string_view raw_path, const PathPolicy& policy,
                                CanonicalPath& out, AnomalyList& anomalies) {
  if (raw_path.empty() || raw_path[0] != '/') return CanonicalError::PathNotAbsolute;
  if (raw_path.size() > policy.max_bytes) return CanonicalError::PathTooLong;
  if (raw_path.find('#') != std::string_view::npos) return CanonicalError::PathFragment;
  PathScanner scanner(policy, anomalies);
  if (const CanonicalError e = scanner.scan(raw_path); e != CanonicalError::None) return e;
  return scanner.resolve(out);
}

}  // namespace rampart::canonical
