// Timers on the engine's clock: a silent customer is reminded, then the
// chat closes; a long wait brings a call-back offer; an agent who does not
// answer in time loses the conversation to one who can.
#include <doctest/doctest.h>

#include <handoff/engine.hpp>
#include <handoff/protocol.hpp>

#include "support/scenario.hpp"

using namespace handoff;
using nlohmann::json;
using test::of_type;

namespace {

std::vector<json> notices(const std::vector<json>& out) {
  std::vector<json> found;
  for (const auto& e : out)
    if (e["type"] == "bot_message" && e.value("kind", "") == "notice") found.push_back(e);
  return found;
}

engine at_nine(const bot_config& cfg) { return engine(cfg, engine_options{*parse_rfc3339("2025-01-06T09:00:00Z")}); }

}  // namespace

TEST_CASE("a silent customer is reminded once, then the chat closes, and an answer starts the silence again") {
  auto e = at_nine(test::shop_config());  // the demo: reminder after 300 s, close after 1800 s
  test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"你好"})");
  CHECK(test::run_lines(e, R"({"type":"advance","seconds":299})").empty());
  auto out = test::run_lines(e, R"({"type":"advance","seconds":2})");
  REQUIRE(out.size() == 1);
  CHECK(out[0]["text"] == "您还在吗？有问题随时告诉我哦。");
  CHECK(test::run_lines(e, R"({"type":"advance","seconds":600})").empty());  // reminded once only
  // The customer answers: the silence starts again from the bot's reply.
  test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"退货政策是什么"})");
  CHECK(test::run_lines(e, R"({"type":"advance","seconds":250})").empty());
  CHECK(notices(test::run_lines(e, R"({"type":"advance","seconds":60})")).size() == 1);
  out = test::run_lines(e, R"({"type":"advance","seconds":1500})");
  REQUIRE(out.size() == 2);
  CHECK(out[0]["text"].get<std::string>().find("会话先结束") != std::string::npos);
  CHECK(out[1] == json{{"type", "closed"}, {"conversation", "c1"}, {"reason", "timeout"}});
  CHECK(e.conversation("c1")->state == conversation_state::closed);
  // Coming back opens it again.
  out = test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"hello again"})");
  CHECK(e.conversation("c1")->state == conversation_state::bot);
}

TEST_CASE("one long step of the clock still reminds before it closes") {
  auto e = at_nine(test::shop_config());
  test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"hello"})");
  auto out = test::run_lines(e, R"({"type":"advance","seconds":7200})");
  REQUIRE(out.size() == 3);
  CHECK(out[0]["text"] == "Are you still there? Just write if there's anything else.");
  CHECK(out[1]["text"].get<std::string>().find("close this chat") != std::string::npos);
  CHECK(out[2]["type"] == "closed");
  // Waiting for an agent or talking to one is not silence towards the bot.
  test::run_lines(e, R"({"type":"agent_status","agent":"a1","status":"online","skills":["general"],"capacity":1}
{"type":"customer_message","conversation":"c2","text":"agent please"})");
  CHECK(e.conversation("c2")->state == conversation_state::assigned);
  out = test::run_lines(e, R"({"type":"advance","seconds":7200})");
  CHECK(of_type(out, "closed").empty());
}

TEST_CASE("a wait over the queue's limit brings a call-back offer, and taking it makes a ticket") {
  auto e = at_nine(test::shop_config());  // general: max_wait_seconds 600
  test::run_lines(e, R"({"type":"agent_status","agent":"a1","status":"online","skills":["general"],"capacity":1}
{"type":"customer_message","conversation":"c1","text":"转人工"}
{"type":"customer_message","conversation":"c2","text":"转人工"}
{"type":"customer_message","conversation":"c3","text":"agent please"})");
  REQUIRE(e.conversation("c2")->state == conversation_state::queued);
  CHECK(test::run_lines(e, R"({"type":"advance","seconds":590})").empty());
  auto out = test::run_lines(e, R"({"type":"advance","seconds":20})");
  auto offers = notices(out);
  REQUIRE(offers.size() == 2);
  CHECK(offers[0]["conversation"] == "c2");
  CHECK(offers[0]["text"].get<std::string>().find("已超过 10 分钟") != std::string::npos);
  CHECK(offers[0]["quick_replies"] == json::parse(R"([{"label":"请回电给我","value":"callback"},
                                                     {"label":"继续等待","value":"keep_waiting"}])"));
  CHECK(offers[1]["quick_replies"][0]["label"] == "Call me back");
  out = test::run_lines(e, R"({"type":"customer_action","conversation":"c2","action":"choose","value":"callback"}
{"type":"customer_action","conversation":"c3","action":"choose","value":"keep_waiting"})");
  auto tickets = of_type(out, "ticket");
  REQUIRE(tickets.size() == 1);
  CHECK(tickets[0]["reason"] == "callback_requested");
  CHECK(e.conversation("c2")->state == conversation_state::bot);
  CHECK(e.conversation("c3")->state == conversation_state::queued);
  // c3 is first in line now, and not asked again (c2, back with the bot,
  // is reminded and closed for silence in that hour).
  for (const auto& n : notices(test::run_lines(e, R"({"type":"advance","seconds":3600})")))
    CHECK(n["conversation"] != "c3");
  test::run_lines(e, R"({"type":"agent_release","agent":"a1","conversation":"c1","outcome":"resolved"})");
  CHECK(e.conversation("c3")->state == conversation_state::assigned);
  const auto figures = e.metrics();
  const auto counted = std::find(figures.tickets_by_reason.begin(), figures.tickets_by_reason.end(),
                                 std::pair<std::string, std::size_t>{"callback_requested", 1});
  CHECK(counted != figures.tickets_by_reason.end());
}

