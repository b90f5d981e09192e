#include "proxy/upstream/upstream_request.h"

#include "proxy/config_snapshot.h"
#include "proxy/upstream/echo_upstream.h"
#include "proxy/upstream/http1_upstream_request.h"

namespace rampart {

std::unique_ptr<UpstreamRequest> createUpstreamRequest(WorkerContext& worker,
                                                       const ClusterRuntime& cluster,
                                                       RequestHead&& head,
                                                       UpstreamCallbacks& callbacks) {
  if (cluster.config->type == ClusterType::Echo)
    return createEchoUpstreamRequest(worker, std::move(head), callbacks);
  return std::make_unique<Http1UpstreamRequest>(worker, cluster, std::move(head), callbacks);
}

}  // namespace rampart
