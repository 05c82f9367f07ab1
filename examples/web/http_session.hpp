// SPDX-License-Identifier: MIT
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>

#include "shared_state.hpp"

namespace handoff::web {

/// One HTTP connection: serves the pages, `/metrics` and `/healthz`, and
/// hands an upgrade to `/ws/customer` or `/ws/agent` to a WebSocket session
/// once the server has decided who is asking (an agent's token is checked
/// here, before the upgrade).
class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<shared_state> state);
  void run();

 private:
  void read_next();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void answer(boost::beast::http::response<boost::beast::http::string_body> response);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void upgrade();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<shared_state> state_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>> response_;
};

/// `?a=1&b=x%20y` read: the value of `key`, percent-decoded; empty when absent.
std::string query_value(std::string_view target, std::string_view key);

}  // namespace handoff::web
