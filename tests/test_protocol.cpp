#include <doctest/doctest.h>

#include <handoff/normalize.hpp>
#include <handoff/protocol.hpp>
#include <nlohmann/json.hpp>
#include <string>

using namespace handoff;
using nlohmann::json;

namespace {

std::string refusal(std::string_view line) {
  auto p = parse_input(line);
  CHECK_FALSE(p);
  return p.error.code;
}

}  // namespace

TEST_CASE("every input event is read") {
  auto p = parse_input(
      R"({"type":"customer_message","conversation":"c1","text":"hi","message_id":"m1","channel":"web",)"
      R"("customer":{"id":"u7","tier":"vip","language":"zh-CN","attributes":{"order_value":1999}},"at":"2025-01-06T09:00:05Z"})");
  REQUIRE(p);
  auto& m = std::get<in::customer_message>(*p.event);
  CHECK(m.conversation == "c1");
  CHECK(m.text == "hi");
  CHECK(m.message_id == "m1");
  CHECK(m.channel == "web");
  REQUIRE(m.customer);
  CHECK(m.customer->tier == "vip");
  CHECK(m.customer->attributes.find("order_value")->as_number() == 1999);
  CHECK(p.at == parse_rfc3339("2025-01-06T09:00:05Z"));

  CHECK(std::get<in::customer_action>(
            *parse_input(R"({"type":"customer_action","conversation":"c","action":"choose","value":"x"})").event)
            .value == "x");
  CHECK(
      std::holds_alternative<in::customer_left>(*parse_input(R"({"type":"customer_left","conversation":"c"})").event));
  auto s = std::get<in::agent_status>(
      *parse_input(
           R"({"type":"agent_status","agent":"a","status":"away","skills":["general"],"capacity":3,"level":2,"languages":["zh"]})")
           .event);
  CHECK(s.status == agent_status_kind::away);
  CHECK(s.capacity == 3);
  CHECK(s.skills->at(0) == "general");
  CHECK(std::holds_alternative<in::agent_accept>(
      *parse_input(R"({"type":"agent_accept","agent":"a","conversation":"c"})").event));
  CHECK(std::holds_alternative<in::agent_decline>(
      *parse_input(R"({"type":"agent_decline","agent":"a","conversation":"c"})").event));
  CHECK(std::get<in::agent_message>(
            *parse_input(R"({"type":"agent_message","agent":"a","conversation":"c","text":"t"})").event)
            .text == "t");
  CHECK(std::get<in::agent_transfer>(
            *parse_input(R"({"type":"agent_transfer","agent":"a","conversation":"c","queue":"care"})").event)
            .queue == "care");
  CHECK(std::get<in::agent_release>(
            *parse_input(R"({"type":"agent_release","agent":"a","conversation":"c","outcome":"to_bot"})").event)
            .outcome == release_outcome::to_bot);
  CHECK(std::get<in::feedback>(*parse_input(R"({"type":"feedback","conversation":"c","score":4,"comment":"ok"})").event)
            .score == 4);
  CHECK(std::get<in::advance>(*parse_input(R"({"type":"advance","seconds":90})").event).seconds == 90);
}

