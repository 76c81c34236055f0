// Where execution log records go: stdout, a file, or (plugged in by the Kafka connector) a topic.
// Only the log writer's thread calls a sink, never a worker.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace stepstream::logs {

class Sink {
 public:
  virtual ~Sink() = default;
  // Takes one record (one JSON object, no newline). False when the destination cannot take it
  // now (a Kafka producer's queue is full): the writer keeps the record and offers it again
  // later, so a full destination is back-pressure on the log queue, never a silent loss.
  virtual bool write(std::string_view record) = 0;
  // Pushes out what the sink buffers; called whenever the log queue runs dry, and at stop.
  virtual void flush() {}
};

// One record per line on stdout or in a file (appended to).
class StreamSink final : public Sink {
 public:
  // `path` "-" is stdout. Null, with `error` set, when the file cannot be opened.
  static std::unique_ptr<StreamSink> open(const std::string& path, std::string& error);
  ~StreamSink() override;
  StreamSink(const StreamSink&) = delete;
  StreamSink& operator=(const StreamSink&) = delete;

  bool write(std::string_view record) override;
  void flush() override;

 private:
  StreamSink(FILE* f, bool owned) : f_(f), owned_(owned) {}
  FILE* f_;
  bool owned_;
};

}  // namespace stepstream::logs
