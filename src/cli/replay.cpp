// SPDX-License-Identifier: MIT
// handoff replay: recorded conversations through a new configuration, and
// what it would change against the old: a support lead tries a policy on
// yesterday's customers before it goes live.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "commands.hpp"
#include "handoff/config.hpp"
#include "handoff/engine.hpp"

namespace handoff::cli {
namespace {

using counts = std::map<std::string, long long>;

// What happened to one conversation: its first handoff, in words.
struct fate {
  bool escalated = false;
  bool ticket = false;
  std::string said = "kept by the bot";
};

// What one configuration did with the whole recording.
struct tally {
  long long escalations = 0;
  long long tickets = 0;
  long long fallbacks = 0;
  long long clarifications = 0;
  counts by_reason, by_queue, ticket_reasons, refused;
  std::map<std::string, fate> conversations;

  long long count(bool fate::*flag) const {
    long long n = 0;
    for (const auto& [id, f] : conversations) n += f.*flag;
    return n;
  }
  long long kept() const {
    long long n = 0;
    for (const auto& [id, f] : conversations) n += !f.escalated && !f.ticket;
    return n;
  }
};

std::string conversation_of(const input_event& e) {
  return std::visit(
      [](const auto& x) -> std::string {
        if constexpr (requires { x.conversation; })
          return x.conversation;
        else
          return {};
      },
      e);
}

tally replay_with(const bot_config& cfg, time_point start, const std::vector<parsed_input>& events,
                  const std::vector<std::string>& conversations) {
  tally t;
  for (const auto& c : conversations) t.conversations[c];
  engine eng(cfg, engine_options{start});
  std::vector<output_event> out;
  for (const auto& p : events) {
    out.clear();
    if (p.at)
      eng.handle(*p.event, *p.at, out);
    else
      eng.handle(*p.event, out);
    for (const auto& e : out) {
      if (const auto* x = std::get_if<out::escalated>(&e)) {
        ++t.escalations;
        ++t.by_reason[x->reason];
        ++t.by_queue[x->queue];
        auto& f = t.conversations[x->conversation];
        if (!f.escalated && !f.ticket)
          f.said =
              fmt::format("escalated to {} at {}: {}, rule {}", x->queue, to_string(x->priority), x->reason, x->rule);
        f.escalated = true;
      } else if (const auto* k = std::get_if<out::ticket>(&e)) {
        ++t.tickets;
        ++t.ticket_reasons[k->reason];
        auto& f = t.conversations[k->conversation];
        if (!f.escalated && !f.ticket)
          f.said = fmt::format("a ticket for {}: {}", k->queue, k->reason);
        else if (!f.ticket)
          f.said += fmt::format(", then a ticket: {}", k->reason);
        f.ticket = true;
      } else if (const auto* m = std::get_if<out::bot_message>(&e)) {
        t.fallbacks += m->kind == "fallback";
        t.clarifications += m->kind == "clarify";
      } else if (const auto* r = std::get_if<out::error>(&e)) {
        ++t.refused[r->code];
      }
    }
  }
  return t;
}

std::string percent(long long n, long long of) {
  return of == 0 ? fmt::format("{}", n)
                 : fmt::format("{} ({:.1f}%)", n, 100.0 * static_cast<double>(n) / static_cast<double>(of));
}

std::string signed_change(long long d) { return d == 0 ? "" : fmt::format("{:+}", d); }

nlohmann::json to_json(const tally& t) {
  return {{"handed_over", t.count(&fate::escalated)},
          {"with_ticket", t.count(&fate::ticket)},
          {"kept_by_bot", t.kept()},
          {"escalations", t.escalations},
          {"escalations_by_reason", t.by_reason},
          {"escalations_by_queue", t.by_queue},
          {"tickets", t.tickets},
          {"tickets_by_reason", t.ticket_reasons},
          {"fallbacks", t.fallbacks},
          {"clarifying_questions", t.clarifications},
          {"refused_events", t.refused}};
}

}  // namespace

int replay(const replay_options& options) {
  auto start = parse_rfc3339(options.clock);
  if (!start) throw error(fmt::format("--clock: \"{}\" is not an RFC 3339 time", options.clock));
  const bot_config next = load_config(options.config);
  std::optional<bot_config> old;
  if (!options.against.empty()) old = load_config(options.against);

  std::FILE* in = std::fopen(options.transcripts.c_str(), "rb");
  if (!in) throw error(fmt::format("cannot read {}", options.transcripts));
  std::vector<parsed_input> events;
  std::vector<std::pair<long long, std::string>> bad_lines;
  std::vector<std::string> conversations;
  std::map<std::string, bool> seen;
  read_events(in, 16 << 20, [&](long long number, parsed_input& parsed) {
    if (!parsed) {
      bad_lines.emplace_back(number, fmt::format("{} ({})", parsed.error.message, parsed.error.code));
      return;
    }
    if (auto c = conversation_of(*parsed.event); !c.empty() && !seen[c]) {
      seen[c] = true;
      conversations.push_back(std::move(c));
    }
    events.push_back(std::move(parsed));
  });
  std::fclose(in);

  const auto n = static_cast<long long>(conversations.size());
  const tally now = replay_with(next, *start, events, conversations);
  std::optional<tally> before;
  if (old) before = replay_with(*old, *start, events, conversations);

  std::vector<std::string> changed;
  if (before)
    for (const auto& c : conversations)
      if (before->conversations.at(c).said != now.conversations.at(c).said) changed.push_back(c);

  if (options.json) {
    nlohmann::json j{{"conversations", n}, {"events", events.size()}, {"new", to_json(now)}};
    nlohmann::json bad = nlohmann::json::array();
    for (const auto& [line, why] : bad_lines) bad.push_back({{"line", line}, {"error", why}});
    j["refused_lines"] = bad;
    if (before) {
      j["old"] = to_json(*before);
      nlohmann::json list = nlohmann::json::array();
      for (const auto& c : changed)
        list.push_back(
            {{"conversation", c}, {"old", before->conversations.at(c).said}, {"new", now.conversations.at(c).said}});
      j["changed"] = list;
    }
    fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return 0;
  }

  fmt::print("replay of {}: {} conversations, {} events\n", options.transcripts, n, events.size());
  if (before) fmt::print("old: {}\nnew: {}\n", options.against, options.config);
  for (const auto& [line, why] : bad_lines) fmt::print("  line {} skipped: {}\n", line, why);
  fmt::print("\n");
  const int w = 34;
  auto row = [&](std::string_view what, long long b, long long a, bool share) {
    auto line = before ? fmt::format("{:<{}}{:<18}{:<18}{}", what, w, share ? percent(b, n) : std::to_string(b),
                                     share ? percent(a, n) : std::to_string(a), signed_change(a - b))
                       : fmt::format("{:<{}}{}", what, w, share ? percent(a, n) : std::to_string(a));
    line.erase(line.find_last_not_of(' ') + 1);
    fmt::print("{}\n", line);
  };
  auto rows = [&](std::string_view title, const counts tally::*field) {
    counts all = now.*field;
    if (before)
      for (const auto& [k, v] : (*before).*field) all.emplace(k, 0);
    if (all.empty()) return;
    fmt::print("{}\n", title);
    for (const auto& [k, v] : all) {
      auto get = [&](const tally& t) {
        auto it = (t.*field).find(k);
        return it == (t.*field).end() ? 0LL : it->second;
      };
      row(fmt::format("  {}", k), before ? get(*before) : 0, get(now), false);
    }
  };
  if (before) fmt::print("{:<{}}{:<18}{:<18}{}\n", "", w, "old", "new", "change");
  row("conversations handed over", before ? before->count(&fate::escalated) : 0, now.count(&fate::escalated), true);
  row("conversations with a ticket", before ? before->count(&fate::ticket) : 0, now.count(&fate::ticket), true);
  row("kept by the bot", before ? before->kept() : 0, now.kept(), true);
  row("escalations", before ? before->escalations : 0, now.escalations, false);
  rows("escalations by reason", &tally::by_reason);
  rows("escalations by queue", &tally::by_queue);
  row("tickets", before ? before->tickets : 0, now.tickets, false);
  rows("tickets by reason", &tally::ticket_reasons);
  row("fallbacks", before ? before->fallbacks : 0, now.fallbacks, false);
  row("clarifying questions", before ? before->clarifications : 0, now.clarifications, false);
  rows("events the engine refused", &tally::refused);
  if (before) {
    fmt::print("\n{} conversation{} would go otherwise\n", changed.size(), changed.size() == 1 ? "" : "s");
    for (std::size_t i = 0; i < changed.size() && i < options.show; ++i)
      fmt::print("  {}\n    old: {}\n    new: {}\n", changed[i], before->conversations.at(changed[i]).said,
                 now.conversations.at(changed[i]).said);
    if (changed.size() > options.show) fmt::print("  ... and {} more (--show N)\n", changed.size() - options.show);
  }
  return 0;
}

}  // namespace handoff::cli
