#include <doctest/doctest.h>

#include <handoff/engine.hpp>
#include <handoff/matcher_registry.hpp>
#include <handoff/normalize.hpp>
#include <handoff/protocol.hpp>

#include "support/builder.hpp"
#include "support/doubles.hpp"
#include "support/scenario.hpp"

using namespace handoff;
using nlohmann::json;
using test::of_type;
using test::run_lines;
using test::run_script;

namespace {

const std::string agent_online =
    R"({"type":"agent_status","agent":"a1","status":"online","skills":["general","senior"],"capacity":1})"
    "\n";

std::vector<std::string> types(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e["type"]);
  return out;
}

engine shop_engine() { return engine(test::shop_config(), engine_options{*parse_rfc3339("2025-01-06T09:00:00Z")}); }

}  // namespace

TEST_CASE("the bot greets, answers in the customer's language and falls back") {
  auto out = run_script(test::shop_config(), R"(
{"type":"customer_message","conversation":"c1","text":"你好"}
{"type":"customer_message","conversation":"c1","text":"退货政策是什么？"}
{"type":"customer_message","conversation":"c2","text":"hello"}
{"type":"customer_message","conversation":"c2","text":"how long does shipping take?"}
{"type":"customer_message","conversation":"c2","text":"what is the meaning of life"}
{"type":"customer_action","conversation":"c2","action":"choose","value":"after_sales"}
)");
  REQUIRE(out.size() == 6);
  CHECK(out[0]["kind"] == "welcome");
  CHECK(out[0]["language"] == "zh");
  CHECK(out[0]["quick_replies"].size() == 3);
  CHECK(out[1]["intent"] == "refund_policy");
  CHECK(out[1]["language"] == "zh");
  CHECK(out[2]["kind"] == "welcome");
  CHECK(out[2]["language"] == "en");
  CHECK(out[3]["intent"] == "shipping_times");
  CHECK(out[4]["kind"] == "fallback");
  CHECK(out[4]["quick_replies"][2]["value"] == "request_human");
  CHECK(out[5]["intent"] == "after_sales");
  CHECK(out[5]["confidence"] == 1.0);
}

TEST_CASE("a fallback offers first the intent the message came near, and a tap answers it") {
  const std::string script = R"(
{"type":"customer_message","conversation":"c1","text":"面霜咋保存"}
{"type":"customer_action","conversation":"c1","action":"choose","value":"product_care"}
{"type":"customer_message","conversation":"c2","text":"who invented the telephone"}
{"type":"customer_message","conversation":"c3","text":"商品有划痕"}
)";
  auto out = run_script(test::shop_config(), script);
  REQUIRE(out.size() == 4);
  // How to keep the face cream: product care, short of the threshold.
  CHECK(out[0]["kind"] == "fallback");
  REQUIRE(out[0]["quick_replies"].size() == 4);
  CHECK(out[0]["quick_replies"][0] == json{{"label", "商品保养"}, {"value", "product_care"}});
  CHECK(out[0]["quick_replies"][3]["value"] == "request_human");
  CHECK_FALSE(out[0].contains("intent"));
  CHECK(out[1]["kind"] == "answer");
  CHECK(out[1]["intent"] == "product_care");
  // Nowhere near anything: the configuration's own quick replies.
  CHECK(out[2]["kind"] == "fallback");
  CHECK(out[2]["quick_replies"].size() == 3);
  CHECK(out[2]["quick_replies"][0]["value"] == "order_status");
  // A guess already among them (a scratch on the goods: after-sales) moves
  // to the front, and is not offered twice.
  CHECK(out[3]["kind"] == "fallback");
  REQUIRE(out[3]["quick_replies"].size() == 3);
  CHECK(out[3]["quick_replies"][0]["value"] == "after_sales");
  CHECK(out[3]["quick_replies"][1]["value"] == "order_status");

  // Above 1, never.
  auto cfg = test::shop_config();
  cfg.understanding.suggest = 1.5;
  auto plain = run_script(cfg, script);
  CHECK(plain[0]["kind"] == "fallback");
  CHECK(plain[0]["quick_replies"].size() == 3);
  CHECK(plain[0]["quick_replies"][0]["value"] == "order_status");
}

TEST_CASE("a request for a human with no agent online becomes a ticket") {
  auto out = run_script(test::shop_config(), R"({"type":"customer_message","conversation":"c1","text":"转人工"})");
  CHECK(types(out) == std::vector<std::string>{"escalated", "ticket", "bot_message"});
  CHECK(out[0]["reason"] == "customer_request");
  CHECK(out[0]["rule"] == "explicit-request");
  CHECK(out[0]["queue"] == "general");
  CHECK(out[1]["reason"] == "no_agent_online");
  CHECK(out[2]["language"] == "zh");
  CHECK(out[2]["kind"] == "notice");
}

