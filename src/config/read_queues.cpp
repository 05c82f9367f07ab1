// SPDX-License-Identifier: MIT
// `queues`.
#include <fmt/format.h>

#include <set>

#include "config/reader.hpp"
#include "protocol/json_value.hpp"

namespace handoff::detail {

void config_reader::read_queues(const json& j, bot_config& cfg) {
  if (!expect_array(j, "/queues")) return;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto p = at("/queues", i);
    const auto& o = j[i];
    if (!expect_object(o, p)) continue;
    allow_keys(o, p,
               {"id", "skill", "mode", "strategy", "offer_seconds", "prefer_level", "average_handle_seconds", "hours",
                "first_response_seconds", "max_wait_seconds"});
    queue_definition q;
    q.id = required_id(o, p);
    if (!q.id.empty() && !seen.insert(q.id).second)
      problem(problem_id::duplicate_id, at(p, "id"), fmt::format("queue \"{}\" is defined twice", q.id));
    q.skill = optional_string(o, p, "skill");
    if (q.skill.empty()) q.skill = q.id;
    auto mode = optional_string(o, p, "mode");
    if (mode == "offer")
      q.mode = queue_mode::offer;
    else if (!mode.empty() && mode != "assign")
      problem(problem_id::invalid_value, at(p, "mode"),
              fmt::format("expected \"assign\" or \"offer\", found \"{}\"", mode));
    auto strategy = optional_string(o, p, "strategy");
    if (strategy == "round_robin")
      q.strategy = queue_strategy::round_robin;
    else if (strategy == "longest_idle")
      q.strategy = queue_strategy::longest_idle;
    else if (!strategy.empty() && strategy != "least_busy")
      problem(problem_id::invalid_value, at(p, "strategy"),
              fmt::format("expected \"least_busy\", \"round_robin\" or \"longest_idle\", found \"{}\"", strategy));
    if (auto l = member(o, p, "prefer_level"))
      q.prefer_level = static_cast<int>(integer(*l, at(p, "prefer_level"), 0, 100));
    if (auto s = member(o, p, "offer_seconds"))
      q.offer_seconds = static_cast<int>(integer(*s, at(p, "offer_seconds"), 1, 86400));
    if (auto f = member(o, p, "first_response_seconds"))
      q.first_response_seconds = static_cast<int>(integer(*f, at(p, "first_response_seconds"), 0, 86400));
    if (auto w = member(o, p, "max_wait_seconds"))
      q.max_wait_seconds = static_cast<int>(integer(*w, at(p, "max_wait_seconds"), 0, 7 * 86400));
    if (auto a = member(o, p, "average_handle_seconds"))
      q.average_handle_seconds = static_cast<int>(integer(*a, at(p, "average_handle_seconds"), 1, 86400));
    q.hours = optional_string(o, p, "hours");
    if (!q.hours.empty() && !cfg.find_hours(q.hours)) {
      std::string names;
      for (const auto& h : cfg.hours) names += fmt::format("{}{}", names.empty() ? "" : ", ", h.id);
      problem(problem_id::unknown_hours, at(p, "hours"),
              fmt::format("no business hours \"{}\"; `business_hours` defines: {}", q.hours,
                          names.empty() ? "none" : names));
    }
    cfg.queues.push_back(std::move(q));
  }
  if (cfg.queues.empty()) problem(problem_id::invalid_value, "/queues", "at least one queue is needed");
}

}  // namespace handoff::detail
