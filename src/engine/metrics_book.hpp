// SPDX-License-Identifier: MIT
// What the engine's figures (`engine_metrics`) are made of, noted as events
// happen.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/conversation_index.hpp"
#include "handoff/metrics.hpp"

namespace handoff::detail {

class metrics_book {
 public:
  void escalated(const std::string& reason, const std::string& queue) {
    ++escalations_by_reason_[reason];
    ++escalations_by_queue_[queue];
  }
  void ticketed(const std::string& reason) { ++tickets_by_reason_[reason]; }
  /// A conversation joined a queue, and one left it before an agent came.
  void joined_line() { ++waited_; }
  void abandoned() { ++abandoned_; }
  /// Seconds from joining a queue to an agent taking it, from an agent
  /// taking it to their first message, and to their letting go.
  void waited(double seconds) { waits_.push_back(seconds); }
  void first_response(double seconds) { first_responses_.push_back(seconds); }
  void handled(double seconds) { handlings_.push_back(seconds); }
  void resolved() { ++resolved_; }

  /// The figures so far; containment and satisfaction come from the
  /// conversations themselves.
  engine_metrics figures(const conversation_index& conversations) const;

 private:
  std::map<std::string, std::size_t, std::less<>> escalations_by_reason_, escalations_by_queue_, tickets_by_reason_;
  std::vector<double> waits_, first_responses_, handlings_;
  std::size_t waited_ = 0, abandoned_ = 0, resolved_ = 0;
};

}  // namespace handoff::detail
