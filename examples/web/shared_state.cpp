// SPDX-License-Identifier: MIT
#include "shared_state.hpp"

#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "handoff/protocol.hpp"
#include "websocket_session.hpp"

namespace handoff::web {
namespace net = boost::asio;
using nlohmann::json;

namespace {

engine_options engine_options_for(store* kept) {
  engine_options o;
  o.start = system_now();
  o.storage = kept;
  // Events that arrive together are kept in one commit; their output is
  // sent once it returns (group commit).
  o.commit_each_event = false;
  return o;
}

std::shared_ptr<const std::string> shared(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

std::string error_json(std::string_view code, std::string_view message, std::string_view conversation = {}) {
  return to_json(
      output_event(out::error{std::string(code), std::string(message), std::nullopt, std::string(conversation)}));
}

}  // namespace

shared_state::shared_state(net::io_context& io, server_options options, bot_config config, std::unique_ptr<store> kept,
                           web::gatekeeper access)
    : options_(std::move(options)),
      access_(std::move(access)),
      store_(std::move(kept)),
      engine_(std::move(config), engine_options_for(store_.get())),
      strand_(net::make_strand(io)) {}

shared_state::~shared_state() = default;

void shared_state::start() {
  net::post(strand_, [self = shared_from_this()] {
    self->recover();
    self->clock_.emplace(self->engine_, net::system_timer(self->strand_), [self](std::vector<output_event>& out) {
      // A tick's output is kept before anyone is told of it, as an event's is.
      try {
        self->engine_.commit();
      } catch (const std::exception&) {
        self->store_failing_ = true;
        return;
      }
      for (const auto& e : out) self->deliver(e, nullptr);
      self->publish_queue_lengths();
    });
  });
}

// After a restart the engine knows its conversations again from the
// store; the server relearns who waits and who holds what from it.
void shared_state::recover() {
  if (!store_) return;
  for (const auto& id : store_->open_conversations()) {
    auto c = engine_.conversation(id);
    if (!c) continue;
    if (c->state == conversation_state::queued || c->state == conversation_state::offered) {
      auto& w = waiting_[id];
      w.queue = c->queue;
      w.since = engine_.now();
      if (c->state == conversation_state::offered) w.offered_to = c->agent;
    } else if (c->state == conversation_state::assigned) {
      holders_[id] = c->agent;
    }
  }
  publish_queue_lengths();
}

void shared_state::join(const std::shared_ptr<websocket_session>& session) {
  net::post(strand_, [self = shared_from_this(), session] {
    if (self->stopping_) {
      session->close();
      return;
    }
    const identity& who = session->who();
    auto& map = who.role == identity::kind::customer ? self->customers_ : self->agents_;
    map[who.id].emplace_back(session.get(), session);
    if (who.role == identity::kind::customer)
      self->welcome(*session, who);
    else
      self->greet_agent(*session, who);
  });
}

void shared_state::leave(websocket_session* session) {
  identity who = session->who();
  net::post(strand_, [self = shared_from_this(), session, who = std::move(who)] {
    auto& map = who.role == identity::kind::customer ? self->customers_ : self->agents_;
    auto it = map.find(who.id);
    if (it == map.end()) return;
    std::erase_if(it->second, [session](const auto& s) { return s.first == session; });
    if (!it->second.empty()) return;
    map.erase(it);
    // An agent whose last console closed takes no new conversations, and
    // keeps those held (a reload of the console finds them again). A server
    // that stops leaves agents as they are, for its next start.
    if (who.role == identity::kind::agent && !self->stopping_) {
      auto a = self->engine_.agent(who.id);
      if (a && a->status == agent_status_kind::online) {
        in::agent_status away;
        away.agent = who.id;
        away.status = agent_status_kind::away;
        self->submit(nullptr, std::move(away));
      }
    }
  });
}

void shared_state::welcome(websocket_session& s, const identity& who) {
  json session{{"type", "session"}, {"conversation", who.id}, {"resume", access_.resume_token(who.id)}};
  s.send(shared(session.dump()));
  const auto& cfg = engine_.config();
  const std::string_view fallback = cfg.languages.empty() ? std::string_view() : std::string_view(cfg.languages[0]);
  auto c = who.resumed ? engine_.conversation(who.id) : std::nullopt;
  if (c) {
    json transcript = json::array();
    for (const auto& t : c->transcript) {
      // What the customer saw, not what the engine noted about it.
      if (t.role == role::system) continue;
      json line{{"role", to_string(t.role)}, {"text", t.text}, {"at", format_rfc3339(t.at)}};
      if (!t.agent.empty()) line["agent"] = t.agent;
      if (!t.kind.empty()) line["kind"] = t.kind;
      transcript.push_back(std::move(line));
    }
    json history{{"type", "history"},
                 {"conversation", who.id},
                 {"state", to_string(c->state)},
                 {"transcript", std::move(transcript)}};
    if (!c->language.empty()) history["language"] = c->language;
    if (c->state == conversation_state::assigned) {
      history["agent"] = c->agent;
      if (const auto* a = access_.find(c->agent); a && !a->name.empty()) history["agent_name"] = a->name;
    }
    s.send(shared(history.dump()));
    if (auto w = waiting_.find(who.id); w != waiting_.end()) s.send(shared(waiting_json(who.id, w->second)));
    return;
  }
  // A new conversation starts with the welcome and the menu, before the
  // customer says anything.
  const std::string language = who.language.empty() ? std::string(fallback) : who.language;
  json welcome{{"type", "bot_message"},
               {"conversation", who.id},
               {"text", cfg.welcome.get(language, fallback)},
               {"language", language},
               {"kind", "welcome"}};
  json replies = json::array();
  for (const auto& r : cfg.menu) replies.push_back({{"label", r.label.get(language, fallback)}, {"value", r.value}});
  if (!replies.empty()) welcome["quick_replies"] = std::move(replies);
  s.send(shared(welcome.dump()));
}

void shared_state::greet_agent(websocket_session& s, const identity& who) {
  json hello{{"type", "signed_in"}, {"agent", who.id}};
  const auto* account = access_.find(who.id);
  if (account) {
    if (!account->name.empty()) hello["name"] = account->name;
    hello["skills"] = account->skills;
    if (account->capacity) hello["capacity"] = *account->capacity;
  }
  if (auto a = engine_.agent(who.id)) {
    hello["status"] = to_string(a->status);
    hello["skills"] = a->skills;
    hello["capacity"] = a->capacity;
  } else {
    hello["status"] = "offline";
  }
  json queues = json::array();
  for (const auto& q : engine_.config().queues) queues.push_back(q.id);
  hello["queues"] = std::move(queues);
  // Colleagues to transfer to: ids and names, never their tokens.
  json colleagues = json::array();
  for (const auto& [id, colleague] : access_.agents())
    if (id != who.id) colleagues.push_back({{"id", id}, {"name", colleague.name.empty() ? id : colleague.name}});
  hello["agents"] = std::move(colleagues);
  s.send(shared(hello.dump()));
  s.send(shared(queues_json()));
  // What this agent holds or is offered comes back with its whole context.
  for (const auto& [conversation, agent] : holders_) {
    if (agent != who.id) continue;
    if (auto ctx = engine_.context(conversation))
      s.send(shared(to_json(output_event(out::assigned{conversation, agent, std::move(*ctx)}))));
  }
  for (const auto& [conversation, w] : waiting_)
    if (w.offered_to == who.id) s.send(shared(to_json(output_event(out::offered{conversation, who.id}))));
}

std::string shared_state::waiting_json(const std::string& conversation, const waiting_entry& w) const {
  json j{{"type", "queued"},
         {"conversation", conversation},
         {"queue", w.queue},
         {"position", w.position},
         {"estimated_wait_seconds", w.estimated_wait_seconds}};
  return j.dump();
}

std::string shared_state::queues_json() const {
  json waiting = json::array();
  for (const auto& [conversation, w] : waiting_) {
    json e{{"conversation", conversation},     {"queue", w.queue},
           {"priority", w.priority},           {"position", w.position},
           {"since", format_rfc3339(w.since)}, {"estimated_wait_seconds", w.estimated_wait_seconds}};
    if (!w.reason.empty()) e["reason"] = w.reason;
    if (!w.offered_to.empty()) e["offered_to"] = w.offered_to;
    waiting.push_back(std::move(e));
  }
  return json{{"type", "queues"}, {"waiting", std::move(waiting)}}.dump();
}

void shared_state::submit(const std::shared_ptr<websocket_session>& from, input_event event) {
  bool post = false;
  {
    std::lock_guard guard(inbox_lock_);
    if (inbox_.size() >= options_.inbox_limit) {
      if (from) from->send(shared(error_json("busy", "the server has too much to do: send it again in a moment")));
      count_refused("busy");
      return;
    }
    inbox_.push_back({from, std::move(event)});
    post = !std::exchange(drain_posted_, true);
  }
  if (post) net::post(strand_, [self = shared_from_this()] { self->drain(); });
}

void shared_state::drain() {
  {
    std::lock_guard guard(inbox_lock_);
    batch_.swap(inbox_);
    if (batch_.empty()) {
      drain_posted_ = false;
      return;
    }
  }
  handle_batch(batch_);
  batch_.clear();
  // Let joins, leaves and the clock in between batches.
  bool again = false;
  {
    std::lock_guard guard(inbox_lock_);
    again = !inbox_.empty();
    if (!again) drain_posted_ = false;
  }
  if (again) net::post(strand_, [self = shared_from_this()] { self->drain(); });
}

void shared_state::handle_batch(std::vector<pending>& batch) {
  if (outputs_.size() < batch.size()) outputs_.resize(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    outputs_[i].clear();
    engine_.handle(batch[i].event, system_now(), outputs_[i]);
    if (std::holds_alternative<in::customer_message>(batch[i].event)) ++customer_messages_;
    if (std::holds_alternative<in::agent_message>(batch[i].event)) ++agent_messages_;
  }
  events_ += batch.size();
  try {
    engine_.commit();
    ++commits_;
    store_failing_ = false;
  } catch (const std::exception& e) {
    // The engine went back to what the store holds: none of these events
    // happened, and each sender is told so.
    store_failing_ = true;
    const auto message = shared(error_json("storage_failed", e.what()));
    for (auto& p : batch)
      if (auto from = p.from.lock()) from->send(message);
    count_refused("storage_failed");
    return;
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto from = batch[i].from.lock();
    for (const auto& e : outputs_[i]) deliver(e, from.get());
  }
  publish_queue_lengths();
  if (clock_) clock_->reschedule();
}

const shared_state::sessions* shared_state::find(const std::unordered_map<std::string, sessions>& in,
                                                 const std::string& key) {
  auto it = in.find(key);
  return it == in.end() ? nullptr : &it->second;
}

void shared_state::send_to(const sessions* to, const std::shared_ptr<const std::string>& message,
                           websocket_session* except) {
  if (!to) return;
  for (const auto& [raw, weak] : *to) {
    if (raw == except) continue;
    if (auto s = weak.lock()) s->send(message);
  }
}

void shared_state::send_to_consoles(const std::shared_ptr<const std::string>& message) {
  for (const auto& [agent, list] : agents_) send_to(&list, message);
}

// Which sockets hear of an event: the customer sees what is said to them
// and where they stand, never the engine's reasons or the agent's context;
// the agent who holds or is offered a conversation gets all of it; every
// console sees the queues move.
void shared_state::deliver(const output_event& e, websocket_session* origin) {
  const bool news_for_consoles = note(e);
  std::visit(
      [&](const auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, out::error> || std::is_same_v<T, out::metrics>) {
          if (origin) origin->send(shared(to_json(e)));
          if constexpr (std::is_same_v<T, out::error>) count_refused(ev.code);
        } else if constexpr (std::is_same_v<T, out::bot_message>) {
          send_to(find(customers_, ev.conversation), shared(to_json(e)));
        } else if constexpr (std::is_same_v<T, out::escalated>) {
          json brief{{"type", "escalated"},
                     {"conversation", ev.conversation},
                     {"queue", ev.queue},
                     {"priority", to_string(ev.priority)}};
          send_to(find(customers_, ev.conversation), shared(brief.dump()));
          send_to_consoles(shared(to_json(e)));
        } else if constexpr (std::is_same_v<T, out::assigned>) {
          json brief{{"type", "assigned"}, {"conversation", ev.conversation}, {"agent", ev.agent}};
          if (const auto* a = access_.find(ev.agent); a && !a->name.empty()) brief["agent_name"] = a->name;
          auto short_form = shared(brief.dump());
          send_to(find(customers_, ev.conversation), short_form);
          const sessions* holder = find(agents_, ev.agent);
          send_to(holder, shared(to_json(e)));
          for (const auto& [agent, list] : agents_)
            if (&list != holder) send_to(&list, short_form);
        } else if constexpr (std::is_same_v<T, out::agent_message>) {
          auto m = shared(to_json(e));
          send_to(find(customers_, ev.conversation), m);
          send_to(find(agents_, ev.agent), m);
        } else if constexpr (std::is_same_v<T, out::customer_message>) {
          send_to(find(agents_, ev.agent), shared(to_json(e)));
        } else if constexpr (std::is_same_v<T, out::offered>) {
          send_to_consoles(shared(to_json(e)));
        } else {
          // queued, transferred, handed_back, resolved, closed, ticket. A
          // customer's place moves each time someone ahead is served; the
          // consoles order the line by arrival, so they hear only of a
          // customer joining it (else each served customer would cost a
          // message per customer behind, per console).
          auto m = shared(to_json(e));
          send_to(find(customers_, ev.conversation), m);
          if (news_for_consoles) send_to_consoles(m);
        }
      },
      e);
}

bool shared_state::note(const output_event& e) {
  if (auto* q = std::get_if<out::queued>(&e)) {
    auto [it, fresh] = waiting_.try_emplace(q->conversation);
    if (fresh) it->second.since = engine_.now();
    const bool news =
        fresh || it->second.queue != q->queue || !it->second.offered_to.empty() || it->second.position == 0;
    it->second.queue = q->queue;
    it->second.position = q->position;
    it->second.estimated_wait_seconds = q->estimated_wait_seconds;
    it->second.offered_to.clear();
    queues_changed_ = true;
    return news;
  } else if (auto* x = std::get_if<out::escalated>(&e)) {
    auto [it, fresh] = waiting_.try_emplace(x->conversation);
    if (fresh) it->second.since = engine_.now();
    it->second.queue = x->queue;
    it->second.priority = std::string(to_string(x->priority));
    it->second.reason = x->reason;
  } else if (auto* o = std::get_if<out::offered>(&e)) {
    waiting_[o->conversation].offered_to = o->agent;
  } else if (auto* a = std::get_if<out::assigned>(&e)) {
    waiting_.erase(a->conversation);
    holders_[a->conversation] = a->agent;
  } else if (auto* t = std::get_if<out::transferred>(&e)) {
    holders_.erase(t->conversation);
  } else {
    std::visit(
        [&](const auto& ev) {
          using T = std::decay_t<decltype(ev)>;
          if constexpr (std::is_same_v<T, out::handed_back> || std::is_same_v<T, out::resolved> ||
                        std::is_same_v<T, out::closed> || std::is_same_v<T, out::ticket>) {
            waiting_.erase(ev.conversation);
            holders_.erase(ev.conversation);
          }
        },
        e);
  }
  queues_changed_ = true;
  return true;
}

void shared_state::publish_queue_lengths() {
  if (!std::exchange(queues_changed_, false)) return;
  std::map<std::string, std::size_t> lengths;
  for (const auto& q : engine_.config().queues) lengths[q.id] = 0;
  for (const auto& [conversation, w] : waiting_) ++lengths[w.queue];
  std::lock_guard guard(figures_lock_);
  queue_lengths_.swap(lengths);
}

void shared_state::count_refused(std::string_view code) {
  std::lock_guard guard(figures_lock_);
  ++refused_[std::string(code)];
}

void shared_state::count_connection(identity::kind role, int delta) {
  (role == identity::kind::customer ? customer_sockets_ : agent_sockets_) += delta;
}

void shared_state::stop(std::function<void()> done) {
  net::post(strand_, [self = shared_from_this(), done = std::move(done)] {
    self->stopping_ = true;
    // What came before the stop is handled and kept; the sockets are then
    // closed, and what they send after is dropped unanswered.
    std::vector<pending> rest;
    {
      std::lock_guard guard(self->inbox_lock_);
      rest.swap(self->inbox_);
    }
    if (!rest.empty()) self->handle_batch(rest);
    self->clock_.reset();
    for (auto* map : {&self->customers_, &self->agents_})
      for (auto& [id, list] : *map)
        for (auto& [raw, weak] : list)
          if (auto s = weak.lock()) s->close();
    done();
  });
}

std::string shared_state::health_text() const { return store_failing_ ? "storage failing\n" : "ok\n"; }

}  // namespace handoff::web
