// The SQLite store: files of other versions and other programs, locked,
// read-only and full ones.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <handoff/engine.hpp>
#include <handoff/protocol.hpp>
#include <handoff/stores/sqlite.hpp>

#include "support/scenario.hpp"
#include "support/stores.hpp"

using namespace handoff;
using nlohmann::json;
using test::at_nine;
using test::temp_db;

namespace {

namespace fs = std::filesystem;

// A customer message long enough to fill a small store quickly.
std::string fmt_line(int i) {
  return json{{"type", "customer_message"},
              {"conversation", "c1"},
              {"text", "退货政策是什么 " + std::string(600, 'x') + std::to_string(i)},
              {"message_id", "m" + std::to_string(i)}}
      .dump();
}

// The events table as schemas 1 and 2 wrote it.
constexpr const char* schema_1_tables =
    "CREATE TABLE events (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, conversation TEXT NOT NULL, "
    "event TEXT NOT NULL, effects TEXT NOT NULL);"
    "CREATE INDEX events_by_conversation ON events (conversation, seq);";

}  // namespace

TEST_CASE("SQLite store files: older schemas are brought up to date, others are refused") {
  SUBCASE("a schema 1 store (events only) opens, is upgraded, and replays") {
    temp_db db("schema1");
    {
      sqlite3* raw = nullptr;
      REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
      auto event = to_json(input_event{in::customer_message{"c1", "你好", {}, {}, {}}});

      std::string sql = std::string(schema_1_tables) +
                        "PRAGMA application_id=1212436294; PRAGMA user_version=1;"
                        "INSERT INTO events VALUES (1, 1736154000000, 'c1', '" +
                        event + "', '[]');";
      REQUIRE(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
      sqlite3_close(raw);
    }
    auto kept = open_sqlite_store(db.path);
    engine e(test::shop_config(), at_nine(kept.get()));
    auto c1 = e.conversation("c1");
    REQUIRE(c1);
    CHECK(c1->transcript.front().text == "你好");
    test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"退货政策是什么"})");
    CHECK(kept->snapshot("c1"));  // the new table works
    // The first event after the restart wrote the whole transcript, the
    // lines replayed from the old events included.
    const auto lines = kept->transcript("c1");
    REQUIRE(lines.size() == e.conversation("c1")->transcript.size());
    CHECK(nlohmann::json::parse(lines.front())["text"] == "你好");
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &st, nullptr);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) == sqlite_store_schema);
    sqlite3_finalize(st);
    sqlite3_close(raw);
  }
  SUBCASE("a schema 2 store (snapshots carrying their transcripts) is regrouped by conversation") {
    temp_db db("schema2");
    std::string reference;  // what the conversation is, to the engine
    {
      engine e(test::shop_config(), at_nine(nullptr));
      test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"你好"})");
      reference = to_json(*e.conversation("c1"));
    }
    {
      sqlite3* raw = nullptr;
      REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
      auto event = to_json(input_event{in::customer_message{"c1", "你好", {}, {}, {}}});
      std::string sql =
          std::string(schema_1_tables) +
          "CREATE TABLE conversations (id TEXT PRIMARY KEY, state TEXT NOT NULL, updated INTEGER NOT NULL, "
          "json TEXT NOT NULL) WITHOUT ROWID;"
          "CREATE INDEX conversations_by_state ON conversations (state);"
          "PRAGMA application_id=1212436294; PRAGMA user_version=2;"
          "INSERT INTO events VALUES (1, 1736154000000, 'c1', '" +
          event + "', '[]');";
      REQUIRE(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
      sqlite3_stmt* st = nullptr;
      REQUIRE(sqlite3_prepare_v2(raw, "INSERT INTO conversations VALUES ('c1', 'bot', 1736154000000, ?)", -1, &st,
                                 nullptr) == SQLITE_OK);
      sqlite3_bind_text(st, 1, reference.c_str(), -1, SQLITE_TRANSIENT);
      REQUIRE(sqlite3_step(st) == SQLITE_DONE);
      sqlite3_finalize(st);
      sqlite3_close(raw);
    }
    auto kept = open_sqlite_store(db.path);
    CHECK(test::kept_conversation(*kept, "c1") == nlohmann::json::parse(reference));
    CHECK_FALSE(nlohmann::json::parse(kept->snapshot("c1")->json).contains("transcript"));
    CHECK(kept->snapshot("c1")->state == "bot");
    CHECK(kept->conversation_events("c1").size() == 1);
    CHECK(kept->open_conversations() == std::vector<std::string>{"c1"});
    // And the engine carries on from it, adding lines after the old ones.
    engine e(test::shop_config(), at_nine(kept.get()));
    test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"退货政策是什么"})");
    CHECK(test::kept_conversation(*kept, "c1") == nlohmann::json::parse(to_json(*e.conversation("c1"))));
    CHECK(kept->conversation_events("c1").size() == 2);
  }

  SUBCASE("a newer schema is refused, not misread") {
    temp_db db("newer");
    open_sqlite_store(db.path);
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
    sqlite3_exec(raw, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    CHECK_THROWS_WITH_AS(open_sqlite_store(db.path), doctest::Contains("newer handoff (store schema 99)"), store_error);
  }
  SUBCASE("another program's database is left alone") {
    temp_db db("foreign");
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
    sqlite3_exec(raw, "CREATE TABLE invoices (id INTEGER)", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    CHECK_THROWS_WITH_AS(open_sqlite_store(db.path), doctest::Contains("not a handoff store"), store_error);
  }
  SUBCASE("a file that is not a database") {
    temp_db db("text");
    std::ofstream(db.path) << "this is a text file, not a database, and it is long enough to have a header";
    CHECK_THROWS_WITH_AS(open_sqlite_store(db.path), doctest::Contains("not a SQLite database"), store_error);
  }
  SUBCASE("open_store takes names") {
    temp_db db("named");
    store_registry stores;
    CHECK(stores.open("memory"));
    CHECK_THROWS_WITH_AS(stores.open("sqlite:" + db.path.string()), doctest::Contains("unknown store"), store_error);
    add_sqlite_store(stores);
    CHECK(stores.open("sqlite:" + db.path.string()));
    CHECK_THROWS_WITH_AS(stores.open("postgres://x"), doctest::Contains("use memory, sqlite:LOCATION"), store_error);
    CHECK_THROWS_WITH_AS(stores.open("sqlite:"), doctest::Contains("unknown store"), store_error);
    CHECK_THROWS_WITH_AS(stores.open("memory:x"), doctest::Contains("unknown store"), store_error);
  }
}

TEST_CASE("a locked SQLite store refuses the event with a clear error, and takes it once free") {
  temp_db db("locked");
  sqlite_store_options options;
  options.busy_timeout_ms = 50;
  auto kept = open_sqlite_store(db.path, options);
  engine e(test::shop_config(), at_nine(kept.get()));
  test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"你好"})");

  sqlite3* other = nullptr;  // another process's connection, holding the write lock
  REQUIRE(sqlite3_open(db.path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
  auto out = test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"转人工","message_id":"m2"})");
  REQUIRE(out.size() == 1);
  CHECK(out[0]["code"] == "storage_failed");
  CHECK(out[0]["message"].get<std::string>().find("another process holds the database") != std::string::npos);
  CHECK(e.conversation("c1")->transcript.size() == 2);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);

  out = test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"转人工","message_id":"m2"})");
  REQUIRE_FALSE(out.empty());
  CHECK(out[0]["type"] == "escalated");
  CHECK(kept->conversation_events("c1").size() == 2);
}