TEST_CASE("bad lines are refused with a clear error code") {
  CHECK(refusal("not json") == "invalid_json");
  CHECK(refusal("") == "invalid_json");
  CHECK(refusal("[1,2]") == "invalid_json");
  CHECK(refusal(R"({"type":"customer_message","conversation":"c1","text":"hi")") == "invalid_json");
  CHECK(refusal(R"({"conversation":"c1"})") == "missing_field");
  CHECK(refusal(R"({"type":7})") == "wrong_type");
  CHECK(refusal(R"({"type":"customer_shout","conversation":"c1"})") == "unknown_type");
  CHECK(refusal(R"({"type":"customer_message","conversation":"c1"})") == "missing_field");
  CHECK(refusal(R"({"type":"customer_message","text":"hi"})") == "missing_field");
  CHECK(refusal(R"({"type":"customer_message","conversation":"","text":"hi"})") == "invalid_value");
  CHECK(refusal(R"({"type":"customer_message","conversation":5,"text":"hi"})") == "wrong_type");
  CHECK(refusal(R"({"type":"customer_message","conversation":"c","text":["hi"]})") == "wrong_type");
  CHECK(refusal(R"({"type":"customer_message","conversation":"c","text":"hi","customer":{"tier":"vip"}})") ==
        "missing_field");
  CHECK(refusal(R"({"type":"customer_message","conversation":"c","text":"hi","customer":"u7"})") == "wrong_type");
  CHECK(refusal(R"({"type":"customer_message","conversation":"c","text":"hi","at":"yesterday"})") == "invalid_value");
  CHECK(refusal(R"({"type":"customer_action","conversation":"c","action":"dance"})") == "invalid_value");
  CHECK(refusal(R"({"type":"customer_action","conversation":"c","action":"choose"})") == "missing_field");
  CHECK(refusal(R"({"type":"agent_status","agent":"a","status":"busy"})") == "invalid_value");
  CHECK(refusal(R"({"type":"agent_status","agent":"a","status":"online","capacity":-1})") == "invalid_value");
  CHECK(refusal(R"({"type":"agent_status","agent":"a","status":"online","capacity":1.5})") == "invalid_value");
  CHECK(refusal(R"({"type":"agent_status","agent":"a","status":"online","skills":"general"})") == "wrong_type");
  CHECK(refusal(R"({"type":"agent_release","agent":"a","conversation":"c","outcome":"done"})") == "invalid_value");
  CHECK(refusal(R"({"type":"agent_transfer","agent":"a","conversation":"c"})") == "missing_field");
  CHECK(refusal(R"({"type":"feedback","conversation":"c","score":9})") == "invalid_value");
  CHECK(refusal(R"({"type":"feedback","conversation":"c","score":"5"})") == "wrong_type");
  CHECK(refusal(R"({"type":"advance","seconds":-5})") == "invalid_value");

  // The error names the conversation when the line gives one.
  auto p = parse_input(R"({"type":"customer_message","conversation":"c9"})");
  CHECK(p.error.conversation == "c9");
  CHECK(p.error.message == "customer_message needs `text` (a string)");
}

TEST_CASE("invalid UTF-8 inside a line is replaced, not refused") {
  std::string line = "{\"type\":\"customer_message\",\"conversation\":\"c1\",\"text\":\"bad \xFF\xC3 end\"}";
  auto p = parse_input(line);
  REQUIRE(p);
  const auto& text = std::get<in::customer_message>(*p.event).text;
  CHECK(text == "bad \xEF\xBF\xBD\xEF\xBF\xBD end");
  CHECK(is_valid_utf8(text));
}

TEST_CASE("output events are written with the protocol's names") {
  out::bot_message m{"c1", "你好", "zh", "greeting", 0.123456, {{"查订单", "order_status"}}, "welcome"};
  auto j = json::parse(to_json(m));
  CHECK(j["type"] == "bot_message");
  CHECK(j["conversation"] == "c1");
  CHECK(j["confidence"] == 0.1235);
  CHECK(j["quick_replies"][0]["label"] == "查订单");
  CHECK(j["kind"] == "welcome");
  CHECK(to_json(output_event{out::bot_message{"c1", "x", "en", {}, {}, {}, "fallback"}}).find("intent") ==
        std::string::npos);
  CHECK(to_json(out::escalated{"c1",
                               "senior",
                               priority::urgent,
                               "customer_request",
                               "explicit-request",
                               {{"explicit-request", true, {}, {}}},
                               "vip-to-senior"}) ==
        R"({"type":"escalated","conversation":"c1","queue":"senior","priority":"urgent","reason":"customer_request",)"
        R"("rule":"explicit-request","routing":"vip-to-senior","trace":[{"rule":"explicit-request","fired":true}]})");
  CHECK(to_json(out::queued{"c1", "general", 2, 480}) ==
        R"({"type":"queued","conversation":"c1","queue":"general","position":2,"estimated_wait_seconds":480})");
  CHECK(to_json(out::error{"invalid_json", "bad", 3, {}}) ==
        R"({"type":"error","code":"invalid_json","message":"bad","line":3})");
  CHECK(to_json(out::closed{"c1", "customer_left"}) ==
        R"({"type":"closed","conversation":"c1","reason":"customer_left"})");
  CHECK(to_json(out::ticket{"c1", "general", "no_agent_online"}) ==
        R"({"type":"ticket","conversation":"c1","queue":"general","reason":"no_agent_online"})");

  // Whatever bytes the host put in, the line is valid UTF-8 JSON.
  auto bad = to_json(out::agent_message{"c1", "a1", "oops \xFF"});
  CHECK(is_valid_utf8(bad));
  CHECK(json::accept(bad));
}

