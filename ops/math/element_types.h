// Element types of the math and search ops: opbridge's Dispatch plus
// Eigen::half, which TF supports for most of them. (The framework's DTypeOf
// knows no Eigen type; ops/search includes this header too.)
#pragma once

#include <Eigen/Core>

#include "opbridge/op.h"

namespace opbridge {
namespace math {

// DTypeOf, plus Eigen::half as DType::kFloat16.
template <typename T>
struct ElementDType {
  static constexpr DType value = DTypeOf<T>::value;
};
template <>
struct ElementDType<Eigen::half> {
  static constexpr DType value = DType::kFloat16;
};

// Dispatch<Ts...> that also accepts Eigen::half among Ts.
template <typename... Ts, typename Fn>
Status DispatchElement(DType dtype, Fn&& fn) {
  Status result = Errorf("no kernel for dtype ", DTypeName(dtype));
  bool matched = false;
  ((!matched && ElementDType<Ts>::value == dtype ? (matched = true, result = fn(TypeTag<Ts>{}), 0) : 0), ...);
  return result;
}

}  // namespace math
}  // namespace opbridge
