#include "support/event_stream.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <random>

#include "support/scenario.hpp"

namespace handoff::test {
namespace {

using nlohmann::json;

// What customers write: every intent of the demo shop in both languages,
// answers to its questions, things it does not handle, feelings, private
// data to redact, and input that is not text at all.
const char* const texts[] = {
    "你好",
    "hello",
    "hi!",
    "在吗",
    "转人工",
    "人工客服",
    "agent please",
    "I need a human",
    "我的快递到哪了",
    "where is my order",
    "查订单",
    "20250106001",
    "20250106002",
    "20250105003",
    "20259999999",
    "订单号是 20250106001",
    "我想改一下收货地址",
    "change my address",
    "上海市浦东新区世纪大道 100 号",
    "12 Baker Street, London",
    "东西坏了怎么办",
    "my item arrived broken",
    "我要投诉这个商家",
    "file a complaint",
    "退款",
    "refund",
    "我的退款到哪了",
    "i want to return this",
    "退货政策是什么",
    "what is your return policy",
    "多久能发货",
    "how long does shipping take?",
    "面霜咋保存",
    "how do i wash this",
    "你们几点上班",
    "when are you open",
    "谢谢",
    "thanks a lot",
    "拜拜",
    "bye",
    "其他问题",
    "查进度",
    "the second one",
    "translate hello into French",
    "你好，明天天气怎么样",
    "tell me a joke",
    "hello, who invented the telephone",
    "气死我了，快递还没到！",
    "THIS IS UNACCEPTABLE!!! I want my money back NOW",
    "太差了，再也不买了 😡",
    "great service, thank you 😊",
    "my card is 4111 1111 1111 1111",
    "email me at li.lei@example.com",
    "call me on 13812345678",
    "身份证 110101199003074514",
    "1",
    "4",
    "5",
    "ok",
    "",
    "   ",
    "@broken@",  // replaced by ill-formed UTF-8 once written
    "ＲＥＦＵＮＤ",
};

const char* const skills[] = {"general", "care", "senior", "orders", "refunds", "sales"};
const char* const queues[] = {"general", "care", "senior", "orders", "refunds", "sales", "nowhere"};
const char* const intents[] = {"greeting",       "request_human", "order_status",  "change_address", "after_sales",
                               "complaint",      "other",         "refund_policy", "refund_status",  "refund_apply",
                               "shipping_times", "product_care",  "opening_hours", "thanks",         "goodbye"};
const double advances[] = {0.5, 1, 5, 20, 31, 46, 61, 95, 130, 310, 620, 700, 1900, 4 * 3600, 9 * 3600, 86400};

// The standard fixes mt19937_64's output, not its distributions': draws
// are taken from the raw numbers, so a seed is one stream everywhere.
struct dice {
  std::mt19937_64 rng;
  explicit dice(std::uint64_t seed) : rng(seed) {}
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng() % n); }
  bool chance(int percent) { return below(100) < static_cast<std::size_t>(percent); }
  template <class T, std::size_t N>
  const T& pick(const T (&list)[N]) {
    return list[below(N)];
  }
};

json customer(dice& d, const std::string& conversation) {
  json c = json::object();
  c["id"] = "u-" + conversation;
  const char* tiers[] = {"standard", "vip", "b2b", ""};
  if (auto t = d.pick(tiers); *t) c["tier"] = t;
  const char* languages[] = {"", "en", "zh-CN", "fr"};
  if (auto l = d.pick(languages); *l) c["language"] = l;
  if (d.chance(40)) c["name"] = d.chance(50) ? "Li Lei" : "Ann Lee";
  if (d.chance(50)) {
    json attributes = json::object();
    attributes["order_value"] = d.chance(50) ? 2500 : 120;
    if (d.chance(50))
      attributes["purchases"] =
          json::array({{{"item", "洁面乳"}, {"item_en", "cleanser"}, {"bought_on", "2024-12-10"}, {"lasts_days", 30}}});
    c["attributes"] = std::move(attributes);
  }
  return c;
}

