// SPDX-License-Identifier: MIT
#pragma once

/// Everything in one include.
#include "handoff/config.hpp"
#include "handoff/engine.hpp"
#include "handoff/error.hpp"
#include "handoff/events.hpp"
#include "handoff/intent.hpp"
#include "handoff/language.hpp"
#include "handoff/localized_text.hpp"
#include "handoff/matcher_registry.hpp"
#include "handoff/matchers/ensemble.hpp"
#include "handoff/matchers/keywords.hpp"
#include "handoff/matchers/linear.hpp"
#include "handoff/matchers/linear_matcher.hpp"
#include "handoff/matchers/scored.hpp"
#include "handoff/normalize.hpp"
#include "handoff/policy.hpp"
#include "handoff/protocol.hpp"
#include "handoff/time.hpp"
#include "handoff/transcript.hpp"
#include "handoff/value.hpp"
#include "handoff/version.hpp"
