// SPDX-License-Identifier: MIT
// `intents`, their slots, and the built-in `actions` they call.
#include <fmt/format.h>

#include <set>

#include "config/reader.hpp"
#include "protocol/json_value.hpp"

namespace handoff::detail {

void config_reader::read_intents(const json& j, bot_config& cfg) {
  if (!expect_array(j, "/intents")) return;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto p = at("/intents", i);
    const auto& o = j[i];
    if (!expect_object(o, p)) continue;
    allow_keys(o, p,
               {"id", "label", "keywords", "patterns", "examples", "answer", "quick_replies", "requests_human",
                "welcome", "courtesy", "slots", "action", "responses"});
    intent_definition def;
    def.id = required_id(o, p);
    if (!def.id.empty() && !seen.insert(def.id).second)
      problem(problem_id::duplicate_id, at(p, "id"), fmt::format("intent \"{}\" is defined twice", def.id));
    if (auto l = member(o, p, "label")) def.label = localized(*l, at(p, "label"), true);
    if (auto k = member(o, p, "keywords")) def.keywords = by_language(*k, at(p, "keywords"), false);
    if (auto k = member(o, p, "patterns")) def.patterns = by_language(*k, at(p, "patterns"), true);
    if (auto k = member(o, p, "examples")) def.examples = by_language(*k, at(p, "examples"), false);
    def.requests_human = boolean(o, p, "requests_human");
    def.welcome = boolean(o, p, "welcome");
    def.courtesy = def.welcome || boolean(o, p, "courtesy");
    if (auto a = member(o, p, "answer")) def.answer = localized(*a, at(p, "answer"), true);
    if (auto q = member(o, p, "quick_replies")) def.quick_replies = quick_replies(*q, at(p, "quick_replies"));
    if (auto s = member(o, p, "slots")) def.slots = read_slots(*s, at(p, "slots"));
    def.action = optional_string(o, p, "action");
    if (!def.action.empty() && def.slots.empty())
      warning(problem_id::no_effect, at(p, "action"),
              "an action without `slots` is called on every message of the intent");
    if (!def.action.empty() && !cfg.find_action(def.action))
      warning(problem_id::unknown_action, at(p, "action"),
              fmt::format("no action \"{}\" in `actions`; the host must register it", def.action));
    if (auto r = member(o, p, "responses"); r && expect_object(*r, at(p, "responses"))) {
      if (def.action.empty()) problem(problem_id::invalid_value, at(p, "responses"), "`responses` need an `action`");
      for_each_entry(*r, at(p, "responses"), [&](const std::string& outcome, const json& text, const std::string& rp) {
        def.responses.emplace_back(outcome, localized(text, rp, true));
      });
    }
    if (def.answer.empty() && def.responses.empty() && !def.requests_human && !def.welcome)
      problem(problem_id::missing, at(p, "answer"),
              "missing; an intent needs an `answer` unless it `requests_human` or is a `welcome`");
    if (def.keywords.empty() && def.patterns.empty() && def.examples.empty())
      warning(problem_id::unreachable_intent, p, "no keywords, patterns or examples: only a quick reply can reach it");
    cfg.intents.push_back(std::move(def));
  }
}

std::vector<slot_definition> config_reader::read_slots(const json& j, const std::string& ptr) {
  std::vector<slot_definition> out;
  if (!expect_array(j, ptr)) return out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto p = at(ptr, i);
    const auto& o = j[i];
    if (!expect_object(o, p)) continue;
    allow_keys(o, p, {"name", "entity", "pattern", "prompt", "retry"});
    slot_definition s;
    if (auto n = required(o, p, "name", "a slot name such as \"order_number\"")) {
      s.name = string_value(*n, at(p, "name"));
      if (n->is_string() && s.name.empty()) problem(problem_id::invalid_value, at(p, "name"), "must not be empty");
      if (!s.name.empty() && !seen.insert(s.name).second)
        problem(problem_id::duplicate_id, at(p, "name"), fmt::format("slot \"{}\" is given twice", s.name));
    }
    auto entity = optional_string(o, p, "entity");
    static constexpr entity_kind kinds[] = {entity_kind::pattern, entity_kind::phone,  entity_kind::email,
                                            entity_kind::date,    entity_kind::number, entity_kind::text};
    bool known = entity.empty();
    for (auto k : kinds)
      if (entity == to_string(k)) {
        s.entity = k;
        known = true;
      }
    if (!known)
      problem(problem_id::invalid_value, at(p, "entity"),
              fmt::format("unknown entity \"{}\"; expected pattern, phone, email, date, number or text", entity));
    s.pattern = optional_string(o, p, "pattern");
    if (s.entity == entity_kind::pattern && s.pattern.empty())
      problem(problem_id::missing, at(p, "pattern"), "an entity `pattern` needs a `pattern` (RE2)");
    check_pattern(s.pattern, at(p, "pattern"));
    if (auto pr = required(o, p, "prompt", "what the bot asks, per language"))
      s.prompt = localized(*pr, at(p, "prompt"), true);
    if (auto r = member(o, p, "retry")) s.retry = localized(*r, at(p, "retry"), true);
    out.push_back(std::move(s));
  }
  return out;
}

void config_reader::read_actions(const json& j, bot_config& cfg) {
  const std::string ptr = "/actions";
  if (!expect_object(j, ptr)) return;
  for_each_entry(j, ptr, [&](const std::string& name, const json& o, const std::string& p) {
    if (!expect_object(o, p)) return;
    allow_keys(o, p, {"type", "file", "key", "outcome", "update", "update_when"});
    action_definition a;
    a.name = name;
    if (auto t = required(o, p, "type", "\"lookup\""); t && string_value(*t, at(p, "type")) != "lookup")
      problem(problem_id::invalid_value, at(p, "type"),
              "the built-in action type is \"lookup\"; the host registers others");
    if (auto f = required(o, p, "file", "a JSON file: an array of objects")) a.file = string_value(*f, at(p, "file"));
    if (auto k = required(o, p, "key", "the slot (and field) to look up")) a.key = string_value(*k, at(p, "key"));
    a.outcome_field = optional_string(o, p, "outcome");
    auto strings = [&](const char* key, std::vector<std::string>& out) {
      if (auto l = member(o, p, key); l && expect_array(*l, at(p, key)))
        for (std::size_t i = 0; i < l->size(); ++i) out.push_back(string_value((*l)[i], at(at(p, key), i)));
    };
    strings("update", a.update);
    strings("update_when", a.update_when);
    if (!a.update.empty() && a.update_when.empty())
      problem(problem_id::missing, at(p, "update_when"), "`update` needs `update_when`: the outcomes that allow it");
    cfg.actions.push_back(std::move(a));
  });
}

}  // namespace handoff::detail
