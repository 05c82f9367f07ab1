#include <doctest/doctest.h>

#include <algorithm>
#include <handoff/config.hpp>
#include <handoff/matchers/keywords.hpp>
#include <sstream>

#include "support/scenario.hpp"

using namespace handoff;

namespace {

// The id of the best intent for `text`, or "" when nothing matched.
std::string best(const keyword_matcher& m, const bot_config& cfg, std::string_view text, double* confidence = nullptr) {
  std::vector<intent_match> out;
  out = test::candidates(m, text, "");
  rank_matches(out);
  if (out.empty()) return "";
  if (confidence) *confidence = out.front().confidence;
  return cfg.intents[out.front().intent].id;
}

// The ids of every intent the matcher found in `text`, in its order.
std::vector<std::string> found_ids(const keyword_matcher& m, const bot_config& cfg, std::string_view text) {
  std::vector<intent_match> out;
  out = test::candidates(m, text, "");
  std::vector<std::string> ids;
  for (const auto& c : out) ids.push_back(cfg.intents[c.intent].id);
  return ids;
}

}  // namespace

TEST_CASE("keywords match whole words in spaced scripts, anywhere in CJK") {
  const auto& cfg = test::shop_config();
  keyword_matcher m(cfg.intents);
  CHECK(best(m, cfg, "hi") == "greeting");
  CHECK(best(m, cfg, "this is it") == "");  // "hi" inside "this" is not a match
  CHECK(best(m, cfg, "你好呀") == "greeting");
  CHECK(best(m, cfg, "what is your REFUND policy?") == "refund_policy");
  CHECK(best(m, cfg, "ＲＥＴＵＲＮ ＰＯＬＩＣＹ") == "refund_policy");
  CHECK(best(m, cfg, "退货政策是什么") == "refund_policy");
  CHECK(best(m, cfg, "how long does shipping take to Canada") == "shipping_times");
  CHECK(best(m, cfg, "what's the weather like tomorrow") == "");
}

TEST_CASE("a request for a human is a command, however it is phrased") {
  const auto& cfg = test::shop_config();
  keyword_matcher m(cfg.intents);
  for (const char* text :
       {"转人工", "人工客服", "找真人", "我要人工", "人工！！", "客服", "给我转个人工", "叫你们经理来",
        "talk to a person", "agent please", "AGENT", "Can I speak with someone?", "I need a real human",
        "connect me to customer service", "I want to talk to a representative about my refund", "ＡＧＥＮＴ！",
        "找人工，退款的事", "退款 转人工"}) {
    CAPTURE(text);
    CHECK(best(m, cfg, text) == "request_human");
  }
  // "人工智能" is artificial intelligence, not a person.
  CHECK(best(m, cfg, "你们用的是人工智能吗") != "request_human");
  CHECK(best(m, cfg, "客服几点上班") == "opening_hours");
}

TEST_CASE("confidence grows with the share of the message a match covers") {
  const auto& cfg = test::shop_config();
  keyword_matcher m(cfg.intents);
  double whole = 0, part = 0;
  CHECK(best(m, cfg, "return policy!", &whole) == "refund_policy");
  CHECK(best(m, cfg, "I bought a blue jacket last week, what is your return policy", &part) == "refund_policy");
  CHECK(whole == 1.0);
  CHECK(part > 0.5);
  CHECK(part < whole);
  // Sentence-final particles carry no content, as punctuation does not:
  // "退款啊" is as bare as "退款！" ("什么" keeps its 么, which is no particle).
  double particle = 0;
  CHECK(best(m, cfg, "退款啊", &particle) == "refund_status");
  CHECK(particle == 1.0);
  CHECK(best(m, cfg, "谢谢啦！", &particle) == "thanks");
  CHECK(particle == 1.0);
  CHECK(best(m, cfg, "退款 呢 吧", &particle) == "refund_status");
  CHECK(particle == 1.0);
  // 吗 asks a yes-or-no question, as "?" does: "退款吗" is a bare refund.
  CHECK(best(m, cfg, "退款吗", &particle) == "refund_status");
  CHECK(particle == 1.0);
  // So do words about asking, anywhere: "refund question", "请问退款".
  for (const char* bare : {"refund question", "refund help please", "请问退款", "退款咨询一下", "关于退款问题"}) {
    CAPTURE(bare);
    double asking = 0;
    CHECK(best(m, cfg, bare, &asking) == "refund_status");
    CHECK(asking == 1.0);
  }
  // Whole words only: "helpful" is not "help".
  double helpful = 0;
  best(m, cfg, "helpful refund", &helpful);
  CHECK(helpful < 1.0);
  CHECK(best(m, cfg, "啊退款", &particle) == "refund_status");  // only at the end
  CHECK(particle < 1.0);
}

