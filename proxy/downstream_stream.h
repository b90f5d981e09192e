// The client side of one exchange, as the pipeline sees it: an HTTP/1.1 connection's current
// request or one HTTP/2 stream. Implemented by proxy/http1/server_codec and proxy/http2/server_session.
#pragma once

#include <string_view>

#include "proxy/api/headers.h"

namespace rampart {

class DownstreamStream {
 public:
  virtual ~DownstreamStream() = default;
  // Sends the response head; end_stream when there is no body. Called at most once.
  virtual void encodeHeaders(const ResponseHead& head, bool end_stream) = 0;
  // Sends body bytes; end_stream on the last call. Buffered by the codec (see watermarks).
  virtual void encodeData(std::string_view data, bool end_stream) = 0;
  // HTTP/1.1 "100 Continue" for a request that sent Expect: 100-continue (no-op on h2).
  virtual void encode100Continue() = 0;
  // Cuts the response after its head left (late block, upstream failure mid-body):
  // RST_STREAM on h2, connection close on h1. Never a second status line.
  virtual void resetStream() = 0;
  // True while the codec holds more unsent response bytes than its high watermark.
  virtual bool outputAboveHighWatermark() const = 0;
  // Backpressure towards the client while the upstream cannot take more request body.
  virtual void setRequestBodyPaused(bool paused) = 0;
  // A reply was decided before the request body was fully read: h1 closes after the response,
  // h2 resets the request side after the response ends.
  virtual void abandonRequestBody() = 0;
};

}  // namespace rampart
