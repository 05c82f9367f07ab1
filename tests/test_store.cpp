// Storage: an engine on a store carries on after a restart, reads what the
// host answered instead of asking again, and refuses what the store cannot
// keep; stores are opened by name.
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

#include "support/doubles.hpp"
#include "support/scenario.hpp"
#include "support/stores.hpp"

using namespace handoff;
using nlohmann::json;
using test::at_nine;
using test::temp_db;

namespace {

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
    CHECK_FALSE(json::parse(snap->json).contains("transcript"));  // kept line by line
    CHECK(again->transcript("c1").size() > 5);
    CHECK(test::kept_conversation(*again, "c1")["transcript"][0]["text"] == "你好");
    CHECK(again->open_conversations() == std::vector<std::string>{"c1", "c2"});
    CHECK_FALSE(again->snapshot("nobody"));
  }
}

TEST_CASE("transcript lines from a number on replace those kept there, in memory and in SQLite alike") {
  auto check = [](store& kept) {
    using lines = std::vector<std::string>;
    auto put = [&](std::size_t first, lines l) { kept.append_transcript("c1", first, l); };
    put(0, {"{\"n\":0}", "{\"n\":1}", "{\"n\":2}"});
    kept.commit();
    CHECK(kept.transcript("c1") == lines{"{\"n\":0}", "{\"n\":1}", "{\"n\":2}"});
    put(3, {"{\"n\":3}"});
    put(1, {"{\"m\":1}"});  // in the same commit: 1 on is this alone
    kept.commit();
    CHECK(kept.transcript("c1") == lines{"{\"n\":0}", "{\"m\":1}"});
    put(0, {"{\"r\":0}", "{\"r\":1}"});  // written again from the start, as after a restart
    kept.commit();
    CHECK(kept.transcript("c1") == lines{"{\"r\":0}", "{\"r\":1}"});
    put(2, {"{\"r\":2}"});
    kept.commit();
    CHECK(kept.transcript("c1").size() == 3);
    CHECK(kept.transcript("nobody").empty());
  };
  SUBCASE("memory") {
    auto kept = make_memory_store();
    check(*kept);
  }
  SUBCASE("sqlite") {
    temp_db db("lines");
    auto kept = open_sqlite_store(db.path);
    check(*kept);
    kept.reset();
    CHECK(open_sqlite_store(db.path)->transcript("c1").size() == 3);
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

TEST_CASE("an event the store cannot keep is refused, and the engine is as if it had not come") {
  test::recording_store kept;
  engine e(test::shop_config(), at_nine(&kept));
  test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"你好","message_id":"m1"})");
  const auto before = conversation_json(e, "c1");
  kept.fail_commits = true;
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
  kept.fail_commits = false;
  out = test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"转人工","message_id":"m2"})");
  REQUIRE_FALSE(out.empty());
  CHECK(out.front()["type"] != "error");
  CHECK(kept.conversation_events("c1").size() == 2);
}

TEST_CASE("batched commits: a failed commit takes back every event since the last one") {
  test::recording_store kept;
  auto options = at_nine(&kept);
  options.commit_each_event = false;
  engine e(test::shop_config(), options);
  test::run_lines(e, R"({"type":"customer_message","conversation":"c1","text":"你好"})");
  e.commit();
  test::run_lines(e, R"({"type":"customer_message","conversation":"c2","text":"hello"}
{"type":"customer_message","conversation":"c1","text":"退货政策是什么"})");
  CHECK(e.conversation("c2"));
  kept.fail_commits = true;
  CHECK_THROWS_AS(e.commit(), store_error);
  CHECK_FALSE(e.conversation("c2"));
  CHECK(e.conversation("c1")->transcript.size() == 2);  // the greeting and its answer only
}
