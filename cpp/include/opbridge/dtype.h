// Element types, named as in TF's op-definition language (float, double, int32, ...).
//
// Each adapter maps its runtime's type enum onto DType; ops see only DType.
#pragma once

#include <complex>
#include <cstdint>
#include <string>

#include "opbridge/status.h"

namespace opbridge {

enum class DType : int {
  kInvalid = 0,
  kFloat32,
  kFloat64,
  kFloat16,
  kBFloat16,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kBool,
  kString,
  kComplex64,
  kComplex128,
  // A TFLite resource handle (a lookup table, a tokenizer model): the runtime's
  // handle tensor; ops reach the resource through KernelContext::resources().
  kResource,
};

// The name TF's op-definition language uses ("float", "double", ...).
const char* DTypeName(DType dtype);
// Inverse of DTypeName; also accepts TF's enum spelling ("DT_FLOAT"). kInvalid if unknown.
DType DTypeFromName(const std::string& name);
// Bytes per element; 0 for string, resource and invalid.
int DTypeSize(DType dtype);

template <typename T>
struct TypeTag {
  using type = T;
};

template <typename T>
struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::kFloat32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::kFloat64; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::kInt8; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::kInt16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::kInt32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::kInt64; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::kUInt8; };
template <> struct DTypeOf<uint16_t> { static constexpr DType value = DType::kUInt16; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::kUInt32; };
template <> struct DTypeOf<uint64_t> { static constexpr DType value = DType::kUInt64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::kBool; };
template <> struct DTypeOf<std::complex<float>> { static constexpr DType value = DType::kComplex64; };
template <> struct DTypeOf<std::complex<double>> { static constexpr DType value = DType::kComplex128; };

// Calls fn(TypeTag<T>{}) for the T in Ts whose DType equals `dtype`.
//   return Dispatch<float, double>(x.dtype(), [&](auto tag) {
//     using T = typename decltype(tag)::type; ...; return Status::Ok(); });
// A dtype outside Ts is an error; the adapters already reject dtypes the op's
// declaration does not allow, so reaching it means the declaration and the
// dispatch list disagree.
template <typename... Ts, typename Fn>
Status Dispatch(DType dtype, Fn&& fn) {
  Status result = Errorf("no kernel for dtype ", DTypeName(dtype));
  bool matched = false;
  ((!matched && DTypeOf<Ts>::value == dtype ? (matched = true, result = fn(TypeTag<Ts>{}), 0) : 0), ...);
  return result;
}

}  // namespace opbridge