TEST_CASE("input events round-trip through JSON") {
  in::customer_message m{"c1", "我的order在哪", customer_info{"u7", "Li", "vip", "zh-CN", value::object{{"n", 2}}},
                         "m1", "web"};
  auto at = parse_rfc3339("2025-01-06T09:00:00Z");
  auto p = parse_input(to_json(input_event{m}, at));
  REQUIRE(p);
  const auto& back = std::get<in::customer_message>(*p.event);
  CHECK(back.text == m.text);
  CHECK(back.customer == m.customer);
  CHECK(p.at == at);
  in::agent_status s{"a1", agent_status_kind::online, std::vector<std::string>{"general"}, 2, 1, std::nullopt};
  auto ps = parse_input(to_json(input_event{s}));
  REQUIRE(ps);
  CHECK(std::get<in::agent_status>(*ps.event).capacity == 2);
}

TEST_CASE("deeply nested JSON is refused or ignored, never a crash") {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto in_attributes = parse_input(
      R"({"type":"customer_message","conversation":"c1","text":"hi","customer":{"id":"u","attributes":{"a":)" + deep +
      "}}}");
  CHECK_FALSE(in_attributes);
  CHECK(in_attributes.error.code == "invalid_value");
  CHECK(in_attributes.error.conversation == "c1");
  auto in_unknown_field =
      parse_input(R"({"type":"customer_message","conversation":"c1","text":"hi","junk":)" + deep + "}");
  CHECK(in_unknown_field);
  auto unbalanced = parse_input(R"({"type":"customer_message","junk":)" + std::string(100000, '['));
  CHECK(unbalanced.error.code == "invalid_json");
  // Thirty levels of host data are fine.
  std::string ok = std::string(30, '[') + std::string(30, ']');
  CHECK(parse_input(
      R"({"type":"customer_message","conversation":"c1","text":"hi","customer":{"id":"u","attributes":{"a":)" + ok +
      "}}}"));
}

TEST_CASE("a sender the transport knows fills in what the event leaves out, never what it names") {
  auto m = parse_input(R"({"type":"customer_message","text":"hi"})", known_sender{.conversation = "w-1"});
  REQUIRE(m);
  CHECK(std::get<in::customer_message>(*m.event).conversation == "w-1");
  auto named = parse_input(R"({"type":"customer_message","conversation":"other","text":"hi"})",
                           known_sender{.conversation = "w-1"});
  REQUIRE(named);
  CHECK(std::get<in::customer_message>(*named.event).conversation == "other");
  auto a = parse_input(R"({"type":"agent_accept","conversation":"c1"})", known_sender{.agent = "alice"});
  REQUIRE(a);
  CHECK(std::get<in::agent_accept>(*a.event).agent == "alice");
  // Without a sender, the field is still required.
  CHECK(parse_input(R"({"type":"agent_accept","conversation":"c1"})").error.code == "missing_field");
  CHECK(parse_input("[1]", known_sender{.conversation = "w-1"}).error.code == "invalid_json");
}
