// SPDX-License-Identifier: MIT
// Reading the protocol: a line of JSON, or an object already parsed, into
// an input event, or the error that refuses it.
#include <fmt/format.h>

#include <cmath>

#include "handoff/engine.hpp"
#include "handoff/normalize.hpp"
#include "handoff/protocol.hpp"
#include "protocol/event_json.hpp"
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

namespace detail {

parsed_input read_input(const nlohmann::json& j) noexcept {
  parsed_input result;
  try {
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

}  // namespace detail

parsed_input parse_input(std::string_view line) noexcept { return parse_input(line, known_sender{}); }

parsed_input parse_input(std::string_view line, const known_sender& sender) noexcept {
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
    if (j.is_object()) {
      const auto fill = [&j](const char* key, std::string_view value) {
        if (value.empty()) return;
        auto it = j.find(key);
        if (it == j.end() || it->is_null()) j[key] = value;
      };
      fill("conversation", sender.conversation);
      fill("agent", sender.agent);
    }
    return detail::read_input(j);
  } catch (const std::exception& e) {
    result.event.reset();
    result.error = {"internal", e.what(), {}, {}};
  }
  return result;
}

}  // namespace handoff
