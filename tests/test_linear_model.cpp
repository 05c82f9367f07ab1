// The trained statistical matcher: learning, determinism and model files.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <handoff/error.hpp>
#include <handoff/matchers/linear_model.hpp>
#include <limits>
#include <thread>

using namespace handoff;

namespace {

std::vector<labelled_text> small_set() {
  std::vector<labelled_text> d;
  for (const char* t : {"where is my order", "track my package", "has my parcel shipped", "my order has not arrived",
                        "我的订单到哪了", "快递什么时候到", "查一下物流", "包裹还没到"})
    d.push_back({t, "order_status"});
  for (const char* t : {"i want my money back", "how do i get a refund", "refund please", "can i return this",
                        "我要退款", "怎么退货", "退钱", "能退吗"})
    d.push_back({t, "refund"});
  for (const char* t : {"when are you open", "opening hours", "what time do you close", "are you open on sunday",
                        "几点上班", "营业时间", "周末营业吗", "几点关门"})
    d.push_back({t, "hours"});
  return d;
}

std::string best(const linear_model& m, std::string_view text) {
  return m.labels()[m.predict(normalized_text(text)).label];
}

// The bytes of a model as an older file format wrote them: before format 5
// there was no shortest inner n-gram (the int32 after the margin kind, at
// offset 45), before format 4 no margin kind (the byte after the threshold,
// at 44); the version patched and the checksum (FNV-1a over the rest)
// written again. Older formats took every n-gram: convert only models
// trained with `every_ngram`.
std::vector<std::uint8_t> as_format(std::vector<std::uint8_t> bytes, std::uint8_t version) {
  if (version < 5) bytes.erase(bytes.begin() + 45, bytes.begin() + 49);
  if (version < 4) bytes.erase(bytes.begin() + 44);
  bytes[8] = version;
  std::uint64_t h = 14695981039346656037ull;
  for (std::size_t i = 0; i + 8 < bytes.size(); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  std::memcpy(bytes.data() + bytes.size() - 8, &h, 8);
  return bytes;
}

linear_options every_ngram() {
  linear_options o;
  o.min_count = 1;
  o.char_ngram_inner_min = o.char_ngram_min;
  return o;
}

}  // namespace

TEST_CASE("the linear model learns intents in English, Chinese and both") {
  linear_options o;
  o.min_count = 1;  // a tiny set: keep every feature
  auto m = linear_model::train(small_set(), o);
  CHECK(m.labels() == std::vector<std::string>{"hours", "order_status", "refund"});
  CHECK(best(m, "where's my package") == "order_status");
  CHECK(best(m, "I'd like a refund") == "refund");
  CHECK(best(m, "are you open today") == "hours");
  CHECK(best(m, "订单到哪里了") == "order_status");
  CHECK(best(m, "我想退款") == "refund");
  CHECK(best(m, "我的order到哪了") == "order_status");
  auto p = m.predict(normalized_text("refund"));
  CHECK(p.confidence > 0);
  CHECK(p.confidence <= 1);
  CHECK(p.runner_up != p.label);
  std::vector<float> probs(3);
  m.probabilities(normalized_text("refund"), probs);
  CHECK(probs[0] + probs[1] + probs[2] == doctest::Approx(1.0));
  CHECK(probs[2] > probs[0]);
}

TEST_CASE("words the model never saw lower its confidence") {
  linear_options o;
  o.min_count = 1;
  auto m = linear_model::train(small_set(), o);
  auto known = m.predict(normalized_text("refund please"));
  auto diluted = m.predict(normalized_text("refund please quantum chromodynamics lecture notes"));
  CHECK(m.labels()[known.label] == "refund");
  CHECK(diluted.confidence < known.confidence);
  o.unknown_weight = 0;  // unknown words ignored: only their known character n-grams count
  auto blind = linear_model::train(small_set(), o);
  auto blind_known = blind.predict(normalized_text("refund please"));
  auto blind_diluted = blind.predict(normalized_text("refund please quantum chromodynamics lecture notes"));
  CHECK(known.confidence - diluted.confidence > 2 * (blind_known.confidence - blind_diluted.confidence));
}

TEST_CASE("the share of a message's words the model never learnt") {
  linear_options o;
  o.min_count = 1;
  auto m = linear_model::train(small_set(), o);
  CHECK(m.unknown_share(normalized_text("refund please")) == 0.0f);
  CHECK(m.unknown_share(normalized_text("refund please quantum chromodynamics")) == doctest::Approx(0.5));
  // A Han character is a word; a pair of them is not counted again.
  CHECK(m.unknown_share(normalized_text("我要退款")) == 0.0f);
  CHECK(m.unknown_share(normalized_text("讲个笑话")) == 1.0f);
  CHECK(m.unknown_share(normalized_text("退款 笑话")) == doctest::Approx(0.5));
  CHECK(m.unknown_share(normalized_text("")) == 0.0f);
  CHECK(m.unknown_share(normalized_text("!!! ...")) == 0.0f);
  // A word dropped for being in one example only is unknown too.
  o.min_count = 2;
  auto pruned = linear_model::train(small_set(), o);
  CHECK(pruned.unknown_share(normalized_text("chromodynamics")) == 1.0f);
  CHECK(linear_model{}.unknown_share(normalized_text("refund")) == 0.0f);
}

TEST_CASE("the labels' bias, scaled down, leaves a message to its features") {
  // One label with many examples: with its bias, a message of unknown words
  // leans to it; without, every label is as likely.
  auto d = small_set();
  for (const char* t : {"where is my parcel now", "order status please", "my delivery is late", "when will it arrive",
                        "track order", "订单状态", "快递到哪了", "物流信息"})
    d.push_back({t, "order_status"});
  const normalized_text unknown("zzz qqq");
  std::vector<float> p(3);
  linear_options o;
  o.min_count = 1;
  auto m = linear_model::train(d, o);
  REQUIRE(m.labels() == std::vector<std::string>{"hours", "order_status", "refund"});
  CHECK(m.bias_scale() == 1.0f);
  m.probabilities(unknown, p);
  CHECK(p[1] > p[0]);
  CHECK(p[1] > p[2]);
  const normalized_text known("when does the shop close");
  const auto as_trained = m.predict(known);
  m.set_bias_scale(0);
  m.probabilities(unknown, p);
  CHECK(p[0] == doctest::Approx(p[1]));
  CHECK(p[1] == doctest::Approx(p[2]));
  // Scaling is from the bias as trained, not from the last scale.
  m.set_bias_scale(0.5f);
  m.set_bias_scale(1);
  CHECK(m.predict(known).margin == as_trained.margin);
  // A saved model keeps the scaled bias as its own.
  m.set_bias_scale(0.5f);
  const auto half = m.predict(known);
  auto loaded = linear_model::deserialize(m.serialize());
  CHECK(loaded.bias_scale() == 1.0f);
  CHECK(loaded.predict(known).margin == half.margin);
  CHECK(half.margin != as_trained.margin);
  // Out of range, the nearest end; NaN, which would make every score NaN, 0.
  m.set_bias_scale(7);
  CHECK(m.bias_scale() == 1.0f);
  CHECK(m.predict(known).margin == as_trained.margin);
  m.set_bias_scale(-1);
  CHECK(m.bias_scale() == 0.0f);
  m.set_bias_scale(std::numeric_limits<float>::quiet_NaN());
  CHECK(m.bias_scale() == 0.0f);
  CHECK(std::isfinite(m.predict(known).margin));
}

TEST_CASE("a minimum of steps gives a small data set more epochs, and nothing else changes") {
  linear_options o;
  o.min_count = 1;
  o.epochs = 40;
  auto forty = linear_model::train(small_set(), o).serialize();
  o.epochs = 16;
  o.min_steps = 40 * small_set().size();
  CHECK(linear_model::train(small_set(), o).serialize() == forty);
  o.min_steps = 40 * small_set().size() - 1;  // whole epochs: rounded up
  CHECK(linear_model::train(small_set(), o).serialize() == forty);
  o.min_steps = 1;  // fewer than the epochs give: the epochs
  o.epochs = 40;
  CHECK(linear_model::train(small_set(), o).serialize() == forty);
  o.min_steps = 2'000'000'000;
  CHECK_THROWS_AS(linear_model::train(small_set(), o), error);
}

TEST_CASE("training is deterministic for a seed") {
  linear_options o;
  o.min_count = 1;
  auto a = linear_model::train(small_set(), o).serialize();
  auto b = linear_model::train(small_set(), o).serialize();
  CHECK(a == b);
  o.seed = 2;
  CHECK(linear_model::train(small_set(), o).serialize() != a);
}

TEST_CASE("calibration maps margins to the chance of being right") {
  linear_options o;
  o.min_count = 1;
  auto m = linear_model::train(small_set(), o);
  auto held_back = small_set();
  held_back.push_back({"what is the weather on mars", "oos"});
  held_back.push_back({"tell me a joke", "oos"});
  m.calibrate(held_back);
  CHECK(m.predict(normalized_text("refund please")).confidence >
        m.predict(normalized_text("what is the capital of peru")).confidence);
}

TEST_CASE("model files: a round trip keeps every prediction, and bad files are refused") {
  linear_options o;
  o.min_count = 1;
  auto m = linear_model::train(small_set(), o);
  auto path = std::filesystem::temp_directory_path() / "handoff-test-linear.model";
  m.save(path);
  auto back = linear_model::load(path);
  std::filesystem::remove(path);
  CHECK(back.labels() == m.labels());
  // Every training message too, so that every row is read, the last one
  // included (rows are read past their end; under AddressSanitizer a model
  // without room for that fails here).
  std::vector<std::string> texts{"where is my order", "退款", "opening hours please", "something else entirely"};
  for (const auto& e : small_set()) texts.push_back(e.text);
  for (const auto& t : texts) {
    CAPTURE(t);
    auto a = m.predict(normalized_text(t)), b = back.predict(normalized_text(t));
    CHECK(a.label == b.label);
    CHECK(a.confidence == b.confidence);
  }
  auto bytes = m.serialize();
  CHECK(back.serialize() == bytes);

  auto truncated = bytes;
  truncated.resize(bytes.size() / 2);
  CHECK_THROWS_AS(linear_model::deserialize(truncated), handoff::error);
  auto corrupted = bytes;
  corrupted[bytes.size() / 2] ^= 0x40;
  CHECK_THROWS_WITH_AS(linear_model::deserialize(corrupted), "linear model file: checksum mismatch (corrupted)",
                       handoff::error);
  std::vector<std::uint8_t> foreign{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  CHECK_THROWS_WITH_AS(linear_model::deserialize(foreign), "not a handoff linear model file", handoff::error);
  auto newer = bytes;
  newer[8] = 99;  // the format version follows the 8-byte magic
  CHECK_THROWS_WITH_AS(linear_model::deserialize(newer),
                       "linear model file: format version 99, this library reads 1 to 5", handoff::error);
  CHECK_THROWS_AS(linear_model::deserialize({}), handoff::error);
  CHECK_THROWS_AS(linear_model::load("/no/such/model"), handoff::error);
}

TEST_CASE("out-of-scope examples teach what belongs to no label") {
  linear_options o;
  o.min_count = 1;
  o.feature_dropout = 0;
  const std::vector<std::string> elsewhere{"where is the train station",
                                           "where is the nearest bank",
                                           "what time is it in tokyo",
                                           "is the museum open on sunday",
                                           "火车站在哪里",
                                           "银行几点关门"};
  auto plain = linear_model::train(small_set(), o);
  auto taught = linear_model::train(small_set(), elsewhere, o);
  auto top = [](const linear_model& m, std::string_view text) {
    std::vector<float> p(m.labels().size());
    m.probabilities(normalized_text(text), p);
    return *std::max_element(p.begin(), p.end());
  };
  // Messages like the out-of-scope ones, never seen in training.
  for (const char* text : {"where is the bus station", "where is the nearest bus stop", "附近的银行在哪里"}) {
    CAPTURE(std::string(text));
    CHECK(top(taught, text) < top(plain, text));
  }
  // The intents are still learnt, with confidence.
  CHECK(best(taught, "where's my package") == "order_status");
  CHECK(best(taught, "are you open today") == "hours");
  CHECK(best(taught, "我想退款") == "refund");
  CHECK(top(taught, "refund please") > 0.5f);
  // They add no features (the file has the same tables, other weights),
  // and training stays deterministic.
  CHECK(taught.serialize().size() == plain.serialize().size());
  CHECK(taught.serialize() != plain.serialize());
  CHECK(linear_model::train(small_set(), elsewhere, o).serialize() == taught.serialize());
  // Weight 0 ignores them.
  o.out_of_scope_weight = 0;
  CHECK(linear_model::train(small_set(), elsewhere, o).serialize() == plain.serialize());
  o.out_of_scope_weight = -1;
  CHECK_THROWS_AS(linear_model::train(small_set(), elsewhere, o), handoff::error);
}

TEST_CASE("an unseen pair of familiar Han characters is not an unknown word") {
  linear_options o = every_ngram();
  o.margin = margin_kind::over_mean;  // as format-2 files had
  auto m = linear_model::train(small_set(), o);
  // The same model as a format-2 file, whose models counted every unseen
  // feature.
  auto old = linear_model::deserialize(as_format(m.serialize(), 2));
  auto margin = [](const linear_model& model, std::string_view text) {
    return model.predict(normalized_text(text)).margin;
  };
  // 钱 and 退 are known, the pair 钱退 is not.
  CHECK(margin(m, "钱退吗") > margin(old, "钱退吗"));
  CHECK(best(m, "钱退吗") == "refund");
  // An unseen character counts the same in both, and English is unchanged.
  CHECK(margin(m, "退钱") == doctest::Approx(margin(old, "退钱")));
  CHECK(margin(m, "where is my parcel") == margin(old, "where is my parcel"));
  CHECK(margin(m, "退钱魑") < margin(m, "退钱"));
}

TEST_CASE("confidence from the best label's log-probability, or from the best score less the mean") {
  linear_options o;
  o.min_count = 1;
  auto m = linear_model::train(small_set(), o);
  CHECK(m.margin() == margin_kind::log_probability);
  for (const char* t : {"where is my order", "退款", "opening hours please", "something else entirely", "zzz"}) {
    CAPTURE(std::string(t));
    std::vector<float> p(m.labels().size());
    m.probabilities(normalized_text(t), p);
    const auto prediction = m.predict(normalized_text(t));
    CHECK(prediction.margin <= 0.0f);
    CHECK(prediction.margin == doctest::Approx(std::log(p[prediction.label])).epsilon(1e-4));
  }
  // A confident message keeps a margin apart from 0, where 1 + e^-20 would
  // round to 1.
  CHECK(m.predict(normalized_text("where is my order")).margin < 0.0f);
  // The kind is saved with the model; files before format 4 fitted their
  // confidence on the best score less the mean, and keep it.
  CHECK(linear_model::deserialize(m.serialize()).margin() == margin_kind::log_probability);
  o = every_ngram();
  o.margin = margin_kind::over_mean;
  auto mean = linear_model::train(small_set(), o);
  CHECK(mean.margin() == margin_kind::over_mean);
  CHECK(mean.predict(normalized_text("where is my order")).margin > 0.0f);
  // The kind can change after training, with no retraining: the same
  // scores, another margin (then calibrated again), saved with the model.
  auto switched = linear_model::train(small_set(), o);
  switched.set_margin(margin_kind::log_probability);
  CHECK(switched.margin() == margin_kind::log_probability);
  CHECK(switched.predict(normalized_text("where is my order")).margin < 0.0f);
  CHECK(switched.predict(normalized_text("where is my order")).label ==
        mean.predict(normalized_text("where is my order")).label);
  CHECK(linear_model::deserialize(switched.serialize()).margin() == margin_kind::log_probability);
  auto v3 = linear_model::deserialize(as_format(mean.serialize(), 3));
  CHECK(v3.margin() == margin_kind::over_mean);
  for (const char* t : {"where is my order", "退款", "something else entirely"}) {
    CAPTURE(std::string(t));
    CHECK(v3.predict(normalized_text(t)).margin == mean.predict(normalized_text(t)).margin);
    CHECK(v3.predict(normalized_text(t)).confidence == mean.predict(normalized_text(t)).confidence);
  }
  // Only the two kinds are read.
  auto bad = m.serialize();
  bad[44] = 7;
  bad = as_format(bad, 4);
  CHECK_THROWS_WITH_AS(linear_model::deserialize(bad), "linear model file: bad margin kind", handoff::error);
}

TEST_CASE("a label with fewer examples is not outweighed by one with more") {
  // Eight examples of `refund` and of `hours`, two of `order_status` (one
  // in four): an intent's author wrote fewer, which says nothing of how
  // often customers ask for it.
  std::vector<labelled_text> uneven;
  int order_status = 0;
  for (const auto& e : small_set())
    if (e.label != "order_status" || order_status++ % 4 == 0) uneven.push_back(e);
  linear_options o;
  o.min_count = 1;
  o.label_balance = 0;
  auto alike = linear_model::train(uneven, o);
  o.label_balance = 1;
  auto balanced = linear_model::train(uneven, o);
  auto probability = [](const linear_model& m, std::string_view text, std::string_view label) {
    std::vector<float> p(m.labels().size());
    m.probabilities(normalized_text(text), p);
    return p[static_cast<std::size_t>(std::find(m.labels().begin(), m.labels().end(), label) - m.labels().begin())];
  };
  for (const char* t : {"where is my order", "包裹到哪了", "is my order on its way"}) {
    CAPTURE(t);
    CHECK(probability(balanced, t, "order_status") > probability(alike, t, "order_status"));
  }
  // With as many examples per label, the weights are all 1: the same model.
  o.label_balance = 0;
  auto even_alike = linear_model::train(small_set(), o);
  o.label_balance = 1;
  CHECK(linear_model::train(small_set(), o).serialize() == even_alike.serialize());
  o.label_balance = 1.5f;
  CHECK_THROWS_AS(linear_model::train(small_set(), o), handoff::error);
}

TEST_CASE("short character n-grams come from a word's ends only, and older files keep every one") {
  linear_options o;
  o.min_count = 1;
  auto ends = linear_model::train(small_set(), o);
  auto every = linear_model::train(small_set(), every_ngram());
  // Fewer features: the inner pairs and triples of letters are gone.
  CHECK(ends.serialize().size() < every.serialize().size());
  CHECK(best(ends, "where is my order") == "order_status");
  CHECK(best(ends, "how do i get a refund") == "refund");
  // A message that shares only an inner pair of letters with the examples
  // ("ef" of "refund") has nothing known to the model that skips them.
  CHECK(ends.predict(normalized_text("zzefzz")).margin < every.predict(normalized_text("zzefzz")).margin);
  // Both survive a round trip; a format-4 file (no setting) takes every
  // n-gram, as models did then.
  auto v4 = linear_model::deserialize(as_format(every.serialize(), 4));
  for (const char* t : {"where is my order", "refunding", "zzefzz", "opening hours please"}) {
    CAPTURE(std::string(t));
    CHECK(linear_model::deserialize(ends.serialize()).predict(normalized_text(t)).margin ==
          ends.predict(normalized_text(t)).margin);
    CHECK(v4.predict(normalized_text(t)).margin == every.predict(normalized_text(t)).margin);
  }
  // A nonsensical setting in a file is refused.
  auto bad = ends.serialize();
  std::memset(bad.data() + 45, 0, 4);
  bad = as_format(bad, 5);
  CHECK_THROWS_WITH_AS(linear_model::deserialize(bad), "linear model file: bad shortest inner n-gram", handoff::error);
}

TEST_CASE("training refuses data it cannot learn from") {
  CHECK_THROWS_AS(linear_model::train({}), handoff::error);
  std::vector<labelled_text> one_label{{"a", "x"}, {"b", "x"}};
  CHECK_THROWS_AS(linear_model::train(one_label), handoff::error);
  linear_options o;
  o.feature_dropout = 1;  // would hide every feature
  CHECK_THROWS_AS(linear_model::train(small_set(), o), handoff::error);
  o.feature_dropout = -0.1f;
  CHECK_THROWS_AS(linear_model::train(small_set(), o), handoff::error);
  o = {};
  o.unknown_weight = std::numeric_limits<float>::infinity();  // a file of it could not be loaded
  CHECK_THROWS_WITH_AS(linear_model::train(small_set(), o),
                       "linear model: unknown_weight must be finite and at least 0", handoff::error);
  o.unknown_weight = -1;
  CHECK_THROWS_AS(linear_model::train(small_set(), o), handoff::error);
}

TEST_CASE("feature dropout changes what is learnt, deterministically") {
  linear_options o;
  o.min_count = 1;
  o.feature_dropout = 0;
  auto whole = linear_model::train(small_set(), o).serialize();
  o.feature_dropout = 0.5f;
  auto dropped = linear_model::train(small_set(), o);
  CHECK(dropped.serialize() != whole);
  CHECK(linear_model::train(small_set(), o).serialize() == dropped.serialize());
  CHECK(best(dropped, "I'd like a refund") == "refund");
  CHECK(best(dropped, "订单到哪里了") == "order_status");
}

TEST_CASE("a batch of predictions is the same as one at a time") {
  linear_options o;
  o.min_count = 1;
  auto m = linear_model::train(small_set(), o);
  // Fewer, as many as and more than the pipeline's stages, with empty,
  // unknown, mixed-script and long messages among them.
  std::vector<std::string> texts{"where is my order",
                                 "",
                                 "我要退款",
                                 "refund",
                                 "quantum chromodynamics",
                                 "我的order到哪了",
                                 std::string(3000, 'x') + " refund",
                                 "opening hours",
                                 "!!!"};
  for (std::size_t n : {0u, 1u, 2u, 3u, 9u}) {
    CAPTURE(n);
    std::vector<normalized_text> norm;
    for (std::size_t i = 0; i < n; ++i) norm.emplace_back(texts[i]);
    std::vector<linear_prediction> out(n);
    m.predict(std::span<const normalized_text>(norm), std::span<linear_prediction>(out));
    for (std::size_t i = 0; i < n; ++i) {
      CAPTURE(texts[i].substr(0, 40));
      auto one = m.predict(norm[i]);
      CHECK(out[i].label == one.label);
      CHECK(out[i].confidence == one.confidence);
      CHECK(out[i].runner_up == one.runner_up);
      CHECK(out[i].margin == one.margin);
    }
  }
  std::vector<normalized_text> two(2);
  std::vector<linear_prediction> one_slot(1);
  CHECK_THROWS_AS(m.predict(std::span<const normalized_text>(two), std::span<linear_prediction>(one_slot)),
                  handoff::error);
}

TEST_CASE("what a thread read before, with this model or another, does not change a message's scores") {
  linear_options o;
  o.min_count = 1;
  auto small = linear_model::train(small_set(), o);
  auto d = small_set();
  for (const char* t : {"do you sell gift cards", "gift card balance", "can i buy a voucher", "礼品卡怎么用"})
    d.push_back({t, "gift_cards"});
  auto larger = linear_model::train(d, o);
  auto probabilities = [](const linear_model& m, std::string_view text) {
    std::vector<float> p(m.labels().size());
    m.probabilities(normalized_text(text), p);
    return p;
  };
  // Messages with repeated words, read first on a thread of their own,
  // where nothing was read before them.
  const std::vector<std::string> texts{"refund refund refund my order", "营业时间 营业时间", "where where is it"};
  std::vector<std::vector<float>> fresh;
  std::thread([&] {
    for (const auto& t : texts) fresh.push_back(probabilities(small, t));
  }).join();
  for (int round = 0; round < 3; ++round)
    for (std::size_t i = 0; i < texts.size(); ++i) {
      CAPTURE(texts[i]);
      (void)probabilities(larger, texts[(i + 1) % texts.size()]);
      (void)probabilities(larger, "gift card gift card");
      CHECK(probabilities(small, texts[i]) == fresh[i]);
    }
}
