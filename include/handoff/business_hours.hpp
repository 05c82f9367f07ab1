// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

/// When a queue's people are at work, as the bot's configuration says:
/// weekly hours in an IANA time zone, with holidays and days of their own.
namespace handoff {

/// Open from `from` until `to`, in minutes after local midnight
/// (0 <= from < to <= 1440).
struct opening {
  int from = 0;
  int to = 0;
};

struct business_hours {
  std::string id;
  /// An IANA time zone such as `Asia/Shanghai`; local times, weekdays and
  /// dates are read in it, daylight saving included.
  std::string time_zone;
  /// Monday first; a day without openings is closed.
  std::array<std::vector<opening>, 7> weekly;
  /// Local dates whose hours differ from the week's, sorted: a holiday has
  /// none, a working weekend has its own.
  std::vector<std::pair<std::chrono::year_month_day, std::vector<opening>>> dates;
};

}  // namespace handoff