TEST_CASE("the protocol's example: a VIP asks for a human and a senior agent gets the context") {
  auto out = run_script(test::shop_config(), R"(
{"type":"agent_status","agent":"a1","status":"online","skills":["senior"],"capacity":2}
{"type":"customer_message","conversation":"c1","customer":{"id":"u7","tier":"vip"},"text":"转人工"}
)");
  REQUIRE(out.size() >= 2);
  // The protocol's fields exactly, plus the trace (and routing) it allows.
  CHECK(out[0] == json::parse(R"({"type":"escalated","conversation":"c1","queue":"senior","priority":"urgent",
                                  "reason":"customer_request","rule":"explicit-request","routing":"vip-to-senior",
                                  "trace":[{"rule":"explicit-request","fired":true}]})"));
  CHECK(out[1]["type"] == "assigned");
  CHECK(out[1]["agent"] == "a1");
  const auto& ctx = out[1]["context"];
  CHECK(ctx["reason"] == "customer_request");
  CHECK(ctx["rule"] == "explicit-request");
  CHECK(ctx["customer"]["tier"] == "vip");
  CHECK(ctx["language"] == "zh");
  CHECK(ctx["transcript"][0]["role"] == "customer");
  CHECK(ctx["transcript"][0]["text"] == "转人工");
  CHECK(ctx["transcript"][0]["at"] == "2025-01-06T09:00:00Z");
  CHECK(ctx["intents"][0]["intent"] == "request_human");
  CHECK_FALSE(ctx["summary"].get<std::string>().empty());
}

TEST_CASE("the agent sees the whole conversation, and only the holder may write") {
  auto out = run_script(test::shop_config(), agent_online + R"(
{"type":"customer_message","conversation":"c1","text":"what is your refund policy"}
{"type":"customer_message","conversation":"c1","text":"I want to talk to a person","at":"2025-01-06T09:01:00Z"}
{"type":"agent_message","agent":"a1","conversation":"c1","text":"Hi, I'm Anna. How can I help?"}
{"type":"agent_message","agent":"a2","conversation":"c1","text":"me too"}
{"type":"agent_status","agent":"a2","status":"online","skills":["general"]}
{"type":"agent_accept","agent":"a2","conversation":"c1"}
{"type":"agent_accept","agent":"a1","conversation":"c1"}
{"type":"customer_message","conversation":"c1","text":"my jacket is torn"}
{"type":"agent_message","agent":"a1","conversation":"nope","text":"hello?"}
)");
  auto assigned = of_type(out, "assigned");
  REQUIRE(assigned.size() == 1);
  const auto& t = assigned[0]["context"]["transcript"];
  CHECK(t[0]["text"] == "what is your refund policy");
  CHECK(t[1]["role"] == "bot");
  CHECK(t[2]["text"] == "I want to talk to a person");
  CHECK(t[2]["at"] == "2025-01-06T09:01:00Z");
  CHECK(of_type(out, "agent_message").size() == 1);
  auto errors = of_type(out, "error");
  REQUIRE(errors.size() == 3);
  CHECK(errors[0]["code"] == "not_holder");
  CHECK(errors[1]["code"] == "already_assigned");
  CHECK(errors[2]["code"] == "unknown_conversation");
  auto delivered = of_type(out, "customer_message");
  REQUIRE(delivered.size() == 1);
  CHECK(delivered[0]["agent"] == "a1");
  CHECK(delivered[0]["text"] == "my jacket is torn");
  // While the agent holds it, the bot is silent: nothing but the delivery
  // answers the customer's message.
  auto at = std::find_if(out.begin(), out.end(), [](const json& e) { return e["type"] == "customer_message"; });
  REQUIRE(at != out.end());
  CHECK((*(at + 1))["type"] == "error");
  CHECK(std::count_if(at, out.end(), [](const json& e) { return e["type"] == "bot_message"; }) == 0);
}

TEST_CASE("retries change nothing and say nothing") {
  auto e = shop_engine();
  auto first = run_lines(e, agent_online + R"(
{"type":"customer_message","conversation":"c1","text":"agent","message_id":"m1"}
{"type":"customer_message","conversation":"c1","text":"agent","message_id":"m1"}
{"type":"agent_accept","agent":"a1","conversation":"c1"}
{"type":"agent_release","agent":"a1","conversation":"c1","outcome":"to_bot"}
{"type":"agent_release","agent":"a1","conversation":"c1","outcome":"to_bot"}
{"type":"customer_left","conversation":"c1"}
{"type":"customer_left","conversation":"c1"}
)");
  CHECK(types(first) ==
        std::vector<std::string>{"escalated", "assigned", "bot_message", "handed_back", "bot_message", "closed"});
  auto c = e.conversation("c1");
  REQUIRE(c);
  int customer_lines = 0;
  for (const auto& t : c->transcript) customer_lines += t.role == role::customer;
  CHECK(customer_lines == 1);
  CHECK(c->state == conversation_state::closed);
}

