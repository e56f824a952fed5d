// What TF's stateless random ops share around the generator: the output shape
// read from the `shape` input (TF's tensor::MakeShape), the seed pair of the
// V1 ops, the key/counter/alg inputs of the V2 ops, and the kernels that fill
// a tensor from one of philox.h's distributions. Each op file registers one
// op with these.
#pragma once

#include <Eigen/Core>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../math/element_types.h"
#include "opbridge/op.h"
#include "philox.h"

namespace opbridge {
namespace random {

// TF's Algorithm enum (framework/rng_alg.h).
constexpr int kAlgPhilox = 1;
constexpr int kAlgAutoSelect = 3;

// The output dtype: every random op's attr `dtype`.
struct RandomParams {
  DType dtype = DType::kFloat32;
  static void Declare(ParamBinder& b, RandomParams& p) {
    b.Attr("dtype: {half, bfloat16, float, double} = DT_FLOAT", &p.dtype);
  }
};

// Output dims from a shape vector's values, with TF's checks and texts.
template <typename I>
Status DimsFromValues(const I* values, int64_t n, Shape* out) {
  std::vector<int64_t> dims;
  int64_t total = 1;
  for (int64_t i = 0; i < n; ++i) {
    const auto d = static_cast<int64_t>(values[i]);
    OPBRIDGE_REQUIRE(d >= 0, "Dimension ", d, " must be >= 0");
    dims.push_back(d);
    OPBRIDGE_REQUIRE(d == 0 || total <= std::numeric_limits<int64_t>::max() / std::max<int64_t>(d, 1),
                     "Shape ", Shape(dims).ToString(), " would have more than 2**63 - 1 elements");
    total *= d;
  }
  *out = Shape(std::move(dims));
  return Status::Ok();
}

inline Status ShapeFromTensor(const ConstTensor& shape_t, Shape* out) {
  OPBRIDGE_REQUIRE(shape_t.rank() == 1, "shape must be a vector of {int32,int64}, got shape ",
                   shape_t.shape().ToString());
  return Dispatch<int32_t, int64_t>(shape_t.dtype(), [&](auto tag) {
    return DimsFromValues(shape_t.data<typename decltype(tag)::type>(), shape_t.num_elements(), out);
  });
}

// Shape rule of every op whose input 0 is the output shape: known when that
// input is a constant, else the output is sized at run time.
inline Status ShapeFromInput0(ShapeContext& ctx) {
  const Shape& s = ctx.input(0);
  OPBRIDGE_REQUIRE(!s.rank_known() || s.rank() == 1, "shape must be a vector of {int32,int64}, got shape ",
                   s.ToString());
  if (const ConstTensor* value = ctx.input_value(0)) {
    Shape out;
    OPBRIDGE_RETURN_IF_ERROR(ShapeFromTensor(*value, &out));
    ctx.set_output(0, out);
    return Status::Ok();
  }
  ctx.set_output(0, s.rank_known() && s.dim(0) >= 0 ? Shape(std::vector<int64_t>(static_cast<size_t>(s.dim(0)), -1))
                                                    : Shape::UnknownRank());
  ctx.set_output_dynamic(0);
  return Status::Ok();
}
template <typename P>
Status ShapeFromInput0(ShapeContext& ctx, const P&) {
  return ShapeFromInput0(ctx);
}

// The output of shape `shape` (allocated here when the shape rule could not size it).
inline Status ShapedOutput(KernelContext& ctx, const Shape& shape, Tensor* out) {
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, shape));
  OPBRIDGE_REQUIRE(ctx.output(0).shape().dims() == shape.dims(), "output has shape ",
                   ctx.output(0).shape().ToString(), ", input 'shape' says ", shape.ToString());
  *out = ctx.output(0);
  return Status::Ok();
}

inline Status CheckSeedShape(const ConstTensor& seed) {
  OPBRIDGE_REQUIRE(seed.rank() == 1 && seed.dim(0) == 2, "seed must have shape [2], not ", seed.shape().ToString());
  return Status::Ok();
}

