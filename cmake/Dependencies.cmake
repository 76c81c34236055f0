# Every dependency comes from a Debian package; when one is missing, say which package to install.
# deploy/install-deps.sh installs all of them.
find_package(PkgConfig)

function(stepstream_missing what debian_package)
  message(FATAL_ERROR
    "stepstream: ${what} not found. Install the Debian package '${debian_package}' "
    "(sudo apt-get install ${debian_package}), or run deploy/install-deps.sh to install everything.")
endfunction()

if(NOT PkgConfig_FOUND)
  stepstream_missing("pkg-config" "pkg-config")
endif()

pkg_check_modules(RDKAFKA IMPORTED_TARGET rdkafka)
if(NOT RDKAFKA_FOUND)
  stepstream_missing("librdkafka (pkg-config module rdkafka)" "librdkafka-dev")
endif()

find_package(simdjson QUIET CONFIG)
if(NOT simdjson_FOUND)
  stepstream_missing("simdjson" "libsimdjson-dev")
endif()

find_path(CONCURRENTQUEUE_INCLUDE_DIR concurrentqueue/concurrentqueue.h)
if(NOT CONCURRENTQUEUE_INCLUDE_DIR)
  stepstream_missing("moodycamel ConcurrentQueue (concurrentqueue/concurrentqueue.h)" "libconcurrentqueue-dev")
endif()
add_library(concurrentqueue INTERFACE)
target_include_directories(concurrentqueue SYSTEM INTERFACE ${CONCURRENTQUEUE_INCLUDE_DIR})

find_package(yaml-cpp QUIET CONFIG)
if(NOT yaml-cpp_FOUND)
  stepstream_missing("yaml-cpp" "libyaml-cpp-dev")
endif()

find_package(prometheus-cpp QUIET CONFIG)
if(NOT prometheus-cpp_FOUND)
  stepstream_missing("prometheus-cpp" "prometheus-cpp-dev")
endif()
# engine/metrics serves /metrics, /healthz and /readyz with civetweb directly; prometheus-cpp-dev
# depends on libcivetweb-dev, so it is there whenever prometheus-cpp is.
if(NOT TARGET civetweb::civetweb)
  find_package(civetweb QUIET CONFIG)
  if(NOT civetweb_FOUND)
    stepstream_missing("civetweb" "libcivetweb-dev")
  endif()
endif()

find_package(Threads REQUIRED)

# mimalloc replaces malloc in the programs that move Kafka records (stepstream_use_mimalloc):
# librdkafka allocates several blocks per record on one thread and frees them on another, in
# bursts that overflow glibc's per-thread caches. Sanitizer builds keep the sanitizer's allocator.
if(NOT STEPSTREAM_SANITIZE)
  find_package(mimalloc QUIET CONFIG)
  if(NOT mimalloc_FOUND)
    stepstream_missing("mimalloc" "libmimalloc-dev")
  endif()
endif()

if(STEPSTREAM_BUILD_TESTS)
  find_package(GTest QUIET CONFIG)
  if(NOT GTest_FOUND)
    stepstream_missing("GoogleTest/GoogleMock" "libgtest-dev libgmock-dev")
  endif()
endif()

if(STEPSTREAM_BUILD_BENCH)
  find_package(benchmark QUIET CONFIG)
  if(NOT benchmark_FOUND)
    stepstream_missing("Google Benchmark" "libbenchmark-dev")
  endif()
endif()
