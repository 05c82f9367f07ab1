// The built-in sentiment analyser: negation, intensity, shouting, emoji.
#include <doctest/doctest.h>

#include <handoff/handoff.hpp>

#include "support/scenario.hpp"

using namespace handoff;

namespace {

sentiment read(std::string_view text) {
  static const lexicon_sentiment analyzer;
  return analyzer.analyze(text, normalized_text(text), "");
}

}  // namespace

TEST_CASE("angry customers read as angry, in both languages") {
  for (const char* text : {"你们这什么破服务，气死我了！", "骗子！退钱！", "太垃圾了，我要投诉", "我真的非常生气",
                           "This is a scam!!", "I am absolutely furious", "worst service ever, you are useless",
                           "WHERE IS MY ORDER?? THIS IS RIDICULOUS", "😡😡 three weeks and nothing"}) {
    CAPTURE(text);
    auto s = read(text);
    CHECK(s.score < -0.5);
    CHECK(s.anger + s.frustration >= 0.5);
  }
}

TEST_CASE("calm requests and negated complaints are not anger") {
  for (const char* text : {"我的订单到哪了", "没有不满意，就是问问", "我不生气，就想知道什么时候发货",
                           "where is my order", "not bad at all", "I'm not angry, just asking about shipping", "你好",
                           "退款", "how do I wash this", "还没收到货，帮我查一下"}) {
    CAPTURE(text);
    auto s = read(text);
    CHECK(s.score > -0.35);
    CHECK(s.anger < 0.3);
  }
}

TEST_CASE("negation, intensity and shouting move the score the right way") {
  CHECK(read("我很满意").score > 0.3);
  CHECK(read("我不满意").score < -0.2);
  CHECK(read("没有不满意").score > 0);
  CHECK(read("not happy").score < 0);
  CHECK(read("happy").score > 0);
  CHECK(read("非常失望").score < read("失望").score);
  CHECK(read("有点失望").score > read("失望").score);
  CHECK(read("this is terrible!!!").score < read("this is terrible").score);
  CHECK(read("THIS IS TERRIBLE").score < read("this is terrible").score);
  CHECK(read("thanks, great help 👍").score > 0.3);
  CHECK(read("急！订单今天必须到").urgency > 0.2);
  CHECK(read("I'm really worried my parcel is lost").anxiety > 0.3);
  CHECK(read("I'm really worried my parcel is lost").strongest() == "anxiety");
  CHECK(read("你好").strongest().empty());
}

TEST_CASE("a conversation's mood: three mildly cross messages weigh more than one") {
  double one = next_mood(0, -0.3);
  double three = next_mood(next_mood(next_mood(0, -0.3), -0.3), -0.3);
  CHECK(three < one);
  CHECK(three >= -1.0);
  CHECK(next_mood(three, 0) > three);  // a calm message brings it back
  CHECK(next_mood(-1, -1) == -1.0);
}

TEST_CASE("any bytes are read without harm") {
  for (std::string_view text : {std::string_view(""), std::string_view("\xff\xfe!!!"), std::string_view("😡"),
                                std::string_view("!!!!!!!!!!!!!!!!"), std::string_view("不不不不不不")}) {
    auto s = read(text);
    CHECK(s.score >= -1.0);
    CHECK(s.score <= 1.0);
    for (double v : {s.anger, s.frustration, s.anxiety, s.urgency}) {
      CHECK(v >= 0.0);
      CHECK(v <= 1.0);
    }
  }
}

TEST_CASE("the agent sees how the customer sounds: latest, trend and emotion, message by message") {
  auto out = handoff::test::run_script(handoff::test::shop_config(), R"(
{"type":"agent_status","agent":"zoe","status":"online","skills":["care"],"capacity":2}
{"type":"customer_message","conversation":"s1","text":"where is my order"}
{"type":"customer_message","conversation":"s1","text":"This is ridiculous, I am furious!!"}
)");
  auto escalated = handoff::test::of_type(out, "escalated");
  REQUIRE(escalated.size() == 1);
  CHECK(escalated[0]["reason"] == "negative_sentiment");
  auto assigned = handoff::test::of_type(out, "assigned");
  REQUIRE(assigned.size() == 1);
  const auto& s = assigned[0]["context"]["sentiment"];
  CHECK(s["latest"].get<double>() < -0.5);
  CHECK(s["trend"].get<double>() < -0.5);
  CHECK(s["emotion"] == "anger");
  CHECK(s["emotions"]["anger"].get<double>() >= 0.7);
  const auto& transcript = assigned[0]["context"]["transcript"];
  CHECK(transcript[0]["sentiment"].get<double>() > -0.3);
  CHECK(transcript[2]["sentiment"].get<double>() < -0.5);
}

namespace {

// A host's analyser that hears every message as furious.
class always_furious final : public sentiment_analyzer {
 public:
  std::string_view name() const noexcept override { return "furious"; }
  sentiment analyze(std::string_view, const normalized_text&, std::string_view) const override {
    sentiment s;
    s.score = -1;
    s.anger = 1;
    return s;
  }
};

}  // namespace

TEST_CASE("a host plugs in its own sentiment analyser") {
  always_furious furious;
  engine bot(handoff::test::shop_config(), {.sentiment = &furious});
  auto out = handoff::test::run_lines(bot, R"({"type":"customer_message","conversation":"h1","text":"hello"})");
  auto escalated = handoff::test::of_type(out, "escalated");
  REQUIRE(escalated.size() == 1);
  CHECK(escalated[0]["reason"] == "negative_sentiment");
}

TEST_CASE("policy rules read sentiment facts, and the checker knows their types") {
  auto problems = check_config(R"({"languages":["en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},
    "intents":[],"queues":[{"id":"q"}],
    "policy":{"rules":[
      {"id":"a","reason":"r","when":{"fact":"sentiment_trend","at_most":-0.5},"then":{"escalate":{"queue":"q"}}},
      {"id":"b","reason":"r","when":{"fact":"emotion","equals":"anger"},"then":{"escalate":{"queue":"q"}}},
      {"id":"c","reason":"r","when":{"fact":"emotion.urgency","at_least":"high"},"then":{"escalate":{"queue":"q"}}},
      {"id":"d","reason":"r","when":{"fact":"margin","at_most":0.1},"then":{"escalate":{"queue":"q"}}}]}})");
  std::vector<std::string> errors;
  for (const auto& p : problems)
    if (p.severity == config_problem::level::error) errors.push_back(p.pointer);
  CHECK(errors == std::vector<std::string>{"/policy/rules/2/when/at_least"});
}
