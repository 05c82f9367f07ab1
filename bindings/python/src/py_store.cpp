// SPDX-License-Identifier: MIT
// Stores written in Python: a subclass of handoff.Store (a trampoline over
// the C++ interface), for a host that keeps its events elsewhere.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <handoff/store.hpp>
#include <handoff/stores/sqlite.hpp>
#include <handoff/time.hpp>

#include "py_handoff.hpp"

namespace handoff::python {
namespace {

// A Python exception inside a store is the store failing: the engine
// answers the event with `storage_failed` and keeps nothing of it.
template <class F>
auto guarded(const char* what, F&& f) {
  try {
    return f();
  } catch (py::error_already_set& e) {
    throw store_error(std::string("the store's ") + what + " failed: " + describe(e));
  } catch (const py::cast_error& e) {
    throw store_error(std::string("the store's ") + what + " answered what it should not: " + e.what());
  }
}

class python_store : public store {
 public:
  void append(stored_event& event) override {
    py::gil_scoped_acquire gil;
    guarded("append", [&] {
      py::function f = py::get_override(static_cast<const store*>(this), "append");
      if (!f) throw store_error("a handoff.Store must define append");
      event.sequence = f(event).cast<std::uint64_t>();
    });
  }
  void put_snapshot(const conversation_snapshot& snapshot) override {
    py::gil_scoped_acquire gil;
    guarded("put_snapshot", [&] { PYBIND11_OVERRIDE_PURE(void, store, put_snapshot, snapshot); });
  }
  void append_transcript(std::string_view conversation, std::size_t first,
                         std::span<const std::string> lines) override {
    py::gil_scoped_acquire gil;
    guarded("append_transcript", [&] {
      py::function f = py::get_override(static_cast<const store*>(this), "append_transcript");
      if (!f) throw store_error("a handoff.Store must define append_transcript");
      py::list given;
      for (const auto& l : lines) given.append(py::str(l));
      f(std::string(conversation), first, given);
    });
  }
  void commit() override {
    py::gil_scoped_acquire gil;
    guarded("commit", [&] { PYBIND11_OVERRIDE_PURE(void, store, commit, ); });
  }
  void replay(std::uint64_t after, const std::function<void(const stored_event&)>& visit) const override {
    py::gil_scoped_acquire gil;
    py::object events = guarded("replay", [&] {
      py::function f = py::get_override(static_cast<const store*>(this), "replay");
      if (!f) throw store_error("a handoff.Store must define replay");
      return f(after);
    });
    for (auto e : events) {
      const auto event = guarded("replay", [&] { return e.cast<stored_event>(); });
      visit(event);
    }
  }
  std::vector<stored_event> conversation_events(std::string_view id) const override {
    py::gil_scoped_acquire gil;
    return guarded("conversation_events", [&]() -> std::vector<stored_event> {
      PYBIND11_OVERRIDE_PURE(std::vector<stored_event>, store, conversation_events, std::string(id));
    });
  }
  std::optional<conversation_snapshot> snapshot(std::string_view id) const override {
    py::gil_scoped_acquire gil;
    return guarded("snapshot", [&]() -> std::optional<conversation_snapshot> {
      PYBIND11_OVERRIDE_PURE(std::optional<conversation_snapshot>, store, snapshot, std::string(id));
    });
  }
  std::vector<std::string> transcript(std::string_view id) const override {
    py::gil_scoped_acquire gil;
    return guarded("transcript", [&]() -> std::vector<std::string> {
      PYBIND11_OVERRIDE_PURE(std::vector<std::string>, store, transcript, std::string(id));
    });
  }
  std::vector<std::string> open_conversations() const override {
    py::gil_scoped_acquire gil;
    return guarded("open_conversations", [&]() -> std::vector<std::string> {
      PYBIND11_OVERRIDE_PURE(std::vector<std::string>, store, open_conversations, );
    });
  }
  std::string_view durability() const noexcept override { return "whatever the Python store keeps"; }
};

// The engine's store for a Python one: it does not own the Python object,
// which the engine keeps alive beside it.
class borrowed_store final : public store {
 public:
  explicit borrowed_store(store& s) : s_(s) {}
  void append(stored_event& e) override { s_.append(e); }
  void put_snapshot(const conversation_snapshot& s) override { s_.put_snapshot(s); }
  void append_transcript(std::string_view conversation, std::size_t first,
                         std::span<const std::string> lines) override {
    s_.append_transcript(conversation, first, lines);
  }
  void commit() override { s_.commit(); }
  void replay(std::uint64_t after, const std::function<void(const stored_event&)>& visit) const override {
    s_.replay(after, visit);
  }
  std::vector<stored_event> conversation_events(std::string_view id) const override {
    return s_.conversation_events(id);
  }
  std::optional<conversation_snapshot> snapshot(std::string_view id) const override { return s_.snapshot(id); }
  std::vector<std::string> transcript(std::string_view id) const override { return s_.transcript(id); }
  std::vector<std::string> open_conversations() const override { return s_.open_conversations(); }
  std::string_view durability() const noexcept override { return s_.durability(); }

