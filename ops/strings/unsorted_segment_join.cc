// UnsortedSegmentJoin: tf.strings.unsorted_segment_join, joining the strings
// of each segment in input order (Keras/keras-hub ragged string reductions).
// As TF 2.21's kernel (unsorted_segment_join_op.cc), checks in its order and
// with its texts: num_segments non-empty, a scalar, >= 0; segment_ids not a
// scalar, rank <= input rank, each dim equal to the input's (TF's text prints
// the input's RANK as "input dimension"); ids in [0, num_segments).
// Output: [num_segments] + input.shape[ids.rank:], "" for empty segments.
// QUIRKS kept: the separator goes in only when the segment's string is
// non-empty so far (so empty pieces swallow separators: "", "a" -> "a"),
// and it is cut at its first NUL byte (TF appends separator_.c_str()).
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "opbridge/op.h"
#include "string_outputs.h"

namespace opbridge {
namespace {

struct UnsortedSegmentJoinParams {
  std::string separator;

  static void Declare(ParamBinder& b, UnsortedSegmentJoinParams& p) {
    b.Attr("separator: string = ''", &p.separator);
  }
};

Status UnsortedSegmentJoinShape(ShapeContext& ctx) {
  ctx.set_output(0, Shape::UnknownRank());
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

template <typename I, typename N>
Status Join(KernelContext& ctx, const UnsortedSegmentJoinParams& p) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& ids_t = ctx.input(1);
  const ConstTensor& num_t = ctx.input(2);
  OPBRIDGE_REQUIRE(num_t.num_elements() != 0, "Number of segments cannot be empty.");
  OPBRIDGE_REQUIRE(num_t.rank() == 0, "Number of segments must be a scalar");
  const int64_t num_segments = num_t.data<N>()[0];
  OPBRIDGE_REQUIRE(num_segments >= 0, "Number of segments must be non-negative but got ", num_segments);
  const int seg_rank = ids_t.rank();
  OPBRIDGE_REQUIRE(seg_rank != 0, "Segment_id cannot have rank 0");
  OPBRIDGE_REQUIRE(seg_rank <= input.rank(), "Invalid segment_id rank ", seg_rank, " for input with ",
                   input.rank(), " dimension(s)");
  for (int d = 0; d < seg_rank; ++d) {
    OPBRIDGE_REQUIRE(ids_t.dim(d) == input.dim(d), "Segment dimension is ", ids_t.dim(d),
                     " while input dimension is ", input.rank(), " in rank ", d);
  }
  std::vector<int64_t> out_dims{num_segments};
  int64_t inner = 1;
  for (int d = seg_rank; d < input.rank(); ++d) {
    out_dims.push_back(input.dim(d));
    inner *= input.dim(d);
  }
  const std::string_view* in = input.data<std::string_view>();
  const std::string_view separator(p.separator.c_str(), std::strlen(p.separator.c_str()));
  const uint64_t count = strings::SaturatingMul(static_cast<uint64_t>(num_segments), static_cast<uint64_t>(inner));
  uint64_t bytes = 0;
  for (int64_t i = 0; i < input.num_elements(); ++i) bytes += in[i].size() + separator.size();
  OPBRIDGE_RETURN_IF_ERROR(strings::CheckStringOutput("output", count, bytes));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(out_dims)));

  const I* ids = ids_t.data<I>();
  const int64_t num_ids = ids_t.num_elements();
  for (int64_t i = 0; i < num_ids; ++i) {
    OPBRIDGE_REQUIRE(ids[i] >= 0 && static_cast<int64_t>(ids[i]) < num_segments,
                     "segment_ids are not allowed to exceed num_segments or to have negative values.");
  }
  std::string* out = ctx.output(0).data<std::string>();
  for (int64_t k = 0; k < inner; ++k) {
    for (int64_t i = 0; i < num_ids; ++i) {
      std::string& s = out[static_cast<int64_t>(ids[i]) * inner + k];
      if (!s.empty()) s.append(separator);
      s.append(in[i * inner + k]);
    }
  }
  return Status::Ok();
}

Status UnsortedSegmentJoinKernel(KernelContext& ctx, const UnsortedSegmentJoinParams& p) {
  return Dispatch<int32_t, int64_t>(ctx.input(1).dtype(), [&](auto itag) {
    return Dispatch<int32_t, int64_t>(ctx.input(2).dtype(), [&](auto ntag) {
      return Join<typename decltype(itag)::type, typename decltype(ntag)::type>(ctx, p);
    });
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("UnsortedSegmentJoin")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Joins the strings of each segment in input order "
                              "(tf.strings.unsorted_segment_join).")
                         .Input("inputs: string")
                         .Input("segment_ids: Tindices")
                         .Input("num_segments: Tnumsegments")
                         .Output("output: string")
                         .Params<UnsortedSegmentJoinParams>()
                         .Attr("Tindices: {int32, int64}")
                         .Attr("Tnumsegments: {int32, int64} = DT_INT32")
                         .ShapeRule(UnsortedSegmentJoinShape)
                         .Kernel(UnsortedSegmentJoinKernel));

}  // namespace opbridge
