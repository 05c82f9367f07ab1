// SPDX-License-Identifier: MIT
#include "handoff/config.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "bot/hours_schedule.hpp"
#include "bot/lookup_action.hpp"
#include "handoff/language.hpp"
#include "handoff/matcher_registry.hpp"
#include "handoff/matchers/linear_model.hpp"
#include "handoff/normalize.hpp"
#include "handoff/time.hpp"
#include "policy/facts.hpp"
#include "protocol/json_value.hpp"

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

namespace {

using json = nlohmann::json;

std::string escape_pointer(std::string_view key) {
  std::string out;
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

std::string at(const std::string& ptr, std::string_view key) { return ptr + "/" + escape_pointer(key); }
std::string at(const std::string& ptr, std::size_t index) { return fmt::format("{}/{}", ptr, index); }

// Reads the configuration's JSON into typed structures, noting every problem
// rather than stopping at the first, so `handoff check` can list them all.
// The matchers every engine knows, to tell a typo from a host's own.
const matcher_registry& builtin_matchers() {
  static const matcher_registry registry;
  return registry;
}

class checker {
 public:
  explicit checker(std::vector<config_problem>& problems) : problems_(problems) {}

  bot_config read(const json& root) {
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

 private:
  void problem(std::string id, std::string pointer, std::string message,
               config_problem::level level = config_problem::level::error) {
    problems_.push_back({level, "handoff.config." + std::move(id), std::move(pointer), std::move(message)});
  }
  void warning(std::string id, std::string pointer, std::string message) {
    problem(std::move(id), std::move(pointer), std::move(message), config_problem::level::warning);
  }

  bool expect_object(const json& j, const std::string& ptr) {
    if (j.is_object()) return true;
    problem("wrong_type", ptr, fmt::format("expected an object, found {}", detail::json_kind(j)));
    return false;
  }
  bool expect_array(const json& j, const std::string& ptr) {
    if (j.is_array()) return true;
    problem("wrong_type", ptr, fmt::format("expected an array, found {}", detail::json_kind(j)));
    return false;
  }

  void allow_keys(const json& obj, const std::string& ptr, std::initializer_list<std::string_view> keys) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      const auto& k = it.key();
      if (k.starts_with("$")) continue;  // "$comment", "$schema"
      bool known = false;
      for (auto key : keys) known = known || key == k;
      if (known) continue;
      std::string list;
      for (auto key : keys) list += fmt::format("{}{}", list.empty() ? "" : ", ", key);
      problem("unknown_key", at(ptr, k), fmt::format("unknown key \"{}\"; expected one of {}", k, list));
    }
  }

  const json* member(const json& obj, const std::string&, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }
  const json* required(const json& obj, const std::string& ptr, const char* key, std::string_view expected) {
    auto m = member(obj, ptr, key);
    if (!m) problem("missing", at(ptr, key), fmt::format("missing; expected {}", expected));
    return m;
  }

  std::string string_value(const json& j, const std::string& ptr) {
    if (j.is_string()) {
      auto s = j.get<std::string>();
      if (!is_valid_utf8(s)) problem("invalid_value", ptr, "not valid UTF-8");
      return s;
    }
    problem("wrong_type", ptr, fmt::format("expected a string, found {}", detail::json_kind(j)));
    return {};
  }
  std::string optional_string(const json& obj, const std::string& ptr, const char* key) {
    auto m = member(obj, ptr, key);
    return m ? string_value(*m, at(ptr, key)) : std::string();
  }
  std::string required_id(const json& obj, const std::string& ptr) {
    auto m = required(obj, ptr, "id", "a non-empty string");
    if (!m) return {};
    auto s = string_value(*m, at(ptr, "id"));
    if (m->is_string() && s.empty()) problem("invalid_value", at(ptr, "id"), "must not be empty");
    return s;
  }
  long long integer(const json& j, const std::string& ptr, long long lo, long long hi) {
    if (!j.is_number_integer() &&
        !(j.is_number_float() && j.get<double>() == static_cast<double>(j.get<long long>()))) {
      problem("wrong_type", ptr, fmt::format("expected a whole number, found {}", detail::json_kind(j)));
      return lo;
    }
    auto v = j.get<long long>();
    if (v < lo || v > hi) problem("invalid_value", ptr, fmt::format("must be from {} to {}", lo, hi));
    return v;
  }
  bool boolean(const json& obj, const std::string& ptr, const char* key) {
    auto m = member(obj, ptr, key);
    if (!m) return false;
    if (!m->is_boolean()) {
      problem("wrong_type", at(ptr, key), fmt::format("expected true or false, found {}", detail::json_kind(*m)));
      return false;
    }
    return m->get<bool>();
  }

  void read_languages(const json& root, bot_config& cfg) {
    auto l = required(root, "", "languages", "an array of BCP 47 tags, default first");
    if (!l || !expect_array(*l, "/languages")) return;
    for (std::size_t i = 0; i < l->size(); ++i) {
      auto s = string_value((*l)[i], at("/languages", i));
      if (s.empty()) continue;
      if (std::find(cfg.languages.begin(), cfg.languages.end(), s) != cfg.languages.end())
        problem("duplicate_id", at("/languages", i), fmt::format("language \"{}\" is listed twice", s));
      else
        cfg.languages.push_back(std::move(s));
    }
    if (cfg.languages.empty()) problem("invalid_value", "/languages", "at least one language is needed");
    languages_ = cfg.languages;
  }

  bool known_language(std::string_view lang) const {
    return std::find(languages_.begin(), languages_.end(), lang) != languages_.end();
  }

  // A text per language, or one string for every language.
  localized_text localized(const json& j, const std::string& ptr, bool require_all) {
    localized_text out;
    if (j.is_string()) {
      out.set("", string_value(j, ptr));
      return out;
    }
    if (!j.is_object()) {
      problem("wrong_type", ptr,
              fmt::format("expected an object of texts by language (or one string), found {}", detail::json_kind(j)));
      return out;
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!known_language(it.key())) {
        problem("unknown_language", at(ptr, it.key()),
                fmt::format("\"{}\" is not one of the bot's `languages`", it.key()));
        continue;
      }
      out.set(it.key(), string_value(it.value(), at(ptr, it.key())));
    }
    if (require_all)
      for (const auto& lang : languages_)
        if (!j.contains(lang))
          warning("missing_language", ptr,
                  fmt::format("no text in \"{}\"; customers writing it get the default language", lang));
    return out;
  }

