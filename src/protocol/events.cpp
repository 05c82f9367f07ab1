// SPDX-License-Identifier: MIT
#include "handoff/events.hpp"

#include "handoff/engine.hpp"
#include "handoff/transcript.hpp"

namespace handoff {

std::string_view to_string(role r) noexcept {
  switch (r) {
    case role::customer: return "customer";
    case role::bot: return "bot";
    case role::agent: return "agent";
    case role::system: return "system";
  }
  return "system";
}

std::string_view to_string(priority p) noexcept {
  switch (p) {
    case priority::low: return "low";
    case priority::normal: return "normal";
    case priority::high: return "high";
    case priority::urgent: return "urgent";
  }
  return "normal";
}

std::optional<priority> parse_priority(std::string_view name) noexcept {
  if (name == "low") return priority::low;
  if (name == "normal") return priority::normal;
  if (name == "high") return priority::high;
  if (name == "urgent") return priority::urgent;
  return std::nullopt;
}

std::string_view to_string(agent_status_kind s) noexcept {
  switch (s) {
    case agent_status_kind::online: return "online";
    case agent_status_kind::away: return "away";
    case agent_status_kind::offline: return "offline";
  }
  return "offline";
}

std::string_view to_string(release_outcome o) noexcept {
  return o == release_outcome::resolved ? "resolved" : "to_bot";
}

std::string_view to_string(conversation_state s) noexcept {
  switch (s) {
    case conversation_state::bot: return "bot";
    case conversation_state::queued: return "queued";
    case conversation_state::offered: return "offered";
    case conversation_state::assigned: return "assigned";
    case conversation_state::resolved: return "resolved";
    case conversation_state::closed: return "closed";
  }
  return "bot";
}

std::string_view type_name(const input_event& e) noexcept {
  static constexpr std::string_view names[] = {"customer_message", "customer_action", "customer_left", "agent_status",
                                               "agent_accept",     "agent_decline",   "agent_message", "agent_transfer",
                                               "agent_release",    "feedback",        "advance",       "metrics"};
  static_assert(std::size(names) == std::variant_size_v<input_event>);
  return names[e.index()];
}

std::string_view type_name(const output_event& e) noexcept {
  static constexpr std::string_view names[] = {
      "bot_message", "escalated",   "queued",   "offered", "assigned", "agent_message", "customer_message",
      "transferred", "handed_back", "resolved", "closed",  "ticket",   "error",         "metrics"};
  static_assert(std::size(names) == std::variant_size_v<output_event>);
  return names[e.index()];
}

}  // namespace handoff
