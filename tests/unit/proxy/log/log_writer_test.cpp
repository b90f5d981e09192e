#include "proxy/log/log_writer.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace rampart {
namespace {

// A unique temp path that the test removes again.
class TempPath {
 public:
  TempPath() {
    char pattern[] = "/tmp/rampart_log_writer_test_XXXXXX";
    const int fd = mkstemp(pattern);
    REQUIRE(fd >= 0);
    close(fd);
    path_ = pattern;
    std::remove(path_.c_str());  // let LogWriter create it, as in production
  }
  ~TempPath() {
    std::remove(path_.c_str());
    std::remove((path_ + ".1").c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<std::string> readLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string payloadFor(std::size_t worker, std::size_t seq) {
  // Variable length (some beyond the small-string buffer) so slots carry heap strings too.
  return "w" + std::to_string(worker) + " " + std::to_string(seq) + " " +
         std::string(seq % 61, static_cast<char>('a' + worker));
}

TEST_CASE("LogQueue is a bounded FIFO that refuses pushes when full", "[log]") {
  LogQueue queue(4);
  REQUIRE(queue.capacity() == 4);
  for (int i = 0; i < 4; ++i) CHECK(queue.tryPush("line" + std::to_string(i)));

  std::string rejected = "kept";
  const auto start = std::chrono::steady_clock::now();
  const bool pushed = queue.tryPush(std::move(rejected));
  CHECK_FALSE(pushed);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(100));
  // A refused line is left with the caller (tryPush only moves from it on success).
  // NOLINTNEXTLINE(bugprone-use-after-move)
  CHECK(rejected == "kept");

  std::string line;
  REQUIRE(queue.tryPop(line));
  CHECK(line == "line0");
  CHECK(queue.tryPush("line4"));  // one slot free again
  CHECK_FALSE(queue.tryPush("line5"));
  for (int i = 1; i <= 4; ++i) {
    REQUIRE(queue.tryPop(line));
    CHECK(line == "line" + std::to_string(i));
  }
  CHECK_FALSE(queue.tryPop(line));
}

TEST_CASE("LogQueue rounds its capacity up to a power of two", "[log]") {
  CHECK(LogQueue(0).capacity() == 2);
  CHECK(LogQueue(5).capacity() == 8);
  CHECK(LogQueue(1024).capacity() == 1024);
}

TEST_CASE("Two producers, 100k lines each: every accepted line lands intact", "[log]") {
  TempPath tmp;
  constexpr std::size_t kWorkers = 2;
  constexpr std::size_t kLinesPerWorker = 100'000;
  LogWriterOrError created = LogWriter::create(tmp.path(), kWorkers, 1024);
  REQUIRE(created.error.empty());
  REQUIRE(created.writer != nullptr);
  LogWriter& writer = *created.writer;
  CHECK(writer.enabled());
  CHECK(writer.queueForWorker(kWorkers) == nullptr);

  std::vector<std::size_t> dropped(kWorkers, 0);
  std::vector<std::vector<bool>> accepted(kWorkers, std::vector<bool>(kLinesPerWorker));
  std::vector<std::thread> producers;
  for (std::size_t w = 0; w < kWorkers; ++w) {
    producers.emplace_back([&, w] {
      LogQueue* queue = writer.queueForWorker(w);
      for (std::size_t seq = 0; seq < kLinesPerWorker; ++seq) {
        std::string line = payloadFor(w, seq) + "\n";
        const bool ok = queue->tryPush(std::move(line));
        accepted[w][seq] = ok;
        if (!ok) {
          ++dropped[w];
          // Give the writer a moment now and then so most lines get through, the way real
          // workers are spaced out by network I/O; the drop path is exercised either way.
          if (dropped[w] % 64 == 0) std::this_thread::yield();
        }
      }
    });
  }
  for (auto& t : producers) t.join();
  writer.stop();

  const std::size_t pushed = 2 * kLinesPerWorker;
  const std::size_t total_dropped = dropped[0] + dropped[1];
  const std::vector<std::string> lines = readLines(tmp.path());
  INFO("dropped " << total_dropped);
  REQUIRE(lines.size() == pushed - total_dropped);
  CHECK(writer.linesWritten() == pushed - total_dropped);
  CHECK(writer.writeErrors() == 0);

  // Each line is exactly one accepted payload, and each worker's lines keep their order.
  std::vector<std::size_t> next_seq(kWorkers, 0);
  for (const std::string& line : lines) {
    const std::size_t w = line.size() > 1 && line[1] == '1' ? 1 : 0;
    const std::size_t space = line.find(' ', 1);
    REQUIRE(space != std::string::npos);
    const std::size_t seq = std::stoul(line.substr(space + 1));
    REQUIRE(seq < kLinesPerWorker);
    REQUIRE(line == payloadFor(w, seq));
    REQUIRE(accepted[w][seq]);
    REQUIRE(seq >= next_seq[w]);
    next_seq[w] = seq + 1;
  }
}

TEST_CASE("A line without a newline still gets its own line", "[log]") {
  TempPath tmp;
  LogWriterOrError created = LogWriter::create(tmp.path(), 1, 8);
  REQUIRE(created.writer);
  CHECK(created.writer->queueForWorker(0)->tryPush("no newline"));
  CHECK(created.writer->queueForWorker(0)->tryPush("with newline\n"));
  created.writer.reset();  // the destructor stops and drains
  CHECK(readLines(tmp.path()) == std::vector<std::string>{"no newline", "with newline"});
}

TEST_CASE("stop() writes lines queued just before it and is idempotent", "[log]") {
  TempPath tmp;
  LogWriterOrError created = LogWriter::create(tmp.path(), 3, 64);
  REQUIRE(created.writer);
  for (std::size_t w = 0; w < 3; ++w) {
    for (int i = 0; i < 50; ++i) {
      REQUIRE(created.writer->queueForWorker(w)->tryPush("x\n"));
    }
  }
  created.writer->stop();
  created.writer->stop();
  CHECK(readLines(tmp.path()).size() == 150);
}

TEST_CASE("A full queue never blocks the producer even if nothing drains it", "[log]") {
  LogWriterOrError created = LogWriter::create("off", 1, 16);
  REQUIRE(created.writer);
  CHECK_FALSE(created.writer->enabled());
  created.writer->stop();  // no consumer from here on
  LogQueue* queue = created.writer->queueForWorker(0);
  std::size_t accepted = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100'000; ++i) accepted += queue->tryPush("line\n") ? 1 : 0;
  CHECK(accepted == 16);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("create() reports an unopenable path", "[log]") {
  LogWriterOrError created = LogWriter::create("/nonexistent-dir/rampart/decisions.log", 1, 8);
  CHECK(created.writer == nullptr);
  CHECK(created.error.find("/nonexistent-dir/rampart/decisions.log") != std::string::npos);
  CHECK(created.error.find("No such file") != std::string::npos);
}

TEST_CASE("reopen() after a rename moves later lines to the new file", "[log]") {
  TempPath tmp;
  LogWriterOrError created = LogWriter::create(tmp.path(), 1, 64);
  REQUIRE(created.writer);
  LogWriter& writer = *created.writer;
  REQUIRE(writer.queueForWorker(0)->tryPush("before\n"));
  // Wait until the writer has written it, so the rename cleanly splits the two files.
  for (int i = 0; i < 2000 && writer.linesWritten() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(writer.linesWritten() == 1);
  REQUIRE(std::rename(tmp.path().c_str(), (tmp.path() + ".1").c_str()) == 0);
  CHECK(writer.reopen().empty());
  REQUIRE(writer.queueForWorker(0)->tryPush("after\n"));
  writer.stop();
  CHECK(readLines(tmp.path() + ".1") == std::vector<std::string>{"before"});
  CHECK(readLines(tmp.path()) == std::vector<std::string>{"after"});
}

}  // namespace
}  // namespace rampart
