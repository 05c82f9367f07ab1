// SPDX-License-Identifier: MIT
#include "handoff/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "bot/hours_schedule.hpp"
#include "bot/lookup_action.hpp"
#include "bot/repurchase.hpp"
#include "bot/slot_extractor.hpp"
#include "handoff/actions.hpp"
#include "handoff/language.hpp"
#include "handoff/matcher_registry.hpp"
#include "handoff/normalize.hpp"
#include "handoff/privacy.hpp"
#include "handoff/protocol.hpp"
#include "handoff/sentiment.hpp"
#include "handoff/store.hpp"
#include "policy/compiled_policy.hpp"
#include "text/choice.hpp"
#include "text/placeholders.hpp"
#include "text/utf8.hpp"

namespace handoff {
namespace {

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <class T>
using string_map = std::unordered_map<std::string, T, string_hash, std::equal_to<>>;

// Texts that repeat across conversations (the bot's answers and notices,
// system notes, intent ids, kinds, languages, agents' ids), kept once and
// pointed to by every transcript line that says them.
class text_pool {
 public:
  // The pooled copy of a name (an intent, a kind, a language, an agent):
  // there are as many as the configuration and the team have. Null for "".
  const std::string* name(std::string_view s) {
    if (s.empty()) return nullptr;
    if (auto it = names_.find(s); it != names_.end()) return &*it;
    return &*names_.emplace(s).first;
  }
  // The pooled copy of a sentence, or null when the pool is full and lacks
  // it: bounded, so that sentences that never repeat (an answer naming an
  // order number) cannot grow it without end; they stay with their lines.
  const std::string* sentence(std::string_view s) {
    if (s.empty()) return nullptr;
    if (auto it = sentences_.find(s); it != sentences_.end()) return &*it;
    if (sentences_.size() >= limit) return nullptr;
    return &*sentences_.emplace(s).first;
  }
  static constexpr std::size_t limit = 1 << 16;

 private:
  std::unordered_set<std::string, string_hash, std::equal_to<>> names_, sentences_;
};

// A transcript line as the engine keeps it; `transcript_entry` is what it
// hands out. At a hundred thousand open conversations of twenty-odd lines
// each, the public struct's six strings per line were half the memory.
struct kept_line {
  const std::string* shared = nullptr;  // the text, when pooled
  std::string own;                      // the text, when not
  time_point at{};
  const std::string* agent = nullptr;
  const std::string* language = nullptr;
  const std::string* intent = nullptr;
  const std::string* kind = nullptr;
  std::unique_ptr<const std::string> message_id;  // rare
  double confidence = 0;
  double sentiment = 0;
  handoff::role role = role::customer;
  bool has_sentiment = false;

  std::string_view text() const noexcept { return shared ? std::string_view(*shared) : std::string_view(own); }
  static std::string_view view(const std::string* s) noexcept { return s ? std::string_view(*s) : std::string_view(); }
  std::string_view intent_id() const noexcept { return view(intent); }

  // Transcripts as handed out.
  static std::vector<transcript_entry> entries(const std::deque<kept_line>& lines) {
    std::vector<transcript_entry> out;
    out.reserve(lines.size());
    for (const auto& line : lines) out.push_back(line.entry());
    return out;
  }

  transcript_entry entry() const {
    transcript_entry e;
    e.role = role;
    e.text = text();
    e.at = at;
    e.agent = view(agent);
    if (message_id) e.message_id = *message_id;
    e.language = view(language);
    e.intent = view(intent);
    e.confidence = confidence;
    if (has_sentiment) e.sentiment = sentiment;
    e.kind = view(kind);
    return e;
  }
};

constexpr std::string_view request_human_value = "request_human";
constexpr std::string_view callback_value = "callback";
constexpr std::string_view keep_waiting_value = "keep_waiting";
constexpr std::uint32_t no_intent = ~0u;

struct live_conversation {
  std::string id;
  conversation_state state = conversation_state::bot;
  customer_info customer;
  std::string channel;
  std::string language;
  bool language_confident = false;
  // A deque grows without the spare half a vector keeps: at a hundred
  // thousand open conversations that is a tenth of the memory.
  std::deque<kept_line> transcript;
  std::unordered_set<std::string> message_ids;
  std::vector<std::string> tags;
  std::vector<intent_confidence> last_intents;
  int turns = 0;
  int fallbacks_in_row = 0;
  std::optional<sentiment> last_sentiment;  // of the latest customer message
  std::vector<rule_trace> last_trace;
  double mood = 0;

  // What the customer has told the bot (order number, address), kept for the
  // whole conversation so they never say it twice.
  named_values slots;
  std::uint32_t collecting = no_intent;   // the intent whose slots the bot is asking for
  std::uint32_t last_served = no_intent;  // the last intent served with slots, for corrections
  std::string asked;                      // the slot asked for
  int asks = 0;                           // times asked for it
  // The two intents of the bot's last question "which do you mean?", until
  // the customer's next message or choice.
  std::array<std::uint32_t, 2> choices{no_intent, no_intent};

  // The current or last handoff.
  std::string queue;
  priority prio = priority::normal;
  std::string reason;
  std::string rule;
  std::vector<std::string> skills;  // needed besides the queue's
  std::string agent;                // offered to, or holding
  long long seq = 0;                // place in the queue: lower is earlier
  std::vector<std::string> declined_by;
  int last_position = 0;
  long long last_estimate = -1;

  // For the metrics.
  bool handed = false;                      // escalated or ticketed, ever
  std::optional<time_point> waiting_since;  // in line for an agent
  std::optional<time_point> assigned_at;    // held by an agent
  bool first_response_due = false;
  time_point offered_at{};

  // How the last agent let go, so a repeated release is recognised.
  std::string released_by;
  release_outcome released_outcome = release_outcome::resolved;
  bool awaiting_feedback = false;
  std::optional<int> feedback_score;

  // Timers: since when the bot has waited for the customer, whether they
  // were reminded, whether a call-back was offered, and which timers are in
  // the engine's heap (one of each kind at most).
  std::optional<time_point> quiet_since;
  bool reminded = false;
  bool callback_offered = false;
  // When each kind's timer in the heap falls due (max: none); an entry
  // that no longer matches is stale and ignored.
  time_point silence_due = time_point::max(), response_due = time_point::max(), wait_due = time_point::max();
};

// The conversations by id. They live in a deque (never moved, never
// removed) and are found through an open-addressing index of their
// positions: a lookup probes one small array and then reads the
// conversation, which the caller reads next anyway. (A node-based map read
// the bucket, the node before, and the node: at a hundred thousand
// conversations, each a cache miss, and a tenth of a message's time.)
class conversation_table {
 public:
  live_conversation* find(std::string_view id) noexcept {
    if (slots_.empty()) return nullptr;
    const std::uint32_t h = hash(id);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.index == 0) return nullptr;
      if (s.hash == h && items_[s.index - 1].id == id) return &items_[s.index - 1];
    }
  }
  const live_conversation* find(std::string_view id) const noexcept {
    return const_cast<conversation_table*>(this)->find(id);
  }
  // The conversation `id`, added when new.
  live_conversation& open(std::string_view id) {
    if (live_conversation* c = find(id)) return *c;
    if ((items_.size() + 1) * 2 > slots_.size()) grow();
    live_conversation& c = items_.emplace_back();
    c.id = id;
    place(hash(id), static_cast<std::uint32_t>(items_.size()));
    return c;
  }
  std::size_t size() const noexcept { return items_.size(); }
  auto begin() noexcept { return items_.begin(); }
  auto end() noexcept { return items_.end(); }
  auto begin() const noexcept { return items_.begin(); }
  auto end() const noexcept { return items_.end(); }

 private:
  struct slot {
    std::uint32_t hash = 0;
    std::uint32_t index = 0;  // position in `items_` plus one; 0: empty
  };
  static std::uint32_t hash(std::string_view id) noexcept {
    const std::uint64_t h = std::hash<std::string_view>{}(id);
    return static_cast<std::uint32_t>(h ^ (h >> 32));
  }
  void place(std::uint32_t h, std::uint32_t index) noexcept {
    std::size_t i = h & mask_;
    while (slots_[i].index != 0) i = (i + 1) & mask_;
    slots_[i] = {h, index};
  }
  void grow() {
    std::vector<slot> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(64, old.size() * 2), slot{});
    mask_ = slots_.size() - 1;
    for (const slot& s : old)
      if (s.index != 0) place(s.hash, s.index);
  }
  std::deque<live_conversation> items_;
  std::vector<slot> slots_;
  std::size_t mask_ = 0;
};

enum class timer_kind : unsigned char { silence, first_response, wait_limit };

struct timer {
  time_point due;
  std::string conversation;
  timer_kind kind;
  bool operator>(const timer& o) const noexcept { return due > o.due; }
};

// What the engine tells of an agent, and what the router keeps besides.
struct agent_state : agent_info {
  long long online_seq = 0;
  time_point last_assigned{};

  bool has_skill(std::string_view s) const { return std::find(skills.begin(), skills.end(), s) != skills.end(); }
  bool has_room() const { return static_cast<int>(conversations.size()) < capacity; }
  void drop(std::string_view conv) {
    conversations.erase(std::remove(conversations.begin(), conversations.end(), conv), conversations.end());
  }
};

struct waiting {
  priority prio;
  long long seq;
  std::string conversation;
};

struct queue_state {
  const queue_definition* def;
  const detail::hours_schedule* hours;  // nullptr: always open
  std::vector<waiting> line;            // served first at the front
  long long last_turn = 0;              // round robin: the online_seq of the agent served last
  // A moving average of the queue's recent handling times, starting from
  // the configured one: each conversation released moves it a fifth of the
  // way to its own time, so the last ten or so weigh most.
  double handle_average = 0;

  double handling() const { return handle_average > 0 ? handle_average : def->average_handle_seconds; }
  void handled(double seconds) { handle_average = handling() + 0.2 * (seconds - handling()); }

  bool open(time_point t) const { return !hours || hours->open(t); }
};

