// Test support: run scripts of protocol events and compare what comes out.
#pragma once

#include <handoff/handoff.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace handoff::test {

/// The demo shop bot's configuration.
const bot_config& shop_config();

/// A path inside the source tree.
std::string source_path(std::string_view relative);

/// Runs JSON Lines through a fresh engine as `handoff run` does (scripted
/// clock from 2025-01-06T09:00:00Z) and returns every output line parsed.
std::vector<nlohmann::json> run_script(const bot_config& config, std::string_view script);

/// Runs JSON Lines through an existing engine.
std::vector<nlohmann::json> run_lines(engine& e, std::string_view script);

/// True when `expected` is contained in `actual`: every key of an expected
/// object is in the actual one with a matching value; arrays match element
/// by element and have the same length. On a mismatch, `where` says where.
bool json_subset(const nlohmann::json& expected, const nlohmann::json& actual, std::string& where,
                 const std::string& path = "");

/// The output events of the given type.
std::vector<nlohmann::json> of_type(const std::vector<nlohmann::json>& events, std::string_view type);

/// What `matcher` finds in `text`: its candidates, in its order.
std::vector<intent_match> candidates(const intent_matcher& matcher, std::string_view text,
                                     std::string_view language = "");

/// What `matcher` leaves of `text` once its courtesies are cut (in `rest`,
/// when it cuts any), and how many words of that say something.
std::uint32_t without_courtesy(const intent_matcher& matcher, std::string_view text, std::string& rest);

/// Reads a whole file.
std::string read_file(const std::string& path);

}  // namespace handoff::test
