// SPDX-License-Identifier: MIT
// The Python module `handoff`: the engine speaking the protocol in dicts,
// typed conversations, Python actions, recommenders, sentiment analysers
// and intent matchers, and the statistical matcher's training.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <handoff/actions.hpp>
#include <handoff/config.hpp>
#include <handoff/engine.hpp>
#include <handoff/matcher_registry.hpp>
#include <handoff/matchers/linear_model.hpp>
#include <handoff/matchers/scored.hpp>
#include <handoff/normalize.hpp>
#include <handoff/privacy.hpp>
#include <handoff/protocol.hpp>
#include <handoff/sentiment.hpp>
#include <handoff/store.hpp>
#include <handoff/stores/sqlite.hpp>
#include <handoff/version.hpp>
#include <map>
#include <memory>

namespace py = pybind11;
using namespace handoff;

namespace {

// A Python callable kept by C++ code that may copy or drop it without the
// GIL: the last owner takes the GIL to let it go.
class py_callable {
 public:
  explicit py_callable(py::function f)
      : f_(new py::function(std::move(f)), [](py::function* p) {
          py::gil_scoped_acquire gil;
          delete p;
        }) {}
  template <class... Args>
  py::object operator()(Args&&... args) const {
    return (*f_)(std::forward<Args>(args)...);
  }

 private:
  std::shared_ptr<py::function> f_;
};

// Python's own json module turns dicts into protocol text and back, so the
// binding speaks exactly what the command line speaks.
py::object json_module() {
  static py::object* json = new py::object(py::module_::import("json"));
  return *json;
}
std::string dumps(const py::handle& obj) {
  return json_module().attr("dumps")(obj, py::arg("ensure_ascii") = false).cast<std::string>();
}
py::object loads(std::string_view text) { return json_module().attr("loads")(py::str(text.data(), text.size())); }

// What a Python exception says, for an error in a transcript or a message.
std::string describe(const py::error_already_set& e) { return e.what(); }

py::dict request_dict(const action_request& r) {
  py::dict d;
  d["conversation"] = std::string(r.conversation);
  d["intent"] = std::string(r.intent);
  d["language"] = std::string(r.language);
  py::dict slots;
  if (r.slots)
    for (const auto& [k, v] : *r.slots) slots[py::str(k)] = v;
  d["slots"] = slots;
  if (r.customer) {
    py::dict c;
    c["id"] = r.customer->id;
    c["name"] = r.customer->name;
    c["tier"] = r.customer->tier;
    d["customer"] = c;
  }
  return d;
}

action_function python_action(py_callable fn) {
  return [fn](const action_request& r) -> action_result {
    py::gil_scoped_acquire gil;
    try {
      py::object got = fn(request_dict(r));
      action_result result;
      if (got.is_none()) return result;
      if (py::isinstance<py::str>(got)) {
        result.outcome = got.cast<std::string>();
        return result;
      }
      auto d = got.cast<py::dict>();
      if (d.contains("outcome")) result.outcome = py::str(d["outcome"]).cast<std::string>();
      if (d.contains("values"))
        for (auto [k, v] : d["values"].cast<py::dict>())
          result.values.emplace_back(py::str(k).cast<std::string>(), py::str(v).cast<std::string>());
      return result;
    } catch (py::error_already_set& e) {
      // The engine records the failure and answers with the intent's
      // `failed` response: the conversation goes on.
      throw handoff::error(describe(e));
    } catch (const py::cast_error& e) {
      throw handoff::error(std::string("the action must return None, an outcome string, or a dict with "
                                       "`outcome` and `values`: ") +
                           e.what());
    }
  };
}

recommender_function python_recommender(py_callable fn) {
  return [fn](const recommendation_request& r) -> std::optional<recommendation> {
    py::gil_scoped_acquire gil;
    try {
      py::dict d;
      d["conversation"] = std::string(r.conversation);
      d["language"] = std::string(r.language);
      d["score"] = r.score;
      if (r.customer) d["customer_id"] = r.customer->id;
      py::object got = fn(d);
      if (got.is_none()) return std::nullopt;
      recommendation rec;
      if (py::isinstance<py::str>(got)) {
        rec.text = got.cast<std::string>();
        return rec;
      }
      auto g = got.cast<py::dict>();
      rec.text = py::str(g["text"]).cast<std::string>();
      if (g.contains("quick_replies"))
        for (auto q : g["quick_replies"])
          rec.quick_replies.push_back(
              {py::str(q["label"]).cast<std::string>(), py::str(q["value"]).cast<std::string>()});
      return rec;
    } catch (py::error_already_set& e) {
      throw handoff::error(describe(e));
    } catch (const py::cast_error& e) {
      throw handoff::error(std::string("the recommender must return None, a text, or a dict with `text`: ") + e.what());
    }
  };
}

// A sentiment analyser written in Python: fn(text, language) -> a score in
// [-1, 1], or a dict with `score` and any of anger, frustration, anxiety,
// urgency. A failure reads as neutral, so a broken analyser never stops a
// conversation.
class python_sentiment final : public sentiment_analyzer {
 public:
  explicit python_sentiment(py_callable fn) : fn_(std::move(fn)) {}
  std::string_view name() const noexcept override { return "python"; }
  sentiment analyze(std::string_view raw, const normalized_text&, std::string_view language) const override {
    py::gil_scoped_acquire gil;
    sentiment s;
    try {
      py::object got = fn_(py::str(raw.data(), raw.size()), py::str(language.data(), language.size()));
      auto clamp = [](double v, double lo) { return std::max(lo, std::min(1.0, v)); };
      if (py::isinstance<py::float_>(got) || py::isinstance<py::int_>(got)) {
        s.score = clamp(got.cast<double>(), -1);
      } else {
        auto d = got.cast<py::dict>();
        auto get = [&](const char* key, double lo) { return d.contains(key) ? clamp(d[key].cast<double>(), lo) : 0.0; };
        s.score = get("score", -1);
        s.anger = get("anger", 0);
        s.frustration = get("frustration", 0);
        s.anxiety = get("anxiety", 0);
        s.urgency = get("urgency", 0);
      }
    } catch (py::error_already_set& e) {
      PyErr_WarnEx(PyExc_RuntimeWarning, ("handoff: the sentiment analyser failed: " + describe(e)).c_str(), 1);
    } catch (const py::cast_error&) {
      PyErr_WarnEx(PyExc_RuntimeWarning, "handoff: the sentiment analyser must return a number or a dict", 1);
    }
    return s;
  }

