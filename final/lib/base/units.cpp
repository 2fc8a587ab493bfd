#include "base/units.hpp"

#include "base/error.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace minirun {

namespace {

int64_t parse_digits(const std::string& digits, const std::string& what, const std::string& text) {
  int64_t value = 0;
  const char* end = digits.data() + digits.size();
  auto [rest, ec] = std::from_chars(digits.data(), end, value);
  if (digits.empty() || ec != std::errc() || rest != end) {
    throw Error("invalid " + what + " \"" + text + "\"");
  }
  if (value <= 0) throw Error("invalid " + what + " \"" + text + "\": must be greater than 0");
  return value;
}

int64_t multiplier_of(char suffix, const std::string& text) {
  switch (std::toupper(static_cast<unsigned char>(suffix))) {
    case 'K': return int64_t{1} << 10;
    case 'M': return int64_t{1} << 20;
    case 'G': return int64_t{1} << 30;
    default: throw Error("invalid size \"" + text + "\": use bytes or a K, M or G suffix");
  }
}

}  // namespace

int64_t parse_size(const std::string& text) {
  if (text.empty()) throw Error("invalid size \"\"");
  char last = text.back();
  if (std::isdigit(static_cast<unsigned char>(last))) return parse_digits(text, "size", text);
  int64_t unit = multiplier_of(last, text);
  int64_t count = parse_digits(text.substr(0, text.size() - 1), "size", text);
  if (count > std::numeric_limits<int64_t>::max() / unit) {
    throw Error("invalid size \"" + text + "\": too large");
  }
  return count * unit;
}

int64_t parse_count(const std::string& text) { return parse_digits(text, "number", text); }

int64_t cpus_to_quota(const std::string& text, int64_t period_us) {
  double cpus = 0;
  const char* end = text.data() + text.size();
  auto [rest, ec] = std::from_chars(text.data(), end, cpus);
  if (text.empty() || ec != std::errc() || rest != end || !std::isfinite(cpus) || cpus <= 0 ||
      cpus > 1e6) {
    throw Error("invalid number of CPUs \"" + text + "\"");
  }
  // The kernel refuses a CFS quota below 1 ms.
  auto quota = static_cast<int64_t>(std::llround(cpus * static_cast<double>(period_us)));
  if (quota < 1000) throw Error("invalid number of CPUs \"" + text + "\": too small");
  return quota;
}

}  // namespace minirun
