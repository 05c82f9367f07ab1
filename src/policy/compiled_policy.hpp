// SPDX-License-Identifier: MIT
// Evaluates the configured policy's conditions against one message's facts.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "handoff/events.hpp"
#include "handoff/policy.hpp"
#include "policy/facts.hpp"

namespace re2 {
class RE2;
}

namespace handoff::detail {

/// What the policy may ask about one message and its conversation.
/// What the policy may ask about the queues, answered by the engine.
class queue_view {
 public:
  virtual ~queue_view() = default;
  /// Agents online, over all queues.
  virtual int agents_online() const = 0;
  /// Whether any queue is within its business hours.
  virtual bool within_hours() const = 0;
  /// `waiting`, `agents_online`, `wait_seconds` (for a newcomer) or `open`
  /// (1 within business hours, else 0) of a queue; nothing for an unknown
  /// queue, or a wait with no one online.
  virtual std::optional<double> queue_fact(std::string_view queue, std::string_view field) const = 0;
};

struct message_facts {
  bool human_requested = false;
  std::string_view intent;
  double confidence = 0;
  bool out_of_scope = false;
  std::string_view language;
  std::string_view channel;
  int turns = 0;
  int fallbacks_in_row = 0;
  double margin = 0;                              // confidence of the best intent less the runner-up's
  const handoff::sentiment* sentiment = nullptr;  // this message's, if read
  double mood = 0;
  const customer_info* customer = nullptr;
  const std::vector<std::string>* tags = nullptr;  // the conversation's
  const queue_view* queues = nullptr;
};

/// A condition with its patterns compiled once, at load.
class compiled_condition {
 public:
  explicit compiled_condition(const condition& c);
  compiled_condition(compiled_condition&&) noexcept;
  ~compiled_condition();
  bool holds(const message_facts& facts) const;
  /// The same, saying where and why it does not hold.
  bool holds(const message_facts& facts, std::string& failed, std::string& because) const;

 private:
  const condition* c_;
  std::optional<fact_info> fact_;  // what `c_->fact` names, looked up once
  std::vector<compiled_condition> children_;
  std::unique_ptr<re2::RE2> re_;
};

/// The policy's rules, compiled.
class compiled_policy {
 public:
  explicit compiled_policy(const policy_definition& p);

  /// The first rule that holds, or nullptr.
  const policy_rule* decide(const message_facts& facts) const;
  /// The same, with every rule tried up to it, and why each failed.
  const policy_rule* decide(const message_facts& facts, std::vector<rule_trace>& trace) const;
  /// The first routing rule that holds, or nullptr.
  const routing_rule* route(const message_facts& facts) const;

 private:
  const policy_definition* p_;
  std::vector<compiled_condition> rules_;
  std::vector<compiled_condition> routing_;
};

}  // namespace handoff::detail
