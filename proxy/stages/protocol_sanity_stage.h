// The first stage on every request: protocol-level checks common to HTTP/1.1 and HTTP/2, after
// the codecs' own strict parsing. Defence in depth: the h1 parser and nghttp2 already reject most
// malformed input, but anything that reaches the pipeline is re-checked against one rule set so
// both protocols give the same verdict and reason for the same ambiguity.
#pragma once

#include <memory>

#include "proxy/api/stage.h"
#include "proxy/config/config.h"

namespace rampart {

class ProtocolSanityStageFactory final : public StageFactory {
 public:
  explicit ProtocolSanityStageFactory(const LimitsConfig& limits) : limits_(limits) {}
  std::string_view name() const override { return "rampart.protocol_sanity"; }
  std::unique_ptr<Stage> create(WorkerContext&) const override;

 private:
  LimitsConfig limits_;
};

}  // namespace rampart
