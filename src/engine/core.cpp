// SPDX-License-Identifier: MIT
// The engine's event loop, its memory of past events in the store, and how
// the bot speaks.
#include "engine/core.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "handoff/store.hpp"
#include "protocol/records.hpp"
#include "text/placeholders.hpp"

namespace handoff {
namespace {

// The conversation an input or output event is about; empty for none.
template <class Event>
std::string_view conversation_of(const Event& event) {
  return std::visit(
      [](const auto& e) -> std::string_view {
        if constexpr (requires { e.conversation; })
          return e.conversation;
        else
          return {};
      },
      event);
}

}  // namespace

engine::impl::impl(std::shared_ptr<const detail::compiled_bot> compiled, const engine_options& o)
    : bot(std::move(compiled)),
      options(o),
      now(o.start),
      router(o.router ? o.router(bot->cfg) : make_local_router(bot->cfg)) {}

void engine::impl::process(const input_event& event, std::optional<time_point> at, std::vector<output_event>& out,
                           detail::understood_message* ready) {
  if (at && *at > now) move_clock(*at, out);  // what fell due before this event
  std::visit(
      [&](const auto& e) {
        if constexpr (std::is_same_v<std::decay_t<decltype(e)>, in::customer_message>)
          on(e, out, ready);
        else
          on(e, out);
      },
      event);
}

// The events in order, at their times, with the host's recorded answers;
// the output goes nowhere.
void engine::impl::restore() {
  std::vector<output_event> sink;
  struct stop_replaying {
    detail::journal& j;
    ~stop_replaying() { j.stop(); }
  } stop{journal};
  options.storage->replay(0, [&](const stored_event& e) {
    auto kept = detail::decode_event(e);
    journal.replay(std::move(kept.effects));
    sink.clear();
    process(kept.event, e.at, sink, nullptr);
  });
  // Every line counts as not yet kept: the first event that touches a
  // conversation writes its whole transcript again, once, so a store that
  // lacks lines (upgraded from a schema without them, or a host's own that
  // lost some) is made whole; a line rewritten at its number is replaced.
  grown.clear();
}

void engine::impl::persist(const input_event& event, time_point at, const std::vector<output_event>& produced,
                           std::size_t first) {
  const std::string_view conversation = conversation_of(event);
  if (bot->redact.empty()) {
    auto kept = detail::encode_event(event, at, conversation, journal.recorded());
    options.storage->append(kept);
  } else {
    // The words of customers and agents redacted, as the configuration says.
    input_event copy = event;
    std::visit(
        [&](auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, in::customer_message> || std::is_same_v<T, in::agent_message>)
            e.text = bot->for_record(sanitize_utf8(e.text));
          else if constexpr (std::is_same_v<T, in::feedback>)
            e.comment = bot->for_record(sanitize_utf8(e.comment));
          else if constexpr (requires { e.note; })
            e.note = bot->for_record(sanitize_utf8(e.note));
        },
        copy);
    auto kept = detail::encode_event(copy, at, conversation, journal.recorded());
    options.storage->append(kept);
  }
  // The conversations the event named, the output spoke of (an agent going
  // offline moves every conversation they held) or whose transcript grew.
  touched.clear();
  auto touch = [&](detail::conversation* c) {
    if (c && std::find(touched.begin(), touched.end(), c) == touched.end()) touched.push_back(c);
  };
  if (!conversation.empty()) touch(conversations.find(conversation));
  for (std::size_t i = first; i < produced.size(); ++i)
    if (std::string_view id = conversation_of(produced[i]); !id.empty()) touch(conversations.find(id));
  for (auto* c : grown) touch(c);
  grown.clear();
  for (auto* c : touched) {
    options.storage->put_snapshot(detail::encode_snapshot(info(*c, false), now));
    if (c->lines_kept == c->transcript.size()) continue;
    lines.clear();
    for (auto i = c->lines_kept; i < c->transcript.size(); ++i)
      lines.push_back(detail::encode_line(c->transcript[i].entry()));
    options.storage->append_transcript(c->id, c->lines_kept, lines);
    c->lines_kept = static_cast<std::uint32_t>(c->transcript.size());
  }
}

