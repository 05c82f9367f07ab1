// SPDX-License-Identifier: MIT
// Linear models as files: a versioned header, the weights, and a checksum.
#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <type_traits>

#include "handoff/error.hpp"
#include "matchers/linear_model_impl.hpp"

namespace handoff {
namespace {

using detail::fnv1a;

constexpr char magic[8] = {'H', 'N', 'D', 'F', 'L', 'I', 'N', '\0'};
// Version 2 added the weight of unknown features and the threshold; version
// 1 files (weight 0, threshold 0.5) are still read. Version 3 has the
// layout of 2; its models drop unknown pairs of Han characters (`soft_bit`),
// which older ones counted. Version 4 adds, after the threshold, a byte for
// what confidence is fitted on (`margin_kind`); older models fitted it on
// the best score less the mean score. Version 5 adds, after that byte, the
// shortest character n-gram taken inside a word (an int32); older models
// took every one. A loaded model keeps its own ways, so its calibration
// still holds.
constexpr std::uint32_t format_version = 5;

}  // namespace

namespace {

class writer {
 public:
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    auto p = reinterpret_cast<const std::uint8_t*>(&v);
    bytes.insert(bytes.end(), p, p + sizeof(T));
  }
  template <class T>
  void put_all(const std::vector<T>& v) {
    put(static_cast<std::uint64_t>(v.size()));
    auto p = reinterpret_cast<const std::uint8_t*>(v.data());
    bytes.insert(bytes.end(), p, p + v.size() * sizeof(T));
  }
  void put_string(const std::string& s) {
    put(static_cast<std::uint32_t>(s.size()));
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  std::vector<std::uint8_t> bytes;
};

class reader {
 public:
  explicit reader(std::span<const std::uint8_t> b) : b_(b) {}
  template <class T>
  T get() {
    T v;
    need(sizeof(T));
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  template <class T>
  std::vector<T> get_all(std::uint64_t max_count) {
    auto n = get<std::uint64_t>();
    if (n > max_count) throw error("linear model file: a table is larger than the file");
    need(n * sizeof(T));
    std::vector<T> v(n);
    std::memcpy(v.data(), b_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return v;
  }
  std::string get_string() {
    auto n = get<std::uint32_t>();
    need(n);
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  std::size_t pos() const { return pos_; }

 private:
  void need(std::uint64_t n) const {
    if (n > b_.size() - pos_) throw error("linear model file: truncated");
  }
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<std::uint8_t> linear_model::serialize() const {
  const impl& m = *impl_;
  writer w;
  for (char ch : magic) w.put(ch);
  w.put(format_version);
  w.put(static_cast<std::int32_t>(m.settings.hash_bits));
  w.put(static_cast<std::int32_t>(m.settings.char_min));
  w.put(static_cast<std::int32_t>(m.settings.char_max));
  w.put(m.temperature);
  w.put(m.platt_scale);
  w.put(m.platt_shift);
  w.put(m.unknown_idf);
  w.put(m.threshold);
  w.put(static_cast<std::uint8_t>(m.margin_from));
  w.put(static_cast<std::int32_t>(m.settings.inner_min));
  w.put(static_cast<std::uint32_t>(m.labels.size()));
  for (const auto& l : m.labels) w.put_string(l);
  w.put_all(m.keys);
  w.put_all(m.idf);
  w.put_all(m.scales);
  {
    // The file has the rows without the slack.
    const std::size_t n = m.keys.size() * m.classes();
    w.put(static_cast<std::uint64_t>(n));
    const auto* rows = reinterpret_cast<const std::uint8_t*>(m.quantized.data());
    w.bytes.insert(w.bytes.end(), rows, rows + n);
  }
  w.put_all(m.bias);
  w.put(fnv1a(w.bytes.data(), w.bytes.size()));
  return std::move(w.bytes);
}

linear_model linear_model::deserialize(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < sizeof magic + 4 || std::memcmp(bytes.data(), magic, sizeof magic) != 0)
    throw error("not a handoff linear model file");
  if (bytes.size() < sizeof magic + 4 + 8) throw error("linear model file: truncated");
  std::uint64_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  reader r(bytes.subspan(0, bytes.size() - 8));
  for (std::size_t i = 0; i < sizeof magic; ++i) r.get<char>();
  auto version = r.get<std::uint32_t>();
  if (version < 1 || version > format_version)
    throw error(
        fmt::format("linear model file: format version {}, this library reads 1 to {}", version, format_version));
  if (fnv1a(bytes.data(), bytes.size() - 8) != stored) throw error("linear model file: checksum mismatch (corrupted)");
  linear_model model;
  impl& m = *model.impl_;
  m.settings.hash_bits = r.get<std::int32_t>();
  m.settings.char_min = r.get<std::int32_t>();
  m.settings.char_max = r.get<std::int32_t>();
  m.temperature = r.get<float>();
  m.platt_scale = r.get<float>();
  m.platt_shift = r.get<float>();
  m.soft_pairs = version >= 3;
  m.margin_from = margin_kind::over_mean;
  if (version >= 2) {
    m.unknown_idf = r.get<float>();
    m.threshold = r.get<float>();
  }
  if (version >= 4) {
    const auto kind = r.get<std::uint8_t>();
    if (kind > static_cast<std::uint8_t>(margin_kind::over_mean)) throw error("linear model file: bad margin kind");
    m.margin_from = static_cast<margin_kind>(kind);
  }
  m.settings.inner_min = version >= 5 ? r.get<std::int32_t>() : m.settings.char_min;
  if (m.settings.inner_min < 1) throw error("linear model file: bad shortest inner n-gram");
  if (!(m.threshold >= 0 && m.threshold <= 1)) throw error("linear model file: bad threshold");
  if (!std::isfinite(m.unknown_idf) || m.unknown_idf < 0) throw error("linear model file: bad unknown-feature weight");
  auto nlabels = r.get<std::uint32_t>();
  if (nlabels < 2 || nlabels > bytes.size()) throw error("linear model file: bad label count");
  for (std::uint32_t i = 0; i < nlabels; ++i) m.labels.push_back(r.get_string());
  const std::uint64_t limit = bytes.size();
  m.keys = r.get_all<std::uint32_t>(limit);
  m.idf = r.get_all<float>(limit);
  m.scales = r.get_all<float>(limit);
  m.quantized = r.get_all<std::int8_t>(limit);
  m.bias = r.get_all<float>(limit);
  if (m.idf.size() != m.keys.size() || m.scales.size() != m.keys.size() ||
      m.quantized.size() != m.keys.size() * nlabels || m.bias.size() != nlabels || m.settings.hash_bits < 10 ||
      m.settings.hash_bits > 30)
    throw error("linear model file: inconsistent tables");
  m.quantized.resize(m.quantized.size() + m.slack(), 0);
  m.table.build(m.keys);
  m.learnt_bias = m.bias;
  return model;
}

void linear_model::save(const std::filesystem::path& file) const {
  auto bytes = serialize();
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw error(fmt::format("cannot write the model {}", file.string()));
}

linear_model linear_model::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw error(fmt::format("cannot read the model {}", file.string()));
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return deserialize(bytes);
}

}  // namespace handoff
