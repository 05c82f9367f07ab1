// SPDX-License-Identifier: MIT
// The bot's turn in a conversation: what the policy decides, and otherwise
// the bot's own answer, question or fallback; the slots it collects and
// the actions it runs.
#include <fmt/format.h>

#include <algorithm>

#include "engine/core.hpp"
#include "text/placeholders.hpp"

namespace handoff {
namespace {

// The policy's questions about the queues, answered by the router.
class router_view final : public detail::queue_view {
 public:
  router_view(const router& r, time_point now) : r_(r), now_(now) {}
  int agents_online() const override { return r_.agents_online(); }
  bool within_hours() const override { return r_.any_open(now_); }
  std::optional<double> queue_fact(std::string_view queue, std::string_view field) const override {
    const auto f = r_.figures(queue, now_);
    if (!f) return std::nullopt;
    if (field == "open") return f->open ? 1.0 : 0.0;
    if (field == "waiting") return static_cast<double>(f->waiting);
    if (field == "agents_online") return static_cast<double>(f->agents_online);
    if (!f->wait_seconds) return std::nullopt;
    return static_cast<double>(*f->wait_seconds);
  }

 private:
  const router& r_;
  time_point now_;
};

std::string* slot_value(detail::conversation& c, std::string_view name) {
  for (auto& [k, v] : c.slots)
    if (k == name) return &v;
  return nullptr;
}

// `{name}` becomes the value of `name` in `first`, else in `second`.
std::string fill_in(std::string_view text, const named_values& first, const named_values& second) {
  return detail::fill_in(text, [&](std::string_view name) -> const std::string* {
    for (const auto* values : {&first, &second})
      for (const auto& [k, v] : *values)
        if (k == name) return &v;
    return nullptr;
  });
}

}  // namespace

detail::message_facts engine::impl::facts(const detail::turn& t, bool human_requested,
                                          const detail::queue_view& queues) const {
  const detail::conversation& c = t.c;
  detail::message_facts f;
  const intent_match* m = t.top();
  f.human_requested = human_requested || (m && bot->cfg.intents[m->intent].requests_human);
  if (m) {
    f.intent = bot->cfg.intents[m->intent].id;
    f.confidence = m->confidence;
    f.margin = m->confidence - (t.matches.size() > 1 ? t.matches[1].confidence : 0.0);
  }
  if (c.last_sentiment) f.sentiment = &*c.last_sentiment;
  f.mood = c.mood;
  f.out_of_scope = !m && !human_requested;
  f.language = lang(c);
  f.channel = c.channel;
  f.turns = c.turns;
  f.fallbacks_in_row = c.fallbacks_in_row;
  f.customer = &c.customer;
  f.tags = &c.tags;
  f.queues = &queues;
  return f;
}

// The policy may hand over; otherwise the bot answers.
void engine::impl::bot_turn(detail::turn& t, bool human_requested) {
  detail::conversation& c = t.c;
  const router_view queues(*router, now);
  const auto f = facts(t, human_requested, queues);
  const policy_rule* r = options.trace_decisions ? bot->policy.decide(f, c.last_trace) : bot->policy.decide(f);
  bool offer = false;
  if (r) {
    for (const auto& tag : r->tags)
      if (std::find(c.tags.begin(), c.tags.end(), tag) == c.tags.end()) c.tags.push_back(tag);
    const bool replied = !r->reply.empty();
    if (replied) {
      // To a message the bot did not understand, whatever the rule says is
      // the bot's fallback: the customer (and a host's client) learn that
      // this question went unanswered, whatever happens next.
      say(c, t.out, std::string(r->reply.get(lang(c), bot->default_language())),
          f.out_of_scope ? "fallback" : "answer");
      c.fallbacks_in_row = t.top() ? 0 : c.fallbacks_in_row + 1;  // the bot still did not understand
    }
    if (r->escalate) {
      if (!options.trace_decisions) bot->policy.decide(f, c.last_trace);  // an escalation always says why
      escalate(t, *r, f);
      return;
    }
    if (!r->ticket.empty()) {
      make_ticket(c, t.out, r->ticket, r->reason, fmt::format("{} (rule {})", r->reason, r->id));
      return;
    }
    if (replied) {
      if (r->offer_human) offer_human(t, t.out.size() - 1);
      return;
    }
    offer = r->offer_human;
    if (r->clarify && t.matches.size() >= 2 && labelled(t.matches[0]) && labelled(t.matches[1])) {
      const std::size_t at = t.out.size();
      clarify(t, t.matches[0], t.matches[1]);
      if (offer) offer_human(t, at);
      return;
    }
  }
  const std::size_t before = t.out.size();
  respond(t);
  if (offer) offer_human(t, before);
}

// A rule asked the bot to offer a person with whatever it said.
void engine::impl::offer_human(detail::turn& t, std::size_t from) {
  for (std::size_t i = t.out.size(); i-- > from;) {
    auto* m = std::get_if<out::bot_message>(&t.out[i]);
    if (!m || m->conversation != t.c.id) continue;
    for (const auto& q : m->quick_replies)
      if (q.value == "request_human") return;
    auto label = label_for("request_human", lang(t.c));
    m->quick_replies.push_back(
        {std::string(label == "request_human" ? std::string_view("Talk to a person") : label), "request_human"});
    return;
  }
}

// The bot's own turn: a clarifying question, an answer or a fallback.
void engine::impl::respond(detail::turn& t) {
  detail::conversation& c = t.c;
  const auto& intents = bot->cfg.intents;
  const intent_match* m = t.top();
  if (m && t.matches.size() >= 2 && close_readings(t.matches[0], t.matches[1])) {
    clarify(t, t.matches[0], t.matches[1]);
    return;
  }
  if (m && !(intents[m->intent].requests_human && intents[m->intent].answer.empty())) {
    if (intents[m->intent].slots.empty()) {
      answer(t, m->intent, m->confidence);
      return;
    }
    fill_slots(t, m->intent);
    c.fallbacks_in_row = 0;
    if (!ask_missing(t, m->intent, m->confidence)) serve(t, m->intent, m->confidence);
    return;
  }
  // Not an answer to the bot's question: it asks again, twice, then lets go.
  if (!m && c.collecting != detail::no_intent) {
    if (c.asks < 3 && ask_missing(t, c.collecting, 0)) {
      ++c.fallbacks_in_row;
      return;
    }
    c.collecting = detail::no_intent;
  }
  ++c.fallbacks_in_row;
  auto replies = localize(bot->cfg.fallback_replies, lang(c));
  suggest(t, replies);
  say(c, t.out, std::string(bot->cfg.fallback.get(lang(c), bot->default_language())), "fallback", std::move(replies));
}

// A fallback's first quick reply is the intent the message came near,
// when it came near enough and has a label: "面霜咋保存" (how do I keep the
// face cream) is product care to the matcher, short of its threshold, and
// one tap answers it. A wrong guess costs a button, not an answer.
void engine::impl::suggest(const detail::turn& t, std::vector<quick_reply>& replies) const {
  if (!t.near || !*t.near) return;
  const near_miss& near = **t.near;
  if (near.closeness < bot->cfg.understanding.suggest) return;
  const auto& def = bot->cfg.intents[near.intent];
  if (!offerable(near.intent) || def.courtesy) return;
  std::erase_if(replies, [&](const quick_reply& r) { return r.value == def.id; });
  replies.insert(replies.begin(), {std::string(def.label.get(lang(t.c), bot->default_language())), def.id});
}

// Only intents the configuration labels can be offered as a choice (a
// button reading "thanks" next to "goodbye" would help nobody), and never
// a call for a person.
bool engine::impl::offerable(std::uint32_t intent) const {
  const auto& d = bot->cfg.intents[intent];
  return !d.label.empty() && !d.requests_human;
}

// Two readings both plausible and close: asking costs the customer one
// tap, answering the wrong one costs the conversation.
bool engine::impl::close_readings(const intent_match& a, const intent_match& b) const {
  return labelled(a) && labelled(b) && b.confidence >= bot->cfg.understanding.clarify_ratio * a.confidence;
}

void engine::impl::clarify(detail::turn& t, const intent_match& a, const intent_match& b) {
  t.c.choices = {a.intent, b.intent};
  std::vector<quick_reply> replies;
  for (const auto* m : {&a, &b}) {
    const auto& def = bot->cfg.intents[m->intent];
    replies.push_back({std::string(def.label.get(lang(t.c), bot->default_language())), def.id});
  }
  auto text = bot->cfg.notices.clarify.get(lang(t.c), bot->default_language());
  say(t.c, t.out, std::string(text.empty() ? "Which do you mean?" : text), "clarify", std::move(replies));
}

void engine::impl::answer(detail::turn& t, std::uint32_t index, double confidence) {
  detail::conversation& c = t.c;
  const auto& intent = bot->cfg.intents[index];
  const auto language = lang(c);
  c.fallbacks_in_row = 0;
  if (intent.welcome) {
    auto replies = localize(intent.quick_replies.empty() ? bot->cfg.menu : intent.quick_replies, language);
    auto text = intent.answer.empty() ? bot->cfg.welcome.get(language, bot->default_language())
                                      : intent.answer.get(language, bot->default_language());
    say(c, t.out, std::string(text), "welcome", std::move(replies), intent.id, confidence);
    return;
  }
  say(c, t.out, std::string(intent.answer.get(language, bot->default_language())), "answer",
      localize(intent.quick_replies, language), intent.id, confidence);
}

void engine::impl::note_intents(detail::turn& t) {
  t.c.last_intents.clear();
  for (std::size_t i = 0; i < t.matches.size() && i < 3; ++i)
    t.c.last_intents.push_back({bot->cfg.intents[t.matches[i].intent].id, t.matches[i].confidence});
}

// ---- slots and actions ------------------------------------------------------

// Reads the intent's slots from the customer's message; a value given again
// replaces the old one (the customer corrects it). True when any was found.
// A tap says no value.
bool engine::impl::fill_slots(detail::turn& t, std::uint32_t intent) {
  detail::conversation& c = t.c;
  auto set = [&](const std::string& name, std::string v) {
    if (auto* old = slot_value(c, name))
      *old = std::move(v);
    else
      c.slots.emplace_back(name, std::move(v));
  };
  if (journal.replaying()) {
    // The kept text is redacted: the values come from the journal, as they
    // were kept.
    const auto* kept = journal.next<detail::slot_values>();
    if (!kept) return false;
    for (const auto& [name, value] : kept->values) set(name, value);
    return !kept->values.empty();
  }
  detail::slot_values kept;
  bool found = false;
  if (detail::understood_message* m = t.message) {
    if (m->redacted) m->norm_original.assign(m->original);
    const std::string& text = m->redacted ? m->original : m->clean;
    const normalized_text& norm = m->redacted ? m->norm_original : m->norm;
    for (const auto& x : bot->extractors[intent]) {
      const bool asked = c.collecting == intent && c.asked == x.slot().name;
      auto v = x.extract(text, norm, asked, now);
      if (!v) continue;
      found = true;
      if (journal.recording()) kept.values.emplace_back(x.slot().name, bot->for_record(sanitize_utf8(*v)));
      set(x.slot().name, std::move(*v));
    }
  }
  journal.record(std::move(kept));
  return found;
}

// A message that answers the bot's question (or corrects a value it used)
// serves that intent, whatever the matcher made of it; a call for a
// person, or a clear new request where a free-text answer was expected,
// still wins.
void engine::impl::take_slots(detail::turn& t) {
  detail::conversation& c = t.c;
  const intent_match* m = t.top();
  if (m && (m->command || bot->cfg.intents[m->intent].requests_human)) return;
  std::uint32_t target = c.collecting;
  if (target == detail::no_intent && !m) target = c.last_served;  // "no, it's 2025..."
  if (target == detail::no_intent) return;
  if (bot->extractors[target].empty()) return;
  const bool free_text = c.collecting == target && slot_kind(target, c.asked) == entity_kind::text;
  if (free_text && m && m->intent != target) return;
  if (!fill_slots(t, target)) return;
  t.matches.clear();
  t.matches.push_back({target, 1.0, false});
  c.last_intents.assign(1, {bot->cfg.intents[target].id, 1.0});
}

entity_kind engine::impl::slot_kind(std::uint32_t intent, std::string_view name) const {
  for (const auto& s : bot->cfg.intents[intent].slots)
    if (s.name == name) return s.entity;
  return entity_kind::pattern;
}

// Asks for the first slot the intent lacks; false when it has them all.
bool engine::impl::ask_missing(detail::turn& t, std::uint32_t intent, double confidence) {
  detail::conversation& c = t.c;
  for (const auto& s : bot->cfg.intents[intent].slots) {
    if (slot_value(c, s.name)) continue;
    const bool again = c.collecting == intent && c.asked == s.name;
    c.asks = again ? c.asks + 1 : 1;
    c.collecting = intent;
    c.asked = s.name;
    const auto& text = again && !s.retry.empty() ? s.retry : s.prompt;
    say(c, t.out, std::string(text.get(lang(c), bot->default_language())), "ask_slot", {}, bot->cfg.intents[intent].id,
        confidence);
    return true;
  }
  return false;
}

// Every slot is there: the action runs and its outcome picks the answer.
// Actions change the host's world (an address, a booking): a replay reads
// what they answered and never calls them again.
void engine::impl::serve(detail::turn& t, std::uint32_t index, double confidence) {
  detail::conversation& c = t.c;
  const auto& intent = bot->cfg.intents[index];
  c.collecting = detail::no_intent;
  c.asked.clear();
  c.asks = 0;
  c.last_served = index;
  c.fallbacks_in_row = 0;
  action_result result;
  const localized_text* text = &intent.answer;
  if (const auto& action = bot->actions[index]) {
    std::string failure;
    if (journal.replaying()) {
      if (const auto* kept = journal.next<detail::action_outcome>()) {
        result.outcome = kept->outcome;
        result.values = kept->values;
        failure = kept->failure;
      } else {
        result = {"failed", {}};
        failure = "not replayed: no answer recorded";
      }
    } else {
      const action_request request{c.id, intent.id, lang(c), &c.customer, &c.slots};
      try {
        result = action(request);
      } catch (const std::exception& e) {
        result = {"failed", {}};
        failure = e.what();
        if (failure.empty()) failure = "an exception";
      } catch (...) {
        result = {"failed", {}};
        failure = "an exception";
      }
      journal.record(detail::action_outcome{result.outcome, result.values, failure});
    }
    if (!failure.empty()) record(c, role::system, fmt::format("action {} failed: {}", intent.action, failure));
    for (const auto& [outcome, response] : intent.responses)
      if (outcome == result.outcome) text = &response;
    record(c, role::system, fmt::format("action {}: {}", intent.action, result.outcome));
  }
  say(c, t.out, fill_in(text->get(lang(c), bot->default_language()), c.slots, result.values), "answer",
      localize(intent.quick_replies, lang(c)), intent.id, confidence);
}

}  // namespace handoff