TEST_CASE("a message over the size limit is refused and not recorded") {
  auto e = shop_engine();
  std::string huge(2 * 1024 * 1024, 'a');
  auto out = e.handle(in::customer_message{"c1", huge, std::nullopt, {}, {}});
  REQUIRE(out.size() == 1);
  auto& err = std::get<out::error>(out[0]);
  CHECK(err.code == "message_too_large");
  CHECK(err.conversation == "c1");
  CHECK_FALSE(e.conversation("c1"));
  // A message just at the limit is fine.
  auto ok = e.handle(
      in::customer_message{"c1", std::string(test::shop_config().max_message_bytes, 'b'), std::nullopt, {}, {}});
  CHECK(std::holds_alternative<out::bot_message>(ok.at(0)));
}

TEST_CASE("invalid UTF-8 from the customer reaches the agent as U+FFFD") {
  auto e = shop_engine();
  run_lines(e, agent_online + R"({"type":"customer_message","conversation":"c1","text":"agent"})");
  auto out = e.handle(in::customer_message{"c1", "broken \xFF\xFE text", std::nullopt, {}, {}});
  REQUIRE(out.size() == 1);
  auto& m = std::get<out::customer_message>(out[0]);
  CHECK(m.text == "broken \xEF\xBF\xBD\xEF\xBF\xBD text");
  CHECK(is_valid_utf8(to_json(out[0])));
  CHECK(e.conversation("c1")->transcript.back().text == m.text);
}

TEST_CASE("busy agents: customers wait in line, VIPs go first and everyone hears their place") {
  auto out = run_script(test::shop_config(), R"(
{"type":"agent_status","agent":"a1","status":"online","skills":["general","senior"],"capacity":1}
{"type":"customer_message","conversation":"c1","text":"agent"}
{"type":"customer_message","conversation":"c2","text":"agent"}
{"type":"customer_message","conversation":"c3","text":"agent"}
{"type":"customer_message","conversation":"v1","customer":{"id":"v","tier":"vip"},"text":"agent"}
{"type":"agent_release","agent":"a1","conversation":"c1","outcome":"resolved"}
)");
  auto queued = of_type(out, "queued");
  // c2 at 1, c3 at 2, then the VIP goes to the senior queue ahead of them
  // (a1 serves both queues), and they hear they moved back.
  std::vector<std::string> places;
  for (const auto& q : queued)
    places.push_back(q["conversation"].get<std::string>() + "@" + q["queue"].get<std::string>() + ":" +
                     std::to_string(q["position"].get<int>()));
  REQUIRE(places.size() >= 5);
  CHECK(std::vector<std::string>(places.begin(), places.begin() + 5) ==
        std::vector<std::string>{"c2@general:1", "c3@general:2", "c2@general:2", "c3@general:3", "v1@senior:1"});
  // When a1 is free, the urgent VIP is served before c2 and c3.
  auto assigned = of_type(out, "assigned");
  REQUIRE(assigned.size() == 2);
  CHECK(assigned[1]["conversation"] == "v1");
}

TEST_CASE("a VIP in the same queue goes ahead and the standard customer is told the new position") {
  auto cfg = test::shop_config();
  cfg.policy.routing[0].queue.clear();  // VIPs stay in `general`, at urgent
  auto out = run_script(cfg, R"(
{"type":"agent_status","agent":"a1","status":"online","skills":["general"],"capacity":1}
{"type":"customer_message","conversation":"c1","text":"agent"}
{"type":"customer_message","conversation":"c2","text":"agent"}
{"type":"customer_message","conversation":"v1","customer":{"id":"v","tier":"vip"},"text":"agent"}
)");
  auto queued = of_type(out, "queued");
  REQUIRE(queued.size() == 3);
  CHECK(queued[0]["conversation"] == "c2");
  CHECK(queued[0]["position"] == 1);
  CHECK(queued[1]["conversation"] == "v1");
  CHECK(queued[1]["position"] == 1);
  CHECK(queued[2]["conversation"] == "c2");
  CHECK(queued[2]["position"] == 2);
  CHECK(queued[2]["estimated_wait_seconds"].get<int>() > queued[0]["estimated_wait_seconds"].get<int>());
}

TEST_CASE("an agent going offline loses nothing") {
  auto e = shop_engine();
  auto out = run_lines(e, agent_online + R"(
{"type":"customer_message","conversation":"c1","text":"agent"}
{"type":"customer_message","conversation":"c1","text":"order 12345 never came"}
{"type":"agent_status","agent":"a1","status":"offline"}
{"type":"agent_status","agent":"a2","status":"online","skills":["general"],"capacity":1}
)");
  auto assigned = of_type(out, "assigned");
  REQUIRE(assigned.size() == 2);
  CHECK(assigned[1]["agent"] == "a2");
  std::string transcript = assigned[1]["context"]["transcript"].dump();
  CHECK(transcript.find("order 12345 never came") != std::string::npos);
  CHECK(e.agent("a1")->conversations.empty());
  CHECK(e.conversation("c1")->agent == "a2");
  // The agent who left cannot write any more.
  auto late = run_lines(e, R"({"type":"agent_message","agent":"a1","conversation":"c1","text":"still here?"})");
  CHECK(late.at(0)["code"] == "not_holder");
}

