// SPDX-License-Identifier: MIT
// What agents do: come and go, accept or decline, write, transfer and let
// go. The router decides who serves whom; the engine checks that an agent
// acts only on what they hold or are offered, and tells everyone.
#include <fmt/format.h>

#include "engine/core.hpp"

namespace handoff {

void engine::impl::on(const in::agent_status& e, std::vector<output_event>& out) {
  // Nothing is lost: what an agent going away held goes back to the front
  // of its queue, context and all.
  std::vector<std::string> let_go;
  router->set_agent(e, let_go);
  for (const auto& id : let_go) {
    detail::conversation* c = conversations.find(id);
    if (!c) continue;
    record(*c, role::system, fmt::format("{} went {}; back to the queue", e.agent, to_string(e.status)), e.agent);
    enqueue(*c, out, line_place::front, true);
  }
  dispatch(out);
}

bool engine::impl::online_agent(std::vector<output_event>& out, std::string_view id, std::string_view conversation) {
  const auto status = router->status(id);
  if (!status) {
    refuse(out, "unknown_agent", fmt::format("no agent \"{}\" has reported a status", id), conversation);
    return false;
  }
  if (*status != agent_status_kind::online) {
    refuse(out, "agent_unavailable", fmt::format("agent \"{}\" is {}", id, to_string(*status)), conversation);
    return false;
  }
  return true;
}

detail::conversation* engine::impl::existing(std::vector<output_event>& out, std::string_view id) {
  detail::conversation* c = conversations.find(id);
  if (!c) refuse(out, "unknown_conversation", fmt::format("no conversation \"{}\"", id), id);
  return c;
}

// The conversation, when `agent` holds it; otherwise an error.
detail::conversation* engine::impl::held(std::vector<output_event>& out, std::string_view conversation,
                                         std::string_view agent) {
  detail::conversation* c = existing(out, conversation);
  if (!c) return nullptr;
  if (c->state != conversation_state::assigned || c->agent != agent) {
    refuse(out, "not_holder",
           c->state == conversation_state::assigned
               ? fmt::format("conversation \"{}\" is held by {}, not {}", c->id, c->agent, agent)
               : fmt::format("agent \"{}\" does not hold conversation \"{}\" (it is {})", agent, c->id,
                             to_string(c->state)),
           c->id);
    return nullptr;
  }
  return c;
}

namespace {

std::string at_capacity(const router& r, std::string_view agent) {
  const auto a = r.agent(agent);
  return fmt::format("agent \"{}\" already holds {} conversations", agent, a ? a->capacity : 0);
}

}  // namespace

void engine::impl::on(const in::agent_accept& e, std::vector<output_event>& out) {
  detail::conversation* c = existing(out, e.conversation);
  if (!c) return;
  if (c->state == conversation_state::assigned) {
    if (c->agent == e.agent) return;  // accepted already
    return refuse(out, "already_assigned", fmt::format("conversation \"{}\" is held by {}", c->id, c->agent), c->id);
  }
  if (!online_agent(out, e.agent, e.conversation)) return;
  if (c->state == conversation_state::offered) {
    if (c->agent != e.agent)
      return refuse(out, "offered_to_another", fmt::format("conversation \"{}\" is offered to {}", c->id, c->agent),
                    c->id);
    router->take(c->id, e.agent, now);
    assign(*c, out, e.agent);
    return;
  }
  if (c->state != conversation_state::queued)
    return refuse(out, "invalid_state",
                  fmt::format("conversation \"{}\" is not waiting for an agent (it is {})", c->id, to_string(c->state)),
                  c->id);
  if (!router->has_room(e.agent)) return refuse(out, "at_capacity", at_capacity(*router, e.agent), c->id);
  router->take(c->id, e.agent, now);
  assign(*c, out, e.agent);
  announce(out);
}

void engine::impl::on(const in::agent_decline& e, std::vector<output_event>& out) {
  detail::conversation* c = existing(out, e.conversation);
  if (!c) return;
  if (c->state != conversation_state::offered || c->agent != e.agent) {
    if (router->declined(c->id, e.agent)) return;  // again
    return refuse(out, "not_offered", fmt::format("conversation \"{}\" is not offered to {}", c->id, e.agent), c->id);
  }
  take_back_offer(*c, fmt::format("{} declined", e.agent));
  dispatch(out);
}

void engine::impl::on(const in::agent_message& e, std::vector<output_event>& out) {
  detail::conversation* c = held(out, e.conversation, e.agent);
  if (!c) return;
  std::string text = sanitize_utf8(e.text);
  record(*c, role::agent, bot->for_record(text), e.agent);
  if (c->first_response_due && c->assigned_at) book.first_response(seconds_since(*c->assigned_at));
  c->first_response_due = false;
  out.emplace_back(out::agent_message{c->id, e.agent, std::move(text)});
}

void engine::impl::on(const in::agent_transfer& e, std::vector<output_event>& out) {
  detail::conversation* c = held(out, e.conversation, e.agent);
  if (!c) return;
  if (!e.queue.empty() && !bot->cfg.find_queue(e.queue))
    return refuse(out, "unknown_queue", fmt::format("no queue \"{}\"", e.queue), c->id);
  const bool to_agent = !e.to_agent.empty();
  if (to_agent) {
    if (e.to_agent == e.agent) return refuse(out, "invalid_value", "an agent cannot transfer to themselves", c->id);
    if (!online_agent(out, e.to_agent, c->id)) return;
    if (!router->has_room(e.to_agent)) return refuse(out, "at_capacity", at_capacity(*router, e.to_agent), c->id);
  }
  router->leave(c->id);
  out.emplace_back(out::transferred{c->id, e.agent, e.queue, e.to_agent, e.note});
  record(*c, role::system,
         bot->for_record(fmt::format("{} transferred to {}{}", e.agent, e.queue.empty() ? e.to_agent : e.queue,
                                     e.note.empty() ? "" : ": " + e.note)),
         e.agent);
  if (to_agent) {
    router->take(c->id, e.to_agent, now);
    assign(*c, out, e.to_agent);
    dispatch(out);
    return;
  }
  c->queue = e.queue;
  c->skills.clear();  // the agent chose the queue; the rule's needs were for the first one
  enqueue(*c, out, line_place::kept);
}

void engine::impl::on(const in::agent_release& e, std::vector<output_event>& out) {
  detail::conversation* c = conversations.find(e.conversation);
  if (c && c->state != conversation_state::assigned && c->released_by == e.agent && c->released_outcome == e.outcome)
    return;  // released already
  c = held(out, e.conversation, e.agent);
  if (!c) return;
  router->leave(c->id);
  if (c->assigned_at) {
    const double seconds = seconds_since(*c->assigned_at);
    book.handled(seconds);
    router->handled(c->queue, seconds);
  }
  c->assigned_at.reset();
  if (e.outcome == release_outcome::resolved) book.resolved();
  c->released_by = e.agent;
  c->released_outcome = e.outcome;
  c->agent.clear();
  if (!e.note.empty()) record(*c, role::system, bot->for_record(fmt::format("{}: {}", e.agent, e.note)), e.agent);
  if (e.outcome == release_outcome::to_bot) {
    c->state = conversation_state::bot;
    record(*c, role::system, fmt::format("{} handed back to the bot", e.agent), e.agent);
    out.emplace_back(out::handed_back{c->id});
    notice(*c, out, bot->cfg.notices.handed_back, {});
  } else {
    c->state = conversation_state::resolved;
    record(*c, role::system, fmt::format("{} resolved it", e.agent), e.agent);
    out.emplace_back(out::resolved{c->id});
    auto survey = bot->cfg.notices.survey.get(lang(*c), bot->default_language());
    if (survey.empty()) {
      close(*c, out, "resolved");
    } else {
      c->awaiting_feedback = true;
      std::vector<quick_reply> scores;
      for (int score = 1; score <= 5; ++score) {  // the n-th reply gives n stars
        std::string stars;
        for (int i = 0; i < score; ++i) stars += "\u2605";
        scores.push_back({std::move(stars), std::to_string(score)});
      }
      say(*c, out, std::string(survey), "survey", std::move(scores));
    }
  }
  dispatch(out);
}

}  // namespace handoff
