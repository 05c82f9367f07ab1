// SPDX-License-Identifier: MIT
#include "handoff/protocol.hpp"

#include <fmt/format.h>

#include <cmath>

#include "handoff/engine.hpp"
#include "handoff/normalize.hpp"
#include "protocol/json_value.hpp"

namespace handoff {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// Thrown inside the reader only; parse_input turns it into an error event.
struct refusal {
  std::string code;
  std::string message;
};

class reader {
 public:
  reader(const json& obj, std::string_view type) : obj_(obj), type_(type) {}

  std::string conversation() { return id("conversation"); }
  std::string agent() { return id("agent"); }

  // A required identifier: a non-empty string.
  std::string id(const char* key) {
    auto s = required_string(key);
    if (s.empty()) throw refusal{"invalid_value", fmt::format("{}: `{}` must not be empty", type_, key)};
    return s;
  }

  std::string required_string(const char* key) {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null())
      throw refusal{"missing_field", fmt::format("{} needs `{}` (a string)", type_, key)};
    return string_at(*it, key);
  }

  std::string optional_string(const char* key) {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return {};
    return string_at(*it, key);
  }

  const json* optional(const char* key) const {
    auto it = obj_.find(key);
    return it == obj_.end() || it->is_null() ? nullptr : &*it;
  }

  double number(const json& j, const char* key) {
    if (!j.is_number())
      throw refusal{"wrong_type", fmt::format("{}: `{}` must be a number, not {}", type_, key, detail::json_kind(j))};
    return j.get<double>();
  }

  int integer(const json& j, const char* key, int lo, int hi) {
    double d = number(j, key);
    if (d != std::floor(d) || d < lo || d > hi)
      throw refusal{"invalid_value", fmt::format("{}: `{}` must be a whole number from {} to {}", type_, key, lo, hi)};
    return static_cast<int>(d);
  }

  std::vector<std::string> strings(const json& j, const char* key) {
    if (!j.is_array())
      throw refusal{"wrong_type",
                    fmt::format("{}: `{}` must be an array of strings, not {}", type_, key, detail::json_kind(j))};
    std::vector<std::string> out;
    out.reserve(j.size());
    for (const auto& e : j) {
      if (!e.is_string())
        throw refusal{"wrong_type",
                      fmt::format("{}: `{}` must hold only strings, not {}", type_, key, detail::json_kind(e))};
      out.push_back(e.get<std::string>());
    }
    return out;
  }

  std::optional<customer_info> customer() {
    const json* c = optional("customer");
    if (!c) return std::nullopt;
    if (!c->is_object())
      throw refusal{"wrong_type",
                    fmt::format("{}: `customer` must be an object, not {}", type_, detail::json_kind(*c))};
    reader r(*c, type_);
    r.prefix_ = "customer.";
    customer_info info;
    info.id = r.id("id");
    info.name = r.optional_string("name");
    info.tier = r.optional_string("tier");
    info.language = r.optional_string("language");
    if (const json* a = r.optional("attributes")) {
      if (!a->is_object())
        throw refusal{"wrong_type",
                      fmt::format("{}: `customer.attributes` must be an object, not {}", type_, detail::json_kind(*a))};
      if (!detail::within_depth(*a))
        throw refusal{"invalid_value", fmt::format("{}: `customer.attributes` nests deeper than {} levels", type_,
                                                   detail::max_value_depth)};
      info.attributes = detail::from_json(*a);
    }
    return info;
  }

 private:
  std::string string_at(const json& j, const char* key) {
    if (!j.is_string())
      throw refusal{"wrong_type",
                    fmt::format("{}: `{}{}` must be a string, not {}", type_, prefix_, key, detail::json_kind(j))};
    return j.get<std::string>();
  }

  const json& obj_;
  std::string_view type_;
  std::string_view prefix_;
};

template <class Enum>
Enum choose(std::string_view type, const char* key, const std::string& got,
            std::initializer_list<std::pair<std::string_view, Enum>> options) {
  std::string names;
  for (const auto& [name, e] : options) {
    if (name == got) return e;
    names += names.empty() ? "" : ", ";
    names += name;
  }
  throw refusal{"invalid_value", fmt::format("{}: `{}` must be one of {}, not \"{}\"", type, key, names, got)};
}

