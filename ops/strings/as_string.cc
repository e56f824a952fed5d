// AsString: tf.strings.as_string, each element as text. TF's kernel
// (as_string_op.cc) checks its attrs once, builds one printf format and
// formats every element with it:
// - Not a float/double/complex type: scientific or shortest is "scientific
//   and shortest format not supported for datatype T", precision >= 0
//   "precision not supported for datatype T". Then a fill of more than one
//   char is "Fill string must be one or fewer characters", scientific with
//   shortest "Cannot select both scientific and shortest notation", a fill
//   other than ' ', '+', '-', '0', '#' "Fill argument not supported: "F"".
//   precision and width are int32 attrs in TF (GetAttr refuses the rest).
// - The format: "%", the fill as a printf flag, width when > -1, ".precision"
//   when > -1, then d (signed integers; lld for int64), u (unsigned; llu for
//   uint64), or for the floating types g (shortest), e (scientific) or f.
//   Float and half-precision values are promoted to double (float through
//   the CPU's conversion, which flushes a subnormal float to 0 in TF's
//   float mode, as here); a subnormal double prints as a zero of its sign
//   too, but for %e and %g past 39 digits (measured; IsSubnormal). Complex: "(%s,%s)" of the format, real and imaginary parts. Bool:
//   "true" / "false", the format unused. Strings (TF takes them, and with
//   them precision, scientific and shortest): unchanged without a width;
//   with one, "%<fill><width>.<precision>s" over the whole string (NULs
//   counted): truncated to precision bytes, space-padded to width (on the
//   right for '-'; '0' pads with spaces).
// TF 2.21 formats with absl (str_format): printf's text but for the
// subnormals above, and "%#g" keeping its zeros where glibc's drops them
// (999999.5: "1.00000e+06", glibc "1.e+06"). This kernel formats
// integers itself, and floats with std::to_chars (the standard defines it as
// printf's conversion in the C locale, precision and style given), adding
// the sign, the flags' forms and the padding as printf does (inf and nan
// padded with spaces, never zeros).
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "opbridge/op.h"
#include "string_outputs.h"

namespace opbridge {
namespace {

struct AsStringParams {
  DType t = DType::kFloat32;
  int64_t precision = -1;
  bool scientific = false;
  bool shortest = false;
  int64_t width = -1;
  std::string fill;

  static void Declare(ParamBinder& b, AsStringParams& p) {
    b.Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, uint32, uint64, "
           "complex64, complex128, bool, string}",
           &p.t);
    b.Attr("precision: int = -1", &p.precision);
    b.Attr("scientific: bool = false", &p.scientific);
    b.Attr("shortest: bool = false", &p.shortest);
    b.Attr("width: int = -1", &p.width);
    b.Attr("fill: string = ''", &p.fill);
  }

  bool IsFloating() const {
    return t == DType::kFloat32 || t == DType::kFloat64 || t == DType::kFloat16 || t == DType::kBFloat16 ||
           t == DType::kComplex64 || t == DType::kComplex128;
  }
  // The types TF lets take precision, scientific and shortest.
  bool TakesPrecision() const { return IsFloating() || t == DType::kString; }

