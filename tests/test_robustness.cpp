// Bad input is normal input: thousands of mangled events, and the engine
// neither crashes nor writes an invalid line.
#include <doctest/doctest.h>

#include <handoff/normalize.hpp>
#include <random>

#include "support/scenario.hpp"

TEST_CASE("mangled events never crash the engine or corrupt its output") {
  const std::vector<std::string> seeds = {
      R"({"type":"agent_status","agent":"a1","status":"online","skills":["general","senior"],"capacity":2})",
      R"({"type":"customer_message","conversation":"c1","text":"转人工","message_id":"m1"})",
      R"({"type":"customer_message","conversation":"c2","customer":{"id":"u","tier":"vip"},"text":"agent please"})",
      R"({"type":"agent_message","agent":"a1","conversation":"c1","text":"您好"})",
      R"({"type":"agent_accept","agent":"a1","conversation":"c2"})",
      R"({"type":"agent_transfer","agent":"a1","conversation":"c1","queue":"care"})",
      R"({"type":"agent_release","agent":"a1","conversation":"c2","outcome":"resolved"})",
      R"({"type":"customer_action","conversation":"c2","action":"choose","value":"4"})",
      R"({"type":"feedback","conversation":"c1","score":5})",
      R"({"type":"customer_left","conversation":"c1"})",
      R"({"type":"advance","seconds":30})",
  };
  std::mt19937 rng(20261124);
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  handoff::engine e(handoff::test::shop_config());
  std::vector<handoff::output_event> out;
  std::size_t events = 0, errors = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string line = seeds[pick(seeds.size())];
    int edits = static_cast<int>(pick(4));
    for (int k = 0; k < edits && !line.empty(); ++k) {
      std::size_t at = pick(line.size());
      switch (pick(4)) {
        case 0: line[at] = static_cast<char>(pick(256)); break;                   // any byte
        case 1: line.erase(at, pick(8) + 1); break;                               // truncate
        case 2: line.insert(at, seeds[pick(seeds.size())].substr(0, 12)); break;  // splice
        default: line.insert(at, "\xE4\xB8"); break;                              // half a character
      }
    }
    out.clear();
    auto parsed = handoff::parse_input(line);
    if (parsed)
      e.handle(*parsed.event, out);
    else
      out.emplace_back(parsed.error);
    for (const auto& o : out) {
      auto text = handoff::to_json(o);
      REQUIRE(handoff::is_valid_utf8(text));
      REQUIRE(nlohmann::json::accept(text));
      ++events;
      errors += std::holds_alternative<handoff::out::error>(o);
    }
  }
  // Both kinds happened: refusals and real work.
  CHECK(errors > 100);
  CHECK(events - errors > 100);
}
