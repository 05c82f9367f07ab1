// SPDX-License-Identifier: MIT
#include "handoff/matchers/keywords.hpp"

#include <fmt/format.h>
#include <re2/filtered_re2.h>
#include <re2/re2.h>
#include <utf8proc.h>

#include <algorithm>
#include <array>

#include "config/problems.hpp"
#include "text/utf8.hpp"

namespace handoff {
namespace {

bool is_word_char(char32_t c) noexcept {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  if (is_cjk(c)) return false;
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO;
}

using detail::code_point_at;
using detail::code_point_before;

// Characters that carry meaning: letters, digits and CJK, not spaces or
// punctuation. Coverage is measured in these.
std::uint32_t content_chars(std::string_view s) noexcept {
  std::uint32_t n = 0;
  for (std::size_t pos = 0; pos < s.size();) {
    char32_t c = detail::decode_utf8(s, pos);
    n += is_word_char(c) || is_cjk(c);
  }
  return n;
}

// Chinese sentence-final particles (啊, 呢, 吧...): they set a tone and add
// no content, like "?" or "!", so "退款啊" is as bare a "退款" as "退款？".
// 吗 makes a yes-or-no question, which "?" does too.
bool is_final_particle(char32_t c) noexcept {
  switch (c) {
    case U'啊':
    case U'呀':
    case U'呢':
    case U'吧':
    case U'嘛':
    case U'哦':
    case U'喔':
    case U'噢':
    case U'啦':
    case U'哈':
    case U'咯':
    case U'嘞':
    case U'哇':
    case U'吗': return true;
    default: return false;
  }
}

constexpr bool is_ascii_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Words about asking, not about what is asked: "refund question", "请问退款",
// "退款咨询一下" are as bare a "refund" as "refund?".
constexpr std::string_view asking_words[] = {"question",  "questions", "query", "help", "about",
                                             "regarding", "please",    "pls",   "plz"};
constexpr std::string_view asking_phrases[] = {"问一下", "请问", "咨询", "问下", "一下", "关于", "问题"};

// How much of a text is about asking: its content characters, and its
// words (a Han character counts as one).
struct asking_size {
  std::uint32_t chars = 0, words = 0;
};

asking_size asking_content(std::string_view s) noexcept {
  asking_size n;
  // Spaced words, whole: "help" but not "helpful".
  for (std::size_t pos = 0; pos < s.size();) {
    if (!is_ascii_alpha(s[pos])) {
      ++pos;
      continue;
    }
    std::size_t end = pos;
    while (end < s.size() && is_ascii_alpha(s[end])) ++end;
    const auto w = s.substr(pos, end - pos);
    for (auto a : asking_words)
      if (w == a) {
        n.chars += static_cast<std::uint32_t>(w.size());
        ++n.words;
      }
    pos = end;
  }
  // Han phrases, longest first where they overlap ("问一下" before "一下").
  // Each begins with a three-byte character.
  for (std::size_t pos = 0; pos < s.size();) {
    if ((static_cast<unsigned char>(s[pos]) & 0xF0) != 0xE0) {
      ++pos;
      continue;
    }
    bool found = false;
    for (auto p : asking_phrases)
      if (s.substr(pos, p.size()) == p) {
        n.chars += content_chars(p);
        n.words += content_chars(p);
        pos += p.size();
        found = true;
        break;
      }
    if (!found) ++pos;
  }
  return n;
}

// The final particles at the end of `s`, up to `limit`.
std::uint32_t final_particles(std::string_view s, std::uint32_t limit) noexcept {
  std::uint32_t n = 0;
  for (std::size_t end = s.size(); end > 0 && n < limit;) {
    std::size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    end = start;
    const char32_t c = detail::decode_utf8(s, start);
    if (is_final_particle(c))
      ++n;
    else if (is_word_char(c) || is_cjk(c))
      break;
  }
  return n;
}

// The characters that carry meaning in a message: its content characters
// less the particles at its end and the words about asking.
std::uint32_t message_content(std::string_view s) noexcept {
  std::uint32_t n = content_chars(s);
  const std::uint32_t asking = asking_content(s).chars;
  n = asking < n ? n - asking : 1;
  return n - final_particles(s, n - 1);
}

// The words of a text: runs of letters or digits in a spaced script, and
// Han, Kana or Hangul characters, each of which is a word here.
struct word_count {
  std::uint32_t runs = 0, cjk = 0;
};

word_count count_words(std::string_view s) noexcept {
  word_count n;
  bool in_run = false;
  for (std::size_t pos = 0; pos < s.size();) {
    const char32_t c = detail::decode_utf8(s, pos);
    if (is_cjk(c)) {
      ++n.cjk;
      in_run = false;
    } else if (is_word_char(c)) {
      n.runs += !in_run;
      in_run = true;
    } else {
      in_run = false;
    }
  }
  return n;
}

// How many words carry meaning in a text (a Han, Kana or Hangul character
// counts as one): the words about asking and the particles at its end are
// not counted.
std::uint32_t content_words(std::string_view s) noexcept {
  const auto words = count_words(s);
  std::uint32_t n = words.runs + words.cjk;
  const std::uint32_t asking = asking_content(s).words;
  n = asking < n ? n - asking : 0;
  return n - final_particles(s, n);
}

// Whether a keyword (or a pattern's match) is one word: a single run of
// letters or digits in a spaced script, or up to three Han, Kana or Hangul
// characters (most Chinese words have two, many three).
bool one_word(std::string_view s) noexcept {
  const auto [runs, cjk] = count_words(s);
  return cjk == 0 ? runs <= 1 : runs == 0 && cjk <= 3;
}

// Where a keyword was found, and how long it is.
struct found_span {
  std::size_t begin, end;
  std::uint32_t content;
};

// Where every keyword occurs in a text, in one pass over its bytes
// (Aho-Corasick), instead of one search per keyword: a bot has hundreds of
// keywords and a message a few dozen bytes.
class keyword_automaton {
 public:
  // Keyword `i` is `texts[i]`; none empty.
  void build(const std::vector<std::string_view>& texts) {
    nodes_.assign(1, node{});
    std::vector<std::vector<std::pair<unsigned char, std::uint32_t>>> children(1);
    std::vector<std::vector<std::uint32_t>> ends(1);
    for (std::uint32_t i = 0; i < texts.size(); ++i) {
      std::uint32_t at = 0;
      for (char ch : texts[i]) {
        const auto b = static_cast<unsigned char>(ch);
        auto& kids = children[at];
        auto it = std::find_if(kids.begin(), kids.end(), [&](const auto& e) { return e.first == b; });
        if (it != kids.end()) {
          at = it->second;
          continue;
        }
        const auto fresh = static_cast<std::uint32_t>(nodes_.size());
        nodes_.push_back(node{});
        nodes_.back().depth = nodes_[at].depth + 1;
        children.emplace_back();
        ends.emplace_back();
        children[at].emplace_back(b, fresh);
        at = fresh;
      }
      ends[at].push_back(i);
    }
    // Edges sorted per node, in one array; the root's in a direct table.
    edges_.clear();
    ends_.clear();
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      auto& kids = children[n];
      std::sort(kids.begin(), kids.end());
      nodes_[n].first_edge = static_cast<std::uint32_t>(edges_.size());
      nodes_[n].edge_count = static_cast<std::uint32_t>(kids.size());
      for (const auto& [b, child] : kids) edges_.push_back({b, child});
      nodes_[n].first_end = static_cast<std::uint32_t>(ends_.size());
      nodes_[n].end_count = static_cast<std::uint32_t>(ends[n].size());
      ends_.insert(ends_.end(), ends[n].begin(), ends[n].end());
    }
    root_.fill(0);
    for (const auto& [b, child] : children[0]) root_[b] = child;
    // Failure links breadth first: the longest proper suffix that is also
    // a path from the root; `next_end`: the nearest such suffix where a
    // keyword ends.
    std::vector<std::uint32_t> order;
    for (const auto& [b, child] : children[0]) order.push_back(child);
    for (std::size_t k = 0; k < order.size(); ++k) {
      const std::uint32_t n = order[k];
      for (const auto& [b, child] : children[n]) {
        std::uint32_t f = nodes_[n].fail;
        while (f != 0 && step(f, b) == none) f = nodes_[f].fail;
        std::uint32_t target = f == 0 ? root_[b] : step(f, b);
        if (target == child) target = 0;
        nodes_[child].fail = target;
        nodes_[child].next_end = nodes_[target].end_count > 0 ? target : nodes_[target].next_end;
        order.push_back(child);
      }
    }
  }

