// SPDX-License-Identifier: MIT
#include "handoff/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "bot/lookup_action.hpp"
#include "config/reader.hpp"
#include "handoff/matchers/linear_model.hpp"

namespace handoff {

const intent_definition* bot_config::find_intent(std::string_view id) const noexcept {
  for (const auto& i : intents)
    if (i.id == id) return &i;
  return nullptr;
}

const action_definition* bot_config::find_action(std::string_view action) const noexcept {
  for (const auto& a : actions)
    if (a.name == action) return &a;
  return nullptr;
}

const business_hours* bot_config::find_hours(std::string_view id) const noexcept {
  for (const auto& h : hours)
    if (h.id == id) return &h;
  return nullptr;
}

const queue_definition* bot_config::find_queue(std::string_view id) const noexcept {
  for (const auto& q : queues)
    if (q.id == id) return &q;
  return nullptr;
}

std::string config_problem::to_string() const {
  return fmt::format("{} [{}] {}: {}", severity == level::error ? "error" : "warning", id,
                     pointer.empty() ? "/" : pointer, message);
}

namespace {

std::string describe(std::string_view source, const std::vector<config_problem>& problems) {
  std::size_t errors = 0;
  for (const auto& p : problems) errors += p.severity == config_problem::level::error;
  std::string out = fmt::format("{}: {} error{} in the configuration", source, errors, errors == 1 ? "" : "s");
  for (const auto& p : problems)
    if (p.severity == config_problem::level::error) out += "\n  " + p.to_string();
  return out;
}

}  // namespace

config_error::config_error(std::string source, std::vector<config_problem> problems)
    : error(describe(source, problems)), problems_(std::move(problems)) {}

namespace detail {

bot_config config_reader::read(const json& root) {
  bot_config cfg;
  cfg_ = &cfg;
  if (!expect_object(root, "")) return cfg;
  allow_keys(root, "",
             {"name", "languages", "limits", "welcome", "fallback", "notices", "actions", "intents", "business_hours",
              "queues", "policy", "understanding", "recommendation", "privacy", "timers"});
  cfg.name = optional_string(root, "", "name");

  read_languages(root, cfg);
  if (auto l = member(root, "", "limits")) {
    if (expect_object(*l, "/limits")) {
      allow_keys(*l, "/limits", {"max_message_bytes"});
      if (auto m = member(*l, "/limits", "max_message_bytes"))
        cfg.max_message_bytes = static_cast<std::size_t>(integer(*m, "/limits/max_message_bytes", 1, 64 << 20));
    }
  }
  if (auto h = member(root, "", "business_hours")) read_business_hours(*h, cfg);
  if (auto q = required(root, "", "queues", "an array of queues")) read_queues(*q, cfg);
  if (auto a = member(root, "", "actions")) read_actions(*a, cfg);
  if (auto i = required(root, "", "intents", "an array of intents")) read_intents(*i, cfg);
  if (auto w = required(root, "", "welcome", "an object with `text` and `quick_replies`"))
    read_message(*w, "/welcome", cfg.welcome, cfg.menu, true);
  if (auto f = required(root, "", "fallback", "an object with `text` and `quick_replies`"))
    read_message(*f, "/fallback", cfg.fallback, cfg.fallback_replies, true);
  if (auto n = member(root, "", "notices")) read_notices(*n, cfg.notices);
  if (auto p = member(root, "", "policy")) {
    read_policy(*p, cfg);
    check_reachable(cfg.policy);
  }
  if (auto u = member(root, "", "understanding")) read_understanding(*u, cfg);
  if (auto r = member(root, "", "recommendation")) read_recommendation(*r, cfg);
  if (auto p = member(root, "", "privacy")) read_privacy(*p, cfg);
  if (auto t = member(root, "", "timers")) read_timers(*t, cfg);
  check_reply_values(cfg);
  return cfg;
}

void config_reader::read_languages(const json& root, bot_config& cfg) {
  auto l = required(root, "", "languages", "an array of BCP 47 tags, default first");
  if (!l || !expect_array(*l, "/languages")) return;
  for (std::size_t i = 0; i < l->size(); ++i) {
    auto s = string_value((*l)[i], at("/languages", i));
    if (s.empty()) continue;
    if (std::find(cfg.languages.begin(), cfg.languages.end(), s) != cfg.languages.end())
      problem(problem_id::duplicate_id, at("/languages", i), fmt::format("language \"{}\" is listed twice", s));
    else
      cfg.languages.push_back(std::move(s));
  }
  if (cfg.languages.empty()) problem(problem_id::invalid_value, "/languages", "at least one language is needed");
  languages_ = cfg.languages;
}

void config_reader::check_reply_values(const bot_config& cfg) {
  for (const auto& [value, ptr] : reply_values_) {
    if (value.empty())
      problem(problem_id::invalid_value, ptr, "must not be empty");
    else if (value != "request_human" && !cfg.find_intent(value))
      warning(problem_id::unknown_intent, ptr,
              fmt::format("\"{}\" is neither an intent id nor \"request_human\"; choosing it sends it as text", value));
  }
}

}  // namespace detail

namespace {

using detail::json;

bool has_errors(const std::vector<config_problem>& problems) {
  for (const auto& p : problems)
    if (p.severity == config_problem::level::error) return true;
  return false;
}

bot_config read_checked(std::string_view text, std::vector<config_problem>& problems) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    problems.push_back(detail::make_problem(detail::problem_id::invalid_json, "", e.what()));
    return {};
  }
  return detail::config_reader(problems).read(root);
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw error(fmt::format("cannot read the configuration {}", file.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

namespace {

// The files a configuration names, read now so that building an engine
// reads none: the model, and the records of the actions. Relative paths
// are relative to `base` (the configuration's folder, or where the
// program runs).
void read_named_files(bot_config& cfg, const std::filesystem::path& base, std::string_view source) {
  auto resolve = [&](std::string& path) {
    if (!path.empty() && !base.empty() && std::filesystem::path(path).is_relative())
      path = (base / path).lexically_normal().string();
  };
  auto& u = cfg.understanding;
  resolve(u.model);
  if (!u.model.empty()) {
    try {
      u.loaded_model = std::make_shared<const linear_model>(linear_model::load(u.model));
      u.loaded_from = u.model;
    } catch (const error& e) {
      throw config_error(std::string(source),
                         {detail::make_problem(detail::problem_id::bad_model, "/understanding/model", e.what())});
    }
  }
  for (auto& a : cfg.actions) {
    resolve(a.file);
    a.records = std::make_shared<const lookup_records>(lookup_records{a.file, detail::read_lookup_records(a)});
  }
}

}  // namespace

bot_config parse_config(std::string_view json_text, std::string_view source) {
  std::vector<config_problem> problems;
  auto cfg = read_checked(json_text, problems);
  if (has_errors(problems)) throw config_error(std::string(source), std::move(problems));
  read_named_files(cfg, {}, source);
  return cfg;
}

bot_config load_config(const std::filesystem::path& file) {
  std::vector<config_problem> problems;
  auto cfg = read_checked(read_file(file), problems);
  if (has_errors(problems)) throw config_error(file.string(), std::move(problems));
  // The files named in it are found next to it, wherever the host runs.
  read_named_files(cfg, file.parent_path(), file.string());
  return cfg;
}

std::vector<config_problem> check_config(std::string_view json_text) {
  std::vector<config_problem> problems;
  read_checked(json_text, problems);
  return problems;
}

std::vector<config_problem> check_config_file(const std::filesystem::path& file) {
  try {
    return check_config(read_file(file));
  } catch (const error& e) {
    return {detail::make_problem(detail::problem_id::unreadable, "", e.what())};
  }
}

}  // namespace handoff
