// The pipeline's extension interface. Interface only: no implementation includes here (Envoy's
// envoy/ vs source/ split). Later issues (CRS, signatures, bots, rate limits) add Stages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace rampart {

// Phases follow ModSecurity/Coraza numbering so the WAF maps on directly.
enum class Phase : std::uint8_t {
  Connection,       // 0: a connection was accepted (TLS done if any)
  RequestHeaders,   // 1: request head parsed and canonical; route selected (may be null)
  RequestBody,      // 2: body chunks, or the whole body when a stage asked for it
  ResponseHeaders,  // 3: upstream (or local) response head, before it is sent downstream
  ResponseBody,     // 4: response body chunks
  Log,              // 5: always exactly once per exchange
};

std::string_view phaseName(Phase p);

// What the pipeline does next. A verdict, never a bool (Envoy FilterHeadersStatus).
struct Verdict {
  enum class Kind : std::uint8_t {
    Continue,  // run the next stage, then go on with the exchange
    Respond,   // stop this direction and send a local reply with `status` and `reason`;
               // after response headers left, the pipeline resets the stream instead (late_block)
    Drop,      // close the connection (h1) or reset the stream (h2) without a reply
    Pending,   // the stage will call Exchange::resume(verdict) later, on the same worker
  };
  Kind kind = Kind::Continue;
  std::uint16_t status = 0;  // Respond only
  std::string_view reason;   // static string: goes to the decision record and the stats

  static Verdict next() { return {}; }
  static Verdict respond(std::uint16_t s, std::string_view why) { return {Kind::Respond, s, why}; }
  static Verdict drop(std::string_view why) { return {Kind::Drop, 0, why}; }
  static Verdict pending() { return {Kind::Pending, 0, {}}; }
  bool isContinue() const { return kind == Kind::Continue; }
};

// How a stage wants to see the request body.
enum class BodyMode : std::uint8_t {
  Stream,  // chunks as they arrive; forwarding is not delayed
  Buffer,  // the whole body (up to the route's max_body_bytes) in one onRequestBody(end=true)
           // call before anything is forwarded upstream (inspection needs it)
};

class Exchange;
class WorkerContext;

class Stage {
 public:
  virtual ~Stage() = default;
  // Asked once per exchange after the route is known (so a stage can buffer only on the routes
  // where it inspects bodies).
  virtual BodyMode requestBodyMode(const Exchange&) const noexcept { return BodyMode::Stream; }
  virtual Verdict onConnection(Exchange&) noexcept { return Verdict::next(); }
  virtual Verdict onRequestHeaders(Exchange&) noexcept { return Verdict::next(); }
  virtual Verdict onRequestBody(Exchange&, std::span<const std::byte> /*chunk*/,
                                bool /*end*/) noexcept {
    return Verdict::next();
  }
  virtual Verdict onResponseHeaders(Exchange&) noexcept { return Verdict::next(); }
  virtual Verdict onResponseBody(Exchange&, std::span<const std::byte> /*chunk*/,
                                 bool /*end*/) noexcept {
    return Verdict::next();
  }
  // Always called exactly once, also after Respond/Drop/errors (Coraza defer, Pingora logging).
  virtual void onLog(const Exchange&) noexcept {}
};

// Built once per config generation on the main thread; holds the immutable compiled config of
// its stage (Envoy FilterConfig). create() is called once per request and must be cheap.
class StageFactory {
 public:
  virtual ~StageFactory() = default;
  virtual std::string_view name() const = 0;  // "rampart.protocol_sanity"
  virtual void initWorker(WorkerContext&) const {}
  virtual std::unique_ptr<Stage> create(WorkerContext&) const = 0;
};

}  // namespace rampart