TEST_CASE("a read-only SQLite store is refused when opened") {
  temp_db db("read-only");
  open_sqlite_store(db.path);
  fs::permissions(db.path, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  // Root writes through file permissions, so the check runs as nobody.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::geteuid() == 0 && ::setuid(65534) != 0) ::_exit(3);
    try {
      open_sqlite_store(db.path);
      ::_exit(1);  // opened: wrong
    } catch (const store_error& e) {
      const std::string what = e.what();
      ::_exit(what.find("read-only") != std::string::npos || what.find("cannot open") != std::string::npos ? 0 : 2);
    } catch (...) {
      ::_exit(4);
    }
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  fs::permissions(db.path, fs::perms::owner_read | fs::perms::owner_write);
}

TEST_CASE("a full SQLite store refuses events with a clear error and loses none it took") {
  temp_db db("full");
  sqlite_store_options options;
  options.max_bytes = 64 * 1024;  // a small disk
  auto kept = open_sqlite_store(db.path, options);
  engine e(test::shop_config(), at_nine(kept.get()));
  int taken = 0, refused = 0;
  std::string message;
  for (int i = 0; i < 400 && refused == 0; ++i) {
    auto out = test::run_lines(e, fmt_line(i));
    REQUIRE_FALSE(out.empty());
    if (out[0]["type"] == "error") {
      ++refused;
      message = out[0]["message"];
      CHECK(out[0]["code"] == "storage_failed");
    } else {
      ++taken;
    }
  }
  REQUIRE(refused == 1);
  CHECK(message.find("full") != std::string::npos);
  // Everything it took is there after a restart; the refused one is not.
  kept.reset();
  auto reopened = open_sqlite_store(db.path);
  engine again(test::shop_config(), at_nine(reopened.get()));
  CHECK(static_cast<int>(reopened->conversation_events("c1").size()) == taken);
  CHECK(static_cast<int>(again.conversation("c1")->transcript.size()) >= taken);
}

TEST_CASE("the SQLite store's log is copied back beside the commits, and stays bounded") {
  // The largest the log grew while 3,000 events were kept, one commit each.
  auto largest_log = [](int checkpoint_pages) {
    temp_db db("checkpoints");
    sqlite_store_options o;
    o.checkpoint_pages = checkpoint_pages;
    auto kept = open_sqlite_store(db.path, o);
    engine e(test::shop_config(), at_nine(kept.get()));
    std::uintmax_t largest = 0;
    for (int i = 0; i < 3000; ++i) {
      test::run_lines(e, fmt::format(R"({{"type":"customer_message","conversation":"c{}","text":"退货政策是什么 {}"}})",
                                     i % 200, std::string(300, 'x')));
      if (i % 50 == 0) largest = std::max(largest, fs::file_size(db.path.string() + "-wal"));
    }
    CHECK(kept->conversation_events("c7").size() == 15);
    return largest;
  };
  const auto never = largest_log(1 << 30);  // every page written stays in the log
  const auto often = largest_log(50);
  CAPTURE(never);
  CAPTURE(often);
  CHECK(often * 3 < never);
}
