// The engine's HTTP port: /metrics (Prometheus text format), /healthz (the process answers) and
// /readyz (partitions assigned and the producer connected), all on one listening socket.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/collectable.h>

struct mg_context;  // civetweb's server

namespace stepstream::metrics {

struct HttpOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 9464;  // 0: any free port; port() says which
  int threads = 2;       // civetweb's request threads: scrapes and probes are rare and short
};

class HttpServer {
 public:
  using Ready = std::function<bool()>;

  // Listens and serves until destroyed. Null, with `error` set, when it cannot listen.
  // `ready` is asked at each /readyz (from a server thread); null means always ready.
  static std::unique_ptr<HttpServer> start(
      const HttpOptions& options,
      std::vector<std::shared_ptr<prometheus::Collectable>> collectables, Ready ready,
      std::string& error);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const { return port_; }

  // For the request handlers (civetweb calls C functions): the text each path answers with.
  std::string metrics_text() const;
  bool ready() const { return !ready_ || ready_(); }

 private:
  HttpServer() = default;
  mg_context* ctx_ = nullptr;
  std::string host_;
  uint16_t port_ = 0;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  Ready ready_;
};

}  // namespace stepstream::metrics
