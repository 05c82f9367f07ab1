// SPDX-License-Identifier: MIT
#include "protocol/records.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "handoff/protocol.hpp"
#include "protocol/event_json.hpp"
#include "protocol/json_value.hpp"
#include "text/utf8.hpp"

namespace handoff::detail {
namespace {

using json = nlohmann::json;

// Keys are kept in nlohmann's sorted order, as stores written before the
// journal was typed have them.
json to_json_effect(const effect& e) {
  return std::visit(
      [](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, slot_values>) {
          json values = json::array();
          for (const auto& [name, value] : x.values) values.push_back({name, value});
          return {{"kind", "slots"}, {"values", std::move(values)}};
        } else if constexpr (std::is_same_v<T, action_outcome>) {
          json values = json::object();
          for (const auto& [k, v] : x.values) values[k] = sanitize_utf8(v);
          return {{"kind", "action"}, {"outcome", x.outcome}, {"values", std::move(values)}, {"failure", x.failure}};
        } else if constexpr (std::is_same_v<T, recommendation_outcome>) {
          json j{{"kind", "recommendation"}};
          if (x.failure) j["failure"] = *x.failure;
          if (x.suggestion) {
            j["text"] = sanitize_utf8(x.suggestion->text);
            auto replies = json::array();
            for (const auto& q : x.suggestion->quick_replies)
              replies.push_back({{"label", sanitize_utf8(q.label)}, {"value", sanitize_utf8(q.value)}});
            j["quick_replies"] = std::move(replies);
          }
          return j;
        } else {
          return nullptr;
        }
      },
      e);
}

std::string string_or(const json& j, const char* key, std::string fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

effect from_json_effect(const json& j) {
  if (!j.is_object()) return unreadable_effect{};
  const std::string kind = string_or(j, "kind", "");
  if (kind == "slots") {
    slot_values s;
    if (auto values = j.find("values"); values != j.end() && values->is_array())
      for (const auto& pair : *values)
        if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string())
          s.values.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    return s;
  }
  if (kind == "action") {
    action_outcome a;
    a.outcome = string_or(j, "outcome", "failed");
    if (auto values = j.find("values"); values != j.end() && values->is_object())
      for (const auto& [k, v] : values->items())
        if (v.is_string()) a.values.emplace_back(k, v.get<std::string>());
    a.failure = string_or(j, "failure", "");
    return a;
  }
  if (kind == "recommendation") {
    recommendation_outcome r;
    if (j.contains("failure")) r.failure = string_or(j, "failure", "");
    if (j.contains("text")) {
      r.suggestion.emplace();
      r.suggestion->text = string_or(j, "text", "");
      if (auto replies = j.find("quick_replies"); replies != j.end() && replies->is_array())
        for (const auto& q : *replies)
          if (q.is_object())
            r.suggestion->quick_replies.push_back({string_or(q, "label", ""), string_or(q, "value", "")});
    }
    return r;
  }
  return unreadable_effect{};
}

}  // namespace

stored_event encode_event(const input_event& event, time_point at, std::string_view conversation,
                          const std::vector<effect>& effects) {
  stored_event kept;
  kept.at = at;
  kept.conversation = std::string(conversation);
  kept.event = handoff::to_json(event);
  if (!kept.event.empty() && kept.event.back() == '\n') kept.event.pop_back();
  json tape = json::array();
  for (const auto& e : effects) tape.push_back(to_json_effect(e));
  kept.effects = tape.dump();
  return kept;
}

conversation_snapshot encode_snapshot(const conversation_info& c, time_point at) {
  return {c.id, std::string(to_string(c.state)), at, dump_line(write_conversation(c, false))};
}

std::string encode_line(const transcript_entry& line) { return dump_line(write_line(line)); }

replayed_event decode_event(const stored_event& kept) {
  auto parsed = parse_input(kept.event);
  if (!parsed)
    throw store_error(fmt::format("store: event {} cannot be read ({}); it was written by something else",
                                  kept.sequence, parsed.error.message));
  replayed_event r{std::move(*parsed.event), {}};
  auto effects = json::parse(kept.effects, nullptr, false);
  if (effects.is_array())
    for (const auto& e : effects) r.effects.push_back(from_json_effect(e));
  return r;
}

}  // namespace handoff::detail
