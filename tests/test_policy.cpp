// The escalation policy: rules and routing over the documented facts.
#include <doctest/doctest.h>

#include <handoff/config.hpp>
#include <handoff/engine.hpp>
#include <nlohmann/json.hpp>

#include "support/scenario.hpp"

using namespace handoff;
using nlohmann::json;

namespace {

// A bot whose policy is `rules` (and `routing`), with one agent online so an
// escalation is assigned at once.
bot_config bot_with(const std::vector<json>& rules, const std::vector<json>& routing = {}) {
  auto j = json::parse(R"({
    "languages": ["en", "zh"],
    "welcome": {"text": "Hi"},
    "fallback": {"text": "Sorry?"},
    "intents": [
      {"id": "human", "requests_human": true, "keywords": {"en": ["agent"]}},
      {"id": "refund", "keywords": {"en": ["refund"], "zh": ["退款"]}, "answer": "Refunds..."},
      {"id": "complaint", "keywords": {"en": ["complaint"]}, "answer": "Sorry to hear that."}
    ],
    "queues": [{"id": "general"}, {"id": "care"}, {"id": "senior"}]
  })");
  j["policy"] = {{"rules", json(rules)}, {"routing", json(routing)}};
  return parse_config(j.dump());
}

// What the policy decided for one message: "queue/priority/rule", or "" when the bot answered.
std::string decide(const bot_config& cfg, const std::string& text, const json& customer = nullptr,
                   const std::string& channel = "") {
  engine e(cfg);
  json msg = {{"type", "customer_message"}, {"conversation", "c1"}, {"text", text}};
  if (!customer.is_null()) msg["customer"] = customer;
  if (!channel.empty()) msg["channel"] = channel;
  for (const auto& out : test::run_lines(e, msg.dump()))
    if (out["type"] == "escalated")
      return out["queue"].get<std::string>() + "/" + out["priority"].get<std::string>() + "/" +
             out["rule"].get<std::string>();
  return "";
}

json rule(const std::string& id, const json& when, const std::string& queue = "care",
          const std::string& priority = "normal") {
  return {
      {"id", id}, {"reason", id}, {"when", when}, {"then", {{"escalate", {{"queue", queue}, {"priority", priority}}}}}};
}

}  // namespace

TEST_CASE("rules are tried in order and the first that holds decides") {
  auto cfg = bot_with({rule("human", {{"fact", "human_requested"}, {"equals", true}}, "general"),
                       rule("complaints", {{"fact", "intent"}, {"equals", "complaint"}}, "care", "high")});
  CHECK(decide(cfg, "agent") == "general/normal/human");
  CHECK(decide(cfg, "I have a complaint") == "care/high/complaints");
  CHECK(decide(cfg, "refund") == "");
  CHECK(decide(cfg, "complaint, agent now") == "general/normal/human");
}

TEST_CASE("comparisons over customer facts and host attributes") {
  auto cfg = bot_with({
      rule("tier", {{"fact", "customer.tier"}, {"in", {"vip", "b2b"}}}),
      rule("big-order", {{"fact", "customer.attributes.order_value"}, {"at_least", 1000}}),
      rule("city", {{"fact", "customer.attributes.address.city"}, {"matches", "^(上海|北京)$"}}),
      rule("named", {{"fact", "customer.name"}, {"contains", "corp"}}),
  });
  CHECK(decide(cfg, "refund", {{"id", "u"}, {"tier", "VIP"}}) == "care/normal/tier");
  CHECK(decide(cfg, "refund", {{"id", "u"}, {"tier", "standard"}}) == "");
  CHECK(decide(cfg, "refund", {{"id", "u"}, {"attributes", {{"order_value", 1500}}}}) == "care/normal/big-order");
  CHECK(decide(cfg, "refund", {{"id", "u"}, {"attributes", {{"order_value", "2000.50"}}}}) == "care/normal/big-order");
  CHECK(decide(cfg, "refund", {{"id", "u"}, {"attributes", {{"order_value", 999}}}}) == "");
  CHECK(decide(cfg, "refund", {{"id", "u"}, {"attributes", {{"order_value", "lots"}}}}) == "");
  CHECK(decide(cfg, "refund", {{"id", "u"}, {"attributes", {{"address", {{"city", "上海"}}}}}}) == "care/normal/city");
  CHECK(decide(cfg, "refund", {{"id", "u"}, {"attributes", {{"address", {{"city", "杭州"}}}}}}) == "");
  CHECK(decide(cfg, "refund", {{"id", "u"}, {"name", "ACME Corp"}}) == "care/normal/named");
  CHECK(decide(cfg, "refund") == "");  // no customer: no fact holds
}

