// SPDX-License-Identifier: MIT
// handoff bench: the whole per-message path (understanding, policy,
// routing, transcript) driven by a mix of customer messages built from the
// bot's own configuration, with agents who answer and hand back.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "commands.hpp"
#include "handoff/config.hpp"
#include "handoff/engine.hpp"

namespace handoff::cli {
namespace {

using bench_clock = std::chrono::steady_clock;

// Resident memory of this process, from /proc.
std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}

// What customers say: the intents' examples and keywords, requests for a
// person, questions the bot does not handle, and answers to its questions.
struct message_mix {
  std::vector<std::string> in_scope, human, out_of_scope;

  explicit message_mix(const bot_config& cfg) {
    for (const auto& intent : cfg.intents) {
      auto& into = intent.requests_human ? human : in_scope;
      for (const auto& [lang, list] : intent.examples) into.insert(into.end(), list.begin(), list.end());
      if (intent.requests_human)
        for (const auto& [lang, list] : intent.keywords) into.insert(into.end(), list.begin(), list.end());
    }
    for (const auto& [lang, list] : cfg.understanding.out_of_scope)
      out_of_scope.insert(out_of_scope.end(), list.begin(), list.end());
    for (const char* s : {"asdf qwer", "what's the weather in Paris", "今天股市怎么样", "tell me a joke", "1+1=?"})
      out_of_scope.emplace_back(s);
    if (in_scope.empty()) in_scope.emplace_back("hello");
    if (human.empty()) human.emplace_back("agent");
  }

