// SPDX-License-Identifier: MIT
#include "gatekeeper.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "handoff/error.hpp"

namespace handoff::web {
namespace {

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = digits[bytes[i] >> 4];
    s[2 * i + 1] = digits[bytes[i] & 15];
  }
  return s;
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> b(bytes);
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) throw error("no random bytes to be had");
  return hex(b.data(), b.size());
}

std::vector<std::string> strings(const nlohmann::json& j, const std::string& where) {
  std::vector<std::string> out;
  if (!j.is_array()) throw error(fmt::format("{}: a list of strings is expected", where));
  for (const auto& s : j) {
    if (!s.is_string()) throw error(fmt::format("{}: a list of strings is expected", where));
    out.push_back(s.get<std::string>());
  }
  return out;
}

}  // namespace

bool same_secret(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

gatekeeper::gatekeeper(std::unordered_map<std::string, agent_account> agents, std::string secret)
    : agents_(std::move(agents)), secret_(std::move(secret)) {}

std::unordered_map<std::string, agent_account> gatekeeper::read_agents(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw error(fmt::format("{}: cannot be read", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw error(fmt::format("{}: a JSON object from agent id to {{\"token\": ...}} is expected", file.string()));
  std::unordered_map<std::string, agent_account> agents;
  for (const auto& [id, a] : j.items()) {
    const auto where = fmt::format("{}: /{}", file.string(), id);
    if (id.empty()) throw error(fmt::format("{}: an agent id cannot be empty", file.string()));
    if (!a.is_object() || !a.contains("token") || !a["token"].is_string() || a["token"].get<std::string>().empty())
      throw error(fmt::format("{}: needs a non-empty \"token\"", where));
    agent_account account;
    account.token = a["token"].get<std::string>();
    if (a.contains("name")) {
      if (!a["name"].is_string()) throw error(fmt::format("{}/name: a string is expected", where));
      account.name = a["name"].get<std::string>();
    }
    if (a.contains("skills")) account.skills = strings(a["skills"], where + "/skills");
    if (a.contains("languages")) account.languages = strings(a["languages"], where + "/languages");
    for (const char* key : {"capacity", "level"}) {
      if (!a.contains(key)) continue;
      if (!a[key].is_number_integer() || a[key].get<long long>() < 1 || a[key].get<long long>() > 1000)
        throw error(fmt::format("{}/{}: a whole number from 1 to 1000 is expected", where, key));
      (std::string_view(key) == "capacity" ? account.capacity : account.level) = a[key].get<int>();
    }
    agents.emplace(id, std::move(account));
  }
  return agents;
}

std::string gatekeeper::random_secret() { return random_hex(32); }

std::string gatekeeper::load_or_make_secret(const std::filesystem::path& file) {
  if (std::ifstream in(file); in) {
    std::string secret;
    std::getline(in, secret);
    if (secret.size() < 32) throw error(fmt::format("{}: the secret is too short", file.string()));
    return secret;
  }
  auto secret = random_secret();
  // Readable by the owner only: with it, anyone could resume any conversation.
  const auto old_mask = ::umask(077);
  std::ofstream out(file);
  ::umask(old_mask);
  out << secret << '\n';
  if (!out.flush()) throw error(fmt::format("{}: cannot be written", file.string()));
  return secret;
}

const agent_account* gatekeeper::find(std::string_view agent) const {
  auto it = agents_.find(std::string(agent));
  return it == agents_.end() ? nullptr : &it->second;
}

const agent_account* gatekeeper::sign_in(std::string_view agent, std::string_view token) const {
  const auto* a = find(agent);
  // Compared even for an unknown agent, so that the time taken does not
  // tell which agent ids exist.
  const bool ok = same_secret(a ? std::string_view(a->token) : std::string_view(secret_), token);
  return a && ok ? a : nullptr;
}

std::string gatekeeper::new_conversation() const { return "w-" + random_hex(12); }

std::string gatekeeper::resume_token(std::string_view conversation) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(conversation.data()), conversation.size(), mac, &size);
  return hex(mac, 16);
}

bool gatekeeper::may_resume(std::string_view conversation, std::string_view token) const {
  return !conversation.empty() && same_secret(resume_token(conversation), token);
}

}  // namespace handoff::web
