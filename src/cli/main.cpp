// SPDX-License-Identifier: MIT
// handoff: run, chat with and check a bot from the command line.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstring>

#include "commands.hpp"
#include "handoff/error.hpp"
#include "handoff/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"handoff: the bot side of customer support, and the handoff to a human"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(handoff::version()));

  handoff::cli::run_options run;
  auto* run_cmd = app.add_subcommand(
      "run", "Read protocol events (JSON Lines) on stdin, write output events on stdout; scripted clock");
  run_cmd->add_option("--config,-c", run.config, "The bot's configuration (JSON)")->required();
  run_cmd->add_option("--clock", run.clock, "Where the scripted clock starts (RFC 3339)")->capture_default_str();
  run_cmd->add_option("--max-line-bytes", run.max_line_bytes, "Longer input lines are refused")->capture_default_str();
  run_cmd
      ->add_option("--store", run.store,
                   "Where accepted events are kept: memory, or sqlite:PATH (a second run on the file carries on)")
      ->capture_default_str();
  run_cmd
      ->add_option("--commit-every", run.commit_every,
                   "Events per commit with a store; their output is written once they are kept")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);

  handoff::cli::run_options explain;
  auto* explain_cmd = app.add_subcommand(
      "explain",
      "Read protocol events (JSON Lines) on stdin; for each customer message, say what the policy decided "
      "and why, rule by rule");
  explain_cmd->add_option("--config,-c", explain.config, "The bot's configuration (JSON)")->required();
  explain_cmd->add_option("--clock", explain.clock, "Where the scripted clock starts (RFC 3339)")
      ->capture_default_str();

  handoff::cli::replay_options replay;
  auto* replay_cmd = app.add_subcommand(
      "replay",
      "Run recorded conversations (JSON Lines of input events) through a configuration and report who would be "
      "handed over, why and where, against the configuration in use");
  replay_cmd->add_option("--config,-c", replay.config, "The new configuration (JSON)")->required();
  replay_cmd->add_option("--transcripts,-t", replay.transcripts, "Recorded input events, one JSON object a line")
      ->required();
  replay_cmd->add_option("--against", replay.against, "The configuration in use now, to compare with");
  replay_cmd->add_option("--clock", replay.clock, "Where the clock starts for events without `at` (RFC 3339)")
      ->capture_default_str();
  replay_cmd->add_option("--show", replay.show, "How many changed conversations to list")->capture_default_str();
  replay_cmd->add_flag("--json", replay.json, "One JSON object");

  handoff::cli::bench_options bench;
  auto* bench_cmd = app.add_subcommand(
      "bench",
      "Drive a bot with a mix of customer messages, escalations and agents' work; print messages per second, "
      "latency and memory per conversation");
  bench_cmd->add_option("--config,-c", bench.config, "The bot's configuration (JSON)")->required();
  bench_cmd->add_option("--conversations,-n", bench.conversations, "How many conversations")->capture_default_str();
  bench_cmd->add_option("--messages", bench.messages, "Customer messages in each")->capture_default_str();
  bench_cmd
      ->add_option("--threads", bench.threads, "Threads, each with its own engine and a share of the conversations")
      ->capture_default_str();
  bench_cmd->add_flag("--one-engine", bench.one_engine,
                      "The threads share one engine (each with its own conversations) instead of one engine each");
  bench_cmd->add_option("--seed", bench.seed, "Which messages are drawn")->capture_default_str();
  bench_cmd
      ->add_option("--store", bench.store,
                   "Keep every event: sqlite:PATH (a fresh file), or memory to keep nothing (the engine alone)")
      ->capture_default_str();
  bench_cmd->add_option("--commit-every", bench.commit_every, "Events per commit with a store")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  bench_cmd->add_flag("--json", bench.json, "One JSON object");

  handoff::cli::chat_options chat;
  auto* chat_cmd = app.add_subcommand("chat", "Chat with the bot in the terminal; /help lists the agent's commands");
  chat_cmd->add_option("--config,-c", chat.config, "The bot's configuration (JSON)")->required();
  chat_cmd->add_option("--agent", chat.agent, "The name you use when you play the agent")->capture_default_str();
  chat_cmd->add_option("--language", chat.language, "Your language as the customer (default: from $LANG)");
  chat_cmd->add_option("--clock", chat.clock,
                       "Pretend the chat starts at this time (RFC 3339), to try business hours; default: now");
  bool no_color = false, no_agent = false;
  chat_cmd->add_option("--store", chat.store, "Where conversations are kept: memory, or sqlite:PATH")
      ->capture_default_str();
  chat_cmd->add_flag("--no-color", no_color, "Plain output");
  chat_cmd->add_flag("--no-agent", no_agent, "Start with no agent online (a request for a human makes a ticket)");

  handoff::cli::check_options check;
  auto* check_cmd = app.add_subcommand("check", "Check a configuration; exits non-zero when it has errors");
  check_cmd->add_option("--config,-c", check.config, "The bot's configuration (JSON)")->required();
  check_cmd->add_flag("--quiet,-q", check.quiet, "Print problems only");

  handoff::cli::eval_options eval;
  auto* eval_cmd = app.add_subcommand(
      "eval",
      "Train the statistical matcher on a data set (train/val/test, oos_*) and report accuracy and speed; or, with "
      "--config and --messages, check what a bot does with labelled messages");
  auto* data_opt =
      eval_cmd->add_option("--data", eval.data, "The data set (JSON, the shape of CLINC150's data_full.json)");
  auto* config_opt = eval_cmd->add_option("--config,-c", eval.config, "A bot's configuration, to evaluate as it runs");
  auto* messages_opt = eval_cmd->add_option(
      "--messages", eval.messages,
      "With --config: lines of EXPECTED<TAB>MESSAGE, EXPECTED an intent id, clarify, fallback, request_human, a "
      "policy reason such as negative_sentiment, or calm (anything but a handoff for the customer's mood)");
  eval_cmd->add_option("--save", eval.save,
                       "With --data: write the trained model, with its tuned threshold, for `understanding.model`");
  eval_cmd->add_option("--scores", eval.scores,
                       "With --data: write every val and test message's label, prediction and confidence (TSV)");
  data_opt->excludes(config_opt);
  config_opt->needs(messages_opt);
  messages_opt->needs(config_opt);
  eval_cmd->add_flag("--errors", eval.show_errors, "With --messages: list every message the bot got wrong");
  eval_cmd->add_flag("--json", eval.json, "One JSON object");
  eval_cmd->add_option("--seed", eval.seed, "Training seed")->capture_default_str();
  eval_cmd->add_option("--epochs", eval.epochs, "Training epochs (default: the model's)");
  eval_cmd->add_option("--learning-rate", eval.learning_rate, "Initial step size (default: the model's)");
  eval_cmd->add_option("--feature-dropout", eval.feature_dropout,
                       "Share of features hidden per training step, 0 to below 1 (default: the model's)");
  eval_cmd->add_option("--oos-weight", eval.out_of_scope_weight,
                       "How hard an oos_train message pulls towards no label (default: the model's)");
  eval_cmd->add_option("--label-balance", eval.label_balance,
                       "0 to 1: how much more an example of a label with fewer examples weighs (default: the model's)");
  eval_cmd
      ->add_option("--char-ngrams", eval.char_ngrams, "Shortest and longest character n-grams (default: the model's)")
      ->expected(2)
      ->check(CLI::Range(1, 10));
  eval_cmd
      ->add_option("--inner-ngram-min", eval.inner_ngram_min,
                   "Shorter character n-grams only at a word's start or end; the shortest n-gram or less takes every "
                   "one (default: the model's)")
      ->check(CLI::Range(1, 10));
  eval_cmd
      ->add_option("--unknown-weight", eval.unknown_weight,
                   "How much a feature the model never learnt weighs in a message's length, 0 to ignore them "
                   "(default: the model's)")
      ->check(CLI::NonNegativeNumber);
  eval_cmd
      ->add_option("--min-count", eval.min_count,
                   "Drop features seen in fewer training messages (default: the model's, or for a data set under "
                   "5,000 training examples 1 or 2, whichever scores higher on validation)")
      ->check(CLI::Range(1, 1000));
  eval_cmd
      ->add_option("--bias-scale", eval.bias_scale,
                   "How much of each label's bias predictions use, 0 to 1 (default: 1, 0.5 or 0, whichever scores "
                   "higher on validation)")
      ->check(CLI::Range(0.0, 1.0));
  eval_cmd
      ->add_option("--confidence-from", eval.margin,
                   "What confidence is fitted on: the best label's log-probability or the best score less the mean "
                   "score (default: whichever scores higher on validation)")
      ->check(CLI::IsMember({"log-probability", "mean"}));
  eval_cmd->add_flag("--no-oos-train", eval.no_oos_train,
                     "Train on `train` only, as the peers' threshold strategy does, leaving oos_train out");
  eval_cmd->add_option("--hash-bits", eval.hash_bits, "Feature hash bits (default: the model's)");
  eval_cmd->add_option("--predict-seconds", eval.min_predict_seconds, "How long to time predictions")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    if (*run_cmd) return handoff::cli::run(run);
    if (*explain_cmd) return handoff::cli::explain(explain);
    if (*replay_cmd) return handoff::cli::replay(replay);
    if (*bench_cmd) return handoff::cli::bench(bench);
    if (*chat_cmd) {
      chat.color = !no_color && isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
      chat.agent_online = !no_agent;
      chat.echo = !isatty(STDIN_FILENO);
      if (chat.language.empty())
        if (const char* lang = std::getenv("LANG");
            lang && std::strcmp(lang, "C") != 0 && std::strcmp(lang, "POSIX") != 0)
          chat.language = std::string(lang).substr(0, std::string(lang).find('.'));
      return handoff::cli::chat(chat);
    }
    if (*check_cmd) return handoff::cli::check(check);
    if (*eval_cmd) {
      if (!eval.config.empty()) return handoff::cli::eval_bot(eval);
      if (eval.data.empty()) throw handoff::error("eval needs --data FILE, or --config FILE --messages FILE");
      return handoff::cli::eval(eval);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "handoff: {}\n", e.what());
    return 2;
  }
  return 0;
}
