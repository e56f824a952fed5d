// Substr: tf.strings.substr, pos and len (int32 or int64) per string, in
// bytes or UTF-8 characters. As TF's kernel (substr_op.cc), checks in its
// order: pos and len the same shape; neither empty. Then pos/len either
// scalars or input's shape (elementwise), or broadcast numpy-style with the
// input to an output of rank 1 or 2 (TF implements no other rank:
// "Substr broadcast not implemented for N dimensions").
// BYTE: a negative pos counts from the end; pos must land in [0, size]
// ("pos P out of range for string b'...' at index I", "(i, j)" in 2-D); a
// negative len takes the rest (TF passes it to substr as a size_t).
// UTF8_CHAR (TF's UpdatePosAndLenForUtf8): pos >= 0 walks pos characters
// forward (error if the string has fewer), then len more, capped at the
// end (len < 0 gives ""). pos < 0: the end is found by walking back
// max(0, -pos - len) characters from the end, the start by walking back
// -pos - that from the end; either walk running out is the error "pos P out
// of range for string at index I" (so a negative pos with a negative len
// fails). TF computes -pos - len in T, which can overflow (undefined); its
// build then behaves as if computed exactly (measured: pos -3, len
// INT32_MIN + 1 is an error, not a wrapped "skip nothing"), so this kernel
// computes it exactly, in 128 bits.
#include <string>
#include <string_view>
#include <vector>

#include "char_unit.h"
#include "opbridge/op.h"
#include "string_outputs.h"

namespace opbridge {
namespace {

struct SubstrParams {
  strings::CharUnit unit = strings::CharUnit::kByte;

