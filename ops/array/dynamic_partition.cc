// DynamicPartition: TF's tf.dynamic_partition(data, partitions, num_partitions).
// TFLite has no kernel: the converter leaves CUSTOM "DynamicPartition"
// {T, num_partitions} for every dtype (measured with TF 2.21).
//
// partitions (int32) has a prefix of data's shape; output k holds, in
// row-major order of partitions, the data slices whose partition is k:
// shape [count_k] + data.shape[partitions.rank:], known only at run time.
// Every partition value is checked before anything is written, as TF's
// kernel checks them before allocating: a value outside [0, num_partitions)
// is an error in TF's words ("partitions[0,1] = -1 is not in [0, 3)"). The
// op only moves elements, so every dtype TF registers (strings included,
// not resource/variant, which TFLite has no tensors of) is copied by size.
#include <cstdint>
#include <cstring>
#include <vector>

#include "../search/unsorted_segment_reduction.h"
#include "index_vector.h"

namespace opbridge {
namespace {

struct DynamicPartitionParams {
  int64_t num_partitions = 1;

  static void Declare(ParamBinder& b, DynamicPartitionParams& p) {
    b.Attr("num_partitions: int >= 1", &p.num_partitions);
  }
};

// TF's StartsWith check, with its text; unknown dims (graph time) pass.
Status CheckPrefix(const Shape& data, const Shape& partitions) {
  bool ok = data.rank() >= partitions.rank();
  for (int d = 0; ok && d < partitions.rank(); ++d) {
    ok = data.dim(d) < 0 || partitions.dim(d) < 0 || data.dim(d) == partitions.dim(d);
  }
  // TF prints shapes without spaces ("[3,2]").
  const auto text = [](const Shape& s) {
    std::string out = "[";
    for (int d = 0; d < s.rank(); ++d) out += (d ? "," : "") + std::to_string(s.dim(d));
    return out + "]";
  };
  OPBRIDGE_REQUIRE(ok, "data.shape must start with partitions.shape, got data.shape = ", text(data),
                   ", partitions.shape = ", text(partitions));
  return Status::Ok();
}

Status DynamicPartitionShape(ShapeContext& ctx, const DynamicPartitionParams& p) {
  const Shape& data = ctx.input(0);
  const Shape& partitions = ctx.input(1);
  Shape out = Shape::UnknownRank();
  if (data.rank_known() && partitions.rank_known()) {
    OPBRIDGE_RETURN_IF_ERROR(CheckPrefix(data, partitions));
    std::vector<int64_t> dims{kUnknownDim};
    for (int d = partitions.rank(); d < data.rank(); ++d) dims.push_back(data.dim(d));
    out = Shape(dims);
  }
  for (int64_t k = 0; k < p.num_partitions; ++k) {
    ctx.set_output(static_cast<int>(k), out);
    ctx.set_output_dynamic(static_cast<int>(k));
  }
  return Status::Ok();
}

Status DynamicPartitionKernel(KernelContext& ctx, const DynamicPartitionParams& p) {
  const ConstTensor& data = ctx.input(0);
  const ConstTensor& partitions = ctx.input(1);
  OPBRIDGE_REQUIRE(partitions.dtype() == DType::kInt32, "input 'partitions' must be int32, got ",
                   DTypeName(partitions.dtype()));
  OPBRIDGE_REQUIRE(ctx.num_outputs() == p.num_partitions, "the node has ", ctx.num_outputs(),
                   " outputs, num_partitions is ", p.num_partitions);
  OPBRIDGE_RETURN_IF_ERROR(CheckPrefix(data.shape(), partitions.shape()));
  const int64_t n = partitions.num_elements();
  const auto parts = static_cast<size_t>(p.num_partitions);
  // The partition of each slice, all checked first (TF allocates nothing
  // before every value is known good), and the size of each output.
  std::vector<int32_t> where(static_cast<size_t>(n));
  std::vector<int64_t> counts(parts, 0);
  for (int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<int32_t>(unsorted_segment::ReadInt(partitions, i));
    OPBRIDGE_REQUIRE(k >= 0 && k < p.num_partitions, "partitions", unsorted_segment::IndexText(partitions.shape(), i),
                     " = ", k, " is not in [0, ", p.num_partitions, ")");
    where[static_cast<size_t>(i)] = k;
    ++counts[static_cast<size_t>(k)];
  }
  std::vector<int64_t> dims{0};
  int64_t slice = 1;
  for (int d = partitions.rank(); d < data.rank(); ++d) {
    dims.push_back(data.dim(d));
    slice *= data.dim(d);
  }
  for (size_t k = 0; k < parts; ++k) {
    dims[0] = counts[k];
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(static_cast<int>(k), Shape(dims)));
  }
  if (slice == 0 || n == 0) return Status::Ok();
  return array::ForElements(data.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In* in = data.data<In>();
    std::vector<Out*> next(parts);
    for (size_t k = 0; k < parts; ++k) next[k] = ctx.output(static_cast<int>(k)).data<Out>();
    // One pass in input order: each output's slices keep their order.
    for (int64_t i = 0; i < n; ++i) {
      Out*& out = next[static_cast<size_t>(where[static_cast<size_t>(i)])];
      const In* src = in + i * slice;
      for (int64_t j = 0; j < slice; ++j) out[j] = src[j];
      out += slice;
    }
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("DynamicPartition")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("data's slices split into num_partitions outputs by a partition index per slice "
                              "(tf.dynamic_partition).")
                         .Input("data: T")
                         .Input("partitions: int32")
                         .Output("outputs: num_partitions * T")
                         .Params<DynamicPartitionParams>()
                         .Attr("T: type")
                         .ShapeRule(DynamicPartitionShape)
                         .Kernel(DynamicPartitionKernel));

}  // namespace
}  // namespace opbridge
