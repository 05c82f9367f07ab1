// SPDX-License-Identifier: MIT
// The subcommands of the `handoff` tool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "handoff/protocol.hpp"
#include "handoff/store.hpp"
#include "handoff/stores/sqlite.hpp"

namespace handoff::cli {

/// The store `--store` names: `memory` or `sqlite:PATH`.
inline std::unique_ptr<store> open_store(std::string_view spec) {
  store_registry stores;
  add_sqlite_store(stores);
  return stores.open(spec);
}

struct run_options {
  std::string config;
  std::string clock = "2025-01-06T09:00:00Z";
  std::size_t max_line_bytes = 16 << 20;
  /// `memory` (nothing kept) or `sqlite:PATH`.
  std::string store = "memory";
  /// Events per commit: their output is written once they are kept.
  std::size_t commit_every = 1;
};
int run(const run_options& options);
/// handoff explain: like run, but prints for each customer message what the
/// policy decided and why, for a support lead.
int explain(const run_options& options);

struct replay_options {
  std::string config;
  /// The configuration in use now, to compare with; empty: none.
  std::string against;
  std::string transcripts;
  std::string clock = "2025-01-06T09:00:00Z";
  bool json = false;
  /// How many changed conversations to list.
  std::size_t show = 20;
};
/// handoff replay: recorded conversations through a new configuration,
/// against the old: who would be handed over, why and where.
int replay(const replay_options& options);

struct bench_options {
  std::string config;
  std::size_t conversations = 10000;
  int messages = 10;
  int threads = 1;
  bool one_engine = false;  // the threads share one engine instead of one each
  std::uint32_t seed = 1;
  bool json = false;
  /// `memory` (nothing kept: the engine alone) or a store's spec: every
  /// event kept there, `commit_every` to a commit.
  std::string store = "memory";
  int commit_every = 1;
};
/// handoff bench: customer messages per second, latency and memory per
/// conversation through the whole per-message path.
int bench(const bench_options& options);

struct chat_options {
  std::string config;
  std::string agent = "alice";
  /// The customer's language (a BCP 47 tag); empty: from $LANG.
  std::string language;
  /// Start with the agent online, so a request for a human reaches you.
  bool agent_online = true;
  bool color = true;
  /// Echo what is read, when input comes from a file or a pipe.
  bool echo = false;
  /// Start the clock at this RFC 3339 time instead of now.
  std::string clock;
  /// `memory` or `sqlite:PATH`: where conversations are kept.
  std::string store = "memory";
};
int chat(const chat_options& options);

struct check_options {
  std::string config;
  bool quiet = false;
};
int check(const check_options& options);

struct eval_options {
  std::string data;
  bool json = false;
  unsigned seed = 1;
  int epochs = 0;                  // 0: the model's default
  double learning_rate = 0;        // 0: the model's default
  float feature_dropout = -1;      // below 0: the model's default
  float out_of_scope_weight = -1;  // below 0: the model's default
  float label_balance = -1;        // below 0: the model's default
  std::vector<int> char_ngrams;    // empty: the model's default
  int inner_ngram_min = 0;         // 0: the model's default
  float unknown_weight = -1;       // below 0: the model's default
  int min_count = 0;               // 0: chosen on validation for a small data set, else the model's default
  std::string margin;              // empty: chosen on validation; "log-probability" or "mean"
  float bias_scale = -1;           // below 0: chosen on validation
  bool no_oos_train = false;
  int hash_bits = 0;  // 0: the model's default
  double min_predict_seconds = 2.0;
  std::string save;
  std::string scores;
  std::string config;
  std::string messages;
  bool show_errors = false;
};
int eval(const eval_options& options);
int eval_bot(const eval_options& options);

/// What reading one line gave.
enum class line_status { ok, too_long, end };

/// Reads one line (without its newline) into `line`. A line longer than
/// `limit` bytes is skipped to its end, never held whole in memory, and
/// reported as `too_long`.
line_status read_line(std::FILE* in, std::string& line, std::size_t limit);

/// Reads a script of protocol events, one JSON object a line, and calls
/// `on(line_number, parsed)` for every line that is not blank. A line that
/// is too long or not an event comes with `parsed.error` set.
void read_events(std::FILE* in, std::size_t limit, const std::function<void(long long, parsed_input&)>& on);

}  // namespace handoff::cli
