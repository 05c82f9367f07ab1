// The Asio clock adapter on a real io_context and the system clock: the
// engine's timers go off on time, an event moves them, and a clock
// destroyed with a wait in flight does nothing.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/system_timer.hpp>
#include <handoff/asio_clock.hpp>
#include <handoff/engine.hpp>
#include <handoff/protocol.hpp>

#include "support/scenario.hpp"

using namespace handoff;
using namespace std::chrono_literals;

namespace {

input_event event(std::string_view line) {
  auto parsed = parse_input(line);
  REQUIRE(parsed.event);
  return *parsed.event;
}

struct delivered {
  time_point at;
  std::vector<output_event> events;
};

}  // namespace

TEST_CASE("asio_clock fires the engine's timers on time, and follows what events change") {
  // The demo reminds a silent customer after 300 s. The customer wrote 299.6
  // s ago, so the reminder is due in 0.4 s of real time. (Measured after
  // the engine is built: training takes seconds in a sanitizer build.)
  engine bot(test::shop_config(), engine_options{system_now() - 1h});
  const time_point wrote = system_now() - 299'600ms;
  std::vector<output_event> out;
  bot.handle(event(R"({"type":"customer_message","conversation":"c1","text":"hello"})"), wrote, out);
  const time_point reminder_due = wrote + 300s;
  REQUIRE(bot.next_due() == reminder_due);

  boost::asio::io_context io;
  std::vector<delivered> seen;
  asio_clock<boost::asio::system_timer> clock(bot, boost::asio::system_timer(io),
                                              [&](std::vector<output_event>& events) {
                                                seen.push_back({system_now(), std::move(events)});
                                                io.stop();
                                              });
  CHECK(clock.armed_for() == reminder_due);
  io.run_for(5s);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].at >= reminder_due);
  CHECK(seen[0].at < reminder_due + 1s);  // generous on a loaded machine; it is milliseconds
  REQUIRE(seen[0].events.size() == 1);
  auto reminder = nlohmann::json::parse(to_json(seen[0].events[0]));
  CHECK(reminder["kind"] == "notice");
  CHECK(reminder["conversation"] == "c1");
  // Next: the close, 1800 s after the bot's last word.
  REQUIRE(clock.armed_for());
  CHECK(*clock.armed_for() > system_now() + 1000s);

  // A customer who writes again: the next moment moves, and the clock
  // follows when told.
  out.clear();
  bot.handle(event(R"({"type":"customer_message","conversation":"c1","text":"where is my order"})"), system_now(), out);
  clock.reschedule();
  CHECK(clock.armed_for() == bot.next_due());
  CHECK(*clock.armed_for() >= system_now() + 299s);

  // Ticking with nothing due changes nothing and delivers nothing.
  seen.clear();
  clock.tick_now();
  CHECK(seen.empty());
  CHECK(bot.conversation("c1")->state == conversation_state::bot);
}

TEST_CASE("an engine with nothing pending leaves the clock at rest, and a destroyed clock's wait does nothing") {
  const time_point start = system_now();
  engine bot(test::shop_config(), engine_options{start});
  CHECK_FALSE(bot.next_due());
  boost::asio::io_context io;
  int calls = 0;
  {
    asio_clock<boost::asio::system_timer> clock(bot, boost::asio::system_timer(io),
                                                [&](std::vector<output_event>&) { ++calls; });
    CHECK_FALSE(clock.armed_for());
    // A customer falls silent (in the past, so the reminder is due at once).
    std::vector<output_event> out;
    bot.handle(event(R"({"type":"customer_message","conversation":"c2","text":"hi"})"), start, out);
    clock.reschedule();
    CHECK(clock.armed_for() == start + 300s);
  }
  // The clock is gone with its wait in flight: running the loop calls
  // nothing (and touches nothing freed: the sanitizer build checks).
  io.run_for(50ms);
  CHECK(calls == 0);
}
