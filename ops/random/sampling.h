// What TF's parameterized stateless samplers share (StatelessRandomBinomial,
// StatelessRandomGammaV2/V3, StatelessRandomPoisson,
// StatelessParameterizedTruncatedNormal): the output laid out as [samples...,
// batch...], parameters broadcast over the batch dims, the per-output
// Philox skip, draws handed out last-first from a block (TF's UNIFORM macro
// and RandomSampleBuffer), and the conversion of a double result to the
// output dtype.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "stateless_random.h"

namespace opbridge {
namespace random {

// Draws from one of philox.h's fixed-count distributions (Uniform<T>,
// Normal<T>), returned last-first: a block of kGroup values is drawn when the
// previous one is used up and read from its end, as TF's samplers do.
template <typename T, template <typename> class Dist>
class Reversed {
 public:
  explicit Reversed(Philox* gen) : gen_(gen) {}
  T operator()() {
    if (left_ == 0) {
      Dist<T>()(*gen_, values_);
      left_ = Dist<T>::kGroup;
    }
    return values_[--left_];
  }

 private:
  Philox* gen_;
  T values_[Dist<T>::kGroup] = {};
  int left_ = 0;
};

// TF's sampler kernels end with static_cast<U>(double). Floats round as C++
// does (half and bfloat16 through float, as Eigen converts a double). For the
// integer outputs C++ leaves NaN and values out of range undefined: TF's
// build gives 0 for NaN where the compiler folds it and whatever the
// instruction gives otherwise; opbridge gives 0 for NaN and the type's
// minimum out of range (what x86's conversion instruction returns).
template <typename U>
U FromDouble(double x) {
  if constexpr (std::is_integral_v<U>) {
    if (std::isnan(x)) return 0;
    constexpr double kLimit = -static_cast<double>(std::numeric_limits<U>::min());  // 2^(bits-1), exact
    if (!(x > -kLimit - 1.0 && x < kLimit)) return std::numeric_limits<U>::min();
    return static_cast<U>(x);
  } else if constexpr (std::is_same_v<U, Eigen::half> || std::is_same_v<U, Eigen::bfloat16>) {
    return static_cast<U>(static_cast<float>(x));
  } else {
    return static_cast<U>(x);
  }
}

// Whether `shape` ends with the dims of `suffix` (TF's TensorShapeUtils::EndsWith).
inline bool EndsWith(const Shape& shape, const std::vector<int64_t>& suffix) {
  const auto n = static_cast<int>(suffix.size());
  if (n > shape.rank()) return false;
  for (int i = 0; i < n; ++i) {
    if (shape.dim(shape.rank() - n + i) != suffix[static_cast<size_t>(i)]) return false;
  }
  return true;
}

// numpy broadcasting of the parameter shapes (TF's BCastList without the
// dim merging): the batch shape, and for each parameter the flat index it
// reads for each batch element.
struct ParamBroadcast {
  std::vector<int64_t> batch_dims;
  std::vector<std::vector<int64_t>> index;  // [param][batch]

  // False when the shapes do not broadcast.
  bool Init(const std::vector<Shape>& shapes) {
    size_t rank = 0;
    for (const Shape& s : shapes) rank = std::max(rank, static_cast<size_t>(s.rank()));
    batch_dims.assign(rank, 1);
    for (const Shape& s : shapes) {
      const size_t off = rank - static_cast<size_t>(s.rank());
      for (size_t i = 0; i < static_cast<size_t>(s.rank()); ++i) {
        const int64_t d = s.dim(static_cast<int>(i));
        int64_t& b = batch_dims[off + i];
        if (d == b || d == 1) continue;
        if (b != 1) return false;
        b = d;
      }
    }
    int64_t batches = 1;
    for (int64_t d : batch_dims) batches *= d;
    index.assign(shapes.size(), std::vector<int64_t>(static_cast<size_t>(batches), 0));
    for (size_t k = 0; k < shapes.size(); ++k) {
      const Shape& s = shapes[k];
      const size_t off = rank - static_cast<size_t>(s.rank());
      std::vector<int64_t> stride(rank, 0);
      int64_t st = 1;
      for (size_t i = static_cast<size_t>(s.rank()); i-- > 0;) {
        const int64_t d = s.dim(static_cast<int>(i));
        stride[off + i] = d == 1 ? 0 : st;
        st *= d;
      }
      std::vector<int64_t> coord(rank, 0);
      int64_t at = 0;
      for (int64_t b = 0; b < batches; ++b) {
        index[k][static_cast<size_t>(b)] = at;
        for (size_t d = rank; d-- > 0;) {  // odometer step
          at += stride[d];
          if (++coord[d] < batch_dims[d]) break;
          at -= coord[d] * stride[d];
          coord[d] = 0;
        }
      }
    }
    return true;
  }
};

// How the output's elements map to work items, as TF's sampler functors
// number them: work item w is sample w % samples of batch member
// w / samples, stored at (w % samples) * batches + w / samples.
struct SampleLayout {
  int64_t batches = 1;
  int64_t samples = 1;
  int64_t Position(int64_t w) const { return (w % samples) * batches + w / samples; }
};

// Layout of an output whose trailing dims are the batch shape (already
// checked with EndsWith).
inline SampleLayout LayoutFor(const Shape& out, const std::vector<int64_t>& batch_dims) {
  SampleLayout l;
  const int sample_dims = out.rank() - static_cast<int>(batch_dims.size());
  for (int i = 0; i < out.rank(); ++i) (i < sample_dims ? l.samples : l.batches) *= out.dim(i);
  return l;
}

// Element i of a parameter tensor of element type T, read unaligned.
template <typename T>
T Param(const ConstTensor& t, int64_t i) {
  return LoadElement<T>(t, i);
}

}  // namespace random
}  // namespace opbridge
