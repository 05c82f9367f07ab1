// SPDX-License-Identifier: MIT
// Handing a conversation to a person: the escalation, the ticket when no
// one can come, the line, and what the router's moves mean to the customer
// and the agent.
#include <fmt/format.h>

#include <algorithm>

#include "engine/core.hpp"
#include "text/utf8.hpp"

namespace handoff {

void engine::impl::escalate(detail::turn& t, const policy_rule& r, const detail::message_facts& f) {
  detail::conversation& c = t.c;
  c.queue = r.escalate->queue;
  c.prio = r.escalate->priority;
  c.skills = r.escalate->skills;
  std::string routing;
  if (const routing_rule* route = bot->policy.route(f)) {
    if (!route->queue.empty()) c.queue = route->queue;
    if (route->priority) c.prio = std::max(c.prio, *route->priority);
    routing = route->id;
  }
  c.reason = r.reason;
  c.rule = r.id;
  c.collecting = detail::no_intent;  // a person takes over the questions
  c.handed = true;
  c.fallbacks_in_row = 0;
  book.escalated(c.reason, c.queue);
  t.out.emplace_back(out::escalated{c.id, c.queue, c.prio, c.reason, c.rule, c.last_trace, std::move(routing)});
  std::string needs;
  for (const auto& s : c.skills) needs += fmt::format("{}{}", needs.empty() ? ", needs " : " and ", s);
  record(c, role::system,
         fmt::format("escalated to {} ({}, {}{}): {}", c.queue, to_string(c.prio), c.rule, needs, c.reason));
  enqueue(c, t.out, line_place::back);
}

// A follow-up for later instead of a wait; the bot keeps the conversation.
// `why` is for the transcript, in words. Out of hours the customer hears
// when someone will be back.
void engine::impl::make_ticket(detail::conversation& c, std::vector<output_event>& out, const std::string& queue,
                               const std::string& reason, std::string_view why) {
  c.handed = true;
  book.ticketed(reason);
  out.emplace_back(out::ticket{c.id, queue, reason});
  record(c, role::system, fmt::format("ticket for {}: {}", queue, why));
  const detail::hours_schedule* hours = bot->hours_of(queue);
  if (hours && !hours->open(now) && !bot->cfg.notices.closed.empty()) {
    auto opens = hours->next_opening(now);
    notice(c, out, bot->cfg.notices.closed,
           {{"queue", queue}, {"opens", opens ? hours->local(*opens) : std::string()}});
    return;
  }
  notice(c, out, bot->cfg.notices.ticket, {{"queue", queue}});
}

// Puts a conversation in line for its queue. A new handoff becomes a
// ticket when no one who could take it is online; one that an agent had
// already (`keep_waiting`) waits for the next agent instead.
void engine::impl::enqueue(detail::conversation& c, std::vector<output_event>& out, line_place place,
                           bool keep_waiting) {
  const routing_request request{c.id, c.queue, c.prio, c.skills, lang(c)};
  const bool open = keep_waiting || router->open(c.queue, now);
  if (!keep_waiting && (!open || !router->could_serve(request))) {
    router->forget_declines(c.id);  // as joining a line would: a new handoff's round
    c.state = conversation_state::bot;
    c.agent.clear();
    if (!open)
      make_ticket(c, out, c.queue, "outside_hours", "outside business hours");
    else
      make_ticket(c, out, c.queue, "no_agent_online", "no agent online");
    return;
  }
  c.state = conversation_state::queued;
  c.agent.clear();
  if (!c.waiting_since) {
    c.waiting_since = now;
    c.callback_offered = false;
    if (const queue_definition* q = bot->cfg.find_queue(c.queue); q && q->max_wait_seconds > 0)
      schedule(c, detail::timer_kind::wait_limit, now + std::chrono::seconds(q->max_wait_seconds));
    book.joined_line();
  }
  router->enqueue(request, place);
  dispatch(out);
}

void engine::impl::dispatch(std::vector<output_event>& out) {
  moves.clear();
  router->dispatch(now, moves);
  apply(out);
}

void engine::impl::announce(std::vector<output_event>& out, std::string_view again) {
  moves.clear();
  router->announce(moves, again);
  apply(out);
}

void engine::impl::apply(std::vector<output_event>& out) {
  for (const auto& m : moves) {
    detail::conversation* c = conversations.find(m.conversation);
    if (!c) continue;  // a router's own: nothing to tell
    switch (m.what) {
      case routing_move::kind::offered:
        c->state = conversation_state::offered;
        c->agent = m.agent;
        if (const queue_definition* q = bot->cfg.find_queue(c->queue))
          next_due = std::min(next_due, now + std::chrono::seconds(q->offer_seconds));
        out.emplace_back(out::offered{c->id, c->agent});
        record(*c, role::system, fmt::format("offered to {}", c->agent), c->agent);
        break;
      case routing_move::kind::assigned: assign(*c, out, m.agent); break;
      case routing_move::kind::queued:
        out.emplace_back(out::queued{c->id, c->queue, m.position, m.wait_seconds});
        notice(*c, out, bot->cfg.notices.queued,
               {{"position", std::to_string(m.position)},
                {"ahead", std::to_string(m.position - 1)},
                {"minutes", std::to_string(std::max<long long>(1, (m.wait_seconds + 59) / 60))},
                {"queue", c->queue}});
        break;
    }
  }
}

void engine::impl::assign(detail::conversation& c, std::vector<output_event>& out, std::string_view agent) {
  c.state = conversation_state::assigned;
  c.agent = agent;
  if (c.waiting_since) book.waited(seconds_since(*c.waiting_since));
  c.waiting_since.reset();
  c.assigned_at = now;
  c.first_response_due = true;
  if (const queue_definition* q = bot->cfg.find_queue(c.queue); q && q->first_response_seconds > 0)
    schedule(c, detail::timer_kind::first_response, now + std::chrono::seconds(q->first_response_seconds));
  record(c, role::system, fmt::format("assigned to {}", agent), agent);
  out.emplace_back(out::assigned{c.id, std::string(agent), context(c)});
  notice(c, out, bot->cfg.notices.assigned, {{"agent", std::string(agent)}, {"queue", c.queue}});
}

// The offer goes back to the line, at the conversation's old place, for
// the next agent.
void engine::impl::take_back_offer(detail::conversation& c, std::string why) {
  const std::string agent = router->take_back(c.id);
  record(c, role::system, std::move(why), agent);
  c.state = conversation_state::queued;
  c.agent.clear();
}

void engine::impl::close(detail::conversation& c, std::vector<output_event>& out, std::string reason) {
  c.state = conversation_state::closed;
  c.awaiting_feedback = false;
  out.emplace_back(out::closed{c.id, std::move(reason)});
}

std::string engine::impl::summary(const detail::conversation& c) const {
  std::string topic;
  for (auto it = c.transcript.rbegin(); it != c.transcript.rend() && topic.empty(); ++it)
    if (it->role == role::customer && it->intent) {
      const intent_definition* d = bot->cfg.find_intent(it->intent_id());
      if (d && !d->requests_human && !d->welcome) topic = it->intent_id();
    }
  std::string last;
  for (auto it = c.transcript.rbegin(); it != c.transcript.rend() && last.empty(); ++it)
    if (it->role == role::customer) last = it->text();
  if (detail::count_code_points(last) > 80) {
    std::size_t pos = 0, n = 0;
    while (pos < last.size() && n < 77) {
      detail::decode_utf8(last, pos);
      ++n;
    }
    last = last.substr(0, pos) + "...";
  }
  const std::string& tier = c.customer.tier;
  if (primary_language(lang(c)) == "zh") {
    return fmt::format("客户{}{}因 {} 转人工（规则 {}），共 {} 条消息{}。{}",
                       c.customer.name.empty() ? "" : c.customer.name, tier.empty() ? "" : "（" + tier + "）", c.reason,
                       c.rule, c.turns, topic.empty() ? "" : "，最近的问题：" + topic,
                       last.empty() ? "" : "最后一句：“" + last + "”");
  }
  return fmt::format("Customer{}{} was escalated for {} (rule {}) after {} message{}{}.{}",
                     c.customer.name.empty() ? "" : " " + c.customer.name, tier.empty() ? "" : " (" + tier + ")",
                     c.reason, c.rule, c.turns, c.turns == 1 ? "" : "s", topic.empty() ? "" : "; last topic: " + topic,
                     last.empty() ? "" : " Last message: \"" + last + "\"");
}

handoff_context engine::impl::context(const detail::conversation& c) const {
  handoff_context ctx;
  ctx.customer = c.customer;
  ctx.language = std::string(lang(c));
  ctx.intents = c.last_intents;
  ctx.tags = c.tags;
  ctx.slots = c.slots;
  if (!bot->redact.empty())
    for (auto& [name, value] : ctx.slots) value = bot->redact.redact_for_agent(value);
  ctx.reason = c.reason;
  ctx.rule = c.rule;
  ctx.queue = c.queue;
  ctx.priority = c.prio;
  ctx.sentiment = c.last_sentiment;
  ctx.mood = c.mood;
  ctx.summary = summary(c);
  ctx.transcript = detail::transcript_store::entries(c.transcript);
  return ctx;
}

}  // namespace handoff
