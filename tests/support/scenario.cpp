#include "support/scenario.hpp"

#include <fstream>
#include <sstream>

namespace handoff::test {

std::string source_path(std::string_view relative) {
  return std::string(HANDOFF_SOURCE_DIR) + "/" + std::string(relative);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const bot_config& shop_config() {
  static const bot_config config = load_config(source_path("examples/shop/bot.json"));
  return config;
}

std::vector<intent_match> candidates(const intent_matcher& matcher, std::string_view text, std::string_view language) {
  intent_reading reading;
  matcher.read(normalized_text(text), language, reading);
  return std::move(reading.candidates);
}

std::uint32_t without_courtesy(const intent_matcher& matcher, std::string_view text, std::string& rest) {
  intent_reading reading;
  matcher.read(normalized_text(text), "", reading);
  if (reading.rest_words > 0) rest = reading.rest;
  return reading.rest_words;
}

std::vector<nlohmann::json> run_lines(engine& e, std::string_view script) {
  std::vector<nlohmann::json> result;
  std::vector<output_event> out;
  std::istringstream in{std::string(script)};
  long long number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    out.clear();
    if (auto parsed = parse_input(line)) {
      if (parsed.at)
        e.handle(*parsed.event, *parsed.at, out);
      else
        e.handle(*parsed.event, out);
    } else {
      out.emplace_back(parsed.error);
    }
    for (auto& o : out) {
      if (auto err = std::get_if<out::error>(&o)) err->line = number;
      result.push_back(nlohmann::json::parse(to_json(o)));
    }
  }
  return result;
}

std::vector<nlohmann::json> run_script(const bot_config& config, std::string_view script) {
  engine e(config, engine_options{*parse_rfc3339("2025-01-06T09:00:00Z")});
  return run_lines(e, script);
}

bool json_subset(const nlohmann::json& expected, const nlohmann::json& actual, std::string& where,
                 const std::string& path) {
  if (expected.is_object()) {
    if (!actual.is_object()) {
      where = path + ": expected an object, got " + actual.dump();
      return false;
    }
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      if (!actual.contains(it.key())) {
        where = path + "/" + it.key() + ": missing in " + actual.dump();
        return false;
      }
      if (!json_subset(it.value(), actual[it.key()], where, path + "/" + it.key())) return false;
    }
    return true;
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) {
      where = path + ": expected " + expected.dump() + ", got " + actual.dump();
      return false;
    }
    for (std::size_t i = 0; i < expected.size(); ++i)
      if (!json_subset(expected[i], actual[i], where, path + "/" + std::to_string(i))) return false;
    return true;
  }
  if (expected != actual) {
    where = path + ": expected " + expected.dump() + ", got " + actual.dump();
    return false;
  }
  return true;
}

std::vector<nlohmann::json> of_type(const std::vector<nlohmann::json>& events, std::string_view type) {
  std::vector<nlohmann::json> out;
  for (const auto& e : events)
    if (e.value("type", "") == type) out.push_back(e);
  return out;
}

}  // namespace handoff::test