TEST_CASE("all, any, not and exists") {
  auto cfg = bot_with({rule(
      "tree", {{"all",
                {{{"any", {{{"fact", "language"}, {"equals", "zh"}}, {{"fact", "channel"}, {"equals", "whatsapp"}}}}},
                 {{"not", {{"fact", "customer.tier"}, {"exists", true}}}},
                 {{"fact", "turns"}, {"at_most", 1}}}}})});
  CHECK(decide(cfg, "退款") == "care/normal/tree");
  CHECK(decide(cfg, "refund", nullptr, "whatsapp") == "care/normal/tree");
  CHECK(decide(cfg, "refund", nullptr, "web") == "");
  CHECK(decide(cfg, "退款", {{"id", "u"}, {"tier", "vip"}}) == "");
}

TEST_CASE("out of scope and fallbacks in a row are facts") {
  auto cfg = bot_with({rule(
      "lost",
      {{"all", {{{"fact", "out_of_scope"}, {"equals", true}}, {{"fact", "fallbacks_in_row"}, {"at_least", 2}}}}})});
  engine e(cfg);
  auto out = test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"blah"}
{"type":"customer_message","conversation":"c1","text":"blah blah"}
{"type":"customer_message","conversation":"c1","text":"what?"}
)");
  REQUIRE(out.size() >= 3);
  CHECK(out[0]["kind"] == "fallback");
  CHECK(out[1]["kind"] == "fallback");
  CHECK(out[2]["type"] == "escalated");
  CHECK(out[2]["rule"] == "lost");
}

TEST_CASE("routing moves the queue and raises the priority, never lowers it") {
  std::vector<json> rules{rule("human", {{"fact", "human_requested"}, {"equals", true}}, "general", "high")};
  std::vector<json> routing{{{"id", "vip"},
                             {"when", {{"fact", "customer.tier"}, {"equals", "vip"}}},
                             {"queue", "senior"},
                             {"priority", "urgent"}},
                            {{"id", "low"}, {"when", {{"fact", "turns"}, {"at_least", 0}}}, {"priority", "low"}}};
  auto cfg = bot_with(rules, routing);
  CHECK(decide(cfg, "agent", {{"id", "u"}, {"tier", "vip"}}) == "senior/urgent/human");
  CHECK(decide(cfg, "agent") == "general/high/human");  // "low" matched but cannot lower
}

TEST_CASE("an escalation carries the policy's reasoning, rule by rule") {
  auto out = handoff::test::run_script(handoff::test::shop_config(), R"(
{"type":"customer_message","conversation":"t1","customer":{"id":"c","attributes":{"order_value":3000}},"text":"东西坏了，质量问题"}
)");
  auto escalated = handoff::test::of_type(out, "escalated");
  REQUIRE(escalated.size() == 1);
  const auto& trace = escalated[0]["trace"];
  REQUIRE(trace.size() == 3);
  CHECK(trace[0]["rule"] == "explicit-request");
  CHECK(trace[0]["fired"] == false);
  CHECK(trace[0]["failed"] == "/policy/rules/0/when");
  CHECK(trace[0]["because"] == "human_requested is false, needs true");
  CHECK(trace[1]["because"] == "customer.tier has no value, needs one of [\"vip\", \"b2b\"]");
  CHECK(trace[2] == nlohmann::json::parse(R"({"rule":"large-order","fired":true})"));
  CHECK(escalated[0]["routing"] == "large-order-first");
}

