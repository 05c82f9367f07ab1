// SPDX-License-Identifier: MIT
#include "engine/metrics_book.hpp"

#include <algorithm>

namespace handoff::detail {
namespace {

time_summary summarize(std::vector<double> v) {
  time_summary s;
  s.count = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {  // interpolated between the nearest ranks
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto k = static_cast<std::size_t>(pos);
    return k + 1 < v.size() ? v[k] + (pos - static_cast<double>(k)) * (v[k + 1] - v[k]) : v[k];
  };
  s.median_seconds = at(0.5);
  s.p90_seconds = at(0.9);
  return s;
}

double share(double n, std::size_t of) { return of == 0 ? 0.0 : n / static_cast<double>(of); }

counts_by_name counts(const std::map<std::string, std::size_t, std::less<>>& map, std::size_t& total) {
  counts_by_name list;
  for (const auto& [k, v] : map) {
    list.emplace_back(k, v);
    total += v;
  }
  return list;
}

}  // namespace

engine_metrics metrics_book::figures(const conversation_index& conversations) const {
  engine_metrics m;
  for (const auto& c : conversations) {
    if (c.turns == 0 && c.transcript.empty()) continue;
    ++m.conversations;
    m.contained += !c.handed;
    if (c.feedback_score && *c.feedback_score >= 1 && *c.feedback_score <= 5) {
      ++m.scores[static_cast<std::size_t>(*c.feedback_score - 1)];
      ++m.feedback;
      m.average_score += *c.feedback_score;
      m.satisfaction += *c.feedback_score >= 4;
    }
  }
  m.containment_rate = share(static_cast<double>(m.contained), m.conversations);
  m.average_score = share(m.average_score, m.feedback);
  m.satisfaction = share(m.satisfaction, m.feedback);
  std::size_t unused = 0;
  m.escalations_by_reason = counts(escalations_by_reason_, m.escalations);
  m.escalations_by_queue = counts(escalations_by_queue_, unused);
  m.tickets_by_reason = counts(tickets_by_reason_, m.tickets);
  m.wait = summarize(waits_);
  m.first_response = summarize(first_responses_);
  m.handling = summarize(handlings_);
  m.waited = waited_;
  m.abandoned = abandoned_;
  m.abandonment_rate = share(static_cast<double>(abandoned_), waited_);
  m.resolved = resolved_;
  return m;
}

}  // namespace handoff::detail