std::string replace_all(std::string_view text, std::initializer_list<std::pair<std::string_view, std::string>> vars) {
  return detail::fill_in(text, [&](std::string_view name) -> const std::string* {
    for (const auto& [k, v] : vars)
      if (k == name) return &v;
    return nullptr;
  });
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

// Everything the engine derives from one configuration, built whole before
// it is used, so a reload either replaces all of it or none.
struct compiled_bot {
  bot_config cfg;
  std::unique_ptr<intent_matcher> matcher;
  detail::compiled_policy policy;
  std::vector<detail::hours_schedule> schedules;  // as cfg.hours
  std::uint32_t human_intent = ~0u;               // the first intent that requests a human
  // By intent: how its slots are found, and its action (empty when none).
  std::vector<std::vector<detail::slot_extractor>> extractors;
  std::vector<action_function> actions;

  redactor redact;  // the configuration's privacy rules
  compiled_bot(bot_config c, const matcher_registry* registry, const action_registry* host_actions)
      : cfg(std::move(c)),
        matcher(registry ? registry->create_for(cfg) : matcher_registry().create_for(cfg)),
        policy(cfg.policy) {
    redact = redactor(cfg.privacy.redact);
    schedules.reserve(cfg.hours.size());
    for (const auto& h : cfg.hours) schedules.emplace_back(h);
    std::vector<std::pair<std::string, action_function>> built;  // the configuration's, each file read once
    for (const auto& intent : cfg.intents) {
      auto& slots = extractors.emplace_back();
      for (const auto& s : intent.slots) slots.emplace_back(s);
      actions.emplace_back(find_action(intent, host_actions, built));
    }
    for (std::uint32_t i = 0; i < cfg.intents.size(); ++i)
      if (cfg.intents[i].requests_human) {
        human_intent = i;
        break;
      }
  }

  action_function find_action(const intent_definition& intent, const action_registry* host_actions,
                              std::vector<std::pair<std::string, action_function>>& built) const {
    if (intent.action.empty()) return {};
    if (host_actions)
      if (const auto* a = host_actions->find(intent.action)) return *a;
    for (const auto& [name, a] : built)
      if (name == intent.action) return a;
    if (const auto* d = cfg.find_action(intent.action))
      return built.emplace_back(d->name, detail::make_lookup(*d)).second;
    throw config_error("<config>", {{config_problem::level::error, "handoff.config.unknown_action",
                                     fmt::format("/intents/{}/action", &intent - cfg.intents.data()),
                                     fmt::format("no action \"{}\": not in `actions`, and the host registered none "
                                                 "by that name",
                                                 intent.action)}});
  }

  const detail::hours_schedule* hours_of(const queue_definition& q) const {
    for (std::size_t i = 0; i < cfg.hours.size(); ++i)
      if (cfg.hours[i].id == q.hours) return &schedules[i];
    return nullptr;
  }
};

namespace {

// A conversation's language after a message: switched on clear evidence
// only, so that a Chinese customer who types "ok" still reads Chinese.
void settle_language(const language_guess& guess, std::string& language, bool& confident) {
  if (!guess.language.empty() && (guess.confident || !confident)) {
    if (guess.confident || language.empty()) language = guess.language;
    confident = confident || guess.confident;
  }
}

// A customer message understood before the engine's lock is taken: its
// text cleaned and redacted, its language, intents and sentiment. All of
// it depends only on the message, the compiled bot and the conversation's
// language as it stood, so it is used when those are unchanged once the
// lock is held (and computed again under the lock otherwise). Host matchers
// and sentiment analysers run here, outside the lock.
struct prepared_message {
  std::shared_ptr<const compiled_bot> bot;
  std::string language_before;
  bool confident_before = false;
  std::string clean, original, for_agent;
  bool redacted = false;
  normalized_text norm;
  std::string language;
  bool language_confident = false;
  // The candidates, ranked, and when no intent fits the one the matchers
  // came nearest to.
  intent_reading reading;
  sentiment feeling;
};

// The part of handling a customer message that needs no state but the
// conversation's language: redaction, language, intents, sentiment.
void prepare(const in::customer_message& e, const sentiment_analyzer& analyzer, prepared_message& p);

}  // namespace

struct engine::impl final : detail::queue_view {
  // Shared, so that going back to what the store holds rebuilds the state
  // and not the trained matchers.
  std::shared_ptr<const compiled_bot> bot;
  const action_registry* host_actions;
  recommender_function recommender;
  lexicon_sentiment builtin_sentiment;
  const sentiment_analyzer* analyzer;
  time_point now;
  text_pool pool;  // before the conversations, whose lines point into it
  conversation_table conversations;
  string_map<agent_state> agents;
  std::vector<queue_state> queues;
  bool trace_decisions = false;
  long long next_seq = 1;
  long long front_seq = 0;
  long long online_counter = 0;
  // The earliest moment an offer may lapse or a timer fire: until then
  // time moves for free.
  time_point next_due = time_point::max();
  std::priority_queue<timer, std::vector<timer>, std::greater<>> timers;

  // What the metrics are made of, kept as events happen.
  std::map<std::string, std::size_t, std::less<>> escalations_by_reason, escalations_by_queue, tickets_by_reason;
  std::vector<double> waits, first_responses, handlings;
  std::size_t waited = 0, abandoned = 0, resolved_count = 0;

  // Scratch reused for every message, so the hot path does not allocate.
  normalized_text norm;
  std::vector<intent_match> matches;
  std::optional<near_miss> near;  // when no intent fits the message
  std::string clean;
  // When redaction changed a message: its text as written (slots are read
  // from it) and what the agent may see.
  bool redacted = false;
  std::string original, for_agent;
  prepared_message understood_here;  // when the lock-free understanding does not apply
  normalized_text norm_original;
  std::vector<output_event>* out = nullptr;

  // Text for a transcript: with the configuration's redactions.
  std::string kept_text(std::string text) const {
    if (!bot->redact.empty()) {
      std::string agent_view;
      std::string kept;
      if (bot->redact.redact(text, kept, agent_view)) return kept;
    }
    return text;
  }

  // Persistence: every accepted event goes to the store with what the
  // host's callbacks answered (the tape), so a replay calls nobody.
  engine_options options;
  store* storage = nullptr;
  bool replaying = false;
  bool needs_rebuild = false;  // the store refused an event: go back to it first
  std::string storage_problem;
  nlohmann::json tape = nlohmann::json::array();
  const nlohmann::json* replay_tape = nullptr;
  std::size_t replay_at = 0;

  impl(bot_config c, const engine_options& o)
      : impl(std::make_shared<const compiled_bot>(std::move(c), o.matchers, o.actions), o) {}

  impl(std::shared_ptr<const compiled_bot> compiled, const engine_options& o)
      : bot(std::move(compiled)),
        host_actions(o.actions),
        recommender(o.recommender),
        analyzer(o.sentiment ? o.sentiment : &builtin_sentiment),
        now(o.start),
        trace_decisions(o.trace_decisions),
        options(o),
        storage(o.storage) {
    for (const auto& q : bot->cfg.queues) queues.push_back({&q, bot->hours_of(q), {}});
  }

  // What the host answered during a live event, or the recorded answer
  // during a replay (null when the tape has none of that kind next: the
  // configuration changed since it was recorded).
  const nlohmann::json* recorded(std::string_view kind) {
    if (!replay_tape || !replay_tape->is_array() || replay_at >= replay_tape->size()) return nullptr;
    const auto& e = (*replay_tape)[replay_at];
    if (!e.is_object() || e.value("kind", "") != kind) return nullptr;
    ++replay_at;
    return &e;
  }
  void process(const input_event& event, std::optional<time_point> at, std::vector<output_event>& sink,
               prepared_message* prepared = nullptr);
  prepared_message* prepared = nullptr;  // for the customer message being handled, when it was
  void restore();
  void persist(const input_event& event, time_point at, const std::vector<output_event>& produced, std::size_t first);
  conversation_info info(const live_conversation& c) const;
  input_event redacted_copy(const input_event& event) const;

  void keep(nlohmann::json effect) {
    if (storage && !replaying) tape.push_back(std::move(effect));
  }

  // Builds the new configuration whole, then swaps it in: queues keep their
  // lines, conversations carry on under the new rules. A queue that holds
  // conversations cannot disappear.
  void reload(bot_config c, const matcher_registry* registry) {
    auto next = std::make_unique<const compiled_bot>(std::move(c), registry, host_actions);
    std::vector<queue_state> next_queues;
    for (const auto& q : next->cfg.queues) next_queues.push_back({&q, next->hours_of(q), {}});
    for (const auto& conv : conversations) {
      const bool in_queue = conv.state == conversation_state::queued || conv.state == conversation_state::offered ||
                            conv.state == conversation_state::assigned;
      if (in_queue && !next->cfg.find_queue(conv.queue))
        throw error(
            fmt::format("the new configuration has no queue \"{}\", which holds conversation \"{}\"; "
                        "keep the queue until its conversations are done",
                        conv.queue, conv.id));
    }
    for (auto& q : queues)
      for (auto& n : next_queues)
        if (n.def->id == q.def->id) {
          n.line = std::move(q.line);
          n.handle_average = q.handle_average;
        }
    queues = std::move(next_queues);
    bot = std::move(next);
    next_due = time_point::min();  // offer times may have changed: look again
  }

  std::string_view default_language() const { return bot->cfg.languages.front(); }
  std::string_view lang(const live_conversation& c) const {
    return c.language.empty() ? default_language() : std::string_view(c.language);
  }

  // ---- output helpers ---------------------------------------------------

  template <class Event>
  void emit(Event e) {
    out->emplace_back(std::move(e));
  }

  void refuse(std::string code, std::string message, std::string_view conversation = {}) {
    emit(out::error{std::move(code), std::move(message), std::nullopt, std::string(conversation)});
  }

  void record(live_conversation& c, role r, std::string text, std::string_view agent = {}, std::string_view kind = {}) {
    kept_line& e = c.transcript.emplace_back();
    e.role = r;
    // What people write is theirs alone; what the bot and the system say
    // repeats.
    if (r == role::bot || r == role::system) e.shared = pool.sentence(text);
    if (!e.shared) e.own = std::move(text);
    e.at = now;
    e.agent = pool.name(agent);
    e.kind = pool.name(kind);
  }

  std::vector<quick_reply> localize(const std::vector<localized_reply>& replies, std::string_view language) const {
    std::vector<quick_reply> out_replies;
    out_replies.reserve(replies.size());
    for (const auto& r : replies)
      out_replies.push_back({std::string(r.label.get(language, default_language())), r.value});
    return out_replies;
  }

  // Set while the timers speak, so a reminder does not restart the silence
  // it is about.
  bool quiet_kept = false;

  static time_point& due_of(live_conversation& c, timer_kind kind) {
    return kind == timer_kind::silence          ? c.silence_due
           : kind == timer_kind::first_response ? c.response_due
                                                : c.wait_due;
  }

  // One timer of each kind per conversation counts: a later one waits for
  // the earlier to fire, which looks at the latest times and sets the next.
  void schedule(time_point due, live_conversation& c, timer_kind kind) {
    time_point& pending = due_of(c, kind);
    if (pending <= due && pending > now) return;
    pending = due;
    timers.push({due, c.id, kind});
    next_due = std::min(next_due, due);
  }

  // The bot spoke and waits for the customer.
  void wait_for(live_conversation& c) {
    const auto& t = bot->cfg.timers;
    if (t.silent_remind_after <= 0 && t.silent_close_after <= 0) return;
    c.quiet_since = now;
    c.reminded = false;
    schedule(now + std::chrono::seconds(t.silent_remind_after > 0 ? t.silent_remind_after : t.silent_close_after), c,
             timer_kind::silence);
  }

  void say(live_conversation& c, std::string text, std::string_view kind, std::vector<quick_reply> replies = {},
           std::string_view intent = {}, std::optional<double> confidence = {}) {
    if (text.empty()) return;
    record(c, role::bot, text, {}, kind);
    if (!quiet_kept && (c.state == conversation_state::bot || c.state == conversation_state::resolved)) wait_for(c);
    emit(out::bot_message{c.id, std::move(text), std::string(lang(c)), std::string(intent), confidence,
                          std::move(replies), std::string(kind)});
  }

  void notice(live_conversation& c, const localized_text& t,
              std::initializer_list<std::pair<std::string_view, std::string>> vars) {
    auto text = t.get(lang(c), default_language());
    if (!text.empty()) say(c, replace_all(text, vars), "notice");
  }

  // What the customer saw on the button they chose, for the transcript: the
  // agent reads "After-sales", not "after_sales".
  std::string_view label_for(std::string_view value, std::string_view language) const {
    auto search = [&](const std::vector<localized_reply>& replies) -> std::string_view {
      for (const auto& r : replies)
        if (r.value == value) return r.label.get(language, default_language());
      return {};
    };
    if (auto l = search(bot->cfg.menu); !l.empty()) return l;
    if (auto l = search(bot->cfg.fallback_replies); !l.empty()) return l;
    for (const auto& i : bot->cfg.intents)
      if (auto l = search(i.quick_replies); !l.empty()) return l;
    if (const auto* i = bot->cfg.find_intent(value))  // a clarifying question's choice
      if (auto l = i->label.get(language, default_language()); !l.empty()) return l;
    return value;
  }

  // ---- conversations and understanding ---------------------------------

  live_conversation& open(const std::string& id) { return conversations.open(id); }

  live_conversation* find(std::string_view id) { return conversations.find(id); }

  void update_customer(live_conversation& c, const std::optional<customer_info>& info) {
    if (!info) return;
    c.customer = *info;
    if (c.language.empty() && !info->language.empty()) {
      auto l = best_language(info->language, bot->cfg.languages);
      if (!l.empty()) c.language = l;
    }
  }

  void note_intents(live_conversation& c) {
    c.last_intents.clear();
    for (std::size_t i = 0; i < matches.size() && i < 3; ++i)
      c.last_intents.push_back({bot->cfg.intents[matches[i].intent].id, matches[i].confidence});
  }

  const intent_match* top() const { return matches.empty() ? nullptr : &matches.front(); }

  // ---- slots and actions ------------------------------------------------

  static std::string* slot_value(live_conversation& c, std::string_view name) {
    for (auto& [k, v] : c.slots)
      if (k == name) return &v;
    return nullptr;
  }

  // Reads the intent's slots from the message; a value given again replaces
  // the old one (the customer corrects it). True when any was found.
  bool fill_slots(live_conversation& c, std::uint32_t intent) {
    auto set = [&](const std::string& name, std::string v) {
      if (auto* old = slot_value(c, name))
        *old = std::move(v);
      else
        c.slots.emplace_back(name, std::move(v));
    };
    if (replaying) {
      // The kept text is redacted: the values come from the record, as
      // they were kept.
      const auto* e = recorded("slots");
      if (!e) return false;
      bool found = false;
      if (auto values = e->find("values"); values != e->end() && values->is_array())
        for (const auto& pair : *values)
          if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
            set(pair[0].get<std::string>(), pair[1].get<std::string>());
            found = true;
          }
      return found;
    }
    const std::string& text = redacted ? original : clean;
    if (redacted) norm_original.assign(original);
    const normalized_text& n = redacted ? norm_original : norm;
    bool found = false;
    nlohmann::json kept_values = nlohmann::json::array();
    for (const auto& x : bot->extractors[intent]) {
      const bool asked = c.collecting == intent && c.asked == x.slot().name;
      auto v = x.extract(text, n, asked, now);
      if (!v) continue;
      found = true;
      if (storage) kept_values.push_back({x.slot().name, kept_text(sanitize_utf8(*v))});
      set(x.slot().name, std::move(*v));
    }
    if (storage) keep({{"kind", "slots"}, {"values", std::move(kept_values)}});
    return found;
  }

  // A message that answers the bot's question (or corrects a value it used)
  // serves that intent, whatever the matcher made of it; a call for a
  // person, or a clear new request where a free-text answer was expected,
  // still wins.
  void take_slots(live_conversation& c) {
    const intent_match* m = top();
    if (m && (m->command || bot->cfg.intents[m->intent].requests_human)) return;
    std::uint32_t target = c.collecting;
    if (target == no_intent && !m) target = c.last_served;  // "no, it's 2025..."
    if (target == no_intent) return;
    if (bot->extractors[target].empty()) return;
    const bool free_text = c.collecting == target && slot_kind(target, c.asked) == entity_kind::text;
    if (free_text && m && m->intent != target) return;
    if (!fill_slots(c, target)) return;
    matches.clear();
    matches.push_back({target, 1.0, false});
    c.last_intents.assign(1, {bot->cfg.intents[target].id, 1.0});
  }

  entity_kind slot_kind(std::uint32_t intent, std::string_view name) const {
    for (const auto& s : bot->cfg.intents[intent].slots)
      if (s.name == name) return s.entity;
    return entity_kind::pattern;
  }

  // Asks for the first slot the intent lacks; false when it has them all.
  bool ask_missing(live_conversation& c, std::uint32_t intent, double confidence) {
    for (const auto& s : bot->cfg.intents[intent].slots) {
      if (slot_value(c, s.name)) continue;
      const bool again = c.collecting == intent && c.asked == s.name;
      c.asks = again ? c.asks + 1 : 1;
      c.collecting = intent;
      c.asked = s.name;
      const auto& text = again && !s.retry.empty() ? s.retry : s.prompt;
      say(c, std::string(text.get(lang(c), default_language())), "ask_slot", {}, bot->cfg.intents[intent].id,
          confidence);
      return true;
    }
    return false;
  }

  // Every slot is there: the action runs and its outcome picks the answer.
  void serve(live_conversation& c, std::uint32_t index, double confidence) {
    const auto& intent = bot->cfg.intents[index];
    c.collecting = no_intent;
    c.asked.clear();
    c.asks = 0;
    c.last_served = index;
    c.fallbacks_in_row = 0;
    action_result result;
    const localized_text* text = &intent.answer;
    if (const auto& action = bot->actions[index]) {
      std::string failure;
      if (replaying) {
        // Actions change the host's world (an address, a booking): a
        // replay reads what they answered and never calls them again.
        if (const auto* e = recorded("action")) {
          result.outcome = e->value("outcome", "failed");
          if (auto values = e->find("values"); values != e->end() && values->is_object())
            for (const auto& [k, v] : values->items())
              if (v.is_string()) result.values.emplace_back(k, v.get<std::string>());
          failure = e->value("failure", "");
        } else {
          result = {"failed", {}};
          failure = "not replayed: no answer recorded";
        }
      } else {
        action_request request{c.id, intent.id, lang(c), &c.customer, &c.slots};
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
        if (storage) {
          nlohmann::json values = nlohmann::json::object();
          for (const auto& [k, v] : result.values) values[k] = sanitize_utf8(v);
          keep({{"kind", "action"}, {"outcome", result.outcome}, {"values", std::move(values)}, {"failure", failure}});
        }
      }
      if (!failure.empty()) record(c, role::system, fmt::format("action {} failed: {}", intent.action, failure));
      for (const auto& [outcome, t] : intent.responses)
        if (outcome == result.outcome) text = &t;
      record(c, role::system, fmt::format("action {}: {}", intent.action, result.outcome));
    }
    say(c, fill_in(text->get(lang(c), default_language()), c.slots, result.values), "answer",
        localize(intent.quick_replies, lang(c)), intent.id, confidence);
  }

  detail::message_facts facts(const live_conversation& c, bool human_requested) const {
    detail::message_facts f;
    const intent_match* m = top();
    f.human_requested = human_requested || (m && bot->cfg.intents[m->intent].requests_human);
    if (m) {
      f.intent = bot->cfg.intents[m->intent].id;
      f.confidence = m->confidence;
      f.margin = m->confidence - (matches.size() > 1 ? matches[1].confidence : 0.0);
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
    f.queues = this;
    return f;
  }

  // The bot's turn: the policy may hand over; otherwise the bot answers.
  void bot_turn(live_conversation& c, bool human_requested) {
    auto f = facts(c, human_requested);
    const policy_rule* r = trace_decisions ? bot->policy.decide(f, c.last_trace) : bot->policy.decide(f);
    bool offer = false;
    if (r) {
      for (const auto& tag : r->tags)
        if (std::find(c.tags.begin(), c.tags.end(), tag) == c.tags.end()) c.tags.push_back(tag);
      const bool replied = !r->reply.empty();
      if (replied) {
        // To a message the bot did not understand, whatever the rule says is
        // the bot's fallback: the customer (and a host's client) learn that
        // this question went unanswered, whatever happens next.
        say(c, std::string(r->reply.get(lang(c), default_language())), f.out_of_scope ? "fallback" : "answer");
        c.fallbacks_in_row = top() ? 0 : c.fallbacks_in_row + 1;  // the bot still did not understand
      }
      if (r->escalate) {
        if (!trace_decisions) bot->policy.decide(f, c.last_trace);  // an escalation always says why
        escalate(c, *r, f);
        return;
      }
      if (!r->ticket.empty()) {
        make_ticket(c, r->ticket, r->reason, fmt::format("{} (rule {})", r->reason, r->id));
        return;
      }
      if (replied) {
        if (r->offer_human) offer_human(c, out->size() - 1);
        return;
      }
      offer = r->offer_human;
      if (r->clarify && matches.size() >= 2 && labelled(matches[0]) && labelled(matches[1])) {
        const std::size_t at = out->size();
        clarify(c, matches[0], matches[1]);
        if (offer) offer_human(c, at);
        return;
      }
    }
    const std::size_t before = out->size();
    respond(c);
    if (offer) offer_human(c, before);
  }

  // A rule asked the bot to offer a person with whatever it said.
  void offer_human(live_conversation& c, std::size_t from) {
    for (std::size_t i = out->size(); i-- > from;) {
      auto* m = std::get_if<out::bot_message>(&(*out)[i]);
      if (!m || m->conversation != c.id) continue;
      for (const auto& q : m->quick_replies)
        if (q.value == "request_human") return;
      auto label = label_for("request_human", lang(c));
      m->quick_replies.push_back(
          {std::string(label == "request_human" ? std::string_view("Talk to a person") : label), "request_human"});
      return;
    }
  }

  // The bot's own turn: a clarifying question, an answer or a fallback.
  void respond(live_conversation& c) {
    const intent_match* m = top();
    if (m && matches.size() >= 2 && close(matches[0], matches[1])) {
      clarify(c, matches[0], matches[1]);
      return;
    }
    if (m && !(bot->cfg.intents[m->intent].requests_human && bot->cfg.intents[m->intent].answer.empty())) {
      if (bot->cfg.intents[m->intent].slots.empty()) {
        answer(c, m->intent, m->confidence);
        return;
      }
      fill_slots(c, m->intent);
      c.fallbacks_in_row = 0;
      if (!ask_missing(c, m->intent, m->confidence)) serve(c, m->intent, m->confidence);
      return;
    }
    // Not an answer to the bot's question: it asks again, twice, then lets go.
    if (!m && c.collecting != no_intent) {
      if (c.asks < 3 && ask_missing(c, c.collecting, 0)) {
        ++c.fallbacks_in_row;
        return;
      }
      c.collecting = no_intent;
    }
    ++c.fallbacks_in_row;
    auto replies = localize(bot->cfg.fallback_replies, lang(c));
    suggest(c, replies);
    say(c, std::string(bot->cfg.fallback.get(lang(c), default_language())), "fallback", std::move(replies));
  }

  // A fallback's first quick reply is the intent the message came near,
  // when it came near enough and has a label: "面霜咋保存" (how do I keep the
  // face cream) is product care to the matcher, short of its threshold, and
  // one tap answers it. A wrong guess costs a button, not an answer.
  void suggest(const live_conversation& c, std::vector<quick_reply>& replies) const {
    if (!near || near->closeness < bot->cfg.understanding.suggest) return;
    const auto& def = bot->cfg.intents[near->intent];
    if (!offerable(near->intent) || def.courtesy) return;
    std::erase_if(replies, [&](const quick_reply& r) { return r.value == def.id; });
    replies.insert(replies.begin(), {std::string(def.label.get(lang(c), default_language())), def.id});
  }

  // Only intents the configuration labels can be offered as a choice (a
  // button reading "thanks" next to "goodbye" would help nobody), and never
  // a call for a person.
  bool offerable(std::uint32_t intent) const {
    const auto& d = bot->cfg.intents[intent];
    return !d.label.empty() && !d.requests_human;
  }
  bool labelled(const intent_match& m) const { return !m.command && offerable(m.intent); }

  // Two readings both plausible and close: asking costs the customer one
  // tap, answering the wrong one costs the conversation.
  bool close(const intent_match& a, const intent_match& b) const {
    return labelled(a) && labelled(b) && b.confidence >= bot->cfg.understanding.clarify_ratio * a.confidence;
  }

  void clarify(live_conversation& c, const intent_match& a, const intent_match& b) {
    c.choices = {a.intent, b.intent};
    std::vector<quick_reply> replies;
    for (const auto* m : {&a, &b}) {
      const auto& def = bot->cfg.intents[m->intent];
      replies.push_back({std::string(def.label.get(lang(c), default_language())), def.id});
    }
    auto text = bot->cfg.notices.clarify.get(lang(c), default_language());
    say(c, std::string(text.empty() ? "Which do you mean?" : text), "clarify", std::move(replies));
  }

  void answer(live_conversation& c, std::uint32_t index, double confidence) {
    const auto& intent = bot->cfg.intents[index];
    c.fallbacks_in_row = 0;
    if (intent.welcome) {
      auto replies = localize(intent.quick_replies.empty() ? bot->cfg.menu : intent.quick_replies, lang(c));
      auto text = intent.answer.empty() ? bot->cfg.welcome.get(lang(c), default_language())
                                        : intent.answer.get(lang(c), default_language());
      say(c, std::string(text), "welcome", std::move(replies), intent.id, confidence);
      return;
    }
    say(c, std::string(intent.answer.get(lang(c), default_language())), "answer",
        localize(intent.quick_replies, lang(c)), intent.id, confidence);
  }

  // ---- handoff ------------------------------------------------------------

  queue_state* queue(std::string_view id) {
    for (auto& q : queues)
      if (q.def->id == id) return &q;
    return nullptr;
  }

  // Whether `a` could ever serve `c` in `q`, room or not.
  static bool can_serve(const agent_state& a, const queue_state& q, const live_conversation& c) {
    if (a.status != agent_status_kind::online || !a.has_skill(q.def->skill)) return false;
    for (const auto& s : c.skills)
      if (!a.has_skill(s)) return false;
    return true;
  }

  bool anyone_online(const queue_state& q, const live_conversation& c) const {
    for (const auto& [id, a] : agents)
      if (can_serve(a, q, c)) return true;
    return false;
  }

  void escalate(live_conversation& c, const policy_rule& r, const detail::message_facts& f) {
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
    c.collecting = no_intent;  // a person takes over the questions
    c.handed = true;
    ++escalations_by_reason[c.reason];
    c.declined_by.clear();
    c.fallbacks_in_row = 0;
    ++escalations_by_queue[c.queue];
    emit(out::escalated{c.id, c.queue, c.prio, c.reason, c.rule, c.last_trace, std::move(routing)});
    std::string needs;
    for (const auto& s : c.skills) needs += fmt::format("{}{}", needs.empty() ? ", needs " : " and ", s);
    record(c, role::system,
           fmt::format("escalated to {} ({}, {}{}): {}", c.queue, to_string(c.prio), c.rule, needs, c.reason));
    enqueue(c, next_seq++);
  }

  // A follow-up for later instead of a wait; the bot keeps the conversation.
  // `why` is for the transcript, in words.
  // Out of hours the customer hears when someone will be back.
  void make_ticket(live_conversation& c, const std::string& queue, const std::string& reason, std::string_view why) {
    c.handed = true;
    ++tickets_by_reason[reason];
    emit(out::ticket{c.id, queue, reason});
    record(c, role::system, fmt::format("ticket for {}: {}", queue, why));
    const queue_state* q = this->queue(queue);
    if (q && !q->open(now) && !bot->cfg.notices.closed.empty()) {
      auto opens = q->hours->next_opening(now);
      notice(c, bot->cfg.notices.closed,
             {{"queue", queue}, {"opens", opens ? q->hours->local(*opens) : std::string()}});
      return;
    }
    notice(c, bot->cfg.notices.ticket, {{"queue", queue}});
  }

  // Puts a conversation in line for its queue. A new handoff becomes a
  // ticket when no one who could take it is online; one that an agent had
  // already (`keep_waiting`) waits for the next agent instead.
  void enqueue(live_conversation& c, long long seq, bool keep_waiting = false) {
    queue_state* q = queue(c.queue);
    const bool open = keep_waiting || q->open(now);
    if (!keep_waiting && (!open || !anyone_online(*q, c))) {
      c.state = conversation_state::bot;
      c.agent.clear();
      if (!open)
        make_ticket(c, c.queue, "outside_hours", "outside business hours");
      else
        make_ticket(c, c.queue, "no_agent_online", "no agent online");
      return;
    }
    c.state = conversation_state::queued;
    c.agent.clear();
    if (!c.waiting_since) {
      c.waiting_since = now;
      c.callback_offered = false;
      if (q->def->max_wait_seconds > 0)
        schedule(now + std::chrono::seconds(q->def->max_wait_seconds), c, timer_kind::wait_limit);
      ++waited;
    }
    c.seq = seq;
    c.last_position = 0;
    c.last_estimate = -1;
    auto pos = std::find_if(q->line.begin(), q->line.end(),
                            [&](const waiting& w) { return w.prio < c.prio || (w.prio == c.prio && w.seq > seq); });
    q->line.insert(pos, waiting{c.prio, seq, c.id});
    dispatch();
  }

  void leave_line(live_conversation& c) {
    if (queue_state* q = queue(c.queue))
      std::erase_if(q->line, [&](const waiting& w) { return w.conversation == c.id; });
  }

  // An agent who lists no languages is taken to speak them all.
  bool speaks(const agent_state& a, const live_conversation& c) const {
    if (a.languages.empty()) return true;
    const auto want = primary_language(lang(c));
    for (const auto& l : a.languages)
      if (primary_language(l) == want) return true;
    return false;
  }

  agent_state* pick_agent(const queue_state& q, const live_conversation& c) {
    agent_state* best = nullptr;
    // The customer's language first: while anyone online who could serve
    // them speaks it, they wait for such an agent rather than get another.
    bool need_speaker = false;
    for (const auto& [id, a] : agents) need_speaker = need_speaker || (can_serve(a, q, c) && speaks(a, c));
    // A queue that prefers senior agents takes one when one is free.
    auto senior = [&](const agent_state& a) { return q.def->prefer_level > 0 && a.level >= q.def->prefer_level; };
    // Round robin: the next agent after the last one served, in the order
    // they came online, wrapping round.
    auto turn = [&](const agent_state& a) {
      return a.online_seq > q.last_turn ? a.online_seq : a.online_seq + (1LL << 40);
    };
    auto idle_longer = [](const agent_state& a, const agent_state& b) {
      return a.last_assigned < b.last_assigned || (a.last_assigned == b.last_assigned && a.online_seq < b.online_seq);
    };
    for (auto& [id, a] : agents) {
      if (!a.has_room() || !can_serve(a, q, c)) continue;
      if (need_speaker && !speaks(a, c)) continue;
      if (std::find(c.declined_by.begin(), c.declined_by.end(), a.id) != c.declined_by.end()) continue;
      bool better = !best;
      if (best && senior(a) != senior(*best)) {
        better = senior(a);
      } else if (best)
        switch (q.def->strategy) {
          case queue_strategy::least_busy:  // then the one idle longest
            better = a.conversations.size() < best->conversations.size() ||
                     (a.conversations.size() == best->conversations.size() && idle_longer(a, *best));
            break;
          case queue_strategy::round_robin: better = turn(a) < turn(*best); break;
          case queue_strategy::longest_idle:  // then the less busy
            better = a.last_assigned < best->last_assigned ||
                     (a.last_assigned == best->last_assigned &&
                      (a.conversations.size() < best->conversations.size() ||
                       (a.conversations.size() == best->conversations.size() && a.online_seq < best->online_seq)));
            break;
        }
      if (better) best = &a;
    }
    return best;
  }

  // Gives waiting conversations to agents with room, the most urgent and
  // then the longest waiting first, then tells those still waiting where
  // they stand.
  void dispatch() {
    for (;;) {
      queue_state* best_q = nullptr;
      std::size_t best_i = 0;
      agent_state* best_a = nullptr;
      for (auto& q : queues)
        for (std::size_t i = 0; i < q.line.size(); ++i) {
          agent_state* a = pick_agent(q, *conversations.find(q.line[i].conversation));
          if (!a) continue;
          const waiting& w = q.line[i];
          if (!best_q || w.prio > best_q->line[best_i].prio ||
              (w.prio == best_q->line[best_i].prio && w.seq < best_q->line[best_i].seq)) {
            best_q = &q;
            best_i = i;
            best_a = a;
          }
          break;
        }
      if (!best_q) break;
      live_conversation& c = *conversations.find(best_q->line[best_i].conversation);
      best_q->line.erase(best_q->line.begin() + static_cast<std::ptrdiff_t>(best_i));
      best_a->conversations.push_back(c.id);
      best_a->last_assigned = now;
      best_q->last_turn = best_a->online_seq;
      c.agent = best_a->id;
      if (best_q->def->mode == queue_mode::offer) {
        c.state = conversation_state::offered;
        c.offered_at = now;
        next_due = std::min(next_due, now + std::chrono::seconds(best_q->def->offer_seconds));
        emit(out::offered{c.id, c.agent});
        record(c, role::system, fmt::format("offered to {}", c.agent), c.agent);
      } else {
        assign(c, *best_a);
      }
    }
    announce_positions();
  }

  void assign(live_conversation& c, agent_state& a) {
    c.state = conversation_state::assigned;
    c.agent = a.id;
    if (c.waiting_since) waits.push_back(seconds_since(*c.waiting_since));
    c.waiting_since.reset();
    c.assigned_at = now;
    c.first_response_due = true;
    if (const queue_state* q = queue(c.queue); q && q->def->first_response_seconds > 0)
      schedule(now + std::chrono::seconds(q->def->first_response_seconds), c, timer_kind::first_response);
    record(c, role::system, fmt::format("assigned to {}", a.id), a.id);
    emit(out::assigned{c.id, a.id, context(c)});
    notice(c, bot->cfg.notices.assigned, {{"agent", a.id}, {"queue", c.queue}});
  }

  int agents_online() const override {
    int n = 0;
    for (const auto& [id, a] : agents) n += a.status == agent_status_kind::online;
    return n;
  }

  bool within_hours() const override {
    for (const auto& q : queues)
      if (q.open(now)) return true;
    return false;
  }

  std::optional<double> queue_fact(std::string_view id, std::string_view field) const override {
    const queue_state* q = nullptr;
    for (const auto& x : queues)
      if (x.def->id == id) q = &x;
    if (!q) return std::nullopt;
    if (field == "open") return q->open(now) ? 1.0 : 0.0;
    if (field == "waiting") return static_cast<double>(q->line.size());
    int online = 0;
    for (const auto& [aid, a] : agents) online += a.status == agent_status_kind::online && a.has_skill(q->def->skill);
    if (field == "agents_online") return static_cast<double>(online);
    if (online == 0) return std::nullopt;  // no wait to speak of: a ticket
    return static_cast<double>(estimate(*q, static_cast<int>(q->line.size()) + 1, online_capacity(*q)));
  }

  // The capacity of the online agents who can serve `q` (at least 1).
  int online_capacity(const queue_state& q) const {
    int capacity = 0;
    for (const auto& [id, a] : agents)
      if (a.status == agent_status_kind::online && a.has_skill(q.def->skill)) capacity += a.capacity;
    return std::max(capacity, 1);
  }

  // With every agent busy, a place frees every handling time / capacity on
  // average (conversations end at random moments, not together), and the
  // customer at `position` needs that many places to free.
  static long long estimate(const queue_state& q, int position, int capacity) {
    return static_cast<long long>(std::ceil(q.handling() * position / capacity));
  }

  // Whether an online agent serves both queues: then those waiting in the
  // other are served before a later or less urgent customer of this one.
  bool compete(const queue_state& a, const queue_state& b) const {
    if (&a == &b) return true;
    for (const auto& [id, ag] : agents)
      if (ag.status == agent_status_kind::online && ag.has_skill(a.def->skill) && ag.has_skill(b.def->skill))
        return true;
    return false;
  }

  // A customer's place counts everyone the agents who could serve them will
  // serve first: a VIP in the senior queue goes ahead of a standard
  // customer in general when the same agents serve both.
  void announce_positions() {
    std::vector<const queue_state*> rivals;
    for (auto& q : queues) {
      if (q.line.empty()) continue;
      rivals.clear();
      for (const auto& o : queues)
        if (&o != &q && !o.line.empty() && compete(q, o)) rivals.push_back(&o);
      const int capacity = online_capacity(q);
      for (std::size_t i = 0; i < q.line.size(); ++i) {
        live_conversation& c = *conversations.find(q.line[i].conversation);
        int position = static_cast<int>(i) + 1;
        for (const auto* o : rivals)
          for (const auto& w : o->line)
            position += w.prio > q.line[i].prio || (w.prio == q.line[i].prio && w.seq < q.line[i].seq);
        long long wait = estimate(q, position, capacity);
        if (position == c.last_position && wait == c.last_estimate) continue;
        c.last_position = position;
        c.last_estimate = wait;
        emit(out::queued{c.id, c.queue, position, wait});
        notice(c, bot->cfg.notices.queued,
               {{"position", std::to_string(position)},
                {"ahead", std::to_string(position - 1)},
                {"minutes", std::to_string(std::max<long long>(1, (wait + 59) / 60))},
                {"queue", c.queue}});
      }
    }
  }

  std::string summary(const live_conversation& c) const {
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
                         c.customer.name.empty() ? "" : c.customer.name, tier.empty() ? "" : "（" + tier + "）",
                         c.reason, c.rule, c.turns, topic.empty() ? "" : "，最近的问题：" + topic,
                         last.empty() ? "" : "最后一句：“" + last + "”");
    }
    return fmt::format("Customer{}{} was escalated for {} (rule {}) after {} message{}{}.{}",
                       c.customer.name.empty() ? "" : " " + c.customer.name, tier.empty() ? "" : " (" + tier + ")",
                       c.reason, c.rule, c.turns, c.turns == 1 ? "" : "s",
                       topic.empty() ? "" : "; last topic: " + topic,
                       last.empty() ? "" : " Last message: \"" + last + "\"");
  }

  handoff_context context(const live_conversation& c) const {
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
    ctx.transcript = kept_line::entries(c.transcript);
    return ctx;
  }

  // Frees the agent's hold on a conversation and lets others be served.
  void release_agent(live_conversation& c) {
    if (auto it = agents.find(c.agent); it != agents.end()) it->second.drop(c.id);
  }

  // ---- input events -------------------------------------------------------

  void on(const in::customer_message& e) {
    if (e.text.size() > bot->cfg.max_message_bytes) {
      refuse("message_too_large",
             fmt::format("the message has {} bytes; this bot accepts at most {}", e.text.size(),
                         bot->cfg.max_message_bytes),
             e.conversation);
      return;
    }
    live_conversation& c = open(e.conversation);
    if (!e.message_id.empty() && !c.message_ids.insert(e.message_id).second) return;  // a retry
    c.quiet_since.reset();
    update_customer(c, e.customer);
    if (!e.channel.empty()) c.channel = e.channel;

    // Understood before the lock when the conversation's language and the
    // bot are as they were then; understood here, the same way, otherwise.
    prepared_message* p = prepared;
    if (!p || p->bot != bot || p->language_before != c.language || p->confident_before != c.language_confident) {
      p = &understood_here;
      p->bot = bot;
      p->language_before = c.language;
      p->confident_before = c.language_confident;
      prepare(e, *analyzer, *p);
      p->bot.reset();  // not to keep an old bot alive after a reload
    }
    clean.swap(p->clean);
    original.swap(p->original);
    for_agent.swap(p->for_agent);
    redacted = p->redacted;
    std::swap(norm, p->norm);
    c.language = p->language;
    c.language_confident = p->language_confident;
    matches.swap(p->reading.candidates);
    near = p->reading.near;
    if (const auto offered = std::exchange(c.choices, {no_intent, no_intent});
        offered[0] != no_intent && c.state == conversation_state::bot)
      read_choice(c, offered);
    note_intents(c);
    if (c.state == conversation_state::bot) take_slots(c);
    c.last_trace.clear();  // a decision is for the bot's turn on this message, if it has one
    c.last_sentiment = p->feeling;
    c.mood = next_mood(c.mood, c.last_sentiment->score);
    ++c.turns;

    kept_line& entry = c.transcript.emplace_back();
    entry.role = role::customer;
    entry.own = clean;
    entry.at = now;
    if (!e.message_id.empty()) entry.message_id = std::make_unique<const std::string>(e.message_id);
    entry.language = pool.name(lang(c));
    if (const intent_match* m = top()) {
      entry.intent = pool.name(bot->cfg.intents[m->intent].id);
      entry.confidence = m->confidence;
    }
    entry.sentiment = c.last_sentiment->score;
    entry.has_sentiment = true;

    switch (c.state) {
      case conversation_state::assigned:
        emit(out::customer_message{c.id, c.agent, redacted ? for_agent : clean});
        return;
      case conversation_state::queued:
      case conversation_state::offered:
        // The bot keeps quiet while a human is coming; an impatient "human!"
        // hears where they stand.
        if (facts(c, false).human_requested && c.state == conversation_state::queued) {
          c.last_position = 0;
          announce_positions();
        }
        return;
      case conversation_state::resolved:
        if (c.awaiting_feedback) {
          auto t = norm.text();
          if (t.size() == 1 && t[0] >= '1' && t[0] <= '5') {
            take_feedback(c, t[0] - '0');
            return;
          }
        }
        reopen(c);
        break;
      case conversation_state::closed: reopen(c); break;
      case conversation_state::bot: break;
    }
    bot_turn(c, false);
  }

  // A typed answer to the bot's "which do you mean?" ("查进度", "the second
  // one") is the choice it names, as a tap on its button would be. A call
  // for a person stays one.
  void read_choice(const live_conversation& c, const std::array<std::uint32_t, 2>& offered) {
    if (const intent_match* m = top(); m && m->command) return;
    const auto& first = bot->cfg.intents[offered[0]];
    const auto& second = bot->cfg.intents[offered[1]];
    const auto pick = detail::chosen_option(norm, first.label.get(lang(c), default_language()),
                                            second.label.get(lang(c), default_language()));
    if (pick) matches.assign(1, intent_match{offered[static_cast<std::size_t>(*pick)], 1.0, false});
  }

  void reopen(live_conversation& c) {
    c.state = conversation_state::bot;
    c.awaiting_feedback = false;
    c.agent.clear();
    record(c, role::system, "reopened");
  }

  void on(const in::customer_action& e) {
    live_conversation& c = open(e.conversation);
    c.choices = {no_intent, no_intent};
    near.reset();  // a tap names what it means
    update_customer(c, e.customer);
    c.quiet_since.reset();
    // The answer to a call-back offer made after a long wait.
    if (e.action == "choose" && (e.value == callback_value || e.value == keep_waiting_value) &&
        (c.state == conversation_state::queued || c.state == conversation_state::offered)) {
      record(c, role::customer, std::string(e.value), {}, "choose");
      if (e.value == keep_waiting_value) return;
      if (c.state == conversation_state::queued) leave_line(c);
      if (c.state == conversation_state::offered) release_agent(c);
      c.state = conversation_state::bot;
      c.agent.clear();
      c.waiting_since.reset();
      make_ticket(c, c.queue, "callback_requested", "the customer asked to be called back instead of waiting");
      dispatch();
      return;
    }
    if (e.action == "choose") {
      if (c.state == conversation_state::resolved && c.awaiting_feedback && e.value.size() == 1 && e.value[0] >= '1' &&
          e.value[0] <= '5') {
        take_feedback(c, e.value[0] - '0');
        return;
      }
      if (e.value != request_human_value) {
        const intent_definition* chosen = bot->cfg.find_intent(e.value);
        if (!chosen) {
          // Not an intent: read it as if typed.
          on(in::customer_message{e.conversation, e.value, std::nullopt, {}, {}});
          return;
        }
        record(c, role::customer, std::string(label_for(e.value, lang(c))), {}, "choose");
        ++c.turns;
        if (c.state == conversation_state::assigned) {
          emit(out::customer_message{c.id, c.agent, e.value});
          return;
        }
        if (c.state != conversation_state::bot) return;
        matches.assign(
            1, intent_match{static_cast<std::uint32_t>(chosen - bot->cfg.intents.data()), 1.0, chosen->requests_human});
        c.last_intents.assign(1, {chosen->id, 1.0});
        c.transcript.back().intent = pool.name(chosen->id);
        c.transcript.back().confidence = 1.0;
        bot_turn(c, chosen->requests_human);
        return;
      }
    }
    if (e.action == "choose" || e.action == "request_human") {
      if (c.state == conversation_state::queued || c.state == conversation_state::offered ||
          c.state == conversation_state::assigned)
        return;  // already on the way to a human
      if (c.state != conversation_state::bot) reopen(c);
      record(c, role::customer, std::string(request_human_value), {}, "request_human");
      ++c.turns;
      matches.clear();
      if (bot->human_intent != ~0u) matches.push_back({bot->human_intent, 1.0, true});
      bot_turn(c, true);
      return;
    }
    // cancel_handoff
    switch (c.state) {
      case conversation_state::queued: leave_line(c); break;
      case conversation_state::offered:
      case conversation_state::assigned: release_agent(c); break;
      default: return;  // nothing to cancel
    }
    c.state = conversation_state::bot;
    c.agent.clear();
    record(c, role::system, "the customer cancelled the handoff");
    if (c.waiting_since) ++abandoned;
    c.waiting_since.reset();
    emit(out::handed_back{c.id});
    dispatch();
  }

  void on(const in::customer_left& e) {
    live_conversation* c = find(e.conversation);
    if (!c)
      return refuse("unknown_conversation", fmt::format("no conversation \"{}\"", e.conversation), e.conversation);
    if (c->state == conversation_state::closed) return;
    bool waiting = c->state == conversation_state::queued || c->state == conversation_state::offered;
    if (c->state == conversation_state::queued) leave_line(*c);
    if (c->state == conversation_state::offered || c->state == conversation_state::assigned) release_agent(*c);
    c->state = conversation_state::closed;
    c->awaiting_feedback = false;
    record(*c, role::system, waiting ? "the customer left while waiting (abandoned)" : "the customer left");
    if (waiting && c->waiting_since) ++abandoned;
    c->waiting_since.reset();
    emit(out::closed{c->id, "customer_left"});
    dispatch();
  }

  void on(const in::agent_status& e) {
    auto [it, added] = agents.try_emplace(e.agent);
    agent_state& a = it->second;
    if (added) a.id = e.agent;
    bool was_online = a.status == agent_status_kind::online;
    a.status = e.status;
    if (e.skills) a.skills = *e.skills;
    if (e.capacity) a.capacity = *e.capacity;
    if (e.level) a.level = *e.level;
    if (e.languages) a.languages = *e.languages;
    if (e.status == agent_status_kind::online) {
      if (!was_online) a.online_seq = ++online_counter;
    } else if (!a.conversations.empty()) {
      // Nothing is lost: what the agent held goes back to the front of its
      // queue, context and all.
      auto held = std::move(a.conversations);
      a.conversations.clear();
      for (const auto& id : held) {
        live_conversation& c = *conversations.find(id);
        record(c, role::system, fmt::format("{} went {}; back to the queue", a.id, to_string(e.status)), a.id);
        c.declined_by.clear();
        enqueue(c, front_seq--, true);
      }
    }
    dispatch();
  }

  agent_state* online_agent(std::string_view id, std::string_view conv) {
    auto it = agents.find(id);
    if (it == agents.end()) {
      refuse("unknown_agent", fmt::format("no agent \"{}\" has reported a status", id), conv);
      return nullptr;
    }
    if (it->second.status != agent_status_kind::online) {
      refuse("agent_unavailable", fmt::format("agent \"{}\" is {}", id, to_string(it->second.status)), conv);
      return nullptr;
    }
    return &it->second;
  }

  live_conversation* existing(std::string_view id) {
    live_conversation* c = find(id);
    if (!c) refuse("unknown_conversation", fmt::format("no conversation \"{}\"", id), id);
    return c;
  }

  void on(const in::agent_accept& e) {
    live_conversation* c = existing(e.conversation);
    if (!c) return;
    if (c->state == conversation_state::assigned) {
      if (c->agent == e.agent) return;  // accepted already
      return refuse("already_assigned", fmt::format("conversation \"{}\" is held by {}", c->id, c->agent), c->id);
    }
    agent_state* a = online_agent(e.agent, e.conversation);
    if (!a) return;
    if (c->state == conversation_state::offered) {
      if (c->agent != e.agent)
        return refuse("offered_to_another", fmt::format("conversation \"{}\" is offered to {}", c->id, c->agent),
                      c->id);
      assign(*c, *a);
      return;
    }
    if (c->state != conversation_state::queued)
      return refuse(
          "invalid_state",
          fmt::format("conversation \"{}\" is not waiting for an agent (it is {})", c->id, to_string(c->state)), c->id);
    if (!a->has_room())
      return refuse("at_capacity", fmt::format("agent \"{}\" already holds {} conversations", a->id, a->capacity),
                    c->id);
    leave_line(*c);
    a->conversations.push_back(c->id);
    a->last_assigned = now;
    assign(*c, *a);
    announce_positions();
  }

  void on(const in::agent_decline& e) {
    live_conversation* c = existing(e.conversation);
    if (!c) return;
    if (c->state != conversation_state::offered || c->agent != e.agent) {
      if (std::find(c->declined_by.begin(), c->declined_by.end(), e.agent) != c->declined_by.end()) return;  // again
      return refuse("not_offered", fmt::format("conversation \"{}\" is not offered to {}", c->id, e.agent), c->id);
    }
    take_back_offer(*c, fmt::format("{} declined", e.agent));
    dispatch();
  }

  // The offer goes back to the line, at the conversation's old place, for
  // the next agent.
  void take_back_offer(live_conversation& c, std::string why) {
    const std::string agent = c.agent;
    release_agent(c);
    c.declined_by.push_back(agent);
    record(c, role::system, std::move(why), agent);
    c.state = conversation_state::queued;
    c.agent.clear();
    queue_state* q = queue(c.queue);
    c.last_position = 0;
    auto pos = std::find_if(q->line.begin(), q->line.end(),
                            [&](const waiting& w) { return w.prio < c.prio || (w.prio == c.prio && w.seq > c.seq); });
    q->line.insert(pos, waiting{c.prio, c.seq, c.id});
  }

  // Offers not taken in time go to the next agent; when every agent who
  // could take one has let it lapse, the round starts again.
  void fire_due() {
    if (now < next_due) return;
    std::vector<live_conversation*> due;
    next_due = time_point::max();
    each_offer([&](live_conversation& c, time_point lapses) {
      if (now >= lapses)
        due.push_back(&c);
      else
        next_due = std::min(next_due, lapses);
    });
    if (!due.empty()) {
      for (auto* c : due) {
        take_back_offer(*c, fmt::format("the offer to {} lapsed", c->agent));
        if (!pick_agent(*queue(c->queue), *c)) c->declined_by.clear();
      }
      dispatch();
    }
    while (!timers.empty() && timers.top().due <= now) {
      timer t = timers.top();
      timers.pop();
      live_conversation* c = find(t.conversation);
      if (!c || due_of(*c, t.kind) != t.due) continue;  // stale: replaced by an earlier one
      due_of(*c, t.kind) = time_point::max();
      fire(t.kind, *c);
    }
    if (!timers.empty()) next_due = std::min(next_due, timers.top().due);
  }

  // Every conversation offered to an agent, with when the offer lapses.
  template <class Visit>
  void each_offer(Visit&& visit) {
    for (const auto& [aid, a] : agents)
      for (const auto& cid : a.conversations) {
        live_conversation* c = find(cid);
        if (!c || c->state != conversation_state::offered || c->agent != aid) continue;
        if (const queue_state* q = queue(c->queue))
          visit(*c, c->offered_at + std::chrono::seconds(q->def->offer_seconds));
      }
  }

  // What `next_due` promises: never later than the truth. The offers are
  // looked at again when `next_due` says they may have changed.
  time_point earliest_due() {
    if (next_due != time_point::min()) return next_due;
    time_point t = timers.empty() ? time_point::max() : timers.top().due;
    each_offer([&](live_conversation&, time_point lapses) { t = std::min(t, lapses); });
    return t;
  }

  bool relevant(const timer& t) {
    live_conversation* c = find(t.conversation);
    if (!c || due_of(*c, t.kind) != t.due) return false;
    switch (t.kind) {
      case timer_kind::silence:
        return c->quiet_since && (c->state == conversation_state::bot || c->state == conversation_state::resolved);
      case timer_kind::first_response: return c->state == conversation_state::assigned && c->first_response_due;
      case timer_kind::wait_limit: return c->state == conversation_state::queued && !c->callback_offered;
    }
    return false;
  }

  // A timer fell due: it acts on what holds now, or waits for a later time.
  void fire(timer_kind kind, live_conversation& c) {
    switch (kind) {
      case timer_kind::silence: {
        if (!c.quiet_since || (c.state != conversation_state::bot && c.state != conversation_state::resolved)) return;
        const auto& t = bot->cfg.timers;
        const auto remind = *c.quiet_since + std::chrono::seconds(t.silent_remind_after);
        const auto close_at = *c.quiet_since + std::chrono::seconds(t.silent_close_after);
        if (t.silent_close_after > 0 && now >= close_at) {
          quiet_kept = true;
          notice(c, bot->cfg.notices.silent_closed, {});
          quiet_kept = false;
          record(c, role::system, fmt::format("closed: the customer was silent for {} s", t.silent_close_after));
          c.quiet_since.reset();
          close(c, "timeout");
          return;
        }
        if (t.silent_remind_after > 0 && !c.reminded && now >= remind) {
          c.reminded = true;
          quiet_kept = true;
          notice(c, bot->cfg.notices.silent_reminder, {});
          quiet_kept = false;
        }
        if (t.silent_remind_after > 0 && !c.reminded)
          schedule(remind, c, timer_kind::silence);
        else if (t.silent_close_after > 0)
          schedule(close_at, c, timer_kind::silence);
        return;
      }
      case timer_kind::first_response: {
        if (c.state != conversation_state::assigned || !c.first_response_due || !c.assigned_at) return;
        const queue_state* q = queue(c.queue);
        if (!q || q->def->first_response_seconds <= 0) return;
        const auto due = *c.assigned_at + std::chrono::seconds(q->def->first_response_seconds);
        if (now < due) return schedule(due, c, timer_kind::first_response);  // assigned again since
        slow_agent(c, *q);
        return;
      }
      case timer_kind::wait_limit: {
        if (c.state != conversation_state::queued || !c.waiting_since || c.callback_offered) return;
        const queue_state* q = queue(c.queue);
        if (!q || q->def->max_wait_seconds <= 0) return;
        const auto due = *c.waiting_since + std::chrono::seconds(q->def->max_wait_seconds);
        if (now < due) return schedule(due, c, timer_kind::wait_limit);
        c.callback_offered = true;
        const auto& n = bot->cfg.notices;
        std::vector<quick_reply> replies;
        replies.push_back({std::string(n.callback.get(lang(c), default_language())), std::string(callback_value)});
        replies.push_back(
            {std::string(n.keep_waiting.get(lang(c), default_language())), std::string(keep_waiting_value)});
        auto text = n.wait_too_long.get(lang(c), default_language());
        if (!text.empty())
          say(c, replace_all(text, {{"minutes", std::to_string(q->def->max_wait_seconds / 60)}}), "notice",
              std::move(replies));
        record(c, role::system, fmt::format("waited over {} s: a call-back was offered", q->def->max_wait_seconds));
        return;
      }
    }
  }

  // No first word from the agent in time: another agent who can take the
  // conversation gets it; with none, it stays and is flagged.
  void slow_agent(live_conversation& c, const queue_state& q) {
    const std::string agent = c.agent;
    c.declined_by.push_back(agent);
    const bool another = pick_agent(q, c) != nullptr;
    c.declined_by.pop_back();
    const auto seconds = q.def->first_response_seconds;
    if (std::find(c.tags.begin(), c.tags.end(), "slow_first_response") == c.tags.end())
      c.tags.push_back("slow_first_response");
    if (!another) {
      record(c, role::system, fmt::format("{} has not answered within {} s; no one else can take it", agent, seconds),
             agent);
      return;
    }
    take_back_offer(c, fmt::format("{} did not answer within {} s", agent, seconds));
    emit(out::transferred{c.id, agent, c.queue, {}, fmt::format("no first response within {} s", seconds)});
    dispatch();
  }

  // The conversation, when `agent` holds it; otherwise an error.
  live_conversation* held(std::string_view conv, std::string_view agent) {
    live_conversation* c = existing(conv);
    if (!c) return nullptr;
    if (c->state != conversation_state::assigned || c->agent != agent) {
      refuse("not_holder",
             c->state == conversation_state::assigned
                 ? fmt::format("conversation \"{}\" is held by {}, not {}", c->id, c->agent, agent)
                 : fmt::format("agent \"{}\" does not hold conversation \"{}\" (it is {})", agent, c->id,
                               to_string(c->state)),
             c->id);
      return nullptr;
    }
    return c;
  }

  void on(const in::agent_message& e) {
    live_conversation* c = held(e.conversation, e.agent);
    if (!c) return;
    std::string text = sanitize_utf8(e.text);
    record(*c, role::agent, kept_text(text), e.agent);
    if (c->first_response_due && c->assigned_at) first_responses.push_back(seconds_since(*c->assigned_at));
    c->first_response_due = false;
    emit(out::agent_message{c->id, e.agent, std::move(text)});
  }

  void on(const in::agent_transfer& e) {
    live_conversation* c = held(e.conversation, e.agent);
    if (!c) return;
    if (!e.queue.empty() && !queue(e.queue))
      return refuse("unknown_queue", fmt::format("no queue \"{}\"", e.queue), c->id);
    agent_state* to = nullptr;
    if (!e.to_agent.empty()) {
      if (e.to_agent == e.agent) return refuse("invalid_value", "an agent cannot transfer to themselves", c->id);
      to = online_agent(e.to_agent, c->id);
      if (!to) return;
      if (!to->has_room())
        return refuse("at_capacity", fmt::format("agent \"{}\" already holds {} conversations", to->id, to->capacity),
                      c->id);
    }
    release_agent(*c);
    emit(out::transferred{c->id, e.agent, e.queue, e.to_agent, e.note});
    record(*c, role::system,
           kept_text(fmt::format("{} transferred to {}{}", e.agent, e.queue.empty() ? e.to_agent : e.queue,
                                 e.note.empty() ? "" : ": " + e.note)),
           e.agent);
    if (to) {
      to->conversations.push_back(c->id);
      to->last_assigned = now;
      assign(*c, *to);
      dispatch();
      return;
    }
    c->queue = e.queue;
    c->skills.clear();  // the agent chose the queue; the rule's needs were for the first one
    c->declined_by.clear();
    enqueue(*c, c->seq);  // keeps its place in line
  }

  void on(const in::agent_release& e) {
    live_conversation* c = find(e.conversation);
    if (c && c->state != conversation_state::assigned && c->released_by == e.agent && c->released_outcome == e.outcome)
      return;  // released already
    c = held(e.conversation, e.agent);
    if (!c) return;
    release_agent(*c);
    if (c->assigned_at) {
      handlings.push_back(seconds_since(*c->assigned_at));
      if (queue_state* q = queue(c->queue)) q->handled(handlings.back());
    }
    c->assigned_at.reset();
    resolved_count += e.outcome == release_outcome::resolved;
    c->released_by = e.agent;
    c->released_outcome = e.outcome;
    c->agent.clear();
    if (!e.note.empty()) record(*c, role::system, kept_text(fmt::format("{}: {}", e.agent, e.note)), e.agent);
    if (e.outcome == release_outcome::to_bot) {
      c->state = conversation_state::bot;
      record(*c, role::system, fmt::format("{} handed back to the bot", e.agent), e.agent);
      emit(out::handed_back{c->id});
      notice(*c, bot->cfg.notices.handed_back, {});
    } else {
      c->state = conversation_state::resolved;
      record(*c, role::system, fmt::format("{} resolved it", e.agent), e.agent);
      emit(out::resolved{c->id});
      auto survey = bot->cfg.notices.survey.get(lang(*c), default_language());
      if (survey.empty()) {
        close(*c, "resolved");
      } else {
        c->awaiting_feedback = true;
        std::vector<quick_reply> scores;
        for (int score = 1; score <= 5; ++score) {  // the n-th reply gives n stars
          std::string stars;
          for (int i = 0; i < score; ++i) stars += "\u2605";
          scores.push_back({std::move(stars), std::to_string(score)});
        }
        say(*c, std::string(survey), "survey", std::move(scores));
      }
    }
    dispatch();
  }

  void close(live_conversation& c, std::string reason) {
    c.state = conversation_state::closed;
    c.awaiting_feedback = false;
    emit(out::closed{c.id, std::move(reason)});
  }

  void take_feedback(live_conversation& c, int score) {
    c.feedback_score = score;
    record(c, role::customer, std::to_string(score), {}, "feedback");
    if (c.state == conversation_state::resolved && c.awaiting_feedback) {
      notice(c, bot->cfg.notices.feedback_thanks, {});
      recommend(c, score);
      close(c, "resolved");
    }
  }

  // A satisfied customer may hear a suggestion: the host's recommender, or
  // the configuration's repurchase reminder.
  void recommend(live_conversation& c, int score) {
    recommendation_request request{c.id, lang(c), &c.customer, score, now};
    std::optional<recommendation> r;
    if (replaying) {
      if (const auto* e = recorded("recommendation")) {
        if (e->contains("failure")) record(c, role::system, e->value("failure", ""));
        if (e->contains("text")) {
          r.emplace();
          r->text = e->value("text", "");
          if (auto replies = e->find("quick_replies"); replies != e->end() && replies->is_array())
            for (const auto& q : *replies)
              if (q.is_object()) r->quick_replies.push_back({q.value("label", ""), q.value("value", "")});
        }
      }
    } else {
      std::string failure;
      try {
        if (recommender)
          r = recommender(request);
        else if (bot->cfg.recommendation)
          r = detail::suggest_repurchase(*bot->cfg.recommendation, request, default_language());
      } catch (const std::exception& e) {
        failure = fmt::format("the recommender failed: {}", e.what());
      } catch (...) {
        failure = "the recommender failed";
      }
      if (!failure.empty()) record(c, role::system, failure);
      if (storage) {
        nlohmann::json effect{{"kind", "recommendation"}};
        if (!failure.empty()) effect["failure"] = failure;
        if (r) {
          effect["text"] = sanitize_utf8(r->text);
          auto replies = nlohmann::json::array();
          for (const auto& q : r->quick_replies)
            replies.push_back({{"label", sanitize_utf8(q.label)}, {"value", sanitize_utf8(q.value)}});
          effect["quick_replies"] = std::move(replies);
        }
        keep(std::move(effect));
      }
    }
    if (r && !r->text.empty()) say(c, std::move(r->text), "recommendation", std::move(r->quick_replies));
  }

  void on(const in::feedback& e) {
    live_conversation* c = existing(e.conversation);
    if (!c) return;
    if (c->feedback_score == e.score && !c->awaiting_feedback) return;  // given already
    if (!e.comment.empty()) record(*c, role::customer, kept_text(sanitize_utf8(e.comment)), {}, "feedback_comment");
    take_feedback(*c, e.score);
  }

  void on(const in::advance& e) {
    move_clock(now + std::chrono::milliseconds(static_cast<long long>(e.seconds * 1000.0)));
  }

  // Through every moment a timer falls due on the way, so a reminder comes
  // before the close it warns of, even in one long step. (Offers lapsing
  // round the agents are not stepped through: over a long gap that would
  // be a round every `offer_seconds`.)
  void move_clock(time_point target) {
    for (int steps = 0; steps < 10000; ++steps) {
      // Timers that can no longer do anything are dropped, not stepped to.
      while (!timers.empty() && !relevant(timers.top())) {
        if (live_conversation* c = find(timers.top().conversation);
            c && due_of(*c, timers.top().kind) == timers.top().due)
          due_of(*c, timers.top().kind) = time_point::max();
        timers.pop();
      }
      if (timers.empty() || timers.top().due > target || timers.top().due <= now) break;
      now = timers.top().due;
      next_due = std::min(next_due, now);
      fire_due();
    }
    now = std::max(now, target);
    fire_due();
  }

  void on(const in::metrics&) { emit(out::metrics{figures()}); }

  double seconds_since(time_point t) const { return std::chrono::duration<double>(now - t).count(); }

  static time_summary summarize(std::vector<double> v) {
    time_summary s;
    s.count = v.size();
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    auto at = [&](double q) {  // interpolated between the nearest ranks
      const double pos = q * static_cast<double>(v.size() - 1);
      const auto k = static_cast<std::size_t>(pos);
      return k + 1 < v.size() ? v[k] + (pos - static_cast<double>(k)) * (v[k + 1] - v[k]) : v[k];
    };
    s.median_seconds = at(0.5);
    s.p90_seconds = at(0.9);
    return s;
  }

  engine_metrics figures() const {
    engine_metrics m;
    for (const auto& c : conversations) {
      if (c.turns == 0 && c.transcript.empty()) continue;
      ++m.conversations;
      m.contained += !c.handed;
      if (c.feedback_score && *c.feedback_score >= 1 && *c.feedback_score <= 5) {
        ++m.scores[static_cast<std::size_t>(*c.feedback_score - 1)];
        ++m.feedback;
        m.average_score += *c.feedback_score;
        m.satisfaction += *c.feedback_score >= 4;
      }
    }
    auto share = [](double n, std::size_t of) { return of == 0 ? 0.0 : n / static_cast<double>(of); };
    m.containment_rate = share(static_cast<double>(m.contained), m.conversations);
    m.average_score = share(m.average_score, m.feedback);
    m.satisfaction = share(m.satisfaction, m.feedback);
    auto counts = [](const auto& map, std::size_t& total) {
      counts_by_name list;
      for (const auto& [k, v] : map) {
        list.emplace_back(k, v);
        total += v;
      }
      return list;
    };
    std::size_t unused = 0;
    m.escalations_by_reason = counts(escalations_by_reason, m.escalations);
    m.escalations_by_queue = counts(escalations_by_queue, unused);
    m.tickets_by_reason = counts(tickets_by_reason, m.tickets);
    m.wait = summarize(waits);
    m.first_response = summarize(first_responses);
    m.handling = summarize(handlings);
    m.waited = waited;
    m.abandoned = abandoned;
    m.abandonment_rate = share(static_cast<double>(abandoned), waited);
    m.resolved = resolved_count;
    return m;
  }
};

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

