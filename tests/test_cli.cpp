// The `handoff` tool, run as a user runs it.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <handoff/normalize.hpp>
#include <set>

#include "support/scenario.hpp"

namespace {

struct result {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs the tool with `input` on stdin; returns its exit status, stdout and
// stderr.
result run_cli(const std::string& args, const std::string& input) {
  auto dir = std::filesystem::temp_directory_path();
  auto in_path = dir / ("handoff-cli-" + std::to_string(::getpid()) + ".in");
  {
    std::ofstream f(in_path, std::ios::binary);
    f << input;
  }
  auto err_path = dir / ("handoff-cli-" + std::to_string(::getpid()) + ".err");
  std::string cmd = std::string(HANDOFF_CLI) + " " + args + " < " + in_path.string() + " 2>" + err_path.string();
  result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::filesystem::remove(in_path);
  r.err = handoff::test::read_file(err_path.string());
  std::filesystem::remove(err_path);
  return r;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string shop() { return "--config " + handoff::test::source_path("examples/shop/bot.json"); }

// A file in the temporary directory, named for this process, holding `text`.
std::filesystem::path temp_file(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("handoff-" + name + "-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("handoff run: bad lines get errors with line numbers and the run goes on") {
  if (std::string(HANDOFF_CLI).empty()) return;
  std::string script;
  script += "not json at all\n";
  script += "\n";
  script += "{\"type\":\"customer_message\",\"conversation\":\"c1\",\"text\":\"hi \xFF\xFE there\"}\n";
  script += R"({"type":"customer_message","conversation":"c1"})"
            "\n";
  script += R"({"type":"warp","conversation":"c1"})"
            "\n";
  script += "{\"type\":\"customer_message\",\"conversation\":\"c1\",\"text\":\"" + std::string(3 << 20, 'x') + "\"}\n";
  script += "{\"type\":\"customer_message\",\"conversation\":\"c1\",\"text\":\"" + std::string(2 << 20, 'y') + "\"}\n";
  script += R"({"type":"customer_message","conversation":"c1","text":"转人工"})";  // no final newline
  auto r = run_cli("run " + shop() + " --max-line-bytes 2500000", script);
  CHECK(r.status == 0);
  auto lines = lines_of(r.out);
  std::vector<nlohmann::json> events;
  for (const auto& l : lines) {
    CHECK(handoff::is_valid_utf8(l));
    events.push_back(nlohmann::json::parse(l));
  }
  REQUIRE(events.size() == 9);
  CHECK(events[0]["code"] == "invalid_json");
  CHECK(events[0]["line"] == 1);
  CHECK(events[1]["type"] == "bot_message");  // the garbled greeting is still answered
  CHECK(events[2]["code"] == "missing_field");
  CHECK(events[2]["line"] == 4);
  CHECK(events[3]["code"] == "unknown_type");
  CHECK(events[4]["code"] == "line_too_long");
  CHECK(events[4]["line"] == 6);
  CHECK(events[5]["code"] == "message_too_large");
  CHECK(events[5]["line"] == 7);
  CHECK(events[6]["type"] == "escalated");
  CHECK(events[7]["type"] == "ticket");
  CHECK(events[8]["kind"] == "notice");
}

TEST_CASE("handoff run: the same script gives the same output") {
  if (std::string(HANDOFF_CLI).empty()) return;
  auto script = handoff::test::read_file(handoff::test::source_path("tests/scenarios/handoff_and_back.in.jsonl"));
  auto a = run_cli("run " + shop(), script);
  auto b = run_cli("run " + shop(), script);
  CHECK(a.status == 0);
  CHECK_FALSE(a.out.empty());
  CHECK(a.out == b.out);
}

TEST_CASE("handoff check: the demo passes, a broken bot fails with pointers") {
  if (std::string(HANDOFF_CLI).empty()) return;
  auto ok = run_cli("check " + shop(), "");
  CHECK(ok.status == 0);
  CHECK(ok.out.find("ok:") != std::string::npos);
  // Whether the statistical matcher overrules stray keywords, and when not, why.
  CHECK(ok.out.find("is set aside") != std::string::npos);
  auto tiny_path = temp_file("tiny", R"({"languages":["en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},
            "intents":[{"id":"a","keywords":{"en":["refund"]},"answer":"a"},
                       {"id":"b","keywords":{"en":["hours"]},"answer":"b"},
                       {"id":"c","keywords":{"en":["complaint"]},"answer":"c"}],
            "queues":[{"id":"general"}]})");
  auto tiny = run_cli("check --config " + tiny_path.string(), "");
  std::filesystem::remove(tiny_path);
  CHECK(tiny.status == 0);
  CHECK(tiny.out.find("too few to tell") != std::string::npos);

  auto path = temp_file("broken", R"({"languages":["en"],"welcome":{"text":"hi"},"fallback":{"text":"?"},
            "intents":[{"id":"x","keywords":{"en":["x"]},"answer":"x"}],
            "queues":[{"id":"general"}],
            "policy":{"rules":[{"id":"r","reason":"x","when":{"fact":"moood","equals":1},
                                "then":{"escalate":{"queue":"genral"}}}]}})");
  auto bad = run_cli("check --config " + path.string(), "");
  std::filesystem::remove(path);
  CHECK(bad.status == 1);
  CHECK(bad.out.find("[handoff.config.unknown_fact] /policy/rules/0/when/fact") != std::string::npos);
  CHECK(bad.out.find("[handoff.config.unknown_queue] /policy/rules/0/then/escalate/queue") != std::string::npos);

