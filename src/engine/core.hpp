// SPDX-License-Identifier: MIT
// The engine's insides: the coordinator of its parts (the router, the
// timers, the transcripts, the conversations, the journal, the metrics),
// and the conversation's own logic, handed each event's context.
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/compiled_bot.hpp"
#include "engine/conversation_index.hpp"
#include "engine/journal.hpp"
#include "engine/metrics_book.hpp"
#include "engine/timers.hpp"
#include "engine/transcript_store.hpp"
#include "engine/understanding.hpp"
#include "handoff/engine.hpp"
#include "handoff/router.hpp"
#include "handoff/sentiment.hpp"

namespace handoff {

namespace detail {

/// One turn of a conversation: what an event is handled with, handed down
/// the calls that answer it.
struct turn {
  conversation& c;
  /// Where the event's output goes.
  std::vector<output_event>& out;
  /// What the customer's message or tap means, best first.
  std::vector<intent_match>& matches;
  /// When nothing fits a message: what the matchers came nearest to.
  const std::optional<near_miss>* near = nullptr;
  /// The customer's message, understood; null for a tap.
  understood_message* message = nullptr;

  const intent_match* top() const { return matches.empty() ? nullptr : &matches.front(); }
};

using text_values = std::initializer_list<std::pair<std::string_view, std::string>>;

}  // namespace detail

struct engine::impl {
  impl(std::shared_ptr<const detail::compiled_bot> compiled, const engine_options& o);

  // ---- the parts ----------------------------------------------------------

  // Shared, so that going back to what the store holds rebuilds the state
  // and not the trained matchers.
  std::shared_ptr<const detail::compiled_bot> bot;
  engine_options options;
  time_point now;
  detail::transcript_store transcripts;  // before the conversations, whose lines point into it
  detail::conversation_index conversations;
  std::unique_ptr<handoff::router> router;
  detail::timer_queue timers;
  // The earliest moment an offer may lapse or a timer fire: until then
  // time moves for free. `min()`: look again.
  time_point next_due = time_point::max();
  detail::metrics_book book;
  // What the host's callbacks answered, kept with each event (a replay
  // calls nobody).
  detail::journal journal;
  bool needs_rebuild = false;  // the store refused an event: go back to it first
  std::string storage_problem;

  // Reused from event to event, so that the hot path does not allocate.
  detail::understood_message understood_here;  // a message understood under the lock
  std::vector<intent_match> tap;               // what a tap means
  std::vector<routing_move> moves;
  // With a store: the conversations whose transcript grew during the event,
  // and what persisting it builds.
  std::vector<detail::conversation*> grown, touched;
  std::vector<std::string> lines;
  // Messages understood before the lock, to be reused: as many as threads
  // have been inside at once.
  std::vector<std::unique_ptr<detail::understood_message>> spare;

  // ---- the event loop (core.cpp) ------------------------------------------

  /// Handles one event; `ready` is the customer message understood before
  /// the lock, when it was.
  void process(const input_event& event, std::optional<time_point> at, std::vector<output_event>& out,
               detail::understood_message* ready);
  /// Replays the store into this fresh state.
  void restore();
  /// Queues the event, its effects and the snapshots of the conversations
  /// it touched in the store.
  void persist(const input_event& event, time_point at, const std::vector<output_event>& produced, std::size_t first);
  void reload(bot_config config, const matcher_registry* registry);
  conversation_info info(const detail::conversation& c, bool with_transcript = true) const;
  /// How customers sound: the host's analyser, or the bot's built-in one.
  const sentiment_analyzer& analyzer() const { return options.sentiment ? *options.sentiment : bot->builtin_sentiment; }

  // ---- what the conversation says (core.cpp) ------------------------------

  std::string_view lang(const detail::conversation& c) const {
    return c.language.empty() ? bot->default_language() : std::string_view(c.language);
  }
  void refuse(std::vector<output_event>& out, std::string code, std::string message,
              std::string_view conversation = {});
  void record(detail::conversation& c, role r, std::string text, std::string_view agent = {},
              std::string_view kind = {});
  /// Before a line is added to `c`'s transcript: with a store, its new
  /// lines are kept with the event.
  void growing(detail::conversation& c) {
    if (options.storage && c.lines_kept == c.transcript.size()) grown.push_back(&c);
  }
  /// The bot says `text`; unless `quietly` (a timer's reminder), it then
  /// waits for the customer.
  void say(detail::conversation& c, std::vector<output_event>& out, std::string text, std::string_view kind,
           std::vector<quick_reply> replies = {}, std::string_view intent = {}, std::optional<double> confidence = {},
           bool quietly = false);
  void notice(detail::conversation& c, std::vector<output_event>& out, const localized_text& t,
              detail::text_values vars, bool quietly = false);
  std::vector<quick_reply> localize(const std::vector<localized_reply>& replies, std::string_view language) const;
  std::string_view label_for(std::string_view value, std::string_view language) const;
  void update_customer(detail::conversation& c, const std::optional<customer_info>& info);

