// A small librdkafka client for the integration tests: produce records and learn their offsets,
// read whole topics with headers, read a group's committed offsets.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

struct rd_kafka_s;

namespace stepstream::testing_support {

struct Record {
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
  int32_t partition = -1;
  int64_t offset = -1;
  bool null_value = false;  // read: the record has no value (a tombstone), not an empty one
};

// Produces `records` (key, value, headers, partition; -1 lets the key choose) to `topic` and waits
// for their acknowledgements; fills in each record's partition and offset. False on any failure.
bool produce(const std::string& brokers, const std::string& topic, std::vector<Record>& records);

// Reads `topic` (`partitions` partitions) from the beginning, without a group.
class TopicReader {
 public:
  TopicReader(const std::string& brokers, const std::string& topic, int partitions);
  ~TopicReader();
  TopicReader(const TopicReader&) = delete;
  TopicReader& operator=(const TopicReader&) = delete;

  // Reads what has arrived, for up to `wait`, into records().
  void poll(std::chrono::milliseconds wait);
  // Reads until records() holds at least `n`; false when `timeout` passes first.
  bool read_at_least(size_t n, std::chrono::milliseconds timeout);
  const std::vector<Record>& records() const { return records_; }

 private:
  rd_kafka_s* rk_ = nullptr;
  std::vector<Record> records_;
};

// The committed offset of each partition of `topic` for `group` (-1 when none).
std::vector<int64_t> committed(const std::string& brokers, const std::string& group,
                               const std::string& topic, int partitions);

}  // namespace stepstream::testing_support