void engine::impl::process(const input_event& event, std::optional<time_point> at, std::vector<output_event>& sink,
                           prepared_message* ready) {
  out = &sink;
  prepared = ready;
  if (at && *at > now) move_clock(*at);  // what fell due before this event
  std::visit([this](const auto& e) { on(e); }, event);
  out = nullptr;
  prepared = nullptr;
}

// Replays the store into this (fresh) state: the events in order, at their
// times, with the host's recorded answers; the output goes nowhere.
void engine::impl::restore() {
  replaying = true;
  std::vector<output_event> sink;
  try {
    storage->replay(0, [&](const stored_event& e) {
      auto parsed = parse_input(e.event);
      if (!parsed)
        throw store_error(fmt::format("store: event {} cannot be read ({}); it was written by something else",
                                      e.sequence, parsed.error.message));
      auto effects = nlohmann::json::parse(e.effects, nullptr, false);
      replay_tape = &effects;
      replay_at = 0;
      sink.clear();
      process(*parsed.event, e.at, sink);
      replay_tape = nullptr;
    });
  } catch (...) {
    replaying = false;
    replay_tape = nullptr;
    throw;
  }
  replaying = false;
}

// The event as it may be kept: the words of customers and agents redacted.
input_event engine::impl::redacted_copy(const input_event& event) const {
  input_event copy = event;
  std::visit(
      [&](auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, in::customer_message> || std::is_same_v<T, in::agent_message>)
          e.text = kept_text(sanitize_utf8(e.text));
        else if constexpr (std::is_same_v<T, in::feedback>)
          e.comment = kept_text(sanitize_utf8(e.comment));
        else if constexpr (requires { e.note; })
          e.note = kept_text(sanitize_utf8(e.note));
      },
      copy);
  return copy;
}

