// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "handoff/engine.hpp"
#include "handoff/events.hpp"
#include "handoff/time.hpp"

namespace handoff {

/// Keeps an engine's timers on time from an Asio event loop: offers that
/// lapse, a silent customer's reminder and close, an agent's missed first
/// response, a call-back offer after a long wait. The engine reads no clock
/// (`engine::next_due`, `engine::tick`); this holds one Asio timer set to the
/// next moment something falls due, ticks the engine then, and hands what
/// came of it to `deliver`.
///
/// `Timer` is `boost::asio::system_timer`, or a timer with its interface on
/// the system clock (the engine's time is UTC). This header does not
/// include Asio: the host does, and names the type.
///
///     boost::asio::io_context io;
///     handoff::engine bot(config, {.start = handoff::system_now()});
///     handoff::asio_clock<boost::asio::system_timer> clock(
///         bot, boost::asio::system_timer(io),
///         [&](std::vector<handoff::output_event>& out) { send(out); });
///     // for each event that comes, on the loop's thread:
///     bot.handle(event, handoff::system_now(), out);
///     clock.reschedule();
///
/// `deliver` runs on the thread running the timer's executor, outside the
/// engine's lock, so it may call the engine. `reschedule` belongs on that
/// thread too (Asio timers are not thread-safe: post it there from
/// others): call it after handling events, which can bring the next moment
/// closer. The engine must outlive the clock; destroying the clock cancels
/// its wait, and a wait already in flight then does nothing.
template <class Timer>
class asio_clock {
  static_assert(std::is_same_v<typename Timer::clock_type, std::chrono::system_clock>,
                "asio_clock needs a timer on the system clock, such as boost::asio::system_timer");

 public:
  using deliver_function = std::function<void(std::vector<output_event>&)>;

  /// Starts waiting for the engine's next due moment.
  asio_clock(engine& e, Timer timer, deliver_function deliver)
      : state_(std::make_shared<state>(e, std::move(timer), std::move(deliver))) {
    arm(state_);
  }
  ~asio_clock() {
    if (state_) state_->timer.cancel();
  }
  asio_clock(asio_clock&&) noexcept = default;
  asio_clock& operator=(asio_clock&& other) noexcept {
    if (state_) state_->timer.cancel();
    state_ = std::move(other.state_);
    return *this;
  }

  /// Sets the timer to the engine's next due moment, or lets it rest when
  /// nothing is pending.
  void reschedule() { arm(state_); }

  /// Ticks the engine at the system clock's time and delivers what came of
  /// it, as the timer does when it expires.
  void tick_now() { fire(state_); }

  /// When the timer is set to go off; nothing when it rests.
  std::optional<time_point> armed_for() const { return state_->armed; }

 private:
  struct state {
    state(engine& e, Timer t, deliver_function d) : bot(e), timer(std::move(t)), deliver(std::move(d)) {}
    engine& bot;
    Timer timer;
    deliver_function deliver;
    std::optional<time_point> armed;
    time_point last_tick{};
    std::vector<output_event> out;
  };

  static void arm(const std::shared_ptr<state>& s) {
    std::optional<time_point> due = s->bot.next_due();
    // A moment the last tick should have dealt with (the engine's clock
    // ahead of the system's, say) is tried again a little later, not in a
    // tight loop.
    if (due && *due <= s->last_tick) due = s->last_tick + std::chrono::milliseconds(50);
    if (due == s->armed) return;
    s->armed = due;
    if (!due) {
      s->timer.cancel();
      return;
    }
    // Setting the expiry cancels the wait for the old one (its handler sees
    // an error and does nothing).
    s->timer.expires_at(typename Timer::time_point(*due));
    s->timer.async_wait([weak = std::weak_ptr<state>(s)](const auto& ec) {
      if (ec) return;
      if (auto live = weak.lock()) {
        live->armed.reset();
        fire(live);
      }
    });
  }

  static void fire(const std::shared_ptr<state>& s) {
    s->out.clear();
    s->last_tick = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    s->bot.tick(s->last_tick, s->out);
    arm(s);
    // Delivered last: the callback may handle events and reschedule.
    if (!s->out.empty()) {
      std::vector<output_event> batch;
      batch.swap(s->out);
      s->deliver(batch);
    }
  }

  std::shared_ptr<state> state_;
};

}  // namespace handoff
