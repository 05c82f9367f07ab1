// SPDX-License-Identifier: MIT
// Time: offers that lapse, customers gone silent, agents slow to answer,
// waits over a queue's limit.
#include <fmt/format.h>

#include <algorithm>

#include "engine/core.hpp"
#include "text/placeholders.hpp"

namespace handoff {

void engine::impl::schedule(detail::conversation& c, detail::timer_kind kind, time_point due) {
  if (timers.schedule(c.id, c.timers, kind, due, now)) next_due = std::min(next_due, due);
}

// The bot spoke and waits for the customer.
void engine::impl::wait_for(detail::conversation& c) {
  const auto& t = bot->cfg.timers;
  if (t.silent_remind_after <= 0 && t.silent_close_after <= 0) return;
  c.quiet_since = now;
  c.reminded = false;
  schedule(c, detail::timer_kind::silence,
           now + std::chrono::seconds(t.silent_remind_after > 0 ? t.silent_remind_after : t.silent_close_after));
}

// Offers not taken in time go to the next agent, then the timers fire.
void engine::impl::fire_due(std::vector<output_event>& out) {
  if (now < next_due) return;
  std::vector<std::pair<std::string, std::string>> lapsed;
  next_due = router->lapse(now, lapsed);
  if (!lapsed.empty()) {
    for (const auto& [id, agent] : lapsed)
      if (detail::conversation* c = conversations.find(id)) {
        record(*c, role::system, fmt::format("the offer to {} lapsed", agent), agent);
        c->state = conversation_state::queued;
        c->agent.clear();
      }
    dispatch(out);
  }
  timers.fire_due(
      now,
      [&](std::string_view id) -> detail::pending_timers* {
        detail::conversation* c = conversations.find(id);
        return c ? &c->timers : nullptr;
      },
      [&](detail::timer_kind kind, const std::string& id) {
        if (detail::conversation* c = conversations.find(id)) fire(kind, *c, out);
      });
  if (const auto t = timers.earliest()) next_due = std::min(next_due, *t);
}

// What `next_due` promises: never later than the truth. The offers are
// looked at again when `next_due` says they may have changed.
time_point engine::impl::earliest_due() const {
  if (next_due != time_point::min()) return next_due;
  time_point t = timers.earliest().value_or(time_point::max());
  if (const auto lapse = router->next_lapse()) t = std::min(t, *lapse);
  return t;
}

bool engine::impl::relevant(const detail::timer& t) {
  detail::conversation* c = conversations.find(t.conversation);
  if (!c || c->timers[t.kind] != t.due) return false;
  switch (t.kind) {
    case detail::timer_kind::silence:
      return c->quiet_since && (c->state == conversation_state::bot || c->state == conversation_state::resolved);
    case detail::timer_kind::first_response: return c->state == conversation_state::assigned && c->first_response_due;
    case detail::timer_kind::wait_limit: return c->state == conversation_state::queued && !c->callback_offered;
  }
  return false;
}

// A timer fell due: it acts on what holds now, or waits for a later time.
void engine::impl::fire(detail::timer_kind kind, detail::conversation& c, std::vector<output_event>& out) {
  switch (kind) {
    case detail::timer_kind::silence: {
      if (!c.quiet_since || (c.state != conversation_state::bot && c.state != conversation_state::resolved)) return;
      const auto& t = bot->cfg.timers;
      const auto remind = *c.quiet_since + std::chrono::seconds(t.silent_remind_after);
      const auto close_at = *c.quiet_since + std::chrono::seconds(t.silent_close_after);
      // The timers' own words do not restart the silence they are about.
      if (t.silent_close_after > 0 && now >= close_at) {
        notice(c, out, bot->cfg.notices.silent_closed, {}, true);
        record(c, role::system, fmt::format("closed: the customer was silent for {} s", t.silent_close_after));
        c.quiet_since.reset();
        close(c, out, "timeout");
        return;
      }
      if (t.silent_remind_after > 0 && !c.reminded && now >= remind) {
        c.reminded = true;
        notice(c, out, bot->cfg.notices.silent_reminder, {}, true);
      }
      if (t.silent_remind_after > 0 && !c.reminded)
        schedule(c, detail::timer_kind::silence, remind);
      else if (t.silent_close_after > 0)
        schedule(c, detail::timer_kind::silence, close_at);
      return;
    }
    case detail::timer_kind::first_response: {
      if (c.state != conversation_state::assigned || !c.first_response_due || !c.assigned_at) return;
      const queue_definition* q = bot->cfg.find_queue(c.queue);
      if (!q || q->first_response_seconds <= 0) return;
      const auto due = *c.assigned_at + std::chrono::seconds(q->first_response_seconds);
      if (now < due) return schedule(c, detail::timer_kind::first_response, due);  // assigned again since
      slow_agent(c, out);
      return;
    }
    case detail::timer_kind::wait_limit: {
      if (c.state != conversation_state::queued || !c.waiting_since || c.callback_offered) return;
      const queue_definition* q = bot->cfg.find_queue(c.queue);
      if (!q || q->max_wait_seconds <= 0) return;
      const auto due = *c.waiting_since + std::chrono::seconds(q->max_wait_seconds);
      if (now < due) return schedule(c, detail::timer_kind::wait_limit, due);
      c.callback_offered = true;
      const auto& n = bot->cfg.notices;
      const auto language = lang(c);
      std::vector<quick_reply> replies;
      replies.push_back({std::string(n.callback.get(language, bot->default_language())), "callback"});
      replies.push_back({std::string(n.keep_waiting.get(language, bot->default_language())), "keep_waiting"});
      auto text = n.wait_too_long.get(language, bot->default_language());
      if (!text.empty()) {
        const std::pair<std::string_view, std::string> minutes[] = {
            {"minutes", std::to_string(q->max_wait_seconds / 60)}};
        say(c, out, detail::fill_in_pairs(text, minutes), "notice", std::move(replies));
      }
      record(c, role::system, fmt::format("waited over {} s: a call-back was offered", q->max_wait_seconds));
      return;
    }
  }
}

// No first word from the agent in time: another agent who can take the
// conversation gets it; with none, it stays and is flagged.
void engine::impl::slow_agent(detail::conversation& c, std::vector<output_event>& out) {
  const std::string agent = c.agent;
  const bool another = router->someone_else(c.id);
  const auto seconds = bot->cfg.find_queue(c.queue)->first_response_seconds;
  if (std::find(c.tags.begin(), c.tags.end(), "slow_first_response") == c.tags.end())
    c.tags.push_back("slow_first_response");
  if (!another) {
    record(c, role::system, fmt::format("{} has not answered within {} s; no one else can take it", agent, seconds),
           agent);
    return;
  }
  take_back_offer(c, fmt::format("{} did not answer within {} s", agent, seconds));
  out.emplace_back(out::transferred{c.id, agent, c.queue, {}, fmt::format("no first response within {} s", seconds)});
  dispatch(out);
}

void engine::impl::on(const in::advance& e, std::vector<output_event>& out) {
  move_clock(now + std::chrono::milliseconds(static_cast<long long>(e.seconds * 1000.0)), out);
}

// Through every moment a timer falls due on the way. (Offers lapsing round
// the agents are not stepped through: over a long gap that would be a
// round every `offer_seconds`.)
void engine::impl::move_clock(time_point target, std::vector<output_event>& out) {
  timers.step_to(
      now, target,
      [&](std::string_view id) -> detail::pending_timers* {
        detail::conversation* c = conversations.find(id);
        return c ? &c->timers : nullptr;
      },
      [&](const detail::timer& t) { return relevant(t); },
      [&](bool at_timer) {
        if (at_timer) next_due = std::min(next_due, now);
        fire_due(out);
      });
}

}  // namespace handoff
