// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "handoff/store.hpp"

/// The embedded default store: one SQLite file. In its own library,
/// `handoff::sqlite` (`find_package(handoff COMPONENTS sqlite)`), so that a
/// host with storage of its own links none of SQLite.
namespace handoff {

struct sqlite_store_options {
  /// `false` (the default): a commit survives the process being killed,
  /// and the last commits may be lost if the machine loses power (SQLite's
  /// write-ahead log with `synchronous=NORMAL`). `true`: a commit also
  /// survives power loss (`synchronous=FULL`), at a sync per commit.
  bool survive_power_loss = false;
  /// How long a commit waits for another process holding the database
  /// before it fails with "locked".
  int busy_timeout_ms = 2000;
  /// A cap on the file's size in bytes (0: none): past it, events are
  /// refused as on a full disk, and the host hears `storage_failed`.
  std::int64_t max_bytes = 0;
  /// The most memory SQLite may keep of the file's pages.
  int cache_bytes = 64 << 20;
  /// How many pages the write-ahead log holds before a thread of the store
  /// copies them back into the database (a checkpoint), beside the commits
  /// rather than inside one.
  int checkpoint_pages = 4000;
};

/// Opens, or creates, a SQLite database file as a store. Throws
/// `store_error` when the file cannot be opened for writing, is not a
/// handoff store, or was written by a newer version of handoff; a store
/// written by an older version is brought up to date.
std::unique_ptr<store> open_sqlite_store(const std::filesystem::path& file, const sqlite_store_options& options = {});

/// Adds `sqlite:PATH` to `stores`, opened with `options`.
void add_sqlite_store(store_registry& stores, const sqlite_store_options& options = {});

/// The schema version `open_sqlite_store` writes.
inline constexpr int sqlite_store_schema = 3;

}  // namespace handoff
