// The statistical matcher, `linear`: trained on the bot's examples, its
// threshold chosen by cross-validation, or read from a model file.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <handoff/handoff.hpp>
#include <set>
#include <sstream>

#include "support/matchers.hpp"
#include "support/scenario.hpp"

using namespace handoff;
using test::best;

namespace {

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
