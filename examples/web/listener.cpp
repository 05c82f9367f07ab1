// SPDX-License-Identifier: MIT
#include "listener.hpp"

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>

#include "http_session.hpp"

namespace handoff::web {
namespace net = boost::asio;
namespace beast = boost::beast;

listener::listener(net::io_context& io, net::ip::tcp::endpoint endpoint, std::shared_ptr<shared_state> state)
    : io_(io), acceptor_(net::make_strand(io)), state_(std::move(state)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

unsigned short listener::port() const { return acceptor_.local_endpoint().port(); }

void listener::run() { accept_next(); }

void listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void listener::accept_next() {
  acceptor_.async_accept(net::make_strand(io_), beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(beast::error_code ec, net::ip::tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
  if (!ec) {
    socket.set_option(net::ip::tcp::no_delay(true), ec);
    std::make_shared<http_session>(std::move(socket), state_)->run();
  }
  // Out of file descriptors, say: keep listening; the next accept may work.
  accept_next();
}

}  // namespace handoff::web
