// rd_kafka_produceva() with the record's fields as an array of typed values.
#include "connectors/kafka/produce.h"

#include <cassert>

namespace stepstream::kafka {

rd_kafka_resp_err_t produce(rd_kafka_t* rk, const Record& r) {
  constexpr size_t kMaxHeaders = 8;
  assert(r.header_count <= kMaxHeaders);
  rd_kafka_vu_t vu[7 + kMaxHeaders];
  size_t n = 0;
  vu[n].vtype = RD_KAFKA_VTYPE_RKT;
  vu[n++].u.rkt = r.topic;
  vu[n].vtype = RD_KAFKA_VTYPE_PARTITION;
  vu[n++].u.i32 = r.partition;
  vu[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vu[n++].u.i = RD_KAFKA_MSG_F_COPY;
  // librdkafka copies the bytes (F_COPY) and never writes them: the casts only fit its types.
  vu[n].vtype = RD_KAFKA_VTYPE_VALUE;
  vu[n].u.mem.ptr = const_cast<char*>(r.value.data());
  vu[n++].u.mem.size = r.value.size();
  vu[n].vtype = RD_KAFKA_VTYPE_KEY;
  vu[n].u.mem.ptr = const_cast<char*>(r.key.data());
  vu[n++].u.mem.size = r.key.size();
  vu[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
  vu[n++].u.ptr = r.opaque;
  if (r.header_list != nullptr) {
    vu[n].vtype = RD_KAFKA_VTYPE_HEADERS;
    vu[n++].u.headers = r.header_list;
  }
  for (size_t i = 0; i < r.header_count && i < kMaxHeaders; ++i) {
    vu[n].vtype = RD_KAFKA_VTYPE_HEADER;
    vu[n].u.header.name = r.headers[i].name;
    vu[n].u.header.val = r.headers[i].value.data();
    vu[n++].u.header.size = static_cast<ssize_t>(r.headers[i].value.size());
  }
  rd_kafka_error_t* error = rd_kafka_produceva(rk, vu, n);
  if (error == nullptr) return RD_KAFKA_RESP_ERR_NO_ERROR;
  rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  rd_kafka_error_destroy(error);
  return code;
}

}  // namespace stepstream::kafka