TEST_CASE("a courtesy that comes with something else is set aside, and the rest measured without it") {
  const auto& cfg = test::shop_config();
  keyword_matcher m(cfg.intents);
  double confidence = 0;
  CHECK(best(m, cfg, "你好，保修", &confidence) == "after_sales");
  CHECK(confidence == 1.0);
  CHECK(found_ids(m, cfg, "你好，退款") == std::vector<std::string>{"refund_status", "refund_apply"});
  CHECK(best(m, cfg, "hi, where is my order", &confidence) == "order_status");
  CHECK(confidence == 1.0);
  // In a longer message the rest is still only part of it.
  CHECK(best(m, cfg, "hello, the jacket came broken yesterday", &confidence) == "after_sales");
  CHECK(confidence < 1.0);
  // A greeting alone is a greeting.
  CHECK(best(m, cfg, "你好", &confidence) == "greeting");
  CHECK(confidence == 1.0);
  CHECK(best(m, cfg, "hello there, anyone around?") == "greeting");
  // Thanks and goodbyes are courtesies too in the demo: "refund, thanks" is
  // as bare a "refund" as "refund?", and gets the question.
  CHECK(found_ids(m, cfg, "refund, thanks") == std::vector<std::string>{"refund_status", "refund_apply"});
  CHECK(found_ids(m, cfg, "退款，谢谢") == std::vector<std::string>{"refund_status", "refund_apply"});
  CHECK(best(m, cfg, "谢谢", &confidence) == "thanks");
  CHECK(confidence == 1.0);
}

TEST_CASE("what is left of a message once its courtesies are cut, and how many of its words say something") {
  const auto& cfg = test::shop_config();
  keyword_matcher m(cfg.intents);
  std::string rest = "left over";
  CHECK(test::without_courtesy(m, "hello, who invented the telephone and in which year", rest) == 8);
  CHECK(rest.find("who invented the telephone and in which year") != std::string::npos);
  CHECK(rest.find("hello") == std::string::npos);
  // Courtesies wherever they stand, Han ones too.
  CHECK(test::without_courtesy(m, "你好，明天上海天气怎么样 谢谢", rest) == 9);
  CHECK(rest.find("明天上海天气怎么样") != std::string::npos);
  CHECK(rest.find("你好") == std::string::npos);
  CHECK(rest.find("谢谢") == std::string::npos);
  // Asking words and final particles say nothing about the subject: "can
  // someone help me please" has three words that do, "请问" (may I ask)
  // none once "在吗" (are you there), a greeting too, is cut.
  CHECK(test::without_courtesy(m, "hi, can someone help me please", rest) == 3);
  CHECK(test::without_courtesy(m, "您好，请问在吗", rest) == 0);
  CHECK(test::without_courtesy(m, "你好 讲个笑话", rest) == 4);
  CHECK(rest.find("讲个笑话") != std::string::npos);
  // Nothing to cut, or nothing left.
  CHECK(test::without_courtesy(m, "who invented the telephone and in which year", rest) == 0);
  CHECK(test::without_courtesy(m, "", rest) == 0);
  CHECK(test::without_courtesy(m, "hello!", rest) == 0);
  // After thanks comes praise: not cut.
  CHECK(test::without_courtesy(m, "thanks, you solved my problem in no time at all", rest) == 0);
  // Ill-formed bytes are cut around, never read past.
  std::string bad = "hello \xff\xfe who invented the telephone and in which year \xc3";
  CHECK(test::without_courtesy(m, bad, rest) == 8);
}

TEST_CASE("a keyword inside a longer keyword of another intent is not evidence of its own") {
  const auto& cfg = test::shop_config();
  keyword_matcher m(cfg.intents);
  auto intents = [&](std::string_view text) {
    std::vector<intent_match> out;
    out = test::candidates(m, text, "");
    rank_matches(out);
    std::vector<std::string> ids;
    for (const auto& c : out) ids.push_back(cfg.intents[c.intent].id);
    return ids;
  };
  // "退款" belongs to both refund intents, "退款到账" to one.
  CHECK(intents("退款") == std::vector<std::string>{"refund_status", "refund_apply"});
  CHECK(intents("我的退款到账了吗") == std::vector<std::string>{"refund_status"});
  CHECK(intents("我要退款") == std::vector<std::string>{"refund_apply"});
  // Both readings stay when each has its own words.
  auto both = intents("退款到账了吗 还有我要退款");
  CHECK(both.size() == 2);
}

