// SPDX-License-Identifier: MIT
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <memory>

#include "shared_state.hpp"

namespace handoff::web {

/// Accepts connections and gives each an HTTP session on a strand of its own.
class listener : public std::enable_shared_from_this<listener> {
 public:
  /// Binds `endpoint`; throws `boost::system::system_error` when it cannot.
  listener(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint endpoint, std::shared_ptr<shared_state> state);
  void run();
  void stop();
  /// The port bound (the one asked for, or the system's pick for port 0).
  unsigned short port() const;

 private:
  void accept_next();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<shared_state> state_;
};

}  // namespace handoff::web