TEST_CASE("offers: accept, decline and the next agent") {
  auto cfg = test::shop_config();
  for (auto& q : cfg.queues) q.mode = queue_mode::offer;
  auto out = run_script(cfg, R"(
{"type":"agent_status","agent":"a1","status":"online","skills":["general"]}
{"type":"agent_status","agent":"a2","status":"online","skills":["general"]}
{"type":"customer_message","conversation":"c1","text":"agent"}
{"type":"agent_accept","agent":"a2","conversation":"c1"}
{"type":"agent_decline","agent":"a1","conversation":"c1"}
{"type":"agent_decline","agent":"a1","conversation":"c1"}
{"type":"agent_accept","agent":"a2","conversation":"c1"}
{"type":"agent_accept","agent":"a2","conversation":"c1"}
)");
  CHECK(types(out) == std::vector<std::string>{"escalated", "offered", "error", "offered", "assigned", "bot_message"});
  CHECK(out[1]["agent"] == "a1");
  CHECK(out[2]["code"] == "offered_to_another");
  CHECK(out[3]["agent"] == "a2");
}

TEST_CASE("transfers keep the context and say who transferred") {
  auto out = run_script(test::shop_config(), R"(
{"type":"agent_status","agent":"a1","status":"online","skills":["general"]}
{"type":"agent_status","agent":"b1","status":"online","skills":["refunds"]}
{"type":"customer_message","conversation":"c1","text":"my refund is missing, agent please"}
{"type":"agent_transfer","agent":"a1","conversation":"c1","queue":"refunds","note":"refund case"}
{"type":"agent_transfer","agent":"a1","conversation":"c1","queue":"refunds"}
{"type":"agent_transfer","agent":"b1","conversation":"c1","queue":"nowhere"}
)");
  auto transferred = of_type(out, "transferred");
  REQUIRE(transferred.size() == 1);
  CHECK(transferred[0]["from_agent"] == "a1");
  CHECK(transferred[0]["queue"] == "refunds");
  auto assigned = of_type(out, "assigned");
  REQUIRE(assigned.size() == 2);
  CHECK(assigned[1]["agent"] == "b1");
  CHECK(assigned[1]["context"]["transcript"].dump().find("refund case") != std::string::npos);
  auto errors = of_type(out, "error");
  REQUIRE(errors.size() == 2);
  CHECK(errors[0]["code"] == "not_holder");
  CHECK(errors[1]["code"] == "unknown_queue");
}

TEST_CASE("after the human: hand back to the bot, or resolve, survey and close") {
  auto e = shop_engine();
  auto out = run_lines(e, agent_online + R"(
{"type":"customer_message","conversation":"c1","text":"agent"}
{"type":"agent_release","agent":"a1","conversation":"c1","outcome":"to_bot"}
{"type":"customer_message","conversation":"c1","text":"and the refund policy?"}
{"type":"customer_message","conversation":"c1","text":"agent again"}
{"type":"agent_release","agent":"a1","conversation":"c1","outcome":"resolved"}
{"type":"customer_action","conversation":"c1","action":"choose","value":"5"}
)");
  auto handed = of_type(out, "handed_back");
  REQUIRE(handed.size() == 1);
  auto bot = of_type(out, "bot_message");
  bool answered = false, surveyed = false;
  for (const auto& b : bot) {
    answered = answered || b.value("intent", "") == "refund_policy";
    surveyed = surveyed || (b["kind"] == "survey" && b["quick_replies"].size() == 5);
  }
  CHECK(answered);
  CHECK(surveyed);
  CHECK(of_type(out, "resolved").size() == 1);
  auto closed = of_type(out, "closed");
  REQUIRE(closed.size() == 1);
  CHECK(closed[0]["reason"] == "resolved");
  CHECK(e.conversation("c1")->feedback_score == 5);
  CHECK(e.agent("a1")->conversations.empty());
}

TEST_CASE("a customer who leaves while waiting is never assigned") {
  auto out = run_script(test::shop_config(), agent_online + R"(
{"type":"customer_message","conversation":"c1","text":"agent"}
{"type":"customer_message","conversation":"c2","text":"agent"}
{"type":"customer_left","conversation":"c2"}
{"type":"agent_release","agent":"a1","conversation":"c1","outcome":"resolved"}
{"type":"customer_left","conversation":"ghost"}
)");
  auto assigned = of_type(out, "assigned");
  REQUIRE(assigned.size() == 1);
  CHECK(assigned[0]["conversation"] == "c1");
  CHECK(of_type(out, "closed").at(0)["reason"] == "customer_left");
  CHECK(out.back()["code"] == "unknown_conversation");
}

