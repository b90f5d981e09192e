#include "proxy/log/log_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

namespace rampart {
namespace {

// One write(2) per ~256 KiB: large enough to amortise the syscall, small enough that a line
// reaches the disk within one loop pass even under load.
constexpr std::size_t kBatchBytes = std::size_t{256} * 1024;
// A single huge line can grow the batch buffer; give the memory back past this size.
constexpr std::size_t kMaxRetainedBatchBytes = std::size_t{4} * 1024 * 1024;
constexpr int kIdlePollMs = 2;
constexpr int kBlockedOutputPollMs = 100;
// Largest ring we accept: keeps bit_ceil from overflowing on absurd configs.
constexpr std::size_t kMaxQueueLines = std::size_t{1} << 24;

std::string errnoText(std::string_view what, const std::string& path) {
  std::string text(what);
  text += ' ';
  text += path;
  text += ": ";
  text += std::strerror(errno);
  return text;
}

int openForAppend(const std::string& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

void poke(int wake_fd) {
  const std::uint64_t one = 1;
  // A full eventfd counter (EAGAIN) still means "readable", which is all we need.
  [[maybe_unused]] ssize_t ignored = ::write(wake_fd, &one, sizeof(one));
}

// Signals go to the main thread (it owns signal handling); blocking them here also turns
// SIGPIPE on a closed stdout pipe into a plain EPIPE from write(). Synchronous fault signals
// stay unblocked so a crash in this thread still reaches the crash handlers / sanitizers.
void blockAsyncSignals() {
  sigset_t set;
  sigfillset(&set);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP}) sigdelset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

LogQueue::LogQueue(std::size_t capacity)
    : mask_(std::bit_ceil(std::clamp<std::size_t>(capacity, 2, kMaxQueueLines)) - 1) {
  slots_ = std::make_unique<std::string[]>(mask_ + 1);
}

bool LogQueue::tryPush(std::string&& line) {
  const std::size_t write_at = write_index_.load(std::memory_order_relaxed);
  if (write_at - cached_read_index_ > mask_) {
    // Looks full from the cached index: refresh it (acquire pairs with the consumer's release,
    // so the slot it emptied is really free before we overwrite it).
    cached_read_index_ = read_index_.load(std::memory_order_acquire);
    if (write_at - cached_read_index_ > mask_) return false;
  }
  slots_[write_at & mask_] = std::move(line);
  write_index_.store(write_at + 1, std::memory_order_release);  // publishes the slot's contents
  return true;
}

bool LogQueue::tryPop(std::string& line) {
  const std::size_t read_at = read_index_.load(std::memory_order_relaxed);
  if (read_at == cached_write_index_) {
    cached_write_index_ = write_index_.load(std::memory_order_acquire);
    if (read_at == cached_write_index_) return false;
  }
  std::string& slot = slots_[read_at & mask_];
  line = std::move(slot);
  // Leave the slot truly empty so the producer's next move-assign never frees memory on the
  // worker thread.
  slot = std::string();
  read_index_.store(read_at + 1, std::memory_order_release);
  return true;
}

LogWriterOrError LogWriter::create(std::string destination, std::size_t workers,
                                   std::size_t queue_lines) {
  LogWriterOrError result;
  int fd = -1;
  bool owns_fd = false;
  if (destination == "stdout") {
    fd = STDOUT_FILENO;
  } else if (destination == "stderr") {
    fd = STDERR_FILENO;
  } else if (destination != "off") {
    fd = openForAppend(destination);
    if (fd < 0) {
      result.error = errnoText("open", destination);
      return result;
    }
    owns_fd = true;
  }
  const int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    result.error = errnoText("eventfd for log writer", destination);
    if (owns_fd) ::close(fd);
    return result;
  }
  result.writer.reset(new LogWriter(std::move(destination), fd, owns_fd, workers, queue_lines));
  result.writer->wake_fd_ = wake_fd;
  result.writer->thread_ = std::thread(&LogWriter::run, result.writer.get());
  return result;
}

LogWriter::LogWriter(std::string destination, int fd, bool owns_fd, std::size_t workers,
                     std::size_t queue_lines)
    : destination_(std::move(destination)), enabled_(fd >= 0), owns_fd_(owns_fd), fd_(fd) {
  queues_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    queues_.push_back(std::make_unique<LogQueue>(queue_lines));
  }
  batch_.reserve(kBatchBytes);
}