  std::vector<localized_reply> quick_replies(const json& j, const std::string& ptr) {
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

  void read_message(const json& j, const std::string& ptr, localized_text& text, std::vector<localized_reply>& replies,
                    bool text_required) {
    if (!expect_object(j, ptr)) return;
    allow_keys(j, ptr, {"text", "quick_replies"});
    if (auto t = text_required ? required(j, ptr, "text", "a text per language") : member(j, ptr, "text"))
      text = localized(*t, at(ptr, "text"), true);
    if (auto q = member(j, ptr, "quick_replies")) replies = quick_replies(*q, at(ptr, "quick_replies"));
  }

  void read_notices(const json& j, notice_texts& n) {
    const std::string ptr = "/notices";
    if (!expect_object(j, ptr)) return;
    allow_keys(j, ptr,
               {"queued", "assigned", "ticket", "handed_back", "survey", "feedback_thanks", "clarify", "closed",
                "silent_reminder", "silent_closed", "wait_too_long", "callback", "keep_waiting"});
    auto one = [&](const char* key, localized_text& out) {
      if (auto m = member(j, ptr, key)) out = localized(*m, at(ptr, key), true);
    };
    one("queued", n.queued);
    one("assigned", n.assigned);
    one("ticket", n.ticket);
    one("handed_back", n.handed_back);
    one("survey", n.survey);
    one("feedback_thanks", n.feedback_thanks);
    one("clarify", n.clarify);
    one("closed", n.closed);
    one("silent_reminder", n.silent_reminder);
    one("silent_closed", n.silent_closed);
    one("wait_too_long", n.wait_too_long);
    one("callback", n.callback);
    one("keep_waiting", n.keep_waiting);
  }

  // ---- business hours -----------------------------------------------------

  static constexpr std::string_view day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

  static int day_index(std::string_view name) {
    for (int i = 0; i < 7; ++i)
      if (name == day_names[i]) return i;
    return -1;
  }

  // "mon-fri", "sat,sun", "fri-mon" (round the weekend) or "daily".
  std::vector<int> weekdays(std::string_view key, const std::string& ptr) {
    std::vector<int> days;
    if (key == "daily") return {0, 1, 2, 3, 4, 5, 6};
    for (std::size_t start = 0; start <= key.size();) {
      auto comma = std::min(key.find(',', start), key.size());
      auto part = key.substr(start, comma - start);
      start = comma + 1;
      auto dash = part.find('-');
      int from = day_index(part.substr(0, dash));
      int to = dash == std::string_view::npos ? from : day_index(part.substr(dash + 1));
      if (from < 0 || to < 0) {
        problem("invalid_value", ptr,
                fmt::format("\"{}\" is not a day or range of days such as \"mon-fri\", \"sat,sun\" or \"daily\"", key));
        return {};
      }
      for (int d = from;; d = (d + 1) % 7) {
        days.push_back(d);
        if (d == to) break;
      }
    }
    return days;
  }

  // "09:00"; "24:00" only as an end.
  static int clock_minutes(std::string_view s, bool end) {
    auto colon = s.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() != colon + 3) return -1;
    int h = 0, m = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (i == colon) continue;
      if (s[i] < '0' || s[i] > '9') return -1;
      (i < colon ? h : m) = (i < colon ? h : m) * 10 + (s[i] - '0');
    }
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end))) return -1;
    return h * 60 + m;
  }

  // "09:00-18:00", or a list of them; an empty list is a closed day.
  std::vector<opening> openings(const json& j, const std::string& ptr) {
    std::vector<opening> out;
    auto one = [&](const json& v, const std::string& p) {
      auto s = string_value(v, p);
      if (!v.is_string()) return;
      auto dash = s.find('-');
      int from = dash == std::string::npos ? -1 : clock_minutes(std::string_view(s).substr(0, dash), false);
      int to = dash == std::string::npos ? -1 : clock_minutes(std::string_view(s).substr(dash + 1), true);
      if (from < 0 || to < 0 || from >= to) {
        problem("invalid_value", p,
                fmt::format(
                    "\"{}\" is not opening hours such as \"09:00-18:00\" (the same day; \"24:00\" for midnight)", s));
        return;
      }
      out.push_back({from, to});
    };
    if (j.is_array()) {
      for (std::size_t i = 0; i < j.size(); ++i) one(j[i], at(ptr, i));
    } else {
      one(j, ptr);
    }
    // Overlapping spans are one span.
    std::sort(out.begin(), out.end(), [](const opening& a, const opening& b) { return a.from < b.from; });
    std::vector<opening> merged;
    for (const auto& o : out)
      if (!merged.empty() && o.from <= merged.back().to)
        merged.back().to = std::max(merged.back().to, o.to);
      else
        merged.push_back(o);
    return merged;
  }

  std::optional<std::chrono::year_month_day> calendar_date(std::string_view s, const std::string& ptr) {
    auto t = parse_rfc3339(fmt::format("{}T00:00:00Z", s));
    if (s.size() != 10 || !t) {
      problem("invalid_value", ptr, fmt::format("\"{}\" is not a date such as \"2026-10-01\"", s));
      return std::nullopt;
    }
    return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(*t)};
  }

  void read_business_hours(const json& j, bot_config& cfg) {
    const std::string ptr = "/business_hours";
    if (!expect_object(j, ptr)) return;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key().starts_with("$")) continue;
      const auto p = at(ptr, it.key());
      const auto& o = it.value();
      if (!expect_object(o, p)) continue;
      allow_keys(o, p, {"time_zone", "weekly", "holidays", "dates"});
      business_hours h;
      h.id = it.key();
      if (auto z = required(o, p, "time_zone", "an IANA time zone such as \"Asia/Shanghai\"")) {
        h.time_zone = string_value(*z, at(p, "time_zone"));
        if (z->is_string() && !detail::find_time_zone(h.time_zone))
          problem("unknown_time_zone", at(p, "time_zone"),
                  fmt::format("\"{}\" is not a time zone this system knows; IANA names such as \"Asia/Shanghai\" "
                              "or \"Europe/Berlin\" (Debian's tzdata)",
                              h.time_zone));
      }
      if (auto w = required(o, p, "weekly", "hours by day, such as {\"mon-fri\": \"09:00-18:00\"}");
          w && expect_object(*w, at(p, "weekly"))) {
        std::array<bool, 7> given{};
        for (auto d = w->begin(); d != w->end(); ++d) {
          if (d.key().starts_with("$")) continue;
          const auto dp = at(at(p, "weekly"), d.key());
          auto spans = openings(d.value(), dp);
          for (int k : weekdays(d.key(), dp)) {
            if (given[static_cast<std::size_t>(k)])
              problem("duplicate_id", dp, fmt::format("{} is given more than once", day_names[k]));
            given[static_cast<std::size_t>(k)] = true;
            h.weekly[static_cast<std::size_t>(k)] = spans;
          }
        }
      }
      std::set<std::string> seen;
      auto add_date = [&](std::string_view text, const std::string& dp, std::vector<opening> spans) {
        if (!seen.insert(std::string(text)).second)
          problem("duplicate_id", dp, fmt::format("{} is given more than once", text));
        else if (auto d = calendar_date(text, dp))
          h.dates.emplace_back(*d, std::move(spans));
      };
      if (auto hol = member(o, p, "holidays"); hol && expect_array(*hol, at(p, "holidays")))
        for (std::size_t i = 0; i < hol->size(); ++i) {
          const auto dp = at(at(p, "holidays"), i);
          auto text = string_value((*hol)[i], dp);
          if ((*hol)[i].is_string()) add_date(text, dp, {});
        }
      if (auto ds = member(o, p, "dates"); ds && expect_object(*ds, at(p, "dates")))
        for (auto d = ds->begin(); d != ds->end(); ++d) {
          if (d.key().starts_with("$")) continue;
          const auto dp = at(at(p, "dates"), d.key());
          add_date(d.key(), dp, openings(d.value(), dp));
        }
      std::sort(h.dates.begin(), h.dates.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      bool ever = false;
      for (const auto& day : h.weekly) ever = ever || !day.empty();
      if (!ever) warning("never_open", at(p, "weekly"), "open on no day of the week: every handoff becomes a ticket");
      cfg.hours.push_back(std::move(h));
    }
  }

  double number(const json& j, const std::string& ptr, double lo, double hi) {
    if (!j.is_number()) {
      problem("wrong_type", ptr, fmt::format("expected a number, found {}", detail::json_kind(j)));
      return lo;
    }
    auto v = j.get<double>();
    if (!(v >= lo && v <= hi)) problem("invalid_value", ptr, fmt::format("must be from {} to {}", lo, hi));
    return v;
  }

  void read_understanding(const json& j, bot_config& cfg) {
    const std::string ptr = "/understanding";
    if (!expect_object(j, ptr)) return;
    allow_keys(
        j, ptr,
        {"matchers", "certain", "threshold", "clarify_ratio", "suggest", "model", "seed", "out_of_scope", "settings"});
    auto& u = cfg.understanding;
    if (auto m = member(j, ptr, "matchers")) {
      const auto p = at(ptr, "matchers");
      if (expect_array(*m, p)) {
        u.matchers.clear();
        for (std::size_t i = 0; i < m->size(); ++i) {
          auto name = string_value((*m)[i], at(p, i));
          if (!(*m)[i].is_string()) continue;
          if (!builtin_matchers().contains(name)) {
            std::string known;
            for (const auto& n : builtin_matchers().names()) known += fmt::format("{}{}", known.empty() ? "" : ", ", n);
            warning("unknown_matcher", at(p, i),
                    fmt::format("\"{}\" is not a built-in matcher ({}): the host must register it", name, known));
          }
          u.matchers.push_back(std::move(name));
        }
        if (m->empty()) problem("invalid_value", p, "at least one matcher is needed");
      }
    }
    if (auto c = member(j, ptr, "certain")) u.certain = number(*c, at(ptr, "certain"), 0, 1);
    if (auto t = member(j, ptr, "threshold")) u.threshold = number(*t, at(ptr, "threshold"), 0, 1);
    if (auto c = member(j, ptr, "clarify_ratio")) u.clarify_ratio = number(*c, at(ptr, "clarify_ratio"), 0, 2);
    if (auto c = member(j, ptr, "suggest")) u.suggest = number(*c, at(ptr, "suggest"), 0, 2);
    u.model = optional_string(j, ptr, "model");
    if (auto s = member(j, ptr, "seed"))
      u.seed = static_cast<std::uint32_t>(integer(*s, at(ptr, "seed"), 0, 0xFFFFFFFFll));
    if (auto o = member(j, ptr, "out_of_scope")) u.out_of_scope = by_language(*o, at(ptr, "out_of_scope"), false);
    if (auto s = member(j, ptr, "settings"); s && expect_object(*s, at(ptr, "settings")))
      for (auto it = s->begin(); it != s->end(); ++it) {
        if (it.key().starts_with("$")) continue;
        if (!detail::within_depth(it.value())) {
          problem("invalid_value", at(at(ptr, "settings"), it.key()), "nested too deeply");
          continue;
        }
        u.settings.emplace_back(it.key(), detail::from_json(it.value()));
      }
  }

  strings_by_language by_language(const json& j, const std::string& ptr, bool patterns) {
    strings_by_language out;
    if (!expect_object(j, ptr)) return out;
    for (auto it = j.begin(); it != j.end(); ++it) {
      auto p = at(ptr, it.key());
      if (!known_language(it.key())) {
        problem("unknown_language", p, fmt::format("\"{}\" is not one of the bot's `languages`", it.key()));
        continue;
      }
      std::vector<std::string> list;
      if (expect_array(it.value(), p)) {
        for (std::size_t i = 0; i < it.value().size(); ++i) {
          auto s = string_value(it.value()[i], at(p, i));
          if (it.value()[i].is_string() && (patterns ? s.empty() : normalize(s).empty())) {
            problem("invalid_value", at(p, i), "must not be empty (after normalisation)");
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

  void check_pattern(const std::string& pattern, const std::string& ptr) {
    if (pattern.empty()) return;
    RE2::Options options;
    options.set_log_errors(false);
    RE2 re(pattern, options);
    if (!re.ok()) problem("bad_pattern", ptr, fmt::format("RE2 cannot compile it: {}", re.error()));
  }

  void read_intents(const json& j, bot_config& cfg) {
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
        problem("duplicate_id", at(p, "id"), fmt::format("intent \"{}\" is defined twice", def.id));
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
        warning("no_effect", at(p, "action"), "an action without `slots` is called on every message of the intent");
      if (!def.action.empty() && !cfg.find_action(def.action))
        warning("unknown_action", at(p, "action"),
                fmt::format("no action \"{}\" in `actions`; the host must register it", def.action));
      if (auto r = member(o, p, "responses"); r && expect_object(*r, at(p, "responses"))) {
        if (def.action.empty()) problem("invalid_value", at(p, "responses"), "`responses` need an `action`");
        for (auto it = r->begin(); it != r->end(); ++it)
          if (!it.key().starts_with("$"))
            def.responses.emplace_back(it.key(), localized(it.value(), at(at(p, "responses"), it.key()), true));
      }
      if (def.answer.empty() && def.responses.empty() && !def.requests_human && !def.welcome)
        problem("missing", at(p, "answer"),
                "missing; an intent needs an `answer` unless it `requests_human` or is a `welcome`");
      if (def.keywords.empty() && def.patterns.empty() && def.examples.empty())
        warning("unreachable_intent", p, "no keywords, patterns or examples: only a quick reply can reach it");
      cfg.intents.push_back(std::move(def));
    }
  }

  std::vector<slot_definition> read_slots(const json& j, const std::string& ptr) {
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
        if (n->is_string() && s.name.empty()) problem("invalid_value", at(p, "name"), "must not be empty");
        if (!s.name.empty() && !seen.insert(s.name).second)
          problem("duplicate_id", at(p, "name"), fmt::format("slot \"{}\" is given twice", s.name));
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
        problem("invalid_value", at(p, "entity"),
                fmt::format("unknown entity \"{}\"; expected pattern, phone, email, date, number or text", entity));
      s.pattern = optional_string(o, p, "pattern");
      if (s.entity == entity_kind::pattern && s.pattern.empty())
        problem("missing", at(p, "pattern"), "an entity `pattern` needs a `pattern` (RE2)");
      check_pattern(s.pattern, at(p, "pattern"));
      if (auto pr = required(o, p, "prompt", "what the bot asks, per language"))
        s.prompt = localized(*pr, at(p, "prompt"), true);
      if (auto r = member(o, p, "retry")) s.retry = localized(*r, at(p, "retry"), true);
      out.push_back(std::move(s));
    }
    return out;
  }

  void read_timers(const json& j, bot_config& cfg) {
    const std::string ptr = "/timers";
    if (!expect_object(j, ptr)) return;
    allow_keys(j, ptr, {"customer_silent"});
    if (auto s = member(j, ptr, "customer_silent")) {
      const std::string p = at(ptr, "customer_silent");
      if (!expect_object(*s, p)) return;
      allow_keys(*s, p, {"remind_after", "close_after"});
      if (auto r = member(*s, p, "remind_after"))
        cfg.timers.silent_remind_after = static_cast<int>(integer(*r, at(p, "remind_after"), 0, 7 * 86400));
      if (auto c = member(*s, p, "close_after"))
        cfg.timers.silent_close_after = static_cast<int>(integer(*c, at(p, "close_after"), 0, 30 * 86400));
      if (cfg.timers.silent_close_after > 0 && cfg.timers.silent_remind_after >= cfg.timers.silent_close_after)
        problem("invalid_value", at(p, "remind_after"), "the reminder must come before the close");
    }
  }

  void read_privacy(const json& j, bot_config& cfg) {
    const std::string ptr = "/privacy";
    if (!expect_object(j, ptr)) return;
    allow_keys(j, ptr, {"redact"});
    auto r = member(j, ptr, "redact");
    if (!r) return;
    const std::string list = at(ptr, "redact");
    if (!expect_array(*r, list)) return;
    static const std::pair<const char*, redaction_kind> kinds[] = {{"card", redaction_kind::card},
                                                                   {"email", redaction_kind::email},
                                                                   {"phone", redaction_kind::phone},
                                                                   {"cn_id", redaction_kind::cn_id},
                                                                   {"pattern", redaction_kind::pattern}};
    for (std::size_t i = 0; i < r->size(); ++i) {
      const std::string p = at(list, i);
      const json& o = (*r)[i];
      if (!expect_object(o, p)) continue;
      allow_keys(o, p, {"kind", "pattern", "replacement", "agent_sees"});
      redaction_rule rule;
      if (auto k = required(o, p, "kind", "card, email, phone, cn_id or pattern")) {
        auto name = string_value(*k, at(p, "kind"));
        auto it = std::find_if(std::begin(kinds), std::end(kinds), [&](const auto& e) { return name == e.first; });
        if (it == std::end(kinds)) {
          problem("invalid_value", at(p, "kind"),
                  fmt::format("\"{}\" is not a kind of redaction: card, email, phone, cn_id or pattern", name));
          continue;
        }
        rule.kind = it->second;
      }
      rule.pattern = optional_string(o, p, "pattern");
      if (rule.kind == redaction_kind::pattern && rule.pattern.empty())
        problem("missing", at(p, "pattern"), "a `pattern` rule needs a `pattern` (RE2)");
      check_pattern(rule.pattern, at(p, "pattern"));
      rule.replacement = optional_string(o, p, "replacement");
      rule.agent_sees = boolean(o, p, "agent_sees");
      cfg.privacy.redact.push_back(std::move(rule));
    }
  }

  void read_recommendation(const json& j, bot_config& cfg) {
    const std::string ptr = "/recommendation";
    if (!expect_object(j, ptr)) return;
    allow_keys(j, ptr, {"attribute", "within_days", "min_score", "discount", "text"});
    repurchase_settings r;
    if (auto a = member(j, ptr, "attribute")) r.attribute = string_value(*a, at(ptr, "attribute"));
    if (auto w = member(j, ptr, "within_days"))
      r.within_days = static_cast<int>(integer(*w, at(ptr, "within_days"), 0, 3650));
    if (auto m = member(j, ptr, "min_score")) r.min_score = static_cast<int>(integer(*m, at(ptr, "min_score"), 1, 5));
    r.discount = optional_string(j, ptr, "discount");
    if (auto t = required(j, ptr, "text", "the suggestion, per language"))
      r.text = localized(*t, at(ptr, "text"), true);
    cfg.recommendation = std::move(r);
  }

  void read_actions(const json& j, bot_config& cfg) {
    const std::string ptr = "/actions";
    if (!expect_object(j, ptr)) return;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key().starts_with("$")) continue;
      const auto p = at(ptr, it.key());
      const auto& o = it.value();
      if (!expect_object(o, p)) continue;
      allow_keys(o, p, {"type", "file", "key", "outcome", "update", "update_when"});
      action_definition a;
      a.name = it.key();
      if (auto t = required(o, p, "type", "\"lookup\""); t && string_value(*t, at(p, "type")) != "lookup")
        problem("invalid_value", at(p, "type"), "the built-in action type is \"lookup\"; the host registers others");
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
        problem("missing", at(p, "update_when"), "`update` needs `update_when`: the outcomes that allow it");
      cfg.actions.push_back(std::move(a));
    }
  }

  void read_queues(const json& j, bot_config& cfg) {
    if (!expect_array(j, "/queues")) return;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < j.size(); ++i) {
      auto p = at("/queues", i);
      const auto& o = j[i];
      if (!expect_object(o, p)) continue;
      allow_keys(o, p,
                 {"id", "skill", "mode", "strategy", "offer_seconds", "prefer_level", "average_handle_seconds", "hours",
                  "first_response_seconds", "max_wait_seconds"});
      queue_definition q;
      q.id = required_id(o, p);
      if (!q.id.empty() && !seen.insert(q.id).second)
        problem("duplicate_id", at(p, "id"), fmt::format("queue \"{}\" is defined twice", q.id));
      q.skill = optional_string(o, p, "skill");
      if (q.skill.empty()) q.skill = q.id;
      auto mode = optional_string(o, p, "mode");
      if (mode == "offer")
        q.mode = queue_mode::offer;
      else if (!mode.empty() && mode != "assign")
        problem("invalid_value", at(p, "mode"), fmt::format("expected \"assign\" or \"offer\", found \"{}\"", mode));
      auto strategy = optional_string(o, p, "strategy");
      if (strategy == "round_robin")
        q.strategy = queue_strategy::round_robin;
      else if (strategy == "longest_idle")
        q.strategy = queue_strategy::longest_idle;
      else if (!strategy.empty() && strategy != "least_busy")
        problem("invalid_value", at(p, "strategy"),
                fmt::format("expected \"least_busy\", \"round_robin\" or \"longest_idle\", found \"{}\"", strategy));
      if (auto l = member(o, p, "prefer_level"))
        q.prefer_level = static_cast<int>(integer(*l, at(p, "prefer_level"), 0, 100));
      if (auto s = member(o, p, "offer_seconds"))
        q.offer_seconds = static_cast<int>(integer(*s, at(p, "offer_seconds"), 1, 86400));
      if (auto f = member(o, p, "first_response_seconds"))
        q.first_response_seconds = static_cast<int>(integer(*f, at(p, "first_response_seconds"), 0, 86400));
      if (auto w = member(o, p, "max_wait_seconds"))
        q.max_wait_seconds = static_cast<int>(integer(*w, at(p, "max_wait_seconds"), 0, 7 * 86400));
      if (auto a = member(o, p, "average_handle_seconds"))
        q.average_handle_seconds = static_cast<int>(integer(*a, at(p, "average_handle_seconds"), 1, 86400));
      q.hours = optional_string(o, p, "hours");
      if (!q.hours.empty() && !cfg.find_hours(q.hours)) {
        std::string names;
        for (const auto& h : cfg.hours) names += fmt::format("{}{}", names.empty() ? "" : ", ", h.id);
        problem("unknown_hours", at(p, "hours"),
                fmt::format("no business hours \"{}\"; `business_hours` defines: {}", q.hours,
                            names.empty() ? "none" : names));
      }
      cfg.queues.push_back(std::move(q));
    }
    if (cfg.queues.empty()) problem("invalid_value", "/queues", "at least one queue is needed");
  }

  condition read_condition(const json& j, const std::string& ptr) {
    condition c;
    c.pointer = ptr;
    if (!expect_object(j, ptr)) return c;
    if (auto a = member(j, ptr, "all"); a || j.contains("any")) {
      allow_keys(j, ptr, {"all", "any"});
      if (a && j.contains("any")) problem("invalid_value", ptr, "give `all` or `any`, not both");
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
      problem("unknown_fact", at(ptr, "fact"),
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
      problem("bad_comparison", ptr,
              "a comparison needs exactly one of equals, in, at_least, at_most, contains, matches, exists");
    return c;
  }

  void check_operand(const detail::fact_info& fact, comparison op, const json& operand, const std::string& ptr) {
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
      problem("bad_comparison", ptr,
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

  void check_queue(const bot_config& cfg, const std::string& queue, const std::string& ptr) {
    if (queue.empty() || cfg.find_queue(queue)) return;
    std::string names;
    for (const auto& q : cfg.queues) names += fmt::format("{}{}", names.empty() ? "" : ", ", q.id);
    problem("unknown_queue", ptr, fmt::format("no queue \"{}\"; queues: {}", queue, names));
  }

  priority read_priority(const json& j, const std::string& ptr) {
    auto s = string_value(j, ptr);
    if (auto p = parse_priority(s)) return *p;
    if (j.is_string())
      problem("invalid_value", ptr, fmt::format("expected low, normal, high or urgent, found \"{}\"", s));
    return priority::normal;
  }

  void read_policy(const json& j, bot_config& cfg) {
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
          problem("duplicate_id", at(p, "id"), fmt::format("rule \"{}\" is defined twice", r.id));
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
                  problem("invalid_value", at(at(ep, "skills"), k), "must not be empty");
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
                problem("invalid_value", at(at(tp, "tags"), k), "must not be empty");
              if (!tag.empty()) r.tags.push_back(std::move(tag));
            }
          }
          if (r.escalate && !r.ticket.empty())
            problem("invalid_value", tp, "a rule either escalates or makes a ticket, not both");
          if (r.clarify && !r.reply.empty())
            problem("invalid_value", tp, "a rule either asks (`clarify`) or says its own `reply`, not both");
          if (!r.escalate && r.ticket.empty() && !r.offer_human && !r.clarify && r.reply.empty() && r.tags.empty())
            problem("missing", tp,
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
          warning("no_effect", p, "a routing rule without `queue` or `priority` changes nothing");
        cfg.policy.routing.push_back(std::move(r));
      }
    }
  }

  // A condition written out canonically, to compare conditions.
  static std::string canonical(const condition& c) {
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
  static std::set<std::string> conjuncts(const condition& c) {
    std::set<std::string> out;
    if (c.kind == condition::node::all)
      for (const auto& child : c.children) out.insert(canonical(child));
    else
      out.insert(canonical(c));
    return out;
  }

  // A rule after one that needs no more than it does can never fire: the
  // earlier one always fires first.
  void check_reachable(const policy_definition& policy) {
    std::vector<std::set<std::string>> needs;
    for (const auto& r : policy.rules) needs.push_back(conjuncts(r.when));
    for (std::size_t j = 0; j < policy.rules.size(); ++j)
      for (std::size_t i = 0; i < j; ++i)
        if (std::includes(needs[j].begin(), needs[j].end(), needs[i].begin(), needs[i].end())) {
          warning("unreachable_rule", policy.rules[j].pointer,
                  fmt::format("rule \"{}\" can never fire: rule \"{}\" before it holds whenever it does",
                              policy.rules[j].id, policy.rules[i].id));
          break;
        }
  }

  void check_reply_values(const bot_config& cfg) {
    for (const auto& [value, ptr] : reply_values_) {
      if (value.empty())
        problem("invalid_value", ptr, "must not be empty");
      else if (value != "request_human" && !cfg.find_intent(value))
        warning(
            "unknown_intent", ptr,
            fmt::format("\"{}\" is neither an intent id nor \"request_human\"; choosing it sends it as text", value));
    }
  }

  std::vector<config_problem>& problems_;
  const bot_config* cfg_ = nullptr;  // the one being read, for cross-references
  std::vector<std::string> languages_;
  std::vector<std::pair<std::string, std::string>> reply_values_;
};

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
    problems.push_back({config_problem::level::error, "handoff.config.invalid_json", "", e.what()});
    return {};
  }
  return checker(problems).read(root);
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
      throw config_error(std::string(source), {{config_problem::level::error, "handoff.config.bad_model",
                                                "/understanding/model", e.what()}});
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
    return {{config_problem::level::error, "handoff.config.unreadable", "", e.what()}};
  }
}

}  // namespace handoff
