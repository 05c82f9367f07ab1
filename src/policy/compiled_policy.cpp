// SPDX-License-Identifier: MIT
#include "policy/compiled_policy.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <charconv>
#include <variant>

#include "policy/facts.hpp"
#include "text/ascii.hpp"

namespace handoff::detail {
namespace {

using tag_list = const std::vector<std::string>*;
using fact_value = std::variant<std::monostate, bool, double, std::string_view, tag_list>;

// `info` is the fact `name` names, found once when the condition was compiled.
fact_value read(const std::string& name, const std::optional<fact_info>& info, const message_facts& f) {
  if (!info) return {};
  const customer_info* c = f.customer;
  auto str = [](std::string_view s) -> fact_value {
    if (s.empty()) return {};
    return s;
  };
  switch (info->id) {
    case fact_id::human_requested: return f.human_requested;
    case fact_id::intent: return str(f.intent);
    case fact_id::confidence: return f.confidence;
    case fact_id::out_of_scope: return f.out_of_scope;
    case fact_id::language: return str(f.language);
    case fact_id::channel: return str(f.channel);
    case fact_id::turns: return static_cast<double>(f.turns);
    case fact_id::fallbacks_in_row: return static_cast<double>(f.fallbacks_in_row);
    case fact_id::margin: return f.intent.empty() ? fact_value{} : fact_value{f.margin};
    case fact_id::sentiment: return f.sentiment ? fact_value{f.sentiment->score} : fact_value{};
    case fact_id::sentiment_trend: return f.sentiment ? fact_value{f.mood} : fact_value{};
    case fact_id::emotion: return f.sentiment ? str(f.sentiment->strongest()) : fact_value{};
    case fact_id::emotion_anger: return f.sentiment ? fact_value{f.sentiment->anger} : fact_value{};
    case fact_id::emotion_frustration: return f.sentiment ? fact_value{f.sentiment->frustration} : fact_value{};
    case fact_id::emotion_anxiety: return f.sentiment ? fact_value{f.sentiment->anxiety} : fact_value{};
    case fact_id::emotion_urgency: return f.sentiment ? fact_value{f.sentiment->urgency} : fact_value{};
    case fact_id::agents_online:
      return f.queues ? fact_value{static_cast<double>(f.queues->agents_online())} : fact_value{};
    case fact_id::queue_fact: {
      if (!f.queues) return {};
      auto [queue, field] = split_queue_fact(name);
      if (auto v = f.queues->queue_fact(queue, field)) {
        if (field == "open") return *v != 0;
        return *v;
      }
      return {};
    }
    case fact_id::tags: return f.tags && !f.tags->empty() ? fact_value{f.tags} : fact_value{};
    case fact_id::within_hours: return f.queues ? fact_value{f.queues->within_hours()} : fact_value{};
    case fact_id::customer_id: return c ? str(c->id) : fact_value{};
    case fact_id::customer_tier: return c ? str(c->tier) : fact_value{};
    case fact_id::customer_name: return c ? str(c->name) : fact_value{};
    case fact_id::customer_language: return c ? str(c->language) : fact_value{};
    case fact_id::customer_attribute: {
      if (!c) return {};
      const value* v = c->attributes.find_path(std::string_view(name).substr(attribute_prefix.size()));
      if (!v) return {};
      if (auto b = v->as_bool()) return *b;
      if (auto d = v->as_number()) return *d;
      if (auto s = v->as_string()) return *s;
      return {};
    }
  }
  return {};
}

// Host attributes arrive as numbers or as numeric strings ("1999.00").
std::optional<double> as_number(const fact_value& v) {
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto s = std::get_if<std::string_view>(&v)) {
    double d;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), d);
    if (ec == std::errc() && p == s->data() + s->size()) return d;
  }
  return std::nullopt;
}

// Strings compare without regard to ASCII case: hosts write "VIP" and "vip".
// A list of tags equals a string it holds.
bool equal(const fact_value& f, const value& operand) {
  if (auto b = std::get_if<bool>(&f)) return operand.as_bool() == *b;
  if (auto list = std::get_if<tag_list>(&f)) {
    auto o = operand.as_string();
    if (!o) return false;
    for (const auto& t : **list)
      if (iequals(t, *o)) return true;
    return false;
  }
  if (auto s = std::get_if<std::string_view>(&f)) {
    if (auto o = operand.as_string()) return iequals(*s, *o);
    if (auto n = operand.as_number()) return as_number(f) == *n;
    return false;
  }
  if (auto d = std::get_if<double>(&f)) return operand.as_number() == *d;
  return false;
}

}  // namespace

compiled_condition::compiled_condition(const condition& c) : c_(&c) {
  if (c.kind == condition::node::compare) fact_ = find_fact(c.fact);
  for (const auto& child : c.children) children_.emplace_back(child);
  if (c.kind == condition::node::compare && c.op == comparison::matches)
    if (auto p = c.operand.as_string()) {
      RE2::Options options;
      options.set_log_errors(false);
      re_ = std::make_unique<RE2>(*p, options);
    }
}

compiled_condition::compiled_condition(compiled_condition&&) noexcept = default;
compiled_condition::~compiled_condition() = default;

