// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

/// How the service is doing, as the engine has seen it since it started:
/// what the bot kept, who went to a person and why, how long they waited,
/// and how satisfied they were.
namespace handoff {

/// Durations in seconds: how many, the median and the 90th percentile
/// (zero when there are none).
struct time_summary {
  std::size_t count = 0;
  double median_seconds = 0;
  double p90_seconds = 0;
};

/// Counts by a name (a reason, a queue), in the order of the names.
using counts_by_name = std::vector<std::pair<std::string, std::size_t>>;

struct engine_metrics {
  /// Conversations the customer has said or chosen something in.
  std::size_t conversations = 0;
  /// Of those, the ones the bot handled alone: never escalated, no ticket.
  std::size_t contained = 0;
  /// `contained / conversations` (0 with no conversations).
  double containment_rate = 0;

  std::size_t escalations = 0;
  counts_by_name escalations_by_reason;
  counts_by_name escalations_by_queue;
  std::size_t tickets = 0;
  counts_by_name tickets_by_reason;

  /// From joining a queue to an agent taking the conversation.
  time_summary wait;
  /// From an agent taking it to the agent's first message.
  time_summary first_response;
  /// From an agent taking it to the agent letting go (resolved or back to the bot).
  time_summary handling;

  /// Conversations that joined a queue, and those whose customer left or
  /// cancelled before an agent came.
  std::size_t waited = 0;
  std::size_t abandoned = 0;
  double abandonment_rate = 0;

  std::size_t resolved = 0;
  /// Feedback scores given (a conversation's latest), 1 to 5.
  std::array<std::size_t, 5> scores{};
  std::size_t feedback = 0;
  double average_score = 0;
  /// The share of scores of 4 or 5.
  double satisfaction = 0;
};

}  // namespace handoff
