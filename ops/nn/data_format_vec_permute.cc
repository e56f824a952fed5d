// DataFormatVecPermute: TF's tf.raw_ops.DataFormatVecPermute
// (tf.compat.v1.nn.data_format_vec_permute), which TF's layout optimizer and
// exported graphs use to move a shape, a stride list or paddings between
// layouts: the rows of x, one per dim of src_format, reordered to
// dst_format's order. The converter has no builtin for it and leaves CUSTOM
// "DataFormatVecPermute" {T, src_format, dst_format}.
//
// As TF's kernel: x is [n] or [n, 2] with n the formats' length (4 or 5), or
// the number of their spatial dims (2: H and W; 3: D, H and W), when only the
// spatial dims are permuted; TF's checks in its order and its texts.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "data_format.h"

namespace opbridge {
namespace {

using nn::DataFormatParams;

// TF's TensorShape::DebugString: "[2,3]".
std::string ShapeText(const Shape& s) {
  std::string out = "[";
  for (int i = 0; i < s.rank(); ++i) out += (i ? "," : "") + std::to_string(s.dim(i));
  return out + "]";
}

// TF's checks of x's shape; dims not known yet pass.
Status CheckInput(const Shape& x, const DataFormatParams& p) {
  if (!x.rank_known()) return Status::Ok();
  OPBRIDGE_REQUIRE(x.rank() == 1 || x.rank() == 2, "input must be a vector or 2D tensor, but got shape ",
                   ShapeText(x));
  const int64_t full = static_cast<int64_t>(p.src_format.size()), spatial = full - 2;
  const int64_t rows = x.dim(0);
  if (rows < 0) return Status::Ok();
  if (x.rank() == 1) {
    OPBRIDGE_REQUIRE(rows == spatial || rows == full, "1D input must be of size ", spatial, " or ", full,
                     ", but got shape ", ShapeText(x));
  } else {
    OPBRIDGE_REQUIRE(rows == spatial || rows == full, "First dimension of 2D input must be of size ", spatial,
                     " or ", full, ", but got shape ", ShapeText(x));
    OPBRIDGE_REQUIRE(x.dim(1) < 0 || x.dim(1) == 2, "Second dimension of 2D input must be of size 2, but got shape ",
                     ShapeText(x));
  }
  return Status::Ok();
}

Status VecPermuteShape(ShapeContext& ctx, const DataFormatParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(CheckInput(ctx.input(0), p));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

Status VecPermuteKernel(KernelContext& ctx, const DataFormatParams& p) {
  const ConstTensor& x = ctx.input(0);
  OPBRIDGE_RETURN_IF_ERROR(CheckInput(x.shape(), p));
  std::string src = p.src_format, dst = p.dst_format;
  const int64_t spatial = static_cast<int64_t>(src.size()) - 2;
  if (x.dim(0) == spatial) {
    // Only the spatial dims: D (5-character formats), H and W.
    const auto drop = [&](std::string* f) {
      f->erase(std::remove_if(f->begin(), f->end(),
                              [&](char c) { return c != 'H' && c != 'W' && (spatial == 2 || c != 'D'); }),
               f->end());
    };
    drop(&src);
    drop(&dst);
    if (spatial == 3) {
      OPBRIDGE_REQUIRE(src.size() == 3 && dst.size() == 3, "Format specifier must contain D, H and W for 2D case");
    } else {
      OPBRIDGE_REQUIRE(src.size() == 2 && dst.size() == 2, "Format specifier must contain H and W for 2D case");
    }
  }
  // Output row i is input row from[i]: where dst's i-th dim is in src.
  std::vector<size_t> from(dst.size());
  for (size_t i = 0; i < dst.size(); ++i) from[i] = src.find(dst[i]);
  const int64_t width = x.rank() == 2 ? x.dim(1) : 1;
  return Dispatch<int32_t, int64_t>(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = x.data<T>();
    T* out = ctx.output(0).data<T>();
    for (size_t i = 0; i < from.size(); ++i) {
      std::copy(in + static_cast<int64_t>(from[i]) * width, in + static_cast<int64_t>(from[i] + 1) * width,
                out + static_cast<int64_t>(i) * width);
    }
    return Status::Ok();
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("DataFormatVecPermute")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The rows of x (one per dim of src_format) in dst_format's order.")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {int32, int64} = DT_INT32")
                         .Params<DataFormatParams>()
                         .ShapeRule(VecPermuteShape)
                         .Kernel(VecPermuteKernel));

}  // namespace opbridge