bool compiled_condition::holds(const message_facts& facts) const {
  switch (c_->kind) {
    case condition::node::all:
      for (const auto& child : children_)
        if (!child.holds(facts)) return false;
      return true;
    case condition::node::any:
      for (const auto& child : children_)
        if (child.holds(facts)) return true;
      return false;
    case condition::node::negate: return !children_.front().holds(facts);
    case condition::node::compare: break;
  }
  fact_value f = read(c_->fact, fact_, facts);
  bool present = !std::holds_alternative<std::monostate>(f);
  switch (c_->op) {
    case comparison::exists: return present == c_->operand.as_bool().value_or(true);
    case comparison::equals: return present && equal(f, c_->operand);
    case comparison::in:
      if (auto list = c_->operand.as_array())
        for (const auto& v : *list)
          if (present && equal(f, v)) return true;
      return false;
    case comparison::at_least: {
      auto n = as_number(f);
      auto o = c_->operand.as_number();
      return n && o && *n >= *o;
    }
    case comparison::at_most: {
      auto n = as_number(f);
      auto o = c_->operand.as_number();
      return n && o && *n <= *o;
    }
    case comparison::contains: {
      if (std::holds_alternative<tag_list>(f)) return equal(f, c_->operand);  // holds the tag
      auto s = std::get_if<std::string_view>(&f);
      auto o = c_->operand.as_string();
      return s && o && icontains(*s, *o);
    }
    case comparison::matches: {
      if (!re_ || !re_->ok()) return false;
      if (auto list = std::get_if<tag_list>(&f)) {
        for (const auto& t : **list)
          if (RE2::PartialMatch(t, *re_)) return true;
        return false;
      }
      auto s = std::get_if<std::string_view>(&f);
      return s && RE2::PartialMatch(*s, *re_);
    }
  }
  return false;
}

compiled_policy::compiled_policy(const policy_definition& p) : p_(&p) {
  for (const auto& r : p.rules) rules_.emplace_back(r.when);
  for (const auto& r : p.routing) routing_.emplace_back(r.when);
}

namespace {

std::string describe(const fact_value& f) {
  if (std::holds_alternative<std::monostate>(f)) return "no value";
  if (auto b = std::get_if<bool>(&f)) return *b ? "true" : "false";
  if (auto d = std::get_if<double>(&f)) return fmt::format("{:.4g}", *d);
  if (auto list = std::get_if<tag_list>(&f)) {
    std::string out = "[";
    for (const auto& t : **list) out += fmt::format("{}\"{}\"", out.size() > 1 ? ", " : "", t);
    return out + "]";
  }
  return fmt::format("\"{}\"", std::get<std::string_view>(f));
}

std::string describe(const value& v) {
  if (auto b = v.as_bool()) return *b ? "true" : "false";
  if (auto d = v.as_number()) return fmt::format("{:.4g}", *d);
  if (auto s = v.as_string()) return fmt::format("\"{}\"", *s);
  if (auto a = v.as_array()) {
    std::string out = "[";
    for (const auto& x : *a) out += (out.size() > 1 ? ", " : "") + describe(x);
    return out + "]";
  }
  return "null";
}

const char* needs(comparison op) {
  switch (op) {
    case comparison::equals: return "needs";
    case comparison::in: return "needs one of";
    case comparison::at_least: return "needs at least";
    case comparison::at_most: return "needs at most";
    case comparison::contains: return "needs to contain";
    case comparison::matches: return "needs to match";
    case comparison::exists: return "needs a value:";
  }
  return "needs";
}

}  // namespace

bool compiled_condition::holds(const message_facts& facts, std::string& failed, std::string& because) const {
  switch (c_->kind) {
    case condition::node::all:
      for (const auto& child : children_)
        if (!child.holds(facts, failed, because)) return false;
      return true;
    case condition::node::any: {
      std::string reasons;
      for (const auto& child : children_) {
        std::string f, b;
        if (child.holds(facts, f, b)) return true;
        reasons += (reasons.empty() ? "" : "; ") + b;
      }
      failed = c_->pointer;
      because = reasons.empty() ? "no alternative holds" : "none holds: " + reasons;
      return false;
    }
    case condition::node::negate: {
      std::string f, b;
      if (!children_.front().holds(facts, f, b)) return true;
      failed = c_->pointer;
      because = "its negation holds";
      return false;
    }
    case condition::node::compare:
      if (holds(facts)) return true;
      failed = c_->pointer;
      {
        auto f = read(c_->fact, fact_, facts);
        because = fmt::format("{} {}, {} {}", c_->fact,
                              std::holds_alternative<std::monostate>(f) ? "has no value" : "is " + describe(f),
                              needs(c_->op), describe(c_->operand));
      }
      return false;
  }
  return false;
}

const policy_rule* compiled_policy::decide(const message_facts& facts, std::vector<rule_trace>& trace) const {
  trace.clear();
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    rule_trace t;
    t.rule = p_->rules[i].id;
    t.fired = rules_[i].holds(facts, t.failed, t.because);
    trace.push_back(std::move(t));
    if (trace.back().fired) return &p_->rules[i];
  }
  return nullptr;
}

const policy_rule* compiled_policy::decide(const message_facts& facts) const {
  for (std::size_t i = 0; i < rules_.size(); ++i)
    if (rules_[i].holds(facts)) return &p_->rules[i];
  return nullptr;
}

const routing_rule* compiled_policy::route(const message_facts& facts) const {
  for (std::size_t i = 0; i < routing_.size(); ++i)
    if (routing_[i].holds(facts)) return &p_->routing[i];
  return nullptr;
}

}  // namespace handoff::detail