// Queues the event and the snapshots of the conversations it touched.
void engine::impl::persist(const input_event& event, time_point at, const std::vector<output_event>& produced,
                           std::size_t first) {
  stored_event kept;
  kept.at = at;
  kept.conversation = std::string(conversation_of(event));
  kept.event = bot->redact.empty() ? to_json(event) : to_json(redacted_copy(event));
  if (!kept.event.empty() && kept.event.back() == '\n') kept.event.pop_back();
  kept.effects = tape.dump();
  storage->append(kept);
  // The conversations the event named or the output spoke of: an agent
  // going offline moves every conversation they held.
  std::vector<std::string_view> touched;
  if (!kept.conversation.empty()) touched.push_back(kept.conversation);
  for (std::size_t i = first; i < produced.size(); ++i) {
    std::string_view id = conversation_of(produced[i]);
    if (!id.empty() && std::find(touched.begin(), touched.end(), id) == touched.end()) touched.push_back(id);
  }
  for (auto id : touched) {
    const live_conversation* c = conversations.find(id);
    if (!c) continue;
    storage->put_snapshot({c->id, std::string(to_string(c->state)), now, to_json(info(*c))});
  }
}

engine::engine(bot_config config, engine_options options) : impl_(std::make_unique<impl>(std::move(config), options)) {
  if (impl_->storage) impl_->restore();
}
engine::~engine() = default;
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;

