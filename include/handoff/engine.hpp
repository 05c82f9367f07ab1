// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "handoff/config.hpp"
#include "handoff/events.hpp"
#include "handoff/fwd.hpp"
#include "handoff/recommend.hpp"
#include "handoff/router.hpp"
#include "handoff/time.hpp"
#include "handoff/transcript.hpp"

namespace handoff {

/// Where a conversation is in its life.
///
///     bot --escalate--> queued --agent free--> offered --accept--> assigned
///      ^                  |  ^                   | decline            |
///      |                  |  +-------------------+                    |
///      +---- hand back ---+---------------------------------- to_bot -+
///                                                         resolved --> resolved --> closed
///
/// A customer who leaves closes it from any state; a customer who writes
/// to a resolved or closed conversation opens it again with the bot.
enum class conversation_state { bot, queued, offered, assigned, resolved, closed };
std::string_view to_string(conversation_state s) noexcept;

/// A copy of what the engine knows of one conversation.
struct conversation_info {
  std::string id;
  conversation_state state = conversation_state::bot;
  customer_info customer;
  std::string channel;
  /// The language the bot answers in.
  std::string language;
  /// While waiting or held: the queue, and the agent offered or holding it.
  std::string queue;
  std::string agent;
  std::vector<std::string> tags;
  std::optional<int> feedback_score;
  std::vector<transcript_entry> transcript;
  /// The policy's reasoning at the bot's latest turn, rule by rule (kept
  /// when `engine_options::trace_decisions` is on, and for escalations).
  std::vector<rule_trace> last_decision;
};

struct engine_options {
  /// The time the engine starts at, until an event says otherwise.
  time_point start{};
  /// Where `understanding.matchers` are looked up; the built-ins when null.
  /// Used while the engine is constructed only.
  const matcher_registry* matchers = nullptr;
  /// Reads how customers sound; the built-in `lexicon_sentiment` when null.
  /// Must outlive the engine.
  const sentiment_analyzer* sentiment = nullptr;
  /// The host's actions, found by the names intents use before the
  /// configuration's own `actions`. Must outlive the engine.
  const action_registry* actions = nullptr;
  /// Suggests something after a resolved conversation's good score; the
  /// configuration's `recommendation` when empty.
  recommender_function recommender = {};
  /// Keep the policy's reasoning for every bot turn, not only for
  /// escalations (`handoff explain` turns it on). It costs a few string
  /// formats per message.
  bool trace_decisions = false;
  /// Where every accepted event is kept (see `store.hpp`); nothing is kept
  /// when null. An engine opened on a store that holds events replays them
  /// and carries on from there. Must outlive the engine.
  handoff::store* storage = nullptr;
  /// Builds the router that decides who serves whom (`router.hpp`): for
  /// this engine, and again whenever it goes back to what its store
  /// holds. The built-in `make_local_router` when empty.
  router_factory router = {};
  /// Commit each event before `handle` returns (the default). Set it to
  /// false to commit many at once with `engine::commit`, and deliver the
  /// output of those events only after it returns.
  bool commit_each_event = true;
};

/// The deterministic core: input events in, output events out.
///
/// The engine does no I/O, starts no threads and reads no clock: time comes
/// from the events (`at`) and from `advance`, and never goes backwards. The
/// same events give the same output, so a transcript replays to the same
/// state and a test is a script of events.
///
/// It never throws on what customers or agents send: input that does not fit
/// (an unknown conversation, an agent acting on a conversation they do not
/// hold, a message over the size limit) is answered with an `error` event and
/// changes nothing. Repeating what already happened (a retried `message_id`,
/// the holding agent accepting again) changes nothing and says nothing.
///
/// With a store (`engine_options::storage`), every event that changes
/// something is kept before `handle` returns; when the store cannot keep
/// it, the output is a single `error` with code `storage_failed` and the
/// engine is as if the event had not come.
///
/// Safe to call from many threads at once: every entry point takes the
/// engine's lock, so each event is handled whole, in the order the calls
/// take the lock, and the router never sees half an event. A customer
/// message is understood (redaction, language, intent matchers, sentiment)
/// before the lock is taken, so messages of several threads are understood
/// side by side, and host matchers and analysers run outside the lock,
/// possibly on several threads at once. Actions and recommenders run under
/// it: they must not call back into the same engine. `config()`'s
/// reference lasts until the next `reload`.
class engine {
 public:
  /// Compiles the configuration; throws `config_error` when it is unusable.
  explicit engine(bot_config config, engine_options options = {});
  ~engine();
  engine(engine&&) noexcept;
  engine& operator=(engine&&) noexcept;

  /// With a store: makes the events handled since the last commit durable.
  /// Throws `store_error` when it cannot; the engine then goes back to what
  /// the store holds, as if those events had not come, and the host must
  /// not deliver their output (see `engine_options::commit_each_event`).
  void commit();

  /// Handles one event at the engine's current time, appending what the
  /// host must deliver or record to `out`.
  void handle(const input_event& event, std::vector<output_event>& out);
  /// Handles one event that happened at `at` (the clock moves to it unless
  /// it is already later).
  void handle(const input_event& event, time_point at, std::vector<output_event>& out);
  std::vector<output_event> handle(const input_event& event);

  /// The latest time the engine has been given.
  time_point now() const noexcept;

  /// The earliest moment something may fall due: an offer lapsing, a silent
  /// customer's reminder or close, an agent's first-response target, a
  /// queue's wait limit. Nothing when nothing is pending. A host with a real
  /// clock calls `tick` then (`asio_clock.hpp` does it for Asio); the moment
  /// may be early, never late, and a `tick` with nothing due does nothing.
  std::optional<time_point> next_due() const;
  /// Moves the clock to `at` (never back) and does what has fallen due by
  /// then: the same as handling `in::advance{0}` at `at`.
  void tick(time_point at, std::vector<output_event>& out);

  std::optional<conversation_info> conversation(std::string_view id) const;
  std::optional<agent_info> agent(std::string_view id) const;
  /// What an agent taking the conversation now would be given (the
  /// `context` of `assigned`): for a console that reconnects to a
  /// conversation it holds. Nothing for an unknown conversation.
  std::optional<handoff_context> context(std::string_view id) const;
  /// Conversations not closed.
  std::size_t open_conversations() const noexcept;
  /// Containment, escalations, waits, abandonment and satisfaction so far;
  /// also the answer to the input event `metrics`.
  engine_metrics metrics() const;

  /// The configuration in use; a reference valid until the next `reload`.
  const bot_config& config() const noexcept;

  /// Swaps in a new configuration, whole or not at all: conversations in
  /// flight carry on under the new rules, waiting customers keep their
  /// places, and agents their conversations. Throws `config_error` when the
  /// new configuration cannot be compiled (an unknown matcher, an unreadable
  /// model) and `error` when it drops a queue that holds conversations; the
  /// old configuration then stays. Trains the new configuration's matchers,
  /// so it takes as long as building an engine. `matchers` as in
  /// `engine_options`.
  void reload(bot_config config, const matcher_registry* matchers = nullptr);

 private:
  // Outside `impl`, which `rebuild` replaces while others may be waiting.
  std::unique_ptr<std::mutex> lock_ = std::make_unique<std::mutex>();
  void handle_at(const input_event& event, std::optional<time_point> at, std::vector<output_event>& out);
  bool rebuild() noexcept;
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace handoff
