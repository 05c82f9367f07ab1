// Slots and actions: the bot asks for what an intent needs, keeps it, lets
// the customer correct it, and calls the action.
#include <doctest/doctest.h>

#include <handoff/actions.hpp>
#include <handoff/config.hpp>
#include <handoff/engine.hpp>
#include <nlohmann/json.hpp>

#include "support/scenario.hpp"

using nlohmann::json;

namespace {

// The bot's messages to one conversation, as "kind: text".
std::vector<std::string> said(const std::vector<json>& out, const std::string& conversation) {
  std::vector<std::string> lines;
  for (const auto& e : out)
    if (e["type"] == "bot_message" && e["conversation"] == conversation)
      lines.push_back(e["kind"].get<std::string>() + ": " + e["text"].get<std::string>());
  return lines;
}

bool mentions(const std::vector<std::string>& lines, std::size_t i, std::string_view what) {
  return i < lines.size() && lines[i].find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("the demo asks for the order number, keeps it, takes a correction and answers with the order") {
  handoff::engine bot(handoff::test::shop_config());
  auto out =
      handoff::test::run_lines(bot, R"({"type":"customer_message","conversation":"o1","text":"where is my package?"}
{"type":"customer_message","conversation":"o1","text":"it's 20250106001"}
{"type":"customer_message","conversation":"o1","text":"sorry, I meant 20250106002"}
{"type":"customer_message","conversation":"o2","text":"订单 20259999999 到哪了"}
{"type":"customer_message","conversation":"o3","text":"我的快递到哪了"}
{"type":"customer_message","conversation":"o3","text":"不记得了"}
{"type":"customer_message","conversation":"o3","text":"真的不知道"}
{"type":"customer_message","conversation":"o3","text":"随便吧"}
{"type":"customer_message","conversation":"o3","text":"嗯嗯"})");
  auto o1 = said(out, "o1");
  REQUIRE(o1.size() == 3);
  CHECK(o1[0].starts_with("ask_slot: What's your order number?"));
  CHECK(mentions(o1, 1, "20250106001"));
  CHECK(mentions(o1, 1, "SF1234567890"));  // the carrier's tracking number, from the order file
  CHECK(mentions(o1, 2, "20250106002"));
  CHECK(mentions(o1, 2, "paid"));
  auto o2 = said(out, "o2");
  REQUIRE(o2.size() == 1);  // the number came with the question: nothing to ask
  CHECK(o2[0] == "answer: 没有找到订单 20259999999。请核对一下订单号（11 位数字，以 20 开头），或回复“转人工”。");
  // Each answer without a number is a failure of the bot's: asked again,
  // then offered a person, then handed over (the demo's bot_failure rules).
  auto o3 = said(out, "o3");
  REQUIRE(o3.size() >= 3);
  CHECK(o3[0].starts_with("ask_slot: 请告诉我您的订单号"));
  CHECK(o3[1].starts_with("ask_slot: 这个好像不是订单号哦"));
  CHECK(o3[2].starts_with("ask_slot: 这个好像不是订单号哦"));
  bool offered = false;
  for (const auto& e : out)
    if (e["conversation"] == "o3" && e.value("kind", "") == "ask_slot" && e.contains("quick_replies"))
      offered = e["quick_replies"][0]["value"] == "request_human";
  CHECK(offered);
  auto escalated = handoff::test::of_type(out, "escalated");
  REQUIRE(escalated.size() == 1);
  CHECK(escalated[0]["conversation"] == "o3");
  CHECK(escalated[0]["reason"] == "bot_failure");
  CHECK(bot.conversation("o1")->transcript.back().text.find("20250106002") != std::string::npos);
}

TEST_CASE("a change of address asks for both slots, changes a paid order and refuses a shipped one") {
  handoff::engine bot(handoff::test::shop_config());
  auto out = handoff::test::run_lines(bot, R"({"type":"agent_status","agent":"a","status":"online","skills":["general"]}
{"type":"customer_message","conversation":"c1","text":"我想改一下收货地址"}
{"type":"customer_message","conversation":"c1","text":"20250106002"}
{"type":"customer_message","conversation":"c1","text":"转人工"}
{"type":"customer_message","conversation":"c2","text":"change my address for order 20250106001"}
{"type":"customer_message","conversation":"c2","text":"how long does shipping take?"}
{"type":"customer_message","conversation":"c2","text":"12 Baker Street, London, Jane Roe"})");
  auto c1 = said(out, "c1");
  REQUIRE(c1.size() >= 2);
  CHECK(c1[0].starts_with("ask_slot: 请告诉我您的订单号"));
  CHECK(c1[1].starts_with("ask_slot: 请告诉我新的收货地址"));
  // A call for a person is never taken for an address; the agent sees what was collected.
  auto assigned = handoff::test::of_type(out, "assigned");
  REQUIRE(assigned.size() == 1);
  CHECK(assigned[0]["context"]["slots"] == json{{"order_number", "20250106002"}});
  auto c2 = said(out, "c2");
  REQUIRE(c2.size() == 3);
  CHECK(c2[0].starts_with("ask_slot: What's the new delivery address"));
  CHECK(c2[1].starts_with(
      "answer: Orders ship within 24 hours"));  // another question is answered, not taken as the address
  CHECK(c2[2].starts_with("answer: Order 20250106001 has already shipped"));
}

TEST_CASE("a host's action replaces the configuration's, and one that throws gives the outcome failed") {
  auto cfg = handoff::test::shop_config();
  handoff::action_registry actions;
  std::vector<std::string> asked;
  actions.add("order_lookup", [&](const handoff::action_request& r) {
    asked.push_back(std::string(r.slot("order_number")) + "/" + std::string(r.language));
    if (r.slot("order_number") == "20250106001") throw std::runtime_error("the order service is down");
    return handoff::action_result{
        "shipped", {{"item_en", "a teapot"}, {"carrier_en", "Pony Express"}, {"tracking", "PX1"}, {"eta", "Friday"}}};
  });
  handoff::engine bot(cfg, {.actions = &actions});
  auto out = handoff::test::run_lines(
      bot, R"({"type":"customer_message","conversation":"h1","text":"where is order 20250106009"}
{"type":"customer_message","conversation":"h2","text":"where is order 20250106001"})");
  CHECK(asked == std::vector<std::string>{"20250106009/en", "20250106001/en"});
  auto h1 = said(out, "h1");
  REQUIRE(h1.size() == 1);
  CHECK(
      h1[0] ==
      "answer: Order 20250106009 (a teapot) is on its way with Pony Express, tracking number PX1; it should arrive by "
      "Friday.");
  auto h2 = said(out, "h2");
  REQUIRE(h2.size() == 1);
  CHECK(h2[0].starts_with("answer: You can see each order's status"));  // `failed` has no response: the answer
  const auto transcript = bot.conversation("h2")->transcript;
  REQUIRE(transcript.size() >= 2);
  CHECK(transcript[transcript.size() - 2].text == "action order_lookup: failed");

  auto unknown = handoff::test::shop_config();
  for (auto& i : unknown.intents)
    if (i.id == "order_status") i.action = "no_such_action";
  CHECK_THROWS_AS(handoff::engine{unknown}, handoff::config_error);
  auto missing_file = handoff::test::shop_config();
  for (auto& a : missing_file.actions) a.file = "/no/such/orders.json";
  CHECK_THROWS_WITH_AS(handoff::engine{missing_file}, doctest::Contains("bad_action_data"), handoff::config_error);
}

TEST_CASE("built-in entities: phone, e-mail, date and number, from messages as people write them") {
  auto cfg = handoff::parse_config(R"({"languages":["en","zh"],"welcome":{"text":"hi"},"fallback":{"text":"?"},
    "intents":[{"id":"callback","keywords":{"en":["call me"],"zh":["回电"]},
      "slots":[{"name":"phone","entity":"phone","prompt":"Your number?"},
               {"name":"email","entity":"email","prompt":"Your e-mail?"},
               {"name":"day","entity":"date","prompt":"Which day?"}],
      "answer":"{phone} {email} {day}"},
      {"id":"table","keywords":{"en":["table for"]},"slots":[{"name":"people","entity":"number","prompt":"How many?"}],
       "answer":"a table for {people}"}],
    "queues":[{"id":"q"}]})");
  auto run = [&](const std::string& text) {
    handoff::engine bot(cfg, {*handoff::parse_rfc3339("2025-01-06T09:00:00Z")});
    json msg = {{"type", "customer_message"}, {"conversation", "c"}, {"text", text}};
    auto lines = said(handoff::test::run_lines(bot, msg.dump()), "c");
    return lines.empty() ? std::string() : lines.back();
  };
  CHECK(run("call me on 138 0013 8000 or Li.Lei@Example.COM tomorrow") ==
        "answer: 13800138000 li.lei@example.com 2025-01-07");
  CHECK(run("回电 +86 13800138000，邮箱 wang@qq.com，1月9日") == "answer: 13800138000 wang@qq.com 2025-01-09");
  CHECK(run("table for 4 please") == "answer: a table for 4");
  CHECK(run("table for me") == "ask_slot: How many?");
  // Without a policy to step in, the bot asks three times, then lets go.
  handoff::engine bot(cfg);
  auto lines =
      said(handoff::test::run_lines(bot, R"({"type":"customer_message","conversation":"c","text":"table for me"}
{"type":"customer_message","conversation":"c","text":"no idea"}
{"type":"customer_message","conversation":"c","text":"dunno"}
{"type":"customer_message","conversation":"c","text":"hmm"}
{"type":"customer_message","conversation":"c","text":"5"})"),
           "c");
  CHECK(lines == std::vector<std::string>{"ask_slot: How many?", "ask_slot: How many?", "ask_slot: How many?",
                                          "fallback: ?", "fallback: ?"});  // the question is gone
  CHECK(run("call me at +44 20 7946 0958, a@b.io on 2025/2/30 for 4") == "ask_slot: Which day?");  // no 30 February
  CHECK(run("call me") == "ask_slot: Your number?");
}

TEST_CASE("a tap on an intent gives no slot value: another conversation's order number stays its own") {
  handoff::engine bot(handoff::test::shop_config());
  // One customer writes an order number to the agent who serves them;
  // another then taps "order status". The tap says no number: the bot asks.
  auto out = handoff::test::run_lines(bot, R"(
{"type":"agent_status","agent":"a1","status":"online","skills":["general"],"capacity":2}
{"type":"customer_message","conversation":"t1","text":"转人工"}
{"type":"customer_message","conversation":"t1","text":"订单号是 20250106001"}
{"type":"customer_action","conversation":"t2","action":"choose","value":"order_status"})");
  const auto t2 = said(out, "t2");
  REQUIRE(t2.size() == 1);
  CHECK(t2[0].starts_with("ask_slot: "));
  const auto c = bot.conversation("t2");
  REQUIRE(c);
  for (const auto& line : c->transcript) CHECK(line.text.find("20250106001") == std::string::npos);
}
