// The ensemble: a certain matcher decides, otherwise the later one; stray
// keywords, greetings with something else, and phrases that still say
// which reading is meant.
#include <doctest/doctest.h>

#include <handoff/handoff.hpp>
#include <set>

#include "support/matchers.hpp"
#include "support/scenario.hpp"

using namespace handoff;
using test::best;
using test::counting_scores;
using test::index_of;
using test::keywords_then;
using test::silent_matcher;

TEST_CASE("the ensemble lets a certain keyword decide and otherwise the later matcher") {
  const auto& cfg = test::shop_config();
  counting_scores s;
  s.values.assign(cfg.intents.size(), 0.0);
  s.values[index_of(cfg, "product_care")] = 0.8;
  auto calls = s.calls;
  std::vector<std::unique_ptr<intent_matcher>> parts;
  parts.push_back(std::make_unique<keyword_matcher>(cfg.intents));
  parts.push_back(std::make_unique<scored_matcher>("host", cfg.intents.size(), s, 0.5));
  ensemble_matcher m(std::move(parts), 0.9);

  // The whole message is a keyword: certain, and the host is not asked.
  CHECK(best(m, cfg, "opening hours") == "opening_hours");
  CHECK(*calls == 0);
  // A command is certain however long the message.
  CHECK(best(m, cfg, "I would like to talk to a person about the washing instructions") == "request_human");
  CHECK(*calls == 0);
  // A keyword lost in a sentence yields to the later matcher's reading.
  CHECK(best(m, cfg, "the hours I spent reading the label did not tell me how to wash it") == "product_care");
  CHECK(*calls == 1);
}

TEST_CASE("a stray keyword stands only if a matcher that judges the whole message nearly agrees") {
  const auto& cfg = test::shop_config();
  // "hours" is one of the opening hours' keywords, a lone word here.
  const std::string_view hours = "are your hours the same on the second day of the new year";
  counting_scores s;
  s.values.assign(cfg.intents.size(), 0.0);
  {
    // Nothing fits at all: the keyword was a stray word.
    auto m = keywords_then(cfg, s);
    CHECK(best(m, cfg, hours) == "");
    CHECK(best(m, cfg, "translate hello into french") == "");
    CHECK(best(m, cfg, "你好用英语怎么说") == "");
    // A message that is the keyword is certain, whatever comes later.
    CHECK(best(m, cfg, "hello") == "greeting");
    // A host matcher that speaks for a few intents only has no opinion on
    // the others: its zeros overrule nothing.
    auto partial = keywords_then(cfg, s, false);
    CHECK(best(partial, cfg, hours) == "opening_hours");
    // A phrase says more than a word, and stands: "opening hours", and
    // "什么时候发货" (when will it ship).
    CHECK(best(m, cfg, "what are your opening hours on the second day of the new year") == "opening_hours");
    CHECK(best(m, cfg, "没有不满意，就是问问什么时候发货") == "shipping_times");
  }
  const int calls_before = *s.calls;
  {
    // Near the keyword's intent, below the threshold: the two agree.
    s.values[index_of(cfg, "opening_hours")] = 0.45;
    auto m = keywords_then(cfg, s);
    CHECK(best(m, cfg, hours) == "opening_hours");
    // The host was asked once for the message, not again for its near miss.
    CHECK(*s.calls == calls_before + 1);
  }
  {
    // A word of two intents keeps both when the near miss is either, so
    // that the bot can ask which is meant.
    s.values[index_of(cfg, "opening_hours")] = 0.0;
    s.values[index_of(cfg, "refund_status")] = 0.45;
    auto m = keywords_then(cfg, s);
    std::vector<intent_match> out;
    out = test::candidates(m, "I'd like to ask you something about a refund", "");
    std::set<std::string> ids;
    for (const auto& c : out) ids.insert(cfg.intents[c.intent].id);
    CHECK(ids == std::set<std::string>{"refund_status", "refund_apply"});
    s.values[index_of(cfg, "refund_status")] = 0.0;
    s.values[index_of(cfg, "opening_hours")] = 0.45;
  }
  {
    // As near, but to another intent: no agreement.
    s.values[index_of(cfg, "opening_hours")] = 0.0;
    s.values[index_of(cfg, "shipping_times")] = 0.45;
    auto m = keywords_then(cfg, s);
    CHECK(best(m, cfg, hours) == "");
  }
  {
    // Too far from it (under 80% of the threshold).
    s.values[index_of(cfg, "shipping_times")] = 0.0;
    s.values[index_of(cfg, "opening_hours")] = 0.35;
    auto m = keywords_then(cfg, s);
    CHECK(best(m, cfg, hours) == "");
  }
  {
    // A host matcher that fails has judged nothing: the keyword stands.
    std::vector<std::unique_ptr<intent_matcher>> parts;
    parts.push_back(std::make_unique<keyword_matcher>(cfg.intents));
    parts.push_back(std::make_unique<scored_matcher>(
        "flaky", cfg.intents.size(),
        [](std::string_view, std::string_view, std::span<double>) { throw std::runtime_error("down"); }, 0.5, true));
    ensemble_matcher m(std::move(parts), 0.9);
    CHECK(best(m, cfg, hours) == "opening_hours");
  }
  {
    // So does one that never judges.
    std::vector<std::unique_ptr<intent_matcher>> parts;
    parts.push_back(std::make_unique<keyword_matcher>(cfg.intents));
    parts.push_back(std::make_unique<silent_matcher>());
    ensemble_matcher m(std::move(parts), 0.9);
    CHECK(best(m, cfg, hours) == "opening_hours");
  }
}