// A conversation: now and then one the stream never opened; an agent's
// events often name what the harness finds the agent holds (`$held:N`) or
// what waits (`$waiting:N`), so that they do something.
std::string conversation(dice& d, const stream_shape& s) {
  if (d.chance(3)) return "zz";
  return fmt::format("c{}", d.below(static_cast<std::size_t>(s.conversations)));
}
std::string agent(dice& d, const stream_shape& s) {
  if (d.chance(3)) return "ghost";
  return fmt::format("a{}", d.below(static_cast<std::size_t>(s.agents)));
}
std::string target(dice& d, const stream_shape& s, const char* placeholder) {
  if (d.chance(65)) return fmt::format("{}:{}", placeholder, d.below(4));
  return conversation(d, s);
}

json skill_list(dice& d) {
  json list = json::array();
  for (const char* s : skills)
    if (d.chance(45)) list.push_back(s);
  if (list.empty()) list.push_back("general");
  return list;
}

std::string one_event(dice& d, const stream_shape& s, std::uint64_t& message_ids) {
  const std::size_t roll = d.below(1000);
  json j;
  if (roll < 380) {
    const auto c = conversation(d, s);
    j = {{"type", "customer_message"}, {"conversation", c}, {"text", d.pick(texts)}};
    if (d.chance(30)) j["customer"] = customer(d, c);
    // Few ids, so some repeat: a retried delivery.
    if (d.chance(60)) j["message_id"] = fmt::format("m{}", d.chance(85) ? ++message_ids : d.below(message_ids + 1));
    if (d.chance(20)) j["channel"] = d.chance(50) ? "web" : "whatsapp";
    if (d.chance(10)) j["text"] = std::string(d.chance(50) ? 9000 : 3000, 'x');
  } else if (roll < 480) {
    const auto c = conversation(d, s);
    const char* actions[] = {"choose", "choose", "choose", "request_human", "cancel_handoff"};
    j = {{"type", "customer_action"}, {"conversation", c}, {"action", d.pick(actions)}};
    if (j["action"] == "choose") {
      const std::size_t v = d.below(10);
      j["value"] = v < 5   ? std::string(d.pick(intents))
                   : v < 6 ? std::string("request_human")
                   : v < 7 ? std::string(d.chance(50) ? "callback" : "keep_waiting")
                   : v < 9 ? fmt::format("{}", 1 + d.below(5))
                           : std::string("something I typed");
    }
    if (d.chance(15)) j["customer"] = customer(d, c);
  } else if (roll < 510) {
    j = {{"type", "customer_left"}, {"conversation", conversation(d, s)}};
  } else if (roll < 610) {
    const char* statuses[] = {"online", "online", "online", "online", "away", "offline"};
    j = {{"type", "agent_status"}, {"agent", agent(d, s)}, {"status", d.pick(statuses)}};
    if (d.chance(80)) j["skills"] = skill_list(d);
    if (d.chance(70)) j["capacity"] = 1 + d.below(3);
    if (d.chance(40)) j["level"] = 1 + d.below(3);
    if (d.chance(40)) {
      const std::size_t l = d.below(4);
      j["languages"] = l == 0   ? json::array({"zh"})
                       : l == 1 ? json::array({"en"})
                       : l == 2 ? json::array({"zh", "en"})
                                : json::array();
    }
  } else if (roll < 690) {
    j = {{"type", "agent_accept"},
         {"agent", agent(d, s)},
         {"conversation", target(d, s, d.chance(50) ? "$held" : "$waiting")}};
  } else if (roll < 720) {
    j = {{"type", "agent_decline"}, {"agent", agent(d, s)}, {"conversation", target(d, s, "$held")}};
  } else if (roll < 800) {
    const char* says[] = {"您好，我来帮您看看。", "Let me check that for you.", "请提供一下订单号",
                          "my direct line is 13812345678"};
    j = {{"type", "agent_message"},
         {"agent", agent(d, s)},
         {"conversation", target(d, s, "$held")},
         {"text", d.pick(says)}};
  } else if (roll < 830) {
    j = {{"type", "agent_transfer"}, {"agent", agent(d, s)}, {"conversation", target(d, s, "$held")}};
    if (d.chance(60))
      j["queue"] = d.pick(queues);
    else
      j["to_agent"] = agent(d, s);
    if (d.chance(40)) j["note"] = "customer wants a refund on 20250106001";
  } else if (roll < 880) {
    j = {{"type", "agent_release"},
         {"agent", agent(d, s)},
         {"conversation", target(d, s, "$held")},
         {"outcome", d.chance(60) ? "resolved" : "to_bot"}};
    if (d.chance(30)) j["note"] = "done";
  } else if (roll < 905) {
    j = {{"type", "feedback"}, {"conversation", conversation(d, s)}, {"score", 1 + d.below(5)}};
    if (d.chance(40)) j["comment"] = d.chance(50) ? "很好" : "slow, but fine";
  } else if (roll < 965) {
    j = {{"type", "advance"}, {"seconds", d.pick(advances)}};
  } else if (roll < 972) {
    j = {{"type", "metrics"}};
  } else if (roll < 982) {
    return R"({"type":"$tick"})";
  } else if (roll < 990) {
    if (!s.restarts) return R"({"type":"$tick"})";
    return R"({"type":"$restart"})";
  } else if (roll < 995) {
    if (!s.reloads) return R"({"type":"metrics"})";
    return fmt::format(R"({{"type":"$reload","config":{}}})", d.below(2));
  } else {
    const char* bad[] = {"{",
                         R"({"type":"nope"})",
                         R"({"type":"customer_message"})",
                         R"({"type":"agent_status","agent":"a0","status":"sleeping"})",
                         R"([1,2])",
                         R"({"type":"feedback","conversation":"c0","score":9})"};
    return d.pick(bad);
  }
  // Now and then an event carries its own time: often later than the
  // engine's clock, sometimes earlier (the engine keeps its own then).
  if (d.chance(8)) j["at"] = d.chance(80) ? "2025-01-06T09:30:00Z" : "2025-01-06T08:00:00Z";
  auto line = j.dump();
  // JSON cannot hold ill-formed UTF-8, and customers' clients send it.
  if (const auto at = line.find("@broken@"); at != std::string::npos) line.replace(at, 8, "\xff\xfe broken \xc3");
  return line;
}

}  // namespace

