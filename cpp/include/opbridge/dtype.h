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

// The dtypes this library's kernels are compiled for: every one, or in a
// selective build for given models (docs/size.md) only those of the models'
// custom-op tensors, as a mask of 1 << DType in OPBRIDGE_DTYPE_MASK. The build
// defines it alike for every file of the library, so each template keeps one
// definition. The dispatch helpers below skip the other dtypes at compile time,
// which leaves their instantiations (most of a linalg op's bytes) out; the
// adapters refuse a tensor of such a dtype at prepare, naming it.
#ifdef OPBRIDGE_DTYPE_MASK
inline constexpr uint32_t kBuiltDTypeMask = OPBRIDGE_DTYPE_MASK;
#else
inline constexpr uint32_t kBuiltDTypeMask = ~uint32_t{0};
#endif
constexpr bool IsBuilt(DType dtype) { return ((kBuiltDTypeMask >> static_cast<int>(dtype)) & 1u) != 0; }
// "float, int32" for the built dtypes, or "every dtype".
std::string BuiltDTypeNames();

// If `dtype` is kType (and kType is built), *result = fn(TypeTag<T>{}) and true.
// The building block of the Dispatch helpers of ops and families.
template <DType kType, typename T, typename Fn>
bool DispatchTo(DType dtype, Fn& fn, Status* result) {
  if constexpr (IsBuilt(kType)) {
    if (dtype == kType) {
      *result = fn(TypeTag<T>{});
      return true;
    }
  }
  return false;
}

// The error of a dispatch that matched no T: a dtype left out of a selective
// build, or (a bug) a dispatch list narrower than the op's declaration.
Status NoKernelForDType(DType dtype);

// Calls fn(TypeTag<T>{}) for the T in Ts whose DType equals `dtype`.
//   return Dispatch<float, double>(x.dtype(), [&](auto tag) {
//     using T = typename decltype(tag)::type; ...; return Status::Ok(); });
// A dtype outside Ts is an error; the adapters already reject dtypes the op's
// declaration does not allow, so reaching it means the declaration and the
// dispatch list disagree.
template <typename... Ts, typename Fn>
Status Dispatch(DType dtype, Fn&& fn) {
  Status result = Status::Ok();
  if ((DispatchTo<DTypeOf<Ts>::value, Ts>(dtype, fn, &result) || ...)) return result;
  return NoKernelForDType(dtype);
}

}  // namespace opbridge