TEST_CASE("the customer can stop waiting") {
  auto e = shop_engine();
  auto out = run_lines(e, agent_online + R"(
{"type":"customer_message","conversation":"c1","text":"agent"}
{"type":"customer_message","conversation":"c2","text":"agent"}
{"type":"customer_action","conversation":"c2","action":"cancel_handoff"}
{"type":"customer_message","conversation":"c2","text":"refund policy"}
)");
  CHECK(of_type(out, "handed_back").at(0)["conversation"] == "c2");
  CHECK(out.back()["intent"] == "refund_policy");
  CHECK(e.conversation("c2")->state == conversation_state::bot);
}

TEST_CASE("agent events for unknown agents and states that do not fit are refused") {
  auto out = run_script(test::shop_config(), R"(
{"type":"customer_message","conversation":"c1","text":"hello"}
{"type":"agent_accept","agent":"nobody","conversation":"c1"}
{"type":"agent_status","agent":"a1","status":"online","skills":["general"]}
{"type":"agent_accept","agent":"a1","conversation":"c1"}
{"type":"agent_decline","agent":"a1","conversation":"c1"}
{"type":"agent_release","agent":"a1","conversation":"c1","outcome":"resolved"}
{"type":"feedback","conversation":"nope","score":3}
)");
  auto errors = of_type(out, "error");
  REQUIRE(errors.size() == 5);
  CHECK(errors[0]["code"] == "unknown_agent");
  CHECK(errors[1]["code"] == "invalid_state");
  CHECK(errors[2]["code"] == "not_offered");
  CHECK(errors[3]["code"] == "not_holder");
  CHECK(errors[4]["code"] == "unknown_conversation");
}

TEST_CASE("the engine is deterministic and its clock only moves forward") {
  const std::string script = agent_online + R"(
{"type":"customer_message","conversation":"c1","text":"你好","at":"2025-01-06T10:00:00Z"}
{"type":"advance","seconds":30}
{"type":"customer_message","conversation":"c1","text":"转人工","at":"2025-01-06T09:00:00Z"}
)";
  auto a = run_script(test::shop_config(), script);
  auto b = run_script(test::shop_config(), script);
  CHECK(a == b);
  auto ctx = of_type(a, "assigned").at(0)["context"];
  CHECK(ctx["transcript"][0]["at"] == "2025-01-06T10:00:00Z");
  // An event stamped earlier than the engine's time does not turn it back.
  CHECK(ctx["transcript"][2]["at"] == "2025-01-06T10:00:30Z");
}

TEST_CASE("a chosen quick reply is recorded as the label the customer saw") {
  auto e = shop_engine();
  run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"你好"}
{"type":"customer_action","conversation":"c1","action":"choose","value":"after_sales"}
)");
  auto c = e.conversation("c1");
  REQUIRE(c);
  const auto& t = c->transcript;
  REQUIRE(t.size() == 4);
  CHECK(t[2].role == role::customer);
  CHECK(t[2].text == "售后服务");
  CHECK(t[2].kind == "choose");
  CHECK(t[2].intent == "after_sales");
}

TEST_CASE("reloading swaps the configuration whole: conversations carry on, a bad one is refused and the old stays") {
  handoff::engine bot(handoff::test::shop_config());
  auto out =
      handoff::test::run_lines(bot, R"({"type":"agent_status","agent":"a","status":"online","skills":["general","care"]}
{"type":"customer_message","conversation":"c0","text":"转人工"}
{"type":"customer_message","conversation":"c1","text":"转人工"}
{"type":"customer_message","conversation":"c2","text":"你好"})");
  REQUIRE(bot.conversation("c0")->agent == "a");
  REQUIRE(bot.conversation("c1")->state == handoff::conversation_state::queued);

  // The new policy sends requests for a person to `care` at `high`.
  auto next = handoff::test::shop_config();
  REQUIRE(next.policy.rules.at(0).id == "explicit-request");
  next.policy.rules[0].escalate->queue = "care";
  next.policy.rules[0].escalate->priority = handoff::priority::high;
  bot.reload(next);
  CHECK(bot.config().policy.rules[0].escalate->queue == "care");
  // c1 kept its place and is served when the agent is free; c2 goes on
  // under the new rules.
  out = handoff::test::run_lines(bot, R"({"type":"agent_release","conversation":"c0","agent":"a","outcome":"to_bot"}
{"type":"customer_message","conversation":"c2","text":"转人工"})");
  auto assigned = handoff::test::of_type(out, "assigned");
  REQUIRE(assigned.size() == 1);
  CHECK(assigned[0]["conversation"] == "c1");
  auto escalated = handoff::test::of_type(out, "escalated");
  REQUIRE(escalated.size() == 1);
  CHECK(escalated[0]["conversation"] == "c2");
  CHECK(escalated[0]["queue"] == "care");
  CHECK(escalated[0]["priority"] == "high");

  // A configuration that cannot be built, or that drops a queue someone is
  // waiting in, is refused; the rules in force stay.
  auto broken = next;
  broken.understanding.matchers = {"no-such-matcher"};
  CHECK_THROWS_AS(bot.reload(broken), handoff::config_error);
  auto dropped = next;
  std::erase_if(dropped.queues, [](const handoff::queue_definition& q) { return q.id == "care"; });
  for (auto& r : dropped.policy.rules)
    if (r.escalate && r.escalate->queue == "care") r.escalate->queue = "general";
  for (auto& r : dropped.policy.routing)
    if (r.queue == "care") r.queue = "general";
  CHECK_THROWS_WITH_AS(bot.reload(dropped), doctest::Contains("\"care\""), handoff::error);
  CHECK(bot.config().policy.rules[0].escalate->queue == "care");
  out = handoff::test::run_lines(bot, R"({"type":"customer_message","conversation":"c3","text":"转人工"})");
  escalated = handoff::test::of_type(out, "escalated");
  REQUIRE(escalated.size() == 1);
  CHECK(escalated[0]["queue"] == "care");
  CHECK(bot.conversation("c2")->state == handoff::conversation_state::queued);
}