  // Calls `hit(keyword, begin)` for every occurrence, overlapping ones too.
  template <class Hit>
  void scan(std::string_view text, Hit&& hit) const {
    std::uint32_t at = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto b = static_cast<unsigned char>(text[i]);
      std::uint32_t next = none;
      while (at != 0 && (next = step(at, b)) == none) at = nodes_[at].fail;
      at = at == 0 ? root_[b] : next;
      for (std::uint32_t n = nodes_[at].end_count > 0 ? at : nodes_[at].next_end; n != 0; n = nodes_[n].next_end)
        for (std::uint32_t e = 0; e < nodes_[n].end_count; ++e)
          hit(ends_[nodes_[n].first_end + e], i + 1 - nodes_[n].depth);
    }
  }

 private:
  static constexpr std::uint32_t none = ~std::uint32_t{0};
  struct node {
    std::uint32_t first_edge = 0, edge_count = 0;
    std::uint32_t first_end = 0, end_count = 0;
    std::uint32_t fail = 0, next_end = 0, depth = 0;
  };
  struct edge {
    unsigned char byte;
    std::uint32_t child;
  };
  std::uint32_t step(std::uint32_t n, unsigned char b) const noexcept {
    const edge* e = edges_.data() + nodes_[n].first_edge;
    for (std::uint32_t k = 0; k < nodes_[n].edge_count; ++k)
      if (e[k].byte == b) return e[k].child;
    return none;
  }
  std::vector<node> nodes_;
  std::vector<edge> edges_;
  std::vector<std::uint32_t> ends_;
  std::array<std::uint32_t, 256> root_{};
};