  auto missing = run_cli("check --config /no/such/bot.json", "");
  CHECK(missing.status == 1);
}

TEST_CASE("handoff chat: a customer asks for a human and the user plays the agent") {
  if (std::string(HANDOFF_CLI).empty()) return;
  // Within the demo's business hours, whatever the time of the test.
  auto r = run_cli("chat --no-color --clock 2025-01-06T09:00:00Z " + shop(),
                   "退货政策是什么\n"
                   "转人工\n"
                   "/say 您好，我是客服小王\n"
                   "我的外套破了\n"
                   "/back\n"
                   "1\n"
                   "/quit\n");
  CHECK(r.status == 0);
  for (const char* expected : {"欢迎光临", "[1] 查订单", "无理由退货", "escalated to general", "you also play alice",
                               "alice holds the conversation", "alice>", "您好，我是客服小王", "delivered to alice",
                               "the bot has the conversation again"}) {
    CAPTURE(expected);
    CHECK(r.out.find(expected) != std::string::npos);
  }
}

TEST_CASE("handoff eval: a small data set gives every promised figure, and a bad one a clear error") {
  if (std::string(HANDOFF_CLI).empty()) return;
  nlohmann::json data;
  auto add = [&](const char* split, const char* text, const char* label) { data[split].push_back({text, label}); };
  for (const char* split : {"train", "val", "test"}) {
    add(split, "where is my order", "order");
    add(split, "track my package please", "order");
    add(split, "has my parcel shipped yet", "order");
    add(split, "i want a refund", "refund");
    add(split, "how do i get my money back", "refund");
    add(split, "refund my purchase", "refund");
  }
  add("oos_val", "what is the weather today", "oos");
  add("oos_test", "tell me a joke", "oos");
  auto path = temp_file("eval", data.dump());
  auto r = run_cli("eval --json --predict-seconds 0.05 --data " + path.string(), "");
  CHECK(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"in_scope_accuracy", "oos_recall", "oos_precision", "train_seconds", "predict_per_second",
                          "predict_one_per_second", "model_bytes", "threshold_rule"}) {
    CAPTURE(key);
    CHECK(j.contains(key));
  }
  CHECK(j["in_scope_accuracy"].get<double>() >= 0.0);
  CHECK(j["predict_per_second"].get<double>() > 0.0);
  CHECK(j["predict_one_per_second"].get<double>() > 0.0);
  CHECK(j["model_bytes"].get<long long>() > 0);
  CHECK(j["calibration_error"].get<double>() >= 0.0);
  CHECK(j["calibration_error"].get<double>() <= 1.0);

  // --save writes the model with the threshold it reported.
  auto model_path = path;
  model_path += ".model";
  r = run_cli("eval --json --predict-seconds 0.05 --data " + path.string() + " --save " + model_path.string(), "");
  CHECK(r.status == 0);
  auto saved = handoff::linear_model::load(model_path);
  CHECK(saved.labels() == std::vector<std::string>{"order", "refund"});
  j = nlohmann::json::parse(r.out);
  if (!j["threshold"].is_null()) CHECK(saved.threshold() == doctest::Approx(j["threshold"].get<double>()));
  std::filesystem::remove(model_path);

  // --scores writes one line per held-back and test message.
  auto scores_path = path;
  scores_path += ".tsv";
  r = run_cli("eval --predict-seconds 0.05 --data " + path.string() + " --scores " + scores_path.string(), "");
  CHECK(r.status == 0);
  auto scores = lines_of(handoff::test::read_file(scores_path.string()));
  REQUIRE(scores.size() == 1 + 6 + 1 + 6 + 1);
  CHECK(scores[0] == "split\tlabel\tpredicted\tconfidence\ttext");
  CHECK(scores[1].starts_with("val\torder\t"));
  CHECK(scores.back().starts_with("oos_test\toos\t"));
  std::filesystem::remove(scores_path);

