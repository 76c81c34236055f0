// Child processes for the integration tests: the real `stepstream` binary (broker, run) and kcat,
// each with its stdout and stderr in files of the test's own temporary directory.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace stepstream::testing_support {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class Process {
 public:
  // Starts argv[0] (a path) with `argv`; stdout and stderr go to `out_file` and `err_file`.
  Process(const std::vector<std::string>& argv, const std::string& out_file,
          const std::string& err_file);
  ~Process();  // SIGKILL if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void signal(int sig) const;
  // Waits for the exit: its code, 128+signal when killed, -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  bool running();
  std::string out() const;  // what it wrote to stdout so far
  std::string err() const;

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string out_file_, err_file_;
};

// `stepstream broker` with `topics` (comma-separated) of `partitions` partitions; waits for its
// bootstrap line.
class BrokerProcess {
 public:
  BrokerProcess(const TempDir& dir, const std::string& topics, int partitions);
  const std::string& bootstraps() const { return bootstraps_; }

 private:
  Process process_;
  std::string bootstraps_;
};

// Runs a shell command to its end; its exit code (-1 when it did not exit normally).
int shell(const std::string& command);

std::string read_text(const std::string& file);
void write_text(const std::string& file, const std::string& text);

// Polls `done` every 50 ms until it is true or `timeout` passes; returns its last value.
template <class F>
bool eventually(F&& done, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    struct timespec ts = {0, 50'000'000};
    nanosleep(&ts, nullptr);
  }
}

}  // namespace stepstream::testing_support
