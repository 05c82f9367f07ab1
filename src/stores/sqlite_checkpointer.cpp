// SPDX-License-Identifier: MIT
#include "stores/sqlite_checkpointer.hpp"

#include <fmt/format.h>

#include "handoff/store.hpp"

namespace handoff::detail {

sqlite_checkpointer::sqlite_checkpointer(sqlite3* writer, const std::string& file, int pages)
    : writer_(writer), pages_(pages) {
  if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw store_error(fmt::format("store {}: cannot open a connection for checkpoints: {}", file, why));
  }
  sqlite3_busy_timeout(db_, 1000);
  // A connection learns that the file is in WAL mode only when it first
  // reads it; until then every checkpoint is a silent no-op.
  if (sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::string why = sqlite3_errmsg(db_);
    sqlite3_close(db_);
    throw store_error(fmt::format("store {}: cannot read it for checkpoints: {}", file, why));
  }
  thread_ = std::thread([this] { run(); });
  sqlite3_wal_hook(writer_, &sqlite_checkpointer::on_commit, this);
}

sqlite_checkpointer::~sqlite_checkpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(m_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_close_v2(db_);
}

// Called by SQLite in the writer's thread after each commit, with the
// pages now in the log.
int sqlite_checkpointer::on_commit(void* self, sqlite3* db, const char* schema, int frames) {
  auto& c = *static_cast<sqlite_checkpointer*>(self);
  if (frames < c.pages_) return SQLITE_OK;
  if (frames >= 8 * c.pages_) {
    // The thread is behind (a reader holds the log, or the disk is slow):
    // copy now rather than let the log grow without end. Busy when the
    // thread is copying already; a failure here is not the commit's, which
    // is durable in the log.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
  {
    std::lock_guard lock(c.m_);
    c.due_ = true;
  }
  c.wake_.notify_one();
  return SQLITE_OK;
}

void sqlite_checkpointer::run() {
  std::unique_lock lock(m_);
  for (;;) {
    wake_.wait(lock, [this] { return due_ || stop_; });
    if (stop_) return;
    due_ = false;
    lock.unlock();
    // Passive: copies what no reader still needs and never blocks the
    // writer; a failure is tried again at the next wake. But a log is
    // started afresh only once every page in it is copied, which a writer
    // that commits every few milliseconds never lets a passive copy see:
    // so when little is left, copy the rest holding the writer off for
    // that short while (RESTART), and the next commit writes from the
    // start of the file again.
    int log = 0, copied = 0;
    sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    if (log >= pages_ && log - copied <= pages_)
      sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    lock.lock();
  }
}

}  // namespace handoff::detail