 private:
  py_callable fn_;
};

// The engine with what Python registered, kept alive as long as it.
class py_engine {
 public:
  py_engine(const py::object& config, const std::string& start, const std::string& store_spec, py::dict actions,
            py::object recommender, py::object sentiment, py::dict matchers, bool commit_each_event) {
    bot_config cfg;
    if (py::isinstance<py::dict>(config)) {
      cfg = parse_config(dumps(config));
    } else {
      cfg = load_config(py::str(config).cast<std::string>());
    }
    for (auto [name, fn] : actions)
      actions_.add(py::str(name).cast<std::string>(), python_action(py_callable(fn.cast<py::function>())));
    engine_options options;
    if (!start.empty()) {
      auto t = parse_rfc3339(start);
      if (!t) throw py::value_error("start: \"" + start + "\" is not an RFC 3339 time");
      options.start = *t;
    } else {
      options.start = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    }
    options.actions = &actions_;
    if (!recommender.is_none()) options.recommender = python_recommender(py_callable(recommender));
    if (!sentiment.is_none()) {
      sentiment_ = std::make_unique<python_sentiment>(py_callable(sentiment));
      options.sentiment = sentiment_.get();
    }
    for (auto [name, spec] : matchers) {
      const std::string id = py::str(name).cast<std::string>();
      // A function, or {"score": fn, "threshold": 0.5, "judges_scope": False}.
      double threshold = 0.5;
      bool judges_scope = false;
      py::object fn = py::reinterpret_borrow<py::object>(spec);
      if (py::isinstance<py::dict>(spec)) {
        auto d = spec.cast<py::dict>();
        for (auto [key, value] : d) {
          const auto k = py::str(key).cast<std::string>();
          if (k != "score" && k != "threshold" && k != "judges_scope")
            throw py::value_error("matcher " + id + ": unknown key " + k +
                                  " (expected score, threshold, judges_scope)");
        }
        if (!d.contains("score")) throw py::value_error("matcher " + id + ": needs \"score\", a function");
        fn = d["score"];
        if (d.contains("threshold")) threshold = d["threshold"].cast<double>();
        if (d.contains("judges_scope")) judges_scope = d["judges_scope"].cast<bool>();
        if (!(threshold >= 0 && threshold <= 1))
          throw py::value_error("matcher " + id + ": threshold must be from 0 to 1");
      }
      if (!PyCallable_Check(fn.ptr())) throw py::type_error("matcher " + id + ": not a function");
      py_callable score(fn.cast<py::function>());
      registry_.add(
          id, [score, id, threshold, judges_scope](const matcher_setup& s) -> std::unique_ptr<intent_matcher> {
            std::vector<std::string> intents;
            for (const auto& i : s.intents) intents.push_back(i.id);
            return std::make_unique<scored_matcher>(
                id, intents.size(),
                [score, intents](std::string_view text, std::string_view language, std::span<double> scores) {
                  py::gil_scoped_acquire gil;
                  try {
                    auto got = score(py::str(text.data(), text.size()), py::str(language.data(), language.size()))
                                   .cast<py::dict>();
                    for (std::size_t i = 0; i < intents.size() && i < scores.size(); ++i)
                      if (got.contains(intents[i])) scores[i] = got[py::str(intents[i])].cast<double>();
                  } catch (py::error_already_set& e) {
                    // No opinion from a failed matcher: the others decide. (The
                    // exception tells the scored matcher so; all zeros would be
                    // an opinion: that nothing fits.)
                    PyErr_WarnEx(PyExc_RuntimeWarning, ("handoff: the matcher failed: " + describe(e)).c_str(), 1);
                    throw std::runtime_error("matcher failed");
                  } catch (const py::cast_error&) {
                    PyErr_WarnEx(PyExc_RuntimeWarning, "handoff: a matcher must return {intent: score}", 1);
                    throw std::runtime_error("matcher failed");
                  }
                },
                threshold, judges_scope);
          });
    }
    options.matchers = &registry_;
    if (store_spec != "memory") {
      store_registry stores;
      add_sqlite_store(stores);
      store_ = stores.open(store_spec);
    }
    options.storage = store_.get();
    options.commit_each_event = commit_each_event;
    engine_ = std::make_unique<engine>(std::move(cfg), options);
  }