input_event read_event(const json& j, std::string_view type) {
  reader r(j, type);
  if (type == "customer_message") {
    in::customer_message e;
    e.conversation = r.conversation();
    e.text = r.required_string("text");
    e.customer = r.customer();
    e.message_id = r.optional_string("message_id");
    e.channel = r.optional_string("channel");
    return e;
  }
  if (type == "customer_action") {
    in::customer_action e;
    e.conversation = r.conversation();
    e.action = r.required_string("action");
    choose<int>(type, "action", e.action, {{"request_human", 0}, {"cancel_handoff", 1}, {"choose", 2}});
    e.value = e.action == "choose" ? r.required_string("value") : r.optional_string("value");
    e.customer = r.customer();
    return e;
  }
  if (type == "customer_left") return in::customer_left{r.conversation()};
  if (type == "agent_status") {
    in::agent_status e;
    e.agent = r.agent();
    e.status = choose<agent_status_kind>(type, "status", r.required_string("status"),
                                         {{"online", agent_status_kind::online},
                                          {"away", agent_status_kind::away},
                                          {"offline", agent_status_kind::offline}});
    if (auto s = r.optional("skills")) e.skills = r.strings(*s, "skills");
    if (auto s = r.optional("languages")) e.languages = r.strings(*s, "languages");
    if (auto c = r.optional("capacity")) e.capacity = r.integer(*c, "capacity", 0, 1000);
    if (auto l = r.optional("level")) e.level = r.integer(*l, "level", 0, 100);
    return e;
  }
  if (type == "agent_accept") {
    in::agent_accept e;
    e.agent = r.agent();
    e.conversation = r.conversation();
    return e;
  }
  if (type == "agent_decline") {
    in::agent_decline e;
    e.agent = r.agent();
    e.conversation = r.conversation();
    return e;
  }
  if (type == "agent_message") {
    in::agent_message e;
    e.agent = r.agent();
    e.conversation = r.conversation();
    e.text = r.required_string("text");
    return e;
  }
  if (type == "agent_transfer") {
    in::agent_transfer e;
    e.agent = r.agent();
    e.conversation = r.conversation();
    e.queue = r.optional_string("queue");
    e.to_agent = r.optional_string("to_agent");
    e.note = r.optional_string("note");
    if (e.queue.empty() == e.to_agent.empty())
      throw refusal{e.queue.empty() ? "missing_field" : "invalid_value",
                    "agent_transfer needs exactly one of `queue` and `to_agent`"};
    return e;
  }
  if (type == "agent_release") {
    in::agent_release e;
    e.agent = r.agent();
    e.conversation = r.conversation();
    e.outcome = choose<release_outcome>(type, "outcome", r.required_string("outcome"),
                                        {{"resolved", release_outcome::resolved}, {"to_bot", release_outcome::to_bot}});
    e.note = r.optional_string("note");
    return e;
  }
  if (type == "feedback") {
    in::feedback e;
    e.conversation = r.conversation();
    auto s = r.optional("score");
    if (!s) throw refusal{"missing_field", "feedback needs `score` (a whole number from 1 to 5)"};
    e.score = r.integer(*s, "score", 1, 5);
    e.comment = r.optional_string("comment");
    return e;
  }
  if (type == "advance") {
    auto s = r.optional("seconds");
    if (!s) throw refusal{"missing_field", "advance needs `seconds` (a number)"};
    double secs = r.number(*s, "seconds");
    if (!(secs >= 0) || secs > 1e9) throw refusal{"invalid_value", "advance: `seconds` must be from 0 to 1e9"};
    return in::advance{secs};
  }
  if (type == "metrics") return in::metrics{};
  throw refusal{"unknown_type", fmt::format("unknown event type \"{}\"", type)};
}

}  // namespace

parsed_input parse_input(std::string_view line) noexcept {
  parsed_input result;
  try {
    std::string clean;
    if (!is_valid_utf8(line)) {
      sanitize_utf8(line, clean);
      line = clean;
    }
    json j;
    try {
      j = json::parse(line);
    } catch (const json::parse_error& e) {
      result.error = {"invalid_json", fmt::format("not valid JSON: {}", e.what()), {}, {}};
      return result;
    }
    if (!j.is_object()) {
      result.error = {
          "invalid_json", fmt::format("an event must be a JSON object, not {}", detail::json_kind(j)), {}, {}};
      return result;
    }
    auto t = j.find("type");
    if (t == j.end()) {
      result.error = {"missing_field", "an event needs `type` (a string)", {}, {}};
      return result;
    }
    if (!t->is_string()) {
      result.error = {"wrong_type", fmt::format("`type` must be a string, not {}", detail::json_kind(*t)), {}, {}};
      return result;
    }
    std::string type = t->get<std::string>();
    // Name the conversation in the error when the line gives one.
    std::string conversation;
    if (auto c = j.find("conversation"); c != j.end() && c->is_string()) conversation = c->get<std::string>();
    try {
      if (auto a = j.find("at"); a != j.end() && !a->is_null()) {
        auto at = a->is_string() ? parse_rfc3339(a->get<std::string>()) : std::nullopt;
        if (!at) throw refusal{"invalid_value", "`at` must be an RFC 3339 time such as 2025-01-06T09:00:00Z"};
        result.at = at;
      }
      result.event = read_event(j, type);
    } catch (refusal& r) {
      result.error = {std::move(r.code), std::move(r.message), {}, std::move(conversation)};
    }
  } catch (const std::exception& e) {
    result.event.reset();
    result.error = {"internal", e.what(), {}, {}};
  }
  return result;
}

// ---------------------------------------------------------------------------
// Writing

namespace {

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

std::string to_json(const output_event& event) {
  ojson j = ojson::object();
  j["type"] = type_name(event);
  std::visit(output_writer{j}, event);
  return detail::dump_line(j);
}

std::string to_json(const conversation_info& c) {
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
  auto transcript = ojson::array();
  for (const auto& e : c.transcript) transcript.push_back(transcript_json(e));
  j["transcript"] = std::move(transcript);
  return detail::dump_line(j);
}

std::string to_json(const input_event& event, std::optional<time_point> at) {
  ojson j = ojson::object();
  j["type"] = type_name(event);
  std::visit(input_writer{j}, event);
  if (at) j["at"] = format_rfc3339(*at);
  return detail::dump_line(j);
}

}  // namespace handoff
