// Matchers by name: the built-ins, the host's own, and the ensemble made
// of the registry's keywords and linear matchers.
#include <doctest/doctest.h>

#include <condition_variable>
#include <handoff/handoff.hpp>
#include <thread>

#include "support/matchers.hpp"
#include "support/scenario.hpp"

using namespace handoff;
using test::best;
using test::counting_scores;
using test::index_of;

TEST_CASE("the registry builds what the configuration names, the host's matchers included") {
  matcher_registry registry;
  CHECK(registry.contains("keywords"));
  CHECK(registry.contains("linear"));
  CHECK(registry.contains("ensemble"));
  CHECK(registry.create("ensemble", test::shop_config())->name() == "ensemble");
  auto cfg = test::shop_config();
  cfg.understanding.matchers = {"keywords", "nonesuch"};
  CHECK_THROWS_WITH_AS(registry.create_for(cfg), doctest::Contains("handoff.config.unknown_matcher"), config_error);
  CHECK_THROWS_AS(engine{cfg}, config_error);

  // A host matcher that reads every message as a question about shipping.
  counting_scores s;
  s.values.assign(cfg.intents.size(), 0.0);
  s.values[index_of(cfg, "shipping_times")] = 0.95;
  registry.add("nonesuch", [s](const matcher_setup& c) {
    return std::make_unique<scored_matcher>("nonesuch", c.intents.size(), s);
  });
  engine bot(cfg, {.matchers = &registry});
  auto out = test::run_lines(bot, R"({"type":"customer_message","conversation":"r1","text":"tell me about the moon"})");
  auto messages = test::of_type(out, "bot_message");
  REQUIRE(messages.size() == 1);
  CHECK(messages[0]["intent"] == "shipping_times");

  cfg.understanding.matchers = {"keywords"};
  engine keywords_only(cfg);
  out = test::run_lines(
      keywords_only,
      R"({"type":"customer_message","conversation":"r2","text":"has the jumper i bought been sent out yet"})");
  CHECK(test::of_type(out, "bot_message")[0]["kind"] == "fallback");
}

TEST_CASE("host matchers run outside the engine's lock, side by side on several threads") {
  // A scorer that waits (up to five seconds) until a second call is inside
  // it at the same time: with the lock held around matchers, the second
  // message could not get there and the wait would run out.
  struct meeting {
    std::mutex m;
    std::condition_variable cv;
    int inside = 0;
    bool met = false;
  };
  auto place = std::make_shared<meeting>();
  auto cfg = test::shop_config();
  cfg.understanding.matchers = {"keywords", "slow"};
  matcher_registry registry;
  registry.add("slow", [place](const matcher_setup& c) {
    return std::make_unique<scored_matcher>(
        "slow", c.intents.size(), [place](std::string_view, std::string_view, std::span<double>) {
          std::unique_lock lock(place->m);
          if (++place->inside >= 2) {
            place->met = true;
            place->cv.notify_all();
          } else {
            place->cv.wait_for(lock, std::chrono::seconds(5), [&] { return place->met; });
          }
          --place->inside;
        });
  });
  engine bot(cfg, {.matchers = &registry});
  place->met = false;
  auto ask = [&](std::string id) {
    std::vector<output_event> out;
    bot.handle(in::customer_message{std::move(id), "tell me about the moon", std::nullopt, {}, "web"}, out);
    CHECK(!out.empty());
  };
  std::thread a(ask, "m1"), b(ask, "m2");
  a.join();
  b.join();
  CHECK(place->met);
}

TEST_CASE("the built-in ensemble is made of the registry's own keywords and linear matchers") {
  const auto& cfg = test::shop_config();
  counting_scores s;
  s.values.assign(cfg.intents.size(), 0.0);
  s.values[index_of(cfg, "shipping_times")] = 0.9;
  matcher_registry registry;
  registry.add("linear",
               [s](const matcher_setup& c) { return std::make_unique<scored_matcher>("linear", c.intents.size(), s); });
  auto m = registry.create("ensemble", cfg);
  CHECK(m->name() == "ensemble");
  CHECK(best(*m, cfg, "opening hours") == "opening_hours");            // a certain keyword
  CHECK(best(*m, cfg, "tell me about the moon") == "shipping_times");  // the host's "linear"
  CHECK(*s.calls == 1);

  // The checker knows every built-in name, and only those.
  auto problems = check_config(R"({"languages":["en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},
    "intents":[],"queues":[{"id":"q"}],"understanding":{"matchers":["ensemble","keywords","linear","embedings"]}})");
  std::vector<std::string> warned;
  for (const auto& p : problems)
    if (p.id == "handoff.config.unknown_matcher") warned.push_back(p.pointer);
  CHECK(warned == std::vector<std::string>{"/understanding/matchers/3"});
}