  // dict in, list of dicts out: the protocol, as the command line speaks it.
  py::list handle(const py::object& event) {
    std::string text = py::isinstance<py::str>(event) ? event.cast<std::string>() : dumps(event);
    std::vector<output_event> out;
    {
      py::gil_scoped_release nogil;
      auto parsed = parse_input(text);
      if (!parsed)
        out.emplace_back(std::move(parsed.error));
      else if (parsed.at)
        engine_->handle(*parsed.event, *parsed.at, out);
      else
        engine_->handle(*parsed.event, out);
    }
    py::list result;
    for (const auto& e : out) result.append(loads(to_json(e)));
    return result;
  }

  void commit() {
    py::gil_scoped_release nogil;
    engine_->commit();
  }

  // For a host on a real clock (asyncio's loop.call_at, say): when to tick.
  std::optional<std::string> next_due() const {
    auto t = engine_->next_due();
    if (!t) return std::nullopt;
    return format_rfc3339(*t);
  }

  py::list tick(const std::optional<std::string>& at) {
    std::optional<time_point> when = at ? parse_rfc3339(*at) : std::optional<time_point>(system_now());
    if (!when) throw error("tick: `" + *at + "` is not an RFC 3339 time");
    std::vector<output_event> out;
    {
      py::gil_scoped_release nogil;
      engine_->tick(*when, out);
    }
    py::list result;
    for (const auto& e : out) result.append(loads(to_json(e)));
    return result;
  }

