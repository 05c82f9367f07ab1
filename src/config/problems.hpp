// SPDX-License-Identifier: MIT
// Every problem a configuration can have, by its stable id, listed once:
// the readers report them by these names, and the documentation test
// checks that docs/config.md describes each one and no other.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "handoff/config.hpp"

namespace handoff::detail {

enum class problem_id {
  invalid_json,
  unreadable,
  missing,
  wrong_type,
  invalid_value,
  unknown_key,
  duplicate_id,
  unknown_language,
  missing_language,
  unknown_queue,
  unknown_fact,
  bad_comparison,
  bad_pattern,
  unknown_intent,
  unreachable_rule,
  unknown_matcher,
  bad_model,
  model_mismatch,
  unreachable_intent,
  no_effect,
  unknown_time_zone,
  unknown_hours,
  unknown_action,
  bad_action_data,
  never_open,
};

/// The ids as `config_problem::id` writes them, in the order above.
inline constexpr std::array<std::string_view, 25> problem_names = {
    "handoff.config.invalid_json",       "handoff.config.unreadable",       "handoff.config.missing",
    "handoff.config.wrong_type",         "handoff.config.invalid_value",    "handoff.config.unknown_key",
    "handoff.config.duplicate_id",       "handoff.config.unknown_language", "handoff.config.missing_language",
    "handoff.config.unknown_queue",      "handoff.config.unknown_fact",     "handoff.config.bad_comparison",
    "handoff.config.bad_pattern",        "handoff.config.unknown_intent",   "handoff.config.unreachable_rule",
    "handoff.config.unknown_matcher",    "handoff.config.bad_model",        "handoff.config.model_mismatch",
    "handoff.config.unreachable_intent", "handoff.config.no_effect",        "handoff.config.unknown_time_zone",
    "handoff.config.unknown_hours",      "handoff.config.unknown_action",   "handoff.config.bad_action_data",
    "handoff.config.never_open",
};

constexpr std::string_view name_of(problem_id id) noexcept { return problem_names[static_cast<std::size_t>(id)]; }

/// A problem, an error unless said otherwise.
inline config_problem make_problem(problem_id id, std::string pointer, std::string message,
                                   config_problem::level severity = config_problem::level::error) {
  return {severity, std::string(name_of(id)), std::move(pointer), std::move(message)};
}

}  // namespace handoff::detail
