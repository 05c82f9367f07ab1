// Storage: an engine on a store carries on after a restart; SQLite files
// of other versions, other programs, read-only and locked are handled.
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <handoff/actions.hpp>
#include <handoff/engine.hpp>
#include <handoff/protocol.hpp>
#include <handoff/store.hpp>
#include <handoff/stores/sqlite.hpp>

#include "support/scenario.hpp"

using namespace handoff;
using nlohmann::json;

namespace {

namespace fs = std::filesystem;

// A fresh path in the temporary directory, removed (with SQLite's side
// files) when the test ends.
struct temp_db {
  fs::path path;
  explicit temp_db(std::string_view name) {
    path = fs::temp_directory_path() / fmt_name(name);
    clean();
  }
  ~temp_db() { clean(); }
  void clean() const {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path.string() + suffix);
  }
  static std::string fmt_name(std::string_view name) {
    return "handoff-test-" + std::to_string(::getpid()) + "-" + std::string(name) + ".db";
  }
};

engine_options at_nine(store* s) {
  engine_options o;
  o.start = *parse_rfc3339("2025-01-06T09:00:00Z");
  o.storage = s;
  return o;
}

// Two customers want a person, one agent with room for one: the first is
// assigned, the second waits in line. Then the agent writes.
const char* first_half = R"(
{"type":"agent_status","agent":"a1","status":"online","skills":["general","care","senior"],"capacity":1}
{"type":"customer_message","conversation":"c1","customer":{"id":"u1","name":"Li Lei"},"text":"你好","message_id":"m1"}
{"type":"customer_message","conversation":"c1","text":"我要找人工客服","message_id":"m2","at":"2025-01-06T09:00:10Z"}
{"type":"customer_message","conversation":"c2","text":"agent please","message_id":"n1","at":"2025-01-06T09:00:20Z"}
{"type":"agent_message","agent":"a1","conversation":"c1","text":"您好，我是客服小王"}
)";

// After the restart: the agent who held c1 still writes to it, the
// customer's words still reach them, and when they let go the one waiting
// is served.
const char* second_half = R"(
{"type":"agent_message","agent":"a1","conversation":"c1","text":"还在吗？"}
{"type":"customer_message","conversation":"c1","text":"我的快递三天没动了","message_id":"m3","at":"2025-01-06T09:01:00Z"}
{"type":"customer_message","conversation":"c1","text":"我的快递三天没动了","message_id":"m3"}
{"type":"agent_release","agent":"a1","conversation":"c1","outcome":"resolved"}
{"type":"customer_message","conversation":"c2","text":"hello?","message_id":"n2","at":"2025-01-06T09:02:00Z"}
)";

// A customer message long enough to fill a small store quickly.
std::string fmt_line(int i) {
  return json{{"type", "customer_message"},
              {"conversation", "c1"},
              {"text", "退货政策是什么 " + std::string(600, 'x') + std::to_string(i)},
              {"message_id", "m" + std::to_string(i)}}
      .dump();
}

std::string dump(const std::vector<json>& events) {
  std::string s;
  for (const auto& e : events) s += e.dump() + "\n";
  return s;
}

std::string conversation_json(const engine& e, std::string_view id) {
  auto c = e.conversation(id);
  REQUIRE(c);
  return to_json(*c);
}

void check_carries_on(store& kept, const std::function<std::unique_ptr<store>()>& reopen = {}) {
  engine reference(test::shop_config(), at_nine(nullptr));
  auto reference_first = dump(test::run_lines(reference, first_half));
  auto reference_second = dump(test::run_lines(reference, second_half));
  {
    engine before(test::shop_config(), at_nine(&kept));
    CHECK(dump(test::run_lines(before, first_half)) == reference_first);
  }
  std::unique_ptr<store> reopened = reopen ? reopen() : nullptr;
  engine after(test::shop_config(), at_nine(reopened ? reopened.get() : &kept));
  // Rebuilt before any new event: the conversations, the agent, the line.
  auto c1 = after.conversation("c1");
  REQUIRE(c1);
  CHECK(c1->state == conversation_state::assigned);
  CHECK(c1->agent == "a1");
  auto c2 = after.conversation("c2");
  REQUIRE(c2);
  CHECK(c2->state == conversation_state::queued);
  auto a1 = after.agent("a1");
  REQUIRE(a1);
  CHECK(a1->conversations == std::vector<std::string>{"c1"});
  CHECK(after.now() == *parse_rfc3339("2025-01-06T09:00:20Z"));  // the clock where it stopped
  CHECK(dump(test::run_lines(after, second_half)) == reference_second);
  CHECK(conversation_json(after, "c1") == conversation_json(reference, "c1"));
  CHECK(conversation_json(after, "c2") == conversation_json(reference, "c2"));
}

}  // namespace