  // TF's constructor checks, in its order.
  Status Validate() const {
    OPBRIDGE_REQUIRE(precision >= INT32_MIN && precision <= INT32_MAX, "Attr precision has value ", precision,
                     " out of range for an int32");
    OPBRIDGE_REQUIRE(width >= INT32_MIN && width <= INT32_MAX, "Attr width has value ", width,
                     " out of range for an int32");
    if (!TakesPrecision()) {
      OPBRIDGE_REQUIRE(!(scientific || shortest), "scientific and shortest format not supported for datatype ",
                       DTypeName(t));
      OPBRIDGE_REQUIRE(precision < 0, "precision not supported for datatype ", DTypeName(t));
    }
    OPBRIDGE_REQUIRE(fill.size() <= 1, "Fill string must be one or fewer characters");
    OPBRIDGE_REQUIRE(!(scientific && shortest), "Cannot select both scientific and shortest notation");
    if (!fill.empty()) {
      const char f = fill[0];
      OPBRIDGE_REQUIRE(f == ' ' || f == '+' || f == '-' || f == '0' || f == '#', "Fill argument not supported: \"",
                       fill, "\"");
    }
    return Status::Ok();
  }
};

// One element's printf conversion: flag (0 for none), width (-1 none),
// precision (-1: printf's default), conversion.
struct Spec {
  char flag = 0;
  int width = -1;
  int precision = -1;
  char conv = 'd';  // 'd', 'u', 'f', 'e', 'g'
};

Spec MakeSpec(const AsStringParams& p, bool is_unsigned) {
  Spec s;
  s.flag = p.fill.empty() ? 0 : p.fill[0];
  s.width = static_cast<int>(p.width);
  s.precision = static_cast<int>(p.precision);
  if (p.IsFloating()) {
    s.conv = p.shortest ? 'g' : (p.scientific ? 'e' : 'f');
  } else {
    s.conv = is_unsigned ? 'u' : 'd';
  }
  return s;
}

// Appends sign + body padded to the spec's width, as printf pads: '-' pads
// on the right, '0' with zeros after the sign (numbers only), else spaces on
// the left.
void AppendPadded(const Spec& s, char sign, std::string_view body, bool zeros_allowed, std::string* out) {
  const size_t length = (sign ? 1 : 0) + body.size();
  const size_t pad = s.width > 0 && static_cast<size_t>(s.width) > length ? static_cast<size_t>(s.width) - length : 0;
  out->reserve(out->size() + length + pad);
  if (pad && s.flag != '-' && !(s.flag == '0' && zeros_allowed)) out->append(pad, ' ');
  if (sign) out->push_back(sign);
  if (pad && s.flag == '0' && zeros_allowed) out->append(pad, '0');
  out->append(body.data(), body.size());
  if (pad && s.flag == '-') out->append(pad, ' ');
}

// The sign printf writes: '-', or for the '+' and ' ' flags on a signed
// conversion (not %u) '+' or ' '.
char SignFor(const Spec& s, bool negative) {
  if (negative) return '-';
  if ((s.flag == '+' || s.flag == ' ') && s.conv != 'u') return s.flag;
  return 0;
}

void AppendInteger(const Spec& s, bool negative, uint64_t magnitude, std::string* out) {
  char digits[24];
  char* end = digits + sizeof(digits);
  char* p = end;
  do {
    *--p = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  const char sign = SignFor(s, negative);
  if (s.width <= 0 && !sign) {
    out->append(p, static_cast<size_t>(end - p));
    return;
  }
  AppendPadded(s, sign, std::string_view(p, static_cast<size_t>(end - p)), true, out);
}

// The buffer to_chars needs for |v| with this spec, and a point more (%f of
// DBL_MAX has 309 integer digits; %g's precision is clamped below unless '#'
// keeps its zeros).
size_t FloatBufferSize(const Spec& s) { return 340 + static_cast<size_t>(std::max(s.precision, 6)); }

// Everything beyond a double's exact expansion is zeros %g strips, and its
// f/e choice is the same for any precision past 1100: the same text.
constexpr int kMaxUsefulGPrecision = 1100;

// Puts a '.' after the first digit of [first, end) ("4e+00" -> "4.e+00").
char* InsertPointAfterFirstDigit(char* first, char* end) {
  std::memmove(first + 2, first + 1, static_cast<size_t>(end - first - 1));
  first[1] = '.';
  return end + 1;
}

// %.<p>f of a finite a >= 0 by exact integer arithmetic, when a = m * 2^e
// allows: round(a * 10^p) half to even (printf's rounding of the exact
// value), written with the point p digits from the right. Null where it does
// not apply (p > 19, a >= 2^63 / 10^p, subnormals): to_chars does those.
char* FixedByIntegers(double a, int p, char* first) {
  static constexpr uint64_t kPow10[20] = {1ull,
                                          10ull,
                                          100ull,
                                          1000ull,
                                          10000ull,
                                          100000ull,
                                          1000000ull,
                                          10000000ull,
                                          100000000ull,
                                          1000000000ull,
                                          10000000000ull,
                                          100000000000ull,
                                          1000000000000ull,
                                          10000000000000ull,
                                          100000000000000ull,
                                          1000000000000000ull,
                                          10000000000000000ull,
                                          100000000000000000ull,
                                          1000000000000000000ull,
                                          10000000000000000000ull};
  if (p > 19) return nullptr;
  uint64_t bits;
  std::memcpy(&bits, &a, sizeof(bits));
  const int biased = static_cast<int>(bits >> 52);
  uint64_t q = 0;
  if (bits != 0) {
    if (biased == 0) return nullptr;  // subnormal
    const uint64_t m = (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1} << 52);
    const int e = biased - 1075;  // a = m * 2^e
    const unsigned __int128 n = static_cast<unsigned __int128>(m) * kPow10[p];  // < 2^117
    unsigned __int128 r;
    if (e >= 0) {
      if (e > 10) return nullptr;
      r = n << e;
    } else if (-e >= 118) {
      r = 0;  // below half a unit of the last place
    } else {
      const int shift = -e;
      r = n >> shift;
      const unsigned __int128 rest = n & ((static_cast<unsigned __int128>(1) << shift) - 1);
      const unsigned __int128 half = static_cast<unsigned __int128>(1) << (shift - 1);
      if (rest > half || (rest == half && (r & 1))) ++r;
    }
    if (r >> 63) return nullptr;
    q = static_cast<uint64_t>(r);
  }
  char digits[24];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + q % 10);
    q /= 10;
  } while (q != 0);
  while (count <= p) digits[count++] = '0';  // at least one integer digit
  char* out = first;
  for (int k = count - 1; k >= p; --k) *out++ = digits[k];
  if (p > 0) {
    *out++ = '.';
    for (int k = p - 1; k >= 0; --k) *out++ = digits[k];
  }
  return out;
}

