// Matchers whose scores come from the host.
#include <doctest/doctest.h>

#include <cmath>
#include <handoff/handoff.hpp>

#include "support/matchers.hpp"
#include "support/scenario.hpp"

using namespace handoff;
using test::counting_scores;
using test::index_of;

TEST_CASE("a host-scored matcher turns the host's scores into candidates") {
  const auto& cfg = test::shop_config();
  counting_scores s;
  s.values.assign(cfg.intents.size(), 0.0);
  s.values[index_of(cfg, "shipping_times")] = 0.9;
  s.values[index_of(cfg, "order_status")] = 7.0;  // clamped to 1
  s.values[index_of(cfg, "thanks")] = std::nan("");
  s.values[index_of(cfg, "goodbye")] = 0.2;  // below the threshold
  scored_matcher m("embeddings", cfg.intents.size(), s, 0.5);
  CHECK(m.name() == "embeddings");
  std::vector<intent_match> out;
  out = test::candidates(m, "anything", "en");
  rank_matches(out);
  REQUIRE(out.size() == 2);
  CHECK(cfg.intents[out[0].intent].id == "order_status");
  CHECK(out[0].confidence == 1.0);
  CHECK(cfg.intents[out[1].intent].id == "shipping_times");
  CHECK(*s.calls == 1);

  scored_matcher failing("flaky", cfg.intents.size(), [](std::string_view, std::string_view, std::span<double>) {
    throw std::runtime_error("service down");
  });
  out.clear();
  out = test::candidates(failing, "anything", "en");
  CHECK(out.empty());
}
