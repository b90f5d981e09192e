#include "proxy/stages/access_log_stage.h"

#include "proxy/api/exchange.h"
#include "proxy/log/decision_record_json.h"
#include "proxy/log/log_writer.h"
#include "proxy/worker_context.h"

namespace rampart {
namespace {

class AccessLogStage final : public Stage {
 public:
  void onLog(const Exchange& ex) noexcept override {
    auto& worker = const_cast<Exchange&>(ex).worker();
    LogQueue* queue = worker.logQueue();
    if (queue == nullptr) return;  // decision_log.path: off
    std::string line;
    line.reserve(512);
    appendDecisionRecordJson(line, ex.record());
    if (!queue->tryPush(std::move(line))) worker.stats().inc(Counter::decision_log_dropped_total);
  }
};

}  // namespace

std::unique_ptr<Stage> AccessLogStageFactory::create(WorkerContext&) const {
  return std::make_unique<AccessLogStage>();
}

}  // namespace rampart
