// SPDX-License-Identifier: MIT
#include "handoff/stores/sqlite.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <utility>

#include "stores/sqlite_checkpointer.hpp"

namespace handoff {
namespace {

// "HDOF": marks a database as a handoff store, so a foreign one is refused
// rather than written into.
constexpr int application_id = 0x48444F46;

// Schema 1 kept events; schema 2 added conversation snapshots; schema 3
// keeps what is read by conversation in a log of its own, see schema_3.
constexpr const char* schema_1 =
    "CREATE TABLE events (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, conversation TEXT NOT NULL, "
    "event TEXT NOT NULL, effects TEXT NOT NULL);"
    "CREATE INDEX events_by_conversation ON events (conversation, seq);";
constexpr const char* schema_2 =
    "CREATE TABLE conversations (id TEXT PRIMARY KEY, state TEXT NOT NULL, updated INTEGER NOT NULL, "
    "json TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX conversations_by_state ON conversations (state);";
// Schema 2 rewrote each conversation's snapshot, its whole transcript
// inside, at every event, and found its events through an index: three
// writes per event to pages far apart, each page written whole to the log
// at the commit (16 KB per message at 10,000 customers, most of the web
// example's time). Schema 3 appends instead: at each commit, one row per
// conversation touched (`conversation_log`: its snapshot, the transcript
// lines added from line `first_line` on, one JSON object per line of
// `lines`, the sequences of its events), found through one small index;
// `conversations` keeps the state alone, for the open ones, and is written
// only when the state changes. A schema-2 file's snapshots become each
// conversation's first row.
constexpr const char* schema_3 =
    "CREATE TABLE conversation_log (conversation TEXT NOT NULL, at INTEGER NOT NULL, snapshot TEXT, "
    "first_line INTEGER NOT NULL, lines TEXT NOT NULL, events TEXT NOT NULL);"
    "CREATE INDEX conversation_log_by_conversation ON conversation_log (conversation);"
    "INSERT INTO conversation_log (conversation, at, snapshot, first_line, lines, events) "
    "SELECT c.id, c.updated, CASE WHEN json_valid(c.json) THEN json_remove(c.json, '$.transcript') ELSE c.json END, "
    "0, CASE WHEN json_valid(c.json) THEN coalesce((SELECT group_concat(t.value, char(10)) FROM "
    "(SELECT value FROM json_each(c.json, '$.transcript') ORDER BY key) AS t), '') ELSE '' END, "
    "(SELECT json_group_array(seq) FROM (SELECT seq FROM events WHERE conversation = c.id ORDER BY seq)) "
    "FROM conversations AS c;"
    "INSERT INTO conversation_log (conversation, at, snapshot, first_line, lines, events) "
    "SELECT e.conversation, max(e.at), NULL, 0, '', json_group_array(e.seq) FROM "
    "(SELECT * FROM events WHERE conversation <> '' AND conversation NOT IN (SELECT id FROM conversations) "
    "ORDER BY seq) AS e GROUP BY e.conversation;"
    "DROP INDEX events_by_conversation;"
    "DROP INDEX conversations_by_state;"
    "CREATE TABLE states (id TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;"
    "INSERT INTO states (id, state) SELECT id, state FROM conversations;"
    "DROP TABLE conversations;"
    "ALTER TABLE states RENAME TO conversations;"
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
      checkpointer_.reset();
      sqlite3_close_v2(db_);
      throw;
    }
  }
  ~sqlite_store() override {
    if (in_transaction_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    checkpointer_.reset();
    insert_event_ = {};
    insert_log_ = {};
    put_state_ = {};
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
    if (!event.conversation.empty()) {
      auto& p = pending_for(event.conversation);
      fmt::format_to(std::back_inserter(p.events), "{}{}", p.events.empty() ? "" : ",", event.sequence);
      p.at = std::max(p.at, event.at);
    }
  }

  void put_snapshot(const conversation_snapshot& snapshot) override {
    begin();
    auto& p = pending_for(snapshot.id);
    p.snapshot = snapshot.json;
    p.state = snapshot.state;
    p.has_snapshot = true;
    p.at = std::max(p.at, snapshot.updated);
  }

  void append_transcript(std::string_view conversation, std::size_t first,
                         std::span<const std::string> lines) override {
    begin();
    auto& p = pending_for(conversation);
    // Lines from `first` on replace those queued there; a gap cannot be
    // kept, so it closes up.
    if (p.lines.empty() || first < p.first_line) {
      p.first_line = first;
      p.lines.clear();
    } else {
      p.lines.resize(std::min(p.lines.size(), first - p.first_line));
    }
    p.lines.insert(p.lines.end(), lines.begin(), lines.end());
  }

  void commit() override {
    if (!in_transaction_) return;
    flush_pending();
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
    statement s(db_,
                "SELECT e.seq, e.at, e.conversation, e.event, e.effects FROM conversation_log AS l, "
                "json_each(l.events) AS j JOIN events AS e ON e.seq = j.value "
                "WHERE l.conversation = ? ORDER BY e.seq");
    s.bind(1, id);
    std::vector<stored_event> found;
    read_events(s, [&](const stored_event& e) { found.push_back(e); });
    return found;
  }

  std::optional<conversation_snapshot> snapshot(std::string_view id) const override {
    // The latest row that has a snapshot; a row of events alone (from a
    // schema-1 file) has none.
    statement s(db_,
                "SELECT c.id, c.state, l.at, l.snapshot FROM conversations AS c JOIN conversation_log AS l "
                "ON l.conversation = c.id WHERE c.id = ? AND l.snapshot IS NOT NULL ORDER BY l.rowid DESC LIMIT 1");
    s.bind(1, id);
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) fail_read("read a conversation");
    return conversation_snapshot{s.text(0), s.text(1), time_point(std::chrono::milliseconds(s.integer(2))), s.text(3)};
  }

  std::vector<std::string> transcript(std::string_view id) const override {
    statement s(db_,
                "SELECT first_line, lines FROM conversation_log WHERE conversation = ? AND lines <> '' ORDER BY rowid");
    s.bind(1, id);
    std::vector<std::string> lines;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      // A row from line `first` on replaces whatever the rows before said
      // from there (a transcript written again after a restart).
      const auto first = static_cast<std::size_t>(std::max<std::int64_t>(0, s.integer(0)));
      if (first < lines.size()) lines.resize(first);
      const std::string text = s.text(1);
      std::string_view rest = text;
      for (;;) {
        const auto end = rest.find('\n');
        lines.emplace_back(rest.substr(0, end));
        if (end == std::string_view::npos) break;
        rest.remove_prefix(end + 1);
      }
    }
    if (rc != SQLITE_DONE) fail_read("read a transcript");
    return lines;
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
        if (version < 3) exec(schema_3, "move the conversations into a log");
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
    // The pages every event reads (the tails of the tables, the
    // conversations' rows) stay in memory: SQLite's default of 2 MB made a
    // tenth of the web example's time reading them back from the file.
    exec(fmt::format("PRAGMA cache_size=-{}", std::max(1, options.cache_bytes / 1024)).c_str(), "size the cache");
    // A log started afresh is cut back to about what a checkpoint copies,
    // so the file does not keep the size of its busiest moment.
    exec(fmt::format("PRAGMA journal_size_limit={}",
                     std::int64_t{2} * options.checkpoint_pages * pragma_int("PRAGMA page_size"))
             .c_str(),
         "limit the log's size");
    checkpointer_ = std::make_unique<detail::sqlite_checkpointer>(db_, file_, options.checkpoint_pages);
    insert_event_ = statement(db_, "INSERT INTO events (at, conversation, event, effects) VALUES (?, ?, ?, ?)");
    insert_log_ = statement(db_,
                            "INSERT INTO conversation_log (conversation, at, snapshot, first_line, lines, events) "
                            "VALUES (?, ?, ?, ?, ?, '[' || ? || ']')");
    // Unchanged, the row is only read: its page is not written.
    put_state_ = statement(db_,
                           "INSERT INTO conversations (id, state) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET "
                           "state = excluded.state WHERE state <> excluded.state");
  }

  void begin() {
    if (in_transaction_) return;
    // IMMEDIATE takes the write lock now, so a locked database fails here,
    // before anything is queued, and not at commit.
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) fail("start a transaction");
    in_transaction_ = true;
  }

  // What a conversation's row in the log will hold at the commit.
  struct pending {
    time_point at{};
    bool has_snapshot = false;
    std::string snapshot, state;
    std::size_t first_line = 0;
    std::vector<std::string> lines;
    std::string events;  // "12,15"
  };

  pending& pending_for(std::string_view conversation) {
    auto it = pending_.find(conversation);
    if (it == pending_.end()) it = pending_.emplace(std::string(conversation), pending{}).first;
    return it->second;
  }

  void flush_pending() {
    for (const auto& [id, p] : pending_) {
      joined_.clear();
      for (const auto& line : p.lines) {
        if (!joined_.empty()) joined_ += '\n';
        joined_ += line;
      }
      const auto& s = insert_log_;
      s.bind(1, id);
      s.bind(2, static_cast<std::int64_t>(p.at.time_since_epoch().count()));
      if (p.has_snapshot) s.bind(3, p.snapshot);  // else NULL, as cleared
      s.bind(4, static_cast<std::int64_t>(p.first_line));
      s.bind(5, joined_);
      s.bind(6, std::string_view(p.events.data(), p.events.size()));
      step_done(s, "keep a conversation");
      if (!p.has_snapshot) continue;
      const auto& st = put_state_;
      st.bind(1, id);
      st.bind(2, p.state);
      step_done(st, "keep a conversation's state");
    }
    pending_.clear();
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
    pending_.clear();
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
  std::unique_ptr<detail::sqlite_checkpointer> checkpointer_;
  statement insert_event_, insert_log_, put_state_;
  std::map<std::string, pending, std::less<>> pending_;
  std::string joined_;  // a row's lines, one per line of text
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
