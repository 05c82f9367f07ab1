// Many threads on one engine at once: customers in their own conversations,
// agents coming, going, answering and letting go, and a dashboard reading.
// Run under ThreadSanitizer in the test command (build-tsan); it checks the
// router's books balance at the end.
#include <doctest/doctest.h>

#include <atomic>
#include <handoff/engine.hpp>
#include <handoff/protocol.hpp>
#include <random>
#include <set>
#include <thread>

#include "support/scenario.hpp"

using namespace handoff;

namespace {

input_event parse(const std::string& line) {
  auto p = parse_input(line);
  REQUIRE(p);
  return *p.event;
}

}  // namespace

TEST_CASE("an engine shared by many threads keeps every conversation and a consistent router") {
  engine shared(test::shop_config(), engine_options{*parse_rfc3339("2025-01-06T09:00:00Z")});
  constexpr int customers = 4, per_customer = 12, rounds = 25;
  const char* texts[] = {"你好",       "退货政策是什么", "where is my order?", "转人工",
                         "发货要多久", "thanks",         "agent please"};
  std::atomic<bool> done{false};
  std::atomic<long> errors{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < customers; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      std::vector<output_event> out;
      for (int r = 0; r < rounds; ++r)
        for (int i = 0; i < per_customer; ++i) {
          const std::string conv = "t" + std::to_string(t) + "-" + std::to_string(i);
          out.clear();
          shared.handle(
              in::customer_message{conv, texts[rng() % std::size(texts)], std::nullopt, "m" + std::to_string(r), {}},
              out);
        }
    });
  // Agents: online, answer what they hold, let go, go offline, come back.
  threads.emplace_back([&] {
    std::vector<output_event> out;
    std::mt19937 rng(99);
    for (int r = 0; !done.load(); ++r) {
      const std::string agent = "a" + std::to_string(r % 3);
      out.clear();
      shared.handle(parse(R"({"type":"agent_status","agent":")" + agent +
                          R"(","status":"online","skills":["general","care","senior"],"capacity":3})"),
                    out);
      if (auto a = shared.agent(agent))
        for (const auto& conv : a->conversations) {
          shared.handle(in::agent_message{agent, conv, "您好"}, out);
          if (rng() % 2) shared.handle(in::agent_release{agent, conv, release_outcome::to_bot, {}}, out);
        }
      if (rng() % 3 == 0)
        shared.handle(parse(R"({"type":"agent_status","agent":")" + agent + R"(","status":"offline"})"), out);
      for (const auto& e : out) errors += std::holds_alternative<out::error>(e);
    }
  });
  // A dashboard reading while all that happens.
  threads.emplace_back([&] {
    while (!done.load()) {
      (void)shared.metrics();
      (void)shared.open_conversations();
      (void)shared.conversation("t0-0");
      (void)shared.now();
    }
  });
  for (int t = 0; t < customers; ++t) threads[static_cast<std::size_t>(t)].join();
  done = true;
  for (std::size_t t = customers; t < threads.size(); ++t) threads[t].join();

  CHECK(errors.load() == 0);  // no agent was refused: the books agreed at every step
  // Every conversation holds every message its customer sent, once.
  for (int t = 0; t < customers; ++t)
    for (int i = 0; i < per_customer; ++i) {
      auto c = shared.conversation("t" + std::to_string(t) + "-" + std::to_string(i));
      REQUIRE(c);
      std::set<std::string> ids;
      for (const auto& e : c->transcript)
        if (e.role == role::customer && !e.message_id.empty()) CHECK(ids.insert(e.message_id).second);
      CHECK(ids.size() == static_cast<std::size_t>(rounds));
      // Held by an agent: that agent is online and lists it.
      if (c->state == conversation_state::assigned) {
        auto a = shared.agent(c->agent);
        REQUIRE(a);
        CHECK(a->status == agent_status_kind::online);
        CHECK(std::count(a->conversations.begin(), a->conversations.end(), c->id) == 1);
      }
    }
  for (int r = 0; r < 3; ++r)
    if (auto a = shared.agent("a" + std::to_string(r))) {
      CHECK(static_cast<int>(a->conversations.size()) <= a->capacity);
      for (const auto& conv : a->conversations) CHECK(shared.conversation(conv)->agent == a->id);
    }
}
