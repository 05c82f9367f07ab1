// Matchers chosen by name: the trained statistical matcher, the ensemble,
// host-scored matchers and the registry the engine builds them from.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <handoff/handoff.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "support/scenario.hpp"

using namespace handoff;

namespace {

// The best intent's id for `text`, or "" when the matcher finds nothing.
std::string best(const intent_matcher& m, const bot_config& cfg, std::string_view text) {
  std::vector<intent_match> out;
  out = test::candidates(m, text, "");
  rank_matches(out);
  return out.empty() ? "" : cfg.intents[out.front().intent].id;
}

const linear_matcher& shop_linear() {
  static const linear_matcher m(test::shop_config().intents, test::shop_config().understanding);
  return m;
}

std::filesystem::path temp_file(const char* name) { return std::filesystem::temp_directory_path() / name; }

}  // namespace

TEST_CASE("the linear matcher trains on the bot's examples and chooses its threshold by cross-validation") {
  const auto& cfg = test::shop_config();
  const auto& m = shop_linear();
  const auto& r = m.report();
  CHECK(r.threshold_chosen);
  CHECK(r.threshold > 0.0);
  CHECK(r.threshold < 1.0);
  CHECK(r.intents >= 10);
  CHECK(r.examples > 200);
  CHECK(r.cv_in_scope_accuracy > 0.6);
  CHECK(r.cv_out_of_scope_recall > 0.5);
  // One of the weights the cross-validation tries for unknown words.
  CHECK((r.unknown_weight == 0.25 || r.unknown_weight == 0.5 || r.unknown_weight == 1.0 || r.unknown_weight == 2.0));
  // Paraphrases that are in no example or keyword.
  CHECK(best(m, cfg, "my parcel still hasn't shown up, where is it") == "order_status");
  CHECK(best(m, cfg, "我买的裙子到哪儿了") == "order_status");
  CHECK(best(m, cfg, "can i put this jumper in the washing machine") == "product_care");
  CHECK(best(m, cfg, "退的钱什么时候能到我卡上") == "refund_status");
  // Nothing the shop does.
  CHECK(best(m, cfg, "what is the square root of 144") == "");
  CHECK(best(m, cfg, "帮我订一张去上海的机票") == "");
}

TEST_CASE("the linear matcher never hands over on a guess") {
  const auto& cfg = test::shop_config();
  for (const char* text : {"转人工", "I want to speak to a human", "找你们经理", "你们用的是人工智能吗"}) {
    CAPTURE(text);
    std::vector<intent_match> out;
    out = test::candidates(shop_linear(), text, "");
    for (const auto& c : out) CHECK_FALSE(cfg.intents[c.intent].requests_human);
  }
}

TEST_CASE("the linear matcher's confidences are in [0, 1] and the runner-up is no surer than the best") {
  for (const char* text : {"refund", "退款", "hello", "where is my order", "asdfgh", "退款 物流 营业时间"}) {
    CAPTURE(text);
    std::vector<intent_match> out;
    out = test::candidates(shop_linear(), text, "");
    for (const auto& c : out) {
      CHECK(c.confidence >= 0.0);
      CHECK(c.confidence <= 1.0);
      CHECK_FALSE(c.command);
    }
    if (out.size() == 2) CHECK(out[1].confidence <= out[0].confidence);
  }
}

TEST_CASE("a configured threshold overrides the chosen one") {
  auto cfg = test::shop_config();
  cfg.understanding.threshold = 1.0;  // nothing is that sure
  linear_matcher strict(cfg.intents, cfg.understanding);
  CHECK_FALSE(strict.report().threshold_chosen);
  CHECK(best(strict, cfg, "where is my order") == "");
  cfg.understanding.threshold = 0.0;
  linear_matcher lax(cfg.intents, cfg.understanding);
  CHECK(best(lax, cfg, "what is the square root of 144") != "");
}

