// SPDX-License-Identifier: MIT
// The conversations by id.
#pragma once

#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "engine/conversation.hpp"

namespace handoff::detail {

/// The conversations live in a deque (never moved, never removed) and are
/// found through an open-addressing index of their positions: a lookup
/// probes one small array and then reads the conversation, which the caller
/// reads next anyway. (A node-based map read the bucket, the node before,
/// and the node: at a hundred thousand conversations, each a cache miss,
/// and a tenth of a message's time.)
class conversation_index {
 public:
  conversation* find(std::string_view id) noexcept;
  const conversation* find(std::string_view id) const noexcept;
  /// The conversation `id`, added when new.
  conversation& open(std::string_view id);

  std::size_t size() const noexcept { return items_.size(); }
  auto begin() noexcept { return items_.begin(); }
  auto end() noexcept { return items_.end(); }
  auto begin() const noexcept { return items_.begin(); }
  auto end() const noexcept { return items_.end(); }

 private:
  struct slot {
    std::uint32_t hash = 0;
    std::uint32_t index = 0;  // position in `items_` plus one; 0: empty
  };
  static std::uint32_t hash(std::string_view id) noexcept;
  void place(std::uint32_t h, std::uint32_t index) noexcept;
  void grow();

  std::deque<conversation> items_;
  std::vector<slot> slots_;
  std::size_t mask_ = 0;
};

}  // namespace handoff::detail
