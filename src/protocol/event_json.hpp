// SPDX-License-Identifier: MIT
// The protocol's events as JSON objects, for shells that hold JSON already
// parsed (the Python binding's dicts) and need no text in between.
#pragma once

#include <nlohmann/json.hpp>

#include "handoff/engine.hpp"
#include "handoff/protocol.hpp"

namespace handoff::detail {

/// As `parse_input`, from an object already parsed; its strings must be
/// valid UTF-8.
parsed_input read_input(const nlohmann::json& event) noexcept;

/// As `to_json`, as an object.
nlohmann::ordered_json write_output(const output_event& event);
/// With its transcript, unless `with_transcript` is false (a store keeps
/// the lines apart: `write_line`).
nlohmann::ordered_json write_conversation(const conversation_info& conversation, bool with_transcript = true);
nlohmann::ordered_json write_line(const transcript_entry& line);

}  // namespace handoff::detail