TEST_CASE("the linear matcher reads a trained model named by the configuration") {
  auto cfg = test::shop_config();
  auto model = linear_model::train(training_examples(cfg.intents), {.seed = 7, .min_count = 1});
  model.set_threshold(0.25f);
  auto file = temp_file("handoff-test-shop.model");
  model.save(file);
  cfg.understanding.model = file.string();
  linear_matcher m(cfg.intents, cfg.understanding);
  CHECK(m.report().threshold == doctest::Approx(0.25));
  CHECK(m.model()->serialize() == model.serialize());
  CHECK(best(m, cfg, "where is my order") == "order_status");

  // A model of other intents, and a file that is no model, are refused
  // when the bot is loaded.
  auto other = linear_model::train(std::vector<labelled_text>{{"a b", "alpha"}, {"c d", "beta"}}, {.min_count = 1});
  other.save(file);
  CHECK_THROWS_WITH_AS(linear_matcher(cfg.intents, cfg.understanding),
                       doctest::Contains("handoff.config.model_mismatch"), config_error);
  std::ofstream(file) << "not a model";
  CHECK_THROWS_WITH_AS(linear_matcher(cfg.intents, cfg.understanding), doctest::Contains("handoff.config.bad_model"),
                       config_error);
  std::filesystem::remove(file);
  CHECK_THROWS_WITH_AS(linear_matcher(cfg.intents, cfg.understanding), doctest::Contains("handoff.config.bad_model"),
                       config_error);
}

TEST_CASE("a bot with too few intents to learn has a silent statistical matcher") {
  bot_config cfg;
  cfg.languages = {"en"};
  intent_definition only;
  only.id = "only";
  only.examples = {{"en", {"hello there"}}};
  cfg.intents.push_back(only);
  linear_matcher m(cfg.intents, cfg.understanding);
  CHECK(m.model() == nullptr);
  CHECK(best(m, cfg, "hello there") == "");
}

namespace {

// A host matcher that counts its calls and answers with fixed scores.
struct counting_scores {
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  std::vector<double> values;
  void operator()(std::string_view, std::string_view, std::span<double> scores) const {
    ++*calls;
    for (std::size_t i = 0; i < scores.size() && i < values.size(); ++i) scores[i] = values[i];
  }
};

std::uint32_t index_of(const bot_config& cfg, std::string_view id) {
  return static_cast<std::uint32_t>(cfg.find_intent(id) - cfg.intents.data());
}

}  // namespace

TEST_CASE("a host-scored matcher turns the host's scores into candidates") {
  const auto& cfg = test::shop_config();
  counting_scores s;
  s.values.assign(cfg.intents.size(), 0.0);
  s.values[index_of(cfg, "shipping_times")] = 0.9;
  s.values[index_of(cfg, "order_status")] = 7.0;  // clamped to 1
  s.values[index_of(cfg, "thanks")] = std::nan("");
  s.values[index_of(cfg, "goodbye")] = 0.2;  // below the threshold
  scored_matcher m("embeddings", cfg.intents.size(), s, 0.5);
  CHECK(m.name() == "embeddings");
  std::vector<intent_match> out;
  out = test::candidates(m, "anything", "en");
  rank_matches(out);
  REQUIRE(out.size() == 2);
  CHECK(cfg.intents[out[0].intent].id == "order_status");
  CHECK(out[0].confidence == 1.0);
  CHECK(cfg.intents[out[1].intent].id == "shipping_times");
  CHECK(*s.calls == 1);

  scored_matcher failing("flaky", cfg.intents.size(), [](std::string_view, std::string_view, std::span<double>) {
    throw std::runtime_error("service down");
  });
  out.clear();
  out = test::candidates(failing, "anything", "en");
  CHECK(out.empty());
}

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

namespace {

// A host matcher that never finds anything and does not say why: it does
// not judge whether a message is in scope.
struct silent_matcher final : intent_matcher {
  std::string_view name() const noexcept override { return "silent"; }

