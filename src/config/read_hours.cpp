// SPDX-License-Identifier: MIT
// `business_hours`: weekly hours in a time zone, holidays, dates of their own.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "bot/hours_schedule.hpp"
#include "config/reader.hpp"
#include "handoff/time.hpp"
#include "protocol/json_value.hpp"

namespace handoff::detail {

int config_reader::day_index(std::string_view name) {
  for (int i = 0; i < 7; ++i)
    if (name == day_names[i]) return i;
  return -1;
}

// "mon-fri", "sat,sun", "fri-mon" (round the weekend) or "daily".
std::vector<int> config_reader::weekdays(std::string_view key, const std::string& ptr) {
  std::vector<int> days;
  if (key == "daily") return {0, 1, 2, 3, 4, 5, 6};
  for (std::size_t start = 0; start <= key.size();) {
    auto comma = std::min(key.find(',', start), key.size());
    auto part = key.substr(start, comma - start);
    start = comma + 1;
    auto dash = part.find('-');
    int from = day_index(part.substr(0, dash));
    int to = dash == std::string_view::npos ? from : day_index(part.substr(dash + 1));
    if (from < 0 || to < 0) {
      problem(problem_id::invalid_value, ptr,
              fmt::format("\"{}\" is not a day or range of days such as \"mon-fri\", \"sat,sun\" or \"daily\"", key));
      return {};
    }
    for (int d = from;; d = (d + 1) % 7) {
      days.push_back(d);
      if (d == to) break;
    }
  }
  return days;
}

// "09:00"; "24:00" only as an end.
int config_reader::clock_minutes(std::string_view s, bool end) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() != colon + 3) return -1;
  int h = 0, m = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == colon) continue;
    if (s[i] < '0' || s[i] > '9') return -1;
    (i < colon ? h : m) = (i < colon ? h : m) * 10 + (s[i] - '0');
  }
  if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end))) return -1;
  return h * 60 + m;
}

// "09:00-18:00", or a list of them; an empty list is a closed day.
std::vector<opening> config_reader::openings(const json& j, const std::string& ptr) {
  std::vector<opening> out;
  auto one = [&](const json& v, const std::string& p) {
    auto s = string_value(v, p);
    if (!v.is_string()) return;
    auto dash = s.find('-');
    int from = dash == std::string::npos ? -1 : clock_minutes(std::string_view(s).substr(0, dash), false);
    int to = dash == std::string::npos ? -1 : clock_minutes(std::string_view(s).substr(dash + 1), true);
    if (from < 0 || to < 0 || from >= to) {
      problem(
          problem_id::invalid_value, p,
          fmt::format("\"{}\" is not opening hours such as \"09:00-18:00\" (the same day; \"24:00\" for midnight)", s));
      return;
    }
    out.push_back({from, to});
  };
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) one(j[i], at(ptr, i));
  } else {
    one(j, ptr);
  }
  // Overlapping spans are one span.
  std::sort(out.begin(), out.end(), [](const opening& a, const opening& b) { return a.from < b.from; });
  std::vector<opening> merged;
  for (const auto& o : out)
    if (!merged.empty() && o.from <= merged.back().to)
      merged.back().to = std::max(merged.back().to, o.to);
    else
      merged.push_back(o);
  return merged;
}

std::optional<std::chrono::year_month_day> config_reader::calendar_date(std::string_view s, const std::string& ptr) {
  auto t = parse_rfc3339(fmt::format("{}T00:00:00Z", s));
  if (s.size() != 10 || !t) {
    problem(problem_id::invalid_value, ptr, fmt::format("\"{}\" is not a date such as \"2026-10-01\"", s));
    return std::nullopt;
  }
  return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(*t)};
}

void config_reader::read_business_hours(const json& j, bot_config& cfg) {
  const std::string ptr = "/business_hours";
  if (!expect_object(j, ptr)) return;
  for_each_entry(j, ptr, [&](const std::string& id, const json& o, const std::string& p) {
    if (!expect_object(o, p)) return;
    allow_keys(o, p, {"time_zone", "weekly", "holidays", "dates"});
    business_hours h;
    h.id = id;
    if (auto z = required(o, p, "time_zone", "an IANA time zone such as \"Asia/Shanghai\"")) {
      h.time_zone = string_value(*z, at(p, "time_zone"));
      if (z->is_string() && !detail::find_time_zone(h.time_zone))
        problem(problem_id::unknown_time_zone, at(p, "time_zone"),
                fmt::format("\"{}\" is not a time zone this system knows; IANA names such as \"Asia/Shanghai\" "
                            "or \"Europe/Berlin\" (Debian's tzdata)",
                            h.time_zone));
    }
    if (auto w = required(o, p, "weekly", "hours by day, such as {\"mon-fri\": \"09:00-18:00\"}");
        w && expect_object(*w, at(p, "weekly"))) {
      std::array<bool, 7> given{};
      for_each_entry(*w, at(p, "weekly"), [&](const std::string& days, const json& value, const std::string& dp) {
        auto spans = openings(value, dp);
        for (int k : weekdays(days, dp)) {
          if (given[static_cast<std::size_t>(k)])
            problem(problem_id::duplicate_id, dp, fmt::format("{} is given more than once", day_names[k]));
          given[static_cast<std::size_t>(k)] = true;
          h.weekly[static_cast<std::size_t>(k)] = spans;
        }
      });
    }
    std::set<std::string> seen;
    auto add_date = [&](std::string_view text, const std::string& dp, std::vector<opening> spans) {
      if (!seen.insert(std::string(text)).second)
        problem(problem_id::duplicate_id, dp, fmt::format("{} is given more than once", text));
      else if (auto d = calendar_date(text, dp))
        h.dates.emplace_back(*d, std::move(spans));
    };
    if (auto hol = member(o, p, "holidays"); hol && expect_array(*hol, at(p, "holidays")))
      for (std::size_t i = 0; i < hol->size(); ++i) {
        const auto dp = at(at(p, "holidays"), i);
        auto text = string_value((*hol)[i], dp);
        if ((*hol)[i].is_string()) add_date(text, dp, {});
      }
    if (auto ds = member(o, p, "dates"); ds && expect_object(*ds, at(p, "dates")))
      for_each_entry(*ds, at(p, "dates"), [&](const std::string& date, const json& value, const std::string& dp) {
        add_date(date, dp, openings(value, dp));
      });
    std::sort(h.dates.begin(), h.dates.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    bool ever = false;
    for (const auto& day : h.weekly) ever = ever || !day.empty();
    if (!ever)
      warning(problem_id::never_open, at(p, "weekly"), "open on no day of the week: every handoff becomes a ticket");
    cfg.hours.push_back(std::move(h));
  });
}

}  // namespace handoff::detail