  std::optional<conversation_info> conversation(const std::string& id) const { return engine_->conversation(id); }
  std::optional<agent_info> agent(const std::string& id) const { return engine_->agent(id); }
  std::size_t open_conversations() const { return engine_->open_conversations(); }
  py::object metrics() {
    std::vector<output_event> out;
    engine_->handle(in::metrics{}, out);
    return out.empty() ? py::object(py::none()) : loads(to_json(out.front()));
  }
  std::string now() const { return format_rfc3339(engine_->now()); }

 private:
  action_registry actions_;
  matcher_registry registry_;
  std::unique_ptr<sentiment_analyzer> sentiment_;
  std::unique_ptr<store> store_;
  std::unique_ptr<engine> engine_;
};

std::vector<labelled_text> examples_from(const py::iterable& items) {
  std::vector<labelled_text> out;
  for (auto item : items) {
    auto pair = item.cast<py::sequence>();
    if (pair.size() != 2) throw py::value_error("each example is a (text, label) pair");
    out.push_back({pair[0].cast<std::string>(), pair[1].cast<std::string>()});
  }
  return out;
}

py::dict prediction_dict(const linear_model& m, const linear_prediction& p) {
  py::dict d;
  d["label"] = m.labels()[p.label];
  d["confidence"] = p.confidence;
  d["runner_up"] = m.labels()[p.runner_up];
  d["runner_up_confidence"] = p.runner_up_confidence;
  d["margin"] = p.margin;
  d["in_scope"] = p.confidence >= m.threshold();
  return d;
}

}  // namespace

