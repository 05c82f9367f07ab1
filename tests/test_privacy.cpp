// Redaction: card numbers (Luhn), e-mail, phones, Chinese ID numbers and
// the host's patterns never reach a transcript, a store or an export; the
// agent sees what the configuration allows.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <handoff/config.hpp>
#include <handoff/engine.hpp>
#include <handoff/privacy.hpp>
#include <handoff/protocol.hpp>
#include <handoff/store.hpp>
#include <handoff/stores/sqlite.hpp>
#include <sstream>

#include "support/scenario.hpp"
#include "support/stores.hpp"

using namespace handoff;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<redaction_rule> all_rules() {
  std::vector<redaction_rule> rules;
  for (auto k : {redaction_kind::card, redaction_kind::email, redaction_kind::phone, redaction_kind::cn_id})
    rules.push_back({k, {}, {}, false});
  rules.push_back({redaction_kind::pattern, R"(\bM\d{8}\b)", "[member]", false});
  return rules;
}

}  // namespace

TEST_CASE("the redactor finds what it should and leaves the rest") {
  redactor r(all_rules());
  struct row {
    const char* in;
    const char* out;
  };
  const row rows[] = {
      // Payment cards, in groups or not, Visa, UnionPay, Amex; the Luhn
      // check keeps other long numbers.
      {"my card is 4111 1111 1111 1111, charged twice", "my card is [card], charged twice"},
      {"卡号4111-1111-1111-1111扣了两次钱", "卡号[card]扣了两次钱"},
      {"银联卡6222021234567894", "银联卡[card]"},
      {"amex 378282246310005 thanks", "amex [card] thanks"},
      {"tracking 4111111111111112 please", "tracking 4111111111111112 please"},
      // E-mail.
      {"write to zhang.san+shop@example.com.cn ok?", "write to [email] ok?"},
      {"邮箱是lily_w@163.com谢谢", "邮箱是[email]谢谢"},
      // Phones: mobiles with or without +86 and spaces, landlines with an
      // area code, international.
      {"电话13812345678", "电话[phone]"},
      {"call +86 138 1234 5678 after 6", "call [phone] after 6"},
      {"座机010-12345678", "座机[phone]"},
      {"UK office +44 20 7946 0958", "UK office [phone]"},
      // Chinese resident ID numbers, with a valid check character only.
      {"身份证号11010519491231002X", "身份证号[id]"},
      {"身份证440306199003071232。", "身份证[id]。"},
      {"身份证440306199003071233。", "身份证440306199003071233。"},
      // The host's pattern.
      {"会员号M12345678", "会员号[member]"},
      // What must stay: order numbers, amounts, dates, codes in words.
      {"订单20250106001到哪了", "订单20250106001到哪了"},
      {"order 20250106001 phone 13812345678", "order 20250106001 phone [phone]"},
      {"paid 2999 yuan on 2025-01-06", "paid 2999 yuan on 2025-01-06"},
      {"SKU AB13812345678X", "SKU AB13812345678X"},
      {"", ""},
  };
  for (const auto& [in, want] : rows) {
    CAPTURE(in);
    CHECK(r.redact(in) == want);
  }
  std::string kept, agent;
  CHECK_FALSE(r.redact("nothing personal here", kept, agent));
  CHECK_THROWS_AS(redactor({{redaction_kind::pattern, "(unclosed", {}, false}}), handoff::error);
}

