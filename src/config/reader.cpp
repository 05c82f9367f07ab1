// SPDX-License-Identifier: MIT
// The helpers every section reader uses.
#include "config/reader.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include "handoff/normalize.hpp"
#include "protocol/json_value.hpp"

namespace handoff::detail {

std::string at(const std::string& ptr, std::string_view key) {
  std::string out = ptr + "/";
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string at(const std::string& ptr, std::size_t index) { return fmt::format("{}/{}", ptr, index); }

void config_reader::problem(problem_id id, std::string pointer, std::string message, config_problem::level level) {
  problems_.push_back(make_problem(id, std::move(pointer), std::move(message), level));
}

void config_reader::warning(problem_id id, std::string pointer, std::string message) {
  problem(id, std::move(pointer), std::move(message), config_problem::level::warning);
}

bool config_reader::expect_object(const json& j, const std::string& ptr) {
  if (j.is_object()) return true;
  problem(problem_id::wrong_type, ptr, fmt::format("expected an object, found {}", detail::json_kind(j)));
  return false;
}

bool config_reader::expect_array(const json& j, const std::string& ptr) {
  if (j.is_array()) return true;
  problem(problem_id::wrong_type, ptr, fmt::format("expected an array, found {}", detail::json_kind(j)));
  return false;
}

void config_reader::allow_keys(const json& obj, const std::string& ptr, std::initializer_list<std::string_view> keys) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const auto& k = it.key();
    if (k.starts_with("$")) continue;  // "$comment", "$schema"
    bool known = false;
    for (auto key : keys) known = known || key == k;
    if (known) continue;
    std::string list;
    for (auto key : keys) list += fmt::format("{}{}", list.empty() ? "" : ", ", key);
    problem(problem_id::unknown_key, at(ptr, k), fmt::format("unknown key \"{}\"; expected one of {}", k, list));
  }
}

const json* config_reader::member(const json& obj, const std::string&, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

const json* config_reader::required(const json& obj, const std::string& ptr, const char* key,
                                    std::string_view expected) {
  auto m = member(obj, ptr, key);
  if (!m) problem(problem_id::missing, at(ptr, key), fmt::format("missing; expected {}", expected));
  return m;
}

std::string config_reader::string_value(const json& j, const std::string& ptr) {
  if (j.is_string()) {
    auto s = j.get<std::string>();
    if (!is_valid_utf8(s)) problem(problem_id::invalid_value, ptr, "not valid UTF-8");
    return s;
  }
  problem(problem_id::wrong_type, ptr, fmt::format("expected a string, found {}", detail::json_kind(j)));
  return {};
}

std::string config_reader::optional_string(const json& obj, const std::string& ptr, const char* key) {
  auto m = member(obj, ptr, key);
  return m ? string_value(*m, at(ptr, key)) : std::string();
}

std::string config_reader::required_id(const json& obj, const std::string& ptr) {
  auto m = required(obj, ptr, "id", "a non-empty string");
  if (!m) return {};
  auto s = string_value(*m, at(ptr, "id"));
  if (m->is_string() && s.empty()) problem(problem_id::invalid_value, at(ptr, "id"), "must not be empty");
  return s;
}

long long config_reader::integer(const json& j, const std::string& ptr, long long lo, long long hi) {
  if (!j.is_number_integer() && !(j.is_number_float() && j.get<double>() == static_cast<double>(j.get<long long>()))) {
    problem(problem_id::wrong_type, ptr, fmt::format("expected a whole number, found {}", detail::json_kind(j)));
    return lo;
  }
  auto v = j.get<long long>();
  if (v < lo || v > hi) problem(problem_id::invalid_value, ptr, fmt::format("must be from {} to {}", lo, hi));
  return v;
}

bool config_reader::boolean(const json& obj, const std::string& ptr, const char* key) {
  auto m = member(obj, ptr, key);
  if (!m) return false;
  if (!m->is_boolean()) {
    problem(problem_id::wrong_type, at(ptr, key),
            fmt::format("expected true or false, found {}", detail::json_kind(*m)));
    return false;
  }
  return m->get<bool>();
}

double config_reader::number(const json& j, const std::string& ptr, double lo, double hi) {
  if (!j.is_number()) {
    problem(problem_id::wrong_type, ptr, fmt::format("expected a number, found {}", detail::json_kind(j)));
    return lo;
  }
  auto v = j.get<double>();
  if (!(v >= lo && v <= hi)) problem(problem_id::invalid_value, ptr, fmt::format("must be from {} to {}", lo, hi));
  return v;
}

bool config_reader::known_language(std::string_view lang) const {
  return std::find(languages_.begin(), languages_.end(), lang) != languages_.end();
}

// A text per language, or one string for every language.
localized_text config_reader::localized(const json& j, const std::string& ptr, bool require_all) {
  localized_text out;
  if (j.is_string()) {
    out.set("", string_value(j, ptr));
    return out;
  }
  if (!j.is_object()) {
    problem(problem_id::wrong_type, ptr,
            fmt::format("expected an object of texts by language (or one string), found {}", detail::json_kind(j)));
    return out;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!known_language(it.key())) {
      problem(problem_id::unknown_language, at(ptr, it.key()),
              fmt::format("\"{}\" is not one of the bot's `languages`", it.key()));
      continue;
    }
    out.set(it.key(), string_value(it.value(), at(ptr, it.key())));
  }
  if (require_all)
    for (const auto& lang : languages_)
      if (!j.contains(lang))
        warning(problem_id::missing_language, ptr,
                fmt::format("no text in \"{}\"; customers writing it get the default language", lang));
  return out;
}

