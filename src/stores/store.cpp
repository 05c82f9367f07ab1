// SPDX-License-Identifier: MIT
#include "handoff/store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>

namespace handoff {
namespace {

class memory_store final : public store {
 public:
  void append(stored_event& event) override {
    event.sequence = next_++;
    pending_events_.push_back(event);
  }
  void put_snapshot(const conversation_snapshot& snapshot) override { pending_snapshots_.push_back(snapshot); }
  void append_transcript(std::string_view conversation, std::size_t first,
                         std::span<const std::string> lines) override {
    pending_lines_.push_back({std::string(conversation), first, {lines.begin(), lines.end()}});
  }
  void commit() override {
    for (auto& e : pending_events_) events_.push_back(std::move(e));
    for (auto& s : pending_snapshots_) snapshots_[s.id] = std::move(s);
    for (auto& p : pending_lines_) {
      // From `first` on, these lines; a gap closes up.
      auto& kept = transcripts_[p.conversation];
      kept.resize(std::min(kept.size(), p.first));
      std::move(p.lines.begin(), p.lines.end(), std::back_inserter(kept));
    }
    pending_events_.clear();
    pending_snapshots_.clear();
    pending_lines_.clear();
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
  std::vector<std::string> transcript(std::string_view id) const override {
    auto it = transcripts_.find(id);
    return it == transcripts_.end() ? std::vector<std::string>() : it->second;
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
  struct pending_lines {
    std::string conversation;
    std::size_t first;
    std::vector<std::string> lines;
  };
  std::vector<pending_lines> pending_lines_;
  std::map<std::string, std::vector<std::string>, std::less<>> transcripts_;
};

}  // namespace

std::unique_ptr<store> make_memory_store() { return std::make_unique<memory_store>(); }

store_registry::store_registry() {
  add("memory", [](std::string_view) { return make_memory_store(); });
}

void store_registry::add(std::string name, store_opener opener) {
  for (auto& [n, o] : openers_)
    if (n == name) {
      o = std::move(opener);
      return;
    }
  openers_.emplace_back(std::move(name), std::move(opener));
}

bool store_registry::contains(std::string_view name) const noexcept {
  for (const auto& [n, o] : openers_)
    if (n == name) return true;
  return false;
}

std::unique_ptr<store> store_registry::open(std::string_view spec) const {
  const auto colon = spec.find(':');
  const auto kind = spec.substr(0, colon);
  const auto location = colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
  for (const auto& [n, o] : openers_)
    if (n == kind && (n == "memory" ? colon == std::string_view::npos : !location.empty())) return o(location);
  std::string known;
  for (const auto& [n, o] : openers_)
    known += fmt::format("{}{}{}", known.empty() ? "" : ", ", n, n == "memory" ? "" : ":LOCATION");
  throw store_error(fmt::format("unknown store \"{}\": use {}", spec, known));
}

}  // namespace handoff
