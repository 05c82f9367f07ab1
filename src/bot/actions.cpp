// SPDX-License-Identifier: MIT
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "bot/lookup_action.hpp"
#include "config/problems.hpp"
#include "text/ascii.hpp"

namespace handoff {

std::string_view action_request::slot(std::string_view name) const noexcept {
  if (slots)
    for (const auto& [k, v] : *slots)
      if (k == name) return v;
  return {};
}

void action_registry::add(std::string name, action_function action) {
  for (auto& [n, a] : actions_)
    if (n == name) {
      a = std::move(action);
      return;
    }
  actions_.emplace_back(std::move(name), std::move(action));
}

const action_function* action_registry::find(std::string_view name) const noexcept {
  for (const auto& [n, a] : actions_)
    if (n == name) return &a;
  return nullptr;
}

namespace detail {
namespace {}  // namespace

std::vector<named_values> read_lookup_records(const action_definition& d) {
  const auto pointer = fmt::format("/actions/{}/file", d.name);
  auto fail = [&](std::string message) -> void {
    throw config_error(d.file,
                       {detail::make_problem(detail::problem_id::bad_action_data, pointer, std::move(message))});
  };
  std::ifstream in(d.file, std::ios::binary);
  if (!in) fail(fmt::format("cannot read {}", d.file));
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_array()) fail(fmt::format("{} is not a JSON array of objects", d.file));
  std::vector<named_values> records;
  for (const auto& o : j) {
    if (!o.is_object()) fail(fmt::format("{}: every record must be an object", d.file));
    named_values record;
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (it->is_string())
        record.emplace_back(it.key(), it->get<std::string>());
      else if (it->is_primitive() && !it->is_null())
        record.emplace_back(it.key(), it->dump());
    }
    records.push_back(std::move(record));
  }
  return records;
}

namespace {

class lookup {
 public:
  explicit lookup(const action_definition& d)
      : def_(d), records_(d.records && d.records->file == d.file ? d.records->rows : read_lookup_records(d)) {}

  action_result run(const action_request& request) {
    action_result result;
    const auto key = request.slot(def_.key);
    std::lock_guard lock(mutex_);  // updates change the records
    auto it = std::find_if(records_.begin(), records_.end(), [&](const named_values& r) {
      for (const auto& [k, v] : r)
        if (k == def_.key) return iequals(v, key);
      return false;
    });
    if (key.empty() || it == records_.end()) {
      result.outcome = "not_found";
      return result;
    }
    result.outcome = "found";
    if (!def_.outcome_field.empty())
      for (const auto& [k, v] : *it)
        if (k == def_.outcome_field && !v.empty()) result.outcome = v;
    if (std::find(def_.update_when.begin(), def_.update_when.end(), result.outcome) != def_.update_when.end())
      for (const auto& field : def_.update) {
        auto value = std::string(request.slot(field));
        if (value.empty()) continue;
        auto f = std::find_if(it->begin(), it->end(), [&](const auto& kv) { return kv.first == field; });
        if (f == it->end())
          it->emplace_back(field, std::move(value));
        else
          f->second = std::move(value);
      }
    result.values = *it;
    return result;
  }

 private:
  action_definition def_;
  std::vector<named_values> records_;
  std::mutex mutex_;
};

}  // namespace

action_function make_lookup(const action_definition& definition) {
  auto table = std::make_shared<lookup>(definition);
  return [table](const action_request& request) { return table->run(request); };
}

}  // namespace detail
}  // namespace handoff