std::vector<localized_reply> config_reader::quick_replies(const json& j, const std::string& ptr) {
  std::vector<localized_reply> out;
  if (!expect_array(j, ptr)) return out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto p = at(ptr, i);
    const auto& r = j[i];
    if (!expect_object(r, p)) continue;
    allow_keys(r, p, {"label", "value"});
    localized_reply reply;
    if (auto l = required(r, p, "label", "a text per language")) reply.label = localized(*l, at(p, "label"), true);
    if (auto v = required(r, p, "value", "an intent id or \"request_human\""))
      reply.value = string_value(*v, at(p, "value"));
    reply_values_.emplace_back(reply.value, at(p, "value"));
    out.push_back(std::move(reply));
  }
  return out;
}

void config_reader::read_message(const json& j, const std::string& ptr, localized_text& text,
                                 std::vector<localized_reply>& replies, bool text_required) {
  if (!expect_object(j, ptr)) return;
  allow_keys(j, ptr, {"text", "quick_replies"});
  if (auto t = text_required ? required(j, ptr, "text", "a text per language") : member(j, ptr, "text"))
    text = localized(*t, at(ptr, "text"), true);
  if (auto q = member(j, ptr, "quick_replies")) replies = quick_replies(*q, at(ptr, "quick_replies"));
}

strings_by_language config_reader::by_language(const json& j, const std::string& ptr, bool patterns) {
  strings_by_language out;
  if (!expect_object(j, ptr)) return out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    auto p = at(ptr, it.key());
    if (!known_language(it.key())) {
      problem(problem_id::unknown_language, p, fmt::format("\"{}\" is not one of the bot's `languages`", it.key()));
      continue;
    }
    std::vector<std::string> list;
    if (expect_array(it.value(), p)) {
      for (std::size_t i = 0; i < it.value().size(); ++i) {
        auto s = string_value(it.value()[i], at(p, i));
        if (it.value()[i].is_string() && (patterns ? s.empty() : normalize(s).empty())) {
          problem(problem_id::invalid_value, at(p, i), "must not be empty (after normalisation)");
          continue;
        }
        if (patterns) check_pattern(s, at(p, i));
        list.push_back(std::move(s));
      }
    }
    out.emplace_back(it.key(), std::move(list));
  }
  return out;
}

void config_reader::check_pattern(const std::string& pattern, const std::string& ptr) {
  if (pattern.empty()) return;
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(pattern, options);
  if (!re.ok()) problem(problem_id::bad_pattern, ptr, fmt::format("RE2 cannot compile it: {}", re.error()));
}

void config_reader::check_queue(const bot_config& cfg, const std::string& queue, const std::string& ptr) {
  if (queue.empty() || cfg.find_queue(queue)) return;
  std::string names;
  for (const auto& q : cfg.queues) names += fmt::format("{}{}", names.empty() ? "" : ", ", q.id);
  problem(problem_id::unknown_queue, ptr, fmt::format("no queue \"{}\"; queues: {}", queue, names));
}

priority config_reader::read_priority(const json& j, const std::string& ptr) {
  auto s = string_value(j, ptr);
  if (auto p = parse_priority(s)) return *p;
  if (j.is_string())
    problem(problem_id::invalid_value, ptr, fmt::format("expected low, normal, high or urgent, found \"{}\"", s));
  return priority::normal;
}

}  // namespace handoff::detail
