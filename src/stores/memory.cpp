// SPDX-License-Identifier: MIT
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "handoff/store.hpp"

namespace handoff {
namespace {

class memory_store final : public store {
 public:
  void append(stored_event& event) override {
    event.sequence = next_++;
    pending_events_.push_back(event);
  }
  void put_snapshot(const conversation_snapshot& snapshot) override { pending_snapshots_.push_back(snapshot); }
  void commit() override {
    for (auto& e : pending_events_) events_.push_back(std::move(e));
    for (auto& s : pending_snapshots_) snapshots_[s.id] = std::move(s);
    pending_events_.clear();
    pending_snapshots_.clear();
  }
  void replay(std::uint64_t after, const std::function<void(const stored_event&)>& visit) const override {
    auto it = std::upper_bound(events_.begin(), events_.end(), after,
                               [](std::uint64_t s, const stored_event& e) { return s < e.sequence; });
    for (; it != events_.end(); ++it) visit(*it);
  }
  std::vector<stored_event> conversation_events(std::string_view id) const override {
    std::vector<stored_event> found;
    for (const auto& e : events_)
      if (e.conversation == id) found.push_back(e);
    return found;
  }
  std::optional<conversation_snapshot> snapshot(std::string_view id) const override {
    auto it = snapshots_.find(id);
    if (it == snapshots_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> open_conversations() const override {
    std::vector<std::string> ids;
    for (const auto& [id, s] : snapshots_)
      if (s.state != "closed") ids.push_back(id);
    return ids;
  }
  std::string_view durability() const noexcept override { return "none: kept in memory, lost with the process"; }

 private:
  std::uint64_t next_ = 1;
  std::vector<stored_event> events_, pending_events_;
  std::vector<conversation_snapshot> pending_snapshots_;
  std::map<std::string, conversation_snapshot, std::less<>> snapshots_;
};

}  // namespace

std::unique_ptr<store> make_memory_store() { return std::make_unique<memory_store>(); }

std::unique_ptr<store> open_store(std::string_view spec) {
  if (spec == "memory") return make_memory_store();
  if (spec.starts_with("sqlite:") && spec.size() > 7) return open_sqlite_store(std::string(spec.substr(7)));
  throw store_error(fmt::format("unknown store \"{}\": use memory or sqlite:PATH", spec));
}

}  // namespace handoff