  r = run_cli("eval --predict-seconds 0.01 --confidence-from softmax --data " + path.string(), "");
  CHECK(r.status != 0);
  CHECK((r.out + r.err).find("--confidence-from") != std::string::npos);

  // A negative weight of unknown words is refused, not taken for "the default".
  r = run_cli("eval --predict-seconds 0.05 --data " + path.string() + " --unknown-weight -1", "");
  CHECK(r.status != 0);
  CHECK(r.out.empty());
  CHECK((r.out + r.err).find("--unknown-weight") != std::string::npos);

  {
    std::ofstream f(path);
    f << R"({"train": [["only text"]], "test": []})";
  }
  auto bad = run_cli("eval --data " + path.string(), "");
  CHECK(bad.status == 2);
  CHECK(bad.err.find("item 0 of `train` is not [text, label]") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("handoff eval keeps the words a small data set has once when validation says they help") {
  if (std::string(HANDOFF_CLI).empty()) return;
  // Each intent is taught with words that occur in one training message
  // only; held-back messages use them again in other words. Dropping such
  // features, right for CLINC150's 15,000 examples, leaves this model
  // little to go on.
  auto data = nlohmann::json::parse(R"({
    "train": [["forecast", "weather"], ["raining", "weather"], ["umbrella", "weather"],
              ["invoice", "billing"], ["overcharged", "billing"], ["receipt", "billing"],
              ["password", "account"], ["login", "account"], ["username", "account"],
              ["parcel", "delivery"], ["courier", "delivery"], ["tracking", "delivery"]],
    "val": [["the forecast please", "weather"], ["is it raining", "weather"], ["need an umbrella", "weather"],
            ["my invoice is wrong", "billing"], ["i was overcharged", "billing"], ["send the receipt", "billing"],
            ["forgot my password", "account"], ["cannot login", "account"], ["change username", "account"],
            ["where is the parcel", "delivery"], ["the courier is late", "delivery"], ["tracking number", "delivery"]],
    "test": [["what does the forecast say", "weather"], ["raining tomorrow", "weather"], ["umbrella or not", "weather"],
             ["invoice missing", "billing"], ["overcharged twice", "billing"], ["a receipt for this", "billing"],
             ["reset password", "account"], ["login fails", "account"], ["username taken", "account"],
             ["parcel lost", "delivery"], ["courier phone", "delivery"], ["tracking broken", "delivery"]],
    "oos_train": [["tell me a story"]],
    "oos_val": [["who won the match"], ["play some music"], ["how old is the sun"]],
    "oos_test": [["sing a song"], ["what is love"], ["best pizza nearby"]]})");
  auto path = temp_file("eval-small", data.dump());
  auto chosen = run_cli("eval --json --predict-seconds 0.01 --data " + path.string(), "");
  auto dropped = run_cli("eval --json --predict-seconds 0.01 --min-count 2 --data " + path.string(), "");
  // With no out-of-scope messages to tune on, val's accuracy chooses.
  for (const char* key : {"oos_train", "oos_val", "oos_test"}) data.erase(key);
  auto in_scope_only = temp_file("eval-small-no-oos", data.dump());
  auto no_oos = run_cli("eval --json --predict-seconds 0.01 --data " + in_scope_only.string(), "");
  std::filesystem::remove(path);
  std::filesystem::remove(in_scope_only);
  REQUIRE(no_oos.status == 0);
  CHECK(nlohmann::json::parse(no_oos.out)["min_count"] == 1);
  REQUIRE(chosen.status == 0);
  REQUIRE(dropped.status == 0);
  auto a = nlohmann::json::parse(chosen.out), b = nlohmann::json::parse(dropped.out);
  CHECK(a["min_count"] == 1);
  CHECK(b["min_count"] == 2);
  CHECK(a["val_objective"].get<double>() > b["val_objective"].get<double>());
  CHECK(a["closed_set_accuracy"].get<double>() > b["closed_set_accuracy"].get<double>());
  MESSAGE("closed-set accuracy " << a["closed_set_accuracy"] << " against " << b["closed_set_accuracy"]);
}

TEST_CASE("handoff eval chooses on validation how much of the labels' bias predictions use") {
  if (std::string(HANDOFF_CLI).empty()) return;
  // Long-tailed: one intent with many examples in everyday words, three
  // with two each.
  nlohmann::json data;
  auto add = [&](const char* split, std::string text, const char* label) {
    data[split].push_back(nlohmann::json::array({std::move(text), label}));
  };
  for (int i = 0; i < 40; ++i)
    add("train", "where is my order number " + std::to_string(i) + " please tell me", "order");
  struct rare {
    const char *first, *second, *word, *label;
  };
  for (const auto& r : {rare{"please cancel my subscription", "cancel the subscription", "subscription", "cancel"},
                        rare{"tell me my loyalty points", "how many loyalty points", "points", "points"},
                        rare{"my voucher code fails", "the voucher code is rejected", "voucher", "voucher"}}) {
    add("train", r.first, r.label);
    add("train", r.second, r.label);
    add("val", std::string("please tell me where is my ") + r.word + " number now", r.label);
    add("test", std::string("please tell me where my ") + r.word + " is", r.label);
  }
  add("val", "where is my order please", "order");
  add("test", "tell me where my order is", "order");
  add("oos_val", "what is the weather on mars", "oos");
  add("oos_test", "sing me a song please", "oos");
  auto path = temp_file("eval-tail", data.dump());
  auto run = [&](const std::string& extra) {
    auto r = run_cli("eval --json --predict-seconds 0.01 " + extra + " --data " + path.string(), "");
    REQUIRE(r.status == 0);
    return nlohmann::json::parse(r.out);
  };
  auto chosen = run("");
  std::vector<double> objectives;
  for (const char* scale : {"1", "0.5", "0"}) {
    auto forced = run(std::string("--bias-scale ") + scale);
    CHECK(forced["bias_scale"].get<double>() == std::stod(scale));
    objectives.push_back(forced["val_objective"].get<double>());
    MESSAGE("bias scale " << std::string(scale) << ": validation objective " << objectives.back());
  }
  auto refused = run_cli("eval --json --predict-seconds 0.01 --bias-scale 2 --data " + path.string(), "");
  std::filesystem::remove(path);
  // The best of the three, ties to the fuller bias.
  const auto best = std::max_element(objectives.begin(), objectives.end());
  CHECK(chosen["val_objective"].get<double>() == *best);
  CHECK(chosen["bias_scale"].get<double>() == std::vector<double>{1, 0.5, 0}[best - objectives.begin()]);
  CHECK(std::set<double>(objectives.begin(), objectives.end()).size() > 1);  // a choice that makes a difference
  CHECK(refused.status != 0);
  CHECK((refused.out + refused.err).find("--bias-scale") != std::string::npos);
}

TEST_CASE("handoff eval fits confidence on whichever margin scores higher on validation") {
  if (std::string(HANDOFF_CLI).empty()) return;
  // The demo bot's English examples, taught; its evaluation and off-topic
  // messages, held back and tested in turns. Here the two kinds of margin
  // give different validation objectives, so a wrong choice would show.
  auto config = nlohmann::json::parse(handoff::test::read_file(handoff::test::source_path("examples/shop/bot.json")));
  nlohmann::json data;
  std::set<std::string> labels;
  for (const auto& intent : config["intents"])
    if (intent.contains("examples") && intent["examples"].contains("en"))
      for (const auto& text : intent["examples"]["en"]) {
        data["train"].push_back(nlohmann::json::array({text, intent["id"]}));
        labels.insert(intent["id"].get<std::string>());
      }
  int turn = 0;
  for (const char* file : {"tests/data/shop_eval_en.tsv", "tests/data/off_topic_en.tsv"})
    for (const auto& line : lines_of(handoff::test::read_file(handoff::test::source_path(file)))) {
      const auto tab = line.find('\t');
      if (line.empty() || line[0] == '#' || tab == std::string::npos) continue;
      const auto expected = line.substr(0, tab), text = line.substr(tab + 1);
      const bool held = turn++ % 2 == 0;
      if (labels.count(expected))
        data[held ? "val" : "test"].push_back(nlohmann::json::array({text, expected}));
      else if (expected == "fallback")
        data[held ? "oos_val" : "oos_test"].push_back(nlohmann::json::array({text, "oos"}));
    }
  auto path = temp_file("eval-margin", data.dump());
  // With the bias's share fixed, so that only the margin is chosen.
  auto run = [&](const std::string& extra) {
    auto r = run_cli("eval --json --predict-seconds 0.01 --bias-scale 1 " + extra + " --data " + path.string(), "");
    REQUIRE(r.status == 0);
    return nlohmann::json::parse(r.out);
  };
  auto chosen = run(""), log_probability = run("--confidence-from log-probability"),
       mean = run("--confidence-from mean");
  std::filesystem::remove(path);
  CHECK(log_probability["confidence_from"] == "best label's log-probability");
  CHECK(mean["confidence_from"] == "best score less the mean score");
  const double a = log_probability["val_objective"].get<double>(), b = mean["val_objective"].get<double>();
  CHECK(a != b);
  MESSAGE("validation objective: log-probability " << a << ", mean " << b);
  CHECK(chosen["val_objective"].get<double>() == std::max(a, b));
  CHECK(chosen["confidence_from"] == (a >= b ? log_probability : mean)["confidence_from"]);
}

TEST_CASE("handoff eval takes odd data as it comes: empty and huge texts, labels only test has, no usable cut") {
  if (std::string(HANDOFF_CLI).empty()) return;
  // (As text: nlohmann::json would read {"text", "label"} as an object.)
  auto data = nlohmann::json::parse(R"({
    "train": [["", "a"], ["hello there", "a"], ["bye now", "b"], ["see you", "b"], ["what time is it", "c"],
              ["\ud83d\ude00\ud83d\ude00", "a"]],
    "val": [["hello", "a"], ["bye", "b"], ["time?", "c"], ["", "a"]],
    "test": [["hello", "a"], ["bye", "b"], ["time", "c"], ["a label training never saw", "zzz"]],
    "oos_train": [["", ""]], "oos_val": [["weather"]], "oos_test": ["joke", ["movie", "oos"]]})");
  data["train"].push_back(nlohmann::json::array({std::string(100000, 'x'), "c"}));
  auto path = temp_file("eval-odd", data.dump());
  auto r = run_cli("eval --json --predict-seconds 0.01 --data " + path.string(), "");
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["labels"] == 3);
  // The label only test has is never given, so it counts as wrong.
  CHECK(j["closed_set_accuracy"].get<double>() <= 0.75);
  // Whatever cut the rule took, the text output says what it does; JSON,
  // which has no infinities, says null for one that is not finite.
  auto text = run_cli("eval --predict-seconds 0.01 --data " + path.string(), "");
  REQUIRE(text.status == 0);
  CHECK(text.out.find("threshold            ") != std::string::npos);
  // And what the run chose on validation.
  CHECK(text.out.find("confidence from      ") != std::string::npos);
  CHECK(text.out.find("features kept        seen in ") != std::string::npos);
  if (j["threshold"].is_null())
    CHECK((text.out.find("every message out of scope") != std::string::npos ||
           text.out.find("no message out of scope") != std::string::npos));
  CHECK(text.out.find("null") == std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE(
    "handoff eval reads data sets as other tools write them: numbered labels, extra fields, bare out-of-scope "
    "texts") {
  if (std::string(HANDOFF_CLI).empty()) return;
  // The same data written four ways. Out-of-scope messages are out of
  // scope whatever they are labelled, even with an intent's name, so the
  // figures and the threshold must not change.
  auto write = [](const std::filesystem::path& path, int form) {
    nlohmann::json data;
    const std::vector<std::pair<const char*, int>> items{
        {"where is my order", 7}, {"track my package please", 7},     {"has my parcel shipped yet", 7},
        {"i want a refund", 12},  {"how do i get my money back", 12}, {"refund my purchase", 12},
        {"when do you open", 3},  {"what are your opening hours", 3}, {"are you open on sundays", 3}};
    for (const char* split : {"train", "val", "test"})
      for (const auto& [text, label] : items) {
        if (form == 0)
          data[split].push_back({text, std::to_string(label)});
        else if (form == 1)
          data[split].push_back({text, label});  // a number
        else
          data[split].push_back({text, label, "id-" + std::to_string(label)});  // and a field more
      }
    for (const char* split : {"oos_val", "oos_test"})
      for (const char* text : {"what is the weather today", "tell me a joke", "who won the game last night"}) {
        if (form == 0)
          data[split].push_back({text, "oos"});
        else if (form == 1)
          data[split].push_back(text);  // a bare text
        else if (form == 2)
          data[split].push_back({text, "7"});  // labelled as an intent
        else
          data[split].push_back({text});
      }
    std::ofstream f(path);
    f << data.dump();
  };
  auto path = std::filesystem::temp_directory_path() / ("handoff-eval-forms-" + std::to_string(::getpid()) + ".json");
  std::vector<nlohmann::json> results;
  for (int form = 0; form < 4; ++form) {
    CAPTURE(form);
    write(path, form);
    auto r = run_cli("eval --json --predict-seconds 0.01 --data " + path.string(), "");
    REQUIRE(r.status == 0);
    results.push_back(nlohmann::json::parse(r.out));
  }
  std::filesystem::remove(path);
  for (std::size_t form = 1; form < results.size(); ++form) {
    CAPTURE(form);
    for (const char* key : {"in_scope_accuracy", "oos_recall", "closed_set_accuracy", "threshold", "labels"})
      CHECK(results[form][key] == results[0][key]);
  }
  CHECK(results[0]["labels"] == 3);
}

TEST_CASE("handoff eval --messages: the demo bot understands Chinese as well as English") {
  if (std::string(HANDOFF_CLI).empty()) return;
  auto eval = [](const char* file) {
    auto r = run_cli(shop().insert(0, "eval ") + " --messages " + handoff::test::source_path(file) + " --json", "");
    REQUIRE(r.status == 0);
    return nlohmann::json::parse(r.out);
  };
  auto zh = eval("tests/data/shop_eval_zh.tsv");
  auto en = eval("tests/data/shop_eval_en.tsv");
  CHECK(zh["messages"].get<int>() >= 300);
  CAPTURE(zh["accuracy"]);
  CAPTURE(en["accuracy"]);
  // Floors a little under today's figures (docs/BENCHMARKS.md), so that a
  // change that makes the bot understand less fails here.
  CHECK(zh["accuracy"].get<double>() >= 0.76);
  CHECK(en["accuracy"].get<double>() >= 0.77);
  CHECK(zh["accuracy"].get<double>() >= en["accuracy"].get<double>() - 0.05);
  // What must never go wrong: calls for a person, the bare "refund", and
  // questions the shop has nothing to do with.
  for (const auto* r : {&zh, &en}) {
    CHECK((*r)["by_expected"]["request_human"]["accuracy"] == 1.0);
    CHECK((*r)["by_expected"]["clarify"]["accuracy"] == 1.0);
    CHECK((*r)["by_expected"]["fallback"]["accuracy"].get<double>() >= 0.9);
  }
  // Off-topic questions, many with a stray keyword in them ("translate
  // hello into french"): 82% and 77% fall back today, 69% and 54% before
  // a lone keyword yielded to the statistical reading.
  for (const char* file : {"tests/data/off_topic_zh.tsv", "tests/data/off_topic_en.tsv"}) {
    auto off = eval(file);
    CAPTURE(file);
    CHECK(off["messages"].get<int>() >= 70);
    CHECK(off["by_expected"]["fallback"]["accuracy"].get<double>() >= 0.75);
  }
  // Refund questions, bare or saying which, often with the reason ("it
  // arrived broken, refund please"): 82% right today (89 of 109), and of
  // the first 65, 72% before the demo had examples that give a reason.
  auto refunds = eval("tests/data/refund_asks.tsv");
  CHECK(refunds["messages"].get<int>() >= 105);
  CHECK(refunds["accuracy"].get<double>() >= 0.75);
  CHECK(refunds["by_expected"]["clarify"]["accuracy"].get<double>() >= 0.8);

  // Everyday off-topic questions (weather, jokes, trivia): 115 of 116 fall
  // back today. Of the first 88, 96.6% did before a short rest of words the
  // bot never learnt stopped leaving the greeting as the answer, 93.2%
  // before a greeting in front of a long one did.
  auto everyday = eval("tests/data/everyday_off_topic.tsv");
  CHECK(everyday["messages"].get<int>() >= 110);
  CHECK(everyday["by_expected"]["fallback"]["accuracy"].get<double>() >= 0.97);
  // The same after a greeting or thanks, shorter: 21 of 26 today, 17
  // before (the thanks ones are still thanks).
  auto short_rest = eval("tests/data/courtesy_off_topic.tsv");
  CHECK(short_rest["messages"].get<int>() == 26);
  CHECK(short_rest["by_expected"]["fallback"]["accuracy"].get<double>() >= 20.0 / 26);
  // A fallback offers first the intent the message came near: for in-scope
  // messages the bot missed, the right one 12 times of 18 today; for
  // questions it has nothing to do with, rarely any (2 of 86).
  CHECK(zh["missed_suggested_right"].get<int>() >= 9);
  CHECK(zh["missed_suggested_right"].get<int>() * 3 >= zh["missed_suggested"].get<int>() * 2 - 3);
  CHECK(zh["missed_suggested"].get<int>() <= zh["missed_with_fallback"].get<int>());
  CHECK(everyday["fallbacks_for_fallback_suggesting"].get<int>() <= 6);
  CHECK(everyday["fallbacks_for_fallback"].get<int>() >= 80);
  // Courtesies with something else: an opener, a question the shop
  // answers, or one it does not. 84% today, 81% before.
  auto courtesy = eval("tests/data/courtesy.tsv");
  CHECK(courtesy["messages"].get<int>() >= 95);
  CHECK(courtesy["accuracy"].get<double>() >= 0.82);
  CHECK(courtesy["by_expected"]["fallback"]["accuracy"].get<double>() >= 0.8);

  auto bad = run_cli(shop().insert(0, "eval ") + " --messages /no/such/file.tsv", "");
  CHECK(bad.status == 2);
  CHECK(bad.out.empty());
}

TEST_CASE("handoff eval --messages: the demo bot hands over upset customers and leaves calm ones") {
  if (std::string(HANDOFF_CLI).empty()) return;
  for (const char* file : {"tests/data/emotion_zh.tsv", "tests/data/emotion_en.tsv"}) {
    CAPTURE(file);
    auto r = run_cli(shop().insert(0, "eval ") + " --messages " + handoff::test::source_path(file) + " --json", "");
    REQUIRE(r.status == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["messages"].get<int>() >= 200);
    CAPTURE(j["negative_sentiment_precision"]);
    CAPTURE(j["negative_sentiment_recall"]);
    // Floors a little under today's figures (docs/BENCHMARKS.md). A calm
    // customer handed over for their mood is the worse mistake.
    CHECK(j["negative_sentiment_precision"].get<double>() >= 0.97);
    CHECK(j["negative_sentiment_recall"].get<double>() >= 0.75);
    CHECK(j["by_expected"]["calm"]["accuracy"].get<double>() >= 0.98);
  }
}

TEST_CASE("handoff explain says, for each customer message, which rules failed and which fired") {
  if (std::string(HANDOFF_CLI).empty()) return;
  auto r = run_cli("explain " + shop(), R"({"type":"customer_message","conversation":"e1","text":"where is my order"}
{"type":"customer_message","conversation":"e2","customer":{"id":"v","tier":"vip"},"text":"this is a scam, I am furious!!"}
not json
{"type":"agent_status","agent":"a","status":"online","skills":["general"]}
)");
  REQUIRE(r.status == 0);
  auto lines = lines_of(r.out);
  auto has = [&](std::string_view s) {
    for (const auto& l : lines)
      if (l.find(s) != std::string::npos) return true;
    return false;
  };
  CHECK(has("line 1, conversation e1: \"where is my order\""));
  CHECK(has("  -> the bot answers (ask_slot, intent order_status)"));
  CHECK(has("  - explicit-request: human_requested is false, needs true (at /policy/rules/0/when)"));
  CHECK(has("  no rule fired: the bot keeps the conversation"));
  CHECK(has(
      "  -> escalated to senior at urgent: reason negative_sentiment, rule upset-customer, routed by vip-to-senior"));
  CHECK(has("  + upset-customer fired"));
  CHECK(has("line 3: "));      // the bad line is named, and the run goes on
  CHECK_FALSE(has("line 4"));  // an agent's event decides nothing
}

TEST_CASE("handoff replay: recorded conversations through a new policy, against the old, by reason and queue") {
  if (std::string(HANDOFF_CLI).empty()) return;
  // The new policy hands over at a milder mood (-0.3 instead of -0.6).
  auto cfg = nlohmann::json::parse(std::ifstream(handoff::test::source_path("examples/shop/bot.json")));
  bool changed = false;
  for (auto& rule : cfg["policy"]["rules"])
    if (rule["id"] == "upset-customer") {
      rule["when"]["any"][0]["at_most"] = -0.3;
      changed = true;
    }
  REQUIRE(changed);
  for (auto& [name, action] : cfg["actions"].items())  // the copy lives elsewhere: its data file by full path
    if (action.is_object()) action["file"] = handoff::test::source_path("examples/shop/orders.json");
  auto dir = std::filesystem::temp_directory_path();
  auto next = dir / ("handoff-replay-" + std::to_string(::getpid()) + ".json");
  std::ofstream(next) << cfg.dump();
  auto transcripts = dir / ("handoff-replay-" + std::to_string(::getpid()) + ".jsonl");
  std::ofstream(transcripts)
      << R"({"type":"agent_status","agent":"a","status":"online","skills":["general","care","senior"],"capacity":5}
{"type":"customer_message","conversation":"calm","text":"how long does shipping take?"}
{"type":"customer_message","conversation":"mild","text":"有点失望，包装压坏了"}
{"type":"customer_message","conversation":"mild","text":"算了，能换一个吗"}
{"type":"customer_message","conversation":"asks","text":"转人工"}
not json
{"type":"customer_message","conversation":"late","text":"转人工","at":"2025-01-06T17:30:00Z"}
)";
  auto r = run_cli("replay --json --config " + next.string() + " --against " +
                       handoff::test::source_path("examples/shop/bot.json") + " --transcripts " + transcripts.string(),
                   "");
  std::filesystem::remove(next);
  std::filesystem::remove(transcripts);
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["conversations"] == 4);
  CHECK(j["refused_lines"].size() == 1);
  CHECK(j["refused_lines"][0]["line"] == 6);
  CHECK(j["old"]["handed_over"] == 2);  // asks, late (whose handoff becomes a ticket: after hours)
  CHECK(j["new"]["handed_over"] == 3);
  CHECK(j["old"]["escalations_by_reason"] == nlohmann::json{{"customer_request", 2}});
  CHECK(j["new"]["escalations_by_reason"] == nlohmann::json{{"customer_request", 2}, {"negative_sentiment", 1}});
  CHECK(j["new"]["escalations_by_queue"]["care"] == 1);
  CHECK(j["old"]["tickets_by_reason"] == nlohmann::json{{"outside_hours", 1}});
  CHECK(j["old"]["kept_by_bot"] == 2);
  CHECK(j["new"]["kept_by_bot"] == 1);
  REQUIRE(j["changed"].size() == 1);
  CHECK(j["changed"][0]["conversation"] == "mild");
  CHECK(j["changed"][0]["old"] == "kept by the bot");
  CHECK(j["changed"][0]["new"] == "escalated to care at high: negative_sentiment, rule upset-customer");

  auto text = run_cli(
      "replay " + shop() + " --transcripts " + handoff::test::source_path("examples/shop/transcripts.jsonl"), "");
  REQUIRE(text.status == 0);
  CHECK(text.out.find("conversations handed over") != std::string::npos);
  CHECK(run_cli("replay " + shop() + " --transcripts /no/such/file.jsonl", "").status == 2);
}