 protected:
  void read_message(const normalized_text&, std::string_view, intent_reading&) const override {}
};

// Keywords, then a host matcher with these scores (threshold 0.5) that
// judges whether a message is in scope.
ensemble_matcher keywords_then(const bot_config& cfg, const counting_scores& s, bool judges = true) {
  std::vector<std::unique_ptr<intent_matcher>> parts;
  parts.push_back(std::make_unique<keyword_matcher>(cfg.intents));
  parts.push_back(std::make_unique<scored_matcher>("host", cfg.intents.size(), s, 0.5, judges));
  return ensemble_matcher(std::move(parts), 0.9);
}

}  // namespace

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

TEST_CASE("the registry builds what the configuration names, the host's matchers included") {
  matcher_registry registry;
  CHECK(registry.contains("keywords"));
  CHECK(registry.contains("linear"));
  CHECK(registry.contains("ensemble"));
  CHECK(registry.create("ensemble", test::shop_config())->name() == "ensemble");
  auto cfg = test::shop_config();
  cfg.understanding.matchers = {"keywords", "nonesuch"};
  CHECK_THROWS_WITH_AS(registry.create_for(cfg), doctest::Contains("handoff.config.unknown_matcher"), config_error);
  CHECK_THROWS_AS(engine{cfg}, config_error);

  // A host matcher that reads every message as a question about shipping.
  counting_scores s;
  s.values.assign(cfg.intents.size(), 0.0);
  s.values[index_of(cfg, "shipping_times")] = 0.95;
  registry.add("nonesuch", [s](const matcher_setup& c) {
    return std::make_unique<scored_matcher>("nonesuch", c.intents.size(), s);
  });
  engine bot(cfg, {.matchers = &registry});
  auto out = test::run_lines(bot, R"({"type":"customer_message","conversation":"r1","text":"tell me about the moon"})");
  auto messages = test::of_type(out, "bot_message");
  REQUIRE(messages.size() == 1);
  CHECK(messages[0]["intent"] == "shipping_times");

  cfg.understanding.matchers = {"keywords"};
  engine keywords_only(cfg);
  out = test::run_lines(
      keywords_only,
      R"({"type":"customer_message","conversation":"r2","text":"has the jumper i bought been sent out yet"})");
  CHECK(test::of_type(out, "bot_message")[0]["kind"] == "fallback");
}

TEST_CASE("host matchers run outside the engine's lock, side by side on several threads") {
  // A scorer that waits (up to five seconds) until a second call is inside
  // it at the same time: with the lock held around matchers, the second
  // message could not get there and the wait would run out.
  struct meeting {
    std::mutex m;
    std::condition_variable cv;
    int inside = 0;
    bool met = false;
  };
  auto place = std::make_shared<meeting>();
  auto cfg = test::shop_config();
  cfg.understanding.matchers = {"keywords", "slow"};
  matcher_registry registry;
  registry.add("slow", [place](const matcher_setup& c) {
    return std::make_unique<scored_matcher>(
        "slow", c.intents.size(), [place](std::string_view, std::string_view, std::span<double>) {
          std::unique_lock lock(place->m);
          if (++place->inside >= 2) {
            place->met = true;
            place->cv.notify_all();
          } else {
            place->cv.wait_for(lock, std::chrono::seconds(5), [&] { return place->met; });
          }
          --place->inside;
        });
  });
  engine bot(cfg, {.matchers = &registry});
  place->met = false;
  auto ask = [&](std::string id) {
    std::vector<output_event> out;
    bot.handle(in::customer_message{std::move(id), "tell me about the moon", std::nullopt, {}, "web"}, out);
    CHECK(!out.empty());
  };
  std::thread a(ask, "m1"), b(ask, "m2");
  a.join();
  b.join();
  CHECK(place->met);
}