bool engine::rebuild() noexcept {
  try {
    auto fresh = std::make_unique<impl>(impl_->bot, impl_->options);
    fresh->restore();
    impl_ = std::move(fresh);
    return true;
  } catch (const std::exception& e) {
    impl_->needs_rebuild = true;
    impl_->storage_problem = e.what();
    return false;
  }
}

namespace {

// Sanitized and redacted before it is understood, kept or exported: a
// replay of the kept (redacted) text understands it the same way. Slots are
// read from the text as written (`original`).
void prepare(const in::customer_message& e, const sentiment_analyzer& analyzer, prepared_message& p) {
  const compiled_bot& bot = *p.bot;
  p.clean.clear();
  sanitize_utf8(e.text, p.clean);
  thread_local std::string redacted;
  p.redacted = bot.redact.redact(p.clean, redacted, p.for_agent);
  if (p.redacted) {
    p.original.swap(p.clean);
    p.clean.swap(redacted);
  }
  p.norm.assign(p.clean);
  p.language = p.language_before;
  p.language_confident = p.confident_before;
  settle_language(detect_language(p.norm, bot.cfg.languages), p.language, p.language_confident);
  const std::string_view language =
      p.language.empty() ? std::string_view(bot.cfg.languages.front()) : std::string_view(p.language);
  bot.matcher->read(p.norm, language, p.reading);
  rank_matches(p.reading.candidates);
  if (!p.reading.candidates.empty()) p.reading.near.reset();  // a near miss is for a message nothing fits
  p.feeling = analyzer.analyze(p.clean, p.norm, language);
}

}  // namespace

