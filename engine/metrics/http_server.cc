// civetweb, used directly rather than through prometheus-cpp's Exposer: the Exposer's civetweb
// server is private and answers only 200 with metrics, while /readyz must answer 503 on the same
// port; Debian's prometheus-cpp-dev already depends on libcivetweb-dev, so nothing is added.
#include "engine/metrics/http_server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string_view>
#include <thread>

#include "engine/metrics/collector.h"

namespace stepstream::metrics {

namespace {

constexpr const char* kTextPlain = "text/plain; charset=utf-8";
// The content type of Prometheus's text exposition format 0.0.4.
constexpr const char* kPrometheusText = "text/plain; version=0.0.4; charset=utf-8";

int reply(mg_connection* conn, int status, const char* type, std::string_view body) {
  const mg_request_info* req = mg_get_request_info(conn);
  mg_response_header_start(conn, status);
  mg_response_header_add(conn, "Content-Type", type, -1);
  std::string length = std::to_string(body.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  mg_response_header_add(conn, "Cache-Control", "no-store", -1);
  mg_response_header_send(conn);
  if (std::strcmp(req->request_method, "HEAD") != 0) mg_write(conn, body.data(), body.size());
  return status;  // civetweb: non-zero means handled (and is the status it logs)
}

bool is_get(mg_connection* conn) {
  const char* m = mg_get_request_info(conn)->request_method;
  return std::strcmp(m, "GET") == 0 || std::strcmp(m, "HEAD") == 0;
}

int handle_metrics(mg_connection* conn, void* data) {
  if (!is_get(conn)) return reply(conn, 405, kTextPlain, "method not allowed\n");
  // Nothing may be thrown through civetweb's C frames; a failed scrape is a 500.
  try {
    return reply(conn, 200, kPrometheusText, static_cast<HttpServer*>(data)->metrics_text());
  } catch (...) {
    return reply(conn, 500, kTextPlain, "scrape failed\n");
  }
}

int handle_healthz(mg_connection* conn, void*) {
  if (!is_get(conn)) return reply(conn, 405, kTextPlain, "method not allowed\n");
  return reply(conn, 200, kTextPlain, "ok\n");
}

int handle_readyz(mg_connection* conn, void* data) {
  if (!is_get(conn)) return reply(conn, 405, kTextPlain, "method not allowed\n");
  bool ready = false;
  try {
    ready = static_cast<HttpServer*>(data)->ready();
  } catch (...) {
    ready = false;
  }
  return ready ? reply(conn, 200, kTextPlain, "ready\n")
               : reply(conn, 503, kTextPlain, "not ready\n");
}

// Connects to the server and hangs up; false when `host` is not an IPv4 address to connect to.
bool poke(const std::string& host, uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  const char* to = host.empty() || host == "0.0.0.0" ? "127.0.0.1" : host.c_str();
  if (inet_pton(AF_INET, to, &addr.sin_addr) != 1) return false;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

std::unique_ptr<HttpServer> HttpServer::start(
    const HttpOptions& options, std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
    Ready ready, std::string& error) {
  std::unique_ptr<HttpServer> s(new HttpServer());
  s->collectables_ = std::move(collectables);
  s->host_ = options.host;
  s->ready_ = std::move(ready);

  bool v6 = options.host.find(':') != std::string::npos;
  std::string listen =
      (v6 ? "[" + options.host + "]" : options.host) + ":" + std::to_string(options.port);
  std::string threads = std::to_string(options.threads < 1 ? 1 : options.threads);
  const char* config[] = {"listening_ports",    listen.c_str(), "num_threads", threads.c_str(),
                          "request_timeout_ms", "10000",        nullptr};
  mg_init_data init{};
  init.configuration_options = config;
  init.user_data = s.get();
  unsigned code = 0;
  char text[256] = {};
  mg_error_data err{&code, text, sizeof text};
  s->ctx_ = mg_start2(&init, &err);
  if (s->ctx_ == nullptr) {
    error = "cannot serve HTTP on " + listen + ": " + (text[0] ? text : "civetweb failed to start");
    return nullptr;
  }
  mg_set_request_handler(s->ctx_, "/metrics$", handle_metrics, s.get());
  mg_set_request_handler(s->ctx_, "/healthz$", handle_healthz, s.get());
  mg_set_request_handler(s->ctx_, "/readyz$", handle_readyz, s.get());

  mg_server_port port{};
  if (mg_get_server_ports(s->ctx_, 1, &port) != 1 || port.port <= 0 || port.port > 65535) {
    error = "cannot serve HTTP on " + listen + ": no listening port";
    return nullptr;
  }
  s->port_ = static_cast<uint16_t>(port.port);
  return s;
}

HttpServer::~HttpServer() {
  if (ctx_ == nullptr) return;
  // civetweb's listener sees the stop flag only between polls of its sockets, which wait up to
  // two seconds; a connection ends the wait at once.
  std::atomic<bool> stopped{false};
  std::thread stopper([this, &stopped] {
    mg_stop(ctx_);
    stopped.store(true);
  });
  while (!stopped.load()) {
    if (!poke(host_, port_)) break;  // cannot reach it: let the poll run out
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stopper.join();
}

std::string HttpServer::metrics_text() const {
  std::vector<const prometheus::Collectable*> all;
  all.reserve(collectables_.size());
  for (const auto& c : collectables_)
    all.push_back(c.get());
  return serialize(all);
}

}  // namespace stepstream::metrics
