// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "handoff/metrics.hpp"
#include "handoff/sentiment.hpp"
#include "handoff/time.hpp"
#include "handoff/transcript.hpp"
#include "handoff/value.hpp"

/// The events of the handoff protocol (`docs/protocol.md`) as C++ types.
/// Input events are what the host tells the engine (`handoff::in`); output
/// events are what the engine asks the host to deliver or record
/// (`handoff::out`). Field names are the protocol's.
namespace handoff {

/// Who the customer is, as the host knows them.
struct customer_info {
  std::string id;
  std::string name;
  /// `standard`, `vip`, `b2b`, ... (free text; the policy gives it meaning).
  std::string tier;
  /// A BCP 47 tag such as `zh-CN`; a hint for language detection.
  std::string language;
  /// Anything else the host knows: order value, purchase history, ...
  value attributes;

  friend bool operator==(const customer_info&, const customer_info&) = default;
};

/// How urgent an escalation is; the router serves higher first.
enum class priority { low, normal, high, urgent };
std::string_view to_string(priority p) noexcept;
std::optional<priority> parse_priority(std::string_view name) noexcept;

/// Where an agent stands.
enum class agent_status_kind { online, away, offline };
std::string_view to_string(agent_status_kind s) noexcept;

/// How an agent lets go of a conversation.
enum class release_outcome { resolved, to_bot };
std::string_view to_string(release_outcome o) noexcept;

/// A button or quick reply offered to the customer.
struct quick_reply {
  std::string label;
  std::string value;
  friend bool operator==(const quick_reply&, const quick_reply&) = default;
};

/// An intent the bot recognised, with its confidence in [0, 1].
struct intent_confidence {
  std::string intent;
  double confidence = 0;
};

/// What the agent needs so the customer never repeats themselves.
struct handoff_context {
  customer_info customer;
  std::string language;
  std::vector<intent_confidence> intents;
  std::vector<std::string> tags;
  /// Values collected so far, by slot name.
  std::vector<std::pair<std::string, std::string>> slots;
  std::string reason;
  std::string rule;
  std::string queue;
  handoff::priority priority = priority::normal;
  /// How the customer sounds: the latest message and the conversation's
  /// mood (see `next_mood`); empty when no analyser read them.
  std::optional<handoff::sentiment> sentiment;
  double mood = 0;
  /// One or two sentences in the conversation's language.
  std::string summary;
  std::vector<transcript_entry> transcript;
};

/// One policy rule's part in a decision.
struct rule_trace {
  std::string rule;
  bool fired = false;
  /// When it did not fire: the JSON pointer of the condition that failed
  /// and, in words, why (`sentiment_trend is -0.21, needs at most -0.6`).
  std::string failed;
  std::string because;
};

namespace in {

struct customer_message {
  std::string conversation;
  std::string text;
  std::optional<customer_info> customer;
  std::string message_id;
  std::string channel;
};

/// `action` is `request_human`, `cancel_handoff` or `choose` (with `value`).
struct customer_action {
  std::string conversation;
  std::string action;
  std::string value;
  std::optional<customer_info> customer;
};

struct customer_left {
  std::string conversation;
};

/// An agent comes online, goes away or offline, or changes skills or load.
/// Fields left empty keep what the engine already knows of the agent.
struct agent_status {
  std::string agent;
  agent_status_kind status = agent_status_kind::online;
  std::optional<std::vector<std::string>> skills;
  std::optional<int> capacity;
  std::optional<int> level;
  std::optional<std::vector<std::string>> languages;
};

struct agent_accept {
  std::string agent;
  std::string conversation;
};

struct agent_decline {
  std::string agent;
  std::string conversation;
};

struct agent_message {
  std::string agent;
  std::string conversation;
  std::string text;
};

/// To another queue (`queue`) or agent (`to_agent`); one of them is set.
struct agent_transfer {
  std::string agent;
  std::string conversation;
  std::string queue;
  std::string to_agent;
  std::string note;
};

struct agent_release {
  std::string agent;
  std::string conversation;
  release_outcome outcome = release_outcome::resolved;
  std::string note;
};

/// Satisfaction, 1 to 5.
struct feedback {
  std::string conversation;
  int score = 0;
  std::string comment;
};

/// Scripted clock: move time forward and fire what falls due.
struct advance {
  double seconds = 0;
};

/// Asks for the engine's figures: answered by `out::metrics`.
struct metrics {};

}  // namespace in

namespace out {

/// `kind` is one of `welcome`, `answer`, `clarify`, `ask_slot`,
/// `fallback`, `survey`, `recommendation`, `notice`.
struct bot_message {
  std::string conversation;
  std::string text;
  std::string language;
  std::string intent;
  std::optional<double> confidence;
  std::vector<quick_reply> quick_replies;
  std::string kind;
};

struct escalated {
  std::string conversation;
  std::string queue;
  handoff::priority priority = priority::normal;
  std::string reason;
  std::string rule;
  /// How the policy decided: every rule tried, in order, up to the one
  /// that fired.
  std::vector<rule_trace> trace;
  /// The routing rule that changed the queue or priority, if any.
  std::string routing;
};

struct queued {
  std::string conversation;
  std::string queue;
  int position = 0;
  long long estimated_wait_seconds = 0;
};

struct offered {
  std::string conversation;
  std::string agent;
};

struct assigned {
  std::string conversation;
  std::string agent;
  handoff_context context;
};

/// An agent's words, for the customer.
struct agent_message {
  std::string conversation;
  std::string agent;
  std::string text;
};

/// The customer's words, for the agent who holds the conversation.
struct customer_message {
  std::string conversation;
  std::string agent;
  std::string text;
};

/// `queue` or `to_agent` is set.
struct transferred {
  std::string conversation;
  std::string from_agent;
  std::string queue;
  std::string to_agent;
  std::string note;
};

struct handed_back {
  std::string conversation;
};

struct resolved {
  std::string conversation;
};

/// `reason`: `resolved`, `customer_left`, `timeout`, ...
struct closed {
  std::string conversation;
  std::string reason;
};

struct ticket {
  std::string conversation;
  std::string queue;
  std::string reason;
};

/// The input was refused and nothing changed. `line` is set by runners
/// that read numbered lines.
struct error {
  std::string code;
  std::string message;
  std::optional<long long> line;
  std::string conversation;
};

/// The engine's figures, answering `in::metrics`.
struct metrics {
  engine_metrics figures;
};

}  // namespace out

using input_event = std::variant<in::customer_message, in::customer_action, in::customer_left, in::agent_status,
                                 in::agent_accept, in::agent_decline, in::agent_message, in::agent_transfer,
                                 in::agent_release, in::feedback, in::advance, in::metrics>;

using output_event = std::variant<out::bot_message, out::escalated, out::queued, out::offered, out::assigned,
                                  out::agent_message, out::customer_message, out::transferred, out::handed_back,
                                  out::resolved, out::closed, out::ticket, out::error, out::metrics>;

/// The protocol's `type` of an event: `customer_message`, `escalated`, ...
std::string_view type_name(const input_event& e) noexcept;
std::string_view type_name(const output_event& e) noexcept;

}  // namespace handoff