void engine::handle_at(const input_event& event, std::optional<time_point> at, std::vector<output_event>& out) {
  // A customer message is understood before the lock is taken, so that
  // conversations understood on several threads do not wait for each
  // other, and host matchers and analysers run outside the lock.
  // One per thread, its buffers reused (and exchanged with the engine's
  // scratch as the message is taken in), so the hot path does not allocate.
  thread_local prepared_message ready;
  prepared_message* prepared = nullptr;
  if (const auto* message = std::get_if<in::customer_message>(&event)) {
    const sentiment_analyzer* analyzer = nullptr;
    {
      std::lock_guard guard(*lock_);
      const impl& m = *impl_;
      if (message->text.size() <= m.bot->cfg.max_message_bytes && !m.needs_rebuild) {
        prepared = &ready;
        ready.bot = m.bot;
        const live_conversation* c = m.conversations.find(message->conversation);
        ready.language_before = c ? c->language : std::string();
        ready.confident_before = c && c->language_confident;
        analyzer = m.options.sentiment;
      }
    }
    if (prepared) {
      static const lexicon_sentiment builtin;
      prepare(*message, analyzer ? *analyzer : builtin, ready);
    }
  }
  // The compiled bot is let go once the event is handled (outside the
  // lock): a thread must not keep an old one alive after a reload.
  struct let_go {
    prepared_message* p;
    ~let_go() {
      if (p) p->bot.reset();
    }
  } bot_held{prepared};

  std::lock_guard guard(*lock_);
  impl& m = *impl_;
  if (!m.storage) {
    m.process(event, at, out, prepared);
    return;
  }
  const std::string_view conversation = conversation_of(event);
  auto refuse_storage = [&](const std::string& why) {
    out.emplace_back(out::error{"storage_failed", fmt::format("the event was not kept, and nothing changed: {}", why),
                                std::nullopt, std::string(conversation)});
  };
  if (m.needs_rebuild && !rebuild()) {
    refuse_storage(impl_->storage_problem);
    return;
  }
  impl& live = *impl_;
  const std::size_t first = out.size();
  const time_point when = at && *at > live.now ? *at : live.now;
  live.tape = nlohmann::json::array();
  live.process(event, at, out, prepared);
  // A refused event changed nothing, and a question changes nothing: there
  // is nothing to keep.
  bool refused = std::holds_alternative<in::metrics>(event);
  for (std::size_t i = first; i < out.size() && !refused; ++i) refused = std::holds_alternative<out::error>(out[i]);
  if (refused) return;
  try {
    live.persist(event, when, out, first);
    if (live.options.commit_each_event) live.storage->commit();
  } catch (const std::exception& e) {
    // The store does not have the event, so the state must not either:
    // go back to what the store holds.
    std::string why = e.what();
    out.resize(first);
    refuse_storage(why);
    live.needs_rebuild = true;
    live.storage_problem = why;
    rebuild();
  }
}

