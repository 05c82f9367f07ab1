// SPDX-License-Identifier: MIT
// Reads the configuration's JSON into typed structures, noting every
// problem rather than stopping at the first, so that `handoff check` can
// list them all. One reader per section of the document, each in its own
// file (config/read_*.cpp); the helpers they share carry the JSON pointer
// of what they read into every problem.
#pragma once

#include <chrono>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/problems.hpp"
#include "handoff/config.hpp"
#include "policy/facts.hpp"

namespace handoff::detail {

using json = nlohmann::json;

/// `ptr` followed by a key (escaped as JSON pointers escape it) or an index.
std::string at(const std::string& ptr, std::string_view key);
std::string at(const std::string& ptr, std::size_t index);

class config_reader {
 public:
  explicit config_reader(std::vector<config_problem>& problems) : problems_(problems) {}

  void problem(problem_id id, std::string pointer, std::string message,
               config_problem::level level = config_problem::level::error);
  void warning(problem_id id, std::string pointer, std::string message);

  // the helpers every section reader uses (config/reader.cpp)
  bool expect_object(const json& j, const std::string& ptr);
  bool expect_array(const json& j, const std::string& ptr);
  void allow_keys(const json& obj, const std::string& ptr, std::initializer_list<std::string_view> keys);
  const json* member(const json& obj, const std::string&, const char* key);
  /// Calls `visit(key, value, pointer)` for each member of `obj` but the
  /// notes a configuration may carry (`$comment`, `$schema`).
  template <class Visit>
  static void for_each_entry(const json& obj, const std::string& ptr, Visit&& visit) {
    for (auto it = obj.begin(); it != obj.end(); ++it)
      if (!it.key().starts_with("$")) visit(it.key(), it.value(), at(ptr, it.key()));
  }
  const json* required(const json& obj, const std::string& ptr, const char* key, std::string_view expected);
  std::string string_value(const json& j, const std::string& ptr);
  std::string optional_string(const json& obj, const std::string& ptr, const char* key);
  std::string required_id(const json& obj, const std::string& ptr);
  long long integer(const json& j, const std::string& ptr, long long lo, long long hi);
  bool boolean(const json& obj, const std::string& ptr, const char* key);
  double number(const json& j, const std::string& ptr, double lo, double hi);
  bool known_language(std::string_view lang) const;
  localized_text localized(const json& j, const std::string& ptr, bool require_all);
  std::vector<localized_reply> quick_replies(const json& j, const std::string& ptr);
  void read_message(const json& j, const std::string& ptr, localized_text& text, std::vector<localized_reply>& replies,
                    bool text_required);
  strings_by_language by_language(const json& j, const std::string& ptr, bool patterns);
  void check_pattern(const std::string& pattern, const std::string& ptr);
  void check_queue(const bot_config& cfg, const std::string& queue, const std::string& ptr);
  priority read_priority(const json& j, const std::string& ptr);

  // the document (config/config.cpp)
  bot_config read(const json& root);
  void read_languages(const json& root, bot_config& cfg);
  void check_reply_values(const bot_config& cfg);

  // welcome, fallback, notices, recommendation, timers (config/read_texts.cpp)
  void read_notices(const json& j, notice_texts& n);
  void read_recommendation(const json& j, bot_config& cfg);
  void read_timers(const json& j, bot_config& cfg);

  // business_hours (config/read_hours.cpp)
  static int day_index(std::string_view name);
  std::vector<int> weekdays(std::string_view key, const std::string& ptr);
  static int clock_minutes(std::string_view s, bool end);
  std::vector<opening> openings(const json& j, const std::string& ptr);
  std::optional<std::chrono::year_month_day> calendar_date(std::string_view s, const std::string& ptr);
  void read_business_hours(const json& j, bot_config& cfg);

  // intents, their slots, and actions (config/read_intents.cpp)
  void read_intents(const json& j, bot_config& cfg);
  std::vector<slot_definition> read_slots(const json& j, const std::string& ptr);
  void read_actions(const json& j, bot_config& cfg);

  // queues (config/read_queues.cpp)
  void read_queues(const json& j, bot_config& cfg);

  // policy: rules, routing, conditions (config/read_policy.cpp)
  void read_policy(const json& j, bot_config& cfg);
  condition read_condition(const json& j, const std::string& ptr);
  void check_operand(const detail::fact_info& fact, comparison op, const json& operand, const std::string& ptr);
  static std::string canonical(const condition& c);
  static std::set<std::string> conjuncts(const condition& c);
  void check_reachable(const policy_definition& policy);

  // understanding (config/read_understanding.cpp)
  void read_understanding(const json& j, bot_config& cfg);

  // privacy (config/read_privacy.cpp)
  void read_privacy(const json& j, bot_config& cfg);

  static constexpr std::string_view day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

 private:
  std::vector<config_problem>& problems_;
  const bot_config* cfg_ = nullptr;  // the one being read, for cross-references
  std::vector<std::string> languages_;
  std::vector<std::pair<std::string, std::string>> reply_values_;
};

}  // namespace handoff::detail
