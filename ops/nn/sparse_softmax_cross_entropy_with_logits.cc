// SparseSoftmaxCrossEntropyWithLogits: softmax cross-entropy against integer
// labels, the op behind keras.losses.SparseCategoricalCrossentropy(
// from_logits=True) and tf.nn.sparse_softmax_cross_entropy_with_logits. The
// converter leaves CUSTOM "SparseSoftmaxCrossEntropyWithLogits" {T, Tlabels}
// (two outputs: the loss per row and its gradient with respect to the logits).
//
// TF's CPU kernel (sparse_xent_op.h), row by row: m = max(logits),
// s = logits - m, sum = sum(exp(s)), loss = log(sum) - s[label],
// backprop = exp(s) / sum - (j == label). The exp and the sum are evaluated
// as TF's Eigen does (softmax_xent.h), so results are TF's bits. Labels
// outside [0, classes) are an error on TF's CPU ("Received a label value of
// ... which is outside the valid range"), checked only when there are rows.
#include <algorithm>
#include <string>
#include <vector>

#include "softmax_xent.h"

namespace opbridge {
namespace {

Status SparseXentShape(ShapeContext& ctx) {
  const Shape& logits = ctx.input(0);
  const Shape& labels = ctx.input(1);
  if (logits.rank_known() && logits.rank() != 2) {
    return Errorf("logits must be 2-D, but got shape ", logits.ToString());
  }
  if (labels.rank_known() && labels.rank() != 1) {
    return Errorf("labels must be 1-D, but got shape ", labels.ToString());
  }
  if (logits.rank_known() && labels.rank_known() && logits.dim(0) != kUnknownDim &&
      labels.dim(0) != kUnknownDim && logits.dim(0) != labels.dim(0)) {
    return Errorf("logits and labels must have the same first dimension, got logits shape ", logits.ToString(),
                  " and labels shape ", labels.ToString());
  }
  if (logits.rank_known() && logits.dim(1) == 0) {
    return Errorf("Must have at least one class, but got logits shape ", logits.ToString());
  }
  const int64_t batch = logits.rank_known() ? logits.dim(0) : labels.rank_known() ? labels.dim(0) : kUnknownDim;
  ctx.set_output(0, Shape{batch});
  ctx.set_output(1, logits.rank_known() ? logits : Shape{batch, kUnknownDim});
  return Status::Ok();
}

template <typename Index>
Status CheckLabels(const ConstTensor& labels, int64_t classes) {
  const Index* v = labels.data<Index>();
  const int64_t n = labels.num_elements();
  if (n == 0) return Status::Ok();
  const auto [lo, hi] = std::minmax_element(v, v + n);
  if (*lo >= 0 && static_cast<int64_t>(*hi) < classes) return Status::Ok();
  const int64_t bad = *lo < 0 ? static_cast<int64_t>(*lo) : static_cast<int64_t>(*hi);
  std::string values;
  for (int64_t i = 0; i < n; ++i) values += (i ? " " : "") + std::to_string(v[i]);
  return Errorf("Received a label value of ", bad, " which is outside the valid range of [0, ", classes,
                ").  Label values: ", values);
}

template <typename T, typename Index>
Status SparseXent(KernelContext& ctx) {
  const ConstTensor& logits_t = ctx.input(0);
  const int64_t batch = logits_t.dim(0), classes = logits_t.dim(1);
  if (batch == 0) return Status::Ok();
  OPBRIDGE_RETURN_IF_ERROR(CheckLabels<Index>(ctx.input(1), classes));
  const T* logits = logits_t.data<T>();
  const Index* labels = ctx.input(1).data<Index>();
  T* loss = ctx.output(0).data<T>();
  T* backprop = ctx.output(1).data<T>();
  const int64_t n = batch * classes;
  // backprop holds s = logits - max first (exact), as in TF.
  ctx.ParallelFor(batch, 4 * classes, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const T* row = logits + b * classes;
      T m = row[0];
      for (int64_t j = 1; j < classes; ++j) m = row[j] > m ? row[j] : m;
      for (int64_t j = 0; j < classes; ++j) backprop[b * classes + j] = static_cast<T>(row[j] - m);
    }
  });
  // Packet-path exps of every element, computed once: the row sums read them
  // where Eigen's reducer takes whole packets, the backprop where TF's flat
  // evaluation does (the scalar path's are recomputed, in the tails only).
  std::vector<T> exps(static_cast<size_t>(n));
  ctx.ParallelFor(batch, 10 * classes, [&](int64_t begin, int64_t end) {
    nn::PacketExpRange(backprop + begin * classes, exps.data() + begin * classes, (end - begin) * classes);
  });
  std::vector<T> sums(static_cast<size_t>(batch));
  ctx.ParallelFor(batch, 4 * classes, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      sums[static_cast<size_t>(b)] = nn::InnerMostSum<T>(
          b * classes, classes, [&](int64_t i) { return exps[static_cast<size_t>(i)]; },
          [&](int64_t i) { return nn::ScalarExp(backprop[i]); });
      const int64_t label = static_cast<int64_t>(labels[b]);
      loss[b] = static_cast<T>(static_cast<T>(Eigen::numext::log(sums[static_cast<size_t>(b)])) -
                               backprop[b * classes + label]);
    }
  });
  const int64_t flat_packet_end = n - n % nn::kTfPacketSize<T>;
  ctx.ParallelFor(
      n, 4,
      [&](int64_t begin, int64_t end) {
        int64_t b = begin / classes, j = begin % classes;
        for (int64_t i = begin; i < end; ++i) {
          const T e = i < flat_packet_end ? exps[static_cast<size_t>(i)] : nn::ScalarExp(backprop[i]);
          const T subtract = j == static_cast<int64_t>(labels[b]) ? T(1) : T(0);
          backprop[i] = static_cast<T>(static_cast<T>(e / sums[static_cast<size_t>(b)]) - subtract);
          if (++j == classes) j = 0, ++b;
        }
      },
      /*grain=*/nn::kTfPacketSize<T>);
  return Status::Ok();
}

Status SparseXentKernel(KernelContext& ctx) {
  return nn::DispatchFloatTypes(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return Dispatch<int32_t, int64_t>(ctx.input(1).dtype(), [&](auto label_tag) {
      return SparseXent<T, typename decltype(label_tag)::type>(ctx);
    });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("SparseSoftmaxCrossEntropyWithLogits")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Softmax cross-entropy of logits [batch, classes] against integer labels "
                              "[batch]: loss [batch] and backprop [batch, classes].")
                         .Input("features: T")
                         .Input("labels: Tlabels")
                         .Output("loss: T")
                         .Output("backprop: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .Attr("Tlabels: {int32, int64} = DT_INT64")
                         .ShapeRule(SparseXentShape)
                         .Kernel(SparseXentKernel));

}  // namespace
}  // namespace opbridge
