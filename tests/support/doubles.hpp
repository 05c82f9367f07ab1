// Test support: doubles that record what they were asked and answer as
// scripted (spdlog's tests/test_sink.h is the model): a matcher and a store.
#pragma once

#include <handoff/intent.hpp>
#include <handoff/store.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace handoff::test {

/// An intent matcher that keeps every text it is asked about and answers
/// with the candidates (and near miss) scripted for that text; nothing
/// otherwise. Safe from several threads, as matchers must be.
class recording_matcher final : public intent_matcher {
 public:
  struct answer {
    std::vector<intent_match> candidates;
    std::optional<near_miss> near;
  };

  explicit recording_matcher(std::string name = "recording") : name_(std::move(name)) {}
  std::string_view name() const noexcept override { return name_; }

  void script(std::string text, answer a) {
    std::lock_guard lock(m_);
    answers_[std::move(text)] = std::move(a);
  }
  std::vector<std::string> asked() const {
    std::lock_guard lock(m_);
    return asked_;
  }

 protected:
  void read_message(const normalized_text& text, std::string_view, intent_reading& reading) const override {
    std::lock_guard lock(m_);
    asked_.emplace_back(text.text());
    if (auto it = answers_.find(std::string(text.text())); it != answers_.end()) {
      reading.candidates = it->second.candidates;
      reading.near = it->second.near;
    }
  }

 private:
  std::string name_;
  mutable std::mutex m_;
  std::map<std::string, answer, std::less<>> answers_;
  mutable std::vector<std::string> asked_;
};

/// A real store (a memory store unless given one) that counts what it was
/// asked to do and can be made to fail as a full disk would: every commit
/// while `fail_commits`, or the `fail_append`-th append from now.
class recording_store final : public store {
 public:
  explicit recording_store(std::unique_ptr<store> inner = make_memory_store()) : inner_(std::move(inner)) {}

  bool fail_commits = false;
  int fail_append = 0;  // 0: never
  int appends = 0, commits = 0, snapshots = 0;

  void append(stored_event& e) override {
    ++appends;
    if (fail_append > 0 && --fail_append == 0) throw store_error("disk full");
    inner_->append(e);
  }
  void put_snapshot(const conversation_snapshot& s) override {
    ++snapshots;
    inner_->put_snapshot(s);
  }
  void append_transcript(std::string_view conversation, std::size_t first,
                         std::span<const std::string> lines) override {
    inner_->append_transcript(conversation, first, lines);
  }
  void commit() override {
    ++commits;
    if (fail_commits) {
      // What was queued is dropped, as the interface says.
      inner_ = without_pending();
      throw store_error("disk full");
    }
    inner_->commit();
  }
  void replay(std::uint64_t after, const std::function<void(const stored_event&)>& visit) const override {
    inner_->replay(after, visit);
  }
  std::vector<stored_event> conversation_events(std::string_view id) const override {
    return inner_->conversation_events(id);
  }
  std::optional<conversation_snapshot> snapshot(std::string_view id) const override { return inner_->snapshot(id); }
  std::vector<std::string> transcript(std::string_view id) const override { return inner_->transcript(id); }
  std::vector<std::string> open_conversations() const override { return inner_->open_conversations(); }
  std::string_view durability() const noexcept override { return "test"; }

 private:
  std::unique_ptr<store> without_pending() {
    auto fresh = make_memory_store();
    inner_->replay(0, [&](const stored_event& e) {
      stored_event copy = e;
      fresh->append(copy);
    });
    fresh->commit();
    return fresh;
  }
  std::unique_ptr<store> inner_;
};

}  // namespace handoff::test