std::vector<std::string> random_stream(std::uint64_t seed, const stream_shape& shape) {
  dice d(seed);
  std::vector<std::string> lines;
  std::uint64_t message_ids = 0;
  // Agents first, most of the time, so that handoffs find someone.
  const std::size_t warm = d.below(4);
  for (std::size_t i = 0; i < warm && lines.size() < shape.events; ++i)
    lines.push_back(json{{"type", "agent_status"},
                         {"agent", fmt::format("a{}", i % static_cast<std::size_t>(shape.agents))},
                         {"status", "online"},
                         {"skills", skill_list(d)},
                         {"capacity", 1 + d.below(3)}}
                        .dump());
  // Late in the shop's day, now and then: the team goes home at midnight
  // in Shanghai.
  if (d.chance(20)) lines.push_back(R"({"type":"advance","seconds":24600})");
  while (lines.size() < shape.events) lines.push_back(one_event(d, shape, message_ids));
  return lines;
}

namespace {

// A matcher that answers as one built once: the streams' engines share
// the matchers trained for their bot.
class shared_matcher final : public intent_matcher {
 public:
  explicit shared_matcher(std::shared_ptr<const intent_matcher> m) : m_(std::move(m)) {}
  std::string_view name() const noexcept override { return m_->name(); }

 protected:
  void read_message(const normalized_text& text, std::string_view language, intent_reading& reading) const override {
    m_->read(text, language, reading);
  }