TEST_CASE("keywords that overlap, nest and repeat are all found where they count") {
  // One pass over the text finds every keyword: prefixes of each other,
  // suffixes of each other, the same text in two intents, a keyword whose
  // first occurrence is inside a word and its second whole.
  bot_config cfg;
  cfg.languages = {"en", "zh"};
  auto add = [&](std::string id, std::vector<std::string> words) {
    intent_definition intent;
    intent.id = std::move(id);
    intent.keywords = {{"en", std::move(words)}};
    cfg.intents.push_back(std::move(intent));
  };
  add("a", {"he", "she", "hers"});
  add("b", {"his", "ushers"});
  add("c", {"退款", "款"});
  add("d", {"退款进度", "ushers"});
  keyword_matcher m(cfg.intents);
  auto found = [&](std::string_view text) {
    auto ids = found_ids(m, cfg, text);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  CHECK(found("ushers") == std::vector<std::string>{"b", "d"});  // "she", "he", "hers" are inside it
  CHECK(found("the ushers and she") == std::vector<std::string>{"a", "b", "d"});
  CHECK(found("theshe he") == std::vector<std::string>{"a"});  // inside "theshe" no; "he" whole yes
  CHECK(found("this his") == std::vector<std::string>{"b"});
  CHECK(found("退款进度") == std::vector<std::string>{"d"});  // the shorter ones are inside it
  CHECK(found("退款进度 还有款") == std::vector<std::string>{"c", "d"});
  CHECK(found("") == std::vector<std::string>{});
  CHECK(found("nothing here") == std::vector<std::string>{});
}

TEST_CASE("patterns run where their literal words are, and always when they have none") {
  bot_config cfg;
  cfg.languages = {"en"};
  auto add = [&](std::string id, std::vector<std::string> patterns) {
    intent_definition intent;
    intent.id = std::move(id);
    intent.patterns = {{"en", std::move(patterns)}};
    cfg.intents.push_back(std::move(intent));
  };
  add("order", {R"(\bwhere(?:'s| is)\b.{0,20}\b(?:order|parcel)\b)"});
  add("digits", {R"(^\d{3}$)"});                // no literal at all
  add("either", {R"((?:foo|bar)baz)", "zzz"});  // one of two literals
  keyword_matcher m(cfg.intents);
  auto found = [&](std::string_view text) { return found_ids(m, cfg, text); };
  CHECK(found("Where is my ORDER?") == std::vector<std::string>{"order"});
  CHECK(found("where is the station").empty());
  CHECK(found("order where") == std::vector<std::string>{});
  CHECK(found("123") == std::vector<std::string>{"digits"});
  CHECK(found("1234").empty());
  CHECK(found("barbaz") == std::vector<std::string>{"either"});
  CHECK(found("a foobaz b") == std::vector<std::string>{"either"});
  CHECK(found("zzz") == std::vector<std::string>{"either"});
  CHECK(found("foo baz").empty());
}

TEST_CASE("a keyword or pattern match that is one word of a longer message says so") {
  bot_config cfg;
  cfg.languages = {"en", "zh"};
  intent_definition hours;
  hours.id = "hours";
  hours.keywords = {{"en", {"hours", "opening hours"}}, {"zh", {"几点", "几点开门", "营业时间"}}};
  hours.patterns = {{"en", {R"(\bopen(?:ing)?\b)", R"(\bopen until \d+)"}}};
  cfg.intents.push_back(hours);
  keyword_matcher m(cfg.intents);
  // Whether the best candidate rests on a lone word.
  auto lone = [&](std::string_view text) {
    std::vector<intent_match> out;
    out = test::candidates(m, text, "");
    REQUIRE_MESSAGE(!out.empty(), text);
    rank_matches(out);
    return out.front().lone_word;
  };
  CHECK(lone("how many hours are there in a week"));
  CHECK_FALSE(lone("what are your opening hours today"));  // a phrase
  CHECK_FALSE(lone("hours"));                              // the whole message
  CHECK_FALSE(lone("Hours?"));
  CHECK(lone("东京现在几点"));
  CHECK_FALSE(lone("你们几点开门呀"));  // four characters: a phrase
  CHECK_FALSE(lone("营业时间"));
  CHECK(lone("is the shop open on sunday"));            // a pattern's match of one word
  CHECK_FALSE(lone("are you open until 9 on sunday"));  // and of several
}

TEST_CASE("patterns that RE2 refuses are reported with their pointer") {
  bot_config cfg;
  cfg.languages = {"en"};
  intent_definition intent;
  intent.id = "x";
  intent.patterns = {{"en", {"(unclosed"}}};
  cfg.intents.push_back(intent);
  CHECK_THROWS_WITH_AS(keyword_matcher{cfg.intents},
                       doctest::Contains("[handoff.config.bad_pattern] /intents/0/patterns/en/0"), config_error);
}

TEST_CASE("the demo bot hears every request for a human in tests/data, and nothing else") {
  const auto& cfg = test::shop_config();
  keyword_matcher m(cfg.intents);
  auto each_line = [](const std::string& file, auto&& check) {
    std::istringstream in(test::read_file(test::source_path(file)));
    int n = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      ++n;
      CAPTURE(line);
      check(line);
    }
    return n;
  };
  CHECK(each_line("tests/data/human_requests.txt",
                  [&](const std::string& l) { CHECK(best(m, cfg, l) == "request_human"); }) >= 50);
  CHECK(each_line("tests/data/not_human_requests.txt",
                  [&](const std::string& l) { CHECK(best(m, cfg, l) != "request_human"); }) >= 10);
}
