// SPDX-License-Identifier: MIT
// handoff explain: what the policy decided for each customer message of a
// script, and why, rule by rule, in words a support lead can check.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "commands.hpp"
#include "handoff/config.hpp"
#include "handoff/engine.hpp"
#include "handoff/protocol.hpp"

namespace handoff::cli {
namespace {

// What the bot did, in a line.
std::string outcome(const std::vector<output_event>& out) {
  std::string said;
  for (const auto& e : out) {
    if (const auto* x = std::get_if<out::escalated>(&e))
      return fmt::format("escalated to {} at {}: reason {}, rule {}{}", x->queue, to_string(x->priority), x->reason,
                         x->rule, x->routing.empty() ? "" : fmt::format(", routed by {}", x->routing));
    if (const auto* m = std::get_if<out::bot_message>(&e); m && said.empty())
      said = m->intent.empty() ? fmt::format("the bot answers ({})", m->kind)
                               : fmt::format("the bot answers ({}, intent {})", m->kind, m->intent);
    if (const auto* m = std::get_if<out::customer_message>(&e); m && said.empty())
      said = fmt::format("passed to agent {}", m->agent);
    if (const auto* err = std::get_if<out::error>(&e); err && said.empty())
      said = fmt::format("refused: {} ({})", err->code, err->message);
  }
  return said.empty() ? "nothing said (a human is on the way)" : said;
}

}  // namespace

int explain(const run_options& options) {
  auto start = parse_rfc3339(options.clock);
  if (!start) throw error(fmt::format("--clock: \"{}\" is not an RFC 3339 time", options.clock));
  engine_options eo;
  eo.start = *start;
  eo.trace_decisions = true;
  engine eng(load_config(options.config), eo);

  std::vector<output_event> out;
  read_events(stdin, options.max_line_bytes, [&](long long number, parsed_input& parsed) {
    if (!parsed) {
      fmt::print("line {}: {} ({})\n\n", number, parsed.error.message, parsed.error.code);
      return;
    }
    out.clear();
    if (parsed.at)
      eng.handle(*parsed.event, *parsed.at, out);
    else
      eng.handle(*parsed.event, out);
    const auto* message = std::get_if<in::customer_message>(&*parsed.event);
    if (!message) return;  // agents' and hosts' events decide nothing
    fmt::print("line {}, conversation {}: \"{}\"\n", number, message->conversation, message->text);
    fmt::print("  -> {}\n", outcome(out));
    auto c = eng.conversation(message->conversation);
    if (!c) return;
    if (!c->transcript.empty()) {
      const auto& said = c->transcript.back().role == role::customer
                             ? c->transcript.back()
                             : *std::find_if(c->transcript.rbegin(), c->transcript.rend(),
                                             [](const transcript_entry& t) { return t.role == role::customer; });
      fmt::print("  understood: {}{}\n",
                 said.intent.empty() ? "nothing (out of scope)"
                                     : fmt::format("intent {} ({:.2f})", said.intent, said.confidence),
                 said.sentiment ? fmt::format(", sentiment {:.2f}", *said.sentiment) : "");
    }
    if (c->last_decision.empty()) {
      fmt::print("  no policy decision: the bot did not have this turn\n\n");
      return;
    }
    for (const auto& t : c->last_decision) {
      if (t.fired)
        fmt::print("  + {} fired\n", t.rule);
      else
        fmt::print("  - {}: {} (at {})\n", t.rule, t.because, t.failed);
    }
    if (!c->last_decision.back().fired) fmt::print("  no rule fired: the bot keeps the conversation\n");
    fmt::print("\n");
  });
  return 0;
}

}  // namespace handoff::cli
