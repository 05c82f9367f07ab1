// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace handoff::web {

/// What the agents file says of one agent: the token that signs them in,
/// and what their console goes online with unless it says otherwise.
struct agent_account {
  std::string token;
  std::string name;
  std::vector<std::string> skills;
  std::optional<int> capacity;
  std::optional<int> level;
  std::vector<std::string> languages;
};

/// Who may speak for what. Customers get a conversation id and a resume
/// token from the server (a keyed hash of the id, so a restarted server
/// knows its own tokens without keeping them); agents sign in with the
/// token of the agents file. Every comparison takes the same time whatever
/// the guess, so timing tells nothing about a secret.
class gatekeeper {
 public:
  /// `secret` keys the resume tokens; a server that keeps conversations
  /// across restarts keeps its secret too (`load_or_make_secret`).
  gatekeeper(std::unordered_map<std::string, agent_account> agents, std::string secret);

  /// Reads `{"ID": {"token": "...", "name", "skills", "capacity", "level",
  /// "languages"}}`; throws `handoff::error` naming the fault.
  static std::unordered_map<std::string, agent_account> read_agents(const std::filesystem::path& file);
  /// The secret kept at `file`, made (random, readable by the owner only)
  /// when the file does not exist yet.
  static std::string load_or_make_secret(const std::filesystem::path& file);
  static std::string random_secret();

  /// The agent's account when `token` is theirs.
  const agent_account* sign_in(std::string_view agent, std::string_view token) const;
  const agent_account* find(std::string_view agent) const;
  const std::unordered_map<std::string, agent_account>& agents() const noexcept { return agents_; }

  /// A new conversation id no one can guess.
  std::string new_conversation() const;
  std::string resume_token(std::string_view conversation) const;
  bool may_resume(std::string_view conversation, std::string_view token) const;

 private:
  std::unordered_map<std::string, agent_account> agents_;
  std::string secret_;
};

/// Equal strings, in a time that depends on their lengths only.
bool same_secret(std::string_view a, std::string_view b) noexcept;

}  // namespace handoff::web