// A keyword or pattern found in a message: its intent, how much of the
// message it covers, and where.
struct found_match {
  std::uint32_t intent, covered;
  bool one_word;
  std::uint32_t begin, end;
};

// What reading a message needs, kept in the caller's reading.
struct keyword_scratch final : matcher_scratch {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> hits;  // keyword, position
  std::vector<found_span> taken;
  std::vector<int> found_atoms, candidates;
  std::vector<found_match> found;
};

}  // namespace

struct keyword_matcher::impl {
  struct keyword {
    std::string text;
    std::uint32_t intent;
    std::uint32_t content;
    bool word_start;  // must not be preceded by a word character
    bool word_end;    // must not be followed by one
    bool one_word;
  };
  struct pattern {
    std::unique_ptr<RE2> re;
    std::uint32_t intent;
  };
  std::vector<keyword> keywords;
  keyword_automaton automaton;
  std::vector<pattern> patterns;
  // The literal strings a pattern cannot match without (RE2's prefilter),
  // found with the keywords' kind of automaton: a pattern runs only on a
  // message that has them, and most messages have none.
  std::unique_ptr<re2::FilteredRE2> prefilter;
  keyword_automaton atoms;
  std::vector<bool> command;
  std::vector<bool> courtesy;  // intents that are manners, not subjects
  std::vector<bool> welcome;   // of those, the greetings

  // Every keyword and pattern found in `t`, into `s.found`.
  void find(std::string_view t, keyword_scratch& s) const;
  // The message without its courtesies, when a greeting is among them.
  void cut_courtesies(std::string_view t, keyword_scratch& s, intent_reading& reading) const;

  // Whether keyword `k` at `pos` counts: a whole word (or anywhere, in Han,
  // Kana and Hangul), outside the spans of longer keywords already found:
  // "退款" in "退款到账" is part of the longer phrase, not evidence of its
  // own.
  bool counts(const keyword& k, std::string_view text, std::size_t pos,
              const std::vector<found_span>& taken) const noexcept {
    if (k.word_start && is_word_char(code_point_before(text, pos))) return false;
    if (k.word_end && is_word_char(code_point_at(text, pos + k.text.size()))) return false;
    const std::size_t end = pos + k.text.size();
    for (const auto& s : taken)
      if (s.content > k.content && s.begin <= pos && end <= s.end) return false;
    return true;
  }
};

