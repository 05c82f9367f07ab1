// SPDX-License-Identifier: MIT
#include "engine/conversation_index.hpp"

#include <algorithm>
#include <functional>

namespace handoff::detail {

conversation* conversation_index::find(std::string_view id) noexcept {
  if (slots_.empty()) return nullptr;
  const std::uint32_t h = hash(id);
  for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
    const slot& s = slots_[i];
    if (s.index == 0) return nullptr;
    if (s.hash == h && items_[s.index - 1].id == id) return &items_[s.index - 1];
  }
}

const conversation* conversation_index::find(std::string_view id) const noexcept {
  return const_cast<conversation_index*>(this)->find(id);
}

conversation& conversation_index::open(std::string_view id) {
  if (conversation* c = find(id)) return *c;
  if ((items_.size() + 1) * 2 > slots_.size()) grow();
  conversation& c = items_.emplace_back();
  c.id = id;
  place(hash(id), static_cast<std::uint32_t>(items_.size()));
  return c;
}

std::uint32_t conversation_index::hash(std::string_view id) noexcept {
  const std::uint64_t h = std::hash<std::string_view>{}(id);
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

void conversation_index::place(std::uint32_t h, std::uint32_t index) noexcept {
  std::size_t i = h & mask_;
  while (slots_[i].index != 0) i = (i + 1) & mask_;
  slots_[i] = {h, index};
}

void conversation_index::grow() {
  std::vector<slot> old = std::move(slots_);
  slots_.assign(std::max<std::size_t>(64, old.size() * 2), slot{});
  mask_ = slots_.size() - 1;
  for (const slot& s : old)
    if (s.index != 0) place(s.hash, s.index);
}

}  // namespace handoff::detail
