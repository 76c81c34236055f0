// One record to librdkafka without the RD_KAFKA_V_* macros, whose type checks use a GNU
// extension that the build's -Wpedantic rejects: the same call, through rd_kafka_produceva().
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstddef>
#include <string_view>

namespace stepstream::kafka {

struct Header {
  std::string_view name;
  std::string_view value;
};

struct Record {
  rd_kafka_topic_t* topic = nullptr;
  int32_t partition = RD_KAFKA_PARTITION_UA;  // unassigned: the partitioner picks by key
  std::string_view value;
  std::string_view key;
  void* opaque = nullptr;  // comes back in the delivery report
  // Either a few headers by value, or a header list that becomes librdkafka's on success.
  const Header* headers = nullptr;
  size_t header_count = 0;
  rd_kafka_headers_t* header_list = nullptr;
};

// Copies `r` into librdkafka's queue (RD_KAFKA_MSG_F_COPY). RD_KAFKA_RESP_ERR__QUEUE_FULL is
// back-pressure: poll and try again.
rd_kafka_resp_err_t produce(rd_kafka_t* rk, const Record& r);

}  // namespace stepstream::kafka