TEST_CASE("handoff bench drives the demo and reports speed, latency and memory") {
  if (std::string(HANDOFF_CLI).empty()) return;
  auto r = run_cli("bench --json --conversations 200 --messages 5 " + shop(), "");
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["messages"] == 1000);
  CHECK(j["escalations"].get<int>() > 0);  // the mix has requests for a person
  CHECK(j["messages_per_second"].get<double>() > 0);
  CHECK(j["latency_us"]["median"].get<double>() <= j["latency_us"]["p99"].get<double>());
  CHECK(j.contains("memory_per_conversation_bytes"));
  // Every escalated message is counted among the handovers, and timed.
  CHECK(j["handover_messages"].get<int>() >= j["escalations"].get<int>());
  CHECK(j["handover_messages"].get<int>() < 1000);
  CHECK(j["handover_latency_us"]["median"].get<double>() > 0);
  CHECK(j["handover_latency_us"]["median"].get<double>() <= j["handover_latency_us"]["p99"].get<double>());
  auto two = run_cli("bench --json --threads 2 --conversations 101 --messages 2 " + shop(), "");
  REQUIRE(two.status == 0);
  CHECK(nlohmann::json::parse(two.out)["messages"] == 202);
  auto shared = run_cli("bench --json --threads 2 --one-engine --conversations 101 --messages 2 " + shop(), "");
  REQUIRE(shared.status == 0);
  CHECK(nlohmann::json::parse(shared.out)["messages"] == 202);
  CHECK(nlohmann::json::parse(shared.out)["one_engine"] == true);
  CHECK(run_cli("bench --conversations 0 " + shop(), "").status == 2);
  // With a store every event is kept, a fresh file each run.
  const auto db = std::filesystem::temp_directory_path() / ("handoff-bench-" + std::to_string(::getpid()) + ".db");
  for (int run = 0; run < 2; ++run) {
    auto kept = run_cli(
        "bench --json --conversations 50 --messages 3 --commit-every 20 --store sqlite:" + db.string() + " " + shop(),
        "");
    REQUIRE(kept.status == 0);
    CHECK(nlohmann::json::parse(kept.out)["messages"] == 150);
    CHECK(nlohmann::json::parse(kept.out)["store"] == "sqlite:" + db.string());
    CHECK(std::filesystem::file_size(db) > 150 * 100);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + suffix);
}
