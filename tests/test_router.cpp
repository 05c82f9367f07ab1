// The built-in router on its own, driven without the engine: who serves
// whom, in what order, offers and their lapse, positions and waits.
#include <doctest/doctest.h>

#include <handoff/router.hpp>

#include "support/builder.hpp"

using namespace handoff;

namespace {

const time_point nine = *parse_rfc3339("2025-01-06T09:00:00Z");

in::agent_status online(std::string id, std::vector<std::string> skills, int capacity = 1,
                        std::vector<std::string> languages = {}) {
  return {std::move(id), agent_status_kind::online, std::move(skills), capacity, {}, std::move(languages)};
}

// A router over `config`, with helpers that keep the moves of each call.
struct routing {
  std::unique_ptr<router> r;
  std::vector<routing_move> moves;
  std::vector<std::string> let_go;

  explicit routing(const bot_config& config) : r(make_local_router(config)) {}

  void agent(const in::agent_status& a) { r->set_agent(a, let_go); }
  void wait(std::string_view conversation, std::string_view queue, priority p = priority::normal,
            std::string_view language = "en", line_place place = line_place::back) {
    r->enqueue({conversation, queue, p, {}, language}, place);
  }
  std::vector<routing_move> dispatch(time_point at = nine) {
    moves.clear();
    r->dispatch(at, moves);
    return moves;
  }
};

// "kind conversation agent-or-position" for each move.
std::vector<std::string> told(const std::vector<routing_move>& moves) {
  std::vector<std::string> lines;
  for (const auto& m : moves) switch (m.what) {
      case routing_move::kind::offered: lines.push_back("offered " + m.conversation + " " + m.agent); break;
      case routing_move::kind::assigned: lines.push_back("assigned " + m.conversation + " " + m.agent); break;
      case routing_move::kind::queued:
        lines.push_back("queued " + m.conversation + " " + std::to_string(m.position) + " " +
                        std::to_string(m.wait_seconds));
        break;
    }
  return lines;
}

using lines = std::vector<std::string>;

}  // namespace

TEST_CASE("the router gives waiting conversations to agents with room and tells the rest where they stand") {
  routing r(test::bot_builder{}.queue("general", [](auto& q) { q.average_handle_seconds = 300; }).build());
  r.agent(online("a1", {"general"}, 1));
  r.wait("c1", "general");
  CHECK(told(r.dispatch()) == lines{"assigned c1 a1"});
  r.wait("c2", "general");
  r.wait("c3", "general");
  // One agent of capacity 1 frees a place every 300 s on average.
  CHECK(told(r.dispatch()) == lines{"queued c2 1 300", "queued c3 2 600"});
  // Told again only when it changes.
  CHECK(told(r.dispatch()).empty());
  r.moves.clear();
  r.r->announce(r.moves, "c3");
  CHECK(told(r.moves) == lines{"queued c3 2 600"});
  // The agent lets go of c1: the first in line is next.
  r.r->leave("c1");
  CHECK(told(r.dispatch()) == lines{"assigned c2 a1", "queued c3 1 300"});
  CHECK(r.r->agent("a1")->conversations == std::vector<std::string>{"c2"});
  // Handling times teach the queue's estimate: a fifth of the way each.
  r.r->handled("general", 800);
  // 300 + 0.2 * (800 - 300) = 400 s each, and a newcomer would be second.
  CHECK(r.r->figures("general", nine)->wait_seconds == 800);
}

TEST_CASE("the most urgent goes first, and a place counts who the same agents serve first in other queues") {
  routing r(test::bot_builder{}
                .queue("general", [](auto& q) { q.average_handle_seconds = 100; })
                .queue("senior", [](auto& q) { q.average_handle_seconds = 100; })
                .build());
  r.agent(online("a1", {"general", "senior"}, 1));
  r.wait("busy", "general");
  CHECK(told(r.dispatch()) == lines{"assigned busy a1"});
  r.wait("g1", "general");
  r.wait("s1", "senior", priority::urgent);
  // s1 came later but is urgent: it is first, and g1 second, across queues.
  CHECK(told(r.dispatch()) == lines{"queued g1 2 200", "queued s1 1 100"});
  r.r->leave("busy");
  CHECK(told(r.dispatch()) == lines{"assigned s1 a1", "queued g1 1 100"});
}

TEST_CASE("an offer goes to the next agent when declined or when it lapses, and the round starts again") {
  routing r(test::bot_builder{}
                .queue("general",
                       [](auto& q) {
                         q.mode = queue_mode::offer;
                         q.offer_seconds = 30;
                       })
                .build());
  r.agent(online("a1", {"general"}));
  r.agent(online("a2", {"general"}));
  r.wait("c1", "general");
  const auto first = told(r.dispatch());
  REQUIRE(first.size() == 1);
  const std::string offered_to = first[0].substr(first[0].rfind(' ') + 1);
  const std::string other = offered_to == "a1" ? "a2" : "a1";
  CHECK(r.r->next_lapse() == nine + std::chrono::seconds(30));
  // Declined: the other agent gets it, and the one who declined is known.
  CHECK(r.r->take_back("c1") == offered_to);
  CHECK(r.r->declined("c1", offered_to));
  CHECK(told(r.dispatch()) == lines{"offered c1 " + other});
  // It lapses with the other too: everyone who could take it let it go,
  // so the round starts again and the first may be offered it once more.
  std::vector<std::pair<std::string, std::string>> lapsed;
  CHECK(r.r->lapse(nine + std::chrono::seconds(29), lapsed) == nine + std::chrono::seconds(30));
  CHECK(lapsed.empty());
  CHECK(r.r->lapse(nine + std::chrono::seconds(30), lapsed) == time_point::max());
  REQUIRE(lapsed.size() == 1);
  CHECK(lapsed[0] == std::pair<std::string, std::string>{"c1", other});
  CHECK_FALSE(r.r->declined("c1", offered_to));
  CHECK(told(r.dispatch(nine + std::chrono::seconds(30))).size() == 1);
  // An accepted offer is held.
  const auto holder = r.r->agent("a1")->conversations.empty() ? "a2" : "a1";
  r.r->take("c1", holder, nine);
  CHECK_FALSE(r.r->next_lapse());
  r.r->forget_declines("c1");
  CHECK_FALSE(r.r->declined("c1", offered_to));
}