 private:
  std::shared_ptr<const intent_matcher> m_;
};

bot_config offering_shop() {
  auto j = json::parse(read_file(source_path("examples/shop/bot.json")));
  for (auto& [name, action] : j["actions"].items())
    if (action.is_object()) action["file"] = source_path("examples/shop/" + action["file"].get<std::string>());
  for (auto& q : j["queues"]) {
    if (!q.is_object()) continue;
    const auto id = q["id"].get<std::string>();
    if (id == "general") {
      q["mode"] = "offer";
      q["offer_seconds"] = 30;
      q["strategy"] = "round_robin";
      q["first_response_seconds"] = 90;
      q["max_wait_seconds"] = 300;
    } else if (id == "care") {
      q["mode"] = "offer";
      q["offer_seconds"] = 45;
      q["strategy"] = "longest_idle";
    } else if (id == "orders") {
      q["first_response_seconds"] = 60;
    } else if (id == "refunds") {
      q["strategy"] = "round_robin";
      q["prefer_level"] = 3;
    }
  }
  j["timers"]["customer_silent"] = {{"remind_after", 120}, {"close_after", 600}};
  // Rules of every kind the demo lacks: a ticket, a reply with an offer of
  // a person, a clarifying question, and facts about the queues and the
  // team.
  auto& rules = j["policy"]["rules"];
  rules.insert(rules.begin(), json::parse(R"({"id": "busy-general", "reason": "busy",
      "when": {"all": [{"fact": "human_requested", "equals": true}, {"fact": "channel", "equals": "whatsapp"},
                       {"fact": "queue.general.waiting", "at_least": 1}]},
      "then": {"ticket": {"queue": "general"}, "tags": ["busy"]}})"));
  rules.push_back(json::parse(R"({"id": "b2b-note", "reason": "b2b",
      "when": {"all": [{"fact": "customer.tier", "equals": "b2b"}, {"fact": "within_hours", "equals": true},
                       {"fact": "agents_online", "at_least": 1}]},
      "then": {"reply": {"zh": "企业客户请稍候。", "en": "Business customers: one moment."}, "offer_human": true}})"));
  rules.push_back(json::parse(R"({"id": "refund-ask", "reason": "unclear",
      "when": {"fact": "intent", "in": ["refund_status", "refund_apply"]},
      "then": {"clarify": true, "offer_human": true}})"));
  j["policy"]["routing"].push_back(json::parse(R"({"id": "care-busy",
      "when": {"any": [{"fact": "queue.care.agents_online", "at_most": 0}, {"fact": "queue.care.wait_seconds", "at_least": 600},
                       {"fact": "queue.care.open", "equals": false}]},
      "queue": "general"})"));
  return parse_config(j.dump(), "offering shop");
}

}  // namespace

struct stream_bots::impl {
  std::vector<bot_config> configs;
  std::vector<matcher_registry> registries;
};

stream_bots::stream_bots() : impl_(std::make_unique<impl>()) {
  impl_->configs.push_back(shop_config());
  impl_->configs.push_back(offering_shop());
  const matcher_registry builtin;
  for (const auto& cfg : impl_->configs) {
    auto& r = impl_->registries.emplace_back();
    for (const char* name : {"keywords", "linear"}) {
      std::shared_ptr<const intent_matcher> trained = builtin.create(name, cfg);
      r.add(name, [trained](const matcher_setup&) { return std::make_unique<shared_matcher>(trained); });
    }
  }
}
stream_bots::~stream_bots() = default;
const bot_config& stream_bots::config(std::size_t n) const { return impl_->configs.at(n); }
std::size_t stream_bots::size() const noexcept { return impl_->configs.size(); }
const matcher_registry& stream_bots::matchers(std::size_t n) const { return impl_->registries.at(n); }