TEST_CASE("an agent who does not answer in time loses the conversation to one who can, or it is flagged") {
  bot_config cfg = test::shop_config();
  for (auto& q : cfg.queues)
    if (q.id == "general") q.first_response_seconds = 60;
  SUBCASE("another agent is free") {
    auto e = at_nine(cfg);
    test::run_lines(e, R"({"type":"agent_status","agent":"a1","status":"online","skills":["general"],"capacity":1}
{"type":"customer_message","conversation":"c1","text":"转人工"}
{"type":"agent_status","agent":"a2","status":"online","skills":["general"],"capacity":1})");
    REQUIRE(e.conversation("c1")->agent == "a1");
    CHECK(test::run_lines(e, R"({"type":"advance","seconds":59})").empty());
    auto out = test::run_lines(e, R"({"type":"advance","seconds":2})");
    auto moved = of_type(out, "transferred");
    REQUIRE(moved.size() == 1);
    CHECK(moved[0]["from_agent"] == "a1");
    CHECK(of_type(out, "assigned").at(0)["agent"] == "a2");
    auto c1 = e.conversation("c1");
    CHECK(c1->agent == "a2");
    CHECK(std::count(c1->tags.begin(), c1->tags.end(), "slow_first_response") == 1);
    CHECK(e.agent("a1")->conversations.empty());
    // a1 can no longer write to it; a2 answers in time and keeps it.
    out = test::run_lines(e, R"({"type":"agent_message","agent":"a1","conversation":"c1","text":"sorry"}
{"type":"agent_message","agent":"a2","conversation":"c1","text":"您好"})");
    CHECK(out[0]["code"] == "not_holder");
    CHECK(of_type(test::run_lines(e, R"({"type":"advance","seconds":600})"), "transferred").empty());
  }
  SUBCASE("no one else can take it") {
    auto e = at_nine(cfg);
    test::run_lines(e, R"({"type":"agent_status","agent":"a1","status":"online","skills":["general"],"capacity":1}
{"type":"customer_message","conversation":"c1","text":"转人工"})");
    auto out = test::run_lines(e, R"({"type":"advance","seconds":120})");
    CHECK(of_type(out, "transferred").empty());
    auto c1 = e.conversation("c1");
    CHECK(c1->agent == "a1");
    CHECK(std::count(c1->tags.begin(), c1->tags.end(), "slow_first_response") == 1);
  }
  SUBCASE("an answer in time changes nothing") {
    auto e = at_nine(cfg);
    test::run_lines(e, R"({"type":"agent_status","agent":"a1","status":"online","skills":["general"],"capacity":1}
{"type":"customer_message","conversation":"c1","text":"转人工"}
{"type":"agent_status","agent":"a2","status":"online","skills":["general"],"capacity":1}
{"type":"agent_message","agent":"a1","conversation":"c1","text":"您好"})");
    CHECK(test::run_lines(e, R"({"type":"advance","seconds":600})").empty());
    CHECK(e.conversation("c1")->tags.empty());
  }
}

TEST_CASE("timer settings are checked") {
  auto problems_of = [](const char* timers) {
    auto j = json::parse(test::read_file(test::source_path("examples/shop/bot.json")));
    j["timers"] = json::parse(timers);
    std::string all;
    for (const auto& p : check_config(j.dump())) all += p.id.substr(p.id.rfind('.') + 1) + " " + p.pointer + "\n";
    return all;
  };
  CHECK(problems_of(R"({"customer_silent":{"remind_after":60,"close_after":600}})").empty());
  CHECK(problems_of(R"({"customer_silent":{"remind_after":600,"close_after":60}})") ==
        "invalid_value /timers/customer_silent/remind_after\n");
  CHECK(problems_of(R"({"customer_silent":{"remind_after":-1}})") ==
        "invalid_value /timers/customer_silent/remind_after\n");
  CHECK(problems_of(R"({"customer_quiet":{}})") == "unknown_key /timers/customer_quiet\n");
}
