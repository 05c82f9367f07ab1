// SPDX-License-Identifier: MIT
// Conversations' transcripts as the engine keeps them: lines that point to
// pooled copies of the texts and names that repeat across conversations.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "handoff/transcript.hpp"
#include "util/string_map.hpp"

namespace handoff::detail {

/// One line of a transcript; `transcript_entry` is what the engine hands
/// out. At a hundred thousand open conversations of twenty-odd lines each,
/// the public struct's six strings per line were half the memory.
struct transcript_line {
  const std::string* shared = nullptr;  // the text, when pooled
  std::string own;                      // the text, when not
  time_point at{};
  const std::string* agent = nullptr;
  const std::string* language = nullptr;
  const std::string* intent = nullptr;
  const std::string* kind = nullptr;
  std::unique_ptr<const std::string> message_id;  // rare
  double confidence = 0;
  double sentiment = 0;
  handoff::role role = role::customer;
  bool has_sentiment = false;

  std::string_view text() const noexcept { return shared ? std::string_view(*shared) : std::string_view(own); }
  std::string_view intent_id() const noexcept { return intent ? std::string_view(*intent) : std::string_view(); }
  transcript_entry entry() const;
};

/// A conversation's lines. A deque grows without the spare half a vector
/// keeps: at a hundred thousand open conversations, a tenth of the memory.
using transcript_lines = std::deque<transcript_line>;

/// Every transcript line's texts and names, pooled.
class transcript_store {
 public:
  /// A line of `r` saying `text`. What people write is theirs alone; what
  /// the bot and the system say repeats, and is pooled.
  transcript_line& add(transcript_lines& lines, role r, std::string text, time_point at, std::string_view agent = {},
                       std::string_view kind = {});

  /// The pooled copy of a name (an intent, a kind, a language, an agent):
  /// there are as many as the configuration and the team have. Null for "".
  const std::string* name(std::string_view s);

  /// The lines as handed out.
  static std::vector<transcript_entry> entries(const transcript_lines& lines);

  /// Sentences past this many are not pooled: sentences that never repeat
  /// (an answer naming an order number) cannot grow the pool without end.
  static constexpr std::size_t sentence_limit = 1 << 16;

 private:
  const std::string* sentence(std::string_view s);

  string_set names_, sentences_;
};

}  // namespace handoff::detail