void engine::handle(const input_event& event, std::vector<output_event>& out) { handle_at(event, std::nullopt, out); }

void engine::handle(const input_event& event, time_point at, std::vector<output_event>& out) {
  handle_at(event, at, out);
}

void engine::commit() {
  std::lock_guard guard(*lock_);
  impl& m = *impl_;
  if (!m.storage) return;
  try {
    m.storage->commit();
  } catch (const std::exception& e) {
    m.needs_rebuild = true;
    m.storage_problem = e.what();
    rebuild();
    throw store_error(e.what());
  }
}

std::vector<output_event> engine::handle(const input_event& event) {
  std::vector<output_event> out;
  handle(event, out);
  return out;
}

time_point engine::now() const noexcept {
  std::lock_guard guard(*lock_);
  return impl_->now;
}

std::optional<time_point> engine::next_due() const {
  std::lock_guard guard(*lock_);
  const time_point t = impl_->earliest_due();
  if (t == time_point::max()) return std::nullopt;
  return t;
}

void engine::tick(time_point at, std::vector<output_event>& out) { handle_at(in::advance{0}, at, out); }

conversation_info engine::impl::info(const live_conversation& c) const {
  conversation_info i;
  i.id = c.id;
  i.state = c.state;
  i.customer = c.customer;
  i.channel = c.channel;
  i.language = std::string(lang(c));
  if (c.state == conversation_state::queued || c.state == conversation_state::offered ||
      c.state == conversation_state::assigned)
    i.queue = c.queue;
  i.agent = c.agent;
  i.tags = c.tags;
  i.feedback_score = c.feedback_score;
  i.transcript = kept_line::entries(c.transcript);
  i.last_decision = c.last_trace;
  return i;
}

std::optional<conversation_info> engine::conversation(std::string_view id) const {
  std::lock_guard guard(*lock_);
  const auto* c = impl_->conversations.find(id);
  if (!c) return std::nullopt;
  return impl_->info(*c);
}

engine_metrics engine::metrics() const {
  std::lock_guard guard(*lock_);
  return impl_->figures();
}

std::optional<agent_info> engine::agent(std::string_view id) const {
  std::lock_guard guard(*lock_);
  auto it = impl_->agents.find(id);
  if (it == impl_->agents.end()) return std::nullopt;
  return static_cast<const agent_info&>(it->second);
}

std::size_t engine::open_conversations() const noexcept {
  std::lock_guard guard(*lock_);
  std::size_t n = 0;
  for (const auto& c : impl_->conversations) n += c.state != conversation_state::closed;
  return n;
}

const bot_config& engine::config() const noexcept { return impl_->bot->cfg; }

void engine::reload(bot_config config, const matcher_registry* matchers) {
  // Built outside the lock would be better for a big model; reloads are
  // rare, and a half-swapped configuration is never seen this way.
  std::lock_guard guard(*lock_);
  impl_->reload(std::move(config), matchers);
}

}  // namespace handoff