TEST_CASE("the agent sees what the configuration allows, and transcripts, stores and exports never do") {
  const fs::path db = fs::temp_directory_path() / ("handoff-privacy-" + std::to_string(::getpid()) + ".db");
  auto clean = [&] {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  };
  clean();
  bot_config cfg = test::shop_config();
  cfg.privacy.redact = all_rules();
  cfg.privacy.redact[2].agent_sees = true;  // the agent may call the customer back
  engine_options options;
  options.start = *parse_rfc3339("2025-01-06T09:00:00Z");
  std::string transcript_before;
  {
    auto kept = open_sqlite_store(db);
    options.storage = kept.get();
    engine e(cfg, options);
    auto out = test::run_lines(e, R"(
{"type":"agent_status","agent":"a1","status":"online","skills":["general","care","senior"],"capacity":2}
{"type":"customer_message","conversation":"c1","text":"卡号4111 1111 1111 1111被扣了两次，电话13812345678","message_id":"m1"}
{"type":"customer_message","conversation":"c1","text":"转人工","message_id":"m2"}
{"type":"customer_message","conversation":"c1","text":"邮箱lily_w@163.com，身份证11010519491231002X，电话13812345678","message_id":"m3"}
{"type":"agent_message","agent":"a1","conversation":"c1","text":"好的，已记下您的卡 4111111111111111"}
)");
    auto to_agent = test::of_type(out, "customer_message");
    REQUIRE(to_agent.size() == 1);
    // Allowed: the phone. Not: the e-mail and the ID number.
    CHECK(to_agent[0]["text"] == "邮箱[email]，身份证[id]，电话13812345678");
    auto assigned = test::of_type(out, "assigned");
    REQUIRE(assigned.size() == 1);
    const std::string context = assigned[0]["context"].dump();
    CHECK(context.find("4111") == std::string::npos);
    CHECK(context.find("[card]") != std::string::npos);
    // The customer hears the agent's words as written.
    auto to_customer = test::of_type(out, "agent_message");
    REQUIRE(to_customer.size() == 1);
    CHECK(to_customer[0]["text"].get<std::string>().find("4111111111111111") != std::string::npos);

    auto c1 = e.conversation("c1");
    REQUIRE(c1);
    transcript_before = to_json(*c1);
    for (const char* secret : {"4111", "13812345678", "lily_w", "11010519491231002X"}) {
      CAPTURE(secret);
      CHECK(transcript_before.find(secret) == std::string::npos);
    }
    CHECK(transcript_before.find("卡号[card]被扣了两次，电话[phone]") != std::string::npos);
  }
  // Nothing personal is in the files SQLite wrote, in any form.
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream f(db.string() + suffix, std::ios::binary);
    if (!f) continue;
    std::stringstream bytes;
    bytes << f.rdbuf();
    for (const char* secret :
         {"4111 1111", "4111111111111111", "13812345678", "lily_w@163.com", "11010519491231002X"}) {
      CAPTURE(secret);
      CHECK(bytes.str().find(secret) == std::string::npos);
    }
  }
  // And a restart rebuilds the same (redacted) conversation.
  auto kept = open_sqlite_store(db);
  options.storage = kept.get();
  engine again(cfg, options);
  auto c1 = again.conversation("c1");
  REQUIRE(c1);
  CHECK(to_json(*c1) == transcript_before);
  CHECK(test::kept_conversation(*kept, "c1") == nlohmann::json::parse(transcript_before));
  kept.reset();
  clean();
}

TEST_CASE("privacy rules in the configuration are checked") {
  auto problems_of = [](const char* privacy) {
    auto j = json::parse(test::read_file(test::source_path("examples/shop/bot.json")));
    j["privacy"] = json::parse(privacy);
    auto report = check_config(j.dump());
    std::string all;
    for (const auto& p : report) all += p.id.substr(p.id.rfind('.') + 1) + " " + p.pointer + "\n";
    return all;
  };
  CHECK(problems_of(R"({"redact":[{"kind":"card"},{"kind":"phone","agent_sees":true}]})").empty());
  CHECK(problems_of(R"({"redact":[{"kind":"passport"}]})") == "invalid_value /privacy/redact/0/kind\n");
  CHECK(problems_of(R"({"redact":[{"kind":"pattern"}]})") == "missing /privacy/redact/0/pattern\n");
  CHECK(problems_of(R"({"redact":[{"kind":"pattern","pattern":"(a"}]})") == "bad_pattern /privacy/redact/0/pattern\n");
  CHECK(problems_of(R"({"redact":[{"kind":"email","agent_sees":"yes"}]})") ==
        "wrong_type /privacy/redact/0/agent_sees\n");
  CHECK(problems_of(R"({"redact":{}})") == "wrong_type /privacy/redact\n");
}