PYBIND11_MODULE(_handoff, m) {
  m.doc() = "handoff: the bot side of customer support, and the handoff to a human";
  m.attr("__version__") = std::string(handoff::version());
  m.attr("protocol_version") = protocol_version;

  // Every handoff error is a handoff.Error (a RuntimeError); store errors
  // are handoff.StoreError, a kind of it.
  static py::exception<handoff::error> error_type(m, "Error", PyExc_RuntimeError);
  static py::exception<store_error> store_error_type(m, "StoreError", error_type.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const store_error& e) {
      PyErr_SetString(store_error_type.ptr(), e.what());
    } catch (const handoff::error& e) {
      PyErr_SetString(error_type.ptr(), e.what());
    }
  });

  py::enum_<conversation_state>(m, "ConversationState")
      .value("bot", conversation_state::bot)
      .value("queued", conversation_state::queued)
      .value("offered", conversation_state::offered)
      .value("assigned", conversation_state::assigned)
      .value("resolved", conversation_state::resolved)
      .value("closed", conversation_state::closed);

  py::class_<transcript_entry>(m, "TranscriptEntry", "One line of a conversation's transcript")
      .def_property_readonly("role", [](const transcript_entry& e) { return std::string(to_string(e.role)); })
      .def_readonly("text", &transcript_entry::text)
      .def_property_readonly("at", [](const transcript_entry& e) { return format_rfc3339(e.at); })
      .def_readonly("agent", &transcript_entry::agent)
      .def_readonly("message_id", &transcript_entry::message_id)
      .def_readonly("language", &transcript_entry::language)
      .def_readonly("intent", &transcript_entry::intent)
      .def_readonly("confidence", &transcript_entry::confidence)
      .def_readonly("sentiment", &transcript_entry::sentiment)
      .def_readonly("kind", &transcript_entry::kind)
      .def("__repr__", [](const transcript_entry& e) {
        return "<TranscriptEntry " + std::string(to_string(e.role)) + ": " + e.text + ">";
      });

  py::class_<conversation_info>(m, "Conversation", "A conversation as the engine knows it")
      .def_readonly("id", &conversation_info::id)
      .def_readonly("state", &conversation_info::state)
      .def_property_readonly("customer_id", [](const conversation_info& c) { return c.customer.id; })
      .def_property_readonly("customer_name", [](const conversation_info& c) { return c.customer.name; })
      .def_property_readonly("tier", [](const conversation_info& c) { return c.customer.tier; })
      .def_readonly("channel", &conversation_info::channel)
      .def_readonly("language", &conversation_info::language)
      .def_readonly("queue", &conversation_info::queue)
      .def_readonly("agent", &conversation_info::agent)
      .def_readonly("tags", &conversation_info::tags)
      .def_readonly("feedback_score", &conversation_info::feedback_score)
      .def_readonly("transcript", &conversation_info::transcript)
      .def("to_dict", [](const conversation_info& c) { return loads(to_json(c)); })
      .def("__repr__", [](const conversation_info& c) {
        return "<Conversation " + c.id + " " + std::string(to_string(c.state)) + ">";
      });

  py::class_<agent_info>(m, "Agent")
      .def_readonly("id", &agent_info::id)
      .def_property_readonly("status", [](const agent_info& a) { return std::string(to_string(a.status)); })
      .def_readonly("skills", &agent_info::skills)
      .def_readonly("capacity", &agent_info::capacity)
      .def_readonly("level", &agent_info::level)
      .def_readonly("languages", &agent_info::languages)
      .def_readonly("conversations", &agent_info::conversations);

  py::class_<py_engine>(m, "Engine",
                        "The engine: events in (dicts, as in docs/protocol.md), events out (a list of dicts).")
      .def(py::init<const py::object&, const std::string&, const std::string&, py::dict, py::object, py::object,
                    py::dict, bool>(),
           py::arg("config"), py::arg("start") = "", py::arg("store") = "memory", py::arg("actions") = py::dict(),
           py::arg("recommender") = py::none(), py::arg("sentiment") = py::none(), py::arg("matchers") = py::dict(),
           py::arg("commit_each_event") = true,
           "config: a path to the bot's JSON, or the configuration as a dict. start: RFC 3339 (default: now). "
           "store: 'memory' or 'sqlite:PATH'. actions: {name: fn(request) -> outcome | {outcome, values}}. "
           "recommender: fn(request) -> None | text | {text, quick_replies}. sentiment: fn(text, language) -> "
           "score | {score, anger, ...}. matchers: {name: fn(text, language) -> {intent: score}}, or {name: "
           "{\"score\": fn, "
           "\"threshold\": 0.5, \"judges_scope\": False}}, used where the configuration's understanding.matchers "
           "names them; judges_scope: scores all under the threshold mean the message fits no intent.")
      .def("handle", &py_engine::handle, py::arg("event"), "Handles one event (a dict or a JSON string)")
      .def("commit", &py_engine::commit, "With commit_each_event=False: keeps the events handled since the last")
      .def("next_due", &py_engine::next_due,
           "When something may fall due (RFC 3339), or None: call tick() then, on a real clock")
      .def("tick", &py_engine::tick, py::arg("at") = py::none(),
           "Moves the clock to `at` (RFC 3339; default: now) and returns what fell due by then")
      .def("conversation", &py_engine::conversation, py::arg("id"))
      .def("agent", &py_engine::agent, py::arg("id"))
      .def_property_readonly("open_conversations", &py_engine::open_conversations)
      .def("metrics", &py_engine::metrics)
      .def_property_readonly("now", &py_engine::now);

  py::class_<linear_model>(m, "Model", "The statistical intent matcher")
      .def_static(
          "train",
          [](const py::iterable& examples, const py::iterable& out_of_scope, std::uint32_t seed, int epochs,
             float feature_dropout) {
            auto data = examples_from(examples);
            std::vector<std::string> outside;
            for (const auto& text : out_of_scope) outside.push_back(py::cast<std::string>(text));
            linear_options o;
            o.seed = seed;
            if (epochs > 0) o.epochs = epochs;
            if (feature_dropout >= 0) o.feature_dropout = feature_dropout;
            py::gil_scoped_release nogil;
            return linear_model::train(data, outside, o);
          },
          py::arg("examples"), py::arg("out_of_scope") = py::list(), py::arg("seed") = 1, py::arg("epochs") = 0,
          py::arg("feature_dropout") = -1.0f,
          "Trains on (text, label) pairs, and texts that belong to no label; deterministic for a seed")
      .def(
          "calibrate",
          [](linear_model& model, const py::iterable& held_back) {
            auto data = examples_from(held_back);
            py::gil_scoped_release nogil;
            model.calibrate(data);
          },
          py::arg("held_back"),
          "Fits the confidence on held-back (text, label) pairs; a label the model does not know counts as out of "
          "scope")
      .def_property_readonly("labels", &linear_model::labels)
      .def_property("threshold", &linear_model::threshold, &linear_model::set_threshold)
      .def_property("bias_scale", &linear_model::bias_scale, &linear_model::set_bias_scale,
                    "How much of each label's learnt bias predictions use, from 1 (as trained) to 0 (outside, the "
                    "nearest end); calibrate again after changing it")
      .def(
          "unknown_share",
          [](const linear_model& model, const std::string& text) { return model.unknown_share(normalized_text(text)); },
          py::arg("text"), "The share of the message's words (a Han character counts as one) the model never learnt")
      .def(
          "predict",
          [](const linear_model& model, const std::string& text) {
            linear_prediction p;
            {
              py::gil_scoped_release nogil;
              p = model.predict(normalized_text(text));
            }
            return prediction_dict(model, p);
          },
          py::arg("text"))
      .def(
          "probabilities",
          [](const linear_model& model, const std::string& text) {
            std::vector<float> out(model.labels().size());
            {
              py::gil_scoped_release nogil;
              model.probabilities(normalized_text(text), out);
            }
            return out;
          },
          py::arg("text"),
          "Every label's share of the softmax, in the order of `labels`: how the labels compare for this message, "
          "not the chance that the best is right")
      .def(
          "predict_many",
          [](const linear_model& model, const std::vector<std::string>& texts) {
            std::vector<linear_prediction> out(texts.size());
            {
              py::gil_scoped_release nogil;
              std::vector<normalized_text> norm;
              norm.reserve(texts.size());
              for (const auto& t : texts) norm.emplace_back(t);
              model.predict(std::span<const normalized_text>(norm), std::span<linear_prediction>(out));
            }
            py::list result;
            for (const auto& p : out) result.append(prediction_dict(model, p));
            return result;
          },
          py::arg("texts"), "Many at once, faster than one at a time")
      .def(
          "evaluate",
          [](const linear_model& model, const py::iterable& examples) {
            auto data = examples_from(examples);
            std::size_t right = 0, in_scope = 0, oos = 0, oos_caught = 0;
            {
              py::gil_scoped_release nogil;
              const auto& labels = model.labels();
              linear_scratch scratch;
              for (const auto& e : data) {
                auto p = model.predict(normalized_text(e.text), scratch);
                const bool known = std::find(labels.begin(), labels.end(), e.label) != labels.end();
                const bool accepted = p.confidence >= model.threshold();
                if (known) {
                  ++in_scope;
                  right += accepted && labels[p.label] == e.label;
                } else {
                  ++oos;
                  oos_caught += !accepted;
                }
              }
            }
            py::dict d;
            d["in_scope_accuracy"] = in_scope ? py::object(py::float_(double(right) / double(in_scope))) : py::none();
            d["oos_recall"] = oos ? py::object(py::float_(double(oos_caught) / double(oos))) : py::none();
            d["in_scope"] = in_scope;
            d["out_of_scope"] = oos;
            return d;
          },
          py::arg("examples"),
          "In-scope accuracy and out-of-scope recall on (text, label) pairs at the model's threshold; a label the "
          "model does not know is out of scope")
      .def("save", [](const linear_model& model, const std::filesystem::path& path) { model.save(path); })
      .def_static("load", [](const std::filesystem::path& path) { return linear_model::load(path); });

  m.def(
      "redact",
      [](const std::string& text, const std::vector<std::string>& kinds) {
        std::vector<redaction_rule> rules;
        for (const auto& k : kinds) {
          redaction_rule r;
          if (k == "card")
            r.kind = redaction_kind::card;
          else if (k == "email")
            r.kind = redaction_kind::email;
          else if (k == "phone")
            r.kind = redaction_kind::phone;
          else if (k == "cn_id")
            r.kind = redaction_kind::cn_id;
          else
            throw py::value_error("unknown kind \"" + k + "\": card, email, phone or cn_id");
          rules.push_back(r);
        }
        return redactor(rules).redact(text);
      },
      py::arg("text"), py::arg("kinds") = std::vector<std::string>{"card", "email", "phone", "cn_id"},
      "The text with card numbers, e-mail addresses, phone numbers and ID numbers redacted");
}
