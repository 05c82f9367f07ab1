// SPDX-License-Identifier: MIT
// The built-in router: lines, agents and offers in the engine's memory.
#include "handoff/router.hpp"

#include <algorithm>
#include <cmath>

#include "bot/hours_schedule.hpp"
#include "handoff/config.hpp"
#include "handoff/language.hpp"
#include "util/string_map.hpp"

namespace handoff {
namespace {

// What the router knows of an agent, and keeps besides.
struct agent_state : agent_info {
  long long online_seq = 0;
  time_point last_assigned{};

  bool has_skill(std::string_view s) const { return std::find(skills.begin(), skills.end(), s) != skills.end(); }
  bool has_room_now() const { return static_cast<int>(conversations.size()) < capacity; }
  void drop(std::string_view conv) { std::erase(conversations, conv); }
};

// A conversation the router has routed: it keeps its record after the
// conversation leaves, so that a repeated decline is recognised. It points
// to what others keep (its id is its entry's key, the agents are theirs,
// queue names and languages are pooled): a record is a fraction of a
// conversation's memory, not a copy of its strings.
struct routed {
  enum class phase { none, waiting, offered, held };
  const std::string* id = nullptr;
  phase at = phase::none;
  const std::string* queue = nullptr;
  priority prio = priority::normal;
  long long seq = 0;  // place in line: lower is earlier
  std::vector<std::string> skills;
  const std::string* language = nullptr;
  std::vector<const agent_state*> declined_by;
  agent_state* agent = nullptr;  // offered to, or holding
  time_point offered_at{};
  int last_position = 0;
  long long last_estimate = -1;

  std::string_view queue_id() const noexcept { return queue ? std::string_view(*queue) : std::string_view(); }
  bool declined(const agent_state* a) const noexcept {
    return std::find(declined_by.begin(), declined_by.end(), a) != declined_by.end();
  }
};

struct waiting {
  priority prio;
  long long seq;
  routed* who;
};

struct queue_state {
  queue_definition def;
  const detail::hours_schedule* hours = nullptr;  // nullptr: always open
  std::vector<waiting> line;                      // served first at the front
  long long last_turn = 0;                        // round robin: the online_seq of the agent served last
  // A moving average of the queue's recent handling times, starting from
  // the configured one: each conversation released moves it a fifth of the
  // way to its own time, so the last ten or so weigh most.
  double handle_average = 0;

  double handling() const { return handle_average > 0 ? handle_average : def.average_handle_seconds; }
  void handled(double seconds) { handle_average = handling() + 0.2 * (seconds - handling()); }
  bool open(time_point t) const { return !hours || hours->open(t); }

  // Into the line by priority, then by place.
  void insert(routed& r) {
    auto pos = std::find_if(line.begin(), line.end(),
                            [&](const waiting& w) { return w.prio < r.prio || (w.prio == r.prio && w.seq > r.seq); });
    line.insert(pos, waiting{r.prio, r.seq, &r});
  }
  void erase(const routed& r) {
    std::erase_if(line, [&](const waiting& w) { return w.who == &r; });
  }
};

// The queues of one configuration, with the business hours they keep.
struct queue_set {
  std::vector<business_hours> hours;
  std::vector<detail::hours_schedule> schedules;  // as `hours`
  std::vector<queue_state> queues;

  explicit queue_set(const bot_config& config) : hours(config.hours) {
    schedules.reserve(hours.size());
    for (const auto& h : hours) schedules.emplace_back(h);
    for (const auto& q : config.queues) {
      queue_state& s = queues.emplace_back();
      s.def = q;
      for (std::size_t i = 0; i < hours.size(); ++i)
        if (hours[i].id == q.hours) s.hours = &schedules[i];
    }
  }
};

class local_router final : public router {
 public:
  explicit local_router(const bot_config& config) : set_(config) {}

  void set_agent(const in::agent_status& e, std::vector<std::string>& let_go) override {
    auto [it, added] = agents_.try_emplace(e.agent);
    agent_state& a = it->second;
    if (added) a.id = e.agent;
    const bool was_online = a.status == agent_status_kind::online;
    a.status = e.status;
    if (e.skills) a.skills = *e.skills;
    if (e.capacity) a.capacity = *e.capacity;
    if (e.level) a.level = *e.level;
    if (e.languages) a.languages = *e.languages;
    if (e.status == agent_status_kind::online) {
      if (!was_online) a.online_seq = ++online_counter_;
    } else if (!a.conversations.empty()) {
      for (auto& id : a.conversations) {
        if (routed* r = find(id)) {
          r->at = routed::phase::none;
          r->agent = nullptr;
        }
        let_go.push_back(std::move(id));
      }
      a.conversations.clear();
    }
  }

