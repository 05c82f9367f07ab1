// The engine's timers on their own: one of each kind per conversation
// counts, they fire in order, and a jumping clock stops at every one.
#include <doctest/doctest.h>

#include <map>

#include "engine/timers.hpp"

using namespace handoff;
using detail::pending_timers;
using detail::timer_kind;

namespace {

const time_point t0 = *parse_rfc3339("2025-01-06T09:00:00Z");
time_point at(int seconds) { return t0 + std::chrono::seconds(seconds); }

struct board {
  detail::timer_queue q;
  std::map<std::string, pending_timers, std::less<>> pending;
  std::vector<std::string> fired;

  void set(const std::string& id, timer_kind k, int seconds, int now = 0) {
    q.schedule(id, pending[id], k, at(seconds), at(now));
  }
  auto lookup() {
    return [this](std::string_view id) -> pending_timers* {
      auto it = pending.find(id);
      return it == pending.end() ? nullptr : &it->second;
    };
  }
};

}  // namespace

TEST_CASE("timers fire in order, and a timer replaced by an earlier one of its kind is stale") {
  board b;
  b.set("c1", timer_kind::silence, 300);
  b.set("c2", timer_kind::wait_limit, 100);
  b.set("c1", timer_kind::silence, 200);  // earlier: replaces the pending one
  b.set("c1", timer_kind::silence, 250);  // later than one pending and ahead: waits for it
  CHECK(b.q.earliest() == at(100));
  b.q.fire_due(at(1000), b.lookup(), [&](timer_kind k, const std::string& id) {
    b.fired.push_back(id + (k == timer_kind::silence ? " silence" : " wait"));
  });
  CHECK(b.fired == std::vector<std::string>{"c2 wait", "c1 silence"});
  CHECK(b.q.empty());
  CHECK(b.pending["c1"][timer_kind::silence] == time_point::max());
}

TEST_CASE("a jumping clock stops at every timer on the way, and drops those that can do nothing") {
  board b;
  b.set("c1", timer_kind::silence, 300);
  b.set("c1", timer_kind::first_response, 600);
  b.set("gone", timer_kind::silence, 400);
  time_point now = at(0);
  std::vector<time_point> stops;
  b.q.step_to(
      now, at(3600), b.lookup(), [](const detail::timer& t) { return t.conversation != "gone"; },
      [&](bool at_timer) {
        stops.push_back(now);
        if (at_timer) b.q.fire_due(now, b.lookup(), [](timer_kind, const std::string&) {});
      });
  CHECK(stops == std::vector<time_point>{at(300), at(600), at(3600)});
  CHECK(now == at(3600));
  // A clock that never moves back: a target in the past leaves it.
  b.q.step_to(
      now, at(10), b.lookup(), [](const detail::timer&) { return true; }, [](bool) {});
  CHECK(now == at(3600));
}
