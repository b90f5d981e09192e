// Errors as values (nghttp2 / Pingora style): every fallible function on the data path returns
// std::expected-like Result<T>; no exceptions cross a stage or codec boundary.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace rampart {

// Where a failure came from decides the reply: downstream -> 4xx, upstream -> 502/504,
// internal -> 500 (see proxy/local_reply.cpp, the one table that maps them).
enum class ErrorSource : std::uint8_t { Downstream, Upstream, Internal, Config };

struct Error {
  ErrorSource source = ErrorSource::Internal;
  std::uint16_t status = 500;   // the local reply status this error maps to
  std::string_view reason;      // static reason string, e.g. "upstream_connect_failed"
  bool retryable = false;       // upstream errors only: safe to retry on another endpoint
  std::string detail;           // human-readable detail (file:line for config errors)
};

// g++ 12 ships no std::expected; this is the small subset we use, with the same spelling so the
// switch to std::expected is mechanical.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error e) : v_(std::move(e)) {}      // NOLINT(google-explicit-constructor)
  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace rampart