TEST_CASE("the demo bot's evaluation sets share no message with what it was taught") {
  std::set<std::string> taught;
  for (const auto& e : training_examples(test::shop_config().intents))
    taught.insert(std::string(normalized_text(e.text).text()));
  // Each file with how many messages it has at least (one that did not load
  // is not a pass).
  for (const auto& [file, at_least] :
       std::vector<std::pair<const char*, std::size_t>>{{"tests/data/shop_eval_zh.tsv", 300},
                                                        {"tests/data/shop_eval_en.tsv", 120},
                                                        {"tests/data/off_topic_zh.tsv", 70},
                                                        {"tests/data/off_topic_en.tsv", 70},
                                                        {"tests/data/refund_asks.tsv", 90},
                                                        {"tests/data/courtesy.tsv", 95},
                                                        {"tests/data/everyday_off_topic.tsv", 110},
                                                        {"tests/data/courtesy_off_topic.tsv", 26}}) {
    std::istringstream in(test::read_file(test::source_path(file)));
    std::size_t lines = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      auto tab = line.find('\t');
      REQUIRE(tab != std::string::npos);
      if (line.substr(0, tab) == "clarify") continue;  // a bare "refund" is a keyword by design
      ++lines;
      auto text = std::string(normalized_text(line.substr(tab + 1)).text());
      CAPTURE(file);
      CAPTURE(text);
      CHECK(taught.count(text) == 0);
    }
    CAPTURE(file);
    CHECK(lines >= at_least);
  }
}

TEST_CASE("the built-in ensemble is made of the registry's own keywords and linear matchers") {
  const auto& cfg = test::shop_config();
  counting_scores s;
  s.values.assign(cfg.intents.size(), 0.0);
  s.values[index_of(cfg, "shipping_times")] = 0.9;
  matcher_registry registry;
  registry.add("linear",
               [s](const matcher_setup& c) { return std::make_unique<scored_matcher>("linear", c.intents.size(), s); });
  auto m = registry.create("ensemble", cfg);
  CHECK(m->name() == "ensemble");
  CHECK(best(*m, cfg, "opening hours") == "opening_hours");            // a certain keyword
  CHECK(best(*m, cfg, "tell me about the moon") == "shipping_times");  // the host's "linear"
  CHECK(*s.calls == 1);

  // The checker knows every built-in name, and only those.
  auto problems = check_config(R"({"languages":["en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},
    "intents":[],"queues":[{"id":"q"}],"understanding":{"matchers":["ensemble","keywords","linear","embedings"]}})");
  std::vector<std::string> warned;
  for (const auto& p : problems)
    if (p.id == "handoff.config.unknown_matcher") warned.push_back(p.pointer);
  CHECK(warned == std::vector<std::string>{"/understanding/matchers/3"});
}

TEST_CASE("a reading belongs to its caller: interleaved messages and matchers built anew read as fresh ones do") {
  const auto& cfg = test::shop_config();
  auto m = matcher_registry{}.create("ensemble", cfg);
  const std::vector<std::string_view> texts = {"hello, who invented the telephone", "where is my order", "面霜咋保存",
                                               "translate hello into french", "维修要多久"};
  // Each message read alone, in a reading of its own.
  std::vector<intent_reading> fresh(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) m->read(normalized_text(texts[i]), "", fresh[i]);
  auto same = [](const intent_reading& a, const intent_reading& b) {
    if (a.candidates.size() != b.candidates.size() || a.near.has_value() != b.near.has_value()) return false;
    for (std::size_t k = 0; k < a.candidates.size(); ++k)
      if (a.candidates[k].intent != b.candidates[k].intent || a.candidates[k].confidence != b.candidates[k].confidence)
        return false;
    return !a.near || (a.near->intent == b.near->intent && a.near->closeness == b.near->closeness);
  };
  // One reading for all of them, twice round, by this matcher and by one
  // built after it (as a reload does): nothing of one message or one matcher
  // leaks into the next.
  intent_reading shared;
  auto again = matcher_registry{}.create("ensemble", cfg);
  for (int round = 0; round < 2; ++round)
    for (std::size_t i = texts.size(); i-- > 0;) {
      CAPTURE(texts[i]);
      (round == 0 ? *m : *again).read(normalized_text(texts[i]), "", shared);
      CHECK(same(shared, fresh[i]));
    }
  // The near miss is there for a message nothing fits, and not otherwise.
  CHECK(fresh[2].candidates.empty());
  CHECK(fresh[2].near.has_value());
  CHECK_FALSE(fresh[1].candidates.empty());
  CHECK_FALSE(fresh[1].near.has_value());
}