TEST_CASE("customers wait for an agent who speaks their language while one who could serve them is online") {
  routing r(test::bot_builder{}.queue("general").build());
  r.agent(online("en_only", {"general"}, 2, {"en"}));
  r.agent(online("zh_too", {"general"}, 1, {"zh", "en"}));
  r.wait("z1", "general", priority::normal, "zh-CN");
  r.wait("z2", "general", priority::normal, "zh");
  // z1 to the Chinese speaker; z2 waits for them rather than go to en_only.
  CHECK(told(r.dispatch()) == lines{"assigned z1 zh_too", "queued z2 1 100"});
  // With no Chinese speaker online, anyone who could serve them will.
  r.agent({"zh_too", agent_status_kind::away, {}, {}, {}, {}});
  CHECK(r.let_go == std::vector<std::string>{"z1"});
  CHECK(told(r.dispatch()) == lines{"assigned z2 en_only"});
  // What the agent let go of is no one's until it is put back in line.
  r.wait("z1", "general", priority::normal, "zh", line_place::front);
  CHECK(told(r.dispatch()) == lines{"assigned z1 en_only"});
}

TEST_CASE("each queue's strategy picks among free agents: least busy, round robin, longest idle, seniors first") {
  auto pick_sequence = [](const std::function<void(queue_definition&)>& edit, bool seniors) {
    routing r(test::bot_builder{}.queue("q", edit).build());
    r.agent(online("a", {"q"}, 3));
    r.agent(online("b", {"q"}, 3));
    if (seniors) r.agent({"b", agent_status_kind::online, {}, {}, 2, {}});
    std::vector<std::string> agents;
    for (int i = 0; i < 4; ++i) {
      r.wait("c" + std::to_string(i), "q");
      auto m = r.dispatch(nine + std::chrono::seconds(i));
      REQUIRE(!m.empty());
      agents.push_back(m.front().agent);
    }
    return agents;
  };
  using agents = std::vector<std::string>;
  CHECK(pick_sequence([](auto&) {}, false) == agents{"a", "b", "a", "b"});
  CHECK(pick_sequence([](auto& q) { q.strategy = queue_strategy::round_robin; }, false) == agents{"a", "b", "a", "b"});
  CHECK(pick_sequence([](auto& q) { q.strategy = queue_strategy::longest_idle; }, false) == agents{"a", "b", "a", "b"});
  CHECK(pick_sequence([](auto& q) { q.prefer_level = 2; }, true) == agents{"b", "b", "b", "a"});
}

TEST_CASE("the router answers the policy's questions about queues, and keeps lines across a reconfiguration") {
  business_hours shop;
  shop.id = "shop";
  shop.time_zone = "Asia/Shanghai";
  for (auto& day : shop.weekly) day = {{8 * 60, 24 * 60}};
  auto cfg =
      test::bot_builder{}.hours(shop).queue("general", [](auto& q) { q.hours = "shop"; }).queue("senior").build();
  routing r(cfg);
  CHECK(r.r->open("general", nine));                                // 17:00 in Shanghai
  CHECK_FALSE(r.r->open("general", nine + std::chrono::hours(8)));  // 01:00
  CHECK(r.r->open("senior", nine + std::chrono::hours(8)));
  CHECK(r.r->any_open(nine + std::chrono::hours(8)));
  CHECK_FALSE(r.r->figures("nowhere", nine));
  auto f = r.r->figures("general", nine);
  REQUIRE(f);
  CHECK(f->agents_online == 0);
  CHECK_FALSE(f->wait_seconds);  // no one to wait for
  CHECK_FALSE(r.r->could_serve({"c1", "general", priority::normal, {}, "en"}));
  r.agent(online("a1", {"general"}, 1));
  const std::vector<std::string> vip{"vip"};
  CHECK(r.r->could_serve({"c1", "general", priority::normal, {}, "en"}));
  CHECK_FALSE(r.r->could_serve({"c1", "general", priority::normal, vip, "en"}));
  CHECK(r.r->agents_online() == 1);
  r.wait("c1", "general");
  r.wait("c2", "general");
  r.dispatch();
  CHECK(r.r->figures("general", nine)->waiting == 1);
  CHECK_FALSE(r.r->someone_else("c1"));  // a1 is the only one
  // A new configuration keeps the line of a queue it keeps.
  r.r->reconfigure(test::bot_builder{}.queue("general").queue("sales").build());
  CHECK(r.r->figures("general", nine)->waiting == 1);
  CHECK(r.r->open("general", nine + std::chrono::hours(8)));  // no hours any more
  CHECK_FALSE(r.r->figures("senior", nine));
}
