// SPDX-License-Identifier: MIT
#include "engine/transcript_store.hpp"

namespace handoff::detail {
namespace {

std::string_view view(const std::string* s) noexcept { return s ? std::string_view(*s) : std::string_view(); }

}  // namespace

transcript_entry transcript_line::entry() const {
  transcript_entry e;
  e.role = role;
  e.text = text();
  e.at = at;
  e.agent = view(agent);
  if (message_id) e.message_id = *message_id;
  e.language = view(language);
  e.intent = view(intent);
  e.confidence = confidence;
  if (has_sentiment) e.sentiment = sentiment;
  e.kind = view(kind);
  return e;
}

transcript_line& transcript_store::add(transcript_lines& lines, role r, std::string text, time_point at,
                                       std::string_view agent, std::string_view kind) {
  transcript_line& e = lines.emplace_back();
  e.role = r;
  if (r == role::bot || r == role::system) e.shared = sentence(text);
  if (!e.shared) e.own = std::move(text);
  e.at = at;
  e.agent = name(agent);
  e.kind = name(kind);
  return e;
}

const std::string* transcript_store::name(std::string_view s) {
  if (s.empty()) return nullptr;
  if (auto it = names_.find(s); it != names_.end()) return &*it;
  return &*names_.emplace(s).first;
}

const std::string* transcript_store::sentence(std::string_view s) {
  if (s.empty()) return nullptr;
  if (auto it = sentences_.find(s); it != sentences_.end()) return &*it;
  if (sentences_.size() >= sentence_limit) return nullptr;
  return &*sentences_.emplace(s).first;
}

std::vector<transcript_entry> transcript_store::entries(const transcript_lines& lines) {
  std::vector<transcript_entry> out;
  out.reserve(lines.size());
  for (const auto& line : lines) out.push_back(line.entry());
  return out;
}

}  // namespace handoff::detail
