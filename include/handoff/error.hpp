// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>
#include <string>

namespace handoff {

/// The base of every exception handoff throws.
///
/// handoff throws only while setting up (loading a configuration or a model,
/// registering a component). The message path never throws on customer
/// input: it answers with an `error` event instead.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace handoff