  std::optional<agent_info> agent(std::string_view id) const override {
    auto it = agents_.find(id);
    if (it == agents_.end()) return std::nullopt;
    return static_cast<const agent_info&>(it->second);
  }

  std::optional<agent_status_kind> status(std::string_view id) const override {
    auto it = agents_.find(id);
    if (it == agents_.end()) return std::nullopt;
    return it->second.status;
  }

  bool has_room(std::string_view id) const override {
    auto it = agents_.find(id);
    return it != agents_.end() && it->second.has_room_now();
  }

  int agents_online() const override {
    int n = 0;
    for (const auto& [id, a] : agents_) n += a.status == agent_status_kind::online;
    return n;
  }

  bool open(std::string_view queue, time_point now) const override {
    const queue_state* q = find_queue(queue);
    return q && q->open(now);
  }

  bool any_open(time_point now) const override {
    for (const auto& q : set_.queues)
      if (q.open(now)) return true;
    return false;
  }

  bool could_serve(const routing_request& request) const override {
    const queue_state* q = find_queue(request.queue);
    if (!q) return false;
    for (const auto& [id, a] : agents_)
      if (can_serve(a, *q, request.skills)) return true;
    return false;
  }

  void enqueue(const routing_request& request, line_place place) override {
    routed& r = record(request.conversation);
    if (r.at == routed::phase::waiting)
      if (queue_state* old = find_queue(r.queue_id())) old->erase(r);
    if (r.queue_id() != request.queue) r.queue = pooled(request.queue);
    r.prio = request.priority;
    r.skills.assign(request.skills.begin(), request.skills.end());
    if (!r.language || *r.language != request.language) r.language = pooled(request.language);
    r.declined_by.clear();
    r.agent = nullptr;
    if (place == line_place::back) r.seq = next_seq_++;
    if (place == line_place::front) r.seq = front_seq_--;
    r.at = routed::phase::waiting;
    r.last_position = 0;
    r.last_estimate = -1;
    if (queue_state* q = find_queue(r.queue_id())) q->insert(r);
  }

  void set_language(std::string_view conversation, std::string_view language) override {
    if (routed* r = find(conversation); r && (!r->language || *r->language != language)) r->language = pooled(language);
  }

  void leave(std::string_view conversation) override {
    routed* r = find(conversation);
    if (!r) return;
    if (r->at == routed::phase::waiting) {
      if (queue_state* q = find_queue(r->queue_id())) q->erase(*r);
    } else if ((r->at == routed::phase::offered || r->at == routed::phase::held) && r->agent) {
      r->agent->drop(*r->id);
    }
    r->at = routed::phase::none;
    r->agent = nullptr;
  }

