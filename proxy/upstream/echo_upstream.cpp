#include "proxy/upstream/echo_upstream.h"

#include <openssl/evp.h>

#include <charconv>

#include "proxy/config_snapshot.h"
#include "proxy/event_loop.h"
#include "proxy/log/decision_record_json.h"
#include "proxy/worker_context.h"

namespace rampart {
namespace {

constexpr std::uint64_t kMaxGeneratedBytes = 1ull << 30;
constexpr std::size_t kGenerateChunk = 16 * 1024;

std::uint64_t headerNumber(const HeaderList& headers, std::string_view name, std::uint64_t cap) {
  const std::string* v = headers.find(name);
  if (v == nullptr) return 0;
  std::uint64_t n = 0;
  auto r = std::from_chars(v->data(), v->data() + v->size(), n);
  if (r.ec != std::errc()) return 0;
  return std::min(n, cap);
}

class EchoUpstreamRequest final : public UpstreamRequest {
 public:
  EchoUpstreamRequest(WorkerContext& worker, RequestHead&& head, UpstreamCallbacks& callbacks)
      : worker_(worker), head_(std::move(head)), callbacks_(callbacks),
        timer_(worker.loop(), [this] { respond(); }) {
    sha_ = EVP_MD_CTX_new();
    EVP_DigestInit_ex(sha_, EVP_sha256(), nullptr);
    generate_bytes_ = headerNumber(head_.headers, "x-echo-response-bytes", kMaxGeneratedBytes);
    delay_ms_ = static_cast<std::uint32_t>(headerNumber(head_.headers, "x-echo-delay-ms", 60000));
    status_ = static_cast<int>(headerNumber(head_.headers, "x-echo-status", 599));
    if (status_ < 200) status_ = 200;
    post([this] { callbacks_.onUpstreamConnected("echo"); });
    if (!head_.has_body) finishRequest();
  }
  ~EchoUpstreamRequest() override {
    *alive_ = false;
    EVP_MD_CTX_free(sha_);
  }

  void sendData(std::string_view data, bool end_stream) override {
    if (request_done_) return;
    body_bytes_ += data.size();
    EVP_DigestUpdate(sha_, data.data(), data.size());
    if (end_stream) finishRequest();
  }
  bool requestBodyAboveHighWatermark() const override { return false; }  // consumed at once
  void setResponseReadPaused(bool paused) override {
    paused_ = paused;
    if (!paused && generating_) post([this] { generate(); });
  }

 private:
  template <typename Fn>
  void post(Fn fn) {
    worker_.postLocal([alive = std::weak_ptr<bool>(alive_), fn = std::move(fn)] {
      if (!alive.expired()) fn();
    });
  }

  void finishRequest() {
    request_done_ = true;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(sha_, digest, &len);
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < len; ++i) {
      sha_hex_.push_back(kHex[digest[i] >> 4]);
      sha_hex_.push_back(kHex[digest[i] & 0xf]);
    }
    if (delay_ms_ > 0) {
      timer_.armMs(delay_ms_);
    } else {
      post([this] { respond(); });
    }
  }

  std::string summaryJson() const {
    std::string j = "{\"method\":";
    appendJsonString(j, head_.method);
    j += ",\"path\":";
    appendJsonString(j, head_.target);
    j += ",\"headers\":[";
    bool first = true;
    for (const auto& f : head_.headers) {
      if (!first) j += ',';
      first = false;
      j += '[';
      appendJsonString(j, f.name);
      j += ',';
      appendJsonString(j, f.value);
      j += ']';
    }
    j += "],\"body_length\":" + std::to_string(body_bytes_) + ",\"body_sha256\":\"" + sha_hex_ +
         "\"}\n";
    return j;
  }

  void respond() {
    ResponseHead head;
    head.status = status_;
    head.headers.add("x-echo-body-length", std::to_string(body_bytes_));
    head.headers.add("x-echo-body-sha256", sha_hex_);
    if (generate_bytes_ > 0) {
      head.headers.add("content-type", "application/octet-stream");
      head.headers.add("content-length", std::to_string(generate_bytes_));
      head.content_length = static_cast<std::int64_t>(generate_bytes_);
      generating_ = true;
      callbacks_.onUpstreamHeaders(std::move(head), false);
      post([this] { generate(); });
      return;
    }
    std::string body = summaryJson();
    head.headers.add("content-type", "application/json");
    head.headers.add("content-length", std::to_string(body.size()));
    head.content_length = static_cast<std::int64_t>(body.size());
    callbacks_.onUpstreamHeaders(std::move(head), false);
    callbacks_.onUpstreamData(body, true);
  }

  // Streams the generated body in chunks, one chunk per loop iteration, honouring backpressure.
  void generate() {
    if (paused_ || !generating_) return;
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(generate_bytes_, kGenerateChunk));
    generate_bytes_ -= n;
    const bool end = generate_bytes_ == 0;
    if (end) generating_ = false;
    std::string chunk(n, 'r');
    auto alive = std::weak_ptr<bool>(alive_);
    callbacks_.onUpstreamData(chunk, end);
    if (!end && !alive.expired() && !paused_) post([this] { generate(); });
  }

  WorkerContext& worker_;
  RequestHead head_;
  UpstreamCallbacks& callbacks_;
  Timer timer_;
  EVP_MD_CTX* sha_ = nullptr;
  std::string sha_hex_;
  std::uint64_t body_bytes_ = 0;
  std::uint64_t generate_bytes_ = 0;
  std::uint32_t delay_ms_ = 0;
  int status_ = 200;
  bool request_done_ = false;
  bool paused_ = false;
  bool generating_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::unique_ptr<UpstreamRequest> createEchoUpstreamRequest(WorkerContext& worker,
                                                           RequestHead&& head,
                                                           UpstreamCallbacks& callbacks) {
  return std::make_unique<EchoUpstreamRequest>(worker, std::move(head), callbacks);
}

}  // namespace rampart
