// TF's text-to-number rules (absl's SimpleAtoi / SimpleAtof / SimpleAtod, as
// TF 2.21's kernels call them), shared by StringToNumber and DecodeCSV (whose
// int32/int64/float/double fields TF parses with the same functions,
// measured): string_to_number.cc's header comment gives the rules.
// numeric_text::Parse<T>(text, &value) is false where TF's parse fails.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace opbridge::numeric_text {

// absl::ascii_isspace: ' ', '\t', '\n', '\v', '\f', '\r'.
inline bool IsAsciiSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

inline std::string_view StripAsciiSpace(std::string_view s) {
  size_t begin = 0, end = s.size();
  while (begin < end && IsAsciiSpace(s[begin])) ++begin;
  while (end > begin && IsAsciiSpace(s[end - 1])) --end;
  return s.substr(begin, end - begin);
}

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') <= 9; }

template <typename T>
bool ParseInteger(std::string_view s, T* out) {
  using U = std::make_unsigned_t<T>;
  s = StripAsciiSpace(s);
  if (s.empty()) return false;
  const bool negative = s[0] == '-';
  if (negative || s[0] == '+') {
    s.remove_prefix(1);
    if (s.empty()) return false;
  }
  if (std::is_unsigned_v<T> && negative) return false;
  const U limit = static_cast<U>(std::numeric_limits<T>::max()) + (negative ? 1 : 0);
  const U limit_over_10 = limit / 10;
  U value = 0;
  for (char c : s) {
    const unsigned digit = static_cast<unsigned char>(c - '0');
    if (digit > 9) return false;
    if (value > limit_over_10) return false;
    value *= 10;
    if (value > limit - digit) return false;
    value += digit;
  }
  *out = negative ? static_cast<T>(U{0} - value) : static_cast<T>(value);
  return true;
}

inline bool EqualsIgnoringCase(const char* p, const char* lower, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if ((p[i] | 0x20) != lower[i]) return false;
  }
  return true;
}

inline bool IsNanChar(char c) {
  return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
}

inline int DigitValue(char c) {
  if (IsDigit(c)) return c - '0';
  const int lower = c | 0x20;
  return lower >= 'a' && lower <= 'z' ? lower - 'a' + 10 : 99;
}

// absl's NaN for "nan(text)": std::nan of the text's first 127 chars, which
// glibc reads as strtoull(text, base 0) does (0x: hex, a leading 0: octal,
// else decimal; 2^64-1 past the top) when that takes the whole text, and puts
// in the mantissa under the quiet bit; any other text gives the default NaN.
template <typename T>
T NanWithPayload(std::string_view text) {
  text = text.substr(0, 127);
  using Bits = std::conditional_t<std::is_same_v<T, float>, uint32_t, uint64_t>;
  constexpr int kMantissaBits = std::numeric_limits<T>::digits - 1;
  constexpr Bits kQuietNan = (Bits{1} << (sizeof(Bits) * 8 - 1)) - (Bits{1} << (kMantissaBits - 1));
  constexpr Bits kPayloadMask = (Bits{1} << (kMantissaBits - 1)) - 1;
  size_t i = 0;
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] | 0x20) == 'x' && DigitValue(text[2]) < 16) {
    base = 16;
    i = 2;
  } else if (!text.empty() && text[0] == '0') {
    base = 8;
  }
  uint64_t payload = 0;
  bool saturated = false;
  for (; i < text.size(); ++i) {
    const int digit = DigitValue(text[i]);
    if (digit >= base) break;
    if (payload > (UINT64_MAX - static_cast<uint64_t>(digit)) / static_cast<uint64_t>(base)) saturated = true;
    payload = payload * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
  }
  Bits bits = kQuietNan;
  if (i == text.size()) bits |= static_cast<Bits>((saturated ? UINT64_MAX : payload) & kPayloadMask);
  T value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

// "inf", "infinity", "nan", "nan(chars)" (any case) spanning all of [p, end).
template <typename T>
bool ParseSpecial(const char* p, const char* end, bool negative, T* out) {
  const size_t n = static_cast<size_t>(end - p);
  if (n >= 3 && EqualsIgnoringCase(p, "inf", 3)) {
    if (n != 3 && !(n == 8 && EqualsIgnoringCase(p + 3, "inity", 5))) return false;
    *out = negative ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    return true;
  }
  if (n < 3 || !EqualsIgnoringCase(p, "nan", 3)) return false;
  std::string_view payload;
  if (n > 3) {
    // Only "nan(" [A-Za-z0-9_]* ")" may follow, to the end.
    if (p[3] != '(' || end[-1] != ')') return false;
    payload = std::string_view(p + 4, n - 5);
    if (!std::all_of(payload.begin(), payload.end(), IsNanChar)) return false;
  }
  const T value = NanWithPayload<T>(payload);
  *out = negative ? -value : value;
  return true;
}

