// SPDX-License-Identifier: MIT
// The facts a policy condition may name, shared by the configuration
// checker (which checks types) and the policy evaluator (which reads them).
#pragma once

#include <optional>
#include <string_view>
#include <utility>

namespace handoff::detail {

enum class fact_type { boolean, number, string, any, string_list };

enum class fact_id {
  human_requested,
  intent,
  confidence,
  out_of_scope,
  language,
  channel,
  turns,
  fallbacks_in_row,
  customer_id,
  customer_tier,
  customer_name,
  customer_language,
  margin,
  sentiment,
  sentiment_trend,
  emotion,
  emotion_anger,
  emotion_frustration,
  emotion_anxiety,
  emotion_urgency,
  agents_online,
  within_hours,
  tags,
  queue_fact,          // queue.<id>.<waiting|agents_online|wait_seconds|open>
  customer_attribute,  // customer.attributes.<path>
};

struct fact_info {
  std::string_view name;
  fact_id id;
  fact_type type;
};

inline constexpr fact_info known_facts[] = {
    {"human_requested", fact_id::human_requested, fact_type::boolean},
    {"intent", fact_id::intent, fact_type::string},
    {"confidence", fact_id::confidence, fact_type::number},
    {"out_of_scope", fact_id::out_of_scope, fact_type::boolean},
    {"language", fact_id::language, fact_type::string},
    {"channel", fact_id::channel, fact_type::string},
    {"turns", fact_id::turns, fact_type::number},
    {"fallbacks_in_row", fact_id::fallbacks_in_row, fact_type::number},
    {"margin", fact_id::margin, fact_type::number},
    {"sentiment", fact_id::sentiment, fact_type::number},
    {"sentiment_trend", fact_id::sentiment_trend, fact_type::number},
    {"emotion", fact_id::emotion, fact_type::string},
    {"emotion.anger", fact_id::emotion_anger, fact_type::number},
    {"emotion.frustration", fact_id::emotion_frustration, fact_type::number},
    {"emotion.anxiety", fact_id::emotion_anxiety, fact_type::number},
    {"emotion.urgency", fact_id::emotion_urgency, fact_type::number},
    {"agents_online", fact_id::agents_online, fact_type::number},
    {"within_hours", fact_id::within_hours, fact_type::boolean},
    {"tags", fact_id::tags, fact_type::string_list},
    {"customer.id", fact_id::customer_id, fact_type::string},
    {"customer.tier", fact_id::customer_tier, fact_type::string},
    {"customer.name", fact_id::customer_name, fact_type::string},
    {"customer.language", fact_id::customer_language, fact_type::string},
};

inline constexpr std::string_view attribute_prefix = "customer.attributes.";
inline constexpr std::string_view queue_prefix = "queue.";
inline constexpr std::string_view queue_fields[] = {"waiting", "agents_online", "wait_seconds", "open"};

/// Splits `queue.<id>.<field>` into its queue and field; empty when the
/// name is not of that shape or the field is unknown.
inline std::pair<std::string_view, std::string_view> split_queue_fact(std::string_view name) noexcept {
  if (!name.starts_with(queue_prefix)) return {};
  auto rest = name.substr(queue_prefix.size());
  auto dot = rest.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  auto field = rest.substr(dot + 1);
  for (auto f : queue_fields)
    if (f == field) return {rest.substr(0, dot), field};
  return {};
}

/// The fact a name refers to, or nothing when the name is unknown.
inline std::optional<fact_info> find_fact(std::string_view name) noexcept {
  for (const auto& f : known_facts)
    if (f.name == name) return f;
  if (name.size() > attribute_prefix.size() && name.starts_with(attribute_prefix))
    return fact_info{name, fact_id::customer_attribute, fact_type::any};
  if (auto [queue, field] = split_queue_fact(name); !queue.empty())
    return fact_info{name, fact_id::queue_fact, field == "open" ? fact_type::boolean : fact_type::number};
  return std::nullopt;
}

}  // namespace handoff::detail