TEST_CASE("a complaint goes to care, tagged, and a message that only mentions one stays with the bot") {
  auto out = handoff::test::run_script(handoff::test::shop_config(), R"(
{"type":"agent_status","agent":"kim","status":"online","skills":["care"],"capacity":3}
{"type":"customer_message","conversation":"k1","text":"我要投诉你们的快递员"}
{"type":"customer_message","conversation":"k2","text":"我不是要投诉，只是问问"}
)");
  auto escalated = handoff::test::of_type(out, "escalated");
  REQUIRE(escalated.size() == 1);
  CHECK(escalated[0]["conversation"] == "k1");
  CHECK(escalated[0]["reason"] == "complaint");
  CHECK(escalated[0]["queue"] == "care");
  auto assigned = handoff::test::of_type(out, "assigned");
  REQUIRE(assigned.size() == 1);
  CHECK(assigned[0]["context"]["tags"] == nlohmann::json::array({"complaint"}));
  auto messages = handoff::test::of_type(out, "bot_message");
  bool answered_k2 = false;
  for (const auto& m : messages)
    if (m["conversation"] == "k2") answered_k2 = m["kind"] == "answer";
  CHECK(answered_k2);
}

TEST_CASE("rules can make a ticket, offer a person, or tag, as well as escalate") {
  auto cfg = handoff::parse_config(R"({"languages":["en"],"welcome":{"text":"hi"},
    "fallback":{"text":"sorry?"},
    "intents":[{"id":"hours","keywords":{"en":["hours"]},"answer":{"en":"9 to 5"}},
               {"id":"legal","keywords":{"en":["lawsuit"]},"answer":{"en":"noted"}}],
    "queues":[{"id":"q"},{"id":"legal"}],
    "policy":{"rules":[
      {"id":"legal-ticket","reason":"legal","when":{"fact":"intent","equals":"legal"},"then":{"ticket":{"queue":"legal"},"tags":["legal"]}},
      {"id":"offer","reason":"help","when":{"fact":"intent","equals":"hours"},"then":{"offer_human":true}},
      {"id":"tag-only","reason":"x","when":{"fact":"out_of_scope","equals":true},"then":{"tags":["unknown"]}}]}})");
  handoff::engine bot(cfg);
  auto out = handoff::test::run_lines(bot, R"({"type":"customer_message","conversation":"c1","text":"about the lawsuit"}
{"type":"customer_message","conversation":"c2","text":"hours"}
{"type":"customer_message","conversation":"c3","text":"what?"})");
  auto tickets = handoff::test::of_type(out, "ticket");
  REQUIRE(tickets.size() == 1);
  CHECK(tickets[0] ==
        nlohmann::json::parse(R"({"type":"ticket","conversation":"c1","queue":"legal","reason":"legal"})"));
  CHECK(handoff::test::of_type(out, "escalated").empty());
  CHECK(bot.conversation("c1")->tags == std::vector<std::string>{"legal"});
  auto messages = handoff::test::of_type(out, "bot_message");
  bool offered = false;
  for (const auto& m : messages)
    if (m["conversation"] == "c2" && m["kind"] == "answer")
      offered = m["quick_replies"].size() == 1 && m["quick_replies"][0]["value"] == "request_human";
  CHECK(offered);
  CHECK(bot.conversation("c3")->tags == std::vector<std::string>{"unknown"});
}

TEST_CASE("a rule must do one thing or several, but not escalate and make a ticket at once") {
  auto problems = handoff::check_config(R"({"languages":["en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},
    "intents":[],"queues":[{"id":"q"}],
    "policy":{"rules":[
      {"id":"a","reason":"r","when":{"fact":"turns","at_least":1},"then":{}},
      {"id":"b","reason":"r","when":{"fact":"turns","at_least":1},"then":{"escalate":{"queue":"q"},"ticket":{"queue":"q"}}},
      {"id":"c","reason":"r","when":{"fact":"turns","at_least":1},"then":{"ticket":{"queue":"nowhere"}}}]}})");
  std::vector<std::string> where;
  for (const auto& p : problems)
    if (p.severity == handoff::config_problem::level::error) where.push_back(p.id + " " + p.pointer);
  CHECK(where == std::vector<std::string>{"handoff.config.missing /policy/rules/0/then",
                                          "handoff.config.invalid_value /policy/rules/1/then",
                                          "handoff.config.unknown_queue /policy/rules/2/then/ticket/queue"});
}