TEST_CASE("metrics: containment, escalations by reason and queue, waits, abandonment and satisfaction") {
  handoff::engine bot(handoff::test::shop_config());
  auto out =
      handoff::test::run_lines(bot, R"({"type":"agent_status","agent":"a","status":"online","skills":["general","care"]}
{"type":"customer_message","conversation":"c1","text":"你好"}
{"type":"customer_message","conversation":"c2","text":"转人工"}
{"type":"customer_message","conversation":"c3","text":"agent please"}
{"type":"customer_message","conversation":"c4","text":"转人工"}
{"type":"advance","seconds":30}
{"type":"agent_message","agent":"a","conversation":"c2","text":"您好，我是客服"}
{"type":"advance","seconds":90}
{"type":"agent_release","agent":"a","conversation":"c2","outcome":"resolved"}
{"type":"feedback","conversation":"c2","score":4}
{"type":"customer_left","conversation":"c4"}
{"type":"advance","seconds":60}
{"type":"agent_release","agent":"a","conversation":"c3","outcome":"resolved"}
{"type":"feedback","conversation":"c3","score":2}
{"type":"metrics"})");
  auto m = bot.metrics();
  CHECK(m.conversations == 4);
  CHECK(m.contained == 1);
  CHECK(m.containment_rate == doctest::Approx(0.25));
  CHECK(m.escalations == 3);
  CHECK(m.escalations_by_reason == handoff::counts_by_name{{"customer_request", 3}});
  // c2 at once; c3 when c2 was done (120 s); c4 left after 120 s in line.
  CHECK(m.waited == 3);
  CHECK(m.abandoned == 1);
  CHECK(m.wait.count == 2);
  CHECK(m.wait.median_seconds == doctest::Approx(60));
  CHECK(m.wait.p90_seconds == doctest::Approx(108));
  CHECK(m.first_response.count == 1);
  CHECK(m.first_response.median_seconds == doctest::Approx(30));
  CHECK(m.handling.count == 2);
  CHECK(m.handling.median_seconds == doctest::Approx(90));  // 120 s and 60 s
  CHECK(m.feedback == 2);
  CHECK(m.average_score == doctest::Approx(3));
  CHECK(m.satisfaction == doctest::Approx(0.5));
  CHECK(m.resolved == 2);
  auto events = handoff::test::of_type(out, "metrics");
  REQUIRE(events.size() == 1);
  CHECK(events[0]["containment_rate"] == 0.25);
  CHECK(events[0]["escalations"]["by_queue"]["general"] == 3);
  CHECK(events[0]["abandonment"]["abandoned"] == 1);
  CHECK(events[0]["satisfaction"]["scores"]["4"] == 1);
}

TEST_CASE("a VIP in another queue served by the same agents goes ahead, and the customer behind is told") {
  handoff::engine bot(handoff::test::shop_config());
  auto out = handoff::test::run_lines(
      bot, R"({"type":"agent_status","agent":"a","status":"online","skills":["general","senior"]}
{"type":"customer_message","conversation":"s0","text":"转人工"}
{"type":"customer_message","conversation":"s1","text":"转人工"}
{"type":"customer_message","conversation":"v1","text":"转人工","customer":{"id":"v","tier":"vip"}}
{"type":"agent_release","agent":"a","conversation":"s0","outcome":"resolved"})");
  std::vector<std::string> seen;
  for (const auto& e : out)
    if (e["type"] == "queued")
      seen.push_back(e["conversation"].get<std::string>() + "@" + std::to_string(e["position"].get<int>()));
    else if (e["type"] == "assigned")
      seen.push_back(e["conversation"].get<std::string>() + " assigned");
  CHECK(seen == std::vector<std::string>{"s0 assigned", "s1@1", "s1@2", "v1@1", "v1 assigned", "s1@1"});
}

