// SPDX-License-Identifier: MIT
#include "text/choice.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace handoff::detail {
namespace {

// An answer to "which do you mean?" is a few words; more than this is a
// message of its own.
constexpr std::size_t longest_answer = 6;

// The units a reply or a label is read in: words and numbers of spaced
// scripts, single characters of Han, Kana and Hangul (pairs say no more
// here).
std::vector<std::string_view> units(const normalized_text& t) {
  std::vector<std::string_view> out;
  for (const auto& tok : t.tokens())
    if (tok.kind != token_kind::cjk_bigram) out.push_back(t.token_text(tok));
  return out;
}

bool one_of(std::string_view w, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), w) != list.end();
}

// Words around a choice that do not name it: "I mean the second one",
// "我选第二个", "option 2 please".
bool filler(std::string_view w) {
  return one_of(w,
                {"the", "one", "option", "choice", "number", "please", "pls", "i",  "mean", "want", "take", "个", "种",
                 "项",  "吧",  "啊",     "呢",     "呀",     "是",     "选",  "要", "我",   "的",   "那",   "这"});
}

// The place of a choice named by place, or -1.
int by_place(const std::vector<std::string_view>& reply) {
  std::string key;
  for (auto w : reply)
    if (!filler(w)) key.append(w);
  if (one_of(key, {"1", "1st", "first", "former", "top", "第一", "一", "第1", "前者", "前面", "上面", "左边"}))
    return 0;
  if (one_of(key, {"2", "2nd", "second", "latter", "last", "bottom", "第二", "二", "第2", "后者", "后面", "下面",
                   "右边", "最后"}))
    return 1;
  return -1;
}

// Words of a label that do not tell it from another.
bool common_word(std::string_view w) {
  return one_of(w,
                {"a", "an", "the", "for", "to", "of", "my", "me", "i", "it", "is", "one", "please", "的", "了", "我"});
}

// The same word, or one with the same first four letters ("applying",
// "apply"): enough in a pair of short labels.
bool same_word(std::string_view a, std::string_view b) {
  if (a == b) return true;
  const bool spaced = !a.empty() && static_cast<unsigned char>(a[0]) < 0x80;
  return spaced && a.size() >= 4 && b.size() >= 4 && a.substr(0, 4) == b.substr(0, 4);
}

bool has(const std::vector<std::string_view>& words, std::string_view w) {
  return std::any_of(words.begin(), words.end(), [&](auto x) { return same_word(w, x); });
}

}  // namespace

std::optional<int> chosen_option(const normalized_text& reply, std::string_view first_label,
                                 std::string_view second_label) {
  const auto said = units(reply);
  if (said.empty() || said.size() > longest_answer) return std::nullopt;
  if (const int place = by_place(said); place >= 0) return place;
  const normalized_text first(first_label), second(second_label);
  const std::array<std::vector<std::string_view>, 2> labels{units(first), units(second)};
  std::array<int, 2> named{0, 0};
  for (auto w : said) {
    if (common_word(w)) continue;
    const bool in_first = has(labels[0], w), in_second = has(labels[1], w);
    if (in_first != in_second) ++named[in_first ? 0 : 1];
  }
  if (named[0] > 0 && named[1] == 0) return 0;
  if (named[1] > 0 && named[0] == 0) return 1;
  return std::nullopt;
}

}  // namespace handoff::detail
