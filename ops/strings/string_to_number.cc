// StringToNumber: tf.strings.to_number, each string parsed as out_type
// (float, double, int32, int64, uint32, uint64: TF 2.21's kernel
// registrations). TF's kernel parses with SafeStringToNumeric, which is
// absl's SimpleAtoi / SimpleAtof / SimpleAtod, and fails the op on the first
// string that does not parse: "StringToNumberOp could not correctly convert
// string: S" (S up to its first NUL, as TF prints it through c_str()).
//
// The rules (absl's), on the whole string, NULs included:
// - ASCII whitespace (space, \t \n \v \f \r) is dropped at both ends.
// - Integers: an optional '-' or '+', then one or more decimal digits and
//   nothing else; a value outside the type is an error, and so is any '-'
//   for the unsigned types ("-0" included).
// - Floats: an optional '+' (not followed by '-'), then std::from_chars'
//   grammar: an optional '-', then "inf" / "infinity" / "nan" /
//   "nan(" [A-Za-z0-9_]* ")" in any case, or digits with an optional '.'
//   (at least one digit) and an optional exponent e[+-]digits. No hex, no
//   second sign. The value is the correctly rounded one; beyond the type's
//   range it is +-inf, below its smallest subnormal +-0 (not errors). A NaN
//   gets the payload std::nan gives the text in parentheses (its first 127
//   chars; glibc's reading: NanWithPayload), negated for "-nan". After the sign, "0x" starts a hexadecimal float
//   (absl::from_chars does so unless asked for hex only): hex digits with an
//   optional '.', an optional p[+-]digits exponent, correctly rounded.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "numeric_text.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using numeric_text::Parse;

struct StringToNumberParams {
  DType out_type = DType::kFloat32;

  static void Declare(ParamBinder& b, StringToNumberParams& p) {
    b.Attr("out_type: {float, double, int32, int64, uint32, uint64} = DT_FLOAT", &p.out_type);
  }
};

Status StringToNumberKernel(KernelContext& ctx, const StringToNumberParams& p) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  const int64_t n = input.num_elements();
  std::atomic<int64_t> first_failed{n};
  const Status dispatched =
      Dispatch<float, double, int32_t, int64_t, uint32_t, uint64_t>(p.out_type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        T* out = ctx.output(0).data<T>();
        ctx.ParallelFor(n, 40, [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) {
            if (Parse<T>(in[i], &out[i])) continue;
            int64_t seen = first_failed.load(std::memory_order_relaxed);
            while (i < seen && !first_failed.compare_exchange_weak(seen, i, std::memory_order_relaxed)) {
            }
            return;  // later items of this range cannot fail first
          }
        });
        return Status::Ok();
      });
  OPBRIDGE_RETURN_IF_ERROR(dispatched);
  const int64_t bad = first_failed.load(std::memory_order_relaxed);
  if (bad < n) {
    // TF prints the string through c_str(): up to its first NUL.
    const std::string_view s = in[bad];
    return Errorf("StringToNumberOp could not correctly convert string: ", s.substr(0, s.find('\0')));
  }
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("StringToNumber")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Parses each string as a number of out_type (tf.strings.to_number), with TF's "
                              "(absl's) whitespace, sign, inf/nan, overflow and error rules.")
                         .Input("string_tensor: string")
                         .Output("output: out_type")
                         .Params<StringToNumberParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(StringToNumberKernel));

}  // namespace opbridge