namespace {

// `$held:N` and `$waiting:N` made real: the N-th (wrapping) conversation
// the agent holds or is offered, or that waits in a queue; when there is
// none, one of the stream's conversations, which most likely refuses.
std::string resolve(const engine& e, const std::string& agent, const std::string& placeholder, int conversations) {
  const auto colon = placeholder.find(':');
  const auto n = static_cast<std::size_t>(std::stoul(placeholder.substr(colon + 1)));
  std::vector<std::string> found;
  if (placeholder.starts_with("$held")) {
    if (auto a = e.agent(agent)) found = a->conversations;
  } else {
    for (int i = 0; i < conversations; ++i)
      if (auto c = e.conversation(fmt::format("c{}", i)); c && c->state == conversation_state::queued)
        found.push_back(c->id);
  }
  if (found.empty()) return fmt::format("c{}", n % static_cast<std::size_t>(conversations));
  return found[n % found.size()];
}

std::string describe(const agent_info& a) {
  return fmt::format("agent {} {} skills={} capacity={} level={} languages={} holds={}", a.id, to_string(a.status),
                     fmt::join(a.skills, ","), a.capacity, a.level, fmt::join(a.languages, ","),
                     fmt::join(a.conversations, ","));
}

}  // namespace

std::string run_stream(const stream_bots& bots, const std::vector<std::string>& lines, std::size_t first,
                       bool trace_decisions, bool with_store) {
  auto storage = with_store ? make_memory_store() : nullptr;
  std::size_t current = first;
  auto options = [&] {
    engine_options o;
    o.start = *parse_rfc3339("2025-01-06T09:00:00Z");
    o.matchers = &bots.matchers(current);
    o.storage = storage.get();
    o.trace_decisions = trace_decisions;
    return o;
  };
  auto e = std::make_unique<engine>(bots.config(current), options());
  std::string bytes;
  std::vector<output_event> out;
  const stream_shape shape;
  for (const auto& line : lines) {
    out.clear();
    auto j = json::parse(line, nullptr, false);
    const std::string type = j.is_object() ? j.value("type", "") : "";
    if (type == "$restart") {
      if (!storage) continue;  // nothing would survive
      e.reset();               // the engine dies; its store remains
      e = std::make_unique<engine>(bots.config(current), options());
      bytes += "restarted\n";
      continue;
    }
    if (type == "$reload") {
      current = j["config"].get<std::size_t>();
      try {
        e->reload(bots.config(current), &bots.matchers(current));
        bytes += fmt::format("reloaded {}\n", current);
      } catch (const error& x) {
        bytes += fmt::format("reload refused: {}\n", x.what());
      }
      continue;
    }
    if (type == "$tick") {
      const auto due = e->next_due();
      bytes += fmt::format("next due {}\n", due ? format_rfc3339(*due) : std::string("never"));
      if (due) e->tick(*due, out);
    } else {
      std::string resolved = line;
      if (j.is_object() && j.contains("conversation") && j["conversation"].is_string() &&
          j["conversation"].get<std::string>().starts_with("$")) {
        j["conversation"] =
            resolve(*e, j.value("agent", ""), j["conversation"].get<std::string>(), shape.conversations);
        resolved = j.dump();
        bytes += resolved + "\n";
      }
      if (auto parsed = parse_input(resolved)) {
        if (parsed.at)
          e->handle(*parsed.event, *parsed.at, out);
        else
          e->handle(*parsed.event, out);
      } else {
        out.emplace_back(parsed.error);
      }
    }
    for (const auto& o : out) bytes += to_json(o) + "\n";
  }
  bytes += "the end\n";
  for (int i = 0; i < shape.conversations; ++i)
    if (auto c = e->conversation(fmt::format("c{}", i))) {
      bytes += to_json(*c) + "\n";
      for (const auto& t : c->last_decision)
        bytes += fmt::format("  rule {} fired={} failed={} because={}\n", t.rule, t.fired, t.failed, t.because);
    }
  for (int i = 0; i < shape.agents; ++i)
    if (auto a = e->agent(fmt::format("a{}", i))) bytes += describe(*a) + "\n";
  bytes += to_json(output_event{out::metrics{e->metrics()}}) + "\n";
  bytes += fmt::format("open {} now {}\n", e->open_conversations(), format_rfc3339(e->now()));
  return bytes;
}

std::uint64_t fnv1a(std::string_view bytes) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace handoff::test