 private:
  store& s_;
};

std::string time_text(time_point t) { return format_rfc3339(t); }
time_point time_of(const std::string& text) {
  auto t = parse_rfc3339(text);
  if (!t) throw py::value_error("\"" + text + "\" is not an RFC 3339 time");
  return *t;
}

}  // namespace

std::unique_ptr<store> open_python_store(const py::handle& spec, py::object& keep_alive) {
  if (py::isinstance<store>(spec)) {
    keep_alive = py::reinterpret_borrow<py::object>(spec);
    return std::make_unique<borrowed_store>(*keep_alive.cast<store*>());
  }
  const auto name = spec.cast<std::string>();
  if (name == "memory") return nullptr;
  store_registry stores;
  add_sqlite_store(stores);
  return stores.open(name);
}

void bind_store(py::module_& m) {
  py::class_<stored_event>(m, "StoredEvent", "An input event the engine accepted, as kept")
      .def(py::init([](std::uint64_t sequence, const std::string& at, std::string conversation, std::string event,
                       std::string effects) {
             return stored_event{sequence, time_of(at), std::move(conversation), std::move(event), std::move(effects)};
           }),
           py::arg("sequence") = 0, py::arg("at") = "1970-01-01T00:00:00Z", py::arg("conversation") = "",
           py::arg("event") = "", py::arg("effects") = "[]")
      .def_readwrite("sequence", &stored_event::sequence)
      .def_property(
          "at", [](const stored_event& e) { return time_text(e.at); },
          [](stored_event& e, const std::string& t) { e.at = time_of(t); })
      .def_readwrite("conversation", &stored_event::conversation)
      .def_readwrite("event", &stored_event::event, "The event in the protocol's JSON")
      .def_readwrite("effects", &stored_event::effects, "What the host's callbacks answered, as JSON")
      .def("__repr__", [](const stored_event& e) { return "<StoredEvent " + std::to_string(e.sequence) + ">"; });

  py::class_<conversation_snapshot>(
      m, "Snapshot",
      "A conversation as it stands after the last event that touched it, without its transcript (kept line by line)")
      .def(py::init([](std::string id, std::string state, const std::string& updated, std::string json) {
             return conversation_snapshot{std::move(id), std::move(state), time_of(updated), std::move(json)};
           }),
           py::arg("id"), py::arg("state"), py::arg("updated"), py::arg("json"))
      .def_readwrite("id", &conversation_snapshot::id)
      .def_readwrite("state", &conversation_snapshot::state)
      .def_property(
          "updated", [](const conversation_snapshot& s) { return time_text(s.updated); },
          [](conversation_snapshot& s, const std::string& t) { s.updated = time_of(t); })
      .def_readwrite("json", &conversation_snapshot::json);

  py::class_<store, python_store>(
      m, "Store",
      "Where the engine keeps what it must not lose, written in Python: derive from it and define append(event) -> "
      "its sequence number (1, 2, 3...), put_snapshot(snapshot), append_transcript(conversation, first, lines) (lines "
      "first, first+1... of the transcript, JSON strings), commit() (all since the last commit, or nothing: "
      "raise to refuse), replay(after) -> the events after that number, in order, conversation_events(id), "
      "snapshot(id) -> Snapshot or None, transcript(id) -> the lines, and open_conversations(). An exception is the "
      "store failing: the engine "
      "answers storage_failed and keeps nothing of the event.")
      .def(py::init<>());
}

}  // namespace handoff::python
