#include <doctest/doctest.h>

#include <handoff/config.hpp>
#include <handoff/engine.hpp>
#include <nlohmann/json.hpp>

#include "support/scenario.hpp"

using namespace handoff;
using nlohmann::json;

namespace {

json minimal() {
  return json::parse(R"({
    "languages": ["zh", "en"],
    "welcome": {"text": {"zh": "您好", "en": "Hi"}},
    "fallback": {"text": {"zh": "没听懂", "en": "Sorry?"}},
    "intents": [
      {"id": "human", "requests_human": true, "keywords": {"zh": ["转人工"], "en": ["agent"]}},
      {"id": "refund", "keywords": {"en": ["refund"]}, "answer": {"zh": "退款说明", "en": "Refunds..."}}
    ],
    "queues": [{"id": "general"}],
    "policy": {"rules": [{"id": "explicit-request", "reason": "customer_request",
                          "when": {"fact": "human_requested", "equals": true},
                          "then": {"escalate": {"queue": "general"}}}]}
  })");
}

// The problems a configuration has, as "id pointer" strings.
std::vector<std::string> problems(const json& j) {
  std::vector<std::string> out;
  for (const auto& p : check_config(j.dump())) out.push_back(p.id + " " + p.pointer);
  return out;
}

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

TEST_CASE("the demo bot and a minimal bot load cleanly") {
  CHECK(check_config(test::read_file(test::source_path("examples/shop/bot.json"))).empty());
  CHECK(check_config(minimal().dump()).empty());
  auto cfg = parse_config(minimal().dump());
  CHECK(cfg.languages == std::vector<std::string>{"zh", "en"});
  CHECK(cfg.intents.size() == 2);
  CHECK(cfg.find_intent("refund")->answer.get("en", "zh") == "Refunds...");
  CHECK(cfg.find_intent("refund")->answer.get("zh-CN", "zh") == "退款说明");
  CHECK(cfg.find_queue("general")->skill == "general");
  REQUIRE(cfg.policy.rules.at(0).escalate);
  CHECK(cfg.policy.rules.at(0).escalate->priority == priority::normal);
}

