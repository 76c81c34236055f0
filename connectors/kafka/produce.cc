// rd_kafka_produceva() with the record's fields as an array of typed values.
#include "connectors/kafka/produce.h"

#include <cassert>

namespace stepstream::kafka {

rd_kafka_resp_err_t produce(rd_kafka_t* rk, const Record& r) {
  assert(r.header_list == nullptr || r.header_count == 0);
  rd_kafka_vu_t vu[7];
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
  // Headers by value go in a list of exactly their number, names with their lengths: cheaper
  // than librdkafka's own list for RD_KAFKA_VTYPE_HEADER (eight slots, a strlen per name).
  rd_kafka_headers_t* list = r.header_list;
  if (r.header_count != 0) {
    list = rd_kafka_headers_new(r.header_count);
    for (size_t i = 0; i < r.header_count; ++i)
      rd_kafka_header_add(list, r.headers[i].name.data(),
                          static_cast<ssize_t>(r.headers[i].name.size()), r.headers[i].value.data(),
                          static_cast<ssize_t>(r.headers[i].value.size()));
  }
  if (list != nullptr) {
    vu[n].vtype = RD_KAFKA_VTYPE_HEADERS;
    vu[n++].u.headers = list;
  }
  rd_kafka_error_t* error = rd_kafka_produceva(rk, vu, n);
  if (error == nullptr) return RD_KAFKA_RESP_ERR_NO_ERROR;  // the list is the record's now
  if (r.header_count != 0) rd_kafka_headers_destroy(list);  // ours again: a caller's stays theirs
  rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  rd_kafka_error_destroy(error);
  return code;
}

}  // namespace stepstream::kafka