TEST_CASE("an offer not taken in time goes to the next agent, and round again when all let it lapse") {
  auto cfg = test::shop_config();
  for (auto& q : cfg.queues)
    if (q.id == "general") {
      q.mode = handoff::queue_mode::offer;
      q.offer_seconds = 30;
    }
  engine bot(cfg);
  auto out = run_lines(bot, R"({"type":"agent_status","agent":"a","status":"online","skills":["general"]}
{"type":"agent_status","agent":"b","status":"online","skills":["general"]}
{"type":"customer_message","conversation":"c1","text":"转人工"}
{"type":"advance","seconds":29}
{"type":"advance","seconds":1}
{"type":"customer_message","conversation":"c1","text":"还在吗","at":"2025-01-06T09:01:10Z"}
{"type":"agent_accept","agent":"a","conversation":"c1"})");
  std::vector<std::string> offers;
  for (const auto& e : of_type(out, "offered")) offers.push_back(e["agent"]);
  // a at once; b when a's 30 s lapsed; a again when b's lapsed too (the event at 09:01:10 comes after it).
  CHECK(offers == std::vector<std::string>{"a", "b", "a"});
  auto assigned = of_type(out, "assigned");
  REQUIRE(assigned.size() == 1);
  CHECK(assigned[0]["agent"] == "a");
}

TEST_CASE("queue strategies: least busy, round robin, longest idle") {
  auto order = [](handoff::queue_strategy s) {
    auto cfg = test::shop_config();
    for (auto& q : cfg.queues) q.strategy = s;
    engine bot(cfg);
    auto out = run_lines(bot, R"({"type":"agent_status","agent":"a","status":"online","skills":["general"],"capacity":5}
{"type":"agent_status","agent":"b","status":"online","skills":["general"],"capacity":5}
{"type":"agent_status","agent":"c","status":"online","skills":["general"],"capacity":5}
{"type":"customer_message","conversation":"c1","text":"转人工"}
{"type":"advance","seconds":10}
{"type":"customer_message","conversation":"c2","text":"转人工"}
{"type":"advance","seconds":10}
{"type":"customer_message","conversation":"c3","text":"转人工"}
{"type":"advance","seconds":10}
{"type":"agent_release","agent":"b","conversation":"c2","outcome":"resolved"}
{"type":"advance","seconds":10}
{"type":"customer_message","conversation":"c4","text":"转人工"}
{"type":"advance","seconds":10}
{"type":"customer_message","conversation":"c5","text":"转人工"})");
    std::string agents;
    for (const auto& e : of_type(out, "assigned")) agents += e["agent"].get<std::string>();
    return agents;
  };
  CHECK(order(handoff::queue_strategy::least_busy) == "abcba");    // b had none left; then a, idle longest
  CHECK(order(handoff::queue_strategy::round_robin) == "abcab");   // in turn, whoever is busy
  CHECK(order(handoff::queue_strategy::longest_idle) == "abcab");  // a's last was longest ago, then b's
}

TEST_CASE("a host's recommender speaks after a good score, and one that throws says nothing and loses nothing") {
  std::vector<int> scores;
  handoff::engine_options options;
  options.recommender = [&](const handoff::recommendation_request& r) -> std::optional<handoff::recommendation> {
    scores.push_back(r.score);
    if (r.score < 3) throw std::runtime_error("catalogue down");
    return handoff::recommendation{"Try our new teapot", {{"Show me", "teapot"}}};
  };
  engine bot(test::shop_config(), options);
  auto out = run_lines(bot, R"({"type":"agent_status","agent":"a","status":"online","skills":["general"],"capacity":2}
{"type":"customer_message","conversation":"c1","text":"agent please"}
{"type":"customer_message","conversation":"c2","text":"agent please"}
{"type":"agent_release","agent":"a","conversation":"c1","outcome":"resolved"}
{"type":"agent_release","agent":"a","conversation":"c2","outcome":"resolved"}
{"type":"feedback","conversation":"c1","score":5}
{"type":"feedback","conversation":"c2","score":1})");
  CHECK(scores == std::vector<int>{5, 1});
  std::vector<std::string> suggestions;
  for (const auto& e : out)
    if (e["type"] == "bot_message" && e["kind"] == "recommendation")
      suggestions.push_back(e["conversation"].get<std::string>() + ": " + e["text"].get<std::string>() + " [" +
                            e["quick_replies"][0]["value"].get<std::string>() + "]");
  CHECK(suggestions == std::vector<std::string>{"c1: Try our new teapot [teapot]"});
  CHECK(of_type(out, "closed").size() == 2);
  bool noted = false;
  const auto c2 = bot.conversation("c2");
  REQUIRE(c2);
  for (const auto& t : c2->transcript) noted = noted || t.text == "the recommender failed: catalogue down";
  CHECK(noted);
}

