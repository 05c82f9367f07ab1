// SPDX-License-Identifier: MIT
#include "http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>

#include "assets.hpp"
#include "websocket_session.hpp"

namespace handoff::web {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using response = http::response<http::string_body>;

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decoded(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

response text(const http::request<http::string_body>& req, http::status status, std::string body,
              std::string_view type = "text/plain; charset=utf-8") {
  response r{status, req.version()};
  r.set(http::field::server, "handoff-web");
  r.set(http::field::content_type, type);
  r.set(http::field::cache_control, "no-store");
  r.keep_alive(req.keep_alive());
  r.body() = std::move(body);
  r.prepare_payload();
  return r;
}

}  // namespace

std::string query_value(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    if (percent_decoded(pair.substr(0, eq)) != key) continue;
    return eq == std::string_view::npos ? std::string() : percent_decoded(pair.substr(eq + 1));
  }
  return {};
}

http_session::http_session(net::ip::tcp::socket&& socket, std::shared_ptr<shared_state> state)
    : stream_(std::move(socket)), state_(std::move(state)) {}

void http_session::run() {
  net::dispatch(stream_.get_executor(), beast::bind_front_handler(&http_session::read_next, shared_from_this()));
}

void http_session::read_next() {
  parser_.emplace();
  // Pages are fetched with GET: nothing here needs a large request.
  parser_->header_limit(16 * 1024);
  parser_->body_limit(16 * 1024);
  stream_.expires_after(std::chrono::seconds(30));
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream) {
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    return;
  }
  if (ec) return;
  const auto& req = parser_->get();
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = path_of(target);

  if (beast::websocket::is_upgrade(req)) return upgrade();
  if (req.method() != http::verb::get && req.method() != http::verb::head)
    return answer(text(req, http::status::method_not_allowed, "GET only\n"));
  if (path == "/metrics")
    return answer(text(req, http::status::ok, state_->metrics_text(), "text/plain; version=0.0.4; charset=utf-8"));
  if (path == "/healthz") {
    auto health = state_->health_text();
    return answer(text(req, health == "ok\n" ? http::status::ok : http::status::service_unavailable, health));
  }
  std::string_view file = path;
  if (path == "/") file = "/index.html";
  if (path == "/agent") file = "/agent.html";
  if (const auto* a = find_asset(file)) {
    auto r = text(req, http::status::ok, std::string(a->body), a->content_type);
    r.set(http::field::cache_control, "no-cache");
    return answer(std::move(r));
  }
  answer(text(req, http::status::not_found, "not found\n"));
}

void http_session::upgrade() {
  const auto& req = parser_->get();
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = path_of(target);
  identity who;
  if (path == "/ws/customer") {
    who.role = identity::kind::customer;
    who.language = query_value(target, "lang");
    if (who.language.size() > 35) who.language.clear();
    const auto conversation = query_value(target, "conversation");
    // A wrong or missing token gets a new conversation, never someone else's.
    if (state_->gate().may_resume(conversation, query_value(target, "resume"))) {
      who.id = conversation;
      who.resumed = true;
    } else {
      who.id = state_->gate().new_conversation();
    }
  } else if (path == "/ws/agent") {
    who.role = identity::kind::agent;
    who.id = query_value(target, "agent");
    if (!state_->gate().sign_in(who.id, query_value(target, "token"))) {
      state_->count_refused("unauthorized");
      auto r = text(req, http::status::unauthorized, "a valid agent and token are needed\n");
      r.keep_alive(false);
      return answer(std::move(r));
    }
  } else {
    return answer(text(req, http::status::not_found, "no WebSocket here: /ws/customer or /ws/agent\n"));
  }
  stream_.expires_never();
  std::make_shared<websocket_session>(stream_.release_socket(), state_, std::move(who))->run(parser_->release());
}

void http_session::answer(response r) {
  const bool keep_alive = r.keep_alive();
  response_ = std::make_shared<response>(std::move(r));
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  response_.reset();
  if (ec) return;
  if (!keep_alive) {
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    return;
  }
  read_next();
}

}  // namespace handoff::web
