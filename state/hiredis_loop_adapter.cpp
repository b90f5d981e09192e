#include "state/hiredis_loop_adapter.h"

#include <ev.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <new>

#include "proxy/worker_context.h"

namespace rampart::state {

namespace {

struct LoopAdapter {
  WorkerContext* worker = nullptr;
  redisAsyncContext* context = nullptr;
  ev_io read_watcher{};
  ev_io write_watcher{};
  bool flush_posted = false;
  // Posted flushes hold a weak reference: the context (and this adapter) may be freed first.
  std::shared_ptr<LoopAdapter*> alive;
};

// The adapter whose redisAsyncHandleWrite is running on this thread: a write request from
// inside it means the write did not take everything. A pointer compared, never dereferenced,
// because hiredis may free the context (and with it the adapter) inside that call.
thread_local const LoopAdapter* t_writing = nullptr;

LoopAdapter& adapterOf(void* data) { return *static_cast<LoopAdapter*>(data); }

void handleWrite(LoopAdapter& a) {
  const LoopAdapter* outer = t_writing;
  t_writing = &a;
  redisAsyncHandleWrite(a.context);  // `a` may be gone after this (a write error frees it)
  t_writing = outer;
}

void onReadable(struct ev_loop*, ev_io* w, int) {
  redisAsyncHandleRead(static_cast<LoopAdapter*>(w->data)->context);
}

void onWritable(struct ev_loop*, ev_io* w, int) { handleWrite(*static_cast<LoopAdapter*>(w->data)); }

void addRead(void* data) {
  LoopAdapter& a = adapterOf(data);
  ev_io_start(a.worker->loop(), &a.read_watcher);
}

void delRead(void* data) {
  LoopAdapter& a = adapterOf(data);
  ev_io_stop(a.worker->loop(), &a.read_watcher);
}

void addWrite(void* data) {
  LoopAdapter& a = adapterOf(data);
  if (t_writing != &a && (a.context->c.flags & REDIS_CONNECTED) != 0) {
    if (a.flush_posted) return;
    try {
      std::weak_ptr<LoopAdapter*> alive = a.alive;
      a.worker->postLocal([alive] {
        const auto self = alive.lock();
        if (!self || *self == nullptr || !(*self)->flush_posted) return;
        (*self)->flush_posted = false;
        handleWrite(**self);
      });
      a.flush_posted = true;
      return;
    } catch (...) {
      // No memory for the deferred flush: the write watcher below still gets it out.
    }
  }
  // Connecting, or the last write did not take everything: wait until the socket is writable.
  ev_io_start(a.worker->loop(), &a.write_watcher);
}

void delWrite(void* data) {
  LoopAdapter& a = adapterOf(data);
  ev_io_stop(a.worker->loop(), &a.write_watcher);
  a.flush_posted = false;  // a posted flush finds nothing to do
}

void cleanup(void* data) {
  LoopAdapter* a = static_cast<LoopAdapter*>(data);
  ev_io_stop(a->worker->loop(), &a->read_watcher);
  ev_io_stop(a->worker->loop(), &a->write_watcher);
  *a->alive = nullptr;
  delete a;
}

}  // namespace

int attachHiredisToWorker(WorkerContext& worker, redisAsyncContext* ac) {
  if (ac->ev.data != nullptr) return REDIS_ERR;
  auto* a = new (std::nothrow) LoopAdapter;
  if (a == nullptr) return REDIS_ERR;
  try {
    a->alive = std::make_shared<LoopAdapter*>(a);
  } catch (...) {
    delete a;
    return REDIS_ERR;
  }
  a->worker = &worker;
  a->context = ac;
  const int fd = ac->c.fd;
  ev_io_init(&a->read_watcher, onReadable, fd, EV_READ);
  ev_io_init(&a->write_watcher, onWritable, fd, EV_WRITE);
  a->read_watcher.data = a;
  a->write_watcher.data = a;
  ac->ev.addRead = addRead;
  ac->ev.delRead = delRead;
  ac->ev.addWrite = addWrite;
  ac->ev.delWrite = delWrite;
  ac->ev.cleanup = cleanup;
  ac->ev.data = a;
  return REDIS_OK;
}

}  // namespace rampart::state
