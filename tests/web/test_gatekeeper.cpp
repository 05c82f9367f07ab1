// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "gatekeeper.hpp"
#include "http_session.hpp"

using namespace handoff::web;

TEST_CASE("web gatekeeper: tokens sign agents in, resume tokens open only their own conversation") {
  std::unordered_map<std::string, agent_account> agents;
  agents["alice"].token = "s3cret";
  gatekeeper a(agents, std::string(64, 'k'));
  CHECK(a.sign_in("alice", "s3cret") != nullptr);
  CHECK(a.sign_in("alice", "s3cre") == nullptr);
  CHECK(a.sign_in("alice", "") == nullptr);
  CHECK(a.sign_in("bob", "s3cret") == nullptr);
  const auto c = a.new_conversation();
  CHECK(c != a.new_conversation());
  CHECK(a.may_resume(c, a.resume_token(c)));
  CHECK_FALSE(a.may_resume(c, a.resume_token(c + "x")));
  CHECK_FALSE(a.may_resume("", a.resume_token("")));
  // Another server's secret makes other tokens.
  gatekeeper other(agents, std::string(64, 'j'));
  CHECK_FALSE(other.may_resume(c, a.resume_token(c)));
  CHECK(same_secret("abc", "abc"));
  CHECK_FALSE(same_secret("abc", "abd"));
  CHECK_FALSE(same_secret("abc", "abcd"));
}

TEST_CASE("web gatekeeper: query strings are read with percent-decoding") {
  CHECK(query_value("/ws/customer?conversation=w-1&resume=ab%20c", "resume") == "ab c");
  CHECK(query_value("/ws/customer?conversation=w-1", "resume").empty());
  CHECK(query_value("/ws/customer", "x").empty());
  CHECK(query_value("/x?a=1&a=2", "a") == "1");
  CHECK(query_value("/x?bad=%zz%4", "bad") == "%zz%4");
}
