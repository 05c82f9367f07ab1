// SPDX-License-Identifier: MIT
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include "shared_state.hpp"

namespace handoff::web {

/// One WebSocket: reads the page's events one at a time, checks that they
/// speak only for who the server says is there, and writes what the
/// shared state sends it, one write at a time from a bounded queue.
class websocket_session : public std::enable_shared_from_this<websocket_session> {
 public:
  websocket_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<shared_state> state, identity who);
  ~websocket_session();

  /// Accepts the upgrade `request` asked for.
  void run(boost::beast::http::request<boost::beast::http::string_body> request);
  /// Queues a message for the page; safe from any thread.
  void send(std::shared_ptr<const std::string> message);
  /// Closes the socket (going away); safe from any thread.
  void close();

  const identity& who() const noexcept { return who_; }

 private:
  void on_accept(boost::beast::error_code ec);
  void read_next();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void on_send(std::shared_ptr<const std::string> message);
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void read_event(std::string_view text);
  /// Fills in who speaks, or says why this socket may not send the event.
  std::string_view authorize(input_event& event) const;
  bool within_rate();
  void refuse(std::string_view code, std::string_view message);
  void finish();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<shared_state> state_;
  identity who_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t queue_limit_;
  double rate_;
  double burst_;
  double tokens_;
  std::chrono::steady_clock::time_point refilled_;
  bool joined_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

}  // namespace handoff::web
