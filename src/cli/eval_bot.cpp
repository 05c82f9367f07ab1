// SPDX-License-Identifier: MIT
// handoff eval --config --messages: what a bot does with labelled messages,
// each the first message of its own conversation, as a customer would send
// it.
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "handoff/config.hpp"
#include "handoff/engine.hpp"
#include "handoff/error.hpp"

namespace handoff::cli {
namespace {

struct labelled_line {
  std::size_t line;
  std::string expected;
  std::string text;
};

std::vector<labelled_line> read_messages(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw error(fmt::format("cannot read {}", file));
  std::vector<labelled_line> out;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    auto tab = line.find('\t');
    if (tab == std::string::npos || tab == 0 || tab + 1 == line.size())
      throw error(fmt::format("{}:{}: expected EXPECTED<TAB>MESSAGE", file, n));
    out.push_back({n, line.substr(0, tab), line.substr(tab + 1)});
  }
  if (out.empty()) throw error(fmt::format("{}: no messages", file));
  return out;
}

// What the bot did with a conversation's first message, in the words of the
// expected column.
std::string outcome(const std::vector<output_event>& events) {
  for (const auto& e : events) {
    if (const auto* x = std::get_if<out::escalated>(&e))
      return x->reason == "customer_request" || x->reason.empty() ? std::string("request_human") : x->reason;
    if (const auto* m = std::get_if<out::bot_message>(&e)) {
      if (m->kind == "clarify" || m->kind == "fallback") return m->kind;
      if (!m->intent.empty()) return m->intent;
    }
  }
  return "nothing";
}

// The intent a fallback offered before the configuration's own quick
// replies ("did you mean...?"), or "". One those replies already lead with
// changes nothing the customer sees, and is not counted as offered.
std::string suggested(const std::vector<output_event>& events, const bot_config& config) {
  for (const auto& e : events)
    if (const auto* m = std::get_if<out::bot_message>(&e); m && m->kind == "fallback" && !m->quick_replies.empty()) {
      const auto& first = m->quick_replies.front().value;
      if (!config.fallback_replies.empty() && config.fallback_replies.front().value == first) return {};
      return config.find_intent(first) ? first : std::string();
    }
  return {};
}

}  // namespace

int eval_bot(const eval_options& options) {
  auto t0 = std::chrono::steady_clock::now();
  const auto config = load_config(options.config);
  engine bot(config);
  double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto lines = read_messages(options.messages);

  struct tally {
    std::size_t total = 0, right = 0;
  };
  std::map<std::string, tally> by_label;
  nlohmann::ordered_json errors = nlohmann::ordered_json::array();
  std::size_t right = 0;
  struct {
    std::size_t true_positive = 0, false_positive = 0, false_negative = 0;
  } upset;
  // In-scope messages that got a fallback, and how many of those fallbacks
  // offered the right intent first; off-topic ones that offered any.
  std::size_t missed = 0, missed_suggested = 0, missed_suggested_right = 0, off_topic = 0, off_topic_suggested = 0;
  std::vector<output_event> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out.clear();
    bot.handle(in::customer_message{fmt::format("eval-{}", i), lines[i].text, {}, {}, {}}, out);
    auto got = outcome(out);
    // `calm`: anything but a handoff for the customer's mood.
    bool ok = lines[i].expected == "calm" ? got != "negative_sentiment" : got == lines[i].expected;
    const bool said_upset = lines[i].expected == "negative_sentiment", got_upset = got == "negative_sentiment";
    upset.true_positive += said_upset && got_upset;
    upset.false_positive += !said_upset && got_upset;
    upset.false_negative += said_upset && !got_upset;
    right += ok;
    if (got == "fallback") {
      const auto offered = suggested(out, config);
      if (lines[i].expected == "fallback") {
        ++off_topic;
        off_topic_suggested += !offered.empty();
      } else if (config.find_intent(lines[i].expected)) {
        ++missed;
        missed_suggested += !offered.empty();
        missed_suggested_right += offered == lines[i].expected;
      }
    }
    auto& t = by_label[lines[i].expected];
    ++t.total;
    t.right += ok;
    if (!ok)
      errors.push_back(
          {{"line", lines[i].line}, {"expected", lines[i].expected}, {"got", got}, {"text", lines[i].text}});
  }
  const double accuracy = static_cast<double>(right) / static_cast<double>(lines.size());
  // For sets that say who should go to a human for their mood.
  const bool has_upset = by_label.count("negative_sentiment") > 0;
  auto ratio = [](std::size_t a, std::size_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
  };
  const double precision = ratio(upset.true_positive, upset.true_positive + upset.false_positive);
  const double recall = ratio(upset.true_positive, upset.true_positive + upset.false_negative);
  if (options.json) {
    nlohmann::ordered_json r;
    r["config"] = options.config;
    r["messages"] = lines.size();
    r["accuracy"] = accuracy;
    r["load_seconds"] = load_seconds;
    nlohmann::ordered_json labels = nlohmann::ordered_json::object();
    for (const auto& [label, t] : by_label)
      labels[label] = {{"messages", t.total},
                       {"accuracy", static_cast<double>(t.right) / static_cast<double>(t.total)}};
    r["by_expected"] = labels;
    r["missed_with_fallback"] = missed;
    r["missed_suggested"] = missed_suggested;
    r["missed_suggested_right"] = missed_suggested_right;
    r["fallbacks_for_fallback"] = off_topic;
    r["fallbacks_for_fallback_suggesting"] = off_topic_suggested;
    if (has_upset) {
      r["negative_sentiment_precision"] = precision;
      r["negative_sentiment_recall"] = recall;
    }
    r["errors"] = errors;
    fmt::print("{}\n", r.dump());
    return 0;
  }
  fmt::print("bot        {} (loaded and trained in {:.2f} s)\n", options.config, load_seconds);
  fmt::print("messages   {}\n", options.messages);
  fmt::print("accuracy   {:.1f}% ({} of {})\n", 100 * accuracy, right, lines.size());
  if (missed > 0)
    fmt::print("fallbacks  {} of {} for messages of an intent offered an intent first, {} the right one\n",
               missed_suggested, missed, missed_suggested_right);
  if (off_topic > 0)
    fmt::print("           {} of {} for messages expecting a fallback offered an intent first\n", off_topic_suggested,
               off_topic);
  if (has_upset)
    fmt::print("handed over for their mood (negative_sentiment): precision {:.1f}%, recall {:.1f}%\n", 100 * precision,
               100 * recall);
  fmt::print("\n");
  fmt::print("{:<16} {:>8} {:>9}\n", "expected", "messages", "accuracy");
  for (const auto& [label, t] : by_label)
    fmt::print("{:<16} {:>8} {:>8.1f}%\n", label, t.total,
               100.0 * static_cast<double>(t.right) / static_cast<double>(t.total));
  if (options.show_errors && !errors.empty()) {
    fmt::print("\nwrong:\n");
    for (const auto& e : errors)
      fmt::print("  line {:<4} expected {:<15} got {:<15} {}\n", e["line"].get<std::size_t>(),
                 e["expected"].get<std::string>(), e["got"].get<std::string>(), e["text"].get<std::string>());
  }
  return 0;
}

}  // namespace handoff::cli