// |v| (finite) as %f, %e or %g with the spec's precision, into [first, ...):
// std::to_chars is printf's conversion in the C locale. The '#' flag's forms
// (always a point; %g keeps its zeros) are built from it, as absl builds
// them (glibc's own %#g drops the zeros of 999999.5 -> "1.e+06").
char* FormatMagnitude(const Spec& s, double a, char* first, char* last) {
  const int p = s.precision < 0 ? 6 : s.precision;
  const bool alt = s.flag == '#';
  if (s.conv == 'f') {
    char* end = FixedByIntegers(a, p, first);
    if (end == nullptr) end = std::to_chars(first, last, a, std::chars_format::fixed, p).ptr;
    if (alt && p == 0) *end++ = '.';
    return end;
  }
  if (s.conv == 'e') {
    char* end = std::to_chars(first, last, a, std::chars_format::scientific, p).ptr;
    return alt && p == 0 ? InsertPointAfterFirstDigit(first, end) : end;
  }
  if (!alt) return std::to_chars(first, last, a, std::chars_format::general, std::min(p, kMaxUsefulGPrecision)).ptr;
  // %#g: P significant digits, as %e when its exponent X is < -4 or >= P,
  // else as %f with P - 1 - X decimals; zeros kept, a point always.
  const int digits = std::max(p, 1);
  char* end = std::to_chars(first, last, a, std::chars_format::scientific, digits - 1).ptr;
  const char* e = std::find(first, end, 'e');
  int exponent = 0;
  std::from_chars(e + (e[1] == '+' ? 2 : 1), end, exponent);
  if (exponent >= -4 && exponent < digits) {
    end = std::to_chars(first, last, a, std::chars_format::fixed, digits - 1 - exponent).ptr;
    if (digits - 1 - exponent == 0) *end++ = '.';
    return end;
  }
  return digits == 1 ? InsertPointAfterFirstDigit(first, end) : end;
}