keyword_matcher::keyword_matcher(std::span<const intent_definition> intents) : impl_(std::make_unique<impl>()) {
  std::vector<config_problem> problems;
  normalized_text norm;
  for (std::uint32_t i = 0; i < intents.size(); ++i) {
    const auto& intent = intents[i];
    impl_->command.push_back(intent.requests_human);
    impl_->courtesy.push_back(intent.courtesy);
    impl_->welcome.push_back(intent.welcome);
    for (const auto& [lang, list] : intent.keywords) {
      for (const auto& kw : list) {
        norm.assign(kw);
        if (norm.text().empty()) continue;
        std::string_view t = norm.text();
        impl_->keywords.push_back({std::string(t), i, content_chars(t), is_word_char(code_point_at(t, 0)),
                                   is_word_char(code_point_before(t, t.size())), one_word(t)});
      }
    }
    for (std::size_t l = 0; l < intent.patterns.size(); ++l) {
      const auto& [lang, list] = intent.patterns[l];
      for (std::size_t k = 0; k < list.size(); ++k) {
        RE2::Options options;
        options.set_log_errors(false);
        auto re = std::make_unique<RE2>(list[k], options);
        if (!re->ok()) {
          problems.push_back(detail::make_problem(detail::problem_id::bad_pattern,
                                                  fmt::format("/intents/{}/patterns/{}/{}", i, lang, k),
                                                  fmt::format("RE2 cannot compile it: {}", re->error())));
          continue;
        }
        impl_->patterns.push_back({std::move(re), i});
      }
    }
  }
  // Longer keywords first: the most specific phrase decides the confidence.
  std::stable_sort(impl_->keywords.begin(), impl_->keywords.end(),
                   [](const auto& a, const auto& b) { return a.content > b.content; });
  std::vector<std::string_view> texts;
  for (const auto& k : impl_->keywords) texts.push_back(k.text);
  impl_->automaton.build(texts);
  if (!impl_->patterns.empty()) {
    RE2::Options options;
    options.set_log_errors(false);
    auto filter = std::make_unique<re2::FilteredRE2>();
    bool ok = true;
    for (std::size_t i = 0; i < impl_->patterns.size() && ok; ++i) {
      int id = -1;
      ok = filter->Add(impl_->patterns[i].re->pattern(), options, &id) == RE2::NoError && id == static_cast<int>(i);
    }
    // Without the prefilter (it cannot fail on patterns that compiled
    // alone) every pattern is simply tried.
    if (ok) {
      std::vector<std::string> atoms;
      filter->Compile(&atoms);
      std::vector<std::string_view> views(atoms.begin(), atoms.end());
      // An empty atom would be everywhere: leave such a filter out.
      if (std::none_of(views.begin(), views.end(), [](auto a) { return a.empty(); })) {
        impl_->atoms.build(views);
        impl_->prefilter = std::move(filter);
      }
    }
  }
  if (!problems.empty()) throw config_error("keyword matcher", std::move(problems));
}

keyword_matcher::~keyword_matcher() = default;

