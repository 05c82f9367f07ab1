// Business hours: per queue, in an IANA time zone, with holidays; outside
// them a request for a person becomes a ticket, said so in the customer's
// language.
#include <doctest/doctest.h>

#include <handoff/config.hpp>
#include <handoff/engine.hpp>
#include <nlohmann/json.hpp>

#include "bot/hours_schedule.hpp"
#include "support/scenario.hpp"

using namespace handoff;
using nlohmann::json;

namespace {

time_point at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

std::string config_with_hours(const std::string& hours) {
  return R"({"languages":["zh","en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},
    "intents":[{"id":"human","requests_human":true,"keywords":{"en":["agent"],"zh":["转人工"]}},
               {"id":"hours","keywords":{"en":["open"]},"answer":{"en":"we answer","zh":"我们回答"}}],
    "business_hours":)" +
         hours + R"(,
    "queues":[{"id":"general","hours":"shop"},{"id":"senior"}],
    "notices":{"ticket":{"zh":"已为您登记工单。","en":"We made a ticket."},
               "closed":{"zh":"人工客服已下班，已为您登记，{opens} 后联系您。","en":"We are closed; we will write after {opens}."}},
    "policy":{"rules":[
      {"id":"vip","reason":"vip","when":{"all":[{"fact":"human_requested","equals":true},{"fact":"customer.tier","equals":"vip"}]},
       "then":{"escalate":{"queue":"senior"}}},
      {"id":"ask","reason":"customer_request","when":{"fact":"human_requested","equals":true},
       "then":{"escalate":{"queue":"general"}}},
      {"id":"closed-note","reason":"closed","when":{"all":[{"fact":"queue.general.open","equals":false},{"fact":"intent","equals":"hours"}]},
       "then":{"tags":["asked-when-closed"]}}]}})";
}

const std::string shanghai =
    R"({"shop":{"time_zone":"Asia/Shanghai","weekly":{"mon-fri":"09:00-21:00","sat":["10:00-12:00","13:00-17:00"]},
  "holidays":["2026-10-01"],"dates":{"2026-10-10":"09:00-18:00"}}})";

}  // namespace

TEST_CASE("a schedule is read in its own time zone, with weekdays, holidays and dates of their own") {
  auto cfg = parse_config(config_with_hours(shanghai));
  detail::hours_schedule s(cfg.hours.at(0));
  // Monday 2026-11-23 in Shanghai (UTC+8): 09:00 local is 01:00 UTC.
  CHECK_FALSE(s.open(at("2026-11-23T00:59:59Z")));
  CHECK(s.open(at("2026-11-23T01:00:00Z")));
  CHECK(s.open(at("2026-11-23T12:59:59Z")));
  CHECK_FALSE(s.open(at("2026-11-23T13:00:00Z")));
  // Saturday: a lunch break; Sunday: closed.
  CHECK(s.open(at("2026-11-28T03:30:00Z")));
  CHECK_FALSE(s.open(at("2026-11-28T04:30:00Z")));
  CHECK_FALSE(s.open(at("2026-11-29T03:00:00Z")));
  // 2026-10-01 is a Thursday and a holiday; 2026-10-10, a Saturday, works a weekday's hours.
  CHECK_FALSE(s.open(at("2026-10-01T03:00:00Z")));
  CHECK(s.open(at("2026-10-10T08:00:00Z")));
  CHECK_FALSE(s.open(at("2026-10-10T10:30:00Z")));
  // Next openings: from Friday night to Saturday 10:00; from the lunch break to 13:00; from Sunday to Monday.
  CHECK(s.next_opening(at("2026-11-27T14:00:00Z")) == at("2026-11-28T02:00:00Z"));
  CHECK(s.local(*s.next_opening(at("2026-11-27T14:00:00Z"))) == "2026-11-28 10:00");
  CHECK(s.next_opening(at("2026-11-28T04:10:00Z")) == at("2026-11-28T05:00:00Z"));
  CHECK(s.next_opening(at("2026-11-29T00:00:00Z")) == at("2026-11-30T01:00:00Z"));
  CHECK(s.next_opening(at("2026-11-23T05:00:00Z")) == at("2026-11-23T05:00:00Z"));  // open now
}

