// SPDX-License-Identifier: MIT
// The engine in Python: events in and out as dicts, what it tells of
// conversations and agents, and the host's callbacks.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <handoff/config.hpp>
#include <handoff/engine.hpp>
#include <handoff/time.hpp>

#include "protocol/event_json.hpp"
#include "py_handoff.hpp"

namespace handoff::python {
namespace {

// The engine with what Python registered, kept alive as long as it.
class py_engine {
 public:
  py_engine(const py::object& config, const std::string& start, const py::object& store_spec, py::dict actions,
            py::object recommender, py::object sentiment, py::dict matchers, bool commit_each_event) {
    bot_config cfg;
    if (py::isinstance<py::dict>(config)) {
      cfg = parse_config(to_json_value(config).dump());
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
      sentiment_ = python_sentiment(py_callable(sentiment));
      options.sentiment = sentiment_.get();
    }
    for (auto [name, spec] : matchers) add_python_matcher(registry_, py::str(name).cast<std::string>(), spec);
    options.matchers = &registry_;
    store_ = open_python_store(store_spec, store_object_);
    options.storage = store_.get();
    options.commit_each_event = commit_each_event;
    engine_ = std::make_unique<engine>(std::move(cfg), options);
  }

  // dict in, list of dicts out: the protocol, as the command line speaks it.
  py::list handle(const py::object& event) {
    auto parsed = read_event(event);
    std::vector<output_event> out;
    {
      py::gil_scoped_release nogil;
      if (!parsed)
        out.emplace_back(std::move(parsed.error));
      else if (parsed.at)
        engine_->handle(*parsed.event, *parsed.at, out);
      else
        engine_->handle(*parsed.event, out);
    }
    return to_python(out);
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
    return to_python(out);
  }

  std::optional<conversation_info> conversation(const std::string& id) const { return engine_->conversation(id); }
  std::optional<agent_info> agent(const std::string& id) const { return engine_->agent(id); }
  std::size_t open_conversations() const { return engine_->open_conversations(); }
  py::object metrics() {
    std::vector<output_event> out;
    engine_->handle(in::metrics{}, out);
    return out.empty() ? py::object(py::none()) : to_python(detail::write_output(out.front()));
  }
  std::string now() const { return format_rfc3339(engine_->now()); }

 private:
  action_registry actions_;
  matcher_registry registry_;
  std::unique_ptr<sentiment_analyzer> sentiment_;
  py::object store_object_;  // a Python store, kept alive while the engine uses it
  std::unique_ptr<store> store_;
  std::unique_ptr<engine> engine_;
};

}  // namespace

void bind_engine(py::module_& m) {
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
      .def("to_dict", [](const conversation_info& c) { return to_python(detail::write_conversation(c)); })
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
      .def(py::init<const py::object&, const std::string&, const py::object&, py::dict, py::object, py::object,
                    py::dict, bool>(),
           py::arg("config"), py::arg("start") = "", py::arg("store") = py::str("memory"),
           py::arg("actions") = py::dict(), py::arg("recommender") = py::none(), py::arg("sentiment") = py::none(),
           py::arg("matchers") = py::dict(), py::arg("commit_each_event") = true,
           "config: a path to the bot's JSON, or the configuration as a dict. start: RFC 3339 (default: now). "
           "store: 'memory', 'sqlite:PATH', or a handoff.Store. actions: {name: fn(request) -> outcome | {outcome, "
           "values}}. "
           "recommender: fn(request) -> None | text | {text, quick_replies}. sentiment: fn(text, language) -> "
           "score | {score, anger, ...}. matchers: {name: a handoff.IntentMatcher, or fn(text, language) -> {intent: "
           "score}}, or {name: "
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
}

}  // namespace handoff::python