TEST_CASE("rules can read the queues: waiting, agents online and the wait a newcomer faces") {
  auto cfg = handoff::parse_config(R"({"languages":["en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},
    "intents":[{"id":"human","requests_human":true,"keywords":{"en":["agent"]}}],
    "queues":[{"id":"q","average_handle_seconds":600}],
    "policy":{"rules":[
      {"id":"nobody","reason":"no_one","when":{"all":[{"fact":"human_requested","equals":true},
        {"fact":"agents_online","equals":0}]},"then":{"ticket":{"queue":"q"}}},
      {"id":"long-wait","reason":"busy","when":{"all":[{"fact":"human_requested","equals":true},
        {"fact":"queue.q.wait_seconds","at_least":1200}]},"then":{"ticket":{"queue":"q"}}},
      {"id":"ask","reason":"customer_request","when":{"fact":"human_requested","equals":true},
       "then":{"escalate":{"queue":"q"}}}]}})");
  handoff::engine bot(cfg);
  auto out = handoff::test::run_lines(bot, R"({"type":"customer_message","conversation":"c0","text":"agent"}
{"type":"agent_status","agent":"a","status":"online","skills":["q"],"capacity":1}
{"type":"customer_message","conversation":"c1","text":"agent"}
{"type":"customer_message","conversation":"c2","text":"agent"}
{"type":"customer_message","conversation":"c3","text":"agent"}
{"type":"customer_message","conversation":"c4","text":"agent"})");
  std::vector<std::string> tickets, escalations;
  for (const auto& e : handoff::test::of_type(out, "ticket"))
    tickets.push_back(e["conversation"].get<std::string>() + ":" + e["reason"].get<std::string>());
  for (const auto& e : handoff::test::of_type(out, "escalated")) escalations.push_back(e["conversation"]);
  // c0: no one online. c1 is served at once, c2 waits one handling time
  // (600 s), c3 two (1200 s): too long, a ticket; c4 the same.
  CHECK(tickets == std::vector<std::string>{"c0:no_one", "c3:busy", "c4:busy"});
  CHECK(escalations == std::vector<std::string>{"c1", "c2"});
}

TEST_CASE("a queue fact names a queue that exists and a field it has") {
  auto problems = handoff::check_config(R"({"languages":["en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},
    "intents":[],"queues":[{"id":"q"}],
    "policy":{"rules":[
      {"id":"a","reason":"r","when":{"fact":"queue.nowhere.waiting","at_least":1},"then":{"tags":["x"]}},
      {"id":"b","reason":"r","when":{"fact":"queue.q.length","at_least":1},"then":{"tags":["x"]}},
      {"id":"c","reason":"r","when":{"fact":"queue.q.waiting","equals":"many"},"then":{"tags":["x"]}}]}})");
  std::vector<std::string> where;
  for (const auto& p : problems)
    if (p.severity == handoff::config_problem::level::error) where.push_back(p.id + " " + p.pointer);
  CHECK(where == std::vector<std::string>{"handoff.config.unknown_queue /policy/rules/0/when/fact",
                                          "handoff.config.unknown_fact /policy/rules/1/when/fact",
                                          "handoff.config.bad_comparison /policy/rules/2/when/equals"});
}

TEST_CASE("a rule can make the bot ask which of the two best intents is meant") {
  auto cfg = handoff::test::shop_config();
  // Ask whenever an order and a refund question come together, however
  // sure the matcher is of one.
  handoff::policy_rule r;
  r.id = "ask-when-unsure";
  r.reason = "unsure";
  r.when.kind = handoff::condition::node::compare;
  r.when.fact = "margin";
  r.when.op = handoff::comparison::at_most;
  r.when.operand = handoff::value(1.0);
  r.clarify = true;
  cfg.policy.rules.insert(cfg.policy.rules.begin() + 1, r);
  handoff::engine bot(cfg);
  auto out = handoff::test::run_lines(
      bot,
      R"({"type":"customer_message","conversation":"u1","text":"where is my order and how long does shipping take"})");
  auto messages = handoff::test::of_type(out, "bot_message");
  REQUIRE(messages.size() == 1);
  CHECK(messages[0]["kind"] == "clarify");
  CHECK(messages[0]["quick_replies"].size() == 2);
}