void AppendFloat(const Spec& s, double v, std::vector<char>* scratch, std::string* out) {
  const bool negative = std::signbit(v);
  const char sign = SignFor(s, negative);
  if (!std::isfinite(v)) {
    AppendPadded(s, sign, std::isnan(v) ? "nan" : "inf", false, out);
    return;
  }
  char* first = scratch->data();
  const char* end = FormatMagnitude(s, std::fabs(v), first, first + scratch->size());
  const std::string_view body(first, static_cast<size_t>(end - first));
  if (s.width <= 0 && !sign) {
    out->append(body.data(), body.size());
    return;
  }
  AppendPadded(s, sign, body, true, out);
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal half: normal in float
    int shift = 0;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    bits = sign | (static_cast<uint32_t>(113 - shift) << 23) | ((mantissa & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

float BFloat16ToFloat(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

// A float widened by the CPU (cvtss2sd), which honours the float mode: TF
// promotes its floats the same way, so a subnormal float prints as a zero.
double Widen(float f) {
  volatile float v = f;
  return static_cast<double>(v);
}

// TF formats with absl, which splits a double with std::frexp; in TF's float
// mode (subnormals are zero, as in this kernel's) that gives 0 for a
// subnormal, which then prints as a zero of its sign ("0",
// "-0.000000e+00"). Except where absl hands the value to snprintf instead
// (%e and %g past 39 digits after the first), which prints its digits
// (measured). Told by its bits: comparisons see a subnormal as zero here.
bool IsSubnormal(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return (bits & 0x7ff0000000000000u) == 0 && (bits & 0x000fffffffffffffu) != 0;
}

bool AbslUsesSnprintf(const Spec& s) {
  const int p = s.precision < 0 ? 6 : s.precision;
  return (s.conv == 'e' && p > 39) || (s.conv == 'g' && std::max(p, 1) - 1 > 39);
}

// A subnormal where absl calls snprintf: its printf text (std::to_chars sees
// it as zero in this float mode; glibc's printf reads its bits).
void AppendSubnormalBySnprintf(const Spec& s, double v, std::string* out) {
  std::string format = "%";
  if (s.flag) format += s.flag;
  if (s.width > 0) format += std::to_string(s.width);
  format += "." + std::to_string(s.precision) + s.conv;
  const int n = std::snprintf(nullptr, 0, format.c_str(), v);
  if (n <= 0) return;
  const size_t at = out->size();
  out->resize(at + static_cast<size_t>(n) + 1);
  std::snprintf(&(*out)[at], static_cast<size_t>(n) + 1, format.c_str(), v);
  out->resize(at + static_cast<size_t>(n));
}

// Integers ('#' changes nothing in %d and %u).
template <typename T>
void FormatIntegers(const Spec& spec, const T* in, std::string* out, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const T v = in[i];
    if constexpr (std::is_unsigned_v<T>) {
      AppendInteger(spec, false, static_cast<uint64_t>(v), &out[i]);
    } else {
      const bool negative = v < 0;
      // |v| in 64 bits, INT64_MIN included.
      const uint64_t magnitude = negative ? uint64_t{0} - static_cast<uint64_t>(static_cast<int64_t>(v))
                                          : static_cast<uint64_t>(v);
      AppendInteger(spec, negative, magnitude, &out[i]);
    }
  }
}

void FormatDouble(const Spec& spec, double v, std::vector<char>* scratch, std::string* out) {
  if (IsSubnormal(v)) {
    if (AbslUsesSnprintf(spec)) return AppendSubnormalBySnprintf(spec, v, out);
    v = std::signbit(v) ? -0.0 : 0.0;
  }
  AppendFloat(spec, v, scratch, out);
}

template <typename T>
void FormatFloats(const Spec& spec, const T* in, std::string* out, int64_t begin, int64_t end,
                  std::vector<char>* scratch) {
  for (int64_t i = begin; i < end; ++i) {
    if constexpr (std::is_same_v<T, float>) {
      FormatDouble(spec, Widen(in[i]), scratch, &out[i]);
    } else {
      FormatDouble(spec, in[i], scratch, &out[i]);
    }
  }
}

// Strings as TF formats them (measured): unchanged without a width (> 0);
// with one, "%<flag><width>.<precision>s" over the whole string, NULs
// included: the first `precision` bytes, padded with spaces to `width`, on
// the right for the '-' flag, else on the left ('0' pads with spaces too).
Status FormatStrings(KernelContext& ctx, const Spec& spec) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  const int64_t n = input.num_elements();
  const size_t width = static_cast<size_t>(std::max(spec.width, 0));
  // Without a width TF passes the strings through, precision or not.
  const bool truncate = width > 0 && spec.precision >= 0;
  uint64_t bytes = 0;
  for (int64_t i = 0; i < n; ++i) {
    const size_t size = truncate ? std::min(in[i].size(), static_cast<size_t>(spec.precision)) : in[i].size();
    bytes = strings::SaturatingAdd(bytes, std::max(size, width));
  }
  OPBRIDGE_RETURN_IF_ERROR(strings::CheckStringOutput("output", static_cast<uint64_t>(n), bytes));
  std::string_view* views = ctx.output(0).data<std::string_view>();
  std::string* out = ctx.output(0).data<std::string>();
  for (int64_t i = 0; i < n; ++i) {
    const std::string_view s = truncate ? in[i].substr(0, static_cast<size_t>(spec.precision)) : in[i];
    if (s.size() >= width) {
      views[i] = s;  // the input's bytes: the adapter copies them once
      continue;
    }
    out[i].reserve(width);
    if (spec.flag != '-') out[i].append(width - s.size(), ' ');
    out[i].append(s.data(), s.size());
    if (spec.flag == '-') out[i].append(width - s.size(), ' ');
  }
  return Status::Ok();
}

void FormatRange(const ConstTensor& input, DType t, const Spec& spec, size_t scratch_size, std::string* out,
                 int64_t begin, int64_t end) {
  std::vector<char> scratch(scratch_size);
  switch (t) {
    case DType::kBool: {
      const bool* in = input.data<bool>();
      for (int64_t i = begin; i < end; ++i) out[i] = in[i] ? "true" : "false";
      break;
    }
    case DType::kInt8: FormatIntegers(spec, input.data<int8_t>(), out, begin, end); break;
    case DType::kInt16: FormatIntegers(spec, input.data<int16_t>(), out, begin, end); break;
    case DType::kInt32: FormatIntegers(spec, input.data<int32_t>(), out, begin, end); break;
    case DType::kInt64: FormatIntegers(spec, input.data<int64_t>(), out, begin, end); break;
    case DType::kUInt8: FormatIntegers(spec, input.data<uint8_t>(), out, begin, end); break;
    case DType::kUInt16: FormatIntegers(spec, input.data<uint16_t>(), out, begin, end); break;
    case DType::kUInt32: FormatIntegers(spec, input.data<uint32_t>(), out, begin, end); break;
    case DType::kUInt64: FormatIntegers(spec, input.data<uint64_t>(), out, begin, end); break;
    case DType::kFloat32: FormatFloats(spec, input.data<float>(), out, begin, end, &scratch); break;
    case DType::kFloat64: FormatFloats(spec, input.data<double>(), out, begin, end, &scratch); break;
    case DType::kFloat16: {
      const uint16_t* in = input.data<uint16_t>();  // the half's bits
      for (int64_t i = begin; i < end; ++i) FormatDouble(spec, Widen(HalfToFloat(in[i])), &scratch, &out[i]);
      break;
    }
    case DType::kBFloat16: {
      const uint16_t* in = input.data<uint16_t>();
      for (int64_t i = begin; i < end; ++i) FormatDouble(spec, Widen(BFloat16ToFloat(in[i])), &scratch, &out[i]);
      break;
    }
    case DType::kComplex64:
    case DType::kComplex128: {
      const bool single = t == DType::kComplex64;
      const std::complex<float>* in64 = input.data<std::complex<float>>();
      const std::complex<double>* in128 = input.data<std::complex<double>>();
      for (int64_t i = begin; i < end; ++i) {
        const double re = single ? Widen(in64[i].real()) : in128[i].real();
        const double im = single ? Widen(in64[i].imag()) : in128[i].imag();
        std::string& s = out[i];
        s.push_back('(');
        FormatDouble(spec, re, &scratch, &s);
        s.push_back(',');
        FormatDouble(spec, im, &scratch, &s);
        s.push_back(')');
      }
      break;
    }
    default:
      break;
  }
}

Status AsStringKernel(KernelContext& ctx, const AsStringParams& p) {
  const ConstTensor& input = ctx.input(0);
  const int64_t n = input.num_elements();
  const DType t = input.dtype();
  const bool is_unsigned = t == DType::kUInt8 || t == DType::kUInt16 || t == DType::kUInt32 || t == DType::kUInt64;
  const Spec spec = MakeSpec(p, is_unsigned);
  // Refuse before building what TFLite could not hold: each value is at
  // least `width` bytes, and at least `precision` with %f and %e.
  if (n > 0) {
    uint64_t least = static_cast<uint64_t>(std::max(spec.width, 0));
    if (spec.conv == 'f' || spec.conv == 'e') least = std::max<uint64_t>(least, std::max(spec.precision, 0));
    if (t == DType::kComplex64 || t == DType::kComplex128) least = 2 * least + 3;
    if (t == DType::kBool) least = 4;
    OPBRIDGE_RETURN_IF_ERROR(strings::CheckStringOutput(
        "output", static_cast<uint64_t>(n), strings::SaturatingMul(static_cast<uint64_t>(n), least)));
  }
  if (t == DType::kString) {
    try {
      return FormatStrings(ctx, spec);
    } catch (const std::bad_alloc&) {
      return Errorf("out of memory padding ", n, " strings to width ", spec.width);
    }
  }
  std::string* out = ctx.output(0).data<std::string>();
  const int64_t cost = p.IsFloating() ? 150 : 30;
  // A width or precision near TFLite's limit passes the check above and can
  // still ask for more memory than there is: that is an error, not a throw
  // through the runtime.
  std::atomic<bool> out_of_memory{false};
  ctx.ParallelFor(n, cost, [&](int64_t begin, int64_t end) {
    try {
      FormatRange(input, t, spec, p.IsFloating() ? FloatBufferSize(spec) : 64, out, begin, end);
    } catch (const std::bad_alloc&) {
      out_of_memory.store(true, std::memory_order_relaxed);
    }
  });
  OPBRIDGE_REQUIRE(!out_of_memory.load(), "out of memory formatting ", n, " values (width ", spec.width,
                   ", precision ", spec.precision, ")");
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("AsString")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Each element as text, with TF's printf format from precision, scientific, "
                              "shortest, width and fill (tf.strings.as_string).")
                         .Input("input: T")
                         .Output("output: string")
                         .Params<AsStringParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(AsStringKernel));

}  // namespace opbridge
