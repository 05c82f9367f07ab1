// SPDX-License-Identifier: MIT
#include "engine/timers.hpp"

namespace handoff::detail {

bool timer_queue::schedule(std::string_view conversation, pending_timers& pending, timer_kind kind, time_point due,
                           time_point now) {
  time_point& at = pending[kind];
  if (at <= due && at > now) return false;
  at = due;
  heap_.push({due, std::string(conversation), kind});
  return true;
}

std::optional<time_point> timer_queue::earliest() const noexcept {
  if (heap_.empty()) return std::nullopt;
  return heap_.top().due;
}

}  // namespace handoff::detail
