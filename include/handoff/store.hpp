// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "handoff/error.hpp"
#include "handoff/time.hpp"

namespace handoff {

/// A store that cannot be opened, written or read. Thrown while opening;
/// on the message path the engine turns it into a `storage_failed` error
/// event instead.
class store_error : public error {
 public:
  using error::error;
};

/// One input event the engine accepted, as kept.
struct stored_event {
  /// Given by the store: 1, 2, 3... in the order appended.
  std::uint64_t sequence = 0;
  /// The engine's clock when it handled the event.
  time_point at{};
  /// The conversation the event is about; empty for an agent's status or
  /// a clock tick.
  std::string conversation;
  /// The event in the protocol's JSON, redacted as the configuration says.
  std::string event;
  /// What the host's callbacks answered while the event was handled
  /// (actions, recommendations, slots), as JSON: a restart replays these
  /// instead of calling the host again.
  std::string effects;
};

/// A conversation as it stands after the last event that touched it, so a
/// host can list and read conversations without running an engine. Its
/// transcript is kept apart, line by line (`store::append_transcript`): a
/// snapshot that carried it would be rewritten whole at every message, and
/// a long conversation would cost more with each line.
struct conversation_snapshot {
  std::string id;
  /// `bot`, `queued`, `offered`, `assigned`, `resolved` or `closed`.
  std::string state;
  time_point updated{};
  /// The conversation (customer, channel, language, queue, agent, tags,
  /// feedback) as a JSON object without its `transcript`, redacted as the
  /// configuration says.
  std::string json;
};

/// Where the engine keeps what it must not lose. The engine appends every
/// event it accepts, then commits, and only then hands its output to the
/// host; an engine opened on a store replays it to carry on where the last
/// one stopped.
///
/// A host may bring its own (a networked database for several nodes);
/// the built-ins are `make_memory_store` and, in the `handoff::sqlite`
/// library, `open_sqlite_store`.
class store {
 public:
  virtual ~store() = default;

  /// Queues an event, giving it its sequence number; durable once `commit`
  /// returns.
  virtual void append(stored_event& event) = 0;
  /// Queues a conversation's latest snapshot, replacing the one kept.
  virtual void put_snapshot(const conversation_snapshot& snapshot) = 0;
  /// Queues lines of a conversation's transcript, each a JSON object on
  /// one line of text, redacted as the configuration says: `lines[0]` is
  /// line `first` (counted from 0), and lines kept from `first` on are
  /// replaced by these. The engine adds lines after the last one, and
  /// writes a transcript from line 0 again only after a restart.
  virtual void append_transcript(std::string_view conversation, std::size_t first,
                                 std::span<const std::string> lines) = 0;
  /// Makes everything queued since the last commit durable, all or
  /// nothing. Throws `store_error` when it cannot; what was queued is then
  /// dropped and the store is as it was after the last commit.
  virtual void commit() = 0;

  /// Every event after `after`, in order.
  virtual void replay(std::uint64_t after, const std::function<void(const stored_event&)>& visit) const = 0;
  /// One conversation's events, in order.
  virtual std::vector<stored_event> conversation_events(std::string_view id) const = 0;
  virtual std::optional<conversation_snapshot> snapshot(std::string_view id) const = 0;
  /// One conversation's transcript lines, in order; empty for none.
  virtual std::vector<std::string> transcript(std::string_view id) const = 0;
  /// The conversations whose latest snapshot is not `closed`.
  virtual std::vector<std::string> open_conversations() const = 0;
  /// What survives what, in a sentence.
  virtual std::string_view durability() const noexcept = 0;
};

/// Keeps everything in memory: lost with the process. For tests and for
/// hosts that persist elsewhere.
std::unique_ptr<store> make_memory_store();

/// Opens a store where it lives: a path, a connection string.
using store_opener = std::function<std::unique_ptr<store>(std::string_view location)>;

/// Stores by the names the command line and hosts use: `memory`, and
/// `KIND:LOCATION` for each kind added (`add_sqlite_store` adds `sqlite`,
/// from `stores/sqlite.hpp`). An object the host owns, never a global.
///
///     handoff::store_registry stores;
///     handoff::add_sqlite_store(stores);
///     auto kept = stores.open("sqlite:/var/lib/shop/handoff.db");
class store_registry {
 public:
  /// Knows `memory`.
  store_registry();
  /// Adds or replaces the kind `name`.
  void add(std::string name, store_opener opener);
  bool contains(std::string_view name) const noexcept;
  /// `memory`, or `KIND:LOCATION`; throws `store_error` for a kind it does
  /// not know (naming those it does), and whatever the kind's opener throws.
  std::unique_ptr<store> open(std::string_view spec) const;

 private:
  std::vector<std::pair<std::string, store_opener>> openers_;
};

}  // namespace handoff
