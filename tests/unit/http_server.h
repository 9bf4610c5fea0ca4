// A real HTTP server for unit tests of the HTTP backend:
// tests/servers/faulty_http.py over a directory, with an empty fault plan
// (every request answered). Stopped when this object goes.
#pragma once

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace pipeline::testing {

class HttpServer {
 public:
  // Serves `dir`; `work` (a folder beside it) holds the plan and its log.
  HttpServer(const std::string& dir, const std::string& work) {
    const std::string plan = work + "/plan.json";
    std::ofstream(plan) << "{}";
    port_ = free_port();
    const std::string port = std::to_string(port_);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      const std::string script = std::string(PIPE_TEST_SERVERS) + "/faulty_http.py";
      ::execl("/usr/bin/python3", "python3", script.c_str(), dir.c_str(), port.c_str(), plan.c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 200 && !accepting(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    REQUIRE_MESSAGE(accepting(), "tests/servers/faulty_http.py did not start (is /usr/bin/python3 there?)");
  }
  ~HttpServer() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  static int free_port() {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t n = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &n);
    ::close(s);
    return ntohs(a.sin_port);
  }
  bool accepting() const {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    return ok;
  }

  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace pipeline::testing