inline bool IsHexDigit(char c) { return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

// Whether a number that from_chars found out of range is above 1 in
// magnitude (overflow: +-inf) rather than below (underflow: +-0). Those
// values are beyond 2^127 or below 2^-126, so the place of the first nonzero
// digit and the exponent decide it. `digit_bits`: 0 for decimal text, 4 for
// hex (whose exponent counts powers of 2).
inline bool AboveOne(const char* p, const char* end, int digit_bits) {
  const auto is_digit = digit_bits ? IsHexDigit : IsDigit;
  int64_t integer_digits = 0, leading_zeros = 0;
  bool seen_point = false, seen_nonzero = false;
  for (; p < end && (is_digit(*p) || *p == '.'); ++p) {
    if (*p == '.') {
      seen_point = true;
    } else if (!seen_nonzero && *p == '0') {
      if (seen_point) ++leading_zeros;
    } else {
      seen_nonzero = true;
      if (!seen_point) ++integer_digits;
    }
  }
  int64_t exponent = 0;
  if (p < end) {  // [eEpP][+-]?digits
    ++p;
    const bool negative = *p == '-';
    if (*p == '-' || *p == '+') ++p;
    for (; p < end; ++p) exponent = std::min<int64_t>(exponent * 10 + (*p - '0'), int64_t{1} << 40);
    if (negative) exponent = -exponent;
  }
  // The value is in [B^(m-1), B^m) for m = the digits' place + exponent.
  const int64_t place = integer_digits > 0 ? integer_digits : -leading_zeros;
  return digit_bits ? place * digit_bits + exponent > 0 : place + exponent > 0;
}

// digits [. digits] with a digit somewhere, then [marker][+-]?decimal digits,
// spanning all of [p, end).
inline bool IsNumberText(const char* p, const char* end, bool (*is_digit)(char), char marker) {
  const char* q = p;
  while (q < end && is_digit(*q)) ++q;
  bool any_digit = q != p;
  if (q < end && *q == '.') {
    const char* fraction = ++q;
    while (q < end && is_digit(*q)) ++q;
    any_digit = any_digit || q != fraction;
  }
  if (!any_digit) return false;
  if (q == end) return true;
  if ((*q | 0x20) != marker) return false;
  ++q;
  if (q < end && (*q == '+' || *q == '-')) ++q;
  if (q == end) return false;
  while (q < end && IsDigit(*q)) ++q;
  return q == end;
}

template <typename T>
bool ParseFloat(std::string_view s, T* out) {
  s = StripAsciiSpace(s);
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == '-') return false;
  }
  const char* p = s.data();
  const char* end = p + s.size();
  const bool negative = p < end && *p == '-';
  const char* digits = p + (negative ? 1 : 0);
  if (digits == end) return false;
  if (!IsDigit(*digits) && *digits != '.') return ParseSpecial<T>(digits, end, negative, out);
  T value;
  // absl reads "0x" as a hexadecimal float (exponent 'p'): "0x1.8p1" is 3.
  if (end - digits > 2 && digits[0] == '0' && (digits[1] | 0x20) == 'x') {
    if (!IsNumberText(digits + 2, end, IsHexDigit, 'p')) return false;
    const std::from_chars_result r = std::from_chars(digits + 2, end, value, std::chars_format::hex);
    if (r.ec == std::errc::result_out_of_range) {
      value = AboveOne(digits + 2, end, 4) ? std::numeric_limits<T>::infinity() : T{0};
    } else if (r.ec != std::errc() || r.ptr != end) {
      return false;  // not reached: the text is from_chars' grammar
    }
    *out = negative ? -value : value;
    return true;
  }
  // Decimal text: from_chars' grammar is absl's (digits with an optional '.',
  // a digit somewhere, then an optional e[+-]digits), so its verdict is.
  const std::from_chars_result r = std::from_chars(p, end, value, std::chars_format::general);
  if (r.ptr != end || r.ec == std::errc::invalid_argument) return false;
  if (r.ec == std::errc::result_out_of_range) {
    value = AboveOne(digits, end, 0) ? std::numeric_limits<T>::infinity() : T{0};
    if (negative) value = -value;
  }
  *out = value;
  return true;
}

template <typename T>
bool Parse(std::string_view s, T* out) {
  if constexpr (std::is_floating_point_v<T>) {
    return ParseFloat(s, out);
  } else {
    return ParseInteger(s, out);
  }
}

}  // namespace opbridge::numeric_text