TEST_CASE("a rule can reply in the customer's language, alone, with an offer of a person, or before a handoff") {
  // A reply to a message that fitted no intent is the bot's fallback.
  auto cfg = handoff::parse_config(R"({"languages":["en","zh"],"welcome":{"text":"hi"},"fallback":{"text":"sorry?"},
    "intents":[{"id":"hours","keywords":{"en":["hours"],"zh":["营业时间"]},"answer":{"en":"9 to 5","zh":"九点到五点"}},
               {"id":"legal","keywords":{"en":["lawsuit"]},"answer":{"en":"noted"}},
               {"id":"human","requests_human":true,"keywords":{"en":["agent"]}}],
    "queues":[{"id":"q"}],
    "policy":{"rules":[
      {"id":"human","reason":"customer_request","when":{"fact":"human_requested","equals":true},
       "then":{"escalate":{"queue":"q"},"reply":{"en":"Of course, one moment.","zh":"好的，请稍等。"}}},
      {"id":"legal","reason":"legal","when":{"fact":"intent","equals":"legal"},
       "then":{"reply":{"en":"Our legal team will write to you.","zh":"法务会联系您。"},"offer_human":true}},
      {"id":"holiday","reason":"holiday","when":{"fact":"intent","equals":"hours"},
       "then":{"reply":{"en":"Closed for the holiday today.","zh":"今天放假。"}}},
      {"id":"lost","reason":"bot_failure","when":{"fact":"out_of_scope","equals":true},
       "then":{"escalate":{"queue":"q"},"reply":{"en":"I can't help with that; a colleague can."}}}]}})");
  handoff::engine bot(cfg);
  auto out = handoff::test::run_lines(bot, R"({"type":"agent_status","agent":"a","status":"online","skills":["q"]}
{"type":"customer_message","conversation":"c1","text":"营业时间"}
{"type":"customer_message","conversation":"c2","text":"about the lawsuit"}
{"type":"customer_message","conversation":"c3","text":"agent please"}
{"type":"customer_message","conversation":"c4","text":"what is the capital of peru"})");
  std::vector<std::string> said, kinds;
  for (const auto& e : out)
    if (e["type"] == "bot_message") {
      std::string replies;
      for (const auto& q : e.value("quick_replies", nlohmann::json::array()))
        replies += " [" + q["value"].get<std::string>() + "]";
      said.push_back(e["conversation"].get<std::string>() + ": " + e["text"].get<std::string>() + replies);
      kinds.push_back(e["kind"].get<std::string>());
    } else if (e["type"] != "queued") {
      said.push_back(e["conversation"].get<std::string>() + ": <" + e["type"].get<std::string>() + ">");
    }
  CHECK(said == std::vector<std::string>{"c1: 今天放假。", "c2: Our legal team will write to you. [request_human]",
                                         "c3: Of course, one moment.", "c3: <escalated>", "c3: <assigned>",
                                         "c4: I can't help with that; a colleague can.", "c4: <escalated>"});
  CHECK(kinds == std::vector<std::string>{"answer", "answer", "answer", "fallback"});
}

