// SPDX-License-Identifier: MIT
// What the engine keeps of one conversation.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "engine/timers.hpp"
#include "engine/transcript_store.hpp"
#include "handoff/actions.hpp"
#include "handoff/engine.hpp"
#include "handoff/events.hpp"

namespace handoff::detail {

inline constexpr std::uint32_t no_intent = ~0u;

struct conversation {
  std::string id;
  conversation_state state = conversation_state::bot;
  customer_info customer;
  std::string channel;
  std::string language;
  bool language_confident = false;
  transcript_lines transcript;
  std::uint32_t lines_kept = 0;  // the transcript's first lines, handed to the store since the engine began
  std::unordered_set<std::string> message_ids;
  std::vector<std::string> tags;
  std::vector<intent_confidence> last_intents;
  int turns = 0;
  int fallbacks_in_row = 0;
  std::optional<sentiment> last_sentiment;  // of the latest customer message
  std::vector<rule_trace> last_trace;
  double mood = 0;

  // What the customer has told the bot (order number, address), kept for the
  // whole conversation so they never say it twice.
  named_values slots;
  std::uint32_t collecting = no_intent;   // the intent whose slots the bot is asking for
  std::uint32_t last_served = no_intent;  // the last intent served with slots, for corrections
  std::string asked;                      // the slot asked for
  int asks = 0;                           // times asked for it
  // The two intents of the bot's last question "which do you mean?", until
  // the customer's next message or choice.
  std::array<std::uint32_t, 2> choices{no_intent, no_intent};

  // The current or last handoff; where it stands in line is the router's.
  std::string queue;
  priority prio = priority::normal;
  std::string reason;
  std::string rule;
  std::vector<std::string> skills;  // needed besides the queue's
  std::string agent;                // offered to, or holding

  // For the metrics.
  bool handed = false;                      // escalated or ticketed, ever
  std::optional<time_point> waiting_since;  // in line for an agent
  std::optional<time_point> assigned_at;    // held by an agent
  bool first_response_due = false;

  // How the last agent let go, so a repeated release is recognised.
  std::string released_by;
  release_outcome released_outcome = release_outcome::resolved;
  bool awaiting_feedback = false;
  std::optional<int> feedback_score;

  // Since when the bot has waited for the customer, whether they were
  // reminded, whether a call-back was offered, and the timers pending.
  std::optional<time_point> quiet_since;
  bool reminded = false;
  bool callback_offered = false;
  pending_timers timers;

  /// Waiting for an agent, offered to one, or held by one.
  bool with_router() const noexcept {
    return state == conversation_state::queued || state == conversation_state::offered ||
           state == conversation_state::assigned;
  }
};

}  // namespace handoff::detail