LogWriter::~LogWriter() { stop(); }

LogQueue* LogWriter::queueForWorker(std::size_t worker_index) {
  return worker_index < queues_.size() ? queues_[worker_index].get() : nullptr;
}

std::string LogWriter::reopen() {
  if (!owns_fd_ || stopped_) return {};
  const int fd = openForAppend(destination_);
  if (fd < 0) return errnoText("reopen", destination_);
  // Two quick reopen() calls: the writer adopts only the newest; the older one is closed here.
  const int superseded = reopened_fd_.exchange(fd, std::memory_order_acq_rel);
  if (superseded >= 0) ::close(superseded);
  poke(wake_fd_);
  return {};
}

void LogWriter::stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_requested_.store(true, std::memory_order_release);
  poke(wake_fd_);
  if (thread_.joinable()) thread_.join();
  const int pending = reopened_fd_.exchange(-1, std::memory_order_acq_rel);
  if (pending >= 0) ::close(pending);
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (wake_fd_ >= 0) ::close(wake_fd_);
  wake_fd_ = -1;
}

void LogWriter::run() {
  blockAsyncSignals();
  pthread_setname_np(pthread_self(), "rampart-log");
  for (;;) {
    adoptReopenedFile();
    // Read the flag BEFORE draining: an empty pass that started after stop() was requested
    // proves every line pushed before stop() has been taken (workers stop pushing first).
    const bool stopping = stop_requested_.load(std::memory_order_acquire);
    const std::size_t taken = drainQueuesOnce();
    flushBatch();
    if (taken == 0) {
      if (stopping) break;
      sleepUntilPokedOr2ms();
    }
  }
}

std::size_t LogWriter::drainQueuesOnce() {
  std::size_t taken = 0;
  std::string line;
  for (auto& queue : queues_) {
    // At most one ring's worth per queue per pass, so a busy worker cannot starve the others.
    for (std::size_t i = 0; i < queue->capacity() && queue->tryPop(line); ++i) {
      ++taken;
      if (!enabled_) continue;
      batch_ += line;
      ++batch_lines_;
      // Guarantees line framing even if a caller forgot the newline.
      if (line.empty() || line.back() != '\n') batch_ += '\n';
      if (batch_.size() >= kBatchBytes) flushBatch();
    }
  }
  return taken;
}

void LogWriter::flushBatch() {
  if (batch_.empty()) return;
  const char* data = batch_.data();
  std::size_t left = batch_.size();
  bool failed = false;
  while (left > 0) {
    const ssize_t n = ::write(fd_, data, left);
    if (n > 0) {
      data += n;
      left -= static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // Someone made stdout non-blocking and its reader is slow. Wait; workers keep running and
      // drop lines once their rings fill. At shutdown, give up rather than hang forever.
      pollfd pfd{fd_, POLLOUT, 0};
      if (::poll(&pfd, 1, kBlockedOutputPollMs) == 0 &&
          stop_requested_.load(std::memory_order_acquire)) {
        failed = true;
        break;
      }
      continue;
    }
    // ENOSPC, EIO, EPIPE, a zero-byte write...: drop this batch instead of spinning on a broken
    // destination; writeErrors() makes it visible.
    failed = true;
    break;
  }
  if (failed) {
    write_errors_.fetch_add(1, std::memory_order_relaxed);
  } else {
    lines_written_.fetch_add(batch_lines_, std::memory_order_relaxed);
  }
  batch_.clear();
  batch_lines_ = 0;
  if (batch_.capacity() > kMaxRetainedBatchBytes) {
    std::string().swap(batch_);
    batch_.reserve(kBatchBytes);
  }
}

void LogWriter::adoptReopenedFile() {
  const int fd = reopened_fd_.exchange(-1, std::memory_order_acq_rel);
  if (fd < 0) return;
  // The batch is always flushed at the end of a pass, so nothing meant for the old file is lost.
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

void LogWriter::sleepUntilPokedOr2ms() {
  // Idle polling keeps the producers free of syscalls: they never signal us, they only push.
  // The eventfd only makes stop() and reopen() take effect immediately.
  pollfd pfd{wake_fd_, POLLIN, 0};
  if (::poll(&pfd, 1, kIdlePollMs) > 0) {
    std::uint64_t counter;
    [[maybe_unused]] ssize_t ignored = ::read(wake_fd_, &counter, sizeof(counter));
  }
}

}  // namespace rampart
