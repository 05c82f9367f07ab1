// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "handoff/events.hpp"
#include "handoff/localized_text.hpp"
#include "handoff/value.hpp"

/// The escalation policy as the bot's configuration declares it: ordered
/// rules, each a condition over facts about the message and the
/// conversation, and what to do when it holds. Nothing in a rule is
/// executed as code. `docs/config.md` lists the facts.
namespace handoff {

/// How a condition compares a fact with its operand.
enum class comparison { equals, in, at_least, at_most, contains, matches, exists };

/// A tree of comparisons: `all` and `any` of children, `not` of one child,
/// or a comparison of one fact.
struct condition {
  enum class node { all, any, negate, compare };
  node kind = node::all;  // an empty `all` always holds
  std::vector<condition> children;
  std::string fact;
  comparison op = comparison::equals;
  value operand;
  /// Where it stands in the configuration (a JSON pointer), for traces.
  std::string pointer;
};

/// Hand the conversation to a human.
struct escalate_action {
  std::string queue;
  handoff::priority priority = priority::normal;
  /// Skills the agent needs besides the queue's own (a language pair, a
  /// product line).
  std::vector<std::string> skills;
};

/// One rule of the policy: when `when` holds, what `then` says. A rule
/// does at least one thing.
struct policy_rule {
  std::string id;
  /// Stated in the `escalated` and `ticket` events, e.g. `customer_request`.
  std::string reason;
  condition when;
  /// Hand the conversation to a human.
  std::optional<escalate_action> escalate;
  /// Make a ticket for this queue instead of a wait (non-empty).
  std::string ticket;
  /// The bot answers as it would, and offers a person (a quick reply whose
  /// value is `request_human`).
  bool offer_human = false;
  /// Ask which of the two best intents is meant, however far apart they
  /// are (a rule on `margin` decides when), if both are labelled.
  bool clarify = false;
  /// Said instead of the bot's own answer (or, with `escalate`, before
  /// the handoff), in the customer's language.
  localized_text reply;
  /// Added to the conversation's tags (the agent sees them).
  std::vector<std::string> tags;
  std::string pointer;
};

/// After a rule decided to escalate, the first routing rule whose condition
/// holds may send the conversation elsewhere or raise its priority (a VIP
/// who asks for a human goes to `senior` at `urgent`).
struct routing_rule {
  std::string id;
  condition when;
  std::string queue;                          // empty: keep the rule's queue
  std::optional<handoff::priority> priority;  // empty: keep the rule's priority
  std::string pointer;
};

struct policy_definition {
  std::vector<policy_rule> rules;
  std::vector<routing_rule> routing;
};

}  // namespace handoff
