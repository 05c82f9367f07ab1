// SPDX-License-Identifier: MIT
// What falls due when: a silent customer's reminder and close, an agent's
// first-response target, a queue's wait limit.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "handoff/time.hpp"

namespace handoff::detail {

enum class timer_kind : unsigned char { silence, first_response, wait_limit };

/// When each kind of one conversation's timers falls due (`max()`: none).
/// A timer in the queue that no longer says the same is stale.
struct pending_timers {
  std::array<time_point, 3> due{time_point::max(), time_point::max(), time_point::max()};
  time_point& operator[](timer_kind k) noexcept { return due[static_cast<std::size_t>(k)]; }
  time_point operator[](timer_kind k) const noexcept { return due[static_cast<std::size_t>(k)]; }
};

struct timer {
  time_point due;
  std::string conversation;
  timer_kind kind;
  bool operator>(const timer& o) const noexcept { return due > o.due; }
};

/// The timers of every conversation, earliest first.
class timer_queue {
 public:
  /// Sets the conversation's timer of `kind` to `due`. One of each kind per
  /// conversation counts: a later one than a pending one still ahead waits
  /// for that one to fire, which looks at the latest times and sets the
  /// next. True when it was queued.
  bool schedule(std::string_view conversation, pending_timers& pending, timer_kind kind, time_point due,
                time_point now);

  bool empty() const noexcept { return heap_.empty(); }
  const timer& top() const noexcept { return heap_.top(); }
  /// The earliest timer's time, stale or not.
  std::optional<time_point> earliest() const noexcept;

  /// Fires, in order of time, every timer due by `now` that is still its
  /// conversation's: `pending(id)` gives a conversation's pending timers
  /// (null when there is none), `fire(kind, id)` acts. A timer fired may
  /// schedule others.
  template <class Pending, class Fire>
  void fire_due(time_point now, Pending&& pending, Fire&& fire) {
    while (!heap_.empty() && heap_.top().due <= now) {
      timer t = heap_.top();
      heap_.pop();
      pending_timers* p = pending(t.conversation);
      if (!p || (*p)[t.kind] != t.due) continue;  // stale: replaced by an earlier one
      (*p)[t.kind] = time_point::max();
      fire(t.kind, t.conversation);
    }
  }

  /// Moves `now` to `target` through every moment a timer falls due on the
  /// way, so that a reminder comes before the close it warns of even in one
  /// long step: at each, `step(true)` does what fell due. Timers for which
  /// `relevant(timer)` is false (they can no longer do anything) are
  /// dropped, not stepped to. Ends with `now` at `target` (or later) and
  /// `step(false)`.
  template <class Pending, class Relevant, class Step>
  void step_to(time_point& now, time_point target, Pending&& pending, Relevant&& relevant, Step&& step) {
    // Bounded, so that no clock can keep the engine stepping for ever.
    for (int steps = 0; steps < 10000; ++steps) {
      while (!heap_.empty() && !relevant(heap_.top())) {
        if (pending_timers* p = pending(heap_.top().conversation); p && (*p)[heap_.top().kind] == heap_.top().due)
          (*p)[heap_.top().kind] = time_point::max();
        heap_.pop();
      }
      if (heap_.empty() || heap_.top().due > target || heap_.top().due <= now) break;
      now = heap_.top().due;
      step(true);
    }
    now = std::max(now, target);
    step(false);
  }

 private:
  std::priority_queue<timer, std::vector<timer>, std::greater<>> heap_;
};

}  // namespace handoff::detail
