// SPDX-License-Identifier: MIT
#include "websocket_session.hpp"

#include <fmt/format.h>

#include <boost/asio/post.hpp>

#include "handoff/protocol.hpp"

namespace handoff::web {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

websocket_session::websocket_session(net::ip::tcp::socket&& socket, std::shared_ptr<shared_state> state, identity who)
    : ws_(std::move(socket)),
      state_(std::move(state)),
      who_(std::move(who)),
      queue_limit_(who_.role == identity::kind::customer ? state_->options().customer_queue_limit
                                                         : state_->options().agent_queue_limit),
      rate_(state_->options().messages_per_second *
            (who_.role == identity::kind::agent ? state_->options().agent_rate_factor : 1)),
      burst_(state_->options().burst * (who_.role == identity::kind::agent ? state_->options().agent_rate_factor : 1)),
      tokens_(burst_),
      refilled_(std::chrono::steady_clock::now()) {}

websocket_session::~websocket_session() = default;

void websocket_session::run(beast::http::request<beast::http::string_body> request) {
  beast::get_lowest_layer(ws_).expires_never();
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& r) { r.set(beast::http::field::server, "handoff-web"); }));
  ws_.read_message_max(state_->options().max_frame_bytes);
  ws_.text(true);
  ws_.async_accept(request, beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec) return;
  joined_ = true;
  state_->count_connection(who_.role, +1);
  state_->join(shared_from_this());
  read_next();
}

void websocket_session::read_next() {
  ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    // Closed, timed out, or a frame over the hard limit (Beast answers that
    // one with close code 1009 before we get here).
    if (ec == websocket::error::message_too_big) state_->count_refused("frame_too_large");
    return finish();
  }
  const auto data = buffer_.cdata();
  read_event(std::string_view(static_cast<const char*>(data.data()), data.size()));
  buffer_.consume(buffer_.size());
  // One big message does not keep its buffer for the socket's life.
  if (buffer_.capacity() > 64 * 1024) buffer_.shrink_to_fit();
  read_next();
}

void websocket_session::read_event(std::string_view text) {
  if (!ws_.got_text()) return refuse("invalid_json", "events are text frames of JSON");
  if (text.size() > state_->options().max_message_bytes)
    return refuse("message_too_large",
                  fmt::format("a message may have at most {} bytes", state_->options().max_message_bytes));
  if (!within_rate()) return refuse("rate_limited", "too many messages: wait a moment");
  known_sender sender;
  (who_.role == identity::kind::customer ? sender.conversation : sender.agent) = who_.id;
  parsed_input parsed = parse_input(text, sender);
  if (!parsed) {
    state_->count_refused(parsed.error.code);
    send(std::make_shared<const std::string>(to_json(output_event(std::move(parsed.error)))));
    return;
  }
  if (auto why = authorize(*parsed.event); !why.empty()) return refuse("forbidden", why);
  state_->submit(shared_from_this(), std::move(*parsed.event));
}

namespace {

// What a customer's page may say of the customer: a name and a language.
// The tier and the attributes (VIP, order values) come from the shop's own
// systems, never from the page.
void keep_what_the_page_may_say(std::optional<customer_info>& customer, const identity& who) {
  customer_info kept;
  kept.id = who.id;
  if (customer) {
    kept.name = std::move(customer->name);
    kept.language = std::move(customer->language);
  }
  if (kept.language.empty()) kept.language = who.language;
  customer = std::move(kept);
}

template <class Event>
std::string_view speak_as_agent(Event& e, const identity& who) {
  if (!e.agent.empty() && e.agent != who.id) return "this console speaks for its own agent only";
  e.agent = who.id;
  return {};
}

}  // namespace

std::string_view websocket_session::authorize(input_event& event) const {
  return std::visit(
      [&](auto& e) -> std::string_view {
        using T = std::decay_t<decltype(e)>;
        constexpr bool customers_event = std::is_same_v<T, in::customer_message> ||
                                         std::is_same_v<T, in::customer_action> ||
                                         std::is_same_v<T, in::customer_left> || std::is_same_v<T, in::feedback>;
        constexpr bool agents_event = std::is_same_v<T, in::agent_status> || std::is_same_v<T, in::agent_accept> ||
                                      std::is_same_v<T, in::agent_decline> || std::is_same_v<T, in::agent_message> ||
                                      std::is_same_v<T, in::agent_transfer> || std::is_same_v<T, in::agent_release>;
        if (who_.role == identity::kind::customer) {
          if constexpr (customers_event) {
            // The server names the conversation; one the page makes up is ignored.
            e.conversation = who_.id;
            if constexpr (std::is_same_v<T, in::customer_message> || std::is_same_v<T, in::customer_action>)
              keep_what_the_page_may_say(e.customer, who_);
            return {};
          } else {
            return "a customer's page sends customer_message, customer_action, customer_left and feedback only";
          }
        }
        if constexpr (agents_event) {
          auto why = speak_as_agent(e, who_);
          if constexpr (std::is_same_v<T, in::agent_status>) {
            // What the agents file says, unless the console says otherwise.
            if (const auto* account = state_->gate().find(who_.id)) {
              if (!e.skills && !account->skills.empty()) e.skills = account->skills;
              if (!e.capacity && account->capacity) e.capacity = account->capacity;
              if (!e.level && account->level) e.level = account->level;
              if (!e.languages && !account->languages.empty()) e.languages = account->languages;
            }
          }
          return why;
        } else if constexpr (std::is_same_v<T, in::metrics>) {
          return {};
        } else {
          return "an agent's console sends agent events only";
        }
      },
      event);
}

bool websocket_session::within_rate() {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - refilled_).count();
  refilled_ = now;
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void websocket_session::refuse(std::string_view code, std::string_view message) {
  state_->count_refused(code);
  send(std::make_shared<const std::string>(
      to_json(output_event(out::error{std::string(code), std::string(message), std::nullopt, {}}))));
}

void websocket_session::send(std::shared_ptr<const std::string> message) {
  net::post(ws_.get_executor(),
            [self = shared_from_this(), m = std::move(message)]() mutable { self->on_send(std::move(m)); });
}

void websocket_session::on_send(std::shared_ptr<const std::string> message) {
  if (closing_) return;
  if (queue_.size() >= queue_limit_) {
    // A reader this slow would make the server hold ever more for it: it is
    // cut off, and its page reconnects and resumes.
    state_->count_refused("slow_reader");
    closing_ = true;
    // The message being written stays until its write completes.
    queue_.erase(queue_.begin() + 1, queue_.end());
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    return;
  }
  queue_.push_back(std::move(message));
  if (queue_.size() > 1) return;
  ws_.async_write(net::buffer(*queue_.front()),
                  beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec, std::size_t) {
  if (ec) {
    queue_.clear();
    return;  // the read fails too, and finishes
  }
  if (!queue_.empty()) queue_.pop_front();
  if (queue_.empty() || closing_) return;
  ws_.async_write(net::buffer(*queue_.front()),
                  beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::close() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    if (self->closing_) return;
    self->closing_ = true;
    self->ws_.async_close(websocket::close_code::going_away, [self](beast::error_code) {});
  });
}

void websocket_session::finish() {
  if (finished_ || !joined_) return;
  finished_ = true;
  state_->count_connection(who_.role, -1);
  state_->leave(this);
}

}  // namespace handoff::web