// Builds the new configuration whole, then swaps it in: queues keep their
// lines, conversations carry on under the new rules. A queue that holds
// conversations cannot disappear.
void engine::impl::reload(bot_config config, const matcher_registry* registry) {
  auto next = std::make_shared<const detail::compiled_bot>(std::move(config), registry, options.actions);
  for (const auto& c : conversations)
    if (c.with_router() && !next->cfg.find_queue(c.queue))
      throw error(
          fmt::format("the new configuration has no queue \"{}\", which holds conversation \"{}\"; "
                      "keep the queue until its conversations are done",
                      c.queue, c.id));
  router->reconfigure(next->cfg);
  const bool default_changed = next->default_language() != bot->default_language();
  bot = std::move(next);
  // A conversation in no language of its own speaks the new default.
  if (default_changed)
    for (const auto& c : conversations)
      if (c.with_router() && c.language.empty()) router->set_language(c.id, lang(c));
  next_due = time_point::min();  // offer times may have changed: look again
}

conversation_info engine::impl::info(const detail::conversation& c, bool with_transcript) const {
  conversation_info i;
  i.id = c.id;
  i.state = c.state;
  i.customer = c.customer;
  i.channel = c.channel;
  i.language = std::string(lang(c));
  if (c.with_router()) i.queue = c.queue;
  i.agent = c.agent;
  i.tags = c.tags;
  i.feedback_score = c.feedback_score;
  if (with_transcript) i.transcript = detail::transcript_store::entries(c.transcript);
  i.last_decision = c.last_trace;
  return i;
}

// ---- what the conversation says ---------------------------------------------

void engine::impl::refuse(std::vector<output_event>& out, std::string code, std::string message,
                          std::string_view conversation) {
  out.emplace_back(out::error{std::move(code), std::move(message), std::nullopt, std::string(conversation)});
}

void engine::impl::record(detail::conversation& c, role r, std::string text, std::string_view agent,
                          std::string_view kind) {
  growing(c);
  transcripts.add(c.transcript, r, std::move(text), now, agent, kind);
}

void engine::impl::say(detail::conversation& c, std::vector<output_event>& out, std::string text, std::string_view kind,
                       std::vector<quick_reply> replies, std::string_view intent, std::optional<double> confidence,
                       bool quietly) {
  if (text.empty()) return;
  record(c, role::bot, text, {}, kind);
  if (!quietly && (c.state == conversation_state::bot || c.state == conversation_state::resolved)) wait_for(c);
  out.emplace_back(out::bot_message{c.id, std::move(text), std::string(lang(c)), std::string(intent), confidence,
                                    std::move(replies), std::string(kind)});
}

void engine::impl::notice(detail::conversation& c, std::vector<output_event>& out, const localized_text& t,
                          detail::text_values vars, bool quietly) {
  auto text = t.get(lang(c), bot->default_language());
  if (text.empty()) return;
  say(c, out, detail::fill_in_pairs(text, vars), "notice", {}, {}, {}, quietly);
}

std::vector<quick_reply> engine::impl::localize(const std::vector<localized_reply>& replies,
                                                std::string_view language) const {
  std::vector<quick_reply> out;
  out.reserve(replies.size());
  for (const auto& r : replies) out.push_back({std::string(r.label.get(language, bot->default_language())), r.value});
  return out;
}

// What the customer saw on the button they chose, for the transcript: the
// agent reads "After-sales", not "after_sales".
std::string_view engine::impl::label_for(std::string_view value, std::string_view language) const {
  const auto& cfg = bot->cfg;
  auto search = [&](const std::vector<localized_reply>& replies) -> std::string_view {
    for (const auto& r : replies)
      if (r.value == value) return r.label.get(language, bot->default_language());
    return {};
  };
  if (auto l = search(cfg.menu); !l.empty()) return l;
  if (auto l = search(cfg.fallback_replies); !l.empty()) return l;
  for (const auto& i : cfg.intents)
    if (auto l = search(i.quick_replies); !l.empty()) return l;
  if (const auto* i = cfg.find_intent(value))  // a clarifying question's choice
    if (auto l = i->label.get(language, bot->default_language()); !l.empty()) return l;
  return value;
}

void engine::impl::update_customer(detail::conversation& c, const std::optional<customer_info>& customer) {
  if (!customer) return;
  c.customer = *customer;
  if (c.language.empty() && !customer->language.empty()) {
    auto l = best_language(customer->language, bot->cfg.languages);
    if (!l.empty()) {
      c.language = l;
      if (c.with_router()) router->set_language(c.id, c.language);
    }
  }
}

}  // namespace handoff