  void dispatch(time_point now, std::vector<routing_move>& moves) override {
    for (;;) {
      queue_state* best_q = nullptr;
      std::size_t best_i = 0;
      const agent_state* best_a = nullptr;
      for (auto& q : set_.queues)
        for (std::size_t i = 0; i < q.line.size(); ++i) {
          const agent_state* a = pick_agent(q, *q.line[i].who);
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
      routed& r = *best_q->line[best_i].who;
      best_q->line.erase(best_q->line.begin() + static_cast<std::ptrdiff_t>(best_i));
      auto& a = const_cast<agent_state&>(*best_a);  // one of ours, found by a const search
      a.conversations.push_back(*r.id);
      a.last_assigned = now;
      best_q->last_turn = a.online_seq;
      r.agent = &a;
      routing_move& m = moves.emplace_back();
      m.conversation = *r.id;
      m.agent = a.id;
      m.queue = r.queue_id();
      if (best_q->def.mode == queue_mode::offer) {
        r.at = routed::phase::offered;
        r.offered_at = now;
        m.what = routing_move::kind::offered;
      } else {
        r.at = routed::phase::held;
        m.what = routing_move::kind::assigned;
      }
    }
    announce(moves, {});
  }

  // A customer's place counts everyone the agents who could serve them will
  // serve first: a VIP in the senior queue goes ahead of a standard
  // customer in general when the same agents serve both.
  void announce(std::vector<routing_move>& moves, std::string_view again) override {
    if (!again.empty())
      if (routed* r = find(again)) r->last_position = 0;
    std::vector<const queue_state*> rivals;
    for (auto& q : set_.queues) {
      if (q.line.empty()) continue;
      rivals.clear();
      for (const auto& o : set_.queues)
        if (&o != &q && !o.line.empty() && compete(q, o)) rivals.push_back(&o);
      const int capacity = online_capacity(q);
      for (std::size_t i = 0; i < q.line.size(); ++i) {
        routed& r = *q.line[i].who;
        int position = static_cast<int>(i) + 1;
        for (const auto* o : rivals)
          for (const auto& w : o->line)
            position += w.prio > q.line[i].prio || (w.prio == q.line[i].prio && w.seq < q.line[i].seq);
        const long long wait = estimate(q, position, capacity);
        if (position == r.last_position && wait == r.last_estimate) continue;
        r.last_position = position;
        r.last_estimate = wait;
        routing_move& m = moves.emplace_back();
        m.what = routing_move::kind::queued;
        m.conversation = *r.id;
        m.queue = r.queue_id();
        m.position = position;
        m.wait_seconds = wait;
      }
    }
  }

  std::optional<queue_figures> figures(std::string_view queue, time_point now) const override {
    const queue_state* q = find_queue(queue);
    if (!q) return std::nullopt;
    queue_figures f;
    f.open = q->open(now);
    f.waiting = q->line.size();
    for (const auto& [id, a] : agents_)
      f.agents_online += a.status == agent_status_kind::online && a.has_skill(q->def.skill);
    if (f.agents_online > 0)  // with no one online there is no wait to speak of: a ticket
      f.wait_seconds = estimate(*q, static_cast<int>(q->line.size()) + 1, online_capacity(*q));
    return f;
  }

  void handled(std::string_view queue, double seconds) override {
    if (queue_state* q = find_queue(queue)) q->handled(seconds);
  }

  void take(std::string_view conversation, std::string_view agent, time_point now) override {
    routed& r = record(conversation);
    auto it = agents_.find(agent);
    if (it == agents_.end()) return;
    if (r.at == routed::phase::offered && r.agent == &it->second) {
      r.at = routed::phase::held;
      return;
    }
    if (r.at != routed::phase::none) leave(conversation);
    it->second.conversations.push_back(*r.id);
    it->second.last_assigned = now;
    r.agent = &it->second;
    r.at = routed::phase::held;
  }

  std::string take_back(std::string_view conversation) override {
    routed* r = find(conversation);
    if (!r || (r->at != routed::phase::offered && r->at != routed::phase::held)) return {};
    return take_back(*r);
  }

  bool declined(std::string_view conversation, std::string_view agent) const override {
    const routed* r = find(conversation);
    auto it = agents_.find(agent);
    return r && it != agents_.end() && r->declined(&it->second);
  }

  void forget_declines(std::string_view conversation) override {
    if (routed* r = find(conversation)) r->declined_by.clear();
  }

  bool someone_else(std::string_view conversation) const override {
    const routed* r = find(conversation);
    const queue_state* q = r ? find_queue(r->queue_id()) : nullptr;
    return q && pick_agent(*q, *r, r->agent) != nullptr;
  }

  std::optional<time_point> next_lapse() const override {
    std::optional<time_point> t;
    each_offer([&](const routed&, time_point lapses) { t = t ? std::min(*t, lapses) : lapses; });
    return t;
  }

  // Offers not taken in time go to the next agent; when every agent who
  // could take one has let it lapse, the round starts again.
  time_point lapse(time_point now, std::vector<std::pair<std::string, std::string>>& lapsed) override {
    std::vector<routed*> due;
    time_point next = time_point::max();
    each_offer([&](const routed& r, time_point lapses) {
      if (now >= lapses)
        due.push_back(const_cast<routed*>(&r));
      else
        next = std::min(next, lapses);
    });
    for (routed* r : due) {
      lapsed.emplace_back(*r->id, take_back(*r));
      if (const queue_state* q = find_queue(r->queue_id()); q && !pick_agent(*q, *r)) r->declined_by.clear();
    }
    return next;
  }

  void reconfigure(const bot_config& config) override {
    queue_set next(config);
    for (auto& q : set_.queues)
      for (auto& n : next.queues)
        if (n.def.id == q.def.id) {
          n.line = std::move(q.line);
          n.handle_average = q.handle_average;
        }
    set_ = std::move(next);
  }

 private:
  routed* find(std::string_view id) {
    auto it = routed_.find(id);
    return it == routed_.end() ? nullptr : &it->second;
  }
  const routed* find(std::string_view id) const { return const_cast<local_router*>(this)->find(id); }
  routed& record(std::string_view id) {
    if (routed* r = find(id)) return *r;
    auto it = routed_.try_emplace(std::string(id)).first;
    it->second.id = &it->first;
    return it->second;
  }
  // Queue names and languages, kept once: as many as the configurations
  // and the customers' languages have.
  const std::string* pooled(std::string_view s) {
    auto it = names_.find(s);
    if (it == names_.end()) it = names_.emplace(s).first;
    return &*it;
  }
  queue_state* find_queue(std::string_view id) {
    for (auto& q : set_.queues)
      if (q.def.id == id) return &q;
    return nullptr;
  }
  const queue_state* find_queue(std::string_view id) const { return const_cast<local_router*>(this)->find_queue(id); }

  // Back to its place in line, and the agent is not offered it again this
  // round.
  std::string take_back(routed& r) {
    agent_state* a = r.agent;
    if (a) {
      a->drop(*r.id);
      r.declined_by.push_back(a);
    }
    r.agent = nullptr;
    r.at = routed::phase::waiting;
    r.last_position = 0;
    if (queue_state* q = find_queue(r.queue_id())) q->insert(r);
    return a ? a->id : std::string();
  }

  // Every conversation offered to an agent, with when the offer lapses, in
  // the order of the agents.
  template <class Visit>
  void each_offer(Visit&& visit) const {
    for (const auto& [aid, a] : agents_)
      for (const auto& cid : a.conversations) {
        const routed* r = find(cid);
        if (!r || r->at != routed::phase::offered || r->agent != &a) continue;
        if (const queue_state* q = find_queue(r->queue_id()))
          visit(*r, r->offered_at + std::chrono::seconds(q->def.offer_seconds));
      }
  }

  // Whether `a` could ever serve a conversation needing `skills` in `q`,
  // room or not.
  static bool can_serve(const agent_state& a, const queue_state& q, std::span<const std::string> skills) {
    if (a.status != agent_status_kind::online || !a.has_skill(q.def.skill)) return false;
    for (const auto& s : skills)
      if (!a.has_skill(s)) return false;
    return true;
  }

  // An agent who lists no languages is taken to speak them all.
  static bool speaks(const agent_state& a, const routed& r) {
    if (a.languages.empty()) return true;
    const auto want = primary_language(r.language ? std::string_view(*r.language) : std::string_view());
    for (const auto& l : a.languages)
      if (primary_language(l) == want) return true;
    return false;
  }

  // The agent `q` gives `r` to now, if any; `passed_over` (an agent holding
  // it) counts as having declined it.
  const agent_state* pick_agent(const queue_state& q, const routed& r, const agent_state* passed_over = nullptr) const {
    const agent_state* best = nullptr;
    // The customer's language first: while anyone online who could serve
    // them speaks it, they wait for such an agent rather than get another.
    bool need_speaker = false;
    for (const auto& [id, a] : agents_) need_speaker = need_speaker || (can_serve(a, q, r.skills) && speaks(a, r));
    // A queue that prefers senior agents takes one when one is free.
    auto senior = [&](const agent_state& a) { return q.def.prefer_level > 0 && a.level >= q.def.prefer_level; };
    // Round robin: the next agent after the last one served, in the order
    // they came online, wrapping round.
    auto turn = [&](const agent_state& a) {
      return a.online_seq > q.last_turn ? a.online_seq : a.online_seq + (1LL << 40);
    };
    auto idle_longer = [](const agent_state& a, const agent_state& b) {
      return a.last_assigned < b.last_assigned || (a.last_assigned == b.last_assigned && a.online_seq < b.online_seq);
    };
    for (const auto& [id, a] : agents_) {
      if (!a.has_room_now() || !can_serve(a, q, r.skills)) continue;
      if (need_speaker && !speaks(a, r)) continue;
      if (&a == passed_over || r.declined(&a)) continue;
      bool better = !best;
      if (best && senior(a) != senior(*best)) {
        better = senior(a);
      } else if (best)
        switch (q.def.strategy) {
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

  // The capacity of the online agents who can serve `q` (at least 1).
  int online_capacity(const queue_state& q) const {
    int capacity = 0;
    for (const auto& [id, a] : agents_)
      if (a.status == agent_status_kind::online && a.has_skill(q.def.skill)) capacity += a.capacity;
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
    for (const auto& [id, ag] : agents_)
      if (ag.status == agent_status_kind::online && ag.has_skill(a.def.skill) && ag.has_skill(b.def.skill)) return true;
    return false;
  }

  queue_set set_;
  detail::string_map<agent_state> agents_;
  detail::string_map<routed> routed_;  // nodes stay put: the lines point to them
  detail::string_set names_;
  long long next_seq_ = 1;
  long long front_seq_ = 0;
  long long online_counter_ = 0;
};

}  // namespace

std::unique_ptr<router> make_local_router(const bot_config& config) { return std::make_unique<local_router>(config); }

}  // namespace handoff
