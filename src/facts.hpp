// SPDX-License-Identifier: MIT
// The facts a policy condition may name, shared by the configuration
// checker (which checks types) and the policy evaluator (which reads them).
#pragma once

#include <optional>
#include <string_view>

namespace handoff::detail {

enum class fact_type { boolean, number, string, any };

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
    {"customer.id", fact_id::customer_id, fact_type::string},
    {"customer.tier", fact_id::customer_tier, fact_type::string},
    {"customer.name", fact_id::customer_name, fact_type::string},
    {"customer.language", fact_id::customer_language, fact_type::string},
};

inline constexpr std::string_view attribute_prefix = "customer.attributes.";

/// The fact a name refers to, or nothing when the name is unknown.
inline std::optional<fact_info> find_fact(std::string_view name) noexcept {
  for (const auto& f : known_facts)
    if (f.name == name) return f;
  if (name.size() > attribute_prefix.size() && name.starts_with(attribute_prefix))
    return fact_info{name, fact_id::customer_attribute, fact_type::any};
  return std::nullopt;
}

}  // namespace handoff::detail
