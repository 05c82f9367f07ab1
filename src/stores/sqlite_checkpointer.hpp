// SPDX-License-Identifier: MIT
// Copies a SQLite write-ahead log back into its database on a thread of its
// own.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace handoff::detail {

/// SQLite checkpoints, by default, inside the commit that filled the log:
/// that commit then waits while thousands of pages are copied and synced,
/// and every event behind it waits too (at 10,000 messages a second, tens of
/// milliseconds, several times a second). Here a second connection copies
/// them while the writer carries on, as WAL mode allows, and holds the
/// writer off only to copy the last few pages before the log starts afresh;
/// the writer copies itself only when the log has grown far past `pages`,
/// so the log stays bounded when the thread cannot keep up.
class sqlite_checkpointer {
 public:
  /// Opens its own connection to `file`, and takes over `writer`'s
  /// automatic checkpoints. Throws `store_error` when it cannot.
  sqlite_checkpointer(sqlite3* writer, const std::string& file, int pages);
  /// Stops the thread and closes its connection; the writer's own close
  /// then copies what is left.
  ~sqlite_checkpointer();
  sqlite_checkpointer(const sqlite_checkpointer&) = delete;
  sqlite_checkpointer& operator=(const sqlite_checkpointer&) = delete;

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int frames);
  void run();

  sqlite3* writer_;
  sqlite3* db_ = nullptr;
  const int pages_;
  std::mutex m_;
  std::condition_variable wake_;
  bool due_ = false, stop_ = false;
  std::thread thread_;
};

}  // namespace handoff::detail