TEST_CASE("daylight saving moves the hours with the local clock") {
  auto cfg =
      parse_config(config_with_hours(R"({"shop":{"time_zone":"Europe/Berlin","weekly":{"daily":"09:00-17:00"}}})"));
  detail::hours_schedule s(cfg.hours.at(0));
  // Winter: UTC+1, so 09:00 is 08:00 UTC; summer: UTC+2, 07:00 UTC.
  CHECK_FALSE(s.open(at("2026-01-15T07:30:00Z")));
  CHECK(s.open(at("2026-01-15T08:00:00Z")));
  CHECK(s.open(at("2026-07-15T07:30:00Z")));
  CHECK_FALSE(s.open(at("2026-07-15T15:00:00Z")));
}

TEST_CASE("outside hours a request for a person becomes a ticket, said in the customer's language") {
  engine bot(parse_config(config_with_hours(shanghai)), engine_options{at("2026-11-23T14:00:00Z")});  // Mon 22:00
  auto out = test::run_lines(
      bot, R"({"type":"agent_status","agent":"a","status":"online","skills":["general","senior"],"capacity":3}
{"type":"customer_message","conversation":"c1","text":"转人工"}
{"type":"customer_message","conversation":"c2","text":"agent please"}
{"type":"customer_message","conversation":"c3","text":"agent please","customer":{"id":"v","tier":"vip"}}
{"type":"customer_message","conversation":"c4","text":"are you open"}
{"type":"customer_message","conversation":"c5","text":"agent please","at":"2026-11-24T01:00:00Z"})");
  std::vector<std::string> got;
  for (const auto& e : out) {
    const std::string type = e["type"];
    if (type == "ticket")
      got.push_back(e["conversation"].get<std::string>() + " ticket " + e["reason"].get<std::string>());
    if (type == "assigned") got.push_back(e["conversation"].get<std::string>() + " assigned");
    if (type == "bot_message" && e["kind"] == "notice")
      got.push_back(e["conversation"].get<std::string>() + " " + e["text"].get<std::string>());
  }
  // c3 is a VIP: `senior` keeps no hours. c5 asks on Tuesday at 09:00.
  CHECK(got == std::vector<std::string>{
                   "c1 ticket outside_hours", "c1 人工客服已下班，已为您登记，2026-11-24 09:00 后联系您。",
                   "c2 ticket outside_hours", "c2 We are closed; we will write after 2026-11-24 09:00.", "c3 assigned",
                   "c5 assigned"});
  CHECK(bot.conversation("c4")->tags == std::vector<std::string>{"asked-when-closed"});
  // The bot still answered c4's question.
  bool answered = false;
  for (const auto& e : out)
    answered = answered || (e.value("conversation", "") == "c4" && e.value("kind", "") == "answer");
  CHECK(answered);
}

TEST_CASE("business hours that cannot be read are refused with the place of the fault") {
  auto problems = check_config(config_with_hours(
      R"({"shop":{"time_zone":"Mars/Olympus","weekly":{"mon-fry":"09:00-18:00","tue":"18:00-09:00","wed":"9-5","sat,sun":[]},
          "holidays":["2026-02-30"],"dates":{"2026-10-10":"25:00-26:00"}},
          "none":{"time_zone":"UTC","weekly":{}}})"));
  std::vector<std::string> where;
  for (const auto& p : problems) where.push_back(p.id + " " + p.pointer);
  // Business hours are read in the order of their names: `none` first.
  CHECK(where == std::vector<std::string>{
                     "handoff.config.never_open /business_hours/none/weekly",
                     "handoff.config.unknown_time_zone /business_hours/shop/time_zone",
                     "handoff.config.invalid_value /business_hours/shop/weekly/mon-fry",
                     "handoff.config.invalid_value /business_hours/shop/weekly/tue",
                     "handoff.config.invalid_value /business_hours/shop/weekly/wed",
                     "handoff.config.invalid_value /business_hours/shop/holidays/0",
                     "handoff.config.invalid_value /business_hours/shop/dates/2026-10-10",
                     "handoff.config.never_open /business_hours/shop/weekly",
                 });
  auto unknown = check_config(R"({"languages":["en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},"intents":[],
    "queues":[{"id":"q","hours":"office"}]})");
  REQUIRE(unknown.size() == 1);
  CHECK(unknown[0].id == "handoff.config.unknown_hours");
  CHECK(unknown[0].pointer == "/queues/0/hours");
}
