// SPDX-License-Identifier: MIT
// `policy`: its rules, its routing, their conditions, and rules that can
// never fire.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "config/reader.hpp"
#include "protocol/json_value.hpp"

namespace handoff::detail {

void config_reader::read_policy(const json& j, bot_config& cfg) {
  if (!expect_object(j, "/policy")) return;
  allow_keys(j, "/policy", {"rules", "routing"});
  std::set<std::string> seen;
  if (auto rules = member(j, "/policy", "rules"); rules && expect_array(*rules, "/policy/rules")) {
    for (std::size_t i = 0; i < rules->size(); ++i) {
      auto p = at("/policy/rules", i);
      const auto& o = (*rules)[i];
      if (!expect_object(o, p)) continue;
      allow_keys(o, p, {"id", "reason", "when", "then"});
      policy_rule r;
      r.pointer = p;
      r.id = required_id(o, p);
      if (!r.id.empty() && !seen.insert(r.id).second)
        problem(problem_id::duplicate_id, at(p, "id"), fmt::format("rule \"{}\" is defined twice", r.id));
      if (auto reason = required(o, p, "reason", "a string such as \"customer_request\""))
        r.reason = string_value(*reason, at(p, "reason"));
      if (auto w = required(o, p, "when", "a condition")) r.when = read_condition(*w, at(p, "when"));
      if (auto t = required(o, p, "then", "an action such as {\"escalate\": {...}}");
          t && expect_object(*t, at(p, "then"))) {
        auto tp = at(p, "then");
        allow_keys(*t, tp, {"escalate", "ticket", "offer_human", "clarify", "reply", "tags"});
        if (auto e = member(*t, tp, "escalate"); e && expect_object(*e, at(tp, "escalate"))) {
          auto ep = at(tp, "escalate");
          allow_keys(*e, ep, {"queue", "priority", "skills"});
          escalate_action a;
          if (auto q = required(*e, ep, "queue", "a queue id")) {
            a.queue = string_value(*q, at(ep, "queue"));
            check_queue(cfg, a.queue, at(ep, "queue"));
          }
          if (auto pr = member(*e, ep, "priority")) a.priority = read_priority(*pr, at(ep, "priority"));
          if (auto s = member(*e, ep, "skills"); s && expect_array(*s, at(ep, "skills")))
            for (std::size_t k = 0; k < s->size(); ++k) {
              auto skill = string_value((*s)[k], at(at(ep, "skills"), k));
              if ((*s)[k].is_string() && skill.empty())
                problem(problem_id::invalid_value, at(at(ep, "skills"), k), "must not be empty");
              if (!skill.empty()) a.skills.push_back(std::move(skill));
            }
          r.escalate = std::move(a);
        }
        if (auto k = member(*t, tp, "ticket"); k && expect_object(*k, at(tp, "ticket"))) {
          auto kp = at(tp, "ticket");
          allow_keys(*k, kp, {"queue"});
          if (auto q = required(*k, kp, "queue", "a queue id")) {
            r.ticket = string_value(*q, at(kp, "queue"));
            check_queue(cfg, r.ticket, at(kp, "queue"));
          }
        }
        r.offer_human = boolean(*t, tp, "offer_human");
        r.clarify = boolean(*t, tp, "clarify");
        if (auto reply = member(*t, tp, "reply")) r.reply = localized(*reply, at(tp, "reply"), true);
        if (auto g = member(*t, tp, "tags"); g && expect_array(*g, at(tp, "tags"))) {
          for (std::size_t k = 0; k < g->size(); ++k) {
            auto tag = string_value((*g)[k], at(at(tp, "tags"), k));
            if ((*g)[k].is_string() && tag.empty())
              problem(problem_id::invalid_value, at(at(tp, "tags"), k), "must not be empty");
            if (!tag.empty()) r.tags.push_back(std::move(tag));
          }
        }
        if (r.escalate && !r.ticket.empty())
          problem(problem_id::invalid_value, tp, "a rule either escalates or makes a ticket, not both");
        if (r.clarify && !r.reply.empty())
          problem(problem_id::invalid_value, tp, "a rule either asks (`clarify`) or says its own `reply`, not both");
        if (!r.escalate && r.ticket.empty() && !r.offer_human && !r.clarify && r.reply.empty() && r.tags.empty())
          problem(problem_id::missing, tp,
                  "a rule must do something: `escalate`, `ticket`, `offer_human`, `clarify`, `reply` or `tags`");
      }
      cfg.policy.rules.push_back(std::move(r));
    }
  }
  if (auto routing = member(j, "/policy", "routing"); routing && expect_array(*routing, "/policy/routing")) {
    for (std::size_t i = 0; i < routing->size(); ++i) {
      auto p = at("/policy/routing", i);
      const auto& o = (*routing)[i];
      if (!expect_object(o, p)) continue;
      allow_keys(o, p, {"id", "when", "queue", "priority"});
      routing_rule r;
      r.pointer = p;
      r.id = required_id(o, p);
      if (auto w = required(o, p, "when", "a condition")) r.when = read_condition(*w, at(p, "when"));
      r.queue = optional_string(o, p, "queue");
      check_queue(cfg, r.queue, at(p, "queue"));
      if (auto pr = member(o, p, "priority")) r.priority = read_priority(*pr, at(p, "priority"));
      if (r.queue.empty() && !r.priority)
        warning(problem_id::no_effect, p, "a routing rule without `queue` or `priority` changes nothing");
      cfg.policy.routing.push_back(std::move(r));
    }
  }
}

condition config_reader::read_condition(const json& j, const std::string& ptr) {
  condition c;
  c.pointer = ptr;
  if (!expect_object(j, ptr)) return c;
  if (auto a = member(j, ptr, "all"); a || j.contains("any")) {
    allow_keys(j, ptr, {"all", "any"});
    if (a && j.contains("any")) problem(problem_id::invalid_value, ptr, "give `all` or `any`, not both");
    c.kind = a ? condition::node::all : condition::node::any;
    const json& list = a ? *a : j["any"];
    auto lp = at(ptr, a ? "all" : "any");
    if (expect_array(list, lp))
      for (std::size_t i = 0; i < list.size(); ++i) c.children.push_back(read_condition(list[i], at(lp, i)));
    return c;
  }
  if (auto n = member(j, ptr, "not")) {
    allow_keys(j, ptr, {"not"});
    c.kind = condition::node::negate;
    c.children.push_back(read_condition(*n, at(ptr, "not")));
    return c;
  }
  c.kind = condition::node::compare;
  allow_keys(j, ptr, {"fact", "equals", "in", "at_least", "at_most", "contains", "matches", "exists"});
  auto f = required(j, ptr, "fact", "the name of a fact");
  if (!f) return c;
  c.fact = string_value(*f, at(ptr, "fact"));
  auto fact = detail::find_fact(c.fact);
  if (fact && fact->id == detail::fact_id::queue_fact)
    check_queue(*cfg_, std::string(detail::split_queue_fact(c.fact).first), at(ptr, "fact"));
  if (!fact) {
    std::string names;
    for (const auto& k : detail::known_facts) names += fmt::format("{}{}", names.empty() ? "" : ", ", k.name);
    problem(problem_id::unknown_fact, at(ptr, "fact"),
            fmt::format("unknown fact \"{}\"; known facts: {}, customer.attributes.<name>, "
                        "queue.<id>.waiting, queue.<id>.agents_online, queue.<id>.wait_seconds, queue.<id>.open",
                        c.fact, names));
    return c;
  }
  static constexpr std::pair<const char*, comparison> ops[] = {
      {"equals", comparison::equals},     {"in", comparison::in},
      {"at_least", comparison::at_least}, {"at_most", comparison::at_most},
      {"contains", comparison::contains}, {"matches", comparison::matches},
      {"exists", comparison::exists}};
  int found = 0;
  for (const auto& [name, op] : ops) {
    auto m = member(j, ptr, name);
    if (!m) continue;
    ++found;
    c.op = op;
    check_operand(*fact, op, *m, at(ptr, name));
    if (detail::within_depth(*m)) c.operand = detail::from_json(*m);
  }
  if (found != 1)
    problem(problem_id::bad_comparison, ptr,
            "a comparison needs exactly one of equals, in, at_least, at_most, contains, matches, exists");
  return c;
}

void config_reader::check_operand(const detail::fact_info& fact, comparison op, const json& operand,
                                  const std::string& ptr) {
  using detail::fact_type;
  auto type_name = [](fact_type t) {
    return t == fact_type::boolean       ? "a boolean"
           : t == fact_type::number      ? "a number"
           : t == fact_type::string_list ? "a list of strings"
                                         : "a string";
  };
  // A list is compared with the strings it may hold.
  auto fits = [&](const json& v) {
    switch (fact.type) {
      case fact_type::boolean: return v.is_boolean();
      case fact_type::number: return v.is_number();
      case fact_type::string:
      case fact_type::string_list: return v.is_string();
      case fact_type::any: return v.is_primitive() && !v.is_null();
    }
    return false;
  };
  auto wrong = [&](std::string_view expected) {
    problem(problem_id::bad_comparison, ptr,
            fmt::format("fact \"{}\" is {}: expected {}, found {}", fact.name,
                        fact.type == fact_type::any ? "any value" : type_name(fact.type), expected,
                        detail::json_kind(operand)));
  };
  switch (op) {
    case comparison::equals:
      if (!fits(operand))
        wrong(fact.type == fact_type::any           ? "a string, number or boolean"
              : fact.type == fact_type::string_list ? "a string it may hold"
                                                    : type_name(fact.type));
      break;
    case comparison::in:
      if (!operand.is_array() || operand.empty()) {
        wrong("a non-empty array");
      } else {
        for (const auto& v : operand)
          if (!fits(v)) {
            wrong(fmt::format("an array of {}", fact.type == fact_type::any           ? "values"
                                                : fact.type == fact_type::string_list ? "strings"
                                                                                      : type_name(fact.type)));
            break;
          }
      }
      break;
    case comparison::at_least:
    case comparison::at_most:
      if (fact.type != fact_type::number && fact.type != fact_type::any)
        wrong("a fact that is a number");
      else if (!operand.is_number())
        wrong("a number");
      break;
    case comparison::contains:
      if (fact.type != fact_type::string && fact.type != fact_type::any && fact.type != fact_type::string_list)
        wrong("a fact that is a string");
      else if (!operand.is_string())
        wrong("a string");
      break;
    case comparison::matches:
      if (fact.type != fact_type::string && fact.type != fact_type::any && fact.type != fact_type::string_list)
        wrong("a fact that is a string");
      else if (!operand.is_string())
        wrong("a string (an RE2 pattern)");
      else
        check_pattern(operand.get<std::string>(), ptr);
      break;
    case comparison::exists:
      if (!operand.is_boolean()) wrong("true or false");
      break;
  }
}

// A condition written out canonically, to compare conditions.
std::string config_reader::canonical(const condition& c) {
  switch (c.kind) {
    case condition::node::all:
    case condition::node::any: {
      std::vector<std::string> parts;
      for (const auto& child : c.children) parts.push_back(canonical(child));
      std::sort(parts.begin(), parts.end());
      std::string out = c.kind == condition::node::all ? "all(" : "any(";
      for (const auto& p : parts) out += p + ",";
      return out + ")";
    }
    case condition::node::negate: return "not(" + canonical(c.children.front()) + ")";
    case condition::node::compare: break;
  }
  return fmt::format("{}:{}:{}", c.fact, static_cast<int>(c.op), detail::dump_line(detail::to_json(c.operand)));
}

// The parts a condition needs, all of them: an `all`'s children, or the
// condition itself.
std::set<std::string> config_reader::conjuncts(const condition& c) {
  std::set<std::string> out;
  if (c.kind == condition::node::all)
    for (const auto& child : c.children) out.insert(canonical(child));
  else
    out.insert(canonical(c));
  return out;
}

// A rule after one that needs no more than it does can never fire: the
// earlier one always fires first.
void config_reader::check_reachable(const policy_definition& policy) {
  std::vector<std::set<std::string>> needs;
  for (const auto& r : policy.rules) needs.push_back(conjuncts(r.when));
  for (std::size_t j = 0; j < policy.rules.size(); ++j)
    for (std::size_t i = 0; i < j; ++i)
      if (std::includes(needs[j].begin(), needs[j].end(), needs[i].begin(), needs[i].end())) {
        warning(problem_id::unreachable_rule, policy.rules[j].pointer,
                fmt::format("rule \"{}\" can never fire: rule \"{}\" before it holds whenever it does",
                            policy.rules[j].id, policy.rules[i].id));
        break;
      }
}

}  // namespace handoff::detail