// The generator of a seed pair (V1 ops, StatelessMultinomial); int32 seeds
// are sign-extended as TF widens them. Other seed types are TF's run-time
// error (StatelessRandomUniformFullInt's Tseed admits uint32/uint64).
// Element i of a tensor whose data may not be aligned for T: a constant in a
// .tflite file is only as aligned as the converter placed its buffer.
template <typename T>
T LoadElement(const ConstTensor& t, int64_t i) {
  T v;
  std::memcpy(&v, t.data<char>() + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return v;
}

inline Status GeneratorFromSeed(const ConstTensor& seed, uint64_t* key, uint64_t counter[2]) {
  uint64_t s0, s1;
  if (seed.dtype() == DType::kInt32) {
    s0 = static_cast<uint64_t>(static_cast<int64_t>(LoadElement<int32_t>(seed, 0)));
    s1 = static_cast<uint64_t>(static_cast<int64_t>(LoadElement<int32_t>(seed, 1)));
  } else if (seed.dtype() == DType::kInt64) {
    s0 = static_cast<uint64_t>(LoadElement<int64_t>(seed, 0));
    s1 = static_cast<uint64_t>(LoadElement<int64_t>(seed, 1));
  } else {
    return Errorf("Invalid seed type: ", DTypeName(seed.dtype()));
  }
  KeyCounterFromSeed(s0, s1, key, counter);
  return Status::Ok();
}

// V2 ops: inputs (shape, key, counter, alg). TF's checks in TF's order: alg a
// scalar, AUTO_SELECT meaning Philox, key of shape [1], counter a vector of
// at least `alg` elements (TF compares with the algorithm's id). Philox needs
// two counter words: TF reads past a one-element counter, opbridge refuses it.
inline Status ReadKeyCounterAlg(const KernelContext& ctx, int* alg) {
  const ConstTensor& key = ctx.input(1);
  const ConstTensor& counter = ctx.input(2);
  const ConstTensor& alg_t = ctx.input(3);
  OPBRIDGE_REQUIRE(alg_t.rank() == 0, "input 3 (0-based) must have shape [], not ", alg_t.shape().ToString());
  *alg = LoadElement<int32_t>(alg_t, 0);
  if (*alg == kAlgAutoSelect) *alg = kAlgPhilox;
  OPBRIDGE_REQUIRE(key.rank() == 1 && key.dim(0) == 1, "key must have shape [1], not ", key.shape().ToString(),
                   ". (Note that batched keys are not supported yet.)");
  OPBRIDGE_REQUIRE(counter.rank() == 1 && counter.dim(0) >= *alg, "counter must be a vector with length at least ",
                   *alg, "; got shape: ", counter.shape().ToString(),
                   ". (Note that batched counters are not supported yet.)");
  return Status::Ok();
}

// The generator for a V2 op once the output is known to be non-empty: only
// Philox (and AUTO_SELECT) have a CPU kernel in TF.
inline Status PhiloxFromKeyCounter(const KernelContext& ctx, int alg, Philox* gen) {
  OPBRIDGE_REQUIRE(alg == kAlgPhilox, "Unsupported algorithm id: ", alg);
  const ConstTensor& counter = ctx.input(2);
  OPBRIDGE_REQUIRE(counter.dim(0) >= 2, "counter has shape ", counter.shape().ToString(),
                   "; Philox needs 2 elements (TF would read past its end)");
  const uint64_t words[2] = {LoadElement<uint64_t>(counter, 0), LoadElement<uint64_t>(counter, 1)};
  *gen = Philox::FromKeyCounter(LoadElement<uint64_t>(ctx.input(1), 0), words);
  return Status::Ok();
}

// minval/maxval of the UniformInt ops (inputs `lo_index`, `lo_index + 1`),
// checked as TF does once the output is non-empty.
template <typename T>
Status ReadRange(const KernelContext& ctx, int lo_index, T* lo, T* hi) {
  const ConstTensor& minval = ctx.input(lo_index);
  const ConstTensor& maxval = ctx.input(lo_index + 1);
  OPBRIDGE_REQUIRE(minval.rank() == 0, "minval must be 0-D, got shape ", minval.shape().ToString());
  OPBRIDGE_REQUIRE(maxval.rank() == 0, "maxval must be 0-D, got shape ", maxval.shape().ToString());
  *lo = LoadElement<T>(minval, 0);
  *hi = LoadElement<T>(maxval, 0);
  OPBRIDGE_REQUIRE(*lo < *hi, "Need minval < maxval, got ", *lo, " >= ", *hi);
  return Status::Ok();
}

// A V2 float op: uniform, normal or truncated normal by `Dist`.
template <template <typename> class Dist>
Status FloatV2Kernel(KernelContext& ctx, const RandomParams& p) {
  int alg = 0;
  OPBRIDGE_RETURN_IF_ERROR(ReadKeyCounterAlg(ctx, &alg));
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(ShapeFromTensor(ctx.input(0), &shape));
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(ShapedOutput(ctx, shape, &out));
  if (out.num_elements() == 0) return Status::Ok();
  Philox gen;
  OPBRIDGE_RETURN_IF_ERROR(PhiloxFromKeyCounter(ctx, alg, &gen));
  return math::DispatchFloating(p.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    FillPhilox(ctx, gen, Dist<T>(), out.data<T>(), out.num_elements());
    return Status::Ok();
  });
}

// A V1 float op: inputs (shape, seed).
template <template <typename> class Dist>
Status FloatV1Kernel(KernelContext& ctx, const RandomParams& p) {
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(ShapeFromTensor(ctx.input(0), &shape));
  OPBRIDGE_RETURN_IF_ERROR(CheckSeedShape(ctx.input(1)));
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(ShapedOutput(ctx, shape, &out));
  if (out.num_elements() == 0) return Status::Ok();
  uint64_t key, counter[2];
  OPBRIDGE_RETURN_IF_ERROR(GeneratorFromSeed(ctx.input(1), &key, counter));
  return math::DispatchFloating(p.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    FillPhilox(ctx, Philox::FromKeyCounter(key, counter), Dist<T>(), out.data<T>(), out.num_elements());
    return Status::Ok();
  });
}

}  // namespace random
}  // namespace opbridge
