// TensorScatterSub, TensorScatterMax, TensorScatterMin: TF's
// tf.tensor_scatter_nd_{sub,max,min}(tensor, indices, updates). TFLite has no
// kernel for any dtype: the converter leaves CUSTOM "TensorScatter*"
// {T, Tindices, bad_indices_policy} (measured with TF 2.21). (TensorScatterAdd
// it lowers to GatherNd + AddV2 + TensorScatterUpdate.)
//
// A copy of tensor, then each update slice folded into the slice its index
// names, in the updates' order, as TF's CPU functor does:
// - Sub: out - u (integers wrap, computed unsigned; half/bfloat16 round once
//   per update, as Eigen's half arithmetic);
// - Max: TF's cwiseMax(out, u), which is std::max(out, u), `out < u ? u : out`:
//   a NaN already in out stays, a NaN update leaves out unchanged (Eigen's AVX
//   pmax keeps the same rule, so every column does this; measured). Min alike
//   with `u < out ? u : out`.
// Shapes and indices are checked as scatter_nd.h checks them (TF's texts),
// plus TF's refusals of a scalar tensor, of indices whose last dim is 0 and
// of updates into an empty tensor. bad_indices_policy "IGNORE" skips updates
// with an out-of-range index; "", "DEFAULT" and "ERROR" refuse them (TF's CPU
// default is the error).
#pragma once

#include <complex>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "../math/element_types.h"
#include "scatter_nd.h"

namespace opbridge {
namespace tensor_scatter {

enum class Fold { kSub, kMax, kMin };

struct ScatterParams {
  std::string policy;

  static void Declare(ParamBinder& b, ScatterParams& p) {
    b.Attr("bad_indices_policy: string = ''", &p.policy);
  }
  // TF's values; an unknown one is refused, as TF's kernel construction does.
  Status Validate() const {
    OPBRIDGE_REQUIRE(policy.empty() || policy == "DEFAULT" || policy == "ERROR" || policy == "IGNORE",
                     "bad_indices_policy must be one of '', 'DEFAULT', 'ERROR', 'IGNORE', got '", policy, "'");
    return Status::Ok();
  }
  // On CPU TF's DEFAULT is ERROR.
  bool ignore_bad_indices() const { return policy == "IGNORE"; }
};

template <Fold F, typename T>
inline T Step(T out, T u) {
  if constexpr (F == Fold::kSub) {
    if constexpr (std::is_integral_v<T>) {
      using U = std::make_unsigned_t<T>;
      return static_cast<T>(static_cast<U>(static_cast<U>(out) - static_cast<U>(u)));
    } else {
      return T(out - u);
    }
  } else if constexpr (F == Fold::kMax) {
    return out < u ? u : out;
  } else {
    return u < out ? u : out;
  }
}

// fn(update_slice_index, output_offset) for each update whose index lies in
// `shape`; the others are skipped (bad_indices_policy IGNORE).
template <typename Fn>
void ForEachValidScatter(const ConstTensor& indices, const std::vector<int64_t>& shape, Fn fn) {
  const auto k = static_cast<size_t>(indices.dim(indices.rank() - 1));
  const std::vector<int64_t> index = array::ReadIndices(indices);
  const std::vector<int64_t> strides = array::Strides(shape);
  const size_t n = k ? index.size() / k : 0;
  for (size_t r = 0; r < n; ++r) {
    int64_t offset = 0;
    bool ok = true;
    for (size_t d = 0; d < k && ok; ++d) {
      const int64_t i = index[r * k + d];
      ok = i >= 0 && i < shape[d];
      offset += i * strides[d];
    }
    if (ok) fn(static_cast<int64_t>(r), offset);
  }
}

template <Fold F, typename... Ts>
Status ScatterKernel(KernelContext& ctx, const ScatterParams& p) {
  const ConstTensor& tensor = ctx.input(0);
  const ConstTensor& indices = ctx.input(1);
  const ConstTensor& updates = ctx.input(2);
  const std::vector<int64_t> shape = tensor.shape().dims();
  OPBRIDGE_REQUIRE(!shape.empty(), "Output must be at least 1-D, got shape: ", tensor.shape().ToString());
  OPBRIDGE_RETURN_IF_ERROR(array::CheckScatter(indices.shape(), updates.shape(), shape));
  OPBRIDGE_REQUIRE(updates.dtype() == tensor.dtype(), "updates has dtype ", DTypeName(updates.dtype()),
                   " but tensor has ", DTypeName(tensor.dtype()));
  const int64_t k = indices.dim(indices.rank() - 1);
  // TF refuses these before looking at any index: a last dim of 0 (which
  // would make every update the whole tensor), and indices into an empty
  // tensor (even when the updates are empty).
  OPBRIDGE_REQUIRE(k >= 1, "indices.shape[-1] must be at least 1, got indices shape ", indices.shape().ToString());
  OPBRIDGE_REQUIRE(tensor.num_elements() > 0 || (indices.num_elements() == 0 && updates.num_elements() == 0),
                   "Indices and updates specified for empty output shape");
  int64_t slice = 1;
  for (size_t d = static_cast<size_t>(k); d < shape.size(); ++d) slice *= shape[d];
  return math::DispatchElement<Ts...>(tensor.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = ctx.output(0).data<T>();
    // Inputs may be constants, only 4-byte aligned: copied bytewise.
    if (tensor.num_elements()) {
      std::memcpy(static_cast<void*>(out), tensor.data<char>(), static_cast<size_t>(tensor.num_elements()) * sizeof(T));
    }
    const char* u = updates.data<char>();
    const auto fold = [&](int64_t r, int64_t offset) {
      for (int64_t j = 0; j < slice; ++j) {
        T v;
        std::memcpy(static_cast<void*>(&v), u + static_cast<size_t>(r * slice + j) * sizeof(T), sizeof(T));
        out[offset + j] = Step<F>(out[offset + j], v);
      }
    };
    if (p.ignore_bad_indices()) {
      ForEachValidScatter(indices, shape, fold);
      return Status::Ok();
    }
    return array::ForEachScatter(indices, shape, fold);
  });
}

// TF's CPU registrations: every number type for sub, real numbers for max/min.
template <Fold F>
Status RealKernel(KernelContext& ctx, const ScatterParams& p) {
  return ScatterKernel<F, Eigen::half, Eigen::bfloat16, float, double, int8_t, int16_t, int32_t, int64_t, uint8_t,
                       uint16_t, uint32_t, uint64_t>(ctx, p);
}

template <Fold F>
Status NumberKernel(KernelContext& ctx, const ScatterParams& p) {
  return ScatterKernel<F, Eigen::half, Eigen::bfloat16, float, double, int8_t, int16_t, int32_t, int64_t, uint8_t,
                       uint16_t, uint32_t, uint64_t, std::complex<float>, std::complex<double>>(ctx, p);
}

constexpr const char* kRealTypes =
    "T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, uint64}";
constexpr const char* kNumberTypes =
    "T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, uint64, complex64, "
    "complex128}";

}  // namespace tensor_scatter
}  // namespace opbridge