TEST_CASE("a greeting said with something else leaves it to the rest of the message") {
  const auto& cfg = test::shop_config();
  // A host that knows what a "zorblax" is (an order, and no keyword says
  // so) and openers, and sees what it is asked about.
  auto seen = std::make_shared<std::vector<std::string>>();
  const auto order = index_of(cfg, "order_status"), greeting = index_of(cfg, "greeting");
  auto score = [seen, order, greeting](std::string_view text, std::string_view, std::span<double> scores) {
    seen->emplace_back(text);
    if (text.find("zorblax") != std::string_view::npos) scores[order] = 0.9;
    if (text.find("hello") != std::string_view::npos || text.find("favour") != std::string_view::npos)
      scores[greeting] = 0.45;
  };
  std::vector<std::unique_ptr<intent_matcher>> parts;
  parts.push_back(std::make_unique<keyword_matcher>(cfg.intents));
  parts.push_back(std::make_unique<scored_matcher>("host", cfg.intents.size(), score, 0.5, true));
  ensemble_matcher m(std::move(parts), 0.9);

  // The rest is about something the bot does not know: no greeting.
  CHECK(best(m, cfg, "hello, who invented the telephone and in which year") == "");
  REQUIRE_FALSE(seen->empty());
  CHECK(seen->front().find("hello") == std::string::npos);
  // The rest is what the message is about.
  seen->clear();
  CHECK(best(m, cfg, "hello, could you find out what became of my zorblax") == "order_status");
  REQUIRE(seen->size() == 1);  // the rest alone, recognised: the whole message is not asked about
  CHECK(seen->front().find("hello") == std::string::npos);
  CHECK(seen->front().find("could you find out what became of my zorblax") != std::string::npos);
  // An opener the host comes near to, and a short rest: the greeting.
  CHECK(best(m, cfg, "hello, could you do me a small favour right now") == "greeting");
  CHECK(best(m, cfg, "hello, who invented it") == "greeting");
  // The lone-word rule still judges the whole message: a greeting the host
  // does not come near to is a stray word however long the rest.
  seen->clear();
  CHECK(best(m, cfg, "hi, who invented it") == "");
}

TEST_CASE("a phrase the later matcher overrules still says which of its two best readings is meant") {
  const auto& cfg = test::shop_config();
  counting_scores s;
  s.values.assign(cfg.intents.size(), 0.0);
  s.values[index_of(cfg, "refund_apply")] = 0.7;
  s.values[index_of(cfg, "refund_status")] = 0.65;
  auto ids = [&](std::string_view text) {
    auto m = keywords_then(cfg, s);
    std::vector<intent_match> out;
    out = test::candidates(m, text, "");
    rank_matches(out);
    std::vector<std::string> found;
    for (const auto& c : out) found.push_back(cfg.intents[c.intent].id);
    return found;
  };
  // "i want a refund" is a phrase of refund_apply, the host's best reading.
  CHECK(ids("my item arrived broken, i want a refund") == std::vector<std::string>{"refund_apply"});
  // "refund", a word of both, says nothing about which.
  CHECK(ids("my item arrived broken, about the refund") == std::vector<std::string>{"refund_apply", "refund_status"});
  // A phrase of the runner-up does not overrule the best reading: both stay.
  s.values[index_of(cfg, "refund_apply")] = 0.65;
  s.values[index_of(cfg, "refund_status")] = 0.7;
  CHECK(ids("my item arrived broken, i want a refund") == std::vector<std::string>{"refund_status", "refund_apply"});
}

TEST_CASE("the demo bot answers off-topic questions with a stray keyword in them by falling back") {
  // The trained matcher judges the whole message; the keyword is one word of it.
  const auto& cfg = test::shop_config();
  auto m = matcher_registry{}.create("ensemble", cfg);
  for (const char* text :
       {"translate hello into french", "hello, what's the population of china", "how many hours are there in a week",
        "what's the tracking error of an index fund", "嗨 x平方等于9怎么解", "在吗 2加2等于几"})
    CHECK_MESSAGE(best(*m, cfg, text) == "", text);
  // Where the trained matcher nearly recognised the keyword's intent, the
  // keyword stands.
  CHECK(best(*m, cfg, "维修要多久") == "after_sales");
  // A greeting with a question the shop has nothing to do with: the
  // greeting is manners, and the question gets the fallback.
  for (const char* text : {"你好，明天天气怎么样", "hello, can you tell me a joke", "您好，附近有什么好吃的餐厅推荐吗",
                           "good evening, what's the best way to lose weight"})
    CHECK_MESSAGE(best(*m, cfg, text) == "", text);
  // Shorter, but mostly words the bot was never taught: the subject is
  // something else.
  for (const char* text : {"你好 讲个笑话", "hi! sing me a song", "哈喽 讲个故事", "hey, recommend a movie"})
    CHECK_MESSAGE(best(*m, cfg, text) == "", text);
  // Short, in words the bot knows, or one word alone: an opener.
  for (const char* text : {"您好 想问个问题", "你好 能帮我个忙吗", "hello again", "hi, do you have a minute"})
    CHECK_MESSAGE(best(*m, cfg, text) == "greeting", text);
  // After thanks comes mostly praise, which no intent knows: still thanks.
  CHECK(best(*m, cfg, "thanks a lot, you solved my problem") == "thanks");
  CHECK(best(*m, cfg, "thank you so much for your quick help today") == "thanks");
  // With an opener or a question the shop answers, it is not.
  CHECK(best(*m, cfg, "hello, can you help me") == "greeting");
  CHECK(best(*m, cfg, "你好，我想咨询一下") == "greeting");
  CHECK(best(*m, cfg, "thanks, and where is my order now") == "order_status");
}
