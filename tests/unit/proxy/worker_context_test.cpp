#include "proxy/worker_context.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "tests/unit/fakes/fake_exchange.h"

namespace rampart {
namespace {

bool isLowerHex32(const std::string& id) {
  if (id.size() != 32) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Records its destruction into a shared log.
class Tracked final : public Deletable {
 public:
  Tracked(std::vector<std::string>& log, std::string name) : log_(log), name_(std::move(name)) {}
  ~Tracked() override { log_.push_back("deleted " + name_); }

 private:
  std::vector<std::string>& log_;
  std::string name_;
};

TEST_CASE("WorkerContext: request ids are 32 lowercase hex characters, unique", "[worker]") {
  test::TestLoop loop;
  WorkerContext worker(0, loop.get(), nullptr);
  std::unordered_set<std::string> seen;
  seen.reserve(100'000);
  bool all_hex = true;
  for (int i = 0; i < 100'000; ++i) {
    std::string id = worker.newRequestId();
    if (!isLowerHex32(id)) {
      all_hex = false;
      FAIL_CHECK("bad request id: " << id);
      break;
    }
    seen.insert(std::move(id));
  }
  CHECK(all_hex);
  CHECK(seen.size() == 100'000);
}

TEST_CASE("WorkerContext: two workers do not produce the same ids", "[worker]") {
  test::TestLoop loop_a;
  test::TestLoop loop_b;
  WorkerContext a(0, loop_a.get(), nullptr);
  WorkerContext b(1, loop_b.get(), nullptr);
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    seen.insert(a.newRequestId());
    seen.insert(b.newRequestId());
  }
  CHECK(seen.size() == 2000);
}

TEST_CASE("WorkerContext: postLocal runs on the next loop iteration, not inline", "[worker]") {
  test::TestLoop loop;
  WorkerContext worker(0, loop.get(), nullptr);
  std::vector<int> ran;
  worker.postLocal([&] { ran.push_back(1); });
  worker.postLocal([&] { ran.push_back(2); });
  CHECK(ran.empty());
  loop.runOnce();
  CHECK(ran == std::vector<int>{1, 2});  // in posting order
  loop.runOnce();
  CHECK(ran == std::vector<int>{1, 2});  // once only
}

TEST_CASE("WorkerContext: work posted from posted work runs in the same turn", "[worker]") {
  test::TestLoop loop;
  WorkerContext worker(0, loop.get(), nullptr);
  std::vector<int> ran;
  worker.postLocal([&] {
    ran.push_back(1);
    worker.postLocal([&] { ran.push_back(2); });
    CHECK(ran == std::vector<int>{1});  // not inline even here
  });
  loop.runOnce();
  CHECK(ran == std::vector<int>{1, 2});
}

TEST_CASE("WorkerContext: a blocking ev_run returns once posted work is done", "[worker]") {
  test::TestLoop loop;
  WorkerContext worker(0, loop.get(), nullptr);
  int ran = 0;
  worker.postLocal([&] { ++ran; });
  // The idle watcher keeps the loop from blocking while work is queued, and stops afterwards;
  // the worker's own prepare watcher is unref'd, so nothing else keeps ev_run alive.
  ev_run(loop.get(), 0);
  CHECK(ran == 1);
}

TEST_CASE("WorkerContext: deferDelete destroys after posted work ran", "[worker]") {
  test::TestLoop loop;
  WorkerContext worker(0, loop.get(), nullptr);
  std::vector<std::string> log;
  worker.deferDelete(std::make_unique<Tracked>(log, "a"));
  worker.postLocal([&] { log.push_back("posted 1"); });
  worker.postLocal([&] {
    log.push_back("posted 2");
    worker.postLocal([&] { log.push_back("posted 3"); });
  });
  CHECK(log.empty());  // neither runs nor deletes inline
  loop.runOnce();
  CHECK(log == std::vector<std::string>{"posted 1", "posted 2", "posted 3", "deleted a"});
}

TEST_CASE("WorkerContext: deferDelete alone waits for the loop", "[worker]") {
  test::TestLoop loop;
  WorkerContext worker(0, loop.get(), nullptr);
  std::vector<std::string> log;
  worker.deferDelete(std::make_unique<Tracked>(log, "a"));
  worker.deferDelete(std::make_unique<Tracked>(log, "b"));
  CHECK(log.empty());
  loop.runOnce();
  CHECK(log.size() == 2);
  CHECK(std::count(log.begin(), log.end(), "deleted a") == 1);
  CHECK(std::count(log.begin(), log.end(), "deleted b") == 1);
}

TEST_CASE("WorkerContext: an object deleted from its destructor's posted work is safe",
          "[worker]") {
  // Deferred objects may defer more objects while being destroyed; all go in the same turn.
  class Chain final : public Deletable {
   public:
    Chain(WorkerContext& w, std::vector<std::string>& log, int n) : w_(w), log_(log), n_(n) {}
    ~Chain() override {
      log_.push_back("deleted " + std::to_string(n_));
      if (n_ > 0) w_.deferDelete(std::make_unique<Chain>(w_, log_, n_ - 1));
    }

   private:
    WorkerContext& w_;
    std::vector<std::string>& log_;
    int n_;
  };
  test::TestLoop loop;
  WorkerContext worker(0, loop.get(), nullptr);
  std::vector<std::string> log;
  worker.deferDelete(std::make_unique<Chain>(worker, log, 2));
  loop.runOnce();
  CHECK(log == std::vector<std::string>{"deleted 2", "deleted 1", "deleted 0"});
}

TEST_CASE("WorkerContext: the destructor runs pending work and deletions", "[worker]") {
  test::TestLoop loop;
  std::vector<std::string> log;
  {
    WorkerContext worker(0, loop.get(), nullptr);
    worker.postLocal([&] { log.push_back("posted"); });
    worker.deferDelete(std::make_unique<Tracked>(log, "a"));
  }
  CHECK(log == std::vector<std::string>{"posted", "deleted a"});
  ev_run(loop.get(), EVRUN_NOWAIT);  // the loop is still usable: no watcher left behind
}

TEST_CASE("WorkerContext: accessors", "[worker]") {
  test::TestLoop loop;
  WorkerContext worker(3, loop.get(), nullptr);
  CHECK(worker.index() == 3);
  CHECK(worker.loop() == loop.get());
  CHECK(worker.logQueue() == nullptr);
  CHECK(worker.config() == nullptr);
  CHECK_FALSE(worker.draining());
  worker.setDraining();
  CHECK(worker.draining());
  CHECK(worker.connections().empty());
  auto snapshot = test::makeTestSnapshot();
  worker.setConfig(snapshot);
  CHECK(worker.config().get() == snapshot.get());
  CHECK(snapshot.use_count() == 2);
}

}  // namespace
}  // namespace rampart
