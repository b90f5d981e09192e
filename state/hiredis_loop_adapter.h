// Attaches a hiredis async context to a worker's event loop, like hiredis's own libev adapter,
// except for how queued commands are written.
//
// Why: hiredis asks for a write watcher after every command. With its adapter that costs, per
// pipeline flush, an epoll_ctl to add EPOLLOUT, one more loop iteration for the (immediate)
// writable event, and an epoll_ctl to remove it again. Here a connected context's writes are
// made from the worker's deferred work (WorkerContext::postLocal, run just before the loop would
// block): every decision issued during that iteration goes out in one write(2), and no watcher
// changes. Deferred work, not an ev_prepare watcher of its own: decisions are also issued from
// deferred work (a pipeline resumed, a redirect re-sent), and a prepare watcher started while
// the prepare watchers run is only invoked after the loop has blocked. The write watcher is
// still used while connecting (readiness is how a non-blocking connect reports) and when the
// socket's send buffer is full.
#pragma once

struct redisAsyncContext;

namespace rampart {
class WorkerContext;
}

namespace rampart::state {

// 0 (REDIS_OK) on success; non-zero when the context already has an adapter or memory ran out.
// hiredis frees the adapter (its cleanup hook) with the context.
int attachHiredisToWorker(WorkerContext& worker, redisAsyncContext* ac);

}  // namespace rampart::state
