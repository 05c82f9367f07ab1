// SPDX-License-Identifier: MIT
// handoff-web over real sockets: who may speak for what, what is refused,
// and what survives a restart.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "server_process.hpp"

using handoff::test::http_get;
using handoff::test::refused_status;
using handoff::test::server_process;
using handoff::test::ws_client;
using nlohmann::json;

namespace {

const std::string source = HANDOFF_SOURCE_DIR;

std::vector<std::string> server_args(const std::string& store = "memory", std::vector<std::string> more = {}) {
  std::vector<std::string> args{HANDOFF_WEB, "--config",    source + "/examples/shop/bot.json",
                                "--listen",  "127.0.0.1:0", "--store",
                                store,       "--agents",    source + "/examples/web/agents.json"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::string customer_target(const json& session = {}) {
  if (session.is_null()) return "/ws/customer?lang=en";
  return "/ws/customer?lang=en&conversation=" + session["conversation"].get<std::string>() +
         "&resume=" + session["resume"].get<std::string>();
}

const std::string alice = "/ws/agent?agent=alice&token=alice-demo-token";

json first_of(const std::vector<json>& events, const std::string& type) {
  for (const auto& e : events)
    if (e["type"] == type) return e;
  return {};
}

// A temporary folder that goes away with the test.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string t = (std::filesystem::temp_directory_path() / "handoff-web-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("web: a customer gets a conversation of their own, the welcome, and answers") {
  server_process server(server_args());
  ws_client c(server.port(), customer_target());
  auto session = c.next();
  REQUIRE(session);
  CHECK((*session)["type"] == "session");
  const std::string id = (*session)["conversation"];
  CHECK_FALSE(id.empty());
  CHECK((*session)["resume"].get<std::string>().size() == 32);
  auto welcome = c.next();
  REQUIRE(welcome);
  CHECK((*welcome)["kind"] == "welcome");
  CHECK_FALSE((*welcome)["quick_replies"].empty());

  c.send({{"type", "customer_message"}, {"text", "how long does shipping take?"}});
  auto answer = c.until("bot_message");
  REQUIRE_FALSE(answer.empty());
  CHECK(answer.back()["conversation"] == id);
  CHECK(answer.back()["kind"] == "answer");
  CHECK(http_get(server.port(), "/healthz").first == 200);
}

TEST_CASE("web: a customer cannot speak for another conversation, nor resume one without its token") {
  server_process server(server_args());
  ws_client victim(server.port(), customer_target());
  const auto victim_session = *victim.next();
  victim.next();  // welcome
  const std::string victims_id = victim_session["conversation"];

  ws_client intruder(server.port(), customer_target());
  const auto own = *intruder.next();
  intruder.next();
  // The conversation the page names is ignored: the server's is used.
  intruder.send({{"type", "customer_message"}, {"conversation", victims_id}, {"text", "where is my package?"}});
  auto reply = intruder.until("bot_message");
  REQUIRE_FALSE(reply.empty());
  CHECK(reply.back()["conversation"] == own["conversation"]);
  // And tier claims from the page are dropped: no VIP by saying so.
  intruder.send({{"type", "customer_message"},
                 {"customer", {{"id", "boss"}, {"tier", "vip"}}},
                 {"text", "I want to talk to a person"}});
  auto escalation = intruder.until("escalated");
  REQUIRE_FALSE(escalation.empty());
  CHECK(escalation.back()["priority"] != "urgent");
  CHECK_FALSE(escalation.back().contains("rule"));  // the engine's reasons are the agents' business

  // A made-up token opens a new conversation, never the victim's.
  json forged = victim_session;
  forged["resume"] = std::string(32, '0');
  ws_client thief(server.port(), customer_target(forged));
  auto theirs = thief.next();
  REQUIRE(theirs);
  CHECK((*theirs)["conversation"] != victims_id);
  CHECK(thief.next()->at("type") == "bot_message");  // a fresh welcome, not the victim's history

  // Customers may not send agents' events.
  thief.send({{"type", "agent_message"}, {"agent", "alice"}, {"conversation", victims_id}, {"text", "hi"}});
  auto refused = thief.until("error");
  REQUIRE_FALSE(refused.empty());
  CHECK(refused.back()["code"] == "forbidden");
  // The victim heard nothing of any of it.
  CHECK_FALSE(victim.next(std::chrono::milliseconds(300)));
}

TEST_CASE("web: an agent needs a valid token, and acts only as themselves and on what they hold") {
  server_process server(server_args());
  CHECK(refused_status(server.port(), "/ws/agent?agent=alice&token=wrong") == 401);
  CHECK(refused_status(server.port(), "/ws/agent?agent=alice") == 401);
  CHECK(refused_status(server.port(), "/ws/agent?agent=mallory&token=alice-demo-token") == 401);
  CHECK(refused_status(server.port(), "/ws/nowhere") == 404);

  ws_client a(server.port(), alice);
  auto hello = a.next();
  REQUIRE(hello);
  CHECK((*hello)["type"] == "signed_in");
  CHECK((*hello)["agent"] == "alice");
  CHECK(a.next()->at("type") == "queues");

  a.send({{"type", "agent_status"}, {"agent", "bob"}, {"status", "offline"}});
  auto as_bob = a.until("error");
  REQUIRE_FALSE(as_bob.empty());
  CHECK(as_bob.back()["code"] == "forbidden");

  ws_client c(server.port(), customer_target());
  const std::string id = (*c.next())["conversation"];
  c.next();
  c.send({{"type", "customer_message"}, {"text", "hello"}});
  c.until("bot_message");
  // Alice holds nothing: writing to the conversation is refused by the engine.
  a.send({{"type", "agent_message"}, {"conversation", id}, {"text", "I am not yours"}});
  auto not_held = a.until("error");
  REQUIRE_FALSE(not_held.empty());
  CHECK(not_held.back()["code"] == "not_holder");
  CHECK(not_held.back()["conversation"] == id);
  a.send({{"type", "agent_release"}, {"conversation", id}, {"outcome", "resolved"}});
  auto not_released = a.until("error");
  REQUIRE_FALSE(not_released.empty());
  CHECK(not_released.back()["code"] == "not_holder");
  CHECK_FALSE(c.next(std::chrono::milliseconds(300)));  // the customer saw nothing
}

TEST_CASE("web: oversized messages, huge frames, floods and garbage are refused and the server stays up") {
  server_process server(server_args("memory", {"--rate", "5", "--burst", "10"}));
  ws_client c(server.port(), customer_target());
  c.next();
  c.next();
  c.send({{"type", "customer_message"}, {"text", std::string(20000, 'x')}});
  auto big = c.until("error");
  REQUIRE_FALSE(big.empty());
  CHECK(big.back()["code"] == "message_too_large");
  c.send_text("{not json");
  auto bad = c.until("error");
  REQUIRE_FALSE(bad.empty());
  CHECK(bad.back()["code"] == "invalid_json");
  c.send_binary(std::string("\xff\xfe\x00", 3));
  CHECK_FALSE(c.until("error").empty());
  c.send_text(R"({"type":"advance","seconds":99999})");
  auto clock = c.until("error");
  REQUIRE_FALSE(clock.empty());
  CHECK(clock.back()["code"] == "forbidden");

  // A flood: past the burst, messages are refused until the bucket fills.
  for (int i = 0; i < 30; ++i) c.send({{"type", "customer_message"}, {"text", "hello " + std::to_string(i)}});
  int answered = 0, limited = 0;
  while (auto e = c.next(std::chrono::milliseconds(1500))) {
    if ((*e)["type"] == "bot_message") ++answered;
    if ((*e)["type"] == "error" && (*e)["code"] == "rate_limited") ++limited;
  }
  CHECK(limited > 0);
  CHECK(answered > 0);
  CHECK(answered + limited >= 30);

  // A frame over the hard limit closes that socket only.
  {
    ws_client huge(server.port(), customer_target());
    huge.next();
    huge.next();
    // The server may close before the whole frame is written: the write
    // then fails here, which is the refusal too.
    try {
      huge.send_text(std::string(2 * 1024 * 1024, 'y'));
    } catch (const boost::system::system_error&) {
    }
    while (huge.next(std::chrono::milliseconds(2000))) {
    }
    CHECK(huge.closed());
  }
  CHECK(server.running());
  CHECK(http_get(server.port(), "/healthz").first == 200);
  ws_client after(server.port(), customer_target());
  CHECK(after.next()->at("type") == "session");
  auto metrics = http_get(server.port(), "/metrics").second;
  CHECK(metrics.find("handoff_errors_total{code=\"rate_limited\"}") != std::string::npos);
  CHECK(metrics.find("handoff_errors_total{code=\"message_too_large\"}") != std::string::npos);
}

TEST_CASE("web: from the bot to a person and back, the survey's score in /metrics") {
  server_process server(server_args());
  ws_client a(server.port(), alice);
  a.next();
  a.next();
  a.send({{"type", "agent_status"}, {"status", "online"}});
  ws_client c(server.port(), customer_target());
  const std::string id = (*c.next())["conversation"];
  c.next();
  c.send({{"type", "customer_message"}, {"text", "where is my package? order 20250106001"}});
  c.until("bot_message");
  c.send({{"type", "customer_action"}, {"action", "request_human"}});
  auto offer = a.until_any({"offered", "assigned"});
  REQUIRE_FALSE(offer.empty());
  if (offer.back()["type"] == "offered") {
    CHECK(offer.back()["conversation"] == id);
    a.send({{"type", "agent_accept"}, {"conversation", id}});
  }
  auto assigned = first_of(offer.back()["type"] == "assigned" ? offer : a.until("assigned"), "assigned");
  REQUIRE_FALSE(assigned.is_null());
  CHECK(assigned["context"]["transcript"].size() >= 2);
  auto joined = c.until("assigned");
  REQUIRE_FALSE(joined.empty());
  CHECK(joined.back()["agent_name"] == "Alice");
  CHECK_FALSE(joined.back().contains("context"));

  a.send({{"type", "agent_message"}, {"conversation", id}, {"text", "Hi, Alice here. Let me look."}});
  auto said = c.until("agent_message");
  REQUIRE_FALSE(said.empty());
  CHECK(said.back()["text"] == "Hi, Alice here. Let me look.");
  c.send({{"type", "customer_message"}, {"text", "thank you"}});
  auto heard = a.until("customer_message");
  REQUIRE_FALSE(heard.empty());
  CHECK(heard.back()["text"] == "thank you");

  a.send({{"type", "agent_release"}, {"conversation", id}, {"outcome", "to_bot"}});
  CHECK_FALSE(c.until("handed_back").empty());
  c.send({{"type", "customer_message"}, {"text", "what is your refund policy?"}});
  auto bot_again = c.until("bot_message");
  REQUIRE_FALSE(bot_again.empty());

  c.send({{"type", "customer_action"}, {"action", "request_human"}});
  auto again = a.until_any({"offered", "assigned"});
  REQUIRE_FALSE(again.empty());
  if (again.back()["type"] == "offered") a.send({{"type", "agent_accept"}, {"conversation", id}});
  CHECK_FALSE(c.until("assigned").empty());
  a.send({{"type", "agent_release"}, {"conversation", id}, {"outcome", "resolved"}});
  json survey;
  while (auto e = c.next()) {
    if ((*e)["type"] == "bot_message" && (*e)["kind"] == "survey") {
      survey = *e;
      break;
    }
  }
  REQUIRE_FALSE(survey.is_null());
  CHECK(survey["quick_replies"].size() == 5);
  c.send({{"type", "feedback"}, {"score", 5}});
  c.next(std::chrono::milliseconds(500));
  auto metrics = http_get(server.port(), "/metrics").second;
  CHECK(metrics.find("handoff_feedback_scores_total{score=\"5\"} 1") != std::string::npos);
  CHECK(metrics.find("handoff_escalations_total 2") != std::string::npos);
}

TEST_CASE("web: a restart keeps every conversation, queue and agent where it was") {
  temp_dir dir;
  const std::string store = "sqlite:" + (dir.path / "web.db").string();
  json held, waiting;
  {
    server_process server(server_args(store));
    ws_client a(server.port(), alice);
    a.next();
    a.next();
    a.send({{"type", "agent_status"}, {"status", "online"}, {"capacity", 1}});
    ws_client c1(server.port(), customer_target());
    held = *c1.next();
    c1.next();
    c1.send({{"type", "customer_message"}, {"text", "I want to talk to a person"}});
    auto offer = a.until_any({"offered", "assigned"});
    REQUIRE_FALSE(offer.empty());
    if (offer.back()["type"] == "offered") a.send({{"type", "agent_accept"}, {"conversation", held["conversation"]}});
    REQUIRE_FALSE(c1.until("assigned").empty());
    a.send({{"type", "agent_message"}, {"conversation", held["conversation"]}, {"text", "one moment please"}});
    REQUIRE_FALSE(c1.until("agent_message").empty());
    ws_client c2(server.port(), customer_target());
    waiting = *c2.next();
    c2.next();
    c2.send({{"type", "customer_message"}, {"text", "agent please"}});
    REQUIRE_FALSE(c2.until("queued").empty());
    CHECK(server.stop() == 0);
  }
  server_process server(server_args(store));
  ws_client c1(server.port(), customer_target(held));
  auto session = c1.next();
  REQUIRE(session);
  CHECK((*session)["conversation"] == held["conversation"]);
  auto history = c1.next();
  REQUIRE(history);
  CHECK((*history)["type"] == "history");
  CHECK((*history)["state"] == "assigned");
  CHECK((*history)["agent_name"] == "Alice");
  bool heard_agent = false;
  for (const auto& line : (*history)["transcript"]) heard_agent |= line["text"] == "one moment please";
  CHECK(heard_agent);

  ws_client c2(server.port(), customer_target(waiting));
  c2.next();
  auto queued_history = c2.next();
  REQUIRE(queued_history);
  CHECK((*queued_history)["state"] == "queued");
  auto place = c2.next();
  REQUIRE(place);
  CHECK((*place)["type"] == "queued");

  ws_client a(server.port(), alice);
  auto hello = *a.next();
  CHECK(hello["status"] == "online");
  auto queues = *a.next();
  REQUIRE(queues["waiting"].size() == 1);
  CHECK(queues["waiting"][0]["conversation"] == waiting["conversation"]);
  auto mine = a.next();
  REQUIRE(mine);
  CHECK((*mine)["type"] == "assigned");
  CHECK((*mine)["conversation"] == held["conversation"]);
  CHECK((*mine)["context"]["transcript"].size() >= 2);
  // And the conversation carries on.
  a.send({{"type", "agent_message"}, {"conversation", held["conversation"]}, {"text", "found it"}});
  auto said = c1.until("agent_message");
  REQUIRE_FALSE(said.empty());
  CHECK(said.back()["text"] == "found it");
}

TEST_CASE("web: the pages, /metrics and /healthz are served, and other paths are not") {
  server_process server(server_args());
  auto page = http_get(server.port(), "/");
  CHECK(page.first == 200);
  CHECK(page.second.find("widget.js") != std::string::npos);
  CHECK(http_get(server.port(), "/agent").first == 200);
  CHECK(http_get(server.port(), "/widget.js").first == 200);
  CHECK(http_get(server.port(), "/../etc/passwd").first == 404);
  auto metrics = http_get(server.port(), "/metrics");
  CHECK(metrics.first == 200);
  for (const char* family : {"handoff_containment_ratio", "handoff_escalations_total", "handoff_queue_length",
                             "handoff_wait_seconds", "handoff_first_response_seconds", "handoff_satisfaction_ratio",
                             "handoff_messages_total", "handoff_errors_total"})
    CHECK_MESSAGE(metrics.second.find(std::string("# TYPE ") + family) != std::string::npos, family);
}

TEST_CASE("web: an agent hands a conversation to a colleague named in the console, tokens never shown") {
  server_process server(server_args());
  ws_client a(server.port(), alice);
  auto hello = *a.next();
  REQUIRE(hello["agents"].size() == 1);
  CHECK(hello["agents"][0]["id"] == "bob");
  CHECK(hello.dump().find("token") == std::string::npos);
  a.next();
  a.send({{"type", "agent_status"}, {"status", "online"}});
  ws_client b(server.port(), "/ws/agent?agent=bob&token=bob-demo-token");
  b.next();
  b.next();
  b.send({{"type", "agent_status"}, {"status", "online"}});
  ws_client c(server.port(), customer_target());
  const std::string id = (*c.next())["conversation"];
  c.next();
  c.send({{"type", "customer_message"}, {"text", "I want to talk to a person"}});
  auto taken = a.until_any({"offered", "assigned"});
  // Whoever the router chose hands it to the other.
  ws_client* holder = &a;
  ws_client* colleague = &b;
  std::string to = "bob";
  if (taken.empty() || taken.back()["agent"] != "alice") {
    holder = &b;
    colleague = &a;
    to = "alice";
  }
  holder->send({{"type", "agent_transfer"}, {"conversation", id}, {"to_agent", to}});
  bool got = false;
  while (auto e = colleague->next()) {
    if ((*e)["type"] == "assigned" && (*e)["agent"] == to && (*e).contains("context")) {
      got = true;
      break;
    }
  }
  CHECK(got);
}
