// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace handoff::test {

/// A real `handoff-web`, started on a free port and stopped with SIGTERM.
class server_process {
 public:
  explicit server_process(std::vector<std::string> args);
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  unsigned short port() const noexcept { return port_; }
  /// Sends SIGTERM and waits; the exit status (0: stopped cleanly).
  int stop();
  bool running() const;

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  unsigned short port_ = 0;
};

/// An HTTP GET: the status and the body.
std::pair<int, std::string> http_get(unsigned short port, const std::string& target);

/// A blocking WebSocket client with a deadline on every read.
class ws_client {
 public:
  /// Throws `boost::system::system_error` when the upgrade is refused
  /// (the HTTP status in `refused_status`).
  ws_client(unsigned short port, const std::string& target);
  void send(const nlohmann::json& event);
  void send_text(const std::string& text);
  void send_binary(const std::string& bytes);
  /// The next event, or nothing when none comes within `wait` (or the socket closed).
  std::optional<nlohmann::json> next(std::chrono::milliseconds wait = std::chrono::milliseconds(3000));
  /// Events until one of `type` comes (that one included); empty when it does not.
  std::vector<nlohmann::json> until(const std::string& type,
                                    std::chrono::milliseconds wait = std::chrono::milliseconds(5000));
  /// Events until one of `types` comes.
  std::vector<nlohmann::json> until_any(std::initializer_list<std::string> types,
                                        std::chrono::milliseconds wait = std::chrono::milliseconds(5000));
  bool closed() const noexcept { return closed_; }

 private:
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  bool closed_ = false;
};

/// The demo shop's configuration with its team at work around the clock,
/// so that what the tests see does not depend on the hour they run at
/// (written once to a temporary file).
std::string always_open_config(const std::string& source_dir);

/// The status an upgrade to `target` is refused with (0: it was accepted).
int refused_status(unsigned short port, const std::string& target);

}  // namespace handoff::test