void keyword_matcher::impl::find(std::string_view t, keyword_scratch& s) const {
  auto& found = s.found;
  auto& hits = s.hits;
  auto& taken = s.taken;
  found.clear();
  // Keywords are tried longest first (their order), each at its first
  // place that counts, so that a longer one claims its span before the
  // shorter ones inside it.
  hits.clear();
  taken.clear();
  automaton.scan(t, [&](std::uint32_t k, std::size_t pos) { hits.emplace_back(k, static_cast<std::uint32_t>(pos)); });
  std::sort(hits.begin(), hits.end());
  for (std::size_t i = 0; i < hits.size();) {
    const auto& k = keywords[hits[i].first];
    bool matched = false;
    for (const std::uint32_t id = hits[i].first; i < hits.size() && hits[i].first == id; ++i) {
      if (matched || !counts(k, t, hits[i].second, taken)) continue;
      matched = true;
      const auto end = static_cast<std::uint32_t>(hits[i].second + k.text.size());
      taken.push_back({hits[i].second, end, k.content});
      found.push_back({k.intent, k.content, k.one_word, hits[i].second, end});
    }
  }
  auto try_pattern = [&](const pattern& p) {
    re2::StringPiece whole;
    if (!p.re->Match(t, 0, t.size(), RE2::UNANCHORED, &whole, 1)) return;
    const std::string_view span(whole.data(), whole.size());
    const auto begin = static_cast<std::uint32_t>(span.data() - t.data());
    found.push_back(
        {p.intent, content_chars(span), one_word(span), begin, begin + static_cast<std::uint32_t>(span.size())});
  };
  if (!prefilter) {
    for (const auto& p : patterns) try_pattern(p);
  } else {
    // The message is case-folded already, as the atoms are lower-cased.
    auto& found_atoms = s.found_atoms;
    auto& candidates = s.candidates;
    found_atoms.clear();
    atoms.scan(t, [&](std::uint32_t atom, std::size_t) { found_atoms.push_back(static_cast<int>(atom)); });
    std::sort(found_atoms.begin(), found_atoms.end());
    found_atoms.erase(std::unique(found_atoms.begin(), found_atoms.end()), found_atoms.end());
    prefilter->AllPotentials(found_atoms, &candidates);
    std::sort(candidates.begin(), candidates.end());  // in the configuration's order, as without the filter
    for (int i : candidates) try_pattern(patterns[static_cast<std::size_t>(i)]);
  }
}

void keyword_matcher::read_message(const normalized_text& text, std::string_view, intent_reading& reading) const {
  std::string_view t = text.text();
  if (t.empty()) return;
  auto& s = reading.scratch<keyword_scratch>();
  impl_->find(t, s);
  const auto& found = s.found;
  if (found.empty()) return;
  std::uint32_t total = std::max<std::uint32_t>(1, message_content(t));
  // A courtesy that comes with something else ("你好，保修", "refund,
  // thanks") is the message's manners, not what it is about: the rest is
  // measured without it, and the courtesy is no candidate.
  std::uint32_t courtesy = 0;
  bool subject = false;
  for (const auto& f : found) {
    if (impl_->courtesy[f.intent])
      courtesy += f.covered;
    else
      subject = true;
  }
  const bool courtesy_aside = courtesy > 0 && subject;
  if (courtesy_aside) total = total > courtesy ? total - courtesy : 1;
  for (const auto& f : found) {
    if (courtesy_aside && impl_->courtesy[f.intent]) continue;
    // The whole message is the keyword: certain. Otherwise the share of the
    // message it explains, from a floor that still beats no match.
    const double confidence = f.covered >= total ? 1.0 : 0.5 + 0.45 * static_cast<double>(f.covered) / total;
    reading.candidates.push_back({f.intent, confidence, impl_->command[f.intent], f.one_word && f.covered < total,
                                  static_cast<bool>(impl_->courtesy[f.intent])});
  }
  if (!subject) impl_->cut_courtesies(t, s, reading);
}

void keyword_matcher::impl::cut_courtesies(std::string_view t, keyword_scratch& s, intent_reading& reading) const {
  auto& found = s.found;
  // After a greeting comes what the customer wants; after thanks or a
  // goodbye, mostly praise or plans ("thanks a lot, you solved my
  // problem"), which no intent knows and which must not lose the thanks.
  if (std::none_of(found.begin(), found.end(), [&](const auto& f) { return welcome[f.intent]; })) return;
  std::string& rest = reading.rest;
  std::size_t at = 0;
  // Spans in the order they occur; an overlapping pattern's span may begin
  // inside one already cut.
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.begin < b.begin; });
  for (const auto& f : found) {
    if (!courtesy[f.intent]) continue;
    if (f.begin > at) rest.append(t.substr(at, f.begin - at));
    rest += ' ';
    at = std::max<std::size_t>(at, f.end);
  }
  if (at == 0) {  // a pattern that matched nothing cut nothing
    rest.clear();
    return;
  }
  if (at < t.size()) rest.append(t.substr(at));
  reading.rest_words = content_words(rest);
  if (reading.rest_words == 0) rest.clear();
}

}  // namespace handoff