  // ---- customers (customers.cpp) ------------------------------------------

  void on(const in::customer_message& e, std::vector<output_event>& out, detail::understood_message* ready);
  void on(const in::customer_action& e, std::vector<output_event>& out);
  void on(const in::customer_left& e, std::vector<output_event>& out);
  void on(const in::feedback& e, std::vector<output_event>& out);
  void on(const in::metrics&, std::vector<output_event>& out);
  void read_choice(detail::turn& t, const std::array<std::uint32_t, 2>& offered);
  void reopen(detail::conversation& c);
  void take_feedback(detail::conversation& c, std::vector<output_event>& out, int score);
  void recommend(detail::conversation& c, std::vector<output_event>& out, int score);

  // ---- the bot's turn (bot_turn.cpp) --------------------------------------

  detail::message_facts facts(const detail::turn& t, bool human_requested, const detail::queue_view& queues) const;
  void bot_turn(detail::turn& t, bool human_requested);
  void respond(detail::turn& t);
  void offer_human(detail::turn& t, std::size_t from);
  void suggest(const detail::turn& t, std::vector<quick_reply>& replies) const;
  bool offerable(std::uint32_t intent) const;
  bool labelled(const intent_match& m) const { return !m.command && offerable(m.intent); }
  bool close_readings(const intent_match& a, const intent_match& b) const;
  void clarify(detail::turn& t, const intent_match& a, const intent_match& b);
  void answer(detail::turn& t, std::uint32_t intent, double confidence);
  void note_intents(detail::turn& t);
  bool fill_slots(detail::turn& t, std::uint32_t intent);
  void take_slots(detail::turn& t);
  entity_kind slot_kind(std::uint32_t intent, std::string_view name) const;
  bool ask_missing(detail::turn& t, std::uint32_t intent, double confidence);
  void serve(detail::turn& t, std::uint32_t intent, double confidence);

  // ---- handing over (handoffs.cpp) ----------------------------------------

  void escalate(detail::turn& t, const policy_rule& r, const detail::message_facts& f);
  void make_ticket(detail::conversation& c, std::vector<output_event>& out, const std::string& queue,
                   const std::string& reason, std::string_view why);
  void enqueue(detail::conversation& c, std::vector<output_event>& out, line_place place, bool keep_waiting = false);
  void dispatch(std::vector<output_event>& out);
  void announce(std::vector<output_event>& out, std::string_view again = {});
  /// Tells everyone what the router did.
  void apply(std::vector<output_event>& out);
  void assign(detail::conversation& c, std::vector<output_event>& out, std::string_view agent);
  handoff_context context(const detail::conversation& c) const;
  std::string summary(const detail::conversation& c) const;
  void close(detail::conversation& c, std::vector<output_event>& out, std::string reason);
  /// An offer or a hold taken back to the line (declined, or the agent too
  /// slow to answer); `why` goes in the transcript.
  void take_back_offer(detail::conversation& c, std::string why);

  // ---- agents (agents.cpp) ------------------------------------------------

  void on(const in::agent_status& e, std::vector<output_event>& out);
  void on(const in::agent_accept& e, std::vector<output_event>& out);
  void on(const in::agent_decline& e, std::vector<output_event>& out);
  void on(const in::agent_message& e, std::vector<output_event>& out);
  void on(const in::agent_transfer& e, std::vector<output_event>& out);
  void on(const in::agent_release& e, std::vector<output_event>& out);
  bool online_agent(std::vector<output_event>& out, std::string_view id, std::string_view conversation);
  detail::conversation* existing(std::vector<output_event>& out, std::string_view id);
  detail::conversation* held(std::vector<output_event>& out, std::string_view conversation, std::string_view agent);

  // ---- the clock (clock.cpp) ----------------------------------------------

  void on(const in::advance& e, std::vector<output_event>& out);
  void move_clock(time_point target, std::vector<output_event>& out);
  void fire_due(std::vector<output_event>& out);
  time_point earliest_due() const;
  void schedule(detail::conversation& c, detail::timer_kind kind, time_point due);
  void wait_for(detail::conversation& c);
  bool relevant(const detail::timer& t);
  void fire(detail::timer_kind kind, detail::conversation& c, std::vector<output_event>& out);
  void slow_agent(detail::conversation& c, std::vector<output_event>& out);
  double seconds_since(time_point t) const { return std::chrono::duration<double>(now - t).count(); }
};

}  // namespace handoff
