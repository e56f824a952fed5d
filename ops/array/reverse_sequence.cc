// ReverseSequence: TF's tf.reverse_sequence(input, seq_lengths, seq_axis,
// batch_axis): for each index b along batch_dim, the first seq_lengths[b]
// elements along seq_dim reversed, the rest copied. TFLite's
// REVERSE_SEQUENCE takes float32, int32 and int64 (and quantized 8/16-bit);
// for every other dtype TF's kernel takes (int8, int16, the unsigned types,
// bool, half, bfloat16, float64, complex, string) the converter leaves CUSTOM
// "ReverseSequence" {T, Tlen, seq_dim, batch_dim} (measured by
// tests/test_parity_integer_reductions.py). Elements are moved as raw
// elements of their size, strings as views (array::ForElements): exact.
//
// TF's checks and texts (reverse_sequence_op.cc): seq_dim and batch_dim
// non-negative, different and below the rank, seq_lengths a vector of one
// length per batch index, each length in [0, input.dims(seq_dim)]; TF's
// kernel handles ranks 2 to 5 and refuses others.
#include <algorithm>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

struct ReverseSequenceParams {
  int64_t seq_dim = 0;
  int64_t batch_dim = 0;

  static void Declare(ParamBinder& b, ReverseSequenceParams& p) {
    b.Attr("seq_dim: int", &p.seq_dim);
    b.Attr("batch_dim: int = 0", &p.batch_dim);
  }
  Status Validate() const {
    OPBRIDGE_REQUIRE(batch_dim >= 0, "Invalid batch_dim ", batch_dim);
    OPBRIDGE_REQUIRE(seq_dim >= 0, "Invalid seq_dim ", seq_dim);
    return Status::Ok();
  }
};

// TF's checks of the dims against a known rank.
Status CheckDims(const ReverseSequenceParams& p, int rank) {
  OPBRIDGE_REQUIRE(p.batch_dim != p.seq_dim, "batch_dim == seq_dim == ", p.seq_dim);
  OPBRIDGE_REQUIRE(p.seq_dim < rank, "seq_dim must be < input rank ( ", p.seq_dim, " vs. ", rank, ")");
  OPBRIDGE_REQUIRE(p.batch_dim < rank, "batch_dim must be < input rank ( ", p.batch_dim, " vs. ", rank, ")");
  return Status::Ok();
}

Status ReverseSequenceShape(ShapeContext& ctx, const ReverseSequenceParams& p) {
  const Shape& lengths = ctx.input(1);
  OPBRIDGE_REQUIRE(!lengths.rank_known() || lengths.rank() == 1, "seq_lengths must be 1-dim, not ",
                   lengths.rank());
  const Shape& input = ctx.input(0);
  if (input.rank_known()) {
    OPBRIDGE_RETURN_IF_ERROR(CheckDims(p, input.rank()));
    const int64_t batch = input.dim(static_cast<int>(p.batch_dim));
    OPBRIDGE_REQUIRE(!lengths.rank_known() || lengths.dim(0) == kUnknownDim || batch == kUnknownDim ||
                         lengths.dim(0) == batch,
                     "Length of seq_lengths != input.dims(", p.batch_dim, "), (", lengths.dim(0), " vs. ", batch,
                     ")");
  }
  ctx.set_output(0, input);
  return Status::Ok();
}

Status Kernel(KernelContext& ctx, const ReverseSequenceParams& p) {
  const ConstTensor& x = ctx.input(0);
  const ConstTensor& lengths_t = ctx.input(1);
  OPBRIDGE_REQUIRE(lengths_t.rank() == 1, "seq_lengths must be 1-dim, not ", lengths_t.rank());
  const int rank = x.rank();
  OPBRIDGE_RETURN_IF_ERROR(CheckDims(p, rank));
  const int seq_dim = static_cast<int>(p.seq_dim), batch_dim = static_cast<int>(p.batch_dim);
  OPBRIDGE_REQUIRE(lengths_t.num_elements() == x.dim(batch_dim), "Length of seq_lengths != input.dims(",
                   batch_dim, "), (", lengths_t.num_elements(), " vs. ", x.dim(batch_dim), ")");
  const std::vector<int64_t> lengths = array::ReadIndices(lengths_t);
  for (size_t b = 0; b < lengths.size(); ++b) {
    OPBRIDGE_REQUIRE(lengths[b] >= 0, "seq_lens(", b, ") < 0");
    OPBRIDGE_REQUIRE(lengths[b] <= x.dim(seq_dim), "seq_lens(", b, ") > input.dims(", seq_dim, ")");
  }
  OPBRIDGE_REQUIRE(rank >= 2 && rank <= 5, "ReverseSequenceOp : Unhandled input dimensions: ", rank);
  if (x.num_elements() == 0) return Status::Ok();
  // Output rows of the last dim: row r's coordinates give its batch index
  // and, where seq_dim is not the last dim, the position along seq_dim it
  // takes its row from; where seq_dim is the last dim, each row is reversed
  // in its first lengths[b] elements.
  const std::vector<int64_t> dims = x.shape().dims();
  const std::vector<int64_t> strides = array::Strides(dims);
  const int64_t inner = dims.back();
  const int64_t rows = x.num_elements() / inner;
  const bool seq_last = seq_dim == rank - 1;
  return array::ForElements(x.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In* in = x.data<In>();
    Out* out = ctx.output(0).data<Out>();
    array::ParallelForElements<Out>(ctx, rows, inner + 10, [&](int64_t lo, int64_t hi) {
      for (int64_t row = lo; row < hi; ++row) {
        // This row's coordinates in the outer dims (the last dim is the row).
        int64_t rest = row, batch = 0, seq = 0;
        for (int d = rank - 2; d >= 0; --d) {
          const int64_t c = rest % dims[static_cast<size_t>(d)];
          rest /= dims[static_cast<size_t>(d)];
          if (d == batch_dim) batch = c;
          if (d == seq_dim) seq = c;
        }
        const int64_t len = lengths[static_cast<size_t>(batch)];
        Out* dst = out + row * inner;
        if (seq_last) {
          const In* src = in + row * inner;
          for (int64_t k = 0; k < len; ++k) dst[k] = src[len - 1 - k];
          std::copy(src + len, src + inner, dst + len);
        } else if (batch_dim == rank - 1) {
          // The batch index varies along the row: element by element.
          const int64_t base = row * inner - seq * strides[static_cast<size_t>(seq_dim)];
          for (int64_t k = 0; k < inner; ++k) {
            const int64_t l = lengths[static_cast<size_t>(k)];
            const int64_t from = seq < l ? l - 1 - seq : seq;
            dst[k] = in[base + from * strides[static_cast<size_t>(seq_dim)] + k];
          }
        } else {
          const int64_t from = seq < len ? len - 1 - seq : seq;
          const In* src = in + row * inner + (from - seq) * strides[static_cast<size_t>(seq_dim)];
          std::copy(src, src + inner, dst);
        }
      }
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("ReverseSequence")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The first seq_lengths[b] elements along seq_dim reversed, for each index b along "
                              "batch_dim (tf.reverse_sequence).")
                         .Input("input: T")
                         .Input("seq_lengths: Tlen")
                         .Output("output: T")
                         .Params<ReverseSequenceParams>()
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, bool, complex64, complex128, string}")
                         .Attr("Tlen: {int32, int64} = DT_INT64")
                         .ShapeRule(ReverseSequenceShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