TEST_CASE("an engine opened on a store carries on where the last one stopped") {
  SUBCASE("memory") {
    auto kept = make_memory_store();
    check_carries_on(*kept);
  }
  SUBCASE("sqlite, reopened from the file") {
    temp_db db("carry-on");
    auto kept = open_sqlite_store(db.path);
    check_carries_on(*kept, [&] {
      kept.reset();  // the first process is gone
      return open_sqlite_store(db.path);
    });
    auto again = open_sqlite_store(db.path);
    // The store answers without an engine: the events of a conversation,
    // its latest snapshot, the open ones.
    auto events = again->conversation_events("c1");
    REQUIRE(events.size() >= 6);
    CHECK(json::parse(events.front().event)["text"] == "你好");
    for (std::size_t i = 1; i < events.size(); ++i) CHECK(events[i].sequence > events[i - 1].sequence);
    auto snap = again->snapshot("c1");
    REQUIRE(snap);
    CHECK(snap->state == "resolved");
    CHECK(json::parse(snap->json)["transcript"].size() > 5);
    CHECK(again->open_conversations() == std::vector<std::string>{"c1", "c2"});
    CHECK_FALSE(again->snapshot("nobody"));
  }
}

TEST_CASE("a replay reads what the host's actions answered and never calls them again") {
  auto kept = make_memory_store();
  int calls = 0;
  action_registry actions;
  actions.add("order_lookup", [&](const action_request& r) {
    ++calls;
    return action_result{"shipped", {{"carrier", "SF Express"}, {"order_number", std::string(r.slot("order_number"))}}};
  });
  auto options = at_nine(kept.get());
  options.actions = &actions;
  std::string answer;
  {
    engine live(test::shop_config(), options);
    auto out = test::run_lines(live, R"(
{"type":"customer_message","conversation":"c1","text":"我的订单20250106001到哪了"}
)");
    REQUIRE(calls == 1);
    answer = conversation_json(live, "c1");
  }
  engine restarted(test::shop_config(), options);
  CHECK(calls == 1);
  CHECK(conversation_json(restarted, "c1") == answer);
  CHECK(answer.find("SF Express") != std::string::npos);
}

namespace {

// A real store whose commits can be made to fail, as a full disk would.
class failing_store final : public store {
 public:
  explicit failing_store(std::unique_ptr<store> inner) : inner_(std::move(inner)) {}
  bool fail = false;
  void append(stored_event& e) override { inner_->append(e); }
  void put_snapshot(const conversation_snapshot& s) override { inner_->put_snapshot(s); }
  void commit() override {
    if (fail) {
      // What was queued is dropped, as the interface says.
      inner_ = rebuild_without_pending();
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
  std::vector<std::string> open_conversations() const override { return inner_->open_conversations(); }
  std::string_view durability() const noexcept override { return "test"; }

 private:
  std::unique_ptr<store> rebuild_without_pending() {
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

}  // namespace

TEST_CASE("an event the store cannot keep is refused, and the engine is as if it had not come") {
  failing_store kept(make_memory_store());
  engine e(test::shop_config(), at_nine(&kept));
  test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"你好","message_id":"m1"})");
  const auto before = conversation_json(e, "c1");
  kept.fail = true;
  auto out = test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"转人工","message_id":"m2"}
{"type":"customer_message","conversation":"c9","text":"hello"})");
  REQUIRE(out.size() == 2);
  for (const auto& o : out) {
    CHECK(o["type"] == "error");
    CHECK(o["code"] == "storage_failed");
    CHECK(o["message"].get<std::string>().find("disk full") != std::string::npos);
  }
  CHECK(conversation_json(e, "c1") == before);
  CHECK_FALSE(e.conversation("c9"));
  // Once the store takes events again, the same message goes through: it
  // was not remembered as a repeat.
  kept.fail = false;
  out = test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"转人工","message_id":"m2"})");
  REQUIRE_FALSE(out.empty());
  CHECK(out.front()["type"] != "error");
  CHECK(kept.conversation_events("c1").size() == 2);
}

TEST_CASE("batched commits: a failed commit takes back every event since the last one") {
  failing_store kept(make_memory_store());
  auto options = at_nine(&kept);
  options.commit_each_event = false;
  engine e(test::shop_config(), options);
  test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"你好"})");
  e.commit();
  test::run_lines(e, R"({"type":"customer_message","conversation":"c2","text":"hello"}
{"type":"customer_message","conversation":"c1","text":"退货政策是什么"})");
  CHECK(e.conversation("c2"));
  kept.fail = true;
  CHECK_THROWS_AS(e.commit(), store_error);
  CHECK_FALSE(e.conversation("c2"));
  CHECK(e.conversation("c1")->transcript.size() == 2);  // the greeting and its answer only
}

TEST_CASE("SQLite store files: older schemas are brought up to date, others are refused") {
  SUBCASE("a schema 1 store (events only) opens, is upgraded, and replays") {
    temp_db db("schema1");
    {
      sqlite3* raw = nullptr;
      REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
      auto event = to_json(input_event{in::customer_message{"c1", "你好", {}, {}, {}}});

      std::string sql =
          "CREATE TABLE events (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, conversation TEXT NOT NULL, "
          "event TEXT NOT NULL, effects TEXT NOT NULL);"
          "CREATE INDEX events_by_conversation ON events (conversation, seq);"
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
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &st, nullptr);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) == sqlite_store_schema);
    sqlite3_finalize(st);
    sqlite3_close(raw);
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
