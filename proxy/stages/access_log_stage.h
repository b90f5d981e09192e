// The Log-phase stage: serialises the decision record once and hands it to the worker's
// non-blocking log queue (a full queue drops the line and counts it; the worker never waits).
#pragma once

#include <memory>

#include "proxy/api/stage.h"

namespace rampart {

class AccessLogStageFactory final : public StageFactory {
 public:
  std::string_view name() const override { return "rampart.access_log"; }
  std::unique_ptr<Stage> create(WorkerContext& worker) const override;
};

}  // namespace rampart
