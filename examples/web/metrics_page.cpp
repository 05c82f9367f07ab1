// SPDX-License-Identifier: MIT
// `GET /metrics`: the engine's figures and the server's own, in
// Prometheus's text exposition format.
#include <fmt/format.h>
#include <unistd.h>

#include <fstream>

#include "shared_state.hpp"

namespace handoff::web {
namespace {

// Label values are quoted; backslash, quote and newline are escaped.
std::string label(std::string_view v) {
  std::string s;
  s.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') s += '\\';
    if (c == '\n') {
      s += "\\n";
      continue;
    }
    s += c;
  }
  return s;
}

struct page {
  std::string text;
  void family(std::string_view name, std::string_view type, std::string_view help) {
    text += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(std::string_view name, double v) { text += fmt::format("{} {}\n", name, v); }
  void sample(std::string_view name, std::string_view key, std::string_view value, double v) {
    text += fmt::format("{}{{{}=\"{}\"}} {}\n", name, key, label(value), v);
  }
  void one(std::string_view name, std::string_view type, std::string_view help, double v) {
    family(name, type, help);
    sample(name, v);
  }
  void by_name(std::string_view name, std::string_view help, std::string_view key, const counts_by_name& counts) {
    family(name, "counter", help);
    for (const auto& [n, count] : counts) sample(name, key, n, static_cast<double>(count));
  }
  void summary(std::string_view name, std::string_view help, const time_summary& t) {
    family(name, "summary", help);
    sample(name, "quantile", "0.5", t.median_seconds);
    sample(name, "quantile", "0.9", t.p90_seconds);
    sample(fmt::format("{}_count", name), static_cast<double>(t.count));
  }
};

// Resident memory, from the kernel's own count (the load program reads it
// before and after opening its sockets).
double resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long long pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return static_cast<double>(pages_resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

std::string shared_state::metrics_text() const {
  const engine_metrics m = engine_.metrics();
  page p;
  p.one("handoff_conversations_total", "counter", "Conversations the customer said or chose something in.",
        static_cast<double>(m.conversations));
  p.one("handoff_contained_total", "counter", "Conversations the bot handled alone.", static_cast<double>(m.contained));
  p.one("handoff_containment_ratio", "gauge", "Contained conversations over all conversations.", m.containment_rate);
  p.one("handoff_escalations_total", "counter", "Conversations handed to a person.",
        static_cast<double>(m.escalations));
  p.by_name("handoff_escalations_by_reason_total", "Escalations by the reason of the rule that fired.", "reason",
            m.escalations_by_reason);
  p.by_name("handoff_escalations_by_queue_total", "Escalations by queue.", "queue", m.escalations_by_queue);
  p.one("handoff_tickets_total", "counter", "Tickets made when no one could come.", static_cast<double>(m.tickets));
  p.by_name("handoff_tickets_by_reason_total", "Tickets by reason.", "reason", m.tickets_by_reason);
  {
    std::lock_guard guard(figures_lock_);
    p.family("handoff_queue_length", "gauge", "Conversations waiting for a person, by queue.");
    for (const auto& [queue, n] : queue_lengths_)
      p.sample("handoff_queue_length", "queue", queue, static_cast<double>(n));
    p.family("handoff_errors_total", "counter", "Events refused, by the error's code.");
    for (const auto& [code, n] : refused_) p.sample("handoff_errors_total", "code", code, static_cast<double>(n));
  }
  p.summary("handoff_wait_seconds", "From joining a queue to an agent taking the conversation.", m.wait);
  p.summary("handoff_first_response_seconds", "From an agent taking a conversation to their first message.",
            m.first_response);
  p.summary("handoff_handling_seconds", "From an agent taking a conversation to letting it go.", m.handling);
  p.one("handoff_waited_total", "counter", "Conversations that joined a queue.", static_cast<double>(m.waited));
  p.one("handoff_abandoned_total", "counter", "Customers who left or cancelled before an agent came.",
        static_cast<double>(m.abandoned));
  p.one("handoff_resolved_total", "counter", "Conversations resolved.", static_cast<double>(m.resolved));
  p.family("handoff_feedback_scores_total", "counter", "Feedback scores given, by score.");
  for (std::size_t i = 0; i < m.scores.size(); ++i)
    p.sample("handoff_feedback_scores_total", "score", std::to_string(i + 1), static_cast<double>(m.scores[i]));
  p.one("handoff_feedback_score_average", "gauge", "The average feedback score, 1 to 5.", m.average_score);
  p.one("handoff_satisfaction_ratio", "gauge", "The share of scores of 4 or 5.", m.satisfaction);
  p.family("handoff_messages_total", "counter", "Messages handled, by who wrote them.");
  p.sample("handoff_messages_total", "role", "customer", static_cast<double>(customer_messages_.load()));
  p.sample("handoff_messages_total", "role", "agent", static_cast<double>(agent_messages_.load()));
  p.one("handoff_events_total", "counter", "Events handled by the engine.", static_cast<double>(events_.load()));
  p.one("handoff_commits_total", "counter", "Store commits (each keeps the events that came together).",
        static_cast<double>(commits_.load()));
  p.family("handoff_connections", "gauge", "Open WebSocket connections, by role.");
  p.sample("handoff_connections", "role", "customer", static_cast<double>(customer_sockets_.load()));
  p.sample("handoff_connections", "role", "agent", static_cast<double>(agent_sockets_.load()));
  p.one("handoff_open_conversations", "gauge", "Conversations not closed.",
        static_cast<double>(engine_.open_conversations()));
  p.one("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", resident_bytes());
  return std::move(p.text);
}

}  // namespace handoff::web
