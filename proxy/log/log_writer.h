// The decision-log writer: workers hand finished lines to a background thread without ever
// blocking or taking a lock.
//
// Each worker owns one LogQueue (a bounded single-producer/single-consumer ring). The worker is
// its only producer and the writer thread its only consumer. When the ring is full the worker
// drops the line and counts decision_log_dropped_total: a slow disk must never stall traffic.
// The writer thread drains every ring, batches the lines into one buffer and writes it with as
// few write(2) calls as the kernel allows.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace rampart {

// Bounded SPSC ring of lines. Lock-free: one producer thread, one consumer thread, each side
// publishing its index with release and reading the other's with acquire. The strings
// themselves move through the slots, so a line is allocated once (by the worker) and freed by
// the writer thread.
class LogQueue {
 public:
  // `capacity` is rounded up to a power of two (at least 2) so index wrap is a mask.
  explicit LogQueue(std::size_t capacity);
  LogQueue(const LogQueue&) = delete;
  LogQueue& operator=(const LogQueue&) = delete;

  // Producer side only. Moves `line` in and returns true, or returns false without touching
  // `line` when the ring is full (the caller counts the drop). Never blocks, never allocates.
  bool tryPush(std::string&& line);

  // Consumer side only. Moves the oldest line into `line` and returns true, or returns false
  // when the ring is empty.
  bool tryPop(std::string& line);

  std::size_t capacity() const { return mask_ + 1; }

 private:
  std::unique_ptr<std::string[]> slots_;
  const std::size_t mask_;
  // Producer and consumer indices on separate cache lines so the two threads do not bounce one
  // line between cores. Each side also caches the other's index and rereads it (one acquire
  // load) only when the cached value says full/empty.
  alignas(64) std::atomic<std::size_t> write_index_{0};  // written by the producer
  std::size_t cached_read_index_ = 0;                    // producer's view of read_index_
  alignas(64) std::atomic<std::size_t> read_index_{0};   // written by the consumer
  std::size_t cached_write_index_ = 0;                   // consumer's view of write_index_
};

class LogWriter;

// What LogWriter::create returns: exactly one of the two is set.
struct LogWriterOrError {
  std::unique_ptr<LogWriter> writer;
  std::string error;  // "open /var/log/x: Permission denied"
};

class LogWriter {
 public:
  // `destination`: "stdout", "stderr", "off" (lines are drained and discarded), or a file path
  // opened with O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, mode 0640. One queue of `queue_lines`
  // lines (rounded up to a power of two) is created per worker up front. Starts the writer
  // thread. Fails only if the file cannot be opened. Call on the main thread at startup.
  static LogWriterOrError create(std::string destination, std::size_t workers,
                                 std::size_t queue_lines);

  ~LogWriter();  // stop()s if still running
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // The queue worker `worker_index` pushes into; valid for the writer's lifetime. nullptr if
  // the index is out of range.
  LogQueue* queueForWorker(std::size_t worker_index);

  // False for "off": workers may skip building the line at all.
  bool enabled() const { return enabled_; }

  // Reopens the destination file (log rotation: mv the file, then SIGUSR1 -> reopen()). The
  // new file is opened on the calling thread so the error comes back here; the writer thread
  // switches to it before its next write and closes the old one. Lines already queued go to the
  // new file. Returns "" on success (and for stdout/stderr/off, where it does nothing) or the
  // error, in which case the old file stays in use. Owner (main) thread only, like stop().
  std::string reopen();

  // Writes everything still queued, then joins the writer thread. Call after the workers have
  // stopped pushing (lines pushed later are never written). Idempotent; the destructor calls it.
  void stop();

  // Written by the writer thread, readable from any thread (relaxed): for /metrics.
  std::uint64_t linesWritten() const { return lines_written_.load(std::memory_order_relaxed); }
  std::uint64_t writeErrors() const { return write_errors_.load(std::memory_order_relaxed); }

 private:
  LogWriter(std::string destination, int fd, bool owns_fd, std::size_t workers,
            std::size_t queue_lines);

  void run();
  std::size_t drainQueuesOnce();  // returns lines taken
  void flushBatch();
  void adoptReopenedFile();
  void sleepUntilPokedOr2ms();

  const std::string destination_;
  const bool enabled_;
  const bool owns_fd_;  // false for stdout/stderr: never close them
  int fd_;              // touched only by the writer thread once it runs
  int wake_fd_ = -1;    // eventfd: stop() and reopen() wake the writer early
  std::vector<std::unique_ptr<LogQueue>> queues_;
  std::string batch_;                 // writer thread only
  std::uint64_t batch_lines_ = 0;     // lines in batch_, for linesWritten()
  std::atomic<int> reopened_fd_{-1};  // handed from reopen() to the writer thread
  std::atomic<bool> stop_requested_{false};
  std::atomic<std::uint64_t> lines_written_{0};
  std::atomic<std::uint64_t> write_errors_{0};
  std::thread thread_;
  bool stopped_ = false;  // owner thread only
};

}  // namespace rampart
