// A minimal HTTP/1.0 client for the tests: one request on loopback, the whole answer read to EOF.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace stepstream::testing_support {

struct HttpAnswer {
  int status = 0;  // 0 when nothing came back
  std::string headers;
  std::string body;
};

inline HttpAnswer http_request(uint16_t port, const std::string& method, const std::string& path) {
  HttpAnswer a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return a;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return a;
  }
  std::string req = method + " " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (send(fd, req.data(), req.size(), 0) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return a;
  }
  std::string all;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
    all.append(buf, static_cast<size_t>(n));
  close(fd);
  size_t head_end = all.find("\r\n\r\n");
  if (all.rfind("HTTP/", 0) != 0 || head_end == std::string::npos) return a;
  a.status = std::stoi(all.substr(all.find(' ') + 1, 3));
  a.headers = all.substr(0, head_end);
  a.body = all.substr(head_end + 4);
  return a;
}

inline HttpAnswer http_get(uint16_t port, const std::string& path) {
  return http_request(port, "GET", path);
}

// A port nothing listens on right now (the kernel's pick for a socket bound to port 0).
inline uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

}  // namespace stepstream::testing_support
