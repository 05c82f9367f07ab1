// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/system_timer.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gatekeeper.hpp"
#include "handoff/asio_clock.hpp"
#include "handoff/engine.hpp"
#include "handoff/store.hpp"
#include "server_options.hpp"

namespace handoff::web {

class websocket_session;

/// Who is on the other end of a socket, as the server decided it.
struct identity {
  enum class kind { customer, agent } role = kind::customer;
  /// The conversation (a customer's) or the agent's id.
  std::string id;
  /// A customer's page: the language it asked for. An agent: unused.
  std::string language;
  /// A customer whose page came back with a valid resume token.
  bool resumed = false;
};

/// Owns the engine and knows every socket: the room where events meet.
///
/// Sockets hand their events to `submit` from any thread; one strand
/// handles them in batches (one store commit for all the events that came
/// together, their output sent only after it), and sends each output event
/// to the sockets it concerns. The maps of who is connected belong to that
/// strand, so they need no lock.
class shared_state : public std::enable_shared_from_this<shared_state> {
 public:
  shared_state(boost::asio::io_context& io, server_options options, bot_config config, std::unique_ptr<store> kept,
               web::gatekeeper access);
  ~shared_state();

  const web::gatekeeper& gate() const noexcept { return access_; }
  const server_options& options() const noexcept { return options_; }
  const bot_config& config() const noexcept { return engine_.config(); }

  /// Starts the clock: call once, after construction.
  void start();
  void join(const std::shared_ptr<websocket_session>& session);
  void leave(websocket_session* session);
  /// An event from a socket, already checked and filled in.
  void submit(const std::shared_ptr<websocket_session>& from, input_event event);

  /// `GET /metrics`, in Prometheus's text format.
  std::string metrics_text() const;
  /// `GET /healthz`.
  std::string health_text() const;

  /// Counters the sockets keep.
  void count_refused(std::string_view code);
  void count_connection(identity::kind role, int delta);

  /// Handles what is waiting, closes every socket and calls `done` (on the
  /// state's strand) when nothing more will be handled.
  void stop(std::function<void()> done);

 private:
  struct pending {
    std::weak_ptr<websocket_session> from;
    input_event event;
  };
  struct waiting_entry {
    std::string queue;
    std::string priority = "normal";
    std::string reason;
    int position = 0;
    long long estimated_wait_seconds = 0;
    time_point since{};
    std::string offered_to;
  };
  using sessions = std::vector<std::pair<websocket_session*, std::weak_ptr<websocket_session>>>;

  void drain();
  void handle_batch(std::vector<pending>& batch);
  void deliver(const output_event& e, websocket_session* origin);
  /// Keeps who waits and who holds what up to date; false for an event
  /// that tells the consoles nothing new (a place in line that moved).
  bool note(const output_event& e);
  void welcome(websocket_session& s, const identity& who);
  void greet_agent(websocket_session& s, const identity& who);
  void recover();
  std::string queues_json() const;
  std::string waiting_json(const std::string& conversation, const waiting_entry& w) const;
  void send_to(const sessions* to, const std::shared_ptr<const std::string>& message,
               websocket_session* except = nullptr);
  void send_to_consoles(const std::shared_ptr<const std::string>& message);
  static const sessions* find(const std::unordered_map<std::string, sessions>& in, const std::string& key);
  void publish_queue_lengths();

  server_options options_;
  web::gatekeeper access_;
  std::unique_ptr<store> store_;
  handoff::engine engine_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  std::optional<asio_clock<boost::asio::system_timer>> clock_;

  std::mutex inbox_lock_;
  std::vector<pending> inbox_;
  bool drain_posted_ = false;
  bool stopping_ = false;

  // The strand's own.
  std::unordered_map<std::string, sessions> customers_;
  std::unordered_map<std::string, sessions> agents_;
  std::unordered_map<std::string, waiting_entry> waiting_;
  std::unordered_map<std::string, std::string> holders_;
  std::vector<pending> batch_;
  bool queues_changed_ = true;
  std::vector<std::vector<output_event>> outputs_;

  // Read by `/metrics` from any thread.
  mutable std::mutex figures_lock_;
  std::map<std::string, std::size_t> queue_lengths_;
  std::map<std::string, std::size_t> refused_;
  std::atomic<std::size_t> customer_messages_{0}, agent_messages_{0}, events_{0}, commits_{0};
  std::atomic<long long> customer_sockets_{0}, agent_sockets_{0};
  std::atomic<bool> store_failing_{false};
};

}  // namespace handoff::web