TEST_CASE("an escalation can need skills besides the queue's, and no one online with them makes a ticket") {
  auto cfg = handoff::parse_config(R"({"languages":["en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},
    "intents":[{"id":"human","requests_human":true,"keywords":{"en":["agent"]}},
               {"id":"wholesale","keywords":{"en":["wholesale"]},"answer":{"en":"ok"}}],
    "queues":[{"id":"q"}],
    "policy":{"rules":[
      {"id":"b2b","reason":"b2b","when":{"fact":"intent","equals":"wholesale"},
       "then":{"escalate":{"queue":"q","skills":["b2b"]}}},
      {"id":"human","reason":"customer_request","when":{"fact":"human_requested","equals":true},
       "then":{"escalate":{"queue":"q"}}}]}})");
  handoff::engine bot(cfg);
  auto out = handoff::test::run_lines(bot, R"({"type":"agent_status","agent":"plain","status":"online","skills":["q"]}
{"type":"customer_message","conversation":"c1","text":"wholesale prices"}
{"type":"agent_status","agent":"expert","status":"online","skills":["q","b2b"],"capacity":2}
{"type":"customer_message","conversation":"c2","text":"wholesale prices"}
{"type":"customer_message","conversation":"c3","text":"agent"}
{"type":"customer_message","conversation":"c4","text":"agent"})");
  std::vector<std::string> got;
  for (const auto& e : out)
    if (e["type"] == "ticket")
      got.push_back(e["conversation"].get<std::string>() + ":ticket");
    else if (e["type"] == "assigned")
      got.push_back(e["conversation"].get<std::string>() + ":" + e["agent"].get<std::string>());
  // c1 needs b2b and only `plain` is online: a ticket. c2 goes to the expert
  // although `plain` is idle; c3 goes to `plain`, c4 to the expert's room left.
  CHECK(got == std::vector<std::string>{"c1:ticket", "c2:expert", "c3:plain", "c4:expert"});
  CHECK(handoff::check_config(R"({"languages":["en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},"intents":[],
    "queues":[{"id":"q"}],"policy":{"rules":[{"id":"a","reason":"r","when":{"fact":"turns","at_least":1},
    "then":{"escalate":{"queue":"q","skills":[""]}}}]}})")
            .front()
            .pointer == "/policy/rules/0/then/escalate/skills/0");
}

TEST_CASE("tags are a fact: a rule can act on what an earlier rule noted") {
  auto cfg = handoff::parse_config(R"({"languages":["en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},
    "intents":[{"id":"complaint","keywords":{"en":["complaint"]},"answer":{"en":"Sorry to hear that."}},
               {"id":"refund","keywords":{"en":["refund"]},"answer":{"en":"Refunds take 3 days."}}],
    "queues":[{"id":"care"}],
    "policy":{"rules":[
      {"id":"second-time","reason":"repeat_complaint","when":{"all":[{"fact":"tags","contains":"Complained"},
        {"fact":"intent","in":["complaint","refund"]}]},"then":{"escalate":{"queue":"care"}}},
      {"id":"note","reason":"complaint","when":{"fact":"intent","equals":"complaint"},"then":{"tags":["complained"]}},
      {"id":"tagged","reason":"x","when":{"all":[{"fact":"tags","matches":"^compl"},{"fact":"tags","exists":true}]},
       "then":{"tags":["seen"]}}]}})");
  handoff::engine bot(cfg);
  auto out = handoff::test::run_lines(bot, R"({"type":"agent_status","agent":"a","status":"online","skills":["care"]}
{"type":"customer_message","conversation":"c1","text":"refund"}
{"type":"customer_message","conversation":"c1","text":"I have a complaint"}
{"type":"customer_message","conversation":"c1","text":"hello"}
{"type":"customer_message","conversation":"c1","text":"and the refund?"})");
  auto escalated = handoff::test::of_type(out, "escalated");
  REQUIRE(escalated.size() == 1);  // only after the complaint was noted
  CHECK(escalated[0]["rule"] == "second-time");
  CHECK(bot.conversation("c1")->tags == std::vector<std::string>{"complained", "seen"});
  auto trace = escalated[0]["trace"];
  CHECK(trace.size() == 1);

  auto problems = handoff::check_config(R"({"languages":["en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},
    "intents":[],"queues":[{"id":"q"}],
    "policy":{"rules":[{"id":"a","reason":"r","when":{"fact":"tags","at_least":1},"then":{"tags":["x"]}},
                       {"id":"b","reason":"r","when":{"fact":"tags","in":[1]},"then":{"tags":["x"]}}]}})");
  std::vector<std::string> where;
  for (const auto& p : problems) where.push_back(p.id + " " + p.pointer);
  CHECK(where == std::vector<std::string>{"handoff.config.bad_comparison /policy/rules/0/when/at_least",
                                          "handoff.config.bad_comparison /policy/rules/1/when/in"});
}