  std::string pick(std::mt19937& rng) const {
    const auto roll = rng() % 100;
    auto from = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
    if (roll < 75) return from(in_scope);
    if (roll < 85) return from(out_of_scope);
    if (roll < 90) return from(human);
    return fmt::format("{}", 20250106000ULL + rng() % 10);  // an answer to "your order number?"
  }
};

struct shard_result {
  std::vector<float> latencies_us;  // one per customer message
  std::vector<float> handover_us;   // of those, the messages handed to a person (escalated or ticketed)
  double busy_seconds = 0;          // inside the engine, for customer messages and agents' events
  std::size_t escalations = 0;
};

// Commits every `every` events, when the engine keeps them; the time it
// takes is the engine's, counted in the event that made the commit due.
struct committer {
  engine& eng;
  int every;
  int pending = 0;
  void after_event() {
    if (every > 1 && ++pending >= every) {
      eng.commit();
      pending = 0;
    }
  }
};

// One engine serving `conversations` conversations of `messages` each.
shard_result run_shard(engine& eng, const bot_config& cfg, const message_mix& mix, std::size_t first,
                       std::size_t conversations, int messages, std::uint32_t seed, int commit_every) {
  committer commits{eng, commit_every};
  shard_result r;
  r.latencies_us.reserve(conversations * static_cast<std::size_t>(messages));
  std::vector<std::string> skills;
  for (const auto& q : cfg.queues) skills.push_back(q.skill);
  std::vector<output_event> out, agent_out;
  for (int a = 0; a < 8; ++a)
    eng.handle(in::agent_status{fmt::format("agent{}", a), agent_status_kind::online, skills, 1 << 20, {}, {}}, out);
  std::mt19937 rng(seed);
  std::vector<std::string> ids(conversations);
  for (std::size_t i = 0; i < conversations; ++i) ids[i] = fmt::format("c{}", first + i);
  // Round by round, so every conversation is open at the end, as in a
  // busy service: the memory measured is that of open conversations.
  for (int turn = 0; turn < messages; ++turn)
    for (std::size_t i = 0; i < conversations; ++i) {
      out.clear();
      in::customer_message m{ids[i], mix.pick(rng), std::nullopt, {}, "web"};
      const auto t0 = bench_clock::now();
      eng.handle(m, out);
      commits.after_event();
      const auto t1 = bench_clock::now();
      const double us = std::chrono::duration<double, std::micro>(t1 - t0).count();
      r.latencies_us.push_back(static_cast<float>(us));
      r.busy_seconds += us / 1e6;
      for (const auto& e : out)
        if (std::holds_alternative<out::escalated>(e)) {
          r.handover_us.push_back(static_cast<float>(us));
          break;
        }
      // An agent who took it answers and hands it back to the bot.
      for (const auto& e : out)
        if (const auto* a = std::get_if<out::assigned>(&e)) {
          ++r.escalations;
          agent_out.clear();
          const auto a0 = bench_clock::now();
          eng.handle(in::agent_message{a->agent, a->conversation, "您好，我来帮您看看。"}, agent_out);
          commits.after_event();
          eng.handle(in::agent_release{a->agent, a->conversation, release_outcome::to_bot, {}}, agent_out);
          commits.after_event();
          r.busy_seconds += std::chrono::duration<double>(bench_clock::now() - a0).count();
          break;
        }
    }
  if (commit_every > 1) eng.commit();
  return r;
}

double percentile(std::vector<float>& v, double q) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int bench(const bench_options& options) {
  if (options.conversations == 0 || options.messages <= 0 || options.threads <= 0)
    throw error("bench needs --conversations, --messages and --threads above zero");
  const bot_config cfg = load_config(options.config);
  const message_mix mix(cfg);

  // The engines first: training their matchers is not the per-message path,
  // and their memory is not the conversations'.
  const int engine_count = options.one_engine ? 1 : options.threads;
  std::vector<std::unique_ptr<store>> stores;
  if (options.store != "memory") {
    // One store per engine, each a fresh one: a store has one writer.
    for (int t = 0; t < engine_count; ++t) {
      std::string spec = options.store;
      if (engine_count > 1) spec += fmt::format(".{}", t);
      if (spec.starts_with("sqlite:"))
        for (const char* suffix : {"", "-wal", "-shm"}) std::remove((spec.substr(7) + suffix).c_str());
      stores.push_back(open_store(spec));
    }
  }
  std::vector<engine> engines;
  for (int t = 0; t < engine_count; ++t) {
    engine_options eo;
    if (!stores.empty()) {
      eo.storage = stores[static_cast<std::size_t>(t)].get();
      eo.commit_each_event = options.commit_every <= 1;
    }
    engines.emplace_back(cfg, eo);
  }
  std::vector<shard_result> results(static_cast<std::size_t>(options.threads));
  const auto per = options.conversations / static_cast<std::size_t>(options.threads);
  const std::size_t before = resident_bytes();
  const auto wall0 = bench_clock::now();
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < options.threads; ++t)
      threads.emplace_back([&, t] {
        const auto ti = static_cast<std::size_t>(t);
        const std::size_t count = t + 1 == options.threads ? options.conversations - per * ti : per;
        results[ti] =
            run_shard(engines[options.one_engine ? 0 : ti], cfg, mix, per * ti, count, options.messages,
                      options.seed + static_cast<std::uint32_t>(t), stores.empty() ? 1 : options.commit_every);
      });
  }
  const double wall = std::chrono::duration<double>(bench_clock::now() - wall0).count();
  const std::size_t after = resident_bytes();

  std::vector<float> all, handovers;
  double busy = 0;
  std::size_t escalations = 0;
  for (auto& r : results) {
    all.insert(all.end(), r.latencies_us.begin(), r.latencies_us.end());
    handovers.insert(handovers.end(), r.handover_us.begin(), r.handover_us.end());
    busy = std::max(busy, r.busy_seconds);
    escalations += r.escalations;
  }
  const double messages = static_cast<double>(all.size());
  // Per thread, the time spent inside the engine; with several threads,
  // the slowest thread's, so the rate is what they did side by side. On
  // one shared engine a thread's time inside it includes waiting for the
  // others, so the rate is over the whole run.
  const double per_second = messages / (options.one_engine && options.threads > 1 ? wall : busy);
  const double median = percentile(all, 0.5), p99 = percentile(all, 0.99);
  const double handover_median = percentile(handovers, 0.5), handover_p99 = percentile(handovers, 0.99);
  const double per_conversation =
      static_cast<double>(after > before ? after - before : 0) / static_cast<double>(options.conversations);

  if (options.json) {
    nlohmann::json j{{"config", options.config},
                     {"store", options.store},
                     {"commit_every", options.commit_every},
                     {"threads", options.threads},
                     {"one_engine", options.one_engine},
                     {"wall_messages_per_second", messages / wall},
                     {"conversations", options.conversations},
                     {"messages", all.size()},
                     {"escalations", escalations},
                     {"messages_per_second", per_second},
                     {"latency_us", {{"median", median}, {"p99", p99}}},
                     {"handover_messages", handovers.size()},
                     {"handover_latency_us", {{"median", handover_median}, {"p99", handover_p99}}},
                     {"memory_per_conversation_bytes", per_conversation},
                     {"memory_bytes", after > before ? after - before : 0},
                     {"wall_seconds", wall}};
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("bench     {} ({} thread{}{}, {} conversations of {} messages)\n", options.config, options.threads,
             options.threads == 1 ? "" : "s", options.one_engine ? " on one engine" : "", options.conversations,
             options.messages);
  if (!stores.empty())
    fmt::print("store     {}, {} event{} to a commit\n", options.store, options.commit_every,
               options.commit_every == 1 ? "" : "s");
  fmt::print("messages  {} customer messages, {} handed to an agent (who answers and hands back)\n", all.size(),
             escalations);
  fmt::print("speed     {:.0f} customer messages per second{}\n", per_second,
             options.threads == 1 ? " on one thread" : ", all threads together");
  fmt::print("latency   median {:.1f} us, 99th percentile {:.1f} us\n", median, p99);
  fmt::print("          of which {} handed to a person: median {:.1f} us, 99th percentile {:.1f} us\n",
             handovers.size(), handover_median, handover_p99);
  fmt::print("memory    {:.1f} MiB for the open conversations: {:.0f} bytes each\n",
             static_cast<double>(after > before ? after - before : 0) / (1 << 20), per_conversation);
  return 0;
}

}  // namespace handoff::cli
