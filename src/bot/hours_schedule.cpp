// SPDX-License-Identifier: MIT
#include "bot/hours_schedule.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>

#include "handoff/error.hpp"

namespace handoff::detail {
namespace {

constexpr int days_ahead = 370;  // a year and a few days: every weekday and date is seen

// Local midnight of a day as the standard library's calendar sees it.
std::chrono::sys_days as_calendar_day(date::local_days d) {
  return std::chrono::sys_days{std::chrono::days{d.time_since_epoch().count()}};
}

}  // namespace

const date::time_zone* find_time_zone(std::string_view name) noexcept {
  if (name.empty()) return nullptr;
  try {
    const date::time_zone* zone = date::locate_zone(name);
    // The zone's rules are read from the system's database on first use:
    // use them now, so that the configuration's loading reads them and
    // building an engine reads no file.
    (void)zone->get_info(std::chrono::system_clock::now());
    return zone;
  } catch (...) {  // unknown, or no database on this system
    return nullptr;
  }
}

hours_schedule::hours_schedule(const business_hours& hours) : hours_(&hours), zone_(find_time_zone(hours.time_zone)) {
  if (!zone_) throw error(fmt::format("business hours \"{}\": unknown time zone \"{}\"", hours.id, hours.time_zone));
}

const std::vector<opening>& hours_schedule::day(std::chrono::year_month_day d, int weekday) const {
  const auto& dates = hours_->dates;
  auto it = std::lower_bound(dates.begin(), dates.end(), d, [](const auto& e, const auto& v) { return e.first < v; });
  if (it != dates.end() && it->first == d) return it->second;
  return hours_->weekly[static_cast<std::size_t>(weekday)];
}

std::optional<time_point> hours_schedule::next_opening(time_point t) const {
  using std::chrono::minutes;
  const auto local = zone_->to_local(t);
  const auto today = date::floor<date::days>(local);
  const auto now_minute = static_cast<int>(date::floor<minutes>(local - today).count());
  for (int k = 0; k <= days_ahead; ++k) {
    const auto d = today + date::days{k};
    const auto calendar = as_calendar_day(d);
    const int weekday = static_cast<int>(std::chrono::weekday{calendar}.iso_encoding()) - 1;
    for (const auto& o : day(std::chrono::year_month_day{calendar}, weekday)) {
      if (k == 0 && o.to <= now_minute) continue;
      if (k == 0 && o.from <= now_minute) return t;
      // A local time that daylight saving skips opens at the jump.
      auto at = zone_->to_sys(date::local_time<minutes>{d} + minutes{o.from}, date::choose::earliest);
      return std::chrono::time_point_cast<std::chrono::milliseconds>(at);
    }
  }
  return std::nullopt;
}

bool hours_schedule::open(time_point t) const { return next_opening(t) == t; }

std::string hours_schedule::local(time_point t) const {
  const auto local = zone_->to_local(t);
  const auto d = date::floor<date::days>(local);
  const std::chrono::year_month_day ymd{as_calendar_day(d)};
  const auto m = date::floor<std::chrono::minutes>(local - d).count();
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), m / 60, m % 60);
}

}  // namespace handoff::detail
