// SPDX-License-Identifier: MIT
// The words of the bot itself: its notices, its repurchase suggestion,
// and its timers on a silent customer.
#include <fmt/format.h>

#include "config/reader.hpp"
#include "protocol/json_value.hpp"

namespace handoff::detail {

void config_reader::read_notices(const json& j, notice_texts& n) {
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

void config_reader::read_recommendation(const json& j, bot_config& cfg) {
  const std::string ptr = "/recommendation";
  if (!expect_object(j, ptr)) return;
  allow_keys(j, ptr, {"attribute", "within_days", "min_score", "discount", "text"});
  repurchase_settings r;
  if (auto a = member(j, ptr, "attribute")) r.attribute = string_value(*a, at(ptr, "attribute"));
  if (auto w = member(j, ptr, "within_days"))
    r.within_days = static_cast<int>(integer(*w, at(ptr, "within_days"), 0, 3650));
  if (auto m = member(j, ptr, "min_score")) r.min_score = static_cast<int>(integer(*m, at(ptr, "min_score"), 1, 5));
  r.discount = optional_string(j, ptr, "discount");
  if (auto t = required(j, ptr, "text", "the suggestion, per language")) r.text = localized(*t, at(ptr, "text"), true);
  cfg.recommendation = std::move(r);
}

void config_reader::read_timers(const json& j, bot_config& cfg) {
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
      problem(problem_id::invalid_value, at(p, "remind_after"), "the reminder must come before the close");
  }
}

}  // namespace handoff::detail