TEST_CASE("a customer goes to an agent who speaks their language, and a senior desk prefers senior agents") {
  auto cfg = test::shop_config();
  for (auto& q : cfg.queues)
    if (q.id == "senior") q.prefer_level = 2;
  engine bot(cfg);
  auto out = run_lines(
      bot, R"({"type":"agent_status","agent":"e","status":"online","skills":["general","senior"],"languages":["en"]}
{"type":"agent_status","agent":"z","status":"online","skills":["general","senior"],"languages":["zh-CN"]}
{"type":"agent_status","agent":"s","status":"online","skills":["senior"],"level":3,"capacity":2}
{"type":"customer_message","conversation":"vip","text":"转人工","customer":{"id":"v","tier":"vip"}}
{"type":"customer_message","conversation":"zh1","text":"转人工"}
{"type":"customer_message","conversation":"en1","text":"I want to talk to a person"}
{"type":"customer_message","conversation":"zh2","text":"我要人工客服"})");
  std::vector<std::string> got;
  for (const auto& e : out)
    if (e["type"] == "assigned")
      got.push_back(e["conversation"].get<std::string>() + ":" + e["agent"].get<std::string>());
    else if (e["type"] == "queued")
      got.push_back(e["conversation"].get<std::string>() + ":waits");
  // The VIP goes to s, the senior agent, though z (who speaks Chinese too)
  // came online first; zh2 waits for z (busy) rather than go to e, who
  // speaks no Chinese.
  CHECK(got == std::vector<std::string>{"vip:s", "zh1:z", "en1:e", "zh2:waits"});
}

TEST_CASE("the engine reads each message once through its matcher, and answers from what the reading found") {
  auto cfg = test::bot_builder{}
                 .queue("general")
                 .intent("refund", {"refund"}, "Refunds take three days.")
                 .with([](bot_config& c) { c.understanding.matchers = {"recording"}; })
                 .build();
  test::recording_matcher* seen = nullptr;
  matcher_registry registry;
  registry.add("recording", [&](const matcher_setup& s) {
    auto m = std::make_unique<test::recording_matcher>();
    CHECK(s.intents.size() == 1);
    m->script("i want my money back", {{{0, 0.9, false}}, std::nullopt});
    seen = m.get();
    return m;
  });
  test::recording_store kept;
  engine bot(cfg, {.matchers = &registry, .storage = &kept});
  REQUIRE(seen);
  auto out = bot.handle(in::customer_message{"c1", "I want my MONEY back", std::nullopt, {}, {}});
  CHECK(seen->asked() == std::vector<std::string>{"i want my money back"});  // normalised, once
  REQUIRE(out.size() == 1);
  const auto& answer = std::get<out::bot_message>(out[0]);
  CHECK(answer.intent == "refund");
  CHECK(answer.text == "Refunds take three days.");
  CHECK(kept.appends == 1);
  CHECK(kept.commits == 1);
  CHECK(kept.snapshots == 1);
  // A store that cannot take the next event: refused, and nothing of it kept.
  kept.fail_append = 1;
  out = bot.handle(in::customer_message{"c1", "something else", std::nullopt, {}, {}});
  REQUIRE(out.size() == 1);
  CHECK(std::get<out::error>(out[0]).code == "storage_failed");
  CHECK(bot.conversation("c1")->transcript.size() == 2);
}

TEST_CASE("a console that reconnects gets the context of the conversation its agent holds") {
  engine e = shop_engine();
  std::vector<output_event> out;
  e.handle(*parse_input(R"({"type":"agent_status","agent":"a1","status":"online","skills":["senior"]})").event, out);
  e.handle(*parse_input(R"({"type":"customer_message","conversation":"c1","customer":{"id":"u7","tier":"vip"},)"
                        R"("text":"转人工"})")
                .event,
           out);
  const out::assigned* given = nullptr;
  for (const auto& o : out)
    if (auto* a = std::get_if<out::assigned>(&o)) given = a;
  REQUIRE(given != nullptr);
  auto again = e.context("c1");
  REQUIRE(again.has_value());
  CHECK(again->reason == given->context.reason);
  CHECK(again->rule == given->context.rule);
  CHECK(again->customer.tier == "vip");
  // The whole conversation, with what was said since it was assigned.
  REQUIRE(again->transcript.size() > given->context.transcript.size());
  for (std::size_t i = 0; i < given->context.transcript.size(); ++i)
    CHECK(again->transcript[i].text == given->context.transcript[i].text);
  CHECK(again->summary == given->context.summary);
  CHECK_FALSE(e.context("nobody").has_value());
}
