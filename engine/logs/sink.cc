// stdout and file destinations: stdio with a large buffer, flushed when the log queue runs dry.
#include "engine/logs/sink.h"

#include <cerrno>
#include <cstring>

namespace stepstream::logs {

std::unique_ptr<StreamSink> StreamSink::open(const std::string& path, std::string& error) {
  if (path == "-") return std::unique_ptr<StreamSink>(new StreamSink(stdout, false));
  FILE* f = std::fopen(path.c_str(), "ae");
  if (f == nullptr) {
    error = "cannot open log file " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  return std::unique_ptr<StreamSink>(new StreamSink(f, true));
}

StreamSink::~StreamSink() {
  if (owned_) {
    std::fclose(f_);
  } else {
    std::fflush(f_);
  }
}

bool StreamSink::write(std::string_view record) {
  if (std::fwrite(record.data(), 1, record.size(), f_) != record.size() ||
      std::fputc('\n', f_) == EOF) {
    std::clearerr(f_);
    return false;  // a full disk: the writer offers the record again later
  }
  return true;
}

void StreamSink::flush() {
  std::fflush(f_);
}

}  // namespace stepstream::logs
