// SPDX-License-Identifier: MIT
// handoff eval: train the statistical matcher on a data set and report how
// well it tells intents apart and knows what it does not know.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>

#include "commands.hpp"
#include "handoff/error.hpp"
#include "handoff/matchers/linear_model.hpp"

namespace handoff::cli {
namespace {

using clock_type = std::chrono::steady_clock;

// A text or label as the data set has it: a string, or a number written
// as JSON writes it (data sets converted from elsewhere often number their
// labels; the peers read them as text too).
bool as_text(const nlohmann::json& v, std::string& out) {
  if (v.is_string())
    out = v.get<std::string>();
  else if (v.is_number())
    out = v.dump();
  else
    return false;
  return true;
}

// The [text, label] items of one split. Items may carry more after the
// label (an id, say), which is ignored. Out-of-scope splits need no label:
// [text] or a bare text will do, and a label they have is kept only for
// --scores.
std::vector<labelled_text> split(const nlohmann::json& data, const char* key) {
  std::vector<labelled_text> out;
  auto it = data.find(key);
  if (it == data.end() || it->is_null()) return out;
  if (!it->is_array()) throw error(fmt::format("--data: `{}` must be a list of [text, label]", key));
  const bool out_of_scope = std::string_view(key).starts_with("oos_");
  std::size_t index = 0;
  for (const auto& item : *it) {
    labelled_text e;
    bool ok;
    if (!item.is_array())
      ok = out_of_scope && as_text(item, e.text);  // a bare text
    else if (item.empty() || !as_text(item[0], e.text))
      ok = false;
    else if (item.size() < 2)
      ok = out_of_scope;  // [text]
    else
      ok = as_text(item[1], e.label) || out_of_scope;  // an out-of-scope label may be anything
    if (!ok)
      throw error(
          fmt::format("--data: item {} of `{}` is not [text, label] (texts and labels are strings or numbers): {}",
                      index, key, item.dump().substr(0, 200)));
    out.push_back(std::move(e));
    ++index;
  }
  return out;
}

struct scored {
  float score;
  bool correct;
};

std::vector<scored> score_all(const linear_model& model, const std::vector<labelled_text>& items) {
  std::vector<scored> out;
  normalized_text norm;
  linear_scratch scratch;
  for (const auto& e : items) {
    norm.assign(e.text);
    auto p = model.predict(norm, scratch);
    out.push_back({p.confidence, model.labels()[p.label] == e.label});
  }
  return out;
}

// The peers' rule (../shared/bench/peers/README.md): the threshold that
// maximises (in-scope accuracy + OOS recall) / 2 on validation, from the
// midpoints between distinct scores plus -inf and +inf, ties to the lowest.
struct threshold_choice {
  double threshold, objective, accuracy, recall;
};

threshold_choice tune(const std::vector<scored>& val, const std::vector<scored>& oos) {
  std::vector<double> all;
  for (const auto& s : val) all.push_back(s.score);
  for (const auto& s : oos) all.push_back(s.score);
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  std::vector<double> candidates{-std::numeric_limits<double>::infinity()};
  for (std::size_t i = 0; i + 1 < all.size(); ++i) candidates.push_back((all[i] + all[i + 1]) / 2);
  candidates.push_back(std::numeric_limits<double>::infinity());
  std::vector<double> ok, o;
  for (const auto& s : val)
    if (s.correct) ok.push_back(s.score);
  for (const auto& s : oos) o.push_back(s.score);
  std::sort(ok.begin(), ok.end());
  std::sort(o.begin(), o.end());
  threshold_choice best{candidates.front(), -1, 0, 0};
  for (double t : candidates) {
    double acc =
        static_cast<double>(ok.end() - std::lower_bound(ok.begin(), ok.end(), t)) / static_cast<double>(val.size());
    double rec = o.empty() ? 0
                           : static_cast<double>(std::lower_bound(o.begin(), o.end(), t) - o.begin()) /
                                 static_cast<double>(o.size());
    double obj = o.empty() ? acc : (acc + rec) / 2;
    if (obj > best.objective) best = {t, obj, acc, rec};
  }
  return best;
}

// How far confidence is from the share right, in ten equal bins of
// confidence, weighted by their messages (expected calibration error). An
// out-of-scope message is never right: whatever label it gets is wrong.
double calibration_error(const std::vector<scored>& in_scope, const std::vector<scored>& out_of_scope) {
  double confidence[10] = {}, right[10] = {}, count[10] = {};
  auto add = [&](const scored& s, bool correct) {
    const auto bin = std::min<std::size_t>(9, static_cast<std::size_t>(std::max(0.0f, s.score) * 10));
    confidence[bin] += s.score;
    right[bin] += correct;
    count[bin] += 1;
  };
  for (const auto& s : in_scope) add(s, s.correct);
  for (const auto& s : out_of_scope) add(s, false);
  const double total = static_cast<double>(in_scope.size() + out_of_scope.size());
  double error = 0;
  for (std::size_t b = 0; b < 10; ++b)
    if (count[b] > 0) error += std::abs(confidence[b] - right[b]) / total;
  return error;
}

}  // namespace

int eval(const eval_options& options) {
  std::ifstream in(options.data);
  if (!in) throw error(fmt::format("cannot read {}", options.data));
  nlohmann::json data;
  try {
    data = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw error(fmt::format("{} is not JSON: {}", options.data, e.what()));
  }
  auto train = split(data, "train"), val = split(data, "val"), test = split(data, "test");
  auto oos_val = split(data, "oos_val"), oos_test = split(data, "oos_test");
  // Out-of-scope training messages, when the data set has them, teach the
  // model what belongs to no label (they are training data, like `train`).
  std::vector<std::string> oos_train;
  if (!options.no_oos_train)
    for (auto& e : split(data, "oos_train")) oos_train.push_back(std::move(e.text));
  if (train.empty() || test.empty()) throw error("--data: `train` and `test` must not be empty");

  linear_options lo;
  lo.seed = options.seed;
  if (options.epochs > 0) lo.epochs = options.epochs;
  if (options.learning_rate > 0) lo.learning_rate = options.learning_rate;
  if (options.feature_dropout >= 0) lo.feature_dropout = options.feature_dropout;
  if (options.hash_bits > 0) lo.hash_bits = options.hash_bits;
  if (options.out_of_scope_weight >= 0) lo.out_of_scope_weight = options.out_of_scope_weight;
  if (options.label_balance >= 0) lo.label_balance = options.label_balance;
  if (options.char_ngrams.size() == 2) {
    lo.char_ngram_min = options.char_ngrams[0];
    lo.char_ngram_max = options.char_ngrams[1];
  }
  if (options.inner_ngram_min > 0) lo.char_ngram_inner_min = options.inner_ngram_min;
  if (options.unknown_weight >= 0) lo.unknown_weight = options.unknown_weight;

  if (options.min_count > 0) lo.min_count = static_cast<std::uint32_t>(options.min_count);
  if (options.margin == "mean") lo.margin = margin_kind::over_mean;
  if (options.margin == "log-probability") lo.margin = margin_kind::log_probability;

  const bool tuned = !val.empty() && !oos_val.empty();
  // Settings validation chooses unless given (see below).
  constexpr std::size_t small_data_set = 5000;
  const bool choose_margin = tuned && options.margin.empty();
  const bool choose_min_count = options.min_count == 0 && !val.empty() && train.size() < small_data_set;
  const bool choose_bias_scale = options.bias_scale < 0 && !val.empty();
  // A small data set is seen more often than CLINC150's 16 epochs: with a
  // few thousand examples, 16 epochs leave the intents with a handful of
  // examples half learnt (docs/BENCHMARKS.md). Costs about half a second
  // per model on a thousand messages of 150 labels.
  constexpr std::uint64_t small_data_steps = 100000;
  if (train.size() < small_data_set && options.epochs <= 0) lo.min_steps = small_data_steps;
  // Calibration and the threshold use everything held back, out-of-scope
  // messages included, under a label no intent has, whatever the data set
  // calls them.
  auto held_back = val;
  for (const auto& e : oos_val) held_back.push_back({e.text, std::string("\x01out of scope")});
  // A model, its threshold, and how well it did on validation: the rule's
  // objective, or with no oos_val the share of val it labels right.
  //
  // What confidence is fitted on is chosen on validation too, unless given,
  // and costs no training: the best label's log-probability tells a message
  // between two intents from one that fits one, which matters where
  // out-of-scope messages are near the intents (CLINC150 with a fifth of its
  // intents held out: validation objective 0.816 against 0.796), while the
  // best score less the mean score separates CLINC150's own out-of-scope
  // messages better (0.923 against 0.916). Validation says which kind of
  // data set this is.
  //
  // So is how much of each label's bias predictions use (1, 0.5 or 0),
  // also without training: on long-tailed data (a few intents with a
  // hundred examples, many with a handful) the full bias pulls the rare
  // intents' messages to the common ones (docs/BENCHMARKS.md).
  auto judge = [&](linear_model& m) {
    m.calibrate(held_back);
    if (tuned) return tune(score_all(m, val), score_all(m, oos_val));
    if (!val.empty()) return tune(score_all(m, val), {});  // the share of val labelled right, as the peers report it
    return threshold_choice{-std::numeric_limits<double>::infinity(), 0, 0, 0};
  };
  auto fit = [&](const linear_options& o, threshold_choice& th, double& objective) {
    auto m = linear_model::train(train, oos_train, o);
    std::vector<margin_kind> margins{m.margin()};
    if (choose_margin)
      margins.push_back(m.margin() == margin_kind::log_probability ? margin_kind::over_mean
                                                                   : margin_kind::log_probability);
    std::vector<float> scales{options.bias_scale >= 0 ? options.bias_scale : 1.0f};
    if (choose_bias_scale) scales = {1.0f, 0.5f, 0.0f};
    bool first = true;
    auto best_margin = margins.front();
    float best_scale = scales.front();
    for (float scale : scales)
      for (auto margin : margins) {
        m.set_bias_scale(scale);
        m.set_margin(margin);
        const auto c = judge(m);
        if (first || c.objective > th.objective) {
          th = c;
          best_margin = margin;
          best_scale = scale;
          first = false;
        }
      }
    m.set_bias_scale(best_scale);
    m.set_margin(best_margin);
    m.calibrate(held_back);
    objective = th.objective;
    return m;
  };
  // Where training is cheap, validation chooses more settings, as it
  // chooses the threshold (ties to the defaults, tried first):
  // - Features seen in one training message only are dropped: on CLINC150
  //   that halves the model for no loss. On a data set of a few hundred
  //   examples they are much of what there is to learn (the demo bot's
  //   examples and test messages as a data set: validation objective 0.78
  //   with them dropped, 0.81 kept; docs/BENCHMARKS.md).
  std::vector<linear_options> candidates{lo};
  if (choose_min_count && lo.min_count != 1) {
    candidates.push_back(lo);
    candidates.back().min_count = 1;
  }
  auto t0 = clock_type::now();
  threshold_choice th;
  double objective = 0;
  auto model = fit(lo, th, objective);
  for (std::size_t i = 1; i < candidates.size(); ++i) {
    threshold_choice other_th;
    double other_objective = 0;
    auto other = fit(candidates[i], other_th, other_objective);
    if (other_objective > objective) {
      model = std::move(other);
      th = other_th;
      objective = other_objective;
      lo = candidates[i];
    }
  }
  double train_seconds = std::chrono::duration<double>(clock_type::now() - t0).count();

  if (!options.save.empty()) {
    // The model keeps the threshold tuned here, for a bot that loads it.
    if (std::isfinite(th.threshold)) model.set_threshold(static_cast<float>(th.threshold));
    model.save(options.save);
  }

  if (!options.scores.empty()) {
    // Every held-back and test message's outcome, for analysis elsewhere.
    std::ofstream f(options.scores);
    if (!f) throw error(fmt::format("cannot write {}", options.scores));
    f << "split\tlabel\tpredicted\tconfidence\ttext\n";
    normalized_text norm;
    linear_scratch scratch;
    auto dump = [&](const char* name, const std::vector<labelled_text>& items) {
      for (const auto& e : items) {
        norm.assign(e.text);
        auto p = model.predict(norm, scratch);
        f << name << '\t' << e.label << '\t' << model.labels()[p.label] << '\t' << p.confidence << '\t' << e.text
          << '\n';
      }
    };
    dump("val", val);
    dump("oos_val", oos_val);
    dump("test", test);
    dump("oos_test", oos_test);
  }

  auto test_scores = score_all(model, test);
  auto oos_scores = score_all(model, oos_test);
  std::size_t correct = 0, false_oos = 0, true_oos = 0, closed_correct = 0;
  for (const auto& s : test_scores) {
    closed_correct += s.correct;
    if (s.score < th.threshold)
      ++false_oos;
    else
      correct += s.correct;
  }
  for (const auto& s : oos_scores) true_oos += s.score < th.threshold;

  // Predictions per second, one message at a time on one thread, over the
  // test sets repeated for at least two seconds (normalisation included).
  std::vector<const std::string*> texts;
  for (const auto& e : test) texts.push_back(&e.text);
  for (const auto& e : oos_test) texts.push_back(&e.text);
  normalized_text norm;
  linear_scratch scratch;  // one thread's, as the matcher keeps one per reading
  std::size_t predictions = 0;
  float sink = 0;
  auto p0 = clock_type::now();
  double elapsed = 0;
  do {
    for (const auto* t : texts) {
      norm.assign(*t);
      sink += model.predict(norm, scratch).confidence;
    }
    predictions += texts.size();
    elapsed = std::chrono::duration<double>(clock_type::now() - p0).count();
  } while (elapsed < options.min_predict_seconds);
  double one_per_second = static_cast<double>(predictions) / elapsed;

  // And in batches of 256, as a host classifying a backlog would: each
  // batch normalised, then predicted at once.
  constexpr std::size_t batch_size = 256;
  std::vector<normalized_text> batch(batch_size);
  std::vector<linear_prediction> batch_out(batch_size);
  predictions = 0;
  p0 = clock_type::now();
  do {
    for (std::size_t at = 0; at < texts.size(); at += batch_size) {
      const std::size_t k = std::min(batch_size, texts.size() - at);
      for (std::size_t j = 0; j < k; ++j) batch[j].assign(*texts[at + j]);
      model.predict(std::span<const normalized_text>(batch.data(), k),
                    std::span<linear_prediction>(batch_out.data(), k), scratch);
      for (std::size_t j = 0; j < k; ++j) sink += batch_out[j].confidence;
    }
    predictions += texts.size();
    elapsed = std::chrono::duration<double>(clock_type::now() - p0).count();
  } while (elapsed < options.min_predict_seconds);
  double per_second = static_cast<double>(predictions) / elapsed;
  auto model_bytes = model.serialize().size();

  auto n_in = static_cast<double>(test_scores.size());
  auto n_oos = static_cast<double>(oos_scores.size());
  nlohmann::ordered_json r;
  r["model"] = "handoff-linear";
  r["in_scope_accuracy"] = static_cast<double>(correct) / n_in;
  r["oos_recall"] = oos_scores.empty() || !tuned ? nlohmann::ordered_json(nullptr)
                                                 : nlohmann::ordered_json(static_cast<double>(true_oos) / n_oos);
  r["oos_precision"] =
      true_oos + false_oos == 0
          ? nlohmann::ordered_json(nullptr)
          : nlohmann::ordered_json(static_cast<double>(true_oos) / static_cast<double>(true_oos + false_oos));
  r["overall_accuracy"] = (static_cast<double>(correct + true_oos)) / (n_in + n_oos);
  r["closed_set_accuracy"] = static_cast<double>(closed_correct) / n_in;
  // Confidences are fitted on val + oos_val; test's share of out-of-scope
  // messages may differ, and with it how often a confidence is right.
  r["calibration_error"] = calibration_error(test_scores, oos_scores);
  r["train_seconds"] = train_seconds;
  r["predict_per_second"] = per_second;
  r["predict_one_per_second"] = one_per_second;
  r["model_bytes"] = model_bytes;
  r["threshold"] = std::isfinite(th.threshold) ? nlohmann::ordered_json(th.threshold) : nlohmann::ordered_json(nullptr);
  r["threshold_rule"] =
      tuned ? "max (in-scope accuracy + OOS recall) / 2 on val + oos_val, as the peers" : "none (no oos_val)";
  r["val_objective"] = th.objective;
  r["confidence_from"] = model.margin() == margin_kind::log_probability ? "best label's log-probability"
                                                                        : "best score less the mean score";

  r["min_count"] = lo.min_count;
  r["bias_scale"] = model.bias_scale();
  r["labels"] = model.labels().size();
  r["train_examples"] = train.size();
  r["oos_train_examples"] = oos_train.size();
  (void)sink;
  if (options.json) {
    fmt::print("{}\n", r.dump());
  } else {
    fmt::print("data                 {}\n", options.data);
    fmt::print("labels               {} ({} training examples, {} out of scope)\n", model.labels().size(), train.size(),
               oos_train.size());
    fmt::print("in-scope accuracy    {:.2f}%\n", 100.0 * r["in_scope_accuracy"].get<double>());
    if (!r["oos_recall"].is_null()) fmt::print("out-of-scope recall  {:.2f}%\n", 100.0 * r["oos_recall"].get<double>());
    if (!r["oos_precision"].is_null())
      fmt::print("out-of-scope prec.   {:.2f}%\n", 100.0 * r["oos_precision"].get<double>());
    fmt::print("closed-set accuracy  {:.2f}%\n", 100.0 * r["closed_set_accuracy"].get<double>());
    fmt::print("calibration error    {:.3f} (expected, on test + oos_test, ten bins)\n",
               r["calibration_error"].get<double>());
    // (JSON has no infinities: null there; here, what the cut does.)
    const std::string rule = r["threshold_rule"].get<std::string>();
    if (!tuned)
      fmt::print("threshold            {}\n", rule);
    else if (std::isfinite(th.threshold))
      fmt::print("threshold            {} ({})\n", r["threshold"].dump(), rule);
    else
      fmt::print("threshold            {} ({})\n",
                 th.threshold > 0 ? "+inf, every message out of scope" : "-inf, no message out of scope", rule);
    fmt::print("confidence from      {}{}\n", r["confidence_from"].get<std::string>(),
               choose_margin ? " (chosen on validation)" : "");
    fmt::print("features kept        seen in {} training message{} or more{}\n", lo.min_count,
               lo.min_count == 1 ? "" : "s", choose_min_count ? " (chosen on validation)" : "");
    fmt::print("labels' bias used    {}{}\n", model.bias_scale(), choose_bias_scale ? " (chosen on validation)" : "");
    fmt::print("training             {:.2f} s\n", train_seconds);
    fmt::print("predictions          {:.0f} per second, one thread, in batches of {}\n", per_second, batch_size);
    fmt::print("                     {:.0f} per second, one thread, one at a time\n", one_per_second);
    fmt::print("model                {} bytes\n", model_bytes);
  }
  return 0;
}

}  // namespace handoff::cli
