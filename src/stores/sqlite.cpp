// SPDX-License-Identifier: MIT
#include "handoff/stores/sqlite.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <utility>

namespace handoff {
namespace {

// "HDOF": marks a database as a handoff store, so a foreign one is refused
// rather than written into.
constexpr int application_id = 0x48444F46;

// Schema 1 kept events; schema 2 added conversation snapshots.
constexpr const char* schema_1 =
    "CREATE TABLE events (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, conversation TEXT NOT NULL, "
    "event TEXT NOT NULL, effects TEXT NOT NULL);"
    "CREATE INDEX events_by_conversation ON events (conversation, seq);";
constexpr const char* schema_2 =
    "CREATE TABLE conversations (id TEXT PRIMARY KEY, state TEXT NOT NULL, updated INTEGER NOT NULL, "
    "json TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX conversations_by_state ON conversations (state);";

class statement {
 public:
  statement() = default;
  statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) != SQLITE_OK)
      throw store_error(fmt::format("store: cannot prepare a statement: {}", sqlite3_errmsg(db)));
  }
  statement(statement&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  statement& operator=(statement&& o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~statement() { sqlite3_finalize(s_); }
  sqlite3_stmt* get() const noexcept { return s_; }

  // Binds text without copying: the caller keeps it alive until the step.
  void bind(int i, std::string_view text) const {
    sqlite3_bind_text(s_, i, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
  void bind(int i, std::int64_t v) const { sqlite3_bind_int64(s_, i, v); }
  std::string text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  // Clears the bindings and makes the statement ready to run again.
  void reset() const noexcept {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

class sqlite_store final : public store {
 public:
  sqlite_store(const std::filesystem::path& file, const sqlite_store_options& options) : file_(file.string()) {
    int rc =
        sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      throw store_error(fmt::format("store {}: cannot open: {}", file_, why));
    }
    try {
      sqlite3_extended_result_codes(db_, 1);
      sqlite3_busy_timeout(db_, options.busy_timeout_ms);
      if (sqlite3_db_readonly(db_, "main") == 1)
        throw store_error(fmt::format("store {}: the file is read-only; the engine could not keep any event", file_));
      set_up(options);
    } catch (...) {
      sqlite3_close_v2(db_);
      throw;
    }
  }
  ~sqlite_store() override {
    if (in_transaction_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    insert_event_ = {};
    upsert_snapshot_ = {};
    sqlite3_close_v2(db_);
  }

  void append(stored_event& event) override {
    begin();
    const auto& s = insert_event_;
    s.bind(1, static_cast<std::int64_t>(event.at.time_since_epoch().count()));
    s.bind(2, event.conversation);
    s.bind(3, event.event);
    s.bind(4, event.effects);
    step_done(s, "keep an event");
    event.sequence = static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db_));
  }

  void put_snapshot(const conversation_snapshot& snapshot) override {
    begin();
    const auto& s = upsert_snapshot_;
    s.bind(1, snapshot.id);
    s.bind(2, snapshot.state);
    s.bind(3, static_cast<std::int64_t>(snapshot.updated.time_since_epoch().count()));
    s.bind(4, snapshot.json);
    step_done(s, "keep a conversation");
  }

  void commit() override {
    if (!in_transaction_) return;
    int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail("commit");
    in_transaction_ = false;
  }

  void replay(std::uint64_t after, const std::function<void(const stored_event&)>& visit) const override {
    statement s(db_, "SELECT seq, at, conversation, event, effects FROM events WHERE seq > ? ORDER BY seq");
    s.bind(1, static_cast<std::int64_t>(after));
    read_events(s, visit);
  }

  std::vector<stored_event> conversation_events(std::string_view id) const override {
    statement s(db_, "SELECT seq, at, conversation, event, effects FROM events WHERE conversation = ? ORDER BY seq");
    s.bind(1, id);
    std::vector<stored_event> found;
    read_events(s, [&](const stored_event& e) { found.push_back(e); });
    return found;
  }

  std::optional<conversation_snapshot> snapshot(std::string_view id) const override {
    statement s(db_, "SELECT id, state, updated, json FROM conversations WHERE id = ?");
    s.bind(1, id);
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) fail_read("read a conversation");
    return conversation_snapshot{s.text(0), s.text(1), time_point(std::chrono::milliseconds(s.integer(2))), s.text(3)};
  }

  std::vector<std::string> open_conversations() const override {
    statement s(db_, "SELECT id FROM conversations WHERE state <> 'closed' ORDER BY id");
    std::vector<std::string> ids;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) ids.push_back(s.text(0));
    if (rc != SQLITE_DONE) fail_read("list conversations");
    return ids;
  }

  std::string_view durability() const noexcept override { return durability_; }

 private:
  void exec(const char* sql, const char* what) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string why = msg ? msg : sqlite3_errmsg(db_);
      sqlite3_free(msg);
      throw store_error(fmt::format("store {}: cannot {}: {}", file_, what, why));
    }
  }

  int pragma_int(const char* sql) {
    statement s(db_, sql);
    if (sqlite3_step(s.get()) != SQLITE_ROW) throw store_error(fmt::format("store {}: cannot read {}", file_, sql));
    return static_cast<int>(s.integer(0));
  }

  void set_up(const sqlite_store_options& options) {
    // Reading the schema is the first touch of the file: a file that is
    // not a database fails here.
    int tables;
    try {
      tables = pragma_int("SELECT count(*) FROM sqlite_master");
    } catch (const store_error&) {
      throw store_error(fmt::format("store {}: not a SQLite database: {}", file_, sqlite3_errmsg(db_)));
    }
    const int app = pragma_int("PRAGMA application_id");
    int version = pragma_int("PRAGMA user_version");
    if (tables > 0 && app != application_id)
      throw store_error(
          fmt::format("store {}: a SQLite database, but not a handoff store; refusing to write into it", file_));
    if (version > sqlite_store_schema)
      throw store_error(
          fmt::format("store {}: written by a newer handoff (store schema {}); this version reads schemas 1 to {}",
                      file_, version, sqlite_store_schema));
    // The write-ahead log lets readers (a dashboard, `sqlite3`) read while
    // the engine writes, and makes a commit one append to the log.
    exec("PRAGMA journal_mode=WAL", "switch to write-ahead logging");
    exec(options.survive_power_loss ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", "set the durability");
    durability_ = options.survive_power_loss
                      ? "a commit survives the process being killed and the machine losing power"
                      : "a commit survives the process being killed; the last commits may be lost if the machine "
                        "loses power";
    if (version < sqlite_store_schema) {
      // Brought up to date in one transaction: a crash half-way leaves the
      // old schema, never a mixture.
      exec("BEGIN IMMEDIATE", "start the schema update");
      try {
        if (version < 1) exec(schema_1, "create the events table");
        if (version < 2) exec(schema_2, "create the conversations table");
        exec(fmt::format("PRAGMA application_id={}", application_id).c_str(), "mark the store");
        exec(fmt::format("PRAGMA user_version={}", sqlite_store_schema).c_str(), "record the schema version");
        exec("COMMIT", "finish the schema update");
      } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    }
    if (options.max_bytes > 0) {
      const std::int64_t page = pragma_int("PRAGMA page_size");
      exec(fmt::format("PRAGMA max_page_count={}", std::max<std::int64_t>(1, options.max_bytes / page)).c_str(),
           "cap the size");
    }
    insert_event_ = statement(db_, "INSERT INTO events (at, conversation, event, effects) VALUES (?, ?, ?, ?)");
    upsert_snapshot_ = statement(
        db_,
        "INSERT INTO conversations (id, state, updated, json) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated = excluded.updated, json = excluded.json");
  }

  void begin() {
    if (in_transaction_) return;
    // IMMEDIATE takes the write lock now, so a locked database fails here,
    // before anything is queued, and not at commit.
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) fail("start a transaction");
    in_transaction_ = true;
  }

  void step_done(const statement& s, const char* what) {
    int rc = sqlite3_step(s.get());
    s.reset();
    if (rc != SQLITE_DONE) fail(what);
  }

  // Rolls back what was queued since the last commit and throws.
  [[noreturn]] void fail(const char* what) {
    const int code = sqlite3_extended_errcode(db_);
    std::string why = sqlite3_errmsg(db_);
    if (in_transaction_ || !sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    in_transaction_ = false;
    throw store_error(fmt::format("store {}: cannot {}: {}{}", file_, what, why, hint(code)));
  }

  [[noreturn]] void fail_read(const char* what) const {
    throw store_error(fmt::format("store {}: cannot {}: {}", file_, what, sqlite3_errmsg(db_)));
  }

  static const char* hint(int code) {
    switch (code & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED: return " (another process holds the database)";
      case SQLITE_FULL: return " (the disk, or the database's size limit, is full)";
      case SQLITE_READONLY: return " (the file cannot be written)";
      case SQLITE_IOERR: return " (the disk failed to read or write)";
      default: return "";
    }
  }

  void read_events(const statement& s, const std::function<void(const stored_event&)>& visit) const {
    stored_event e;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      e.sequence = static_cast<std::uint64_t>(s.integer(0));
      e.at = time_point(std::chrono::milliseconds(s.integer(1)));
      e.conversation = s.text(2);
      e.event = s.text(3);
      e.effects = s.text(4);
      visit(e);
    }
    if (rc != SQLITE_DONE) fail_read("read events");
  }

  std::string file_;
  sqlite3* db_ = nullptr;
  statement insert_event_, upsert_snapshot_;
  bool in_transaction_ = false;
  std::string_view durability_;
};

}  // namespace

std::unique_ptr<store> open_sqlite_store(const std::filesystem::path& file, const sqlite_store_options& options) {
  return std::make_unique<sqlite_store>(file, options);
}

void add_sqlite_store(store_registry& stores, const sqlite_store_options& options) {
  stores.add("sqlite", [options](std::string_view path) { return open_sqlite_store(std::string(path), options); });
}

}  // namespace handoff
