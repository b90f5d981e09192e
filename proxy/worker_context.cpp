#include "proxy/worker_context.h"

#include <sys/random.h>

#include "proxy/upstream/upstream_pools.h"

namespace rampart {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void noopIdle(struct ev_loop*, ev_idle*, int) {}

}  // namespace

WorkerContext::WorkerContext(std::size_t index, struct ev_loop* loop, LogQueue* log_queue)
    : index_(index), loop_(loop), log_queue_(log_queue),
      pools_(std::make_unique<UpstreamPools>(*this)) {
  ev_prepare_init(&prepare_, &WorkerContext::onPrepare);
  prepare_.data = this;
  ev_prepare_start(loop_, &prepare_);
  ev_unref(loop_);  // the prepare watcher alone must not keep the loop alive
  ev_idle_init(&idle_, noopIdle);
  if (getrandom(id_seed_, sizeof(id_seed_), 0) != sizeof(id_seed_)) {
    id_seed_[0] = reinterpret_cast<std::uintptr_t>(this) ^ static_cast<std::uint64_t>(ev_time() * 1e9);
    id_seed_[1] = splitmix64(id_seed_[0] + index);
  }
}

WorkerContext::~WorkerContext() {
  runDeferred();
  resources_.clear();  // first: they may post work and use the loop while they close
  ev_ref(loop_);
  ev_prepare_stop(loop_, &prepare_);
  ev_idle_stop(loop_, &idle_);
  pools_.reset();
  deferred_.clear();
}

void WorkerContext::deferDelete(std::unique_ptr<Deletable> object) {
  deferred_.push_back(std::move(object));
  ev_idle_start(loop_, &idle_);
}

void WorkerContext::postLocal(std::function<void()> fn) {
  posted_.push_back(std::move(fn));
  ev_idle_start(loop_, &idle_);
}

void WorkerContext::onPrepare(struct ev_loop*, ev_prepare* w, int) {
  static_cast<WorkerContext*>(w->data)->runDeferred();
}

void WorkerContext::runDeferred() {
  // Posted work runs before any deferred deletion, so a callback posted for an object is never
  // left pointing at freed memory: objects are deleted only once no posted work is queued.
  for (int round = 0; round < 64 && !posted_.empty(); ++round) {
    std::vector<std::function<void()>> work;
    work.swap(posted_);
    for (auto& fn : work) fn();
  }
  if (posted_.empty()) {
    while (!deferred_.empty()) {
      std::vector<std::unique_ptr<Deletable>> doomed;
      doomed.swap(deferred_);
      doomed.clear();
    }
  }
  if (posted_.empty() && deferred_.empty()) {
    ev_idle_stop(loop_, &idle_);
  } else {
    ev_idle_start(loop_, &idle_);  // more to do: do not block in the next poll
  }
}

std::shared_ptr<WorkerResource> WorkerContext::resource(std::string_view key) const {
  for (const auto& [name, r] : resources_)
    if (name == key) return r;
  return nullptr;
}

void WorkerContext::putResource(std::string key, std::shared_ptr<WorkerResource> r) {
  std::erase_if(resources_, [&](const auto& entry) { return entry.first == key; });
  for (auto it = resources_.begin(); resources_.size() >= kMaxResources && it != resources_.end();) {
    it = it->second.use_count() == 1 ? resources_.erase(it) : it + 1;
  }
  resources_.emplace_back(std::move(key), std::move(r));
}

std::string WorkerContext::newRequestId() {
  static constexpr char kHex[] = "0123456789abcdef";
  ++id_counter_;
  const std::uint64_t parts[2] = {splitmix64(id_seed_[0] ^ id_counter_),
                                  splitmix64(id_seed_[1] + id_counter_ * 0x632be59bd9b4e019ULL)};
  std::string id(32, '0');
  for (int p = 0; p < 2; ++p)
    for (int i = 0; i < 16; ++i) id[p * 16 + i] = kHex[(parts[p] >> (60 - 4 * i)) & 0xf];
  return id;
}

}  // namespace rampart