  static void Declare(ParamBinder& b, SubstrParams& p) { strings::DeclareUnit(b, &p.unit); }
};

// The output's shape as TF's kernel decides it, or its error.
Status OutputShape(const Shape& input, const Shape& pos, const Shape& len, Shape* out) {
  OPBRIDGE_REQUIRE(pos.dims() == len.dims(), "pos and len should have the same shape, got: ", pos.ToString(),
                   " vs. ", len.ToString());
  OPBRIDGE_REQUIRE(pos.num_elements() > 0, "received empty tensor pos_tensor: shape ", pos.ToString());
  OPBRIDGE_REQUIRE(len.num_elements() > 0, "received empty tensor len_tensor: shape ", len.ToString());
  if (pos.rank() == 0 || input.dims() == pos.dims()) {
    *out = input;
    return Status::Ok();
  }
  const int rank = std::max(input.rank(), pos.rank());
  std::vector<int64_t> dims(static_cast<size_t>(rank));
  for (int k = 0; k < rank; ++k) {
    const int a = k - (rank - input.rank()), b = k - (rank - pos.rank());
    const int64_t x = a < 0 ? 1 : input.dim(a), y = b < 0 ? 1 : pos.dim(b);
    OPBRIDGE_REQUIRE(x == y || x == 1 || y == 1, "Incompatible shapes: ", input.ToString(), " vs. ",
                     pos.ToString());
    dims[static_cast<size_t>(k)] = x == 1 ? y : x;
  }
  OPBRIDGE_REQUIRE(rank <= 2, "Substr broadcast not implemented for ", rank, " dimensions");
  *out = Shape(dims);
  return Status::Ok();
}

Status SubstrShape(ShapeContext& ctx) {
  if (!ctx.input(0).fully_known() || !ctx.input(1).fully_known() || !ctx.input(2).fully_known()) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  Shape out;
  OPBRIDGE_RETURN_IF_ERROR(OutputShape(ctx.input(0), ctx.input(1), ctx.input(2), &out));
  ctx.set_output(0, out);
  return Status::Ok();
}

// -a - b exactly, clamped to [-1, limit + 1]: a walk of more characters than
// the string has fails the same way however many more.
int64_t NegSub(__int128 a, __int128 b, int64_t limit) {
  const __int128 v = -a - b;
  return v < 0 ? -1 : (v > limit ? limit + 1 : static_cast<int64_t>(v));
}

// The [start, start + size) bytes of `s` that Substr gives, or false.
template <typename T>
bool Locate(std::string_view s, T pos, T len, strings::CharUnit unit, int64_t* start, int64_t* size) {
  const int64_t n = static_cast<int64_t>(s.size());
  if (unit == strings::CharUnit::kByte) {
    const int64_t at = pos < 0 ? n + static_cast<int64_t>(pos) : static_cast<int64_t>(pos);
    if (at < 0 || at > n) return false;
    *start = at;
    *size = (len < 0 || static_cast<int64_t>(len) > n - at) ? n - at : static_cast<int64_t>(len);
    return true;
  }
  if (pos >= 0) {
    int64_t begin = 0;
    if (!strings::ForwardChars(s, pos, &begin)) return false;
    int64_t end = begin;
    strings::ForwardChars(s, len, &end);  // capped at the end of the string
    *start = begin;
    *size = end - begin;
    return true;
  }
  int64_t skip = NegSub(pos, len, n);
  if (skip < 0) skip = 0;
  int64_t end = n;
  if (!strings::BackChars(s, skip, &end)) return false;
  int64_t begin = end;
  if (!strings::BackChars(s, NegSub(pos, skip, n), &begin)) return false;
  *start = begin;
  *size = end - begin;
  return true;
}

template <typename T>
Status Run(KernelContext& ctx, const SubstrParams& p) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& pos_t = ctx.input(1);
  const ConstTensor& len_t = ctx.input(2);
  Shape out_shape;
  OPBRIDGE_RETURN_IF_ERROR(OutputShape(input.shape(), pos_t.shape(), len_t.shape(), &out_shape));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, out_shape));
  const int64_t count = out_shape.num_elements();
  const int rank = out_shape.rank();
  const bool broadcast = !(pos_t.rank() == 0 || input.shape().dims() == pos_t.shape().dims());
  // Element e's input and pos/len indices; broadcasting is at most 2-D here.
  auto source = [&](const Shape& s, int64_t e, bool scalar) -> int64_t {
    if (scalar) return 0;
    if (!broadcast) return e;
    const int64_t cols = rank == 2 ? out_shape.dim(1) : 1;
    const int64_t i = rank == 2 ? e / cols : e, j = rank == 2 ? e % cols : 0;
    const int off = rank - s.rank();
    int64_t index = 0;
    for (int k = 0; k < s.rank(); ++k) {
      const int64_t coord = (k + off == 0) ? i : j;
      index = index * s.dim(k) + (s.dim(k) > 1 ? coord : 0);
    }
    return index;
  };
  const std::string_view* in = input.data<std::string_view>();
  const T* pos = pos_t.data<T>();
  const T* len = len_t.data<T>();
  std::vector<int64_t> starts(static_cast<size_t>(count)), sizes(static_cast<size_t>(count));
  uint64_t bytes = 0;
  for (int64_t e = 0; e < count; ++e) {
    const std::string_view s = in[source(input.shape(), e, false)];
    const int64_t k = source(pos_t.shape(), e, pos_t.rank() == 0);
    if (!Locate<T>(s, pos[k], len[k], p.unit, &starts[static_cast<size_t>(e)], &sizes[static_cast<size_t>(e)])) {
      if (p.unit == strings::CharUnit::kUtf8Char) {
        return Errorf("pos ", pos[k], " out of range for string at index ",
                      broadcast && rank == 2 ? e / out_shape.dim(1) : e);
      }
      if (broadcast && rank == 2) {
        return Errorf("pos ", pos[k], " out of range for string b'", s, "' at index (", e / out_shape.dim(1), ", ",
                      e % out_shape.dim(1), ")");
      }
      return Errorf("pos ", pos[k], " out of range for string b'", s, "' at index ", e);
    }
    bytes += static_cast<uint64_t>(sizes[static_cast<size_t>(e)]);  // each <= its input's size: no overflow
  }
  OPBRIDGE_RETURN_IF_ERROR(strings::CheckStringOutput("output", static_cast<uint64_t>(count), bytes));
  // Views of the input's strings: the adapter copies each once.
  std::string_view* out = ctx.output(0).data<std::string_view>();
  for (int64_t e = 0; e < count; ++e) {
    out[e] = in[source(input.shape(), e, false)].substr(static_cast<size_t>(starts[static_cast<size_t>(e)]),
                                                        static_cast<size_t>(sizes[static_cast<size_t>(e)]));
  }
  return Status::Ok();
}

Status SubstrKernel(KernelContext& ctx, const SubstrParams& p) {
  return Dispatch<int32_t, int64_t>(ctx.input(1).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return Run<T>(ctx, p);
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("Substr")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Substrings by position and length in bytes or UTF-8 characters "
                              "(tf.strings.substr), with TF's broadcasting and range errors.")
                         .Input("input: string")
                         .Input("pos: T")
                         .Input("len: T")
                         .Output("output: string")
                         .Attr("T: {int32, int64}")
                         .Params<SubstrParams>()
                         .ShapeRule(SubstrShape)
                         .Kernel(SubstrKernel));

}  // namespace opbridge
