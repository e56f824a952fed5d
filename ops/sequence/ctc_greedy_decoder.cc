// CTCGreedyDecoder: TF's best-path CTC decoding (tf.nn.ctc_greedy_decoder).
// The converter emits CUSTOM "CTCGreedyDecoder" {T, blank_index,
// merge_repeated}; the decoded sequences are a sparse tensor whose size is
// known only at run time (decoded_indices and decoded_values are dynamic).
//
// As TF's kernel: for each batch entry b and t < sequence_length[b], the class
// with the largest logit (the first on ties; a NaN never wins a comparison,
// so a NaN first logit keeps class 0) is emitted unless it is the blank or,
// with merge_repeated, equals the previous step's class. log_probability[b]
// is minus the sum of those maxima. A negative sequence length decodes nothing.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "ctc_inputs.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct GreedyParams {
  bool merge_repeated = false;
  int64_t blank_index = -1;

  static void Declare(ParamBinder& b, GreedyParams& p) {
    b.Attr("merge_repeated: bool = false", &p.merge_repeated);
    b.Attr("blank_index: int = -1", &p.blank_index);
  }
};

Status CtcGreedyShape(ShapeContext& ctx) {
  int64_t batch = kUnknownDim;
  OPBRIDGE_RETURN_IF_ERROR(ctc::CheckInputShapes(ctx, &batch));
  ctx.set_output(0, Shape({kUnknownDim, 2}));
  ctx.set_output_dynamic(0);
  ctx.set_output(1, Shape({kUnknownDim}));
  ctx.set_output_dynamic(1);
  ctx.set_output(2, Shape({2}));
  ctx.set_output(3, Shape({batch, 1}));
  return Status::Ok();
}

// The class TF's decoder picks: the first c with row[c] > every earlier
// value, i.e. the first maximal value (NaN never wins; a NaN at 0 is never
// beaten; +0 and -0 are equal, so the first zero). The maximum is found in 8
// interleaved lanes (row[c] > m ? row[c] : m, one max instruction per
// vector: a branch per class mispredicted on noisy logits), then its first
// position; both give the index the one-pass scan gives.
template <typename T>
int64_t FirstMax(const T* row, int64_t classes) {
  if (!(row[0] == row[0])) return 0;
  constexpr int64_t kLanes = 8;
  T m[kLanes];
  for (int64_t l = 0; l < kLanes; ++l) m[l] = row[0];
  int64_t c = 1;
  for (; c + kLanes <= classes; c += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) m[l] = row[c + l] > m[l] ? row[c + l] : m[l];
  }
  for (; c < classes; ++c) m[0] = row[c] > m[0] ? row[c] : m[0];
  T best = m[0];
  for (int64_t l = 1; l < kLanes; ++l) best = m[l] > best ? m[l] : best;
  c = 0;
  while (!(row[c] == best)) ++c;
  return c;
}

template <typename T>
Status Decode(KernelContext& ctx, const GreedyParams& p) {
  const ConstTensor& inputs = ctx.input(0);
  ctc::Inputs in;
  OPBRIDGE_RETURN_IF_ERROR(ctc::ReadInputs(ctx, &in));
  const int64_t max_time = in.max_time, batch = in.batch, classes = in.classes;
  const int32_t* seq_len = in.seq_len;
  const int64_t blank_attr = p.blank_index;
  const int64_t blank = blank_attr < 0 ? classes + blank_attr : blank_attr;
  OPBRIDGE_REQUIRE(blank >= 0 && blank < classes, "blank_index expected to be between ", -classes, " and ",
                   classes - 1, " but was ", blank_attr);
  const bool merge = p.merge_repeated;

  const T* logits = inputs.data<T>();
  T* log_prob = ctx.output(3).data<T>();
  std::vector<std::vector<int64_t>> sequences(static_cast<size_t>(batch));
  // Time outer, batch inner: the logits are read in memory order.
  ctx.ParallelFor(batch, 4 * max_time * classes + 50, [&](int64_t begin, int64_t end) {
    std::vector<T> scores(static_cast<size_t>(end - begin), T(0));
    std::vector<int64_t> previous(static_cast<size_t>(end - begin), -1);
    int64_t longest_input = 0;
    for (int64_t b = begin; b < end; ++b) longest_input = std::max<int64_t>(longest_input, seq_len[b]);
    for (int64_t t = 0; t < longest_input; ++t) {
      for (int64_t b = begin; b < end; ++b) {
        if (t >= seq_len[b]) continue;
        const T* row = logits + (t * batch + b) * classes;
        const int64_t best = FirstMax(row, classes);
        const size_t i = static_cast<size_t>(b - begin);
        scores[i] += -row[best];
        if (best != blank && !(merge && best == previous[i])) sequences[static_cast<size_t>(b)].push_back(best);
        previous[i] = best;
      }
    }
    for (int64_t b = begin; b < end; ++b) log_prob[b] = scores[static_cast<size_t>(b - begin)];
  });

  int64_t total = 0, longest = 0;
  for (const auto& sequence : sequences) {
    total += static_cast<int64_t>(sequence.size());
    longest = std::max(longest, static_cast<int64_t>(sequence.size()));
  }
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({total, 2})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({total})));
  int64_t* indices = ctx.output(0).data<int64_t>();
  int64_t* values = ctx.output(1).data<int64_t>();
  int64_t k = 0;
  for (int64_t b = 0; b < batch; ++b) {
    const auto& sequence = sequences[static_cast<size_t>(b)];
    for (size_t t = 0; t < sequence.size(); ++t, ++k) {
      indices[2 * k] = b;
      indices[2 * k + 1] = static_cast<int64_t>(t);
      values[k] = sequence[t];
    }
  }
  int64_t* dense_shape = ctx.output(2).data<int64_t>();
  dense_shape[0] = batch;
  dense_shape[1] = longest;
  return Status::Ok();
}

Status CtcGreedyKernel(KernelContext& ctx, const GreedyParams& p) {
  return Dispatch<float, double>(ctx.input(0).dtype(),
                                 [&](auto tag) { return Decode<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("CTCGreedyDecoder")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Best-path CTC decoding of logits [max_time, batch, classes] "
                              "(tf.nn.ctc_greedy_decoder); the decoded sequences as a sparse tensor.")
                         .Input("inputs: T")
                         .Input("sequence_length: int32")
                         .Output("decoded_indices: int64")
                         .Output("decoded_values: int64")
                         .Output("decoded_shape: int64")
                         .Output("log_probability: T")
                         .Params<GreedyParams>()
                         .Attr("T: {float, double} = DT_FLOAT")
                         .ShapeRule(CtcGreedyShape)
                         .Kernel(CtcGreedyKernel));

}  // namespace
}  // namespace opbridge
