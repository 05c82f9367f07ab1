// SPDX-License-Identifier: MIT
// Business hours as the engine asks about them: open now, and when next.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "handoff/business_hours.hpp"
#include "handoff/time.hpp"

namespace date {
class time_zone;
}

namespace handoff::detail {

/// Finds an IANA zone, with its rules read from the system's time zone
/// database (the configuration's loading calls it, so that nothing is read
/// later); nullptr when the database does not know it (or there is none).
const date::time_zone* find_time_zone(std::string_view name) noexcept;

class hours_schedule {
 public:
  /// `hours` must outlive the schedule; its zone must be known.
  explicit hours_schedule(const business_hours& hours);

  bool open(time_point t) const;
  /// The first moment at or after `t` when it is open; nothing when it does
  /// not open within a year.
  std::optional<time_point> next_opening(time_point t) const;
  /// `t` as local time in the schedule's zone: `2026-02-18 08:00`.
  std::string local(time_point t) const;

 private:
  const std::vector<opening>& day(std::chrono::year_month_day d, int weekday) const;

  const business_hours* hours_;
  const date::time_zone* zone_;
};

}  // namespace handoff::detail