TEST_CASE("a greeting is a courtesy, and other intents are when the configuration says so") {
  auto j = minimal();
  j["intents"].push_back(json::parse(R"({"id": "hello", "welcome": true, "keywords": {"en": ["hello"]}})"));
  j["intents"].push_back(
      json::parse(R"({"id": "thanks", "courtesy": true, "keywords": {"en": ["thanks"]}, "answer": "You're welcome"})"));
  auto cfg = parse_config(j.dump());
  CHECK(cfg.find_intent("hello")->courtesy);
  CHECK(cfg.find_intent("thanks")->courtesy);
  CHECK_FALSE(cfg.find_intent("refund")->courtesy);
  j["understanding"]["suggest"] = 3;
  CHECK(has(problems(j), "handoff.config.invalid_value /understanding/suggest"));
  j["understanding"]["suggest"] = 0.7;
  CHECK(parse_config(j.dump()).understanding.suggest == 0.7);
  j["intents"][3]["courtesy"] = "yes";
  CHECK(has(problems(j), "handoff.config.wrong_type /intents/3/courtesy"));
}

TEST_CASE("every problem is reported with its JSON pointer") {
  SUBCASE("malformed JSON") {
    auto found = check_config("{\"languages\": [");
    REQUIRE(found.size() == 1);
    CHECK(found[0].id == "handoff.config.invalid_json");
    CHECK(found[0].pointer.empty());
    CHECK(check_config("[]").at(0).id == "handoff.config.wrong_type");
  }
  SUBCASE("missing and mistyped fields") {
    auto j = minimal();
    j.erase("languages");
    j["queues"][0]["id"] = 3;
    auto p = problems(j);
    CHECK(has(p, "handoff.config.missing /languages"));
    CHECK(has(p, "handoff.config.wrong_type /queues/0/id"));
  }
  SUBCASE("unknown keys, languages and duplicates") {
    auto j = minimal();
    j["intents"][1]["anwser"] = "typo";
    j["intents"][1]["keywords"]["cn"] = json::array({"退款"});
    j["intents"].push_back(j["intents"][1]);
    auto p = problems(j);
    CHECK(has(p, "handoff.config.unknown_key /intents/1/anwser"));
    CHECK(has(p, "handoff.config.unknown_language /intents/1/keywords/cn"));
    CHECK(has(p, "handoff.config.duplicate_id /intents/2/id"));
  }
  SUBCASE("a pattern RE2 cannot compile") {
    auto j = minimal();
    j["intents"][1]["patterns"] = {{"en", {"(unclosed"}}};
    CHECK(has(problems(j), "handoff.config.bad_pattern /intents/1/patterns/en/0"));
  }
  SUBCASE("rules: unknown fact, wrong comparison, unknown queue, bad priority") {
    auto j = minimal();
    j["policy"]["rules"].push_back(json::parse(R"({"id": "r2", "reason": "x",
        "when": {"all": [{"fact": "mood", "equals": "angry"}, {"fact": "turns", "equals": "many"},
                         {"fact": "customer.tier", "at_least": 3}, {"fact": "intent", "matches": "("}]},
        "then": {"escalate": {"queue": "nowhere", "priority": "asap"}}})"));
    auto p = problems(j);
    CHECK(has(p, "handoff.config.unknown_fact /policy/rules/1/when/all/0/fact"));
    CHECK(has(p, "handoff.config.bad_comparison /policy/rules/1/when/all/1/equals"));
    CHECK(has(p, "handoff.config.bad_comparison /policy/rules/1/when/all/2/at_least"));
    CHECK(has(p, "handoff.config.bad_pattern /policy/rules/1/when/all/3/matches"));
    CHECK(has(p, "handoff.config.unknown_queue /policy/rules/1/then/escalate/queue"));
    CHECK(has(p, "handoff.config.invalid_value /policy/rules/1/then/escalate/priority"));
  }
  SUBCASE("an intent without an answer") {
    auto j = minimal();
    j["intents"][1].erase("answer");
    CHECK(has(problems(j), "handoff.config.missing /intents/1/answer"));
  }
  SUBCASE("warnings do not stop loading") {
    auto j = minimal();
    j["welcome"]["quick_replies"] = json::parse(R"([{"label": {"zh": "x", "en": "x"}, "value": "no_such_intent"}])");
    auto found = check_config(j.dump());
    REQUIRE(found.size() == 1);
    CHECK(found[0].severity == config_problem::level::warning);
    CHECK(found[0].to_string() ==
          "warning [handoff.config.unknown_intent] /welcome/quick_replies/0/value: \"no_such_intent\" is neither an "
          "intent id nor \"request_human\"; choosing it sends it as text");
    CHECK_NOTHROW(parse_config(j.dump()));
  }
}

TEST_CASE("loading throws one config_error naming every error") {
  auto j = minimal();
  j["queues"] = json::array();
  j["policy"]["rules"][0]["then"]["escalate"]["queue"] = "general";
  CHECK_THROWS_WITH_AS(parse_config(j.dump(), "bot.json"),
                       "bot.json: 2 errors in the configuration\n"
                       "  error [handoff.config.invalid_value] /queues: at least one queue is needed\n"
                       "  error [handoff.config.unknown_queue] /policy/rules/0/then/escalate/queue: no queue "
                       "\"general\"; queues: ",
                       config_error);
  CHECK_THROWS_AS(load_config("/no/such/file.json"), handoff::error);
  auto unreadable = check_config_file("/no/such/file.json");
  REQUIRE(unreadable.size() == 1);
  CHECK(unreadable[0].id == "handoff.config.unreadable");
}

TEST_CASE("a rule that can never fire, because an earlier one always does first, is a warning") {
  auto problems = check_config(R"({"languages":["en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},
    "intents":[],"queues":[{"id":"q"}],
    "policy":{"rules":[
      {"id":"a","reason":"r","when":{"fact":"turns","at_least":3},"then":{"escalate":{"queue":"q"}}},
      {"id":"b","reason":"r","when":{"all":[{"fact":"language","equals":"en"},{"fact":"turns","at_least":3}]},
       "then":{"escalate":{"queue":"q"}}},
      {"id":"c","reason":"r","when":{"fact":"turns","at_least":2},"then":{"escalate":{"queue":"q"}}},
      {"id":"d","reason":"r","when":{"fact":"turns","at_least":3},"then":{"tags":["x"]}},
      {"id":"e","reason":"r","when":{"all":[]},"then":{"escalate":{"queue":"q"}}},
      {"id":"f","reason":"r","when":{"fact":"human_requested","equals":true},"then":{"escalate":{"queue":"q"}}}]}})");
  std::vector<std::string> unreachable;
  for (const auto& p : problems)
    if (p.id == "handoff.config.unreachable_rule") {
      CHECK(p.severity == config_problem::level::warning);
      unreachable.push_back(p.pointer);
    }
  // b needs all that a needs and more; d repeats a; f comes after e, which
  // always holds. c is weaker than a, so it can fire (at two turns).
  CHECK(unreachable == std::vector<std::string>{"/policy/rules/1", "/policy/rules/3", "/policy/rules/5"});
}
