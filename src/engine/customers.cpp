// SPDX-License-Identifier: MIT
// What customers do: write, tap, leave, and say how it went.
#include <fmt/format.h>

#include "bot/repurchase.hpp"
#include "engine/core.hpp"
#include "text/choice.hpp"

namespace handoff {
namespace {

constexpr std::string_view request_human_value = "request_human";
constexpr std::string_view callback_value = "callback";
constexpr std::string_view keep_waiting_value = "keep_waiting";

// A score given as a digit, 1 to 5.
std::optional<int> score_of(std::string_view text) {
  if (text.size() == 1 && text[0] >= '1' && text[0] <= '5') return text[0] - '0';
  return std::nullopt;
}

}  // namespace

void engine::impl::on(const in::customer_message& e, std::vector<output_event>& out,
                      detail::understood_message* ready) {
  if (e.text.size() > bot->cfg.max_message_bytes) {
    refuse(
        out, "message_too_large",
        fmt::format("the message has {} bytes; this bot accepts at most {}", e.text.size(), bot->cfg.max_message_bytes),
        e.conversation);
    return;
  }
  detail::conversation& c = conversations.open(e.conversation);
  if (!e.message_id.empty() && !c.message_ids.insert(e.message_id).second) return;  // a retry
  c.quiet_since.reset();
  update_customer(c, e.customer);
  if (!e.channel.empty()) c.channel = e.channel;

  // Understood before the lock when the conversation's language and the
  // bot are as they were then; understood here, the same way, otherwise.
  detail::understood_message* m = ready;
  if (!m || m->bot != bot || m->language_before != c.language || m->confident_before != c.language_confident) {
    m = &understood_here;
    m->bot = bot;
    m->language_before = c.language;
    m->confident_before = c.language_confident;
    detail::understand(e.text, analyzer(), *m);
    m->bot.reset();  // not to keep an old bot alive after a reload
  }
  const bool relanguage = c.language != m->language;
  c.language = m->language;
  c.language_confident = m->language_confident;
  if (relanguage && c.with_router()) router->set_language(c.id, lang(c));
  detail::turn t{c, out, m->reading.candidates, &m->reading.near, m};
  if (const auto offered = std::exchange(c.choices, {detail::no_intent, detail::no_intent});
      offered[0] != detail::no_intent && c.state == conversation_state::bot)
    read_choice(t, offered);
  note_intents(t);
  if (c.state == conversation_state::bot) take_slots(t);
  c.last_trace.clear();  // a decision is for the bot's turn on this message, if it has one
  c.last_sentiment = m->feeling;
  c.mood = next_mood(c.mood, c.last_sentiment->score);
  ++c.turns;

  growing(c);
  auto& line = transcripts.add(c.transcript, role::customer, m->clean, now);
  if (!e.message_id.empty()) line.message_id = std::make_unique<const std::string>(e.message_id);
  line.language = transcripts.name(lang(c));
  if (const intent_match* top = t.top()) {
    line.intent = transcripts.name(bot->cfg.intents[top->intent].id);
    line.confidence = top->confidence;
  }
  line.sentiment = c.last_sentiment->score;
  line.has_sentiment = true;

  switch (c.state) {
    case conversation_state::assigned:
      out.emplace_back(out::customer_message{c.id, c.agent, m->redacted ? m->for_agent : m->clean});
      return;
    case conversation_state::queued:
    case conversation_state::offered:
      // The bot keeps quiet while a human is coming; an impatient "human!"
      // hears where they stand.
      if (const intent_match* top = t.top();
          top && bot->cfg.intents[top->intent].requests_human && c.state == conversation_state::queued)
        announce(out, c.id);
      return;
    case conversation_state::resolved:
      if (c.awaiting_feedback)
        if (auto score = score_of(m->norm.text())) {
          take_feedback(c, out, *score);
          return;
        }
      reopen(c);
      break;
    case conversation_state::closed: reopen(c); break;
    case conversation_state::bot: break;
  }
  bot_turn(t, false);
}

// A typed answer to the bot's "which do you mean?" ("查进度", "the second
// one") is the choice it names, as a tap on its button would be. A call
// for a person stays one.
void engine::impl::read_choice(detail::turn& t, const std::array<std::uint32_t, 2>& offered) {
  if (const intent_match* m = t.top(); m && m->command) return;
  const auto& first = bot->cfg.intents[offered[0]];
  const auto& second = bot->cfg.intents[offered[1]];
  const auto language = lang(t.c);
  const auto pick = detail::chosen_option(t.message->norm, first.label.get(language, bot->default_language()),
                                          second.label.get(language, bot->default_language()));
  if (pick) t.matches.assign(1, intent_match{offered[static_cast<std::size_t>(*pick)], 1.0, false});
}

void engine::impl::reopen(detail::conversation& c) {
  c.state = conversation_state::bot;
  c.awaiting_feedback = false;
  c.agent.clear();
  record(c, role::system, "reopened");
}

void engine::impl::on(const in::customer_action& e, std::vector<output_event>& out) {
  detail::conversation& c = conversations.open(e.conversation);
  c.choices = {detail::no_intent, detail::no_intent};
  update_customer(c, e.customer);
  c.quiet_since.reset();
  // The answer to a call-back offer made after a long wait.
  if (e.action == "choose" && (e.value == callback_value || e.value == keep_waiting_value) &&
      (c.state == conversation_state::queued || c.state == conversation_state::offered)) {
    record(c, role::customer, std::string(e.value), {}, "choose");
    if (e.value == keep_waiting_value) return;
    router->leave(c.id);
    c.state = conversation_state::bot;
    c.agent.clear();
    c.waiting_since.reset();
    make_ticket(c, out, c.queue, "callback_requested", "the customer asked to be called back instead of waiting");
    dispatch(out);
    return;
  }
  detail::turn t{c, out, tap};  // a tap names what it means: no near miss
  if (e.action == "choose") {
    if (c.state == conversation_state::resolved && c.awaiting_feedback)
      if (auto score = score_of(e.value)) {
        take_feedback(c, out, *score);
        return;
      }
    if (e.value != request_human_value) {
      const intent_definition* chosen = bot->cfg.find_intent(e.value);
      if (!chosen) {
        // Not an intent: read it as if typed.
        on(in::customer_message{e.conversation, e.value, std::nullopt, {}, {}}, out, nullptr);
        return;
      }
      record(c, role::customer, std::string(label_for(e.value, lang(c))), {}, "choose");
      ++c.turns;
      if (c.state == conversation_state::assigned) {
        out.emplace_back(out::customer_message{c.id, c.agent, e.value});
        return;
      }
      if (c.state != conversation_state::bot) return;
      tap.assign(
          1, intent_match{static_cast<std::uint32_t>(chosen - bot->cfg.intents.data()), 1.0, chosen->requests_human});
      c.last_intents.assign(1, {chosen->id, 1.0});
      c.transcript.back().intent = transcripts.name(chosen->id);
      c.transcript.back().confidence = 1.0;
      bot_turn(t, chosen->requests_human);
      return;
    }
  }
  if (e.action == "choose" || e.action == "request_human") {
    if (c.with_router()) return;  // already on the way to a human
    if (c.state != conversation_state::bot) reopen(c);
    record(c, role::customer, std::string(request_human_value), {}, "request_human");
    ++c.turns;
    tap.clear();
    if (bot->human_intent != ~0u) tap.push_back({bot->human_intent, 1.0, true});
    bot_turn(t, true);
    return;
  }
  // cancel_handoff
  if (!c.with_router()) return;  // nothing to cancel
  router->leave(c.id);
  c.state = conversation_state::bot;
  c.agent.clear();
  record(c, role::system, "the customer cancelled the handoff");
  if (c.waiting_since) book.abandoned();
  c.waiting_since.reset();
  out.emplace_back(out::handed_back{c.id});
  dispatch(out);
}

void engine::impl::on(const in::customer_left& e, std::vector<output_event>& out) {
  detail::conversation* c = conversations.find(e.conversation);
  if (!c)
    return refuse(out, "unknown_conversation", fmt::format("no conversation \"{}\"", e.conversation), e.conversation);
  if (c->state == conversation_state::closed) return;
  const bool waiting = c->state == conversation_state::queued || c->state == conversation_state::offered;
  if (c->with_router()) router->leave(c->id);
  c->state = conversation_state::closed;
  c->awaiting_feedback = false;
  record(*c, role::system, waiting ? "the customer left while waiting (abandoned)" : "the customer left");
  if (waiting && c->waiting_since) book.abandoned();
  c->waiting_since.reset();
  out.emplace_back(out::closed{c->id, "customer_left"});
  dispatch(out);
}

void engine::impl::on(const in::feedback& e, std::vector<output_event>& out) {
  detail::conversation* c = existing(out, e.conversation);
  if (!c) return;
  if (c->feedback_score == e.score && !c->awaiting_feedback) return;  // given already
  if (!e.comment.empty()) record(*c, role::customer, bot->for_record(sanitize_utf8(e.comment)), {}, "feedback_comment");
  take_feedback(*c, out, e.score);
}

void engine::impl::on(const in::metrics&, std::vector<output_event>& out) {
  out.emplace_back(out::metrics{book.figures(conversations)});
}

void engine::impl::take_feedback(detail::conversation& c, std::vector<output_event>& out, int score) {
  c.feedback_score = score;
  record(c, role::customer, std::to_string(score), {}, "feedback");
  if (c.state == conversation_state::resolved && c.awaiting_feedback) {
    notice(c, out, bot->cfg.notices.feedback_thanks, {});
    recommend(c, out, score);
    close(c, out, "resolved");
  }
}

// A satisfied customer may hear a suggestion: the host's recommender, or
// the configuration's repurchase reminder. A replay reads what it said.
void engine::impl::recommend(detail::conversation& c, std::vector<output_event>& out, int score) {
  std::optional<recommendation> r;
  if (journal.replaying()) {
    if (const auto* kept = journal.next<detail::recommendation_outcome>()) {
      if (kept->failure) record(c, role::system, *kept->failure);
      r = kept->suggestion;
    }
  } else {
    const recommendation_request request{c.id, lang(c), &c.customer, score, now};
    std::string failure;
    try {
      if (options.recommender)
        r = options.recommender(request);
      else if (bot->cfg.recommendation)
        r = detail::suggest_repurchase(*bot->cfg.recommendation, request, bot->default_language());
    } catch (const std::exception& x) {
      failure = fmt::format("the recommender failed: {}", x.what());
    } catch (...) {
      failure = "the recommender failed";
    }
    if (!failure.empty()) record(c, role::system, failure);
    if (journal.recording())
      journal.record(
          detail::recommendation_outcome{failure.empty() ? std::nullopt : std::optional<std::string>(failure), r});
  }
  if (r && !r->text.empty()) say(c, out, std::move(r->text), "recommendation", std::move(r->quick_replies));
}

}  // namespace handoff
