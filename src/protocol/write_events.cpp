// SPDX-License-Identifier: MIT
// Writing the protocol: events and conversations as JSON objects, one per
// line, with `type` first and the protocol's names.
#include <fmt/format.h>

#include <cmath>

#include "handoff/engine.hpp"
#include "handoff/protocol.hpp"
#include "protocol/event_json.hpp"
#include "protocol/json_value.hpp"

namespace handoff {
namespace {

using ojson = nlohmann::ordered_json;

// Confidences print with four decimals: more is noise to a reader.
double rounded(double x) { return std::round(x * 1e4) / 1e4; }

ojson customer_json(const customer_info& c) {
  if (c.id.empty() && c.name.empty() && c.tier.empty() && c.language.empty() && c.attributes.is_null())
    return nullptr;  // the host never said who the customer is
  ojson j = ojson::object();
  j["id"] = c.id;
  if (!c.name.empty()) j["name"] = c.name;
  if (!c.tier.empty()) j["tier"] = c.tier;
  if (!c.language.empty()) j["language"] = c.language;
  if (!c.attributes.is_null()) j["attributes"] = detail::to_json(c.attributes);
  return j;
}

ojson transcript_json(const transcript_entry& e) {
  ojson j = ojson::object();
  j["role"] = to_string(e.role);
  j["text"] = e.text;
  j["at"] = format_rfc3339(e.at);
  if (!e.agent.empty()) j["agent"] = e.agent;
  if (!e.message_id.empty()) j["message_id"] = e.message_id;
  if (!e.language.empty()) j["language"] = e.language;
  if (e.role == role::customer) {
    j["intent"] = e.intent.empty() ? ojson(nullptr) : ojson(e.intent);
    if (!e.intent.empty()) j["confidence"] = rounded(e.confidence);
    if (e.sentiment) j["sentiment"] = rounded(*e.sentiment);
  }
  if (!e.kind.empty()) j["kind"] = e.kind;
  return j;
}

ojson context_json(const handoff_context& c) {
  ojson j = ojson::object();
  j["customer"] = customer_json(c.customer);
  j["language"] = c.language;
  auto intents = ojson::array();
  for (const auto& i : c.intents) intents.push_back({{"intent", i.intent}, {"confidence", rounded(i.confidence)}});
  j["intents"] = std::move(intents);
  j["tags"] = c.tags;
  auto slots = ojson::object();
  for (const auto& [k, v] : c.slots) slots[k] = v;
  j["slots"] = std::move(slots);
  if (c.sentiment) {
    const auto& s = *c.sentiment;
    ojson emotions = ojson::object();
    emotions["anger"] = rounded(s.anger);
    emotions["frustration"] = rounded(s.frustration);
    emotions["anxiety"] = rounded(s.anxiety);
    emotions["urgency"] = rounded(s.urgency);
    auto strongest = s.strongest();
    j["sentiment"] = {{"latest", rounded(s.score)},
                      {"trend", rounded(c.mood)},
                      {"emotion", strongest.empty() ? ojson(nullptr) : ojson(std::string(strongest))},
                      {"emotions", std::move(emotions)}};
  } else {
    j["sentiment"] = nullptr;  // no analyser read it: unknown, not neutral
  }
  j["reason"] = c.reason;
  j["rule"] = c.rule;
  j["queue"] = c.queue;
  j["priority"] = to_string(c.priority);
  j["summary"] = c.summary;
  auto transcript = ojson::array();
  for (const auto& e : c.transcript) transcript.push_back(transcript_json(e));
  j["transcript"] = std::move(transcript);
  return j;
}

struct output_writer {
  ojson& j;
  void operator()(const out::bot_message& e) {
    j["conversation"] = e.conversation;
    j["text"] = e.text;
    j["language"] = e.language;
    if (!e.intent.empty()) j["intent"] = e.intent;
    if (e.confidence) j["confidence"] = rounded(*e.confidence);
    if (!e.quick_replies.empty()) {
      auto qr = ojson::array();
      for (const auto& q : e.quick_replies) qr.push_back({{"label", q.label}, {"value", q.value}});
      j["quick_replies"] = std::move(qr);
    }
    if (!e.kind.empty()) j["kind"] = e.kind;
  }
  void operator()(const out::escalated& e) {
    j["conversation"] = e.conversation;
    j["queue"] = e.queue;
    j["priority"] = to_string(e.priority);
    j["reason"] = e.reason;
    j["rule"] = e.rule;
    if (!e.routing.empty()) j["routing"] = e.routing;
    auto trace = ojson::array();
    for (const auto& t : e.trace) {
      ojson step = {{"rule", t.rule}, {"fired", t.fired}};
      if (!t.fired) {
        step["failed"] = t.failed;
        step["because"] = t.because;
      }
      trace.push_back(std::move(step));
    }
    j["trace"] = std::move(trace);
  }
  void operator()(const out::queued& e) {
    j["conversation"] = e.conversation;
    j["queue"] = e.queue;
    j["position"] = e.position;
    j["estimated_wait_seconds"] = e.estimated_wait_seconds;
  }
  void operator()(const out::offered& e) {
    j["conversation"] = e.conversation;
    j["agent"] = e.agent;
  }
  void operator()(const out::assigned& e) {
    j["conversation"] = e.conversation;
    j["agent"] = e.agent;
    j["context"] = context_json(e.context);
  }
  void operator()(const out::agent_message& e) {
    j["conversation"] = e.conversation;
    j["agent"] = e.agent;
    j["text"] = e.text;
  }
  void operator()(const out::customer_message& e) {
    j["conversation"] = e.conversation;
    j["agent"] = e.agent;
    j["text"] = e.text;
  }
  void operator()(const out::transferred& e) {
    j["conversation"] = e.conversation;
    j["from_agent"] = e.from_agent;
    if (!e.queue.empty()) j["queue"] = e.queue;
    if (!e.to_agent.empty()) j["to_agent"] = e.to_agent;
    if (!e.note.empty()) j["note"] = e.note;
  }
  void operator()(const out::handed_back& e) { j["conversation"] = e.conversation; }
  void operator()(const out::resolved& e) { j["conversation"] = e.conversation; }
  void operator()(const out::closed& e) {
    j["conversation"] = e.conversation;
    j["reason"] = e.reason;
  }
  void operator()(const out::ticket& e) {
    j["conversation"] = e.conversation;
    j["queue"] = e.queue;
    j["reason"] = e.reason;
  }
  void operator()(const out::error& e) {
    j["code"] = e.code;
    j["message"] = e.message;
    if (e.line) j["line"] = *e.line;
    if (!e.conversation.empty()) j["conversation"] = e.conversation;
  }
  void operator()(const out::metrics& e) {
    const auto& m = e.figures;
    auto counts = [](const counts_by_name& c) {
      auto o = ojson::object();
      for (const auto& [k, v] : c) o[k] = v;
      return o;
    };
    auto times = [](const time_summary& t) {
      return ojson{{"count", t.count}, {"median_seconds", t.median_seconds}, {"p90_seconds", t.p90_seconds}};
    };
    j["conversations"] = m.conversations;
    j["contained"] = m.contained;
    j["containment_rate"] = m.containment_rate;
    j["escalations"] = {{"total", m.escalations},
                        {"by_reason", counts(m.escalations_by_reason)},
                        {"by_queue", counts(m.escalations_by_queue)}};
    j["tickets"] = {{"total", m.tickets}, {"by_reason", counts(m.tickets_by_reason)}};
    j["wait"] = times(m.wait);
    j["first_response"] = times(m.first_response);
    j["handling"] = times(m.handling);
    j["abandonment"] = {{"waited", m.waited}, {"abandoned", m.abandoned}, {"rate", m.abandonment_rate}};
    auto scores = ojson::object();
    for (std::size_t i = 0; i < m.scores.size(); ++i) scores[std::to_string(i + 1)] = m.scores[i];
    j["satisfaction"] = {{"resolved", m.resolved},
                         {"responses", m.feedback},
                         {"average", m.average_score},
                         {"satisfied", m.satisfaction},
                         {"scores", std::move(scores)}};
  }
};

struct input_writer {
  ojson& j;
  void operator()(const in::customer_message& e) {
    j["conversation"] = e.conversation;
    j["text"] = e.text;
    if (e.customer) j["customer"] = customer_json(*e.customer);
    if (!e.message_id.empty()) j["message_id"] = e.message_id;
    if (!e.channel.empty()) j["channel"] = e.channel;
  }
  void operator()(const in::customer_action& e) {
    j["conversation"] = e.conversation;
    j["action"] = e.action;
    if (!e.value.empty()) j["value"] = e.value;
    if (e.customer) j["customer"] = customer_json(*e.customer);
  }
  void operator()(const in::customer_left& e) { j["conversation"] = e.conversation; }
  void operator()(const in::agent_status& e) {
    j["agent"] = e.agent;
    j["status"] = to_string(e.status);
    if (e.skills) j["skills"] = *e.skills;
    if (e.capacity) j["capacity"] = *e.capacity;
    if (e.level) j["level"] = *e.level;
    if (e.languages) j["languages"] = *e.languages;
  }
  void operator()(const in::agent_accept& e) {
    j["agent"] = e.agent;
    j["conversation"] = e.conversation;
  }
  void operator()(const in::agent_decline& e) {
    j["agent"] = e.agent;
    j["conversation"] = e.conversation;
  }
  void operator()(const in::agent_message& e) {
    j["agent"] = e.agent;
    j["conversation"] = e.conversation;
    j["text"] = e.text;
  }
  void operator()(const in::agent_transfer& e) {
    j["agent"] = e.agent;
    j["conversation"] = e.conversation;
    if (!e.queue.empty()) j["queue"] = e.queue;
    if (!e.to_agent.empty()) j["to_agent"] = e.to_agent;
    if (!e.note.empty()) j["note"] = e.note;
  }
  void operator()(const in::agent_release& e) {
    j["agent"] = e.agent;
    j["conversation"] = e.conversation;
    j["outcome"] = to_string(e.outcome);
    if (!e.note.empty()) j["note"] = e.note;
  }
  void operator()(const in::feedback& e) {
    j["conversation"] = e.conversation;
    j["score"] = e.score;
    if (!e.comment.empty()) j["comment"] = e.comment;
  }
  void operator()(const in::advance& e) { j["seconds"] = e.seconds; }
  void operator()(const in::metrics&) {}
};

}  // namespace

namespace detail {

nlohmann::ordered_json write_output(const output_event& event) {
  ojson j = ojson::object();
  j["type"] = type_name(event);
  std::visit(output_writer{j}, event);
  return j;
}

nlohmann::ordered_json write_line(const transcript_entry& line) { return transcript_json(line); }

nlohmann::ordered_json write_conversation(const conversation_info& c, bool with_transcript) {
  ojson j = ojson::object();
  j["id"] = c.id;
  j["state"] = to_string(c.state);
  j["customer"] = customer_json(c.customer);
  if (!c.channel.empty()) j["channel"] = c.channel;
  j["language"] = c.language;
  j["queue"] = c.queue;
  j["agent"] = c.agent;
  j["tags"] = c.tags;
  j["feedback"] = c.feedback_score ? ojson(*c.feedback_score) : ojson(nullptr);
  if (!with_transcript) return j;
  auto transcript = ojson::array();
  for (const auto& e : c.transcript) transcript.push_back(transcript_json(e));
  j["transcript"] = std::move(transcript);
  return j;
}

}  // namespace detail

std::string to_json(const output_event& event) { return detail::dump_line(detail::write_output(event)); }

std::string to_json(const conversation_info& c) { return detail::dump_line(detail::write_conversation(c)); }

std::string to_json(const input_event& event, std::optional<time_point> at) {
  ojson j = ojson::object();
  j["type"] = type_name(event);
  std::visit(input_writer{j}, event);
  if (at) j["at"] = format_rfc3339(*at);
  return detail::dump_line(j);
}

}  // namespace handoff
